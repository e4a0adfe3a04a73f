import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav } from '@familiar/device-sdk';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, writeSignVideo } from './support/browser.ts';
import { canTranscribeLibrivox, clipsWithSilence, librivoxClips } from './support/librivox.ts';
import { startServerProcess } from './support/processes.ts';
import {
  accessibilityViolations,
  asPerson,
  canRunBrowserTests,
  checkView,
  DESKTOP,
  imagesLoaded,
  logIn,
  openPath,
  PHONE,
  pairingLink,
  SCREENSHOTS,
  startWebServer,
  stopServer,
  until,
  type WebServer,
} from './support/web-e2e.ts';

interface ObservationBody {
  id: string;
  text: string;
  captureId: string | null;
  modality: string;
}

/** The words of a reference transcript that are long enough to mean something when recognised. */
function contentWords(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[a-z]{4,}/g) ?? []);
}

/**
 * Device mode and the dashboard in a real browser, on a real server: the fake camera plays a rendered sign and the
 * fake microphone a LibriVox clip. The sign's text and the transcript reach Today; asking about the sign gives a
 * cited answer whose citation opens the frame; the server is killed and restarted under the device, which reconnects
 * and resends what was not acknowledged; the privacy pause stops frames reaching the server.
 */
describe.skipIf(!canRunBrowserTests || !canTranscribeLibrivox)(
  'the web app in a real browser (Debian Chromium, pocketsphinx)',
  () => {
    let web: WebServer;
    let browser: Browser;
    let device: Page;
    /** The words of the clip the fake microphone plays. */
    let spoken: Set<string>;

    async function observations(modality: 'frame' | 'utterance'): Promise<ObservationBody[]> {
      const response = await asPerson<{ observations: ObservationBody[] }>(
        web,
        `/v1/observations?modality=${modality}&limit=200`,
      );
      expect(response.status).toBe(200);
      return response.body.observations;
    }

    /** A heard moment sharing at least two words with the clip. */
    async function heardClip(): Promise<ObservationBody | undefined> {
      return (await observations('utterance')).find(
        (utterance) => [...contentWords(utterance.text)].filter((word) => spoken.has(word)).length >= 2,
      );
    }

    beforeAll(async () => {
      web = await startWebServer('familiar-web-e2e-');
      const video = join(web.home, 'sign.y4m');
      await writeSignVideo(video, ['CORNER BAKERY', 'SOURDOUGH TODAY']);
      // Two sentences with silence around them, so the server's voice detection closes each one.
      const clips = librivoxClips().filter((clip) => /-0880$|-0890$/.test(clip.id));
      spoken = contentWords(clips.map((clip) => clip.reference).join(' '));
      const audio = join(web.home, 'speech.wav');
      writeFileSync(audio, encodeWav(clipsWithSilence(clips, 1500).samples, 16_000));
      browser = await launchChromium({ video, audio });
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await stopServer(web?.server);
    });

    it('pairs from the link and streams the camera and microphone: the sign is read and the clip transcribed', async () => {
      const link = await pairingLink(web, 'phone');
      // The service worker is blocked here: what it fetches for the page has no sizes in the page's network log, so
      // with it the measured JavaScript would leave out the chunks loaded after it took control.
      const context = await browser.newContext({ viewport: PHONE, serviceWorkers: 'block' });
      device = await context.newPage();
      const scripts: Array<{ url: string; transferred: number; bytes: number; encoding: string | null }> = [];
      device.on('response', async (response) => {
        if (response.request().resourceType() !== 'script') return;
        const { responseBodySize } = await response.request().sizes();
        // A negative size means a cache answered; nothing may come from one on a first load.
        if (responseBodySize < 0) throw new Error(`${response.url()} came from a cache on the first load`);
        const encoding = (await response.allHeaders())['content-encoding'] ?? null;
        const bytes = (await response.body()).byteLength;
        scripts.push({ url: response.url(), transferred: responseBodySize, bytes, encoding });
      });
      await device.goto(link);
      await device.waitForURL('**/device', { timeout: 30_000 });
      await device.getByLabel('Frame every').selectOption('1000');
      await device.getByLabel('Camera', { exact: true }).check();
      await device.getByLabel('Microphone', { exact: true }).check();

      // The device view's JavaScript on first load: the bytes that crossed the network (the server gzips it).
      await until('the device view scripts', async () =>
        scripts.some((script) => script.url.includes('device-view')),
      );
      // Every script but the smallest (under 1 KB, where gzip saves nothing) travels gzipped.
      expect(scripts.filter((script) => script.bytes >= 1024 && script.encoding !== 'gzip')).toEqual([]);
      const total = scripts.reduce((sum, script) => sum + script.transferred, 0);
      console.log(
        `device view JS on first load: ${(total / 1024).toFixed(1)} KB transferred (gzip), ${scripts.length} files`,
      );
      expect(total).toBeLessThanOrEqual(200 * 1024);

      const seen = await until(
        'the sign read from a streamed frame',
        async () => (await observations('frame')).find((frame) => /BAKERY/i.test(frame.text)),
        90_000,
      );
      expect(seen.captureId).not.toBeNull();
      expect(seen.text).toMatch(/CORNER BAKERY/i);
      const heard = await until('the clip transcribed from the streamed microphone', heardClip, 120_000);
      expect(heard.captureId).not.toBeNull();
      await checkView(device, 'device', 'phone');
    }, 240_000);

    it('reconnects after the server is killed and restarted, and resends what was not acknowledged', async () => {
      const stat = async (name: string): Promise<number> =>
        Number(await device.locator(`dt:text-is("${name}") + dd`).textContent());
      const port = new URL(web.server.url).port;
      web.server.child.kill('SIGKILL');
      await web.server.exited;
      await device.getByText(/^Offline: trying again/).waitFor({ timeout: 30_000 });
      // Frames and audio keep coming while the server is down; they wait in the device's outbox.
      await until('captures waiting in the outbox', async () => (await stat('Waiting')) > 0, 30_000);
      const framesBefore = (await observations('frame').catch(() => [])).length;
      web.server = await startServerProcess(web.home, {
        FAMILIAR_MEMORY_INTERVAL_MS: '1000',
        FAMILIAR_PORT: port,
      });
      await device.getByText(/^Connected:/).waitFor({ timeout: 60_000 });
      await until('the reconnect counted', async () => (await stat('Reconnects')) >= 1, 10_000);
      await until('the outbox drained', async () => (await stat('Waiting')) === 0, 60_000);
      // What waited in the outbox while the server was down reaches it after the restart.
      await until(
        'frames stored after the restart',
        async () => (await observations('frame')).length > framesBefore,
        60_000,
      );
    }, 180_000);

    it('asks by holding to talk: the spoken question is transcribed on the server and answered', async () => {
      const talk = device.getByRole('button', { name: 'Hold to talk' });
      await talk.focus();
      // Held from the keyboard for 8 s: the fake microphone's loop (two sentences with pauses) is heard in full.
      await device.keyboard.down('Space');
      await device.getByRole('button', { name: 'Listening… release to send' }).waitFor();
      await new Promise((wait) => setTimeout(wait, 8_000));
      await device.keyboard.up('Space');
      const exchange = device.locator('.exchanges .exchange').first();
      await exchange.locator('.answer-text').filter({ hasText: /\S/ }).waitFor({ timeout: 60_000 });
      const question = (await exchange.locator('.question').textContent()) ?? '';
      expect([...contentWords(question)].filter((word) => spoken.has(word)).length).toBeGreaterThanOrEqual(1);
      expect(await device.getByRole('alert').count()).toBe(0);
    }, 120_000);

    it('shows a reminder as a nudge in device mode when it is due', async () => {
      // Quiet hours would hold it back when the test runs at night.
      const settings = await asPerson(web, '/v1/assistant/settings', {
        method: 'PATCH',
        body: { quietHours: null },
      });
      expect(settings.status).toBe(200);
      const reminder = await asPerson(web, '/v1/inbox', {
        method: 'POST',
        body: { title: 'Collect the sourdough', due: new Date(Date.now() + 2_000).toISOString() },
      });
      expect(reminder.status, JSON.stringify(reminder.body)).toBe(201);
      const nudges = device.getByRole('region', { name: 'Nudges' });
      await nudges.getByText('Collect the sourdough').waitFor({ timeout: 60_000 });
    }, 90_000);

    it('pauses capture with one tap: no frame reaches the server while paused', async () => {
      await device.getByRole('button', { name: 'Pause capture (privacy)' }).click();
      await device.getByRole('button', { name: 'Resume capture' }).waitFor();
      await new Promise((wait) => setTimeout(wait, 1_500));
      const before = (await observations('frame')).length;
      await new Promise((wait) => setTimeout(wait, 4_000));
      expect((await observations('frame')).length).toBe(before);
      await device.getByRole('button', { name: 'Resume capture' }).click();
      await device.setViewportSize(DESKTOP);
      await checkView(device, 'device', 'desktop');
      await device.context().close();
    }, 60_000);

    it('logs in, and Today shows the sign and the transcript, at phone and desktop size', async () => {
      for (const [name, viewport] of [
        ['phone', PHONE],
        ['desktop', DESKTOP],
      ] as const) {
        const page = await logIn(browser, web.server.url, viewport);
        const heard = (await heardClip())!;
        const words = [...contentWords(heard.text)].filter((word) => spoken.has(word));
        await until(
          'the sign and the transcript in Today',
          async () => {
            await page.reload();
            await page.waitForLoadState('networkidle');
            return (
              (await page.getByText(/BAKERY/i).count()) > 0 &&
              (await page.locator('.moment-utterance', { hasText: words[0]! }).count()) > 0
            );
          },
          120_000,
        );
        await imagesLoaded(page);
        await checkView(page, 'today', name);
        await page.context().close();
      }
    }, 300_000);

    it('asks about the sign in Ask: the answer cites the frame, which opens; a heard citation plays its audio', async () => {
      for (const [name, viewport] of [
        ['phone', PHONE],
        ['desktop', DESKTOP],
      ] as const) {
        const page = await logIn(browser, web.server.url, viewport);
        await openPath(page, web.server.url, '/ask');
        await page.getByLabel('Your question').fill('What did the bakery sign say?');
        await page.getByRole('button', { name: 'Ask', exact: true }).click();
        const sources = page.getByRole('list', { name: 'Sources' }).last();
        await sources.waitFor({ timeout: 60_000 });
        const frameCitation = sources
          .getByRole('listitem')
          .filter({ hasText: /BAKERY/i })
          .first();
        await frameCitation.getByRole('button', { name: 'Open the frame' }).click();
        const frame = frameCitation.getByRole('img', { name: /What the camera saw/ });
        await frame.waitFor({ timeout: 30_000 });
        // The frame is decoded from its signed media link.
        const width = await frame.evaluate((element) => {
          const image = element as unknown as { decode(): Promise<void>; naturalWidth: number };
          return image.decode().then(() => image.naturalWidth);
        });
        expect(width).toBeGreaterThan(0);
        await frame.scrollIntoViewIfNeeded();
        expect(await accessibilityViolations(page)).toEqual([]);
        if (name === 'desktop') {
          // A heard citation plays its stretch of the recording.
          await openPath(page, web.server.url, '/ask');
          await page.getByLabel('Your question').fill('Who was not an ill disposed young man?');
          await page.getByRole('button', { name: 'Ask', exact: true }).click();
          const heard = page
            .getByRole('list', { name: 'Sources' })
            .last()
            .getByRole('listitem')
            .filter({ hasText: /heard/ })
            .first();
          await heard.waitFor({ timeout: 60_000 });
          await heard.getByRole('button', { name: 'Play what was said' }).click();
          await heard.getByRole('button', { name: 'Stop' }).waitFor({ timeout: 30_000 });
          await heard.getByRole('button', { name: 'Stop' }).click();
          await heard.getByRole('button', { name: 'Play what was said' }).waitFor();
          expect(await heard.getByRole('alert').count()).toBe(0);
        }
        // The viewport, with the opened frame in it (a full-page shot puts the sticky question box over it).
        await page.screenshot({ path: join(SCREENSHOTS, `ask-${name}.png`) });
        await page.context().close();
      }
    }, 180_000);

    it('forgets the sign from Today: gone from Today, from search and from the frames the server holds', async () => {
      const page = await logIn(browser, web.server.url, DESKTOP);
      page.on('dialog', (dialog) => void dialog.accept());
      const signs = page.locator('.moment-frame').filter({ hasText: /BAKERY/i });
      await signs.first().waitFor({ timeout: 30_000 });
      while ((await signs.count()) > 0) {
        const before = await signs.count();
        await signs
          .first()
          .getByRole('button', { name: /^Forget the moment/ })
          .click();
        await until('the moment gone from Today', async () => (await signs.count()) < before, 30_000);
      }
      expect((await observations('frame')).filter((frame) => /BAKERY/i.test(frame.text))).toEqual([]);
      const search = await asPerson<{ moments: Array<{ observation: { text: string } }> }>(
        web,
        '/v1/search?q=bakery',
      );
      expect(search.body.moments.filter((moment) => /BAKERY/i.test(moment.observation.text))).toEqual([]);
      await page.reload();
      await page.getByRole('heading', { name: 'Today' }).waitFor({ timeout: 30_000 });
      await page.waitForLoadState('networkidle');
      expect(await page.getByText(/BAKERY/i).count()).toBe(0);
      await page.context().close();
    }, 120_000);
  },
);
