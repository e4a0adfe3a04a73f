import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { clientObservation, jsonRequest } from './support/observations.ts';
import { runCli, startServerProcess, tempHome } from './support/processes.ts';

/** The rare word planted in every kind of data; with encryption on, no file may hold it in plain bytes. */
const WORD = 'quixoticzebra42';

/** A 2×2 PNG whose text chunk carries the word, so its raw bytes hold it too. */
function pngWithWord(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(2, 0);
  header.writeUInt32BE(2, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.from([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('tEXt', Buffer.from(`Comment\0sign at the bakery: ${WORD}`, 'latin1')),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Every file under `directory` (database, WAL, shared memory, blobs, salt, logs, anything) holding the word. */
function filesWithWord(directory: string): string[] {
  const needles = [
    Buffer.from(WORD, 'utf8'),
    Buffer.from(WORD, 'utf16le'),
    Buffer.from(WORD, 'utf16le').swap16(),
  ];
  const found: string[] = [];
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (needles.some((needle) => readFileSync(child).includes(needle)))
        found.push(relative(directory, child));
    }
  };
  walk(directory);
  return found;
}

/** SHA-256 of every file under `directory`, to show that a refused command changed nothing. */
function snapshot(directory: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child);
      else files[relative(directory, child)] = createHash('sha256').update(readFileSync(child)).digest('hex');
    }
  };
  walk(directory);
  return files;
}

