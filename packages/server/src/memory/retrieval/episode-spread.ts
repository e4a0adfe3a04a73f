/**
 * Spreads a ranking over episodes: each hit's score is multiplied by `decay` once for every better hit of the same
 * episode, then the hits are re-sorted. For questions that ask for several things (said on different days), so that
 * one talk that matches well cannot fill the whole top of the list. Hits without an episode stand alone. `decay` 1
 * leaves the ranking as it is. Linear in the number of hits (plus the sort).
 */
export function spreadOverEpisodes<Hit extends { score: number; episodeId: string | null; seq: number }>(
  hits: readonly Hit[],
  decay: number,
): Hit[] {
  if (decay >= 1) return [...hits];
  const seen = new Map<string, number>();
  const spread = [...hits]
    .sort((a, b) => b.score - a.score)
    .map((hit) => {
      if (hit.episodeId === null) return hit;
      const better = seen.get(hit.episodeId) ?? 0;
      seen.set(hit.episodeId, better + 1);
      return { ...hit, score: hit.score * decay ** better };
    });
  return spread.sort((a, b) => b.score - a.score);
}
