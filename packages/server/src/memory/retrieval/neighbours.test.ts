import { describe, expect, it } from 'vitest';
import { neighbourLoans } from './neighbours.ts';

describe('neighbourLoans', () => {
  it('lends to the positions around a hit, less the farther away', () => {
    const loans = neighbourLoans([{ seq: 10, score: 1 }], { weight: 0.6, reach: 2 });
    expect(Object.fromEntries(loans)).toEqual({ 8: 0.3, 9: 0.6, 11: 0.6, 12: 0.3 });
  });

  it('keeps the largest loan when two hits lend to one position', () => {
    const loans = neighbourLoans(
      [
        { seq: 10, score: 1 },
        { seq: 12, score: 0.5 },
      ],
      { weight: 0.5, reach: 1 },
    );
    expect(loans.get(11)).toBe(0.5);
  });
});
