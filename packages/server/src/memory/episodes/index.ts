export * from './describe-episode.ts';
export * from './locomo-format.ts';
export * from './model-episode-describer.ts';
export * from './segment-episodes.ts';
export * from './time-in-question.ts';

import type { SegmentEpisodesOptions } from './segment-episodes.ts';

/** Short name for the tuning of `segmentEpisodes`. */
export type SegmentOptions = SegmentEpisodesOptions;
