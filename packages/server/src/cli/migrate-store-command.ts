import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { User } from '../accounts/index.ts';
import { type Familiar, openFamiliar } from '../app.ts';
import { type Config, loadConfig } from '../config.ts';
import {
  createLogger,
  createUlidGenerator,
  FamiliarError,
  systemClock,
  ValidationError,
} from '../kernel/index.ts';
import { perceiveJob } from '../memory/index.ts';
import { openSqliteDatabase } from '../storage/index.ts';
import { databaseKeyFor, openSqliteStores, openStoresFor, type Stores } from '../stores.ts';
import { type Output, table } from './output.ts';

/** What is counted on both sides after a user moved. */
const COUNTED = ['observations', 'captures', 'people', 'goals', 'inbox'] as const;
type Counts = Record<(typeof COUNTED)[number], number>;

interface DeviceRow {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: number;
  revoked_at: number | null;
  last_seen_at: number | null;
}

/** The URL without its password, for messages (and for FAMILIAR_DATABASE_URL advice). */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'the PostgreSQL server';
  }
}

/** An error whose message cannot carry the target's password. */
function scrubbed(error: unknown, url: string): unknown {
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {}
  if (!password || !(error instanceof Error)) return error;
  const clean = (text: string) => text.split(password).join('***');
  error.message = clean(error.message);
  if (error.stack) error.stack = clean(error.stack);
  return error;
}

async function countsOf(stores: Stores, userId: string): Promise<Counts> {
  return {
    observations: await stores.timeline.countObservations(userId),
    captures: (await stores.timeline.listCaptures(userId)).length,
    people: (await stores.people.list(userId)).length,
    goals: (await stores.goals.list(userId, { status: 'all' })).length,
    inbox: (await stores.inbox.list(userId, { statuses: 'all', limit: 1_000_000 })).length,
  };
}

/** Devices with their token hashes, read from the SQLite file itself (the account store never hands hashes out). */
function sourceDevices(databasePath: string, key: Uint8Array | null): DeviceRow[] {
  const db = openSqliteDatabase(databasePath, { key });
  try {
    return db
      .prepare<[], DeviceRow>(
        'SELECT id, user_id, name, token_hash, created_at, revoked_at, last_seen_at FROM devices ORDER BY created_at, id',
      )
      .all();
  } finally {
    db.close();
  }
}

/**
 * Moves one user: the account (same id) and devices (same token hashes, so tokens keep working), then everything
 * the archive carries through export → import, then the captures the archive leaves out (raw frames not yet
 * perceived, which stay on this machine anyway: the blobs directory is shared), queued for perception again.
 */
async function moveUser(
  user: User,
  devices: readonly DeviceRow[],
  source: { familiar: Familiar; stores: Stores },
  target: { familiar: Familiar; stores: Stores },
  scratch: string,
): Promise<{ devices: number; capturesQueued: number; imported: Record<string, unknown> }> {
  if (!(await target.stores.accounts.getUser(user.id))) await target.stores.accounts.createUser({ ...user });
  let devicesMoved = 0;
  for (const row of devices) {
    const existing = await target.stores.accounts.getDevice(user.id, row.id);
    if (existing) {
      if (row.revoked_at !== null && existing.revokedAt === null)
        await target.stores.accounts.revokeDevice(user.id, row.id, row.revoked_at);
      continue;
    }
    await target.stores.accounts.createDevice({
      id: row.id,
      userId: user.id,
      name: row.name,
      tokenHash: row.token_hash,
      createdAt: row.created_at,
      revokedAt: row.revoked_at,
      lastSeenAt: row.last_seen_at,
    });
    devicesMoved += 1;
  }
  // The "Open models only" switch goes too: moving must never loosen where the person's data may go.
  const modelSettings = await source.stores.modelSettings.get(user.id);
  if (modelSettings) await target.stores.modelSettings.set(modelSettings);
  const dir = join(scratch, user.id);
  await source.familiar.archive.exportDirectory(user, dir);
  const imported = await target.familiar.archive.importDirectory(dir, { userName: user.name });
  rmSync(dir, { recursive: true, force: true });
  let capturesQueued = 0;
  for (const capture of await source.stores.timeline.listCaptures(user.id)) {
    if (await target.stores.timeline.getCapture(user.id, capture.id)) continue;
    const bytes = await source.familiar.blobs.get(user.id, capture.sha256);
    if (!bytes) continue; // counted below: the verification shows the capture missing
    if (capture.status === 'pending')
      await target.stores.jobs.enqueue(perceiveJob(user.id, capture.id, capture.kind));
    await target.familiar.timeline.restoreCapture(user.id, capture, bytes);
    capturesQueued += capture.status === 'pending' ? 1 : 0;
  }
  return { devices: devicesMoved, capturesQueued, imported };
}

/**
 * `familiar migrate-store --to <postgres-url> [--user <name> | --all]`: copies users from the SQLite database in
 * FAMILIAR_HOME into PostgreSQL through the archive's export → import, with their devices and token hashes, then
 * compares counts. Idempotent; never deletes from the source; refuses a target that has another user of that name.
 */
