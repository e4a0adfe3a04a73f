import type { SearchFilter } from '../types.ts';

/**
 * How the time a question names narrows its search: `filter` searches only inside it; `prefer` searches the whole
 * timeline as well and lifts the hits inside the time.
 */
export type TimeScope = 'filter' | 'prefer';

/**
 * Runs a search (full text or vector) for a question that names a time. With `prefer`, the time is a preference,
 * not a wall: the search runs inside the time and over the whole timeline, and hits inside the time have their
 * score multiplied by `1 + boost`. The time in a question is often when something happened rather than when it was
 * said ("what did she start in May" is answered by what she said in June; "how did he feel after the accident" by
 * the very talk about the accident), and a hard filter loses those hits for good. Two bounded searches at most;
 * returns at most `limit` hits, best first.
 */
export async function searchPreferringTime<Hit extends { seq: number }>(
  search: (range: SearchFilter) => Promise<Hit[]>,
  range: SearchFilter,
  how: { scope: TimeScope; boost: number; limit: number; score: (hit: Hit) => number },
  rescore: (hit: Hit, factor: number) => Hit,
): Promise<Hit[]> {
  const inside = await search(range);
  if (how.scope === 'filter' || (range.fromMs === undefined && range.toMs === undefined)) return inside;
  const merged = new Map((await search({})).map((hit) => [hit.seq, hit]));
  for (const hit of inside) merged.set(hit.seq, rescore(hit, 1 + how.boost));
  return [...merged.values()].sort((a, b) => how.score(b) - how.score(a)).slice(0, how.limit);
}
