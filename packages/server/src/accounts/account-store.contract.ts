import { describe, expect, it } from 'vitest';
import { createUlidGenerator } from '../kernel/index.ts';
import type { AccountStore } from './account-store.ts';
import { createAccounts } from './accounts.ts';

/** What a contract run needs: a fresh, empty account store (no users yet). */
export type AccountStoreFactory = () => Promise<AccountStore>;

/** The account store's contract, through the accounts service and then the store's own methods. */
export function describeAccountStoreContract(name: string, makeStore: AccountStoreFactory): void {
  describe(`accounts on ${name}`, () => {
    const make = async () =>
      createAccounts({ store: await makeStore(), clock: { now: () => 1_000 }, newId: createUlidGenerator() });

    it('adds users with a valid time zone and refuses duplicates and bad zones', async () => {
      const accounts = await make();
      const ada = await accounts.addUser({ name: 'ada', timezone: 'Europe/London' });
      expect(ada).toMatchObject({ name: 'ada', timezone: 'Europe/London' });
      await expect(accounts.addUser({ name: 'ada' })).rejects.toMatchObject({ code: 'already_exists' });
      await expect(accounts.addUser({ name: 'bo', timezone: 'Mars/Olympus' })).rejects.toMatchObject({
        code: 'validation_failed',
      });
      await expect(accounts.addUser({ name: '' })).rejects.toMatchObject({ code: 'validation_failed' });
    });

    it('resolves the only user by default and asks which when there are several', async () => {
      const accounts = await make();
      await expect(accounts.resolveUser()).rejects.toMatchObject({ code: 'not_found' });
      await accounts.addUser({ name: 'ada', timezone: 'UTC' });
      expect((await accounts.resolveUser()).name).toBe('ada');
      await accounts.addUser({ name: 'bo', timezone: 'UTC' });
      await expect(accounts.resolveUser()).rejects.toMatchObject({ code: 'ambiguous_user' });
    });

    it('issues a device token once, authenticates it, and stops honouring it when revoked', async () => {
      const accounts = await make();
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

    it('keeps users by name in code-point order and devices per user, oldest first', async () => {
      const store = await makeStore();
      for (const [id, name] of [
        ['U1', 'bo'],
        ['U2', 'Zed'],
        ['U3', 'ada'],
      ] as const)
        await store.createUser({ id, name, timezone: 'UTC', createdAt: 1 });
      await expect(
        store.createUser({ id: 'U4', name: 'ada', timezone: 'UTC', createdAt: 1 }),
      ).rejects.toMatchObject({ code: 'already_exists' });
      expect((await store.listUsers()).map((u) => u.name)).toEqual(['Zed', 'ada', 'bo']);
      expect(await store.getUser('U1')).toEqual({ id: 'U1', name: 'bo', timezone: 'UTC', createdAt: 1 });
      expect(await store.getUserByName('ada')).toMatchObject({ id: 'U3' });
      expect(await store.getUser('nobody')).toBeNull();
      expect(await store.getUserByName('nobody')).toBeNull();

      const plain = { revokedAt: null, lastSeenAt: null };
      const phone = await store.createDevice({
        id: 'D1',
        userId: 'U1',
        name: 'phone',
        createdAt: 10,
        tokenHash: 'hash-1',
        ...plain,
      });
      expect(phone).toEqual({ id: 'D1', userId: 'U1', name: 'phone', createdAt: 10, ...plain });
      await store.createDevice({
        id: 'D2',
        userId: 'U1',
        name: 'glasses',
        createdAt: 20,
        tokenHash: 'hash-2',
        ...plain,
      });
      await store.createDevice({
        id: 'D3',
        userId: 'U3',
        name: 'laptop',
        createdAt: 5,
        tokenHash: 'hash-3',
        ...plain,
      });
      expect((await store.listDevices('U1')).map((d) => d.id)).toEqual(['D1', 'D2']);
      expect(await store.getDevice('U1', 'D1')).toEqual(phone);
      expect(await store.getDevice('U3', 'D1')).toBeNull();
    });

    it('finds a live device by token hash, renames, revokes once and touches devices', async () => {
      const store = await makeStore();
      const ada = { id: 'U1', name: 'ada', timezone: 'Europe/London', createdAt: 1 };
      await store.createUser(ada);
      await store.createDevice({
        id: 'D1',
        userId: 'U1',
        name: 'phone',
        createdAt: 10,
        tokenHash: 'hash-1',
        revokedAt: null,
        lastSeenAt: null,
      });
      expect(await store.findByTokenHash('hash-1')).toEqual({
        device: { id: 'D1', userId: 'U1', name: 'phone', createdAt: 10, revokedAt: null, lastSeenAt: null },
        user: ada,
      });
      expect(await store.findByTokenHash('hash-2')).toBeNull();

      await store.touchDevice('D1', 50);
      await store.touchDevice('nothing', 50);
      expect((await store.getDevice('U1', 'D1'))?.lastSeenAt).toBe(50);

      expect(await store.renameDevice('U1', 'D1', 'old phone')).toMatchObject({
        id: 'D1',
        name: 'old phone',
      });
      await expect(store.renameDevice('U2', 'D1', 'stolen')).rejects.toMatchObject({ code: 'not_found' });
      await expect(store.renameDevice('U1', 'D9', 'ghost')).rejects.toMatchObject({ code: 'not_found' });
      expect((await store.getDevice('U1', 'D1'))?.name).toBe('old phone');

      expect(await store.revokeDevice('U1', 'D1', 100)).toMatchObject({ revokedAt: 100, lastSeenAt: 50 });
      expect(await store.revokeDevice('U1', 'D1', 200)).toMatchObject({ revokedAt: 100 });
      await expect(store.revokeDevice('U1', 'D9', 300)).rejects.toMatchObject({ code: 'not_found' });
      expect(await store.findByTokenHash('hash-1')).toBeNull();
    });
  });
}
