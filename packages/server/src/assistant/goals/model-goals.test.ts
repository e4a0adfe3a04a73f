import { describe, expect, it } from 'vitest';
import { failingModel, promptText, runnerOver, streamingModel } from '../../../test/support/mock-models.ts';
import { localDay } from '../../kernel/index.ts';
import type { Goal } from '../types.ts';
import { parseGoal } from './goal-spec.ts';
import { createModelGoalParser, createModelProgressDetector } from './model-goals.ts';
import { detectProgress } from './progress-rules.ts';

// Wed 15 Apr 2026, 19:30 in London.
const capturedAt = Date.parse('2026-04-15T18:30:00Z');
const T0 = Date.parse('2026-04-01T00:00:00Z');

function goal(overrides: Partial<Goal>): Goal {
  return {
    id: 'G1',
    userId: 'alice',
    title: 'Run a 10k',
    text: 'run a 10k by June',
    activity: 'run',
    about: [],
    target: { amount: 10, unit: 'km', counting: 'max', period: null },
    deadline: null,
    plan: [],
    status: 'active',
    startedAt: T0,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

const tenK = goal({});
const callMum = goal({
  id: 'G2',
  title: 'Call mum every week',
  activity: 'call',
  about: ['mum'],
  target: { amount: 1, unit: 'times', counting: 'cadence', period: 'week' },
});
const ctx = { capturedAt, timezone: 'Europe/London', userId: 'alice', goals: [tenK, callMum] };

const answering = (value: unknown) => streamingModel([JSON.stringify(value)]);

describe('model progress detector', () => {
  it('takes the model signals whose evidence is in the text, with units normalised and local times read', async () => {
    const text = 'Did the river loop, about 4 miles, before work. Then a proper chat with Mum on the train.';
    const mock = answering({
      signals: [
        {
          activity: 'Run',
          amount: 4,
          unit: 'miles',
          evidence: 'Did the river loop, about 4 miles, before work',
          about: [],
          when: '2026-04-15T07:30',
          confidence: 0.8,
        },
        {
          activity: 'call',
          amount: 1,
          unit: 'times',
          evidence: 'a proper chat with Mum',
          about: ['Mum'],
          when: null,
          confidence: 1.4,
        },
        {
          activity: 'swim',
          amount: 1,
          unit: 'km',
          evidence: 'swam 1 km',
          about: [],
          when: null,
          confidence: 0.9,
        },
        {
          activity: 'run',
          amount: 5,
          unit: 'km',
          evidence: 'before work',
          about: [],
          when: '2026-04-16T08:00',
          confidence: 0.9,
        },
      ],
    });
    const { runner, audit } = runnerOver(mock);
    const detector = createModelProgressDetector({ runner });
    const signals = await detector.detect(text, ctx);
    expect(signals).toEqual([
      {
        activity: 'run',
        amount: 6.44,
        unit: 'km',
        at: Date.parse('2026-04-15T07:30:00+01:00'),
        evidence: 'Did the river loop, about 4 miles, before work',
        confidence: 0.8,
        about: [],
        origin: 'model',
      },
      {
        activity: 'call',
        amount: 1,
        unit: 'times',
        at: capturedAt,
        evidence: 'a proper chat with Mum',
        confidence: 1,
        about: ['mum'],
        origin: 'model',
      },
    ]);
    expect(detector.stats()).toMatchObject({ modelAnswers: 1, droppedSignals: 2 });
    expect(audit.events[0]).toMatchObject({
      userId: 'alice',
      actor: 'goals',
      details: { task: 'extract', sensitivity: 'private' },
    });
    const system = promptText(mock.doStreamCalls[0]!.prompt, 'system');
    expect(system).toContain('Call mum every week (activity call, about mum; unit times)');
    const user = promptText(mock.doStreamCalls[0]!.prompt, 'user');
    expect(user).toContain('<data>\nDid the river loop');
  });

  it('does not call the model for a text no active goal could concern', async () => {
    const mock = answering({ signals: [] });
    const { runner } = runnerOver(mock);
    const detector = createModelProgressDetector({ runner });
    expect(await detector.detect('Bought new tiles for the kitchen', ctx)).toEqual([]);
    expect(await detector.detect('Ran 5k', { ...ctx, goals: [{ ...tenK, status: 'achieved' }] })).toEqual([]);
    expect(mock.doStreamCalls).toHaveLength(0);
    expect(detector.stats().skipped).toBe(2);
    // A kin word of a goal's about word is enough to ask.
    await detector.detect('My mother sends her love', ctx);
    expect(mock.doStreamCalls).toHaveLength(1);
  });

  it('falls back to the rules without a routable model, or when the model fails', async () => {
    const none = createModelProgressDetector({ runner: runnerOver(null).runner });
    // The rules' signals, marked as theirs so the progress entry's origin says `rules`.
    const expected = detectProgress('Ran 5k this morning', ctx).map((signal) => ({
      ...signal,
      origin: 'rules',
    }));
    expect(await none.detect('Ran 5k this morning', ctx)).toEqual(expected);
    expect(none.stats().notRoutable).toBe(1);
    const failing = createModelProgressDetector({ runner: runnerOver(failingModel(500)).runner });
    expect(await failing.detect('Ran 5k this morning', ctx)).toEqual(expected);
    expect(failing.stats().failures).toBe(1);
    const malformed = createModelProgressDetector({
      runner: runnerOver(streamingModel(['{"signals": "many"}'])).runner,
    });
    expect(await malformed.detect('rang mum', ctx)).toEqual(
      detectProgress('rang mum', ctx).map((signal) => ({ ...signal, origin: 'rules' })),
    );
  });

  it('uses the rules, without calling the model, for a person whose Open models only switch rules it out', async () => {
    const mock = answering({ signals: [] });
    // The only model is closed (not in the catalog); alice turned "Open models only" on, bob did not.
    const { runner, audit } = runnerOver(mock, { openOnlyFor: async (userId) => userId === 'alice' });
    const detector = createModelProgressDetector({ runner });
    const expected = detectProgress('Ran 5k this morning', ctx).map((signal) => ({
      ...signal,
      origin: 'rules',
    }));
    expect(expected.length).toBeGreaterThan(0);
    expect(await detector.detect('Ran 5k this morning', ctx)).toEqual(expected);
    expect(mock.doStreamCalls).toHaveLength(0);
    expect(audit.events).toHaveLength(0);
    // Not routable for her is not a failure of the model.
    expect(detector.stats()).toMatchObject({ modelAnswers: 0, notRoutable: 1, failures: 0 });

    expect(await detector.detect('Ran 5k this morning', { ...ctx, userId: 'bob' })).toEqual([]);
    expect(mock.doStreamCalls).toHaveLength(1);
    expect(detector.stats()).toMatchObject({ modelAnswers: 1, notRoutable: 1, failures: 0 });
  });

  it('refuses a context without a user', async () => {
    const detector = createModelProgressDetector({ runner: runnerOver(null).runner });
    await expect(detector.detect('Ran 5k', { ...ctx, userId: '' })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });
});

describe('model goal parser', () => {
  const now = Date.parse('2026-04-15T09:00:00Z');
  const parseCtx = { now, timezone: 'Europe/London', userId: 'alice' };

  it('takes the model goal with units normalised and the deadline at the end of that local day', async () => {
    const mock = answering({
      title: 'Run a half marathon',
      activity: 'Run',
      about: [],
      target: { amount: 13.1, unit: 'miles', counting: 'max', period: null },
      deadline: '2026-10-11',
      plan: ['Long run every Sunday, adding 1 mile a week', 'Race on Sun 11 Oct'],
    });
    const parser = createModelGoalParser({ runner: runnerOver(mock).runner });
    const spec = await parser.parse('I want to do the half in October', parseCtx);
    expect(spec).toEqual({
      title: 'Run a half marathon',
      activity: 'run',
      about: [],
      target: { amount: 21.0824, unit: 'km', counting: 'max', period: null },
      deadline: Date.parse('2026-10-12T00:00:00+01:00') - 1,
      plan: ['Long run every Sunday, adding 1 mile a week', 'Race on Sun 11 Oct'],
      origin: 'model',
    });
    expect(promptText(mock.doStreamCalls[0]!.prompt, 'system')).toContain('Today is 2026-04-15');
  });

  it('drafts the plan by rules when the model gives none', async () => {
    const mock = answering({
      title: 'Call mum every week',
      activity: 'call',
      about: ['mum'],
      target: { amount: 1, unit: 'times', counting: 'cadence', period: 'week' },
      deadline: null,
      plan: [],
    });
    const spec = await createModelGoalParser({ runner: runnerOver(mock).runner }).parse(
      'ring mum weekly',
      parseCtx,
    );
    expect(spec.origin).toBe('model');
    expect(spec.plan[0]).toBe('Call mum once a week: pick a fixed day, e.g. Sunday, and keep it.');
  });

  it('falls back to the rules when the model answer fails a sanity check, fails, or no model is routable', async () => {
    const rules = { ...parseGoal('run a 10k by March', { now, timezone: 'Europe/London' }), origin: 'rules' };
    const past = answering({
      title: 'Run a 10k',
      activity: 'run',
      about: [],
      target: { amount: 10, unit: 'km', counting: 'max', period: null },
      deadline: '2026-03-31',
      plan: ['x'],
    });
    expect(
      await createModelGoalParser({ runner: runnerOver(past).runner }).parse('run a 10k by March', parseCtx),
    ).toEqual(rules);
    const cadenceWithoutPeriod = answering({
      title: 'Run a 10k',
      activity: 'run',
      about: [],
      target: { amount: 10, unit: 'km', counting: 'cadence', period: null },
      deadline: null,
      plan: [],
    });
    expect(
      (
        await createModelGoalParser({ runner: runnerOver(cadenceWithoutPeriod).runner }).parse(
          'run a 10k by March',
          parseCtx,
        )
      ).origin,
    ).toBe('rules');
    expect(
      await createModelGoalParser({ runner: runnerOver(failingModel(429)).runner }).parse(
        'run a 10k by March',
        parseCtx,
      ),
    ).toEqual(rules);
    const offline = await createModelGoalParser({ runner: runnerOver(null).runner }).parse(
      'run a 10k by March',
      parseCtx,
    );
    expect(offline).toEqual(rules);
    expect(localDay(offline.deadline!, 'Europe/London')).toBe('2027-03-31');
  });

  it('uses the rules, without calling the model, for a person whose Open models only switch rules it out', async () => {
    const mock = answering({
      title: 'Run a 10k',
      activity: 'run',
      about: [],
      target: { amount: 10, unit: 'km', counting: 'max', period: null },
      deadline: '2027-03-31',
      plan: ['Run three times a week'],
    });
    // The only model is closed (not in the catalog); alice turned "Open models only" on, bob did not.
    const { runner, audit } = runnerOver(mock, { openOnlyFor: async (userId) => userId === 'alice' });
    const parser = createModelGoalParser({ runner });
    const rules = { ...parseGoal('run a 10k by March', { now, timezone: 'Europe/London' }), origin: 'rules' };
    expect(await parser.parse('run a 10k by March', parseCtx)).toEqual(rules);
    expect(mock.doStreamCalls).toHaveLength(0);
    expect(audit.events).toHaveLength(0);

    const forBob = await parser.parse('run a 10k by March', { ...parseCtx, userId: 'bob' });
    expect(forBob).toMatchObject({ origin: 'model', plan: ['Run three times a week'] });
    expect(mock.doStreamCalls).toHaveLength(1);
  });

  it('still says what to add when neither the model nor the rules find a measurable goal', async () => {
    const parser = createModelGoalParser({ runner: runnerOver(failingModel(500)).runner });
    await expect(parser.parse('get fit', parseCtx)).rejects.toThrow(/say how much and by when/);
  });
});
