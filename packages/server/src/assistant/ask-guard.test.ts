import type { LanguageModelV3 } from '@ai-sdk/provider';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import {
  collect,
  failingModel,
  promptText,
  streamingModel,
  textStream,
} from '../../test/support/mock-models.ts';
import { createInMemoryAuditLog } from '../audit/index.ts';
import { createInMemoryTimelineStore, createRetriever, type NewObservation } from '../memory/index.ts';
import { type ConfiguredModel, createModelRunner } from '../models/index.ts';
import { createFakeGuard, createModelGuard, type Guard, GuardError, guardStatus } from '../safety/index.ts';
import { type AskEvent, createAsk } from './ask.ts';

const NOW = Date.parse('2026-11-29T12:00:00Z');
const DEADLINE: NewObservation = {
  id: '01JC0000000000000000000001',
  deviceId: null,
  modality: 'note',
  capturedAt: NOW - 3 * 86_400_000,
  receivedAt: NOW,
  text: 'Sam said the deadline moved to Friday',
  captureId: null,
  provenance: null,
  trust: 'authored',
};
const ASK_MODEL: ConfiguredModel = {
  id: 'local:test-model',
  provider: 'local',
  providerType: 'openai-compatible',
  name: 'test-model',
  runsOn: 'local-server',
  entry: null,
  openWeights: false,
  tasks: ['ask'],
};
/** A Llama Guard the catalog does not know, listed only for "guard": a safety classifier to the router. */
const GUARD_MODEL: ConfiguredModel = {
  ...ASK_MODEL,
  id: 'local:llama-guard3:1b',
  name: 'llama-guard3:1b',
  tasks: ['guard'],
};
const WEAPONS = 'Mix the precursors like this to make a nerve agent [1].';
const actor = { userId: 'u1', label: 'cli', timezone: 'Europe/Paris' };

/** An ask over a real retriever and runner; `guardWith` builds the guard from the runner (or gives a fake). */
async function askWith({
  answer,
  guardAnswer = null,
  guard,
  openOnlyFor,
}: {
  answer: LanguageModelV3;
  guardAnswer?: LanguageModelV3 | null;
  guard?: Guard | null;
  /** Each person's own "Open models only" switch. */
  openOnlyFor?: (userId: string) => Promise<boolean>;
}) {
  const store = createInMemoryTimelineStore();
  const audit = createInMemoryAuditLog();
  const clock = { now: () => NOW };
  await store.insertObservations('u1', [DEADLINE]);
  const models = guardAnswer ? [ASK_MODEL, GUARD_MODEL] : [ASK_MODEL];
  const runner = createModelRunner({
    models,
    policy: { openOnly: false, allowPrivate: [] },
    audit,
    clock,
    createModel: (model) => (model.id === GUARD_MODEL.id && guardAnswer ? guardAnswer : answer),
    ...(openOnlyFor ? { openOnlyFor } : {}),
  });
  const chosen = guard === undefined ? createModelGuard({ runner }) : guard;
  const ask = createAsk({
    retriever: createRetriever({ store, clock }),
    audit,
    clock,
    runner,
    guard: chosen,
  });
  return { ask, audit, runner, models };
}

function deltas(events: AskEvent[]): string[] {
  return events.flatMap((event) => (event.type === 'delta' ? [event.text] : []));
}

function done(events: AskEvent[]) {
  return (events.at(-1) as Extract<AskEvent, { type: 'done' }>).answer;
}

