import { GuardError, type GuardVerdict } from './guard.ts';
import { type HazardCategory, sortHazards, toHazardCategory } from './hazard-categories.ts';

/** End-of-turn tokens a raw completion may keep at its end (llama.cpp without a chat template strips none). */
const END_TOKENS = /(?:<\|eot_id\|>|<\|end_of_text\|>|<\|eom_id\|>)+\s*$/;
const CATEGORY_SHAPE = /^S\d{1,2}$/i;

function unparseable(problem: string, text: string): GuardError {
  return new GuardError(
    'unparseable',
    `the guard model's answer is not a Llama Guard verdict ("safe", or "unsafe" and a line of categories S1-S14): ${problem}`,
    { details: { characters: text.length } },
  );
}

/** A line without surrounding space or one trailing period, in lower case. */
function clean(line: string): string {
  return line.trim().replace(/\.$/, '').trim().toLowerCase();
}

/**
 * Reads Llama Guard output: `safe`, or `unsafe` and a second line of comma-separated hazard codes (`unsafe\nS1,S10`).
 * Space around lines and codes, blank lines, letter case, a trailing period and trailing end-of-turn tokens are
 * tolerated. Anything else (another first word, `unsafe` without categories, an unknown code such as S15, extra
 * lines) throws `GuardError` with failure `unparseable`: it is never read as safe. The error holds no output text.
 */
export function parseLlamaGuardOutput(text: string): Pick<GuardVerdict, 'verdict' | 'categories'> {
  const lines = text
    .replace(END_TOKENS, '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const [first, second, ...rest] = lines;
  if (first === undefined) throw unparseable('the answer is empty', text);
  const verdict = clean(first);
  if (verdict === 'safe') {
    if (second !== undefined) throw unparseable('"safe" is followed by more lines', text);
    return { verdict: 'safe', categories: [] };
  }
  if (verdict !== 'unsafe') throw unparseable('the first line is neither "safe" nor "unsafe"', text);
  if (second === undefined) throw unparseable('"unsafe" names no hazard category', text);
  if (rest.length > 0) throw unparseable('more lines follow the categories', text);
  const codes: HazardCategory[] = [];
  for (const part of clean(second).split(',')) {
    const token = part.trim();
    const code = toHazardCategory(token);
    if (!code) {
      throw unparseable(
        CATEGORY_SHAPE.test(token)
          ? `"${token.toUpperCase()}" is not one of the hazard categories S1-S14`
          : 'the second line is not a comma-separated list of categories',
        text,
      );
    }
    codes.push(code);
  }
  return { verdict: 'unsafe', categories: sortHazards(codes) };
}
