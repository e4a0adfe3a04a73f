import type { AuditLog } from '../audit/index.ts';
import { type Clock, type IdGenerator, NotFoundError } from '../kernel/index.ts';
import type { Episode, EpisodeStore } from './episode-store.ts';
import type { Fact, FactCorrection, FactQuery, FactStore } from './fact-store.ts';
import type { PeopleStore, PersonChanges } from './people-store.ts';
import type { Actor } from './timeline.ts';
import type { ForgetResult, ForgetSelector, Person, StoredObservation } from './types.ts';

/**
 * What forgetting one observation would do to what memory derived from it, worked out without changing anything:
 * the rules are those of `facts.prune`, `episodes.shrunk` and `episodes.prune`, which run after a forget.
 */
export interface MemoryForgetPreview {
  observation: StoredObservation;
  facts: {
    /** Facts every source of which is this observation: they are deleted. */
    removed: Fact[];
    /** Facts with other sources too: they stay, without this source. */
    keptWithOtherSources: Fact[];
    /** Facts a removed fact had superseded: they become active again. */
    restored: Fact[];
  };
  episodes: {
    /** Episodes left empty: they are deleted. */
    removed: Episode[];
    /**
     * Episodes that hold other observations too: they shrink and are described again from what they keep, unless the
     * person wrote their title and summary (`edited`), which stay.
     */
    shrunk: Episode[];
  };
}

/** Facts are read at most this many at a time for a preview (newest first); the person's whole memory fits. */
const PREVIEW_FACT_LIMIT = 1_000_000;

/**
 * The door for reading and correcting what memory holds: facts, episodes and people. Every correction and deletion
 * is audited; deleting an episode forgets its observations (and so the facts derived only from them).
 */
