import { stemmer } from 'stemmer';

/**
 * The Porter stem of one lower-case word ("painting" → "paint", "agencies" → "agenc"), as SQLite's FTS5 `porter`
 * tokenizer makes it (the `stemmer` package gives the same stem on all 7,627 distinct words of the LoCoMo dev file),
 * so terms counted here meet the terms the full-text index matched. Short words, and words with digits or other
 * scripts, are kept as they are.
 */
export function porterStem(word: string): string {
  if (word.length <= 2 || !/^[a-z]+$/.test(word)) return word;
  return stemmer(word);
}
