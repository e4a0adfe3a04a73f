import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempHome } from '../../test/support/processes.ts';
import { loadConfig } from '../config.ts';

const HEX = 'ab'.repeat(32);
const PASSPHRASE = 'correct horse battery staple';

/** Runs `work` and returns the error it throws. */
function errorOf(work: () => unknown): { code?: string; message: string } {
  try {
    work();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected an error');
}

describe('the encryption key in the configuration', () => {
  it('is off without FAMILIAR_KEY or FAMILIAR_KEY_FILE', () => {
    expect(loadConfig({ FAMILIAR_HOME: tempHome() }).encryption).toBeNull();
  });

  it('reads 64 hex characters as a raw key and anything else as a passphrase', () => {
    const home = tempHome();
    const raw = loadConfig({ FAMILIAR_HOME: home, FAMILIAR_KEY: HEX }).encryption;
    expect(raw).toMatchObject({ source: 'FAMILIAR_KEY', kind: 'raw', file: null });
    expect(Buffer.from(raw!.secret.reveal() as Uint8Array).toString('hex')).toBe(HEX);
    expect(loadConfig({ FAMILIAR_HOME: home, FAMILIAR_KEY: PASSPHRASE }).encryption).toMatchObject({
      kind: 'passphrase',
    });
  });

  it('refuses a short passphrase and both settings at once, without repeating the key', () => {
    const home = tempHome();
    const short = errorOf(() => loadConfig({ FAMILIAR_HOME: home, FAMILIAR_KEY: 'hunter2-secret' }));
    expect(short).toMatchObject({ code: 'validation_failed' });
    expect(short.message).toContain('FAMILIAR_KEY must be 64 hex characters');
    expect(short.message).not.toContain('hunter2-secret');
    const both = errorOf(() =>
      loadConfig({ FAMILIAR_HOME: home, FAMILIAR_KEY: HEX, FAMILIAR_KEY_FILE: '/tmp/none' }),
    );
    expect(both.message).toContain('not both');
    expect(both.message).not.toContain(HEX);
  });

  it('takes a key file outside FAMILIAR_HOME with mode 0600 or 0400, and refuses any other', () => {
    const home = tempHome();
    const elsewhere = tempHome('familiar-keys-');
    const file = join(elsewhere, 'familiar.key');
    writeFileSync(file, `${PASSPHRASE}\n`, { mode: 0o600 });
    const setting = loadConfig({ FAMILIAR_HOME: home, FAMILIAR_KEY_FILE: file }).encryption;
    expect(setting).toMatchObject({ source: 'FAMILIAR_KEY_FILE', kind: 'passphrase', file });
    expect(setting!.secret.reveal()).toBe(PASSPHRASE);
    chmodSync(file, 0o400);
    expect(loadConfig({ FAMILIAR_HOME: home, FAMILIAR_KEY_FILE: file }).encryption?.file).toBe(file);

    chmodSync(file, 0o644);
    const open = errorOf(() => loadConfig({ FAMILIAR_HOME: home, FAMILIAR_KEY_FILE: file }));
    expect(open.message).toContain('mode 0644');
    expect(open.message).toContain(`chmod 600 ${file}`);

    mkdirSync(join(home, 'keys'));
    const inside = join(home, 'keys', 'familiar.key');
    writeFileSync(inside, HEX, { mode: 0o600 });
    const refused = errorOf(() => loadConfig({ FAMILIAR_HOME: home, FAMILIAR_KEY_FILE: inside }));
    expect(refused.message).toContain('lies inside FAMILIAR_HOME');
    expect(refused.message).not.toContain(HEX);

    const missing = errorOf(() =>
      loadConfig({ FAMILIAR_HOME: home, FAMILIAR_KEY_FILE: join(elsewhere, 'nope.key') }),
    );
    expect(missing.message).toContain('does not exist');

    const weak = join(elsewhere, 'weak.key');
    writeFileSync(weak, 'short', { mode: 0o600 });
    expect(errorOf(() => loadConfig({ FAMILIAR_HOME: home, FAMILIAR_KEY_FILE: weak })).message).toContain(
      'must hold 64 hex characters',
    );
  });

  it('never shows the key in JSON, inspection or strings of the configuration', () => {
    const config = loadConfig({ FAMILIAR_HOME: tempHome(), FAMILIAR_KEY: PASSPHRASE });
    expect(JSON.stringify(config)).not.toContain(PASSPHRASE);
    expect(inspect(config, { depth: 10 })).not.toContain(PASSPHRASE);
    expect(`${config.encryption?.secret}`).toBe('[redacted]');
    const raw = loadConfig({ FAMILIAR_HOME: tempHome(), FAMILIAR_KEY: HEX });
    expect(JSON.stringify(raw)).not.toContain(HEX);
    expect(inspect(raw, { depth: 10 })).not.toMatch(/ab ab ab|171, 171/);
  });
});
