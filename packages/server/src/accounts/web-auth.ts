import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuditLog } from '../audit/index.ts';
import { type Clock, FamiliarError, UnauthorizedError } from '../kernel/index.ts';
import type { AccountStore } from './account-store.ts';
import type { Principal } from './accounts.ts';
import { createLoginRateLimiter, type LoginRateLimitOptions } from './login-rate-limiter.ts';
import { hashPassphrase, verifyPassphrase } from './passphrase.ts';
import type { Device, User } from './types.ts';
import type { WebAuthStore, WebSession } from './web-auth-store.ts';

/** How long a browser session lasts after its last use (30 days, the cookie's Max-Age). */
export const SESSION_TTL_MS = 30 * 24 * 3_600_000;
/** How long a pairing code works (10 minutes). */
export const PAIRING_TTL_MS = 10 * 60_000;
/** A session's last use is written at most this often (its expiry slides with it). */
const TOUCH_EVERY_MS = 60_000;

const WRONG_LOGIN = 'wrong user name or passphrase';
const PAIR_AGAIN =
  'this pairing code is not valid (used, expired or unknown): run `familiar device add` again';
/** A hash no passphrase matches: checked for unknown users so their answer takes as long as a wrong passphrase. */
const DECOY = {
  hash: '00'.repeat(32),
  salt: '00'.repeat(16),
  params: JSON.stringify({ algorithm: 'scrypt', N: 2 ** 15, r: 8, p: 1, keyLength: 32 }),
};

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const randomToken = (bytes: number) => randomBytes(bytes).toString('base64url');

/** The pairing key a code seals its device token with (a label keeps it apart from the code's stored hash). */
const sealingKey = (code: string) => createHash('sha256').update(`familiar pairing seal\0${code}`).digest();

/** Seals a device token with AES-256-GCM under a key derived from the pairing code. */
function sealToken(token: string, code: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(code), iv);
  const sealed = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** Opens a sealed token; a wrong code or damaged text is an error. */
function openToken(sealed: string, code: string): string {
  const bytes = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(code), bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
}

/** Equal strings, compared in constant time (both are hashed first, so lengths do not show either). */
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(Buffer.from(sha256(given), 'hex'), Buffer.from(sha256(expected), 'hex'));
}

/** A signed-in browser: the person, the session (its cookie value and CSRF token) and when it ends. */
export interface WebLogin {
  user: User;
  /** The cookie value (shown once; only its hash is stored). */
  sessionToken: string;
  csrfToken: string;
  expiresAt: number;
}

/** A browser session found from its cookie: who, and the session row (for the CSRF check). */
export type WebSessionPrincipal = Principal & { session: WebSession };

/** What a pairing code gives the device that redeems it. */
export interface PairedDevice {
  token: string;
  device: Device;
  user: User;
}

/**
 * The web app's sign-in: passphrases (scrypt), browser sessions (sliding 30-day expiry, CSRF token per session),
 * one-time pairing codes that hand a device its token, and a limit on failed logins (in memory, per user name and
 * per client address). Logins, logouts, failed logins and pairings are audited, never with the passphrase.
 */
