import { AsyncLocalStorage } from 'node:async_hooks';
import type { Clock, IdGenerator, Logger } from '../kernel/index.ts';
import type { EmbeddingIndexer } from './embeddings/index.ts';
import type { Episode, EpisodeStore, NewEpisode } from './episode-store.ts';
import {
  describeEpisode,
  type EpisodeObservation,
  type SegmentOptions,
  segmentEpisodes,
} from './episodes/index.ts';
import type { FactExtractor } from './extraction/index.ts';
import type { FactStore, NewFact } from './fact-store.ts';
import type { MemoryCursors } from './memory-cursors.ts';
import type { PeopleStore } from './people-store.ts';
import type { TimelineStore } from './timeline-store.ts';
import type { Person, SequencedObservation, StoredObservation } from './types.ts';
import { createWorkSlicer, DEFAULT_SLICE_MS, type WorkSlicer } from './work-slicer.ts';

/** The user a pass works for: facts and episodes need their timezone. */
export interface UnderstandingUser {
  id: string;
  timezone: string;
}

/** What one catch-up did. */
export interface UnderstandingResult {
  observations: number;
  facts: { created: number; corroborated: number; superseded: number };
  episodes: number;
  embedded: number;
  /** Observations the fact extractor failed on (logged and passed over). */
  skipped: number;
  /** Vectors still waiting (the embedder failed or the batch limit was reached). */
  embeddingsPending: number;
  /**
   * True when the pass stopped at `maxObservations` (or `maxEmbeddingBatches`) with more of the timeline left to
   * follow: call again (the server's follower does, after letting other users and requests run). Absent: false.
   */
  pending?: boolean;
}

/** How much one catch-up may do before it returns, so a large backlog is followed in steps. */
export interface CatchUpOptions {
  /** Observations each stage (facts, episodes) reads at most in this pass; default: all that are new. */
  maxObservations?: number;
  /** Batches of vectors the indexer embeds at most in this pass; default: all that are pending. */
  maxEmbeddingBatches?: number;
}

/**
 * Something else derived from the timeline that must follow a forget as memory does (the assistant's goals and inbox).
 * Memory only calls back; whoever composes the app injects it, so memory never depends on what follows it.
 */
export interface ForgetFollower {
  /** After observations are forgotten (memory has pruned its own facts and episodes). */
  afterForget(userId: string): Promise<void>;
  /** The user's whole timeline is being emptied. */
  forgetAll(userId: string): Promise<void>;
}

/**
 * Something that reads the new part of a user's timeline before memory derives anything from it, and may forget
 * observations there (consent: a bystander who asked not to be remembered). It keeps its own cursor.
 */
export interface TimelineReviewer {
  review(user: UnderstandingUser): Promise<void>;
}

/** Modalities whose text says something about the person's life; captions and OCR of frames are left out. */
const FACT_MODALITIES = new Set(['utterance', 'note', 'chat', 'event']);

/** Speaker labels that do not name a person. */
const ANONYMOUS_SPEAKERS = new Set(['unknown', 'wearer']);

/**
 * Observations whose facts are written in one transaction: one commit per batch instead of one per fact, but small
 * enough that the transaction (synchronous on SQLite) holds the event loop for milliseconds, not a second.
 */
const FACT_BATCH = 100;

/** Observations one episode step re-segments around. */
const EPISODE_BATCH = 1_000;

/** The speaker's name when the observation says who spoke (an enrolled voice, or a transcript that names them). */
export function speakerOf(observation: StoredObservation): string | null {
  const label = observation.details?.speaker?.label;
  return label && !ANONYMOUS_SPEAKERS.has(label) ? label : null;
}

/**
 * The understanding pass: follows each user's timeline in write order and turns new observations into memory
 * (facts with their sources, people's last seen/heard/mentioned, episodes, and vectors when an embedder is
 * configured). Each stage keeps its own cursor, so a crash repeats at most one batch, and repeating is harmless:
 * a fact recorded twice is corroborated, an episode window is replaced whole.
 */
