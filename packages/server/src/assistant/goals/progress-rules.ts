import {
  addDays,
  type CalendarDate,
  isValidTimeZone,
  ValidationError,
  wallClockAt,
  zonedTimeToEpoch,
} from '../../kernel/index.ts';
import type { Goal } from '../types.ts';
import {
  ACTIVITY_WORDS,
  type ActivityForm,
  ADVERBS,
  aboutVariants,
  activityFamily,
  NUMBER_WORDS,
  normaliseUnit,
  OCCURRENCE_UNITS,
  RACE_DISTANCES,
  readNumber,
  STOP_WORDS,
  unitFactor,
} from './activity-lexicon.ts';
import { type Token, tokenize } from './text-tokens.ts';

/** Something said or seen that looks like progress on an activity, with the words it was read from. */
export interface ProgressSignal {
  /** The activity family's lemma: `run` (also for jogging), `call` (phoning, ringing), `read`, `swim`, … */
  activity: string;
  /** In `unit`, normalised: km for distances (miles and metres converted), minutes for durations. */
  amount: number;
  /** `km`, `minutes`, `books`, `pages`, `chapters`, `words`, `kg`, `steps`, or `times` for an occurrence. */
  unit: string;
  /** When it happened: the capture time, or the time it names ("this morning", "yesterday"). */
  at: number;
  /** The words taken as evidence, exactly as they are in the text. */
  evidence: string;
  /** 0..1: lower for fragments, occurrences without an amount and text read off a display. */
  confidence: number;
  /** Lower-case content words and names mentioned with it (["mum"] for "called mum"). */
  about: string[];
}

/** When and where the text was captured. */
export interface ProgressContext {
  capturedAt: number;
  timezone: string;
}

/**
 * The cheap pre-filter: a text none of whose words start like an activity, a unit or a display label cannot hold
 * progress. One regular expression test, a few microseconds for an ordinary sentence.
 */
const MIGHT_HOLD_PROGRESS =
  /\b(?:ran|run|jog|swam|swim|swum|cycl|bike|biked|biking|rode|rid|walk|hike|hiking|hiked|read|book|novel|chapter|page|wrote|writ|words|call|phon|rang|rung|ring|face-?tim|skyp|video|blower|spoke|talk|chatt|caught|meditat|gym|work|exercis|yoga|pilates|lost|finish|complet|marathon|parkrun|distance|length|laps|steps|km|kilomet|mile|end of|polished off|devoured|(?:tore|raced|ploughed|plowed|powered|whizzed|zipped) through)|\d\s?(?:k|km|m|mi)\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty)[\s-]?(?:k|kms?)\b/i;

const NEGATIONS = new Set([
  'not',
  'never',
  'no',
  'nope',
  'cannot',
  'skipped',
  'skip',
  'missed',
  'cancelled',
  'canceled',
  'postponed',
  'forgot',
  'failed',
  'without',
  'instead',
  'nothing',
]);
const MODALS = new Set([
  'will',
  "i'll",
  "we'll",
  "you'll",
  'shall',
  'would',
  'should',
  'could',
  'might',
  'may',
  'must',
  'gonna',
  'wanna',
  'want',
  'wants',
  'need',
  'needs',
  'plan',
  'plans',
  'planning',
  'hope',
  'hoping',
  'intend',
  'try',
  'trying',
  "let's",
  'lets',
  'if',
  'unless',
  'remind',
  'remember',
  'gotta',
  'ought',
  'going',
  'supposed',
  'wish',
  "i'd",
  "we'd",
]);
const FUTURE_WORDS = new Set(['tomorrow', 'later', 'next', 'soon', 'upcoming', 'tmrw', 'tmr']);
const HABITUAL = new Set([
  'every',
  'usually',
  'always',
  'often',
  'normally',
  'sometimes',
  'typically',
  'each',
]);
const SELF = new Set(['i', 'we', "i've", "we've", 'ive', 'me', 'myself', 'us']);
const HAVE = new Set(['have', 'had', "i've", "we've", 'ive', "i'd", "we'd"]);
const PASSIVE = new Set([
  'was',
  'were',
  'is',
  'are',
  'be',
  'been',
  'being',
  'get',
  'gets',
  'got',
  'getting',
  "it's",
]);
const CONJUNCTIONS = new Set([
  'and',
  'but',
  'then',
  'so',
  'after',
  'before',
  'while',
  'because',
  'although',
  'though',
  'which',
  'plus',
  'also',
]);
/** Verbs that say an event named by a noun took place: "did a 7.5 km run", "went for a swim", "got my 5k done". */
const COMPLETION = new Set([
  'did',
  'done',
  'went',
  'had',
  'got',
  'finished',
  'completed',
  'knocked',
  'smashed',
  'nailed',
  'crushed',
  'managed',
  'enjoyed',
  'loved',
  'logged',
  'clocked',
  'squeezed',
  'fitted',
  'banged',
  'ticked',
  'hit',
  'made',
  'took',
  'back',
  'spent',
  'ran',
  'gave',
  'through',
]);
const PHONE_CUES = new Set([
  'phone',
  'blower',
  'telephone',
  'facetime',
  'zoom',
  'whatsapp',
  'skype',
  'video',
  'videocall',
  'hangout',
  'signal',
  'telegram',
  'call',
]);
const COMMUNICATION = new Set(['spoke', 'talked', 'chatted', 'caught', 'called', 'facetimed']);
/**
 * Verbs that, with a call named by a noun, say the call happened: "just been on the phone to mum", "was on a call
 * with Dad for an hour", "came off FaceTime with my sister", "hung up the phone to Mum".
 */
