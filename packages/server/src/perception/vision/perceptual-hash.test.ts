import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecodedFrame } from '../ports.ts';
import { decodeFrame } from './frame-decoder.ts';
import {
  createFrameDeduplicator,
  DEFAULT_DUPLICATE_THRESHOLD,
  hammingDistance,
  PERCEPTUAL_HASH_BITS,
  perceptualHash,
} from './perceptual-hash.ts';

const PHOTOS = '/usr/share/doc/opencv-doc/examples/data';
const HAS_PHOTOS = existsSync(join(PHOTOS, 'messi5.jpg')) && existsSync(join(PHOTOS, 'graf1.png'));
/** Debian's ImageMagick; /usr/local/bin/convert on the build machines is a stand-in without fonts. */
const CONVERT = '/usr/bin/convert';
const HAS_CONVERT = existsSync(CONVERT);

/** A frame of one colour, or a 128-px checkerboard with seeded noise in blue when `seed` is given. */
function syntheticFrame(width: number, height: number, seed?: number): DecodedFrame {
  const rgb = new Uint8Array(width * height * 3);
  let state = seed ?? 0;
  for (let offset = 0; offset < rgb.byteLength; offset += 3) {
    if (seed === undefined) {
      rgb.set([90, 120, 150], offset);
      continue;
    }
    state = (state * 1_103_515_245 + 12_345) >>> 0;
    const pixel = offset / 3;
    const x = pixel % width;
    const y = Math.floor(pixel / width);
    const value = ((x >> 7) + (y >> 7)) % 2 === 0 ? 200 : 60;
    rgb.set([value, value, (value + (state >>> 24)) & 255], offset);
  }
  return { width, height, rgb };
}

describe('perceptualHash and hammingDistance', () => {
  it('gives 525 bits in 66 bytes, the same for the same frame', () => {
    const frame = syntheticFrame(1280, 720, 7);
    const hash = perceptualHash(frame);
    expect(PERCEPTUAL_HASH_BITS).toBe(525);
    expect(hash.byteLength).toBe(66);
    expect(hammingDistance(hash, perceptualHash({ ...frame, rgb: frame.rgb.slice() }))).toBe(0);
    expect(hammingDistance(hash, perceptualHash(syntheticFrame(1280, 720)))).toBeGreaterThan(
      DEFAULT_DUPLICATE_THRESHOLD,
    );
  });

  it('counts differing bits', () => {
    expect(hammingDistance(new Uint8Array([0b1011, 0xff]), new Uint8Array([0b0001, 0x0f]))).toBe(6);
    expect(() => hammingDistance(new Uint8Array(2), new Uint8Array(3))).toThrow(/2 and 3 bytes/);
  });

  it('hashes frames smaller than its grid, down to one pixel', () => {
    for (const [width, height] of [
      [1, 1],
      [7, 5],
      [31, 200],
    ] as const) {
      const hash = perceptualHash(syntheticFrame(width, height, 3));
      expect(hash.byteLength).toBe(66);
      expect(hammingDistance(hash, perceptualHash(syntheticFrame(width, height, 3)))).toBe(0);
    }
    // A flat frame of one colour has every frequency on the median: only the brightness bits are set.
    const flat = perceptualHash(syntheticFrame(7, 5));
    expect(hammingDistance(flat, new Uint8Array(66))).toBe(7);
  });

  it('refuses a frame whose bytes do not match its size', () => {
    expect(() => perceptualHash({ width: 10, height: 10, rgb: new Uint8Array(30) })).toThrow(
      /needs 300 RGB bytes/,
    );
  });

  it('hashes a 1280×720 frame in well under 20 ms (target ≤ 5 ms)', () => {
    const frame = syntheticFrame(1280, 720, 11);
    for (let run = 0; run < 10; run++) perceptualHash(frame);
    const runs = 100;
    const started = performance.now();
    for (let run = 0; run < runs; run++) perceptualHash(frame);
    const meanMs = (performance.now() - started) / runs;
    console.log(`perceptual hash: ${meanMs.toFixed(2)} ms per 1280×720 frame (mean of ${runs})`);
    expect(meanMs).toBeLessThan(20);
  });
});

