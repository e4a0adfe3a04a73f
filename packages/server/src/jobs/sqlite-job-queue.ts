import { z } from 'zod';
import type { Clock, IdGenerator } from '../kernel/index.ts';
import { parseJsonColumn, type SqliteDatabase } from '../storage/index.ts';
import type { BacklogRow, Job, JobQueue, JobStatus } from './job-queue.ts';

interface JobRow {
  id: string;
  type: string;
  user_id: string | null;
  payload: string;
  status: string;
  attempts: number;
  max_attempts: number;
  run_after: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  last_error: string | null;
  result: string | null;
  created_at: number;
  updated_at: number;
}

const AnyJson = z.unknown();

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    type: row.type,
    userId: row.user_id,
    payload: parseJsonColumn(AnyJson, row.payload, `job ${row.id}`),
    status: row.status as JobStatus,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAfter: row.run_after,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    lastError: row.last_error,
    result: parseJsonColumn(AnyJson, row.result, `job ${row.id}`),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The job queue in SQLite; leasing is one `BEGIN IMMEDIATE` transaction, so two processes never take one job. */
export function createSqliteJobQueue(
  db: SqliteDatabase,
  deps: { clock: Clock; newId: IdGenerator },
): JobQueue {
  const { clock, newId } = deps;
  const get = db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE id = ?');
  const byDedupe = db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE dedupe_key = ?');

  const enqueue = db.transaction((job: Parameters<JobQueue['enqueue']>[0]) => {
    if (job.dedupeKey) {
      const existing = byDedupe.get(job.dedupeKey);
      // The same work asked for again: a no-op while it is queued, running or done; a failed job is tried again.
      if (existing && existing.status !== 'failed') return toJob(existing);
      if (existing) {
        const now = clock.now();
        db.prepare(
          `UPDATE jobs SET status = 'queued', attempts = 0, run_after = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
           WHERE id = ?`,
        ).run(now, now, existing.id);
        return toJob(get.get(existing.id)!);
      }
    }
    const now = clock.now();
    const id = newId();
    db.prepare(
      `INSERT INTO jobs (id, type, user_id, payload, status, attempts, max_attempts, run_after, dedupe_key, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      job.type,
      job.userId ?? null,
      JSON.stringify(job.payload ?? null),
      job.maxAttempts ?? 5,
      job.runAfter ?? now,
      job.dedupeKey ?? null,
      now,
      now,
    );
    return toJob(get.get(id)!);
  });

  const enqueueMany = db.transaction((jobs: readonly Parameters<JobQueue['enqueue']>[0][]) =>
    jobs.map((job) => enqueue(job)),
  );

  const lease = db.transaction((types: readonly string[], owner: string, leaseMs: number) => {
    const now = clock.now();
    const row = db
      .prepare<[string, number, number], JobRow>(
        `SELECT * FROM jobs WHERE type IN (SELECT value FROM json_each(?))
           AND ((status = 'queued' AND run_after <= ?) OR (status = 'running' AND lease_expires_at <= ?))
         ORDER BY run_after, id LIMIT 1`,
      )
      .get(JSON.stringify(types), now, now);
    if (!row) return null;
    if (row.status === 'running' && row.attempts >= row.max_attempts) {
      db.prepare(
        `UPDATE jobs SET status = 'failed', lease_owner = NULL, lease_expires_at = NULL, updated_at = ?,
           last_error = coalesce(last_error, 'the worker stopped while running it, on every attempt') WHERE id = ?`,
      ).run(now, row.id);
      return undefined;
    }
    db.prepare(
      `UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = ?, lease_expires_at = ?, updated_at = ?
       WHERE id = ?`,
    ).run(owner, now + leaseMs, now, row.id);
    return toJob(get.get(row.id)!);
  });

  return {
    async enqueue(job) {
      return enqueue.immediate(job);
    },
    async enqueueMany(jobs) {
      if (jobs.length === 0) return [];
      return enqueueMany.immediate(jobs);
    },
    async lease(types, owner, leaseMs) {
      if (types.length === 0) return null;
      for (;;) {
        const job = lease.immediate(types, owner, leaseMs);
        if (job !== undefined) return job;
      }
    },
    async extendLease(jobId, owner, leaseMs) {
      const now = clock.now();
      return (
        db
          .prepare(
            `UPDATE jobs SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND lease_owner = ? AND status = 'running'`,
          )
          .run(now + leaseMs, now, jobId, owner).changes === 1
      );
    },
    async complete(jobId, owner, outcome) {
      return (
        db
          .prepare(
            `UPDATE jobs SET status = ?, result = ?, lease_owner = NULL, lease_expires_at = NULL, last_error = NULL, updated_at = ?
             WHERE id = ? AND lease_owner = ? AND status = 'running'`,
          )
          .run(outcome.status, JSON.stringify(outcome.result ?? null), clock.now(), jobId, owner).changes ===
        1
      );
    },
    async fail(jobId, owner, error, options) {
      const now = clock.now();
      return (
        db
          .prepare(
            `UPDATE jobs SET
               status = CASE WHEN ? = 1 AND attempts < max_attempts THEN 'queued' ELSE 'failed' END,
               run_after = ?, last_error = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
             WHERE id = ? AND lease_owner = ? AND status = 'running'`,
          )
          .run(options.retryable ? 1 : 0, now + options.retryInMs, error.slice(0, 2000), now, jobId, owner)
          .changes === 1
      );
    },
    async get(jobId) {
      const row = get.get(jobId);
      return row ? toJob(row) : null;
    },
    async getByDedupeKey(key) {
      const row = byDedupe.get(key);
      return row ? toJob(row) : null;
    },
    async backlog(): Promise<BacklogRow[]> {
      return db
        .prepare<[], { type: string; status: string; count: number }>(
          'SELECT type, status, count(*) AS count FROM jobs GROUP BY type, status ORDER BY type, status',
        )
        .all()
        .map((row) => ({ type: row.type, status: row.status as JobStatus, count: row.count }));
    },
    async cancelForUser(userId) {
      return db.prepare(`DELETE FROM jobs WHERE user_id = ? AND status IN ('queued', 'running')`).run(userId)
        .changes;
    },
  };
}
