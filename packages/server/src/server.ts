import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Modality } from '@familiar/protocol';
import { serve } from '@hono/node-server';
import { ASSISTANT_LOCK, type Familiar, openFamiliar, UNDERSTANDING_LOCK } from './app.ts';
import type { Config } from './config.ts';
import { createHttpApp } from './http/index.ts';
import { type JobHandler, startWorker } from './jobs/index.ts';
import { type Clock, FamiliarError, type Logger, systemClock } from './kernel/index.ts';
import { nextTurn, perceiveJobType } from './memory/index.ts';
import { createInProcessUserLocks, type UserLocks } from './storage/user-locks.ts';
import { openStoresFor } from './stores.ts';
import {
  type AudioSegmenter,
  attachStreamServer,
  createAudioSegmenter,
  createDeviceHub,
  createStreamWriter,
  type DeviceHub,
  type HubOptions,
} from './stream/index.ts';

/**
 * The lock start-up maintenance runs under (orphan media sweep, sealing audio a crash left, requeueing captures a crash
 * left unqueued), held for every user at once: with several servers on one PostgreSQL database, one server does it and
 * a server starting meanwhile leaves it to that one.
 */
export const STARTUP_LOCK = 'startup';
/** The lock retention runs under, for every user at once, so two servers never expire the same media together. */
export const RETENTION_LOCK = 'retention';
/** The lock the periodic sealing of abandoned audio runs under (PostgreSQL). */
export const LEFTOVER_AUDIO_LOCK = 'audio-leftovers';
/** The user id of locks held for every user at once. */
const EVERY_USER = '*';
/**
 * How long a stream's oldest waiting audio chunk must have waited before a server seals it without being told by its
 * own device: a server receiving a stream seals its chunks within about 30 s (a full segment) or 2 s of quiet, so
 * chunks older than this were left by a server that stopped. On PostgreSQL another server may be receiving the
 * stream right now, and sealing the same chunks twice at once would hear them twice.
 */
export const ABANDONED_AUDIO_MS = 120_000;

