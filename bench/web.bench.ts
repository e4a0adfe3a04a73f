/**
 * The web app's first load, per view, in Debian's Chromium against a real `familiar start`: the JavaScript that crossed
 * the network (gzipped, from Chromium's network log), every byte transferred, and the time from navigation until the
 * view shows its content, cold (a fresh browser context: nothing cached) and warm (the same context again, with the
 * HTTP cache filled). Device mode is opened through a pairing link the first time.
 * Run: `npm run bench:web [-- --rounds 5]` (needs `chromium` from apt and the built web app).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../packages/server/test/support/browser.ts';
import { runCliJson } from '../packages/server/test/support/processes.ts';
import {
  canRunBrowserTests,
  logIn,
  PHONE,
  pairingLink,
  startWebServer,
  stopServer,
  storeNotes,
  type WebServer,
} from '../packages/server/test/support/web-e2e.ts';
import { formatNumber, markdownTable, summarise } from './stats.ts';

const { values: options } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const rounds = Number(options.rounds);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) throw new Error('--rounds must be 1 to 100');
if (!canRunBrowserTests) {
  throw new Error(
    'needs Debian chromium (apt-get install chromium) and the built web app (npm run build:web)',
  );
}

/** A view, where it lives and what shows once it has loaded its data. */
interface View {
  name: string;
  path: string;
  ready: (page: Page) => Promise<unknown>;
}

/**
 * Phone-sized pages with the service worker blocked: requests a service worker answers are not in the page's network
 * log (Playwright reports no sizes for them), so with it the cold figures would leave out the chunks it fetched.
 * "Warm" is therefore the HTTP cache alone; the service worker adds an offline shell, not speed.
 */
const CONTEXT = { viewport: PHONE, serviceWorkers: 'block' } as const;

const VIEWS: View[] = [
  {
    name: 'device',
    path: '/device',
    ready: (page) => page.getByText(/^Connected:/).waitFor({ timeout: 30_000 }),
  },
  {
    name: 'today',
    path: '/today',
    ready: (page) => page.locator('.episode').first().waitFor({ timeout: 30_000 }),
  },
  {
    name: 'ask',
    path: '/ask',
    ready: (page) => page.getByLabel('Your question').waitFor({ timeout: 30_000 }),
  },
  {
    name: 'goals',
    path: '/goals',
    ready: (page) => page.getByRole('heading', { name: /10k/i }).waitFor({ timeout: 30_000 }),
  },
  {
    name: 'memory',
    path: '/memory',
    ready: (page) => page.getByLabel('Search your memory').waitFor({ timeout: 30_000 }),
  },
  {
    name: 'settings',
    path: '/settings',
    ready: (page) => page.getByRole('region', { name: 'Engines' }).waitFor({ timeout: 30_000 }),
  },
  {
    name: 'audit',
    path: '/audit',
    ready: (page) => page.getByRole('row').nth(1).waitFor({ timeout: 30_000 }),
  },
];

interface Load {
  jsBytes: number;
  totalBytes: number;
  ms: number;
}

/** Opens `path` in `context` and measures what crossed the network and how long until the view is ready. */
async function load(context: BrowserContext, url: string, view: View): Promise<Load> {
  const page = await context.newPage();
  const sizes: Array<Promise<{ script: boolean; bytes: number; body: number; url: string }>> = [];
  page.on('requestfinished', (request) => {
    sizes.push(
      request.sizes().then((size) => ({
        script: request.resourceType() === 'script',
        // Negative sizes mean "from a cache": nothing crossed the network.
        bytes: Math.max(0, size.responseBodySize) + Math.max(0, size.responseHeadersSize),
        body: Math.max(0, size.responseBodySize),
        url: request.url(),
      })),
    );
  });
  const started = performance.now();
  await page.goto(`${url}${view.path}`);
  await view.ready(page);
  const ms = performance.now() - started;
  await page.waitForLoadState('networkidle');
  const settled = await Promise.all(sizes);
  await page.close();
  return {
    jsBytes: settled.filter((size) => size.script).reduce((sum, size) => sum + size.body, 0),
    totalBytes: settled.reduce((sum, size) => sum + size.bytes, 0),
    ms,
  };
}

