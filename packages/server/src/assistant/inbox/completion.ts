import type { InboxItem } from '../types.ts';
import { clip, sentencesOf, straighten } from './words.ts';

/** A sign in what was said or written that an open commitment or reminder was done. */
export interface Completion {
  item: InboxItem;
  /** The words taken as evidence (one clause). */
  evidence: string;
  /** 0..1: 0.85 for the promised verb with the promised thing, lower for weaker phrasing; see `findCompletions`. */
  confidence: number;
}

/**
 * Verb families: a commitment made with any verb of a family is done when any of its done-forms is said. Past
 * tenses and participles only: "send the deck" is never taken as done.
 */
const FAMILIES: ReadonlyArray<{ verbs: readonly string[]; done: readonly string[] }> = [
  {
    verbs: [
      'send',
      'email',
      'e-mail',
      'mail',
      'post',
      'forward',
      'text',
      'message',
      'share',
      'deliver',
      'submit',
      'drop',
      'whatsapp',
    ],
    done: [
      'sent',
      'emailed',
      'e-mailed',
      'mailed',
      'posted',
      'forwarded',
      'texted',
      'messaged',
      'shared',
      'delivered',
      'submitted',
      'dropped off',
      'dropped over',
      'dropped round',
      'whatsapped',
      'pinged',
      'fired off',
      'fired over',
      'shot over',
      'popped over',
      'got over',
      'got across',
      'gone off',
      'gone out',
      'gone over',
      'gone across',
      'went off',
      'went out',
      'went over',
      'sent off',
      'sent over',
    ],
  },
  {
    verbs: ['buy', 'get', 'pick', 'grab', 'order', 'purchase', 'fetch', 'collect'],
    done: ['bought', 'got', 'gotten', 'picked up', 'grabbed', 'ordered', 'purchased', 'fetched', 'collected'],
  },
  {
    verbs: ['call', 'phone', 'ring', 'facetime', 'contact'],
    done: [
      'called',
      'phoned',
      'rang',
      'rung',
      'facetimed',
      'contacted',
      'spoke to',
      'spoken to',
      'spoke with',
      'spoken with',
      'talked to',
      'talked with',
      'chatted to',
      'chatted with',
      'got hold of',
      'got ahold of',
      'gotten hold of',
      'got through to',
      'got in touch with',
      'been in touch with',
      'reached',
      'dialled',
      'dialed',
      'buzzed',
      'had a word with',
    ],
  },
  { verbs: ['pay', 'settle', 'transfer'], done: ['paid', 'settled', 'transferred'] },
  {
    verbs: ['book', 'reserve', 'schedule', 'arrange'],
    done: ['booked', 'reserved', 'scheduled', 'arranged'],
  },
  {
    verbs: ['finish', 'complete', 'do', 'wrap'],
    done: ['finished', 'completed', 'did', 'done', 'wrapped up'],
  },
  { verbs: ['write', 'draft', 'prepare'], done: ['wrote', 'written', 'drafted', 'prepared'] },
  {
    verbs: ['return', 'give', 'hand'],
    done: ['returned', 'gave', 'given', 'handed', 'gave back', 'given back', 'handed back', 'handed over'],
  },
  { verbs: ['reply', 'answer', 'respond'], done: ['replied', 'answered', 'responded', 'got back to'] },
  { verbs: ['fix', 'repair', 'mend'], done: ['fixed', 'repaired', 'mended'] },
  { verbs: ['visit', 'see', 'meet'], done: ['visited', 'saw', 'seen', 'met'] },
];

