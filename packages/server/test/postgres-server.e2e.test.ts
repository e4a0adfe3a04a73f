import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createSilentLogger } from '../src/kernel/index.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { clientObservation, jsonRequest } from './support/observations.ts';
import { runCli, tempHome } from './support/processes.ts';

/** A real PostgreSQL server (`.ci/run` starts one); without it this file is skipped (PGlite serves one connection). */
const SERVER_URL = process.env.FAMILIAR_TEST_POSTGRES_URL;

/** The server URL with a fresh schema first on the search path, so runs never meet. */
async function freshSchemaUrl(base: string): Promise<string> {
  const schema = `e2e_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: base, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** The whole server on PostgreSQL: FAMILIAR_DATABASE_URL picks it; the services do not know the difference. */
describe.skipIf(!SERVER_URL)('Familiar on PostgreSQL (real server)', () => {
  let databaseUrl: string;
  let home: string;
  let server: RunningServer;
  let token: string;

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
    server = await start();
    await server.familiar.accounts.addUser({ name: 'ada', timezone: 'Europe/London' });
    token = (await server.familiar.accounts.addDevice({ userName: 'ada', name: 'phone' })).token;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it('keeps observations, answers from them, and the assistant follows them', async () => {
    const now = Date.now();
    const notes = [
      clientObservation("I'll send Sam the deck tomorrow", {
        capturedAt: new Date(now - 60_000).toISOString(),
      }),
      clientObservation('The boiler engineer said the pressure valve needs replacing', {
        capturedAt: new Date(now - 30_000).toISOString(),
      }),
    ];
    const stored = await fetch(`${server.url}/v1/observations`, jsonRequest(token, { observations: notes }));
    expect(stored.status).toBe(200);
    await server.catchUp();

    const asked = await fetch(
      `${server.url}/v1/ask`,
      jsonRequest(token, { question: 'what about the boiler?' }),
    );
    expect(asked.status).toBe(200);
    const answer = (await asked.json()) as { citations: Array<{ id: string }> };
    expect(answer.citations.map((citation) => citation.id)).toContain(notes[1]!.id);

    const inbox = await fetch(`${server.url}/v1/inbox`, { headers: { authorization: `Bearer ${token}` } });
    const items = ((await inbox.json()) as { items: Array<{ title: string; sources: string[] }> }).items;
    expect(items).toEqual([expect.objectContaining({ title: 'Send Sam the deck', sources: [notes[0]!.id] })]);
  }, 60_000);

  it('keeps everything across a restart, and the CLI reads the same database', async () => {
    await server.close();
    server = await start();
    const page = await fetch(`${server.url}/v1/observations?limit=10`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(page.status).toBe(200);
    expect(((await page.json()) as { observations: unknown[] }).observations).toHaveLength(2);

    const status = await runCli(home, ['--json', 'status'], { env: { FAMILIAR_DATABASE_URL: databaseUrl } });
    expect(status.code, status.stderr).toBe(0);
    const parsed = JSON.parse(status.stdout) as {
      disk: { databaseBytes: number | null };
      users: Array<{ name: string; observations: number }>;
    };
    expect(parsed.disk.databaseBytes).toBeNull();
    expect(parsed.users).toEqual([expect.objectContaining({ name: 'ada', observations: 2 })]);
    // The password never reaches the output.
    expect(status.stdout + status.stderr).not.toContain('familiar:familiar@');
  }, 90_000);
});