export function createWebAuth({
  store,
  accounts,
  audit,
  clock,
  rateLimit = {},
}: {
  store: WebAuthStore;
  accounts: Pick<AccountStore, 'getUser' | 'getUserByName' | 'getDevice'>;
  audit: AuditLog;
  clock: Clock;
  rateLimit?: LoginRateLimitOptions;
}) {
  const limiter = createLoginRateLimiter({ clock, ...rateLimit });
  const maxFailures = rateLimit.maxFailures ?? 5;
  const windowMs = rateLimit.windowMs ?? 15 * 60_000;

  /**
   * How long a user must wait by the failures every server has seen: the wrong passphrases in the audit log (shared
   * by all servers on one database) since the user's last login, in the window. The in-memory limiter covers client
   * addresses and unknown names; this makes the per-user limit hold with N servers, not N times over.
   */
  async function sharedWaitMs(userId: string): Promise<number> {
    const now = clock.now();
    const events = await audit.list(userId, {
      actionPrefix: 'session.login',
      sinceMs: now - windowMs,
      limit: maxFailures * 4,
    });
    const failures: number[] = [];
    for (const event of events) {
      if (event.action === 'session.login') break;
      if (event.action === 'session.login-failed' && event.details?.reason === 'wrong-passphrase')
        failures.push(event.at);
    }
    if (failures.length < maxFailures) return 0;
    // Newest first: the window reopens when the maxFailures-th newest failure leaves it.
    return Math.max(0, (failures[maxFailures - 1] as number) + windowMs - now);
  }
  const record = (
    userId: string | null,
    actor: string,
    action: 'session.login' | 'session.logout' | 'session.login-failed' | 'device.pair',
    target: string | null,
    details: Record<string, unknown> | null = null,
  ) => audit.record({ userId, at: clock.now(), actor, action, target, details });
  const actorFor = (idHash: string) => `web:${idHash.slice(0, 8)}`;

  /** Sets a user's passphrase (at least 8 characters); every browser session of the user ends. */
  async function setPassphrase(userId: string, passphrase: string): Promise<{ sessionsEnded: number }> {
    const hashed = await hashPassphrase(passphrase);
    await store.setPassphrase({ userId, ...hashed, updatedAt: clock.now() });
    return { sessionsEnded: await store.deleteUserSessions(userId) };
  }

  /**
   * Checks a user name and passphrase and opens a session. A wrong name and a wrong passphrase get the same answer;
   * after 5 failures in 15 minutes for the name or the client address, logins are refused (`rate_limited`, with
   * `details.retryAfterSeconds`) whatever the passphrase.
   */
  async function login(input: { user: string; passphrase: string; client: string }): Promise<WebLogin> {
    const keys = [`user:${input.user.normalize('NFC').toLowerCase()}`, `client:${input.client}`];
    const user = await accounts.getUserByName(input.user);
    const waitMs = Math.max(limiter.retryAfterMs(keys), user ? await sharedWaitMs(user.id) : 0);
    if (waitMs > 0) {
      await record(user?.id ?? null, 'web', 'session.login-failed', null, { reason: 'rate-limited' });
      const retryAfterSeconds = Math.ceil(waitMs / 1000);
      throw new FamiliarError(
        'rate_limited',
        `too many failed logins: try again in ${Math.ceil(retryAfterSeconds / 60)} minute(s)`,
        { details: { retryAfterSeconds } },
      );
    }
    const stored = user ? await store.getPassphrase(user.id) : null;
    const matches = await verifyPassphrase(input.passphrase, stored ?? DECOY);
    if (!user || !stored || !matches) {
      limiter.fail(keys);
      const reason = !user ? 'unknown-user' : !stored ? 'no-passphrase' : 'wrong-passphrase';
      await record(user?.id ?? null, 'web', 'session.login-failed', null, { reason });
      if (user && !stored)
        throw new UnauthorizedError(
          `${user.name} has no passphrase yet: set one with \`familiar user passphrase --user ${user.name}\``,
        );
      throw new UnauthorizedError(WRONG_LOGIN);
    }
    limiter.reset(keys[0]!);
    const now = clock.now();
    const sessionToken = randomToken(32);
    const session: WebSession = {
      idHash: sha256(sessionToken),
      userId: user.id,
      csrfToken: randomToken(32),
      createdAt: now,
      expiresAt: now + SESSION_TTL_MS,
      lastUsedAt: now,
    };
    await store.pruneExpired(now);
    await store.createSession(session);
    await record(user.id, actorFor(session.idHash), 'session.login', null);
    return { user, sessionToken, csrfToken: session.csrfToken, expiresAt: session.expiresAt };
  }

  /** The person a session cookie signs in, sliding its expiry; a missing, unknown or expired cookie is a 401. */
  async function authenticateSession(sessionToken: string | undefined): Promise<WebSessionPrincipal> {
    if (!sessionToken || sessionToken.length > 200)
      throw new UnauthorizedError('not signed in: log in with your user name and passphrase');
    const now = clock.now();
    const found = await store.findSession(sha256(sessionToken), now);
    if (!found) throw new UnauthorizedError('this session has ended (logged out or expired): log in again');
    const { session, user } = found;
    if (now - session.lastUsedAt >= TOUCH_EVERY_MS) {
      session.lastUsedAt = now;
      session.expiresAt = now + SESSION_TTL_MS;
      await store.touchSession(session.idHash, session.lastUsedAt, session.expiresAt);
    }
    return { user, device: null, session };
  }

  /** Refuses a state-changing request whose `X-CSRF-Token` header is not the session's token (403 `forbidden`). */
  function checkCsrf(session: WebSession, header: string | undefined): void {
    if (!header || !sameSecret(header, session.csrfToken))
      throw new FamiliarError('forbidden', 'missing or wrong CSRF token: send the X-CSRF-Token header');
  }

  /** Ends a session (logout); true when there was one to end. */
  async function logout(session: WebSession): Promise<boolean> {
    const ended = await store.deleteSession(session.idHash);
    if (ended) await record(session.userId, actorFor(session.idHash), 'session.logout', null);
    return ended;
  }

  /**
   * Makes a one-time pairing code for a device just added with `token`: the code (shown once) opens the token for
   * 10 minutes, once. Only the code's hash is stored, and the token is sealed with a key only the code gives.
   */
  async function issuePairingCode(input: {
    userId: string;
    deviceId: string;
    token: string;
  }): Promise<{ code: string; expiresAt: number }> {
    const code = randomToken(18);
    const expiresAt = clock.now() + PAIRING_TTL_MS;
    await store.createPairingCode({
      codeHash: sha256(code),
      userId: input.userId,
      deviceId: input.deviceId,
      sealedToken: sealToken(input.token, code),
      expiresAt,
      usedAt: null,
    });
    return { code, expiresAt };
  }

  /** Redeems a pairing code once for its device's token; a used, expired or unknown code is a 401. */
  async function redeemPairingCode(code: string): Promise<PairedDevice> {
    if (code.length < 16 || code.length > 64) throw new UnauthorizedError(PAIR_AGAIN);
    const redeemed = await store.redeemPairingCode(sha256(code), clock.now());
    if (!redeemed) throw new UnauthorizedError(PAIR_AGAIN);
    const [user, device] = await Promise.all([
      accounts.getUser(redeemed.userId),
      accounts.getDevice(redeemed.userId, redeemed.deviceId),
    ]);
    if (!user || !device) throw new UnauthorizedError(PAIR_AGAIN);
    const token = openToken(redeemed.sealedToken, code);
    await record(user.id, `device:${device.id}`, 'device.pair', device.id);
    return { token, device, user };
  }

  return {
    setPassphrase,
    login,
    authenticateSession,
    checkCsrf,
    logout,
    issuePairingCode,
    redeemPairingCode,
  };
}

/** The web sign-in service's type. */
export type WebAuth = ReturnType<typeof createWebAuth>;
