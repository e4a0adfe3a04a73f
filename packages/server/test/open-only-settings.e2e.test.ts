import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import {
  asPerson,
  canRunBrowserTests,
  DESKTOP,
  logIn,
  openPath,
  startWebServer,
  stopServer,
  until,
  type WebServer,
} from './support/web-e2e.ts';

/** A closed cloud model and an open-weights one on this machine; nothing is ever called in these tests. */
function modelsConfig(openOnly: boolean): Record<string, unknown> {
  return {
    models: {
      openOnly,
      providers: [
        { id: 'openai', type: 'openai', apiKeyEnv: 'OPENAI_API_KEY', models: [{ name: 'gpt-4o-mini' }] },
        {
          id: 'ollama',
          type: 'openai-compatible',
          baseUrl: 'http://127.0.0.1:11434/v1',
          models: [{ name: 'qwen3:8b', catalogId: 'qwen/qwen3-8b' }],
        },
      ],
    },
  };
}

/**
 * The "Open models only" switch in the web app's Settings, in a real browser: it turns the person's switch on and
 * off on the server, shows each model as open or closed and where it runs, says why it cannot be turned off while
 * familiar.config.json holds it on, shows a failed change as an alert, and each change is in the Audit view.
 */
describe.skipIf(!canRunBrowserTests)('the Open models only switch in Settings (Debian Chromium)', () => {
  let browser: Browser;
  let servers: WebServer[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((web) => stopServer(web.server)));
    servers = [];
  });

  async function settingsPage(url: string): Promise<Page> {
    const page = await logIn(browser, url, DESKTOP);
    await openPath(page, url, '/settings');
    await page.getByRole('heading', { name: 'Models and routing' }).waitFor({ timeout: 30_000 });
    return page;
  }

  it('turns the switch on and off on the server, lists the models, alerts on a failure, and audits each change', async () => {
    const web = await startWebServer('familiar-open-only-e2e-', { config: modelsConfig(false) });
    servers.push(web);
    const { server } = web;
    const onServer = async () => (await asPerson<{ openOnly: boolean }>(web, '/v1/settings/models')).body;
    const page = await settingsPage(server.url);
    const toggle = page.getByRole('switch', { name: 'Open models only', exact: true });
    await toggle.waitFor({ timeout: 30_000 });
    expect(await toggle.isChecked()).toBe(false);
    expect(await toggle.isEnabled()).toBe(true);
    const cloud = page.getByRole('listitem').filter({ hasText: 'openai:gpt-4o-mini' });
    const local = page.getByRole('listitem').filter({ hasText: 'ollama:qwen3:8b' });
    expect(await cloud.textContent()).toContain('closed, cloud');
    expect(await local.textContent()).toContain('open weights, on this machine');

    await toggle.click();
    await until('the switch to be on', async () => (await toggle.isChecked()) && (await onServer()).openOnly);
    await cloud.getByText('not used while open models only is on').waitFor({ timeout: 30_000 });
    expect(await local.textContent()).not.toContain('not used');
    await page.reload();
    await until('the switch to show on after a reload', () => toggle.isChecked());

    // A change the server cannot make is shown as an alert, and the switch shows what the server holds.
    await page.route('**/v1/settings/models', (route) =>
      route.request().method() === 'PATCH'
        ? route.fulfill({
            status: 503,
            contentType: 'application/json',
            body: JSON.stringify({
              error: { code: 'storage_failed', message: 'the store is unavailable right now; retry shortly' },
            }),
          })
        : route.continue(),
    );
    await toggle.click();
    await page
      .getByRole('alert')
      .getByText(/store is unavailable/)
      .waitFor({ timeout: 30_000 });
    await until('the switch to show the server’s state again', () => toggle.isChecked());
    expect((await onServer()).openOnly).toBe(true);
    await page.unroute('**/v1/settings/models');

    await toggle.click();
    await until(
      'the switch to be off',
      async () => !(await toggle.isChecked()) && !(await onServer()).openOnly,
    );
    await page.getByRole('link', { name: 'Audit' }).first().click();
    await page.getByText('models.open-only').first().waitFor({ timeout: 30_000 });
    expect(await page.getByText('models.open-only').count()).toBe(2);
    await page.context().close();
  }, 120_000);

  it('is on, disabled and explained while models.openOnly holds it on for everyone', async () => {
    const web = await startWebServer('familiar-open-only-e2e-', { config: modelsConfig(true) });
    servers.push(web);
    const { server } = web;
    const page = await settingsPage(server.url);
    const toggle = page.getByRole('switch', { name: 'Open models only', exact: true });
    await toggle.waitFor({ timeout: 30_000 });
    expect(await toggle.isChecked()).toBe(true);
    expect(await toggle.isDisabled()).toBe(true);
    const note = await toggle.getAttribute('aria-describedby');
    expect(await page.locator(`#${note}`).textContent()).toContain('models.openOnly');
    await page.context().close();
  }, 120_000);
});
