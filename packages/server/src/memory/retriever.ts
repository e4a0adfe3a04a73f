import type { Clock } from '../kernel/index.ts';
import type { Embedder, VectorIndex } from './embeddings/index.ts';
import type { Episode, EpisodeStore } from './episode-store.ts';
import { resolveQuestionTime } from './episodes/index.ts';
import { queryTerms } from './query-terms.ts';
import type { TimelineStore } from './timeline-store.ts';
import type { SearchFilter, StoredObservation } from './types.ts';
import { speakerOf } from './understanding.ts';

/** Why a hit was retrieved. */
export type RetrievalSignal = 'lexical' | 'vector' | 'episode' | 'neighbour';

/** One retrieved observation, best first. */
export interface RetrievalHit {
  observation: StoredObservation;
  seq: number;
  score: number;
  episodeId: string | null;
  signals: RetrievalSignal[];
}

/** The time a question is about, resolved in the user's timezone against the question's clock. */
export interface ResolvedQuestionTime {
  fromMs: number | null;
  toMs: number | null;
  /** The words that said it ("last Tuesday", "before the trip"). */
  phrase: string;
  /** For "before/after X": the episode X was found in, or null when nothing matched X. */
  anchorEpisodeId?: string | null;
}

/** What a retrieval found. */
export interface Retrieval {
  hits: RetrievalHit[];
  /** The words searched for (question words without stopwords and the time phrase). */
  terms: string[];
  time: ResolvedQuestionTime | null;
  /** The episodes the best hits belong to, best first; for a question about a time only, that time's episodes. */
  episodes: Episode[];
  /** Which retrieval paths ran (`vector` only with an embedder configured). */
  paths: Array<'lexical' | 'vector'>;
}

/** How retrieval weighs its signals. Defaults were chosen on the LoCoMo dev split (see docs/benchmarks.md). */
export interface RetrievalOptions {
  /** Full-text and vector candidates considered before fusion. */
  candidates: number;
  /**
   * How the lexical and vector rankings combine: `score` adds each path's scores scaled to its best hit (BM25 and
   * cosine magnitudes survive); `rrf` adds reciprocal ranks (robust to scale, but a clear winner looks like a tie).
   */
  fusion: 'score' | 'rrf';
  /** Reciprocal-rank-fusion constant. */
  rrfK: number;
  /** Weight of the vector ranking in fusion (lexical weighs 1). */
  vectorWeight: number;
  /** Share of the final score that comes from the hit's episode's total score. */
  episodeWeight: number;
  /** Multiplier for hits whose speaker is named in the question. */
  speakerBoost: number;
  /** Share of the score that comes from recency (0 turns it off). */
  recencyWeight: number;
  /** Age at which the recency prior halves, in days. */
  recencyHalfLifeDays: number;
  /**
   * Share of a top hit's score lent to the observations written just before and after it in its episode (the
   * question's answer is often the turn that replies to the matching one).
   */
  neighbourWeight: number;
  /** How many top hits lend to their neighbours. */
  neighbourHits: number;
}

/** The defaults `ask` uses. */
export const DEFAULT_RETRIEVAL: RetrievalOptions = {
  candidates: 200,
  fusion: 'score',
  rrfK: 60,
  vectorWeight: 1,
  episodeWeight: 0.3,
  speakerBoost: 2,
  recencyWeight: 0.05,
  recencyHalfLifeDays: 30,
  neighbourWeight: 0.4,
  neighbourHits: 10,
};

const DAY = 86_400_000;

/**
 * The retriever `ask` and the assistant use: BM25 full text, plus vector search when an embedder is configured,
 * fused by reciprocal rank; then structure: hits in strongly matching episodes rise, hits by a speaker the question
 * names rise, and time in the question ("last Tuesday", "in May", "before the trip") narrows the search to that
 * time in the user's timezone.
 */
