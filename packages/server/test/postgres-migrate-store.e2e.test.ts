import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createSilentLogger } from '../src/kernel/index.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { runCli, runCliJson, tempHome } from './support/processes.ts';

/** A real PostgreSQL server (`.ci/run` starts one); without it this file is skipped. */
const SERVER_URL = process.env.FAMILIAR_TEST_POSTGRES_URL;

/** The server URL with a fresh schema first on the search path, so runs never meet. */
async function freshSchemaUrl(base: string): Promise<string> {
  const schema = `migrate_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: base, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

interface MigrateResult {
  ok: boolean;
  to: string;
  next: string;
  users: Array<{ user: string; source: Record<string, number>; target: Record<string, number> }>;
}

/** `familiar migrate-store` moves a SQLite home's person into PostgreSQL; devices keep their tokens. */
describe.skipIf(!SERVER_URL)('familiar migrate-store (SQLite → real PostgreSQL)', () => {
  const home = tempHome();
  const files = tempHome('familiar-files-');
  let databaseUrl: string;
  let token: string;
  let captureId: string;
  let server: RunningServer | undefined;

  beforeAll(async () => {
    databaseUrl = await freshSchemaUrl(SERVER_URL!);
    const cli = <T>(args: string[]) => runCliJson<T>(home, args);
    await cli(['user', 'add', 'ada', '--timezone', 'UTC']);
    token = (await cli<{ token: string }>(['device', 'add', '--name', 'glasses'])).token;
    writeFileSync(
      join(files, 'keys.md'),
      '# Keys\n\nThe spare keys are in the blue bowl on the hall shelf.\n',
    );
    const photo = join(files, 'photo.png');
    await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 30, b: 30 } } })
      .png()
      .toFile(photo);
    const ingested = await cli<{ files: Array<{ imageCaptureIds?: string[] }> }>([
      'ingest',
      '--no-wait',
      join(files, 'keys.md'),
      photo,
    ]);
    captureId = ingested.files.flatMap((file) => file.imageCaptureIds ?? [])[0]!;
    expect(captureId).toBeTruthy();
    await cli(['goals', 'add', 'run 10 km every week']);
    await cli(['remind', 'buy milk tomorrow at 9am']);
    await cli(['models', 'open-only', 'on']);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  it('moves the user, prints the counts and how to switch, and never prints the password', async () => {
    const moved = await runCli(home, ['migrate-store', '--to', databaseUrl], {
      // The source is the SQLite home even when FAMILIAR_DATABASE_URL names the target.
      env: { FAMILIAR_DATABASE_URL: databaseUrl },
      timeoutMs: 120_000,
    });
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stderr).toContain('ada: moving');
    expect(moved.stdout).toMatch(/OBSERVATIONS/);
    expect(moved.stdout).toContain('set FAMILIAR_DATABASE_URL=postgres://familiar@');
    expect(moved.stdout + moved.stderr).not.toContain('familiar:familiar@');
  }, 150_000);

  it('is safe to run again: nothing is duplicated (before any server touched the target)', async () => {
    const again = await runCli(home, ['--json', 'migrate-store', '--to', databaseUrl], {
      // The source is the SQLite home even when FAMILIAR_DATABASE_URL names the target.
      env: { FAMILIAR_DATABASE_URL: databaseUrl },
      timeoutMs: 120_000,
    });
    expect(again.code, again.stderr).toBe(0);
    const result = JSON.parse(again.stdout) as MigrateResult;
    expect(result.ok).toBe(true);
    expect(result.to).not.toContain('familiar:familiar@');
    const [ada] = result.users;
    expect(ada?.target).toEqual(ada?.source);
    expect(ada?.source).toMatchObject({ observations: 1, captures: 1, goals: 1, inbox: 1 });
  }, 150_000);

  it('serves the moved data from PostgreSQL to the same device token', async () => {
    server = await startServer(
      loadConfig({
        FAMILIAR_HOME: home,
        FAMILIAR_PORT: '0',
        FAMILIAR_DATABASE_URL: databaseUrl,
        FAMILIAR_MEMORY_INTERVAL_MS: '3600000',
      }),
      createSilentLogger(),
    );
    const get = (path: string) =>
      fetch(`${server!.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const page = await get('/v1/observations?limit=50');
    expect(page.status).toBe(200);
    const observations = ((await page.json()) as { observations: Array<{ text: string }> }).observations;
    expect(observations.map((o) => o.text).join('\n')).toContain('blue bowl');

    const capture = await get(`/v1/captures/${captureId}`);
    expect(capture.status).toBe(200);
    const media = await get(`/v1/captures/${captureId}/media`);
    expect(media.status).toBe(200);
    expect(media.headers.get('content-type')).toMatch(/^image\//);
    expect((await media.arrayBuffer()).byteLength).toBeGreaterThan(0);

    const goals = (await (await get('/v1/goals?status=all')).json()) as { goals: Array<{ title: string }> };
    expect(goals.goals).toHaveLength(1);
    const inbox = (await (await get('/v1/inbox?status=all')).json()) as {
      items: Array<{ kind: string; title: string }>;
    };
    expect(inbox.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'reminder', title: expect.stringMatching(/milk/i) }),
      ]),
    );
    // The "Open models only" switch moved with the person: moving never loosens where their data may go.
    expect(await (await get('/v1/settings/models')).json()).toMatchObject({ openOnly: true });
    await server.close();
    server = undefined;
  }, 90_000);

  it('is still safe after the server worked on the target (perception added a frame there)', async () => {
    const again = await runCli(home, ['--json', 'migrate-store', '--to', databaseUrl], {
      env: { FAMILIAR_DATABASE_URL: databaseUrl },
      timeoutMs: 120_000,
    });
    expect(again.code, again.stderr).toBe(0);
    const [ada] = (JSON.parse(again.stdout) as MigrateResult).users;
    expect(ada?.target).toMatchObject({ captures: 1, people: 0, goals: 1, inbox: 1 });
  }, 150_000);

  it('refuses a target that has a different user of the same name', async () => {
    const other = tempHome();
    await runCliJson(other, ['user', 'add', 'ada', '--timezone', 'UTC']);
    const refused = await runCli(other, ['migrate-store', '--to', databaseUrl], {
      // The source is the SQLite home even when FAMILIAR_DATABASE_URL names the target.
      env: { FAMILIAR_DATABASE_URL: databaseUrl },
      timeoutMs: 60_000,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('different user named "ada"');
  }, 90_000);
});
