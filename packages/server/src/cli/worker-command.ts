import type { Command } from 'commander';
import { z } from 'zod';
import { openFamiliar } from '../app.ts';
import type { Config } from '../config.ts';
import { startWorker } from '../jobs/index.ts';
import { FamiliarError, type Logger, systemClock } from '../kernel/index.ts';
import { perceptionHandlers } from '../server.ts';
import { openStoresFor } from '../stores.ts';

/** What `familiar worker` says when the database is the embedded SQLite one. */
export const WORKER_NEEDS_POSTGRES =
  'familiar worker needs FAMILIAR_DATABASE_URL (PostgreSQL); with SQLite, `familiar start` runs the workers';

/** The default lease of a job a worker holds: renewed every third of it while the job runs. */
export const DEFAULT_WORKER_LEASE_MS = 60_000;

/**
 * `--lease-ms`: how long a job stays leased to this worker without a renewal, from 1 s to 1 h. A job whose worker dies
 * is leased again by another once this has passed, so a short lease recovers sooner and renews more often.
 */
const LeaseMsSchema = z.coerce
  .number({ message: '--lease-ms must be a number of milliseconds' })
  .int('--lease-ms must be a whole number of milliseconds')
  .min(1_000, '--lease-ms must be at least 1000 (1 s)')
  .max(3_600_000, '--lease-ms must be at most 3600000 (1 h)');

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
    .option(
      '--lease-ms <ms>',
      'how long a job stays leased without a renewal; a job whose worker dies is leased again after it',
      String(DEFAULT_WORKER_LEASE_MS),
    )
    .action(async (options: { concurrency: string; leaseMs: string }, command: Command) => {
      const config = deps.configFor(command);
      if (!config.databaseUrl) throw new FamiliarError('invalid_config', WORKER_NEEDS_POSTGRES);
      const concurrency = Number(options.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
        throw new FamiliarError('invalid_input', '--concurrency must be a whole number from 1 to 64');
      const lease = LeaseMsSchema.safeParse(options.leaseMs);
      if (!lease.success)
        throw new FamiliarError('invalid_input', lease.error.issues[0]?.message ?? '--lease-ms is not valid');
      const leaseMs = lease.data;
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
        leaseMs,
      });
      const where = new URL(config.databaseUrl);
      process.stderr.write(
        `Familiar worker running ${Object.keys(handlers).join(', ')} (${concurrency} at a time, lease ${leaseMs / 1000} s) on PostgreSQL at ${where.host}${where.pathname} (media in ${config.home})\n`,
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
