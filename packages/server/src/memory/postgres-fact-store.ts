import { NotFoundError } from '../kernel/index.ts';
import type { PostgresClient } from '../storage/index.ts';
import {
  correctedFact,
  type Fact,
  type FactColumns,
  type FactStore,
  factFromRow,
  type NewFact,
  normaliseClaim,
  type RecordOutcome,
  sameOccasion,
} from './fact-store.ts';

type FactRow = FactColumns & { sources: string[] };

const SOURCES = `ARRAY(SELECT o.id FROM fact_sources s JOIN observations o ON o.seq = s.observation_seq
  WHERE s.user_id = f.user_id AND s.fact_id = f.id ORDER BY s.observation_seq) AS sources`;

const SELECT_FACT = `SELECT f.*, ${SOURCES} FROM facts f`;

function toFact(row: FactRow): Fact {
  return factFromRow(row, row.sources);
}

/**
 * What one writer at a time may change: the claims of one slot, or the slot-less claims of one predicate (which
 * corroborate each other). A transaction-scoped advisory lock on it serialises writers on different servers, also
 * when the slot is still empty and there is no row to lock.
 */
function claimKey(userId: string, fact: { slot: string | null; predicate: string }): string {
  return fact.slot === null ? `fact-claim:${userId}:${fact.predicate}` : `fact-slot:${userId}:${fact.slot}`;
}

async function lockClaims(tx: PostgresClient, keys: readonly string[]): Promise<void> {
  // Taken in one order, so two batches over the same slots never wait on each other in a cycle.
  for (const key of [...new Set(keys)].sort())
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
}

async function find(db: PostgresClient, userId: string, id: string, lock = false): Promise<Fact | null> {
  const { rows } = await db.query<FactRow>(
    `${SELECT_FACT} WHERE f.user_id = $1 AND f.id = $2${lock ? ' FOR UPDATE OF f' : ''}`,
    [userId, id],
  );
  return rows[0] ? toFact(rows[0]) : null;
}

async function require(db: PostgresClient, userId: string, id: string, lock = false): Promise<Fact> {
  const fact = await find(db, userId, id, lock);
  if (!fact) throw new NotFoundError('fact', id);
  return fact;
}

async function linkSources(
  db: PostgresClient,
  userId: string,
  factId: string,
  seqs: readonly number[],
): Promise<void> {
  if (seqs.length === 0) return;
  await db.query(
    `INSERT INTO fact_sources (user_id, fact_id, observation_seq)
     SELECT $1::text, $2::text, seq FROM observations WHERE user_id = $1 AND seq = ANY($3::bigint[])
     ON CONFLICT DO NOTHING`,
    [userId, factId, [...seqs]],
  );
}

async function insertFact(
  db: PostgresClient,
  userId: string,
  fact: NewFact,
  status: Fact['status'],
  supersededBy: string | null,
): Promise<void> {
  await db.query(
    `INSERT INTO facts (user_id, id, kind, subject, predicate, object, slot, statement, valid_from, valid_to,
       observed_at, trust, confidence, origin, status, superseded_by, person_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
    [
      userId,
      fact.id,
      fact.kind,
      fact.subject,
      fact.predicate,
      fact.object,
      fact.slot,
      fact.statement,
      fact.validFrom,
      fact.validTo,
      fact.observedAt,
      fact.trust,
      fact.confidence,
      fact.origin,
      status,
      supersededBy,
      fact.personId,
      fact.createdAt,
      fact.createdAt,
    ],
  );
}

async function supersede(db: PostgresClient, userId: string, id: string, by: string, at: number) {
  await db.query(
    `UPDATE facts SET status = 'superseded', superseded_by = $1, updated_at = $2 WHERE user_id = $3 AND id = $4`,
    [by, at, userId, id],
  );
}

async function restoreOrphanedSupersessions(db: PostgresClient, userId: string): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE facts SET status = 'active', superseded_by = NULL
     WHERE user_id = $1 AND status = 'superseded'
       AND NOT EXISTS (SELECT 1 FROM facts g WHERE g.user_id = facts.user_id AND g.id = facts.superseded_by)`,
    [userId],
  );
  return rowCount;
}