/** Past forms of common irregular verbs outside the families. */
const IRREGULAR: Readonly<Record<string, readonly string[]>> = {
  bring: ['brought'],
  build: ['built'],
  catch: ['caught'],
  choose: ['chose', 'chosen'],
  cut: ['cut'],
  drive: ['drove', 'driven'],
  eat: ['ate', 'eaten'],
  feed: ['fed'],
  find: ['found'],
  go: ['went', 'gone'],
  hang: ['hung'],
  lend: ['lent'],
  leave: ['left'],
  make: ['made'],
  put: ['put'],
  read: ['read'],
  run: ['ran'],
  sell: ['sold'],
  set: ['set'],
  show: ['showed', 'shown'],
  speak: ['spoke', 'spoken'],
  sweep: ['swept'],
  swim: ['swam', 'swum'],
  take: ['took', 'taken'],
  teach: ['taught'],
  tell: ['told'],
  throw: ['threw', 'thrown'],
  wear: ['wore', 'worn'],
};

/** Phrases that mark any task done ("took care of the rent", "sorted the insurance"). */
const GENERIC_DONE = [
  'took care of',
  'taken care of',
  'dealt with',
  'sorted',
  'sorted out',
  'handled',
  'ticked off',
  'crossed off',
];

/** Done-forms that count for any to-do when said of the thing itself in a passive: "the plumber's booked". */
const PASSIVE_OUTCOMES = [
  'booked',
  'arranged',
  'sorted',
  'done',
  'handled',
  'fixed',
  'scheduled',
  'confirmed',
  'organised',
  'organized',
  'taken care of',
  'dealt with',
];

/**
 * Light-verb idioms whose verb is not the action: "give the plumber a bell" is a call, "get the slides over to Sam"
 * is sending them. Each test is on the lower-case title; `family` is a verb of the family it also counts for, and
 * `drop` the idiom's own nouns, which are not what the to-do is about.
 */
const IDIOMS: ReadonlyArray<{ test: RegExp; family: string; drop: readonly string[] }> = [
  {
    test: /^(?:give|gave)\b.*\b(?:a|another)\s+(?:quick\s+)?(?:bell|ring|call|buzz|tinkle|phone|shout|holler)\b/u,
    family: 'call',
    drop: ['bell', 'ring', 'call', 'buzz', 'tinkle', 'phone', 'shout', 'holler', 'quick'],
  },
  {
    test: /^(?:get|pop|drop|bring|pass|fire|shoot|ping|whizz|whip)\b.*\b(?:over|across|round|along|through|off)\s+to\b|^(?:get|pop|fire|shoot|ping)\b.*\bto\s+\p{Lu}|^(?:pop|stick|put|get)\b.*\b(?:in|into)\s+(?:the\s+)?(?:post|mail|inbox)\b/u,
    family: 'send',
    drop: ['post', 'mail', 'inbox'],
  },
];

/** Words that mean the same thing in a to-do: saying one counts for the other. */
const SYNONYMS: ReadonlyArray<readonly string[]> = [
  ['deck', 'slide', 'slides', 'presentation', 'powerpoint', 'pptx', 'keynote'],
  ['document', 'doc', 'file', 'report', 'writeup'],
  ['invoice', 'bill', 'receipt'],
  ['photo', 'picture', 'pic', 'image'],
  ['mum', 'mom', 'mother', 'mam', 'mummy', 'mommy'],
  ['dad', 'father', 'daddy', 'papa'],
  ['doctor', 'gp', 'physician'],
  ['groceries', 'grocery', 'shopping'],
  ['flat', 'apartment'],
  ['car', 'vehicle'],
  ['cv', 'resume'],
  ['contract', 'agreement'],
  ['email', 'mail', 'message'],
  ['gift', 'present'],
  ['form', 'application'],
];

/** Words that carry no content of their own in a to-do phrase. */
const STOP = new Set(
  (
    'a an the this that these those my your his her its our their me you him them us it i we he she they to for of ' +
    'on in at by with about from into onto up out off over back round some any all every one ones and or so ' +
    'today tomorrow tonight morning afternoon evening night week weekend month year next last later soon ' +
    'monday tuesday wednesday thursday friday saturday sunday am pm please before after again too also just there here'
  ).split(' '),
);

/** Words before a verb that make it not a completion: negation, future, obligation, condition, a question. */
const NOT_DONE = new Set(
  'not never no will would shall should must could can might may going gonna need needs want wants plan planning try trying forgot forget remind remember if unless whether to hope hopefully'.split(
    ' ',
  ),
);

