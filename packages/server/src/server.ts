import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type Familiar, openFamiliar } from './app.ts';
import type { Config } from './config.ts';
import { createHttpApp } from './http/index.ts';
import { startWorker } from './jobs/index.ts';
import { FamiliarError, type Logger } from './kernel/index.ts';
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
  close(): Promise<void>;
}

/** Opens the data directory, serves the HTTP API and runs the job workers; resolves once listening. */
export async function startServer(
  config: Config,
  logger: Logger,
  options: { hub?: Partial<HubOptions> } = {},
): Promise<RunningServer> {
  const familiar = openFamiliar(config, { logger });
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
    mediaLinks: familiar.mediaLinks,
    clock: familiar.clock,
    newId: familiar.newId,
    logger,
    ...(options.hub ? { options: options.hub } : {}),
  });
  hubRef = hub;
  // Perception and extraction register their job handlers here as they land; until then captures wait, queued.
  const worker = startWorker({ queue: familiar.jobs, handlers: {}, owner: `server:${process.pid}`, logger });
  let server: ReturnType<typeof serve>;
  try {
    server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const instance = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () =>
        resolve(instance),
      );
      instance.once('error', reject);
    });
  } catch (cause) {
    await hub.close();
    await worker.stop();
    familiar.close();
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
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        if ('closeIdleConnections' in server) server.closeIdleConnections();
        await stream.close();
        await closed;
        await worker.stop();
        familiar.close();
      })();
      return closing;
    },
  };
}
