import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import PgBoss from 'pg-boss';
import {
  type AccountStore,
  createPostgresAccountStore,
  createPostgresWebAuthStore,
  createSqliteAccountStore,
  createSqliteWebAuthStore,
  type WebAuthStore,
} from './accounts/index.ts';
import {
  type ActionStore,
  createPostgresActionStore,
  createPostgresGoalStore,
  createPostgresInboxStore,
  createPostgresNotificationStore,
  createPostgresSettingsStore,
  createSqliteActionStore,
  createSqliteGoalStore,
  createSqliteInboxStore,
  createSqliteNotificationStore,
  createSqliteSettingsStore,
  type NotificationStore,
  type PrunableGoalStore,
} from './assistant/index.ts';
import type { InboxStore, SettingsStore } from './assistant/types.ts';
import { type AuditLog, createPostgresAuditLog, createSqliteAuditLog } from './audit/index.ts';
import { type BlobStore, createBlobCipher, createFsBlobStore } from './blobs/index.ts';
import type { Config } from './config.ts';
import { assertNoRotationInProgress, atRestKeys } from './encryption/index.ts';
import { createPgBossJobQueue, createSqliteJobQueue, type JobQueue } from './jobs/index.ts';
import type { Clock, IdGenerator, Logger } from './kernel/index.ts';
import {
  createPostgresEpisodeStore,
  createPostgresFactStore,
  createPostgresMemoryCursors,
  createPostgresPeopleStore,
  createPostgresTimelineStore,
  createPostgresVectorIndex,
  createSqliteEpisodeStore,
  createSqliteFactStore,
  createSqliteMemoryCursors,
  createSqlitePeopleStore,
  createSqliteTimelineStore,
  createSqliteVectorIndex,
  type EpisodeStore,
  type FactStore,
  type MemoryCursors,
  type PeopleStore,
  type TimelineStore,
  type VectorIndex,
} from './memory/index.ts';
import {
  createPostgresModelSettingsStore,
  createSqliteModelSettingsStore,
  type ModelSettingsStore,
} from './models/index.ts';
import {
  createPostgresVoiceprintStore,
  createSqliteVoiceprintStore,
  type VoiceprintStore,
} from './perception/index.ts';
import {
  type CaptureStateStore,
  createPostgresCaptureStateStore,
  createSqliteCaptureStateStore,
} from './safety/index.ts';
import { openPostgresDatabase, openSqliteDatabase, type PostgresClient } from './storage/index.ts';
import { createInProcessUserLocks, createPostgresUserLocks, type UserLocks } from './storage/user-locks.ts';

/**
 * Every store Familiar keeps its data in, behind their ports: one database's adapters, chosen once at start (SQLite,
 * embedded, by default; PostgreSQL when `FAMILIAR_DATABASE_URL` names one). The services never know which.
 */
export interface Stores {
  kind: 'sqlite' | 'postgres';
  timeline: TimelineStore;
  people: PeopleStore;
  audit: AuditLog;
  jobs: JobQueue;
  accounts: AccountStore;
  /** The web app's passphrases, browser sessions and pairing codes. */
  webAuth: WebAuthStore;
  facts: FactStore;
  episodes: EpisodeStore;
  vectors: VectorIndex;
  cursors: MemoryCursors;
  goals: PrunableGoalStore;
  inbox: InboxStore;
  settings: SettingsStore;
  actions: ActionStore;
  notifications: NotificationStore;
  captureState: CaptureStateStore;
  /** Each person's model settings ("Open models only"). */
  modelSettings: ModelSettingsStore;
  voiceprints: VoiceprintStore;
  /**
   * Per-user locks for the passes that must not run twice at once for one user (understanding, assistant): across
   * processes on a PostgreSQL server, within the process on SQLite (one server owns a home).
   */
  locks: UserLocks;
  /** Deletes a user's pending actions and assistant settings (forget everything). */
  forgetAssistantRows(userId: string): Promise<void>;
  /** Bytes the database takes on this machine, or null when it lives on a server. */
  databaseBytes(): number | null;
  close(): Promise<void>;
}

