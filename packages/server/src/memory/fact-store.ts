import type { Trust } from '@familiar/protocol';
import { FamiliarError, NotFoundError } from '../kernel/index.ts';
import type { SqliteDatabase } from '../storage/index.ts';
import type { FactKind } from './extraction/index.ts';

/** Where a fact came from: the offline extractor, a language model, or the person (a correction or an entry). */
export type FactOrigin = 'extracted' | 'model' | 'person';

/** A claim memory holds, with its provenance; a superseded fact is kept, pointing at the one that replaced it. */
export interface Fact {
  id: string;
  userId: string;
  kind: FactKind;
  subject: string;
  predicate: string;
  object: string;
  /** Facts with the same slot and a different object contradict; null for many-valued facts. */
  slot: string | null;
  statement: string;
  validFrom: number | null;
  validTo: number | null;
  /** When the claim was made (its newest source's capture time, or the time of the correction). */
  observedAt: number;
  /** `authored` when any source is text the person typed (or the person stated it), else `perceived`. */
  trust: Trust;
  confidence: number;
  origin: FactOrigin;
  status: 'active' | 'superseded';
  supersededBy: string | null;
  personId: string | null;
  createdAt: number;
  updatedAt: number;
  /** The observations it was derived from (ids). */
  sources: string[];
}

/** What a write of a fact names; the store sets status and supersession. */
export type NewFact = Omit<Fact, 'userId' | 'status' | 'supersededBy' | 'updatedAt' | 'sources'>;

/** What became of a recorded fact. */
export type RecordOutcome =
  /** A new fact, active. */
  | { outcome: 'created'; fact: Fact; superseded: string[] }
  /** The same claim was already held: the new sources were added to it. */
  | { outcome: 'corroborated'; fact: Fact }
  /** A newer contradicting claim was already held: the fact was stored as superseded by it. */
  | { outcome: 'outdated'; fact: Fact };

/** Which facts to list. */
export interface FactQuery {
  kind?: FactKind;
  /** Matches the subject or the object, case-insensitively. */
  about?: string;
  personId?: string;
  /** `active` (the default) or every fact, superseded ones included. */
  status?: 'active' | 'all';
  /** Facts whose validity starts in [fromMs, toMs) (commitments due then, dates falling then). */
  validFromMs?: number;
  validToMs?: number;
  limit?: number;
}

/** A stretch of the timeline by write position, for `listBySourceRange`. */
export interface SourceRange {
  /** Exclusive lower bound: observations written after this position. */
  afterSeq: number;
  /** Inclusive upper bound. */
  toSeq: number;
  /** Only facts of these kinds (all kinds when absent). */
  kinds?: readonly FactKind[];
  /** `active` (the default) or every fact, superseded ones included. */
  status?: 'active' | 'all';
}

/** A fact found by `listBySourceRange`, with the write positions of its sources inside the range. */
export interface FactFromRange {
  fact: Fact;
  /** The fact's source positions in (afterSeq, toSeq], ascending (its other sources are in `fact.sources`). */
  sourceSeqs: number[];
}

/** Changes the person makes to a fact; the store keeps the old version, superseded by the corrected one. */
export interface FactCorrection {
  object?: string;
  statement?: string;
  validFrom?: number | null;
  validTo?: number | null;
}

/**
 * The facts memory holds about a user's life, each linked to the observations it came from (`fact_sources`, whose
 * rows go with their observation by foreign key). Contradictions supersede, never overwrite.
 */
