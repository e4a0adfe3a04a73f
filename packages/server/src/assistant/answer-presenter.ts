import type { AskResponse, Citation } from '@familiar/protocol';
import { toIso } from '../kernel/index.ts';
import { presentEpisode } from '../memory/index.ts';
import type { Answer } from './ask.ts';

/** The wire form of an answer; `linkFor` makes a short-lived media link for a citation's capture. */
export function presentAnswer(answer: Answer, linkFor: (captureId: string) => string): AskResponse {
  const citations: Citation[] = answer.citations.map((observation) => ({
    id: observation.id,
    capturedAt: toIso(observation.capturedAt),
    text: observation.text,
    modality: observation.modality,
    ...(observation.captureId ? { mediaUrl: linkFor(observation.captureId) } : {}),
  }));
  return {
    answer: answer.answer,
    citations,
    model: answer.model,
    episodes: answer.episodes.map(presentEpisode),
    time: answer.time && {
      from: answer.time.fromMs === null ? null : toIso(answer.time.fromMs),
      to: answer.time.toMs === null ? null : toIso(answer.time.toMs),
      phrase: answer.time.phrase,
    },
  };
}
