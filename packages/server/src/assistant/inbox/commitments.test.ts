import { describe, expect, it } from 'vitest';
import { createRuleFactExtractor, type Fact, type StoredObservation } from '../../memory/index.ts';
import { commitmentItem, dueOnDay, parseReminder } from './commitments.ts';

const LONDON = 'Europe/London';
const NEW_YORK = 'America/New_York';
/** Mon 2 Mar 2026, 10:05 in London (GMT, the same as UTC). */
const MONDAY = Date.parse('2026-03-02T10:05:00Z');
/** Sat 7 Mar 2026, 10:00 in New York (EST); the clocks go forward at 02:00 on Sun 8 Mar. */
const NY_SATURDAY = Date.parse('2026-03-07T15:00:00Z');

const extractor = createRuleFactExtractor();

function observation(text: string, overrides: Partial<StoredObservation> = {}): StoredObservation {
  return {
    id: 'OB1',
    userId: 'alice',
    deviceId: 'D1',
    modality: 'utterance',
    capturedAt: MONDAY,
    receivedAt: MONDAY,
    text,
    captureId: null,
    provenance: null,
    trust: 'perceived',
    deviceCapturedAt: null,
    details: { speaker: { label: 'wearer', personId: null } },
    ...overrides,
  };
}

/** The facts the offline extractor takes from the observation, as the fact store would hold them. */
function factsOf(seen: StoredObservation, timezone: string): Fact[] {
  return extractor
    .extract(seen.text, { capturedAt: seen.capturedAt, timezone, speaker: null })
    .map((extracted, i) => ({
      id: `FA${i}`,
      userId: 'alice',
      kind: extracted.kind,
      subject: extracted.subject,
      predicate: extracted.predicate,
      object: extracted.object,
      slot: extracted.slot,
      statement: extracted.statement,
      validFrom: extracted.validFrom,
      validTo: extracted.validTo,
      observedAt: seen.capturedAt,
      trust: seen.trust,
      confidence: extracted.confidence,
      origin: 'extracted',
      status: 'active',
      supersededBy: null,
      personId: extracted.kind === 'commitment' ? 'P-sam' : null,
      createdAt: seen.capturedAt,
      updatedAt: seen.capturedAt,
      sources: [seen.id],
    }));
}

/** The items the observation's commitment facts make. */
function itemsFrom(seen: StoredObservation, timezone = LONDON) {
  return factsOf(seen, timezone).flatMap((fact) => {
    const made = commitmentItem({
      fact,
      observation: seen,
      seq: 42,
      timezone,
      id: `IN-${fact.id}`,
      now: seen.capturedAt + 1,
    });
    return made ? [made] : [];
  });
}