const CALL_STATES = new Set(['been', 'was', 'were', 'came', 'hung', 'spent']);
/** Nouns of talking that are a call when a phone is mentioned: "had a chat with mum over the phone". */
const TALK_NOUNS = new Set(['chat', 'talk', 'catchup', 'natter', 'conversation']);
const TIME_WORDS = new Set([
  'today',
  'tonight',
  'yesterday',
  'morning',
  'afternoon',
  'evening',
  'night',
  'earlier',
  'lunch',
  'lunchtime',
  'breakfast',
  'dinner',
  'weekend',
  'ago',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
]);
/** Words skipped when looking back for a verb's subject ("ok, ran 5k", "this morning ran 5k"). */
const INTERJECTIONS = new Set([
  'this',
  'last',
  'ok',
  'okay',
  'yes',
  'yay',
  'phew',
  'well',
  'oh',
  'wow',
  'woo',
  'finally',
]);
const PARTICLES_AFTER_RUN = new Set([
  'out',
  'into',
  'over',
  'off',
  'away',
  'late',
  'errand',
  'errands',
  'a',
  'an',
  'the',
  'my',
  'his',
  'her',
  'their',
  'some',
  'up',
  'across',
  'by',
  'through',
  'short',
  'low',
]);
const BOOK_CUES = new Set(['book', 'books', 'novel', 'novels', 'audiobook', 'audiobooks', 'reading']);
/** Adjectives that name a run, a call or a swim as an event: "a long run", "a quick call", "phone call". */
const MODIFIERS = new Set(
  'long quick short easy hard good great nice lovely morning evening lunchtime early late gentle slow fast brisk proper phone video'.split(
    ' ',
  ),
);
/** Present-tense verbs that make a named event a description or a plan: "the marathon is on Sunday". */
const PRESENT_COPULAS = new Set([
  'is',
  'are',
  "isn't",
  "aren't",
  'starts',
  'begins',
  'opens',
  'happens',
  'takes',
]);
const DETERMINERS = new Set([
  'a',
  'an',
  'my',
  'the',
  'our',
  'this',
  'that',
  'that',
  'first',
  'another',
  'one',
]);

/** Which units count as an amount of each activity family, best first. */
const UNITS_BY_FAMILY: Record<string, readonly string[]> = {
  run: ['km', 'minutes'],
  walk: ['km', 'steps', 'minutes'],
  swim: ['km', 'minutes'],
  cycle: ['km', 'minutes'],
  read: ['books', 'pages', 'chapters', 'minutes'],
  write: ['words', 'pages', 'chapters', 'minutes'],
  meditate: ['minutes'],
  gym: ['minutes'],
  yoga: ['minutes'],
  pilates: ['minutes'],
  call: ['minutes'],
  lose: ['kg'],
};

/** Families whose progress must have an amount to count (an occurrence of reading or writing is too vague). */
const NEEDS_AMOUNT = new Set(['write', 'lose']);

/**
 * Finds progress the speaker made in what they said or what a camera read: "Ran 5k this morning" (run, 5 km),
 * "jogged 3 miles" (4.83 km), "finished reading Dune" (read, 1 book), "rang mum" (call, about mum), "swam 1500m"
 * (1.5 km), a treadmill display "DISTANCE 5.02 KM" (run, lower confidence). Negations, plans, questions, habits and
 * other people's activities are not progress. Rules only (a lexicon of activity words and their inflections over one
 * tokenisation), and a text with no activity-like word is rejected by one regular expression test.
 */
export function detectProgress(text: string, ctx: ProgressContext): ProgressSignal[] {
  if (!MIGHT_HOLD_PROGRESS.test(text)) return [];
  if (!Number.isFinite(ctx.capturedAt) || !isValidTimeZone(ctx.timezone)) {
    throw new ValidationError('progress detection needs the capture time (epoch ms) and an IANA time zone');
  }
  const tokens = tokenize(text);
  const signals: ProgressSignal[] = [];
  let start = 0;
  for (let i = 0; i <= tokens.length; i += 1) {
    const token = tokens[i];
    if (token && token.kind !== 'sentence') continue;
    if (i > start && !token?.text.includes('?')) {
      detectInSentence(text, tokens, start, i, ctx, signals);
    }
    start = i + 1;
  }
  if (signals.length === 0) {
    const display = detectDisplay(text, ctx) ?? detectReadingDisplay(text, ctx);
    if (display) signals.push(display);
  }
  return dedupe(signals);
}

interface Trigger {
  index: number;
  family: string;
  form: ActivityForm | 'communication' | 'finish' | 'finishTitle' | 'finishIdiom' | 'workedOut';
}

/**
 * Ways of saying a book was read to its end, as word sequences (`*` is an optional determiner): "got to the end of",
 * "finished the last page of", "polished off", "tore through". What follows must be a book word or a title.
 */
const FINISH_IDIOMS: readonly (readonly string[])[] = [
  ['got', 'to', '*', 'end', 'of'],
  ['reached', '*', 'end', 'of'],
  ['made', 'it', 'to', '*', 'end', 'of'],
  ['came', 'to', '*', 'end', 'of'],
  ['finished', '*', 'last', 'page', 'of'],
  ['finished', '*', 'final', 'page', 'of'],
  ['finished', '*', 'last', 'chapter', 'of'],
  ['finished', '*', 'final', 'chapter', 'of'],
  ['read', '*', 'last', 'page', 'of'],
  ['read', '*', 'final', 'page', 'of'],
  ['turned', '*', 'last', 'page', 'of'],
  ['turned', '*', 'final', 'page', 'of'],
  ['polished', 'off'],
  ['devoured'],
  ['tore', 'through'],
  ['raced', 'through'],
  ['ploughed', 'through'],
  ['plowed', 'through'],
  ['powered', 'through'],
  ['whizzed', 'through'],
  ['zipped', 'through'],
];
const IDIOM_STARTS = new Set(FINISH_IDIOMS.map((idiom) => idiom[0]!));
const IDIOM_DETERMINERS = new Set(['the', 'my', 'this', 'that', 'a', 'an', 'her', 'his', 'their']);
/** Capitalised words after "the end of" that are no title: "got to the end of March". */
const NOT_TITLES = new Set(
  'january february march april may june july august september october november december monday tuesday wednesday thursday friday saturday sunday season series episode level week month year day term semester'.split(
    ' ',
  ),
);

/** Where a finish idiom starting at `i` ends and whether a book word (not just a title) follows; null when none. */
function finishIdiomAt(tokens: readonly Token[], i: number, to: number): { book: boolean } | null {
  if (!IDIOM_STARTS.has(tokens[i]!.norm)) return null;
  for (const idiom of FINISH_IDIOMS) {
    if (idiom[0] !== tokens[i]!.norm) continue;
    let at = i + 1;
    let ok = true;
    for (const word of idiom.slice(1)) {
      const token = tokens[at];
      if (word === '*') {
        if (token && IDIOM_DETERMINERS.has(token.norm)) at += 1;
        continue;
      }
      if (!token || token.norm !== word) {
        ok = false;
        break;
      }
      at += 1;
    }
    if (!ok) continue;
    while (at < to && IDIOM_DETERMINERS.has(tokens[at]!.norm)) at += 1;
    const object = tokens[at];
    if (!object || at >= to || object.kind !== 'word') continue;
    if (BOOK_CUES.has(object.norm)) return { book: true };
    if (object.capitalised && !NOT_TITLES.has(object.norm) && !object.possessive) return { book: false };
  }
  return null;
}

