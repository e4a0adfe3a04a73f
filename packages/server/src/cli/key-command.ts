import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createSqliteAuditLog } from '../audit/index.ts';
import {
  type BlobCipher,
  countBlobFiles,
  createBlobCipher,
  type RewrapReport,
  rewrapBlobs,
} from '../blobs/index.ts';
import type { Config } from '../config.ts';
import {
  type AtRestKeys,
  atRestKeys,
  clearRotationMarker,
  KEY_FORMAT_HINT,
  KEY_SALT_FILE,
  type KeySetting,
  KeyTextSchema,
  keySettingFromText,
  readKeyFile,
  readRotationMarker,
  writeRotationMarker,
} from '../encryption/index.ts';
import { FamiliarError, ValidationError } from '../kernel/index.ts';
import { databaseOpensWith, openSqliteDatabase, rekeySqliteFile, sqliteFileState } from '../storage/index.ts';
import { describeEncryption, sqliteDatabasePath } from '../stores.ts';
import type { Output } from './output.ts';

/**
 * Writes `key.rotate` into every user's audit log (ids of the keys and a count, never key material), opening the
 * database with the new key. A database that is not there yet (a home with only media) has no one to tell.
 */
async function recordRotation(
  path: string,
  to: AtRestKeys,
  from: AtRestKeys | null,
  mediaFiles: number,
): Promise<void> {
  if (!existsSync(path)) return;
  const db = openSqliteDatabase(path, { key: to.database });
  try {
    const audit = createSqliteAuditLog(db);
    const users = db.prepare<[], { id: string }>('SELECT id FROM users').all();
    for (const user of users)
      await audit.record({
        userId: user.id,
        at: Date.now(),
        actor: 'cli',
        action: 'key.rotate',
        target: to.keyId,
        details: { from: from?.keyId ?? null, to: to.keyId, mediaFiles },
      });
  } finally {
    db.close();
  }
}

/** What the key commands need from the program. */
export interface KeyCommandDeps {
  env: NodeJS.ProcessEnv;
  configFor(command: Command): Config;
  outputFor(command: Command): Output;
}

const cipherOf = (keys: AtRestKeys): BlobCipher =>
  createBlobCipher({ contentKey: keys.blobContent, nameKey: keys.blobNames, keyId: keys.keyId });

/** The new key of a rotation, from `--new-key-file` or FAMILIAR_NEW_KEY (exactly one). */
function newKeySetting(options: { newKeyFile?: string }, env: NodeJS.ProcessEnv, home: string): KeySetting {
  const fromEnv = env.FAMILIAR_NEW_KEY;
  if (options.newKeyFile !== undefined && fromEnv !== undefined)
    throw new ValidationError('give the new key once: --new-key-file or FAMILIAR_NEW_KEY, not both');
  if (options.newKeyFile !== undefined)
    return readKeyFile(options.newKeyFile, { home, source: '--new-key-file' });
  if (fromEnv === undefined)
    throw new ValidationError(
      'give the new key: --new-key-file <path> (outside FAMILIAR_HOME, mode 0600) or FAMILIAR_NEW_KEY',
    );
  if (!KeyTextSchema.safeParse(fromEnv).success)
    throw new ValidationError(`FAMILIAR_NEW_KEY must be ${KEY_FORMAT_HINT}`);
  return keySettingFromText(fromEnv, 'FAMILIAR_NEW_KEY');
}

