import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ulid } from 'ulidx';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Familiar, openFamiliar } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createHttpApp } from '../src/http/index.ts';
import { createSilentLogger } from '../src/kernel/index.ts';
import { tempHome } from './support/processes.ts';

// biome-ignore lint/suspicious/noExplicitAny: bodies are asserted field by field, like a client would read them
type JsonResponse = Omit<Response, 'json'> & { json(): Promise<any> };

/** The `name=value` pair of a Set-Cookie header, and the header itself. */
function cookieOf(response: Response): { pair: string; header: string } {
  const header = response.headers.get('set-cookie') ?? '';
  return { pair: header.split(';')[0] ?? '', header };
}

/** Medium tests of the web app's sign-in and files: the real Hono app on a real SQLite home, called in process. */
describe('web sign-in over HTTP', () => {
  let home: string;
  let familiar: Familiar;
  let app: ReturnType<typeof createHttpApp>;
  let adaToken: string;
  let adaId: string;

  const call = async (path: string, init: RequestInit = {}, env?: unknown): Promise<JsonResponse> =>
    app.request(path, init, env);
  const login = (user: string, passphrase: string, env?: unknown) =>
    call(
      '/v1/session',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user, passphrase }),
      },
      env,
    );
  const note = (text: string) => ({
    observations: [{ id: ulid(), modality: 'note', capturedAt: '2026-03-02T10:00:00Z', text }],
  });

  beforeEach(async () => {
    home = tempHome();
    familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: home }), { logger: createSilentLogger() });
    app = createHttpApp(familiar);
    adaId = (await familiar.accounts.addUser({ name: 'ada', timezone: 'Europe/Paris' })).id;
    const bo = await familiar.accounts.addUser({ name: 'bo', timezone: 'UTC' });
    adaToken = (await familiar.accounts.addDevice({ userName: 'ada', name: 'glasses' })).token;
    await familiar.webAuth.setPassphrase(adaId, 'correct horse battery');
    await familiar.webAuth.setPassphrase(bo.id, 'bo passphrase');
  });
  afterEach(async () => {
    await familiar.close();
  });

  it('logs in with a cookie that works like a token, needs the CSRF token to change anything, and logs out', async () => {
    const response = await login('ada', 'correct horse battery');
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ user: { id: adaId, name: 'ada', timezone: 'Europe/Paris' } });
    expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(29 * 24 * 3_600_000);
    const cookie = cookieOf(response);
    expect(cookie.header).toMatch(
      /^familiar_session=[A-Za-z0-9_-]{43}; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Strict$/,
    );

    const me = await call('/v1/me', { headers: { cookie: cookie.pair } });
    expect(await me.json()).toMatchObject({ user: { name: 'ada' }, device: null });
    const session = await call('/v1/session', { headers: { cookie: cookie.pair } });
    expect(await session.json()).toEqual(expect.objectContaining({ csrfToken: body.csrfToken }));

    const write = (headers: Record<string, string>) =>
      call('/v1/observations', {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: cookie.pair, ...headers },
        body: JSON.stringify(note('written from the dashboard')),
      });
    const refused = await write({});
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({
      error: { code: 'forbidden', message: expect.stringContaining('CSRF') },
    });
    expect((await write({ 'x-csrf-token': 'not-the-token' })).status).toBe(403);
    expect((await write({ 'x-csrf-token': body.csrfToken })).status).toBe(200);
    expect(await familiar.timeline.count(adaId)).toBe(1);
    // The write is audited as the web session.
    const audit = await familiar.audit.list(adaId, { action: 'observations.write' });
    expect(audit[0]?.actor).toMatch(/^web:[0-9a-f]{8}$/);

    expect((await call('/v1/session', { method: 'DELETE', headers: { cookie: cookie.pair } })).status).toBe(
      403,
    );
    const out = await call('/v1/session', {
      method: 'DELETE',
      headers: { cookie: cookie.pair, 'x-csrf-token': body.csrfToken },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^familiar_session=; Max-Age=0/);
    expect((await call('/v1/me', { headers: { cookie: cookie.pair } })).status).toBe(401);
    expect((await call('/v1/session', { headers: { cookie: cookie.pair } })).status).toBe(401);
    expect((await familiar.audit.list(adaId, { actionPrefix: 'session.' })).map((e) => e.action)).toEqual([
      'session.logout',
      'session.login',
    ]);
  });

  it('marks the cookie Secure when served over HTTPS', async () => {
    const response = await call('https://familiar.local/v1/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'ada', passphrase: 'correct horse battery' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toMatch(/; HttpOnly; Secure; SameSite=Strict$/);
  });

  it('lets a bearer token win over a cookie, without a CSRF header', async () => {
    const bo = cookieOf(await login('bo', 'bo passphrase'));
    const me = await call('/v1/me', { headers: { cookie: bo.pair, authorization: `Bearer ${adaToken}` } });
    expect(await me.json()).toMatchObject({ user: { name: 'ada' }, device: { name: 'glasses' } });
    const posted = await call('/v1/observations', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: bo.pair, authorization: `Bearer ${adaToken}` },
      body: JSON.stringify(note('from the glasses')),
    });
    expect(posted.status).toBe(200);
    const wrongBearer = await call('/v1/me', {
      headers: { cookie: bo.pair, authorization: 'Bearer fam_nope' },
    });
    expect(wrongBearer.status).toBe(401);
  });

  it('answers a wrong name and passphrase alike, says how to set one, and limits failures with retry-after', async () => {
    await familiar.accounts.addUser({ name: 'cy', timezone: 'UTC' });
    const wrongName = await login('eve', 'correct horse battery');
    const wrongPassphrase = await login('ada', 'incorrect horse');
    expect(wrongName.status).toBe(401);
    expect(await wrongName.json()).toEqual(await wrongPassphrase.json());
    const none = await login('cy', 'anything at all');
    expect(none.status).toBe(401);
    expect((await none.json()).error.message).toContain('familiar user passphrase');
    expect((await call('/v1/session', { method: 'POST', body: '{}' })).status).toBe(415);
    expect((await login('', '')).status).toBe(422);

    const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });
    for (let i = 0; i < 4; i += 1)
      expect((await login('ada', 'guess guess', from(`10.0.0.${i}`))).status).toBe(401);
    const limited = await login('ada', 'correct horse battery', from('10.0.0.9'));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(await limited.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect((await login('bo', 'bo passphrase', from('10.0.0.9'))).status).toBe(200);
    const failures = await familiar.audit.list(adaId, { action: 'session.login-failed' });
    expect(failures.map((e) => e.details?.reason)).toContain('rate-limited');
    expect(JSON.stringify(failures)).not.toMatch(/guess|horse/);
  });

  it('pairs a device once with a code, whose token then streams and posts as that device', async () => {
    const { device, token } = await familiar.accounts.addDevice({ userName: 'ada', name: 'phone' });
    const { code } = await familiar.webAuth.issuePairingCode({ userId: adaId, deviceId: device.id, token });
    const pair = (value: string) =>
      call('/v1/pair', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: value }),
      });
    const paired = await pair(code);
    expect(paired.status).toBe(200);
    expect(await paired.json()).toEqual({
      token,
      device: { id: device.id, name: 'phone' },
      user: { id: adaId, name: 'ada', timezone: 'Europe/Paris' },
    });
    const again = await pair(code);
    expect(again.status).toBe(401);
    expect((await again.json()).error.message).toContain('familiar device add');
    expect((await pair('a'.repeat(24))).status).toBe(401);
    const me = await call('/v1/me', { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toMatchObject({ device: { id: device.id } });
    expect((await familiar.audit.list(adaId, { action: 'device.pair' }))[0]?.target).toBe(device.id);
  });
});

