import { describe, expect, it } from 'vitest';
import type { Goal, ProgressEntry } from '../types.ts';
import { goalProgress, periodAround } from './pace.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function goal(overrides: Partial<Goal>): Goal {
  return {
    id: 'G1',
    userId: 'alice',
    title: 'Run a 10k',
    text: 'run a 10k by the end of March',
    activity: 'run',
    about: [],
    target: { amount: 10, unit: 'km', counting: 'max', period: null },
    deadline: Date.parse('2026-04-01T00:00:00+01:00') - 1,
    plan: [],
    status: 'active',
    startedAt: Date.parse('2026-01-01T00:00:00Z'),
    createdAt: Date.parse('2026-01-01T00:00:00Z'),
    updatedAt: Date.parse('2026-01-01T00:00:00Z'),
    ...overrides,
  };
}

let counter = 0;
function entry(amount: number, at: number, overrides: Partial<ProgressEntry> = {}): ProgressEntry {
  counter += 1;
  return {
    id: `P${counter}`,
    userId: 'alice',
    goalId: 'G1',
    amount,
    unit: 'km',
    at,
    confidence: 0.8,
    status: 'inferred',
    origin: 'rules',
    evidence: `ran ${amount}k`,
    sources: [],
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

describe('goalProgress: deadline goals', () => {
  const tenK = goal({});
  const start = tenK.startedAt;
  const span = tenK.deadline! - start;

  it('counts the longest run for max, ignoring rejected entries, and says it is behind pace', () => {
    const now = start + Math.round(span * 0.6);
    const entries = [
      entry(3, start + DAY),
      entry(9, start + 2 * DAY, { status: 'rejected' }),
      entry(2.5, start + 3 * DAY),
    ];
    const progress = goalProgress(tenK, entries, now, 'Europe/London');
    expect(progress).toMatchObject({ current: 3, fraction: 0.3, behind: true });
    expect(progress.expectedFraction).toBeCloseTo(0.6, 5);
    expect(progress.entries.map((e) => e.amount)).toEqual([3, 2.5]);
    expect(progress.summary).toBe(
      '3 of 10 km (longest run), due Tue 31 Mar: behind pace — 60 % of the time has gone',
    );
  });

  it('is on pace within 0.15 of the straight line, and never behind before 20 % of the time has gone', () => {
    const at40 = start + Math.round(span * 0.4);
    expect(goalProgress(tenK, [entry(3, start + DAY)], at40, 'Europe/London')).toMatchObject({
      behind: false,
    });
    expect(goalProgress(tenK, [entry(3, start + DAY)], at40, 'Europe/London').summary).toBe(
      '3 of 10 km (longest run), due Tue 31 Mar: on pace — 40 % of the time has gone',
    );
    expect(goalProgress(tenK, [], start + Math.round(span * 0.19), 'Europe/London').behind).toBe(false);
    expect(goalProgress(tenK, [], start + Math.round(span * 0.21), 'Europe/London').behind).toBe(true);
  });

  it('adds entries up for sum goals and says when the target is achieved', () => {
    const books = goal({
      activity: 'read',
      target: { amount: 3, unit: 'books', counting: 'sum', period: null },
    });
    const entries = [1, 1, 1].map((n, i) => entry(n, start + (i + 1) * DAY, { unit: 'books' }));
    const progress = goalProgress(books, entries, start + 10 * DAY, 'Europe/London');
    expect(progress).toMatchObject({ current: 3, fraction: 1, behind: false });
    expect(progress.summary).toBe('3 of 3 books, due Tue 31 Mar: achieved');
  });

  it('is behind once the deadline passed short of the target, and shows the date in the user zone', () => {
    const progress = goalProgress(tenK, [entry(6, start + DAY)], tenK.deadline! + DAY, 'America/Los_Angeles');
    expect(progress.behind).toBe(true);
    // 31 March 23:59:59 in London is still 31 March in Los Angeles.
    expect(progress.summary).toBe('6 of 10 km (longest run), due Tue 31 Mar: the deadline has passed');
  });

  it('has no expected pace and is never behind without a deadline', () => {
    const open = goal({ deadline: null });
    expect(goalProgress(open, [entry(4, start + DAY)], start + 100 * DAY, 'Europe/London')).toMatchObject({
      expectedFraction: null,
      behind: false,
      summary: '4 of 10 km (longest run): 40 %',
    });
  });
});

describe('goalProgress: cadence goals', () => {
  const callMum = goal({
    title: 'Call mum every week',
    activity: 'call',
    about: ['mum'],
    deadline: null,
    target: { amount: 1, unit: 'times', counting: 'cadence', period: 'week' },
  });
  const call = (at: number) => entry(1, at, { unit: 'times' });

  it('counts the local Monday-to-Sunday week across the spring clock change in London', () => {
    // Mon 23 – Sun 29 Mar 2026: the clocks go forward on Sunday, so the week is 167 hours long.
    const week = periodAround(Date.parse('2026-03-25T12:00:00Z'), 'week', 'Europe/London');
    expect(week).toEqual({
      start: Date.parse('2026-03-23T00:00:00Z'),
      end: Date.parse('2026-03-30T00:00:00+01:00'),
    });
    expect(week.end - week.start).toBe(167 * HOUR);
    const sundayNight = Date.parse('2026-03-29T23:30:00+01:00');
    const mondayEarly = Date.parse('2026-03-30T00:30:00+01:00');
    const onSunday = goalProgress(callMum, [call(sundayNight)], sundayNight + HOUR / 4, 'Europe/London');
    expect(onSunday).toMatchObject({ current: 1, fraction: 1, behind: false, expectedFraction: null });
    expect(onSunday.summary).toBe('1 of 1 time this week: done for this week');
    expect(goalProgress(callMum, [call(sundayNight)], mondayEarly, 'Europe/London')).toMatchObject({
      current: 0,
    });
  });

  it('is behind once 60 % of the week has gone with nothing logged', () => {
    // 60 % of that 167-hour week is 100.2 hours after Monday 00:00 GMT: Friday 04:12 GMT.
    const before = Date.parse('2026-03-27T04:00:00Z');
    const after = Date.parse('2026-03-27T04:30:00Z');
    expect(goalProgress(callMum, [], before, 'Europe/London').behind).toBe(false);
    const late = goalProgress(callMum, [], after, 'Europe/London');
    expect(late.behind).toBe(true);
    expect(late.summary).toBe('0 of 1 time this week: behind — 60 % of the week has gone');
    expect(goalProgress(callMum, [call(before)], after, 'Europe/London').behind).toBe(false);
  });

  it('reads the week in the user zone: on Sunday evening in Los Angeles, London is in the next week', () => {
    const sundayEvening = Date.parse('2026-03-15T15:00:00-07:00');
    const now = Date.parse('2026-03-15T20:00:00-07:00');
    expect(goalProgress(callMum, [call(sundayEvening)], now, 'America/Los_Angeles').current).toBe(1);
    expect(goalProgress(callMum, [call(sundayEvening)], now, 'Europe/London').current).toBe(0);
  });

  it('counts a daily goal over the short local day of the clock change in Los Angeles', () => {
    const daily = goal({
      activity: 'write',
      deadline: null,
      target: { amount: 500, unit: 'words', counting: 'cadence', period: 'day' },
    });
    const day = periodAround(Date.parse('2026-03-08T12:00:00-07:00'), 'day', 'America/Los_Angeles');
    expect(day.end - day.start).toBe(23 * HOUR);
    const words = [
      entry(300, Date.parse('2026-03-08T09:00:00-07:00'), { unit: 'words' }),
      entry(150, Date.parse('2026-03-08T13:00:00-07:00'), { unit: 'words' }),
    ];
    const progress = goalProgress(
      daily,
      words,
      Date.parse('2026-03-08T15:00:00-07:00'),
      'America/Los_Angeles',
    );
    expect(progress).toMatchObject({ current: 450, fraction: 0.9, behind: false });
    expect(progress.summary).toBe('450 of 500 words today: on track');
  });

  it('is behind when the days left cannot fit what is still due this week', () => {
    const gym = goal({
      activity: 'gym',
      deadline: null,
      target: { amount: 3, unit: 'times', counting: 'cadence', period: 'week' },
    });
    // Sunday morning with one visit logged: two due, one day left.
    const saturday = Date.parse('2026-04-19T10:00:00+01:00');
    const progress = goalProgress(
      gym,
      [entry(1, saturday - DAY, { unit: 'times' })],
      saturday,
      'Europe/London',
    );
    expect(progress).toMatchObject({ current: 1, behind: true });
    expect(progress.summary).toMatch(/^1 of 3 times this week: behind/);
  });

  it('measures a goal started mid-week from when it started', () => {
    const started = goal({ ...callMum, startedAt: Date.parse('2026-04-18T10:00:00+01:00') });
    // Saturday evening, started Saturday morning: not yet 60 % of its part of the week.
    expect(goalProgress(started, [], Date.parse('2026-04-18T20:00:00+01:00'), 'Europe/London').behind).toBe(
      false,
    );
  });
});
