import { createHash } from 'node:crypto';
import ICAL from 'ical.js';
import { z } from 'zod';
import { describeIssues, FamiliarError, ValidationError } from '../../kernel/errors.ts';
import {
  addDays,
  type CalendarDate,
  daysInMonth,
  startOfDay,
  wallClockAt,
  zonedTimeToEpoch,
} from '../../kernel/zoned-calendar.ts';
import type { Person } from '../../memory/types.ts';
import type { Goal, InboxItem } from '../types.ts';

/** One occurrence of an event read from an .ics calendar, with times as epoch ms. */
export interface CalendarEvent {
  /** The event's UID (shared by every occurrence of a recurring event). */
  uid: string;
  title: string;
  /** When it starts; an all-day event starts at local midnight in the user's timezone. */
  start: number;
  /** When it ends (exclusive), or null for a timed event that names no end; all-day events end at a midnight. */
  end: number | null;
  allDay: boolean;
  location: string | null;
  description: string | null;
  /** The event's repeat rule, its RRULE value as ical.js writes it (`FREQ=WEEKLY;BYDAY=MO`), or null for a one-off. */
  recurrence: string | null;
}

/** The largest .ics file read, in bytes. */
export const MAX_ICS_BYTES = 5 * 1024 * 1024;

/** Occurrences returned when `maxEvents` is not given, and the most that may be asked for. */
const DEFAULT_MAX_EVENTS = 1_000;
const LIMIT_MAX_EVENTS = 10_000;
/** Steps through one event's repeat rule before giving up on it (a daily event since 1900 takes ~46,000). */
const MAX_STEPS_PER_EVENT = 50_000;
/** Steps through all repeat rules of one file. */
const MAX_STEPS_PER_FILE = 500_000;

const ParseOptionsSchema = z
  .object({
    timezone: z.string().refine(isTimeZone, 'timezone must be an IANA time zone such as "Europe/London"'),
    fromMs: z.number().int(),
    toMs: z.number().int(),
    maxEvents: z.number().int().min(1).max(LIMIT_MAX_EVENTS).optional(),
  })
  .refine((options) => options.fromMs < options.toMs, 'fromMs must be before toMs');

/**
 * Reads an iCalendar (.ics) file into the occurrences that overlap [fromMs, toMs), earliest first, at most
 * `maxEvents` (default 1,000). Repeating events are expanded (RRULE, RDATE, EXDATE, and moved or changed single
 * occurrences); cancelled events and occurrences are left out. Times with a TZID use the file's own VTIMEZONE,
 * else the IANA zone of that name, else (like times with no zone at all) the user's timezone; all-day events start
 * at local midnight in the user's timezone. A file that cannot be read throws a ValidationError and nothing of it
 * is returned; a file over 5 MB is refused with `payload_too_large`.
 */
export function parseIcs(
  text: string,
  options: { timezone: string; fromMs: number; toMs: number; maxEvents?: number },
): CalendarEvent[] {
  const parsedOptions = ParseOptionsSchema.safeParse(options);
  if (!parsedOptions.success)
    throw new ValidationError('the calendar window is not valid', describeIssues(parsedOptions.error.issues));
  const { timezone, fromMs, toMs, maxEvents = DEFAULT_MAX_EVENTS } = parsedOptions.data;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_ICS_BYTES)
    throw new FamiliarError(
      'payload_too_large',
      `the calendar file is too large: ${(bytes / 1024 / 1024).toFixed(1)} MB, at most ${MAX_ICS_BYTES / 1024 / 1024} MB`,
    );
  const calendars = readCalendars(text);
  const window = { timezone, fromMs, toMs, maxEvents, steps: 0 };
  const events: CalendarEvent[] = [];
  try {
    for (const calendar of calendars) events.push(...eventsOf(calendar, window));
  } catch (error) {
    throw unreadable(error);
  }
  events.sort((a, b) => a.start - b.start || a.uid.localeCompare(b.uid));
  return events.slice(0, maxEvents);
}

interface Window {
  timezone: string;
  fromMs: number;
  toMs: number;
  maxEvents: number;
  /** Repeat-rule steps taken so far in this file. */
  steps: number;
}