export interface FactStore {
  /** Records an extracted claim with its source observations (by write position), in one transaction. */
  record(userId: string, fact: NewFact, sourceSeqs: readonly number[]): Promise<RecordOutcome>;
  /** Records many claims in one transaction, in order (each sees the ones before it); all or nothing. */
  recordMany(
    userId: string,
    entries: ReadonlyArray<{ fact: NewFact; sourceSeqs: readonly number[] }>,
  ): Promise<RecordOutcome[]>;
  get(userId: string, id: string): Promise<Fact | null>;
  list(userId: string, query?: FactQuery): Promise<Fact[]>;
  /** The person's correction: a new fact (origin `person`) supersedes the old one; both are kept. */
  correct(
    userId: string,
    id: string,
    correction: FactCorrection,
    meta: { newId: string; at: number },
  ): Promise<Fact>;
  /**
   * The facts derived from observations written in (afterSeq, toSeq], each once, ordered by its first source position
   * in the range (then id): how a follower of the timeline picks up new facts without running extraction again.
   */
  listBySourceRange(userId: string, range: SourceRange): Promise<FactFromRange[]>;
  /** Deletes a fact (and its source links); a fact it had superseded becomes active again. */
  remove(userId: string, id: string): Promise<void>;
  /**
   * After observations are forgotten: deletes derived facts left with no source, and re-activates facts whose
   * superseding fact is gone. Returns how many of each.
   */
  prune(userId: string): Promise<{ removed: number; restored: number }>;
  /** Deletes every fact of the user (forget everything). */
  removeAll(userId: string): Promise<number>;
  /** Clears `personId` links to a person who is being deleted and deletes the facts about them. */
  removeAboutPerson(userId: string, personId: string): Promise<number>;
}

/** How far apart two sayings of the same commitment with no due time may be and still be one commitment. */
const SAME_COMMITMENT_MS = 12 * 3_600_000;

/**
 * Whether two many-valued claims with the same subject, predicate and object are one occasion (corroboration) rather
 * than two: their dates must agree, and a commitment said again a day later ("remind me to buy milk" on Monday and
 * on Wednesday) is a new commitment, not the old one again.
 */
export function sameOccasion(
  held: { kind: string; validFrom: number | null; observedAt: number },
  fact: { kind: string; validFrom: number | null; observedAt: number },
): boolean {
  if (held.validFrom !== fact.validFrom) return false;
  if (fact.kind === 'commitment' && fact.validFrom === null)
    return Math.abs(held.observedAt - fact.observedAt) <= SAME_COMMITMENT_MS;
  return true;
}

/** A `facts` row as both SQL adapters read it (without its sources, which each engine aggregates its way). */
export interface FactColumns {
  user_id: string;
  id: string;
  kind: string;
  subject: string;
  predicate: string;
  object: string;
  slot: string | null;
  statement: string;
  valid_from: number | null;
  valid_to: number | null;
  observed_at: number;
  trust: string;
  confidence: number;
  origin: string;
  status: string;
  superseded_by: string | null;
  person_id: string | null;
  created_at: number;
  updated_at: number;
}

type FactRow = FactColumns & { sources: string | null };

const SELECT_FACT = `SELECT f.*, (SELECT json_group_array(o.id) FROM fact_sources s JOIN observations o ON o.seq = s.observation_seq
  WHERE s.user_id = f.user_id AND s.fact_id = f.id) AS sources FROM facts f`;

function toFact(row: FactRow): Fact {
  let sources: string[] = [];
  if (row.sources) {
    const parsed: unknown = JSON.parse(row.sources);
    if (Array.isArray(parsed)) sources = parsed.filter((value): value is string => typeof value === 'string');
  }
  return factFromRow(row, sources);
}

/** A fact from its row and its source observation ids (shared by the SQLite and PostgreSQL adapters). */
export function factFromRow(row: FactColumns, sources: string[]): Fact {
  return {
    id: row.id,
    userId: row.user_id,
    kind: row.kind as FactKind,
    subject: row.subject,
    predicate: row.predicate,
    object: row.object,
    slot: row.slot,
    statement: row.statement,
    validFrom: row.valid_from,
    validTo: row.valid_to,
    observedAt: row.observed_at,
    trust: row.trust as Trust,
    confidence: row.confidence,
    origin: row.origin as FactOrigin,
    status: row.status as Fact['status'],
    supersededBy: row.superseded_by,
    personId: row.person_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    sources,
  };
}

/** Normalises a fact's object for comparison: case, spacing and trailing punctuation do not make a new claim. */
export function normaliseClaim(value: string): string {
  return value
    .toLowerCase()
    .replace(/[\s\u00a0]+/g, ' ')
    .trim()
    .replace(/[.!?,;:]+$/g, '')
    .trim();
}

