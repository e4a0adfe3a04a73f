import {
  addDays,
  type CalendarDate,
  compareDates,
  mondayOf,
  wallClockAt,
  zonedTimeToEpoch,
} from '../../kernel/index.ts';
import { type FoundDate, findDates } from '../../memory/index.ts';
import { dayKey, slug } from './dates.ts';
import type { PeopleIndex } from './triggers.ts';

/** Something coming up for a known person, heard or noted, worth asking them about afterwards. */
export interface FollowUp {
  personId: string;
  /** The person's name as their record has it. */
  name: string;
  /** The event in a few words: "job interview", "move", "presentation to the board", "hospital visit". */
  topic: string;
  /** Epoch ms: when it happens (a named time, else the start of its local day). */
  eventAt: number;
  /** The sentence that said so, as written (at most 200 characters). */
  evidence: string;
  /** The words that named the date ("on Friday", "next week"). */
  dateText: string;
  /** Whose event it is when it is not the person's own: "mum" in "Chris's mum goes into hospital tomorrow". */
  relation: string | null;
  /** True when the topic is a verb phrase ("visiting her parents"): "how visiting her parents went", no article. */
  gerund: boolean;
}

/** What `findFollowUps` reads beside the text. */
export interface FollowUpContext {
  capturedAt: number;
  timezone: string;
  people: PeopleIndex;
  /** The known person who said the text (an enrolled voice): their "I have an interview on Friday" is about them. */
  speakerId?: string | null;
}

const A = "['\u2019]";
/** Words that may name a date: the cheap gate before the date parser (chrono) is asked at all. */
const DATEISH = [
  'today',
  'tonight',
  'tomorrow',
  'tmrw',
  '(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?s?',
  'weekend',
  '(?:next|this|coming)\\s+(?:week|weekend|month|year|morning|afternoon|evening|term|spring|summer|autumn|fall|winter)',
  'in\\s+(?:a|an|one|two|three|four|five|six|a\\s+few|\\d+)\\s+(?:days?|weeks?|months?|hours?)',
  'jan(?:uary)?|feb(?:ruary)?|march|april|may|june|july|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?',
  '\\d{1,2}(?:st|nd|rd|th)',
  '\\d{1,2}[/.]\\d{1,2}',
  'at\\s+\\d{1,2}(?::\\d\\d)?\\s*(?:am|pm)?',
].join('|');
const DATEISH_WORDS = new RegExp(`(?<![\\p{L}\\p{N}])(?:${DATEISH})(?![\\p{L}\\p{N}])`, 'iu');

/** People whose event it can be, after a possessive: "Chris's mum goes into hospital tomorrow". */
const RELATIONS =
  'mum|mom|mother|dad|father|parents|wife|husband|partner|son|daughter|kids?|children|boy|girl|baby|brother|sister|gran|granny|grandma|grandad|grandpa|grandmother|grandfather|nan|nana|aunt|auntie|uncle|cousin|niece|nephew|fianc[ée]e?|boyfriend|girlfriend|family|dog|cat|team|band';
const RELATION = new RegExp(
  `^${A}s\\s+(?:(?:little|older|younger|big|eldest|youngest|new)\\s+)?(${RELATIONS})(?![\\p{L}])`,
  'iu',
);

/** Verbs whose object is the event: "has a job interview", "is doing a 10k", "'s got her driving test". */
const LIGHT_3SG =
  'has|does|takes|sits|runs|attends|hosts|throws|gives|plays(?:\\s+in)?|celebrates|faces|starts|begins|competes\\s+in|enters';
const LIGHT_BASE =
  'have|do|take|sit|run|attend|host|throw|give|play(?:\\s+in)?|celebrate|face|start|begin|compete\\s+in|enter';
const LIGHT_ING =
  'having|doing|taking|sitting|running|attending|hosting|throwing|giving|playing(?:\\s+in)?|celebrating|facing|starting|beginning|competing\\s+in|entering';
const GO = `(?:\\s+(?:goes|go|will\\s+go|is\\s+going|am\\s+going)|${A}(?:s|m|ll)\\s+go(?:ing)?)`;

