import { type Detector, type PersonalDataSpan, REDACTION_CATEGORIES } from './categories.ts';
import { detectAccounts } from './detect-accounts.ts';
import { detectAddresses } from './detect-addresses.ts';
import { detectCards } from './detect-cards.ts';
import { detectEmails } from './detect-emails.ts';
import { detectLocations } from './detect-locations.ts';
import { createPeopleDetector } from './detect-people.ts';
import { detectPhones } from './detect-phones.ts';

/** Finds the personal data in a text: spans in text order that never overlap. */
export type PersonalDataFinder = (text: string) => PersonalDataSpan[];

const PRIORITY = new Map(REDACTION_CATEGORIES.map((category, index) => [category, index]));

/**
 * Runs every detector and keeps, where spans overlap, the longest (on a tie, the category listed first in
 * `REDACTION_CATEGORIES`), so an email that contains a name is replaced as one email.
 */
export function createPersonalDataFinder({
  people = [],
}: {
  people?: readonly string[];
} = {}): PersonalDataFinder {
  const detectors: Detector[] = [
    detectLocations,
    detectEmails,
    detectCards,
    detectAccounts,
    detectPhones,
    detectAddresses,
    createPeopleDetector(people),
  ];
  return (text) => {
    if (text.length === 0) return [];
    const found = detectors.flatMap((detect) => detect(text));
    found.sort(
      (a, b) =>
        b.end - b.start - (a.end - a.start) ||
        (PRIORITY.get(a.category) ?? 0) - (PRIORITY.get(b.category) ?? 0) ||
        a.start - b.start,
    );
    const kept: PersonalDataSpan[] = [];
    for (const span of found) {
      if (kept.every((other) => span.end <= other.start || span.start >= other.end)) kept.push(span);
    }
    return kept.sort((a, b) => a.start - b.start);
  };
}