describe('commitmentItem', () => {
  it('turns the wearer’s promise into a commitment due at 09:00 on the day named', () => {
    const [made, ...others] = itemsFrom(observation("I'll send Sam the deck tomorrow"));
    expect(others).toEqual([]);
    expect(made).toEqual({
      item: {
        id: 'IN-FA0',
        kind: 'commitment',
        title: 'Send Sam the deck',
        body: '',
        due: Date.parse('2026-03-03T09:00:00Z'),
        reason: 'You said on Mon 2 Mar 2026, 10:05: "I\'ll send Sam the deck tomorrow"',
        status: 'pending',
        snoozedUntil: null,
        factId: 'FA0',
        goalId: null,
        personId: 'P-sam',
        dedupeKey: 'commitment:FA0',
        createdAt: MONDAY + 1,
      },
      sourceSeqs: [42],
    });
  });

  it('waits for confirmation when the voice is not known to be the wearer’s', () => {
    for (const details of [null, { speaker: { label: 'unknown', personId: null } }]) {
      const [made] = itemsFrom(observation("I'll send Sam the deck tomorrow", { details }));
      expect(made?.item).toMatchObject({
        status: 'to_confirm',
        kind: 'commitment',
        title: 'Send Sam the deck',
      });
      expect(made?.item.reason).toBe(
        'Heard on Mon 2 Mar 2026, 10:05, from a voice not known to be yours: "I\'ll send Sam the deck tomorrow". Confirm it is yours to do.',
      );
    }
  });

  it('makes a reminder of a request to be reminded, keeping the time of day said', () => {
    const [made] = itemsFrom(
      observation('Remind me to buy milk at 6pm.', { modality: 'chat', trust: 'authored', details: null }),
    );
    expect(made?.item).toMatchObject({
      kind: 'reminder',
      title: 'Buy milk',
      due: Date.parse('2026-03-02T18:00:00Z'),
      status: 'pending',
      reason: 'You asked on Mon 2 Mar 2026, 10:05: "Remind me to buy milk at 6pm."',
    });
    const [forgotten] = itemsFrom(observation("Don't let me forget to pay rent on Friday"));
    expect(forgotten?.item).toMatchObject({
      kind: 'reminder',
      title: 'Pay rent',
      due: Date.parse('2026-03-06T09:00:00Z'),
    });
  });

  it('quotes only the sentence the promise was in, and says a typed note was written', () => {
    const [made] = itemsFrom(
      observation('Long day of meetings. I need to call the bank tomorrow at 3pm. Then dinner.', {
        modality: 'note',
        trust: 'authored',
        details: null,
      }),
    );
    expect(made?.item).toMatchObject({
      title: 'Call the bank',
      due: Date.parse('2026-03-03T15:00:00Z'),
      status: 'pending',
      reason: 'You wrote on Mon 2 Mar 2026, 10:05: "I need to call the bank tomorrow at 3pm."',
    });
  });

  it('keeps a promise for later today from falling due before it was made', () => {
    const [made] = itemsFrom(observation("I'll book the table today"));
    expect(made?.item.due).toBe(Date.parse('2026-03-02T11:00:00Z'));
    const [undated] = itemsFrom(observation('I will book the flights'));
    expect(undated?.item).toMatchObject({ title: 'Book the flights', due: null });
  });

  it('reads the day in the user’s zone, across a clock change', () => {
    const [made] = itemsFrom(
      observation("I'll pay the plumber on Monday", { capturedAt: NY_SATURDAY }),
      NEW_YORK,
    );
    expect(made?.item).toMatchObject({ title: 'Pay the plumber', due: Date.parse('2026-03-09T13:00:00Z') });
    expect(made?.item.reason).toBe('You said on Sat 7 Mar 2026, 10:00: "I\'ll pay the plumber on Monday"');
  });

  it('leaves out what someone else will do, other kinds of fact, and superseded facts', () => {
    expect(itemsFrom(observation('Sam will send me the deck on Friday'))).toEqual([]);
    expect(itemsFrom(observation('I love black coffee'))).toEqual([]);
    const [fact] = factsOf(observation("I'll send Sam the deck tomorrow"), LONDON);
    const seen = observation("I'll send Sam the deck tomorrow");
    const base = { observation: seen, seq: 1, timezone: LONDON, id: 'IN1', now: MONDAY };
    expect(
      commitmentItem({ ...base, fact: { ...fact!, status: 'superseded', supersededBy: 'FB1' } }),
    ).toBeNull();
    expect(commitmentItem({ ...base, fact: { ...fact!, predicate: 'plans' } })).toBeNull();
    expect(commitmentItem({ ...base, fact: { ...fact!, subject: 'Sam' } })).toBeNull();
    expect(
      commitmentItem({
        ...base,
        fact: { ...fact!, predicate: 'will_call', object: 'the bank', validFrom: null },
      })?.item,
    ).toMatchObject({ title: 'Call the bank', due: null });
  });
});

