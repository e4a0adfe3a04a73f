import { describe, expect, it } from 'vitest';
import type { Person, SequencedObservation, StoredObservation } from '../../memory/index.ts';
import type { AssistantSettings, Goal, GoalProgress, InboxItem } from '../types.ts';
import {
  evaluateObservation,
  evaluateTime,
  indexPeople,
  type ObservationContext,
  placesIn,
} from './triggers.ts';

const TZ = 'Europe/London';
const at = Date.parse('2026-03-02T15:00:00Z');

const observation = (
  seq: number,
  text: string,
  extra: Partial<StoredObservation> = {},
): SequencedObservation => ({
  seq,
  observation: {
    id: `obs${seq}`,
    userId: 'u',
    deviceId: null,
    modality: 'utterance',
    capturedAt: at,
    receivedAt: at,
    text,
    captureId: null,
    provenance: null,
    trust: 'perceived',
    deviceCapturedAt: null,
    details: { speaker: { label: 'wearer', personId: null } },
    ...extra,
  },
});

const item = (id: string, title: string, extra: Partial<InboxItem> = {}): InboxItem => ({
  id,
  userId: 'u',
  kind: 'commitment',
  title,
  body: '',
  due: Date.parse('2026-03-03T09:00:00Z'),
  reason: `You said: "${title}"`,
  status: 'pending',
  snoozedUntil: null,
  factId: null,
  goalId: null,
  personId: null,
  dedupeKey: `commitment:${id}`,
  notifiedAt: null,
  completedAt: null,
  sources: ['obs0'],
  createdAt: 0,
  updatedAt: 0,
  ...extra,
});

const person = (id: string, name: string, aliases: string[] = []): Person => ({
  id,
  userId: 'u',
  name,
  aliases,
  optedOut: false,
  relationship: null,
  importantDates: [],
  lastSeenAt: null,
  lastHeardAt: null,
  lastMentionedAt: null,
  createdAt: 0,
  updatedAt: 0,
});

const runGoal: Goal = {
  id: 'g10k',
  userId: 'u',
  title: 'Run a 10k',
  text: 'run a 10k by March',
  activity: 'run',
  about: [],
  target: { amount: 10, unit: 'km', counting: 'max', period: null },
  deadline: null,
  plan: ['Run three times a week'],
  status: 'active',
  startedAt: 0,
  createdAt: 0,
  updatedAt: 0,
};

function context(extra: Partial<ObservationContext> = {}): ObservationContext {
  return {
    timezone: TZ,
    goals: [runGoal],
    openItems: [item('deck', 'Send Sam the deck'), item('milk', 'Buy milk', { kind: 'reminder' })],
    people: indexPeople([person('sam', 'Sam Lee'), person('jo', 'Joanna', ['Jo'])]),
    ...extra,
  };
}

