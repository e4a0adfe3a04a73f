import { describe, expect, it } from 'vitest';
import type { Fact, Person } from '../../memory/index.ts';
import {
  collectDateSources,
  type DateSource,
  dateDedupeKey,
  formatDay,
  nextOccurrence,
  occurrencesWithin,
} from './dates.ts';

const person = (
  id: string,
  name: string,
  importantDates: Person['importantDates'],
  optedOut = false,
): Person => ({
  id,
  userId: 'u',
  name,
  aliases: [],
  optedOut,
  relationship: null,
  importantDates,
  lastSeenAt: null,
  lastHeardAt: null,
  lastMentionedAt: null,
  createdAt: 0,
  updatedAt: 0,
});

const dateFact = (
  subject: string,
  predicate: string,
  validFrom: number,
  personId: string | null = null,
): Fact => ({
  id: `f-${subject}-${predicate}`,
  userId: 'u',
  kind: 'date',
  subject,
  predicate,
  object: 'x',
  slot: null,
  statement: 'x',
  validFrom,
  validTo: null,
  observedAt: 0,
  trust: 'authored',
  confidence: 0.9,
  origin: 'extracted',
  status: 'active',
  supersededBy: null,
  personId,
  createdAt: 0,
  updatedAt: 0,
  sources: [],
});

const source = (label: string, date: string): DateSource => ({ label, date, personId: null, name: null });

describe('dates that matter', () => {
  it('recurs birthdays and yearless dates every year, and keeps other dated entries to their day', () => {
    const from = { year: 2026, month: 3, day: 10 };
    expect(nextOccurrence(source('birthday', '1990-03-14'), from)).toEqual({ year: 2026, month: 3, day: 14 });
    expect(nextOccurrence(source('birthday', '1990-03-01'), from)).toEqual({ year: 2027, month: 3, day: 1 });
    expect(nextOccurrence(source('anniversary', '--03-10'), from)).toEqual({ year: 2026, month: 3, day: 10 });
    expect(nextOccurrence(source('flight', '2026-03-20'), from)).toEqual({ year: 2026, month: 3, day: 20 });
    expect(nextOccurrence(source('flight', '2026-03-01'), from)).toBeNull();
    expect(nextOccurrence(source('birthday', '--02-29'), { year: 2027, month: 1, day: 1 })).toEqual({
      year: 2027,
      month: 2,
      day: 28,
    });
    expect(nextOccurrence(source('birthday', 'soon'), from)).toBeNull();
  });

  it('finds the dates within a lead, soonest first, with how many days ahead', () => {
    const from = { year: 2026, month: 12, day: 28 };
    const found = occurrencesWithin(
      [source('birthday', '--01-03'), source('anniversary', '--12-28'), source('birthday', '--01-05')],
      from,
      6,
    );
    expect(found.map((entry) => [formatDay(entry.day), entry.daysAhead])).toEqual([
      ['Mon 28 Dec', 0],
      ['Sun 3 Jan', 6],
    ]);
  });

  it("collects people's dates and the person's own date facts, linking named facts to known people", () => {
    const sources = collectDateSources(
      [
        person('jo', 'Jo Smith', [{ label: 'birthday', date: '--03-20' }]),
        person('x', 'Xi', [{ label: 'birthday', date: '--01-01' }], true),
      ],
      [
        dateFact('self', 'wedding_anniversary', Date.UTC(2026, 2, 14)),
        dateFact('Jo', 'name_day', Date.UTC(2026, 5, 1)),
        dateFact('Kim', 'birthday', Date.UTC(2026, 6, 1)),
        dateFact('Jo', 'birthday', Date.UTC(2026, 2, 20), 'jo'),
      ],
      'Europe/London',
    );
    expect(sources).toEqual([
      { label: 'birthday', date: '--03-20', personId: 'jo', name: 'Jo Smith' },
      { label: 'wedding anniversary', date: '2026-03-14', personId: null, name: null },
      { label: 'name day', date: '2026-06-01', personId: 'jo', name: 'Jo Smith' },
      { label: 'birthday', date: '2026-07-01', personId: null, name: 'Kim' },
    ]);
    const day = { year: 2026, month: 3, day: 14 };
    expect(dateDedupeKey(sources[1]!, day)).toBe('date:self:wedding_anniversary:2026-03-14');
    expect(dateDedupeKey(sources[3]!, day)).toBe('date:name_kim:birthday:2026-03-14');
  });
});