export function createMemoryService(deps: {
  facts: FactStore;
  episodes: EpisodeStore;
  people: PeopleStore;
  timeline: {
    forget(actor: Actor, selector: ForgetSelector): Promise<ForgetResult>;
    get(actor: Actor, id: string): Promise<StoredObservation>;
  };
  audit: AuditLog;
  clock: Clock;
  newId: IdGenerator;
}) {
  const { facts, episodes, people, timeline, audit, clock, newId } = deps;
  const record = (
    actor: Actor,
    action: string,
    target: string | null,
    details: Record<string, unknown> | null,
  ) => audit.record({ userId: actor.userId, at: clock.now(), actor: actor.label, action, target, details });

  const requireFact = async (actor: Actor, id: string): Promise<Fact> => {
    const fact = await facts.get(actor.userId, id);
    if (!fact) throw new NotFoundError('fact', id);
    return fact;
  };
  const requireEpisode = async (actor: Actor, id: string): Promise<Episode> => {
    const episode = await episodes.get(actor.userId, id);
    if (!episode) throw new NotFoundError('episode', id);
    return episode;
  };
  const requirePerson = async (actor: Actor, id: string): Promise<Person> => {
    const person = await people.get(actor.userId, id);
    if (!person) throw new NotFoundError('person', id);
    return person;
  };

  return {
    async listFacts(actor: Actor, query: FactQuery = {}): Promise<Fact[]> {
      return facts.list(actor.userId, query);
    },
    async getFact(actor: Actor, id: string): Promise<Fact> {
      return requireFact(actor, id);
    },
    /** The person's correction: a new fact supersedes the old one (both kept, the old one marked superseded). */
    async correctFact(
      actor: Actor,
      id: string,
      correction: FactCorrection,
    ): Promise<{ fact: Fact; previous: Fact }> {
      await requireFact(actor, id);
      const fact = await facts.correct(actor.userId, id, correction, { newId: newId(), at: clock.now() });
      await record(actor, 'facts.correct', id, { by: fact.id, fields: Object.keys(correction) });
      return { fact, previous: await requireFact(actor, id) };
    },
    async deleteFact(actor: Actor, id: string): Promise<void> {
      await requireFact(actor, id);
      await facts.remove(actor.userId, id);
      await record(actor, 'facts.delete', id, null);
    },

    async listEpisodes(
      actor: Actor,
      options: { fromMs?: number; toMs?: number; limit?: number; order?: 'asc' | 'desc' } = {},
    ): Promise<Episode[]> {
      return episodes.list(actor.userId, options);
    },
    /** An episode with its observations in time order. */
    async getEpisode(
      actor: Actor,
      id: string,
    ): Promise<{ episode: Episode; observations: StoredObservation[] }> {
      const episode = await requireEpisode(actor, id);
      const ids = await episodes.observationIds(actor.userId, id);
      const observations: StoredObservation[] = [];
      for (const observationId of ids) observations.push(await timeline.get(actor, observationId));
      return { episode, observations };
    },
    async editEpisode(
      actor: Actor,
      id: string,
      changes: { title?: string; summary?: string },
    ): Promise<Episode> {
      await requireEpisode(actor, id);
      const episode = await episodes.update(actor.userId, id, changes, clock.now());
      await record(actor, 'episodes.edit', id, { fields: Object.keys(changes) });
      return episode;
    },
    /** Deletes an episode by forgetting its observations: their captures, index entries, vectors and facts follow. */
    async deleteEpisode(actor: Actor, id: string): Promise<ForgetResult> {
      await requireEpisode(actor, id);
      const ids = await episodes.observationIds(actor.userId, id);
      const result =
        ids.length > 0
          ? await timeline.forget(actor, { kind: 'ids', ids })
          : { observations: 0, captures: 0, unreferencedBlobs: [] };
      await episodes.prune(actor.userId);
      await record(actor, 'episodes.delete', id, { observations: result.observations });
      return result;
    },

    /**
     * What forgetting one observation would take with it in memory (facts, episodes), changing nothing; an unknown
     * id is `not_found`. Its goals and inbox consequences are the assistant's (`assistantForgetPreview`).
     */
    async forgetPreview(actor: Actor, id: string): Promise<MemoryForgetPreview> {
      const observation = await timeline.get(actor, id);
      const all = await facts.list(actor.userId, { status: 'all', limit: PREVIEW_FACT_LIMIT });
      const touched = all.filter((fact) => fact.sources.includes(observation.id));
      const removed = touched.filter((fact) => fact.sources.every((source) => source === observation.id));
      const removedIds = new Set(removed.map((fact) => fact.id));
      const restored = all.filter(
        (fact) =>
          fact.status === 'superseded' &&
          fact.supersededBy !== null &&
          removedIds.has(fact.supersededBy) &&
          !removedIds.has(fact.id),
      );
      const around = await episodes.list(actor.userId, {
        fromMs: observation.capturedAt,
        toMs: observation.capturedAt + 1,
      });
      const removedEpisodes: Episode[] = [];
      const shrunk: Episode[] = [];
      for (const episode of around) {
        const members = await episodes.observationIds(actor.userId, episode.id);
        if (!members.includes(observation.id)) continue;
        if (members.length <= 1) removedEpisodes.push(episode);
        else shrunk.push(episode);
      }
      return {
        observation,
        facts: {
          removed,
          keptWithOtherSources: touched.filter((fact) => !removedIds.has(fact.id)),
          restored,
        },
        episodes: { removed: removedEpisodes, shrunk },
      };
    },

    async listPeople(actor: Actor): Promise<Person[]> {
      return people.list(actor.userId);
    },
    /** A person with the facts memory holds about them. */
    async getPerson(actor: Actor, id: string): Promise<{ person: Person; facts: Fact[] }> {
      const person = await requirePerson(actor, id);
      return { person, facts: await facts.list(actor.userId, { personId: id }) };
    },
    async findPerson(actor: Actor, nameOrAlias: string): Promise<Person> {
      const person = await people.find(actor.userId, nameOrAlias);
      if (!person) throw new NotFoundError('person', nameOrAlias);
      return person;
    },
    async editPerson(actor: Actor, id: string, changes: Omit<PersonChanges, 'updatedAt'>): Promise<Person> {
      await requirePerson(actor, id);
      const person = await people.update(actor.userId, id, { ...changes, updatedAt: clock.now() });
      await record(actor, 'people.edit', id, { fields: Object.keys(changes) });
      return person;
    },
    /** Deletes a person: their record, voiceprints and face prints (by foreign key) and the facts about them. */
    async deletePerson(actor: Actor, id: string): Promise<{ facts: number }> {
      await requirePerson(actor, id);
      const removedFacts = await facts.removeAboutPerson(actor.userId, id);
      await people.remove(actor.userId, id);
      await record(actor, 'people.delete', id, { facts: removedFacts });
      return { facts: removedFacts };
    },
  };
}

/** The memory service's type. */
export type MemoryService = ReturnType<typeof createMemoryService>;
