import { createRequire } from 'node:module';
import type Compromise from 'compromise';
import type WinkModel from 'wink-eng-lite-web-model';
import type WinkNlp from 'wink-nlp';

// The NLP libraries load on first use (compromise alone takes about 0.5 s), so commands that never extract facts
// do not pay for them; `require` keeps the first use synchronous.
const load = createRequire(import.meta.url);

type Wink = ReturnType<typeof WinkNlp>;

let wink: Wink | undefined;
let compromise: typeof Compromise | undefined;

/** wink-nlp with its English model, loaded once on first use (about 70 ms). */
function winkEngine(): Wink {
  if (!wink) {
    const winkNLP = load('wink-nlp') as typeof WinkNlp;
    wink = winkNLP(load('wink-eng-lite-web-model') as typeof WinkModel);
  }
  return wink;
}

/** compromise, loaded once on first use. */
function nlp(text: string): ReturnType<typeof Compromise> {
  compromise ??= load('compromise') as typeof Compromise;
  return compromise(text);
}

/** What the NLP libraries say about the words of one sentence. */
export interface SentenceAnalysis {
  /** People compromise recognises, as written (no trailing punctuation). */
  people: string[];
  /** Places compromise recognises. */
  places: string[];
  /** Organisations compromise recognises. */
  organisations: string[];
  /** Capitalised words that compromise or wink tag as proper nouns (people, places or organisations). */
  properNouns: Set<string>;
  /** A capitalised first word that wink tags as a proper noun but compromise does not: a name only in context. */
  sentenceInitialProperNouns: Set<string>;
  /** Words compromise tags as verbs. */
  verbs: Set<string>;
  /** Words compromise tags as dates or that wink reads as part of a date or time. */
  dateWords: Set<string>;
  /** E-mail addresses wink finds. */
  emails: string[];
}

function clean(phrase: string): string {
  return phrase
    .replace(/[.,;:!?"]+$/u, '')
    .replace(/'s$/u, '')
    .trim();
}

/** Runs compromise and wink over one sentence. */
export function analyseSentence(sentence: string): SentenceAnalysis {
  const doc = nlp(sentence);
  const properNouns = new Set<string>();
  const verbs = new Set<string>();
  const dateWords = new Set<string>();
  for (const term of doc
    .json({ terms: { tags: true, text: true } })
    .flatMap((s: { terms: { text: string; tags: string[] }[] }) => s.terms)) {
    const tags = new Set(term.tags);
    if (tags.has('Verb')) verbs.add(term.text.toLowerCase());
    if (tags.has('Date') || tags.has('WeekDay') || tags.has('Month')) dateWords.add(term.text.toLowerCase());
    if (/^[A-Z]/u.test(term.text) && (tags.has('ProperNoun') || tags.has('Person') || tags.has('Place'))) {
      properNouns.add(term.text);
    }
  }
  const sentenceInitialProperNouns = new Set<string>();
  const engine = winkEngine();
  const its = engine.its;
  const wd = engine.readDoc(sentence);
  const tokens = wd.tokens().out(its.value);
  const pos = wd.tokens().out(its.pos);
  tokens.forEach((token, i) => {
    if (pos[i] === 'PROPN' && /^[A-Z][\p{L}'-]+$/u.test(token)) {
      if (i === 0) sentenceInitialProperNouns.add(token);
      else properNouns.add(token);
    }
  });
  const emails: string[] = [];
  for (const entity of wd.entities().out(its.detail) as unknown as { value: string; type: string }[]) {
    if (entity.type === 'EMAIL') emails.push(entity.value);
    if (entity.type === 'DATE' || entity.type === 'TIME' || entity.type === 'DURATION') {
      for (const word of entity.value.split(/\s+/u)) dateWords.add(word.toLowerCase());
    }
  }
  return {
    people: doc.people().out('array').map(clean).filter(Boolean),
    places: doc.places().out('array').map(clean).filter(Boolean),
    organisations: doc.organizations().out('array').map(clean).filter(Boolean),
    properNouns,
    sentenceInitialProperNouns,
    verbs,
    dateWords,
    emails,
  };
}

/** True when compromise reads the phrase's first word as a verb after "I will" ("send the report", "call mum"). */
export function startsWithVerb(phrase: string): boolean {
  return nlp(`I will ${phrase}`).terms().eq(2).has('#Verb');
}

/** The base form of a verb ("meeting" to "meet"); the word itself when compromise has none. */
export function infinitive(verb: string): string {
  const base = nlp(verb).verbs().toInfinitive().text();
  return base || verb;
}
