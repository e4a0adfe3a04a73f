import { ConflictError, NotFoundError } from '../kernel/index.ts';
import {
  correctedFact,
  type Fact,
  type FactCorrection,
  type FactStore,
  type NewFact,
  normaliseClaim,
  type RecordOutcome,
  sameOccasion,
} from './fact-store.ts';
import type { TimelineStore } from './timeline-store.ts';

/** A fact as the fake holds it: the write positions it links to instead of the observation ids. */
type HeldFact = Omit<Fact, 'sources'> & { sourceSeqs: Set<number> };

/**
 * The in-memory fake of the fact store, for unit tests of the services above it. It passes the same contract suite
 * as the SQLite store. Sources are write positions on `timeline` (the in-memory timeline fake, usually): a source
 * whose observation the timeline has forgotten no longer counts, as the SQLite foreign-key cascade does.
 */
export function createInMemoryFactStore({ timeline }: { timeline: TimelineStore }): FactStore {
  const users = new Map<string, Map<string, HeldFact>>();
  const factsOf = (userId: string): Map<string, HeldFact> => {
    let found = users.get(userId);
    if (!found) {
      found = new Map();
      users.set(userId, found);
    }
    return found;
  };

  /** Which of `seqs` the timeline still holds for the user, with their observation ids. */
  const liveObservations = async (userId: string, seqs: Iterable<number>): Promise<Map<number, string>> => {
    const wanted = [...new Set(seqs)];
    if (wanted.length === 0) return new Map();
    const found = await timeline.getBySeq(userId, wanted);
    return new Map(found.map((entry) => [entry.seq, entry.observation.id]));
  };

  const present = async (userId: string, held: readonly HeldFact[]): Promise<Fact[]> => {
    const live = await liveObservations(
      userId,
      held.flatMap((fact) => [...fact.sourceSeqs]),
    );
    return held.map(({ sourceSeqs, ...fact }) => ({
      ...fact,
      sources: [...sourceSeqs]
        .sort((a, b) => a - b)
        .flatMap((seq) => {
          const id = live.get(seq);
          return id === undefined ? [] : [id];
        }),
    }));
  };

  const presentOne = async (userId: string, held: HeldFact): Promise<Fact> => {
    const [fact] = await present(userId, [held]);
    return fact!;
  };

  const require = (facts: Map<string, HeldFact>, id: string): HeldFact => {
    const found = facts.get(id);
    if (!found) throw new NotFoundError('fact', id);
    return found;
  };

  const insert = (
    facts: Map<string, HeldFact>,
    userId: string,
    fact: NewFact,
    status: Fact['status'],
    supersededBy: string | null,
  ): HeldFact => {
    if (facts.has(fact.id)) throw new ConflictError(`fact ${fact.id} already exists`, { id: fact.id });
    const held: HeldFact = {
      id: fact.id,
      userId,
      kind: fact.kind,
      subject: fact.subject,
      predicate: fact.predicate,
      object: fact.object,
      slot: fact.slot,
      statement: fact.statement,
      validFrom: fact.validFrom,
      validTo: fact.validTo,
      observedAt: fact.observedAt,
      trust: fact.trust,
      confidence: fact.confidence,
      origin: fact.origin,
      status,
      supersededBy,
      personId: fact.personId,
      createdAt: fact.createdAt,
      updatedAt: fact.createdAt,
      sourceSeqs: new Set(),
    };
    facts.set(held.id, held);
    return held;
  };

  const link = (held: HeldFact, seqs: readonly number[], live: Map<number, string>) => {
    for (const seq of seqs) if (live.has(seq)) held.sourceSeqs.add(seq);
  };

  /** The record decision, synchronous so that a batch can be undone as a whole. */
  const recordHeld = (
    facts: Map<string, HeldFact>,
    userId: string,
    fact: NewFact,
    sourceSeqs: readonly number[],
    live: Map<number, string>,
  ): { outcome: RecordOutcome['outcome']; held: HeldFact; superseded: string[] } => {
    const object = normaliseClaim(fact.object);
    const active = [...facts.values()].filter((held) => held.status === 'active');
    if (fact.slot === null) {
      const subject = fact.subject.toLowerCase();
      const same = active
        .filter((held) => held.slot === null && held.predicate === fact.predicate)
        .sort((a, b) => a.createdAt - b.createdAt || compareIds(a.id, b.id))
        .find(
          (held) =>
            held.subject.toLowerCase() === subject &&
            normaliseClaim(held.object) === object &&
            sameOccasion(held, fact),
        );
      if (same) {
        link(same, sourceSeqs, live);
        if (fact.trust === 'authored') same.trust = 'authored';
        return { outcome: 'corroborated', held: same, superseded: [] };
      }
      const held = insert(facts, userId, fact, 'active', null);
      link(held, sourceSeqs, live);
      return { outcome: 'created', held, superseded: [] };
    }
    const current = active
      .filter((held) => held.slot === fact.slot)
      .sort((a, b) => b.observedAt - a.observedAt);
    const agreeing = current.find((held) => normaliseClaim(held.object) === object);
    if (agreeing) {
      link(agreeing, sourceSeqs, live);
      return { outcome: 'corroborated', held: agreeing, superseded: [] };
    }
    const newer = current.find((held) => held.observedAt > fact.observedAt);
    if (newer) {
      const held = insert(facts, userId, fact, 'superseded', newer.id);
      link(held, sourceSeqs, live);
      return { outcome: 'outdated', held, superseded: [] };
    }
    const held = insert(facts, userId, fact, 'active', null);
    link(held, sourceSeqs, live);
    for (const old of current) {
      old.status = 'superseded';
      old.supersededBy = fact.id;
      old.updatedAt = fact.createdAt;
    }
    return { outcome: 'created', held, superseded: current.map((old) => old.id) };
  };

  const outcomeOf = async (userId: string, result: ReturnType<typeof recordHeld>): Promise<RecordOutcome> => {
    const fact = await presentOne(userId, result.held);
    if (result.outcome === 'created') return { outcome: 'created', fact, superseded: result.superseded };
    return { outcome: result.outcome, fact };
  };

  const restoreOrphanedSupersessions = (facts: Map<string, HeldFact>): number => {
    let restored = 0;
    for (const held of facts.values()) {
      if (held.status !== 'superseded') continue;
      if (held.supersededBy !== null && facts.has(held.supersededBy)) continue;
      held.status = 'active';
      held.supersededBy = null;
      restored += 1;
    }
    return restored;
  };

  /** A deep copy of the user's facts, to put back when a batch fails part way. */
  const snapshot = (facts: Map<string, HeldFact>): Map<string, HeldFact> =>
    new Map([...facts].map(([id, held]) => [id, { ...held, sourceSeqs: new Set(held.sourceSeqs) }]));

  const store: FactStore = {
    async record(userId, fact, sourceSeqs) {
      const [outcome] = await store.recordMany(userId, [{ fact, sourceSeqs }]);
      return outcome!;
    },
    async recordMany(userId, entries) {
      if (entries.length === 0) return [];
      const live = await liveObservations(
        userId,
        entries.flatMap((entry) => entry.sourceSeqs),
      );
      const facts = factsOf(userId);
      const before = snapshot(facts);
      let results: Array<ReturnType<typeof recordHeld>>;
      try {
        results = entries.map((entry) => recordHeld(facts, userId, entry.fact, entry.sourceSeqs, live));
      } catch (error) {
        users.set(userId, before);
        throw error;
      }
      return Promise.all(results.map((result) => outcomeOf(userId, result)));
    },
    async get(userId, id) {
      const held = factsOf(userId).get(id);
      return held ? presentOne(userId, held) : null;
    },
    async list(userId, query = {}) {
      const about = query.about?.toLowerCase();
      const limit = query.limit ?? 1000;
      const matching = [...factsOf(userId).values()]
        .filter((held) => (query.status ?? 'active') === 'all' || held.status === 'active')
        .filter((held) => !query.kind || held.kind === query.kind)
        .filter(
          (held) =>
            !about || held.subject.toLowerCase() === about || held.object.toLowerCase().includes(about),
        )
        .filter((held) => !query.personId || held.personId === query.personId)
        .filter(
          (held) =>
            query.validFromMs === undefined ||
            (held.validFrom !== null && held.validFrom >= query.validFromMs),
        )
        .filter(
          (held) =>
            query.validToMs === undefined || (held.validFrom !== null && held.validFrom < query.validToMs),
        )
        .sort((a, b) => b.observedAt - a.observedAt || compareIds(b.id, a.id));
      return present(userId, limit < 0 ? matching : matching.slice(0, limit));
    },
    async listBySourceRange(userId, range) {
      if (range.kinds?.length === 0 || range.toSeq <= range.afterSeq) return [];
      const kinds = range.kinds ? new Set(range.kinds) : null;
      const candidates = [...factsOf(userId).values()]
        .filter((held) => (range.status ?? 'active') === 'all' || held.status === 'active')
        .filter((held) => !kinds || kinds.has(held.kind))
        .map((held) => ({
          held,
          seqs: [...held.sourceSeqs]
            .filter((seq) => seq > range.afterSeq && seq <= range.toSeq)
            .sort((a, b) => a - b),
        }))
        .filter((candidate) => candidate.seqs.length > 0);
      const live = await liveObservations(
        userId,
        candidates.flatMap((candidate) => candidate.seqs),
      );
      const found = candidates
        .map((candidate) => ({ ...candidate, seqs: candidate.seqs.filter((seq) => live.has(seq)) }))
        .filter((candidate) => candidate.seqs.length > 0)
        .sort((a, b) => a.seqs[0]! - b.seqs[0]! || compareIds(a.held.id, b.held.id));
      const facts = await present(
        userId,
        found.map((candidate) => candidate.held),
      );
      return facts.map((fact, i) => ({ fact, sourceSeqs: found[i]!.seqs }));
    },
    async correct(userId, id, correction: FactCorrection, meta) {
      const facts = factsOf(userId);
      const old = require(facts, id);
      const corrected = insert(facts, userId, correctedFact(old, correction, meta), 'active', null);
      old.status = 'superseded';
      old.supersededBy = meta.newId;
      old.updatedAt = meta.at;
      return presentOne(userId, corrected);
    },
    async remove(userId, id) {
      const facts = factsOf(userId);
      require(facts, id);
      facts.delete(id);
      restoreOrphanedSupersessions(facts);
    },
    async prune(userId) {
      const facts = factsOf(userId);
      const live = await liveObservations(
        userId,
        [...facts.values()].flatMap((held) => [...held.sourceSeqs]),
      );
      let removed = 0;
      for (const held of [...facts.values()]) {
        for (const seq of held.sourceSeqs) if (!live.has(seq)) held.sourceSeqs.delete(seq);
        if (held.origin === 'person' || held.sourceSeqs.size > 0) continue;
        facts.delete(held.id);
        removed += 1;
      }
      return { removed, restored: restoreOrphanedSupersessions(facts) };
    },
    async removeAll(userId) {
      const count = factsOf(userId).size;
      users.delete(userId);
      return count;
    },
    async removeAboutPerson(userId, personId) {
      const facts = factsOf(userId);
      let removed = 0;
      for (const held of [...facts.values()]) {
        if (held.personId !== personId) continue;
        facts.delete(held.id);
        removed += 1;
      }
      restoreOrphanedSupersessions(facts);
      return removed;
    },
  };
  return store;
}

/** Orders ids as SQLite's binary collation does. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