describe('per-observation triggers', () => {
  it('finds progress toward an active goal, but not in what someone else said', () => {
    const mine = evaluateObservation(observation(1, 'ran 5k this morning'), context());
    expect(mine.progress).toHaveLength(1);
    expect(mine.progress[0]).toMatchObject({ goal: { id: 'g10k' }, amount: 5 });
    const theirs = evaluateObservation(
      observation(2, 'ran 5k this morning', { details: { speaker: { label: 'Sam', personId: 'sam' } } }),
      context(),
    );
    expect(theirs.progress).toHaveLength(0);
    expect(
      evaluateObservation(observation(3, 'ran 5k this morning'), context({ goals: [] })).progress,
    ).toEqual([]);
  });

  it('nudges about an open promise when its person is seen, heard or named, keyed per item per local day', () => {
    const seen = evaluateObservation(
      observation(4, '', {
        modality: 'frame',
        details: { seen: { objects: ['person'], faces: 1, people: ['Sam Lee'] } },
      }),
      context(),
    );
    expect(seen.nudges).toHaveLength(1);
    expect(seen.nudges[0]!.draft).toMatchObject({
      kind: 'nudge',
      title: 'You promised Sam Lee: Send Sam the deck (due Tue 3 Mar)',
      personId: 'sam',
      dedupeKey: 'person:deck:2026-03-02',
    });
    expect(seen.nudges[0]!.draft.reason).toBe(
      'Sam Lee was seen (Mon 2 Mar 15:00) and this is still open: "Send Sam the deck"',
    );
    expect(seen.nudges[0]!.sourceSeqs).toEqual([4]);

    const heard = evaluateObservation(
      observation(5, 'hi there', { details: { speaker: { label: 'Sam Lee', personId: 'sam' } } }),
      context(),
    );
    expect(heard.nudges.map((nudge) => nudge.draft.reason)).toEqual([expect.stringContaining('was heard')]);
    const named = evaluateObservation(observation(6, 'bumped into sam at the station'), context());
    expect(named.nudges.map((nudge) => nudge.draft.dedupeKey)).toEqual(['person:deck:2026-03-02']);
    // Nobody with a promise, or the very observation that made the promise: no nudge.
    expect(evaluateObservation(observation(7, 'Jo says hi'), context()).nudges).toEqual([]);
    expect(evaluateObservation(observation(0, 'Sam again'), context()).nudges).toEqual([]);
    const snoozed = context({
      openItems: [item('deck', 'Send Sam the deck', { status: 'snoozed', snoozedUntil: at + 1 })],
    });
    expect(evaluateObservation(observation(8, 'Sam again'), snoozed).nudges).toEqual([]);
  });

  it('nudges about an errand at a place that serves it', () => {
    expect([...placesIn('Boots Pharmacy, Church Road').keys()]).toEqual(['pharmacy']);
    const shop = evaluateObservation(
      observation(9, "Sainsbury's Local, Holloway Road (convenience store)", {
        modality: 'location',
        details: null,
      }),
      context(),
    );
    expect(shop.nudges.map((nudge) => nudge.draft.title)).toEqual(['Near a shop: Buy milk']);
    expect(shop.nudges[0]!.draft.dedupeKey).toBe('place:milk:2026-03-02');
    const park = evaluateObservation(
      observation(10, 'Victoria Park', { modality: 'location', details: null }),
      context(),
    );
    expect(park.nudges).toEqual([]);
  });

  it('nudges about an errand when a frame shows a place that serves it (a sign read in passing)', () => {
    const sign = evaluateObservation(
      observation(11, "a street with people; text: 'EXPRESS SUPERMARKET open 7am-11pm'", {
        modality: 'frame',
        details: null,
      }),
      context(),
    );
    expect(sign.nudges.map((nudge) => nudge.draft.title)).toEqual(['Near a shop: Buy milk']);
    expect(sign.nudges[0]!.draft.reason).toContain('You passed a');
    const desk = evaluateObservation(
      observation(12, 'a laptop and a cup; text: "Quarterly review"', { modality: 'frame', details: null }),
      context(),
    );
    expect(desk.nudges).toEqual([]);
  });
});

