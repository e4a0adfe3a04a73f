import { describe, expect, it } from 'vitest';
import { spreadOverEpisodes } from './episode-spread.ts';

const hit = (seq: number, score: number, episodeId: string | null) => ({ seq, score, episodeId });

describe('spreadOverEpisodes', () => {
  const hits = [hit(1, 1, 'a'), hit(2, 0.9, 'a'), hit(3, 0.8, 'a'), hit(4, 0.7, 'b'), hit(5, 0.6, null)];

  it('lets a second episode in before the third hit of the first', () => {
    expect(spreadOverEpisodes(hits, 0.7).map((h) => h.seq)).toEqual([1, 4, 2, 5, 3]);
  });

  it('changes nothing with decay 1', () => {
    expect(spreadOverEpisodes(hits, 1).map((h) => h.seq)).toEqual([1, 2, 3, 4, 5]);
  });
});
