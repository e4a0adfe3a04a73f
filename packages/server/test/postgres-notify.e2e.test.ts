import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createSilentLogger } from '../src/kernel/index.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { openPostgresDatabase, type PostgresClient } from '../src/storage/index.ts';
import { tempHome } from './support/processes.ts';
import { RawDevice } from './support/raw-device.ts';

/** A real PostgreSQL server (`.ci/run` starts one); without it this file is skipped (PGlite serves one process). */
const SERVER_URL = process.env.FAMILIAR_TEST_POSTGRES_URL;

/** The server URL with a fresh schema first on the search path, so runs never meet. */
async function freshSchemaUrl(base: string): Promise<string> {
  const schema = `notify_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: base, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const POLL_MS = 100;

/** Two servers on one PostgreSQL database: a notification queued on one reaches every device, on either, once. */
describe.skipIf(!SERVER_URL)('notifications across two servers on one PostgreSQL (real server)', () => {
  let databaseUrl: string;
  let a: RunningServer;
  let b: RunningServer;
  let db: PostgresClient;
  let userId: string;
  const devices: RawDevice[] = [];

  const start = (home: string) =>
    startServer(
      loadConfig({
        FAMILIAR_HOME: home,
        FAMILIAR_PORT: '0',
        FAMILIAR_DATABASE_URL: databaseUrl,
        FAMILIAR_MEMORY_INTERVAL_MS: '3600000',
      }),
      createSilentLogger(),
      { hub: { pollMs: POLL_MS } },
    );

  beforeAll(async () => {
    databaseUrl = await freshSchemaUrl(SERVER_URL!);
    const home = tempHome();
    a = await start(home);
    b = await start(home);
    db = await openPostgresDatabase(databaseUrl, { maxConnections: 2 });
    userId = (await a.familiar.accounts.addUser({ name: 'ada', timezone: 'UTC' })).id;
  }, 60_000);
  afterAll(async () => {
    for (const device of devices) device.socket.close();
    await Promise.all([a?.close(), b?.close()]);
    await db?.close();
  });

  const countOf = (device: RawDevice, id: string) =>
    device.received.filter((m) => m.type === 'notification' && m.id === id).length;
  async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check() && Date.now() < deadline) await sleep(25);
  }

  it('a notification made on server A reaches the device on A and the device on B, each once', async () => {
    const phone = await a.familiar.accounts.addDevice({ userName: 'ada', name: 'phone' });
    const glasses = await b.familiar.accounts.addDevice({ userName: 'ada', name: 'glasses' });
    const { device: onA, welcome: welcomeA } = await RawDevice.connect(a.url, phone.token);
    const { device: onB, welcome: welcomeB } = await RawDevice.connect(b.url, glasses.token);
    devices.push(onA, onB);

    const made = await a.familiar.notifier.notify(userId, { title: 'Call Sam', body: 'about Friday' });
    // Server B learns of it only through its poll of the shared database.
    await waitFor(() => countOf(onA, made.id) > 0 && countOf(onB, made.id) > 0);
    expect(onA.received.find((m) => m.type === 'notification' && m.id === made.id)).toMatchObject({
      title: 'Call Sam',
      body: 'about Friday',
    });
    expect([countOf(onA, made.id), countOf(onB, made.id)]).toEqual([1, 1]);

    // A third round, and several more polls on both servers: nothing more is pushed.
    await Promise.all([a.hub.deliverNotifications(), b.hub.deliverNotifications()]);
    await sleep(POLL_MS * 5);
    expect([countOf(onA, made.id), countOf(onB, made.id)]).toEqual([1, 1]);
    const rows = await db.query<{ device_id: string }>(
      'SELECT device_id FROM notification_deliveries WHERE notification_id = $1 ORDER BY device_id',
      [made.id],
    );
    expect(rows.rows.map((row) => row.device_id)).toEqual([welcomeA.deviceId, welcomeB.deviceId].sort());
    const [listed] = await b.familiar.notifier.list(userId, 1);
    expect(listed?.id).toBe(made.id);
    expect(listed?.deliveredAt).not.toBeNull();

    // The phone moves to server B: it does not get the notification again there.
    onA.socket.close();
    await onA.closed;
    const moved = (await RawDevice.connect(b.url, phone.token)).device;
    devices.push(moved);
    await sleep(POLL_MS * 5);
    expect(countOf(moved, made.id)).toBe(0);

    // A device added after the notification does not get it; the next one reaches all three, each once.
    const watch = await a.familiar.accounts.addDevice({ userName: 'ada', name: 'watch' });
    const onWatch = (await RawDevice.connect(a.url, watch.token)).device;
    devices.push(onWatch);
    const next = await b.familiar.notifier.notify(userId, { title: 'Water the plants' });
    await waitFor(() => [moved, onB, onWatch].every((device) => countOf(device, next.id) > 0));
    await sleep(POLL_MS * 5);
    expect([moved, onB, onWatch].map((device) => countOf(device, next.id))).toEqual([1, 1, 1]);
    expect(countOf(onWatch, made.id)).toBe(0);
    expect(countOf(onB, made.id)).toBe(1);
  }, 60_000);
});
