import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PCM16_MEDIA_TYPE, type ServerMessage } from '@familiar/protocol';
import pg from 'pg';
import { ulid } from 'ulidx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFamiliar } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createSilentLogger, systemClock } from '../src/kernel/index.ts';
import { openStoresFor } from '../src/stores.ts';
import { canTranscribeLibrivox, librivoxClips } from './support/librivox.ts';
import {
  type ServerProcess,
  startServerProcess,
  startWorkerProcess,
  tempHome,
  type WorkerProcess,
} from './support/processes.ts';
import { RawDevice } from './support/raw-device.ts';

/** A real PostgreSQL server (`.ci/run` starts one); without it this file is skipped (PGlite serves one process). */
const SERVER_URL = process.env.FAMILIAR_TEST_POSTGRES_URL;
const CONVERT = '/usr/bin/convert';
/** Frames with text need ImageMagick and DejaVu, speech pocketsphinx and LibriVox clips: `.ci/run` installs them. */
const canRender = existsSync(CONVERT);
/** The workers' lease: short, so the job of the killed worker is leased again within seconds. */
const LEASE_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value other than undefined, or fails with `what` after `ms`. */
async function waitFor<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await sleep(150);
  }
}

/**
 * A database of its own on the server when the role may create one (`.ci/run` grants CREATEDB), so that pg-boss's
 * `pgboss` schema, which is global to a database, is not shared with the other test files' servers and workers (they
 * would lease this file's perception jobs and skip them, since the captures are not in their schema). Otherwise a
 * fresh schema first on the search path, as the other PostgreSQL end-to-end tests use.
 */
