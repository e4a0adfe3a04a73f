import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ulid } from 'ulidx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresSettingsStore } from '../src/assistant/index.ts';
import { loadConfig } from '../src/config.ts';
import { type JobHandler, startWorker, type Worker } from '../src/jobs/index.ts';
import { createSilentLogger } from '../src/kernel/index.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { openPostgresDatabase, type PostgresClient } from '../src/storage/index.ts';
import { tempHome } from './support/processes.ts';
import { RawDevice } from './support/raw-device.ts';

/** A real PostgreSQL server (`.ci/run` starts one); without it this file is skipped (PGlite serves one process). */
const SERVER_URL = process.env.FAMILIAR_TEST_POSTGRES_URL;

/** The server URL with a fresh schema first on the search path, so runs never meet. */
async function freshSchemaUrl(base: string): Promise<string> {
  const schema = `multi_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: base, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Two servers on one PostgreSQL database, as behind a load balancer: one FAMILIAR_HOME for both (media must be on
 * storage every server and worker reads), a device on each, both followers catching up at once.
 */
describe.skipIf(!SERVER_URL)('two servers and two workers on one PostgreSQL (real server)', () => {
  let databaseUrl: string;
  let home: string;
  let a: RunningServer;
  let b: RunningServer;
  let db: PostgresClient;
  let userId: string;
  const devices: RawDevice[] = [];

  const start = () =>
    startServer(
      loadConfig({
        FAMILIAR_HOME: home,
        FAMILIAR_PORT: '0',
        FAMILIAR_DATABASE_URL: databaseUrl,
        FAMILIAR_MEMORY_INTERVAL_MS: '3600000',
      }),
      createSilentLogger(),
    );

  beforeAll(async () => {
    databaseUrl = await freshSchemaUrl(SERVER_URL!);
    home = tempHome();
    a = await start();
    b = await start();
    db = await openPostgresDatabase(databaseUrl, { maxConnections: 2 });
    userId = (await a.familiar.accounts.addUser({ name: 'ada', timezone: 'UTC' })).id;
    // Pushes at any hour of the day the test runs, and no digest to count.
    await createPostgresSettingsStore(db).set(userId, { quietHours: null, digestAt: null }, Date.now());
  }, 60_000);
  afterAll(async () => {
    for (const device of devices) device.socket.close();
    await Promise.all([a?.close(), b?.close()]);
    await db?.close();
  });

  it('devices on both servers stream; each observation is understood once; a due reminder is pushed once', async () => {
    const phone = await a.familiar.accounts.addDevice({ userName: 'ada', name: 'phone' });
    const glasses = await b.familiar.accounts.addDevice({ userName: 'ada', name: 'glasses' });
    const onA = (await RawDevice.connect(a.url, phone.token)).device;
    const onB = (await RawDevice.connect(b.url, glasses.token)).device;
    devices.push(onA, onB);

    const now = Date.now();
    const notes: Array<[RawDevice, string, number]> = [
      [onA, 'remind me in 2 hours to check the oven', now - 130 * 60_000],
      [onB, "I'll send Sam the deck tomorrow", now - 50 * 60_000],
      [onA, 'The boiler engineer said the pressure valve needs replacing', now - 40 * 60_000],
      [onB, 'Lunch with Priya at the Italian place on Market Street', now - 30 * 60_000],
      [onA, "I'll call the dentist on Friday", now - 20 * 60_000],
      [onB, 'My passport expires in March', now - 10 * 60_000],
    ];
    const seqs = new Map<RawDevice, number>();
    for (const [device, text, at] of notes) {
      const seq = (seqs.get(device) ?? 0) + 1;
      seqs.set(device, seq);
      device.json({
        type: 'observation',
        stream: 'notes',
        seq,
        observation: { id: ulid(), modality: 'note', capturedAt: new Date(at).toISOString(), text },
      });
      expect(await device.ack('notes', seq)).toMatchObject({ type: 'ack' });
    }
    const stored = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM observations');
    expect(stored.rows[0]!.n).toBe(notes.length);

    // Both followers at once, several rounds: a user another server holds is skipped and caught up next round.
    for (let round = 0; round < 3; round += 1)
      await Promise.all([a.catchUp(), b.catchUp(), a.catchUp(), b.catchUp()]);
    await a.catchUp();
    await b.catchUp();

    // Every observation was read by the understanding pass and the assistant, once.
    const cursors = await db.query<{ stage: string; position: number }>(
      'SELECT stage, last_seq AS position FROM memory_cursors WHERE user_id = $1',
      [userId],
    );
    const maxSeq = (await db.query<{ m: number }>('SELECT max(seq)::bigint AS m FROM observations')).rows[0]!
      .m;
    expect(cursors.rows.find((row) => row.stage === 'facts')?.position).toBe(maxSeq);
    expect(cursors.rows.find((row) => row.stage === 'assistant')?.position).toBe(maxSeq);

    // Derived rows exist once: no fact twice from the same observation, no item twice.
    const facts = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM facts WHERE user_id = $1', [
      userId,
    ]);
    expect(facts.rows[0]!.n).toBeGreaterThan(0);
    const twiceFacts = await db.query(
      `SELECT f.kind, f.statement, s.observation_seq, count(*) FROM facts f
       JOIN fact_sources s ON s.user_id = f.user_id AND s.fact_id = f.id
       WHERE f.user_id = $1 GROUP BY f.kind, f.statement, s.observation_seq HAVING count(*) > 1`,
      [userId],
    );
    expect(twiceFacts.rows).toEqual([]);
    const items = await db.query<{ title: string; n: number }>(
      'SELECT title, count(*)::int AS n FROM inbox_items WHERE user_id = $1 GROUP BY title ORDER BY title',
      [userId],
    );
    const titles = Object.fromEntries(items.rows.map((row) => [row.title, row.n]));
    expect(titles).toMatchObject({ 'Check the oven': 1, 'Send Sam the deck': 1 });
    expect(items.rows.every((row) => row.n === 1)).toBe(true);
    const twiceVectors = await db.query(
      'SELECT observation_seq, count(*) FROM observation_vectors GROUP BY observation_seq HAVING count(*) > 1',
    );
    expect(twiceVectors.rows).toEqual([]);

    // The reminder due ten minutes ago: pushed once, by one server, whatever the other did meanwhile.
    const pushed = await db.query<{ id: string }>(
      "SELECT id FROM notifications WHERE user_id = $1 AND title LIKE 'Check the oven%'",
      [userId],
    );
    expect(pushed.rows).toHaveLength(1);
    const item = await db.query<{ notified_at: number | null }>(
      "SELECT notified_at FROM inbox_items WHERE user_id = $1 AND title = 'Check the oven'",
      [userId],
    );
    expect(item.rows[0]!.notified_at).not.toBeNull();
    // A device receives it (the one on the server that pushed it, or either through the hubs' poll), never twice.
    const notificationId = pushed.rows[0]!.id;
    const deadline = Date.now() + 10_000;
    const got = () =>
      [onA, onB].map(
        (device) =>
          device.received.filter((m) => m.type === 'notification' && m.id === notificationId).length,
      );
    while (got().every((n) => n === 0) && Date.now() < deadline) await sleep(100);
    expect(got().some((n) => n === 1)).toBe(true);
    expect(got().every((n) => n <= 1)).toBe(true);
    // More rounds push nothing more.
    await Promise.all([a.catchUp(), b.catchUp()]);
    const again = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM notifications WHERE user_id = $1',
      [userId],
    );
    expect(again.rows[0]!.n).toBe(1);
  }, 60_000);

  it('two workers share the queue: each job completes once, and one a dead worker held runs again once', async () => {
    const type = 'test.multi';
    const runs: string[] = [];
    const handler =
      (who: string): JobHandler =>
      async (job) => {
        runs.push(job.id);
        await sleep(20 + Math.floor(Math.random() * 30));
        return { status: 'success', result: { by: who } };
      };
    const enqueued = await a.familiar.jobs.enqueueMany(
      Array.from({ length: 8 }, (_, index) => ({ type, userId, payload: { index } })),
    );
    // A worker that leased a job and died mid-job (it never renews, completes or fails it).
    const dead = await b.familiar.jobs.lease([type], 'worker:dead', 1_500);
    expect(dead).not.toBeNull();
    const logger = createSilentLogger();
    const workers: Worker[] = [
      startWorker({
        queue: a.familiar.jobs,
        handlers: { [type]: handler('a') },
        owner: 'worker:a',
        logger,
        pollMs: 50,
      }),
      startWorker({
        queue: b.familiar.jobs,
        handlers: { [type]: handler('b') },
        owner: 'worker:b',
        logger,
        pollMs: 50,
      }),
    ];
    try {
      const deadline = Date.now() + 20_000;
      const finished = async () =>
        (await Promise.all(enqueued.map((job) => a.familiar.jobs.get(job.id)))).every(
          (job) => job?.status === 'succeeded',
        );
      while (!(await finished()) && Date.now() < deadline) await sleep(100);
      expect(await finished()).toBe(true);
    } finally {
      await Promise.all(workers.map((worker) => worker.stop()));
    }
    // Each job ran once, the dead worker's too (after its lease ran out); nothing was lost.
    expect([...runs].sort()).toEqual(enqueued.map((job) => job.id).sort());
    // The dead worker, back from the dead, cannot record an outcome over the one that took its job.
    expect(await a.familiar.jobs.complete(dead!.id, 'worker:dead', { status: 'succeeded' })).toBe(false);
    const done = await a.familiar.jobs.get(dead!.id);
    expect(done).toMatchObject({ status: 'succeeded', result: { by: expect.stringMatching(/^[ab]$/) } });
  }, 60_000);
});
