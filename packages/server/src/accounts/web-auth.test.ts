import { describe, expect, it } from 'vitest';
import { createInMemoryAuditLog } from '../audit/index.ts';
import { createInMemoryAccountStore } from './account-store.ts';
import { hashPassphrase, verifyPassphrase } from './passphrase.ts';
import { createWebAuth, PAIRING_TTL_MS, SESSION_TTL_MS } from './web-auth.ts';
import { createInMemoryWebAuthStore } from './web-auth-store.ts';

async function setup() {
  let now = 1_000_000;
  const clock = { now: () => now };
  const accounts = createInMemoryAccountStore();
  await accounts.createUser({ id: 'U1', name: 'ada', timezone: 'Europe/London', createdAt: 1 });
  await accounts.createUser({ id: 'U2', name: 'bo', timezone: 'UTC', createdAt: 1 });
  await accounts.createDevice({
    id: 'D1',
    userId: 'U1',
    name: 'phone',
    createdAt: 1,
    tokenHash: 'h',
    revokedAt: null,
    lastSeenAt: null,
  });
  const store = createInMemoryWebAuthStore(accounts);
  const audit = createInMemoryAuditLog();
  const web = createWebAuth({ store, accounts, audit, clock });
  const advance = (ms: number) => {
    now += ms;
  };
  return { web, store, audit, accounts, advance, clock };
}

describe('passphrases', () => {
  it('hash with scrypt and a fresh salt, and verify only the same passphrase', async () => {
    const one = await hashPassphrase('correct horse battery');
    const two = await hashPassphrase('correct horse battery');
    expect(one.salt).not.toBe(two.salt);
    expect(one.hash).not.toBe(two.hash);
    expect(JSON.parse(one.params)).toEqual({ algorithm: 'scrypt', N: 32768, r: 8, p: 1, keyLength: 32 });
    expect(await verifyPassphrase('correct horse battery', one)).toBe(true);
    expect(await verifyPassphrase('correct horse batterY', one)).toBe(false);
    expect(await verifyPassphrase('', one)).toBe(false);
  });

  it('refuse fewer than 8 characters and damaged parameters', async () => {
    await expect(hashPassphrase('short')).rejects.toMatchObject({ code: 'validation_failed' });
    const stored = await hashPassphrase('long enough');
    await expect(verifyPassphrase('long enough', { ...stored, params: '{"N":1}' })).rejects.toMatchObject({
      code: 'storage_failed',
    });
  });
});

