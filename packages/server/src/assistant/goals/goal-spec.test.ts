import { describe, expect, it } from 'vitest';
import { localDay } from '../../kernel/index.ts';
import { draftPlan, GoalSpecSchema, parseGoal } from './goal-spec.ts';

// Wed 15 Apr 2026, 10:00 in London (BST).
const now = Date.parse('2026-04-15T09:00:00Z');
const london = { now, timezone: 'Europe/London' };
const losAngeles = { now, timezone: 'America/Los_Angeles' };

/** The last millisecond of a local day is one before the next local midnight. */
function dueDay(deadline: number | null, timezone: string): string {
  return deadline === null ? 'none' : localDay(deadline, timezone);
}

describe('parseGoal', () => {
  it('reads "run a 10k by March" as the longest run reaching 10 km by the end of the next 31 March', () => {
    const spec = parseGoal('run a 10k by March', london);
    expect(spec).toMatchObject({
      title: 'Run a 10k',
      activity: 'run',
      about: [],
      target: { amount: 10, unit: 'km', counting: 'max', period: null },
    });
    // March 2026 has passed: next March, at the end of its last day in London.
    expect(spec.deadline).toBe(Date.parse('2027-04-01T00:00:00+01:00') - 1);
    expect(GoalSpecSchema.parse(spec)).toEqual(spec);
  });

  it('keeps a month that has not passed in this year, at the end of its last local day in the user zone', () => {
    const london = parseGoal('swim 2 km by June', { now, timezone: 'Europe/London' });
    const la = parseGoal('swim 2 km by June', losAngeles);
    expect(london.target).toEqual({ amount: 2, unit: 'km', counting: 'max', period: null });
    expect(london.deadline).toBe(Date.parse('2026-07-01T00:00:00+01:00') - 1);
    expect(la.deadline).toBe(Date.parse('2026-07-01T00:00:00-07:00') - 1);
  });

  it('reads totals over a period as sums due at the end of it', () => {
    const distance = parseGoal('run 100 km this year', london);
    expect(distance.target).toEqual({ amount: 100, unit: 'km', counting: 'sum', period: null });
    expect(dueDay(distance.deadline, 'Europe/London')).toBe('2026-12-31');
    const books = parseGoal('read 12 books this year', london);
    expect(books).toMatchObject({ activity: 'read', target: { amount: 12, unit: 'books', counting: 'sum' } });
    expect(books.deadline).toBe(Date.parse('2027-01-01T00:00:00Z') - 1);
    const finish = parseGoal('finish 4 books by the end of the month', london);
    expect(finish).toMatchObject({ activity: 'read', about: [], target: { amount: 4, unit: 'books' } });
    expect(dueDay(finish.deadline, 'Europe/London')).toBe('2026-04-30');
  });

  it('reads cadences with their counts and what they are about, without a deadline', () => {
    expect(parseGoal('call mum every week', london)).toMatchObject({
      activity: 'call',
      about: ['mum'],
      target: { amount: 1, unit: 'times', counting: 'cadence', period: 'week' },
      deadline: null,
    });
    expect(parseGoal('meditate 3 times a week', london).target).toEqual({
      amount: 3,
      unit: 'times',
      counting: 'cadence',
      period: 'week',
    });
    expect(parseGoal('go to the gym twice a week', london)).toMatchObject({
      activity: 'gym',
      about: [],
      target: { amount: 2, unit: 'times', counting: 'cadence', period: 'week' },
    });
    expect(parseGoal('write 500 words a day', london)).toMatchObject({
      activity: 'write',
      target: { amount: 500, unit: 'words', counting: 'cadence', period: 'day' },
    });
    expect(parseGoal('I want to call my grandmother every Sunday', london)).toMatchObject({
      about: ['grandmother'],
      target: { amount: 1, counting: 'cadence', period: 'week' },
    });
  });

  it('normalises units: miles to km, hours to minutes, free units kept', () => {
    expect(parseGoal('walk 30 miles in total by the end of May', london).target).toEqual({
      amount: 48.2803,
      unit: 'km',
      counting: 'sum',
      period: null,
    });
    expect(parseGoal('practise piano 2 hours a week', london)).toMatchObject({
      activity: 'practise',
      about: ['piano'],
      target: { amount: 120, unit: 'minutes', counting: 'cadence', period: 'week' },
    });
    expect(parseGoal('lose 5 kg by summer', london)).toMatchObject({
      activity: 'lose',
      target: { amount: 5, unit: 'kg', counting: 'sum' },
    });
    expect(parseGoal('learn 20 songs by Christmas', london)).toMatchObject({
      activity: 'learn',
      target: { amount: 20, unit: 'songs', counting: 'sum' },
    });
  });

  it('reads "by summer" as before the local summer starts, by hemisphere', () => {
    expect(dueDay(parseGoal('lose 5 kg by summer', london).deadline, 'Europe/London')).toBe('2026-05-31');
    expect(
      dueDay(
        parseGoal('lose 5 kg by summer', { now, timezone: 'Australia/Sydney' }).deadline,
        'Australia/Sydney',
      ),
    ).toBe('2026-11-30');
  });

  it('resolves dates through chrono in the user zone, and relative spans from today', () => {
    expect(dueDay(parseGoal('run a half marathon by 31 October', london).deadline, 'Europe/London')).toBe(
      '2026-10-31',
    );
    expect(dueDay(parseGoal('read Dune by Friday', london).deadline, 'Europe/London')).toBe('2026-04-17');
    expect(parseGoal('read Dune by Friday', london)).toMatchObject({
      about: ['dune'],
      target: { amount: 1, unit: 'books' },
    });
    expect(dueDay(parseGoal('cycle 500 km in 3 months', london).deadline, 'Europe/London')).toBe(
      '2026-07-15',
    );
  });

  it('says what to add when a goal has no measurable target, and refuses a deadline in the past', () => {
    for (const text of ['get fit', 'run more', 'be a better friend']) {
      expect(() => parseGoal(text, london)).toThrow(/say how much and by when, e\.g\./);
    }
    expect(() => parseGoal('run a 10k by 1 January 2020', london)).toThrow(/already passed/);
    expect(() => parseGoal('run a 10k', { now, timezone: 'Mars/Olympus' })).toThrow(/IANA/);
  });
});

