/** Why a frame must not be kept at all. */
export interface Exclusion {
  rule: 'card-number' | 'password-field';
  reason: string;
}

/** True when the digits pass the Luhn check that payment card numbers carry. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let digit = digits.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

const CARD_CANDIDATE = /(?:\d[ -]?){13,19}/g;
const PASSWORD_FIELD = /\b(?:pass(?:word|code|phrase)|pin)\b\s*[:=]?\s*[•●*·∙]{3,}/i;
const PASSWORD_VALUE = /\b(?:pass(?:word|code|phrase))\s*[:=]\s*\S{4,}/i;

/**
 * Rules that drop a frame entirely, before anything of it is stored: a payment card number (13-19 digits passing
 * the Luhn check) or a password field, as read by OCR.
 */
export function excludeFrame(text: string): Exclusion | null {
  for (const match of text.matchAll(CARD_CANDIDATE)) {
    const digits = match[0].replace(/\D/g, '');
    if (digits.length >= 13 && digits.length <= 19 && passesLuhn(digits) && !/^(\d)\1+$/.test(digits)) {
      return { rule: 'card-number', reason: 'the frame shows what looks like a payment card number' };
    }
  }
  if (PASSWORD_FIELD.test(text) || PASSWORD_VALUE.test(text)) {
    return { rule: 'password-field', reason: 'the frame shows a password field' };
  }
  return null;
}
