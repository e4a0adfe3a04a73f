import { z } from 'zod';
import { isValidTimeZone, ValidationError } from '../../kernel/index.ts';
import type { ExtractedFact, FactKind } from './extracted-fact.ts';
import { type FoundDate, findDates, formatLocalDate } from './find-dates.ts';
import { analyseSentence, infinitive, type SentenceAnalysis, startsWithVerb } from './language-tools.ts';

/** What an extractor needs to know about when and by whom the text was said. */
export const ExtractionContextSchema = z.object({
  capturedAt: z.number().int().describe('Epoch ms when the text was captured: the reference for "tomorrow".'),
  timezone: z.string().refine(isValidTimeZone, 'an IANA time zone such as Europe/Lisbon'),
  speaker: z.string().min(1).nullable().describe("The speaker's name when known; null means the wearer."),
  selfName: z.string().min(1).optional().describe("The wearer's own name, so it maps to 'self'."),
  userId: z.string().min(1).optional().describe('Whose memory this is, for extractors that call a model.'),
});

/** When and by whom a piece of text was said; first-person facts are about `speaker ?? 'self'`. */
export type ExtractionContext = z.infer<typeof ExtractionContextSchema>;

/** The port every fact extractor implements: rule-based here, model-backed later. */
export interface FactExtractor {
  /** A short name for logs and evaluations, e.g. "rules". */
  readonly name: string;
  /** The facts the text asserts; questions, negations and hypotheticals assert none. */
  extract(text: string, context: ExtractionContext): ExtractedFact[] | Promise<ExtractedFact[]>;
}

/** The offline extractor: synchronous, milliseconds per sentence. */
export interface RuleFactExtractor extends FactExtractor {
  extract(text: string, context: ExtractionContext): ExtractedFact[];
}

/** Options of the rule-based extractor. */
export interface RuleFactExtractorOptions {
  /** Facts below this confidence are dropped (default 0.3). */
  minConfidence?: number;
}

// ---------------------------------------------------------------------------------------------------------
// Text normalisation that remembers where every character came from, so spans stay exact.

interface Normalised {
  text: string;
  /** origin[i] is the index in the original text of normalised character i; one extra entry for the end. */
  origin: number[];
}

