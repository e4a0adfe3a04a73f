import { describe, expect, it } from 'vitest';
import { indexWords, matchableTerms, termsIn } from './term-match.ts';

describe('term matching', () => {
  it('splits, folds accents and stems like the index', () => {
    expect(indexWords("Zoë's Café, painting!")).toEqual(['zoe', 's', 'cafe', 'paint']);
  });

  it('finds the question terms a text contains, in any inflection', () => {
    const terms = matchableTerms(['paint', 'sunsets', "won't", 'dog']);
    expect([...termsIn('I painted a sunset; I won’t stop.', terms)].sort()).toEqual([
      'paint',
      'sunsets',
      "won't",
    ]);
    expect(termsIn('Nothing here', terms).size).toBe(0);
  });
});
