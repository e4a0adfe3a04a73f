import { describe, expect, it } from 'vitest';
import { findDates, writesMonthFirst } from './find-dates.ts';

// Tue 3 Mar 2026, 20:10 in London (GMT) and 15:10 in New York.
const capturedAt = Date.parse('2026-03-03T20:10:00Z');

function local(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

function first(text: string, timeZone = 'Europe/London', forward = true) {
  const [date] = findDates(text, { capturedAt, timeZone, forward });
  return date ? { text: date.text, at: local(date.at, timeZone), hasTime: date.hasTime } : null;
}

describe('findDates: clock times in words', () => {
  it.each([
    ['take the bins out at eleven tonight', '2026-03-03 23:00'],
    ['ping me at eleven tonight pls', '2026-03-03 23:00'],
    ['at ten at night', '2026-03-03 22:00'],
    ['call him at nine', '2026-03-03 21:00'],
    ["nine o'clock", '2026-03-03 21:00'],
    ['seven pm', '2026-03-04 19:00'],
    ['at six in the morning', '2026-03-04 06:00'],
    ['eleven oh five', '2026-03-03 23:05'],
    ['at two thirty tmrw', '2026-03-04 14:30'],
    ["Tomorrow at two I'll call the plumber", '2026-03-04 14:00'],
    ['by half six 2moro', '2026-03-04 18:30'],
    ['around quarter past eight', '2026-03-03 20:15'],
  ])('%s', (text, at) => {
    expect(first(text)).toMatchObject({ at, hasTime: true });
  });

  it.each([
    ['at one point I nearly gave up'],
    ['about two of them came'],
    ['one or two people'],
    ['no one cares'],
    ['we won two nil'],
  ])('no time in %s', (text) => {
    expect(
      findDates(text, { capturedAt, timeZone: 'Europe/London', forward: true }).filter((d) => d.hasTime),
    ).toEqual([]);
  });

  it('reads texting spellings of days', () => {
    expect(first('2moro')).toMatchObject({ at: '2026-03-04 00:00', hasTime: false });
    expect(first('tmrw at 3pm')).toMatchObject({ at: '2026-03-04 15:00', hasTime: true });
    expect(first('tomoz')).toMatchObject({ at: '2026-03-04 00:00' });
  });
});

describe('findDates: numeric dates by region', () => {
  it('reads the day first outside month-first zones, and the month first in US zones', () => {
    expect(first("Jo's bday 12/3")).toMatchObject({ text: '12/3', at: '2026-03-12 00:00' });
    expect(first('12/3/2026', 'Europe/Dublin')).toMatchObject({ at: '2026-03-12 00:00' });
    expect(first('on 3/5', 'Australia/Sydney')).toMatchObject({ at: '2026-05-03 00:00' });
    expect(first("Jo's bday 12/3", 'America/New_York')).toMatchObject({ at: '2026-12-03 00:00' });
    expect(first('3/5', 'America/Los_Angeles')).toMatchObject({ at: '2026-03-05 00:00' });
  });

  it('reads an unambiguous date either way', () => {
    expect(first('25/12', 'America/New_York')).toMatchObject({ at: '2026-12-25 00:00' });
    expect(first('12/25', 'Europe/London')).toMatchObject({ at: '2026-12-25 00:00' });
  });

  it('keeps month names as they were: "March 14", "the 3rd of May", "May 3rd"', () => {
    expect(first('our anniversary is March 14')).toMatchObject({ at: '2026-03-14 00:00' });
    expect(first('the 3rd of May')).toMatchObject({ at: '2026-05-03 00:00' });
    expect(first('May 3rd', 'America/Chicago')).toMatchObject({ at: '2026-05-03 00:00' });
  });

  it('knows which zones write the month first', () => {
    expect(writesMonthFirst('America/New_York')).toBe(true);
    expect(writesMonthFirst('America/Indiana/Indianapolis')).toBe(true);
    expect(writesMonthFirst('Pacific/Honolulu')).toBe(true);
    expect(writesMonthFirst('Asia/Manila')).toBe(true);
    expect(writesMonthFirst('Europe/London')).toBe(false);
    expect(writesMonthFirst('America/Mexico_City')).toBe(false);
    expect(writesMonthFirst('America/Sao_Paulo')).toBe(false);
    expect(writesMonthFirst('Australia/Sydney')).toBe(false);
  });
});
