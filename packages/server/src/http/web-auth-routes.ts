import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { SESSION_TTL_MS, type User, type WebAuth } from '../accounts/index.ts';
import { toIso } from '../kernel/index.ts';
import { type Env, readJson } from './request-helpers.ts';

/** The browser session cookie's name. */
export const SESSION_COOKIE = 'familiar_session';

const LoginRequestSchema = z
  .object({
    user: z.string().trim().min(1, 'the user name is required').max(64),
    passphrase: z.string().min(1, 'the passphrase is required').max(1024),
  })
  .strict();
const PairRequestSchema = z
  .object({ code: z.string().trim().min(1, 'the pairing code is required').max(200) })
  .strict();

/** The request's client address, for the failed-login limit (`unknown` in process, e.g. `app.request()`). */
export function clientAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

/** True when the request came over HTTPS (the cookie then gets `Secure`). */
function overHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:';
}

/** The session cookie: HttpOnly, SameSite=Strict, the whole site, 30 days; Secure over HTTPS. */
function setSessionCookie(c: Context, value: string): void {
  setCookie(c, SESSION_COOKIE, value, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    maxAge: SESSION_TTL_MS / 1000,
    secure: overHttps(c),
  });
}

function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Strict', secure: overHttps(c) });
}

/** The session cookie's value, if the request carries one. */
export function sessionCookie(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE);
}

const presentUser = (user: User) => ({ id: user.id, name: user.name, timezone: user.timezone });

/**
 * The web app's sign-in routes, which answer without a device token (register them before the `/v1` auth):
 * `POST /v1/session` (log in with a user name and passphrase; sets the session cookie), `GET /v1/session` (who the
 * cookie signs in, with the session's CSRF token), `DELETE /v1/session` (log out; needs the CSRF token) and
 * `POST /v1/pair` (redeem a one-time pairing code for a device token).
 */
export function registerWebAuthRoutes(app: Hono<Env>, webAuth: WebAuth): void {
  app.post('/v1/session', async (c) => {
    const body = await readJson(c, LoginRequestSchema);
    const login = await webAuth.login({
      user: body.user,
      passphrase: body.passphrase,
      client: clientAddress(c),
    });
    setSessionCookie(c, login.sessionToken);
    c.header('cache-control', 'no-store');
    return c.json({
      user: presentUser(login.user),
      csrfToken: login.csrfToken,
      expiresAt: toIso(login.expiresAt),
    });
  });

  app.get('/v1/session', async (c) => {
    const token = sessionCookie(c);
    const { user, session } = await webAuth.authenticateSession(token);
    // The cookie's lifetime slides with the session's.
    setSessionCookie(c, token!);
    c.header('cache-control', 'no-store');
    return c.json({
      user: presentUser(user),
      csrfToken: session.csrfToken,
      expiresAt: toIso(session.expiresAt),
    });
  });

  app.delete('/v1/session', async (c) => {
    let principal: Awaited<ReturnType<WebAuth['authenticateSession']>>;
    try {
      principal = await webAuth.authenticateSession(sessionCookie(c));
    } catch (error) {
      // A cookie that no longer signs anyone in is cleared all the same.
      if (sessionCookie(c) !== undefined) clearSessionCookie(c);
      throw error;
    }
    webAuth.checkCsrf(principal.session, c.req.header('x-csrf-token'));
    await webAuth.logout(principal.session);
    clearSessionCookie(c);
    return c.body(null, 204);
  });

  app.post('/v1/pair', async (c) => {
    const body = await readJson(c, PairRequestSchema);
    const paired = await webAuth.redeemPairingCode(body.code);
    c.header('cache-control', 'no-store');
    return c.json({
      token: paired.token,
      device: { id: paired.device.id, name: paired.device.name },
      user: presentUser(paired.user),
    });
  });
}
