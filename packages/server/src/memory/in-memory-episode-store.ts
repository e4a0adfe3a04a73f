import { ConflictError, NotFoundError } from '../kernel/index.ts';
import { type Episode, type EpisodeStore, holdsExactly } from './episode-store.ts';
import type { TimelineStore } from './timeline-store.ts';
import type { SequencedObservation } from './types.ts';

interface UserEpisodes {
  episodes: Map<string, Episode>;
  /** Which episode each observation (by write position) was put in; positions the timeline forgot are ignored. */
  assigned: Map<number, string>;
}

/**
 * The in-memory fake of the episode store, for unit tests of the services above it. It passes the same contract
 * suite as the SQLite store. Observations are those `timeline` (the in-memory timeline fake, usually) still holds:
 * an observation it forgot leaves its episode, as the row does in SQLite.
 */
export function createInMemoryEpisodeStore({ timeline }: { timeline: TimelineStore }): EpisodeStore {
  const users = new Map<string, UserEpisodes>();
  const episodesOf = (userId: string): UserEpisodes => {
    let found = users.get(userId);
    if (!found) {
      found = { episodes: new Map(), assigned: new Map() };
      users.set(userId, found);
    }
    return found;
  };

  const everyObservation = (userId: string): Promise<SequencedObservation[]> =>
    timeline.readSince(userId, 0, Number.MAX_SAFE_INTEGER);

  /** The live observations of an episode, in time order (then by id), as SQLite orders them. */
  const members = async (userId: string, id: string): Promise<SequencedObservation[]> => {
    const { assigned } = episodesOf(userId);
    return (await everyObservation(userId))
      .filter((entry) => assigned.get(entry.seq) === id)
      .sort(
        (a, b) =>
          a.observation.capturedAt - b.observation.capturedAt ||
          compareIds(a.observation.id, b.observation.id),
      );
  };

  const require = (data: UserEpisodes, id: string): Episode => {
    const found = data.episodes.get(id);
    if (!found) throw new NotFoundError('episode', id);
    return found;
  };

  const unassign = (data: UserEpisodes, episodeId: string) => {
    for (const [seq, assignedTo] of data.assigned) if (assignedTo === episodeId) data.assigned.delete(seq);
  };

  return {
    async list(userId, options = {}) {
      const fromMs = options.fromMs ?? Number.MIN_SAFE_INTEGER;
      const toMs = options.toMs ?? Number.MAX_SAFE_INTEGER;
      const sign = options.order === 'desc' ? -1 : 1;
      const limit = options.limit ?? 1000;
      const matching = [...episodesOf(userId).episodes.values()]
        .filter((episode) => episode.endedAt >= fromMs && episode.startedAt < toMs)
        .sort((a, b) => (a.startedAt - b.startedAt) * sign)
        .map((episode) => ({ ...episode }));
      return limit < 0 ? matching : matching.slice(0, limit);
    },
    async get(userId, id) {
      const found = episodesOf(userId).episodes.get(id);
      return found ? { ...found } : null;
    },
    async replaceWindow(userId, window, episodes) {
      const seqOf = new Map(
        (await everyObservation(userId)).map((entry) => [entry.observation.id, entry.seq]),
      );
      const data = episodesOf(userId);
      const old = [...data.episodes.values()].filter(
        (episode) => episode.startedAt <= window.toMs && episode.endedAt >= window.fromMs,
      );
      const freed = new Set(old.map((episode) => episode.id));
      const incoming = new Set<string>();
      for (const episode of episodes) {
        if (incoming.has(episode.id) || (data.episodes.has(episode.id) && !freed.has(episode.id)))
          throw new ConflictError(`episode ${episode.id} already exists`, { id: episode.id });
        incoming.add(episode.id);
      }
      for (const episode of old) {
        unassign(data, episode.id);
        data.episodes.delete(episode.id);
      }
      for (const episode of episodes) {
        data.episodes.set(episode.id, {
          id: episode.id,
          userId,
          startedAt: episode.startedAt,
          endedAt: episode.endedAt,
          title: episode.title,
          summary: episode.summary,
          observationCount: episode.observationIds.length,
          edited: episode.edited,
          createdAt: episode.createdAt,
          updatedAt: episode.createdAt,
        });
        for (const observationId of episode.observationIds) {
          const seq = seqOf.get(observationId);
          if (seq !== undefined) data.assigned.set(seq, episode.id);
        }
      }
    },
    async update(userId, id, changes, at) {
      const episode = require(episodesOf(userId), id);
      episode.title = changes.title ?? episode.title;
      episode.summary = changes.summary ?? episode.summary;
      episode.edited = true;
      episode.updatedAt = at;
      return { ...episode };
    },
    async observationIds(userId, id) {
      return (await members(userId, id)).map((entry) => entry.observation.id);
    },
    async observationSeqs(userId, id) {
      return (await members(userId, id)).map((entry) => entry.seq);
    },
    async episodeOf(userId, seqs) {
      const { assigned } = episodesOf(userId);
      const result = new Map<number, string>();
      for (const { seq } of await timeline.getBySeq(userId, seqs)) {
        const episodeId = assigned.get(seq);
        if (episodeId !== undefined) result.set(seq, episodeId);
      }
      return result;
    },
    async shrunk(userId) {
      const counts = new Map<string, number>();
      const { assigned, episodes } = episodesOf(userId);
      for (const { seq } of await everyObservation(userId)) {
        const episodeId = assigned.get(seq);
        if (episodeId !== undefined) counts.set(episodeId, (counts.get(episodeId) ?? 0) + 1);
      }
      return [...episodes.values()]
        .filter((episode) => {
          const held = counts.get(episode.id) ?? 0;
          return held > 0 && episode.observationCount > held;
        })
        .sort((a, b) => a.startedAt - b.startedAt || compareIds(a.id, b.id))
        .map((episode) => ({ ...episode }));
    },
    async redescribe(userId, id, description, at) {
      const held = await members(userId, id);
      const episode = episodesOf(userId).episodes.get(id);
      if (!episode || episode.edited) return null;
      const asRows = held.map((entry) => ({ id: entry.observation.id }));
      if (!holdsExactly(asRows, description.observationIds)) return null;
      const times = held.map((entry) => entry.observation.capturedAt);
      episode.title = description.title;
      episode.summary = description.summary;
      episode.observationCount = held.length;
      episode.startedAt = Math.min(...times);
      episode.endedAt = Math.max(...times);
      episode.updatedAt = at;
      return { ...episode };
    },
    async prune(userId) {
      const observations = await everyObservation(userId);
      const data = episodesOf(userId);
      const live = new Set(observations.map((entry) => entry.seq));
      for (const seq of data.assigned.keys()) if (!live.has(seq)) data.assigned.delete(seq);
      let removed = 0;
      for (const episode of [...data.episodes.values()]) {
        const times = observations
          .filter((entry) => data.assigned.get(entry.seq) === episode.id)
          .map((entry) => entry.observation.capturedAt);
        episode.observationCount = times.length;
        if (times.length === 0) {
          data.episodes.delete(episode.id);
          removed += 1;
          continue;
        }
        episode.startedAt = Math.min(...times);
        episode.endedAt = Math.max(...times);
      }
      return { removed };
    },
    async removeAll(userId) {
      const count = episodesOf(userId).episodes.size;
      users.delete(userId);
      return count;
    },
  };
}

/** Orders ids as SQLite's binary collation does. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