/** One claim, inside a transaction that holds the lock on its slot (see `claimKey`). */
async function recordIn(
  tx: PostgresClient,
  userId: string,
  fact: NewFact,
  sourceSeqs: readonly number[],
): Promise<RecordOutcome> {
  await lockClaims(tx, [claimKey(userId, fact)]);
  const object = normaliseClaim(fact.object);
  if (fact.slot === null) {
    const subject = fact.subject.toLowerCase();
    // Candidates only: the claim is compared in code, normalised as `normaliseClaim` says.
    const { rows } = await tx.query<
      Pick<FactRow, 'id' | 'subject' | 'object' | 'trust' | 'kind' | 'valid_from' | 'observed_at'>
    >(
      `SELECT id, subject, object, trust, kind, valid_from, observed_at FROM facts
       WHERE user_id = $1 AND slot IS NULL AND predicate = $2 AND status = 'active'
       ORDER BY created_at, id COLLATE "C" FOR UPDATE`,
      [userId, fact.predicate],
    );
    const same = rows.find(
      (held) =>
        held.subject.toLowerCase() === subject &&
        normaliseClaim(held.object) === object &&
        sameOccasion({ kind: held.kind, validFrom: held.valid_from, observedAt: held.observed_at }, fact),
    );
    if (same) {
      await linkSources(tx, userId, same.id, sourceSeqs);
      if (fact.trust === 'authored' && same.trust !== 'authored')
        await tx.query(`UPDATE facts SET trust = 'authored' WHERE user_id = $1 AND id = $2`, [
          userId,
          same.id,
        ]);
      return { outcome: 'corroborated', fact: await require(tx, userId, same.id) };
    }
    await insertFact(tx, userId, fact, 'active', null);
    await linkSources(tx, userId, fact.id, sourceSeqs);
    return { outcome: 'created', fact: await require(tx, userId, fact.id), superseded: [] };
  }
  const { rows } = await tx.query<FactRow>(
    `${SELECT_FACT} WHERE f.user_id = $1 AND f.slot = $2 AND f.status = 'active'
     ORDER BY f.observed_at DESC FOR UPDATE OF f`,
    [userId, fact.slot],
  );
  const current = rows.map(toFact);
  const agreeing = current.find((held) => normaliseClaim(held.object) === object);
  if (agreeing) {
    await linkSources(tx, userId, agreeing.id, sourceSeqs);
    return { outcome: 'corroborated', fact: await require(tx, userId, agreeing.id) };
  }
  const newer = current.find((held) => held.observedAt > fact.observedAt);
  if (newer) {
    await insertFact(tx, userId, fact, 'superseded', newer.id);
    await linkSources(tx, userId, fact.id, sourceSeqs);
    return { outcome: 'outdated', fact: await require(tx, userId, fact.id) };
  }
  await insertFact(tx, userId, fact, 'active', null);
  await linkSources(tx, userId, fact.id, sourceSeqs);
  for (const held of current) await supersede(tx, userId, held.id, fact.id, fact.createdAt);
  return {
    outcome: 'created',
    fact: await require(tx, userId, fact.id),
    superseded: current.map((held) => held.id),
  };
}

/**
 * Facts in PostgreSQL (tables `facts` and `fact_sources`, migration 6): the same behaviour as the SQLite store, safe
 * with several servers on one database (writes to one slot are serialised by an advisory lock).
 */