describe('createFrameDeduplicator', () => {
  /** Frames whose "hash" is their first byte's bits, so distances are set by the test. */
  const frameWith = (bits: number): DecodedFrame => ({
    width: 1,
    height: 1,
    rgb: new Uint8Array([bits, 0, 0]),
  });
  const byFirstByte = (frame: DecodedFrame) => frame.rgb.subarray(0, 1);

  it('keeps the first frame, counts near duplicates into it with their time span, keeps a change', () => {
    const dedup = createFrameDeduplicator({ threshold: 2, hash: byFirstByte });
    expect(dedup.consider('cam', frameWith(0b0000), 1_000)).toMatchObject({
      keep: true,
      distance: null,
      representative: { count: 1, firstAt: 1_000, lastAt: 1_000 },
    });
    expect(dedup.consider('cam', frameWith(0b0001), 2_000)).toMatchObject({
      keep: false,
      distance: 1,
      representative: { count: 2, firstAt: 1_000, lastAt: 2_000 },
    });
    expect(dedup.consider('cam', frameWith(0b0011), 3_000)).toMatchObject({
      keep: false,
      distance: 2,
      representative: { count: 3, firstAt: 1_000, lastAt: 3_000 },
    });
    // Compared with the kept frame, not the previous one: three bits away now, so kept.
    expect(dedup.consider('cam', frameWith(0b0111), 4_000)).toMatchObject({
      keep: true,
      distance: 3,
      representative: { count: 1, firstAt: 4_000, lastAt: 4_000 },
    });
    expect(dedup.summary('cam')).toEqual({
      considered: 4,
      kept: 2,
      dropped: 2,
      current: { count: 1, firstAt: 4_000, lastAt: 4_000 },
    });
  });

  it('keeps streams apart, takes frames out of order, and forgets a finished stream', () => {
    const dedup = createFrameDeduplicator({ threshold: 0, hash: byFirstByte });
    dedup.consider('front', frameWith(1), 5_000);
    expect(dedup.consider('back', frameWith(1), 5_000).keep).toBe(true);
    expect(dedup.consider('front', frameWith(1), 4_000).representative).toEqual({
      count: 2,
      firstAt: 4_000,
      lastAt: 5_000,
    });
    expect(dedup.summary('back')).toMatchObject({ considered: 1, kept: 1 });
    expect(dedup.finish('front')).toMatchObject({ considered: 2, kept: 1, dropped: 1 });
    expect(dedup.summary('front')).toEqual({ considered: 0, kept: 0, dropped: 0, current: null });
    expect(dedup.consider('front', frameWith(1), 6_000).keep).toBe(true);
  });

  it('refuses a threshold that is not a whole number of bits', () => {
    expect(() => createFrameDeduplicator({ threshold: -1 })).toThrow(/whole number of bits/);
    expect(() => createFrameDeduplicator({ threshold: 2.5 })).toThrow(/whole number of bits/);
  });
});

describe.skipIf(!HAS_PHOTOS)('perceptual hash on opencv-doc photos (Debian opencv-doc)', () => {
  it('tells two different photos apart', async () => {
    const messi = perceptualHash(await decodeFrame(readFileSync(join(PHOTOS, 'messi5.jpg'))));
    const graf = perceptualHash(await decodeFrame(readFileSync(join(PHOTOS, 'graf1.png'))));
    const distance = hammingDistance(messi, graf);
    console.log(`messi5.jpg vs graf1.png: ${distance} bits`);
    expect(distance).toBeGreaterThan(DEFAULT_DUPLICATE_THRESHOLD * 2);
  });
});