function isBoundary(token: Token): boolean {
  return token.kind === 'clause' || token.kind === 'sentence' || CONJUNCTIONS.has(token.norm);
}

function findTriggers(tokens: readonly Token[], from: number, to: number, phoneCue: boolean): Trigger[] {
  const triggers: Trigger[] = [];
  for (let i = from; i < to; i += 1) {
    const token = tokens[i]!;
    if (token.kind !== 'word') continue;
    const next = tokens[i + 1];
    if (token.norm === 'worked' && next?.norm === 'out') {
      triggers.push({ index: i, family: 'gym', form: 'workedOut' });
      continue;
    }
    const idiom = finishIdiomAt(tokens, i, to);
    if (idiom) {
      triggers.push({ index: i, family: 'read', form: idiom.book ? 'finishIdiom' : 'finishTitle' });
      continue;
    }
    if (
      token.norm === 'finished' ||
      token.norm === 'completed' ||
      (token.norm === 'done' && BOOK_CUES.has(tokens[i - 1]?.norm ?? ''))
    ) {
      triggers.push({ index: i, family: 'read', form: 'finish' });
      continue;
    }
    const word = ACTIVITY_WORDS.get(token.norm);
    if (word) {
      if (token.norm === 'called' && phoneCue === false && next && /^(?:it|off|for)$/.test(next.norm))
        continue;
      const family = activityFamily(word.lemma);
      const form = formInContext(word.forms, tokens, i);
      if (form === null) continue;
      triggers.push({ index: i, family, form });
      continue;
    }
    if (phoneCue && COMMUNICATION.has(token.norm))
      triggers.push({ index: i, family: 'call', form: 'communication' });
    else if (phoneCue && TALK_NOUNS.has(token.norm))
      triggers.push({ index: i, family: 'call', form: 'noun' });
    else if (token.capitalised && token.start > 0 && tokens[i - 1]?.norm === 'finished') {
      // "finished Dune": a title right after "finished" is most likely a book (weak evidence).
      triggers.push({ index: i - 1, family: 'read', form: 'finishTitle' });
    }
  }
  return triggers;
}

/**
 * Which of a word's forms it takes here: a past form is past; a participle needs "have" just before it ("I've
 * swum"); a word that can be a noun after a determiner, a number, a unit or an adjective is a noun ("a 7.5 km run");
 * an "-ing" form is kept for "went running"; a bare base form is no event (null).
 */
function formInContext(
  forms: readonly ActivityForm[],
  tokens: readonly Token[],
  i: number,
): Trigger['form'] | null {
  if (forms.includes('past')) return 'past';
  if (forms.includes('participle')) {
    for (let j = i - 1; j >= Math.max(0, i - 3); j -= 1) {
      const norm = tokens[j]!.norm;
      if (HAVE.has(norm) || norm === 'has') return 'participle';
      if (!ADVERBS.has(norm)) break;
    }
  }
  if (forms.includes('ing')) return 'ing';
  if (forms.includes('noun')) return 'noun';
  return forms.includes('base') ? 'base' : null;
}

interface Quantity {
  amount: number;
  unit: string;
  from: number;
  to: number;
  /** True when the number was assumed (pool lengths of 25 m, track laps of 400 m). */
  assumed: boolean;
}

/** Every amount with a unit in tokens [from, to): "5k", "3 miles", "an hour", "a marathon", "40 lengths". */
function findQuantities(tokens: readonly Token[], from: number, to: number, family: string): Quantity[] {
  const found: Quantity[] = [];
  for (let i = from; i < to; i += 1) {
    const token = tokens[i]!;
    if (token.kind === 'word') {
      if (token.norm === 'half' && tokens[i + 1]?.norm === 'marathon') {
        found.push({ amount: 21.0975, unit: 'km', from: i, to: i + 2, assumed: false });
        i += 1;
        continue;
      }
      const race = RACE_DISTANCES.get(token.norm);
      if (race !== undefined && tokens[i - 1]?.norm !== 'half') {
        found.push({ amount: race, unit: 'km', from: i, to: i + 1, assumed: false });
        continue;
      }
    }
    let value: number | null = null;
    let length = 1;
    if (token.kind === 'number') {
      const read = readNumber(token.norm);
      if (!Number.isNaN(read)) value = read;
    } else if (token.kind === 'word') {
      if (token.norm === 'half' && /^an?$/.test(tokens[i + 1]?.norm ?? '')) {
        value = 0.5;
        length = 2;
      } else if (token.norm !== 'half' && token.norm !== 'couple') {
        value = NUMBER_WORDS.get(token.norm) ?? null;
      }
    }
    if (value === null || i + length >= to) continue;
    const unitToken = tokens[i + length]!;
    if (unitToken.kind !== 'word') continue;
    if (unitToken.norm === 'lengths' || unitToken.norm === 'laps' || unitToken.norm === 'length') {
      const each = family === 'swim' ? 0.025 : family === 'run' ? 0.4 : null;
      if (each !== null && token.kind === 'number') {
        found.push({ amount: value * each, unit: 'km', from: i, to: i + length + 1, assumed: true });
      }
      continue;
    }
    const reading = normaliseUnit(unitToken.norm);
    if (!reading) continue;
    if ((token.norm === 'a' || token.norm === 'an') && reading.unit === 'km' && unitToken.norm === 'k')
      continue;
    if (reading.unit === 'kg' && family !== 'lose') continue;
    found.push({
      amount: value * reading.factor,
      unit: reading.unit,
      from: i,
      to: i + length + 1,
      assumed: false,
    });
    i += length;
  }
  return found;
}

/** The first word before `index` (within the clause) that is not an adverb, time word or auxiliary "have". */
function subjectWordBefore(
  tokens: readonly Token[],
  index: number,
  clauseStart: number,
): { token: Token; at: number } | null {
  for (let j = index - 1; j >= clauseStart; j -= 1) {
    const token = tokens[j]!;
    if (token.kind !== 'word') return null;
    if (ADVERBS.has(token.norm) || TIME_WORDS.has(token.norm) || INTERJECTIONS.has(token.norm)) continue;
    if (token.norm === 'video' || token.norm === 'phone') continue;
    if (token.norm === 'have' || token.norm === 'had') continue;
    return { token, at: j };
  }
  return null;
}