describe('commitmentItem: promises made to the person', () => {
  /** The items the words make when `speaker` (a voice known as someone else) says them. */
  function heard(text: string, speaker: string | null) {
    const seen = observation(text, { details: { speaker: { label: speaker ?? 'unknown', personId: null } } });
    return factsOf(seen, LONDON)
      .map((fact) => ({ ...fact, personId: null }))
      .flatMap((fact) => {
        const made = commitmentItem({
          fact,
          observation: seen,
          seq: 7,
          timezone: LONDON,
          id: 'IN1',
          now: MONDAY,
        });
        return made ? [made.item] : [];
      });
  }
  function said(text: string, speaker: string) {
    const seen = observation(text, { details: { speaker: { label: speaker, personId: null } } });
    const facts = extractor
      .extract(text, { capturedAt: MONDAY, timezone: LONDON, speaker })
      .map((extracted, i) => ({ ...factsOf(seen, LONDON)[0]!, ...extracted, id: `FB${i}`, personId: null }));
    return facts.flatMap((fact) => {
      const made = commitmentItem({
        fact,
        observation: seen,
        seq: 7,
        timezone: LONDON,
        id: 'IN1',
        now: MONDAY,
      });
      return made ? [made.item] : [];
    });
  }

  it('waits for confirmation, titled and explained with who promised what', () => {
    const [item, ...others] = said("I'll email you the floor plans by Wednesday.", 'Dana');
    expect(others).toEqual([]);
    expect(item).toMatchObject({
      kind: 'commitment',
      status: 'to_confirm',
      title: 'Dana will email you the floor plans',
      due: Date.parse('2026-03-04T09:00:00Z'),
    });
    expect(item?.reason).toMatch(/^Dana promised to email you the floor plans \(by Wed 4 Mar 2026, 09:00\)/);
    expect(said("I'll get your keys back to you tomorrow.", 'Omar')[0]?.title).toBe(
      'Omar will get your keys back to you',
    );
    expect(said("We'll post the signed copy to you on Friday.", 'Lee')[0]?.status).toBe('to_confirm');
  });

  it('says an unknown voice promised something to the person', () => {
    const [item] = heard("I'll send you the revised quote by Thursday.", null);
    expect(item).toMatchObject({ status: 'to_confirm', title: 'Send you the revised quote' });
    expect(item?.reason).toContain('Someone promised to send you the revised quote');
  });

  it('leaves out what others promise to themselves or third parties, and what the person reports', () => {
    expect(said("I'll call the bank tomorrow.", 'Dana')).toEqual([]);
    expect(said("I'll send Omar the deck on Friday.", 'Dana')).toEqual([]);
    const reported = observation('Dana will send you the plans', { modality: 'note', trust: 'authored' });
    const fact = { ...factsOf(observation("I'll send Sam the deck tomorrow"), LONDON)[0]!, subject: 'Dana' };
    expect(
      commitmentItem({
        fact: { ...fact, object: 'send you the plans' },
        observation: reported,
        seq: 1,
        timezone: LONDON,
        id: 'X',
        now: MONDAY,
      }),
    ).toBeNull();
  });
});

describe('dueOnDay', () => {
  it('is 09:00 local, or the next full hour when said later that same day', () => {
    const tuesday = Date.parse('2026-03-03T00:00:00Z');
    expect(dueOnDay(tuesday, MONDAY, LONDON)).toBe(Date.parse('2026-03-03T09:00:00Z'));
    const monday = Date.parse('2026-03-02T00:00:00Z');
    expect(dueOnDay(monday, MONDAY, LONDON)).toBe(Date.parse('2026-03-02T11:00:00Z'));
    const late = Date.parse('2026-03-02T23:20:00Z');
    expect(dueOnDay(monday, late, LONDON)).toBe(late);
    expect(dueOnDay(monday, Date.parse('2026-03-02T08:00:00Z'), LONDON)).toBe(
      Date.parse('2026-03-02T09:00:00Z'),
    );
  });
});