function readCalendars(text: string): ICAL.Component[] {
  const body = text.replace(/^\uFEFF/, '');
  if (!/^\s*BEGIN:VCALENDAR/i.test(body))
    throw unreadable(new Error('it does not start with BEGIN:VCALENDAR'));
  let parsed: unknown;
  try {
    parsed = ICAL.parse(body);
  } catch (error) {
    throw unreadable(error);
  }
  // One calendar parses to a jCal array; several to an array of them.
  const list =
    Array.isArray(parsed) && Array.isArray(parsed[0]) ? (parsed as unknown[][]) : [parsed as unknown[]];
  return list.map((jcal) => {
    const component = new ICAL.Component(jcal);
    if (component.name !== 'vcalendar')
      throw unreadable(new Error(`found ${component.name}, not a VCALENDAR`));
    return component;
  });
}

function eventsOf(calendar: ICAL.Component, window: Window): CalendarEvent[] {
  const masters = new Map<string, ICAL.Component>();
  const exceptions = new Map<string, ICAL.Component[]>();
  const orphans: ICAL.Component[] = [];
  for (const component of calendar.getAllSubcomponents('vevent')) {
    if (!component.hasProperty('dtstart'))
      throw new Error(`an event (${describe(component)}) has no DTSTART`);
    const uid = uidOf(component);
    if (component.hasProperty('recurrence-id')) {
      exceptions.set(uid, [...(exceptions.get(uid) ?? []), component]);
    } else if (masters.has(uid)) {
      throw new Error(`two events share the UID ${uid}`);
    } else masters.set(uid, component);
  }
  for (const [uid, list] of exceptions) if (!masters.has(uid)) orphans.push(...list);

  const events: CalendarEvent[] = [];
  for (const [uid, component] of masters) {
    const event = new ICAL.Event(component, {
      strictExceptions: true,
      exceptions: exceptions.get(uid) ?? [],
    });
    if (isCancelled(component)) continue;
    if (event.isRecurring()) events.push(...occurrencesOf(event, uid, window));
    else pushIfInWindow(events, occurrence(event, uid, event.startDate, event.endDate, null, window), window);
  }
  // A changed occurrence whose series is not in the file stands on its own.
  for (const component of orphans) {
    if (isCancelled(component)) continue;
    const event = new ICAL.Event(component);
    pushIfInWindow(
      events,
      occurrence(event, uidOf(component), event.startDate, event.endDate, null, window),
      window,
    );
  }
  return events;
}

function occurrencesOf(event: ICAL.Event, uid: string, window: Window): CalendarEvent[] {
  const rule = event.component.getFirstPropertyValue('rrule');
  const recurrence = rule instanceof ICAL.Recur ? rule.toString() : null;
  const found: CalendarEvent[] = [];
  const expansion = event.iterator();
  let steps = 0;
  for (let next = expansion.next(); next; next = expansion.next()) {
    steps += 1;
    window.steps += 1;
    if (steps > MAX_STEPS_PER_EVENT || window.steps > MAX_STEPS_PER_FILE)
      throw new Error(`the event ${uid} repeats too often to expand (over ${MAX_STEPS_PER_EVENT} times)`);
    const details = event.getOccurrenceDetails(next);
    const item = details.item;
    // Occurrences come in order of their original start; stop once that passes the window.
    if (toEpoch(next, tzidOf(event.component, 'dtstart'), window.timezone) >= window.toMs) break;
    if (item !== event && isCancelled(item.component)) continue;
    const current = occurrence(item, uid, details.startDate, details.endDate, recurrence, window, event);
    if (pushIfInWindow(found, current, window) && found.length >= window.maxEvents) break;
  }
  return found;
}

/** One occurrence as a CalendarEvent; `series` is the repeating event an exception belongs to. */
function occurrence(
  item: ICAL.Event,
  uid: string,
  startDate: ICAL.Time,
  endDate: ICAL.Time,
  recurrence: string | null,
  window: Window,
  series: ICAL.Event = item,
): CalendarEvent {
  const allDay = startDate.isDate;
  const startTzid = tzidOf(item.component, 'dtstart');
  const start = toEpoch(startDate, startTzid, window.timezone);
  // A timed event with neither DTEND nor DURATION names no end (ical.js would give its start).
  const namesEnd =
    item.component.hasProperty('dtend') ||
    item.component.hasProperty('duration') ||
    series.component.hasProperty('dtend') ||
    series.component.hasProperty('duration');
  let end: number | null = null;
  if (allDay || namesEnd) {
    const endTzid = item.component.hasProperty('dtend') ? tzidOf(item.component, 'dtend') : startTzid;
    end = toEpoch(endDate, endTzid, window.timezone);
    if (end < start) throw new Error(`the event ${uid} ends before it starts`);
  }
  return {
    uid,
    title: textOf(item.component, 'summary') ?? textOf(series.component, 'summary') ?? '(no title)',
    start,
    end,
    allDay,
    location: textOf(item.component, 'location') ?? textOf(series.component, 'location'),
    description: textOf(item.component, 'description') ?? textOf(series.component, 'description'),
    recurrence,
  };
}

