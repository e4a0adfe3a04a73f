/** Word-level edit counts between a reference transcript and a recogniser's hypothesis. */
export interface WordErrors {
  substitutions: number;
  deletions: number;
  insertions: number;
  /** Substitutions + deletions + insertions. */
  errors: number;
  referenceWords: number;
}

/**
 * Splits text into comparable words: lower case, punctuation dropped (apostrophes inside words kept, so
 * "Don't!" and "don't" match), any whitespace as separator.
 */
export function normaliseWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s]+/gu, ' ')
    .replace(/(^|\s)'+|'+(?=\s|$)/g, '$1')
    .split(/\s+/)
    .filter((word) => word.length > 0);
}

/** Counts the fewest substitutions, deletions and insertions that turn the reference into the hypothesis. */
export function countWordErrors(reference: string, hypothesis: string): WordErrors {
  const ref = normaliseWords(reference);
  const hyp = normaliseWords(hypothesis);
  type Cell = { cost: number; substitutions: number; deletions: number; insertions: number };
  let previous: Cell[] = Array.from({ length: hyp.length + 1 }, (_, j) => ({
    cost: j,
    substitutions: 0,
    deletions: 0,
    insertions: j,
  }));
  for (let i = 1; i <= ref.length; i += 1) {
    const current: Cell[] = [{ cost: i, substitutions: 0, deletions: i, insertions: 0 }];
    for (let j = 1; j <= hyp.length; j += 1) {
      const diagonal = previous[j - 1]!;
      const above = previous[j]!;
      const left = current[j - 1]!;
      const same = ref[i - 1] === hyp[j - 1];
      const substitute = diagonal.cost + (same ? 0 : 1);
      const remove = above.cost + 1;
      const insert = left.cost + 1;
      const best = Math.min(substitute, remove, insert);
      if (best === substitute)
        current.push({ ...diagonal, cost: best, substitutions: diagonal.substitutions + (same ? 0 : 1) });
      else if (best === remove) current.push({ ...above, cost: best, deletions: above.deletions + 1 });
      else current.push({ ...left, cost: best, insertions: left.insertions + 1 });
    }
    previous = current;
  }
  const last = previous[hyp.length]!;
  return {
    substitutions: last.substitutions,
    deletions: last.deletions,
    insertions: last.insertions,
    errors: last.cost,
    referenceWords: ref.length,
  };
}

/**
 * Word error rate: word edits divided by the reference's word count, after normalising case and punctuation.
 * Can exceed 1 when the hypothesis inserts many words. An empty reference gives 0 for an empty hypothesis, else 1.
 */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const { errors, referenceWords } = countWordErrors(reference, hypothesis);
  if (referenceWords === 0) return errors === 0 ? 0 : 1;
  return errors / referenceWords;
}
