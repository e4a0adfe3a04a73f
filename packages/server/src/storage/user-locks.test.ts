import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { pgPoolClient } from './postgres.ts';
import {
  advisoryLockKey,
  createInProcessUserLocks,
  createPostgresUserLocks,
  type UserLocks,
} from './user-locks.ts';

/** A real PostgreSQL server (`.ci/run` starts one); advisory locks across connections need one (PGlite has one). */
const SERVER_URL = process.env.FAMILIAR_TEST_POSTGRES_URL;

/** A promise and its resolver: holds a lock open until the test says so. */
function gate(): { wait: Promise<void>; open(): void } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

/** The contract both implementations keep, `second` standing for another holder (another process on PostgreSQL). */
function lockContract(name: string, make: () => Promise<{ first: UserLocks; second: UserLocks }>) {
  describe(name, () => {
    it('runs the work and returns its value', async () => {
      const { first } = await make();
      expect(await first.withUserLock('understanding', 'ada', async () => 42)).toBe(42);
    });

    it('skips a second holder of the same lock while the first holds it, then lets it run', async () => {
      const { first, second } = await make();
      const held = gate();
      const entered = gate();
      const running = first.withUserLock('assistant', 'ada', async () => {
        entered.open();
        await held.wait;
        return 'first';
      });
      await entered.wait;
      let ran = false;
      expect(
        await second.withUserLock('assistant', 'ada', async () => {
          ran = true;
          return 'second';
        }),
      ).toBeNull();
      expect(ran).toBe(false);
      // Another user, or another pass of the same user, is not held.
      expect(await second.withUserLock('assistant', 'bob', async () => 'bob')).toBe('bob');
      expect(await second.withUserLock('understanding', 'ada', async () => 'other pass')).toBe('other pass');
      held.open();
      expect(await running).toBe('first');
      expect(await second.withUserLock('assistant', 'ada', async () => 'second')).toBe('second');
    });

    it('releases the lock when the work throws', async () => {
      const { first, second } = await make();
      await expect(
        first.withUserLock('assistant', 'ada', async () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await second.withUserLock('assistant', 'ada', async () => 'after')).toBe('after');
    });
  });
}

lockContract('in-process user locks', async () => {
  const locks = createInProcessUserLocks();
  return { first: locks, second: locks };
});

describe('advisory lock keys', () => {
  it('are stable 64-bit integers, different per pass and per user', () => {
    const key = advisoryLockKey('assistant', 'ada');
    expect(key).toBe(advisoryLockKey('assistant', 'ada'));
    expect(BigInt(key) >= -(2n ** 63n) && BigInt(key) < 2n ** 63n).toBe(true);
    expect(key).not.toBe(advisoryLockKey('understanding', 'ada'));
    expect(key).not.toBe(advisoryLockKey('assistant', 'bob'));
  });
});

describe.skipIf(!SERVER_URL)('PostgreSQL user locks (real server)', () => {
  const pools: pg.Pool[] = [];
  /** A second pool on the server: another process as far as advisory locks go (they are per database). */
  const otherProcess = () => {
    const pool = new pg.Pool({ connectionString: SERVER_URL!, max: 4 });
    pools.push(pool);
    return createPostgresUserLocks(pool);
  };
  afterAll(async () => {
    for (const pool of pools) await pool.end();
  });

  lockContract('across two connection pools', async () => ({
    first: otherProcess(),
    second: otherProcess(),
  }));

  it('holds the lock on a connection of its own: the stores pool stays free for the work', async () => {
    const pool = new pg.Pool({ connectionString: SERVER_URL!, max: 1 });
    pools.push(pool);
    const client = pgPoolClient(pool);
    const locks = otherProcess();
    const value = await locks.withUserLock('understanding', 'ada', async () => {
      const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
      await client.transaction((tx) => tx.query('SELECT 1'));
      return rows[0]!.one;
    });
    expect(value).toBe(1);
  });

  it('a holder whose connection dies (a killed process) releases the lock', async () => {
    const pool = new pg.Pool({ connectionString: SERVER_URL!, max: 2 });
    pools.push(pool);
    const dying = createPostgresUserLocks(pool);
    const entered = gate();
    const never = gate();
    const held = dying
      .withUserLock('assistant', 'dies', async () => {
        entered.open();
        await never.wait;
      })
      .catch(() => 'lost');
    await entered.wait;
    const survivor = otherProcess();
    expect(await survivor.withUserLock('assistant', 'dies', async () => 'ran')).toBeNull();
    const admin = new pg.Pool({ connectionString: SERVER_URL!, max: 1 });
    pools.push(admin);
    const key = BigInt(advisoryLockKey('assistant', 'dies'));
    // A bigint advisory key is split into classid (high 32 bits) and objid (low 32 bits) in pg_locks.
    const high = Number(BigInt.asUintN(64, key) >> 32n);
    const low = Number(BigInt.asUintN(32, key));
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks
       WHERE locktype = 'advisory' AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 1`,
      [high, low],
    );
    let ran: string | null = null;
    for (let attempt = 0; attempt < 50 && ran === null; attempt += 1) {
      ran = await survivor.withUserLock('assistant', 'dies', async () => 'ran');
      if (ran === null) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(ran).toBe('ran');
    never.open();
    await held;
  });
});