function pushIfInWindow(list: CalendarEvent[], event: CalendarEvent, window: Window): boolean {
  const endsAfterFrom = event.end === null ? event.start >= window.fromMs : event.end > window.fromMs;
  const inWindow = event.start < window.toMs && (endsAfterFrom || event.start >= window.fromMs);
  if (inWindow) list.push(event);
  return inWindow;
}

/** An ical.js time as epoch ms: in its file-defined zone, or UTC, or the named IANA zone, or the user's. */
function toEpoch(time: ICAL.Time, tzid: string | null, userTimezone: string): number {
  if (time.isDate) return startOfDay({ year: time.year, month: time.month, day: time.day }, userTimezone);
  const zone = time.zone?.tzid;
  if (zone && zone !== 'floating') return time.toUnixTime() * 1000;
  const ianaZone = (tzid && ianaZoneFrom(tzid)) || userTimezone;
  return (
    zonedTimeToEpoch(
      { year: time.year, month: time.month, day: time.day },
      time.hour,
      time.minute,
      ianaZone,
    ) +
    time.second * 1000
  );
}

/** An IANA zone named by a TZID, also in the `/mozilla.org/20050126_1/Europe/Berlin` style; null if none. */
function ianaZoneFrom(tzid: string): string | null {
  const cleaned = tzid.replace(/^"|"$/g, '');
  if (isTimeZone(cleaned)) return cleaned;
  const tail = /([A-Za-z_]+\/[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)?)$/.exec(cleaned)?.[1];
  return tail && isTimeZone(tail) ? tail : null;
}

function tzidOf(component: ICAL.Component, property: string): string | null {
  const value = component.getFirstProperty(property)?.getParameter('tzid');
  return typeof value === 'string' ? value : null;
}

function textOf(component: ICAL.Component, property: string): string | null {
  const value = component.getFirstPropertyValue(property);
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  return text === '' ? null : text;
}

function isCancelled(component: ICAL.Component): boolean {
  return String(component.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED';
}

/** The event's UID; one the file left out (some exporters do) is derived from its start and title, stably. */
function uidOf(component: ICAL.Component): string {
  const uid = textOf(component, 'uid');
  if (uid) return uid;
  const seed = `${component.getFirstProperty('dtstart')?.toICALString() ?? ''}\n${textOf(component, 'summary') ?? ''}`;
  return `${createHash('sha256').update(seed).digest('hex').slice(0, 24)}@derived.familiar`;
}

function describe(component: ICAL.Component): string {
  const summary = textOf(component, 'summary');
  return summary ? `"${summary.slice(0, 60)}"` : (textOf(component, 'uid') ?? 'without a UID');
}

function unreadable(error: unknown): FamiliarError {
  if (error instanceof FamiliarError) return error;
  const reason = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').slice(0, 300);
  return new ValidationError(`the calendar file could not be read: ${reason}`);
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

/** An event to write into an .ics calendar. */
export interface CalendarEntry {
  /** Stable across exports, so calendar apps update the event rather than add it twice. */
  uid: string;
  title: string;
  start: number;
  end?: number | null;
  /** Written as DATE values: the local day of `start` (and of `end`) in the user's timezone. */
  allDay?: boolean;
  description?: string | null;
  /** `yearly` for birthdays and anniversaries. */
  recurrence?: 'yearly' | null;
}

const EntrySchema = z.object({
  uid: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[^\r\n]+$/, 'a uid is one line'),
  title: z.string().min(1).max(1_000),
  start: z.number().int(),
  end: z.number().int().nullable().optional(),
  allDay: z.boolean().optional(),
  description: z.string().max(20_000).nullable().optional(),
  recurrence: z.literal('yearly').nullable().optional(),
});

const BuildOptionsSchema = z.object({
  timezone: z.string().refine(isTimeZone, 'timezone must be an IANA time zone such as "Europe/London"'),
  productId: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[^\r\n]+$/, 'a product id is one line')
    .optional(),
  now: z.number().int(),
});

