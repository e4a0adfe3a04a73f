import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import { runCliJson } from './support/processes.ts';
import {
  asPerson,
  canRunBrowserTests,
  checkView,
  DESKTOP,
  logIn,
  openPath,
  PASSPHRASE,
  PHONE,
  pairingLink,
  startWebServer,
  stopServer,
  storeNotes,
  until,
  type WebServer,
} from './support/web-e2e.ts';

interface GoalDetail {
  entries: Array<{ id: string; amount: number; status: string; origin: string }>;
}

/**
 * The Goals, Inbox, People and Audit views in a real browser: progress the assistant inferred from what the person
 * wrote is confirmed from Goals, and the confirmation shows in the Audit view; a screenshot of each view at phone and
 * desktop size.
 */
describe.skipIf(!canRunBrowserTests)('the Goals, Inbox, People and Audit views (Debian Chromium)', () => {
  let web: WebServer;
  let browser: Browser;
  let goalId: string;

  async function goal(): Promise<GoalDetail> {
    const response = await asPerson<GoalDetail>(web, `/v1/goals/${goalId}`);
    expect(response.status).toBe(200);
    return response.body;
  }

  beforeAll(async () => {
    web = await startWebServer('familiar-web-views-e2e-');
    await runCliJson(web.home, ['people', 'add', 'Maya Chen', '--alias', 'Maya']);
    await runCliJson(web.home, ['people', 'add', 'Sam Rivera', '--alias', 'Sam']);
    const created = await asPerson<{ id: string }>(web, '/v1/goals', {
      method: 'POST',
      body: { text: 'run a 10k by the end of April' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    goalId = created.body.id;
    // Progress counts from when the goal was set: the run is written after it. No time words in the run either
    // ("this morning" could date it before the goal existed).
    await new Promise((wait) => setTimeout(wait, 50));
    const now = Date.now();
    await storeNotes(web, [
      { text: "I'll send Sam Rivera the slide deck tomorrow.", at: now - 3_000 },
      { text: 'Lunch with Maya Chen: she is moving to Lisbon in March.', at: now - 2_000 },
      { text: 'just ran 8k', at: now },
    ]);
    await until(
      'progress inferred from the note',
      async () => (await goal()).entries.find((entry) => entry.status === 'inferred'),
      60_000,
    );
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stopServer(web?.server);
  });

  it('confirms inferred goal progress from Goals, and the confirmation shows in the Audit view', async () => {
    const page = await logIn(browser, web.server.url, DESKTOP);
    await openPath(page, web.server.url, '/goals');
    const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /10/ }) });
    await card.first().waitFor({ timeout: 30_000 });
    await card.getByRole('button', { name: 'Show the evidence' }).click();
    const inferred = card.locator('.entry-inferred').filter({ hasText: 'just ran 8k' });
    await inferred.waitFor({ timeout: 30_000 });
    await checkView(page, 'goals', 'desktop');
    await inferred.getByRole('button', { name: 'Confirm' }).click();
    await card.locator('.entry-confirmed').filter({ hasText: 'just ran 8k' }).waitFor({ timeout: 30_000 });
    expect((await goal()).entries.find((entry) => entry.amount === 8)).toMatchObject({
      status: 'confirmed',
      origin: 'rules',
    });

    await openPath(page, web.server.url, '/audit');
    await page.getByLabel('Show').selectOption('goals.');
    const row = page.getByRole('row').filter({ hasText: 'goals.progress.confirm' });
    await row.first().waitFor({ timeout: 30_000 });
    await checkView(page, 'audit', 'desktop');
    await page.context().close();
  }, 180_000);

  it('works from the keyboard alone: log in, skip to the content, move between views, with a visible focus', async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    /** Presses Tab until the focused element matches `selector` (at most 30 times). */
    const tabTo = async (selector: string): Promise<void> => {
      for (let presses = 0; presses < 30; presses++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate(`document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`))
          return;
      }
      throw new Error(`Tab never reached ${selector}`);
    };
    await page.goto(`${web.server.url}/login`);
    await page.getByLabel('Passphrase').waitFor();
    await tabTo('#login-user');
    await page.keyboard.type('ada');
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSPHRASE);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/today', { timeout: 30_000 });
    await page.getByRole('heading', { name: 'Today' }).waitFor({ timeout: 30_000 });

    // The first Tab on a view reaches "Skip to content", which shows itself when focused.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent?.trim()')).toBe('Skip to content');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    expect(await skip.isVisible()).toBe(true);

    await tabTo('a[href="/goals"]');
    // Focus is drawn: a ring (box shadow) and, for forced-colors modes, an outline.
    const focus = (await page.evaluate(
      '(({ boxShadow, outlineStyle }) => ({ boxShadow, outlineStyle }))(getComputedStyle(document.activeElement))',
    )) as { boxShadow: string; outlineStyle: string };
    expect(focus.boxShadow).not.toBe('none');
    expect(focus.outlineStyle).toBe('solid');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/goals');
    await page.getByRole('heading', { name: 'Goals' }).waitFor({ timeout: 30_000 });
    await tabTo('.card button.link-button');
    await page.keyboard.press('Enter');
    await page.locator('.entries').waitFor({ timeout: 30_000 });
    await page.close();
  }, 120_000);

  it('is installable: a manifest whose icons load, a service worker, and an honest offline page from its cache', async () => {
    const page = await logIn(browser, web.server.url, DESKTOP);
    const manifest = await asPerson<{
      name: string;
      start_url: string;
      display: string;
      icons: Array<{ src: string; sizes: string; type: string }>;
    }>(web, '/manifest.webmanifest');
    expect(manifest.body).toMatchObject({ name: 'Familiar', start_url: '/', display: 'standalone' });
    // Chromium installs an app with a 192 px and a 512 px icon.
    expect(manifest.body.icons.map((icon) => icon.sizes)).toEqual(
      expect.arrayContaining(['192x192', '512x512']),
    );
    for (const icon of manifest.body.icons) {
      const response = await fetch(`${web.server.url}${icon.src}`);
      expect(response.status, icon.src).toBe(200);
      expect(response.headers.get('content-type')).toContain(icon.type);
    }
    expect(await page.evaluate('navigator.serviceWorker.ready.then((r) => r.active.state)')).toBe(
      'activated',
    );
    await page.reload();
    await page.getByRole('heading', { name: 'Today' }).waitFor({ timeout: 30_000 });
    expect(await page.evaluate('navigator.serviceWorker.controller !== null')).toBe(true);

    // Offline, the page still opens from the cache and says the server cannot be reached (no blank page).
    await page.context().setOffline(true);
    await page.reload();
    await page
      .getByRole('alert')
      .getByText(/The Familiar server cannot be reached/)
      .waitFor({ timeout: 30_000 });
    await checkView(page, 'offline', 'desktop');
    await page.context().setOffline(false);
    await page.context().close();
  }, 120_000);

  it('shows the login page, Goals, Inbox, People and Audit at phone and desktop size', async () => {
    for (const [size, viewport] of [
      ['phone', PHONE],
      ['desktop', DESKTOP],
    ] as const) {
      const login = await browser.newPage({ viewport });
      await login.goto(`${web.server.url}/login`);
      await login.getByLabel('Passphrase').waitFor();
      await checkView(login, 'login', size);
      await login.close();
      const page = await logIn(browser, web.server.url, viewport);
      if (size === 'phone') {
        await openPath(page, web.server.url, '/goals');
        await page.getByRole('heading', { name: /10/ }).first().waitFor({ timeout: 30_000 });
        await checkView(page, 'goals', size);
      }
      await openPath(page, web.server.url, '/inbox');
      await page
        .getByText(/slide deck/)
        .first()
        .waitFor({ timeout: 30_000 });
      await checkView(page, 'inbox', size);
      await openPath(page, web.server.url, '/people');
      await page
        .getByText(/Maya|Sam/)
        .first()
        .waitFor({ timeout: 30_000 });
      await checkView(page, 'people', size);
      if (size === 'phone') {
        await openPath(page, web.server.url, '/audit');
        await page.getByRole('row').nth(1).waitFor({ timeout: 30_000 });
        await checkView(page, 'audit', size);
      }
      await page.context().close();
    }
  }, 180_000);
});

