import type { Command } from 'commander';
import { openFamiliar } from '../app.ts';
import type { Config } from '../config.ts';
import { startWorker } from '../jobs/index.ts';
import { FamiliarError, type Logger, systemClock } from '../kernel/index.ts';
import { perceptionHandlers } from '../server.ts';
import { openStoresFor } from '../stores.ts';

/** What `familiar worker` says when the database is the embedded SQLite one. */
export const WORKER_NEEDS_POSTGRES =
  'familiar worker needs FAMILIAR_DATABASE_URL (PostgreSQL); with SQLite, `familiar start` runs the workers';

/**
 * `familiar worker`: the job workers (perception: hearing audio, seeing images) in a process of their own, on this
 * machine or another, without HTTP, until SIGINT or SIGTERM. Jobs come from the PostgreSQL job queue (pg-boss) that
 * every server and worker on the database shares; a job whose worker dies is leased again once its lease expires.
 * Media are read from FAMILIAR_HOME, which must be the storage the servers write to (a shared volume).
 */
export function registerWorkerCommand(
  program: Command,
  deps: { configFor(command: Command): Config; loggerFor(config: Config): Logger },
): void {
  program
    .command('worker')
    .description(
      'run the job workers (perception) without the HTTP API until Ctrl-C; needs FAMILIAR_DATABASE_URL (PostgreSQL) and the servers’ FAMILIAR_HOME (media)',
    )
    .option('--concurrency <n>', 'jobs this process runs at a time', '1')
    .action(async (options: { concurrency: string }, command: Command) => {
      const config = deps.configFor(command);
      if (!config.databaseUrl) throw new FamiliarError('invalid_config', WORKER_NEEDS_POSTGRES);
      const concurrency = Number(options.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
        throw new FamiliarError('invalid_input', '--concurrency must be a whole number from 1 to 64');
      const logger = deps.loggerFor(config);
      const stores = await openStoresFor(config, { clock: systemClock, logger });
      const familiar = openFamiliar(config, { logger, ...(stores ? { stores } : {}) });
      const handlers = perceptionHandlers(familiar);
      const worker = startWorker({
        queue: familiar.jobs,
        handlers,
        owner: `worker:${process.pid}:${familiar.newId()}`,
        logger,
        concurrency,
      });
      const where = new URL(config.databaseUrl);
      process.stderr.write(
        `Familiar worker running ${Object.keys(handlers).join(', ')} (${concurrency} at a time) on PostgreSQL at ${where.host}${where.pathname} (media in ${config.home})\n`,
      );
      process.stderr.write(`Speech recognition: ${familiar.audioEngines.asrStatus}.\n`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          process.stderr.write(`\n${signal} received: finishing the jobs in hand…\n`);
          resolve();
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
      try {
        await worker.stop();
      } finally {
        await familiar.close();
      }
      process.stderr.write('Familiar worker stopped cleanly.\n');
    });
}