/** A progress line on stderr: rewritten in place at a terminal, every tenth otherwise; nothing with --json. */
function progressLine(out: Output, label: string): (done: number, total: number) => void {
  let shown = -1;
  return (done, total) => {
    if (out.json) return;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${label}: ${done}/${total}${done === total ? '\n' : ''}`);
      return;
    }
    const tenth = total === 0 ? 10 : Math.floor((done * 10) / total);
    if (tenth !== shown && (tenth > shown || done === total)) {
      shown = tenth;
      out.info(`${label}: ${done}/${total}`);
    }
  };
}

/** Explains files a pass could not read, and fails (the rotation marker stays, so a rerun continues). */
function failOnUnreadable(report: RewrapReport): void {
  if (report.unreadable.length === 0) return;
  throw new FamiliarError(
    'wrong_key',
    `${report.unreadable.length} media file(s) could not be read with the keys given and were left as they are (first: ${report.unreadable[0]}); run again with the key they were written with`,
    { details: { unreadable: report.unreadable.slice(0, 20) } },
  );
}

/**
 * Re-encrypts the SQLite database (if this home has one) from `from` (null: plain text) to `to`; a database already
 * under `to` (a rerun after a crash) is left alone. Returns what happened.
 */
function rekeyDatabase(
  config: Config,
  from: AtRestKeys | null,
  to: AtRestKeys,
): 'postgres' | 'absent' | 'encrypted' | 'already' {
  if (config.databaseUrl) return 'postgres';
  const path = sqliteDatabasePath(config);
  const state = sqliteFileState(path);
  if (state === 'absent') return 'absent';
  if (state === 'plaintext') {
    rekeySqliteFile(path, { from: null, to: to.database });
    return 'encrypted';
  }
  if (databaseOpensWith(path, to.database)) return 'already';
  if (!from || !databaseOpensWith(path, from.database))
    throw new FamiliarError(
      'wrong_key',
      `the current key (FAMILIAR_KEY or FAMILIAR_KEY_FILE) does not open the database at ${path}; nothing was changed`,
    );
  rekeySqliteFile(path, { from: from.database, to: to.database });
  return 'encrypted';
}

/** `familiar key status|rotate|encrypt`: encryption at rest of the database and media. */
export function registerKeyCommands(program: Command, deps: KeyCommandDeps): void {
  const key = program
    .command('key')
    .description('encryption at rest: see its state, encrypt what is still plain, rotate the key');

  key
    .command('status')
    .description('whether the database and media are encrypted, and whether the configured key opens them')
    .action(async (_options, command: Command) => {
      const config = deps.configFor(command);
      const out = deps.outputFor(command);
      const keys = config.encryption ? atRestKeys(config.encryption, config.home) : null;
      const path = sqliteDatabasePath(config);
      const state = config.databaseUrl ? 'postgres' : sqliteFileState(path);
      const opens =
        state === 'encrypted' ? (keys ? databaseOpensWith(path, keys.database) : false) : state !== 'absent';
      const media = await countBlobFiles(join(config.home, 'blobs'), keys ? cipherOf(keys) : null);
      const rotation = readRotationMarker(config.home);
      const status = {
        encryption: config.encryption ? 'on' : 'off',
        summary: describeEncryption(config),
        keyId: keys?.keyId ?? null,
        keySource: config.encryption?.source ?? null,
        keyFile: config.encryption?.file ?? null,
        keyKind: config.encryption?.kind ?? null,
        saltFile: existsSync(join(config.home, KEY_SALT_FILE)) ? join(config.home, KEY_SALT_FILE) : null,
        database: { state, opens },
        media,
        rotation,
      };
      out.result(status, () => {
        const database =
          state === 'postgres'
            ? 'on the PostgreSQL server (use its disk encryption)'
            : state === 'absent'
              ? 'none yet'
              : state === 'plaintext'
                ? keys
                  ? 'plain text (encrypted the next time Familiar opens it)'
                  : 'plain text'
                : opens
                  ? 'encrypted; the configured key opens it'
                  : keys
                    ? 'encrypted; the configured key does NOT open it'
                    : 'encrypted; set FAMILIAR_KEY or FAMILIAR_KEY_FILE to open it';
        const lines = [
          `Encryption at rest: ${status.summary}`,
          `Database: ${database}`,
          `Media: ${media.sealed} file(s) sealed under this key, ${media.otherKey} under another key, ${media.plaintext} in plain text${
            keys && media.plaintext > 0 ? ' (run `familiar key encrypt`)' : ''
          }`,
          `Rotation: ${
            rotation
              ? `unfinished, from ${rotation.from ?? 'plain text'} to ${rotation.to}: run \`familiar key rotate\` again with the same keys`
              : 'none in progress'
          }`,
        ];
        if (config.encryption?.kind === 'passphrase')
          lines.push(
            `Salt: ${status.saltFile ?? 'none yet'} (not secret, but the passphrase needs it: back it up)`,
          );
        return lines.join('\n');
      });
    });

  key
    .command('encrypt')
    .description('encrypt what is still in plain text (the database, media written before the key was set)')
    .action(async (_options, command: Command) => {
      const config = deps.configFor(command);
      const out = deps.outputFor(command);
      if (!config.encryption)
        throw new ValidationError(
          'set FAMILIAR_KEY or FAMILIAR_KEY_FILE first: this encrypts under that key',
        );
      if (readRotationMarker(config.home))
        throw new ValidationError(
          'a key rotation is unfinished: run `familiar key rotate` again to finish it',
        );
      const keys = atRestKeys(config.encryption, config.home);
      let database: ReturnType<typeof rekeyDatabase> = 'postgres';
      if (!config.databaseUrl) {
        const path = sqliteDatabasePath(config);
        const state = sqliteFileState(path);
        if (state === 'plaintext') {
          rekeySqliteFile(path, { from: null, to: keys.database });
          database = 'encrypted';
        } else if (state === 'absent') database = 'absent';
        else if (databaseOpensWith(path, keys.database)) database = 'already';
        else
          throw new FamiliarError(
            'wrong_key',
            `the key does not open the database at ${path}; nothing was changed`,
          );
      }
      const media = await rewrapBlobs({
        root: join(config.home, 'blobs'),
        from: null,
        to: cipherOf(keys),
        onProgress: progressLine(out, 'Encrypting media'),
      });
      failOnUnreadable(media);
      out.result(
        { keyId: keys.keyId, database, media },
        `Encrypted under key ${keys.keyId}: database ${database === 'encrypted' ? 'encrypted now' : database === 'already' ? 'already encrypted' : database}, ${media.rewritten} media file(s) encrypted now, ${media.alreadyDone} already.`,
      );
    });

  key
    .command('rotate')
    .description(
      'encrypt the database and every media file under a new key (FAMILIAR_NEW_KEY or --new-key-file); stop the server first',
    )
    .option('--new-key-file <path>', 'a file holding the new key (outside FAMILIAR_HOME, mode 0600 or 0400)')
    .action(async (options: { newKeyFile?: string }, command: Command) => {
      const config = deps.configFor(command);
      const out = deps.outputFor(command);
      const next = newKeySetting(options, deps.env, config.home);
      const from = config.encryption ? atRestKeys(config.encryption, config.home) : null;
      const to = atRestKeys(next, config.home);
      if (from?.sameAs(to)) throw new ValidationError('the new key is the key in use: give a different one');
      const marker = readRotationMarker(config.home);
      if (marker && marker.to !== to.keyId)
        throw new ValidationError(
          `an unfinished rotation to key ${marker.to} is in progress: finish it with that new key first`,
        );
      if (marker && marker.from !== (from?.keyId ?? null))
        throw new ValidationError(
          `the unfinished rotation started from key ${marker.from ?? '(none: plain text)'}: set FAMILIAR_KEY or FAMILIAR_KEY_FILE to that key to finish it`,
        );
      if (!marker)
        writeRotationMarker(config.home, {
          version: 1,
          from: from?.keyId ?? null,
          to: to.keyId,
          startedAt: Date.now(),
        });
      let database: ReturnType<typeof rekeyDatabase>;
      try {
        database = rekeyDatabase(config, from, to);
      } catch (error) {
        // Nothing was changed yet: a rotation that never started leaves no marker behind.
        if (!marker) clearRotationMarker(config.home);
        throw error;
      }
      if (!out.json && database === 'encrypted') out.info('Database: re-encrypted under the new key.');
      const media = await rewrapBlobs({
        root: join(config.home, 'blobs'),
        from: from ? cipherOf(from) : null,
        to: cipherOf(to),
        onProgress: progressLine(out, 'Re-encrypting media'),
      });
      failOnUnreadable(media);
      clearRotationMarker(config.home);
      if (database !== 'postgres')
        await recordRotation(sqliteDatabasePath(config), to, from, media.rewritten);
      const where = next.file ? `FAMILIAR_KEY_FILE=${next.file}` : 'FAMILIAR_KEY to the new key';
      out.result(
        { keyId: to.keyId, previousKeyId: from?.keyId ?? null, database, media },
        [
          `Rotated to key ${to.keyId}: database ${database === 'encrypted' ? 're-encrypted' : database === 'already' ? 'already under it' : database}, ${media.rewritten} media file(s) re-encrypted, ${media.alreadyDone} already under it.`,
          `Now set ${where} (and remove the old one) before starting Familiar again: the old key no longer opens this data.`,
        ].join('\n'),
      );
    });
}
