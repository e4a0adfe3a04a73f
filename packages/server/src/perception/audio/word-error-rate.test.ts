import { describe, expect, it } from 'vitest';
import { countWordErrors, normaliseWords, wordErrorRate } from './word-error-rate.ts';

describe('word error rate', () => {
  it('is zero for the same words whatever the case and punctuation', () => {
    expect(
      wordErrorRate('He was not an ill-disposed young man.', 'he was NOT an ill disposed, young man'),
    ).toBe(0);
    expect(normaliseWords("'Don't,' she said.")).toEqual(["don't", 'she', 'said']);
  });

  it('counts substitutions, deletions and insertions against the reference length', () => {
    expect(countWordErrors('the cat sat on the mat', 'the bat sat on mat')).toEqual({
      substitutions: 1,
      deletions: 1,
      insertions: 0,
      errors: 2,
      referenceWords: 6,
    });
    expect(countWordErrors('he might even', 'he might not even')).toMatchObject({ insertions: 1, errors: 1 });
    expect(wordErrorRate('the cat sat on the mat', 'the bat sat on mat today')).toBeCloseTo(0.5);
  });

  it('reaches 1 for an empty hypothesis and can exceed 1 with insertions', () => {
    expect(wordErrorRate('one two three', '')).toBe(1);
    expect(wordErrorRate('one', 'one two three')).toBe(2);
  });

  it('handles an empty reference', () => {
    expect(wordErrorRate('', '')).toBe(0);
    expect(wordErrorRate('  ', 'noise')).toBe(1);
  });
});
