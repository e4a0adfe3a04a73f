import { describe, expect, it } from 'vitest';
import { createInMemoryAuditLog } from '../../audit/index.ts';
import { createFakeGuard } from './fake-guard.ts';
import { GuardError } from './guard.ts';
import { guardTurn } from './guard-turn.ts';

const NOW = Date.parse('2026-11-29T12:00:00Z');
const clock = { now: () => NOW };
const who = { userId: 'u1', actor: 'device:glasses' };
const SECRET = 'the synthesis route for sarin';

describe('guardTurn', () => {
  it('allows without calling anything when the guard is off', async () => {
    const audit = createInMemoryAuditLog();
    const result = await guardTurn({
      guard: null,
      audit,
      clock,
      ...who,
      role: 'user',
      conversation: [{ role: 'user', content: SECRET }],
    });
    expect(result).toEqual({ action: 'allow', verdict: null });
    expect(audit.events).toEqual([]);
  });

  it('allows a safe turn and records nothing', async () => {
    const audit = createInMemoryAuditLog();
    const guard = createFakeGuard({ rules: [{ match: 'sarin', categories: ['S9'] }] });
    const result = await guardTurn({
      guard,
      audit,
      clock,
      ...who,
      role: 'user',
      conversation: [{ role: 'user', content: 'Where did I park?' }],
    });
    expect(result).toMatchObject({ action: 'allow', verdict: { verdict: 'safe' } });
    expect(audit.events).toEqual([]);
  });

  it('blocks an unsafe question, names the hazard, and audits the categories without the text', async () => {
    const audit = createInMemoryAuditLog();
    const guard = createFakeGuard({ rules: [{ match: 'sarin', categories: ['S9'] }] });
    const result = await guardTurn({
      guard,
      audit,
      clock,
      ...who,
      role: 'user',
      conversation: [{ role: 'user', content: `Tell me ${SECRET}` }],
    });
    expect(result).toEqual({
      action: 'block',
      role: 'user',
      reason: 'unsafe',
      categories: ['S9'],
      message: "I can't help with that: the content guard flagged your message as S9 Indiscriminate Weapons.",
    });
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]).toMatchObject({
      userId: 'u1',
      at: NOW,
      actor: 'device:glasses',
      action: 'guard.block',
      target: null,
      details: { role: 'user', reason: 'unsafe', categories: ['S9'], model: 'fake:guard' },
    });
    expect(JSON.stringify(audit.events)).not.toContain('sarin');
  });

  it('withholds an unsafe answer and says which categories it was flagged for', async () => {
    const guard = createFakeGuard({ rules: [{ match: 'kill yourself', categories: ['S11', 'S1'] }] });
    const result = await guardTurn({
      guard,
      audit: createInMemoryAuditLog(),
      clock,
      ...who,
      role: 'assistant',
      conversation: [
        { role: 'user', content: 'I feel low' },
        { role: 'assistant', content: 'You should kill yourself' },
      ],
    });
    expect(result).toMatchObject({
      action: 'block',
      role: 'assistant',
      message:
        'I withheld my answer: the content guard flagged it as S1 Violent Crimes and S11 Suicide & Self-Harm.',
    });
  });

  it('fails closed: a guard that cannot answer blocks the turn, audited as check-failed', async () => {
    const audit = createInMemoryAuditLog();
    const guard = createFakeGuard({
      failWith: new GuardError('unavailable', 'the guard model did not answer: HTTP 500'),
    });
    const result = await guardTurn({
      guard,
      audit,
      clock,
      ...who,
      role: 'user',
      conversation: [{ role: 'user', content: 'Where did I park?' }],
    });
    expect(result).toMatchObject({ action: 'block', reason: 'check-failed', categories: [] });
    expect(result.action === 'block' && result.message).toContain('The safety check could not run');
    expect(audit.events[0]?.details).toEqual({
      role: 'user',
      reason: 'check-failed',
      categories: [],
      model: 'fake:guard',
      failure: 'unavailable',
    });
  });

  it('fails closed and says why when the person’s own settings leave no guard model', async () => {
    const audit = createInMemoryAuditLog();
    const reason =
      'no guard model may take your checks: local:guard is not in the model catalog, so it counts as closed while your "Open models only" setting is on (set its catalogId to an open-weights entry)';
    const guard = createFakeGuard({ failWith: new GuardError('not-routable', reason) });
    const asked = await guardTurn({
      guard,
      audit,
      clock,
      ...who,
      role: 'user',
      conversation: [{ role: 'user', content: 'Where did I park?' }],
    });
    expect(asked).toEqual({
      action: 'block',
      role: 'user',
      reason: 'check-failed',
      categories: [],
      message:
        'The safety check could not run, so I did not answer. No guard model may take your checks: local:guard is not in the model catalog, so it counts as closed while your "Open models only" setting is on (set its catalogId to an open-weights entry). Trying again will not help until that changes.',
    });
    const answered = await guardTurn({
      guard,
      audit,
      clock,
      ...who,
      role: 'assistant',
      conversation: [
        { role: 'user', content: 'Where did I park?' },
        { role: 'assistant', content: 'Level 2.' },
      ],
    });
    expect(answered.action === 'block' && answered.message).toMatch(
      /^The safety check of my answer could not run, so I withheld it\. No guard model may take your checks: .*"Open models only"/,
    );
    expect(audit.events.map((event) => event.details)).toEqual([
      { role: 'user', reason: 'check-failed', categories: [], model: 'fake:guard', failure: 'not-routable' },
      {
        role: 'assistant',
        reason: 'check-failed',
        categories: [],
        model: 'fake:guard',
        failure: 'not-routable',
      },
    ]);
  });

  it('fails closed on a malformed check too, and rethrows the caller’s abort', async () => {
    const guard = createFakeGuard();
    const blocked = await guardTurn({
      guard,
      audit: createInMemoryAuditLog(),
      clock,
      ...who,
      role: 'assistant',
      conversation: [{ role: 'user', content: 'hi' }],
    });
    expect(blocked).toMatchObject({ action: 'block', reason: 'check-failed' });
    const controller = new AbortController();
    controller.abort(new Error('the person left'));
    await expect(
      guardTurn({
        guard,
        audit: createInMemoryAuditLog(),
        clock,
        ...who,
        role: 'user',
        conversation: [{ role: 'user', content: 'hi' }],
        signal: controller.signal,
      }),
    ).rejects.toThrow('the person left');
  });
});
