import { z } from 'zod';
import { isValidTimeZone, localDay, ValidationError } from '../../kernel/index.ts';
import { type ExtractedFact, FactKindSchema } from './extracted-fact.ts';
import type { FactExtractor } from './fact-extractor.ts';

/** One fact a fixture expects: `validFrom` is the local day ("YYYY-MM-DD") in the item's time zone. */
export const ExpectedFactSchema = z.object({
  kind: FactKindSchema,
  subject: z.string().min(1),
  predicate: z.string().min(1),
  object: z.string().min(1),
  validFrom: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'a local day such as 2026-12-04')
    .optional(),
});

/** One fact the fixture expects. */
export type ExpectedFact = z.infer<typeof ExpectedFactSchema>;

/** One fixture item: a text, when and by whom it was said, and the facts it should yield. */
export const FactFixtureItemSchema = z.object({
  text: z.string().min(1),
  capturedAt: z.iso.datetime({ offset: true }),
  timezone: z.string().refine(isValidTimeZone, 'an IANA time zone such as America/New_York'),
  speaker: z.string().min(1).nullable(),
  selfName: z.string().min(1).optional(),
  expected: z.array(ExpectedFactSchema),
});

/** One fixture item. */
export type FactFixtureItem = z.infer<typeof FactFixtureItemSchema>;

/** A fixture file: a JSON array of items. */
export const FactFixtureSchema = z.array(FactFixtureItemSchema);

/** Validates a parsed fixture file; throws `ValidationError` listing the problems. */
export function parseFactFixture(data: unknown, source = 'fact fixture'): FactFixtureItem[] {
  const parsed = FactFixtureSchema.safeParse(data);
  if (!parsed.success) throw new ValidationError(`${source} is not valid`, z.treeifyError(parsed.error));
  return parsed.data;
}

/** Precision, recall and F1 over a set of facts. */
export interface Scores {
  precision: number;
  recall: number;
  f1: number;
  /** Expected facts matched. */
  matched: number;
  /** Facts the extractor returned. */
  extracted: number;
  /** Facts the fixture expected. */
  expected: number;
}

/** An expected fact the extractor did not return. */
export interface Miss {
  text: string;
  expected: ExpectedFact;
}

/** A returned fact no expected fact matched. */
export interface Spurious {
  text: string;
  fact: ExtractedFact;
}

/** How an extractor did on a fixture. */
export interface ExtractionEvaluation extends Scores {
  /** Scores per kind: recall counts expected facts of that kind, precision returned facts of that kind. */
  perKind: Record<string, Scores>;
  misses: Miss[];
  spurious: Spurious[];
  /** Mean wall-clock milliseconds per item. */
  millisecondsPerItem: number;
}

/** Lower case, no punctuation or leading article or possessive, ordinal suffixes dropped, spaces collapsed. */
export function normaliseObject(value: string): string {
  return value
    .toLowerCase()
    .replace(/['\u2019]s\b/gu, '')
    .replace(/(\d+)(?:st|nd|rd|th)\b/g, '$1')
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^(?:the|a|an|my|our|your|his|her|their|some)\s+/, '');
}

/**
 * The matching rule. A returned fact matches an expected one when kind and predicate are equal, the subjects are
 * equal ignoring case, one normalised object contains the other as whole words ("hiking" matches "hiking on
 * weekends"), and, when the fixture gives `validFrom`, the fact's `validFrom` falls on that local day in the
 * item's time zone. Each returned fact matches at most one expected fact.
 */
export function factMatches(fact: ExtractedFact, expected: ExpectedFact, timeZone: string): boolean {
  if (fact.kind !== expected.kind || fact.predicate !== expected.predicate) return false;
  if (fact.subject.trim().toLowerCase() !== expected.subject.trim().toLowerCase()) return false;
  const a = normaliseObject(fact.object);
  const b = normaliseObject(expected.object);
  if (!a || !b) return false;
  if (!` ${a} `.includes(` ${b} `) && !` ${b} `.includes(` ${a} `)) return false;
  if (expected.validFrom !== undefined) {
    if (fact.validFrom === null || localDay(fact.validFrom, timeZone) !== expected.validFrom) return false;
  }
  return true;
}

function scores(matched: number, extracted: number, expected: number): Scores {
  const precision = extracted === 0 ? (expected === 0 ? 1 : 0) : matched / extracted;
  const recall = expected === 0 ? 1 : matched / expected;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, matched, extracted, expected };
}

/** Runs the extractor over every item and scores it with `factMatches`. */
export async function evaluateExtractor(
  extractor: FactExtractor,
  items: FactFixtureItem[],
): Promise<ExtractionEvaluation> {
  const misses: Miss[] = [];
  const spurious: Spurious[] = [];
  const tally = new Map<
    string,
    { matchedExpected: number; expected: number; matchedFacts: number; extracted: number }
  >();
  const bucket = (kind: string) => {
    let entry = tally.get(kind);
    if (!entry) {
      entry = { matchedExpected: 0, expected: 0, matchedFacts: 0, extracted: 0 };
      tally.set(kind, entry);
    }
    return entry;
  };
  let matched = 0;
  let extracted = 0;
  let expectedCount = 0;
  let elapsed = 0;
  for (const item of items) {
    const context = {
      capturedAt: Date.parse(item.capturedAt),
      timezone: item.timezone,
      speaker: item.speaker,
      ...(item.selfName ? { selfName: item.selfName } : {}),
    };
    const started = performance.now();
    const facts = await extractor.extract(item.text, context);
    elapsed += performance.now() - started;
    const used = new Set<number>();
    for (const expected of item.expected) {
      bucket(expected.kind).expected += 1;
      const index = facts.findIndex((fact, i) => !used.has(i) && factMatches(fact, expected, item.timezone));
      if (index === -1) {
        misses.push({ text: item.text, expected });
        continue;
      }
      used.add(index);
      matched += 1;
      bucket(expected.kind).matchedExpected += 1;
    }
    facts.forEach((fact, i) => {
      bucket(fact.kind).extracted += 1;
      if (used.has(i)) bucket(fact.kind).matchedFacts += 1;
      else spurious.push({ text: item.text, fact });
    });
    extracted += facts.length;
    expectedCount += item.expected.length;
  }
  const perKind: Record<string, Scores> = {};
  for (const [kind, entry] of [...tally.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const precision = entry.extracted === 0 ? 0 : entry.matchedFacts / entry.extracted;
    const recall = entry.expected === 0 ? 0 : entry.matchedExpected / entry.expected;
    perKind[kind] = {
      precision,
      recall,
      f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
      matched: entry.matchedExpected,
      extracted: entry.extracted,
      expected: entry.expected,
    };
  }
  return {
    ...scores(matched, extracted, expectedCount),
    perKind,
    misses,
    spurious,
    millisecondsPerItem: items.length === 0 ? 0 : elapsed / items.length,
  };
}