describe('parseReminder', () => {
  const london = { now: MONDAY, timezone: LONDON };
  const at = (iso: string) => Date.parse(iso);

  it('reads what to be reminded of and when, in the user’s zone', () => {
    const cases: Array<[string, string, number | null]> = [
      ['remind me to buy milk at 6pm', 'Buy milk', at('2026-03-02T18:00:00Z')],
      ['Remind me tomorrow at 9 to call Jo', 'Call Jo', at('2026-03-03T09:00:00Z')],
      ['remind me in 2 hours to check the oven', 'Check the oven', MONDAY + 2 * 3_600_000],
      ['remind me in half an hour to take the bread out', 'Take the bread out', MONDAY + 30 * 60_000],
      ['remind me in an hour and a half to move the car', 'Move the car', MONDAY + 90 * 60_000],
      ['remind me to call the bank in 3 days', 'Call the bank', at('2026-03-05T09:00:00Z')],
      ['remind me on Friday to pay rent', 'Pay rent', at('2026-03-06T09:00:00Z')],
      ['Set a reminder for 5pm to call mum', 'Call mum', at('2026-03-02T17:00:00Z')],
      ['set a reminder to renew my passport', 'Renew my passport', null],
      ["Don't let me forget to water the plants tonight.", 'Water the plants', at('2026-03-02T19:00:00Z')],
      [
        'Hey Familiar, could you remind me to email the landlord next Tuesday?',
        'Email the landlord',
        at('2026-03-10T09:00:00Z'),
      ],
      ['remind me today to call the bank', 'Call the bank', at('2026-03-02T11:00:00Z')],
      ['remind me that the bins go out on Thursday', 'The bins go out', at('2026-03-05T09:00:00Z')],
      ['Before I forget, remind me to book the dentist', 'Book the dentist', null],
      ['remind me at 9 that I need to call Jo', 'Call Jo', at('2026-03-03T09:00:00Z')],
      [
        'Please remind me about the parking permit by Wednesday',
        'The parking permit',
        at('2026-03-04T09:00:00Z'),
      ],
      ['Ping me at 11 tonight about locking the shed', 'Locking the shed', at('2026-03-02T23:00:00Z')],
      ['Nudge me tomorrow at 8am to renew the permit', 'Renew the permit', at('2026-03-03T08:00:00Z')],
      ['Set a reminder for 7pm: feed the cat', 'Feed the cat', at('2026-03-02T19:00:00Z')],
      ['Tell me in twenty minutes to check the rice', 'Check the rice', MONDAY + 20 * 60_000],
      ['Give me a shout at 3 to call the garage', 'Call the garage', at('2026-03-02T15:00:00Z')],
      ["Don't let me forget the dry cleaning", 'The dry cleaning', null],
      [
        'Make sure I remember to pick up the dry cleaning at 4pm',
        'Pick up the dry cleaning',
        at('2026-03-02T16:00:00Z'),
      ],
    ];
    for (const [text, title, due] of cases) expect(parseReminder(text, london), text).toEqual({ title, due });
  });

  it('is null when nothing asks for a reminder, or nothing is named', () => {
    for (const text of [
      'She reminded me to call Jo',
      "Don't remind me about that",
      'remind me tomorrow',
      "I'll buy milk later",
      'What did you remind me about?',
      'The reminder went off at 6',
      'Tell me a joke',
      'Ping me the file',
      'Text me when you land',
      'Tell me about your weekend',
      '',
    ])
      expect(parseReminder(text, london), text).toBeNull();
  });

  it('keeps wall-clock times and real durations right across a clock change', () => {
    const newYork = { now: NY_SATURDAY, timezone: NEW_YORK };
    // 09:00 on Sunday is EDT (UTC-4), the day after 10:00 EST (UTC-5).
    expect(parseReminder('remind me tomorrow at 9 to call Jo', newYork)).toEqual({
      title: 'Call Jo',
      due: at('2026-03-08T13:00:00Z'),
    });
    expect(parseReminder('remind me on Monday to pay rent', newYork)).toEqual({
      title: 'Pay rent',
      due: at('2026-03-09T13:00:00Z'),
    });
    // At 01:30 EST, two hours later is 04:30 EDT: two real hours, not a wall-clock 03:30.
    const night = at('2026-03-08T06:30:00Z');
    expect(
      parseReminder('remind me in 2 hours to check the oven', { now: night, timezone: NEW_YORK }),
    ).toEqual({
      title: 'Check the oven',
      due: night + 2 * 3_600_000,
    });
    // London goes to BST on Sun 29 Mar 2026: 09:00 that morning is 08:00 UTC.
    expect(
      parseReminder('remind me tomorrow at 9 to call Jo', {
        now: at('2026-03-28T12:00:00Z'),
        timezone: LONDON,
      }),
    ).toEqual({ title: 'Call Jo', due: at('2026-03-29T08:00:00Z') });
  });
});

