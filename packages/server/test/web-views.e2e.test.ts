import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import { runCliJson } from './support/processes.ts';
import {
  asPerson,
  canRunBrowserTests,
  DESKTOP,
  logIn,
  openPath,
  PHONE,
  SCREENSHOTS,
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

  async function screenshot(page: Page, view: string, size: string): Promise<void> {
    await page.screenshot({ path: join(SCREENSHOTS, `${view}-${size}.png`), fullPage: true });
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
    await screenshot(page, 'goals', 'desktop');
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
    await screenshot(page, 'audit', 'desktop');
    await page.context().close();
  }, 180_000);

  it('shows the login page, Goals, Inbox, People and Audit at phone and desktop size', async () => {
    for (const [size, viewport] of [
      ['phone', PHONE],
      ['desktop', DESKTOP],
    ] as const) {
      const login = await browser.newPage({ viewport });
      await login.goto(`${web.server.url}/login`);
      await login.getByLabel('Passphrase').waitFor();
      await screenshot(login, 'login', size);
      await login.close();
      const page = await logIn(browser, web.server.url, viewport);
      if (size === 'phone') {
        await openPath(page, web.server.url, '/goals');
        await page.getByRole('heading', { name: /10/ }).first().waitFor({ timeout: 30_000 });
        await screenshot(page, 'goals', size);
      }
      await openPath(page, web.server.url, '/inbox');
      await page
        .getByText(/slide deck/)
        .first()
        .waitFor({ timeout: 30_000 });
      await screenshot(page, 'inbox', size);
      await openPath(page, web.server.url, '/people');
      await page
        .getByText(/Maya|Sam/)
        .first()
        .waitFor({ timeout: 30_000 });
      await screenshot(page, 'people', size);
      if (size === 'phone') {
        await openPath(page, web.server.url, '/audit');
        await page.getByRole('row').nth(1).waitFor({ timeout: 30_000 });
        await screenshot(page, 'audit', size);
      }
      await page.context().close();
    }
  }, 180_000);
});