export function createUnderstanding(deps: {
  store: TimelineStore;
  facts: FactStore;
  episodes: EpisodeStore;
  people: PeopleStore;
  cursors: MemoryCursors;
  extractor: FactExtractor;
  indexer: EmbeddingIndexer | null;
  clock: Clock;
  newId: IdGenerator;
  logger: Logger;
  segmentOptions?: SegmentOptions;
  /** Titles and summarises episodes (a model when one is configured); default: extractive. */
  describer?: {
    describe(
      observations: ReadonlyArray<Parameters<typeof describeEpisode>[0][number]>,
      options: { timezone: string; userId: string },
    ): Promise<{ title: string; summary: string }>;
  };
  /**
   * The user's time zone, for describing an episode again after a forget (a forget knows only the user's id); null or
   * absent: UTC.
   */
  timezoneOf?: (userId: string) => Promise<string | null>;
  /** Told after memory follows a forget, so what was derived from memory follows it too. */
  followers?: readonly ForgetFollower[];
  /**
   * Run first in every pass, and again over what was written since before each batch of facts, so what they forget
   * never becomes facts, episodes or vectors.
   */
  reviewers?: readonly TimelineReviewer[];
  /**
   * How long the pass computes before it lets the event loop run (requests, acknowledgements, timers); default 10 ms.
   * The pass is CPU-bound (fact extraction) and, on SQLite, its store calls are synchronous.
   */
  sliceMs?: number;
}) {
  const { store, facts, episodes, people, cursors, extractor, indexer, clock, newId, logger } = deps;
  const gapMs = deps.segmentOptions?.gapMs ?? 30 * 60_000;
  const sliceMs = deps.sliceMs ?? DEFAULT_SLICE_MS;
  const running = new Map<string, Promise<UnderstandingResult>>();
  /** The user whose pass the current call runs inside (a reviewer that forgets, e.g. consent), if any. */
  const insidePass = new AsyncLocalStorage<string>();

  function findPerson(known: readonly Person[], name: string): Person | null {
    const wanted = name.trim().toLowerCase();
    if (wanted === '' || wanted === 'self') return null;
    return (
      known.find(
        (person) =>
          person.name.toLowerCase() === wanted ||
          person.name.toLowerCase().split(/\s+/)[0] === wanted ||
          person.aliases.some((alias) => alias.toLowerCase() === wanted),
      ) ?? null
    );
  }

  async function review(user: UnderstandingUser): Promise<void> {
    for (const reviewer of deps.reviewers ?? []) await reviewer.review(user);
  }

  /** Whether the user has observations past `cursor`. */
  async function more(userId: string, cursor: number): Promise<boolean> {
    return (await store.readSince(userId, cursor, 1)).length > 0;
  }

  /** Follows the timeline into facts, at most `budget` observations; true when it stopped with more to read. */
  async function factsStage(
    user: UnderstandingUser,
    result: UnderstandingResult,
    budget: number,
    slicer: WorkSlicer,
  ): Promise<boolean> {
    let cursor = await cursors.get(user.id, 'facts');
    let left = budget;
    for (;;) {
      if (left <= 0) return more(user.id, cursor);
      const size = Math.min(FACT_BATCH, left);
      const ahead = await store.readSince(user.id, cursor, size);
      if (ahead.length === 0) return false;
      // While the pass lets requests run, new observations arrive: the reviewers read them before any becomes a fact,
      // and the batch is read again without what they forgot, up to where it ended.
      const through = ahead.at(-1)!.seq;
      await review(user);
      const batch = (await store.readSince(user.id, cursor, size)).filter((entry) => entry.seq <= through);
      const known = await people.list(user.id);
      // Facts of a whole batch are written in one transaction (one commit instead of one per fact).
      const pending: Array<{ fact: NewFact; sourceSeqs: number[]; about: Person | null }> = [];
      for (const { seq, observation } of batch) {
        await slicer.breathe();
        await sightings(user, known, observation);
        if (!FACT_MODALITIES.has(observation.modality)) continue;
        let extracted: Awaited<ReturnType<FactExtractor['extract']>>;
        try {
          extracted = await extractor.extract(observation.text, {
            capturedAt: observation.capturedAt,
            timezone: user.timezone,
            speaker: speakerOf(observation),
            userId: user.id,
          });
        } catch (error) {
          // One observation the extractor cannot read must not stop memory for everything after it.
          logger.warn(
            { err: error, observation: observation.id },
            'facts could not be extracted from an observation',
          );
          result.skipped += 1;
          continue;
        }
        for (const fact of extracted) {
          const about =
            findPerson(known, fact.subject) ??
            (fact.kind === 'person' || fact.kind === 'relationship' ? findPerson(known, fact.object) : null);
          pending.push({
            fact: {
              id: newId(),
              kind: fact.kind,
              subject: fact.subject,
              predicate: fact.predicate,
              object: fact.object,
              slot: fact.slot,
              statement: fact.statement,
              validFrom: fact.validFrom,
              validTo: fact.validTo,
              observedAt: observation.capturedAt,
              trust: observation.trust,
              confidence: fact.confidence,
              origin: 'extracted',
              personId: about?.id ?? null,
              createdAt: clock.now(),
            },
            sourceSeqs: [seq],
            about,
          });
        }
      }
      await slicer.breathe();
      const outcomes = await facts.recordMany(user.id, pending);
      for (const [index, recorded] of outcomes.entries()) {
        if (recorded.outcome === 'corroborated') result.facts.corroborated += 1;
        else if (recorded.outcome === 'created') {
          result.facts.created += 1;
          result.facts.superseded += recorded.superseded.length;
        }
        const about = pending[index]?.about;
        if (about && recorded.outcome === 'created') await learnAboutPerson(user, about, recorded.fact);
      }
      cursor = through;
      await cursors.set(user.id, 'facts', cursor, clock.now());
      result.observations += batch.length;
      left -= ahead.length;
      await slicer.breathe();
    }
  }

  /** Moves a known person's last seen/heard/mentioned forward from what an observation shows. */
  async function sightings(
    user: UnderstandingUser,
    known: readonly Person[],
    observation: StoredObservation,
  ): Promise<void> {
    const at = observation.capturedAt;
    const heard = observation.details?.speaker?.personId;
    if (heard) await people.touch(user.id, heard, { heardAt: at });
    for (const name of observation.details?.seen?.people ?? []) {
      const person = findPerson(known, name);
      if (person) await people.touch(user.id, person.id, { seenAt: at });
    }
    if (known.length === 0 || !FACT_MODALITIES.has(observation.modality)) return;
    const text = observation.text.toLowerCase();
    for (const person of known) {
      const names = [person.name, ...person.aliases].map((name) => name.toLowerCase());
      if (names.some((name) => new RegExp(`\\b${escapeRegExp(name)}\\b`, 'u').test(text)))
        await people.touch(user.id, person.id, { mentionedAt: at });
    }
  }

  /** A relationship or an important date learned about a known person goes on their record. */
  async function learnAboutPerson(
    user: UnderstandingUser,
    person: Person,
    fact: { kind: string; predicate: string; object: string; validFrom: number | null },
  ): Promise<void> {
    if (fact.kind === 'relationship' && fact.object.trim() !== '') {
      await people.update(user.id, person.id, { relationship: fact.object.trim(), updatedAt: clock.now() });
    } else if (fact.kind === 'date' && fact.validFrom !== null) {
      const date = new Intl.DateTimeFormat('en-CA', {
        timeZone: user.timezone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
      }).format(fact.validFrom);
      const label = fact.predicate.replaceAll('_', ' ');
      const current = (await people.get(user.id, person.id))?.importantDates ?? [];
      const importantDates = [...current.filter((entry) => entry.label !== label), { label, date }];
      await people.update(user.id, person.id, { importantDates, updatedAt: clock.now() });
    }
  }

  /**
   * Follows the timeline into episodes, at most `budget` observations and never past the facts stage (what is behind
   * it the reviewers have read). `pending` is true when it stopped with more to read.
   */
  async function episodesStage(
    user: UnderstandingUser,
    budget: number,
    slicer: WorkSlicer,
  ): Promise<{ written: number; pending: boolean }> {
    let cursor = await cursors.get(user.id, 'episodes');
    const bound = await cursors.get(user.id, 'facts');
    let written = 0;
    let left = budget;
    while (cursor < bound) {
      if (left <= 0) return { written, pending: true };
      const read = await store.readSince(user.id, cursor, Math.min(EPISODE_BATCH, left));
      const batch = read.filter((entry) => entry.seq <= bound);
      if (batch.length === 0) break;
      written += await resegment(user, batch, slicer);
      cursor = batch.at(-1)!.seq;
      await cursors.set(user.id, 'episodes', cursor, clock.now());
      left -= batch.length;
      await slicer.breathe();
      if (batch.length < read.length) break;
    }
    return { written, pending: false };
  }

  /** Re-segments the stretch of the timeline that new observations touch, keeping the person's edits. */
  async function resegment(
    user: UnderstandingUser,
    fresh: readonly SequencedObservation[],
    slicer: WorkSlicer,
  ): Promise<number> {
    const times = fresh.map((entry) => entry.observation.capturedAt);
    let fromMs = Math.min(...times) - gapMs;
    let toMs = Math.max(...times) + gapMs;
    const before = await episodes.list(user.id, { fromMs, toMs });
    for (const episode of before) {
      fromMs = Math.min(fromMs, episode.startedAt);
      toMs = Math.max(toMs, episode.endedAt);
    }
    const items = episodeItems(await listRange(user.id, fromMs, toMs, slicer));
    const byId = new Map(items.map((item) => [item.id, item]));
    const now = clock.now();
    const taken = new Set<string>();
    const next: NewEpisode[] = [];
    await slicer.breathe();
    for (const segment of segmentEpisodes(items, deps.segmentOptions)) {
      await slicer.breathe();
      const members = segment.observationIds.flatMap((id) => byId.get(id) ?? []);
      const previous = bestOverlap(before, segment, taken);
      if (previous) taken.add(previous.id);
      // A kept edit, or an unchanged episode, keeps its words: a model is asked only about what changed.
      const unchanged =
        previous !== null &&
        previous.startedAt === segment.startedAt &&
        previous.endedAt === segment.endedAt &&
        previous.observationCount === segment.observationIds.length;
      const described =
        previous && (previous.edited || unchanged)
          ? { title: previous.title, summary: previous.summary }
          : await describe(members, user);
      next.push({
        id: previous?.id ?? newId(),
        startedAt: segment.startedAt,
        endedAt: segment.endedAt,
        title: described.title,
        summary: described.summary,
        edited: previous?.edited ?? false,
        createdAt: previous?.createdAt ?? now,
        observationIds: segment.observationIds,
      });
    }
    await slicer.breathe();
    await episodes.replaceWindow(user.id, { fromMs, toMs }, next);
    return next.length;
  }

  /** A title and summary of an episode's observations: the describer's, or the extractive ones without it. */
  async function describe(
    members: readonly EpisodeObservation[],
    user: UnderstandingUser,
  ): Promise<{ title: string; summary: string }> {
    return deps.describer
      ? deps.describer.describe(members, { timezone: user.timezone, userId: user.id })
      : describeEpisode(members, { timezone: user.timezone });
  }

  /**
   * Describes again, from what they still hold, the episodes a forget shrank, so that their title and summary never
   * quote what was forgotten. An episode the person titled keeps their words: they are authored, not perceived (and
   * the forgotten text is already gone, so nothing could tell whether they quote it). Answers how many were described.
   */
  async function redescribeShrunk(userId: string): Promise<number> {
    const shrunk = (await episodes.shrunk(userId)).filter((episode) => !episode.edited);
    if (shrunk.length === 0) return 0;
    const user = { id: userId, timezone: (await deps.timezoneOf?.(userId)) ?? 'UTC' };
    const slicer = createWorkSlicer({ sliceMs });
    let described = 0;
    for (const episode of shrunk) {
      const held = new Set(await episodes.observationIds(userId, episode.id));
      // From a gap before the episode, so that a place named just before it is known, as when it was segmented.
      const around = await listRange(userId, episode.startedAt - gapMs, episode.endedAt, slicer);
      const members = episodeItems(around).filter((item) => held.has(item.id));
      if (members.length === 0) continue;
      let description: { title: string; summary: string };
      try {
        description = await describe(members, user);
      } catch (error) {
        // A forget must not fail on a describer that does: the extractive description quotes only what is left.
        logger.warn(
          { err: error, episode: episode.id },
          'a shrunk episode was described without its describer',
        );
        description = describeEpisode(members, { timezone: user.timezone });
      }
      const written = await episodes.redescribe(
        userId,
        episode.id,
        { ...description, observationIds: members.map((item) => item.id) },
        clock.now(),
      );
      if (written) described += 1;
    }
    return described;
  }

  async function listRange(
    userId: string,
    fromMs: number,
    toMs: number,
    slicer: WorkSlicer,
  ): Promise<StoredObservation[]> {
    const all: StoredObservation[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await store.listObservations(userId, {
        fromMs,
        toMs: toMs + 1,
        order: 'asc',
        limit: 1000,
        ...(cursor ? { cursor } : {}),
      });
      all.push(...page.observations);
      if (!page.nextCursor) return all;
      await slicer.breathe();
      cursor = page.nextCursor;
    }
  }

  async function run(user: UnderstandingUser, options: CatchUpOptions): Promise<UnderstandingResult> {
    const result: UnderstandingResult = {
      observations: 0,
      facts: { created: 0, corroborated: 0, superseded: 0 },
      episodes: 0,
      embedded: 0,
      skipped: 0,
      embeddingsPending: 0,
      pending: false,
    };
    const budget = options.maxObservations ?? Number.POSITIVE_INFINITY;
    const slicer = createWorkSlicer({ sliceMs });
    await review(user);
    const factsPending = await factsStage(user, result, budget, slicer);
    const episodesDone = await episodesStage(user, budget, slicer);
    result.episodes = episodesDone.written;
    result.pending = factsPending || episodesDone.pending;
    if (indexer) {
      await slicer.breathe();
      const embedded = await indexer.catchUp(user.id, {
        ...(options.maxEmbeddingBatches === undefined ? {} : { maxBatches: options.maxEmbeddingBatches }),
      });
      result.embedded = embedded.embedded;
      result.embeddingsPending = embedded.remaining;
      if (embedded.error) logger.warn({ userId: user.id, error: embedded.error }, 'embedding paused');
      // More to embed after a pass that made progress; none made (nothing the embedder can take) is not pending.
      else if (embedded.embedded > 0 && embedded.remaining > 0) result.pending = true;
    }
    return result;
  }

  return {
    /**
     * Brings a user's memory up to date with their timeline (or `maxObservations` further: see `pending`), in slices
     * of `sliceMs` that let requests run between them. Calls for the same user share one run (the server's follower
     * and a CLI command can both ask).
     */
    async catchUp(user: UnderstandingUser, options: CatchUpOptions = {}): Promise<UnderstandingResult> {
      for (let shared = running.get(user.id); shared; shared = running.get(user.id)) {
        const outcome = await shared;
        // A bounded run that stopped short does not answer a caller who asked for more: it runs its own next.
        if (!outcome.pending) return outcome;
      }
      const work = insidePass.run(user.id, () => run(user, options)).finally(() => running.delete(user.id));
      running.set(user.id, work);
      return work;
    },
    /**
     * After observations are forgotten: facts that lost every source and emptied episodes go too, and episodes that
     * keep other observations are described again from those (unless the person wrote their title and summary).
     * Repeating it is harmless; it finds what a crash left half done.
     */
    async afterForget(userId: string): Promise<void> {
      // A pass in flight may have read the forgotten moments before they went and write what it made of them after:
      // follow the forget once it is done. A forget made by the pass itself (a reviewer, before any fact is taken)
      // does not wait for it. (Across servers, the follower's start-up sweep and the next forget catch it.)
      if (insidePass.getStore() !== userId) {
        for (let inFlight = running.get(userId); inFlight; inFlight = running.get(userId)) {
          await inFlight.catch(() => undefined);
        }
      }
      const pruned = await facts.prune(userId);
      // Before the prune: its recount hides which episodes shrank.
      const redescribed = await redescribeShrunk(userId);
      const emptied = await episodes.prune(userId);
      if (pruned.removed + pruned.restored + emptied.removed + redescribed > 0)
        logger.debug(
          { userId, ...pruned, episodesRemoved: emptied.removed, episodesRedescribed: redescribed },
          'memory followed a forget',
        );
      for (const follower of deps.followers ?? []) await follower.afterForget(userId);
    },
    /** Forgets everything memory derived for a user (their timeline is being emptied). */
    async forgetAll(userId: string): Promise<void> {
      await facts.removeAll(userId);
      await episodes.removeAll(userId);
      // Every stage's cursor goes back to the start, followers' stages too (the assistant's keeps its own there).
      await cursors.reset(userId);
      for (const follower of deps.followers ?? []) await follower.forgetAll(userId);
    },
  };
}

/**
 * Observations in time order as the episode code reads them, each with the place the last `location` observation
 * before it named.
 */
function episodeItems(observations: readonly StoredObservation[]): EpisodeObservation[] {
  let place: string | null = null;
  return observations.map((observation) => {
    if (observation.modality === 'location') place = observation.text.trim().toLowerCase() || null;
    return {
      id: observation.id,
      capturedAt: observation.capturedAt,
      deviceId: observation.deviceId,
      modality: observation.modality,
      text: observation.text,
      speaker: speakerOf(observation),
      place,
    };
  });
}

function bestOverlap(
  candidates: readonly Episode[],
  segment: { startedAt: number; endedAt: number },
  taken: ReadonlySet<string>,
): Episode | null {
  let best: Episode | null = null;
  let bestOverlapMs = -1;
  for (const episode of candidates) {
    if (taken.has(episode.id)) continue;
    const overlap =
      Math.min(episode.endedAt, segment.endedAt) - Math.max(episode.startedAt, segment.startedAt);
    if (overlap >= 0 && overlap > bestOverlapMs) {
      best = episode;
      bestOverlapMs = overlap;
    }
  }
  return best;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The understanding pass's type. */
export type Understanding = ReturnType<typeof createUnderstanding>;
