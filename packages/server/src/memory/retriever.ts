import { z } from 'zod';
import type { Clock } from '../kernel/index.ts';
import type { Embedder, VectorIndex } from './embeddings/index.ts';
import type { Episode, EpisodeStore } from './episode-store.ts';
import { resolveQuestionTime } from './episodes/index.ts';
import { queryTerms } from './query-terms.ts';
import { askedNouns } from './retrieval/asked-nouns.ts';
import { spreadOverEpisodes } from './retrieval/episode-spread.ts';
import { type NarrowerTerm, nameKinds, narrowerTerms } from './retrieval/narrower-terms.ts';
import { neighbourLoans } from './retrieval/neighbours.ts';
import { asksForSeveral, firstName, speakerTerms } from './retrieval/question-shape.ts';
import { termCoverage } from './retrieval/term-coverage.ts';
import { searchPreferringTime, type TimeScope } from './retrieval/time-preference.ts';
import { loadNounHierarchy, type NounHierarchy } from './retrieval/wordnet.ts';
import type { TimelineStore } from './timeline-store.ts';
import type { SearchFilter, SearchHit, StoredObservation } from './types.ts';
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

/**
 * How retrieval weighs its signals. Defaults were chosen on the LoCoMo dev split, checked per conversation (see
 * docs/benchmarks.md and `bench/locomo-sweep.ts`); each method has a value that turns it off, for ablations.
 */
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
  /** How many write positions on each side a top hit lends to, the k-th getting 1/k of the loan. */
  neighbourReach: number;
  /**
   * What a time in the question does: `filter` searches only inside it; `prefer` (default) also searches everywhere
   * and multiplies the scores of hits inside it by `1 + timeBoost` (see `searchPreferringTime`). On LoCoMo dev, in
   * about a fifth of the questions that name a time some evidence was said outside that time, and a filter lost it.
   */
  timeScope: TimeScope;
  /** With `timeScope: 'prefer'`: how much more a hit inside the question's time counts (1 = twice as much). */
  timeBoost: number;
  /**
   * For "before/after X": whether the time includes the episode X was found in (default true). X is found where it
   * was talked about, and what came just after it is often told in the same talk.
   */
  anchorEpisodeIncluded: boolean;
  /**
   * Share of the score that comes from how much of the question a hit covers, rare terms counting more (see
   * `termCoverage`); 0 turns it off.
   */
  coverageWeight: number;
  /**
   * For questions that ask for several things ("what activities…", "which cities…", "how many times…"): each hit's
   * score is multiplied by this once for every better hit from the same episode, so the top of the list spans
   * several episodes (see `spreadOverEpisodes`); 1 turns it off.
   */
  severalDecay: number;
  /**
   * Where a question's mention of a speaker is looked for: `text` (default) searches the name like any other word; `speaker`
   * matches it against who spoke (the speaker boost) and searches the rest of the question without it,
   * since in a conversation a person's name is said mostly by the others, to them. One more bounded search when
   * the question names a speaker.
   */
  speakerNames: 'text' | 'speaker';
  /**
   * Weight of one more search for kinds of the things a question asks for ("which cities…" → Chicago, Rome…; "what
   * martial arts…" → karate, taekwondo…), from WordNet's hyponyms (see `askedNouns`, `narrowerTerms`). Its BM25
   * scores are scaled to the best hit of the question's own search, so a kind that is rare in the timeline counts
   * like a rare question word and a common one ("work", "use") hardly at all; on a large index, kinds held by more
   * than 0.1 % of its rows are not searched at all (their long posting lists made p95 about 150 ms at 1M). 0.4
   * (default) lifts LoCoMo dev multi-hop "all evidence in top 10" from 25.4 to 30.3 %; 0 turns it off and WordNet is
   * never read. The first question that asks for kinds reads WordNet's noun files once (about 0.5 s, 80 MB held).
   */
  narrowerWeight: number;
  /** Levels of WordNet hyponymy followed below an asked-for noun. */
  narrowerDepth: number;
  /** At most this many narrower words searched per question. */
  narrowerLimit: number;
  /** Which question words are narrowed: `asked` the nouns naming what is asked for, `all` every question term. */
  narrowerOf: 'asked' | 'all';
  /** Whether a narrower word in a hit counts as the question term it is a kind of when coverage is measured. */
  narrowerCoverage: boolean;
}

const weight = (max: number) => z.number().min(0).max(max);

/**
 * What `familiar.config.json` → `retrieval` may change (every field optional; unknown fields are refused), e.g.
 * `{ "retrieval": { "vectorWeight": 1.5 } }` to tune fusion for a real embedding model.
 */
