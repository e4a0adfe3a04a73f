import { afterEach, describe, expect, it } from 'vitest';
import { type QuestionTime, resolveQuestionTime } from './time-in-question.ts';

const HOUR = 3_600_000;

/** The wall clock of `zone` at `ms` as "YYYY-MM-DD HH:mm", read with Intl (independent of the code under test). */
function wall(ms: number, zone: string): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(ms));
}

function range(result: QuestionTime | null, zone: string) {
  if (result?.kind !== 'range') return result;
  return { from: wall(result.fromMs, zone), to: wall(result.toMs, zone), phrase: result.phrase };
}

/** Thursday 26 November 2026, 10:00 on each zone's wall clock (all three are on standard time then). */
const ZONES = [
  { zone: 'America/New_York', now: Date.parse('2026-11-26T10:00:00-05:00'), offset: '-05:00' },
  { zone: 'Europe/Lisbon', now: Date.parse('2026-11-26T10:00:00+00:00'), offset: '+00:00' },
  { zone: 'Asia/Tokyo', now: Date.parse('2026-11-26T10:00:00+09:00'), offset: '+09:00' },
];

const CASES: Array<[question: string, from: string, to: string, phrase: string]> = [
  ['what did I do last Tuesday', '2026-11-24 00:00', '2026-11-25 00:00', 'last Tuesday'],
  ['who did I meet yesterday?', '2026-11-25 00:00', '2026-11-26 00:00', 'yesterday'],
  ['what have I eaten today', '2026-11-26 00:00', '2026-11-27 00:00', 'today'],
  ['what was on my screen this morning', '2026-11-26 06:00', '2026-11-26 12:00', 'this morning'],
  ['what did we watch last night', '2026-11-25 18:00', '2026-11-26 06:00', 'last night'],
  ['who did I talk to last week', '2026-11-16 00:00', '2026-11-23 00:00', 'last week'],
  ['what have I read this week', '2026-11-23 00:00', '2026-11-30 00:00', 'this week'],
  ['where did I go in May', '2026-05-01 00:00', '2026-06-01 00:00', 'in May'],
  ['where did I go in May 2023', '2023-05-01 00:00', '2023-06-01 00:00', 'in May 2023'],
  ['what happened on 8 May', '2026-05-08 00:00', '2026-05-09 00:00', 'on 8 May'],
  ['what happened on May 8th, 2023?', '2023-05-08 00:00', '2023-05-09 00:00', 'on May 8th, 2023'],
  ['what did I cook on Friday', '2026-11-20 00:00', '2026-11-21 00:00', 'on Friday'],
  ['what did Ana say two days ago', '2026-11-24 00:00', '2026-11-25 00:00', 'two days ago'],
  ['how much did I run last month', '2026-10-01 00:00', '2026-11-01 00:00', 'last month'],
  ['which books did I finish last year', '2025-01-01 00:00', '2026-01-01 00:00', 'last year'],
  ['what did we do last weekend', '2026-11-21 00:00', '2026-11-23 00:00', 'last weekend'],
  ['anything fun over the weekend?', '2026-11-21 00:00', '2026-11-23 00:00', 'over the weekend'],
  ['what was I working on 3 weeks ago', '2026-11-02 00:00', '2026-11-09 00:00', '3 weeks ago'],
  ['where did we travel in 2022', '2022-01-01 00:00', '2023-01-01 00:00', 'in 2022'],
  ['what did I do in December', '2025-12-01 00:00', '2026-01-01 00:00', 'in December'],
  ['who came to dinner last May', '2026-05-01 00:00', '2026-06-01 00:00', 'last May'],
  ['what did I do the week before last', '2026-11-09 00:00', '2026-11-16 00:00', 'the week before last'],
  [
    'what did we eat on Friday night last week',
    '2026-11-20 18:00',
    '2026-11-21 06:00',
    'on Friday night last week',
  ],
  ['what was the plan for early June', '2026-06-01 00:00', '2026-06-11 00:00', 'early June'],
  ['where did we go last summer', '2026-06-01 00:00', '2026-09-01 00:00', 'last summer'],
  ['May I ask what I had for lunch yesterday?', '2026-11-25 00:00', '2026-11-26 00:00', 'yesterday'],
];

