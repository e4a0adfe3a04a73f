import { addDays, startOfDay, ValidationError, wallClockAt, zonedTimeToEpoch } from '../../kernel/index.ts';
import type { AssistantSettings } from '../types.ts';
import { formatInstantDay, formatTime } from './dates.ts';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
/** How many times a blocked time is moved on before giving up (each move clears at least one rule). */
const MAX_MOVES = 8;

/** Whether a push may go out now, or when to try again and why not. */
export type DeliveryDecision = { deliver: true } | { deliver: false; retryAt: number; why: string };

/** What was pushed recently: the counts the rate limits are checked against. */
export interface RecentPushes {
  /** Pushes in the rolling hour before now. */
  lastHour: number;
  /** Pushes since the start of the user's local day. */
  today: number;
  /** When the oldest push of the last hour went out, when known: the hourly window frees an hour after it. */
  oldestInLastHour?: number | null;
}

/** Minutes since local midnight of "HH:MM"; throws `validation_failed` for anything else. */
export function parseLocalTime(value: string): { hour: number; minute: number } {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (!match) throw new ValidationError(`"${value}" is not a local time: write it as HH:MM, e.g. 07:30`);
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

/**
 * When quiet hours that hold at `at` end (the next local end-of-quiet time, so a clock change in between moves it
 * with the wall clock), or null when `at` is not inside them. Quiet hours may wrap midnight ("22:00"–"07:00");
 * equal start and end mean none.
 */
export function quietHoursEnd(
  quiet: AssistantSettings['quietHours'],
  at: number,
  timezone: string,
): number | null {
  if (!quiet) return null;
  const start = parseLocalTime(quiet.start);
  const end = parseLocalTime(quiet.end);
  const startMinute = start.hour * 60 + start.minute;
  const endMinute = end.hour * 60 + end.minute;
  if (startMinute === endMinute) return null;
  const wall = wallClockAt(at, timezone);
  const minute = wall.hour * 60 + wall.minute;
  const inside =
    startMinute < endMinute
      ? minute >= startMinute && minute < endMinute
      : minute >= startMinute || minute < endMinute;
  if (!inside) return null;
  const endDay = minute < endMinute ? wall : addDays(wall, 1);
  const endsAt = zonedTimeToEpoch(endDay, end.hour, end.minute, timezone);
  // In the repeated hour after clocks go back, the wall clock's end time was already passed once: count minutes.
  return endsAt > at ? endsAt : at + (endMinute - minute) * MINUTE_MS;
}

/**
 * Decides whether a push may go out at `now` for a user in `timezone`: not while "not now" holds, not inside quiet
 * hours (they wrap midnight and follow the local clock across DST changes), and not over the per-hour (rolling) or
 * per-local-day limits. When it may not, `retryAt` is the earliest time every rule allows it (assuming nothing else
 * is pushed meanwhile) and `why` says which rules held it back. Pure: the caller counts the recent pushes.
 */
export function deliveryDecision(
  settings: AssistantSettings,
  now: number,
  timezone: string,
  recent: RecentPushes,
): DeliveryDecision {
  const today = wallClockAt(now, timezone);
  const nextDayStart = startOfDay(addDays(today, 1), timezone);
  const hourFrees = (recent.oldestInLastHour ?? now) + HOUR_MS;
  const whys: string[] = [];
  let at = now;
  for (let move = 0; move < MAX_MOVES; move += 1) {
    const holds: Array<{ until: number; why: string }> = [];
    if (settings.notNowUntil !== null && at < settings.notNowUntil) {
      holds.push({
        until: settings.notNowUntil,
        why: `not now (until ${formatInstantDay(settings.notNowUntil, timezone)} ${formatTime(settings.notNowUntil, timezone)})`,
      });
    }
    const quietEnd = quietHoursEnd(settings.quietHours, at, timezone);
    if (quietEnd !== null && settings.quietHours) {
      holds.push({
        until: quietEnd,
        why: `quiet hours (${settings.quietHours.start}–${settings.quietHours.end})`,
      });
    }
    // Counts only hold while `at` is in the same local day / the same rolling hour as now.
    if (at < nextDayStart && recent.today >= settings.maxPerDay) {
      holds.push({
        until: nextDayStart,
        why: `daily limit (${recent.today} of ${settings.maxPerDay} today)`,
      });
    }
    if (at < hourFrees && recent.lastHour >= settings.maxPerHour) {
      holds.push({
        until: Math.max(hourFrees, at + MINUTE_MS),
        why: `hourly limit (${recent.lastHour} of ${settings.maxPerHour} in the last hour)`,
      });
    }
    if (holds.length === 0) break;
    for (const hold of holds) if (!whys.includes(hold.why)) whys.push(hold.why);
    at = Math.max(...holds.map((hold) => hold.until));
  }
  return at === now ? { deliver: true } : { deliver: false, retryAt: at, why: whys.join('; ') };
}
