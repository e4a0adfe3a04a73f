import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, writeSignVideo } from './support/browser.ts';
import { runCliJson, type ServerProcess, startServerProcess, tempHome } from './support/processes.ts';
import {
  canRunBrowserTests,
  DESKTOP,
  PASSPHRASE,
  PHONE,
  SCREENSHOTS,
  until,
  withStdin,
} from './support/web-e2e.ts';

describe.skipIf(!canRunBrowserTests)('the web app in a real browser (Debian Chromium)', () => {
  let home: string;
  let server: ServerProcess;
  let browser: Browser;
  let cookie: string;

  /** The person's frame observations, read over HTTP with their session. */
  async function frames(): Promise<Array<{ id: string; text: string; captureId: string | null }>> {
    const response = await fetch(`${server.url}/v1/observations?modality=frame&limit=100`, {
      headers: { cookie },
    });
    expect(response.status).toBe(200);
    return (
      (await response.json()) as {
        observations: Array<{ id: string; text: string; captureId: string | null }>;
      }
    ).observations;
  }

  beforeAll(async () => {
    home = tempHome('familiar-web-e2e-');
    mkdirSync(SCREENSHOTS, { recursive: true });
    await runCliJson(home, ['user', 'add', 'ada', '--timezone', 'UTC']);
    expect(await withStdin(home, ['user', 'passphrase', '--stdin'], `${PASSPHRASE}\n`)).toBe(0);
    // Memory (episodes, which Today lists) follows the timeline every second rather than on the default timer.
    server = await startServerProcess(home, { FAMILIAR_MEMORY_INTERVAL_MS: '1000' });
    const login = await fetch(`${server.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'ada', passphrase: PASSPHRASE }),
    });
    expect(login.status).toBe(200);
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const video = join(home, 'sign.y4m');
    await writeSignVideo(video, ['CORNER BAKERY', 'SOURDOUGH TODAY']);
    browser = await launchChromium({ video });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (server) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('pairs from the link, streams the camera, shows the sign in Today, and pause stops frames', async () => {
    const added = await runCliJson<{ pairing: { link: string } }>(home, [
      'device',
      'add',
      'phone',
      '--url',
      server.url,
    ]);
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    const scripts: Array<{ url: string; gzipped: number }> = [];
    page.on('response', async (response) => {
      if (response.request().resourceType() !== 'script') return;
      scripts.push({ url: response.url(), gzipped: gzipSync(await response.body()).byteLength });
    });
    await page.goto(added.pairing.link);
    await page.waitForURL('**/device', { timeout: 30_000 });
    await page.getByLabel('Frame every').selectOption('1000');
    await page.getByLabel('Camera', { exact: true }).check();

    // The device view's JavaScript on first load, from the network log, gzipped.
    await until('the device view scripts', async () =>
      scripts.some((script) => script.url.includes('device-view')),
    );
    const total = scripts.reduce((sum, script) => sum + script.gzipped, 0);
    expect(total).toBeLessThanOrEqual(200 * 1024);

    const seen = await until(
      'the sign read from a streamed frame',
      async () => (await frames()).find((frame) => /BAKERY/i.test(frame.text)),
      90_000,
    );
    expect(seen.captureId).not.toBeNull();
    expect(seen.text).toMatch(/CORNER BAKERY/i);
    await page.screenshot({ path: join(SCREENSHOTS, 'device-phone.png'), fullPage: true });

    // The privacy pause: no frame reaches the server while it is on.
    await page.getByRole('button', { name: 'Pause capture (privacy)' }).click();
    await page.getByRole('button', { name: 'Resume capture' }).waitFor();
    await new Promise((wait) => setTimeout(wait, 1_500));
    const before = (await frames()).length;
    await new Promise((wait) => setTimeout(wait, 4_000));
    expect((await frames()).length).toBe(before);
    await page.getByRole('button', { name: 'Resume capture' }).click();
    await context.close();
  }, 180_000);

  async function loggedIn(viewport: { width: number; height: number }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Name').fill('ada');
    await page.getByLabel('Passphrase').fill(PASSPHRASE);
    await page.getByRole('button', { name: /log in/i }).click();
    await page.waitForURL('**/today', { timeout: 30_000 });
    return page;
  }

  it('logs in, and Today shows what the camera read, at phone and desktop size', async () => {
    for (const [name, viewport] of [
      ['phone', PHONE],
      ['desktop', DESKTOP],
    ] as const) {
      const page = await loggedIn(viewport);
      await until(
        'the sign in Today',
        async () => {
          await page.reload();
          await page.waitForLoadState('networkidle');
          return (await page.getByText(/BAKERY/i).count()) > 0;
        },
        120_000,
      );
      // Thumbnails come through signed media links: the screenshot waits for them.
      await page.waitForFunction(
        '[...document.images].every((image) => image.complete && image.naturalWidth > 0)',
      );
      await page.screenshot({ path: join(SCREENSHOTS, `today-${name}.png`), fullPage: true });
      await page.context().close();
    }
  }, 300_000);
});