/** A running server: its address, and a clean shutdown. */
export interface RunningServer {
  url: string;
  port: number;
  familiar: Familiar;
  hub: DeviceHub;
  /** Runs one round of the memory and assistant follower now (the timer runs it every `memoryIntervalMs`). */
  catchUp(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The job handlers of perception as a server or `familiar worker` runs them: one per capture kind it can read; other
 * captures wait, queued, until it can.
 */
export function perceptionHandlers(familiar: Familiar): Record<string, JobHandler> {
  const handlers: Record<string, JobHandler> = {};
  if (familiar.audioPerception) handlers[perceiveJobType('audio')] = familiar.audioPerception.handle;
  handlers[perceiveJobType('image')] = familiar.imagePerception.handle;
  return handlers;
}

/** Options of `startServer`. */
export interface ServerOptions {
  hub?: Partial<HubOptions>;
  clock?: Clock;
  /**
   * Whether this process runs the job workers (perception); default true. False for a server that leaves them to
   * `familiar worker` processes on the same PostgreSQL database (`familiar start --no-workers`, FAMILIAR_WORKERS=0).
   */
  workers?: boolean;
  /** Serve HTTPS (and the device stream as wss) with this key and certificate (`familiar start --https`). */
  tls?: { key: string; cert: string };
}

/** Opens the data directory, serves the HTTP API and runs the job workers; resolves once listening. */
export async function startServer(
  config: Config,
  logger: Logger,
  options: ServerOptions = {},
): Promise<RunningServer> {
  // The database: PostgreSQL when FAMILIAR_DATABASE_URL names one, else SQLite in FAMILIAR_HOME.
  const stores = await openStoresFor(config, { clock: options.clock ?? systemClock, logger });
  const familiar = openFamiliar(config, {
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(stores ? { stores } : {}),
  });
  // Per-user passes run one at a time for a user: across every server on a PostgreSQL database, in process on SQLite.
  const locks = stores?.locks ?? createInProcessUserLocks();
  const userIds = (await familiar.accounts.listUsers()).map((user) => user.id);
  // On SQLite this process is the only server of the home, so every leftover chunk is a crash's; on PostgreSQL only
  // chunks that waited past ABANDONED_AUDIO_MS are, and the rest belong to streams another server is receiving.
  const sharedDatabase = stores?.kind === 'postgres';
  let hubRef: DeviceHub | null = null;
  const app = createHttpApp({
    ...familiar,
    onCaptureState: (userId, state) => hubRef?.broadcastState(userId, state),
  });
  const segmenter = createAudioSegmenter({
    store: familiar.timelineStore,
    blobs: familiar.blobs,
    jobs: familiar.jobs,
    clock: familiar.clock,
    newId: familiar.newId,
    logger,
  });
  // Media files a crash left without a capture are deleted (files younger than 10 minutes are uploads in flight, on
  // any server); audio a crash left as chunks becomes captures before new audio arrives; captures a crash left
  // unqueued are queued. One server at a time: with several on one database, one sweeps and the others skip it.
  await locks.withUserLock(STARTUP_LOCK, EVERY_USER, async () => {
    await familiar.timeline.sweepOrphanBlobs(userIds);
    await sealLeftoverAudio(familiar, segmenter, sharedDatabase ? ABANDONED_AUDIO_MS : null);
    await familiar.timeline.requeuePendingCaptures(userIds);
  });
  const writer = createStreamWriter({
    store: familiar.timelineStore,
    blobs: familiar.blobs,
    jobs: familiar.jobs,
    clock: familiar.clock,
    newId: familiar.newId,
    logger,
    onAudioStored: (chunk) => segmenter.chunkStored(chunk),
  });
  const hub = createDeviceHub({
    accounts: familiar.accounts,
    audit: familiar.audit,
    store: familiar.timelineStore,
    writer,
    segmenter,
    privacy: familiar.privacy,
    notifier: familiar.notifier,
    ask: familiar.ask,
    chat: familiar.chat,
    mediaLinks: familiar.mediaLinks,
    clock: familiar.clock,
    newId: familiar.newId,
    logger,
    ...(options.hub ? { options: options.hub } : {}),
  });
  hubRef = hub;
  // Perception registers a job handler per capture kind it can read; other captures wait, queued, until it can.
  const worker =
    options.workers === false
      ? { stop: async () => {}, drain: async () => {} }
      : startWorker({
          queue: familiar.jobs,
          handlers: perceptionHandlers(familiar),
          owner: `server:${process.pid}:${familiar.newId()}`,
          logger,
        });
  const retention = startRetention(familiar, locks, logger);
  // On PostgreSQL a server that stopped without sealing its streams' audio is not this one: another seals it later.
  const leftovers = sharedDatabase ? startLeftoverAudioSweep(familiar, segmenter, locks, logger) : null;
  const follower = startMemoryFollower(familiar, hub, locks, logger);
  let server: ReturnType<typeof serve>;
  try {
    server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const listen = { fetch: app.fetch, port: config.port, hostname: config.host };
      const instance = options.tls
        ? serve(
            {
              ...listen,
              createServer: createHttpsServer,
              serverOptions: { key: options.tls.key, cert: options.tls.cert },
            },
            () => resolve(instance),
          )
        : serve(listen, () => resolve(instance));
      instance.once('error', reject);
    });
  } catch (cause) {
    clearInterval(retention);
    if (leftovers) clearInterval(leftovers);
    await follower.stop();
    await hub.close();
    await worker.stop();
    await familiar.close();
    if ((cause as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new FamiliarError(
        'address_in_use',
        `port ${config.port} on ${config.host} is already in use: stop the other process or set FAMILIAR_PORT`,
        { cause },
      );
    }
    throw cause;
  }
  const stream = attachStreamServer(server as Server, hub);
  const port = (server.address() as AddressInfo).port;
  const url = `${options.tls ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    familiar,
    hub,
    catchUp: () => follower.runNow(),
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        if ('closeIdleConnections' in server) server.closeIdleConnections();
        await stream.close();
        await closed;
        clearInterval(retention);
        if (leftovers) clearInterval(leftovers);
        await follower.stop();
        await worker.stop();
        await familiar.close();
      })();
      return closing;
    },
  };
}

/**
 * Seals the audio chunks waiting in the store into captures, each queued for hearing: every stream's (`olderThanMs`
 * null), or only streams whose oldest chunk has waited at least `olderThanMs`. Returns how many streams it sealed.
 */
export async function sealLeftoverAudio(
  familiar: Familiar,
  segmenter: AudioSegmenter,
  olderThanMs: number | null,
): Promise<number> {
  let sealed = 0;
  for (const stream of await familiar.timelineStore.pendingAudioStreams()) {
    if (olderThanMs !== null) {
      const [oldest] = await familiar.timelineStore.audioChunks(stream.deviceId, stream.streamId, 1);
      if (!oldest || familiar.clock.now() - oldest.receivedAt < olderThanMs) continue;
    }
    await segmenter.flush(stream.userId, stream.deviceId, stream.streamId);
    sealed += 1;
  }
  return sealed;
}

/** Every half of ABANDONED_AUDIO_MS, seals audio no server has sealed in time (a server stopped), one server at a time. */
function startLeftoverAudioSweep(
  familiar: Familiar,
  segmenter: AudioSegmenter,
  locks: UserLocks,
  logger: Logger,
): NodeJS.Timeout {
  const timer = setInterval(() => {
    locks
      .withUserLock(LEFTOVER_AUDIO_LOCK, EVERY_USER, () =>
        sealLeftoverAudio(familiar, segmenter, ABANDONED_AUDIO_MS),
      )
      .then((sealed) => {
        if (sealed) logger.info({ streams: sealed }, 'sealed audio another server left behind');
      })
      .catch((error) => logger.error({ err: error }, 'could not seal leftover audio'));
  }, ABANDONED_AUDIO_MS / 2);
  timer.unref();
  return timer;
}

/**
 * Retention, now and every hour: raw audio past FAMILIAR_AUDIO_RETENTION_DAYS (transcripts stay), and observations of
 * each modality past FAMILIAR_RETENTION (with what memory derived only from them). One server at a time: a server that
 * finds another running it skips this round.
 */
function startRetention(familiar: Familiar, locks: UserLocks, logger: Logger): NodeJS.Timeout {
  const days = familiar.config.audioRetentionDays;
  const run = async () => {
    const users = await familiar.accounts.listUsers();
    if (days !== null) {
      const expired = await familiar.timeline.expireMedia(
        users.map((user) => user.id),
        'audio',
        days,
      );
      if (expired > 0)
        logger.info({ expired, days }, 'raw audio past its retention deleted; transcripts kept');
    }
    for (const [modality, keepDays] of Object.entries(familiar.config.retention) as Array<
      [Modality, number]
    >) {
      const beforeMs = familiar.clock.now() - keepDays * 86_400_000;
      for (const user of users) {
        const result = await familiar.timeline.forget(
          { userId: user.id, deviceId: null, label: 'retention' },
          { kind: 'expired', modality, beforeMs },
        );
        if (result.observations > 0)
          logger.info(
            { user: user.name, modality, days: keepDays, ...result },
            'observations past their retention forgotten',
          );
      }
    }
  };
  const runOnce = () =>
    locks
      .withUserLock(RETENTION_LOCK, EVERY_USER, run)
      .catch((error) => logger.error({ err: error }, 'audio retention failed'));
  void runOnce();
  const timer = setInterval(runOnce, 3_600_000);
  timer.unref();
  return timer;
}

/**
 * How far one round of the follower takes each user's memory (observations per stage, then vector batches) before the
 * assistant follows it and the next user gets a turn. The understanding pass lets requests run between its slices,
 * but the assistant's pass over the same observations does not yet, so a round is kept small: at most this many
 * observations are read by the assistant without a break.
 */
export const MEMORY_ROUND = { observations: 200, embeddingBatches: 4 } as const;

/**
 * Keeps memory and the assistant up to date: every `memoryIntervalMs` each user's new observations become facts,
 * episodes and vectors, then commitments, goal progress and nudges; reminders that are due are pushed to devices.
 * A backlog (a busy ingest, a restart) is followed in rounds of MEMORY_ROUND, one user after another, round after
 * round until every user is caught up; requests keep being answered meanwhile. At start it also finishes what a crash
 * may have cut short after a forget (facts left without sources).
 */
function startMemoryFollower(
  familiar: Familiar,
  hub: DeviceHub,
  locks: UserLocks,
  logger: Logger,
): { stop(): Promise<void>; runNow(): Promise<void> } {
  let inFlight: Promise<void> = Promise.resolve();
  /** Whether a tick waits behind the one in flight: it sees all that was written before it starts, so one is enough. */
  let queued = false;
  let stopped = false;
  // Each pass holds the user's lock: with several servers on one database, a user another server is catching up
  // is skipped here (it is caught up there, or next round), so no observation is read twice at once and no reminder
  // is pushed twice. Notifications another server pushed reach this server's devices through the hub's poll.
  // Returns whether some user's memory is still behind.
  const round = async (): Promise<boolean> => {
    let behind = false;
    for (const user of await familiar.accounts.listUsers()) {
      if (stopped) return false;
      const result = await locks.withUserLock(UNDERSTANDING_LOCK, user.id, () =>
        familiar.understanding.catchUp(
          { id: user.id, timezone: user.timezone },
          { maxObservations: MEMORY_ROUND.observations, maxEmbeddingBatches: MEMORY_ROUND.embeddingBatches },
        ),
      );
      if (result?.pending) behind = true;
      if (result && (result.observations > 0 || result.embedded > 0))
        logger.debug({ user: user.name, ...result }, 'memory caught up');
      // The assistant follows memory: new commitments, progress and completions, then reminders and nudges due.
      const assisted = await locks.withUserLock(ASSISTANT_LOCK, user.id, () =>
        familiar.assistant.catchUp({ id: user.id, timezone: user.timezone }),
      );
      if (assisted && assisted.pushed > 0) await hub.deliverNotifications(user.id);
    }
    return behind;
  };
  const tick = async () => {
    queued = false;
    while (!stopped && (await round())) {
      // Round after round while memory is behind; timers and requests run between rounds too.
      await nextTurn();
    }
  };
  const run = () => {
    if (queued) return;
    queued = true;
    inFlight = inFlight
      .then(tick)
      .catch((error) => logger.error({ err: error }, 'memory could not catch up; it will try again'));
  };
  inFlight = (async () => {
    for (const user of await familiar.accounts.listUsers())
      await locks.withUserLock(UNDERSTANDING_LOCK, user.id, () =>
        familiar.understanding.afterForget(user.id),
      );
  })().catch((error) => logger.error({ err: error }, 'memory sweep after a restart failed'));
  run();
  const timer = setInterval(run, familiar.config.memoryIntervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await inFlight;
    },
    async runNow() {
      run();
      await inFlight;
    },
  };
}