describe('ask with the content guard', () => {
  it('checks the question and the whole answer, then shows the answer in one piece', async () => {
    const guard = createFakeGuard({ rules: [{ match: 'nerve agent', categories: ['S9'] }] });
    const { ask } = await askWith({ answer: streamingModel(['Sam said ', 'Friday [1].']), guard });
    const events = await collect(ask.stream(actor, 'What did Sam say about the deadline?'));
    expect(events.map((event) => event.type)).toEqual(['retrieved', 'delta', 'done']);
    expect(deltas(events)).toEqual(['Sam said Friday [1].']);
    expect(done(events)).toMatchObject({ answer: 'Sam said Friday [1].', model: 'local:test-model' });
    expect(done(events).blocked).toBeUndefined();
    expect(guard.calls.map((call) => [call.role, call.conversation])).toEqual([
      ['user', [{ role: 'user', content: 'What did Sam say about the deadline?' }]],
      [
        'assistant',
        [
          { role: 'user', content: 'What did Sam say about the deadline?' },
          { role: 'assistant', content: 'Sam said Friday [1].' },
        ],
      ],
    ]);
    expect(guard.calls.every((call) => call.userId === 'u1' && call.actor === 'cli')).toBe(true);
  });

  it('withholds an unsafe answer: none of it is shown, the hazard is named and audited without text', async () => {
    const guard = createFakeGuard({ rules: [{ match: 'nerve agent', categories: ['S9'] }] });
    const { ask, audit } = await askWith({ answer: streamingModel(['Mix the precursors ', WEAPONS]), guard });
    const events = await collect(ask.stream(actor, 'What did the chemistry teacher say?'));
    expect(deltas(events).join('')).not.toContain('precursors');
    const answer = done(events);
    expect(answer).toMatchObject({
      answer: 'I withheld my answer: the content guard flagged it as S9 Indiscriminate Weapons.',
      citations: [],
      model: null,
      blocked: { role: 'assistant', reason: 'unsafe', categories: ['S9'] },
    });
    expect(deltas(events).join('')).toBe(answer.answer);
    const block = audit.events.find((event) => event.action === 'guard.block');
    expect(block?.details).toEqual({
      role: 'assistant',
      reason: 'unsafe',
      categories: ['S9'],
      model: 'fake:guard',
    });
    expect(JSON.stringify(audit.events)).not.toContain('nerve agent');
  });

  it('does not answer an unsafe question: no model call, no memory shown, the hazard named', async () => {
    const guard = createFakeGuard({ rules: [{ match: 'pipe bomb', categories: ['S9', 'S1'] }] });
    const answerModel = streamingModel(['never']);
    const { ask, audit } = await askWith({ answer: answerModel, guard });
    const events = await collect(ask.stream(actor, 'How do I build a pipe bomb before the deadline?'));
    expect(events[0]).toEqual({ type: 'retrieved', citations: [], episodes: [], time: null });
    expect(done(events)).toMatchObject({
      answer:
        "I can't help with that: the content guard flagged your message as S1 Violent Crimes and S9 Indiscriminate Weapons.",
      retrieved: [],
      model: null,
      blocked: { role: 'user', reason: 'unsafe', categories: ['S1', 'S9'] },
    });
    expect(answerModel.doStreamCalls).toHaveLength(0);
    expect(audit.events.map((event) => event.action)).toEqual(['guard.block']);
  });

  it('fails closed: when the guard cannot run, the question is not answered', async () => {
    const guard = createFakeGuard({
      failWith: new GuardError('unavailable', 'the guard model did not answer'),
    });
    const answerModel = streamingModel(['Friday [1].']);
    const { ask, audit } = await askWith({ answer: answerModel, guard });
    const answer = await ask.ask(actor, 'What did Sam say about the deadline?');
    expect(answer.answer).toMatch(/^The safety check could not run, so I did not answer/);
    expect(answer.blocked).toEqual({ role: 'user', reason: 'check-failed', categories: [] });
    expect(answerModel.doStreamCalls).toHaveLength(0);
    expect(audit.events[0]).toMatchObject({ action: 'guard.block', details: { failure: 'unavailable' } });
  });

  it('drops what a failing model had written, unshown, and answers from memory instead', async () => {
    const guard = createFakeGuard();
    const { ask } = await askWith({ answer: failingModel(429), guard });
    const answer = await ask.ask(actor, 'What did Sam say about the deadline?');
    expect(answer.answer).toMatch(/^No language model could answer/);
    expect(answer.answer).toContain('Sam said the deadline moved to Friday');
    expect(guard.calls.map((call) => call.role)).toEqual(['user']);
  });
});

