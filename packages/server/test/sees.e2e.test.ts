import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp, { type OutputInfo } from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { openFamiliar } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createSilentLogger } from '../src/kernel/index.ts';
import type { StoredObservation } from '../src/memory/index.ts';
import { jsonRequest } from './support/observations.ts';
import { runCli, runCliJson, type ServerProcess, startServerProcess, tempHome } from './support/processes.ts';

const CONVERT = '/usr/bin/convert';
const DATA = '/usr/share/doc/opencv-doc/examples/data';
const OTHER_FACE = '/usr/share/doc/opencv-doc/opencv4/html/face_swapped.jpg';
const canRender = existsSync(CONVERT) && existsSync(join(DATA, 'messi5.jpg')) && existsSync(OTHER_FACE);
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;

function render(path: string, lines: string[], size = '1280x720'): string {
  const args = ['-size', size, 'xc:white', '-font', 'DejaVu-Sans', '-pointsize', '56', '-fill', 'black'];
  for (const [i, line] of lines.entries()) args.push('-annotate', `+80+${150 + i * 90}`, line);
  execFileSync(CONVERT, [...args, path]);
  return path;
}

async function frames(home: string): Promise<StoredObservation[]> {
  const familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: home }), { logger: createSilentLogger() });
  try {
    const [user] = await familiar.accounts.listUsers();
    return (
      await familiar.timelineStore.listObservations(user!.id, { limit: 500, modality: 'frame', order: 'asc' })
    ).observations;
  } finally {
    await familiar.close();
  }
}

function variance(pixels: Buffer): number {
  let sum = 0;
  let squares = 0;
  for (const value of pixels) {
    sum += value;
    squares += value * value;
  }
  const mean = sum / pixels.length;
  return squares / pixels.length - mean * mean;
}

