import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempHome } from '../../test/support/processes.ts';
import { atRestKeys, KEY_SALT_FILE } from './at-rest-keys.ts';
import { keySettingFromText } from './key-setting.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('keys at rest', () => {
  it('derives separate database, content and name keys from one raw key, the same every time', () => {
    const home = tempHome();
    const setting = keySettingFromText('01'.repeat(32), 'FAMILIAR_KEY');
    const keys = atRestKeys(setting, home);
    const again = atRestKeys(keySettingFromText('01'.repeat(32), 'FAMILIAR_KEY'), tempHome());
    expect(new Set([hex(keys.database), hex(keys.blobContent), hex(keys.blobNames)]).size).toBe(3);
    expect(hex(keys.database)).not.toBe('01'.repeat(32));
    expect(hex(again.database)).toBe(hex(keys.database));
    expect(keys.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(again.keyId).toBe(keys.keyId);
    expect(atRestKeys(keySettingFromText('02'.repeat(32), 'FAMILIAR_KEY'), home).keyId).not.toBe(keys.keyId);
    expect(JSON.stringify({ keys })).toBe(`{"keys":"AtRestKeys(${keys.keyId})"}`);
    // A raw key needs no salt file.
    expect(existsSync(join(home, KEY_SALT_FILE))).toBe(false);
  });

  it('stretches a passphrase with scrypt and a salt kept (mode 0600) in FAMILIAR_HOME', () => {
    const home = tempHome();
    const passphrase = 'a long enough passphrase';
    const first = atRestKeys(keySettingFromText(passphrase, 'FAMILIAR_KEY'), home);
    const saltFile = join(home, KEY_SALT_FILE);
    expect(statSync(saltFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(saltFile, 'utf8'))).toMatchObject({
      kdf: 'scrypt',
      N: 2 ** 17,
      r: 8,
      p: 1,
    });
    expect(readFileSync(saltFile, 'utf8')).not.toContain(passphrase);
    const second = atRestKeys(keySettingFromText(passphrase, 'FAMILIAR_KEY'), home);
    expect(second.keyId).toBe(first.keyId);
    // Another home has another salt, so the same passphrase makes another key there.
    expect(atRestKeys(keySettingFromText(passphrase, 'FAMILIAR_KEY'), tempHome()).keyId).not.toBe(
      first.keyId,
    );
  });
});