const LIGHT = new RegExp(
  `^(?:(?:\\s+(?:has|have)|${A}(?:s|ve))\\s+got|\\s+(?:${LIGHT_3SG}|${LIGHT_BASE})|(?:\\s+(?:will|is\\s+going\\s+to|am\\s+going\\s+to)|${A}ll|${A}(?:s|m)\\s+going\\s+to)\\s+(?:${LIGHT_BASE})|(?:\\s+(?:is|am)|${A}(?:s|m))\\s+(?:${LIGHT_ING})|(?:\\s+(?:is|am)|${A}(?:s|m))\\s+(?:due|booked(?:\\s+in)?|scheduled|set)\\s+(?:to\\s+(?:have|do|take|sit|start)|for|in\\s+for))\\s+`,
  'iu',
);
/** "goes into hospital" (a hospital visit, or what it is for: "for her operation"). */
const HOSPITAL = new RegExp(`^${GO}\\s+(?:in(?:to)?\\s+|to\\s+)?hospital(?![\\p{L}])`, 'iu');
/** "goes in for surgery", "is going on holiday", "goes for a job interview", "is going to a wedding". */
const GO_FOR = new RegExp(
  `^${GO}\\s+(?:in(?:to)?\\s+for|in(?:to)?|for|on|to(?=\\s+(?:a|an|the|her|his|their)\\s))\\s+`,
  'iu',
);
/** "is going to Rome": a trip. */
const GO_TO_PLACE = new RegExp(`^${GO}\\s+(?:off\\s+)?to\\s+(?=\\p{Lu})`, 'u');

/** Verbs that are the event themselves, with the noun that names it. */
const EVENT_VERBS: ReadonlyArray<[forms: string, noun: string]> = [
  ['move|moves|moving|relocate|relocates|relocating', 'move'],
  ['present|presents|presenting', 'presentation'],
  ['interview|interviews|interviewing', 'interview'],
  ['graduate|graduates|graduating', 'graduation'],
  ['retire|retires|retiring', 'retirement'],
  ['perform|performs|performing', 'performance'],
  ['audition|auditions|auditioning', 'audition'],
  ['compete|competes|competing', 'competition'],
  ['race|races|racing', 'race'],
  ['pitch|pitches|pitching', 'pitch'],
  ['speak|speaks|speaking', 'talk'],
  ['travel|travels|travelling|traveling', 'trip'],
  ['fly|flies|flying', 'flight'],
  ['get\\s+married|gets\\s+married|getting\\s+married|marry|marries|marrying', 'wedding'],
  ['propose|proposes|proposing', 'proposal'],
  ['emigrate|emigrates|emigrating', 'move abroad'],
  ['exhibit|exhibits|exhibiting', 'exhibition'],
];
const EVENT_VERB = new RegExp(
  `^(?:\\s+(?:is|am|will|is\\s+going\\s+to|am\\s+going\\s+to)\\s+|${A}(?:s|m|ll)\\s+(?:going\\s+to\\s+)?|\\s+)(${EVENT_VERBS.map(([forms]) => `(${forms})`).join('|')})(?![\\p{L}])`,
  'iu',
);
/** Any other "is -ing …": "Jo is visiting her parents next week". */
const IS_ING = new RegExp(`^(?:\\s+(?:is|am)|${A}(?:s|m))\\s+(\\p{L}{3,}ing)(?![\\p{L}])`, 'iu');
/** "Sam's driving test is on the 12th": the possessive names the event; a copula leads to its date. */
const POSSESSIVE = new RegExp(
  `^${A}s\\s+(?!got\\b)((?:[\\p{L}\\p{N}-]+\\s+){0,5}?[\\p{L}\\p{N}-]+)(?:\\s+is|${A}s|\\s+will\\s+be|\\s+falls|\\s+takes\\s+place)(?![\\p{L}])`,
  'iu',
);