/** The product id written when none is given. */
export const FAMILIAR_PRODUCT_ID = '-//Familiar//Familiar assistant//EN';

/**
 * Writes events as an iCalendar (RFC 5545) file: PRODID, VERSION 2.0, and per event a UID, DTSTAMP (`now`),
 * DTSTART/DTEND (timed events in UTC, all-day events as DATE values of the user's local days, an all-day event
 * without an end lasting one day), SUMMARY, DESCRIPTION and `RRULE:FREQ=YEARLY` for yearly ones (on 29 February:
 * the last day of February each year). Text is escaped
 * and lines folded at 75 octets by ical.js; lines end in CRLF. Sub-second parts of times are dropped. Throws a
 * ValidationError for an entry that ends before it starts or a UID used twice.
 */
export function buildIcs(
  entries: ReadonlyArray<CalendarEntry>,
  options: { timezone: string; productId?: string; now: number },
): string {
  const parsedOptions = BuildOptionsSchema.safeParse(options);
  if (!parsedOptions.success)
    throw new ValidationError(
      'the calendar options are not valid',
      describeIssues(parsedOptions.error.issues),
    );
  const { timezone, productId = FAMILIAR_PRODUCT_ID, now } = parsedOptions.data;
  const parsedEntries = z.array(EntrySchema).safeParse(entries);
  if (!parsedEntries.success)
    throw new ValidationError(
      'the calendar entries are not valid',
      describeIssues(parsedEntries.error.issues),
    );

  const calendar = new ICAL.Component('vcalendar');
  calendar.addPropertyWithValue('prodid', productId);
  calendar.addPropertyWithValue('version', '2.0');
  calendar.addPropertyWithValue('calscale', 'GREGORIAN');
  calendar.addPropertyWithValue('method', 'PUBLISH');
  calendar.addPropertyWithValue('x-wr-timezone', timezone);
  const stamp = utcTime(now);
  const seen = new Set<string>();
  for (const [index, entry] of parsedEntries.data.entries()) {
    if (seen.has(entry.uid))
      throw new ValidationError(`two calendar entries share the uid ${entry.uid}`, [index]);
    seen.add(entry.uid);
    const end = entry.end ?? null;
    if (end !== null && end < entry.start)
      throw new ValidationError(`the calendar entry ${entry.uid} ends before it starts`, [index]);
    const event = new ICAL.Component('vevent');
    event.addPropertyWithValue('uid', entry.uid);
    event.addPropertyWithValue('dtstamp', stamp);
    if (entry.allDay) {
      const first = wallClockAt(entry.start, timezone);
      const last = end === null ? addDays(first, 1) : endDay(end, timezone, first);
      event.addPropertyWithValue('dtstart', dateValue(first));
      event.addPropertyWithValue('dtend', dateValue(last));
      event.addPropertyWithValue('transp', 'TRANSPARENT');
    } else {
      event.addPropertyWithValue('dtstart', utcTime(entry.start));
      if (end !== null) event.addPropertyWithValue('dtend', utcTime(end));
    }
    event.addPropertyWithValue('summary', entry.title);
    if (entry.description) event.addPropertyWithValue('description', entry.description);
    if (entry.recurrence === 'yearly')
      event.addPropertyWithValue('rrule', ICAL.Recur.fromString(yearlyRule(entry.start, timezone)));
    calendar.addSubcomponent(event);
  }
  return `${calendar.toString().replace(/\r?\n/g, '\r\n')}\r\n`;
}

/**
 * `FREQ=YEARLY`; for a date on 29 February, the last day of February every year, because a plain yearly rule on an
 * invalid date is skipped by the standard (and moved to 1 March by some apps) and a birthday is kept every year.
 */
function yearlyRule(start: number, timezone: string): string {
  const { month, day } = wallClockAt(start, timezone);
  return month === 2 && day === 29 ? 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1' : 'FREQ=YEARLY';
}

