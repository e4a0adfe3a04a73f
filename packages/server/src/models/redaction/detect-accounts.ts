import type { Detector, PersonalDataSpan } from './categories.ts';
import { abaRoutingValid, ibanValid } from './checksums.ts';

/** Two letters, two check digits, then groups of up to four letters or digits (a run is trimmed until it checks). */
const IBAN_CANDIDATE = /(?<![\p{L}\p{N}])[A-Z]{2}\d{2}(?:[ \u00a0]?[A-Z0-9]{1,4}){2,9}/giu;

/** A word that says an account, sort code or routing number follows. */
const ACCOUNT_WORD = /\b(?:account|acct|acc|a\/c)\b(?:\s*(?:number|no\.?|num|#))?/giu;
const SORT_CODE_WORD = /\b(?:sort[\s-]?code|s\/c)\b/giu;
const ROUTING_WORD = /\b(?:routing|aba|rtn|transit)\b(?:\s*(?:number|no\.?|num|#))?/giu;

/** How far after such a word its number may be ("account ending 4821, full number 000482194821"). */
const REACH = 40;

function ibans(text: string): PersonalDataSpan[] {
  const spans: PersonalDataSpan[] = [];
  for (const match of text.matchAll(IBAN_CANDIDATE)) {
    const groups = [...match[0].matchAll(/[A-Z0-9]+/giu)];
    for (let size = groups.length; size >= 1; size -= 1) {
      const window = groups.slice(0, size);
      const last = window.at(-1);
      if (!last) break;
      const end = (last.index ?? 0) + last[0].length;
      if (ibanValid(match[0].slice(0, end))) {
        spans.push({ category: 'account', start: match.index, end: match.index + end });
        break;
      }
    }
  }
  return spans;
}

/** Numbers of `digits` digits (a pattern) found within REACH characters after each keyword match. */
function numbersAfter(
  text: string,
  keyword: RegExp,
  digits: RegExp,
  accept: (value: string) => boolean = () => true,
): PersonalDataSpan[] {
  const spans: PersonalDataSpan[] = [];
  for (const word of text.matchAll(keyword)) {
    const from = word.index + word[0].length;
    const window = text.slice(from, from + REACH);
    // A number belongs to the keyword only within the same clause.
    const clause = window.split(/[.;!?\n](?!\d)/u)[0] ?? '';
    for (const number of clause.matchAll(digits)) {
      if (!accept(number[0])) continue;
      spans.push({
        category: 'account',
        start: from + number.index,
        end: from + number.index + number[0].length,
      });
    }
  }
  return spans;
}

/** A UK sort code printed as 12-34-56 right before an eight-digit account number: "40-47-84 / 70872490". */
const SORT_CODE_AND_ACCOUNT = /(?<![\p{N}-])(\d{2}-\d{2}-\d{2})\s*[/,]?\s*(\d{8})(?!\p{N})/gu;

/**
 * Finds bank account numbers: IBANs (country length and mod-97 checked, with or without spaces), UK sort codes and
 * account numbers, and US routing (ABA checksum) and account numbers named as such in the text.
 */
export const detectAccounts: Detector = (text) => {
  const spans = ibans(text);
  spans.push(
    ...numbersAfter(text, ACCOUNT_WORD, /(?<![\p{N}-])#?\d{6,17}(?![\p{N}-])/gu),
    ...numbersAfter(text, SORT_CODE_WORD, /(?<!\p{N})\d{2}(?:[- ]?)\d{2}(?:[- ]?)\d{2}(?!\p{N})/gu, (value) =>
      /^\d{2}([- ]?)\d{2}\1\d{2}$/.test(value),
    ),
    ...numbersAfter(text, ROUTING_WORD, /(?<!\p{N})\d{9}(?!\p{N})/gu, abaRoutingValid),
  );
  for (const match of text.matchAll(SORT_CODE_AND_ACCOUNT)) {
    const sortCode = match[1] ?? '';
    const account = match[2] ?? '';
    spans.push({ category: 'account', start: match.index, end: match.index + sortCode.length });
    const accountStart = match.index + match[0].length - account.length;
    spans.push({ category: 'account', start: accountStart, end: accountStart + account.length });
  }
  return spans;
};