/**
 * The fact a person's correction makes of `old`: origin `person`, fully trusted, in the old fact's slot (or a slot of
 * its own, so it supersedes exactly that fact). Refuses a fact that is already superseded: correct the newer one.
 */
export function correctedFact(
  old: Omit<Fact, 'sources'>,
  correction: FactCorrection,
  meta: { newId: string; at: number },
): NewFact {
  if (old.status !== 'active') {
    throw new FamiliarError(
      'fact_superseded',
      `fact ${old.id} was already superseded by ${old.supersededBy}: correct that one instead`,
    );
  }
  const object = correction.object ?? old.object;
  return {
    id: meta.newId,
    kind: old.kind,
    subject: old.subject,
    predicate: old.predicate,
    object,
    slot: old.slot ?? `fact:${old.id}`,
    statement:
      correction.statement ??
      (correction.object !== undefined
        ? `${old.subject} ${old.predicate.replaceAll('_', ' ')} ${object}`
        : old.statement),
    validFrom: correction.validFrom === undefined ? old.validFrom : correction.validFrom,
    validTo: correction.validTo === undefined ? old.validTo : correction.validTo,
    observedAt: meta.at,
    trust: 'authored',
    confidence: 1,
    origin: 'person',
    personId: old.personId,
    createdAt: meta.at,
  };
}