describe('web sign-in', () => {
  it('logs in with the passphrase, finds the session from its cookie and slides its expiry', async () => {
    const { web, store, audit, advance } = await setup();
    await web.setPassphrase('U1', 'correct horse battery');
    const login = await web.login({ user: 'ada', passphrase: 'correct horse battery', client: '10.0.0.2' });
    expect(login.user.name).toBe('ada');
    expect(login.sessionToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(login.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Only the hash of the cookie's value is stored.
    expect([...store.sessions.keys()]).not.toContain(login.sessionToken);
    const principal = await web.authenticateSession(login.sessionToken);
    expect(principal.user.id).toBe('U1');
    expect(principal.device).toBeNull();
    expect(principal.session.csrfToken).toBe(login.csrfToken);

    advance(SESSION_TTL_MS - 1000);
    const slid = await web.authenticateSession(login.sessionToken);
    expect(slid.session.expiresAt).toBeGreaterThan(login.expiresAt);
    advance(SESSION_TTL_MS - 1000);
    await expect(web.authenticateSession(login.sessionToken)).resolves.toBeTruthy();
    advance(SESSION_TTL_MS + 1);
    await expect(web.authenticateSession(login.sessionToken)).rejects.toMatchObject({ code: 'unauthorized' });
    expect(audit.events.map((e) => e.action)).toEqual(['session.login']);
    expect(audit.events[0]?.actor).toMatch(/^web:[0-9a-f]{8}$/);
  });

  it('answers a wrong name and a wrong passphrase alike, and says how to set a missing passphrase', async () => {
    const { web, audit } = await setup();
    await web.setPassphrase('U1', 'correct horse battery');
    await expect(
      web.login({ user: 'eve', passphrase: 'correct horse battery', client: 'a' }),
    ).rejects.toMatchObject({ code: 'unauthorized', message: 'wrong user name or passphrase' });
    await expect(web.login({ user: 'ada', passphrase: 'nope nope nope', client: 'b' })).rejects.toMatchObject(
      {
        code: 'unauthorized',
        message: 'wrong user name or passphrase',
      },
    );
    await expect(web.login({ user: 'bo', passphrase: 'anything at all', client: 'c' })).rejects.toThrow(
      /familiar user passphrase --user bo/,
    );
    const failed = audit.events.filter((e) => e.action === 'session.login-failed');
    expect(failed.map((e) => e.details?.reason)).toEqual([
      'unknown-user',
      'wrong-passphrase',
      'no-passphrase',
    ]);
    expect(JSON.stringify(audit.events)).not.toMatch(/horse|nope|anything/);
  });

  it('refuses logins after 5 failures for a user or a client address, until the window passes', async () => {
    const { web, advance } = await setup();
    await web.setPassphrase('U1', 'correct horse battery');
    for (let i = 0; i < 5; i += 1)
      await expect(
        web.login({ user: 'ada', passphrase: 'wrong one!', client: `10.0.0.${i}` }),
      ).rejects.toMatchObject({
        code: 'unauthorized',
      });
    const limited = web.login({ user: 'ada', passphrase: 'correct horse battery', client: '10.0.0.9' });
    await expect(limited).rejects.toMatchObject({
      code: 'rate_limited',
      details: { retryAfterSeconds: 900 },
    });
    // Another user from another address is not held back.
    await web.setPassphrase('U2', 'bo passphrase');
    await expect(
      web.login({ user: 'bo', passphrase: 'bo passphrase', client: '10.0.0.8' }),
    ).resolves.toBeTruthy();
    advance(15 * 60_000);
    await expect(
      web.login({ user: 'ada', passphrase: 'correct horse battery', client: '10.0.0.9' }),
    ).resolves.toBeTruthy();

    // One address guessing at several users is limited too.
    for (const user of ['ada', 'bo', 'eve', 'ada', 'bo'])
      await expect(
        web.login({ user, passphrase: 'guess guess', client: '192.168.1.50' }),
      ).rejects.toMatchObject({
        code: 'unauthorized',
      });
    await expect(
      web.login({ user: 'bo', passphrase: 'bo passphrase', client: '192.168.1.50' }),
    ).rejects.toMatchObject({
      code: 'rate_limited',
    });
  });

  it('holds the per-user limit across servers sharing one database (the audit log), reset by a login', async () => {
    const { web, store, audit, accounts, clock } = await setup();
    // A second server on the same data: its own in-memory limiter, the same stores.
    const other = createWebAuth({ store, accounts, audit, clock });
    await web.setPassphrase('U1', 'correct horse battery');
    await expect(
      web.login({ user: 'ada', passphrase: 'correct horse battery', client: '10.0.1.1' }),
    ).resolves.toBeTruthy();
    for (let i = 0; i < 5; i += 1)
      await expect(
        (i % 2 === 0 ? web : other).login({ user: 'ada', passphrase: 'wrong one!', client: `10.0.2.${i}` }),
      ).rejects.toMatchObject({ code: 'unauthorized' });
    for (const server of [web, other])
      await expect(
        server.login({ user: 'ada', passphrase: 'correct horse battery', client: '10.0.3.1' }),
      ).rejects.toMatchObject({ code: 'rate_limited' });
  });

  it('checks the CSRF token in constant time, logs out, and ends every session on a new passphrase', async () => {
    const { web, audit } = await setup();
    await web.setPassphrase('U1', 'correct horse battery');
    const first = await web.login({ user: 'ada', passphrase: 'correct horse battery', client: 'x' });
    const second = await web.login({ user: 'ada', passphrase: 'correct horse battery', client: 'x' });
    const { session } = await web.authenticateSession(first.sessionToken);
    expect(() => web.checkCsrf(session, first.csrfToken)).not.toThrow();
    expect(() => web.checkCsrf(session, second.csrfToken)).toThrow(/CSRF/);
    expect(() => web.checkCsrf(session, undefined)).toThrow(expect.objectContaining({ code: 'forbidden' }));

    expect(await web.logout(session)).toBe(true);
    await expect(web.authenticateSession(first.sessionToken)).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(web.authenticateSession(second.sessionToken)).resolves.toBeTruthy();
    expect(await web.setPassphrase('U1', 'a brand new one')).toEqual({ sessionsEnded: 1 });
    await expect(web.authenticateSession(second.sessionToken)).rejects.toMatchObject({
      code: 'unauthorized',
    });
    expect(audit.events.map((e) => e.action)).toEqual(['session.login', 'session.login', 'session.logout']);
  });

  it('pairs a device once with a code that opens its token, for 10 minutes', async () => {
    const { web, audit, advance, accounts } = await setup();
    const issued = await web.issuePairingCode({ userId: 'U1', deviceId: 'D1', token: 'fam_secret-token' });
    expect(issued.code).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const paired = await web.redeemPairingCode(issued.code);
    expect(paired).toMatchObject({ token: 'fam_secret-token', device: { id: 'D1' }, user: { name: 'ada' } });
    await expect(web.redeemPairingCode(issued.code)).rejects.toThrow(/familiar device add/);
    expect(audit.events).toMatchObject([{ action: 'device.pair', userId: 'U1', target: 'D1' }]);

    const late = await web.issuePairingCode({ userId: 'U1', deviceId: 'D1', token: 'fam_other' });
    advance(PAIRING_TTL_MS);
    await expect(web.redeemPairingCode(late.code)).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(web.redeemPairingCode('x'.repeat(24))).rejects.toMatchObject({ code: 'unauthorized' });

    const revoked = await web.issuePairingCode({ userId: 'U1', deviceId: 'D1', token: 'fam_third' });
    await accounts.revokeDevice('U1', 'D1', 5);
    await expect(web.redeemPairingCode(revoked.code)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('hands out a code once under concurrent redemptions', async () => {
    const { web } = await setup();
    const { code } = await web.issuePairingCode({ userId: 'U1', deviceId: 'D1', token: 'fam_once' });
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => web.redeemPairingCode(code)));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  });
});