/** The exclusive end day of an all-day entry: the day `end` falls on, or the next one when it is not a midnight. */
function endDay(end: number, timezone: string, first: CalendarDate): CalendarDate {
  const clock = wallClockAt(end, timezone);
  const day = { year: clock.year, month: clock.month, day: clock.day };
  const atMidnight = startOfDay(day, timezone) === end;
  const last = atMidnight ? day : addDays(day, 1);
  // At least one day long.
  return compareDay(last, first) > 0 ? last : addDays(first, 1);
}

function compareDay(a: CalendarDate, b: CalendarDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

function utcTime(ms: number): ICAL.Time {
  const date = new Date(ms);
  return ICAL.Time.fromData(
    {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: date.getUTCHours(),
      minute: date.getUTCMinutes(),
      second: date.getUTCSeconds(),
      isDate: false,
    },
    ICAL.Timezone.utcTimezone,
  );
}

function dateValue(date: CalendarDate): ICAL.Time {
  return ICAL.Time.fromData({ year: date.year, month: date.month, day: date.day, isDate: true });
}

// ---------------------------------------------------------------------------------------------------------------
// What Familiar exports

const OPEN_STATUSES = new Set<InboxItem['status']>(['pending', 'to_confirm', 'snoozed']);
/** The year written for a date known without one (`--MM-DD`): a leap year, so 29 February is kept. */
const YEARLESS_YEAR = 2000;

/**
 * What Familiar puts in an exported calendar: open commitments and reminders with a due time (timed), active goals'
 * deadlines (all-day, on the deadline's local day), and the important dates of people who have not opted out
 * (all-day, yearly; `--MM-DD` dates start in 2000). UIDs are stable (`<kind>-<id>@familiar`), so exporting again
 * updates events in a calendar app instead of adding them twice. A date that is not a real day is left out.
 */
export function calendarEntriesFrom(
  input: { items: InboxItem[]; goals: Goal[]; people: Person[] },
  timezone: string,
): CalendarEntry[] {
  if (!isTimeZone(timezone))
    throw new ValidationError('timezone must be an IANA time zone such as "Europe/London"');
  const entries: CalendarEntry[] = [];
  for (const item of input.items) {
    if ((item.kind !== 'commitment' && item.kind !== 'reminder') || !OPEN_STATUSES.has(item.status)) continue;
    if (item.due === null) continue;
    const description = [item.body.trim(), item.reason.trim() ? `Why: ${item.reason.trim()}` : '']
      .filter((part) => part !== '')
      .join('\n\n');
    entries.push({
      uid: `${item.kind}-${item.id}@familiar`,
      title: item.status === 'to_confirm' ? `${item.title} (to confirm)` : item.title,
      start: item.due,
      end: null,
      allDay: false,
      description: description === '' ? null : description,
      recurrence: null,
    });
  }
  for (const goal of input.goals) {
    if (goal.status !== 'active' || goal.deadline === null) continue;
    // The deadline is the end of its local day; a deadline at exactly midnight ends the day before.
    const clock = wallClockAt(goal.deadline, timezone);
    const sameDay = { year: clock.year, month: clock.month, day: clock.day };
    const day = startOfDay(sameDay, timezone) === goal.deadline ? addDays(sameDay, -1) : sameDay;
    entries.push({
      uid: `goal-${goal.id}@familiar`,
      title: `Deadline: ${goal.title}`,
      start: startOfDay(day, timezone),
      end: null,
      allDay: true,
      description: goal.text.trim() === '' ? null : goal.text,
      recurrence: null,
    });
  }
  for (const person of input.people) {
    if (person.optedOut) continue;
    for (const important of person.importantDates) {
      const date = importantDay(important.date);
      if (!date) continue;
      const key = `${String(date.month).padStart(2, '0')}${String(date.day).padStart(2, '0')}`;
      entries.push({
        uid: `date-${person.id}-${key}-${slug(important.label)}@familiar`,
        title: `${person.name}: ${important.label}`,
        start: startOfDay(date, timezone),
        end: null,
        allDay: true,
        description: person.relationship ? `${person.name} (${person.relationship})` : null,
        recurrence: 'yearly',
      });
    }
  }
  return entries;
}

/** `YYYY-MM-DD` or `--MM-DD` as a calendar day (a yearless one in 2000), or null when it is not a real day. */
function importantDay(text: string): CalendarDate | null {
  const match = /^(\d{4}|-)-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!match) return null;
  const year = match[1] === '-' ? YEARLESS_YEAR : Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

function slug(label: string): string {
  const cleaned = label
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return cleaned.slice(0, 40) || 'date';
}
