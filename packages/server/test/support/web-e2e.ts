import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { hasChromium } from './browser.ts';
import { FAMILIAR_BIN } from './processes.ts';

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
