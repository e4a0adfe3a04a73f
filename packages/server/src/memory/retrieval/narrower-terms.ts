import { matchableTerms, termsIn } from './term-match.ts';
import { type NounHierarchy, nounLemmas } from './wordnet.ts';

/** How far below a question's noun narrowing looks, and how many words it may return. */
export interface NarrowingOptions {
  /** Levels of hyponymy followed below the question's noun (1 = its direct kinds). */
  depth: number;
  /** At most this many narrower words per question, those most often tagged in WordNet's sense-tagged corpus first. */
  limit: number;
  /**
   * A sense of the question's noun is followed when it was tagged at least this share as often as its most frequent
   * sense (0 follows every sense, 1 only the most frequent).
   */
  senseShare: number;
}

/** One narrower word with the question term it is a kind of. */
export interface NarrowerTerm {
  term: string;
  /** The question words it narrows ("activities" for "swimming"). */
  of: string;
  /** How many levels below that term. */
  depth: number;
  /** How often the word was tagged in that sense in WordNet's sense-tagged corpus. */
  tagged: number;
}

/**
 * The WordNet noun each phrase names: a compound of its last two words when WordNet has one ("martial arts" →
 * martial_art, "board games" → board_game), else its last word (the head of an English noun phrase: "outdoor
 * activities" → activity).
 */
function phraseNouns(
  hierarchy: NounHierarchy,
  phrases: ReadonlyArray<readonly string[]>,
): Array<{ of: string; lemma: string }> {
  const nouns: Array<{ of: string; lemma: string }> = [];
  for (const phrase of phrases) {
    const head = phrase.at(-1);
    if (head === undefined) continue;
    const before = phrase.at(-2);
    const compound = before === undefined ? [] : nounLemmas(`${before}_${head}`, hierarchy);
    const of = compound.length > 0 ? `${before} ${head}` : head;
    for (const lemma of compound.length > 0 ? compound : nounLemmas(head, hierarchy))
      nouns.push({ of, lemma });
  }
  return nouns;
}

/**
 * Words for kinds of the things a question names: "activities" → swimming, camping, painting…; "instruments" →
 * piano, guitar…; "cities" → Paris, Boston…. WordNet's hyponyms (and named instances) of the frequent senses of each
 * phrase's noun, a bounded number of levels down, the most often used words first (by WordNet's sense-tag counts),
 * nearer levels breaking ties. A person says "I went swimming", not
 * "I did an activity"; these words let a search find it. Work is bounded by `depth` and `limit`, not by the timeline.
 */
export function narrowerTerms(
  hierarchy: NounHierarchy,
  phrases: ReadonlyArray<readonly string[]>,
  options: NarrowingOptions,
): NarrowerTerm[] {
  const asked = new Set(phrases.flat());
  const best = new Map<string, NarrowerTerm>();
  for (const { of, lemma } of phraseNouns(hierarchy, phrases)) {
    asked.add(lemma.replaceAll('_', ' '));
    const senses = hierarchy.senses(lemma);
    const top = Math.max(...senses.map((sense) => sense.tagged), 0);
    // Untagged senses are listed most frequent first too; without counts only the first is followed.
    const followed =
      top > 0 ? senses.filter((sense) => sense.tagged >= top * options.senseShare) : senses.slice(0, 1);
    const seen = new Map<number, number>();
    let frontier = followed.map((sense) => sense.concept);
    for (let depth = 1; depth <= options.depth && frontier.length > 0; depth += 1) {
      const next: number[] = [];
      for (const id of frontier)
        for (const narrower of hierarchy.concept(id)?.narrower ?? [])
          if (!seen.has(narrower)) {
            seen.set(narrower, depth);
            next.push(narrower);
          }
      frontier = next;
    }
    for (const [id, depth] of seen) {
      const concept = hierarchy.concept(id);
      for (const { lemma: word, tagged } of concept?.lemmas ?? []) {
        const term = word.replaceAll('_', ' ');
        const known = best.get(term);
        if (!known || tagged > known.tagged) best.set(term, { term, of, depth, tagged });
      }
    }
  }
  return [...best.values()]
    .filter((narrower) => !asked.has(narrower.term))
    .sort((a, b) => b.tagged - a.tagged || a.depth - b.depth || a.term.localeCompare(b.term))
    .slice(0, options.limit);
}

/**
 * The texts with, after each, the question words that a narrower word in it is a kind of ("I went swimming" →
 * "I went swimming activities"), so that measures of how much of the question a text covers count a kind as the
 * thing asked about.
 */
export function nameKinds(
  texts: ReadonlyMap<number, string>,
  narrower: readonly NarrowerTerm[],
): Map<number, string> {
  if (narrower.length === 0) return new Map(texts);
  const matchable = matchableTerms(narrower.map((entry) => entry.term));
  const of = new Map(narrower.map((entry) => [entry.term, entry.of]));
  const named = new Map<number, string>();
  for (const [key, text] of texts) {
    const kinds = new Set([...termsIn(text, matchable)].map((term) => of.get(term) ?? ''));
    named.set(key, kinds.size > 0 ? `${text} ${[...kinds].join(' ')}` : text);
  }
  return named;
}
