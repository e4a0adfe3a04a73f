import { describe, expect, it } from 'vitest';
import type { SearchFilter } from '../types.ts';
import { searchPreferringTime } from './time-preference.ts';

interface Hit {
  seq: number;
  score: number;
  at: number;
}

/** A search over fixed hits that returns at most `limit` and records the ranges it was asked for. */
function fakeSearch(hits: Hit[], limit = 10) {
  const ranges: SearchFilter[] = [];
  const search = async (range: SearchFilter) => {
    ranges.push(range);
    return hits
      .filter((hit) => (range.fromMs ?? -Infinity) <= hit.at && hit.at < (range.toMs ?? Infinity))
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
  };
  return { search, ranges };
}

const hits: Hit[] = [
  { seq: 1, score: 5, at: 100 },
  { seq: 2, score: 3, at: 200 },
  { seq: 3, score: 2, at: 210 },
];
const rescore = (hit: Hit, factor: number) => ({ ...hit, score: hit.score * factor });
const how = (scope: 'filter' | 'prefer') => ({ scope, boost: 1, limit: 10, score: (hit: Hit) => hit.score });

describe('searchPreferringTime', () => {
  it('with filter, finds only what was said inside the time', async () => {
    const { search, ranges } = fakeSearch(hits);
    const found = await searchPreferringTime(search, { fromMs: 150, toMs: 300 }, how('filter'), rescore);
    expect(found.map((hit) => hit.seq)).toEqual([2, 3]);
    expect(ranges).toHaveLength(1);
  });

  it('with prefer, lifts what was said inside the time but keeps the rest', async () => {
    const { search } = fakeSearch(hits);
    const found = await searchPreferringTime(search, { fromMs: 150, toMs: 300 }, how('prefer'), rescore);
    expect(found.map((hit) => [hit.seq, hit.score])).toEqual([
      [2, 6],
      [1, 5],
      [3, 4],
    ]);
  });

  it('searches once when the question names no time, and never returns more than the limit', async () => {
    const { search, ranges } = fakeSearch(hits, 2);
    const found = await searchPreferringTime(search, {}, { ...how('prefer'), limit: 2 }, rescore);
    expect(ranges).toEqual([{}]);
    expect(found.map((hit) => hit.seq)).toEqual([1, 2]);
    const { search: bounded } = fakeSearch(hits, 2);
    expect(
      await searchPreferringTime(bounded, { toMs: 250 }, { ...how('prefer'), limit: 2 }, rescore),
    ).toHaveLength(2);
  });
});