type Subject = 'self' | 'other' | 'none';

/** Whose action a verb at `index` is: the speaker's, someone else's, or none (passive, infinitive). */
function subjectOf(
  tokens: readonly Token[],
  index: number,
  clauseStart: number,
  sentenceStart: number,
): Subject {
  const found = subjectWordBefore(tokens, index, clauseStart);
  if (!found) return 'self';
  const { token, at } = found;
  const word = token.norm;
  if (SELF.has(word)) return 'self';
  if (word === 'to' || MODALS.has(word)) return 'none';
  if (PASSIVE.has(word)) return 'none';
  if (at === sentenceStart && token.capitalised && !token.possessive && !STOP_WORDS.has(word)) {
    // A capitalised first word could be a name ("Sam ran") or a capitalised verb-less opener; names are nouns
    // the lexicon does not know, so only words it knows count as the speaker's fragments.
    return COMPLETION.has(word) || ACTIVITY_WORDS.has(word) ? 'self' : 'other';
  }
  return 'other';
}

/** The kind of event a trigger names and whether it is the speaker's done deed; null when it is not progress. */
function isDone(
  tokens: readonly Token[],
  trigger: Trigger,
  clause: { start: number; end: number },
  sentenceStart: number,
  quantities: readonly Quantity[],
  hasTimeWord: boolean,
): { subject: Subject; explicit: boolean } | null {
  const i = trigger.index;
  const before = tokens[i - 1]?.norm ?? '';
  const next = tokens[i + 1]?.norm ?? '';
  const subject = () => subjectOf(tokens, i, clause.start, sentenceStart);
  const explicitSelf = () => {
    const found = subjectWordBefore(tokens, i, clause.start);
    return found !== null && SELF.has(found.token.norm);
  };
  switch (trigger.form) {
    case 'past':
    case 'communication':
    case 'workedOut': {
      if (before === 'to') return null;
      if (trigger.family === 'read' && tokens[i]!.norm === 'read') {
        // "read" is also the present: only with an amount or a book.
        const hasBook = rangeHas(tokens, i + 1, clause.end, (t) => BOOK_CUES.has(t.norm));
        if (quantities.length === 0 && !hasBook) return null;
      }
      const who = subject();
      if (who === 'other' && trigger.family === 'call' && /^(?:me|us)$/.test(next)) {
        return { subject: 'self', explicit: true };
      }
      return { subject: who, explicit: explicitSelf() };
    }
    case 'participle': {
      const haveBefore = rangeHas(tokens, Math.max(clause.start, i - 3), i, (t) => HAVE.has(t.norm));
      if (!haveBefore) return null;
      return { subject: subject(), explicit: explicitSelf() };
    }
    case 'ing': {
      const cue = subjectWordBefore(tokens, i, clause.start);
      if (!cue || !/^(?:went|gone|finished|did|spent|been)$/.test(cue.token.norm)) {
        // "did some reading", "spent an hour reading": the cue may sit a few words back.
        const far = rangeFind(tokens, clause.start, i, (t) => t.norm === 'did' || t.norm === 'spent');
        if (far === -1) return null;
        return { subject: subjectOf(tokens, far, clause.start, sentenceStart), explicit: false };
      }
      if (cue.token.norm === 'been' && quantities.length === 0) return null;
      return { subject: subjectOf(tokens, cue.at, clause.start, sentenceStart), explicit: false };
    }
    case 'finishIdiom': {
      if (before === 'to') return null;
      return { subject: subject(), explicit: explicitSelf() };
    }
    case 'finish': {
      // "Book finished!", "novel done": the book itself, said to be finished, with no one else's name on it.
      const cueBefore = tokens[i - 1];
      if (cueBefore && BOOK_CUES.has(cueBefore.norm) && cueBefore.kind === 'word' && !cueBefore.possessive) {
        const owner = tokens[i - 2];
        const fragment =
          i - 1 === clause.start ||
          (owner &&
            IDIOM_DETERMINERS.has(owner.norm) &&
            !/^(?:her|his|their)$/.test(owner.norm) &&
            i - 2 === clause.start);
        const after = tokens[i + 1];
        const ends =
          !after ||
          i + 1 >= clause.end ||
          after.kind !== 'word' ||
          TIME_WORDS.has(after.norm) ||
          ADVERBS.has(after.norm) ||
          after.norm === 'at';
        if (fragment && ends) return { subject: 'self', explicit: false };
      }
      const book = rangeFind(tokens, i + 1, Math.min(clause.end, i + 6), (t) => BOOK_CUES.has(t.norm));
      const lastChapter = rangeFind(
        tokens,
        i + 1,
        Math.min(clause.end, i + 5),
        (t) => t.norm === 'chapter' && /^(?:last|final)$/.test(tokens[tokens.indexOf(t) - 1]?.norm ?? ''),
      );
      if (book === -1 && lastChapter === -1) return null;
      if (before === 'to' || before === 'have' || before === 'be') {
        if (before !== 'have') return null;
      }
      return { subject: subject(), explicit: explicitSelf() };
    }
    case 'finishTitle': {
      if (before === 'to' || before === 'have') return null;
      return { subject: subject(), explicit: false };
    }
    case 'noun':
    case 'base': {
      // An event named by a noun: "did a 7.5 km run", "went for a 6 mile run", "a long call with Mum".
      // Up to one modifier may sit between the determiner (or amount) and the noun: "a 12 km trail run".
      const introduces = (at: number): boolean => {
        const token = tokens[at];
        if (!token || at < clause.start) return false;
        return (
          DETERMINERS.has(token.norm) ||
          token.kind === 'number' ||
          normaliseUnit(token.norm) !== null ||
          token.possessive ||
          COMPLETION.has(token.norm) ||
          MODIFIERS.has(token.norm)
        );
      };
      const named =
        introduces(i - 1) ||
        (tokens[i - 1]?.kind === 'word' && introduces(i - 2)) ||
        ((before === 'to' || before === 'of') &&
          rangeHas(
            tokens,
            clause.start,
            i - 1,
            (t) => COMPLETION.has(t.norm) || normaliseUnit(t.norm) !== null,
          )) ||
        (trigger.form === 'noun' && i === clause.start);
      if (!named) return null;
      if (
        trigger.family === 'call' &&
        !/^(?:with|to|from)$/.test(next) &&
        !rangeHas(
          tokens,
          clause.start,
          clause.end,
          (t) => t !== tokens[i] && (PHONE_CUES.has(t.norm) || t.norm === 'gave'),
        )
      ) {
        return null;
      }
      const possessor = tokens[i - 1]?.possessive ? tokens[i - 1] : null;
      const ownerWord = rangeFind(
        tokens,
        clause.start,
        i,
        (t) => t.possessive || /^(?:his|her|their)$/.test(t.norm),
      );
      if ((possessor && !SELF.has(possessor.norm)) || ownerWord !== -1) return null;
      const completion = rangeFind(
        tokens,
        clause.start,
        clause.end,
        (t) =>
          (COMPLETION.has(t.norm) || (trigger.family === 'call' && CALL_STATES.has(t.norm))) &&
          t !== tokens[i],
      );
      if (completion !== -1) {
        const who = subjectOf(tokens, completion, clause.start, sentenceStart);
        return { subject: who, explicit: false };
      }
      if (!hasTimeWord && !rangeHas(tokens, clause.start, clause.end, (t) => t.norm === 'done')) return null;
      if (rangeHas(tokens, clause.start, clause.end, (t) => PRESENT_COPULAS.has(t.norm))) return null;
      // A verbless fragment: "Great 5k run this morning".
      const verbLike = rangeHas(
        tokens,
        clause.start,
        i,
        (t) =>
          t.kind === 'word' &&
          !DETERMINERS.has(t.norm) &&
          !STOP_WORDS.has(t.norm) &&
          !TIME_WORDS.has(t.norm) &&
          normaliseUnit(t.norm) === null,
      );
      return verbLike ? null : { subject: 'self', explicit: false };
    }
    default:
      return null;
  }
}