/** The file of the embedded SQLite database in FAMILIAR_HOME. */
export function sqliteDatabasePath(config: Config): string {
  return join(config.home, 'familiar.db');
}

/**
 * The key the SQLite database is encrypted with (derived from FAMILIAR_KEY or FAMILIAR_KEY_FILE), or null when
 * encryption at rest is off. Pass it as `openSqliteDatabase(path, { key })`. Refuses while a key rotation is
 * unfinished.
 */
export function databaseKeyFor(config: Config): Uint8Array | null {
  if (!config.encryption) return null;
  assertNoRotationInProgress(config.home);
  return atRestKeys(config.encryption, config.home).database;
}

/**
 * The media blob store in `<FAMILIAR_HOME>/blobs` (whatever the database): sealed with AES-256-GCM under names from a
 * keyed hash when a key is configured, plain otherwise. Refuses while a key rotation is unfinished.
 */
export function openBlobStore(config: Config): BlobStore {
  const root = join(config.home, 'blobs');
  if (!config.encryption) return createFsBlobStore({ root });
  assertNoRotationInProgress(config.home);
  const keys = atRestKeys(config.encryption, config.home);
  return createFsBlobStore({
    root,
    cipher: createBlobCipher({ contentKey: keys.blobContent, nameKey: keys.blobNames, keyId: keys.keyId }),
  });
}

/** One line on encryption at rest for `familiar status` and the start-up banner (never the key). */
export function describeEncryption(config: Config): string {
  const setting = config.encryption;
  if (!setting)
    return config.databaseUrl
      ? 'off (set FAMILIAR_KEY to encrypt media; the PostgreSQL server encrypts its own disk)'
      : 'off (set FAMILIAR_KEY or FAMILIAR_KEY_FILE to encrypt the database and media)';
  const keys = atRestKeys(setting, config.home);
  const from = setting.file ? `${setting.source} ${setting.file}` : setting.source;
  const what = config.databaseUrl
    ? 'media (the PostgreSQL server encrypts its own disk)'
    : 'database and media';
  return `on for the ${what}: key ${keys.keyId} from ${from} (${setting.kind === 'raw' ? '256-bit key' : 'passphrase, scrypt'})`;
}

/** The embedded SQLite database in FAMILIAR_HOME (created and migrated on first use; encrypted with a key). */
export function openSqliteStores(config: Config, deps: { clock: Clock; newId: IdGenerator }): Stores {
  const { clock, newId } = deps;
  const databasePath = sqliteDatabasePath(config);
  const key = databaseKeyFor(config);
  const db = openSqliteDatabase(databasePath, { key });
  // Audit records go through their own connection with synchronous=NORMAL: durable across a crash of the process
  // (WAL; only an OS crash or power cut can lose the last few), and reads (ask, list) do not pay an fsync each.
  const auditDb = openSqliteDatabase(databasePath, { synchronous: 'NORMAL', key });
  const fileSize = (path: string) => (existsSync(path) ? statSync(path).size : 0);
  return {
    kind: 'sqlite',
    timeline: createSqliteTimelineStore(db),
    people: createSqlitePeopleStore(db),
    audit: createSqliteAuditLog(auditDb),
    jobs: createSqliteJobQueue(db, { clock, newId }),
    accounts: createSqliteAccountStore(db),
    webAuth: createSqliteWebAuthStore(db),
    facts: createSqliteFactStore(db),
    episodes: createSqliteEpisodeStore(db),
    vectors: createSqliteVectorIndex(db),
    cursors: createSqliteMemoryCursors(db),
    goals: createSqliteGoalStore(db),
    inbox: createSqliteInboxStore(db),
    settings: createSqliteSettingsStore(db),
    actions: createSqliteActionStore(db, { clock }),
    notifications: createSqliteNotificationStore(db),
    captureState: createSqliteCaptureStateStore(db),
    modelSettings: createSqliteModelSettingsStore(db),
    voiceprints: createSqliteVoiceprintStore(db),
    locks: createInProcessUserLocks(),
    async forgetAssistantRows(userId) {
      db.transaction(() => {
        db.prepare('DELETE FROM pending_actions WHERE user_id = ?').run(userId);
        db.prepare('DELETE FROM assistant_settings WHERE user_id = ?').run(userId);
      }).immediate();
    },
    databaseBytes: () => fileSize(databasePath) + fileSize(`${databasePath}-wal`),
    async close() {
      auditDb.close();
      db.close();
    },
  };
}

