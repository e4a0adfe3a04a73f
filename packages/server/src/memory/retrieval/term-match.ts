import { porterStem } from './porter-stem.ts';

/** Stems already computed: a person's vocabulary is small and repeats, so retrieval stems each word once. */
const stems = new Map<string, string>();
/** Past this many cached words the cache starts over (a bound on memory, not a tuning knob). */
const STEM_CACHE_SIZE = 50_000;

function cachedStem(word: string): string {
  let stem = stems.get(word);
  if (stem === undefined) {
    if (stems.size >= STEM_CACHE_SIZE) stems.clear();
    stem = porterStem(word);
    stems.set(word, stem);
  }
  return stem;
}

/**
 * The index words of a text as SQLite FTS5's `porter unicode61 remove_diacritics 2` tokenizer makes them: letters and
 * digits split on everything else, lower-cased, accents dropped, each Porter-stemmed.
 */
export function indexWords(text: string): string[] {
  const lower = text.toLowerCase();
  // Only text with accents needs folding, and folding is the slow part.
  const plain = /[^ -~\s]/u.test(lower) ? lower.normalize('NFKD').replace(/\p{M}/gu, '') : lower;
  return (plain.match(/[\p{L}\p{N}]+/gu) ?? []).map(cachedStem);
}

/** A question term with the index words it must match (a term like "won't" is the two words "won" and "t"). */
export interface MatchableTerm {
  term: string;
  words: string[];
}

/** Prepares question terms for matching against retrieved texts. */
export function matchableTerms(terms: readonly string[]): MatchableTerm[] {
  return terms.map((term) => ({ term, words: indexWords(term) })).filter((term) => term.words.length > 0);
}

/** The terms a text contains the way the full-text index matched them (every word of the term in the text). */
export function termsIn(text: string, terms: readonly MatchableTerm[]): Set<string> {
  const words = new Set(indexWords(text));
  const found = new Set<string>();
  for (const term of terms) if (term.words.every((word) => words.has(word))) found.add(term.term);
  return found;
}