function rangeHas(
  tokens: readonly Token[],
  from: number,
  to: number,
  test: (token: Token) => boolean,
): boolean {
  return rangeFind(tokens, from, to, test) !== -1;
}

function rangeFind(
  tokens: readonly Token[],
  from: number,
  to: number,
  test: (token: Token) => boolean,
): number {
  for (let i = Math.max(0, from); i < Math.min(to, tokens.length); i += 1) if (test(tokens[i]!)) return i;
  return -1;
}

function detectInSentence(
  text: string,
  tokens: readonly Token[],
  from: number,
  to: number,
  ctx: ProgressContext,
  out: ProgressSignal[],
): void {
  let phoneCue = false;
  let hasTimeWord = false;
  let future = false;
  for (let i = from; i < to; i += 1) {
    const norm = tokens[i]!.norm;
    if (PHONE_CUES.has(norm)) phoneCue = true;
    if (TIME_WORDS.has(norm)) hasTimeWord = true;
    if (FUTURE_WORDS.has(norm)) future = true;
  }
  if (future && !hasTimeWord) {
    // "tomorrow", "next week" with nothing in the past: a plan.
    const pastVerb = rangeHas(
      tokens,
      from,
      to,
      (t) => ACTIVITY_WORDS.get(t.norm)?.forms.includes('past') === true,
    );
    if (!pastVerb) return;
  }
  const triggers = findTriggers(tokens, from, to, phoneCue);
  if (triggers.length === 0) {
    const orphan = orphanDistance(text, tokens, from, to, ctx);
    if (orphan) out.push(orphan);
    return;
  }
  let lastSubject: Subject | null = null;
  const taken = new Set<number>();
  for (const [n, trigger] of triggers.entries()) {
    if (taken.has(trigger.index)) continue;
    const clause = clauseAround(tokens, trigger.index, from, to);
    const nextTrigger = triggers[n + 1];
    if (nextTrigger && nextTrigger.index < clause.end && nextTrigger.index > trigger.index) {
      // "finished reading Dune": one event; "went running": the ing is the event.
      if (trigger.form === 'finish' && nextTrigger.family === 'read') {
        taken.add(nextTrigger.index);
      }
    }
    const clauseWords = clause;
    if (blockedByNegationOrPlan(tokens, clauseWords.start, clauseWords.end, trigger.index)) continue;
    if (
      trigger.family === 'run' ||
      trigger.family === 'walk' ||
      trigger.family === 'swim' ||
      trigger.family === 'cycle'
    ) {
      if (trigger.form === 'past' && PARTICLES_AFTER_RUN.has(tokens[trigger.index + 1]?.norm ?? '')) {
        const laterAmount = findQuantities(tokens, trigger.index + 1, clause.end, trigger.family);
        if (laterAmount.length === 0) continue;
      }
    }
    let quantities = findQuantities(tokens, clause.start, clause.end, trigger.family);
    const done = isDone(tokens, trigger, clause, from, quantities, hasTimeWord);
    if (!done) continue;
    let subject = done.subject;
    const hasOwnSubject = subjectWordBefore(tokens, trigger.index, clause.start) !== null;
    if (!hasOwnSubject && clause.afterConjunction && lastSubject !== null) subject = lastSubject;
    if (hasOwnSubject || !clause.afterConjunction) lastSubject = subject;
    if (subject !== 'self') continue;
    if (habitual(tokens, clause.start, clause.end)) continue;

    const family =
      trigger.form === 'finish' || trigger.form === 'finishTitle' || trigger.form === 'finishIdiom'
        ? 'read'
        : trigger.family;
    if (DISTANCE_FAMILIES.has(family) && !quantities.some((q) => q.unit === 'km')) {
      // "Seven k along the canal, furthest I've run all year": the distance said in a fragment of the sentence.
      const borrowed = fragmentAmount(tokens, from, to, triggers, family);
      if (borrowed) quantities = [borrowed, ...quantities];
    }
    const amount = chooseAmount(family, quantities, trigger, tokens, clause);
    if (!amount) continue;
    const used = new Set<number>([trigger.index]);
    for (const q of quantities) for (let k = q.from; k < q.to; k += 1) used.add(k);
    const first = tokens[clause.start]!;
    const last = tokens[clause.end - 1]!;
    let confidence = done.explicit ? 0.9 : 0.8;
    if (trigger.form === 'communication') confidence = 0.75;
    if (trigger.form === 'finishTitle') confidence = 0.5;
    if (amount.unit === 'times') confidence -= 0.05;
    if (amount.assumed) confidence = Math.min(confidence, 0.6);
    out.push({
      activity: family,
      amount: roundAmount(amount.amount),
      unit: amount.unit,
      at: timeMentioned(tokens, from, to, ctx),
      evidence: text.slice(first.start, last.end),
      confidence: Math.round(confidence * 100) / 100,
      // Whom a call was with may sit in the clause before ("Mom and I talked on the phone").
      about:
        family === 'call'
          ? aboutWordsIn(tokens, from, to, used)
          : aboutWordsIn(tokens, clause.start, clause.end, used),
    });
  }
}