/** Words that may stand between the subject and a done-verb ("I've just finally sent"). */
const BETWEEN = new Set(
  'just already finally actually also now have has had was were been is are be got get s today yesterday earlier eventually successfully quickly all both totally'.split(
    ' ',
  ),
);
/** Words that make what follows hypothetical ("if I sent the deck now …"). */
const CONDITIONAL = new Set(['if', 'unless', 'whether', 'suppose', 'imagine']);
/** Words that make a participle passive ("the deck was sent", "the rent's paid": `s` is a spelt-out "'s"). */
const PASSIVE = new Set(['was', 'were', 'been', 'is', 'are', 'be', 'got', 'get', 's']);
const PARTICLES = new Set(['up', 'off', 'out', 'over', 'back', 'in', 'round', 'away', 'down', 'through']);
const DETERMINERS = new Set([
  'the',
  'a',
  'an',
  'my',
  'your',
  'our',
  'this',
  'that',
  'some',
  'his',
  'her',
  'their',
]);

/** One done-form, as its words ("picked up" is two). */
type Form = readonly string[];

const GENERIC_FORMS: Form[] = GENERIC_DONE.map((phrase) => phrase.split(' '));
const PASSIVE_FORMS: Form[] = PASSIVE_OUTCOMES.map((phrase) => phrase.split(' '));

/** What is precomputed per item so that most observations are ruled out by set lookups alone. */
interface ItemProfile {
  /** Forms of the item's own verb family (strong evidence). */
  forms: Form[];
  /** Second-person gerunds, for "thanks for sending …" from someone else. */
  gerunds: Set<string>;
  /** Stems of the item's content words that are not names. */
  content: Set<string>;
  /** Stems of the names in it ("Sam"). */
  names: Set<string>;
  /** Synonym groups the content words belong to. */
  groups: Set<number>;
  /** Every first word of a form (own and generic), for the cheap check. */
  firstWords: Set<string>;
}