async function freshDatabaseUrl(base: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `familiar_processes_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: base, max: 1 });
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      async drop() {
        const again = new pg.Pool({ connectionString: base, max: 1 });
        await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
        await again.end();
      },
    };
  } catch {
    await admin.query(`CREATE SCHEMA ${name}`);
    const url = new URL(base);
    url.searchParams.set('options', `-c search_path=${name}`);
    return { url: url.toString(), drop: async () => {} };
  } finally {
    await admin.end();
  }
}

/** The device's ack of `seq` on `stream`, waited for up to 30 s (the servers share two busy cores with the workers). */
function acked(device: RawDevice, stream: string, seq: number): Promise<ServerMessage> {
  return device.next((m) => m.type === 'ack' && m.stream === stream && m.seq === seq, 30_000);
}

/**
 * A 1280×720 PNG with `lines` of text across the middle and a black block above or below them where `block` says, so
 * that no two frames look alike to the near-duplicate filter while the text stays clear for OCR.
 */
function renderFrame(path: string, lines: readonly string[], block: readonly [number, number]): Buffer {
  const [x, y] = block;
  const args = ['-size', '1280x720', 'xc:white', '-fill', 'black'];
  args.push('-draw', `rectangle ${x},${y} ${x + 300},${y + 170}`);
  args.push('-font', 'DejaVu-Sans', '-pointsize', '64');
  for (const [i, line] of lines.entries()) args.push('-annotate', `+80+${330 + i * 110}`, line);
  execFileSync(CONVERT, [...args, path]);
  return readFileSync(path);
}

/**
 * Issue 12's acceptance with real processes: two `familiar start` and two `familiar worker` processes on one real
 * PostgreSQL and one FAMILIAR_HOME (the shared media), a device streaming to each server, and one worker killed with
 * SIGKILL while it holds a job. The servers run no workers of their own (`FAMILIAR_WORKERS=0`), so every perception
 * job runs in a worker process and killing one leaves exactly one process able to finish its job.
 */
describe.skipIf(!SERVER_URL || !canRender || !canTranscribeLibrivox)(
  'two server processes and two worker processes on one PostgreSQL',
  () => {
    let database: { url: string; drop(): Promise<void> };
    let home: string;
    let db: pg.Pool;
    let userId: string;
    let phoneToken: string;
    let glassesToken: string;
    let phoneId: string;
    let glassesId: string;
    const servers: ServerProcess[] = [];
    const workers: WorkerProcess[] = [];
    const devices: RawDevice[] = [];
    const clips = canTranscribeLibrivox ? librivoxClips().slice(0, 3) : [];
    const silence = new Int16Array(16_000 * 3);
    let oldOrphan: string;
    let freshOrphan: string;

    const env = () => ({
      FAMILIAR_DATABASE_URL: database.url,
      FAMILIAR_MEMORY_INTERVAL_MS: '1000',
      FAMILIAR_LOG_LEVEL: 'warn',
    });

    /** Writes an unreferenced media file into the shared home, `ageMs` old. */
    function orphanBlob(ageMs: number): string {
      const bytes = randomBytes(64);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const directory = join(home, 'blobs', userId, sha256.slice(0, 2));
      mkdirSync(directory, { recursive: true });
      const path = join(directory, sha256);
      writeFileSync(path, bytes);
      const at = new Date(Date.now() - ageMs);
      utimesSync(path, at, at);
      return path;
    }

    /** Audio chunks of a stream as a server stores them: 500 ms each, received `ageMs` ago. */
    async function seedAudioChunks(deviceId: string, streamId: string, samples: Int16Array, ageMs: number) {
      const pcm = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
      const receivedAt = Date.now() - ageMs;
      const step = 16_000; // bytes: 500 ms of 16 kHz, 16-bit mono
      for (let offset = 0, seq = 1; offset < pcm.length; offset += step, seq += 1) {
        const at = receivedAt - 60_000 + (seq - 1) * 500;
        await db.query(
          `INSERT INTO audio_chunks (user_id, device_id, stream_id, seq, captured_at, device_captured_at, received_at, pcm)
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7)`,
          [userId, deviceId, streamId, seq, at, receivedAt, pcm.subarray(offset, offset + step)],
        );
      }
    }

    beforeAll(async () => {
      database = await freshDatabaseUrl(SERVER_URL!);
      home = tempHome();
      // The user and two devices, made in this process; the processes below read them from the database.
      const config = loadConfig({ FAMILIAR_HOME: home, FAMILIAR_DATABASE_URL: database.url });
      const logger = createSilentLogger();
      const stores = await openStoresFor(config, { clock: systemClock, logger });
      const setup = openFamiliar(config, { logger, ...(stores ? { stores } : {}) });
      try {
        userId = (await setup.accounts.addUser({ name: 'ada', timezone: 'UTC' })).id;
        const phone = await setup.accounts.addDevice({ userName: 'ada', name: 'phone' });
        const glasses = await setup.accounts.addDevice({ userName: 'ada', name: 'glasses' });
        [phoneToken, glassesToken, phoneId, glassesId] = [
          phone.token,
          glasses.token,
          phone.device.id,
          glasses.device.id,
        ];
        // Pushes at any hour of the day the test runs, and no digest to count.
        await stores!.settings.set(userId, { quietHours: null, digestAt: null }, Date.now());
      } finally {
        await setup.close();
      }
      db = new pg.Pool({ connectionString: database.url, max: 2 });

      // What a crash left for the start-up tasks: an old media file no capture uses and a fresh one (an upload in
      // flight on another server); audio chunks a stopped server never sealed, and chunks another server is receiving.
      oldOrphan = orphanBlob(20 * 60_000);
      freshOrphan = orphanBlob(0);
      await seedAudioChunks(phoneId, 'mic-left', clips[2]!.samples, 10 * 60_000);
      await seedAudioChunks(glassesId, 'mic-live', silence, 0);

      // Two servers and two workers at once, on one database and one home.
      // Each is kept as soon as it is up, so that afterAll stops it even when another fails to start.
      const server = () =>
        startServerProcess(home, { ...env(), FAMILIAR_WORKERS: '0' }, { startMs: 60_000 }).then((started) => {
          servers.push(started);
        });
      const worker = () =>
        startWorkerProcess(home, env(), { args: ['--lease-ms', String(LEASE_MS)], startMs: 60_000 }).then(
          (started) => {
            workers.push(started);
          },
        );
      await Promise.all([server(), server(), worker(), worker()]);
    }, 120_000);

    afterAll(async () => {
      for (const device of devices) device.close();
      for (const child of [...servers, ...workers])
        if (child.child.exitCode === null) child.child.kill('SIGKILL');
      await Promise.all([...servers, ...workers].map((child) => child.exited));
      await db?.end();
      await database?.drop();
    }, 30_000);

    it('start-up tasks run once across servers starting together, and leave other servers’ work alone', async () => {
      // The abandoned stream became one capture (not one per server); the live one is still the other server's.
      const sealed = await db.query<{ stream_id: string; n: number }>(
        `SELECT stream_id, count(*)::int AS n FROM captures WHERE user_id = $1 AND stream_id LIKE 'mic-%'
       GROUP BY stream_id`,
        [userId],
      );
      expect(sealed.rows).toEqual([{ stream_id: 'mic-left', n: 1 }]);
      const waiting = await db.query<{ stream_id: string; n: number }>(
        'SELECT stream_id, count(*)::int AS n FROM audio_chunks GROUP BY stream_id',
      );
      expect(waiting.rows).toEqual([{ stream_id: 'mic-live', n: 6 }]);
      // The old orphan file was swept; the young one may be an upload whose row is not committed yet.
      expect(existsSync(oldOrphan)).toBe(false);
      expect(existsSync(freshOrphan)).toBe(true);
    });

    it('devices on both servers stream; a worker killed mid-job loses nothing; derived rows and the nudge exist once', async () => {
      const onA = (await RawDevice.connect(servers[0]!.url, phoneToken)).device;
      const onB = (await RawDevice.connect(servers[1]!.url, glassesToken)).device;
      devices.push(onA, onB);

      // Frames with text (read by tesseract.js in a worker), speech (heard by pocketsphinx), and notes, on both.
      const dir = tempHome('familiar-frames-');
      const frames: Array<[RawDevice, string, readonly [number, number]]> = [
        [onA, 'HARBOUR', [40, 40]],
        [onA, 'LANTERN', [980, 480]],
        [onA, 'ORCHARD', [40, 480]],
        [onB, 'MEADOW', [980, 40]],
        [onB, 'COPPER', [560, 480]],
        [onB, 'VIOLET', [560, 40]],
      ];
      const frameSeq = new Map<RawDevice, number>();
      const sent: Array<Promise<unknown>> = [];
      for (const [index, [device, word, block]] of frames.entries()) {
        const seq = (frameSeq.get(device) ?? 0) + 1;
        frameSeq.set(device, seq);
        const png = renderFrame(join(dir, `frame-${index}.png`), [word, `Platform ${index + 2}`], block);
        device.media('camera', seq, 'image/png', png);
        sent.push(acked(device, 'camera', seq));
      }
      // Speech, a LibriVox clip per device in 500 ms chunks: the server seals it into a capture once the device is quiet.
      const speakers = [
        [onA, clips[0]!],
        [onB, clips[1]!],
      ] as const;
      for (const [device, clip] of speakers) {
        const started = Date.now() - 60_000;
        let seq = 0;
        for (let offset = 0; offset < clip.samples.length; offset += 8_000) {
          seq += 1;
          const samples = clip.samples.subarray(offset, offset + 8_000);
          device.media(
            'mic',
            seq,
            PCM16_MEDIA_TYPE,
            new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength),
            started + (seq - 1) * 500,
          );
          sent.push(acked(device, 'mic', seq));
        }
      }
      const now = Date.now();
      const notes: Array<[RawDevice, string, number]> = [
        [onA, 'remind me in 2 hours to check the oven', now - 130 * 60_000],
        [onB, "I'll send Sam the deck tomorrow", now - 50 * 60_000],
        [onA, 'The boiler engineer said the pressure valve needs replacing', now - 40 * 60_000],
        [onB, 'Lunch with Priya at the Italian place on Market Street', now - 30 * 60_000],
      ];
      const noteIds: string[] = [];
      const noteSeq = new Map<RawDevice, number>();
      for (const [device, text, at] of notes) {
        const seq = (noteSeq.get(device) ?? 0) + 1;
        noteSeq.set(device, seq);
        const id = ulid();
        noteIds.push(id);
        device.json({
          type: 'observation',
          stream: 'notes',
          seq,
          observation: { id, modality: 'note', capturedAt: new Date(at).toISOString(), text },
        });
        sent.push(acked(device, 'notes', seq));
      }
      const acks = (await Promise.all(sent)) as Array<{ type: string; rejected?: unknown }>;
      expect(acks.every((ack) => ack.type === 'ack' && !ack.rejected)).toBe(true);

      // Kill whichever worker first holds the job of a capture a device streamed just now, while it holds it (its
      // lease owner names its pid).
      const pids = new Map(workers.map((worker) => [worker.child.pid!, worker]));
      const held = await waitFor('a worker to hold a job', 60_000, async () => {
        const { rows } = await db.query<{ id: string; name: string; owner: string }>(
          `SELECT j.id::text AS id, j.name, j.output->>'leaseOwner' AS owner FROM pgboss.job j
           JOIN captures c ON c.user_id = j.data->>'userId' AND c.id = j.data->'payload'->>'captureId'
           WHERE j.state = 'active' AND j.name LIKE 'perceive.%' AND c.stream_id IN ('camera', 'mic')
           ORDER BY j.started_on LIMIT 1`,
        );
        const row = rows[0];
        const pid = Number(/^worker:(\d+):/.exec(row?.owner ?? '')?.[1]);
        return row && pids.has(pid) ? { ...row, worker: pids.get(pid)! } : undefined;
      });
      const killedAt = Date.now();
      held.worker.child.kill('SIGKILL');
      expect((await held.worker.exited).signal).toBe('SIGKILL');
      const survivor = workers.find((worker) => worker !== held.worker)!;
      // Killed mid-job: the job is still leased to the dead worker, unfinished.
      const orphaned = await db.query<{ state: string; owner: string }>(
        `SELECT state::text AS state, output->>'leaseOwner' AS owner FROM pgboss.job WHERE id = $1::uuid`,
        [held.id],
      );
      expect(orphaned.rows[0]).toEqual({ state: 'active', owner: held.owner });

      // Every capture is perceived: the audio is sealed once the devices are quiet, and the survivor takes the dead
      // worker's job once its lease runs out.
      const expectedAudio = 1 + speakers.length; // the start-up's sealed leftovers, and one segment per device
      const jobs = await waitFor('every perception job to finish', 75_000, async () => {
        const { rows } = await db.query<{
          id: string;
          name: string;
          key: string;
          state: string;
          outcome: string | null;
          retries: number;
          owner: string | null;
        }>(
          `SELECT id::text AS id, name, singleton_key AS key, state::text AS state, output->>'outcome' AS outcome,
           retry_count AS retries, output->>'leaseOwner' AS owner
         FROM pgboss.job WHERE name LIKE 'perceive.%' AND data->>'userId' = $1`,
          [userId],
        );
        const images = rows.filter((row) => row.name === 'perceive.image').length;
        const audio = rows.filter((row) => row.name === 'perceive.audio').length;
        const done = rows.every((row) => row.state === 'completed');
        return done && images === frames.length && audio === expectedAudio ? rows : undefined;
      });
      // Each job succeeded, once per capture; the killed worker's job was run again, by the survivor.
      expect(jobs.map((job) => job.outcome)).toEqual(jobs.map(() => 'succeeded'));
      expect(new Set(jobs.map((job) => job.key)).size).toBe(jobs.length);
      const retried = jobs.find((job) => job.id === held.id)!;
      expect(retried.retries).toBeGreaterThanOrEqual(1);
      const recovered = await db.query<{ at: number }>(
        'SELECT round(extract(epoch FROM completed_on) * 1000)::float8 AS at FROM pgboss.job WHERE id = $1::uuid',
        [held.id],
      );
      console.log(
        `killed worker ${held.worker.child.pid} holding a ${retried.name} job; the survivor finished it ` +
          `${((recovered.rows[0]!.at - killedAt) / 1000).toFixed(1)} s later (lease ${LEASE_MS / 1000} s); ` +
          `${jobs.length} perception jobs, each succeeded once`,
      );
      expect(survivor.child.exitCode).toBeNull();

      // Each capture's derived rows exist once: one frame per image capture, with the text read; the utterances of
      // each audio capture once each.
      const captures = await db.query<{
        id: string;
        kind: string;
        status: string;
        frames: number;
        utterances: number;
      }>(
        `SELECT c.id, c.kind, c.status,
         (SELECT count(*)::int FROM observations o WHERE o.user_id = c.user_id AND o.capture_id = c.id
            AND o.modality = 'frame') AS frames,
         (SELECT count(*)::int FROM observations o WHERE o.user_id = c.user_id AND o.capture_id = c.id
            AND o.modality = 'utterance') AS utterances
       FROM captures c WHERE c.user_id = $1`,
        [userId],
      );
      expect(captures.rows.every((capture) => capture.status === 'processed')).toBe(true);
      const imageCaptures = captures.rows.filter((capture) => capture.kind === 'image');
      expect(imageCaptures.map((capture) => capture.frames)).toEqual(frames.map(() => 1));
      const audioCaptures = captures.rows.filter((capture) => capture.kind === 'audio');
      expect(audioCaptures).toHaveLength(expectedAudio);
      expect(audioCaptures.every((capture) => capture.utterances > 0)).toBe(true);
      const frameTexts = (
        await db.query<{ text: string }>(
          "SELECT text FROM observations WHERE user_id = $1 AND modality = 'frame'",
          [userId],
        )
      ).rows.map((row) => row.text.toUpperCase());
      for (const [, word] of frames)
        expect(
          frameTexts.some((text) => text.includes(word)),
          `${word} in ${frameTexts.join(' | ')}`,
        ).toBe(true);
      const twiceUtterances = await db.query(
        `SELECT capture_id, captured_at, count(*) FROM observations WHERE user_id = $1 AND modality = 'utterance'
       GROUP BY capture_id, captured_at HAVING count(*) > 1`,
        [userId],
      );
      expect(twiceUtterances.rows).toEqual([]);

      // No acknowledged observation is lost.
      const storedNotes = await db.query<{ id: string }>(
        'SELECT id FROM observations WHERE user_id = $1 AND id = ANY($2)',
        [userId, noteIds],
      );
      expect(storedNotes.rows.map((row) => row.id).sort()).toEqual([...noteIds].sort());

      // Memory and the assistant follow every observation once, whichever server caught up.
      await waitFor('memory and the assistant to catch up', 30_000, async () => {
        const { rows } = await db.query<{ stage: string; position: string; last: string }>(
          `SELECT stage, last_seq::text AS position, (SELECT max(seq)::text FROM observations WHERE user_id = $1) AS last
         FROM memory_cursors WHERE user_id = $1 AND stage IN ('facts', 'assistant')`,
          [userId],
        );
        return rows.length === 2 && rows.every((row) => row.position === row.last) ? true : undefined;
      });
      const twiceFacts = await db.query(
        `SELECT f.kind, f.statement, s.observation_seq, count(*) FROM facts f
       JOIN fact_sources s ON s.user_id = f.user_id AND s.fact_id = f.id
       WHERE f.user_id = $1 GROUP BY f.kind, f.statement, s.observation_seq HAVING count(*) > 1`,
        [userId],
      );
      expect(twiceFacts.rows).toEqual([]);
      const twiceVectors = await db.query(
        'SELECT observation_seq, count(*) FROM observation_vectors GROUP BY observation_seq HAVING count(*) > 1',
      );
      expect(twiceVectors.rows).toEqual([]);
      const episodes = await db.query<{ id: string; counted: number; members: number }>(
        `SELECT e.id, e.observation_count AS counted,
         (SELECT count(*)::int FROM observations o WHERE o.user_id = e.user_id AND o.episode_id = e.id) AS members
       FROM episodes e WHERE e.user_id = $1`,
        [userId],
      );
      expect(episodes.rows.length).toBeGreaterThan(0);
      for (const episode of episodes.rows) expect(episode.members).toBe(episode.counted);
      const items = await db.query<{ title: string; n: number }>(
        'SELECT title, count(*)::int AS n FROM inbox_items WHERE user_id = $1 GROUP BY title',
        [userId],
      );
      expect(Object.fromEntries(items.rows.map((row) => [row.title, row.n]))).toMatchObject({
        'Check the oven': 1,
        'Send Sam the deck': 1,
      });
      expect(items.rows.every((row) => row.n === 1)).toBe(true);

      // The reminder, due ten minutes ago: one notification, delivered to each device once across both servers.
      const pushed = await waitFor('the reminder to reach both devices', 20_000, async () => {
        const { rows } = await db.query<{ id: string }>(
          "SELECT id FROM notifications WHERE user_id = $1 AND title LIKE 'Check the oven%'",
          [userId],
        );
        const id = rows[0]?.id;
        const got = (device: RawDevice) =>
          device.received.filter((m) => m.type === 'notification' && m.id === id).length;
        return id && got(onA) > 0 && got(onB) > 0 ? id : undefined;
      });
      // A few more rounds of both followers and both hubs' polls push nothing more.
      await sleep(3_000);
      const received = (device: RawDevice) =>
        device.received.filter((m) => m.type === 'notification' && m.id === pushed).length;
      expect([received(onA), received(onB)]).toEqual([1, 1]);
      const notifications = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND title LIKE 'Check the oven%'",
        [userId],
      );
      expect(notifications.rows[0]!.n).toBe(1);
      const deliveries = await db.query<{ device_id: string }>(
        'SELECT device_id FROM notification_deliveries WHERE notification_id = $1 ORDER BY device_id',
        [pushed],
      );
      expect(deliveries.rows.map((row) => row.device_id)).toEqual([phoneId, glassesId].sort());
    }, 150_000);
  },
);
