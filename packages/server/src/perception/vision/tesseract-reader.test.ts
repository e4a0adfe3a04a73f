import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Block } from 'tesseract.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecodedFrame, TextReading } from '../ports.ts';
import { createTesseractReader, keepConfidentLines, type TesseractTextReader } from './tesseract-reader.ts';

const CONVERT = '/usr/bin/convert';
const OPENCV_DATA = '/usr/share/doc/opencv-doc/examples/data';
const hasConvert = existsSync(CONVERT);

/** A page as tesseract.js reports it, reduced to what the gate looks at. */
function page(lines: Array<{ text: string; confidence: number }>): Block[] {
  return [
    {
      paragraphs: [
        {
          lines: lines.map((line, i) => ({
            ...line,
            bbox: { x0: 10, y0: 20 + 40 * i, x1: 110, y1: 50 + 40 * i },
          })),
        },
      ],
    },
  ] as unknown as Block[];
}

describe('keepConfidentLines', () => {
  it('keeps confident lines with words, whitespace collapsed, and averages their confidence', () => {
    const reading = keepConfidentLines(
      page([
        { text: 'Planning   meeting\n', confidence: 95 },
        { text: '= a =\n', confidence: 91 },
        { text: 'ry —\n', confidence: 33 },
        { text: ' Room 4B\tat 3pm\n\n', confidence: 90 },
      ]),
      60,
    );
    expect(reading).toEqual({
      text: 'Planning meeting\nRoom 4B at 3pm',
      confidence: 92.5,
      lines: [
        { text: 'Planning meeting', confidence: 95, box: { x: 10, y: 20, width: 100, height: 30 } },
        { text: 'Room 4B at 3pm', confidence: 90, box: { x: 10, y: 140, width: 100, height: 30 } },
      ],
    });
  });

  it('gives no text and confidence 0 when nothing passes', () => {
    expect(keepConfidentLines(page([{ text: 'SR mig Fe wo', confidence: 49 }]), 60)).toEqual({
      text: '',
      confidence: 0,
      lines: [],
    });
    expect(keepConfidentLines([], 60)).toEqual({ text: '', confidence: 0, lines: [] });
  });
});

