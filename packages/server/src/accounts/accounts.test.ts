import { describe, expect, it } from 'vitest';
import { createUlidGenerator } from '../kernel/index.ts';
import { openSqliteDatabase } from '../storage/index.ts';
import { type AccountStore, createInMemoryAccountStore, createSqliteAccountStore } from './account-store.ts';
import { createAccounts } from './accounts.ts';

function contract(name: string, makeStore: () => AccountStore) {
  describe(`accounts on ${name}`, () => {
    const make = () =>
      createAccounts({ store: makeStore(), clock: { now: () => 1_000 }, newId: createUlidGenerator() });

    it('adds users with a valid time zone and refuses duplicates and bad zones', async () => {
      const accounts = make();
      const ada = await accounts.addUser({ name: 'ada', timezone: 'Europe/London' });
      expect(ada).toMatchObject({ name: 'ada', timezone: 'Europe/London' });
      await expect(accounts.addUser({ name: 'ada' })).rejects.toMatchObject({ code: 'already_exists' });
      await expect(accounts.addUser({ name: 'bo', timezone: 'Mars/Olympus' })).rejects.toMatchObject({
        code: 'validation_failed',
      });
      await expect(accounts.addUser({ name: '' })).rejects.toMatchObject({ code: 'validation_failed' });
    });

    it('resolves the only user by default and asks which when there are several', async () => {
      const accounts = make();
      await expect(accounts.resolveUser()).rejects.toMatchObject({ code: 'not_found' });
      await accounts.addUser({ name: 'ada', timezone: 'UTC' });
      expect((await accounts.resolveUser()).name).toBe('ada');
      await accounts.addUser({ name: 'bo', timezone: 'UTC' });
      await expect(accounts.resolveUser()).rejects.toMatchObject({ code: 'ambiguous_user' });
    });

    it('issues a device token once, authenticates it, and stops honouring it when revoked', async () => {
      const accounts = make();
      await accounts.addUser({ name: 'ada', timezone: 'UTC' });
      const { device, token } = await accounts.addDevice({ name: 'glasses' });
      expect(token).toMatch(/^fam_[A-Za-z0-9_-]{43}$/);
      const principal = await accounts.authenticate(token);
      expect(principal.user.name).toBe('ada');
      expect(principal.device?.id).toBe(device.id);
      await accounts.renameDevice(undefined, 'glasses', 'ray-bans');
      expect((await accounts.listDevices())[0]?.name).toBe('ray-bans');
      await accounts.revokeDevice(undefined, device.id);
      await expect(accounts.authenticate(token)).rejects.toMatchObject({ code: 'unauthorized' });
      await expect(accounts.authenticate(undefined)).rejects.toMatchObject({ code: 'unauthorized' });
      await expect(accounts.authenticate('fam_wrong')).rejects.toMatchObject({ code: 'unauthorized' });
    });
  });
}

contract('SQLite', () => createSqliteAccountStore(openSqliteDatabase(':memory:')));
contract('in-memory fake', () => createInMemoryAccountStore());