interface Clause {
  start: number;
  end: number;
  afterConjunction: boolean;
}

/** Families whose progress is a distance that may be said apart from the verb. */
const DISTANCE_FAMILIES = new Set(['run', 'walk', 'swim', 'cycle']);
/** Words that may open a fragment before its amount: "another 5k", "a solid seven k", "easy 10 km". */
const FRAGMENT_OPENERS = new Set(
  'another solid decent steady cheeky gentle whole full easy good great nice lovely quick long short slow fast brisk sunny rainy wet cold muddy hilly flat first'.split(
    ' ',
  ),
);

/**
 * The amount a verbless fragment opens with ("Seven k along the canal just now", "another 5k this morning"): at the
 * start of its clause (after at most a determiner, an adjective or an interjection), in a clause with no activity
 * word of its own, no one else's name or possession, and nothing that negates it or makes it a plan. Null when none.
 */
function fragmentAmount(
  tokens: readonly Token[],
  from: number,
  to: number,
  triggers: readonly Trigger[],
  family: string,
): Quantity | null {
  let start = from;
  for (let i = from; i <= to; i += 1) {
    const token = tokens[i];
    if (i < to && token && !isBoundary(token)) continue;
    const end = i;
    const hasTrigger = triggers.some((t) => t.index >= start && t.index < end);
    if (!hasTrigger && end > start) {
      const amount = findQuantities(tokens, start, end, family).find((q) => q.unit === 'km');
      if (
        amount &&
        opensFragment(tokens, start, amount.from) &&
        !blockedByNegationOrPlan(tokens, start, end, end)
      )
        return amount;
    }
    start = i + 1;
  }
  return null;
}

/** True when only openers (determiners, adjectives, interjections, adverbs) stand between `start` and `at`. */
function opensFragment(tokens: readonly Token[], start: number, at: number): boolean {
  for (let j = start; j < at; j += 1) {
    const token = tokens[j]!;
    if (token.kind !== 'word' || token.possessive) return false;
    const norm = token.norm;
    if (/^(?:his|her|their|your|its)$/.test(norm)) return false;
    if (
      !(DETERMINERS.has(norm) && norm !== 'that') &&
      !MODIFIERS.has(norm) &&
      !FRAGMENT_OPENERS.has(norm) &&
      !INTERJECTIONS.has(norm) &&
      !ADVERBS.has(norm)
    )
      return false;
  }
  return true;
}

/** The clause around a trigger: from the boundary before it to the boundary after it, within the sentence. */
function clauseAround(tokens: readonly Token[], index: number, from: number, to: number): Clause {
  let start = index;
  while (start > from && !isBoundary(tokens[start - 1]!)) start -= 1;
  let end = index + 1;
  while (end < to && !isBoundary(tokens[end]!)) end += 1;
  const afterConjunction = start > from && tokens[start - 1]!.kind === 'word';
  return { start, end, afterConjunction };
}

function blockedByNegationOrPlan(
  tokens: readonly Token[],
  start: number,
  end: number,
  index: number,
): boolean {
  for (let i = start; i < end; i += 1) {
    const token = tokens[i]!;
    if (token.kind !== 'word') continue;
    const norm = token.norm;
    if (
      NEGATIONS.has(norm) ||
      norm.endsWith("n't") ||
      (norm.endsWith('nt') && /^(?:didnt|dont|havent|hasnt|wasnt|couldnt|cant|wont)$/.test(norm))
    ) {
      return true;
    }
    if (i < index && MODALS.has(norm)) {
      if (norm === 'going' && tokens[i + 1]?.norm !== 'to') continue;
      if ((norm === "i'd" || norm === "we'd") && !/^(?:like|love|rather)$/.test(tokens[i + 1]?.norm ?? ''))
        continue;
      return true;
    }
    if (
      (norm === 'have' || norm === 'has' || norm === 'got' || norm === 'need') &&
      tokens[i + 1]?.norm === 'to' &&
      i < index
    ) {
      return true;
    }
  }
  return false;
}

function habitual(tokens: readonly Token[], start: number, end: number): boolean {
  for (let i = start; i < end; i += 1) if (HABITUAL.has(tokens[i]!.norm)) return true;
  return false;
}

function chooseAmount(
  family: string,
  quantities: readonly Quantity[],
  trigger: Trigger,
  tokens: readonly Token[],
  clause: Clause,
): { amount: number; unit: string; assumed: boolean } | null {
  const allowed = UNITS_BY_FAMILY[family];
  if (allowed) {
    for (const unit of allowed) {
      const found = quantities.find((q) => q.unit === unit);
      if (found) return found;
    }
  } else if (quantities[0]) {
    return quantities[0];
  }
  if (family === 'read') {
    if (trigger.form === 'finishTitle' || trigger.form === 'finishIdiom')
      return { amount: 1, unit: 'books', assumed: false };
    const finished =
      trigger.form === 'finish' ||
      rangeHas(tokens, clause.start, trigger.index, (t) => t.norm === 'finished' || t.norm === 'completed');
    const book = rangeHas(
      tokens,
      clause.start,
      clause.end,
      (t) => BOOK_CUES.has(t.norm) || t.norm === 'chapter',
    );
    if (finished && book) return { amount: 1, unit: 'books', assumed: false };
    if (finished && trigger.form === 'ing') return { amount: 1, unit: 'books', assumed: false };
    return null;
  }
  if (NEEDS_AMOUNT.has(family)) return null;
  return { amount: 1, unit: 'times', assumed: false };
}

/** Activities an amount implies when no activity word is said: "got my 5k done", "got through 50 pages". */
const ACTIVITY_OF_UNIT: Record<string, string> = {
  km: 'run',
  pages: 'read',
  chapters: 'read',
  books: 'read',
  words: 'write',
  steps: 'walk',
};

