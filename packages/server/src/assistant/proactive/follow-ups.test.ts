import { describe, expect, it } from 'vitest';
import type { Person } from '../../memory/index.ts';
import { findFollowUps, followUpDue, followUpKey, followUpTitle } from './follow-ups.ts';
import { indexPeople } from './triggers.ts';

const TZ = 'Europe/London';
/** Monday 2 March 2026, 15:00 in London. */
const MONDAY = Date.parse('2026-03-02T15:00:00Z');

const person = (id: string, name: string, aliases: string[] = [], optedOut = false): Person => ({
  id,
  userId: 'u',
  name,
  aliases,
  optedOut,
  relationship: null,
  importantDates: [],
  lastSeenAt: null,
  lastHeardAt: null,
  lastMentionedAt: null,
  createdAt: 0,
  updatedAt: 0,
});

const people = indexPeople([
  person('sam', 'Sam Lee'),
  person('jo', 'Joanna Park', ['Jo']),
  person('priya', 'Priya'),
  person('chris', 'Chris'),
  person('ola', 'Ola', [], true),
]);

const find = (text: string, speakerId: string | null = null, capturedAt = MONDAY) =>
  findFollowUps(text, { capturedAt, timezone: TZ, people, speakerId });
const day = (ms: number) => new Date(ms).toLocaleDateString('en-CA', { timeZone: TZ });

