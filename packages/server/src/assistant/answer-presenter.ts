import type { AskResponse, AskRetrieved, Citation } from '@familiar/protocol';
import { toIso } from '../kernel/index.ts';
import { type Episode, presentEpisode, type Retrieval, type StoredObservation } from '../memory/index.ts';
import type { Answer } from './ask.ts';

/** Wire citations; `ref` is each moment's number among `retrieved` (the `[n]` the answer text uses). */
function presentCitations(
  citations: readonly StoredObservation[],
  retrieved: readonly StoredObservation[],
  linkFor: (captureId: string) => string,
): Citation[] {
  const numbers = new Map(retrieved.map((observation, index) => [observation.id, index + 1]));
  return citations.map((observation) => {
    const ref = numbers.get(observation.id);
    return {
      id: observation.id,
      capturedAt: toIso(observation.capturedAt),
      text: observation.text,
      modality: observation.modality,
      ...(observation.captureId ? { mediaUrl: linkFor(observation.captureId) } : {}),
      ...(ref === undefined ? {} : { ref }),
    };
  });
}

function presentTime(time: Retrieval['time']): AskResponse['time'] {
  return (
    time && {
      from: time.fromMs === null ? null : toIso(time.fromMs),
      to: time.toMs === null ? null : toIso(time.toMs),
      phrase: time.phrase,
    }
  );
}

/** The wire form of an answer; `linkFor` makes a short-lived media link for a citation's capture. */
export function presentAnswer(answer: Answer, linkFor: (captureId: string) => string): AskResponse {
  return {
    answer: answer.answer,
    citations: presentCitations(answer.citations, answer.retrieved, linkFor),
    model: answer.model,
    episodes: answer.episodes.map(presentEpisode),
    time: presentTime(answer.time),
  };
}

/** The wire form of what retrieval found (the `retrieved` event of a streamed ask), numbered as the answer cites. */
export function presentRetrieved(
  retrieved: {
    citations: readonly StoredObservation[];
    episodes: readonly Episode[];
    time: Retrieval['time'];
  },
  linkFor: (captureId: string) => string,
): AskRetrieved {
  return {
    citations: presentCitations(retrieved.citations, retrieved.citations, linkFor),
    episodes: retrieved.episodes.map(presentEpisode),
    time: presentTime(retrieved.time),
  };
}
