import { formatMoment, wallClockAt, zonedTimeToEpoch } from '../../kernel/index.ts';
import { type Fact, findDates, type StoredObservation } from '../../memory/index.ts';
import type { NewInboxItem } from '../types.ts';
import { capitalise, clip, sentencesOf, straighten } from './words.ts';

/** Words that ask to be reminded, anywhere in a sentence ("remind me", "don't let me forget", "note to self"). */
const ASKS_FOR_REMINDER =
  /\b(?:remind\s+me|(?:don't|do\s+not)\s+let\s+me\s+forget|(?:set|add|create|make|put\s+in|stick\s+in)\s+(?:me\s+)?(?:a|an)\s+reminder|note\s+to\s+self|reminder\s*:|(?:ping|nudge|prompt|buzz|poke|bug|alert|text|message|tell|warn)\s+me\s+(?:at|in|on|by|around|about|tomorrow|tonight|later|this|next|when|before|after)\b|give\s+me\s+(?:a|an)\s+(?:nudge|shout|buzz|ping|bell|heads[- ]up|reminder|poke)\b)/i;

/** Words that direct a promise at the person listening: "with you", "your inbox", "get you the contract". */
const TO_THE_LISTENER = /\b(?:you|your|yours|yourself|ya)\b/i;

/** The hour a date said without a time of day is due at, local time. */
const MORNING_HOUR = 9;

/**
 * When something said for a day without a time of day is due: 09:00 local that day. Said on that very day after
 * 09:00 ("I'll send it today", at 10:05), it is due at the next full hour instead, so its reminder does not fire
 * the moment it is heard; said in the day's last hour, at the moment it was said.
 */
export function dueOnDay(dayMs: number, saidAt: number, timeZone: string): number {
  const day = wallClockAt(dayMs, timeZone);
  const morning = zonedTimeToEpoch(day, MORNING_HOUR, 0, timeZone);
  if (morning >= saidAt) return morning;
  const said = wallClockAt(saidAt, timeZone);
  if (said.year !== day.year || said.month !== day.month || said.day !== day.day) return morning;
  return said.hour >= 23 ? saidAt : zonedTimeToEpoch(day, said.hour + 1, 0, timeZone);
}

/** True when the observation is known to come from the person: typed by them, or a voice enrolled as theirs. */
export function isFromWearer(observation: StoredObservation): boolean {
  return (
    observation.trust === 'authored' ||
    observation.modality === 'note' ||
    observation.modality === 'chat' ||
    observation.details?.speaker?.label === 'wearer'
  );
}

/** What was promised, as a to-do phrase, or null for a fact that is no promise. */
function commitmentPhrase(fact: Fact): string | null {
  let phrase: string;
  if (fact.predicate === 'will') phrase = fact.object;
  else if (fact.predicate.startsWith('will_'))
    phrase = `${fact.predicate.slice(5).replaceAll('_', ' ')} ${fact.object}`;
  else return null;
  const tidy = phrase
    .replace(/\s+/gu, ' ')
    .replace(/[\s.,;:!?]+$/u, '')
    .trim();
  return tidy === '' ? null : tidy;
}

/** The sentence of `text` that holds `phrase` (or its first words), else the first sentence. */
function sentenceWith(text: string, phrase: string): string {
  const sentences = sentencesOf(straighten(text));
  const wanted = phrase.toLowerCase();
  const head = wanted.split(' ').slice(0, 2).join(' ');
  const found =
    sentences.find((sentence) => sentence.text.toLowerCase().includes(wanted)) ??
    sentences.find((sentence) => sentence.text.toLowerCase().includes(head));
  return found?.text ?? sentences[0]?.text ?? text.trim();
}

/**
 * The inbox item a commitment fact makes: "I'll send Sam the deck tomorrow" becomes the commitment "Send Sam the
 * deck", due at 09:00 the next day; "remind me to buy milk at 6pm" becomes a reminder due at 18:00. When the words
 * are not known to be the person's (a voice that is not enrolled as theirs), the item waits `to_confirm`.
 *
 * Returns null for what is not the person's own promise: other kinds of fact, superseded facts, plans ("planning to
 * visit Lisbon"), and what someone else will do ("Sam will send me the deck"): the inbox has no kind for things the
 * person waits on, and a nudge about them would be a guess.
 */
export function commitmentItem(input: {
  fact: Fact;
  observation: StoredObservation;
  seq: number;
  timezone: string;
  id: string;
  now: number;
}): { item: NewInboxItem; sourceSeqs: number[] } | null {
  const { fact, observation, seq, timezone, id, now } = input;
  if (fact.kind !== 'commitment' || fact.status !== 'active') return null;
  const phrase = commitmentPhrase(fact);
  if (phrase === null) return null;
  if (fact.subject.toLowerCase() !== 'self') return promiseToPerson(input, phrase);

  const quote = clip(sentenceWith(observation.text, phrase), 200);
  const kind =
    ASKS_FOR_REMINDER.test(quote) || ASKS_FOR_REMINDER.test(observation.text) ? 'reminder' : 'commitment';
  const due = dueOf(fact, observation.capturedAt, timezone);
  const fromWearer = isFromWearer(observation);
  const typed =
    observation.trust === 'authored' || observation.modality === 'note' || observation.modality === 'chat';
  const moment = formatMoment(observation.capturedAt, timezone);
  const toListener = !fromWearer && kind === 'commitment' && TO_THE_LISTENER.test(phrase);
  const reason = toListener
    ? `Heard on ${moment}, from a voice not known to be yours: "${quote}". Someone promised to ${phrase}${due === null ? '' : ` (by ${formatMoment(due, timezone)})`}; confirm to keep track of it.`
    : !fromWearer
      ? `Heard on ${moment}, from a voice not known to be yours: "${quote}". Confirm it is yours to do.`
      : kind === 'reminder'
        ? `You asked on ${moment}: "${quote}"`
        : `You ${typed ? 'wrote' : 'said'} on ${moment}: "${quote}"`;

  return {
    item: {
      id,
      kind,
      title: capitalise(clip(phrase, 200)),
      body: '',
      due,
      reason,
      status: fromWearer ? 'pending' : 'to_confirm',
      snoozedUntil: null,
      factId: fact.id,
      goalId: null,
      personId: fact.personId,
      dedupeKey: `commitment:${fact.id}`,
      createdAt: now,
    },
    sourceSeqs: [seq],
  };
}

/** When a fact is due: its time, or for a day said without one, the hour `dueOnDay` gives. */
function dueOf(fact: Fact, capturedAt: number, timezone: string): number | null {
  if (fact.validFrom === null) return null;
  const local = wallClockAt(fact.validFrom, timezone);
  return local.hour === 0 && local.minute === 0
    ? dueOnDay(fact.validFrom, capturedAt, timezone)
    : fact.validFrom;
}

/**
 * A promise someone else made to the person ("I'll share the budget spreadsheet with you by Friday", said by Priya):
 * a commitment waiting `to_confirm`, titled with who promised what. Null when the promise is not directed at the
 * person (no "you"/"your" in it: "I'll call the bank" said by Priya is hers alone).
 */
function promiseToPerson(
  input: Parameters<typeof commitmentItem>[0],
  phrase: string,
): { item: NewInboxItem; sourceSeqs: number[] } | null {
  const { fact, observation, seq, timezone, id, now } = input;
  if (fact.predicate !== 'will' || !TO_THE_LISTENER.test(phrase)) return null;
  // Said or typed by the person, "Sam will send you …" tells someone else about Sam: no promise to the person.
  if (isFromWearer(observation)) return null;
  const who = fact.subject;
  const due = dueOf(fact, observation.capturedAt, timezone);
  const when = due === null ? '' : ` (by ${formatMoment(due, timezone)})`;
  const quote = clip(sentenceWith(observation.text, phrase), 200);
  return {
    item: {
      id,
      kind: 'commitment',
      title: clip(`${who} will ${phrase}`, 200),
      body: '',
      due,
      reason: `${who} promised to ${clip(phrase, 160)}${when}: "${quote}" (${formatMoment(observation.capturedAt, timezone)}). Confirm to keep track of it.`,
      status: 'to_confirm',
      snoozedUntil: null,
      factId: fact.id,
      goalId: null,
      personId: fact.personId,
      dedupeKey: `commitment:${fact.id}`,
      createdAt: now,
    },
    sourceSeqs: [seq],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Reminder requests

/** Greetings, the assistant's name, and politeness before a request ("Hey Familiar, could you please …"). */
const LEAD =
  /^(?:(?:hey|hi|ok|okay|oh|so|and|also|right|familiar)\b[\s,:]*)*(?:please\s+)?(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?)?/i;

/** The request itself; a trailing "for" belongs to the time ("set a reminder for 5pm to …"). */
const TRIGGER =
  /^(?:remind\s+me|(?:set|add|create|make|put\s+in|stick\s+in)\s+(?:me\s+)?(?:a|an)\s+reminder|(?:don't|do\s+not)\s+let\s+me\s+forget|make\s+sure\s+(?:that\s+)?I\s+(?:remember\s+)?|reminder\s*:)(?:\s+for\b(?!\s+(?:me|the|a|an|my)\b))?\s*/i;
/**
 * Softer requests ("ping me at 11 about the bins", "nudge me tomorrow to call Jo", "give me a shout at 5 to leave"):
 * a reminder only when they name a time ("tell me a joke" is none).
 */
const SOFT_TRIGGER =
  /^(?:(?:ping|nudge|prompt|buzz|poke|bug|alert|text|message|tell|warn)\s+me|give\s+me\s+(?:a|an)\s+(?:nudge|shout|buzz|ping|bell|heads[- ]up|reminder|poke))\s*/i;

const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  fifteen: 15,
  twenty: 20,
  thirty: 30,
  forty: 40,
  'forty-five': 45,
  'a couple of': 2,
  'a few': 3,
};

/** "in 20 minutes", "in an hour and a half", "in half an hour": a stretch of time from now, not a wall-clock time. */
const RELATIVE =
  /\b(?:in|within)\s+(?:(half\s+an?\s+hour)|(\d+(?:\.\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty(?:-five)?|a\s+couple\s+of|a\s+few)\s*(minutes?|mins?|hours?|hrs?|h|m)\b(\s+and\s+a\s+half)?)/i;

/** Parts of the day chrono reads without a certain hour, and the local hour they mean. */
const PART_OF_DAY: ReadonlyArray<[RegExp, number]> = [
  [/\b(?:tonight|evening)\b/i, 19],
  [/\bafternoon\b/i, 15],
  [/\bmorning\b/i, 9],
  [/\blunch(?:time)?\b/i, 12],
];

/** Words left hanging at either end of a title once the time is taken out. */
const DANGLING =
  /^(?:(?:to|that|about|of|re|on|at|by|in|for|please|pls|plz)\b[\s:,]*)+|(?:\s+(?:on|at|by|in|for|from|please|pls|plz|thanks|thank you|thx|ta|then))+$/i;
const SELF_OBLIGATION =
  /^(?:I\s+(?:need|have|must|should|ought)\s+(?:to\s+)?|I\s+(?:have\s+)?got\s+to\s+|I'm\s+supposed\s+to\s+)/i;

function relativeMinutes(match: RegExpExecArray): number | null {
  if (match[1]) return 30;
  const amount = match[2]?.toLowerCase().replace(/\s+/gu, ' ') ?? '';
  const value = NUMBER_WORDS[amount] ?? Number(amount);
  if (!Number.isFinite(value) || value <= 0) return null;
  const unit = match[3]?.toLowerCase() ?? '';
  const perUnit = unit.startsWith('h') ? 60 : 1;
  const half = match[4] ? perUnit / 2 : 0;
  return value * perUnit + half;
}

/** Where a reminder request starts in a sentence (its start, or after a lead-in clause), and what follows it. */
function requestIn(sentence: string): { rest: string; soft: boolean } | null {
  const starts = [0];
  for (const match of sentence.matchAll(/[,:]\s*/gu)) starts.push(match.index + match[0].length);
  for (const start of starts) {
    const rest = sentence.slice(start);
    const lead = LEAD.exec(rest)?.[0] ?? '';
    const trigger = TRIGGER.exec(rest.slice(lead.length));
    if (trigger) return { rest: rest.slice(lead.length + trigger[0].length), soft: false };
    const soft = SOFT_TRIGGER.exec(rest.slice(lead.length));
    if (soft) return { rest: rest.slice(lead.length + soft[0].length), soft: true };
  }
  return null;
}

function tidyTitle(text: string): string {
  let title = text.replace(/\s+/gu, ' ').trim();
  for (let i = 0; i < 3; i += 1) {
    const before = title;
    title = title
      .replace(/[\s.,;:!?"]+$/u, '')
      .replace(/^[\s,;:"-]+/u, '')
      .replace(DANGLING, '')
      .replace(SELF_OBLIGATION, '')
      .trim();
    if (title === before) break;
  }
  return title;
}

/**
 * Reads a request to be reminded: "remind me to buy milk at 6pm", "remind me tomorrow at 9 to call Jo", "remind me
 * in 2 hours to check the oven", "set a reminder for Friday to pay rent", "don't let me forget to call Jo". Times are
 * read in the user's zone; a day without a time is due at 09:00 that day (see `dueOnDay`), "tonight" at 19:00, and a
 * stretch of time ("in 2 hours") is counted in real time, across a clock change too. Null when the text asks for no
 * reminder, or names nothing to be reminded of.
 */
export function parseReminder(
  text: string,
  ctx: { now: number; timezone: string },
): { title: string; due: number | null } | null {
  for (const sentence of sentencesOf(straighten(text))) {
    const request = requestIn(sentence.text);
    if (request === null) continue;
    let remaining = request.rest;
    let due: number | null = null;
    const relative = RELATIVE.exec(remaining);
    const minutes = relative ? relativeMinutes(relative) : null;
    if (relative && minutes !== null) {
      due = ctx.now + Math.round(minutes * 60_000);
      remaining = `${remaining.slice(0, relative.index)} ${remaining.slice(relative.index + relative[0].length)}`;
    } else {
      const [found] = findDates(remaining, { capturedAt: ctx.now, timeZone: ctx.timezone, forward: true });
      if (found) {
        if (found.hasTime) due = found.at;
        else {
          const part = PART_OF_DAY.find(([pattern]) => pattern.test(found.text));
          due = part
            ? zonedTimeToEpoch(wallClockAt(found.at, ctx.timezone), part[1], 0, ctx.timezone)
            : dueOnDay(found.at, ctx.now, ctx.timezone);
        }
        remaining = `${remaining.slice(0, found.index)} ${remaining.slice(found.index + found.text.length)}`;
      }
    }
    if (request.soft && due === null) continue;
    const title = tidyTitle(remaining);
    // "tell me about your weekend": a soft request names something to do, in more than one word.
    if (request.soft && !/\s/u.test(title)) continue;
    if (title === '') return null;
    return { title: capitalise(clip(title, 200)), due };
  }
  return null;
}