describe('createTesseractReader without the engine', () => {
  it('refuses bad options and bad frames with clear errors, before starting anything', async () => {
    expect(() => createTesseractReader({ minConfidence: 101 })).toThrow(/minConfidence/);
    expect(() => createTesseractReader({ workers: 0 })).toThrow(/workers/);
    const reader = createTesseractReader();
    expect(reader.name).toMatch(/^tesseract\.js 7[.\d]* \(eng, LSTM\)$/);
    await expect(reader.read({ width: 2, height: 2, rgb: new Uint8Array(5) })).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining('needs 12 bytes'),
    });
    await expect(reader.read({ width: 0, height: 2, rgb: new Uint8Array(0) })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    const aborted = AbortSignal.abort(new Error('stop'));
    await expect(reader.read(blankFrame(8, 8), { signal: aborted })).rejects.toThrow('stop');
    await reader.close();
    await expect(reader.read(blankFrame(8, 8))).rejects.toThrow(/closed/);
  });

  it('says which language data is missing, and keeps saying it without starting an engine thread', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'familiar-ocr-empty-'));
    try {
      const reader = createTesseractReader({ languageDataPath: empty });
      const missing = {
        code: 'validation_failed',
        message: expect.stringContaining(join(empty, 'eng.traineddata.gz')),
      };
      const together = await Promise.allSettled([
        reader.read(blankFrame(8, 8)),
        reader.read(blankFrame(8, 8)),
      ]);
      expect(together).toMatchObject([
        { status: 'rejected', reason: missing },
        { status: 'rejected', reason: missing },
      ]);
      await expect(reader.read(blankFrame(8, 8))).rejects.toMatchObject(missing);
      await reader.close();
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

// CI installs Debian's imagemagick and opencv-doc; elsewhere these medium tests are skipped with this reason.
describe.skipIf(!hasConvert)(
  'tesseract.js on rendered signs and real photos (medium: needs Debian imagemagick at /usr/bin/convert, opencv-doc)',
  () => {
    let dir = '';
    let reader: TesseractTextReader;
    let frames: Record<'sign' | 'blurredSign' | 'card' | 'gradient', DecodedFrame>;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'familiar-ocr-'));
      const sign = join(dir, 'sign.png');
      render(sign, [
        '-size',
        '1280x720',
        'xc:white',
        '-font',
        'DejaVu-Sans',
        '-pointsize',
        '56',
        '-fill',
        'black',
        '-annotate',
        '+80+200',
        'Planning meeting',
        '-annotate',
        '+80+300',
        'Room 4B at 3pm',
      ]);
      render(join(dir, 'blurred.png'), [sign, '-blur', '0x12']);
      render(join(dir, 'card.png'), [
        '-size',
        '1280x720',
        'xc:#dfe7f2',
        '-fill',
        '#1d3557',
        '-draw',
        'roundrectangle 240,160 1040,600 30,30',
        '-fill',
        'white',
        '-font',
        'DejaVu-Sans-Mono',
        '-pointsize',
        '52',
        '-annotate',
        '+300+400',
        '4111 1111 1111 1111',
        '-pointsize',
        '32',
        '-annotate',
        '+300+500',
        'JANE DOE   12/29',
      ]);
      render(join(dir, 'gradient.png'), ['-size', '1280x720', 'gradient:#203040-#e0d0c0']);
      frames = {
        sign: await decode(sign),
        blurredSign: await decode(join(dir, 'blurred.png')),
        card: await decode(join(dir, 'card.png')),
        gradient: await decode(join(dir, 'gradient.png')),
      };
      reader = createTesseractReader();
    });

    afterAll(async () => {
      await reader?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('reads a sign, line by line, with boxes around the words', async () => {
      const coldStart = performance.now();
      const first = await reader.read(frames.sign);
      const coldMs = performance.now() - coldStart;
      const warmStart = performance.now();
      const runs = 3;
      for (let i = 0; i < runs; i += 1) expect(await reader.read(frames.sign)).toEqual(first);
      const warmMs = (performance.now() - warmStart) / runs;
      console.log(
        `tesseract.js sign 1280x720: first call ${coldMs.toFixed(0)} ms (import and engine start included), then ${warmMs.toFixed(0)} ms per frame; confidence ${first.confidence}`,
      );

      expect(first.text.toLowerCase()).toContain('planning meeting');
      expect(first.text.toLowerCase()).toContain('4b');
      expect(first.lines).toHaveLength(2);
      expect(first.confidence).toBeGreaterThanOrEqual(80);
      const [heading, room] = first.lines;
      expect(heading!.box.x).toBeGreaterThanOrEqual(60);
      expect(heading!.box.x).toBeLessThan(120);
      expect(heading!.box.y + heading!.box.height).toBeGreaterThan(180);
      expect(heading!.box.y + heading!.box.height).toBeLessThan(230);
      expect(room!.box.y).toBeGreaterThan(heading!.box.y + heading!.box.height);
    });

    it('reads nothing in a strongly blurred sign', async () => {
      expect(await reader.read(frames.blurredSign)).toEqual({ text: '', confidence: 0, lines: [] });
    });

    it('reads nothing in photos and images without text', async () => {
      const photos = ['messi5.jpg', 'baboon.jpg'].map((name) => join(OPENCV_DATA, name)).filter(existsSync);
      const textless = [frames.gradient, ...(await Promise.all(photos.map(decode)))];
      for (const frame of textless) expect((await reader.read(frame)).text).toBe('');
    });

    it('reads the digits of a card (another rule decides what to keep)', async () => {
      const reading = await reader.read(frames.card);
      expect(reading.text).toContain('4111 1111 1111 1111');
    });

    it('runs concurrent calls one at a time on one engine, each with its own result', async () => {
      const order = [frames.card, frames.sign, frames.blurredSign, frames.sign];
      const sequential: TextReading[] = [];
      for (const frame of order) sequential.push(await reader.read(frame));
      expect(await Promise.all(order.map((frame) => reader.read(frame)))).toEqual(sequential);
    });

    it('shares calls among several engines, and close ends them so that nothing waits', async () => {
      const pool = createTesseractReader({ workers: 2 });
      try {
        const readings = await Promise.all([
          pool.read(frames.sign),
          pool.read(frames.card),
          pool.read(frames.sign),
        ]);
        expect(readings[0]!.text).toBe(readings[2]!.text);
        expect(readings[0]!.text.toLowerCase()).toContain('planning meeting');
        expect(readings[1]!.text).toContain('4111 1111 1111 1111');
      } finally {
        await pool.close();
      }
      await expect(pool.read(frames.sign)).rejects.toThrow(/closed/);
    });

    it('fails a call in flight when the reader closes, instead of leaving it waiting', async () => {
      const closing = createTesseractReader();
      await closing.read(frames.gradient);
      // Binary noise keeps the engine busy for seconds: the call is surely in flight when the reader closes.
      const outcomes = Promise.allSettled([closing.read(noiseFrame(1280, 720)), closing.read(frames.card)]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await closing.close();
      const [inFlight, waiting] = await outcomes;
      expect(inFlight).toMatchObject({
        status: 'rejected',
        reason: { message: expect.stringMatching(/engine thread ended/) },
      });
      expect(waiting).toMatchObject({
        status: 'rejected',
        reason: { message: expect.stringMatching(/closed/) },
      });
    });

    it('returns at once when a call is aborted, before it starts or mid-recognition, and keeps working', async () => {
      const early = new AbortController();
      const queued = reader.read(frames.sign, { signal: early.signal });
      early.abort(new Error('user left'));
      await expect(queued).rejects.toThrow('user left');

      const midway = new AbortController();
      const busy = reader.read(noiseFrame(640, 360), { signal: midway.signal });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const abortedAt = performance.now();
      midway.abort(new Error('user left'));
      await expect(busy).rejects.toThrow('user left');
      expect(performance.now() - abortedAt).toBeLessThan(200);
      expect((await reader.read(frames.card)).text).toContain('4111');
    });
  },
);

function render(file: string, args: string[]): void {
  execFileSync(CONVERT, [...args, file], { stdio: 'pipe' });
}

async function decode(file: string): Promise<DecodedFrame> {
  const { data, info } = await sharp(file)
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(3);
  return { width: info.width, height: info.height, rgb: new Uint8Array(data) };
}

function noiseFrame(width: number, height: number): DecodedFrame {
  const rgb = new Uint8Array(width * height * 3);
  let state = 1;
  for (let i = 0; i < rgb.length; i += 3) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    rgb.fill((state >>> 16) & 1 ? 255 : 0, i, i + 3);
  }
  return { width, height, rgb };
}

function blankFrame(width: number, height: number): DecodedFrame {
  return { width, height, rgb: new Uint8Array(width * height * 3).fill(255) };
}
