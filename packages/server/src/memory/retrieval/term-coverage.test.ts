import { describe, expect, it } from 'vitest';
import { termCoverage } from './term-coverage.ts';

describe('termCoverage', () => {
  it('counts a rare question word more than a common one', () => {
    const texts = new Map([
      [1, 'Sam went to the pottery class'],
      [2, 'Sam said hi'],
      [3, 'Sam is tired'],
      [4, 'Sam likes tea'],
    ]);
    const coverage = termCoverage(texts, ['sam', 'pottery']);
    expect(coverage.get(1)).toBeCloseTo(1);
    expect(coverage.get(2) ?? 0).toBeLessThan(0.2);
    expect(coverage.get(2)).toBe(coverage.get(3));
  });

  it('is zero for every text when nothing matches', () => {
    expect([...termCoverage(new Map([[1, 'hello']]), ['pottery']).values()]).toEqual([0]);
  });
});