/** Facts in SQLite (tables `facts` and `fact_sources`, migration 6). */
export function createSqliteFactStore(db: SqliteDatabase): FactStore {
  const byId = db.prepare<[string, string], FactRow>(`${SELECT_FACT} WHERE f.user_id = ? AND f.id = ?`);
  const activeInSlot = db.prepare<[string, string], FactRow>(
    `${SELECT_FACT} WHERE f.user_id = ? AND f.slot = ? AND f.status = 'active' ORDER BY f.observed_at DESC`,
  );
  // Candidates only: the claim is compared in code, normalised as `normaliseClaim` says (SQL `lower` is ASCII-only).
  const slotlessClaims = db.prepare<
    [string, string],
    Pick<FactRow, 'id' | 'subject' | 'object' | 'trust' | 'kind' | 'valid_from' | 'observed_at'>
  >(
    `SELECT id, subject, object, trust, kind, valid_from, observed_at FROM facts
     WHERE user_id = ? AND slot IS NULL AND predicate = ? AND status = 'active'
     ORDER BY created_at, id`,
  );
  const insert = db.prepare(
    `INSERT INTO facts (user_id, id, kind, subject, predicate, object, slot, statement, valid_from, valid_to, observed_at,
       trust, confidence, origin, status, superseded_by, person_id, created_at, updated_at)
     VALUES (@userId, @id, @kind, @subject, @predicate, @object, @slot, @statement, @validFrom, @validTo, @observedAt,
       @trust, @confidence, @origin, @status, @supersededBy, @personId, @createdAt, @updatedAt)`,
  );
  const addSource = db.prepare(
    `INSERT OR IGNORE INTO fact_sources (user_id, fact_id, observation_seq)
     SELECT ?, ?, seq FROM observations WHERE seq = ? AND user_id = ?`,
  );
  const supersede = db.prepare(
    `UPDATE facts SET status = 'superseded', superseded_by = ?, updated_at = ? WHERE user_id = ? AND id = ?`,
  );

  const require = (userId: string, id: string): Fact => {
    const row = byId.get(userId, id);
    if (!row) throw new NotFoundError('fact', id);
    return toFact(row);
  };

  const linkSources = (userId: string, factId: string, seqs: readonly number[]) => {
    for (const seq of seqs) addSource.run(userId, factId, seq, userId);
  };

  const insertFact = (userId: string, fact: NewFact, status: Fact['status'], supersededBy: string | null) => {
    insert.run({
      ...fact,
      userId,
      status,
      supersededBy,
      confidence: fact.confidence,
      updatedAt: fact.createdAt,
    });
  };

  const record = db.transaction(
    (userId: string, fact: NewFact, sourceSeqs: readonly number[]): RecordOutcome => {
      const object = normaliseClaim(fact.object);
      if (fact.slot === null) {
        const subject = fact.subject.toLowerCase();
        const same = slotlessClaims
          .all(userId, fact.predicate)
          .find(
            (held) =>
              held.subject.toLowerCase() === subject &&
              normaliseClaim(held.object) === object &&
              sameOccasion(
                { kind: held.kind, validFrom: held.valid_from, observedAt: held.observed_at },
                fact,
              ),
          );
        if (same) {
          linkSources(userId, same.id, sourceSeqs);
          if (fact.trust === 'authored' && same.trust !== 'authored')
            db.prepare(`UPDATE facts SET trust = 'authored' WHERE user_id = ? AND id = ?`).run(
              userId,
              same.id,
            );
          return { outcome: 'corroborated', fact: require(userId, same.id) };
        }
        insertFact(userId, fact, 'active', null);
        linkSources(userId, fact.id, sourceSeqs);
        return { outcome: 'created', fact: require(userId, fact.id), superseded: [] };
      }
      const current = activeInSlot.all(userId, fact.slot).map(toFact);
      const agreeing = current.find((held) => normaliseClaim(held.object) === object);
      if (agreeing) {
        linkSources(userId, agreeing.id, sourceSeqs);
        return { outcome: 'corroborated', fact: require(userId, agreeing.id) };
      }
      const newer = current.find((held) => held.observedAt > fact.observedAt);
      if (newer) {
        insertFact(userId, fact, 'superseded', newer.id);
        linkSources(userId, fact.id, sourceSeqs);
        return { outcome: 'outdated', fact: require(userId, fact.id) };
      }
      insertFact(userId, fact, 'active', null);
      linkSources(userId, fact.id, sourceSeqs);
      for (const held of current) supersede.run(fact.id, fact.createdAt, userId, held.id);
      return {
        outcome: 'created',
        fact: require(userId, fact.id),
        superseded: current.map((held) => held.id),
      };
    },
  );

  const recordMany = db.transaction(
    (userId: string, entries: ReadonlyArray<{ fact: NewFact; sourceSeqs: readonly number[] }>) =>
      entries.map((entry) => record(userId, entry.fact, entry.sourceSeqs)),
  );

  const correct = db.transaction(
    (userId: string, id: string, correction: FactCorrection, meta: { newId: string; at: number }): Fact => {
      const old = require(userId, id);
      insertFact(userId, correctedFact(old, correction, meta), 'active', null);
      supersede.run(meta.newId, meta.at, userId, id);
      return require(userId, meta.newId);
    },
  );

  const restoreOrphanedSupersessions = (userId: string): number =>
    db
      .prepare(
        `UPDATE facts SET status = 'active', superseded_by = NULL
         WHERE user_id = ? AND status = 'superseded'
           AND NOT EXISTS (SELECT 1 FROM facts g WHERE g.user_id = facts.user_id AND g.id = facts.superseded_by)`,
      )
      .run(userId).changes;

  const remove = db.transaction((userId: string, id: string) => {
    require(userId, id);
    db.prepare('DELETE FROM fact_sources WHERE user_id = ? AND fact_id = ?').run(userId, id);
    db.prepare('DELETE FROM facts WHERE user_id = ? AND id = ?').run(userId, id);
    restoreOrphanedSupersessions(userId);
  });

  const prune = db.transaction((userId: string) => {
    const removed = db
      .prepare(
        `DELETE FROM facts WHERE user_id = ? AND origin <> 'person'
           AND NOT EXISTS (SELECT 1 FROM fact_sources s WHERE s.user_id = facts.user_id AND s.fact_id = facts.id)`,
      )
      .run(userId).changes;
    return { removed, restored: restoreOrphanedSupersessions(userId) };
  });

  return {
    async record(userId, fact, sourceSeqs) {
      return record.immediate(userId, fact, sourceSeqs);
    },
    async recordMany(userId, entries) {
      return entries.length === 0 ? [] : recordMany.immediate(userId, entries);
    },
    async get(userId, id) {
      const row = byId.get(userId, id);
      return row ? toFact(row) : null;
    },
    async list(userId, query = {}) {
      const where = ['f.user_id = ?'];
      const params: Array<string | number> = [userId];
      if ((query.status ?? 'active') === 'active') where.push(`f.status = 'active'`);
      if (query.kind) {
        where.push('f.kind = ?');
        params.push(query.kind);
      }
      if (query.about) {
        where.push('(lower(f.subject) = ? OR lower(f.object) LIKE ?)');
        params.push(query.about.toLowerCase(), `%${query.about.toLowerCase()}%`);
      }
      if (query.personId) {
        where.push('f.person_id = ?');
        params.push(query.personId);
      }
      if (query.validFromMs !== undefined) {
        where.push('f.valid_from >= ?');
        params.push(query.validFromMs);
      }
      if (query.validToMs !== undefined) {
        where.push('f.valid_from < ?');
        params.push(query.validToMs);
      }
      return db
        .prepare<Array<string | number>, FactRow>(
          `${SELECT_FACT} WHERE ${where.join(' AND ')} ORDER BY f.observed_at DESC, f.id DESC LIMIT ?`,
        )
        .all(...params, query.limit ?? 1000)
        .map(toFact);
    },
    async listBySourceRange(userId, range) {
      if (range.kinds?.length === 0 || range.toSeq <= range.afterSeq) return [];
      const where = ['f.user_id = ?'];
      const params: Array<string | number> = [userId];
      if ((range.status ?? 'active') === 'active') where.push(`f.status = 'active'`);
      if (range.kinds) {
        where.push(`f.kind IN (${range.kinds.map(() => '?').join(', ')})`);
        params.push(...range.kinds);
      }
      const rows = db
        .prepare<Array<string | number>, FactRow & { range_seqs: string }>(
          `SELECT f.*, r.range_seqs, (SELECT json_group_array(o.id) FROM fact_sources s JOIN observations o ON o.seq = s.observation_seq
             WHERE s.user_id = f.user_id AND s.fact_id = f.id) AS sources
           FROM (SELECT fact_id, MIN(observation_seq) AS first_seq, json_group_array(observation_seq) AS range_seqs
                 FROM fact_sources WHERE user_id = ? AND observation_seq > ? AND observation_seq <= ?
                 GROUP BY fact_id) r
           JOIN facts f ON f.id = r.fact_id
           WHERE ${where.join(' AND ')}
           ORDER BY r.first_seq, f.id`,
        )
        .all(userId, range.afterSeq, range.toSeq, ...params);
      return rows.map((row) => {
        const parsed: unknown = JSON.parse(row.range_seqs);
        const seqs = Array.isArray(parsed)
          ? parsed.filter((value): value is number => typeof value === 'number').sort((a, b) => a - b)
          : [];
        return { fact: toFact(row), sourceSeqs: seqs };
      });
    },
    async correct(userId, id, correction, meta) {
      return correct.immediate(userId, id, correction, meta);
    },
    async remove(userId, id) {
      remove.immediate(userId, id);
    },
    async prune(userId) {
      return prune.immediate(userId);
    },
    async removeAll(userId) {
      return db
        .transaction(() => {
          db.prepare('DELETE FROM fact_sources WHERE user_id = ?').run(userId);
          return db.prepare('DELETE FROM facts WHERE user_id = ?').run(userId).changes;
        })
        .immediate();
    },
    async removeAboutPerson(userId, personId) {
      return db
        .transaction(() => {
          const ids = db
            .prepare<[string, string], { id: string }>(
              'SELECT id FROM facts WHERE user_id = ? AND person_id = ?',
            )
            .all(userId, personId);
          for (const { id } of ids) {
            db.prepare('DELETE FROM fact_sources WHERE user_id = ? AND fact_id = ?').run(userId, id);
            db.prepare('DELETE FROM facts WHERE user_id = ? AND id = ?').run(userId, id);
          }
          restoreOrphanedSupersessions(userId);
          return ids.length;
        })
        .immediate();
    },
  };
}
