import { describe, expect, it } from 'vitest';
import type { Goal } from '../types.ts';
import { detectProgress, matchGoal, type ProgressSignal } from './progress-rules.ts';

// Wed 15 Apr 2026, 19:30 in London (BST, UTC+1).
const capturedAt = Date.parse('2026-04-15T18:30:00Z');
const ctx = { capturedAt, timezone: 'Europe/London' };

function one(text: string) {
  const signals = detectProgress(text, ctx);
  expect(signals, text).toHaveLength(1);
  return signals[0]!;
}

describe('detectProgress', () => {
  it.each([
    ['Ran 5k this morning', 'run', 5, 'km'],
    ['did a 7.5 km run along the river', 'run', 7.5, 'km'],
    ['jogged 3 miles', 'run', 4.83, 'km'],
    ['got my 5k done before breakfast', 'run', 5, 'km'],
    ['knocked out 8 km', 'run', 8, 'km'],
    ['went for a 6 mile run', 'run', 9.66, 'km'],
    ['Just ran my first half marathon!!', 'run', 21.1, 'km'],
    ['My run this morning: 8.2km', 'run', 8.2, 'km'],
    ['swam 1500m', 'swim', 1.5, 'km'],
    ["I've swum 2 km", 'swim', 2, 'km'],
    ['Rode 30 miles on Saturday', 'cycle', 48.28, 'km'],
    ['finished reading Dune', 'read', 1, 'books'],
    ['just finished my third book', 'read', 1, 'books'],
    ['finished the last chapter of Project Hail Mary', 'read', 1, 'books'],
    ['read 40 pages tonight', 'read', 40, 'pages'],
    ['Got through 50 pages of my book', 'read', 50, 'pages'],
    ['Spent an hour reading', 'read', 60, 'minutes'],
    ['wrote 1,200 words on the novel today', 'write', 1200, 'words'],
    ['Did 30 minutes of meditation', 'meditate', 30, 'minutes'],
    ['Hit the gym this morning', 'gym', 1, 'times'],
    ['worked out for an hour', 'gym', 60, 'minutes'],
    ['lost 2 kg this week', 'lose', 2, 'kg'],
    ['Completed a 12 km trail run on Sunday', 'run', 12, 'km'],
    ['Pounded out 10 kilometers on the treadmill', 'run', 10, 'km'],
    ['Polished off the last 100 pages of Dune', 'read', 100, 'pages'],
    ['Swam 30 laps', 'swim', 0.75, 'km'],
  ])('%s → %s %d %s', (text, activity, amount, unit) => {
    const signal = one(text);
    expect(signal).toMatchObject({ activity, amount, unit });
    expect(text).toContain(signal.evidence);
    expect(signal.confidence).toBeGreaterThan(0.4);
  });

  it.each([
    ['called mum', 'mum'],
    ['had a long call with Mum', 'mum'],
    ['phoned my mother', 'mother'],
    ['rang mum', 'mum'],
    ['Gave mum a ring last night', 'mum'],
    ['spoke to my mum on the phone', 'mum'],
    ['FaceTimed mum', 'mum'],
    ['Video called my mom', 'mom'],
    ['Mum called me', 'mum'],
  ])('%s is a call about %s', (text, who) => {
    const signal = one(text);
    expect(signal).toMatchObject({ activity: 'call', amount: 1, unit: 'times' });
    expect(signal.about).toContain(who);
  });

  it('keeps the minutes of a call that says how long, and who it was with from the clause before', () => {
    expect(one('Mom and I talked on the phone for an hour')).toMatchObject({
      activity: 'call',
      amount: 60,
      unit: 'minutes',
      about: ['mom'],
    });
  });

  it('reads a treadmill display as a run, with lower confidence', () => {
    const signal = one('DISTANCE 5.02 KM TIME 28:14');
    expect(signal).toMatchObject({ activity: 'run', amount: 5.02, unit: 'km', evidence: 'DISTANCE 5.02 KM' });
    expect(signal.confidence).toBeLessThan(0.6);
    expect(one('SPEED 22 km/h CADENCE 85 rpm DISTANCE 18.4 km')).toMatchObject({
      activity: 'cycle',
      amount: 18.4,
    });
  });

  it.each([
    "I didn't run today",
    "I'm going to run 5k tomorrow",
    'I should call mum',
    'Sam said she ran a marathon',
    'my brother ran 10k',
    'He swam 2 km yesterday',
    "Tom's run was great",
    'I ran out of milk',
    'I ran into Sarah at the shop',
    "Let's go for a run tomorrow",
    'Did you run today?',
    'I run 5k every morning',
    'Remind me to call mum',
    "Don't forget to call mum",
    "I haven't called mum in weeks",
    'a film called Dune',
    'I was called into a meeting',
    "I'm reading Dune",
    'I read that the market fell',
    'Skipped my run today',
    'I want to read 40 pages tonight',
    "If I ran 5k I'd be happy",
    'I used to run marathons',
    'Planning a 10k run on Saturday',
    'The bus ran late',
    'Our team ran the numbers',
    'Going to the gym later',
    'I never finished the book',
    'The marathon is on Sunday',
    "She's training for a marathon",
    'Mum keeps calling about the party',
    "I'll finish the book this weekend",
    "Let's have lunch at the new place on Friday",
  ])('%s is not progress', (text) => {
    expect(detectProgress(text, ctx)).toEqual([]);
  });

  it('moves the time to the one the sentence names, never after the capture', () => {
    expect(one('Ran 5k this morning').at).toBe(Date.parse('2026-04-15T08:00:00+01:00'));
    expect(one('jogged 3 miles yesterday evening').at).toBe(Date.parse('2026-04-14T19:00:00+01:00'));
    expect(one('Rode 30 miles on Saturday').at).toBe(Date.parse('2026-04-11T12:00:00+01:00'));
    expect(one('swam 1500m two days ago').at).toBe(Date.parse('2026-04-13T12:00:00+01:00'));
    expect(one('read 40 pages tonight').at).toBe(capturedAt);
    expect(one('jogged 3 miles').at).toBe(capturedAt);
    const la = detectProgress('Ran 5k this morning', { capturedAt, timezone: 'America/Los_Angeles' });
    expect(la[0]?.at).toBe(Date.parse('2026-04-15T08:00:00-07:00'));
  });

  it('finds each activity of a sentence with its own evidence, and keeps another person out', () => {
    const signals = detectProgress('I ran 10 km yesterday and then read 30 pages. Sam swam 2 km.', ctx);
    expect(signals.map((s) => [s.activity, s.amount, s.unit, s.evidence])).toEqual([
      ['run', 10, 'km', 'I ran 10 km yesterday'],
      ['read', 30, 'pages', 'read 30 pages'],
    ]);
  });

  it('reads the end of a book said in other words, and a reading app’s end-of-book screen', () => {
    const books = (text: string) =>
      detectProgress(text, ctx)
        .filter((s) => s.activity === 'read')
        .map((s) => `${s.amount} ${s.unit}`);
    for (const text of [
      'Reached the end of Middlemarch last night.',
      'Made it to the end of the novel on the bus.',
      'Finished the final chapter of Beloved.',
      'Turned the last page of Dune this morning.',
      'Polished off Persuasion on the train.',
      'Tore through Circe this weekend.',
      'Novel done at last!',
      'Audiobook finished.',
      "You've completed Circe. Rate this book ★★★★★",
    ])
      expect(books(text), text).toEqual(['1 books']);
    for (const text of [
      'Got to the end of the road and turned left.',
      'Got to the end of March without a day off.',
      'Polished off the leftover curry.',
      'The book finished with a twist.',
      "Jo's book is finished.",
      "I'll get to the end of Dune tomorrow.",
      'Sam got to the end of Dune.',
    ])
      expect(books(text), text).toEqual([]);
  });

  it('reads a distance with no activity verb as a run, but not an amount of something else', () => {
    expect(
      detectProgress('Did 6K round the park before work.', ctx).map((s) => [s.activity, s.amount]),
    ).toEqual([['run', 6]]);
    expect(detectProgress('Did 7k of admin today.', ctx)).toEqual([]);
    expect(detectProgress('Drove 7k to the shops.', ctx)).toEqual([]);
  });

  it('rejects an ordinary sentence with one cheap test', () => {
    expect(detectProgress('We talked about the new kitchen tiles over dinner', ctx)).toEqual([]);
    expect(() => detectProgress('ran 5k', { capturedAt, timezone: 'Nowhere/Else' })).toThrow(/IANA/);
  });
});