describe('second round of phrasings', () => {
  const london = { now: MONDAY, timezone: LONDON };
  const at = (iso: string) => Date.parse(iso);

  it('reads clock times said in words and texting spellings in reminders', () => {
    const cases: Array<[string, string, number]> = [
      [
        'Can you remind me to take the bins out at eleven tonight?',
        'Take the bins out',
        at('2026-03-02T23:00:00Z'),
      ],
      ['remind me at seven pm pls to ring Jo', 'Ring Jo', at('2026-03-02T19:00:00Z')],
      ['remind me 2moro at half six to ring Jo', 'Ring Jo', at('2026-03-03T18:30:00Z')],
      [
        'remind me tmrw at quarter past two to pay the window cleaner',
        'Pay the window cleaner',
        at('2026-03-03T14:15:00Z'),
      ],
      ['remind me at nine to call the bank', 'Call the bank', at('2026-03-02T21:00:00Z')],
      [
        "remind me at eight o'clock in the morning to feed the cat",
        'Feed the cat',
        at('2026-03-03T08:00:00Z'),
      ],
    ];
    for (const [text, title, due] of cases) expect(parseReminder(text, london), text).toEqual({ title, due });
  });

  it("takes a date said before the subject as the promise's due time", () => {
    const cases: Array<[string, string, number]> = [
      [
        "Tomorrow at two I'll call the plumber about the boiler.",
        'Call the plumber about the boiler',
        at('2026-03-03T14:00:00Z'),
      ],
      [
        "On Friday, I'm going to send Priya the invoice.",
        'Send Priya the invoice',
        at('2026-03-06T09:00:00Z'),
      ],
      ["2moro at 3 I'll ring the bank", 'Ring the bank', at('2026-03-03T15:00:00Z')],
      ['So first thing tomorrow I will email the landlord', 'Email the landlord', at('2026-03-03T09:00:00Z')],
    ];
    for (const [text, title, due] of cases) {
      const [made] = itemsFrom(observation(text));
      expect(made?.item, text).toMatchObject({ kind: 'commitment', title, due, status: 'pending' });
    }
    // A date in an earlier clause that is not the sentence's opening stays out of it.
    const [plain] = itemsFrom(observation("Sam's back on Friday and I'll call the plumber"));
    expect(plain?.item.due ?? null).toBeNull();
  });

  it("reads a promise said from the listener's side as the speaker's, waiting for confirmation", () => {
    const unknown = { details: { speaker: { label: 'unknown', personId: null } } };
    const cases: Array<[string, string, number | null]> = [
      [
        "Leave it with me, you'll have the contract from us by Thursday.",
        'contract',
        at('2026-03-05T09:00:00Z'),
      ],
      ['You should get the invoice from me tomorrow.', 'invoice', at('2026-03-03T09:00:00Z')],
      ['Expect the signed lease from us on Friday.', 'lease', at('2026-03-06T09:00:00Z')],
      ['The report will be with you by Wednesday.', 'report', at('2026-03-04T09:00:00Z')],
      ["you'll have the quote from us", 'quote', null],
    ];
    for (const [text, word, due] of cases) {
      const made = itemsFrom(observation(text, unknown));
      expect(made, text).toHaveLength(1);
      expect(made[0]?.item.title.toLowerCase(), text).toContain(word);
      expect(made[0]?.item, text).toMatchObject({ kind: 'commitment', status: 'to_confirm', due });
    }
    for (const text of [
      "You'll have a great time on Friday.",
      "You'll get used to it by Thursday.",
      "You'll have to wait until Thursday.",
      'Will you have the contract by Thursday?',
      "You won't have the contract from us until Friday.",
      "If you'll have the contract by Thursday, great.",
      "You'll get a letter from the council on Monday.",
    ]) {
      expect(itemsFrom(observation(text, unknown)), text).toEqual([]);
    }
  });
});