/** A word reduced for comparison: lower case, no possessive, no plural. */
function stem(word: string): string {
  let w = word.toLowerCase().replace(/'s?$/u, '');
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && /(?:ses|xes|ches|shes|zes)$/u.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us')) w = w.slice(0, -1);
  return w;
}

const SYNONYM_GROUP = new Map<string, number>();
SYNONYMS.forEach((group, i) => {
  for (const word of group) SYNONYM_GROUP.set(stem(word), i);
});

const FAMILY_OF = new Map<string, (typeof FAMILIES)[number]>();
for (const family of FAMILIES) for (const verb of family.verbs) FAMILY_OF.set(verb, family);

/** Regular past forms of a verb (with and without a doubled last consonant: "planned", "visited"). */
function regularPast(verb: string): string[] {
  if (verb.endsWith('e')) return [`${verb}d`];
  if (/[^aeiou]y$/u.test(verb)) return [`${verb.slice(0, -1)}ied`];
  const forms = [`${verb}ed`];
  if (/[^aeiou][aeiou][bdgklmnprt]$/u.test(verb)) forms.push(`${verb}${verb.at(-1)}ed`);
  return forms;
}

function gerund(verb: string): string[] {
  if (verb.endsWith('ie')) return [`${verb.slice(0, -2)}ying`];
  if (verb.endsWith('e') && !verb.endsWith('ee')) return [`${verb.slice(0, -1)}ing`];
  const forms = [`${verb}ing`];
  if (/[^aeiou][aeiou][bdgklmnprt]$/u.test(verb)) forms.push(`${verb}${verb.at(-1)}ing`);
  return forms;
}

/** Every done-form of every family, for a to-do that names only a thing. */
const ANY_DONE: readonly Form[] = FAMILIES.flatMap((family) => family.done.map((form) => form.split(' ')));

/** The base form of a verb said as a gerund in a to-do ("putting" → "put", "taking" → "take"), else the word. */
function baseOf(word: string): string {
  if (!word.endsWith('ing') || word.length < 5) return word;
  const stemmed = word.slice(0, -3);
  const candidates = [stemmed, `${stemmed}e`];
  if (/([b-df-hj-np-tv-z])\1$/u.test(stemmed)) candidates.unshift(stemmed.slice(0, -1));
  return candidates.find((c) => FAMILY_OF.has(c) || c in IRREGULAR) ?? word;
}

const profiles = new Map<string, ItemProfile | null>();

/** What an item's title promises: its verb's done-forms and its content words; null when it names nothing. */
function profileOf(item: InboxItem): ItemProfile | null {
  const key = `${item.id}\u0000${item.title}`;
  const cached = profiles.get(key);
  if (cached !== undefined) return cached;
  if (profiles.size > 10_000) profiles.clear();

  const title = straighten(item.title);
  const words = title.match(/[\p{L}\p{N}]+(?:['-][\p{L}\p{N}]+)*/gu) ?? [];
  const first = baseOf((words[0] ?? '').toLowerCase());
  // A lone noun ("Milk", from "don't let me forget milk") names a thing, not what to do with it.
  const hasVerb =
    first !== '' &&
    !DETERMINERS.has(first) &&
    !/^\d/u.test(first) &&
    (words.length > 1 || FAMILY_OF.has(first) || first in IRREGULAR);
  let rest = hasVerb ? words.slice(1) : words;
  if (hasVerb && PARTICLES.has((rest[0] ?? '').toLowerCase())) rest = rest.slice(1);

  const forms: Form[] = [];
  const gerunds = new Set<string>();
  const dropped = new Set<string>();
  if (hasVerb) {
    const family = FAMILY_OF.get(first);
    const done = family ? family.done : (IRREGULAR[first] ?? regularPast(first));
    for (const form of done) forms.push(form.split(' '));
    for (const verb of family ? family.verbs : [first]) for (const form of gerund(verb)) gerunds.add(form);
    const lower = title.toLowerCase();
    for (const idiom of IDIOMS) {
      if (
        !idiom.test.test(idiom.family === 'send' ? title.replace(/^\p{Lu}/u, (c) => c.toLowerCase()) : lower)
      )
        continue;
      const also = FAMILY_OF.get(idiom.family);
      if (also) for (const form of also.done) forms.push(form.split(' '));
      for (const word of idiom.drop) dropped.add(word);
    }
  } else {
    // Any done-verb of any family: "got the milk", "picked up milk", "sorted the milk".
    for (const form of ANY_DONE) forms.push(form);
  }
  const content = new Set<string>();
  const names = new Set<string>();
  const groups = new Set<number>();
  for (const [i, word] of rest.entries()) {
    const lower = word.toLowerCase();
    if (STOP.has(lower) || lower.length < 2 || dropped.has(lower)) continue;
    const stemmed = stem(word);
    // A title's own first letter is upper case: "Milk" is a thing, not a name.
    if (/^\p{Lu}/u.test(word) && (hasVerb || i > 0)) names.add(stemmed);
    else {
      content.add(stemmed);
      const group = SYNONYM_GROUP.get(stemmed);
      if (group !== undefined) groups.add(group);
    }
  }
  const profile =
    content.size === 0 && names.size === 0
      ? null
      : {
          forms,
          gerunds,
          content,
          names,
          groups,
          firstWords: new Set([...forms, ...GENERIC_FORMS, ...PASSIVE_FORMS].map((form) => form[0] ?? '')),
        };
  profiles.set(key, profile);
  return profile;
}

/** Lower case with contractions spelt out, so "haven't" reads "have not" and "I've" reads "I have". */
function expand(text: string): string {
  return text
    .toLowerCase()
    .replace(/\bwon't\b/gu, 'will not')
    .replace(/\bcan't\b/gu, 'can not')
    .replace(/n't\b/gu, ' not')
    .replace(/'ll\b/gu, ' will')
    .replace(/'ve\b/gu, ' have')
    .replace(/'d\b/gu, ' would')
    .replace(/'re\b/gu, ' are')
    .replace(/'m\b/gu, ' am')
    .replace(/'s\b/gu, ' s');
}

function tokens(text: string): string[] {
  return expand(text).match(/[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*/gu) ?? [];
}

/** Where a form starts in the words (its later words may be up to three words apart: "picked the kids up"). */
function formsAt(words: readonly string[], forms: readonly Form[]): Array<{ index: number; form: Form }> {
  const found: Array<{ index: number; form: Form }> = [];
  words.forEach((word, index) => {
    for (const form of forms) {
      if (form[0] !== word) continue;
      let at = index;
      let ok = true;
      for (const next of form.slice(1)) {
        const within = words.slice(at + 1, at + 4).indexOf(next);
        if (within < 0) {
          ok = false;
          break;
        }
        at += within + 1;
      }
      if (ok) found.push({ index, form });
    }
  });
  return found;
}

/** Who did it, by the words before the verb: the speaker (or nobody named), the listener, a passive, or someone else. */
function doerOf(
  words: readonly string[],
  index: number,
): 'speaker' | 'listener' | 'passive' | 'other' | 'not-done' {
  let passive = false;
  for (let i = index - 1; i >= 0; i -= 1) {
    const word = words[i] ?? '';
    if (NOT_DONE.has(word)) return 'not-done';
    if (BETWEEN.has(word)) {
      if (PASSIVE.has(word)) passive = true;
      continue;
    }
    if (word === 'i' || word === 'we' || word === 'and' || word === 'then' || word === 'you') {
      if (words.slice(Math.max(0, i - 2), i).some((w) => CONDITIONAL.has(w))) return 'not-done';
      if (word === 'you') return 'listener';
      return passive ? 'passive' : 'speaker';
    }
    // Anything else before the verb is its subject (someone else), or, in a passive, the thing done.
    for (let j = i - 1; j >= Math.max(0, i - 4); j -= 1) if (NOT_DONE.has(words[j] ?? '')) return 'not-done';
    if (!passive && resultOpening(words, i)) return 'passive';
    return passive ? 'passive' : 'other';
  }
  return passive ? 'passive' : 'speaker';
}

/** Heads of a result construction: "that's the deck sent", "there's the rent paid", "here's the form done". */
const RESULT_HEADS = new Set(['that', 'there', 'here', 'thats', 'theres', 'heres']);
/** Causative verbs: "got the deck sent off", "had the car fixed", "have the invoice paid". */
const CAUSATIVES = new Set(['got', 'get', 'had', 'have', 'gotten']);

/**
 * True when the words up to `last` (inclusive, walking back at most five words over the thing done) open a result
 * construction whose participle follows: "that's the deck gone off to Sam", "there's the rent paid", "I've got the
 * slides sent over", "finally had the boiler fixed". The thing done comes before the participle, as in a passive.
 */
function resultOpening(words: readonly string[], last: number): boolean {
  const subjects = new Set(['i', 'you', 'we', 'he', 'she', 'they', 'it']);
  if (subjects.has(words[last] ?? '')) return false; // "that's the deck you sent": a relative clause
  for (let k = last - 1; k >= Math.max(0, last - 5); k -= 1) {
    const word = words[k] ?? '';
    const thing = words.slice(k + 1, last + 1);
    // The thing done is one word ("that's milk sorted") or starts with a determiner ("the deck", "my invoice").
    const nounPhrase = thing.length === 1 || DETERMINERS.has(thing[0] ?? '');
    if (word === 's' || word === 'is') return nounPhrase && RESULT_HEADS.has(words[k - 1] ?? '');
    if (word === 'thats' || word === 'theres' || word === 'heres') return nounPhrase;
    if (CAUSATIVES.has(word)) {
      const before = words[k - 1];
      return nounPhrase && (before === undefined || before === 'i' || before === 'we' || BETWEEN.has(before));
    }
    if (NOT_DONE.has(word) || subjects.has(word) || startsAnotherAction(word)) return false;
  }
  return false;
}

/** First words of every known done-form: where the stretch of words a verb acts on ends. */
/** Auxiliaries: never the start of another action, even when a done-form opens with one. */
const AUXILIARIES = new Set(['been', 'had', 'have', 'has', 'was', 'were', 'is', 'are', 'be']);
const DONE_WORDS = new Set(
  [...FAMILIES.flatMap((family) => family.done), ...Object.values(IRREGULAR).flat(), ...GENERIC_DONE]
    .map((form) => form.split(' ')[0] ?? '')
    // Auxiliaries that open a done-form ("been in touch with", "had a word with") are no action of their own.
    .filter((word) => !AUXILIARIES.has(word)),
);

/** True for a word that starts another action ("… and then called the bank"): the end of what a verb acts on. */
function startsAnotherAction(word: string): boolean {
  return word === 'then' || DONE_WORDS.has(word) || (word.length > 4 && /[^e]ed$/u.test(word));
}

/**
 * The words a done-verb at `index` acts on: what follows it up to the next action, or, in a passive, what comes
 * before it back to the previous action ("the deck was sent").
 */
function objectWords(words: readonly string[], index: number, passive: boolean): readonly string[] {
  if (passive) {
    let start = index - 1;
    while (start >= 0 && !startsAnotherAction(words[start] ?? '')) start -= 1;
    return words.slice(start + 1, index);
  }
  let end = index + 1;
  while (end < words.length && !startsAnotherAction(words[end] ?? '')) end += 1;
  return words.slice(index + 1, end);
}

/** How well the words name the item's content: 2 a content word or synonym, 1 only a name, 0 nothing. */
function contentMatch(words: readonly string[], profile: ItemProfile): 0 | 1 | 2 {
  let named = false;
  for (const word of words) {
    const stemmed = stem(word);
    if (profile.content.has(stemmed)) return 2;
    const group = SYNONYM_GROUP.get(stemmed);
    if (group !== undefined && profile.groups.has(group)) return 2;
    if (profile.names.has(stemmed)) named = true;
  }
  // A name alone is enough only when the item names nothing else ("call Jo"), never for "send Sam the deck".
  return named && profile.content.size === 0 ? 1 : 0;
}

const CLAUSE_BREAK =
  /\s*(?:[,;:]|\s-\s|\b(?:but|because|though|although|while|whereas|so that|except)\b)\s*/iu;

/**
 * Finds open commitments and reminders that the text says were done: "sent the deck to Sam", "just emailed Sam the
 * slides", "paid the rent", "the deck has been sent". The item's own verb family in the past (or a participle), with
 * a content word of the item or a close synonym (deck/slides/presentation) in the same clause; a name alone counts only
 * for items that name nothing else ("call Jo"). Negated ("haven't sent the deck yet"), future or wished ("will send",
 * "need to send"), conditional and questioned mentions do not count, nor what someone else did ("Sam sent the
 * deck"). When the speaker is not the wearer, only words that credit the listener count ("you sent the deck",
 * "thanks for sending the slides"). Only items created before the text was captured are considered.
 *
 * Confidence: 0.85 for the item's verb with a content word, 0.75 with only the name, 0.7 for a generic phrase
 * ("took care of the rent"), 0.6 when someone else credits the person. Cheap per call: each item's forms and words
 * are computed once, and an item whose forms and words do not all appear in the text is dropped by set lookups.
 */
export function findCompletions(
  text: string,
  open: readonly InboxItem[],
  ctx: { capturedAt: number; speakerIsWearer: boolean },
): Completion[] {
  const candidates: Array<{ item: InboxItem; profile: ItemProfile }> = [];
  let words: Set<string> | null = null;
  let stems: Set<string> | null = null;
  for (const item of open) {
    if (item.kind !== 'commitment' && item.kind !== 'reminder') continue;
    if (item.status !== 'pending' && item.status !== 'to_confirm' && item.status !== 'snoozed') continue;
    if (item.createdAt > ctx.capturedAt) continue;
    const profile = profileOf(item);
    if (!profile) continue;
    if (!words) {
      const all = tokens(text);
      words = new Set(all);
      stems = new Set(all.map(stem));
    }
    const seen = words;
    if (![...profile.firstWords].some((word) => seen.has(word))) {
      if (ctx.speakerIsWearer || ![...profile.gerunds].some((word) => seen.has(word))) continue;
    }
    const stemsSeen = stems ?? new Set<string>();
    const mentions =
      [...profile.content].some((word) => stemsSeen.has(word)) ||
      [...stemsSeen].some((word) => {
        const group = SYNONYM_GROUP.get(word);
        return group !== undefined && profile.groups.has(group);
      }) ||
      (profile.content.size === 0 && [...profile.names].some((word) => stemsSeen.has(word)));
    if (mentions) candidates.push({ item, profile });
  }
  if (candidates.length === 0) return [];

  const clauses: Array<{ text: string; words: string[] }> = [];
  for (const sentence of sentencesOf(straighten(text))) {
    if (/\?["')\]]*$/u.test(sentence.text)) continue;
    for (const clause of sentence.text.split(CLAUSE_BREAK)) {
      const clauseWords = tokens(clause);
      if (clauseWords.length > 0) clauses.push({ text: clause, words: clauseWords });
    }
  }

  const found: Completion[] = [];
  for (const { item, profile } of candidates) {
    let best: Completion | null = null;
    for (const clause of clauses) {
      const options: Array<{ index: number; confidence: number }> = [];
      for (const { index, form } of formsAt(clause.words, profile.forms)) {
        let doer = doerOf(clause.words, index);
        // "the invoice went off to Priya": the thing sent is the subject of an intransitive "went"/"gone".
        if (doer === 'other' && (form[0] === 'went' || form[0] === 'gone') && form.length > 1)
          doer = 'passive';
        // "that's the deck Sam sent": a name just before the participle did it.
        if (doer === 'passive' && profile.names.has(stem(clause.words[index - 1] ?? ''))) continue;
        if (ctx.speakerIsWearer ? doer === 'speaker' || doer === 'passive' : doer === 'listener') {
          // In a passive the thing done comes first ("the deck was sent"), else "Sam's sent the deck" would count.
          const match = contentMatch(objectWords(clause.words, index, doer === 'passive'), profile);
          if (match > 0)
            options.push({ index, confidence: ctx.speakerIsWearer ? (match === 2 ? 0.85 : 0.75) : 0.6 });
        }
      }
      if (ctx.speakerIsWearer) {
        for (const { index } of formsAt(clause.words, GENERIC_FORMS)) {
          const doer = doerOf(clause.words, index);
          const acted = objectWords(clause.words, index, doer === 'passive');
          if ((doer === 'speaker' || doer === 'passive') && contentMatch(acted, profile) > 0)
            options.push({ index, confidence: 0.7 });
        }
        // "the plumber's booked", "milk's sorted": the thing itself, said to be done.
        for (const { index } of formsAt(clause.words, PASSIVE_FORMS)) {
          if (doerOf(clause.words, index) !== 'passive') continue;
          if (contentMatch(objectWords(clause.words, index, true), profile) > 0)
            options.push({ index, confidence: 0.65 });
        }
      } else {
        // "Thanks for sending the slides": someone else credits the person.
        clause.words.forEach((word, index) => {
          if (!profile.gerunds.has(word) || clause.words[index - 1] !== 'for') return;
          if (!clause.words.slice(Math.max(0, index - 4), index).some((w) => w === 'thanks' || w === 'thank'))
            return;
          if (contentMatch(objectWords(clause.words, index, false), profile) > 0)
            options.push({ index, confidence: 0.6 });
        });
      }
      for (const option of options)
        if (!best || option.confidence > best.confidence)
          best = { item, evidence: clip(clause.text, 200), confidence: option.confidence };
    }
    if (best) found.push(best);
  }
  return found;
}
