/** Where a job stands. */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'skipped' | 'failed';

/** A unit of background work (perception, extraction) with its lease and attempts. */
export interface Job {
  id: string;
  type: string;
  userId: string | null;
  payload: unknown;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
  runAfter: number;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  lastError: string | null;
  result: unknown;
  createdAt: number;
  updatedAt: number;
}

/**
 * What enqueuing takes; a `dedupeKey` makes enqueuing the same work twice a no-op while the first is queued,
 * running or done, and re-queues it when it had failed.
 */
export interface NewJob {
  type: string;
  userId?: string | null;
  payload: unknown;
  maxAttempts?: number;
  runAfter?: number;
  dedupeKey?: string;
}

/** How many jobs of a type are in a status. */
export interface BacklogRow {
  type: string;
  status: JobStatus;
  count: number;
}

/**
 * A durable queue with leases: a worker leases a job for a while; if it dies, the lease expires and another
 * worker takes the job again. Handlers must be idempotent, since a job may run more than once.
 */
export interface JobQueue {
  enqueue(job: NewJob): Promise<Job>;
  /** Enqueues several jobs in one transaction (deduplicated like `enqueue`). */
  enqueueMany(jobs: readonly NewJob[]): Promise<Job[]>;
  /** Leases the oldest ready job of one of `types` (queued, or running with an expired lease), or null. */
  lease(types: readonly string[], owner: string, leaseMs: number): Promise<Job | null>;
  /** Extends a lease the owner still holds; false when it was lost. */
  extendLease(jobId: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Records the outcome if the owner still holds the lease; false when it was lost (another worker took over). */
  complete(
    jobId: string,
    owner: string,
    outcome: { status: 'succeeded' | 'skipped'; result?: unknown },
  ): Promise<boolean>;
  /** Records a failure: the job is retried after `retryInMs` unless attempts are spent or it is not retryable. */
  fail(
    jobId: string,
    owner: string,
    error: string,
    options: { retryable: boolean; retryInMs: number },
  ): Promise<boolean>;
  get(jobId: string): Promise<Job | null>;
  /** The job enqueued with this dedupe key, if any. */
  getByDedupeKey(key: string): Promise<Job | null>;
  backlog(): Promise<BacklogRow[]>;
  /** Drops a user's jobs that have not finished (when their data is forgotten). */
  cancelForUser(userId: string): Promise<number>;
}