/** -ing words that are nouns or not events worth asking about ("coming over", "calling me"). */
const GERUND_STOP = new Set(
  (
    'wedding meeting christening housewarming evening morning something nothing anything everything thing building ' +
    'ceiling coming going leaving staying calling ringing phoning texting emailing messaging sending bringing picking ' +
    'dropping paying lending returning helping joining working getting being thinking hoping planning trying wanting ' +
    'feeling looking waiting sleeping eating bring king ring sing thing spring string swing wing sibling'
  ).split(' '),
);
/** Topics that are not events: whole topics, and the words a non-event starts with ("lot of work"). */
const NON_EVENT =
  /^(?:time|day off|cold|flu|fever|headache|idea|feeling|problem|question|chance|way|good time|great time|fun|nice time|lovely time|say|point|right|look|go|word|break|rest|car|house|money|one|few|couple)$/i;
const NON_EVENT_START =
  /^(?:lot|lots|loads|bit|plenty|nothing|something|anything|everything|no|none|much|many|enough|more|less|too|few|several|people|friends)(?![\p{L}])/iu;
/** Dates that come back every year have their own nudges ahead of them (dates.ts), not a follow-up. */
const YEARLY = /birthday|anniversar|name ?day/i;
/** Words that show the topic is not one event phrase (another clause, the wearer, a past or a modal). */
const NOT_A_TOPIC =
  /(?<![\p{L}])(?:me|us|my|our|i|we|you|your|mine|ours|is|are|was|were|has|have|had|been|will|would|should|could|can|must|may|might|he|she|they|it|that|which|who|because|so|but|if|when|then|not|no)(?![\p{L}])/iu;
