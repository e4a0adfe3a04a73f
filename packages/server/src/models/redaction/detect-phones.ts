import { type Detector, matchSpans } from './categories.ts';

const SEPARATOR = String.raw`[ \u00a0.\-]`;
/**
 * A phone number as people write it: an optional `+`/`00` country code, an optional area code in brackets (or the
 * UK's `(0)`), then groups of digits split by single spaces, dots or hyphens.
 */
const CANDIDATE = new RegExp(
  String.raw`(?<![\p{L}\p{N}+@/=.,\-])` +
    String.raw`(?:(?:\+|00)\d{1,3}${SEPARATOR}?)?` +
    String.raw`(?:\(\d{1,5}\)${SEPARATOR}?)?` +
    String.raw`\d{1,12}(?:${SEPARATOR}\d{1,12}){0,6}` +
    String.raw`(?![\p{L}\p{N}]|[.,\-]\d|:\d)`,
  'gu',
);

/** True for dates and year ranges written with hyphens or dots (2024-03-15, 31.12.2024, 2023-2024). */
function looksLikeDate(candidate: string): boolean {
  return (
    /^\d{4}[-.]\d{1,2}[-.]\d{1,2}$/.test(candidate) ||
    /^\d{1,2}[-.]\d{1,2}[-.]\d{4}$/.test(candidate) ||
    /^(?:19|20)\d{2}[-.](?:19|20)\d{2}$/.test(candidate)
  );
}

/**
 * Whether a candidate has the shape of a phone number: 7 to 15 digits; with a country code or a bracketed area
 * code at least 8; otherwise a national number starting with 0 (or 1 for North America), a North American
 * 3-3-4 grouping, or 10 to 11 digits in one run.
 */
function phoneShaped(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return false;
  if (looksLikeDate(candidate)) return false;
  if (/^(?:\+|00)/.test(candidate)) return digits.length >= 8;
  if (candidate.startsWith('(')) return digits.length >= 8;
  const groups = candidate.split(/[ \u00a0.-]/);
  if (groups.length === 1)
    return (
      (digits.length === 10 && !digits.startsWith('0')) || (digits.length === 11 && /^[01]/.test(digits))
    );
  const sizes = groups.map((group) => group.length).join('-');
  if (sizes === '3-3-4' || sizes === '1-3-3-4') return true;
  return digits.startsWith('0') && digits.length >= 9;
}

/** Finds phone numbers in international and national formats; dates, versions and short numbers are left alone. */
export const detectPhones: Detector = (text) =>
  matchSpans(text, CANDIDATE, 'phone', (match) =>
    phoneShaped(match[0]) ? { start: match.index, end: match.index + match[0].length } : null,
  );