export const RetrievalSettingsSchema = z
  .strictObject({
    candidates: z.number().int().min(10).max(2000),
    fusion: z.enum(['score', 'rrf']),
    rrfK: z.number().min(1).max(1000),
    vectorWeight: weight(10),
    episodeWeight: weight(1),
    speakerBoost: z.number().min(1).max(10),
    recencyWeight: weight(1),
    recencyHalfLifeDays: z.number().positive().max(36_500),
    neighbourWeight: weight(1),
    neighbourHits: z.number().int().min(0).max(200),
    neighbourReach: z.number().int().min(0).max(10),
    timeScope: z.enum(['prefer', 'filter']),
    timeBoost: weight(10),
    anchorEpisodeIncluded: z.boolean(),
    coverageWeight: weight(1),
    severalDecay: z.number().gt(0).max(1),
    speakerNames: z.enum(['text', 'speaker']),
    narrowerWeight: weight(1),
    narrowerDepth: z.number().int().min(1).max(8),
    narrowerLimit: z.number().int().min(1).max(500),
    narrowerOf: z.enum(['asked', 'all']),
    narrowerCoverage: z.boolean(),
  })
  .partial();

/** Retrieval weights a person set. */
export type RetrievalSettings = z.infer<typeof RetrievalSettingsSchema>;

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
  neighbourWeight: 0.6,
  neighbourHits: 10,
  neighbourReach: 2,
  timeScope: 'prefer',
  timeBoost: 1,
  anchorEpisodeIncluded: true,
  coverageWeight: 0.3,
  severalDecay: 0.7,
  speakerNames: 'text',
  narrowerWeight: 0.4,
  narrowerDepth: 4,
  narrowerLimit: 50,
  narrowerOf: 'asked',
  narrowerCoverage: true,
};

const DAY = 86_400_000;

/** Kinds (see `narrowerWeight`) in more than this share of a large index's rows are not searched. */
const NARROWER_MAX_TERM_SHARE = 0.001;

/**
 * The retriever `ask` and the assistant use: BM25 full text, plus vector search when an embedder is configured,
 * fused by score; then structure: hits in strongly matching episodes rise, hits that cover more of the question
 * rise, hits by a speaker the question names rise, the answer next to a matching turn is lent some of its score,
 * and time in the question ("last Tuesday", "in May", "before the trip") lifts what was said in that time in the
 * user's timezone. Questions that ask for several things get hits spread over several episodes.
 */
