/** A spoken request not to be remembered, and the words that made it one. */
export interface ConsentRequest {
  /** The matched words, normalised (lower case, straight apostrophes). */
  phrase: string;
}

const NOT = String.raw`(?:do\s*n'?t|do\s+not|never|stop|quit)`;
const KEEP_VERBS = `(?:remember|record|recording|film|filming|tape|taping|save|store|keep)`;

/**
 * The requests, as rules over normalised text: "don't remember me", "please don't record me", "stop recording
 * me", "I don't want to be recorded", "I do not consent to being recorded", and "forget me" when it is said as a
 * request (at the start of a sentence, or after "please" or "just"), never "don't forget me" or "forget-me-not".
 */
const RULES: readonly RegExp[] = [
  new RegExp(String.raw`\b${NOT}\s+(?:you\s+)?${KEEP_VERBS}\s+(?:me|my\s+(?:voice|face))\b`),
  /\bi\s+(?:do\s*n'?t|do\s+not|really\s+do\s*n'?t)\s+want\s+(?:to\s+be|you\s+to\s+be|being)\s+(?:recorded|remembered|filmed|taped)\b/,
  /\bi\s+(?:do\s*n'?t|do\s+not)\s+(?:consent|agree)\s+to\s+(?:being\s+|be\s+)?(?:recorded|recording|remembered|filmed)\b/,
  /(?:^|[.!?;:,]\s*|\bplease\s+|\bjust\s+|\bso\s+)forget\s+(?:about\s+)?me\b(?!\s*-?\s*not)/,
];

/** Lower case, straight apostrophes, single spaces. */
function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`]/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Finds a request not to be remembered in what someone said, or null. Deterministic and offline; it errs towards
 * missing an unusual phrasing rather than dropping ordinary talk ("don't forget me" is not a request).
 */
export function detectConsentRequest(text: string): ConsentRequest | null {
  const normalised = normalise(text);
  for (const rule of RULES) {
    const match = rule.exec(normalised);
    if (match) return { phrase: match[0].replace(/^[.!?;:,\s]+/, '').trim() };
  }
  return null;
}
