import type { Browser } from 'playwright-core';
import { ulid } from 'ulidx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import {
  asPerson,
  canRunBrowserTests,
  checkView,
  DESKTOP,
  logIn,
  openPath,
  PHONE,
  startWebServer,
  stopServer,
  storeNotes,
  until,
  type WebServer,
} from './support/web-e2e.ts';

const KEYS = 'The spare keys are in the blue bowl by the front door.';

/**
 * The Memory and Settings views in a real browser: search finds a note, forgetting it first shows what goes with it,
 * and afterwards it is gone from the Memory view, from search and from Today; Settings shows the models, the
 * capture pause (which works from there), retention, encryption and the server's engines. Screenshots of both views
 * at phone and desktop size.
 */
describe.skipIf(!canRunBrowserTests)('the Memory and Settings views (Debian Chromium)', () => {
  let web: WebServer;
  let browser: Browser;
  let keysId: string;

  /** `GET /v1/search` with the person's session: the ids of the moments found. */
  async function searchIds(q: string): Promise<string[]> {
    const response = await asPerson<{ moments: Array<{ observation: { id: string } }> }>(
      web,
      `/v1/search?q=${encodeURIComponent(q)}`,
    );
    expect(response.status).toBe(200);
    return response.body.moments.map((moment) => moment.observation.id);
  }

  const loggedIn = (viewport: { width: number; height: number }) => logIn(browser, web.server.url, viewport);
  const open = (page: Parameters<typeof openPath>[0], path: string) => openPath(page, web.server.url, path);

  beforeAll(async () => {
    web = await startWebServer('familiar-web-memory-e2e-');
    const now = Date.now();
    keysId = ulid();
    // The keys note comes after a 40-minute gap, so it is an episode of its own.
    await storeNotes(web, [
      { text: 'I live in Lisbon.', at: now - 41 * 60_000 },
      { text: 'Buy sourdough at the corner bakery.', at: now - 40 * 60_000 },
      { id: keysId, text: KEYS, at: now - 60_000 },
    ]);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stopServer(web?.server);
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
    await checkView(page, 'memory', 'desktop');

    await moment.getByRole('button', { name: /^Forget the moment/ }).click();
    const confirmation = page.getByRole('region', { name: /^Forget the moment/ });
    await confirmation.waitFor({ timeout: 30_000 });
    await expect(confirmation.textContent()).resolves.toMatch(/Forget this moment for good\?/);
    // Its episode, which holds nothing else, is listed as deleted.
    await expect(confirmation.textContent()).resolves.toMatch(/The episode “.+” is deleted/);
    await checkView(page, 'memory-forget', 'desktop');
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
    expect((await asPerson(web, `/v1/observations/${keysId}`)).status).toBe(404);

    // The forget is in the audit log, and so is the search (counts only).
    await open(page, '/audit');
    await page.getByText('memory.forget').first().waitFor({ timeout: 30_000 });
    expect(await page.getByText('memory.search').count()).toBeGreaterThan(0);
    await page.context().close();
  }, 240_000);

  it('shows the models, the assistant settings, the capture pause, retention and engines in Settings, and pauses from there', async () => {
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
      // The server's engines and retention, as GET /v1/server says them (pocketsphinx is installed here).
      const speech = page.getByRole('listitem').filter({ hasText: 'Speech recognition' });
      await speech.waitFor({ timeout: 30_000 });
      expect(await speech.textContent()).toMatch(/^Speech recognition: available \(pocketsphinx/);
      await page.getByText('kept 7 days once transcribed (transcripts stay)').waitFor();
      await page.getByText('Off: the database and media are stored unencrypted').waitFor();
      await checkView(page, 'settings', name);
      if (name === 'desktop') {
        await page.getByRole('button', { name: 'Pause capture' }).click();
        await page.getByText('Capture is paused on all your devices').waitFor({ timeout: 30_000 });
        expect((await asPerson(web, '/v1/privacy')).body).toMatchObject({ paused: true });
        await page.getByRole('button', { name: 'Resume capture' }).click();
        await page.getByText('Capture is on').waitFor({ timeout: 30_000 });
      }
      await open(page, '/memory?q=sourdough');
      await page
        .getByRole('listitem')
        .filter({ hasText: /sourdough/i })
        .first()
        .waitFor({ timeout: 30_000 });
      if (name === 'phone') await checkView(page, 'memory', 'phone');
      await page.context().close();
    }
  }, 240_000);
});
