import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Modality } from '@familiar/protocol';
import { serve } from '@hono/node-server';
import { ASSISTANT_LOCK, type Familiar, openFamiliar, UNDERSTANDING_LOCK } from './app.ts';
import type { Config } from './config.ts';
import { createHttpApp } from './http/index.ts';
import { type JobHandler, startWorker } from './jobs/index.ts';
import { type Clock, FamiliarError, type Logger, systemClock } from './kernel/index.ts';
import { perceiveJobType } from './memory/index.ts';
import { createInProcessUserLocks, type UserLocks } from './storage/user-locks.ts';
import { openStoresFor } from './stores.ts';
import {
  attachStreamServer,
  createAudioSegmenter,
  createDeviceHub,
  createStreamWriter,
  type DeviceHub,
  type HubOptions,
} from './stream/index.ts';

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
  await familiar.timeline.sweepOrphanBlobs(userIds);
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
  // Audio a crash left as chunks becomes captures before new audio arrives; captures a crash left unqueued are queued.
  await segmenter.flushAll();
  await familiar.timeline.requeuePendingCaptures(userIds);
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
  const retention = startRetention(familiar, logger);
  const follower = startMemoryFollower(familiar, hub, locks, logger);
  let server: ReturnType<typeof serve>;
  try {
    server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const instance = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () =>
        resolve(instance),
      );
      instance.once('error', reject);
    });
  } catch (cause) {
    clearInterval(retention);
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
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
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
        await follower.stop();
        await worker.stop();
        await familiar.close();
      })();
      return closing;
    },
  };
}

/**
 * Retention, now and every hour: raw audio past FAMILIAR_AUDIO_RETENTION_DAYS (transcripts stay), and observations of
 * each modality past FAMILIAR_RETENTION (with what memory derived only from them).
 */
function startRetention(familiar: Familiar, logger: Logger): NodeJS.Timeout {
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
  run().catch((error) => logger.error({ err: error }, 'audio retention failed'));
  const timer = setInterval(() => {
    run().catch((error) => logger.error({ err: error }, 'audio retention failed'));
  }, 3_600_000);
  timer.unref();
  return timer;
}

/**
 * Keeps memory and the assistant up to date: every `memoryIntervalMs` each user's new observations become facts,
 * episodes and vectors, then commitments, goal progress and nudges; reminders that are due are pushed to devices.
 * At start it also finishes what a crash may have cut short after a forget (facts left without sources).
 */
function startMemoryFollower(
  familiar: Familiar,
  hub: DeviceHub,
  locks: UserLocks,
  logger: Logger,
): { stop(): Promise<void>; runNow(): Promise<void> } {
  let inFlight: Promise<void> = Promise.resolve();
  let stopped = false;
  // Each pass holds the user's lock: with several servers on one database, a user another server is catching up
  // is skipped here (it is caught up there, or next round), so no observation is read twice at once and no reminder
  // is pushed twice. Notifications another server pushed reach this server's devices through the hub's poll.
  const tick = async () => {
    for (const user of await familiar.accounts.listUsers()) {
      if (stopped) return;
      const result = await locks.withUserLock(UNDERSTANDING_LOCK, user.id, () =>
        familiar.understanding.catchUp({ id: user.id, timezone: user.timezone }),
      );
      if (result && (result.observations > 0 || result.embedded > 0))
        logger.debug({ user: user.name, ...result }, 'memory caught up');
      // The assistant follows memory: new commitments, progress and completions, then reminders and nudges due.
      const assisted = await locks.withUserLock(ASSISTANT_LOCK, user.id, () =>
        familiar.assistant.catchUp({ id: user.id, timezone: user.timezone }),
      );
      if (assisted && assisted.pushed > 0) await hub.deliverNotifications(user.id);
    }
  };
  const run = () => {
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
