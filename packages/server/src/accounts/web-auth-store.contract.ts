import { describe, expect, it } from 'vitest';
import type { AccountStore } from './account-store.ts';
import type { WebAuthStore, WebSession } from './web-auth-store.ts';

/** What a contract run needs: a fresh web-auth store and the account store of the same (empty) database. */
export type WebAuthStoreFactory = () => Promise<{ store: WebAuthStore; accounts: AccountStore }>;

const session = (idHash: string, userId: string, expiresAt: number): WebSession => ({
  idHash,
  userId,
  csrfToken: `csrf-${idHash}`,
  createdAt: 10,
  expiresAt,
  lastUsedAt: 10,
});

/** The web-auth store's contract: passphrases, sessions with expiry, and pairing codes that work once. */
export function describeWebAuthStoreContract(name: string, make: WebAuthStoreFactory): void {
  describe(`web-auth store on ${name}`, () => {
    const seeded = async () => {
      const { store, accounts } = await make();
      for (const [id, userName] of [
        ['U1', 'ada'],
        ['U2', 'bo'],
      ] as const)
        await accounts.createUser({ id, name: userName, timezone: 'UTC', createdAt: 1 });
      for (const [id, userId] of [
        ['D1', 'U1'],
        ['D2', 'U2'],
      ] as const)
        await accounts.createDevice({
          id,
          userId,
          name: 'phone',
          createdAt: 1,
          tokenHash: `hash-${id}`,
          revokedAt: null,
          lastSeenAt: null,
        });
      return { store, accounts };
    };

    it('keeps one passphrase per user and replaces it', async () => {
      const { store } = await seeded();
      expect(await store.getPassphrase('U1')).toBeNull();
      const params = JSON.stringify({ algorithm: 'scrypt', N: 1024, r: 8, p: 1, keyLength: 32 });
      await store.setPassphrase({ userId: 'U1', hash: 'aa', salt: 'bb', params, updatedAt: 5 });
      await store.setPassphrase({ userId: 'U1', hash: 'cc', salt: 'dd', params, updatedAt: 6 });
      const stored = await store.getPassphrase('U1');
      expect(stored).toMatchObject({ userId: 'U1', hash: 'cc', salt: 'dd', updatedAt: 6 });
      expect(JSON.parse(stored!.params)).toEqual(JSON.parse(params));
      expect(await store.getPassphrase('U2')).toBeNull();
      await expect(
        store.setPassphrase({ userId: 'nobody', hash: 'aa', salt: 'bb', params, updatedAt: 5 }),
      ).rejects.toThrow();
    });

    it('finds a session with its user until it expires, slides it, and deletes one or all of a user', async () => {
      const { store } = await seeded();
      await store.createSession(session('s1', 'U1', 100));
      await store.createSession(session('s2', 'U1', 100));
      await store.createSession(session('s3', 'U2', 100));
      const found = await store.findSession('s1', 50);
      expect(found?.session).toEqual(session('s1', 'U1', 100));
      expect(found?.user).toEqual({ id: 'U1', name: 'ada', timezone: 'UTC', createdAt: 1 });
      expect(await store.findSession('s1', 100)).toBeNull();
      expect(await store.findSession('unknown', 0)).toBeNull();

      await store.touchSession('s1', 90, 200);
      expect((await store.findSession('s1', 150))?.session).toMatchObject({ lastUsedAt: 90, expiresAt: 200 });

      expect(await store.deleteSession('s1')).toBe(true);
      expect(await store.deleteSession('s1')).toBe(false);
      expect(await store.findSession('s1', 0)).toBeNull();
      expect(await store.deleteUserSessions('U1')).toBe(1);
      expect(await store.findSession('s2', 0)).toBeNull();
      expect((await store.findSession('s3', 0))?.user.name).toBe('bo');
      await expect(store.createSession(session('s3', 'U2', 100))).rejects.toThrow();
    });

    it('redeems a pairing code once, before it expires, and only for a live device', async () => {
      const { store, accounts } = await seeded();
      const code = (codeHash: string, userId: string, deviceId: string, expiresAt: number) => ({
        codeHash,
        userId,
        deviceId,
        sealedToken: `sealed-${codeHash}`,
        expiresAt,
        usedAt: null,
      });
      await store.createPairingCode(code('c1', 'U1', 'D1', 100));
      await store.createPairingCode(code('c2', 'U1', 'D1', 100));
      await store.createPairingCode(code('c3', 'U2', 'D2', 100));

      expect(await store.redeemPairingCode('c1', 50)).toEqual({
        userId: 'U1',
        deviceId: 'D1',
        sealedToken: 'sealed-c1',
      });
      expect(await store.redeemPairingCode('c1', 51)).toBeNull();
      expect(await store.redeemPairingCode('c2', 100)).toBeNull();
      expect(await store.redeemPairingCode('unknown', 0)).toBeNull();

      await accounts.revokeDevice('U2', 'D2', 60);
      expect(await store.redeemPairingCode('c3', 61)).toBeNull();
    });

    it('hands a code out once when two redemptions race', async () => {
      const { store } = await seeded();
      await store.createPairingCode({
        codeHash: 'race',
        userId: 'U1',
        deviceId: 'D1',
        sealedToken: 'sealed',
        expiresAt: 100,
        usedAt: null,
      });
      const results = await Promise.all([
        store.redeemPairingCode('race', 10),
        store.redeemPairingCode('race', 10),
        store.redeemPairingCode('race', 10),
      ]);
      expect(results.filter((result) => result !== null)).toHaveLength(1);
    });

    it('prunes expired sessions and spent codes', async () => {
      const { store } = await seeded();
      await store.createSession(session('old', 'U1', 10));
      await store.createSession(session('live', 'U1', 1_000));
      await store.createPairingCode({
        codeHash: 'spent',
        userId: 'U1',
        deviceId: 'D1',
        sealedToken: 'x',
        expiresAt: 1_000,
        usedAt: null,
      });
      await store.redeemPairingCode('spent', 5);
      expect(await store.pruneExpired(20)).toBe(2);
      expect((await store.findSession('live', 20))?.session.idHash).toBe('live');
    });
  });
}
