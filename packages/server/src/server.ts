import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type Familiar, openFamiliar } from './app.ts';
import type { Config } from './config.ts';
import { createHttpApp } from './http/index.ts';
import { startWorker } from './jobs/index.ts';
import { FamiliarError, type Logger } from './kernel/index.ts';

/** A running server: its address, and a clean shutdown. */
export interface RunningServer {
  url: string;
  port: number;
  familiar: Familiar;
  close(): Promise<void>;
}

/** Opens the data directory, serves the HTTP API and runs the job workers; resolves once listening. */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const familiar = openFamiliar(config, { logger });
  await familiar.timeline.sweepOrphanBlobs((await familiar.accounts.listUsers()).map((user) => user.id));
  const app = createHttpApp(familiar);
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
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    familiar,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          if ('closeIdleConnections' in server) server.closeIdleConnections();
        });
        await worker.stop();
        familiar.close();
      })();
      return closing;
    },
  };
}
