import {
  addDays,
  type CalendarDate,
  compareDates,
  daysInMonth,
  localDay,
  wallClockAt,
  weekdayOf,
} from '../../kernel/index.ts';
import type { Fact, Person } from '../../memory/index.ts';

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** Labels of dates that come back every year even when they were noted with a year (a birth year, a wedding year). */
const YEARLY_LABEL = /birth|anniversar|name ?day|memorial|death/i;

/** A date that matters, from a person's record or from the person's own date facts, as it was stored. */
export interface DateSource {
  /** "birthday", "wedding anniversary", … */
  label: string;
  /** "YYYY-MM-DD", or "--MM-DD" when the year is not known. */
  date: string;
  /** The person it is about, or null for the person themselves (or a name memory does not know yet). */
  personId: string | null;
  /** Their name, or null for the person themselves. */
  name: string | null;
}

/** One occurrence of a date that matters, on a given local day. */
export interface DateOccurrence {
  source: DateSource;
  day: CalendarDate;
  /** Whole local days from the day asked about (0 = that day). */
  daysAhead: number;
}

/** "2026-03-14" for a calendar date. */
export function dayKey(date: CalendarDate): string {
  return `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/** The calendar date of "YYYY-MM-DD", or null when it is not one. */
export function parseDayKey(value: string): CalendarDate | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  if (date.month < 1 || date.month > 12 || date.day < 1 || date.day > daysInMonth(date.year, date.month))
    return null;
  return date;
}

/** "Sat 14 Mar": how the assistant writes a day in titles and reasons. */
export function formatDay(date: CalendarDate): string {
  return `${WEEKDAYS[weekdayOf(date)]} ${date.day} ${MONTHS[date.month - 1]}`;
}

/** "Sat 14 Mar" for an instant in a zone. */
export function formatInstantDay(ms: number, timezone: string): string {
  return formatDay(wallClockAt(ms, timezone));
}

/** "09:05" for an instant in a zone. */
export function formatTime(ms: number, timezone: string): string {
  const wall = wallClockAt(ms, timezone);
  return `${String(wall.hour).padStart(2, '0')}:${String(wall.minute).padStart(2, '0')}`;
}

/** A label as it goes into a dedupe key: lower case, runs of other characters as one `_`. */
export function slug(value: string): string {
  return (
    value
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, '_')
      .replace(/^_+|_+$/g, '') || 'date'
  );
}

/**
 * The dates that matter to the person: every known person's important dates, and date facts memory holds about the
 * person themselves (`subject` "self") or about someone not linked to a person record yet (their facts with a
 * person link are already on that person's record). A fact's day is its `validFrom` in the user's zone.
 */
export function collectDateSources(
  people: readonly Person[],
  dateFacts: readonly Fact[],
  timezone: string,
): DateSource[] {
  const sources: DateSource[] = [];
  const byName = new Map<string, Person>();
  for (const person of people) {
    if (person.optedOut) continue;
    for (const name of [person.name, person.name.split(/\s+/)[0] ?? '', ...person.aliases]) {
      if (name) byName.set(name.toLowerCase(), person);
    }
    for (const entry of person.importantDates) {
      sources.push({ label: entry.label, date: entry.date, personId: person.id, name: person.name });
    }
  }
  for (const fact of dateFacts) {
    if (fact.kind !== 'date' || fact.status !== 'active' || fact.validFrom === null || fact.personId !== null)
      continue;
    const label = fact.predicate.replaceAll('_', ' ');
    const date = localDay(fact.validFrom, timezone);
    if (fact.subject.toLowerCase() === 'self') {
      sources.push({ label, date, personId: null, name: null });
      continue;
    }
    const person = byName.get(fact.subject.toLowerCase());
    if (person?.optedOut) continue;
    sources.push({ label, date, personId: person?.id ?? null, name: person?.name ?? fact.subject });
  }
  return sources;
}

/**
 * Where a stored date falls on or after `from`: "--MM-DD" and birthdays/anniversaries recur every year (29 Feb falls
 * on 28 Feb in other years); any other dated entry happens once. Null when it does not fall on or after `from`.
 */
export function nextOccurrence(source: DateSource, from: CalendarDate): CalendarDate | null {
  const yearless = /^--(\d{2})-(\d{2})$/.exec(source.date);
  const full = yearless ? null : parseDayKey(source.date);
  if (!yearless && !full) return null;
  const month = yearless ? Number(yearless[1]) : full!.month;
  const day = yearless ? Number(yearless[2]) : full!.day;
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  if (full && !YEARLY_LABEL.test(source.label)) return compareDates(full, from) >= 0 ? full : null;
  for (const year of [from.year, from.year + 1]) {
    const candidate = { year, month, day: Math.min(day, daysInMonth(year, month)) };
    if (compareDates(candidate, from) >= 0) return candidate;
  }
  return null;
}

/** The occurrences of `sources` in the `days` local days starting at `from` (0 = only `from`), soonest first. */
export function occurrencesWithin(
  sources: readonly DateSource[],
  from: CalendarDate,
  days: number,
): DateOccurrence[] {
  const last = addDays(from, Math.max(0, Math.floor(days)));
  const found: DateOccurrence[] = [];
  for (const source of sources) {
    const day = nextOccurrence(source, from);
    if (!day || compareDates(day, last) > 0) continue;
    const daysAhead = Math.round(
      (Date.UTC(day.year, day.month - 1, day.day) - Date.UTC(from.year, from.month - 1, from.day)) /
        86_400_000,
    );
    found.push({ source, day, daysAhead });
  }
  return found.sort((a, b) => a.daysAhead - b.daysAhead || a.source.label.localeCompare(b.source.label));
}

/** Whose date it is, for sentences: "Jo's" or "Your". */
export function ownerOf(source: DateSource): string {
  return source.name === null ? 'Your' : `${source.name}'s`;
}

/** The dedupe key of a date's nudge in one year: `date:<person id or self>:<label>:<yyyy-mm-dd>`. */
export function dateDedupeKey(source: DateSource, day: CalendarDate): string {
  const owner = source.personId ?? (source.name === null ? 'self' : `name_${slug(source.name)}`);
  return `date:${owner}:${slug(source.label)}:${dayKey(day)}`;
}
