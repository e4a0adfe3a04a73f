import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ulid } from 'ulidx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
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

const KEYS = 'The spare keys are in the blue bowl by the front door.';

/**
 * The Memory and Settings views in a real browser: search finds a note, forgetting it first shows what goes with it,
 * and afterwards it is gone from the Memory view, from search and from Today; Settings shows the models and the
 * capture pause, which works from there. Screenshots of both views at phone and desktop size.
 */
describe.skipIf(!canRunBrowserTests)('the Memory and Settings views (Debian Chromium)', () => {
  let home: string;
  let server: ServerProcess;
  let browser: Browser;
  let cookie: string;
  let keysId: string;

  /** `GET /v1/search` with the person's session: the ids of the moments found. */
  async function searchIds(q: string): Promise<string[]> {
    const response = await fetch(`${server.url}/v1/search?q=${encodeURIComponent(q)}`, {
      headers: { cookie },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { moments: Array<{ observation: { id: string } }> };
    return body.moments.map((moment) => moment.observation.id);
  }

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

  /** Opens a path of the app and waits until the network is quiet (the lazy view and its data have loaded). */
  async function open(page: Page, path: string): Promise<void> {
    await page.goto(`${server.url}${path}`);
    await page.waitForLoadState('networkidle');
  }

  beforeAll(async () => {
    home = tempHome('familiar-web-memory-e2e-');
    mkdirSync(SCREENSHOTS, { recursive: true });
    await runCliJson(home, ['user', 'add', 'ada', '--timezone', 'UTC']);
    expect(await withStdin(home, ['user', 'passphrase', '--stdin'], `${PASSPHRASE}\n`)).toBe(0);
    const { token } = await runCliJson<{ token: string }>(home, ['device', 'add', '--name', 'laptop']);
    server = await startServerProcess(home, { FAMILIAR_MEMORY_INTERVAL_MS: '1000' });
    const login = await fetch(`${server.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'ada', passphrase: PASSPHRASE }),
    });
    expect(login.status).toBe(200);
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const now = Date.now();
    keysId = ulid();
    // The keys note comes after a 40-minute gap, so it is an episode of its own. (A note forgotten from an episode
    // that keeps other moments is still quoted by that episode's summary: see memory-dependents.test.ts.)
    const notes = [
      { id: ulid(), text: 'I live in Lisbon.', at: now - 41 * 60_000 },
      { id: ulid(), text: 'Buy sourdough at the corner bakery.', at: now - 40 * 60_000 },
      { id: keysId, text: KEYS, at: now - 60_000 },
    ];
    const stored = await fetch(`${server.url}/v1/observations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        observations: notes.map((note) => ({
          id: note.id,
          modality: 'note',
          capturedAt: new Date(note.at).toISOString(),
          text: note.text,
        })),
      }),
    });
    expect(stored.status).toBe(200);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (server) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('forgets a moment from the Memory view after showing what goes with it: gone from search and Today', async () => {
    const page = await loggedIn(DESKTOP);
    // Today lists episodes, which memory makes within a few seconds.
    await until(
      'the note in Today',
      async () => {
        await page.reload();
        await page.waitForLoadState('networkidle');
        return (await page.getByText(/blue bowl/).count()) > 0;
      },
      60_000,
    );
    expect(await searchIds('spare keys')).toContain(keysId);

    await page.getByRole('link', { name: 'Memory' }).click();
    await page.waitForURL('**/memory');
    await page.getByLabel('Search your memory').fill('spare keys');
    await page.getByRole('button', { name: 'Search' }).click();
    const moment = page.getByRole('listitem').filter({ hasText: 'blue bowl' }).first();
    await moment.waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(SCREENSHOTS, 'memory-desktop.png'), fullPage: true });

    await moment.getByRole('button', { name: /^Forget the moment/ }).click();
    const confirmation = page.getByRole('region', { name: /^Forget the moment/ });
    await confirmation.waitFor({ timeout: 30_000 });
    await expect(confirmation.textContent()).resolves.toMatch(/Forget this moment for good\?/);
    // Its episode, which holds nothing else, is listed as deleted.
    await expect(confirmation.textContent()).resolves.toMatch(/The episode “.+” is deleted/);
    await page.screenshot({ path: join(SCREENSHOTS, 'memory-forget-desktop.png'), fullPage: true });
    await confirmation.getByRole('button', { name: 'Forget for good' }).click();
    await page.getByText(/was forgotten/).waitFor({ timeout: 30_000 });
    await page.waitForLoadState('networkidle');
    await until(
      'the moment gone from the view',
      async () => (await page.getByText(/blue bowl/).count()) === 0,
    );

    // Gone from search (over the API and after a reload of the view) and from Today.
    expect(await searchIds('spare keys')).not.toContain(keysId);
    await open(page, '/memory?q=spare%20keys');
    await page
      .getByRole('heading', { name: 'Moments' })
      .or(page.getByText(/Nothing in your memory/))
      .first()
      .waitFor();
    expect(await page.getByText(/blue bowl/).count()).toBe(0);
    await open(page, '/today');
    await page.getByRole('heading', { name: 'Today' }).waitFor({ timeout: 30_000 });
    await page.waitForLoadState('networkidle');
    expect(await page.getByText(/blue bowl/).count()).toBe(0);
    const gone = await fetch(`${server.url}/v1/observations/${keysId}`, { headers: { cookie } });
    expect(gone.status).toBe(404);

    // The forget is in the audit log, and so is the search (counts only).
    await open(page, '/audit');
    await page.getByText('memory.forget').first().waitFor({ timeout: 30_000 });
    expect(await page.getByText('memory.search').count()).toBeGreaterThan(0);
    await page.context().close();
  }, 240_000);

  it('shows the models, the assistant settings and the capture pause in Settings, and pauses from there', async () => {
    for (const [name, viewport] of [
      ['phone', PHONE],
      ['desktop', DESKTOP],
    ] as const) {
      const page = await loggedIn(viewport);
      await open(page, '/settings');
      await page.getByRole('heading', { name: 'Models and routing' }).waitFor({ timeout: 30_000 });
      await page.getByText(/No language model is configured/).waitFor({ timeout: 30_000 });
      await page.getByText('Quiet hours').waitFor();
      await page.getByText('Capture is on').waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, `settings-${name}.png`), fullPage: true });
      if (name === 'desktop') {
        await page.getByRole('button', { name: 'Pause capture' }).click();
        await page.getByText('Capture is paused on all your devices').waitFor({ timeout: 30_000 });
        const state = await fetch(`${server.url}/v1/privacy`, { headers: { cookie } });
        expect(await state.json()).toMatchObject({ paused: true });
        await page.getByRole('button', { name: 'Resume capture' }).click();
        await page.getByText('Capture is on').waitFor({ timeout: 30_000 });
      }
      await open(page, '/memory?q=sourdough');
      await page
        .getByRole('listitem')
        .filter({ hasText: /sourdough/i })
        .first()
        .waitFor({ timeout: 30_000 });
      if (name === 'phone')
        await page.screenshot({ path: join(SCREENSHOTS, 'memory-phone.png'), fullPage: true });
      await page.context().close();
    }
  }, 240_000);
});