/** Negations and cancellations in the clause. */
const NEGATION =
  /(?<![\p{L}])(?:not|no\s+longer|never|any\s*more|cancel+ed|cancel+ing|called\s+off|calling\s+off|postponed|put\s+off|moved\s+back)(?![\p{L}])|n['\u2019]t(?![\p{L}])/iu;
/** Before the subject: a question, a condition or a wish, or the name is not the subject ("with Sam"). */
const BLOCKING_PREFIX =
  /(?<![\p{L}])(?:if|whether|unless|in\s+case|hope|hoping|hopefully|wish|suppose|supposing|maybe|perhaps|wonder)(?![\p{L}])/iu;
const NOT_SUBJECT_BEFORE =
  /(?<![\p{L}])(?:with|to|for|from|by|of|about|than|like|ask|tell|told|asked|does|did|do|has|have|is|was|will|can|could|would|saw|met|call|text)\s*$/iu;
/** A compound subject ("Sam and Jo have …", "my sister and Sam are …"): a few words, then "and" before the name. */
const COMPOUND_BEFORE = /^[\s,]*(?:[\p{L}'\u2019-]+\s+){0,2}[\p{L}'\u2019-]+\s+(?:and|or|&)\s*$/iu;
const LEADING_WORDS = /^(?:a|an|the|her|his|their|its|some|this|that|these|those|another)\s+/i;
const TRAILING_WORDS =
  /[\s,;:-]+(?:on|at|in|by|for|from|this|next|the|coming|until|till|before|after|around|about|early|late|later|due|set|scheduled|booked)$|[\s,;:-]+$/i;
const PREPOSITIONS = /^(?:to|at|in|with|for|about|on|from|of|into)\s/i;
const HOME_WORDS = /^(?:house|home|flat|apartment|out|in|abroad|away|over)$/i;
const DURATION =
  /^(?:a\s+|an\s+|a\s+few\s+|few\s+|\d+\s+|two\s+|three\s+|couple\s+of\s+)?(?:days?|weeks?|nights?|hours?|while|bit)$/i;
/** A month, a season or "next month" alone: no day to follow up on. */
const VAGUE_DATE =
  /^(?:(?:in|on|at|during|by|over)\s+)?(?:(?:this|next|the|coming|early|late|mid)[\s-]+)*(?:month|year|jan(?:uary)?|feb(?:ruary)?|march|april|may|june|july|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|spring|summer|autumn|fall|winter|term)(?:\s+\d{4})?[\s,.]*$/i;
/** "next week", "this weekend", "at the weekend": some day of that week, so the follow-up waits for its Sunday. */
const WEEK_DATE =
  /^(?:(?:in|on|at|during|by|over)\s+)?(?:(?:the|this|next|coming)\s+)+(?:week|weekend)[\s,.]*$/i;
const SENTENCE_END = /[.!?;\n]+(?=\s|$)/g;
const MAX_AHEAD_MS = 366 * 86_400_000;

/** How the event is introduced, and where its words begin (relative to the clause that starts at the name). */
interface Shape {
  /** Where the topic's words start; the date is looked for from here. */
  from: number;
  /** A fixed noun for the event ("move"); the words after the verb then only add a prepositional phrase. */
  noun: string | null;
  gerund: boolean;
  /** The possessive shape: the topic is fixed, and the date follows its copula. */
  fixedTopic: string | null;
  /** "hospital visit" unless what follows says what for. */
  hospital: boolean;
}

/** How the words after a subject introduce an upcoming event, or null when they do not. */
function shapeOf(rest: string, offset: number): Shape | null {
  const base = { noun: null, gerund: false, fixedTopic: null, hospital: false };
  let match = POSSESSIVE.exec(rest);
  if (match) return { ...base, from: offset + match[0].length, fixedTopic: match[1]! };
  match = HOSPITAL.exec(rest);
  if (match) return { ...base, from: offset + match[0].length, hospital: true };
  match = GO_TO_PLACE.exec(rest);
  if (match) return { ...base, from: offset + match[0].length, noun: 'trip to' };
  match = GO_FOR.exec(rest);
  if (match) return { ...base, from: offset + match[0].length };
  match = LIGHT.exec(rest);
  if (match) return { ...base, from: offset + match[0].length };
  match = EVENT_VERB.exec(rest);
  if (match) {
    const index = EVENT_VERBS.findIndex((_, at) => match![at + 2] !== undefined);
    return { ...base, from: offset + match[0].length, noun: EVENT_VERBS[index]![1] };
  }
  match = IS_ING.exec(rest);
  if (match && !GERUND_STOP.has(match[1]!.toLowerCase())) {
    const verbStart = match[0].length - match[1]!.length;
    return { ...base, from: offset + verbStart, gerund: true };
  }
  return null;
}

/** Trims articles, possessives and the words that lead into a date from a topic. */
function cleanTopic(raw: string, self = false): string {
  let topic = raw.replace(/\s+/g, ' ').trim();
  for (let previous = ''; previous !== topic; ) {
    previous = topic;
    topic = topic.replace(TRAILING_WORDS, '').replace(LEADING_WORDS, '').trim();
    // Said by the person themselves: "I've got my driving test" is their driving test.
    if (self) topic = topic.replace(/^my\s+/i, '');
  }
  return topic;
}

/** The topic a shape and the words between it and the date make, or null when they do not make one. */
function topicOf(shape: Shape, words: string, self: boolean): { topic: string; gerund: boolean } | null {
  if (shape.fixedTopic !== null) {
    const topic = cleanTopic(shape.fixedTopic, self);
    return acceptable(topic) ? { topic, gerund: false } : null;
  }
  const rest = cleanTopic(words, self);
  if (shape.hospital) {
    const purpose = /^for\s+(.+)$/i.exec(rest);
    const what = purpose ? cleanTopic(purpose[1]!, self) : '';
    if (what && !DURATION.test(what) && acceptable(what)) return { topic: what, gerund: false };
    return { topic: 'hospital visit', gerund: false };
  }
  if (shape.noun === 'trip to') {
    return rest && acceptable(rest) ? { topic: `trip to ${rest}`, gerund: false } : null;
  }
  if (shape.noun !== null) {
    if (!rest || HOME_WORDS.test(rest) || !PREPOSITIONS.test(rest))
      return { topic: shape.noun, gerund: false };
    const topic = `${shape.noun} ${rest}`;
    return acceptable(rest.replace(PREPOSITIONS, ''))
      ? { topic, gerund: false }
      : { topic: shape.noun, gerund: false };
  }
  if (shape.gerund) {
    // The gerund alone ("Sam is coming tomorrow") says too little; with its object it is the topic.
    if (!/\s/.test(rest) || !acceptable(rest.replace(/^\S+\s+/, ''))) return null;
    return { topic: rest, gerund: true };
  }
  if (/^to\s/i.test(words.trim())) return null; // "has to leave on Friday": an obligation, not an event
  return acceptable(rest) ? { topic: rest, gerund: false } : null;
}

function acceptable(topic: string): boolean {
  if (!topic || topic.length > 80 || topic.split(' ').length > 7) return false;
  if (NON_EVENT.test(topic) || NON_EVENT_START.test(topic) || DURATION.test(topic) || YEARLY.test(topic))
    return false;
  return !NOT_A_TOPIC.test(topic);
}

/** The sentence around `index`: its start and end in `text`. */
function sentenceAround(text: string, index: number): { start: number; end: number } {
  let start = 0;
  let end = text.length;
  SENTENCE_END.lastIndex = 0;
  for (const match of text.matchAll(SENTENCE_END)) {
    const stop = match.index + match[0].length;
    if (stop <= index) start = stop;
    else {
      end = match.index + match[0].length;
      break;
    }
  }
  return { start, end };
}

/** A subject in the text: a known name (or "I" said by a known person), where it ends, and whose it is. */
interface Subject {
  personId: string;
  index: number;
  end: number;
  /** "I", said by the person themselves. */
  self: boolean;
}

function subjectsIn(text: string, context: FollowUpContext): Subject[] {
  const { people } = context;
  const found: Subject[] = [];
  if (people.pattern) {
    people.pattern.lastIndex = 0;
    for (const match of text.matchAll(people.pattern)) {
      const person = people.byName.get(match[0].toLowerCase());
      if (person)
        found.push({
          personId: person.id,
          index: match.index,
          end: match.index + match[0].length,
          self: false,
        });
    }
  }
  const speaker = context.speakerId ? people.byId.get(context.speakerId) : undefined;
  if (speaker) {
    for (const match of text.matchAll(/(?<![\p{L}\p{N}'\u2019])I(?=\s|['\u2019](?:m|ve|ll)\b)/gu))
      found.push({ personId: speaker.id, index: match.index, end: match.index + 1, self: true });
  }
  return found.sort((a, b) => a.index - b.index);
}

/**
 * Finds events coming up for known people in what was heard or written: a known person (by name, alias or first
 * name, possessive forms included; or "I" when a known person's enrolled voice said it) as the subject of an
 * upcoming event — "Sam has a job interview on Friday", "Jo is moving house next week", "Priya's presenting to the
 * board on Thursday", "Chris's mum goes into hospital tomorrow", "Sam's driving test is on the 12th". The topic is
 * the words between the verb and the date, trimmed of articles and possessives ("job interview"), or the noun of an
 * event verb ("moving" → "move", "presenting to the board" → "presentation to the board"). Not for the wearer, not
 * for an event on a day before the one it was said on, not for negations, cancellations, questions, conditions or
 * wishes. Cheap on ordinary text: one regex for a date-like word and one for a known name gate the date parser.
 */
export function findFollowUps(text: string, context: FollowUpContext): FollowUp[] {
  if (!text || (!context.people.pattern && !context.speakerId)) return [];
  if (!DATEISH_WORDS.test(text)) return [];
  const subjects = subjectsIn(text, context);
  if (subjects.length === 0) return [];

  const found: FollowUp[] = [];
  const dateCache = new Map<number, FoundDate[]>();
  const datesOf = (from: number, clause: string) => {
    let dates = dateCache.get(from);
    if (!dates) {
      dates = findDates(clause, {
        capturedAt: context.capturedAt,
        timeZone: context.timezone,
        forward: true,
      });
      dateCache.set(from, dates);
    }
    return dates;
  };
  const captureDay = wallClockAt(context.capturedAt, context.timezone);

  for (const subject of subjects) {
    const sentence = sentenceAround(text, subject.index);
    const before = text.slice(sentence.start, subject.index);
    const clause = text.slice(subject.index, sentence.end);
    if (/\?\s*$/.test(clause)) continue;
    if (BLOCKING_PREFIX.test(before) || NOT_SUBJECT_BEFORE.test(before) || COMPOUND_BEFORE.test(before))
      continue;

    let offset = subject.end - subject.index;
    let relation: string | null = null;
    const relationMatch = RELATION.exec(clause.slice(offset));
    if (relationMatch) {
      relation = relationMatch[1]!.toLowerCase();
      offset += relationMatch[0].length;
    }
    const shape = shapeOf(clause.slice(offset), offset);
    if (!shape) continue;

    // The date: the first one after the verb, else one before the subject ("On Friday, Sam has an interview").
    let date = datesOf(subject.index, clause).find((entry) => entry.index >= shape.from);
    let words: string;
    if (date) {
      words = clause.slice(shape.from, date.index);
      if (
        shape.fixedTopic !== null &&
        !/^[\s,]*(?:(?:on|at|in|for|due|set|scheduled|booked|coming|up|now)\s+)*$/i.test(words)
      )
        continue;
    } else {
      if (shape.fixedTopic !== null || !DATEISH_WORDS.test(before)) continue;
      date = findDates(before, {
        capturedAt: context.capturedAt,
        timeZone: context.timezone,
        forward: true,
      }).at(-1);
      if (!date) continue;
      words = clause.slice(shape.from).split(/,|\s+(?:and|but|because|so|as|while)\s+|[.!;]/i)[0] ?? '';
    }
    const upTo = date.index + date.text.length;
    if (NEGATION.test(clause.slice(0, Math.max(upTo, shape.from))) || NEGATION.test(before)) continue;
    if (/(?<![\p{L}])(?:any\s*more|cancel+ed|called\s+off|postponed)(?![\p{L}])/iu.test(clause)) continue;

    const dateText = date.text.trim().replace(/[\s,.;:]+$/, '');
    if (VAGUE_DATE.test(dateText)) continue;
    let eventAt = date.at;
    let eventDay: CalendarDate = wallClockAt(eventAt, context.timezone);
    if (WEEK_DATE.test(dateText)) {
      eventDay = addDays(mondayOf(eventDay), 6);
      eventAt = zonedTimeToEpoch(eventDay, 0, 0, context.timezone);
    }
    if (compareDates(eventDay, captureDay) < 0 || eventAt > context.capturedAt + MAX_AHEAD_MS) continue;

    const topic = topicOf(shape, words, subject.self);
    if (!topic) continue;
    const person = context.people.byId.get(subject.personId)!;
    if (found.some((entry) => entry.personId === person.id && entry.topic === topic.topic)) continue;
    const evidence = text.slice(sentence.start, sentence.end).replace(/\s+/g, ' ').trim();
    found.push({
      personId: person.id,
      name: person.name,
      topic: topic.topic,
      eventAt,
      evidence: evidence.length > 200 ? `${evidence.slice(0, 199)}…` : evidence,
      dateText,
      relation,
      gerund: topic.gerund,
    });
  }
  return found;
}

/** "Ask Sam how the job interview went", "Ask Jo how visiting her parents went", "Ask Chris how their mum's operation went". */
export function followUpTitle(found: Pick<FollowUp, 'name' | 'topic' | 'relation' | 'gerund'>): string {
  const what = found.relation
    ? `their ${found.relation}'s ${found.topic}`
    : found.gerund
      ? found.topic
      : `the ${found.topic}`;
  return `Ask ${found.name} how ${what} went`;
}

/** The day after the event, at 18:00 local: when the follow-up is due (and pushed). */
export function followUpDue(eventAt: number, timezone: string): { day: CalendarDate; due: number } {
  const { year, month, day } = wallClockAt(eventAt, timezone);
  const eventDay = { year, month, day };
  return { day: eventDay, due: zonedTimeToEpoch(addDays(eventDay, 1), 18, 0, timezone) };
}

/**
 * The dedupe key of a follow-up: `followup:<person id>:<event day>:<head noun>`, the head noun being the last word
 * before any preposition ("job interview" and "interview" share `interview`), or a verb phrase's first word.
 */
export function followUpKey(
  found: Pick<FollowUp, 'personId' | 'topic' | 'gerund'>,
  day: CalendarDate,
): string {
  const words = found.topic.split(/\s+/);
  const beforePreposition = words.findIndex(
    (word, index) => index > 0 && /^(?:to|at|in|with|for|about|on|from|of|into)$/i.test(word),
  );
  const head = found.gerund
    ? words[0]!
    : (beforePreposition > 0 ? words.slice(0, beforePreposition) : words).at(-1)!;
  return `followup:${found.personId}:${dayKey(day)}:${slug(head).slice(0, 30)}`;
}