/**
 * The stores on a PostgreSQL database (already migrated: see `openPostgresDatabase`), with the job queue given
 * (pg-boss, behind the JobQueue port). Vector search uses pgvector's HNSW index when the extension is installed and
 * says so at start; otherwise a full scan, and the log says how to get the index. `locks` default to in-process ones
 * (right for PGlite, which has one connection); on a server, `openStoresFor` passes advisory locks that hold across
 * processes.
 */
export async function openPostgresStores(
  client: PostgresClient,
  deps: {
    clock: Clock;
    jobs: JobQueue & { close?(): Promise<void> };
    logger: Logger;
    locks?: UserLocks & { close?(): Promise<void> };
  },
): Promise<Stores> {
  const { clock, jobs, logger } = deps;
  const vectors = createPostgresVectorIndex(client, { pgvector: 'auto' });
  const vectorSearch = await vectors.describe();
  if (vectorSearch.mode === 'hnsw') logger.info(vectorSearch.message);
  else logger.warn(vectorSearch.message);
  return {
    kind: 'postgres',
    timeline: createPostgresTimelineStore(client),
    people: createPostgresPeopleStore(client),
    audit: createPostgresAuditLog(client),
    jobs,
    accounts: createPostgresAccountStore(client),
    webAuth: createPostgresWebAuthStore(client),
    facts: createPostgresFactStore(client),
    episodes: createPostgresEpisodeStore(client),
    vectors,
    cursors: createPostgresMemoryCursors(client),
    goals: createPostgresGoalStore(client),
    inbox: createPostgresInboxStore(client),
    settings: createPostgresSettingsStore(client),
    actions: createPostgresActionStore(client, { clock }),
    notifications: createPostgresNotificationStore(client),
    captureState: createPostgresCaptureStateStore(client),
    modelSettings: createPostgresModelSettingsStore(client),
    voiceprints: createPostgresVoiceprintStore(client),
    locks: deps.locks ?? createInProcessUserLocks(),
    async forgetAssistantRows(userId) {
      await client.transaction(async (tx) => {
        await tx.query('DELETE FROM pending_actions WHERE user_id = $1', [userId]);
        await tx.query('DELETE FROM assistant_settings WHERE user_id = $1', [userId]);
      });
    },
    databaseBytes: () => null,
    async close() {
      await jobs.close?.();
      await deps.locks?.close?.();
      await client.close();
    },
  };
}

/**
 * The stores `config` asks for: PostgreSQL (migrated, with pg-boss started for the job queue) when
 * `FAMILIAR_DATABASE_URL` is set, else undefined (the composition root then opens SQLite in FAMILIAR_HOME). Errors
 * name the server, never the password.
 */
export async function openStoresFor(
  config: Config,
  deps: { clock: Clock; logger: Logger },
): Promise<Stores | undefined> {
  const url = config.databaseUrl;
  if (!url) return undefined;
  const client = await openPostgresDatabase(url);
  const boss = new PgBoss({ connectionString: url, max: 4, supervise: true, schedule: false });
  boss.on('error', (error: Error) =>
    deps.logger.error({ err: { message: error.message } }, 'job queue error'),
  );
  try {
    await boss.start();
  } catch (cause) {
    await client.close();
    throw cause;
  }
  const queue = createPgBossJobQueue({ boss, client, clock: deps.clock });
  const jobs = Object.assign(queue, { close: () => boss.stop({ graceful: false, wait: true }) });
  // Several servers and workers may share this database: per-user passes take advisory locks, on connections of
  // their own (one per user being caught up at once).
  const locks = createPostgresUserLocks(new pg.Pool({ connectionString: url, max: 4 }));
  return openPostgresStores(client, { clock: deps.clock, jobs, logger: deps.logger, locks });
}
