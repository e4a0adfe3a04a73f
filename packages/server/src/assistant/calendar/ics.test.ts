import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FamiliarError, ValidationError } from '../../kernel/errors.ts';
import { zonedTimeToEpoch } from '../../kernel/zoned-calendar.ts';
import type { Person } from '../../memory/types.ts';
import type { Goal, InboxItem } from '../types.ts';
import { buildIcs, type CalendarEntry, calendarEntriesFrom, MAX_ICS_BYTES, parseIcs } from './index.ts';

const FIXTURES = resolve(import.meta.dirname, '../../../test/fixtures/calendar');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const LONDON = 'Europe/London';
const YEAR_2026 = { fromMs: Date.UTC(2026, 0, 1), toMs: Date.UTC(2027, 0, 1) };
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function calendar(...events: string[][]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN'];
  for (const event of events) lines.push('BEGIN:VEVENT', ...event, 'END:VEVENT');
  lines.push('END:VCALENDAR');
  return `${lines.join('\r\n')}\r\n`;
}

function readError(run: () => unknown): FamiliarError {
  try {
    run();
  } catch (error) {
    if (error instanceof FamiliarError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('parseIcs: a Google Calendar export', () => {
  const events = parseIcs(fixture('google-export.ics'), { timezone: LONDON, ...YEAR_2026 });

  it('expands the weekly event with its excluded and moved occurrences, across the clock change', () => {
    const standups = events.filter((event) => event.uid === '3kq8v0c1standup@google.com');
    expect(standups.map((event) => [iso(event.start), iso(event.end), event.title])).toEqual([
      ['2026-03-02T09:30:00.000Z', '2026-03-02T10:00:00.000Z', 'Team standup'],
      ['2026-03-09T09:30:00.000Z', '2026-03-09T10:00:00.000Z', 'Team standup'],
      // 16 March is excluded; 23 March moved to 10:30; from 30 March 09:30 in London is 08:30 UTC (BST).
      ['2026-03-23T10:30:00.000Z', '2026-03-23T11:00:00.000Z', 'Team standup (moved to 10:30)'],
      ['2026-03-30T08:30:00.000Z', '2026-03-30T09:00:00.000Z', 'Team standup'],
      ['2026-04-06T08:30:00.000Z', '2026-04-06T09:00:00.000Z', 'Team standup'],
    ]);
    expect(standups[0]).toMatchObject({
      allDay: false,
      location: 'Room 4, Canal Street',
      description: 'Weekly standup, bring blockers.\nAgenda: wins; risks; asks.',
      recurrence: 'FREQ=WEEKLY;COUNT=6;BYDAY=MO',
    });
  });

  it('gives the all-day yearly birthday at local midnight of the user', () => {
    const birthday = events.filter((event) => event.uid === '7b2e1f0dbirthday@google.com');
    expect(birthday).toEqual([
      {
        uid: '7b2e1f0dbirthday@google.com',
        title: "Mum's birthday",
        start: Date.UTC(2026, 2, 14),
        end: Date.UTC(2026, 2, 15),
        allDay: true,
        location: null,
        description: null,
        recurrence: 'FREQ=YEARLY',
      },
    ]);
    const inNewYork = parseIcs(fixture('google-export.ics'), { timezone: 'America/New_York', ...YEAR_2026 });
    expect(inNewYork.find((event) => event.allDay)?.start).toBe(
      zonedTimeToEpoch({ year: 2026, month: 3, day: 14 }, 0, 0, 'America/New_York'),
    );
  });

  it('unfolds long lines, unescapes text, leaves out cancelled events and sorts by start', () => {
    const dinner = events.find((event) => event.title === 'Dinner with Alex');
    expect(dinner?.description).toBe(
      'Booked under Sam. This description is long enough that Google folds it over more than one line, as RFC 5545 asks for lines over 75 octets.',
    );
    expect(events.some((event) => event.title.startsWith('Lunch'))).toBe(false);
    expect(events.map((event) => event.start)).toEqual(
      [...events.map((event) => event.start)].sort((a, b) => a - b),
    );
    expect(events).toHaveLength(7);
  });

  it('keeps only what overlaps the window', () => {
    const week = parseIcs(fixture('google-export.ics'), {
      timezone: LONDON,
      fromMs: Date.UTC(2026, 2, 9, 9, 45),
      toMs: Date.UTC(2026, 2, 14),
    });
    // The standup still running at 09:45 counts; the birthday starts at the window's end, so it does not.
    expect(week.map((event) => [event.title, iso(event.start)])).toEqual([
      ['Team standup', '2026-03-09T09:30:00.000Z'],
      ['Dinner with Alex', '2026-03-10T18:00:00.000Z'],
    ]);
  });
});

describe('parseIcs: time zones', () => {
  it("uses the file's own VTIMEZONE, an IANA TZID without one, and the user's zone for floating times", () => {
    const events = parseIcs(fixture('outlook-timezone.ics'), { timezone: LONDON, ...YEAR_2026 });
    expect(events.map((event) => [event.title, iso(event.start), iso(event.end)])).toEqual([
      // "Eastern Standard Time" is not an IANA name: only the file's VTIMEZONE says it is UTC-5 / UTC-4.
      ['Quarterly review', '2026-01-15T19:00:00.000Z', '2026-01-15T20:30:00.000Z'],
      ['Summer offsite', '2026-07-15T18:00:00.000Z', '2026-07-15T20:00:00.000Z'],
      // Asia/Tokyo has no VTIMEZONE in the file; the IANA zone of that name is used. No DTEND: no end.
      ['Call with the Tokyo team', '2026-07-16T00:00:00.000Z', null],
    ]);
    const floating = calendar([
      'UID:f@x',
      'SUMMARY:Floating',
      'DTSTART:20260715T090000',
      'DTEND:20260715T100000',
    ]);
    expect(parseIcs(floating, { timezone: 'America/New_York', ...YEAR_2026 })[0]).toMatchObject({
      start: Date.UTC(2026, 6, 15, 13),
      end: Date.UTC(2026, 6, 15, 14),
    });
  });

  it('reads Mozilla-style TZIDs and several calendars in one file', () => {
    const text =
      calendar([
        'UID:a@x',
        'SUMMARY:Berlin',
        'DTSTART;TZID=/mozilla.org/20050126_1/Europe/Berlin:20260110T100000',
      ]) + calendar(['UID:b@x', 'SUMMARY:Second calendar', 'DTSTART:20260111T100000Z']);
    expect(parseIcs(text, { timezone: LONDON, ...YEAR_2026 }).map((event) => iso(event.start))).toEqual([
      '2026-01-10T09:00:00.000Z',
      '2026-01-11T10:00:00.000Z',
    ]);
  });
});

describe('parseIcs: limits and bad input', () => {
  it('refuses a malformed file whole', () => {
    const error = readError(() => parseIcs(fixture('malformed.ics'), { timezone: LONDON, ...YEAR_2026 }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/^the calendar file could not be read: /);
  });

  it('says what is wrong with files that are not calendars or miss what an event needs', () => {
    const cases: Array<[string, RegExp]> = [
      ['hello', /does not start with BEGIN:VCALENDAR/],
      ['', /does not start with BEGIN:VCALENDAR/],
      [calendar(['UID:a@x', 'SUMMARY:No start']), /has no DTSTART/],
      [calendar(['UID:a@x', 'DTSTART:20260110T100000Z', 'DTEND:20260110T090000Z']), /ends before it starts/],
      [
        calendar(['UID:a@x', 'DTSTART:20260110T100000Z'], ['UID:a@x', 'DTSTART:20260111T100000Z']),
        /share the UID/,
      ],
      ['BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260110T100000Z\r\n', /could not be read/],
    ];
    for (const [text, message] of cases) {
      const error = readError(() => parseIcs(text, { timezone: LONDON, ...YEAR_2026 }));
      expect(error, text).toBeInstanceOf(ValidationError);
      expect(error.message, text).toMatch(message);
    }
  });

  it('refuses a file over 5 MB with a clear error', () => {
    const big = `BEGIN:VCALENDAR\r\nX-PAD:${'x'.repeat(MAX_ICS_BYTES)}\r\nEND:VCALENDAR\r\n`;
    const error = readError(() => parseIcs(big, { timezone: LONDON, ...YEAR_2026 }));
    expect(error.code).toBe('payload_too_large');
    expect(error.message).toBe('the calendar file is too large: 5.0 MB, at most 5 MB');
  });

  it('returns at most maxEvents occurrences, the earliest ones', () => {
    const daily = calendar(['UID:d@x', 'SUMMARY:Daily', 'DTSTART:20250101T080000Z', 'RRULE:FREQ=DAILY']);
    const weekly = calendar(['UID:w@x', 'SUMMARY:Weekly', 'DTSTART:20260101T070000Z', 'RRULE:FREQ=WEEKLY']);
    const events = parseIcs(daily + weekly, { timezone: LONDON, ...YEAR_2026, maxEvents: 10 });
    expect(events).toHaveLength(10);
    expect(iso(events[0]!.start)).toBe('2026-01-01T07:00:00.000Z');
    expect(iso(events[1]!.start)).toBe('2026-01-01T08:00:00.000Z');
    expect(iso(events[9]!.start)).toBe('2026-01-08T08:00:00.000Z');
    expect(parseIcs(daily, { timezone: LONDON, ...YEAR_2026 })).toHaveLength(365);
  });

  it('refuses a rule that repeats too often to expand instead of hanging', () => {
    const storm = calendar(['UID:s@x', 'DTSTART:20200101T000000Z', 'RRULE:FREQ=SECONDLY']);
    const error = readError(() => parseIcs(storm, { timezone: LONDON, ...YEAR_2026 }));
    expect(error.message).toMatch(/repeats too often to expand/);
  });

  it('checks its options', () => {
    const text = fixture('google-export.ics');
    expect(() => parseIcs(text, { timezone: 'Mars/Olympus', ...YEAR_2026 })).toThrow(ValidationError);
    expect(() => parseIcs(text, { timezone: LONDON, fromMs: 10, toMs: 10 })).toThrow(ValidationError);
    expect(() => parseIcs(text, { timezone: LONDON, ...YEAR_2026, maxEvents: 0 })).toThrow(ValidationError);
  });
});

describe('buildIcs', () => {
  const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
  const entries: CalendarEntry[] = [
    {
      uid: 'reminder-01@familiar',
      title: 'Send Sam the deck; v2, "final"',
      start: Date.UTC(2026, 2, 3, 9, 0),
      end: null,
      description: 'You said: "I\'ll send Sam the deck tomorrow"\nBack\\slash, semi;colon',
    },
    {
      uid: 'meeting-02@familiar',
      title: 'Planning',
      start: Date.UTC(2026, 2, 4, 14),
      end: Date.UTC(2026, 2, 4, 15),
    },
    {
      uid: 'goal-03@familiar',
      title: 'Deadline: Run a 10k',
      start: zonedTimeToEpoch({ year: 2026, month: 6, day: 30 }, 0, 0, LONDON),
      allDay: true,
    },
    {
      uid: 'date-04@familiar',
      title: `Mum: birthday ${'🎂'.repeat(30)} and a long title that needs folding`,
      start: zonedTimeToEpoch({ year: 1990, month: 3, day: 14 }, 0, 0, LONDON),
      allDay: true,
      recurrence: 'yearly',
    },
  ];
  const text = buildIcs(entries, { timezone: LONDON, now: NOW });

  it('writes a valid VCALENDAR with escaped text, folded lines and CRLF endings', () => {
    const lines = text.split('\r\n');
    expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    expect(lines).toContain('PRODID:-//Familiar//Familiar assistant//EN');
    expect(lines).toContain('VERSION:2.0');
    expect(lines.filter((line) => line === 'DTSTAMP:20260301T120000Z')).toHaveLength(4);
    expect(lines).toContain('UID:reminder-01@familiar');
    expect(lines).toContain('DTSTART:20260303T090000Z');
    expect(lines).toContain('SUMMARY:Send Sam the deck\\; v2\\, "final"');
    expect(lines).toContain('DTSTART;VALUE=DATE:20260630');
    expect(lines).toContain('DTEND;VALUE=DATE:20260701');
    expect(lines).toContain('DTSTART;VALUE=DATE:19900314');
    expect(lines).toContain('RRULE:FREQ=YEARLY');
    for (const line of lines) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(76);
    expect(lines.some((line) => line.startsWith(' '))).toBe(true);
  });

  it('reads back as the same events', () => {
    const events = parseIcs(text, {
      timezone: LONDON,
      fromMs: Date.UTC(2026, 0, 1),
      toMs: Date.UTC(2026, 11, 31),
    });
    expect(events).toEqual([
      {
        uid: 'reminder-01@familiar',
        title: entries[0]!.title,
        start: entries[0]!.start,
        end: null,
        allDay: false,
        location: null,
        description: entries[0]!.description,
        recurrence: null,
      },
      {
        uid: 'meeting-02@familiar',
        title: 'Planning',
        start: entries[1]!.start,
        end: entries[1]!.end,
        allDay: false,
        location: null,
        description: null,
        recurrence: null,
      },
      {
        uid: 'date-04@familiar',
        title: entries[3]!.title,
        start: zonedTimeToEpoch({ year: 2026, month: 3, day: 14 }, 0, 0, LONDON),
        end: zonedTimeToEpoch({ year: 2026, month: 3, day: 15 }, 0, 0, LONDON),
        allDay: true,
        location: null,
        description: null,
        recurrence: 'FREQ=YEARLY',
      },
      {
        uid: 'goal-03@familiar',
        title: 'Deadline: Run a 10k',
        start: entries[2]!.start,
        end: zonedTimeToEpoch({ year: 2026, month: 7, day: 1 }, 0, 0, LONDON),
        allDay: true,
        location: null,
        description: null,
        recurrence: null,
      },
    ]);
  });

  it('refuses entries that cannot be written', () => {
    const base = { uid: 'a@familiar', title: 'A', start: NOW };
    expect(() => buildIcs([base, base], { timezone: LONDON, now: NOW })).toThrow(/share the uid/);
    expect(() => buildIcs([{ ...base, end: NOW - 1 }], { timezone: LONDON, now: NOW })).toThrow(
      /ends before/,
    );
    expect(() => buildIcs([{ ...base, title: '' }], { timezone: LONDON, now: NOW })).toThrow(ValidationError);
    expect(() => buildIcs([{ ...base, uid: 'a\r\nX-EVIL:1' }], { timezone: LONDON, now: NOW })).toThrow(
      ValidationError,
    );
    expect(() => buildIcs([base], { timezone: 'Nowhere/Land', now: NOW })).toThrow(ValidationError);
  });
});

describe('calendarEntriesFrom', () => {
  const TIMES = { createdAt: 0, updatedAt: 0 };
  function item(id: string, changes: Partial<InboxItem>): InboxItem {
    return {
      id,
      userId: 'u1',
      kind: 'commitment',
      title: `Item ${id}`,
      body: '',
      due: Date.UTC(2026, 2, 3, 9),
      reason: '',
      status: 'pending',
      snoozedUntil: null,
      factId: null,
      goalId: null,
      personId: null,
      dedupeKey: `k-${id}`,
      notifiedAt: null,
      completedAt: null,
      sources: [],
      ...TIMES,
      ...changes,
    };
  }
  function goal(id: string, changes: Partial<Goal>): Goal {
    return {
      id,
      userId: 'u1',
      title: 'Run a 10k',
      text: 'run a 10k by the end of June',
      activity: 'run',
      about: [],
      target: { amount: 10, unit: 'km', counting: 'max', period: null },
      deadline: null,
      plan: [],
      status: 'active',
      startedAt: 0,
      ...TIMES,
      ...changes,
    };
  }
  function person(id: string, changes: Partial<Person>): Person {
    return {
      id,
      userId: 'u1',
      name: 'Mum',
      aliases: [],
      optedOut: false,
      relationship: 'mother',
      importantDates: [],
      lastSeenAt: null,
      lastHeardAt: null,
      lastMentionedAt: null,
      ...TIMES,
      ...changes,
    };
  }

  const input = {
    items: [
      item('c1', { title: 'Send Sam the deck', body: 'The Q1 deck', reason: 'You said on Mon 2 Mar: "…"' }),
      item('r1', {
        kind: 'reminder',
        title: 'Buy milk',
        status: 'to_confirm',
        due: Date.UTC(2026, 2, 4, 17),
      }),
      item('r2', { kind: 'reminder', status: 'snoozed' }),
      item('done', { status: 'done' }),
      item('dismissed', { status: 'dismissed' }),
      item('undated', { due: null }),
      item('nudge', { kind: 'nudge' }),
    ],
    goals: [
      // End of 30 June in London, as the goals code stores deadlines.
      goal('g1', { deadline: zonedTimeToEpoch({ year: 2026, month: 7, day: 1 }, 0, 0, LONDON) - 1 }),
      goal('g2', { deadline: zonedTimeToEpoch({ year: 2026, month: 7, day: 1 }, 0, 0, LONDON) }),
      goal('open', { deadline: null }),
      goal('achieved', { status: 'achieved', deadline: Date.UTC(2026, 5, 1) }),
    ],
    people: [
      person('p1', {
        importantDates: [
          { label: 'Birthday', date: '--03-14' },
          { label: 'Wedding anniversary', date: '1985-06-22' },
          { label: 'Leap day', date: '--02-29' },
          { label: 'Not a day', date: '--02-30' },
          { label: 'Garbled', date: 'March 14' },
        ],
      }),
      person('p2', {
        name: 'Stranger',
        optedOut: true,
        importantDates: [{ label: 'Birthday', date: '--01-01' }],
      }),
    ],
  };

  it('maps open timed items, active goal deadlines and people’s dates to entries with stable uids', () => {
    const entries = calendarEntriesFrom(input, LONDON);
    expect(entries.map((entry) => entry.uid)).toEqual([
      'commitment-c1@familiar',
      'reminder-r1@familiar',
      'reminder-r2@familiar',
      'goal-g1@familiar',
      'goal-g2@familiar',
      'date-p1-0314-birthday@familiar',
      'date-p1-0622-wedding-anniversary@familiar',
      'date-p1-0229-leap-day@familiar',
    ]);
    expect(entries[0]).toEqual({
      uid: 'commitment-c1@familiar',
      title: 'Send Sam the deck',
      start: Date.UTC(2026, 2, 3, 9),
      end: null,
      allDay: false,
      description: 'The Q1 deck\n\nWhy: You said on Mon 2 Mar: "…"',
      recurrence: null,
    });
    expect(entries[1]?.title).toBe('Buy milk (to confirm)');
    const june30 = zonedTimeToEpoch({ year: 2026, month: 6, day: 30 }, 0, 0, LONDON);
    expect(entries[3]).toMatchObject({ title: 'Deadline: Run a 10k', start: june30, allDay: true });
    expect(entries[4]?.start).toBe(june30);
    expect(entries[5]).toEqual({
      uid: 'date-p1-0314-birthday@familiar',
      title: 'Mum: Birthday',
      start: zonedTimeToEpoch({ year: 2000, month: 3, day: 14 }, 0, 0, LONDON),
      end: null,
      allDay: true,
      description: 'Mum (mother)',
      recurrence: 'yearly',
    });
    expect(entries[6]?.start).toBe(zonedTimeToEpoch({ year: 1985, month: 6, day: 22 }, 0, 0, LONDON));
    expect(calendarEntriesFrom(input, LONDON)).toEqual(entries);
  });

  it('exports a calendar a calendar app reads back, birthdays repeating every year', () => {
    const text = buildIcs(calendarEntriesFrom(input, LONDON), {
      timezone: LONDON,
      now: Date.UTC(2026, 2, 1),
    });
    const events = parseIcs(text, {
      timezone: LONDON,
      fromMs: Date.UTC(2027, 0, 1),
      toMs: Date.UTC(2029, 0, 1),
    });
    expect(
      events.filter((event) => event.title === 'Mum: Birthday').map((event) => iso(event.start)),
    ).toEqual(['2027-03-14T00:00:00.000Z', '2028-03-14T00:00:00.000Z']);
    // Born on 29 February: the last day of February every year.
    expect(
      events.filter((event) => event.title === 'Mum: Leap day').map((event) => iso(event.start)),
    ).toEqual(['2027-02-28T00:00:00.000Z', '2028-02-29T00:00:00.000Z']);
    expect(text).toContain('RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1');
  });
});
