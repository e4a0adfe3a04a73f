import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ulid } from 'ulidx';
import { hasChromium } from './browser.ts';
import { FAMILIAR_BIN, runCliJson, type ServerProcess, startServerProcess, tempHome } from './processes.ts';

/** The built web app the server serves (`npm install` builds it through `prepare`). */
export const WEB_DIST = resolve(import.meta.dirname, '../../../web/dist/index.html');
/** True when the browser tests can run: Chromium is installed and the web app is built. */
export const canRunBrowserTests = hasChromium && existsSync(WEB_DIST);
/** Where browser tests write their screenshots (ignored by git; the README's two are copied from here by hand). */
export const SCREENSHOTS = resolve(import.meta.dirname, '../../../../bench/out/screenshots');
/** The passphrase the browser tests give their user. */
export const PASSPHRASE = 'correct horse battery';
/** The viewports screenshots are taken at. */
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

/** Runs `familiar <args>` with `input` on stdin; resolves with the exit code. */
export function withStdin(home: string, args: readonly string[], input: string): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [FAMILIAR_BIN, ...args], {
      env: { ...process.env, FAMILIAR_HOME: home, FAMILIAR_LOG_LEVEL: 'warn' },
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    child.on('error', fail);
    child.on('close', (code) => done(code ?? 1));
    child.stdin.end(input);
  });
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((wait) => setTimeout(wait, 500));
  }
}

/** A server for browser tests, with one user (`ada`, UTC) who has a passphrase, and a session for HTTP checks. */
export interface WebServer {
  home: string;
  server: ServerProcess;
  /** The session cookie (`name=value`) and its CSRF token, for requests the test makes itself. */
  cookie: string;
  csrf: string;
  /** A device token (device "laptop"), for storing observations as a device would. */
  token: string;
}

/**
 * Makes a home with user `ada` and a device (and `familiar.config.json` from `options.config`), starts `familiar start` on it (memory follows the timeline every second,
 * so Today's episodes appear within seconds) and logs in over HTTP.
 */
export async function startWebServer(
  prefix: string,
  options: { env?: NodeJS.ProcessEnv; config?: Record<string, unknown> } = {},
): Promise<WebServer> {
  const home = tempHome(prefix);
  mkdirSync(SCREENSHOTS, { recursive: true });
  if (options.config) writeFileSync(join(home, 'familiar.config.json'), JSON.stringify(options.config));
  await runCliJson(home, ['user', 'add', 'ada', '--timezone', 'UTC']);
  if ((await withStdin(home, ['user', 'passphrase', '--stdin'], `${PASSPHRASE}\n`)) !== 0) {
    throw new Error('familiar user passphrase failed');
  }
  const { token } = await runCliJson<{ token: string }>(home, ['device', 'add', '--name', 'laptop']);
  const server = await startServerProcess(home, { FAMILIAR_MEMORY_INTERVAL_MS: '1000', ...options.env });
  const login = await fetch(`${server.url}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'ada', passphrase: PASSPHRASE }),
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  return { home, server, cookie, csrf: csrfToken, token };
}

/** Stops a server started for a browser test and waits for it to exit. */
export async function stopServer(server: ServerProcess | undefined): Promise<void> {
  if (!server) return;
  server.child.kill('SIGTERM');
  await server.exited;
}

/** Calls the HTTP API as the logged-in person (cookie, and the CSRF token on unsafe methods). */
export async function asPerson<T = unknown>(
  web: Pick<WebServer, 'server' | 'cookie' | 'csrf'>,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: T }> {
  const method = init.method ?? 'GET';
  const response = await fetch(`${web.server.url}${path}`, {
    method,
    headers: {
      cookie: web.cookie,
      ...(method === 'GET' ? {} : { 'x-csrf-token': web.csrf }),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

/** Stores notes as the device would (`POST /v1/observations`); resolves with their ids. */
export async function storeNotes(
  web: Pick<WebServer, 'server' | 'token'>,
  notes: ReadonlyArray<{ text: string; at: number; id?: string }>,
): Promise<string[]> {
  const observations = notes.map((note) => ({
    id: note.id ?? ulid(),
    modality: 'note',
    capturedAt: new Date(note.at).toISOString(),
    text: note.text,
  }));
  const stored = await fetch(`${web.server.url}/v1/observations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${web.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ observations }),
  });
  if (stored.status !== 200) throw new Error(`storing notes failed: ${stored.status} ${await stored.text()}`);
  return observations.map((observation) => observation.id);
}

/** A new browser context at `viewport`, logged in as `ada` through the login page; resolves on Today. */
export async function logIn(
  browser: Browser,
  url: string,
  viewport: { width: number; height: number },
): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(`${url}/login`);
  await page.getByLabel('Name').fill('ada');
  await page.getByLabel('Passphrase').fill(PASSPHRASE);
  await page.getByRole('button', { name: /log in/i }).click();
  await page.waitForURL('**/today', { timeout: 30_000 });
  return page;
}

/** Opens a path of the app and waits until the network is quiet (the lazy view and its data have loaded). */
export async function openPath(page: Page, url: string, path: string): Promise<void> {
  await page.goto(`${url}${path}`);
  await page.waitForLoadState('networkidle');
}

/** Waits until every image on the page has loaded (thumbnails come through signed media links). */
export async function imagesLoaded(page: Page): Promise<void> {
  await page.waitForFunction(
    '[...document.images].every((image) => image.complete && image.naturalWidth > 0)',
    undefined,
    { timeout: 30_000 },
  );
}

/** axe-core's browser bundle, injected into pages to check them against WCAG 2.1 A and AA. */
const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** One rule a page breaks, with where (CSS selectors of up to 5 elements). */
export interface AccessibilityViolation {
  rule: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core on the page as it is (WCAG 2.0/2.1 A and AA rules: names and labels, contrast, landmarks, ARIA use)
 * and returns what it breaks; an empty list is a pass.
 */
export async function accessibilityViolations(page: Page): Promise<AccessibilityViolation[]> {
  await page.addScriptTag({ path: AXE_SCRIPT });
  return page.evaluate(`(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    });
    return result.violations.map((violation) => ({
      rule: violation.id,
      impact: violation.impact ?? null,
      help: violation.help,
      targets: violation.nodes.slice(0, 5).map((node) => node.target.join(' ')),
    }));
  })()`);
}

/**
 * Checks a view the way a person meets it: it breaks no WCAG A/AA rule axe-core tests (the test fails with the list),
 * then writes its full-page screenshot as `<view>-<size>.png`.
 */
export async function checkView(page: Page, view: string, size: 'phone' | 'desktop'): Promise<void> {
  const violations = await accessibilityViolations(page);
  if (violations.length > 0) {
    throw new Error(
      `${view} (${size}) breaks accessibility rules:\n${violations
        .map((v) => `- ${v.rule} (${v.impact}): ${v.help} at ${v.targets.join(', ')}`)
        .join('\n')}`,
    );
  }
  await page.screenshot({ path: join(SCREENSHOTS, `${view}-${size}.png`), fullPage: true });
}

/** `familiar device add <name> --url <server>`: the one-time pairing link a phone opens (`/pair#code=…`). */
export async function pairingLink(web: Pick<WebServer, 'home' | 'server'>, name: string): Promise<string> {
  const added = await runCliJson<{ pairing: { link: string } }>(web.home, [
    'device',
    'add',
    name,
    '--url',
    web.server.url,
  ]);
  return added.pairing.link;
}