const web: WebServer = await startWebServer('familiar-bench-web-');
let browser: Browser | undefined;
try {
  const now = Date.now();
  await runCliJson(web.home, ['people', 'add', 'Sam Rivera', '--alias', 'Sam']);
  const goal = await fetch(`${web.server.url}/v1/goals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${web.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'run a 10k by the end of April' }),
  });
  if (goal.status !== 201) throw new Error(`goal: ${goal.status} ${await goal.text()}`);
  await storeNotes(
    web,
    Array.from({ length: 60 }, (_, index) => ({
      text: `Note ${index}: Sam said the deadline for the ${index % 2 ? 'deck' : 'report'} moved to Friday.`,
      at: now - (60 - index) * 60_000,
    })),
  );
  browser = await launchChromium();
  const samples = new Map<string, { cold: Load[]; warm: Load[] }>(
    VIEWS.map((view) => [view.name, { cold: [], warm: [] }]),
  );
  for (let round = 0; round < rounds; round++) {
    // Device mode: a fresh context pairs through a new link, then reloads the view warm.
    const link = await pairingLink(web, `bench-${round}`);
    const deviceContext = await browser.newContext(CONTEXT);
    const pairing = await deviceContext.newPage();
    await pairing.goto(link);
    await pairing.waitForURL('**/device', { timeout: 30_000 });
    await pairing.close();
    const device = VIEWS[0]!;
    samples.get('device')!.warm.push(await load(deviceContext, web.server.url, device));
    await deviceContext.close();

    // The first load of a paired device cold: a context whose storage holds the pairing but no cache.
    const state = await (async () => {
      const context = await browser!.newContext(CONTEXT);
      const page = await context.newPage();
      const link = await pairingLink(web, `bench-cold-${round}`);
      await page.goto(link);
      await page.waitForURL('**/device', { timeout: 30_000 });
      const stored = await context.storageState();
      await context.close();
      return stored;
    })();
    const coldDevice = await browser.newContext({ ...CONTEXT, storageState: state });
    samples.get('device')!.cold.push(await load(coldDevice, web.server.url, device));
    await coldDevice.close();

    // The dashboard's views, each cold in a fresh logged-in context (its cookie only), then warm.
    const session = await (await logIn(browser, web.server.url, PHONE)).context().storageState();
    for (const view of VIEWS.slice(1)) {
      const context = await browser.newContext({ ...CONTEXT, storageState: session });
      samples.get(view.name)!.cold.push(await load(context, web.server.url, view));
      samples.get(view.name)!.warm.push(await load(context, web.server.url, view));
      await context.close();
    }
  }

  const kb = (bytes: number) => formatNumber(bytes / 1024, 1);
  const rows = VIEWS.map((view) => {
    const { cold, warm } = samples.get(view.name)!;
    const median = (values: number[]) => summarise(values).p50;
    return [
      view.name,
      kb(median(cold.map((load) => load.jsBytes))),
      kb(median(cold.map((load) => load.totalBytes))),
      formatNumber(median(cold.map((load) => load.ms))),
      formatNumber(summarise(cold.map((load) => load.ms)).max),
      kb(median(warm.map((load) => load.totalBytes))),
      formatNumber(median(warm.map((load) => load.ms))),
    ];
  });
  console.log(
    `\nWeb app first load, phone viewport (${PHONE.width}×${PHONE.height}), ${rounds} rounds, medians`,
  );
  console.log(
    markdownTable(
      [
        'view',
        'cold JS KB (gzip)',
        'cold total KB',
        'cold ready ms',
        'cold max ms',
        'warm total KB',
        'warm ready ms',
      ],
      rows,
    ),
  );
  const out = resolve(import.meta.dirname, 'out', 'web.json');
  writeFileSync(out, `${JSON.stringify(Object.fromEntries(samples), null, 2)}\n`);
  console.log(`\nsamples: ${join('bench', 'out', 'web.json')}`);
} finally {
  await browser?.close();
  await stopServer(web.server);
  rmSync(web.home, { recursive: true, force: true });
}