const T0 = Date.parse('2026-04-01T00:00:00Z');

function goal(overrides: Partial<Goal>): Goal {
  return {
    id: 'G1',
    userId: 'alice',
    title: 'Run a 10k',
    text: 'run a 10k by June',
    activity: 'run',
    about: [],
    target: { amount: 10, unit: 'km', counting: 'max', period: null },
    deadline: null,
    plan: [],
    status: 'active',
    startedAt: T0,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

function signal(overrides: Partial<ProgressSignal>): ProgressSignal {
  return {
    activity: 'run',
    amount: 5,
    unit: 'km',
    at: capturedAt,
    evidence: 'ran 5k',
    confidence: 0.8,
    about: [],
    ...overrides,
  };
}

describe('matchGoal', () => {
  const tenK = goal({});
  const callMum = goal({
    id: 'G2',
    title: 'Call mum every week',
    activity: 'call',
    about: ['mum'],
    target: { amount: 1, unit: 'times', counting: 'cadence', period: 'week' },
  });
  const books = goal({
    id: 'G3',
    activity: 'read',
    target: { amount: 12, unit: 'books', counting: 'sum', period: null },
  });
  const miles = goal({
    id: 'G4',
    activity: 'jog',
    target: { amount: 100, unit: 'miles', counting: 'sum', period: null },
  });

  it('counts a run toward the km goal in km, and a jog in miles toward a goal kept in miles', () => {
    expect(matchGoal([callMum, tenK], signal({}))).toEqual({ goal: tenK, amount: 5 });
    expect(matchGoal([miles], signal({ activity: 'run', amount: 8.05 }))).toEqual({ goal: miles, amount: 5 });
  });

  it('counts a call toward the cadence goal once, only when it is about mum or the same person in other words', () => {
    expect(
      matchGoal([callMum], signal({ activity: 'call', amount: 1, unit: 'times', about: ['mother'] })),
    ).toEqual({
      goal: callMum,
      amount: 1,
    });
    expect(
      matchGoal([callMum], signal({ activity: 'call', amount: 1, unit: 'times', about: ['mom'] }))?.goal,
    ).toBe(callMum);
    expect(
      matchGoal([callMum], signal({ activity: 'call', amount: 1, unit: 'times', about: ['plumber'] })),
    ).toBeNull();
  });

  it('counts a finished book toward a book goal, never pages or kilometres toward it', () => {
    expect(matchGoal([books], signal({ activity: 'read', amount: 1, unit: 'books' }))).toEqual({
      goal: books,
      amount: 1,
    });
    expect(matchGoal([books], signal({ activity: 'read', amount: 40, unit: 'pages' }))).toBeNull();
    expect(matchGoal([books, tenK], signal({ activity: 'swim', amount: 1 }))).toBeNull();
  });

  it('ignores goals that are not active and signals from before a goal started', () => {
    expect(matchGoal([goal({ status: 'achieved' })], signal({}))).toBeNull();
    expect(matchGoal([tenK], signal({ at: T0 - 1 }))).toBeNull();
    expect(matchGoal([tenK], signal({ unit: 'times', amount: 1 }))).toBeNull();
  });

  it('prefers the goal whose about words the signal mentions', () => {
    const anyCall = goal({
      id: 'G5',
      activity: 'call',
      target: { amount: 5, unit: 'times', counting: 'cadence', period: 'week' },
    });
    const s = signal({ activity: 'call', amount: 1, unit: 'times', about: ['mum'] });
    expect(matchGoal([anyCall, callMum], s)?.goal).toBe(callMum);
    expect(matchGoal([anyCall, callMum], { ...s, about: ['sam'] })?.goal).toBe(anyCall);
  });
});

describe('detectProgress: second round of phrasings', () => {
  it.each([
    ["Just been on the phone to mum, she's recovering well.", 'mum'],
    ['was on the phone with my mom for an hour', 'mom'],
    ['Been on a call with Dad most of the evening', 'dad'],
    ['on the blower to mum for ages earlier', 'mum'],
    ['just came off a call with my nan', 'nan'],
  ])('a call said as being on the phone: %s', (text, who) => {
    const signal = one(text);
    expect(signal.activity).toBe('call');
    expect(signal.about).toContain(who);
  });

  it.each([
    ["Haven't been on the phone to mum in ages"],
    ['Mum was on the phone to Jo'],
    ['I should have been on the phone to mum'],
    ['The call was at three'],
  ])('no call: %s', (text) => {
    expect(
      detectProgress(text, ctx).filter((s) => s.activity === 'call'),
      text,
    ).toEqual([]);
  });

  it.each([
    ["Seven k along the canal just now, furthest I've run all year!", 7],
    ['Seven k along the canal just now!', 7],
    ['another 5k this morning, longest I have run in weeks', 5],
    ['Ten k earlier, legs are toast', 10],
    ['Easy 8 km along the river this morning', 8],
    ['a solid twelve k yesterday', 12],
  ])('a distance said in a verbless fragment: %s', (text, km) => {
    const signal = one(text);
    expect(signal).toMatchObject({ activity: 'run', amount: km, unit: 'km' });
  });

  it.each([
    ['Thinking of doing eight k on Saturday, if the weather holds.'],
    ['Eight k tomorrow morning, I will run it slow'],
    ["His 10k this morning, fastest he's run"],
    ['No 5k this morning, too tired'],
    ['Seven k along the canal would be lovely'],
    ['Sam did 10k, I ran too'],
  ])('no distance from a fragment: %s', (text) => {
    expect(
      detectProgress(text, ctx).filter((s) => s.unit === 'km'),
      text,
    ).toEqual([]);
  });
});