/**
 * "got my 5k done", "knocked out 8 km", "got through 50 pages", "banged out 2,000 words": an amount whose unit implies
 * the activity, and a completion verb, with no activity word.
 */
function orphanDistance(
  text: string,
  tokens: readonly Token[],
  from: number,
  to: number,
  ctx: ProgressContext,
): ProgressSignal | null {
  const distance = findQuantities(tokens, from, to, 'run').find((q) => q.unit in ACTIVITY_OF_UNIT);
  if (!distance) return null;
  const activity = ACTIVITY_OF_UNIT[distance.unit] ?? 'run';
  // A completion verb, or a past phrasal verb of effort: "pounded out", "racked up", "polished off".
  const completion = rangeFind(
    tokens,
    from,
    to,
    (t) =>
      COMPLETION.has(t.norm) ||
      (t.kind === 'word' &&
        /ed$/.test(t.norm) &&
        /^(?:out|up|off|in|through)$/.test(tokens[tokens.indexOf(t) + 1]?.norm ?? '')),
  );
  if (completion === -1) {
    // A verbless fragment that opens with the amount and says when, in the past: "Seven k along the canal just
    // now!", "5k this morning", "another 10 km earlier".
    if (!opensFragment(tokens, from, distance.from) || !saysJustDone(tokens, from, to)) return null;
  }
  if (blockedByNegationOrPlan(tokens, from, to, to)) return null;
  if (habitual(tokens, from, to)) return null;
  if (completion !== -1 && subjectOf(tokens, completion, from, from) !== 'self') return null;
  // "did 7k of admin": an amount of something else.
  if (distance.unit === 'km' && tokens[distance.to]?.norm === 'of') return null;
  const owner = tokens[distance.from - 1];
  if (owner?.possessive || /^(?:his|her|their|your)$/.test(owner?.norm ?? '')) return null;
  const used = new Set<number>();
  for (let k = distance.from; k < distance.to; k += 1) used.add(k);
  return {
    activity,
    amount: roundAmount(distance.amount),
    unit: distance.unit,
    at: timeMentioned(tokens, from, to, ctx),
    evidence: text.slice(tokens[from]!.start, tokens[to - 1]!.end),
    confidence: 0.6,
    about: aboutWordsIn(tokens, from, to, used),
  };
}

/** Times that place a fragment in the recent past: "just now", "earlier", "this morning", "yesterday", "an hour ago". */
function saysJustDone(tokens: readonly Token[], from: number, to: number): boolean {
  for (let i = from; i < to; i += 1) {
    const norm = tokens[i]!.norm;
    if (FUTURE_WORDS.has(norm)) return false;
  }
  for (let i = from; i < to; i += 1) {
    const norm = tokens[i]!.norm;
    const next = tokens[i + 1]?.norm ?? '';
    if (norm === 'earlier' || norm === 'yesterday' || norm === 'ago') return true;
    if (norm === 'just' && next === 'now') return true;
    if (norm === 'this' && /^(?:morning|afternoon|evening|lunchtime)$/.test(next)) return true;
    if ((norm === 'last' && next === 'night') || norm === 'lunchtime') return true;
  }
  return false;
}

const DISPLAY_DISTANCE = /\b(?:distance|dist)\b\W{0,3}(\d+(?:[.,]\d+)?)\s*(km|kms|mi|miles?|m)\b/i;
const DISPLAY_LABELS =
  /\b(?:time|pace|calories|kcal|cal|speed|incline|heart rate|bpm|elapsed|avg|duration|laps?)\b/gi;
const LOOSE_DISTANCE = /\b(\d+(?:[.,]\d+)?)\s*(km|mi)\b/i;

/** A fitness display read by the camera: "DISTANCE 5.02 KM  TIME 28:14" is a run (or a ride, a swim). */
function detectDisplay(text: string, ctx: ProgressContext): ProgressSignal | null {
  let match = DISPLAY_DISTANCE.exec(text);
  if (!match) {
    const labels = text.match(DISPLAY_LABELS)?.length ?? 0;
    if (labels < 2) return null;
    match = LOOSE_DISTANCE.exec(text);
    if (!match) return null;
  }
  const value = readNumber(match[1] ?? '');
  const reading = normaliseUnit((match[2] ?? '').toLowerCase());
  if (Number.isNaN(value) || !reading || value <= 0) return null;
  const activity = /\b(?:rpm|watts?|cycl\w*|bike|spin|cadence)\b/i.test(text)
    ? 'cycle'
    : /\b(?:swim\w*|pool|lengths|swolf|strokes?)\b/i.test(text)
      ? 'swim'
      : /\b(?:steps|walk\w*)\b/i.test(text)
        ? 'walk'
        : 'run';
  return {
    activity,
    amount: roundAmount(value * reading.factor),
    unit: reading.unit,
    at: ctx.capturedAt,
    evidence: match[0],
    confidence: 0.5,
    about: [],
  };
}

