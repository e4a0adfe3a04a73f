import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ExtractedFact } from './extracted-fact.ts';
import {
  type ExtractionEvaluation,
  evaluateExtractor,
  type FactFixtureItem,
  factMatches,
  parseFactFixture,
} from './fact-evaluation.ts';
import { createRuleFactExtractor, type FactExtractor } from './fact-extractor.ts';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/facts/', import.meta.url));
const developmentPath = `${fixtures}development.json`;
const heldOutPath = `${fixtures}held-out.json`;

function load(path: string): FactFixtureItem[] {
  return parseFactFixture(JSON.parse(readFileSync(path, 'utf8')), path);
}

function row(name: string, result: ExtractionEvaluation): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);
  return `${name.padEnd(12)} ${pct(result.precision)} ${pct(result.recall)} ${pct(result.f1)}   ${result.matched}/${result.expected} expected, ${result.extracted} returned, ${result.millisecondsPerItem.toFixed(2)} ms/item`;
}

function fact(overrides: Partial<ExtractedFact>): ExtractedFact {
  return {
    kind: 'preference',
    subject: 'self',
    predicate: 'likes',
    object: 'hiking on weekends',
    slot: null,
    statement: 'You like hiking on weekends',
    span: 'I like hiking on weekends',
    validFrom: null,
    validTo: null,
    confidence: 0.9,
    ...overrides,
  };
}

describe('fact evaluation', () => {
  it('matches on kind, subject, predicate, whole-word object containment and the local day', () => {
    const expected = { kind: 'preference' as const, subject: 'Self', predicate: 'likes', object: 'Hiking' };
    expect(factMatches(fact({}), expected, 'UTC')).toBe(true);
    expect(factMatches(fact({ object: 'hikings' }), expected, 'UTC')).toBe(false);
    expect(factMatches(fact({ predicate: 'dislikes' }), expected, 'UTC')).toBe(false);
    const due = {
      ...expected,
      kind: 'commitment' as const,
      predicate: 'will',
      object: 'send it',
      validFrom: '2026-12-04',
    };
    // 02:00 UTC on 5 Dec is still 4 Dec in New York, already 5 Dec in Tokyo.
    const sent = fact({
      kind: 'commitment',
      predicate: 'will',
      object: 'send it',
      validFrom: Date.parse('2026-12-05T02:00:00Z'),
    });
    expect(factMatches(sent, due, 'America/New_York')).toBe(true);
    expect(factMatches(sent, due, 'Asia/Tokyo')).toBe(false);
    expect(factMatches({ ...sent, validFrom: null }, due, 'America/New_York')).toBe(false);
  });

  it('counts misses and spurious facts one to one', async () => {
    const fake: FactExtractor = {
      name: 'fake',
      extract: async () => [fact({ object: 'hiking' }), fact({ object: 'hiking' }), fact({ object: 'jazz' })],
    };
    const result = await evaluateExtractor(fake, [
      {
        text: 'I like hiking and swimming.',
        capturedAt: '2026-12-01T00:00:00Z',
        timezone: 'UTC',
        speaker: null,
        expected: [
          { kind: 'preference', subject: 'self', predicate: 'likes', object: 'hiking' },
          { kind: 'preference', subject: 'self', predicate: 'likes', object: 'swimming' },
        ],
      },
    ]);
    expect(result.matched).toBe(1);
    expect(result.precision).toBeCloseTo(1 / 3);
    expect(result.recall).toBeCloseTo(1 / 2);
    expect(result.misses.map((m) => m.expected.object)).toEqual(['swimming']);
    expect(result.spurious.map((s) => s.fact.object)).toEqual(['hiking', 'jazz']);
    expect(result.perKind.preference?.recall).toBeCloseTo(1 / 2);
  });

  it('rejects a fixture that is not in the documented format', () => {
    expect(() =>
      parseFactFixture([
        { text: 'x', capturedAt: 'yesterday', timezone: 'UTC', speaker: null, expected: [] },
      ]),
    ).toThrow(/not valid/);
  });

  it('scores the rule extractor on the development and held-out fixtures', async () => {
    const extractor = createRuleFactExtractor();
    const lines = [`${'fixture'.padEnd(12)} ${'P'.padStart(7)} ${'R'.padStart(7)} ${'F1'.padStart(7)}`];
    const development = await evaluateExtractor(extractor, load(developmentPath));
    lines.push(row('development', development));
    expect(development.f1).toBeGreaterThan(0.9);
    if (existsSync(heldOutPath)) {
      const heldOut = await evaluateExtractor(extractor, load(heldOutPath));
      lines.push(row('held-out', heldOut));
      for (const [kind, s] of Object.entries(heldOut.perKind)) {
        lines.push(
          `  ${kind.padEnd(12)} P ${s.precision.toFixed(2)}  R ${s.recall.toFixed(2)}  (${s.matched}/${s.expected})`,
        );
      }
      console.log(lines.join('\n'));
      expect(heldOut.precision).toBeGreaterThanOrEqual(0.6);
      expect(heldOut.recall).toBeGreaterThanOrEqual(0.5);
    } else {
      lines.push('held-out     (no held-out.json yet: skipped)');
      console.log(lines.join('\n'));
    }
  });
});
