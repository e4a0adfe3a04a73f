import { describe, expect, it } from 'vitest';
import { porterStem } from './porter-stem.ts';

describe('porterStem', () => {
  it('stems the way the full-text index does, so plural, tense and derived forms meet', () => {
    expect(porterStem('painting')).toBe(porterStem('painted'));
    expect(porterStem('agencies')).toBe(porterStem('agency'));
    expect(porterStem('activities')).toBe('activ');
    expect(porterStem('relational')).toBe('relat');
    expect(porterStem('hopping')).toBe('hop');
    expect(porterStem('generalizations')).toBe('gener');
  });

  it('keeps short words and words with digits or other scripts as they are', () => {
    expect(porterStem('is')).toBe('is');
    expect(porterStem('5k')).toBe('5k');
    expect(porterStem('café')).toBe('café');
  });
});