describe.skipIf(!HAS_CONVERT)('perceptual hash on slides rendered by ImageMagick (/usr/bin/convert)', () => {
  const LINES = [
    'Quarterly planning: room 4B',
    '- Ship the memory server beta',
    '- Review camera privacy rules',
    '- Hire two engineers',
  ];
  const VARIANTS: Record<string, string[]> = {
    'JPEG quality 40': ['-quality', '40'],
    'brightness +3 %': ['-modulate', '103'],
    'brightness -3 %': ['-modulate', '97'],
    '2 px shift': ['-roll', '+2+0'],
    'light noise': ['-seed', '7', '-attenuate', '0.3', '+noise', 'Gaussian'],
    'all at once': [
      '-seed',
      '7',
      '-attenuate',
      '0.3',
      '+noise',
      'Gaussian',
      '-roll',
      '+2+0',
      '-modulate',
      '97',
      '-quality',
      '40',
    ],
  };
  let folder = '';
  const frames = new Map<string, DecodedFrame>();

  const convert = async (name: string, args: string[]): Promise<DecodedFrame> => {
    const path = join(folder, name);
    execFileSync(CONVERT, [...args, path]);
    return decodeFrame(readFileSync(path));
  };

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'familiar-perceptual-hash-'));
    const text = ['-font', 'DejaVu-Sans', '-fill', 'black'];
    const slide = ['-size', '1600x900', 'xc:white', ...text, '-pointsize', '56'];
    LINES.forEach((line, index) => {
      slide.push('-annotate', `+100+${150 + index * 110}`, line);
    });
    frames.set('slide', await convert('slide.png', slide));
    frames.set(
      'one more line',
      await convert('more.png', [
        join(folder, 'slide.png'),
        ...text,
        '-pointsize',
        '56',
        '-annotate',
        '+100+590',
        '- Budget review on Friday',
      ]),
    );
    // A smaller, shorter extra line on a dark slide: the hardest kind of change in the tuning set.
    const dark = [
      '-size',
      '1600x900',
      'xc:#1f3a68',
      '-font',
      'DejaVu-Sans',
      '-fill',
      'white',
      '-pointsize',
      '28',
    ];
    for (let index = 0; index < 9; index++)
      dark.push('-annotate', `+120+${140 + index * 60}`, `- item ${index + 1} of the list`);
    frames.set('dark slide', await convert('dark.png', dark));
    frames.set(
      'dark slide, one more word',
      await convert('dark-more.png', [
        join(folder, 'dark.png'),
        ...['-font', 'DejaVu-Sans', '-fill', 'white', '-pointsize', '28', '-annotate', '+120+680', '- legal'],
      ]),
    );
    for (const [name, args] of Object.entries(VARIANTS)) {
      const extension = args.includes('-quality') ? 'jpg' : 'png';
      frames.set(
        name,
        await convert(`${name.replace(/\W+/g, '-')}.${extension}`, [join(folder, 'slide.png'), ...args]),
      );
      frames.set(
        `dark slide, ${name}`,
        await convert(`dark-${name.replace(/\W+/g, '-')}.${extension}`, [join(folder, 'dark.png'), ...args]),
      );
    }
  }, 60_000);
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  const distance = (a: string, b: string) =>
    hammingDistance(perceptualHash(frames.get(a)!), perceptualHash(frames.get(b)!));

  it('merges re-encoded, brightened, darkened, shifted and noisy copies of a slide', () => {
    const distances = Object.keys(VARIANTS).map((name) => [name, distance('slide', name)] as const);
    const dark = Object.keys(VARIANTS).map(
      (name) => [name, distance('dark slide', `dark slide, ${name}`)] as const,
    );
    console.log(`near duplicates (threshold ${DEFAULT_DUPLICATE_THRESHOLD}):`, Object.fromEntries(distances));
    console.log('near duplicates of the dark slide:', Object.fromEntries(dark));
    for (const [, bits] of [...distances, ...dark])
      expect(bits).toBeLessThanOrEqual(DEFAULT_DUPLICATE_THRESHOLD);
  });

  it('keeps a slide with one more line apart from the slide and from each of its copies', () => {
    const changed = ['slide', ...Object.keys(VARIANTS)].map((name) => distance(name, 'one more line'));
    const word = ['dark slide', ...Object.keys(VARIANTS).map((name) => `dark slide, ${name}`)].map((name) =>
      distance(name, 'dark slide, one more word'),
    );
    console.log('one more line, against the slide and each copy:', changed);
    console.log('one more 28 pt word on the dark slide:', word);
    for (const bits of [...changed, ...word]) expect(bits).toBeGreaterThan(DEFAULT_DUPLICATE_THRESHOLD);
  });

  it('deduplicates a stream: copies count into the slide, the changed slide is kept', () => {
    const dedup = createFrameDeduplicator();
    const stream = ['slide', ...Object.keys(VARIANTS), 'one more line'];
    const kept = stream.filter(
      (name, index) => dedup.consider('screen', frames.get(name)!, 10_000 + index * 1_000).keep,
    );
    expect(kept).toEqual(['slide', 'one more line']);
    expect(dedup.summary('screen')).toEqual({
      considered: 8,
      kept: 2,
      dropped: 6,
      current: { count: 1, firstAt: 17_000, lastAt: 17_000 },
    });
    const again = createFrameDeduplicator();
    let last = again.consider('screen', frames.get('slide')!, 0);
    for (const [index, name] of Object.keys(VARIANTS).entries())
      last = again.consider('screen', frames.get(name)!, (index + 1) * 500);
    expect(last).toMatchObject({ keep: false, representative: { count: 7, firstAt: 0, lastAt: 3_000 } });
  });
});
