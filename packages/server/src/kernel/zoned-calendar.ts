/** A day on the wall calendar of some time zone; `month` is 1–12. */
export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/** A calendar date with the wall-clock time and weekday (0 = Sunday) at some instant in some zone. */
export interface WallClock extends CalendarDate {
  hour: number;
  minute: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall clock of `timeZone` at instant `ms`, computed with Intl (independent of the process time zone). */
export function wallClockAt(ms: number, timeZone: string): WallClock {
  const values: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') values[part.type] = Number(part.value);
  }
  const date = { year: values.year ?? 1970, month: values.month ?? 1, day: values.day ?? 1 };
  return { ...date, hour: (values.hour ?? 0) % 24, minute: values.minute ?? 0, weekday: weekdayOf(date) };
}

/** Milliseconds the zone's wall clock is ahead of UTC at instant `ms` (New York in winter: -18,000,000). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const values: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') values[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(
    values.year ?? 1970,
    (values.month ?? 1) - 1,
    values.day ?? 1,
    (values.hour ?? 0) % 24,
    values.minute ?? 0,
    values.second ?? 0,
  );
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The instant at which the zone's wall clock shows `date` at `hour`:`minute`. A time skipped by a clock change
 * resolves to the moment just after the change; a time that happens twice resolves to the first.
 */
export function zonedTimeToEpoch(date: CalendarDate, hour: number, minute: number, timeZone: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
  const candidates = new Set([
    zoneOffsetMs(wall - 86_400_000, timeZone),
    zoneOffsetMs(wall + 86_400_000, timeZone),
  ]);
  const valid: number[] = [];
  const all: number[] = [];
  for (const offset of candidates) {
    const instant = wall - offset;
    all.push(instant);
    if (zoneOffsetMs(instant, timeZone) === offset) valid.push(instant);
  }
  return valid.length > 0 ? Math.min(...valid) : Math.max(...all);
}

/** Midnight at the start of `date` in the zone. */
export function startOfDay(date: CalendarDate, timeZone: string): number {
  return zonedTimeToEpoch(date, 0, 0, timeZone);
}

/** The date `days` days after (or before, when negative) `date`. */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

/** The same day of the month `months` months away, clamped to the month's last day. */
export function addMonths(date: CalendarDate, months: number): CalendarDate {
  const first = new Date(Date.UTC(date.year, date.month - 1 + months, 1));
  const year = first.getUTCFullYear();
  const month = first.getUTCMonth() + 1;
  return { year, month, day: Math.min(date.day, daysInMonth(year, month)) };
}

/** Number of days in a month (1–12). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Day of the week of a calendar date, 0 = Sunday … 6 = Saturday. */
export function weekdayOf(date: CalendarDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

/** The Monday that starts the (Monday–Sunday) week containing `date`. */
export function mondayOf(date: CalendarDate): CalendarDate {
  return addDays(date, -((weekdayOf(date) + 6) % 7));
}

/** Orders two calendar dates: negative when `a` is earlier. */
export function compareDates(a: CalendarDate, b: CalendarDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/** The zone's calendar day at instant `ms`, as "YYYY-MM-DD". */
export function localDay(ms: number, timeZone: string): string {
  const { year, month, day } = wallClockAt(ms, timeZone);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
