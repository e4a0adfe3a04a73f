import type { AskResponse, Citation } from '@familiar/protocol';
import { toIso } from '../kernel/index.ts';
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
  return { answer: answer.answer, citations, model: answer.model };
}