const CONTRACTIONS: [RegExp, (match: string, ...groups: string[]) => string][] = [
  [/\b(I)'m\b/, (_m, who = '') => `${who} am`],
  [/\b(I|you|we|they|he|she|it|that)'ll\b/, (_m, who = '') => `${who} will`],
  [/\b(I|you|we|they)'ve\b/, (_m, who = '') => `${who} have`],
  [/\b(I|you|we|they|he|she)'d\b/, (_m, who = '') => `${who} would`],
  [/\b(you|we|they)'re\b/, (_m, who = '') => `${who} are`],
  [/\b(he|she|it|that|there|who|what)'s\b/, (_m, who = '') => `${who} is`],
  [/\b(let)'s\b/, (_m, word = '') => `${word} us`],
  [/\b(can)'t\b/, (_m, word = '') => `${word} not`],
  [/\b(can)not\b/, (_m, word = '') => `${word} not`],
  [/\b(w)on't\b/, (_m, w = '') => `${w}ill not`],
  [/\b(\w+)n't\b/, (_m, word = '') => `${word} not`],
  [/\b(g)onna\b/, (_m, g = '') => `${g}oing to`],
  [/\b(w)anna\b/, (_m, w = '') => `${w}ant to`],
  [/\b(g)otta\b/, (_m, g = '') => `${g}ot to`],
];
const CONTRACTION_PATTERN = new RegExp(CONTRACTIONS.map(([re]) => `(?:${re.source})`).join('|'), 'gi');

function normalise(original: string): Normalised {
  const straight = original.replace(/[\u2018\u2019\u02bc`]/gu, "'").replace(/[\u201c\u201d]/gu, '"');
  let text = '';
  const origin: number[] = [];
  let last = 0;
  for (const match of straight.matchAll(CONTRACTION_PATTERN)) {
    const start = match.index;
    for (let i = last; i < start; i++) {
      text += straight[i];
      origin.push(i);
    }
    const found = match[0];
    const rule = CONTRACTIONS.find(([re]) => new RegExp(`^(?:${re.source})$`, 'i').test(found));
    let replacement = found;
    if (rule) {
      const groups = new RegExp(`^(?:${rule[0].source})$`, 'i').exec(found)?.slice(1) ?? [];
      replacement = rule[1](found, ...groups.map((g) => g ?? ''));
    }
    for (let i = 0; i < replacement.length; i++) {
      text += replacement[i];
      origin.push(start + Math.min(i, found.length - 1));
    }
    last = start + found.length;
  }
  for (let i = last; i < straight.length; i++) {
    text += straight[i];
    origin.push(i);
  }
  origin.push(straight.length);
  return { text, origin };
}

// ---------------------------------------------------------------------------------------------------------
// Word lists.

const ABBREVIATIONS = new Set([
  'dr',
  'mr',
  'mrs',
  'ms',
  'st',
  'prof',
  'jr',
  'sr',
  'vs',
  'etc',
  'e.g',
  'i.e',
  'mt',
]);
const PRONOUN_OBJECTS = new Set([
  'it',
  'that',
  'this',
  'them',
  'him',
  'her',
  'you',
  'me',
  'us',
  'those',
  'these',
  'myself',
  'yourself',
  'home',
  'there',
  'here',
  'one',
  'something',
  'anything',
  'everything',
  'nothing',
]);
const NOT_NAMES = new Set(
  (
    'I My Our We You He She They It The A An This That These Those Yesterday Today Tomorrow Tonight Lunch Dinner ' +
    'Breakfast Coffee Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May ' +
    'June July August September October November December Mom Mum Dad Grandma Grandpa Also Then So But And Just ' +
    'Hey Hi Oh Ok Okay Yes No Maybe Please Thanks Remind Let Had Met Went Called Need Have Going Can Could Would ' +
    'Should Will Do Does Did Is Are Was Were Christmas Easter Halloween Thanksgiving God Note Call Meeting Last Next ' +
    'Since When If After Before Our Their His Her Your Who What Where Why How Dear Sir Madam Team Everyone ' +
    'English Spanish French German Italian Portuguese Japanese Chinese Mandarin Cantonese Korean Arabic Hindi ' +
    'Russian Dutch Swedish Greek Turkish Polish Thai Vietnamese Hebrew Latin Urdu Bengali Swahili Tagalog Irish'
  ).split(' '),
);
const ROLE_NOUNS =
  'mother|mom|mum|father|dad|parents?|sister|brother|siblings?|sons?|daughters?|kids?|child|children|wife|husband|' +
  'partner|spouse|boyfriend|girlfriend|fianc[ée]e?|friends?|boss|manager|colleagues?|co-?workers?|teammates?|' +
  'neighbou?rs?|room-?mates?|flatmates?|housemates?|cousins?|aunt|auntie|uncle|niece|nephew|grandmother|grandma|' +
  'grandfather|grandpa|grandparents?|grandson|granddaughter|grandchildren|grandkids?|mother-in-law|father-in-law|' +
  'sister-in-law|brother-in-law|stepmother|stepfather|stepsister|stepbrother|stepson|stepdaughter|doctor|dentist|' +
  'therapist|landlord|landlady|mentor|clients?|assistant|ex|ex-wife|ex-husband|ex-boyfriend|ex-girlfriend|' +
  'classmates?|godmother|godfather|goddaughter|godson|babysitter|nanny|coach|teacher|lawyer|accountant|trainer|' +
  'vet|supervisor|employees?|students?|advisor|adviser|doctor|physio|tutor|pastor|priest|rabbi|imam|bestie|buddy|' +
  'pal|mate|twin|cat|dog';
const ROLE_MODIFIERS =
  '(?:(?:older|younger|little|big|baby|old|new|dear|close|eldest|oldest|youngest|current|twin|best|ex|former|' +
  'childhood|college|school|work|other|favou?rite|step|half|future)\\s+)*';
const KEPT_MODIFIERS = new Set(['best', 'ex', 'former', 'step', 'half', 'twin', 'childhood', 'future']);
const ATTRIBUTE_ADJECTIVES: Record<string, string> = {
  vegetarian: 'diet',
  vegan: 'diet',
  pescatarian: 'diet',
  'gluten-free': 'diet',
  'lactose intolerant': 'diet',
  kosher: 'diet',
  halal: 'diet',
  diabetic: 'health',
  celiac: 'health',
  coeliac: 'health',
  asthmatic: 'health',
  epileptic: 'health',
  pregnant: 'health',
  sober: 'health',
  'colou?r ?blind': 'health',
  deaf: 'health',
  blind: 'health',
  'left-handed': 'handedness',
  'right-handed': 'handedness',
  married: 'marital_status',
  single: 'marital_status',
  divorced: 'marital_status',
  engaged: 'marital_status',
  widowed: 'marital_status',
  separated: 'marital_status',
  retired: 'occupation',
  unemployed: 'occupation',
  'self-employed': 'occupation',
  introverted: 'personality',
  extroverted: 'personality',
  'an introvert': 'personality',
  'an extrovert': 'personality',
  'a morning person': 'chronotype',
  'a night owl': 'chronotype',
  catholic: 'religion',
  christian: 'religion',
  muslim: 'religion',
  jewish: 'religion',
  hindu: 'religion',
  buddhist: 'religion',
  atheist: 'religion',
  'an atheist': 'religion',
};
const ATTRIBUTE_ADJECTIVE_PATTERN = Object.keys(ATTRIBUTE_ADJECTIVES).join('|');
const ADJECTIVE_OBJECT = new RegExp(`^(?:${ATTRIBUTE_ADJECTIVE_PATTERN})$`, 'i');
const NOT_IDENTITY_NOUNS =
  /^(?:bit|little|lot|fan|mess|wreck|way|part|member|couple|few|kind|sort|lot of|little bit|good|great|big|huge|real|total|pain|nightmare|joke|fool|idiot|genius|natural|believer|sucker)\b/i;
const OCCUPATION_WORDS =
  /(?:er|or|ist|ian|ant|ent|nurse|doctor|chef|cook|pilot|dentist|vet|medic|surgeon|paramedic|engineer|architect|attorney|student|designer|developer|programmer|barista|consultant|analyst|scientist|artist|writer|editor|journalist|farmer|plumber|electrician|carpenter|mechanic|soldier|officer|ceo|cto|founder|freelancer)$/i;
const POSSESSIONS =
  /^(?:(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a couple of|several)\s+(?:\w+\s+)?(?:kids?|children|child|sons?|daughters?|brothers?|sisters?|siblings?|dogs?|cats?|pets?|horses?|birds?|parrots?|rabbits?|hamsters?|fish|cars?|bikes?|houses?|grandchildren|grandkids?|jobs?|degrees?|tattoos?|roommates?)|an?\s+(?:\w+\s+)?(?:dog|cat|puppy|kitten|pet|horse|parrot|rabbit|hamster|car|bike|motorbike|motorcycle|house|flat|apartment|cottage|boat|tattoo|degree|phd|masters|son|daughter|brother|sister|twin|kid|baby|garden|allotment|peanut allergy|nut allergy)|asthma|diabetes|migraines|adhd|autism|dyslexia|celiac disease|coeliac disease|arthritis|eczema|epilepsy|insomnia|high blood pressure|hay ?fever)\b/i;
const DISCOURSE_VERBS =
  /^(?:say|admit|tell you|know|think|confess|go now|be honest|agree|ask|see|wonder|check|figure out|get going)\b/i;
const IDIOMS =
  /\b(?:fish and chips|rock and roll|salt and pepper|mac and cheese|bread and butter|peanut butter and jelly|drum and bass|r and b|black and white)\b/i;

const ADVERBS =
  '(?:(?:really|also|still|actually|just|totally|absolutely|honestly|definitely|truly|seriously|genuinely|always|' +
  'usually|generally|finally|recently|kind of|sort of|kinda|probably|then|so|too|literally|very|now|even|mostly|' +
  'certainly|obviously|personally|secretly|simply)\\s+)*';
const HEDGES = /\b(?:maybe|probably|might|perhaps|i think|i guess|possibly|hopefully|not sure)\b/i;

// ---------------------------------------------------------------------------------------------------------
// Sentences and clauses.

interface Sentence {
  text: string;
  start: number;
}

function splitSentences(text: string): Sentence[] {
  const sentences: Sentence[] = [];
  let start = 0;
  const boundary = /[.!?]+(?=["')\]]*(?:\s|$))|\n+/g;
  for (const match of text.matchAll(boundary)) {
    const end = match.index + match[0].length;
    if (match[0].startsWith('.')) {
      const word = /([\w.]+)$/.exec(text.slice(start, match.index))?.[1]?.toLowerCase() ?? '';
      if (ABBREVIATIONS.has(word) || /^[a-z]$/i.test(word)) continue;
    }
    pushSentence(sentences, text, start, end);
    start = end;
  }
  pushSentence(sentences, text, start, text.length);
  return sentences;
}

function pushSentence(sentences: Sentence[], text: string, start: number, end: number) {
  const raw = text.slice(start, end);
  const lead = raw.length - raw.trimStart().length;
  const trimmed = raw.trim();
  if (trimmed) sentences.push({ text: trimmed, start: start + lead });
}

const CLAUSE_END =
  /[.;!?]|\s+-\s|,?\s+(?:but|so|because|since|although|though|while|whereas|when|where|which|who|if|unless|except|and then|and also|and (?:I|we|he|she|they|it|you|my|our)\b)\s*|,\s+(?:I|we|he|she|they|it|you|and|as|then|after|before|until|with|which|who|just|once|hopefully|need|needs|must|gotta|got to|have to)\b/i;
const PLAIN_CLAUSE_END =
  /[.;!?]|,\s|\s+-\s|\s+(?:but|so|because|since|although|though|while|whereas|when|where|which|who|if|unless|except|and then|and also|and (?:I|we|he|she|they|you)\b|over|rather than|instead of)\s/i;

/** The phrase from `from` to the end of its clause. */
function clauseFrom(text: string, from: number, plain = false): string {
  const rest = text.slice(from);
  const end = (plain ? PLAIN_CLAUSE_END : CLAUSE_END).exec(rest);
  return end ? rest.slice(0, end.index) : rest;
}

/**
 * A statement with a question tagged on after its last comma ("Our anniversary is on March 10th, can you believe
 * it?", "I'll send it Friday, is that ok?"): the statement before the tag, or null when the sentence is not one.
 */
function untagged(sentence: string): string | null {
  if (!/\?["')\]]*\s*$/.test(sentence)) return null;
  const comma = sentence.lastIndexOf(',');
  if (comma < 0) return null;
  const head = sentence.slice(0, comma);
  const tail = sentence.slice(comma + 1).trim();
  if (head.trim().split(/\s+/).length < 3 || isQuestionStart(head.trim())) return null;
  const tag =
    /^(?:(?:can|could|would|do|did|does|is|are|was|were|will|have|has|had|should)(?:\s+not)?\s+(?:you|it|that|they|we|he|she|i|ya)\b[^,?]{0,30}|(?:right|yeah|yes|no|eh|innit|ok|okay|you know|remember|believe it|imagine that|how (?:cool|crazy|mad|amazing|great|nice|good|weird|mental) is that|what do you think|who knew|how about that))\?["')\]]*$/i;
  return tag.test(tail) ? head : null;
}

function isQuestionStart(sentence: string): boolean {
  return /^(?:do|does|did|are|is|was|were|can|could|would|will|should|have|has|shall|what|when|where|who|whom|why|how|which)\s+(?:you|i|we|he|she|they|it|there)\b/i.test(
    sentence,
  );
}

function isQuestion(sentence: string): boolean {
  if (/\?["')\]]*\s*$/.test(sentence)) return true;
  return /^(?:do|does|did|are|is|was|were|can|could|would|will|should|have|has|shall|what|when|where|who|whom|why|how|which)\s+(?:you|i|we|he|she|they|it|there)\b/i.test(
    sentence,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Names.

const NAME_WORD = "[A-Z][\\p{L}'-]*";
const NAME_RUN = new RegExp(
  `(?:(?:Dr|Mr|Mrs|Ms|Prof|Aunt|Uncle|Auntie|Grandma|Grandpa)\\.?\\s+)?${NAME_WORD}(?:\\s+(?:(?:de|da|van|von|del|la|le|di|bin|al)\\s+)?${NAME_WORD}){0,2}`,
  'gu',
);

interface NameMention {
  name: string;
  start: number;
  end: number;
  type: 'person' | 'place' | 'organisation' | 'unknown';
}

function stripPossessive(name: string): string {
  return name.replace(/'s?$/u, '');
}

function isCapitalised(word: string): boolean {
  return /^[A-Z]/u.test(word);
}

/** Capitalised runs in a sentence that the NLP libraries take for names, typed as best they can. */
function findNames(sentence: string, analysis: SentenceAnalysis): NameMention[] {
  const names: NameMention[] = [];
  for (const match of sentence.matchAll(NAME_RUN)) {
    let words = match[0].split(/\s+/u);
    let start = match.index;
    while (words.length > 0 && NOT_NAMES.has(stripPossessive(words[0] ?? ''))) {
      start += (words[0] ?? '').length + 1;
      words = words.slice(1);
    }
    while (words.length > 0 && NOT_NAMES.has(stripPossessive(words.at(-1) ?? ''))) words = words.slice(0, -1);
    if (words.length === 0) continue;
    const name = stripPossessive(words.join(' ').replace(/[.,]+$/u, ''));
    if (!name || analysis.dateWords.has(name.toLowerCase())) continue;
    const first = stripPossessive(words[0] ?? '');
    const known =
      analysis.properNouns.has(first) ||
      analysis.people.some((p) => p.includes(first)) ||
      analysis.places.some((p) => p.includes(first)) ||
      analysis.organisations.some((p) => p.includes(first));
    const atSentenceStart = start === 0;
    const followedBySpeech =
      /^(?:'s\b|\s+(?:said|says|told|asked|mentioned|thinks|wants|will|is|was|has|had|loves|likes|hates|lives|works|called|texted|emailed|and I|just|recommended|suggested))/u.test(
        sentence.slice(start + name.length),
      );
    if (!known && !(atSentenceStart && analysis.sentenceInitialProperNouns.has(first) && followedBySpeech)) {
      if (!(followedBySpeech && !atSentenceStart)) continue;
    }
    let type: NameMention['type'] = 'unknown';
    if (analysis.people.some((p) => p.includes(name) || name.includes(p))) type = 'person';
    else if (analysis.places.some((p) => p.includes(name) || name.includes(p))) type = 'place';
    else if (analysis.organisations.some((p) => p.includes(name) || name.includes(p))) type = 'organisation';
    names.push({ name, start, end: start + name.length, type });
  }
  return names;
}

/** The leading run of capitalised words of a phrase (a proper name), or null. */
function leadingName(phrase: string): string | null {
  const match = new RegExp(`^${NAME_RUN.source}`, 'u').exec(phrase.trim());
  if (!match) return null;
  const words = match[0].split(/\s+/u);
  while (words.length > 0 && NOT_NAMES.has(stripPossessive(words.at(-1) ?? ''))) words.pop();
  if (words.length === 0 || NOT_NAMES.has(stripPossessive(words[0] ?? ''))) return null;
  return stripPossessive(words.join(' ').replace(/[.,]+$/u, ''));
}

// ---------------------------------------------------------------------------------------------------------
// Fact building.

interface Draft {
  kind: FactKind;
  subject: string;
  predicate: string;
  object: string;
  slot: string | null;
  /** Start and end in the normalised text. */
  from: number;
  to: number;
  date: FoundDate | null;
  confidence: number;
}

interface Run {
  context: ExtractionContext;
  normalised: Normalised;
  original: string;
  drafts: Draft[];
}

const PRESENT_FORMS: Record<string, [string, string]> = {
  met: ['met', 'met'],
  mentioned: ['mentioned', 'was mentioned by'],
  went_to: ['went to', 'went to'],
  visited: ['visited', 'visited'],
  lives_in: ['live in', 'lives in'],
  works_at: ['work at', 'works at'],
  is_from: ['are from', 'is from'],
  likes: ['like', 'likes'],
  dislikes: ['dislike', 'dislikes'],
  allergic_to: ['are allergic to', 'is allergic to'],
  will: ['will', 'will'],
  plans: ['plan to', 'plans to'],
  is: ['are', 'is'],
  has: ['have', 'has'],
  speaks: ['speak', 'speaks'],
};

function statementOf(draft: Draft, context: ExtractionContext): string {
  const sentence = statementText(draft, context);
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

function statementText(draft: Draft, context: ExtractionContext): string {
  const self = draft.subject === 'self';
  const who = self ? 'You' : draft.subject;
  const when = draft.date ? formatLocalDate(draft.date.at, context.timezone, draft.date.hasTime) : null;
  const owner = context.speaker && context.speaker !== draft.subject ? `${context.speaker}'s` : 'your';
  switch (draft.predicate) {
    case 'has_relationship':
      return `${draft.subject} is ${owner} ${draft.object}`;
    case 'mentioned':
      return `${context.speaker ?? 'You'} mentioned ${draft.object}`;
    case 'will':
      return `${who} will ${draft.object}${when ? ` (due ${when})` : ''}`;
    case 'plans':
      if (draft.kind === 'place')
        return `${who} ${self ? 'plan' : 'plans'} to go to ${draft.object}${when ? ` (${when})` : ''}`;
      return `${who} ${self ? 'plan' : 'plans'} to ${draft.object}${when ? ` (${when})` : ''}`;
    default: {
      const forms = PRESENT_FORMS[draft.predicate];
      if (forms) {
        const verb = self ? forms[0] : forms[1];
        const article =
          draft.predicate === 'is' && !/^\d/.test(draft.object) && !ADJECTIVE_OBJECT.test(draft.object)
            ? /^[aeiou]/i.test(draft.object)
              ? 'an '
              : 'a '
            : '';
        return `${who} ${verb} ${article}${draft.object}${when ? ` (${when})` : ''}`;
      }
      const noun = draft.predicate.replace(/_/g, ' ');
      const possessive = self ? 'Your' : `${draft.subject}'s`;
      return `${possessive} ${noun} is ${draft.object}${when ? ` (${when})` : ''}`;
    }
  }
}

function toFact(draft: Draft, run: Run): ExtractedFact {
  const { origin } = run.normalised;
  const start = origin[draft.from] ?? 0;
  const end = origin[draft.to] ?? run.original.length;
  const span = run.original.slice(start, Math.max(end, start + 1)).trim() || run.original.trim();
  return {
    kind: draft.kind,
    subject: draft.subject,
    predicate: draft.predicate,
    object: draft.object,
    slot: draft.slot,
    statement: statementOf(draft, run.context),
    span,
    validFrom: draft.date?.at ?? null,
    validTo: null,
    confidence: Math.round(draft.confidence * 100) / 100,
  };
}

function singular(word: string): string {
  if (/(?:ss|us|is)$/i.test(word)) return word;
  if (/children$/i.test(word)) return word.replace(/ren$/i, '');
  if (/ies$/i.test(word)) return word.replace(/ies$/i, 'y');
  return word.replace(/s$/i, '');
}

function slotKey(subject: string): string {
  return subject.toLowerCase();
}

/** Cuts date expressions (and the preposition before them), filler and trailing punctuation off a phrase. */
function tidyObject(phrase: string, dates: FoundDate[], phraseStart: number): string {
  let text = phrase;
  const inside = dates
    .filter((d) => d.index >= phraseStart && d.index < phraseStart + phrase.length)
    .sort((a, b) => b.index - a.index);
  for (const date of inside) {
    const at = date.index - phraseStart;
    text = `${text.slice(0, at)} ${text.slice(at + date.text.length)}`;
  }
  text = text
    .replace(
      /\s+(?:by|on|at|before|until|till|this|next|for|from|around|after|first thing|sometime|some time|later)(?=\s*$|\s+(?:by|on|at)\b)/gi,
      ' ',
    )
    .replace(/\s+(?:by|on|at|before|until|till|this|next|around|sometime|some time)\s*$/i, '')
    .replace(
      /\s+(?:anymore|any more|a lot|so much|very much|too|as well|these days|lately|though|either|again|please|ok|okay|for sure|right away|asap|later|soon|first thing|at the (?:very )?(?:latest|earliest)|if possible|if I can|at some point)\s*$/i,
      '',
    )
    .replace(/\s+(?:now)\s*$/i, '')
    .replace(/[\s,;:.!?"]+$/u, '')
    .replace(/\s{2,}/g, ' ')
    .trim();
  return text;
}

function isUsableObject(object: string): boolean {
  const lower = object.toLowerCase();
  return lower.length > 0 && !PRONOUN_OBJECTS.has(lower) && !/^(?:it|that|this|them)\b/.test(lower);
}

function dateIn(dates: FoundDate[], from: number, to: number): FoundDate | null {
  return dates.find((d) => d.index >= from && d.index < to) ?? null;
}

/** Words that may open a sentence before a fronted date ("So, tomorrow at two I'll …", "OK on Friday I'm …"). */
const FRONTED_LEAD =
  /^(?:(?:so|ok|okay|right|and|then|well|oh|um|erm|er|also|anyway|alright|yeah|yes)\b[\s,]*)*(?:(?:on|at|by|first\s+thing|sometime|some\s+time|later)\s+)?$/i;

/**
 * A date said at the start of a sentence, before the subject it belongs to: "Tomorrow at two I'll call the plumber",
 * "On Friday, I'm going to send it", "2moro remind me to …". Only the sentence's opening (after a filler word or a
 * preposition), with nothing but a comma or "then" between the date and `anchor` (where the subject starts).
 */
function frontedDate(state: SentenceState, anchor: number): FoundDate | null {
  if (anchor <= 0) return null;
  const text = state.sentence.text;
  for (const date of state.futureDates) {
    const end = date.index + date.text.length;
    if (end > anchor) break;
    if (!/^[\s,:-]*(?:then\s+)?$/i.test(text.slice(end, anchor))) continue;
    if (FRONTED_LEAD.test(text.slice(0, date.index))) return date;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// The rules.

interface SentenceState {
  run: Run;
  sentence: Sentence;
  analysis: SentenceAnalysis;
  names: NameMention[];
  /** Dates read as past or present events. */
  pastDates: FoundDate[];
  /** Dates read forwards (plans, due dates, birthdays). */
  futureDates: FoundDate[];
  hedged: boolean;
  /** Names that are the subject of a fact or the person a fact is with. */
  covered: Set<string>;
  /** People named in earlier sentences, oldest first. */
  previousPeople: string[];
}

function add(state: SentenceState, draft: Omit<Draft, 'from' | 'to'> & { from: number; to: number }) {
  const offset = state.sentence.start;
  state.run.drafts.push({
    ...draft,
    from: draft.from + offset,
    to: draft.to + offset,
    confidence: state.hedged ? draft.confidence * 0.7 : draft.confidence,
  });
}

function splitList(phrase: string): string[] {
  if (IDIOMS.test(phrase)) return [phrase];
  return phrase
    .split(/\s*,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+|\s*&\s*/i)
    .map((p) => p.trim())
    .filter(Boolean);
}

function cleanPreferenceObject(phrase: string): string {
  return phrase
    .replace(/^(?:to|the|a|an|some|all|any|most|really)\s+/i, '')
    .replace(/^(?:to|the)\s+/i, '')
    .trim();
}

function personNamesIn(phrase: string, state: SentenceState, phraseStart: number): NameMention[] {
  return state.names.filter(
    (n) =>
      n.start >= phraseStart &&
      n.start < phraseStart + phrase.length &&
      n.type !== 'place' &&
      n.type !== 'organisation',
  );
}

const NEGATED =
  /^(?:(?:do|does|did|am|is|are|was|were|will|would|can|could|should|have|has|had|must)\s+not\b|never\b|no longer\b|hardly\b)/i;

/** Rules on what follows a subject: "I [love sushi]", "Jamal [lives in Berlin]". */
function verbPhraseRules(state: SentenceState, subject: string, subjectStart: number, vpStart: number) {
  const text = state.sentence.text;
  const afterSubject = text.slice(vpStart);
  const lead = new RegExp(`^(?:,\\s+(?:my|our|the|a|an|his|her)\\s+[^,]{1,40},)?\\s*${ADVERBS}`, 'i').exec(
    afterSubject,
  );
  if (!lead) return;
  const at = vpStart + lead[0].length;
  const vp = text.slice(at);
  const firstPerson = subjectStart < 0 || /^(?:I|we)$/i.test(text.slice(subjectStart, vpStart));
  const key = slotKey(subject);
  const negated = NEGATED.test(vp);
  const base = firstPerson ? 0.9 : 0.8;

  const emit = (
    kind: FactKind,
    predicate: string,
    object: string,
    slot: string | null,
    end: number,
    date: FoundDate | null,
    confidence = base,
  ) => {
    add(state, {
      kind,
      subject,
      predicate,
      object,
      slot,
      from: Math.max(subjectStart, 0),
      to: end,
      date,
      confidence,
    });
  };

  // Preferences, negative first.
  const dislike =
    /^(?:(?:do|does|did)\s+not\s+(?:really\s+|much\s+|particularly\s+)?(?:like|love|enjoy|care for|dig)|(?:can|could)\s+not\s+(?:stand|bear)|hate|hates|dislike|dislikes|detest|detests|loathe|loathes|(?:am|is|are)\s+not\s+(?:really\s+)?(?:a\s+(?:big\s+|huge\s+)?fan\s+of|into|keen on)|never\s+liked|(?:have|has)\s+gone\s+off|(?:am|is|are)\s+(?:sick|tired)\s+of)\s+/i.exec(
      vp,
    );
  if (dislike) {
    preferenceFacts(state, 'dislikes', at + dislike[0].length, subject, subjectStart, base);
    return;
  }
  if (negated) return;
  const like =
    /^(?:love|loves|like|likes|enjoy|enjoys|adore|adores|(?:am|is|are)\s+(?:really\s+|very\s+)?(?:into|keen on|obsessed with|crazy about|passionate about|a\s+(?:big\s+|huge\s+)?fan\s+of)|prefer|prefers|(?:can|could)\s+not\s+get\s+enough\s+of)\s+/i.exec(
      vp,
    );
  if (like) {
    preferenceFacts(state, 'likes', at + like[0].length, subject, subjectStart, base);
    return;
  }
  const allergic = /^(?:(?:am|is|are)\s+allergic\s+to|(?:have|has)\s+an?\s+(?:\w+\s+)?allergy\s+to)\s+/i.exec(
    vp,
  );
  if (allergic) {
    preferenceFacts(state, 'allergic_to', at + allergic[0].length, subject, subjectStart, base);
    return;
  }

  // Where people live, work, go.
  const livesIn =
    /^(?:live|lives|(?:am|is|are)\s+living|(?:have|has)\s+(?:been\s+living|lived)|(?:just\s+)?moved|(?:am|is|are)\s+moving|relocated)\s+(?:back\s+)?(?:in|to|into)\s+/i.exec(
      vp,
    );
  if (livesIn) {
    const placeStart = at + livesIn[0].length;
    const place = leadingName(text.slice(placeStart));
    if (place && !NOT_NAMES.has(place)) {
      const date = dateIn(state.pastDates, at, at + clauseFrom(text, at).length);
      emit('place', 'lives_in', place, `${key}|lives_in`, placeStart + place.length, date);
    }
    return;
  }
  const worksAt =
    /^(?:work|works|(?:am|is|are)\s+working|(?:have|has)\s+(?:been\s+working|worked)|(?:just\s+)?started(?:\s+working)?|(?:got|have|has)\s+a\s+(?:new\s+)?job|(?:am|is|are)\s+employed|(?:just\s+)?joined)\s+(?:at|for|by|with)?\s*/i.exec(
      vp,
    );
  if (worksAt && /\b(?:at|for|by|with|joined)\s+$/i.test(worksAt[0])) {
    const orgStart = at + worksAt[0].length;
    const rest = clauseFrom(text, orgStart, true);
    let org = leadingName(rest);
    let confidence = base;
    if (!org) {
      const common = /^(?:an?|the)\s+((?:[a-z-]+\s+){0,2}[a-z-]+)/.exec(rest);
      org = common?.[1] ?? null;
      confidence = base - 0.2;
    }
    if (org && isUsableObject(org) && !/^(?:home|myself|himself|herself|themselves)$/i.test(org)) {
      emit('place', 'works_at', org, `${key}|works_at`, orgStart + rest.length, null, confidence);
      markCovered(state, org);
    }
    return;
  }
  const worksAs = /^(?:work|works|(?:am|is|are)\s+working)\s+as\s+(?:an?\s+)?/i.exec(vp);
  if (worksAs) {
    const rest = tidyObject(
      clauseFrom(text, at + worksAs[0].length, true),
      state.pastDates,
      at + worksAs[0].length,
    );
    if (rest) emit('attribute', 'is', rest, `${key}|occupation`, at + worksAs[0].length + rest.length, null);
    return;
  }
  const goingToPlace = /^(?:am|is|are)\s+(?:going|heading|flying|travelling|traveling|off)\s+to\s+/i.exec(vp);
  if (goingToPlace) {
    const placeStart = at + goingToPlace[0].length;
    const place = leadingName(text.slice(placeStart));
    if (place) {
      const date = dateIn(state.futureDates, at, at + clauseFrom(text, at).length);
      emit('place', 'plans', place, null, placeStart + place.length, date, base - 0.1);
      return;
    }
  }
  const wentTo =
    /^(?:went|flew|drove|travel+ed|headed|walked|took\s+(?:a|the)\s+(?:trip|train|bus|ferry|flight)|got\s+back|came\s+back|returned|(?:am|are)\s+(?:just\s+)?back)\s+(?:over\s+|out\s+|home\s+)?(?:to|from)\s+/i.exec(
      vp,
    );
  const visitedWord =
    /^(?:visited|(?:was|were)\s+in|spent\s+(?:(?:a|the|two|three|four|five|\w+)\s+)?(?:week|weekend|day|days|weeks|month|months|night|nights|summer|holiday|holidays|vacation|afternoon|evening|morning|time)s?\s+in|toured|stayed\s+in|(?:have|has)\s+been\s+to)\s+/i.exec(
      vp,
    );
  const metWord =
    /^(?:met(?:\s+up)?(?:\s+with)?|had\s+(?:a\s+)?(?:lunch|dinner|breakfast|brunch|coffee|drinks|a\s+drink|call|meeting|chat|catch-up|tea|beer|walk|video call|date)\s+with|ran\s+into|bumped\s+into|caught\s+up\s+with|hung\s+out\s+with|saw|spoke\s+(?:to|with)|talked\s+(?:to|with)|chatted\s+with|called|phoned|rang|facetimed|video\s+called|visited|grabbed\s+(?:a\s+)?(?:lunch|coffee|dinner|drinks?|breakfast|beer)\s+with|went\s+out\s+with|went\s+(?:\w+\s+){1,2}with|played\s+\w+\s+with|was\s+with|spent\s+(?:the\s+)?(?:day|evening|afternoon|morning|weekend|time)\s+with|interviewed|hugged|dated)\s+/i.exec(
      vp,
    );
  if (metWord) {
    const peopleStart = at + metWord[0].length;
    const rest = clauseFrom(text, peopleStart, true);
    const leading = personNamesIn(rest, state, peopleStart).filter((n) => {
      const between = text
        .slice(peopleStart, n.start)
        .replace(NAME_RUN, '')
        .replace(new RegExp(`\\b(?:my|our|his|her|their|and|${ROLE_NOUNS})\\b`, 'gi'), '');
      return /^[\s,]*$/.test(between);
    });
    if (leading.length > 0) {
      const date = dateIn(state.pastDates, at, peopleStart + rest.length);
      for (const person of leading) {
        emit('person', 'met', person.name, null, person.end, date);
        markCovered(state, person.name);
      }
      return;
    }
  }
  const travel = wentTo ?? visitedWord;
  if (travel) {
    const placeStart = at + travel[0].length;
    const rest = clauseFrom(text, placeStart, true);
    let place = leadingName(rest);
    let confidence = base;
    if (place && state.names.some((n) => n.name === place && n.type === 'person')) place = null;
    if (!place && wentTo) {
      const common =
        /^the\s+((?:[a-z-]+\s+){0,2}[a-z-]+?)(?=\s+(?:with|for|to|on|in|at|and|yesterday|today|last|this)\b|$)/.exec(
          rest,
        );
      place = common?.[1] ?? null;
      confidence = base - 0.25;
    }
    if (place && isUsableObject(place)) {
      const predicate = wentTo ? 'went_to' : 'visited';
      const date = dateIn(state.pastDates, at, placeStart + rest.length);
      emit('place', predicate, place, null, placeStart + place.length, date, confidence);
    }
    return;
  }
  const from = /^(?:am|is|are)\s+(?:originally\s+)?from\s+/i.exec(vp);
  if (from) {
    const place = leadingName(text.slice(at + from[0].length));
    if (place) emit('place', 'is_from', place, `${key}|is_from`, at + from[0].length + place.length, null);
    return;
  }
  const married = /^(?:am|is|are)\s+(?:married|engaged)\s+to\s+|^(?:am|is|are)\s+(?:dating|seeing)\s+/i.exec(
    vp,
  );
  if (married && firstPerson) {
    const name = leadingName(text.slice(at + married[0].length));
    if (name) {
      const role = /married/i.test(married[0])
        ? 'spouse'
        : /engaged/i.test(married[0])
          ? 'fiancé'
          : 'partner';
      add(state, {
        kind: 'relationship',
        subject: name,
        predicate: 'has_relationship',
        object: role,
        slot: `${name.toLowerCase()}|relationship`,
        from: Math.max(subjectStart, 0),
        to: at + married[0].length + name.length,
        date: null,
        confidence: base,
      });
      markCovered(state, name);
    }
    return;
  }

  // Commitments and plans.
  const commitment =
    /^(?:will|shall|(?:am|is|are)\s+going\s+to|(?:promise|promised|swear|swore)\s+to|(?:need|needs)\s+to|(?:have|has)\s+(?:got\s+)?to|got\s+to|must|(?:will|am|is|are)\s+(?:make\s+sure|sure)\s+to|agreed\s+to|(?:am|is|are)\s+supposed\s+to|(?:am|is|are)\s+committed\s+to)\s+/i.exec(
      vp,
    );
  const plan =
    /^(?:plan|plans|(?:am|is|are)\s+planning|intend|intends|(?:am|is|are)\s+hoping|hope|hopes|want|wants|would\s+like|(?:am|is|are)\s+thinking\s+(?:about|of)|(?:am|is|are)\s+about)\s+(?:to\s+)?/i.exec(
      vp,
    );
  const trigger = commitment ?? plan;
  if (trigger) {
    const adverbs = new RegExp(`^${ADVERBS}`, 'i').exec(text.slice(at + trigger[0].length))?.[0] ?? '';
    const actionStart = at + trigger[0].length + adverbs.length;
    const rest = clauseFrom(text, actionStart);
    const action = tidyObject(rest, state.futureDates, actionStart);
    if (!action || DISCOURSE_VERBS.test(action) || !isUsableObject(action)) return;
    if (/^be\s+(?:honest|fine|ok|okay|right|there for)\b/i.test(action)) return;
    if (!/^(?:be|go|get)\b/i.test(action) && !startsWithVerb(action)) return;
    const weak = /want|hope|would like|thinking/i.test(trigger[0]);
    const date =
      dateIn(state.futureDates, actionStart, actionStart + rest.length) ?? frontedDate(state, subjectStart);
    const [verb = '', ...others] = action.split(/\s+/);
    const actionText = /ing$/i.test(verb) ? [infinitive(verb), ...others].join(' ') : action;
    emit(
      'commitment',
      commitment ? 'will' : 'plans',
      actionText,
      null,
      actionStart + rest.length,
      date,
      weak ? base - 0.3 : base,
    );
    return;
  }

  const progressive =
    /^(?:am|is|are)\s+((?:meeting|seeing|visiting|calling|having|picking|dropping|taking|hosting|flying|driving|leaving|starting|finishing|presenting|getting|doing|going)\b[^.;!?]*)/i.exec(
      vp,
    );
  if (progressive?.[1]) {
    const actionStart = at + progressive[0].length - progressive[1].length;
    const rest = clauseFrom(text, actionStart);
    const date =
      dateIn(state.futureDates, actionStart, actionStart + rest.length) ?? frontedDate(state, subjectStart);
    const action = tidyObject(rest, state.futureDates, actionStart);
    if (firstPerson && date && date.at > state.run.context.capturedAt - 86_400_000 && action) {
      const [verb = '', ...others] = action.split(/\s+/);
      emit(
        'commitment',
        'will',
        [infinitive(verb), ...others].join(' '),
        null,
        actionStart + rest.length,
        date,
        base - 0.1,
      );
      for (const person of personNamesIn(rest, state, actionStart)) markCovered(state, person.name);
      return;
    }
  }

  // Attributes.
  const copula = /^(?:am|is|are)\s+/i.exec(vp);
  if (copula) {
    const rest = clauseFrom(text, at + copula[0].length, true);
    const restStart = at + copula[0].length;
    const adjective = new RegExp(`^(?:(?:a|an)\\s+)?(${ATTRIBUTE_ADJECTIVE_PATTERN})\\b`, 'i').exec(rest);
    if (adjective) {
      const word = adjective[0].replace(/^(?:a|an)\s+/i, '').toLowerCase();
      const category =
        Object.entries(ATTRIBUTE_ADJECTIVES).find(([pattern]) =>
          new RegExp(`^(?:(?:a|an)\\s+)?(?:${pattern})$`, 'i').test(adjective[0]),
        )?.[1] ?? null;
      emit(
        'attribute',
        'is',
        word,
        category ? `${key}|${category}` : null,
        restStart + adjective[0].length,
        null,
      );
      return;
    }
    const age = /^(\d{1,3})(?:\s+years?\s+old)?\b(?!\s*(?:minutes|hours|%|percent|pounds|kg|km|miles))/i.exec(
      rest,
    );
    if (age && firstPerson) {
      emit('attribute', 'is', `${age[1]} years old`, `${key}|age`, restStart + age[0].length, null);
      return;
    }
    const identity =
      /^(?:an?)\s+((?:[a-z-]+\s+){0,3}?[a-z-]+)(?=$|\s+(?:at|in|for|with|from|who|and|by)\b)/i.exec(rest);
    if (identity?.[1] && !NOT_IDENTITY_NOUNS.test(identity[1])) {
      const noun = identity[1];
      const last = noun.split(/\s+/).at(-1) ?? noun;
      if (state.analysis.verbs.has(last.toLowerCase()) && !OCCUPATION_WORDS.test(last)) return;
      const slot = OCCUPATION_WORDS.test(last) ? `${key}|occupation` : null;
      emit('attribute', 'is', noun, slot, restStart + identity[0].length, null, base - 0.1);
      const workplace = /^\s+(?:at|for)\s+/.exec(rest.slice(identity[0].length));
      if (slot && workplace) {
        const orgStart = restStart + identity[0].length + workplace[0].length;
        const org = leadingName(text.slice(orgStart));
        if (org) emit('place', 'works_at', org, `${key}|works_at`, orgStart + org.length, null, base - 0.1);
      }
    }
    return;
  }
  const has = /^(?:have|has)\s+(?:got\s+)?/i.exec(vp);
  if (has) {
    const restStart = at + has[0].length;
    const rest = clauseFrom(text, restStart, true);
    const possession = POSSESSIONS.exec(rest);
    if (possession) {
      const object = possession[0];
      const counted =
        /^(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a couple of|several)\s/i.test(
          object,
        );
      const noun = singular(object.split(/\s+/).at(-1) ?? object).toLowerCase();
      emit(
        'attribute',
        'has',
        object,
        counted ? `${key}|has:${noun}` : null,
        restStart + possession[0].length,
        null,
      );
    }
    return;
  }
  const speaks = /^(?:speak|speaks)\s+/i.exec(vp);
  if (speaks) {
    for (const language of splitList(clauseFrom(text, at + speaks[0].length, true))) {
      if (isCapitalised(language))
        emit(
          'attribute',
          'speaks',
          language.replace(/\s+fluently$/i, ''),
          null,
          at + speaks[0].length + language.length,
          null,
        );
    }
  }
}

function preferenceFacts(
  state: SentenceState,
  predicate: 'likes' | 'dislikes' | 'allergic_to',
  objectStart: number,
  subject: string,
  subjectStart: number,
  confidence: number,
) {
  const text = state.sentence.text;
  let phrase = clauseFrom(text, objectStart);
  if (
    predicate === 'likes' &&
    /^(?:prefer|prefers)\b/i.test(text.slice(subjectStart).replace(/^\S+\s+(?:\w+\s+)*?(?=prefer)/i, ''))
  ) {
    phrase = phrase.split(/\s+(?:over|to|rather than|instead of|more than)\s+/i)[0] ?? phrase;
  }
  phrase = phrase.split(/\s+(?:over|rather than|instead of|more than)\s+/i)[0] ?? phrase;
  const tidy = tidyObject(phrase, state.pastDates, objectStart);
  if (/^(?:to\s+)?(?:\w+\s+)?(?:it|that|this|them|him|her|you|me|us)$/i.test(tidy)) return;
  const key = slotKey(subject);
  for (const item of splitList(tidy)) {
    const object = cleanPreferenceObject(item);
    if (!isUsableObject(object)) continue;
    const slotName = predicate === 'allergic_to' ? 'allergy' : 'preference';
    add(state, {
      kind: 'preference',
      subject,
      predicate,
      object,
      slot: `${key}|${slotName}:${object.toLowerCase()}`,
      from: Math.max(subjectStart, 0),
      to: objectStart + phrase.length,
      date: null,
      confidence,
    });
  }
}

function markCovered(state: SentenceState, name: string) {
  state.covered.add(name.toLowerCase());
}

function roleOf(phrase: string): string {
  const words = phrase.toLowerCase().trim().split(/\s+/);
  const kept = words.filter((w, i) => i === words.length - 1 || KEPT_MODIFIERS.has(w));
  return kept.map((w, i) => (i === kept.length - 1 ? singular(w) : w)).join(' ');
}

/** Rules on possessives: "my sister Anna", "Tom is my manager", "my birthday is on 3 March". */
function possessiveRules(state: SentenceState, selfSubject: string) {
  const text = state.sentence.text;
  const role = `(${ROLE_MODIFIERS}(?:${ROLE_NOUNS}))`;
  const names = `(${NAME_RUN.source}(?:\\s*(?:,\\s*(?:and\\s+)?|\\s+and\\s+)${NAME_RUN.source})*)`;
  const emitRelationship = (nameList: string, roleText: string, from: number, to: number) => {
    for (const raw of nameList.split(/\s*,\s*(?:and\s+)?|\s+and\s+/)) {
      const name = leadingName(raw);
      if (!name || NOT_NAMES.has(name) || name === selfSubject) continue;
      const object = roleOf(roleText);
      if (
        state.run.drafts.some((d) => d.kind === 'relationship' && d.subject === name && d.object === object)
      )
        continue;
      const nameAt = text.indexOf(name, from);
      add(state, {
        kind: 'relationship',
        subject: name,
        predicate: 'has_relationship',
        object,
        slot: `${name.toLowerCase()}|relationship`,
        from,
        to:
          nameAt >= 0 && nameAt < to
            ? Math.max(nameAt + name.length, Math.min(to, nameAt + name.length))
            : to,
        date: null,
        confidence: 0.85,
      });
      markCovered(state, name);
    }
  };
  // "my sister Anna", "my friends Ben and Chloe", "my boss, Tom,"
  for (const m of text.matchAll(new RegExp(`\\b(?:my|our)\\s+${role},?\\s+${names}`, 'giu'))) {
    const nameList = m[2] ?? '';
    if (!isCapitalised(nameList)) continue;
    emitRelationship(nameList, m[1] ?? '', m.index, m.index + m[0].length);
  }
  // "Tom is my manager", "Ben and Chloe are my neighbours", "Anna, my sister,"
  for (const m of text.matchAll(
    new RegExp(
      `${names}(?:\\s+(?:is|are|was|has been)(?:\\s+also)?\\s+|,\\s+)(?:my|our)\\s+${role}\\b`,
      'gu',
    ),
  )) {
    emitRelationship(m[1] ?? '', m[2] ?? '', m.index, m.index + m[0].length);
  }
  // "my manager is Tom", "my sister's name is Anna"
  for (const m of text.matchAll(
    new RegExp(`\\b(?:my|our)\\s+${role}(?:'s\\s+name)?\\s+is\\s+(?:called\\s+|named\\s+)?${names}`, 'giu'),
  )) {
    const nameList = m[2] ?? '';
    if (isCapitalised(nameList)) emitRelationship(nameList, m[1] ?? '', m.index, m.index + m[0].length);
  }
  // He/she resolved to the one person the text last named: "She is my cousin."
  const pronoun = new RegExp(`^(?:he|she)\\s+(?:is|was)\\s+(?:my|our)\\s+${role}\\b`, 'i').exec(text);
  if (pronoun) {
    const last = lastPersonNamed(state, 0);
    if (last) emitRelationship(last, pronoun[1] ?? '', 0, pronoun[0].length);
  }

  // Favourites: "my favourite colour is green".
  for (const m of text.matchAll(
    new RegExp(
      `\\b(my|our|${NAME_RUN.source}'s)\\s+favou?rite\\s+((?:[a-z]+\\s+){0,2}?[a-z]+)\\s+(?:is|are|was)\\s+`,
      'giu',
    ),
  )) {
    const subject = /^(?:my|our)$/i.test(m[1] ?? '') ? selfSubject : (leadingName(m[1] ?? '') ?? selfSubject);
    const objectStart = m.index + m[0].length;
    const phrase = tidyObject(clauseFrom(text, objectStart, true), state.pastDates, objectStart);
    const object = cleanPreferenceObject(phrase);
    if (!isUsableObject(object)) continue;
    add(state, {
      kind: 'preference',
      subject,
      predicate: 'likes',
      object,
      slot: `${slotKey(subject)}|favourite:${(m[2] ?? '').toLowerCase()}`,
      from: m.index,
      to: objectStart + phrase.length,
      date: null,
      confidence: 0.9,
    });
    if (subject !== selfSubject) markCovered(state, subject);
  }

  // Important dates: "my birthday is on 3 March", "Anna's birthday is next week", "I was born on 4 July".
  for (const m of text.matchAll(
    new RegExp(
      `(?:\\b(my|our|(?:my|our)\\s+(?:${ROLE_NOUNS})'s|${NAME_RUN.source}'s)\\s+|^)((?:[a-z-]+\\s+){0,2}?(?:birthday|b-?day|anniversary|wedding|due date|graduation|surgery|operation|appointment|interview|exam|flight|move|moving day|party|deadline|concert|recital|trip|holiday|vacation|check-up|checkup|review|presentation|match|game|race|marathon|retirement|funeral|ceremony|visit|launch|baby shower|name day))(?:\\s+(?:party|date))?\\s+(?:is|falls|will be|was|are)\\s+(?:on\\s+|in\\s+|at\\s+)?`,
      'giu',
    ),
  )) {
    const dateStart = m.index + m[0].length;
    const clause = clauseFrom(text, dateStart, true);
    const date = state.futureDates.find((d) => d.index >= dateStart - 4 && d.index <= dateStart + 6) ?? null;
    if (!date) continue;
    const subject = dateOwner(m[1] ?? '', selfSubject);
    if (!subject) continue;
    const predicate = (m[2] ?? '')
      .toLowerCase()
      .replace(/\b(?:\d+(?:st|nd|rd|th)?|big|first|last|next|special)\s+/g, '')
      .replace(/\bb-?day\b/g, 'birthday')
      .trim()
      .replace(/[\s-]+/g, '_');
    const object = text.slice(date.index, date.index + date.text.length).replace(/^(?:on|in|at)\s+/i, '');
    add(state, {
      kind: 'date',
      subject,
      predicate,
      object,
      slot: /birthday|anniversary|wedding|name_day/.test(predicate)
        ? `${slotKey(subject)}|${predicate}`
        : null,
      from: m.index,
      to: Math.max(date.index + date.text.length, dateStart + clause.length),
      date,
      confidence: 0.9,
    });
    if (subject !== selfSubject) markCovered(state, subject);
  }
  for (const m of text.matchAll(
    new RegExp(`\\b(I|${NAME_RUN.source})\\s+was\\s+born\\s+(?:on\\s+|in\\s+)?`, 'gu'),
  )) {
    const dateStart = m.index + m[0].length;
    const date = state.pastDates.find((d) => Math.abs(d.index - dateStart) <= 4) ?? null;
    if (!date) continue;
    const subject = m[1] === 'I' ? selfSubject : (leadingName(m[1] ?? '') ?? selfSubject);
    add(state, {
      kind: 'date',
      subject,
      predicate: 'birthday',
      object: date.text.replace(/^(?:on|in)\s+/i, ''),
      slot: `${slotKey(subject)}|birthday`,
      from: m.index,
      to: date.index + date.text.length,
      date,
      confidence: 0.85,
    });
  }
  yearlyDateRules(state, selfSubject);
}

/** Dates that come back every year, said in any order with their day: "it's Jo's birthday on the 12th". */
const YEARLY_NOUN = /\b(?:birthday|b-?day|anniversary|name\s+day)\b/i;
/** Nouns after "birthday" that name something else on or for that day ("Jo's birthday present on Monday"). */
const NOT_THE_DAY_ITSELF =
  /^(?:'s)?\s+(?:present|presents|gift|gifts|card|cards|cake|party|parties|drinks|dinner|lunch|meal|plans|bash|do|celebration|trip|weekend|night|list|message|wishes|shopping|money|girl|boy|suit)\b/i;
/** A date that names a day (not a bare month or year: "in June", "next year"). */
const HAS_DAY =
  /\d|\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth|today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|week)\b/i;
const COUNT_WORD =
  '\\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[\\s-]\\w+';

/**
 * Yearly dates in looser word order than "X's birthday is on …": "it's Jo's birthday on the 12th", "Jo's 30th
 * birthday: 12 March", "keep the 20th of June free, it's my birthday", "our anniversary's the tenth of March",
 * "we got married on 10 March" (an anniversary), "Sam turns 30 on June 20th" (a birthday). The day must be in the
 * same sentence and near the words.
 */
function yearlyDateRules(state: SentenceState, selfSubject: string) {
  const text = state.sentence.text;
  const emit = (
    subject: string,
    predicate: string,
    date: FoundDate,
    from: number,
    to: number,
    conf: number,
  ) => {
    const slot = `${slotKey(subject)}|${predicate}`;
    if (state.run.drafts.some((d) => d.kind === 'date' && d.slot === slot && d.from >= state.sentence.start))
      return;
    add(state, {
      kind: 'date',
      subject,
      predicate,
      object: date.text.replace(/^(?:on|in|at)\s+/i, '').replace(/[\s,;:.!?]+$/u, ''),
      slot,
      from: Math.min(from, date.index),
      to: Math.max(to, date.index + date.text.length),
      date,
      confidence: conf,
    });
    if (subject !== selfSubject) markCovered(state, subject);
  };
  const nearest = (dates: FoundDate[], from: number, to: number, reach: number): FoundDate | null => {
    let best: FoundDate | null = null;
    let bestGap = reach + 1;
    for (const date of dates) {
      if (!HAS_DAY.test(date.text)) continue;
      const gap = date.index >= to ? date.index - to : from - (date.index + date.text.length);
      if (gap < -1 || gap > reach) continue;
      if (gap < bestGap) {
        best = date;
        bestGap = gap;
      }
    }
    return best;
  };

  if (YEARLY_NOUN.test(text)) {
    for (const m of text.matchAll(
      new RegExp(
        `\\b([Mm]y|[Oo]ur|(?:[Mm]y|[Oo]ur)\\s+(?:${ROLE_NOUNS})'s|${NAME_RUN.source}'s)\\s+((?:[\\p{Ll}\\d-]+\\s+){0,2}?)([Bb]irthday|[Bb]-?day|[Aa]nniversary|[Nn]ame\\s+day)\\b`,
        'gu',
      ),
    )) {
      const end = m.index + m[0].length;
      if (NOT_THE_DAY_ITSELF.test(text.slice(end))) continue;
      const subject = dateOwner(m[1] ?? '', selfSubject);
      if (!subject) continue;
      // "It was my birthday on Sunday": the last one.
      const past = /\b(?:was|were)\s+(?:\w+\s+)?$/i.test(text.slice(Math.max(0, m.index - 16), m.index));
      const date = nearest(past ? state.pastDates : state.futureDates, m.index, end, 40);
      if (!date) continue;
      const noun = (m[3] ?? '')
        .toLowerCase()
        .replace(/\s+/g, '_')
        .replace(/^b-?day$/, 'birthday');
      const predicate =
        noun === 'anniversary' && /\bwedding\b/i.test(m[2] ?? '') ? 'wedding_anniversary' : noun;
      emit(subject, predicate, date, m.index, end, 0.85);
    }
  }
  // "we got married on 10 March 2018", "Chris and I got engaged in Paris on 4 May".
  for (const m of text.matchAll(
    new RegExp(
      `\\b(I|[Ww]e|(?:${NAME_RUN.source}\\s+and\\s+I))\\s+(?:got|were|was|became)\\s+(married|engaged|hitched)\\b`,
      'gu',
    ),
  )) {
    const end = m.index + m[0].length;
    const date = nearest(state.pastDates, m.index, end, 30);
    if (!date) continue;
    const predicate = m[2] === 'engaged' ? 'engagement_anniversary' : 'wedding_anniversary';
    emit(selfSubject, predicate, date, m.index, end, 0.8);
  }
  // "Sam turns 30 on June 20th", "I'm turning forty on the 3rd", "Jo's turning 30 on the 12th".
  for (const m of text.matchAll(
    new RegExp(
      `\\b(I|${NAME_RUN.source})(?:\\s+(?:am|is|will\\s+be)\\s+turning|'s\\s+turning|\\s+turns|\\s+turn|\\s+will\\s+turn)\\s+(?:${COUNT_WORD})\\b`,
      'gu',
    ),
  )) {
    const end = m.index + m[0].length;
    const date = nearest(state.futureDates, m.index, end, 30);
    if (!date) continue;
    const who = m[1] === 'I' ? selfSubject : leadingName(m[1] ?? '');
    if (!who || NOT_NAMES.has(who)) continue;
    emit(resolveSubject(who, state.run.context), 'birthday', date, m.index, end, 0.8);
  }
}

/** The person "he" or "she" most likely means: the last one named before `position`, in this or an earlier sentence. */
/** Whose date it is: "my" is the speaker, "my mom's" is "mom", "Anna's" is Anna; null when unclear. */
function dateOwner(owner: string, selfSubject: string): string | null {
  if (owner === '' || /^(?:my|our)$/i.test(owner)) return selfSubject;
  const role = new RegExp(`^(?:my|our)\\s+(${ROLE_NOUNS})'s$`, 'i').exec(owner);
  if (role?.[1]) return role[1].toLowerCase();
  const bare = owner.replace(/'s$/u, '');
  if (new RegExp(`^(?:${ROLE_NOUNS})$`, 'i').test(bare) && isCapitalised(bare)) return bare;
  const name = leadingName(owner);
  return name && name === bare ? name : null;
}

function lastPersonNamed(state: SentenceState, position: number): string | null {
  const here = state.names.filter(
    (n) => n.start < position && n.type !== 'place' && n.type !== 'organisation',
  );
  return here.at(-1)?.name ?? state.previousPeople.at(-1) ?? null;
}

function resolveSubject(word: string, context: ExtractionContext): string {
  if (/^(?:I|we|me)$/i.test(word)) return selfOf(context);
  if (context.selfName && word.toLowerCase() === context.selfName.toLowerCase()) return 'self';
  return word;
}

function selfOf(context: ExtractionContext): string {
  if (context.speaker === null) return 'self';
  if (context.selfName && context.speaker.toLowerCase() === context.selfName.toLowerCase()) return 'self';
  return context.speaker;
}

/** Asking to be reminded, with a time or without: "remind me", "don't let me forget", "set a reminder", "note to self". */
const REMINDER_REQUEST =
  /\b(?:remind\s+me|(?:don't|do\s+not)\s+let\s+me\s+forget|(?:set|add|create|make|put\s+in|stick\s+in)\s+(?:me\s+)?(?:a|an)\s+reminder|reminder\s*:|note\s+to\s+self:?|(?:I\s+)?(?:must|need\s+to)\s+remember)\s*/gi;
/**
 * Softer ways to ask for a reminder ("ping me at 11 tonight about the bins", "nudge me tomorrow to call Jo", "give me
 * a shout at 5 to leave"): they count only with a time and something to do ("ping me the file" is no reminder).
 */
const NUDGE_REQUEST =
  /\b(?:(?:ping|nudge|prompt|buzz|poke|bug|alert|text|message|tell|warn)\s+me|give\s+me\s+(?:a|an)\s+(?:nudge|shout|buzz|ping|bell|heads[- ]up|reminder|poke|call))\s*/gi;
/** What may stand between a reminder request and the thing to do: "to", "about", "that", a colon. */
const REMINDER_LINK =
  /^(?:(?:for|at|on|by|in)\s+)?[\s:,-]*(?:(?:to|about|that|re|of|regarding)\b\s*)?[\s:,-]*/i;

/** A request to be reminded starting at `m`: what to do, where it ends, and when; null when it names nothing to do. */
function reminderAction(
  state: SentenceState,
  m: RegExpMatchArray & { index: number },
  soft: boolean,
): { action: string; end: number; date: FoundDate | null } | null {
  const text = state.sentence.text;
  let at = m.index + m[0].length;
  let linked = !soft;
  // Times said between the request and what to do: "ping me at 11 tonight about …", "remind me in 20 minutes to …".
  for (let guard = 0; guard < 3; guard += 1) {
    const before = at;
    const date = state.futureDates.find((d) => d.index >= at && d.index <= at + 4);
    if (date) at = date.index + date.text.length;
    const link = REMINDER_LINK.exec(text.slice(at));
    if (link && link[0].length > 0) {
      if (/\b(?:to|about|that|re|of|regarding)\b|:/i.test(link[0])) linked = true;
      at += link[0].length;
    }
    if (at === before) break;
  }
  if (!linked) return null;
  const rest = clauseFrom(text, at);
  const action = tidyObject(rest, state.futureDates, at);
  if (!action || !isUsableObject(action)) return null;
  const date = dateIn(state.futureDates, m.index, at + rest.length) ?? frontedDate(state, m.index);
  if (soft && !date) return null;
  const [verb = '', ...others] = action.replace(/^about\s+/i, '').split(/\s+/);
  const object =
    /^\w+ing$/i.test(verb) && others.length > 0 ? [infinitive(verb), ...others].join(' ') : action;
  // A soft request names something to do: "ping me about your weekend" asks for no reminder.
  if (soft && !startsWithVerb(object.replace(/^about\s+/i, ''))) return null;
  return { action: object.replace(/^about\s+/i, ''), end: at + rest.length, date };
}

/** "you'll have the contract", "you should get the invoice", "you'll be getting the report": what the listener receives. */
const LISTENER_RECEIVES =
  /\byou\s+(?:will|shall|should)\s+(?:(?:definitely|certainly|also|then|already|hopefully|all)\s+)?(?:have|get|receive|be\s+getting|be\s+receiving|see)\s+/gi;
/** "expect the contract from us", "look out for the invoice from me": an imperative that announces a delivery. */
const EXPECT_FROM =
  /(?:^|[,;:]\s*)(?:(?:so|and|then|ok|okay|right)[\s,]+)*(?:please\s+)?(?:expect|look\s+out\s+for|watch\s+(?:out\s+)?for|keep\s+an\s+eye\s+out\s+for)\s+/gi;
/** "the contract will be with you by Thursday", "the report should be in your inbox tomorrow". */
const ARRIVES_WITH_YOU =
  /\b((?:the|your|my|our)\s+(?:[\p{L}\d'-]+\s+){0,3}?[\p{L}\d'-]+)\s+(?:will|shall|should)\s+be\s+(?:(?:sent\s+|over\s+|across\s+)*(?:with|to)\s+you|in\s+your\s+(?:inbox|hands|e-?mail|post|pigeonhole)|on\s+your\s+desk)\b/giu;
/** The sender named after the thing: "from us", "from me", "from our side". */
const FROM_SPEAKER = /\s+from\s+(?:me|us|our\s+(?:side|end|team|lot)|my\s+(?:side|end))\b/i;
/** What is received must be a thing: "the contract", "your invoice" (not "a great time", "to wait", "used to it"). */
const RECEIVED_THING = /^(?:the|your|my|our|those|these|this|that)\s+\S/i;
const NOT_RECEIVED =
  /^(?:the\s+)?(?:hang|chance|idea|feeling|impression|sense|point|gist|picture|drift|message|hint|joke|time|flu|cold|bug)\b|^(?:your|the)\s+(?:money's\s+worth|own\s+way|way|turn|chance|wish|head\s+round)\b/i;

/**
 * A promise said from the listener's side, which is the speaker's to keep: "you'll have the contract from us by
 * Thursday", "you should get the invoice from me tomorrow", "expect the slides from us on Friday", "the report will
 * be with you by Monday". Needs the sender ("from us", "from me") or a due date, and a definite thing received; the
 * commitment is the speaker's: "get you the contract".
 */
function listenerReceivesRules(state: SentenceState, selfSubject: string) {
  const text = state.sentence.text;
  const emit = (phrase: string, thingStart: number, from: number, to: number, fromSpeaker: boolean) => {
    const date = dateIn(state.futureDates, from, to);
    if (!fromSpeaker && !date) return;
    const sender = FROM_SPEAKER.exec(phrase);
    let thing = tidyObject(sender ? phrase.slice(0, sender.index) : phrase, state.futureDates, thingStart)
      .replace(/\s+(?:over|across|back|through|in\s+your\s+(?:inbox|hands)|on\s+your\s+desk)$/i, '')
      .trim();
    thing = thing.replace(/^(?:my|our)\s+/i, 'the ');
    if (!RECEIVED_THING.test(thing) || NOT_RECEIVED.test(thing) || !isUsableObject(thing)) return;
    if (/\b(?:if|unless|when|whether|once)\s+$/i.test(text.slice(0, from))) return;
    add(state, {
      kind: 'commitment',
      subject: selfSubject,
      predicate: 'will',
      object: `get you ${thing}`,
      slot: null,
      from,
      to,
      date,
      confidence: date && fromSpeaker ? 0.8 : 0.7,
    });
  };
  for (const m of text.matchAll(LISTENER_RECEIVES)) {
    const thingStart = m.index + m[0].length;
    const rest = clauseFrom(text, thingStart, true);
    emit(rest, thingStart, m.index, thingStart + rest.length, FROM_SPEAKER.test(rest));
  }
  for (const m of text.matchAll(EXPECT_FROM)) {
    const thingStart = m.index + m[0].length;
    const rest = clauseFrom(text, thingStart, true);
    if (FROM_SPEAKER.test(rest)) emit(rest, thingStart, m.index, thingStart + rest.length, true);
  }
  for (const m of text.matchAll(ARRIVES_WITH_YOU)) {
    const after = m.index + m[0].length;
    const rest = clauseFrom(text, after, true);
    emit(m[1] ?? '', m.index, m.index, after + rest.length, false);
  }
}

function extractSentence(run: Run, whole: Sentence, previousPeople: string[]) {
  // "Our anniversary is on March 10th, can you believe it?": the statement before a tag question is a statement.
  const head = untagged(whole.text);
  const sentence = head === null ? whole : { text: head, start: whole.start };
  const text = sentence.text;
  const context = run.context;
  const selfSubject = selfOf(context);
  const remindMe =
    /^(?:(?:can|could|would|will)\s+you\s+)?(?:please\s+)?(?:remind\s+me|don't\s+let\s+me\s+forget|do\s+not\s+let\s+me\s+forget|make\s+sure\s+I|(?:ping|nudge|prompt|buzz|text|message|tell)\s+me|give\s+me\s+an?\s+\w+|set\s+(?:me\s+)?an?\s+reminder)\b/i;
  const question = isQuestion(text);
  if (question && !remindMe.test(text)) return;

  const analysis = analyseSentence(text);
  const state: SentenceState = {
    run,
    sentence,
    analysis,
    names: findNames(text, analysis),
    pastDates: findDates(text, {
      capturedAt: context.capturedAt,
      timeZone: context.timezone,
      forward: false,
    }),
    futureDates: findDates(text, {
      capturedAt: context.capturedAt,
      timeZone: context.timezone,
      forward: true,
    }),
    hedged: HEDGES.test(text),
    covered: new Set(),
    previousPeople,
  };
  if (/^(?:if|unless|suppose|imagine|what if)\b/i.test(text)) return;

  // Requests to be reminded: "remind me to buy milk", "note to self: call the bank", "ping me at 11 about the bins".
  const requests = [
    ...[...text.matchAll(REMINDER_REQUEST)].map((m) => ({ m, soft: false })),
    ...[...text.matchAll(NUDGE_REQUEST)].map((m) => ({ m, soft: true })),
  ];
  for (const { m, soft } of requests) {
    const found = reminderAction(state, m, soft);
    if (!found) continue;
    add(state, {
      kind: 'commitment',
      subject: selfSubject,
      predicate: 'will',
      object: found.action,
      slot: null,
      from: m.index,
      to: found.end,
      date: found.date,
      confidence: soft ? 0.8 : 0.9,
    });
  }
  // A reminder addressed to the listener: "Remember to water the plants."
  const reminder =
    /^(?:please\s+)?(?:remember|do\s+not\s+forget|don't\s+forget|make\s+sure)\s+(?:to\s+)?/i.exec(text);
  if (reminder) {
    const rest = clauseFrom(text, reminder[0].length);
    const action = tidyObject(rest, state.futureDates, reminder[0].length);
    if (action && isUsableObject(action)) {
      add(state, {
        kind: 'commitment',
        subject: 'self',
        predicate: 'will',
        object: action,
        slot: null,
        from: 0,
        to: reminder[0].length + rest.length,
        date: dateIn(state.futureDates, 0, reminder[0].length + rest.length),
        confidence: context.speaker === null ? 0.7 : 0.55,
      });
    }
  }
  // "let's meet Tuesday at 10"
  for (const m of text.matchAll(/\blet\s+us\s+/gi)) {
    const actionStart = m.index + m[0].length;
    const rest = clauseFrom(text, actionStart);
    const action = tidyObject(rest, state.futureDates, actionStart);
    if (!action || DISCOURSE_VERBS.test(action) || /^(?:see|not)\b/i.test(action)) continue;
    const date = dateIn(state.futureDates, actionStart, actionStart + rest.length);
    add(state, {
      kind: 'commitment',
      subject: selfSubject,
      predicate: 'will',
      object: action,
      slot: null,
      from: m.index,
      to: actionStart + rest.length,
      date,
      confidence: date ? 0.85 : 0.7,
    });
  }
  if (question) return;

  listenerReceivesRules(state, selfSubject);
  possessiveRules(state, selfSubject);

  // Subjects: I / we, names, and he/she for the one person just named.
  const subjects: { word: string; start: number; end: number }[] = [];
  for (const m of text.matchAll(/\b(?:I|we)\b/gi)) {
    if (m[0] === 'i' && /\bi\.e/.test(text.slice(m.index, m.index + 3))) continue;
    subjects.push({ word: m[0], start: m.index, end: m.index + m[0].length });
  }
  for (const name of state.names) {
    if (name.type === 'place' || name.type === 'organisation') continue;
    subjects.push({ word: name.name, start: name.start, end: name.end });
  }
  const pronouns = /\b(?:he|she)\b/gi;
  for (const m of text.matchAll(pronouns)) {
    const last = lastPersonNamed(state, m.index);
    if (last) subjects.push({ word: last, start: m.index, end: m.index + m[0].length });
  }
  // Diary style without a subject: "Had lunch with Marcus.", "Need to call the bank."
  if (
    /^(?:had|met|went|ran|visited|caught|bumped|spent|flew|drove|moved|grabbed|saw|called|spoke|talked|chatted|need|have to|must|got to|promised)\b/i.test(
      text,
    )
  ) {
    subjects.push({ word: 'I', start: -1, end: -1 });
  }
  subjects.sort((a, b) => a.start - b.start);
  for (const subject of subjects) {
    const resolved = subject.start < 0 ? selfSubject : resolveSubject(subject.word, context);
    const before = subject.start > 0 ? text.slice(0, subject.start) : '';
    if (/\b(?:if|unless|when|would|whether|used to)\s+$/i.test(before)) continue;
    if (/\bwould\s+$/i.test(before)) continue;
    const drafts = run.drafts.length;
    verbPhraseRules(state, resolved, subject.start, Math.max(subject.end, 0));
    if (run.drafts.length > drafts && resolved !== selfSubject) markCovered(state, resolved);
  }

  // People mentioned and not otherwise placed in a fact.
  for (const name of state.names) {
    if (name.type === 'place' || name.type === 'organisation') continue;
    const lower = name.name.toLowerCase();
    if (state.covered.has(lower)) continue;
    if (lower === context.speaker?.toLowerCase() || lower === context.selfName?.toLowerCase()) continue;
    const before = text.slice(0, name.start);
    const afterPlaceWord =
      /\b(?:in|at|from|near|visited|visit|around|into)\s+$/i.test(before) ||
      /\b(?:go|goes|going|went|gone|fly|flew|flying|drive|drove|driving|travel+(?:ed|ing)?|move|moved|moving|trip|back|headed|heading|way)\s+(?:\w+\s+)?to\s+$/i.test(
        before,
      );
    if (afterPlaceWord && name.type !== 'person') continue;
    if (
      /\b(?:named|called)\s+$/i.test(before) &&
      /\b(?:cat|dog|pet|puppy|kitten|horse|fish|bird|car|boat|company|band|app|project|song|book|film|movie|show|restaurant|bar|cafe|shop|place)\s+(?:named|called)\s+$/i.test(
        before,
      )
    )
      continue;
    if (
      name.type !== 'person' &&
      run.drafts.some((d) => d.object.includes(name.name) && d.kind !== 'commitment')
    )
      continue;
    const plainName = name.name.replace(new RegExp(`^(?:${ROLE_NOUNS})\\s+`, 'i'), '');
    add(state, {
      kind: 'person',
      subject: selfSubject,
      predicate: 'mentioned',
      object: plainName,
      slot: null,
      from: name.start,
      to: name.end,
      date: null,
      confidence: name.type === 'person' ? 0.6 : 0.45,
    });
  }
}

/** Keeps the most confident of facts that say the same thing. */
function deduplicate(facts: ExtractedFact[]): ExtractedFact[] {
  const best = new Map<string, ExtractedFact>();
  for (const fact of facts) {
    const key = [fact.kind, fact.subject.toLowerCase(), fact.predicate, fact.object.toLowerCase()].join(
      '\u0000',
    );
    const seen = best.get(key);
    if (!seen || fact.confidence > seen.confidence) best.set(key, fact);
  }
  return [...best.values()];
}

/**
 * The offline, rule-based fact extractor: compromise and wink-nlp find names, chrono-node resolves dates in the
 * speaker's time zone, and hand-written rules read first-person statements, possessives and requests.
 */
export function createRuleFactExtractor({
  minConfidence = 0.3,
}: RuleFactExtractorOptions = {}): RuleFactExtractor {
  return {
    name: 'rules',
    extract(text, context) {
      const parsed = ExtractionContextSchema.safeParse(context);
      if (!parsed.success) {
        throw new ValidationError('the extraction context is invalid', z.treeifyError(parsed.error));
      }
      const normalised = normalise(text);
      const run: Run = { context: parsed.data, normalised, original: text, drafts: [] };
      const peopleSoFar: string[] = [];
      for (const sentence of splitSentences(normalised.text)) {
        const before = run.drafts.length;
        extractSentence(run, sentence, peopleSoFar);
        for (const draft of run.drafts.slice(before)) {
          if (draft.kind === 'person') peopleSoFar.push(draft.object);
          if (draft.kind === 'relationship') peopleSoFar.push(draft.subject);
        }
      }
      const facts = run.drafts.filter((d) => d.confidence >= minConfidence).map((d) => toFact(d, run));
      return deduplicate(facts);
    },
  };
}