async function cli<T = unknown>(
  home: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ data: T; logs: string }> {
  const result = await runCli(home, ['--json', ...args], {
    env: { FAMILIAR_LOG_LEVEL: 'debug', ...env },
    timeoutMs: 60_000,
  });
  if (result.code !== 0)
    throw new Error(`familiar ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return { data: JSON.parse(result.stdout) as T, logs: result.stderr };
}

/**
 * Fills a home the way a person would: a user and a device, then through a running server a note, an utterance and
 * a frame with its photo, all naming the word; the server is killed (its WAL and shared-memory files stay on disk),
 * then the understanding pass (facts, episodes, vectors) and a search run from the CLI. Returns every log line.
 */
async function fillHome(home: string, env: NodeJS.ProcessEnv) {
  const base = { FAMILIAR_EMBEDDER: 'hashing', ...env };
  let logs = '';
  await cli(home, ['user', 'add', 'ada', '--timezone', 'UTC'], base);
  const device = await cli<{ token: string }>(home, ['device', 'add', '--name', 'glasses'], base);
  const token = device.data.token;
  // No workers: vision engines would only slow the test; the frame's text comes with it, as a device may send it.
  const server = await startServerProcess(home, {
    ...base,
    FAMILIAR_WORKERS: '0',
    FAMILIAR_LOG_LEVEL: 'debug',
  });
  const photo = pngWithWord();
  let captureId = '';
  try {
    const auth = { authorization: `Bearer ${token}` };
    const stored = await fetch(
      `${server.url}/v1/observations`,
      jsonRequest(token, {
        observations: [
          clientObservation(`Dinner with Sam at ${WORD} on Friday; Sam has a job interview on Monday`),
          clientObservation(`I told Sam that ${WORD} opens at nine`, { modality: 'utterance' }),
        ],
      }),
    );
    expect(stored.status).toBe(200);
    const capture = await fetch(`${server.url}/v1/captures`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'image/png', 'x-captured-at': '2026-11-20T10:05:00Z' },
      body: photo,
    });
    expect(capture.status).toBe(201);
    captureId = ((await capture.json()) as { id: string }).id;
    const frame = await fetch(
      `${server.url}/v1/observations`,
      jsonRequest(token, {
        observations: [
          clientObservation(`sign: ${WORD} bakery`, {
            modality: 'frame',
            captureId,
            capturedAt: '2026-11-20T10:05:00Z',
          }),
        ],
      }),
    );
    expect(frame.status).toBe(200);
    const media = await fetch(`${server.url}/v1/captures/${captureId}/media`, { headers: auth });
    expect(Buffer.from(await media.arrayBuffer()).equals(photo)).toBe(true);
    const asked = await fetch(
      `${server.url}/v1/ask`,
      jsonRequest(token, { question: `what about ${WORD}?` }),
    );
    expect(JSON.stringify(await asked.json())).toContain(WORD);
  } finally {
    server.child.kill('SIGKILL');
    await server.exited;
    logs += server.stderr();
  }
  // Killed mid-flight: the WAL and shared-memory files are still there, as after a crash or power cut.
  const afterCrash = { files: readdirSync(home), withWord: filesWithWord(home) };
  const understood = await cli<{ observations: number; episodes: number }>(home, ['memory', 'update'], base);
  expect(understood.data.observations).toBeGreaterThanOrEqual(3);
  expect(understood.data.episodes).toBeGreaterThanOrEqual(1);
  const answer = await cli(home, ['ask', WORD], base);
  expect(JSON.stringify(answer.data)).toContain(WORD);
  logs += understood.logs + answer.logs;
  return { token, captureId, photo, logs, env: base, afterCrash };
}

describe('encryption at rest, end to end', () => {
  const key = randomBytes(32).toString('hex');

  it('with FAMILIAR_KEY, the word appears in no file under the data directory and in no log line', async () => {
    const home = tempHome('familiar-encrypted-');
    const filled = await fillHome(home, { FAMILIAR_KEY: key });
    expect(filled.afterCrash.files).toEqual(expect.arrayContaining(['familiar.db-wal', 'familiar.db-shm']));
    expect(filled.afterCrash.withWord).toEqual([]);
    expect(filesWithWord(home)).toEqual([]);
    expect(filled.logs).not.toContain(WORD);
    expect(filled.logs).not.toContain(key);
    const status = await cli<{ encryption: string; database: unknown; media: unknown }>(
      home,
      ['key', 'status'],
      {
        FAMILIAR_KEY: key,
      },
    );
    expect(status.data).toMatchObject({
      encryption: 'on',
      database: { state: 'encrypted', opens: true },
      media: { sealed: 1, otherKey: 0, plaintext: 0 },
    });

    // A wrong key, or none, is refused with wrong_key and changes nothing.
    const before = snapshot(home);
    const wrong = await runCli(home, ['--json', 'status'], { env: { FAMILIAR_KEY: 'cd'.repeat(32) } });
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stdout)).toMatchObject({ error: { code: 'wrong_key' } });
    expect(wrong.stderr).toContain('does not open the database');
    const missing = await runCli(home, ['status']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('is encrypted: set FAMILIAR_KEY or FAMILIAR_KEY_FILE');
    expect(snapshot(home)).toEqual(before);

    // Rotation: afterwards the old key opens nothing, and the new key reads everything.
    const keys = tempHome('familiar-keys-');
    const newKeyFile = join(keys, 'familiar.key');
    writeFileSync(newKeyFile, 'a new passphrase that is long enough\n', { mode: 0o600 });
    const rotated = await runCli(home, ['key', 'rotate', '--new-key-file', newKeyFile], {
      env: { FAMILIAR_KEY: key },
    });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain(`Now set FAMILIAR_KEY_FILE=${newKeyFile}`);
    expect(rotated.stderr).toContain('Re-encrypting media: 1/1');
    const old = await runCli(home, ['--json', 'ask', WORD], { env: { FAMILIAR_KEY: key } });
    expect(JSON.parse(old.stdout)).toMatchObject({ error: { code: 'wrong_key' } });
    const withNew = { ...filled.env, FAMILIAR_KEY_FILE: newKeyFile, FAMILIAR_KEY: undefined };
    expect(JSON.stringify((await cli(home, ['ask', WORD], withNew)).data)).toContain(WORD);
    expect((await cli(home, ['key', 'status'], withNew)).data).toMatchObject({
      media: { sealed: 1, otherKey: 0, plaintext: 0 },
      rotation: null,
    });
    const server = await startServerProcess(home, { ...withNew, FAMILIAR_WORKERS: '0' });
    try {
      const media = await fetch(`${server.url}/v1/captures/${filled.captureId}/media`, {
        headers: { authorization: `Bearer ${filled.token}` },
      });
      expect(Buffer.from(await media.arrayBuffer()).equals(filled.photo)).toBe(true);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    expect(filesWithWord(home)).toEqual([]);
  }, 240_000);

  it('without a key the same scan finds the word; a key given later encrypts the database and media in place', async () => {
    const home = tempHome('familiar-plain-');
    const filled = await fillHome(home, {});
    expect(filled.afterCrash.files).toEqual(expect.arrayContaining(['familiar.db-wal', 'familiar.db-shm']));
    expect(filled.afterCrash.withWord).toEqual(expect.arrayContaining(['familiar.db-wal']));
    const plain = filesWithWord(home);
    expect(plain.some((file) => file.startsWith('familiar.db'))).toBe(true);
    expect(plain.some((file) => file.startsWith('blobs/'))).toBe(true);

    const env = { FAMILIAR_KEY: key, FAMILIAR_EMBEDDER: 'hashing' };
    // The database is encrypted as soon as Familiar opens it with the key; media written before stays readable.
    expect(JSON.stringify((await cli(home, ['ask', WORD], env)).data)).toContain(WORD);
    expect((await cli(home, ['key', 'status'], env)).data).toMatchObject({
      database: { state: 'encrypted', opens: true },
      media: { sealed: 0, plaintext: 1 },
    });
    expect(filesWithWord(home).every((file) => file.startsWith('blobs/'))).toBe(true);
    const encrypted = await cli<{ media: { rewritten: number } }>(home, ['key', 'encrypt'], env);
    expect(encrypted.data.media.rewritten).toBe(1);
    expect(filesWithWord(home)).toEqual([]);
    expect(JSON.stringify((await cli(home, ['ask', WORD], env)).data)).toContain(WORD);
  }, 240_000);
});
