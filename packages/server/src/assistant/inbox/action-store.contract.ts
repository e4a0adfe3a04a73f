import { describe, expect, it } from 'vitest';
import type { Clock } from '../../kernel/index.ts';
import type { ActionStore } from '../types.ts';
import type { NewPendingAction } from './action-store.ts';

/**
 * What a contract run needs: a fresh action store reading time from `clock`, a second handle on the same data (for
 * SQLite, another connection: a second process), with the users `alice` and `bob` already known.
 */
export type ActionStorePairFactory = (clock: Clock) => Promise<{ actions: ActionStore; other: ActionStore }>;

const T0 = Date.parse('2026-03-02T10:00:00Z');
const MINUTE = 60_000;
let counter = 0;

function action(overrides: Partial<NewPendingAction> = {}): NewPendingAction {
  counter += 1;
  return {
    id: `AC${String(counter).padStart(24, '0')}`,
    userId: 'alice',
    tool: 'send_message',
    arguments: { to: 'sam@example.com', body: 'The deck is attached.', attachments: [{ name: 'deck.pdf' }] },
    summary: 'Send an email to sam@example.com: "The deck is attached."',
    requestedBy: 'chat:cli',
    createdAt: T0,
    expiresAt: T0 + 30 * MINUTE,
    ...overrides,
  };
}

/** A clock the test moves by hand. */
function manualClock(start: number): Clock & { set(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    set: (ms) => {
      now = ms;
    },
  };
}

