import type PgBoss from 'pg-boss';
import type { Clock } from '../kernel/index.ts';
import type { PostgresClient } from '../storage/index.ts';
import type { BacklogRow, Job, JobQueue, JobStatus, NewJob } from './job-queue.ts';

/** What the adapter needs: a started pg-boss, our PostgreSQL client on the same database, and the clock. */
export interface PgBossJobQueueDeps {
  /** Started by the caller (`await boss.start()`), who also stops it; queues are created here, lazily, per type. */
  boss: PgBoss;
  /** Our client on the database pg-boss uses; leases, outcomes and look-ups run through it in transactions. */
  client: PostgresClient;
  clock: Clock;
  /** The schema pg-boss was started with (its `schema` option). */
  schema?: string;
}

interface BossJobRow {
  id: string;
  name: string;
  state: string;
  data: { payload?: unknown; userId?: string | null } | null;
  output: {
    leaseOwner?: string;
    lastError?: string;
    outcome?: 'succeeded' | 'skipped';
    result?: unknown;
  } | null;
  retry_count: number;
  retry_limit: number;
  started: boolean;
  run_after: number;
  lease_expires_at: number | null;
  created_at: number;
  updated_at: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function statusOf(row: BossJobRow): JobStatus {
  switch (row.state) {
    case 'created':
    case 'retry':
      return 'queued';
    case 'active':
      return 'running';
    case 'completed':
      return row.output?.outcome === 'skipped' ? 'skipped' : 'succeeded';
    default:
      return 'failed';
  }
}

function toJob(row: BossJobRow): Job {
  const running = row.state === 'active';
  return {
    id: row.id,
    type: row.name,
    userId: row.data?.userId ?? null,
    payload: row.data?.payload ?? null,
    status: statusOf(row),
    attempts: row.retry_count + (row.started ? 1 : 0),
    maxAttempts: row.retry_limit + 1,
    runAfter: row.run_after,
    leaseOwner: running ? (row.output?.leaseOwner ?? null) : null,
    leaseExpiresAt: running ? row.lease_expires_at : null,
    lastError: row.output?.lastError ?? null,
    result: row.state === 'completed' ? (row.output?.result ?? null) : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * The job queue on PostgreSQL through pg-boss@10: every port job is one pg-boss job (its UUID is the job id), sent
 * with `boss.send` into a queue per type, so pg-boss's tables, retention and tooling hold the durable queue. pg-boss
 * has no lease owner, cannot extend an expiration, compares times with the database's `now()` and retries with its own
 * delays, so leasing, renewing and recording outcomes are single SQL statements on pg-boss's `job` table that follow
 * its state machine (created/retry → active → completed/retry/failed, `retry_count`, `retry_limit`): the lease is the
 * job's own expiration (`started_on + expire_in`, which pg-boss's supervisor also honours), the owner sits in the
 * job's `output` while it is active, and every time comes from the injected clock. A dedupe key is the job's
 * `singleton_key`, checked under an advisory lock (a standard pg-boss queue does not deduplicate by it).
 */
export function createPgBossJobQueue(deps: PgBossJobQueueDeps): JobQueue {
  const { boss, client, clock, schema = 'pgboss' } = deps;
  const table = `"${schema.replaceAll('"', '""')}".job`;
  const jobState = `"${schema.replaceAll('"', '""')}".job_state`;
  const at = (param: string) => `to_timestamp(${param}::float8 / 1000)`;
  const ms = (expression: string) => `round(extract(epoch FROM ${expression}) * 1000)::float8`;
  const columns = `id::text AS id, name, state::text AS state, data, output, retry_count, retry_limit,
    started_on IS NOT NULL AS started, ${ms('start_after')} AS run_after,
    ${ms('started_on + expire_in')} AS lease_expires_at, ${ms('created_on')} AS created_at,
    ${ms('greatest(created_on, started_on, completed_on)')} AS updated_at`;
  const queues = new Map<string, Promise<void>>();

  function ensureQueue(type: string): Promise<void> {
    let created = queues.get(type);
    if (!created) {
      created = boss.createQueue(type, { name: type, policy: 'standard' }).catch((error: unknown) => {
        queues.delete(type);
        throw error;
      });
      queues.set(type, created);
    }
    return created;
  }

  async function byId(db: PostgresClient, id: string): Promise<BossJobRow | null> {
    if (!UUID.test(id)) return null;
    const { rows } = await db.query<BossJobRow>(`SELECT ${columns} FROM ${table} WHERE id = $1::uuid`, [id]);
    return rows[0] ?? null;
  }

  async function enqueueIn(tx: PostgresClient, job: NewJob): Promise<Job> {
    const now = clock.now();
    if (job.dedupeKey) {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`familiar-job:${job.dedupeKey}`]);
      const { rows } = await tx.query<BossJobRow>(
        `SELECT ${columns} FROM ${table} WHERE singleton_key = $1 ORDER BY created_on DESC LIMIT 1`,
        [job.dedupeKey],
      );
      const existing = rows[0];
      // The same work asked for again: a no-op while it is queued, running or done; a failed job is tried again.
      if (existing && statusOf(existing) !== 'failed') return toJob(existing);
      if (existing) {
        const { rows: requeued } = await tx.query<BossJobRow>(
          `UPDATE ${table} SET state = 'created', retry_count = 0, started_on = NULL, completed_on = NULL,
             start_after = ${at('$2')}, output = coalesce(output, '{}'::jsonb) - 'leaseOwner'
           WHERE id = $1::uuid RETURNING ${columns}`,
          [existing.id, now],
        );
        return toJob(requeued[0]!);
      }
    }
    const id = await boss.send(
      job.type,
      { payload: job.payload ?? null, userId: job.userId ?? null },
      {
        startAfter: new Date(job.runAfter ?? now),
        retryLimit: Math.max(0, (job.maxAttempts ?? 5) - 1),
        retryDelay: 0,
        ...(job.dedupeKey ? { singletonKey: job.dedupeKey } : {}),
        db: { executeSql: (text: string, values?: unknown[]) => tx.query(text, values ?? []) },
      },
    );
    if (!id) throw new Error(`pg-boss did not accept a ${job.type} job`);
    return toJob((await byId(tx, id))!);
  }

