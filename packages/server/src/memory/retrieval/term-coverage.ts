import { matchableTerms, termsIn } from './term-match.ts';

/**
 * How much of a question each retrieved text covers: the summed weight of the question terms it contains over the
 * summed weight of all of them, in [0, 1]. A term's weight is its rarity among the retrieved texts
 * (`ln(1 + (N − n + 0.5) / (n + 0.5))`, BM25's idf with N texts of which n contain it), so covering the rare,
 * specific words of a question counts more than repeating its common ones (names, "like", "time"). BM25 alone
 * prefers a short text with one common word many times; coverage prefers the text that says most of what was asked.
 * Work is linear in the texts' length; no search.
 */
export function termCoverage(
  texts: ReadonlyMap<number, string>,
  terms: readonly string[],
): Map<number, number> {
  const matchable = matchableTerms(terms);
  const found = new Map<number, Set<string>>();
  const containing = new Map<string, number>();
  for (const [key, text] of texts) {
    const inText = termsIn(text, matchable);
    found.set(key, inText);
    for (const term of inText) containing.set(term, (containing.get(term) ?? 0) + 1);
  }
  const weight = (term: string) => {
    const n = containing.get(term) ?? 0;
    return Math.log(1 + (texts.size - n + 0.5) / (n + 0.5));
  };
  const total = matchable.reduce((sum, term) => sum + weight(term.term), 0);
  const coverage = new Map<number, number>();
  for (const [key, inText] of found) {
    let covered = 0;
    for (const term of inText) covered += weight(term);
    coverage.set(key, total > 0 ? covered / total : 0);
  }
  return coverage;
}