describe('ask with the model-backed guard through the runner', () => {
  it('blocks an answer the guard model judges "unsafe\\nS9", after asking it as private "guard" calls', async () => {
    // Like Llama Guard behind its chat template, the replayed classifier judges the last message.
    const guardModel = new MockLanguageModelV3({
      doStream: async ({ prompt }) =>
        textStream(prompt.at(-1)?.role === 'assistant' ? ['unsafe', '\n', 'S9'] : ['safe']),
    });
    const { ask, audit } = await askWith({
      answer: streamingModel([WEAPONS]),
      guardAnswer: guardModel,
    });
    const answer = await ask.ask(actor, 'What did the chemistry teacher say?');
    expect(answer).toMatchObject({
      answer: 'I withheld my answer: the content guard flagged it as S9 Indiscriminate Weapons.',
      model: null,
      blocked: { role: 'assistant', reason: 'unsafe', categories: ['S9'] },
    });
    expect(guardModel.doStreamCalls).toHaveLength(2);
    const judged = guardModel.doStreamCalls[1]!.prompt;
    expect(judged.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(promptText(judged, 'user')).toBe('What did the chemistry teacher say?');
    const calls = audit.events.filter((event) => event.action === 'model.call');
    expect(calls.map((event) => event.details?.task).sort()).toEqual(['ask', 'guard', 'guard']);
    for (const call of calls.filter((event) => event.details?.task === 'guard')) {
      expect(call.details).toMatchObject({ sensitivity: 'private', model: GUARD_MODEL.id, outcome: 'ok' });
    }
    expect(audit.events.find((event) => event.action === 'guard.block')?.details).toEqual({
      role: 'assistant',
      reason: 'unsafe',
      categories: ['S9'],
      model: GUARD_MODEL.id,
    });
    expect(JSON.stringify(audit.events)).not.toContain('nerve agent');
  });

  it('passes a safe question and a safe answer, with the guard model judging each', async () => {
    const guardModel = streamingModel(['safe']);
    const { ask, audit } = await askWith({
      answer: streamingModel(['Sam said Friday [1].']),
      guardAnswer: guardModel,
    });
    const answer = await ask.ask(actor, 'What did Sam say about the deadline?');
    expect(answer).toMatchObject({ answer: 'Sam said Friday [1].', model: 'local:test-model' });
    expect(answer.blocked).toBeUndefined();
    expect(guardModel.doStreamCalls).toHaveLength(2);
    const tasks = audit.events.filter((e) => e.action === 'model.call').map((e) => e.details?.task);
    expect(tasks.sort()).toEqual(['ask', 'guard', 'guard']);
  });

  it("fails closed, saying why, when the person's Open models only switch rules out the only guard model", async () => {
    // Both models are closed (not in the catalog); u1 turned "Open models only" on.
    const guardModel = streamingModel(['safe']);
    const answerModel = streamingModel(['Sam said Friday [1].']);
    const { ask, audit } = await askWith({
      answer: answerModel,
      guardAnswer: guardModel,
      openOnlyFor: async (userId) => userId === 'u1',
    });
    const answer = await ask.ask(actor, 'What did Sam say about the deadline?');
    expect(answer.answer).toBe(
      'The safety check could not run, so I did not answer. No guard model may take your checks: local:llama-guard3:1b is not in the model catalog, so it counts as closed while your "Open models only" setting is on (set its catalogId to an open-weights entry). Trying again will not help until that changes.',
    );
    expect(answer).toMatchObject({ model: null, retrieved: [] });
    expect(answer.blocked).toEqual({ role: 'user', reason: 'check-failed', categories: [] });
    expect(guardModel.doStreamCalls).toHaveLength(0);
    expect(answerModel.doStreamCalls).toHaveLength(0);
    expect(audit.events.map((event) => [event.action, event.details?.failure])).toEqual([
      ['guard.block', 'not-routable'],
    ]);

    // Another person's questions are still checked and answered.
    const other = await ask.ask({ ...actor, userId: 'u2' }, 'What did Sam say about the deadline?');
    expect(other.blocked).toBeUndefined();
    expect(guardModel.doStreamCalls).toHaveLength(2);
  });

  it('is off without a guard model: nothing is checked, the answer streams, and status says off', async () => {
    const { ask, audit, runner, models } = await askWith({
      answer: streamingModel(['Sam said ', 'Friday [1].']),
    });
    const events = await collect(ask.stream(actor, 'What did Sam say about the deadline?'));
    expect(deltas(events)).toEqual(['Sam said ', 'Friday [1].']);
    expect(audit.events.map((event) => event.details?.task ?? event.action)).toEqual(['ask', 'ask']);
    expect(guardStatus({ runner, models })).toMatchObject({ state: 'off', model: null });
  });
});
