import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * Per-user, per-pass mutual exclusion: only one holder at a time runs a user's understanding pass (or assistant
 * pass). With several server processes on one PostgreSQL database, the PostgreSQL implementation makes that hold
 * across processes and machines; with SQLite (one server owns a home, and SQLite serialises writers) the in-process
 * one is enough.
 */
export interface UserLocks {
  /**
   * Runs `work` holding the lock named by `key` (e.g. `understanding`, `assistant`) for `userId`, and returns what it
   * returned; returns null without running it when another holder has that lock now (the caller skips the user: it
   * will catch up next round). The lock is released when `work` settles, or when the process dies.
   */
  withUserLock<T>(key: string, userId: string, work: () => Promise<T>): Promise<T | null>;
}

/** Locks within this process only (SQLite, PGlite, tests): a second caller for a held lock is skipped. */
export function createInProcessUserLocks(): UserLocks {
  const held = new Set<string>();
  return {
    async withUserLock(key, userId, work) {
      const name = `${key}\u0000${userId}`;
      if (held.has(name)) return null;
      held.add(name);
      try {
        return await work();
      } finally {
        held.delete(name);
      }
    },
  };
}

/** The 64-bit advisory lock key of a lock name (a hash: a collision only serialises two unrelated passes). */
export function advisoryLockKey(key: string, userId: string): string {
  return createHash('sha256')
    .update(`familiar:user-lock:${key}:${userId}`)
    .digest()
    .readBigInt64BE(0)
    .toString();
}

/**
 * Locks across processes on a PostgreSQL server: a session advisory lock (`pg_try_advisory_lock`) taken on a
 * connection of its own (from `pool`, kept apart from the stores' pool) and held there while `work` runs on the
 * stores' connections, then released with `pg_advisory_unlock`. A process that dies drops its connection, and
 * PostgreSQL releases the lock with it; a lock connection that breaks is discarded, never returned to the pool with
 * a lock on it. Within this process the same lock is checked first, so one process never spends two connections on
 * one user. `close` ends the pool.
 */
export function createPostgresUserLocks(pool: pg.Pool): UserLocks & { close(): Promise<void> } {
  const local = createInProcessUserLocks();
  pool.on('error', () => {
    // An idle connection that breaks is dropped by the pool; the next lock opens a new one.
  });
  return {
    withUserLock<T>(key: string, userId: string, work: () => Promise<T>): Promise<T | null> {
      return local.withUserLock(key, userId, async (): Promise<T | null> => {
        const lockKey = advisoryLockKey(key, userId);
        const connection = await pool.connect();
        let broken = false;
        // A held connection that breaks (the server restarted, an administrator ended it) must not crash the process.
        const onError = () => {
          broken = true;
        };
        connection.on('error', onError);
        try {
          let locked: boolean;
          try {
            const { rows } = await connection.query<{ locked: boolean }>(
              'SELECT pg_try_advisory_lock($1::bigint) AS locked',
              [lockKey],
            );
            locked = rows[0]?.locked === true;
          } catch (error) {
            broken = true;
            throw error;
          }
          if (!locked) return null;
          try {
            return await work();
          } finally {
            // Unlocked, or (when that fails) the connection is destroyed below, which releases the lock too.
            if (!broken)
              await connection.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey]).catch(() => {
                broken = true;
              });
          }
        } finally {
          connection.off('error', onError);
          connection.release(broken);
        }
      });
    },
    close: () => pool.end(),
  };
}