/** The behaviour every ActionStore adapter must show; run it from each adapter's test file. */
export function describeActionStoreContract(name: string, makeStores: ActionStorePairFactory): void {
  describe(`ActionStore contract: ${name}`, () => {
    it('adds a pending action with its exact arguments and reads it back for its owner only', async () => {
      const { actions } = await makeStores(manualClock(T0));
      const asked = action();
      const added = await actions.add(asked);
      const expected = {
        ...asked,
        origin: null,
        status: 'pending',
        result: null,
        decidedBy: null,
        decidedAt: null,
      };
      expect(added).toEqual(expected);
      (asked.arguments.attachments as Array<{ name: string }>)[0]!.name = 'changed.pdf';
      expect(await actions.get('alice', asked.id)).toEqual({
        ...expected,
        arguments: { ...expected.arguments, attachments: [{ name: 'deck.pdf' }] },
      });
      expect(await actions.get('bob', asked.id)).toBeNull();
      expect(await actions.get('alice', 'AC-unknown')).toBeNull();
    });

    it('keeps where a request came from, and refuses an origin that is not one', async () => {
      const { actions, other } = await makeStores(manualClock(T0));
      const origin = {
        reasons: ['perceived_context' as const, 'perceived_arguments' as const, 'rule_of_two' as const],
        sources: [
          { observationId: 'OB1', modality: 'frame', capturedAt: T0 - MINUTE, via: 'search_memory' },
          { observationId: null, modality: null, capturedAt: null, via: 'mail__search' },
        ],
        explanation: 'This came from text seen by a camera at 09:59, not from you.',
      };
      const asked = action({ origin });
      expect((await actions.add(asked)).origin).toEqual(origin);
      expect((await other.get('alice', asked.id))?.origin).toEqual(origin);
      const bad = action({ origin: { ...origin, reasons: ['because' as 'rule_of_two'] } });
      await expect(actions.add(bad)).rejects.toMatchObject({ code: 'validation_failed' });
      expect(await actions.get('alice', bad.id)).toBeNull();
    });

    it('refuses an invalid or duplicate action', async () => {
      const { actions } = await makeStores(manualClock(T0));
      await expect(actions.add(action({ tool: ' ' }))).rejects.toMatchObject({ code: 'validation_failed' });
      await expect(actions.add(action({ expiresAt: T0 }))).rejects.toMatchObject({
        code: 'validation_failed',
      });
      await expect(
        actions.add(action({ arguments: 'to sam' as unknown as Record<string, unknown> })),
      ).rejects.toMatchObject({ code: 'validation_failed' });
      expect(await actions.list('alice', { status: 'all' })).toEqual([]);
      const first = await actions.add(action());
      await expect(actions.add(action({ id: first.id, tool: 'buy' }))).rejects.toMatchObject({
        code: 'id_conflict',
      });
      expect(await actions.get('alice', first.id)).toMatchObject({ tool: 'send_message' });
    });

    it('lists pending actions newest first by default, or by status', async () => {
      const { actions } = await makeStores(manualClock(T0 + MINUTE));
      const older = await actions.add(action({ createdAt: T0 - MINUTE }));
      const newer = await actions.add(action({ createdAt: T0 }));
      const decided = await actions.add(action({ createdAt: T0 + 1 }));
      await actions.add(action({ userId: 'bob' }));
      await actions.transition('alice', decided.id, 'pending', 'rejected', { at: T0 + MINUTE, by: 'cli' });
      const ids = async (options?: Parameters<ActionStore['list']>[1]) =>
        (await actions.list('alice', options)).map((found) => found.id);
      expect(await ids()).toEqual([newer.id, older.id]);
      expect(await ids({ status: 'rejected' })).toEqual([decided.id]);
      expect(await ids({ status: 'all' })).toEqual([decided.id, newer.id, older.id]);
      expect(await ids({ status: 'done' })).toEqual([]);
    });

    it('moves pending → confirmed → done once, recording who decided, when, and the result', async () => {
      const { actions } = await makeStores(manualClock(T0));
      const { id } = await actions.add(action());
      const confirmed = await actions.transition('alice', id, 'pending', 'confirmed', {
        at: T0 + MINUTE,
        by: 'device:phone',
      });
      expect(confirmed).toMatchObject({
        status: 'confirmed',
        decidedBy: 'device:phone',
        decidedAt: T0 + MINUTE,
      });
      await expect(
        actions.transition('alice', id, 'pending', 'confirmed', { at: T0 + 2 * MINUTE, by: 'cli' }),
      ).rejects.toMatchObject({ code: 'conflict', details: { expected: 'pending', actual: 'confirmed' } });
      const result = { messageId: 'm-1', accepted: ['sam@example.com'], nested: { ok: true } };
      const done = await actions.transition('alice', id, 'confirmed', 'done', {
        at: T0 + 3 * MINUTE,
        result,
      });
      expect(done).toMatchObject({
        status: 'done',
        result,
        decidedBy: 'device:phone',
        decidedAt: T0 + MINUTE,
      });
      expect(await actions.get('alice', id)).toEqual(done);
      await expect(
        actions.transition('alice', id, 'confirmed', 'failed', { at: T0 + 4 * MINUTE, result: 'late' }),
      ).rejects.toMatchObject({ code: 'conflict' });
      const failing = await actions.add(action());
      await actions.transition('alice', failing.id, 'pending', 'confirmed', { at: T0 });
      expect(
        await actions.transition('alice', failing.id, 'confirmed', 'failed', {
          at: T0 + MINUTE,
          result: { error: 'smtp refused' },
        }),
      ).toMatchObject({ status: 'failed', decidedBy: null, result: { error: 'smtp refused' } });
    });

    it('refuses moves that are never allowed, and actions that do not exist for the user', async () => {
      const { actions } = await makeStores(manualClock(T0));
      const { id } = await actions.add(action());
      await expect(actions.transition('alice', id, 'pending', 'done', { at: T0 })).rejects.toMatchObject({
        code: 'validation_failed',
      });
      await expect(actions.transition('alice', id, 'done', 'pending', { at: T0 })).rejects.toMatchObject({
        code: 'validation_failed',
      });
      await expect(
        actions.transition('alice', 'AC-unknown', 'pending', 'confirmed', { at: T0 }),
      ).rejects.toMatchObject({ code: 'not_found' });
      await expect(actions.transition('bob', id, 'pending', 'confirmed', { at: T0 })).rejects.toMatchObject({
        code: 'not_found',
      });
      expect(await actions.get('alice', id)).toMatchObject({ status: 'pending' });
    });

    it('lets only one of two racing deciders through, across handles', async () => {
      const { actions, other } = await makeStores(manualClock(T0));
      const { id } = await actions.add(action());
      const outcomes = await Promise.allSettled([
        actions.transition('alice', id, 'pending', 'confirmed', { at: T0 + 1, by: 'cli' }),
        other.transition('alice', id, 'pending', 'rejected', { at: T0 + 2, by: 'device:phone' }),
        other.transition('alice', id, 'pending', 'confirmed', { at: T0 + 3, by: 'device:watch' }),
      ]);
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      for (const outcome of outcomes)
        if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'conflict' });
      const decided = (await other.get('alice', id))!.status;
      const runs = await Promise.allSettled([
        actions.transition('alice', id, 'confirmed', 'done', { at: T0 + 4, result: 1 }),
        other.transition('alice', id, 'confirmed', 'done', { at: T0 + 5, result: 2 }),
      ]);
      expect(runs.filter((run) => run.status === 'fulfilled')).toHaveLength(decided === 'confirmed' ? 1 : 0);
      for (const run of runs)
        if (run.status === 'rejected') expect(run.reason).toMatchObject({ code: 'conflict' });
    });

    it('reports a pending action past its expiry as expired, and refuses to confirm it', async () => {
      const clock = manualClock(T0);
      const { actions, other } = await makeStores(clock);
      const soon = await actions.add(action({ expiresAt: T0 + MINUTE }));
      const later = await actions.add(action({ expiresAt: T0 + 60 * MINUTE }));
      const confirmed = await actions.add(action({ expiresAt: T0 + MINUTE }));
      await actions.transition('alice', confirmed.id, 'pending', 'confirmed', { at: T0, by: 'cli' });
      clock.set(T0 + MINUTE);
      expect(await actions.get('alice', soon.id)).toMatchObject({
        status: 'expired',
        decidedAt: T0 + MINUTE,
        decidedBy: null,
      });
      expect((await other.list('alice')).map((found) => found.id)).toEqual([later.id]);
      expect((await actions.list('alice', { status: 'expired' })).map((found) => found.id)).toEqual([
        soon.id,
      ]);
      expect(await actions.get('alice', confirmed.id)).toMatchObject({ status: 'confirmed' });
      await expect(
        actions.transition('alice', soon.id, 'pending', 'confirmed', { at: T0 + MINUTE, by: 'cli' }),
      ).rejects.toMatchObject({ code: 'conflict', details: { actual: 'expired' } });
      // A decision stamped after the expiry is refused even when the store's clock is behind.
      clock.set(T0);
      await expect(
        actions.transition('alice', later.id, 'pending', 'confirmed', { at: T0 + 61 * MINUTE }),
      ).rejects.toMatchObject({ code: 'conflict', details: { actual: 'expired' } });
      const early = await actions.add(action({ expiresAt: T0 + MINUTE }));
      expect(
        await actions.transition('alice', early.id, 'pending', 'expired', {
          at: T0 + 1,
          by: 'session-ended',
        }),
      ).toMatchObject({ status: 'expired', decidedAt: T0 + 1, decidedBy: 'session-ended' });
    });
  });
}