describe('findFollowUps', () => {
  it.each([
    [
      'Sam has a job interview on Friday',
      'sam',
      'job interview',
      '2026-03-06',
      'Ask Sam Lee how the job interview went',
    ],
    ['Jo is moving house on Wednesday', 'jo', 'move', '2026-03-04', 'Ask Joanna Park how the move went'],
    [
      "Priya's presenting to the board on Thursday",
      'priya',
      'presentation to the board',
      '2026-03-05',
      'Ask Priya how the presentation to the board went',
    ],
    [
      "Chris's mum goes into hospital tomorrow",
      'chris',
      'hospital visit',
      '2026-03-03',
      "Ask Chris how their mum's hospital visit went",
    ],
    ["Sam's got her driving test on the 12th", 'sam', 'driving test', '2026-03-12', null],
    ["Sam's driving test is on the 12th", 'sam', 'driving test', '2026-03-12', null],
    [
      'so Priya is running the Brighton half marathon on Sunday!',
      'priya',
      'Brighton half marathon',
      '2026-03-08',
      null,
    ],
    ['Chris goes in for his knee operation on Tuesday.', 'chris', 'knee operation', '2026-03-03', null],
    ['Jo is flying to Lisbon on Saturday', 'jo', 'flight to Lisbon', '2026-03-07', null],
    [
      'Sam Lee is getting married on 14 June',
      'sam',
      'wedding',
      '2026-06-14',
      'Ask Sam Lee how the wedding went',
    ],
    [
      'Jo is visiting her parents on Saturday',
      'jo',
      'visiting her parents',
      '2026-03-07',
      'Ask Joanna Park how visiting her parents went',
    ],
    ['On Friday, Sam has a big pitch.', 'sam', 'big pitch', '2026-03-06', null],
  ])('%s', (text, personId, topic, eventDay, title) => {
    const found = find(text);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ personId, topic });
    expect(day(found[0]!.eventAt)).toBe(eventDay);
    expect(found[0]!.evidence).toBe(text.trim());
    if (title) expect(followUpTitle(found[0]!)).toBe(title);
  });

  it('reads "next week" and "this weekend" as the end of that week', () => {
    const [move] = find('Jo is moving house next week');
    expect(move).toMatchObject({ personId: 'jo', topic: 'move', dateText: 'next week' });
    expect(day(move!.eventAt)).toBe('2026-03-15');
    const [race] = find('Sam has a race this weekend');
    expect(day(race!.eventAt)).toBe('2026-03-08');
  });

  it('finds one follow-up per person in a sentence with two', () => {
    const found = find('Sam has an interview on Friday and Jo is moving house next week.');
    expect(found.map((entry) => [entry.personId, entry.topic])).toEqual([
      ['sam', 'interview'],
      ['jo', 'move'],
    ]);
  });

  it('reads "I" as a known person when their enrolled voice said it, never as the wearer', () => {
    expect(find("I've got my driving test on the 12th", 'priya')).toMatchObject([
      { personId: 'priya', topic: 'driving test' },
    ]);
    expect(find("I'm moving house next week", 'priya')).toMatchObject([{ personId: 'priya', topic: 'move' }]);
    expect(find('I have an interview on Friday')).toEqual([]);
  });

  it.each([
    ['the wearer', 'I have an interview on Friday'],
    ['the wearer, with a known name nearby', 'I told Sam I have an interview on Friday'],
    ['a past event', 'Sam had an interview last week'],
    ['a past date', 'Sam has an interview yesterday'],
    ['a negation', "Sam doesn't have the interview on Friday any more"],
    ['a negation in full', 'Sam does not have an interview on Friday'],
    ['a cancellation', "Sam's interview on Friday has been cancelled"],
    ['a question', 'Does Sam have an interview on Friday?'],
    ['a statement asked as a question', 'Sam has an interview on Friday?'],
    ['a condition', 'If Sam has an interview on Friday we should celebrate.'],
    ['an obligation', 'Sam has to leave early on Friday'],
    ['a plan with the wearer', 'Sam has dinner with us on Friday'],
    ['a call to the wearer', 'Sam is going to call me tomorrow'],
    ['a visit to the wearer', 'Sam is coming over on Friday'],
    ['not an event', 'Sam has a lot of work this week'],
    ['an illness, not an event', 'Sam has a cold so she cannot come on Friday'],
    ['a month with no day', 'Sam is getting married in June'],
    ['someone else as the subject', 'Jo said that the interview with Sam on Friday went well'],
    ['a compound subject', 'Sam and Jo have a gig on Friday'],
    ['a person who opted out', 'Ola has a job interview on Friday'],
    ['a name that is not a known person', 'Alex has a job interview on Friday'],
    ['no date', 'Sam has a job interview'],
    ['a birthday (it has its own nudges ahead)', "Jo's birthday is on March 12th"],
    ['guests, not an event', 'Jo is having a few people over on Saturday'],
  ])('nothing for %s: "%s"', (_why, text) => {
    expect(find(text)).toEqual([]);
  });

  it('is due the day after the event at 18:00 local, with a key per person, day and head noun', () => {
    const [found] = find('Sam has a job interview on Friday');
    const { day: eventDay, due } = followUpDue(found!.eventAt, TZ);
    expect(eventDay).toEqual({ year: 2026, month: 3, day: 6 });
    expect(new Date(due).toISOString()).toBe('2026-03-07T18:00:00.000Z');
    expect(followUpKey(found!, eventDay)).toBe('followup:sam:2026-03-06:interview');
    // Said again in other words, it is the same follow-up.
    const [again] = find("Sam's interview is on Friday");
    expect(followUpKey(again!, followUpDue(again!.eventAt, TZ).day)).toBe(
      'followup:sam:2026-03-06:interview',
    );
    const [board] = find("Priya's presenting to the board on Thursday");
    expect(followUpKey(board!, followUpDue(board!.eventAt, TZ).day)).toBe(
      'followup:priya:2026-03-05:presentation',
    );
  });

  it('costs microseconds on ordinary observations (the date parser is only asked after cheap gates)', () => {
    const ordinary = [
      'ran 5k this morning',
      'had a coffee with the team, then worked on the report until lunch',
      'Sam said hello',
      "I'll send Sam the deck tomorrow",
      'the weather is nice today',
    ];
    for (const text of ordinary) find(text);
    const rounds = 2_000;
    const started = performance.now();
    for (let round = 0; round < rounds; round += 1) for (const text of ordinary) find(text);
    const perCall = (performance.now() - started) / (rounds * ordinary.length);
    expect(perCall).toBeLessThan(0.05); // ms: well under the 1 ms budget per observation
  });
});
