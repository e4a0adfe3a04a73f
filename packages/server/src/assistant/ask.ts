import type { AuditLog } from '../audit/index.ts';
import { type Clock, formatMoment } from '../kernel/index.ts';
import type { Episode, Retrieval, Retriever, StoredObservation } from '../memory/index.ts';

/** An answer with the moments it came from; `model` is null when the answer is extractive. */
export interface Answer {
  answer: string;
  citations: StoredObservation[];
  model: string | null;
  /** The episodes the answer draws on; for a question about a time only, that time's episodes. */
  episodes: Episode[];
  time: Retrieval['time'];
}

function quote(text: string, max = 280): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

function describeEpisodes(episodes: readonly Episode[], timezone: string, phrase: string): string {
  if (episodes.length === 0) return `Nothing was captured ${phrase}.`;
  const lines = episodes.map(
    (episode, index) =>
      `${index + 1}. ${formatMoment(episode.startedAt, timezone)}: ${episode.title}${episode.summary ? ` (${quote(episode.summary, 200)})` : ''}`,
  );
  return [
    `No language model is configured, so here is what was captured ${phrase}, in order:`,
    ...lines,
  ].join('\n');
}

/**
 * The ask service: retrieves the user's best-matching moments through the memory retriever (full text, vectors
 * when configured, episodes, speakers and time in the question) and answers. With no language model configured the
 * answer is extractive: the moments quoted with their time, and a plain sentence that no model is configured.
 */
export function createAsk(deps: { retriever: Retriever; audit: AuditLog; clock: Clock }) {
  const { retriever, audit, clock } = deps;
  return {
    async ask(
      actor: { userId: string; label: string; timezone: string },
      question: string,
      options: { limit?: number; now?: number } = {},
    ): Promise<Answer> {
      const limit = options.limit ?? 5;
      const found = await retriever.retrieve({ id: actor.userId, timezone: actor.timezone }, question, {
        limit,
        ...(options.now === undefined ? {} : { now: options.now }),
      });
      const citations = found.hits.map((hit) => hit.observation);
      await audit.record({
        userId: actor.userId,
        at: clock.now(),
        actor: actor.label,
        action: 'ask',
        target: null,
        details: { citations: citations.length, episodes: found.episodes.length, paths: found.paths },
      });
      const base = { model: null, episodes: found.episodes, time: found.time };
      if (citations.length === 0) {
        if (found.time && found.terms.length === 0)
          return {
            ...base,
            answer: describeEpisodes(found.episodes, actor.timezone, found.time.phrase),
            citations: [],
          };
        const answer =
          found.terms.length === 0
            ? 'Ask about something specific (a person, a place, a thing): your question has no words I can search for.'
            : `I found nothing in your timeline about ${found.terms.map((t) => `"${t}"`).join(', ')}${found.time ? ` ${found.time.phrase}` : ''}. No language model is configured, so I can only quote what was captured.`;
        return { ...base, answer, citations: [] };
      }
      const lines = citations.map(
        (observation, index) =>
          `${index + 1}. ${formatMoment(observation.capturedAt, actor.timezone)} (${observation.modality}): "${quote(observation.text)}"`,
      );
      const answer = [
        'No language model is configured, so here are the moments that best match your question, best first:',
        ...lines,
      ].join('\n');
      return { ...base, answer, citations };
    },
  };
}

/** The ask service's type. */
export type Ask = ReturnType<typeof createAsk>;