// Needs Debian's imagemagick and opencv-doc (and ffmpeg for video), which .ci/run installs.
describe.skipIf(!canRender)('sees what you see (real CLI and server, tesseract.js, Human)', () => {
  const running: ServerProcess[] = [];
  afterAll(() => {
    for (const server of running.splice(0)) server.child.kill('SIGKILL');
  });
  const dir = tempHome('familiar-frames-');

  it('reads a sign so ask can find it, with a citation to the stored, face-blurred frame', async () => {
    const home = tempHome();
    await runCliJson(home, ['user', 'add', 'ada', '--timezone', 'UTC']);
    const { token } = await runCliJson<{ token: string }>(home, ['device', 'add', '--name', 'glasses']);
    const sign = render(join(dir, 'sign.png'), ['Planning meeting', 'Room 4B at 3pm']);
    // A face beside the text: the stored frame must blur the face and still read the text.
    const withFace = join(dir, 'face-and-sign.png');
    execFileSync(CONVERT, [join(DATA, 'messi5.jpg'), '-resize', 'x720', sign, '+append', withFace]);
    const server = await startServerProcess(home);
    running.push(server);
    for (const file of [withFace, join(DATA, 'building.jpg')]) {
      const response = await fetch(`${server.url}/v1/captures`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': file.endsWith('.png') ? 'image/png' : 'image/jpeg',
        },
        body: readFileSync(file),
      });
      expect(response.status).toBe(201);
    }
    let answer: { citations: Array<{ id: string; text: string; mediaUrl?: string }> } = { citations: [] };
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      answer = (await (
        await fetch(
          `${server.url}/v1/ask`,
          jsonRequest(token, { question: 'which room is the planning meeting in?' }),
        )
      ).json()) as typeof answer;
      if (answer.citations.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(answer.citations[0]?.text).toMatch(/4B/i);
    const media = await fetch(`${server.url}${answer.citations[0]!.mediaUrl}`);
    expect(media.headers.get('content-type')).toBe('image/jpeg');
    const stored = await sharp(Buffer.from(await media.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    const original = await sharp(withFace)
      .resize({ width: stored.info.width, height: stored.info.height })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    // Messi's face sits in the left part of the frame, about 30-45 % across and 20-35 % down.
    const region = async (image: { data: Buffer; info: OutputInfo }) =>
      sharp(image.data, {
        raw: { width: image.info.width, height: image.info.height, channels: image.info.channels },
      })
        .extract({
          left: Math.round(image.info.width * 0.12),
          top: Math.round(image.info.height * 0.12),
          width: Math.round(image.info.width * 0.12),
          height: Math.round(image.info.height * 0.25),
        })
        .greyscale()
        .raw()
        .toBuffer();
    expect(variance(await region(stored))).toBeLessThan(variance(await region(original)) * 0.5);
    server.child.kill('SIGINT');
    await server.exited;
  }, 120_000);

  it('keeps one frame for near-duplicates, a new one for a slide with one more line, and none for a card number', async () => {
    const home = tempHome();
    await runCliJson(home, ['user', 'add', 'ada', '--timezone', 'UTC']);
    const slide = render(join(dir, 'slide.png'), [
      'Quarterly review',
      'Revenue up 12 %',
      'Hiring two engineers',
    ]);
    const variants = [
      ['-quality', '40', 'variant-q40.jpg'],
      ['-modulate', '103', 'variant-bright.png'],
      ['-modulate', '97', 'variant-dark.png'],
      ['-roll', '+2+0', 'variant-shift.png'],
      ['-attenuate', '0.3', '+noise', 'Gaussian', 'variant-noise.png'],
    ].map((args) => {
      const out = join(dir, args.at(-1)!);
      execFileSync(CONVERT, [slide, ...args.slice(0, -1), out]);
      return out;
    });
    const slide2 = render(join(dir, 'slide2.png'), [
      'Quarterly review',
      'Revenue up 12 %',
      'Hiring two engineers',
      'Offsite in March',
    ]);
    const card = render(join(dir, 'card.png'), ['VISA', '4111 1111 1111 1111', 'VALID THRU 12/29']);
    const blank = join(dir, 'blurred.png');
    execFileSync(CONVERT, [slide, '-blur', '0x14', blank]);
    // One import, in this order: frames are perceived in the order they were queued.
    const files = [slide, ...variants, slide2, card, blank];
    const result = await runCli(home, ['--json', 'ingest', ...files]);
    expect(result.code, result.stderr).toBe(0);
    const seen = await frames(home);
    expect(seen.map((f) => f.text.includes('Offsite'))).toEqual([false, true, false]);
    expect(seen[0]!.text).toMatch(/Quarterly review/i);
    expect(seen[0]!.details?.frames?.count).toBe(1 + variants.length);
    expect(seen.some((f) => /4111/.test(f.text))).toBe(false);
    expect(seen[2]!.text).not.toMatch(/text:/);
  }, 180_000);

  it.skipIf(!hasFfmpeg)(
    'keeps one frame from a 30-second video of a static sign',
    async () => {
      const home = tempHome();
      await runCliJson(home, ['user', 'add', 'ada', '--timezone', 'UTC']);
      const sign = render(join(dir, 'exit.png'), ['EXIT', 'Stairs to level 2']);
      const video = join(dir, 'exit.mp4');
      execFileSync('ffmpeg', [
        '-loglevel',
        'error',
        '-y',
        '-loop',
        '1',
        '-i',
        sign,
        '-t',
        '30',
        '-r',
        '10',
        '-pix_fmt',
        'yuv420p',
        video,
      ]);
      const result = await runCliJson<{ captures: number }>(home, ['ingest', video]);
      expect(result.captures).toBe(30);
      const seen = await frames(home);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.details?.frames?.count).toBe(30);
      expect(seen[0]!.text).toMatch(/stairs/i);
    },
    180_000,
  );

  it('names an enrolled person on an altered photo, never a different person, never one who opted out', async () => {
    const home = tempHome();
    await runCliJson(home, ['user', 'add', 'ada', '--timezone', 'UTC']);
    await runCliJson(home, ['people', 'add', 'Leo']);
    await runCliJson(home, ['people', 'enroll', 'Leo', join(DATA, 'messi5.jpg')]);
    const altered = join(dir, 'leo-altered.jpg');
    await sharp(join(DATA, 'messi5.jpg'))
      .extract({ left: 30, top: 20, width: 480, height: 300 })
      .resize({ width: 420 })
      .modulate({ brightness: 1.1 })
      .jpeg({ quality: 85 })
      .toFile(altered);
    await runCliJson(home, ['ingest', '--captured-at', '2026-11-28T09:00:00Z', altered]);
    await runCliJson(home, ['ingest', '--captured-at', '2026-11-28T10:00:00Z', OTHER_FACE]);
    expect((await frames(home)).map((f) => f.details?.seen?.people)).toEqual([['Leo'], []]);
    expect((await frames(home))[0]!.text).toContain('Leo');
    // Opting out removes Leo's face prints and forgets the frame that named him.
    const optedOut = await runCliJson<{ deleted: { frames: number; facePrints: number } }>(home, [
      'people',
      'opt-out',
      'Leo',
    ]);
    expect(optedOut.deleted).toMatchObject({ frames: 1, facePrints: 1 });
    const again = join(dir, 'leo-again.jpg');
    await sharp(join(DATA, 'messi5.jpg')).resize({ width: 500 }).jpeg({ quality: 80 }).toFile(again);
    await runCliJson(home, ['ingest', '--captured-at', '2026-11-28T11:00:00Z', again]);
    const seen = await frames(home);
    expect(seen.map((f) => f.details?.seen?.people)).toEqual([[], []]);
    expect(seen.map((f) => f.text).join(' ')).not.toContain('Leo');
    // An opted-out face is not enrolled again until an opt-in.
    expect((await runCli(home, ['people', 'enroll', 'Leo', join(DATA, 'messi5.jpg')])).code).toBe(1);
    expect((await runCli(home, ['people', 'forget-face', 'Leo'])).code).toBe(0);
  }, 180_000);

  it('refuses images it cannot see with a clear error, and keeps working', async () => {
    const home = tempHome();
    await runCliJson(home, ['user', 'add', 'ada', '--timezone', 'UTC']);
    const corrupt = join(dir, 'corrupt.jpg');
    writeFileSync(corrupt, readFileSync(join(DATA, 'messi5.jpg')).subarray(0, 2000));
    const empty = join(dir, 'empty.jpg');
    writeFileSync(empty, Buffer.alloc(0));
    const pdf = join(dir, 'document.jpg');
    writeFileSync(pdf, '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n');
    const huge = join(dir, 'huge.png');
    await sharp({
      create: { width: 9000, height: 6000, channels: 3, background: { r: 200, g: 200, b: 200 } },
    })
      .png({ compressionLevel: 9 })
      .toFile(huge);
    for (const file of [corrupt, empty, pdf, huge]) {
      const result = await runCli(home, ['ingest', file]);
      expect(result.code, `${file}: ${result.stderr}`).toBe(1);
      expect(result.stderr).toMatch(/familiar: .+/);
    }
    const fine = render(join(dir, 'fine.png'), ['Still working']);
    const ok = await runCliJson<{ captures: number }>(home, ['ingest', fine]);
    expect(ok.captures).toBe(1);
    expect((await frames(home))[0]?.text).toMatch(/still working/i);
  }, 120_000);
});