/** A reading app's end-of-book screen: "You've finished Piranesi | Rate this book", "Book finished! … ★★★★★". */
const READING_DONE =
  /\b(?:you(?:'ve|’ve| have)?\s+(?:just\s+)?(?:finished|completed)\s+\S|(?:book|novel|audiobook)\s+(?:finished|completed)\b)/i;
const READING_APP_CUES =
  /\brate\s+(?:this|the)\s+(?:book|novel|read)\b|\breview\b|[☆★]|\bwhat did you think\b|\bnext in (?:the )?series\b/i;

function detectReadingDisplay(text: string, ctx: ProgressContext): ProgressSignal | null {
  const match = READING_DONE.exec(text);
  if (!match || !READING_APP_CUES.test(text)) return null;
  return {
    activity: 'read',
    amount: 1,
    unit: 'books',
    at: ctx.capturedAt,
    evidence: match[0],
    confidence: 0.5,
    about: [],
  };
}

const PHONE_WORDS = new Set(['phone', 'telephone', 'facetime', 'zoom', 'whatsapp', 'skype', 'video', 'call']);
const COMPLETION_AND_COMMUNICATION = new Set([
  ...COMPLETION,
  ...COMMUNICATION,
  'worked',
  'finished',
  'completed',
]);

function aboutWordsIn(
  tokens: readonly Token[],
  start: number,
  end: number,
  used: ReadonlySet<number>,
): string[] {
  const about: string[] = [];
  for (let i = start; i < end; i += 1) {
    const token = tokens[i]!;
    if (token.kind !== 'word' || used.has(i)) continue;
    const word = token.norm;
    if (word.length < 2 || STOP_WORDS.has(word) || ACTIVITY_WORDS.has(word) || TIME_WORDS.has(word)) continue;
    if (PHONE_WORDS.has(word) || COMPLETION_AND_COMMUNICATION.has(word) || NEGATIONS.has(word)) continue;
    if (BOOK_CUES.has(word) || normaliseUnit(word) !== null || NUMBER_WORDS.has(word)) continue;
    if (/(?:ly|ing)$/.test(word)) continue;
    if (!about.includes(word)) about.push(word);
  }
  return about;
}

/** The time a sentence names for what happened ("this morning", "yesterday evening", "on Saturday"), never after capture. */
function timeMentioned(tokens: readonly Token[], from: number, to: number, ctx: ProgressContext): number {
  let found = -1;
  for (let i = from; i < to; i += 1) {
    if (TIME_WORDS.has(tokens[i]!.norm)) {
      found = i;
      break;
    }
  }
  if (found === -1) return ctx.capturedAt;
  const { capturedAt, timezone } = ctx;
  const wall = wallClockAt(capturedAt, timezone);
  const today: CalendarDate = { year: wall.year, month: wall.month, day: wall.day };
  const words = new Set<string>();
  for (let i = from; i < to; i += 1) words.add(tokens[i]!.norm);
  const partHour = (fallback: number) =>
    words.has('morning') || words.has('breakfast')
      ? words.has('breakfast') && !words.has('morning')
        ? 7
        : 8
      : words.has('lunch') || words.has('lunchtime')
        ? 12.5
        : words.has('afternoon')
          ? 15
          : words.has('evening') || words.has('dinner')
            ? 19
            : words.has('night') || words.has('tonight')
              ? 21
              : fallback;
  let date = today;
  let hour: number | null = null;
  if (words.has('yesterday')) {
    date = addDays(today, -1);
    hour = partHour(12);
  } else if (words.has('last') && (words.has('night') || words.has('evening'))) {
    date = addDays(today, -1);
    hour = 21;
  } else if (words.has('ago')) {
    const agoAt = rangeFind(tokens, from, to, (t) => t.norm === 'ago');
    const unit = tokens[agoAt - 1]?.norm ?? '';
    const count = tokens[agoAt - 2];
    const n = count
      ? count.kind === 'number'
        ? readNumber(count.norm)
        : (NUMBER_WORDS.get(count.norm) ?? 1)
      : 1;
    if (/^days?$/.test(unit) && Number.isFinite(n)) {
      date = addDays(today, -n);
      hour = 12;
    } else if (/^(?:hours?|hrs?)$/.test(unit) && Number.isFinite(n)) {
      return capturedAt - n * 3_600_000;
    } else {
      return capturedAt;
    }
  } else if (words.has('weekend') && words.has('last')) {
    const back = ((wall.weekday - 6 + 7) % 7) + (wall.weekday === 6 ? 7 : 0);
    date = addDays(today, -back);
    hour = 12;
  } else {
    const weekday = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].findIndex(
      (name) => words.has(name),
    );
    if (weekday !== -1) {
      const back = (wall.weekday - weekday + 7) % 7;
      date = addDays(today, -back);
      hour = partHour(12);
    } else {
      hour = partHour(-1);
      if (hour === -1) return capturedAt;
    }
  }
  const whole = Math.floor(hour);
  const at = zonedTimeToEpoch(date, whole, Math.round((hour - whole) * 60), timezone);
  return Math.min(at, capturedAt);
}

function roundAmount(value: number): number {
  return Math.round(value * 100) / 100;
}

function dedupe(signals: readonly ProgressSignal[]): ProgressSignal[] {
  const seen = new Set<string>();
  const kept: ProgressSignal[] = [];
  for (const signal of signals) {
    const key = `${signal.activity}\u0000${signal.amount}\u0000${signal.unit}\u0000${signal.evidence}`;
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(signal);
  }
  return kept;
}

// ---------------------------------------------------------------------------------------------------------------
// Matching signals to goals

/** True when the signal mentions one of the goal's `about` words (or a word for the same person: mum, mom, mother). */
function mentionsAbout(goal: Goal, signal: ProgressSignal): boolean {
  if (goal.about.length === 0) return true;
  const said = new Set(signal.about.map((word) => word.toLowerCase()));
  return goal.about.some((word) => aboutVariants(word).some((variant) => said.has(variant)));
}

/**
 * The active goal a progress signal counts toward, and how much in the goal's unit: the same activity family
 * (run/jog, read/book, call/phone/ring), the goal's `about` words present, and a unit that converts (a 5 km run
 * toward a km goal; one call is 1 toward a cadence goal in times). Signals before a goal's `startedAt` do not count.
 * With several candidates, the one with `about` words wins, then the one whose unit matches, then the oldest.
 */
export function matchGoal(
  goals: readonly Goal[],
  signal: ProgressSignal,
): { goal: Goal; amount: number } | null {
  const family = activityFamily(signal.activity);
  let best: { goal: Goal; amount: number; score: number } | null = null;
  for (const goal of goals) {
    if (goal.status !== 'active' || signal.at < goal.startedAt) continue;
    if (activityFamily(goal.activity) !== family) continue;
    if (!mentionsAbout(goal, signal)) continue;
    const amount = amountFor(goal, signal);
    if (amount === null || amount <= 0) continue;
    const score =
      (goal.about.length > 0 ? 4 : 0) + (unitFactor(signal.unit, goal.target.unit) !== null ? 2 : 0);
    if (!best || score > best.score || (score === best.score && goal.createdAt < best.goal.createdAt)) {
      best = { goal, amount, score };
    }
  }
  return best ? { goal: best.goal, amount: best.amount } : null;
}

/** The signal's amount in the goal's unit, or null when it cannot count toward it. */
function amountFor(goal: Goal, signal: ProgressSignal): number | null {
  const unit = goal.target.unit;
  if (OCCURRENCE_UNITS.has(normaliseUnit(unit)?.unit ?? unit)) return 1;
  const factor = unitFactor(signal.unit, unit);
  if (factor !== null) return roundAmount(signal.amount * factor);
  // One finished book toward a goal counted in books is 1; an occurrence cannot become kilometres.
  return null;
}