describe('resolveQuestionTime', () => {
  for (const { zone, now } of ZONES) {
    describe(`asked on Thursday 2026-11-26 10:00 in ${zone}`, () => {
      for (const [question, from, to, phrase] of CASES) {
        it(`"${question}" → ${from} … ${to}`, () => {
          expect(range(resolveQuestionTime(question, { now, timezone: zone }), zone)).toEqual({
            from,
            to,
            phrase,
          });
        });
      }

      it('runs a rolling window up to now for "in the last 3 days" and "since May"', () => {
        const recent = resolveQuestionTime('what did I buy in the last 3 days', { now, timezone: zone });
        expect(recent).toMatchObject({ kind: 'range', toMs: now, phrase: 'in the last 3 days' });
        expect(range(recent, zone)).toMatchObject({ from: '2026-11-23 00:00' });
        const since = resolveQuestionTime('what changed since May?', { now, timezone: zone });
        expect(range(since, zone)).toEqual({
          from: '2026-05-01 00:00',
          to: wall(now, zone),
          phrase: 'since May',
        });
      });
    });
  }

  it('puts last Tuesday at the same local midnight in every zone, whatever the process zone', () => {
    for (const { zone, now, offset } of ZONES) {
      expect(resolveQuestionTime('what did I do last Tuesday', { now, timezone: zone })).toEqual({
        kind: 'range',
        fromMs: Date.parse(`2026-11-24T00:00:00${offset}`),
        toMs: Date.parse(`2026-11-25T00:00:00${offset}`),
        phrase: 'last Tuesday',
      });
    }
  });

  describe('with the process in another zone', () => {
    const original = process.env.TZ;
    afterEach(() => {
      if (original === undefined) delete process.env.TZ;
      else process.env.TZ = original;
    });

    it('gives the same answers', () => {
      const before = ZONES.map(({ zone, now }) =>
        CASES.map(([question]) => resolveQuestionTime(question, { now, timezone: zone })),
      );
      process.env.TZ = 'Pacific/Chatham';
      // Node re-reads TZ when it changes: local dates are now 13:45 ahead of UTC (summer in Chatham).
      expect(new Date(Date.UTC(2026, 0, 1)).getTimezoneOffset()).toBe(-825);
      const after = ZONES.map(({ zone, now }) =>
        CASES.map(([question]) => resolveQuestionTime(question, { now, timezone: zone })),
      );
      expect(after).toEqual(before);
    });
  });

  it('makes a day as long as the clocks say across daylight-saving changes', () => {
    const lisbonTuesday = Date.parse('2026-10-27T12:00:00Z');
    const autumn = resolveQuestionTime('what did I do on 25 October', {
      now: lisbonTuesday,
      timezone: 'Europe/Lisbon',
    });
    expect(autumn).toMatchObject({ fromMs: Date.parse('2026-10-25T00:00:00+01:00') });
    expect(autumn?.kind === 'range' && autumn.toMs - autumn.fromMs).toBe(25 * HOUR);
    const sunday = resolveQuestionTime('what did I do last Sunday', {
      now: lisbonTuesday,
      timezone: 'Europe/Lisbon',
    });
    expect(sunday).toEqual(autumn && { ...autumn, phrase: 'last Sunday' });

    const spring = resolveQuestionTime('what did I do on 29 March', {
      now: Date.parse('2026-04-02T12:00:00Z'),
      timezone: 'Europe/Lisbon',
    });
    expect(spring?.kind === 'range' && spring.toMs - spring.fromMs).toBe(23 * HOUR);

    const newYork = resolveQuestionTime('what did I do yesterday', {
      now: Date.parse('2026-11-02T12:00:00-05:00'),
      timezone: 'America/New_York',
    });
    expect(newYork).toMatchObject({ fromMs: Date.parse('2026-11-01T00:00:00-04:00') });
    expect(newYork?.kind === 'range' && newYork.toMs - newYork.fromMs).toBe(25 * HOUR);
  });

  it('returns an event to find for "before the trip", "after the wedding", "since the move"', () => {
    const options = { now: ZONES[0]!.now, timezone: 'America/New_York' };
    expect(resolveQuestionTime('what did I buy before the trip?', options)).toEqual({
      kind: 'relative',
      relation: 'before',
      anchor: 'trip',
      phrase: 'before the trip',
    });
    expect(resolveQuestionTime('who did I see after the wedding', options)).toEqual({
      kind: 'relative',
      relation: 'after',
      anchor: 'wedding',
      phrase: 'after the wedding',
    });
    expect(resolveQuestionTime('how have I slept since the move?', options)).toEqual({
      kind: 'relative',
      relation: 'after',
      anchor: 'move',
      phrase: 'since the move',
    });
    expect(
      resolveQuestionTime("what did Mel say after Caroline's wedding in Lisbon?", options),
    ).toMatchObject({
      relation: 'after',
      anchor: "Caroline's wedding in Lisbon",
    });
    expect(resolveQuestionTime('what did we pack before the trip to Paris', options)).toMatchObject({
      anchor: 'trip to Paris',
      phrase: 'before the trip to Paris',
    });
  });

  it('turns "before"/"after" a date into a range instead of an event', () => {
    const { zone, now } = ZONES[1]!;
    expect(range(resolveQuestionTime('what did I own before 2023', { now, timezone: zone }), zone)).toEqual({
      from: wall(0, zone),
      to: '2023-01-01 00:00',
      phrase: 'before 2023',
    });
    expect(
      range(resolveQuestionTime('who visited after the weekend', { now, timezone: zone }), zone),
    ).toEqual({
      from: '2026-11-23 00:00',
      to: wall(now, zone),
      phrase: 'after the weekend',
    });
  });

  it('returns null when the question names no time, even with look-alike words', () => {
    const options = { now: ZONES[1]!.now, timezone: 'Europe/Lisbon' };
    for (const question of [
      "what is my sister's phone number",
      'may I ask what my favourite colour is',
      'she may come to the party, what should I cook',
      'did we march in the parade together',
      'I have 2 kids, what are their names',
      'what did I score, 5/8?',
      'how many steps did I walk in the park',
      'what did June say about the garden',
      'what happened since I moved',
      'what did we talk about on the last day of the trip',
      'where is room 2022',
    ]) {
      expect(resolveQuestionTime(question, options), question).toBeNull();
    }
  });

  it('rejects an unknown time zone', () => {
    expect(() => resolveQuestionTime('yesterday', { now: 0, timezone: 'Nowhere/Special' })).toThrow(
      /unknown time zone/,
    );
  });
});
