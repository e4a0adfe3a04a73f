import type { AuditLog } from '../audit/index.ts';
import { type Clock, formatMoment } from '../kernel/index.ts';
import type { StoredObservation, TimelineStore } from '../memory/index.ts';
import { queryTerms } from './query-terms.ts';

/** An answer with the moments it came from; `model` is null when the answer is extractive. */
export interface Answer {
  answer: string;
  citations: StoredObservation[];
  model: string | null;
}

/** How retrieval weighs a match against how recent it is. */
export interface RankingOptions {
  /** Share of the final score that comes from recency (0–1). */
  recencyWeight: number;
  /** Age at which the recency prior halves, in days. */
  recencyHalfLifeDays: number;
  /** How many full-text hits are re-ranked. */
  candidates: number;
}

const DEFAULT_RANKING: RankingOptions = { recencyWeight: 0.15, recencyHalfLifeDays: 30, candidates: 100 };

const DAY = 86_400_000;

/** Re-ranks BM25 hits with a recency prior: score = (1 − w)·bm25/max + w·0.5^(age/halfLife). */
export function rankWithRecency<T extends { observation: StoredObservation; score: number }>(
  hits: readonly T[],
  now: number,
  options: RankingOptions = DEFAULT_RANKING,
): T[] {
  const best = Math.max(...hits.map((hit) => hit.score), Number.EPSILON);
  const scored = hits.map((hit) => {
    const ageDays = Math.max(0, now - hit.observation.capturedAt) / DAY;
    const recency = 0.5 ** (ageDays / options.recencyHalfLifeDays);
    return { hit, final: (1 - options.recencyWeight) * (hit.score / best) + options.recencyWeight * recency };
  });
  return scored.sort((a, b) => b.final - a.final).map((entry) => entry.hit);
}

function quote(text: string, max = 280): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/**
 * The ask service: retrieves the user's best-matching moments (FTS5 BM25 plus a recency prior) and answers.
 * With no language model configured the answer is extractive: the moments quoted with their time, and a plain
 * sentence that no model is configured.
 */
export function createAsk(deps: {
  store: TimelineStore;
  audit: AuditLog;
  clock: Clock;
  ranking?: RankingOptions;
}) {
  const { store, audit, clock, ranking = DEFAULT_RANKING } = deps;
  return {
    async ask(
      actor: { userId: string; label: string; timezone: string },
      question: string,
      options: { limit?: number } = {},
    ): Promise<Answer> {
      const limit = options.limit ?? 5;
      const terms = queryTerms(question);
      const hits = await store.searchObservations(actor.userId, terms, ranking.candidates);
      const citations = rankWithRecency(hits, clock.now(), ranking)
        .slice(0, limit)
        .map((hit) => hit.observation);
      await audit.record({
        userId: actor.userId,
        at: clock.now(),
        actor: actor.label,
        action: 'ask',
        target: null,
        details: { citations: citations.length },
      });
      if (citations.length === 0) {
        const answer =
          terms.length === 0
            ? 'Ask about something specific (a person, a place, a thing): your question has no words I can search for.'
            : `I found nothing in your timeline about ${terms.map((t) => `"${t}"`).join(', ')}. No language model is configured, so I can only quote what was captured.`;
        return { answer, citations: [], model: null };
      }
      const lines = citations.map(
        (observation, index) =>
          `${index + 1}. ${formatMoment(observation.capturedAt, actor.timezone)} (${observation.modality}): "${quote(observation.text)}"`,
      );
      const answer = [
        'No language model is configured, so here are the moments that best match your question, best first:',
        ...lines,
      ].join('\n');
      return { answer, citations, model: null };
    },
  };
}

/** The ask service's type. */
export type Ask = ReturnType<typeof createAsk>;