describe('follow-up triggers', () => {
  it('nudges to ask a known person how their event went, due the day after it at 18:00, even with nothing open', () => {
    const outcome = evaluateObservation(
      observation(7, 'Sam has a job interview on Friday'),
      context({ openItems: [], goals: [] }),
    );
    expect(outcome.nudges).toHaveLength(1);
    expect(outcome.nudges[0]).toEqual({
      draft: {
        kind: 'nudge',
        title: 'Ask Sam Lee how the job interview went',
        body: '',
        due: Date.parse('2026-03-07T18:00:00Z'),
        reason: 'You said on Mon 2 Mar at 15:00: "Sam has a job interview on Friday" (on Friday: Fri 6 Mar)',
        status: 'pending',
        snoozedUntil: null,
        factId: null,
        goalId: null,
        personId: 'sam',
        dedupeKey: 'followup:sam:2026-03-06:interview',
      },
      sourceSeqs: [7],
    });
  });

  it('says who told it: heard from a known voice ("I" is them), from someone unknown, or written', () => {
    const fromJo = evaluateObservation(
      observation(8, "I'm moving house on Saturday", {
        details: { speaker: { label: 'Joanna', personId: 'jo' } },
      }),
      context({ openItems: [] }),
    );
    expect(fromJo.nudges.map((nudge) => nudge.draft)).toMatchObject([
      {
        title: 'Ask Joanna how the move went',
        personId: 'jo',
        reason: 'Joanna said on Mon 2 Mar at 15:00: "I\'m moving house on Saturday" (on Saturday: Sat 7 Mar)',
        dedupeKey: 'followup:jo:2026-03-07:move',
      },
    ]);
    const overheard = evaluateObservation(
      observation(9, "Jo's presenting to the board on Thursday", {
        details: { speaker: { label: 'unknown', personId: null } },
      }),
      context({ openItems: [] }),
    );
    expect(overheard.nudges[0]!.draft.reason).toMatch(/^You heard on Mon 2 Mar at 15:00: "Jo's presenting/);
    const noted = evaluateObservation(
      observation(10, "Sam's driving test is on the 12th", { modality: 'note', trust: 'authored' }),
      context({ openItems: [] }),
    );
    expect(noted.nudges[0]!.draft).toMatchObject({
      title: 'Ask Sam Lee how the driving test went',
      reason: expect.stringMatching(/^You wrote on Mon 2 Mar/),
      dedupeKey: 'followup:sam:2026-03-12:test',
    });
  });

  it('makes none for the wearer, past or cancelled events, or text read off a frame or a calendar event', () => {
    const none = (text: string, extra: Partial<StoredObservation> = {}) =>
      expect(evaluateObservation(observation(11, text, extra), context({ openItems: [] })).nudges).toEqual(
        [],
      );
    none('I have an interview on Friday');
    none('Sam had an interview last week');
    none("Sam doesn't have the interview on Friday any more");
    none('Sam has a job interview on Friday', { modality: 'frame' });
    none('Sam has a job interview on Friday', { modality: 'event' });
  });
});

describe('time triggers', () => {
  const settings: AssistantSettings = {
    quietHours: { start: '22:00', end: '07:00' },
    digestAt: '20:30',
    maxPerHour: 4,
    maxPerDay: 20,
    notNowUntil: null,
    dateLeadDays: 7,
    reminderLeadMinutes: 15,
  };
  const standing = (behind: boolean): GoalProgress => ({
    goal: runGoal,
    current: 2,
    fraction: 0.2,
    expectedFraction: 0.6,
    behind,
    summary: '2 of 10 km (longest run), due 31 Mar: behind',
    entries: [],
  });

  it('nudges a goal behind pace with a per-week key, and says when the digest and reminders are due', () => {
    const now = Date.parse('2026-03-04T20:30:00Z'); // Wednesday 20:30 in London
    const outcome = evaluateTime({ now, timezone: TZ, settings, progress: [standing(true)], dates: [] });
    expect(outcome.nudges.map((nudge) => nudge.draft)).toEqual([
      expect.objectContaining({
        title: 'Behind pace: Run a 10k',
        reason: 'behind pace: 2 of 10 km (longest run), due 31 Mar: behind',
        goalId: 'g10k',
        dedupeKey: 'behind:g10k:2026-03-02',
      }),
    ]);
    expect(outcome.digestDay).toBe('2026-03-04');
    expect(outcome.remindersDueBy).toBe(now + 15 * 60_000);
    const before = evaluateTime({
      now: now - 60_000,
      timezone: TZ,
      settings,
      progress: [standing(false)],
      dates: [],
    });
    expect(before).toMatchObject({ nudges: [], digestDay: null });
    expect(
      evaluateTime({ now, timezone: TZ, settings: { ...settings, digestAt: null }, progress: [], dates: [] })
        .digestDay,
    ).toBeNull();
  });

  it('nudges dates within the lead, keyed per date per year', () => {
    const now = Date.parse('2026-03-07T10:00:00Z');
    const outcome = evaluateTime({
      now,
      timezone: TZ,
      settings,
      progress: [],
      dates: [
        { label: 'birthday', date: '--03-14', personId: 'jo', name: 'Jo' },
        { label: 'birthday', date: '--03-15', personId: 'sam', name: 'Sam' },
      ],
    });
    expect(
      outcome.nudges.map((nudge) => [nudge.draft.title, nudge.draft.dedupeKey, nudge.draft.due]),
    ).toEqual([
      [
        "Jo's birthday is on Sat 14 Mar (in 7 days)",
        'date:jo:birthday:2026-03-14',
        Date.parse('2026-03-14T00:00:00Z'),
      ],
    ]);
  });
});
