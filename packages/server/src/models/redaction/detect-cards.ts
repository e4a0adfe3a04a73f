import { type Detector, matchSpans } from './categories.ts';
import { luhnValid } from './checksums.ts';

/** Runs of digits in groups split by one space, no-break space or hyphen, 13 to 19 digits in all (and a little more). */
const CANDIDATE = /(?<![\p{L}\p{N}.,])\d+(?:[ \u00a0-]\d+)*(?![\p{L}\p{N}]|[.,]\d)/gu;

/** Issuer prefixes and lengths of the card schemes people carry (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay). */
function knownScheme(digits: string): boolean {
  const length = digits.length;
  const two = Number(digits.slice(0, 2));
  const three = Number(digits.slice(0, 3));
  const four = Number(digits.slice(0, 4));
  if (digits.startsWith('4')) return length === 13 || length === 16 || length === 19;
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return length === 16;
  if (two === 34 || two === 37) return length === 15;
  if (four === 6011 || two === 65 || (three >= 644 && three <= 649)) return length >= 16 && length <= 19;
  if (two === 35) return length >= 16 && length <= 19;
  if (two === 36 || two === 38 || (three >= 300 && three <= 305)) return length === 14;
  if (two === 62) return length >= 16 && length <= 19;
  return false;
}

/** Groups a card number is printed in: all digits together, or groups of three to six digits. */
function plausibleGrouping(groups: readonly string[]): boolean {
  return groups.length === 1 || groups.every((group) => group.length >= 3 && group.length <= 6);
}

/**
 * Finds payment card numbers: a known scheme's prefix and length, a printed grouping and a valid Luhn check. A run
 * with extra groups around it (a CVV after the number) is searched for the card inside it, longest first.
 */
export const detectCards: Detector = (text) => {
  if (countDigits(text) < 13) return [];
  return matchSpans(text, CANDIDATE, 'card', (match) => {
    const groups = [...match[0].matchAll(/\d+/g)];
    for (let size = groups.length; size >= 1; size -= 1) {
      for (let first = 0; first + size <= groups.length; first += 1) {
        const window = groups.slice(first, first + size);
        const digits = window.map((group) => group[0]).join('');
        if (digits.length < 13 || digits.length > 19) continue;
        if (!plausibleGrouping(window.map((group) => group[0]))) continue;
        if (!knownScheme(digits) || !luhnValid(digits)) continue;
        const head = window[0];
        const tail = window.at(-1);
        if (!head || !tail) continue;
        return {
          start: match.index + (head.index ?? 0),
          end: match.index + (tail.index ?? 0) + tail[0].length,
        };
      }
    }
    return null;
  });
};

function countDigits(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code >= 48 && code <= 57) count += 1;
  }
  return count;
}