  /** One step of leasing: a job, null when none is ready, or undefined when an exhausted one was failed instead. */
  async function leaseOnce(types: readonly string[], owner: string, leaseMs: number) {
    return client.transaction(async (tx): Promise<Job | null | undefined> => {
      const now = clock.now();
      const { rows } = await tx.query<{
        id: string;
        state: string;
        retry_count: number;
        retry_limit: number;
      }>(
        `SELECT id::text AS id, state::text AS state, retry_count, retry_limit FROM ${table}
         WHERE name = ANY($1::text[])
           AND ((state < 'active' AND start_after <= ${at('$2')})
             OR (state = 'active' AND started_on + expire_in <= ${at('$2')}))
         ORDER BY start_after, created_on, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [[...types], now],
      );
      const next = rows[0];
      if (!next) return null;
      if (next.state === 'active' && next.retry_count >= next.retry_limit) {
        await tx.query(
          `UPDATE ${table} SET state = 'failed', completed_on = ${at('$2')},
             output = (coalesce(output, '{}'::jsonb) - 'leaseOwner')
               || jsonb_build_object('lastError', coalesce(output->>'lastError', 'the worker stopped while running it, on every attempt'))
           WHERE id = $1::uuid`,
          [next.id, now],
        );
        return undefined;
      }
      const { rows: leased } = await tx.query<BossJobRow>(
        `UPDATE ${table} SET state = 'active',
           retry_count = CASE WHEN started_on IS NOT NULL THEN retry_count + 1 ELSE retry_count END,
           started_on = ${at('$2')}, expire_in = $3::float8 * interval '1 millisecond',
           output = coalesce(output, '{}'::jsonb) || jsonb_build_object('leaseOwner', $4::text)
         WHERE id = $1::uuid RETURNING ${columns}`,
        [next.id, now, leaseMs, owner],
      );
      return toJob(leased[0]!);
    });
  }

  return {
    async enqueue(job) {
      await ensureQueue(job.type);
      return client.transaction((tx) => enqueueIn(tx, job));
    },
    async enqueueMany(jobs) {
      if (jobs.length === 0) return [];
      for (const type of new Set(jobs.map((job) => job.type))) await ensureQueue(type);
      return client.transaction(async (tx) => {
        const enqueued: Job[] = [];
        for (const job of jobs) enqueued.push(await enqueueIn(tx, job));
        return enqueued;
      });
    },
    async lease(types, owner, leaseMs) {
      if (types.length === 0) return null;
      for (;;) {
        const job = await leaseOnce(types, owner, leaseMs);
        if (job !== undefined) return job;
      }
    },
    async extendLease(jobId, owner, leaseMs) {
      if (!UUID.test(jobId)) return false;
      const { rowCount } = await client.query(
        `UPDATE ${table} SET expire_in = (${at('$3')} - started_on) + $4::float8 * interval '1 millisecond'
         WHERE id = $1::uuid AND state = 'active' AND output->>'leaseOwner' = $2`,
        [jobId, owner, clock.now(), leaseMs],
      );
      return rowCount === 1;
    },
    async complete(jobId, owner, outcome) {
      if (!UUID.test(jobId)) return false;
      const { rowCount } = await client.query(
        `UPDATE ${table} SET state = 'completed', completed_on = ${at('$3')},
           output = jsonb_build_object('outcome', $4::text, 'result', $5::jsonb)
         WHERE id = $1::uuid AND state = 'active' AND output->>'leaseOwner' = $2`,
        [jobId, owner, clock.now(), outcome.status, JSON.stringify(outcome.result ?? null)],
      );
      return rowCount === 1;
    },
    async fail(jobId, owner, error, options) {
      if (!UUID.test(jobId)) return false;
      const now = clock.now();
      const { rowCount } = await client.query(
        `UPDATE ${table} SET
           state = (CASE WHEN $4::boolean AND retry_count < retry_limit THEN 'retry' ELSE 'failed' END)::${jobState},
           completed_on = CASE WHEN $4::boolean AND retry_count < retry_limit THEN NULL ELSE ${at('$3')} END,
           start_after = ${at('$5')},
           output = (coalesce(output, '{}'::jsonb) - 'leaseOwner') || jsonb_build_object('lastError', $6::text)
         WHERE id = $1::uuid AND state = 'active' AND output->>'leaseOwner' = $2`,
        [jobId, owner, now, options.retryable, now + options.retryInMs, error.slice(0, 2000)],
      );
      return rowCount === 1;
    },
    async get(jobId) {
      const row = await byId(client, jobId);
      return row ? toJob(row) : null;
    },
    async getByDedupeKey(key) {
      const { rows } = await client.query<BossJobRow>(
        `SELECT ${columns} FROM ${table} WHERE singleton_key = $1 ORDER BY created_on DESC LIMIT 1`,
        [key],
      );
      return rows[0] ? toJob(rows[0]) : null;
    },
    async backlog(): Promise<BacklogRow[]> {
      const { rows } = await client.query<{
        name: string;
        state: string;
        outcome: string | null;
        count: number;
      }>(
        `SELECT name, state::text AS state, output->>'outcome' AS outcome, count(*)::int AS count FROM ${table}
         GROUP BY 1, 2, 3`,
      );
      const counts = new Map<string, BacklogRow>();
      for (const row of rows) {
        const status = statusOf({
          state: row.state,
          output: { outcome: row.outcome ?? undefined },
        } as BossJobRow);
        const key = `${row.name}\u0000${status}`;
        const found = counts.get(key);
        if (found) found.count += row.count;
        else counts.set(key, { type: row.name, status, count: row.count });
      }
      return [...counts.values()].sort((a, b) =>
        a.type === b.type ? a.status.localeCompare(b.status) : a.type.localeCompare(b.type),
      );
    },
    async cancelForUser(userId) {
      const { rowCount } = await client.query(
        `DELETE FROM ${table} WHERE data->>'userId' = $1 AND state <= 'active'`,
        [userId],
      );
      return rowCount;
    },
  };
}
