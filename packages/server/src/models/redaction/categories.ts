/** The kinds of personal data the redactor replaces, in the order detectors win ties over the same span. */
export const REDACTION_CATEGORIES = [
  'location',
  'email',
  'card',
  'account',
  'phone',
  'address',
  'person',
] as const;
/** One kind of personal data the redactor replaces. */
export type RedactionCategory = (typeof REDACTION_CATEGORIES)[number];

/** A stretch of text a detector found: `text.slice(start, end)` is the personal data. */
export interface PersonalDataSpan {
  category: RedactionCategory;
  start: number;
  end: number;
}

/** The word inside a placeholder for each category: `[EMAIL_1]`, `[PERSON_2]` … */
export const PLACEHOLDER_LABELS: Readonly<Record<RedactionCategory, string>> = {
  location: 'LOCATION',
  email: 'EMAIL',
  card: 'CARD',
  account: 'ACCOUNT',
  phone: 'PHONE',
  address: 'ADDRESS',
  person: 'PERSON',
};

/** Finds one category of personal data in a text; spans may overlap other detectors' spans. */
export type Detector = (text: string) => PersonalDataSpan[];

/** Collects every match of a global regular expression as spans of one category, keeping those `accept` allows. */
export function matchSpans(
  text: string,
  pattern: RegExp,
  category: RedactionCategory,
  accept: (match: RegExpExecArray) => { start: number; end: number } | null = (match) => ({
    start: match.index,
    end: match.index + match[0].length,
  }),
): PersonalDataSpan[] {
  const spans: PersonalDataSpan[] = [];
  for (const match of text.matchAll(pattern)) {
    const span = accept(match as RegExpExecArray);
    if (span && span.end > span.start) spans.push({ category, ...span });
  }
  return spans;
}