export function createPostgresFactStore(client: PostgresClient): FactStore {
  return {
    record(userId, fact, sourceSeqs) {
      return client.transaction((tx) => recordIn(tx, userId, fact, sourceSeqs));
    },
    async recordMany(userId, entries) {
      if (entries.length === 0) return [];
      return client.transaction(async (tx) => {
        await lockClaims(
          tx,
          entries.map((entry) => claimKey(userId, entry.fact)),
        );
        const outcomes: RecordOutcome[] = [];
        for (const entry of entries) outcomes.push(await recordIn(tx, userId, entry.fact, entry.sourceSeqs));
        return outcomes;
      });
    },
    get(userId, id) {
      return find(client, userId, id);
    },
    async list(userId, query = {}) {
      const params: unknown[] = [userId];
      const next = (value: unknown) => {
        params.push(value);
        return `$${params.length}`;
      };
      const where = ['f.user_id = $1'];
      if ((query.status ?? 'active') === 'active') where.push(`f.status = 'active'`);
      if (query.kind) where.push(`f.kind = ${next(query.kind)}`);
      if (query.about) {
        const about = query.about.toLowerCase();
        where.push(
          `(lower(f.subject) = ${next(about)} OR lower(f.object) LIKE ${next(`%${about}%`)} ESCAPE '')`,
        );
      }
      if (query.personId) where.push(`f.person_id = ${next(query.personId)}`);
      if (query.validFromMs !== undefined) where.push(`f.valid_from >= ${next(query.validFromMs)}`);
      if (query.validToMs !== undefined) where.push(`f.valid_from < ${next(query.validToMs)}`);
      // A negative limit means none, as in SQLite.
      const limit = query.limit ?? 1000;
      const { rows } = await client.query<FactRow>(
        `${SELECT_FACT} WHERE ${where.join(' AND ')} ORDER BY f.observed_at DESC, f.id COLLATE "C" DESC
         LIMIT ${limit < 0 ? 'ALL' : next(limit)}`,
        params,
      );
      return rows.map(toFact);
    },
    async listBySourceRange(userId, range) {
      if (range.kinds?.length === 0 || range.toSeq <= range.afterSeq) return [];
      const params: unknown[] = [userId, range.afterSeq, range.toSeq];
      const where = ['f.user_id = $1'];
      if ((range.status ?? 'active') === 'active') where.push(`f.status = 'active'`);
      if (range.kinds) {
        params.push([...range.kinds]);
        where.push(`f.kind = ANY($${params.length}::text[])`);
      }
      const { rows } = await client.query<FactRow & { range_seqs: Array<number | string> }>(
        `SELECT f.*, r.range_seqs, ${SOURCES}
         FROM (SELECT fact_id, MIN(observation_seq) AS first_seq,
                 array_agg(observation_seq ORDER BY observation_seq) AS range_seqs
               FROM fact_sources WHERE user_id = $1 AND observation_seq > $2 AND observation_seq <= $3
               GROUP BY fact_id) r
         JOIN facts f ON f.user_id = $1 AND f.id = r.fact_id
         WHERE ${where.join(' AND ')}
         ORDER BY r.first_seq, f.id COLLATE "C"`,
        params,
      );
      return rows.map(({ range_seqs, ...row }) => ({
        fact: toFact(row),
        // A BIGINT array comes back as strings from `pg` (its number parser covers single values only).
        sourceSeqs: range_seqs.map(Number).sort((a, b) => a - b),
      }));
    },
    correct(userId, id, correction, meta) {
      return client.transaction(async (tx) => {
        const seen = await require(tx, userId, id);
        await lockClaims(tx, [
          claimKey(userId, { slot: seen.slot ?? `fact:${id}`, predicate: seen.predicate }),
        ]);
        const old = await require(tx, userId, id, true);
        await insertFact(tx, userId, correctedFact(old, correction, meta), 'active', null);
        await supersede(tx, userId, id, meta.newId, meta.at);
        return require(tx, userId, meta.newId);
      });
    },
    async remove(userId, id) {
      await client.transaction(async (tx) => {
        await lockClaims(tx, [claimKey(userId, await require(tx, userId, id))]);
        await require(tx, userId, id, true);
        await tx.query('DELETE FROM fact_sources WHERE user_id = $1 AND fact_id = $2', [userId, id]);
        await tx.query('DELETE FROM facts WHERE user_id = $1 AND id = $2', [userId, id]);
        await restoreOrphanedSupersessions(tx, userId);
      });
    },
    prune(userId) {
      return client.transaction(async (tx) => {
        const { rowCount: removed } = await tx.query(
          `DELETE FROM facts WHERE user_id = $1 AND origin <> 'person'
             AND NOT EXISTS (SELECT 1 FROM fact_sources s WHERE s.user_id = facts.user_id AND s.fact_id = facts.id)`,
          [userId],
        );
        return { removed, restored: await restoreOrphanedSupersessions(tx, userId) };
      });
    },
    removeAll(userId) {
      return client.transaction(async (tx) => {
        await tx.query('DELETE FROM fact_sources WHERE user_id = $1', [userId]);
        return (await tx.query('DELETE FROM facts WHERE user_id = $1', [userId])).rowCount;
      });
    },
    removeAboutPerson(userId, personId) {
      return client.transaction(async (tx) => {
        const { rows } = await tx.query<{ id: string }>(
          'DELETE FROM facts WHERE user_id = $1 AND person_id = $2 RETURNING id',
          [userId, personId],
        );
        if (rows.length > 0)
          await tx.query('DELETE FROM fact_sources WHERE user_id = $1 AND fact_id = ANY($2::text[])', [
            userId,
            rows.map((row) => row.id),
          ]);
        await restoreOrphanedSupersessions(tx, userId);
        return rows.length;
      });
    },
  };
}
