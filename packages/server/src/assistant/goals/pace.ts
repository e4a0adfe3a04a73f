import {
  addDays,
  addMonths,
  type CalendarDate,
  mondayOf,
  startOfDay,
  wallClockAt,
} from '../../kernel/index.ts';
import { formatLocalDate } from '../../memory/index.ts';
import type { Goal, GoalProgress, ProgressEntry } from '../types.ts';
import { effortNoun, formatAmount, formatQuantity } from './goal-spec.ts';

/** A cadence period this far gone with nothing logged is behind. */
const PERIOD_BEHIND_AFTER = 0.6;
/** A deadline goal is behind when its fraction lags the straight-line pace by more than this… */
const PACE_SLACK = 0.15;
/** …once at least this much of the time has gone (early days say little). */
const PACE_MIN_ELAPSED = 0.2;

/** The local period (day, Monday-to-Sunday week, or month) that contains `now`, as epoch ms [start, end). */
export function periodAround(
  now: number,
  period: 'day' | 'week' | 'month',
  timezone: string,
): { start: number; end: number } {
  const wall = wallClockAt(now, timezone);
  const today: CalendarDate = { year: wall.year, month: wall.month, day: wall.day };
  if (period === 'day')
    return { start: startOfDay(today, timezone), end: startOfDay(addDays(today, 1), timezone) };
  if (period === 'week') {
    const monday = mondayOf(today);
    return { start: startOfDay(monday, timezone), end: startOfDay(addDays(monday, 7), timezone) };
  }
  const first = { year: today.year, month: today.month, day: 1 };
  return { start: startOfDay(first, timezone), end: startOfDay(addMonths(first, 1), timezone) };
}

/**
 * Where a goal stands at `now`: rejected entries never count; `max` takes the best entry, `sum` the total, and
 * `cadence` what was logged in the current local period (weeks start on Monday) against the amount due in it. A
 * cadence goal is behind when more than 60 % of the period has gone with nothing logged (or when the days left
 * cannot fit what is still due, at one a day); a deadline goal is behind when, after at least 20 % of the time has
 * gone, its fraction lags the straight-line pace by more than 0.15, or when the deadline passed short of the target.
 */
export function goalProgress(
  goal: Goal,
  entries: readonly ProgressEntry[],
  now: number,
  timezone: string,
): GoalProgress {
  const counted = entries
    .filter((entry) => entry.goalId === goal.id && entry.status !== 'rejected')
    .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const { amount: target, unit, counting, period } = goal.target;
  const day = (ms: number) => formatLocalDate(ms, timezone, false);

  if (counting === 'cadence' && period !== null) {
    const { start, end } = periodAround(now, period, timezone);
    const inPeriod = counted.filter((entry) => entry.at >= start && entry.at < end && entry.at <= now);
    const current = round(inPeriod.reduce((total, entry) => total + entry.amount, 0));
    const fraction = target > 0 ? Math.min(1, current / target) : 1;
    const from = Math.max(start, Math.min(goal.startedAt, end));
    const elapsed = end > from ? clamp((now - from) / (end - from)) : 1;
    const daysLeft = Math.max(0, Math.ceil((end - now) / 86_400_000));
    const stillDue = Math.max(0, target - current);
    const cannotFit = period !== 'day' && unit === 'times' && stillDue > daysLeft;
    const done = fraction >= 1;
    const behind =
      goal.status === 'active' && !done && ((elapsed > PERIOD_BEHIND_AFTER && current === 0) || cannotFit);
    const periodName = period === 'day' ? 'today' : `this ${period}`;
    const head = `${formatAmount(current)} of ${formatQuantity(target, unit)} ${periodName}`;
    const state = done
      ? `done for ${periodName === 'today' ? 'today' : periodName}`
      : behind
        ? `behind — ${Math.round(elapsed * 100)} % of the ${period} has gone`
        : period === 'day'
          ? 'on track'
          : `on track, ${daysLeft} ${daysLeft === 1 ? 'day' : 'days'} left`;
    return {
      goal,
      current,
      fraction,
      expectedFraction: null,
      behind,
      summary: `${head}: ${goal.status === 'active' ? state : goal.status}`,
      entries: counted,
    };
  }

  const current = round(
    counting === 'max'
      ? counted.reduce((best, entry) => Math.max(best, entry.amount), 0)
      : counted.reduce((total, entry) => total + entry.amount, 0),
  );
  const fraction = target > 0 ? Math.min(1, current / target) : 1;
  const achieved = goal.status === 'achieved' || fraction >= 1;
  const label =
    counting === 'max'
      ? ` (${effortNoun(goal.activity) ? `longest ${effortNoun(goal.activity)}` : 'best'})`
      : '';
  const head = `${formatAmount(current)} of ${formatQuantity(target, unit)}${label}`;

  if (goal.deadline === null) {
    const state = achieved
      ? 'achieved'
      : goal.status === 'abandoned'
        ? 'abandoned'
        : `${Math.round(fraction * 100)} %`;
    return {
      goal,
      current,
      fraction,
      expectedFraction: null,
      behind: false,
      summary: `${head}: ${state}`,
      entries: counted,
    };
  }

  const span = goal.deadline - goal.startedAt;
  const expectedFraction = span > 0 ? clamp((now - goal.startedAt) / span) : 1;
  const overdue = now > goal.deadline;
  const behind =
    goal.status === 'active' &&
    !achieved &&
    (overdue || (expectedFraction >= PACE_MIN_ELAPSED && fraction < expectedFraction - PACE_SLACK));
  const due = `due ${day(goal.deadline)}${sameYear(goal.deadline, now, timezone) ? '' : ` ${wallClockAt(goal.deadline, timezone).year}`}`;
  const gone = `${Math.round(expectedFraction * 100)} % of the time has gone`;
  const state = achieved
    ? 'achieved'
    : goal.status === 'abandoned'
      ? 'abandoned'
      : overdue
        ? 'the deadline has passed'
        : behind
          ? `behind pace — ${gone}`
          : `on pace — ${gone}`;
  return {
    goal,
    current,
    fraction,
    expectedFraction,
    behind,
    summary: `${head}, ${due}: ${state}`,
    entries: counted,
  };
}

function sameYear(a: number, b: number, timezone: string): boolean {
  return wallClockAt(a, timezone).year === wallClockAt(b, timezone).year;
}

function clamp(value: number): number {
  return Math.min(1, Math.max(0, value));
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