export function createRetriever(deps: {
  store: TimelineStore;
  /** Episodes give structure (episode-level scores, time-only questions); without them hits stand alone. */
  episodes?: EpisodeStore | null;
  vectors?: VectorIndex | null;
  embedder?: Embedder | null;
  clock: Clock;
  options?: Partial<RetrievalOptions>;
  /** The WordNet noun hierarchy, read on first use (only with `narrowerWeight` > 0). */
  nouns?: () => Promise<NounHierarchy>;
}) {
  const { store, episodes = null, vectors = null, embedder = null, clock, nouns = loadNounHierarchy } = deps;
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
    const included = options.anchorEpisodeIncluded;
    return resolved.relation === 'before'
      ? {
          fromMs: null,
          toMs: included ? anchor.endedAt + 1 : anchor.startedAt,
          phrase: resolved.phrase,
          anchorEpisodeId: anchor.id,
        }
      : {
          fromMs: included ? anchor.startedAt : anchor.endedAt + 1,
          toMs: null,
          phrase: resolved.phrase,
          anchorEpisodeId: anchor.id,
        };
  }

  /** Full-text candidates; a speaker's name is matched against who spoke, not searched in what was said. */
  async function searchText(
    userId: string,
    terms: readonly string[],
    range: SearchFilter,
    limits: Pick<SearchFilter, 'maxTermShare'> = {},
  ) {
    const search = (words: readonly string[]) =>
      searchPreferringTime<SearchHit>(
        (within) => store.searchObservations(userId, words, options.candidates, { ...within, ...limits }),
        range,
        {
          scope: options.timeScope,
          boost: options.timeBoost,
          limit: options.candidates,
          score: (hit) => hit.score,
        },
        (hit, factor) => ({ ...hit, score: hit.score * factor }),
      );
    const hits = await search(terms);
    if (options.speakerNames === 'text') return hits;
    const names = speakerTerms(
      terms,
      hits.flatMap((hit) => speakerOf(hit.observation) ?? []),
    );
    const content = terms.filter((term) => !names.has(term));
    return names.size > 0 && content.length > 0 ? search(content) : hits;
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
      const range: SearchFilter = {};
      if (time?.fromMs != null) range.fromMs = time.fromMs;
      if (time?.toMs != null) range.toMs = time.toMs;

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

      let narrower: NarrowerTerm[] = [];
      if (terms.length > 0) {
        paths.push('lexical');
        const lexical = await searchText(user.id, terms, range);
        const best = Math.max(...lexical.map((hit) => hit.score), Number.EPSILON);
        for (const [rank, hit] of lexical.entries())
          add(
            hit.seq,
            options.fusion === 'rrf' ? 1 / (options.rrfK + rank + 1) : hit.score / best,
            'lexical',
            hit.observation,
          );
        if (options.narrowerWeight > 0) {
          const asked = options.narrowerOf === 'asked' ? askedNouns(rest) : terms.map((term) => [term]);
          if (asked.length > 0)
            narrower = narrowerTerms(await nouns(), asked, {
              depth: options.narrowerDepth,
              limit: options.narrowerLimit,
              senseShare: 0.5,
            });
          const kinds =
            narrower.length > 0
              ? await searchText(
                  user.id,
                  narrower.map((entry) => entry.term),
                  range,
                  // Kinds held by more than 0.1 % of a large index ("work", "use") add little and cost a full
                  // scoring pass; the store leaves them out of this search.
                  { maxTermShare: NARROWER_MAX_TERM_SHARE },
                )
              : [];
          for (const [rank, hit] of kinds.entries())
            add(
              hit.seq,
              options.narrowerWeight *
                (options.fusion === 'rrf' ? 1 / (options.rrfK + rank + 1) : hit.score / best),
              'lexical',
              hit.observation,
            );
        }
      }
      if (vectors && embedder && rest.trim() !== '') {
        paths.push('vector');
        const [query] = await embedder.embed([rest]);
        if (query) {
          const near = await searchPreferringTime(
            (within) => vectors.search(user.id, embedder.id, query, options.candidates, within),
            range,
            {
              scope: options.timeScope,
              boost: options.timeBoost,
              limit: options.candidates,
              score: (hit) => hit.similarity,
            },
            (hit, factor) => ({ ...hit, similarity: Math.max(0, hit.similarity) * factor }),
          );
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
        const top = [...fused]
          .sort((a, b) => b[1].score - a[1].score)
          .slice(0, options.neighbourHits)
          .map(([seq, entry]) => ({ seq, score: entry.score }));
        const loans = neighbourLoans(top, { weight: options.neighbourWeight, reach: options.neighbourReach });
        const episodeOfNear = await episodes.episodeOf(user.id, [
          ...new Set([...loans.keys(), ...top.map((hit) => hit.seq)]),
        ]);
        const lenders = new Map(top.map((hit) => [hit.seq, episodeOfNear.get(hit.seq)]));
        for (const [near, loan] of loans) {
          const episode = episodeOfNear.get(near);
          if (episode === undefined) continue;
          // Only within the lender's episode: the turn before a talk began is not part of its answer.
          let sameTalk = false;
          for (let distance = 1; distance <= options.neighbourReach && !sameTalk; distance += 1)
            sameTalk = lenders.get(near - distance) === episode || lenders.get(near + distance) === episode;
          if (sameTalk) add(near, loan, 'neighbour', null);
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
      const coverage =
        options.coverageWeight > 0
          ? termCoverage(
              nameKinds(
                new Map([...fused].map(([seq, entry]) => [seq, entry.observation?.text ?? ''])),
                options.narrowerCoverage ? narrower : [],
              ),
              terms,
            )
          : new Map<number, number>();
      const speakers = new Set<string>();
      for (const entry of fused.values()) {
        const speaker = entry.observation ? speakerOf(entry.observation) : null;
        if (speaker) speakers.add(speaker);
      }
      const named = speakerTerms(question.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [], speakers);

      let hits: RetrievalHit[] = [];
      for (const [seq, entry] of fused) {
        const observation = entry.observation;
        if (!observation) continue;
        const episodeId = episodeOf.get(seq) ?? null;
        let score =
          (1 - options.episodeWeight) * (entry.score / bestHit) +
          options.episodeWeight * ((episodeId ? (episodeScore.get(episodeId) ?? 0) : 0) / bestEpisode);
        score = (1 - options.coverageWeight) * score + options.coverageWeight * (coverage.get(seq) ?? 0);
        const speaker = speakerOf(observation);
        if (speaker && named.has(firstName(speaker))) score *= options.speakerBoost;
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
      if (asksForSeveral(question)) hits = spreadOverEpisodes(hits, options.severalDecay);
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