export function registerMigrateStoreCommand(
  program: Command,
  deps: { env: NodeJS.ProcessEnv; outputFor: (command: Command) => Output },
): void {
  program
    .command('migrate-store')
    .description(
      'copy users (timeline, media records, people, goals, inbox, settings, devices) from the SQLite home into PostgreSQL',
    )
    .requiredOption('--to <url>', 'the PostgreSQL database, postgres://user:password@host:5432/database')
    .option('--user <name>', 'move this user (default: the only user)')
    .option('--all', 'move every user')
    .action(async (options: { to: string; user?: string; all?: boolean }, command: Command) => {
      const out = deps.outputFor(command);
      const to = options.to.trim();
      if (!/^postgres(ql)?:\/\/\S+$/.test(to))
        throw new ValidationError(
          '--to must be a PostgreSQL URL, postgres://user:password@host:5432/database',
        );
      if (options.user && options.all) throw new ValidationError('give --user <name> or --all, not both');
      const globals = command.optsWithGlobals<{ home?: string }>();
      const loaded = loadConfig(globals.home ? { ...deps.env, FAMILIAR_HOME: globals.home } : deps.env);
      // The source is always the embedded SQLite database, whatever FAMILIAR_DATABASE_URL says.
      const sourceConfig: Config = { ...loaded, databaseUrl: null };
      const targetConfig: Config = { ...loaded, databaseUrl: to };
      const databasePath = join(sourceConfig.home, 'familiar.db');
      if (!existsSync(databasePath))
        throw new ValidationError(
          `there is no SQLite database to move in ${sourceConfig.home} (familiar.db)`,
        );
      const shown = withoutPassword(to);
      const logger = createLogger({ level: loaded.logLevel === 'info' ? 'warn' : loaded.logLevel });
      const clock = systemClock;
      const newId = createUlidGenerator();

      const sourceStores = openSqliteStores(sourceConfig, { clock, newId });
      const source = {
        stores: sourceStores,
        familiar: openFamiliar(sourceConfig, { logger, clock, newId, stores: sourceStores }),
      };
      let target: { stores: Stores; familiar: Familiar } | null = null;
      const scratch = mkdtempSync(join(sourceConfig.home, '.migrate-store-'));
      try {
        const everyone = await source.familiar.accounts.listUsers();
        const users = options.all ? everyone : [await source.familiar.accounts.resolveUser(options.user)];
        if (users.length === 0) throw new ValidationError('there are no users to move');
        out.info(`Moving ${users.length} user${users.length === 1 ? '' : 's'} to ${shown}…`);
        let targetStores: Stores | undefined;
        try {
          targetStores = await openStoresFor(targetConfig, { clock, logger });
        } catch (error) {
          throw scrubbed(error, to);
        }
        if (!targetStores) throw new ValidationError('--to must name a PostgreSQL database');
        target = {
          stores: targetStores,
          familiar: openFamiliar(targetConfig, { logger, clock, newId, stores: targetStores }),
        };
        // Checked for every user before anything is written: a name taken by someone else stops the whole move.
        for (const user of users) {
          const there = await target.stores.accounts.getUserByName(user.name);
          if (there && there.id !== user.id)
            throw new FamiliarError(
              'already_exists',
              `the target already has a different user named "${user.name}" (id ${there.id}, here ${user.id}); nothing was moved`,
            );
        }
        const devices = sourceDevices(databasePath, databaseKeyFor(sourceConfig));
        const results: Array<{
          user: string;
          id: string;
          source: Counts;
          target: Counts;
          ok: boolean;
          devices: number;
          capturesQueued: number;
        }> = [];
        for (const [index, user] of users.entries()) {
          process.stderr.write(`[${index + 1}/${users.length}] ${user.name}: moving…\n`);
          const moved = await moveUser(
            user,
            devices.filter((row) => row.user_id === user.id),
            source,
            target,
            scratch,
          );
          const before = await countsOf(source.stores, user.id);
          const after = await countsOf(target.stores, user.id);
          const short = COUNTED.filter((what) => after[what] < before[what]);
          process.stderr.write(
            `[${index + 1}/${users.length}] ${user.name}: ${short.length === 0 ? 'done' : `MISSING ${short.join(', ')}`} (${after.observations} observations, ${after.captures} captures, ${moved.devices} devices added)\n`,
          );
          results.push({
            user: user.name,
            id: user.id,
            source: before,
            target: after,
            ok: short.length === 0,
            devices: moved.devices,
            capturesQueued: moved.capturesQueued,
          });
        }
        const ok = results.every((result) => result.ok);
        if (!ok && out.json)
          throw new FamiliarError(
            'storage_failed',
            'some counts are lower on the target: do not switch yet',
            {
              details: results.map(
                (result) =>
                  `${result.user}: ${JSON.stringify({ source: result.source, target: result.target })}`,
              ),
            },
          );
        const advice = `set FAMILIAR_DATABASE_URL=${shown} and restart (add the password back to the URL, or set PGPASSWORD)`;
        out.result({ to: shown, ok, users: results, next: advice }, () =>
          [
            table(
              ['USER', ...COUNTED.map((what) => what.toUpperCase()), 'STATE'],
              results.map((result) => [
                result.user,
                ...COUNTED.map((what) => `${result.source[what]} → ${result.target[what]}`),
                result.ok ? 'ok' : 'MISSING',
              ]),
            ),
            '',
            'Devices keep their tokens. Not moved: the audit log, voiceprints and face enrolments (enrol again),',
            'pending confirmations (they expire); facts, episodes and vectors are derived again on the target.',
            'The SQLite database was not changed (apart from an audit entry per export); media stay in this home.',
            ok
              ? `To switch: ${advice}.`
              : 'Some counts are lower on the target: do not switch yet; run it again.',
          ].join('\n'),
        );
        if (!ok)
          throw new FamiliarError('storage_failed', 'some counts are lower on the target: do not switch yet');
      } finally {
        rmSync(scratch, { recursive: true, force: true });
        await target?.familiar.close();
        await source.familiar.close();
      }
    });
}