export function createRetriever(deps: {
  store: TimelineStore;
  /** Episodes give structure (episode-level scores, time-only questions); without them hits stand alone. */
  episodes?: EpisodeStore | null;
  vectors?: VectorIndex | null;
  embedder?: Embedder | null;
  clock: Clock;
  options?: Partial<RetrievalOptions>;
}) {
  const { store, episodes = null, vectors = null, embedder = null, clock } = deps;
  const options: RetrievalOptions = { ...DEFAULT_RETRIEVAL, ...deps.options };

  async function resolveTime(
    userId: string,
    question: string,
    now: number,
    timezone: string,
  ): Promise<ResolvedQuestionTime | null> {
    const resolved = resolveQuestionTime(question, { now, timezone });
    if (!resolved) return null;
    if (resolved.kind === 'range')
      return { fromMs: resolved.fromMs, toMs: resolved.toMs, phrase: resolved.phrase };
    if (!episodes) return { fromMs: null, toMs: null, phrase: resolved.phrase, anchorEpisodeId: null };
    const anchorHits = await store.searchObservations(userId, queryTerms(resolved.anchor), 5, {
      toMs: now + 1,
    });
    const anchorEpisodes = await episodes.episodeOf(
      userId,
      anchorHits.map((hit) => hit.seq),
    );
    const anchorId = anchorHits.map((hit) => anchorEpisodes.get(hit.seq)).find((id) => id !== undefined);
    const anchor = anchorId ? await episodes.get(userId, anchorId) : null;
    if (!anchor) return { fromMs: null, toMs: null, phrase: resolved.phrase, anchorEpisodeId: null };
    return resolved.relation === 'before'
      ? { fromMs: null, toMs: anchor.startedAt, phrase: resolved.phrase, anchorEpisodeId: anchor.id }
      : { fromMs: anchor.endedAt + 1, toMs: null, phrase: resolved.phrase, anchorEpisodeId: anchor.id };
  }

  return {
    options,
    /** Finds the user's observations that best answer a question, asked at `now` (default: the clock). */
    async retrieve(
      user: { id: string; timezone: string },
      question: string,
      request: { limit?: number; now?: number } = {},
    ): Promise<Retrieval> {
      const limit = request.limit ?? 10;
      const now = request.now ?? clock.now();
      const time = await resolveTime(user.id, question, now, user.timezone);
      const rest = time ? question.replace(time.phrase, ' ') : question;
      const terms = queryTerms(rest);
      const filter: SearchFilter = {};
      if (time?.fromMs != null) filter.fromMs = time.fromMs;
      if (time?.toMs != null) filter.toMs = time.toMs;

      const paths: Retrieval['paths'] = [];
      const fused = new Map<
        number,
        { score: number; observation: StoredObservation | null; signals: Set<RetrievalSignal> }
      >();
      const add = (
        seq: number,
        score: number,
        signal: RetrievalSignal,
        observation: StoredObservation | null,
      ) => {
        const entry = fused.get(seq) ?? { score: 0, observation: null, signals: new Set<RetrievalSignal>() };
        entry.score += score;
        entry.observation ??= observation;
        entry.signals.add(signal);
        fused.set(seq, entry);
      };

      if (terms.length > 0) {
        paths.push('lexical');
        const lexical = await store.searchObservations(user.id, terms, options.candidates, filter);
        const best = Math.max(...lexical.map((hit) => hit.score), Number.EPSILON);
        for (const [rank, hit] of lexical.entries())
          add(
            hit.seq,
            options.fusion === 'rrf' ? 1 / (options.rrfK + rank + 1) : hit.score / best,
            'lexical',
            hit.observation,
          );
      }
      if (vectors && embedder && rest.trim() !== '') {
        paths.push('vector');
        const [query] = await embedder.embed([rest]);
        if (query) {
          const near = await vectors.search(user.id, embedder.id, query, options.candidates, filter);
          const best = Math.max(...near.map((hit) => hit.similarity), Number.EPSILON);
          for (const [rank, hit] of near.entries())
            add(
              hit.seq,
              options.vectorWeight *
                (options.fusion === 'rrf'
                  ? 1 / (options.rrfK + rank + 1)
                  : Math.max(0, hit.similarity) / best),
              'vector',
              null,
            );
        }
      }

      if (fused.size === 0) {
        // A question about a time and nothing else ("what did I do last Tuesday"): that time's episodes.
        const inRange =
          episodes && time && (time.fromMs !== null || time.toMs !== null)
            ? await episodes.list(user.id, {
                ...(time.fromMs !== null ? { fromMs: time.fromMs } : {}),
                ...(time.toMs !== null ? { toMs: time.toMs } : {}),
                limit: 50,
              })
            : [];
        const within = inRange.filter(
          (episode) =>
            (time?.fromMs == null || episode.endedAt >= time.fromMs) &&
            (time?.toMs == null || episode.startedAt < time.toMs),
        );
        return { hits: [], terms, time, episodes: within, paths };
      }

      if (options.neighbourWeight > 0 && episodes) {
        const top = [...fused].sort((a, b) => b[1].score - a[1].score).slice(0, options.neighbourHits);
        const lent = new Map<number, number>();
        for (const [seq, entry] of top)
          for (const near of [seq - 1, seq + 1])
            lent.set(near, Math.max(lent.get(near) ?? 0, entry.score * options.neighbourWeight));
        const sameEpisode = await episodes.episodeOf(user.id, [
          ...new Set([...lent.keys(), ...top.map(([seq]) => seq)]),
        ]);
        for (const [near, score] of lent) {
          const from = [near - 1, near + 1].find(
            (seq) => fused.has(seq) && sameEpisode.get(seq) === sameEpisode.get(near),
          );
          if (from !== undefined && sameEpisode.has(near)) add(near, score, 'neighbour', null);
        }
      }
      const missing = [...fused].filter(([, entry]) => entry.observation === null).map(([seq]) => seq);
      for (const { seq, observation } of await store.getBySeq(user.id, missing)) {
        const entry = fused.get(seq);
        if (entry) entry.observation = observation;
      }
      const episodeOf = episodes
        ? await episodes.episodeOf(user.id, [...fused.keys()])
        : new Map<number, string>();
      const episodeScore = new Map<string, number>();
      for (const [seq, entry] of fused) {
        const episodeId = episodeOf.get(seq);
        if (episodeId) episodeScore.set(episodeId, (episodeScore.get(episodeId) ?? 0) + entry.score);
      }
      const bestEpisode = Math.max(...episodeScore.values(), Number.EPSILON);
      const bestHit = Math.max(...[...fused.values()].map((entry) => entry.score), Number.EPSILON);
      const questionWords = new Set(question.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);

      const hits: RetrievalHit[] = [];
      for (const [seq, entry] of fused) {
        const observation = entry.observation;
        if (!observation) continue;
        const episodeId = episodeOf.get(seq) ?? null;
        let score =
          (1 - options.episodeWeight) * (entry.score / bestHit) +
          options.episodeWeight * ((episodeId ? (episodeScore.get(episodeId) ?? 0) : 0) / bestEpisode);
        const speaker = speakerOf(observation);
        if (speaker && questionWords.has(speaker.toLowerCase().split(/\s+/)[0] ?? ''))
          score *= options.speakerBoost;
        if (options.recencyWeight > 0) {
          const ageDays = Math.max(0, now - observation.capturedAt) / DAY;
          score =
            (1 - options.recencyWeight) * score +
            options.recencyWeight * 0.5 ** (ageDays / options.recencyHalfLifeDays);
        }
        const signals = [...entry.signals];
        if (episodeId && (episodeScore.get(episodeId) ?? 0) > entry.score) signals.push('episode');
        hits.push({ observation, seq, score, episodeId, signals });
      }
      hits.sort((a, b) => b.score - a.score || b.observation.capturedAt - a.observation.capturedAt);
      const top = hits.slice(0, limit);
      const episodeIds = [...new Set(top.flatMap((hit) => (hit.episodeId ? [hit.episodeId] : [])))];
      const found = (await Promise.all(episodeIds.map((id) => episodes?.get(user.id, id) ?? null))).filter(
        (episode): episode is Episode => episode !== null,
      );
      return { hits: top, terms, time, episodes: found, paths };
    },
  };
}

/** The retriever's type. */
export type Retriever = ReturnType<typeof createRetriever>;