/**
 * Honest states when the server lacks an engine: with speech recognition off, device mode says that audio is stored
 * but not transcribed as soon as the microphone is on, and Settings lists the recognizer as missing with how to
 * install it.
 */
describe.skipIf(!canRunBrowserTests)(
  'device mode and Settings when an engine is missing (Debian Chromium)',
  () => {
    let web: WebServer;
    let browser: Browser;

    beforeAll(async () => {
      web = await startWebServer('familiar-web-engines-e2e-', { env: { FAMILIAR_ASR: 'off' } });
      browser = await launchChromium();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await stopServer(web?.server);
    });

    it('says in device mode that audio is kept but not transcribed, and Settings says how to install a recognizer', async () => {
      const link = await pairingLink(web, 'phone');
      const device = await (await browser.newContext({ viewport: PHONE })).newPage();
      await device.goto(link);
      await device.waitForURL('**/device', { timeout: 30_000 });
      const notice = device.getByRole('status').filter({ hasText: /Speech recognition is not installed/ });
      await device.getByText(/^Connected:/).waitFor({ timeout: 30_000 });
      expect(await notice.count()).toBe(0);
      await device.getByLabel('Microphone', { exact: true }).check();
      await notice.waitFor({ timeout: 30_000 });
      await checkView(device, 'device-engine-missing', 'phone');
      await device.getByLabel('Microphone', { exact: true }).uncheck();
      await notice.waitFor({ state: 'detached', timeout: 30_000 });
      await device.context().close();

      const page = await logIn(browser, web.server.url, DESKTOP);
      await openPath(page, web.server.url, '/settings');
      const engines = page.getByRole('region', { name: 'Engines' });
      await engines
        .getByText(/Speech recognition/)
        .first()
        .waitFor({ timeout: 30_000 });
      expect(await engines.textContent()).toMatch(/Speech recognition[\s\S]*missing/i);
      expect(await engines.textContent()).toMatch(/FAMILIAR_ASR/);
      await page.context().close();
    }, 120_000);
  },
);