describe('the web app’s files', () => {
  let home: string;
  let familiar: Familiar;
  let webDir: string;
  let app: ReturnType<typeof createHttpApp>;

  beforeEach(() => {
    home = tempHome();
    webDir = join(home, 'dist');
    mkdirSync(join(webDir, 'assets'), { recursive: true });
    mkdirSync(join(webDir, 'icons'));
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>Familiar app</title>');
    writeFileSync(join(webDir, 'assets', 'index-abc123.js'), 'console.log("app")');
    writeFileSync(join(webDir, 'assets', 'index-abc123.css'), 'body{}');
    writeFileSync(join(webDir, 'icons', 'icon-192.png'), new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
    writeFileSync(join(webDir, 'manifest.webmanifest'), '{"name":"Familiar"}');
    writeFileSync(join(webDir, 'sw.js'), 'self.addEventListener("fetch", () => {})');
    writeFileSync(join(home, 'secret.txt'), 'outside the web folder');
    symlinkSync(join(home, 'secret.txt'), join(webDir, 'assets', 'link.js'));
    familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: home, FAMILIAR_WEB_DIR: webDir }), {
      logger: createSilentLogger(),
    });
    app = createHttpApp(familiar);
  });
  afterEach(async () => {
    await familiar.close();
  });

  it('serves the page, assets, manifest, service worker and icons without a token, with their types and caching', async () => {
    const page = await app.request('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toContain('Familiar app');
    const script = await app.request('/assets/index-abc123.js');
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await app.request('/assets/index-abc123.css')).headers.get('content-type')).toMatch(/^text\/css/);
    expect((await app.request('/icons/icon-192.png')).headers.get('content-type')).toBe('image/png');
    expect((await app.request('/manifest.webmanifest')).headers.get('content-type')).toBe(
      'application/manifest+json',
    );
    const worker = await app.request('/sw.js');
    expect(worker.headers.get('cache-control')).toBe('no-cache');
    expect(await worker.text()).toContain('addEventListener');
  });

  it('gzips text assets for clients that take it, once per file, and leaves small files and images alone', async () => {
    const big = `${'console.log("the device view");\n'.repeat(200)}`;
    writeFileSync(join(webDir, 'assets', 'device-view-def456.js'), big);
    const zipped = await app.request('/assets/device-view-def456.js', {
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(zipped.headers.get('vary')).toBe('accept-encoding');
    const bytes = new Uint8Array(await zipped.arrayBuffer());
    expect(bytes.byteLength).toBeLessThan(big.length / 10);
    expect(gunzipSync(bytes).toString('utf8')).toBe(big);
    const again = await app.request('/assets/device-view-def456.js', {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(new Uint8Array(await again.arrayBuffer())).toEqual(bytes);

    for (const refused of [undefined, 'identity', 'gzip;q=0, br']) {
      const plain = await app.request('/assets/device-view-def456.js', {
        headers: refused ? { 'accept-encoding': refused } : {},
      });
      expect(plain.headers.get('content-encoding')).toBeNull();
      expect(await plain.text()).toBe(big);
    }
    // Small files and images go as they are.
    const small = await app.request('/assets/index-abc123.js', { headers: { 'accept-encoding': 'gzip' } });
    expect(small.headers.get('content-encoding')).toBeNull();
    const icon = await app.request('/icons/icon-192.png', { headers: { 'accept-encoding': 'gzip' } });
    expect(icon.headers.get('content-encoding')).toBeNull();
  });

  it('answers client-side routes with the page for browsers, and 404 JSON otherwise', async () => {
    for (const path of ['/today', '/ask', '/device', '/pair'])
      expect(await (await app.request(path, { headers: { accept: 'text/html,*/*' } })).text()).toContain(
        'Familiar app',
      );
    expect((await app.request('/today', { headers: { accept: 'application/json' } })).status).toBe(404);
    const api = await app.request('/v1/nothing-here', { headers: { accept: 'text/html' } });
    expect(api.status).toBe(401);
    expect((await app.request('/assets/missing.js')).status).toBe(404);
  });

  it('never serves a file outside the web folder', async () => {
    for (const path of [
      '/assets/../../secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e%5c%2e%2e%5csecret.txt',
      '/icons/..%2F..%2Fsecret.txt',
      '/assets/link.js',
      '/assets/%00.js',
      '/assets//etc/passwd',
    ]) {
      const response = await app.request(path, { headers: { accept: 'text/html' } });
      const text = await response.text();
      expect(text, path).not.toContain('outside the web folder');
      expect([404, 200], path).toContain(response.status);
    }
  });

  it('shows the landing page with how to build the web app when it is not built', async () => {
    const bare = createHttpApp({
      ...familiar,
      config: { ...familiar.config, webDir: join(home, 'nothing') },
    });
    const page = await bare.request('/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('npm run build -w @familiar/web');
    expect((await bare.request('/today', { headers: { accept: 'text/html' } })).status).toBe(404);
  });
});