describe('draftPlan', () => {
  it('builds the longest run week by week from the weeks left, ending at the target', () => {
    const spec = parseGoal('run a 10k by the end of June', london);
    const weeks = Math.floor((spec.deadline! - now) / (7 * 86_400_000));
    expect(spec.plan[0]).toMatch(
      new RegExp(`^${weeks} weeks to Tue 30 Jun: build your longest run from about`),
    );
    const lengths = spec.plan
      .filter((line) => line.startsWith('Week '))
      .map((line) => Number(/longest run ([\d.]+) km/.exec(line)?.[1]));
    expect(lengths.length).toBeGreaterThanOrEqual(3);
    expect(lengths).toEqual([...lengths].sort((a, b) => a - b));
    expect(lengths.at(-1)).toBe(10);
  });

  it('paces a total by the days left, with checkpoints', () => {
    const plan = parseGoal('read 12 books this year', london).plan;
    // 261 days to 31 December: 12 books is about 1.4 a month.
    expect(plan[0]).toBe('12 books by Thu 31 Dec (261 days): about 1.4 books a month (one every 22 days).');
    expect(plan).toContain('By Sun 23 Aug: 6 books.');
  });

  it('spreads a weekly cadence over the week and says when a reminder comes', () => {
    const spec = parseGoal('meditate 3 times a week', london);
    expect(spec.plan).toEqual([
      'Meditate 3 times a week: spread them out, e.g. Mon, Wed and Fri.',
      'If nothing is logged by Fri, a reminder comes that day.',
    ]);
    expect(draftPlan({ ...spec, target: { ...spec.target, period: 'day', amount: 1 } }, london)[1]).toBe(
      'If nothing is logged by 14:24, a reminder comes.',
    );
  });
});
