import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { tempHome } from '../../test/support/processes.ts';
import { createAccounts } from '../accounts/index.ts';
import { createBlobCipher } from '../blobs/index.ts';
import { loadConfig } from '../config.ts';
import {
  atRestKeys,
  keySettingFromText,
  ROTATION_MARKER_FILE,
  writeRotationMarker,
} from '../encryption/index.ts';
import { createUlidGenerator, systemClock } from '../kernel/index.ts';
import { openSqliteDatabase, rekeySqliteFile } from '../storage/index.ts';
import { openBlobStore, openSqliteStores } from '../stores.ts';
import { run } from './main.ts';
import { createOutput } from './output.ts';

const OLD = randomBytes(32).toString('hex');
const NEW = randomBytes(32).toString('hex');
const photo = Buffer.from('a photo of quixoticzebra42');

/** Runs `familiar …` in this process; returns the exit code, stdout and stderr. */
async function cli(env: NodeJS.ProcessEnv, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) => ({ write: (text: string) => into.push(text) }) as never;
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  });
  try {
    const code = await run(args, {
      env,
      output: (json) => createOutput(json, { stdout: sink(out), stderr: sink(err) }),
    });
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    spy.mockRestore();
  }
}

/** A home with one user, one observation and one photo, under FAMILIAR_KEY=`key`. */
async function homeWithData(key: string) {
  const home = tempHome('familiar-key-cli-');
  const config = loadConfig({ FAMILIAR_HOME: home, FAMILIAR_KEY: key });
  const newId = createUlidGenerator();
  const stores = openSqliteStores(config, { clock: systemClock, newId });
  const user = await createAccounts({ store: stores.accounts, clock: systemClock, newId }).addUser({
    name: 'ada',
  });
  const { sha256 } = await openBlobStore(config).put(user.id, photo);
  await stores.close();
  return { home, userId: user.id, sha256 };
}

async function readsEverything(home: string, key: string, data: { userId: string; sha256: string }) {
  const config = loadConfig({ FAMILIAR_HOME: home, FAMILIAR_KEY: key });
  const stores = openSqliteStores(config, { clock: systemClock, newId: createUlidGenerator() });
  try {
    expect((await stores.accounts.listUsers()).map((user) => user.name)).toEqual(['ada']);
    return (await stores.audit.list(data.userId)).filter((event) => event.action === 'key.rotate');
  } finally {
    await stores.close();
  }
  expect(Buffer.from((await openBlobStore(config).get(data.userId, data.sha256))!).equals(photo)).toBe(true);
}

