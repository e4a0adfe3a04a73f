import { describe, expect, it } from 'vitest';
import type { InboxItem } from '../types.ts';
import { findCompletions } from './completion.ts';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const LATER = T0 + 3_600_000;
let counter = 0;

function item(title: string, overrides: Partial<InboxItem> = {}): InboxItem {
  counter += 1;
  return {
    id: `IN${counter}`,
    userId: 'alice',
    kind: 'commitment',
    title,
    body: '',
    due: null,
    reason: 'You said so',
    status: 'pending',
    snoozedUntil: null,
    factId: null,
    goalId: null,
    personId: null,
    dedupeKey: `commitment:${counter}`,
    notifiedAt: null,
    completedAt: null,
    sources: [],
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

const wearer = { capturedAt: LATER, speakerIsWearer: true };
const someoneElse = { capturedAt: LATER, speakerIsWearer: false };

/** The titles found done in the text, with their confidence. */
function done(text: string, items: readonly InboxItem[], ctx = wearer): Array<[string, number]> {
  return findCompletions(text, items, ctx).map((found) => [found.item.title, found.confidence]);
}

describe('findCompletions', () => {
  const deck = item('Send Sam the deck');
  const rent = item('Pay the rent', { kind: 'reminder' });
  const jo = item('Call Jo');
  const milk = item('Buy milk', { kind: 'reminder' });
  const dentist = item('Book the dentist');
  const insurance = item('Renew the car insurance');
  const landlord = item('Email the landlord about the boiler');
  const report = item('Finish the quarterly report');
  const all = [deck, rent, jo, milk, dentist, insurance, landlord, report];

  it('finds the promised verb, in the past, with what was promised', () => {
    const cases: Array<[string, InboxItem, number]> = [
      ['Sent the deck to Sam.', deck, 0.85],
      ['just emailed Sam the slides', deck, 0.85],
      ['OK, the presentation has been sent', deck, 0.85],
      ["I've finally paid the rent", rent, 0.85],
      ['Called Jo this morning, she says hi', jo, 0.75],
      ['rang jo about the party', jo, 0.75],
      ['picked the milk up on the way home', milk, 0.85],
      ['We booked the dentist for Tuesday', dentist, 0.85],
      ['took care of the car insurance today', insurance, 0.7],
      ['I wrote to the landlord and emailed him about the boiler', landlord, 0.85],
      ['the quarterly report is done', report, 0.85],
      ["rent's paid", rent, 0.85],
    ];
    for (const [text, expected, confidence] of cases)
      expect(done(text, all), text).toEqual([[expected.title, confidence]]);
  });

  it('credits each verb with only what it acted on', () => {
    const bank = item('Call the bank');
    const billing = item('Pay the bank');
    expect(
      done('I paid the rent and then called the bank', [rent, bank, billing, item('Call the rent')]),
    ).toEqual([
      [rent.title, 0.85],
      [bank.title, 0.85],
    ]);
  });

  it('gives the clause as evidence, and finds several items in one text', () => {
    const found = findCompletions(
      'Busy morning: paid the rent, and then I called Jo. Tomorrow the deck.',
      all,
      wearer,
    );
    expect(found.map((f) => [f.item.id, f.evidence])).toEqual([
      [rent.id, 'paid the rent'],
      [jo.id, 'and then I called Jo.'],
    ]);
  });

  it('does not take negated, future, wished, conditional or questioned mentions as done', () => {
    for (const text of [
      "I haven't sent the deck yet",
      "I'll send the deck tonight",
      'I need to send Sam the deck',
      'I still need to get the deck sent',
      'Did you send the deck?',
      'If I sent the deck now Sam would have it for the meeting',
      'I forgot to pay the rent',
      'never paid the rent last month, must do it',
      'sending the deck now',
      'The deck is ready to go',
      'I should have called Jo',
      "I'm going to book the dentist",
    ])
      expect(done(text, all), text).toEqual([]);
  });

  it('needs the promised verb family and a word of what was promised', () => {
    for (const text of [
      'Sent Sam a birthday card',
      'bought a new deck of cards',
      'Emailed Sam',
      'I paid for the drinks',
      'Called the bank about the mortgage',
      'Sam sent the deck to everyone',
      'Paid the bills and then called the dentist',
      'Jo called me back',
      "Sam's sent the deck over",
    ])
      expect(done(text, all), text).toEqual([]);
  });

  it('considers only open commitments and reminders created before the words were captured', () => {
    const closed = item('Pay the rent', { status: 'done' });
    const nudge = item('Pay the rent', { kind: 'nudge' });
    const newer = item('Pay the rent', { createdAt: LATER + 1 });
    const snoozed = item('Pay the rent', { status: 'snoozed', snoozedUntil: LATER + 10 });
    expect(
      findCompletions('paid the rent', [closed, nudge, newer, snoozed], wearer).map((f) => f.item.id),
    ).toEqual([snoozed.id]);
  });

  it('from someone else, counts only words that credit the person', () => {
    expect(done('Thanks for sending the slides!', all, someoneElse)).toEqual([[deck.title, 0.6]]);
    expect(done('You sent me the deck already, no?', all, someoneElse)).toEqual([]);
    expect(done("You've already paid the rent, don't worry", all, someoneElse)).toEqual([[rent.title, 0.6]]);
    expect(done('I sent the deck this morning', all, someoneElse)).toEqual([]);
    expect(done('Thanks for calling the bank', all, someoneElse)).toEqual([]);
  });

  it('reads a verb outside the families by its regular or irregular past', () => {
    const plants = item('Water the plants');
    const bins = item('Take the bins out');
    const car = item('Move the car');
    expect(done('watered the plants before leaving', [plants, bins, car])).toEqual([[plants.title, 0.85]]);
    expect(done('I took the bins out', [plants, bins, car])).toEqual([[bins.title, 0.85]]);
    expect(done('moved the car to the garage', [plants, bins, car])).toEqual([[car.title, 0.85]]);
    expect(done('The car moved', [plants, bins, car])).toEqual([]);
  });

  it('reads light-verb idioms as the action they stand for', () => {
    const call = item('Give the garage a bell about the MOT');
    expect(done('Spoke to the garage this morning.', [call])).toEqual([
      ['Give the garage a bell about the MOT', 0.85],
    ]);
    expect(done('Phoned the garage.', [call])).toHaveLength(1);
    expect(done('Rang the bell twice.', [call])).toEqual([]);
    const send = item('Get the contract over to Omar');
    expect(done('Emailed the contract to Omar before lunch.', [send])).toHaveLength(1);
    expect(done('Fired the contract off to Omar.', [send])).toHaveLength(1);
    expect(done('I will send the contract to Omar later.', [send])).toEqual([]);
  });

  it('counts any done-verb for a to-do that names only a thing', () => {
    const bread = item('Bread');
    expect(done('Grabbed bread on the way back.', [bread])).toEqual([['Bread', 0.85]]);
    expect(done('Got the bread.', [bread])).toHaveLength(1);
    expect(done('Forgot the bread again.', [bread])).toEqual([]);
    expect(done('Need to get bread.', [bread])).toEqual([]);
  });

  it('takes the thing itself said to be booked, sorted or done in a passive', () => {
    const dentist = item('Ring the dentist');
    expect(done("The dentist's booked for Tuesday.", [dentist])).toEqual([['Ring the dentist', 0.65]]);
    expect(done('Sorted the dentist.', [dentist])).toEqual([['Ring the dentist', 0.7]]);
    expect(done('The dentist is not booked yet.', [dentist])).toEqual([]);
    expect(done("The report's done.", [item('Finish the report')])).toHaveLength(1);
  });

  it('reads a to-do said with a gerund by its verb', () => {
    expect(done('Put the recycling out.', [item('Putting the recycling out')])).toHaveLength(1);
  });

  it('is fast: most texts are ruled out without reading their clauses', () => {
    const verbs = ['Send', 'Call', 'Pay', 'Book', 'Buy', 'Fix', 'Water', 'Email', 'Renew', 'Write'];
    const things = [
      'report',
      'bank',
      'rent',
      'dentist',
      'milk',
      'bike',
      'plants',
      'landlord',
      'passport',
      'card',
    ];
    const open = Array.from({ length: 200 }, (_, i) =>
      item(`${verbs[i % 10]} the ${things[Math.floor(i / 10) % 10]} ${i}`),
    );
    const texts = Array.from(
      { length: 2_000 },
      (_, i) =>
        `We talked about the weekend plans and the weather for a while, item ${i}, then lunch and a walk.`,
    );
    findCompletions(texts[0]!, open, wearer);
    const start = performance.now();
    let hits = 0;
    for (const text of texts) hits += findCompletions(text, open, wearer).length;
    const perCall = (performance.now() - start) / texts.length;
    expect(hits).toBe(0);
    expect(perCall).toBeLessThan(1);
    expect(done('paid the rent', open)).toEqual(
      open.filter((o) => o.title.startsWith('Pay the rent')).map((o) => [o.title, 0.85]),
    );
  });

  describe('second round of phrasings', () => {
    const deckOver = item('Get the deck over to Sam');
    const plumber = item('Call the plumber about the boiler');
    const council = item('Ring the council about the parking permit');
    const rentDue = item('Pay the rent', { kind: 'reminder' });
    const invoice = item('Send the invoice to Priya');
    const all = [deckOver, plumber, council, rentDue, invoice];

    it('reads a result construction as done: "that\'s the deck gone off", "there\'s the rent paid"', () => {
      for (const [text, title] of [
        ["Right, that's the deck gone off to Sam.", 'Get the deck over to Sam'],
        ["that's the slides sent off to Sam, phew", 'Get the deck over to Sam'],
        ["There's the rent paid for another month", 'Pay the rent'],
        ['Finally got the invoice sent over to Priya', 'Send the invoice to Priya'],
        ["The invoice's gone out to Priya", 'Send the invoice to Priya'],
        ['invoice went off to Priya this morning', 'Send the invoice to Priya'],
      ] as const) {
        expect(
          done(text, all).map(([found]) => found),
          text,
        ).toEqual([title]);
      }
    });

    it('reads reaching someone as a call: "got hold of", "got through to", "spoke with"', () => {
      for (const text of [
        'Got hold of the plumber, he can come round Monday at 9.',
        "Finally got through to the plumber, he's coming Tuesday",
        'got in touch with the plumber about the boiler',
        'Spoke with the plumber earlier',
        'had a word with the plumber, all sorted',
        'Reached the plumber at last',
      ]) {
        expect(
          done(text, all).map(([found]) => found),
          text,
        ).toEqual(['Call the plumber about the boiler']);
      }
      expect(done('Got through to the council about the permit', all).map(([found]) => found)).toEqual([
        'Ring the council about the parking permit',
      ]);
    });

    it('does not count those phrasings negated, planned, by someone else or in a relative clause', () => {
      for (const text of [
        "Couldn't get hold of the plumber",
        'Need to get hold of the plumber tomorrow',
        'Sam got hold of the plumber',
        "that's the deck Sam sent me last week",
        "that's the deck you sent, right",
        'If the rent was paid I would know',
        "that's the milk gone off",
        "I'll try and get through to the plumber",
      ]) {
        expect(done(text, all), text).toEqual([]);
      }
    });
  });
});