describe('familiar key', () => {
  it('rotates the database and media to a new key; the old key then opens nothing', async () => {
    const data = await homeWithData(OLD);
    const rotated = await cli(
      { FAMILIAR_HOME: data.home, FAMILIAR_KEY: OLD, FAMILIAR_NEW_KEY: NEW },
      'key',
      'rotate',
    );
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain('Now set FAMILIAR_KEY to the new key');
    expect(rotated.stderr).toContain('Re-encrypting media: 1/1');
    expect(rotated.stdout + rotated.stderr).not.toContain(NEW);
    const rotations = await readsEverything(data.home, NEW, data);
    expect(rotations).toHaveLength(1);
    expect(rotations[0]?.details).toMatchObject({ mediaFiles: 1 });
    expect(JSON.stringify(rotations)).not.toContain(NEW);
    const old = await cli({ FAMILIAR_HOME: data.home, FAMILIAR_KEY: OLD }, '--json', 'key', 'status');
    expect(JSON.parse(old.stdout)).toMatchObject({
      database: { state: 'encrypted', opens: false },
      media: { sealed: 0, otherKey: 1 },
    });
  });

  it('finishes a rotation a crash interrupted, and refuses to open the data until then', async () => {
    const data = await homeWithData(OLD);
    const home = data.home;
    const from = atRestKeys(keySettingFromText(OLD, 'FAMILIAR_KEY'), home);
    const to = atRestKeys(keySettingFromText(NEW, 'FAMILIAR_NEW_KEY'), home);
    // The crash: the marker is written and the database moved to the new key; the photo is still under the old one.
    writeRotationMarker(home, { version: 1, from: from.keyId, to: to.keyId, startedAt: Date.now() });
    rekeySqliteFile(join(home, 'familiar.db'), { from: from.database, to: to.database });
    const refused = await cli({ FAMILIAR_HOME: home, FAMILIAR_KEY: NEW }, 'status');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('run `familiar key rotate` again');
    const status = await cli({ FAMILIAR_HOME: home, FAMILIAR_KEY: OLD }, 'key', 'status');
    expect(status.stdout).toContain(`unfinished, from ${from.keyId} to ${to.keyId}`);
    // Another new key is refused while this rotation is unfinished.
    const other = await cli(
      { FAMILIAR_HOME: home, FAMILIAR_KEY: OLD, FAMILIAR_NEW_KEY: 'ef'.repeat(32) },
      'key',
      'rotate',
    );
    expect(other.stderr).toContain(`unfinished rotation to key ${to.keyId}`);
    const finished = await cli(
      { FAMILIAR_HOME: home, FAMILIAR_KEY: OLD, FAMILIAR_NEW_KEY: NEW },
      '--json',
      'key',
      'rotate',
    );
    expect(finished.code, finished.stderr).toBe(0);
    expect(JSON.parse(finished.stdout)).toMatchObject({ database: 'already', media: { rewritten: 1 } });
    expect(existsSync(join(home, ROTATION_MARKER_FILE))).toBe(false);
    await readsEverything(home, NEW, data);
  });

  it('refuses the same key, a missing new key, and a database in use, changing nothing', async () => {
    const data = await homeWithData(OLD);
    const env = { FAMILIAR_HOME: data.home, FAMILIAR_KEY: OLD };
    expect((await cli({ ...env, FAMILIAR_NEW_KEY: OLD }, 'key', 'rotate')).stderr).toContain(
      'the key in use',
    );
    expect((await cli(env, 'key', 'rotate')).stderr).toContain('--new-key-file');
    expect((await cli({ ...env, FAMILIAR_NEW_KEY: 'too short' }, 'key', 'rotate')).stderr).toContain(
      'FAMILIAR_NEW_KEY must be 64 hex characters',
    );
    // A running server holds the database open.
    const server = openSqliteDatabase(join(data.home, 'familiar.db'), {
      key: atRestKeys(keySettingFromText(OLD, 'FAMILIAR_KEY'), data.home).database,
    });
    const before = readFileSync(join(data.home, 'familiar.db'));
    try {
      const busy = await cli({ ...env, FAMILIAR_NEW_KEY: NEW }, 'key', 'rotate');
      expect(busy.code).toBe(1);
      expect(busy.stderr).toContain('is in use: stop `familiar start`');
    } finally {
      server.close();
    }
    expect(readFileSync(join(data.home, 'familiar.db')).equals(before)).toBe(true);
    expect(existsSync(join(data.home, ROTATION_MARKER_FILE))).toBe(false);
    await readsEverything(data.home, OLD, data);
  });

  it('encrypts media written before the key was set', async () => {
    const home = tempHome('familiar-key-cli-');
    const plain = loadConfig({ FAMILIAR_HOME: home });
    const stores = openSqliteStores(plain, { clock: systemClock, newId: createUlidGenerator() });
    await stores.close();
    const { sha256 } = await openBlobStore(plain).put('user1', photo);
    const encrypted = await cli({ FAMILIAR_HOME: home, FAMILIAR_KEY: OLD }, '--json', 'key', 'encrypt');
    expect(encrypted.code, encrypted.stderr).toBe(0);
    expect(JSON.parse(encrypted.stdout)).toMatchObject({ database: 'encrypted', media: { rewritten: 1 } });
    const keys = atRestKeys(keySettingFromText(OLD, 'FAMILIAR_KEY'), home);
    const cipher = createBlobCipher({
      contentKey: keys.blobContent,
      nameKey: keys.blobNames,
      keyId: keys.keyId,
    });
    const name = cipher.fileName('user1', sha256);
    expect(
      readFileSync(join(home, 'blobs', 'user1', name.slice(0, 2), name)).includes('quixoticzebra42'),
    ).toBe(false);
    const config = loadConfig({ FAMILIAR_HOME: home, FAMILIAR_KEY: OLD });
    expect(Buffer.from((await openBlobStore(config).get('user1', sha256))!).equals(photo)).toBe(true);
  });
});
