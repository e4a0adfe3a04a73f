import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FamiliarError } from '../../kernel/index.ts';
import { decodeFrame, encodeJpeg, sniffImageFormat } from './frame-decoder.ts';

const PHOTOS = '/usr/share/doc/opencv-doc/examples/data';
const HAS_PHOTOS = existsSync(join(PHOTOS, 'messi5.jpg')) && existsSync(join(PHOTOS, 'graf1.png'));
/** Debian's ImageMagick; /usr/local/bin/convert on the build machines is a stand-in without fonts. */
const CONVERT = '/usr/bin/convert';
const HAS_CONVERT = existsSync(CONVERT);

async function noisyJpeg(width: number, height: number): Promise<Uint8Array> {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .jpeg({ quality: 90 })
    .toBuffer();
}

async function refusal(
  bytes: Uint8Array,
  options?: Parameters<typeof decodeFrame>[1],
): Promise<FamiliarError> {
  const error = await decodeFrame(bytes, options).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FamiliarError);
  expect((error as FamiliarError).code).toBe('validation_failed');
  return error as FamiliarError;
}

function pixel(frame: { width: number; rgb: Uint8Array }, x: number, y: number): number[] {
  const offset = (y * frame.width + x) * 3;
  return Array.from(frame.rgb.subarray(offset, offset + 3));
}

describe('decodeFrame on bad input', () => {
  it('refuses zero bytes', async () => {
    expect((await refusal(new Uint8Array(0))).message).toBe('the image is empty (zero bytes)');
  });

  it('refuses a PDF renamed .jpg and says it looks like a PDF', async () => {
    const pdf = new TextEncoder().encode(
      '%PDF-1.4\n%âãÏÓ\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n',
    );
    const error = await refusal(pdf);
    expect(error.message).toBe(
      'this is not a JPEG, PNG, WebP or AVIF image: its bytes look like a PDF document',
    );
  });

  it('names other look-alikes: text, a GIF, an MP4, unknown bytes', async () => {
    expect((await refusal(new TextEncoder().encode('hello, this is a note'))).message).toContain(
      'text starting "hello, this is a note"',
    );
    expect((await refusal(new TextEncoder().encode('GIF89a\x01\x00\x01\x00'))).message).toContain(
      'a GIF image',
    );
    const mp4 = new Uint8Array([0, 0, 0, 0x18, ...new TextEncoder().encode('ftypisom'), 0, 0, 2, 0]);
    expect((await refusal(mp4)).message).toContain('an MP4/QuickTime-family file (brand "isom")');
    expect((await refusal(new Uint8Array([0, 1, 2, 3, 250, 251, 252, 253, 9]))).message).toContain(
      'unknown bytes (00 01 02 03 fa fb fc fd)',
    );
  });

  it('refuses a truncated JPEG with the decoder reason', async () => {
    const jpeg = await noisyJpeg(640, 480);
    expect(sniffImageFormat(jpeg)).toBe('jpeg');
    const error = await refusal(jpeg.subarray(0, Math.floor(jpeg.byteLength / 2)));
    expect(error.message).toMatch(/^this JPEG image is damaged or truncated: .*premature end of JPEG/i);
  });

  it('refuses a JPEG cut inside its header', async () => {
    const jpeg = await noisyJpeg(64, 64);
    expect((await refusal(jpeg.subarray(0, 40))).message).toMatch(/^this JPEG image is damaged or truncated/);
  });

  it('refuses a 50-megapixel image from its header, with its size in the message', async () => {
    // A solid colour compresses to ~150 kB of PNG; only its header is read.
    const huge = await sharp({ create: { width: 10_000, height: 5_000, channels: 3, background: '#336699' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    const error = await refusal(huge);
    expect(error.message).toBe(
      'the image is 10000×5000 (50.0 megapixels), more than the 40.0 megapixels accepted: send a smaller image',
    );
    expect(error.details).toEqual({ width: 10_000, height: 5_000, maxInputPixels: 40_000_000 });
  });

  it('applies a lower pixel limit when given one', async () => {
    const jpeg = await noisyJpeg(200, 100);
    expect((await refusal(jpeg, { maxInputPixels: 10_000 })).message).toContain('200×100');
    await expect(decodeFrame(jpeg, { maxInputPixels: 20_000 })).resolves.toMatchObject({ width: 200 });
  });
});

describe('decodeFrame on good input', () => {
  it('keeps a small image at its size (never enlarges) as packed RGB equal to the source pixels', async () => {
    const jpeg = await noisyJpeg(300, 200);
    const frame = await decodeFrame(jpeg);
    expect([frame.width, frame.height]).toEqual([300, 200]);
    expect(frame.rgb.byteLength).toBe(300 * 200 * 3);
    const reference = await sharp(jpeg).raw().toBuffer();
    expect(Buffer.from(frame.rgb).equals(reference)).toBe(true);
  });

  it('turns an image upright by its EXIF orientation', async () => {
    // Stored 400×200 with "rotate 90° clockwise to display": the decoded frame is portrait.
    const rotated = await sharp({ create: { width: 400, height: 200, channels: 3, background: '#ff0000' } })
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    const frame = await decodeFrame(rotated);
    expect([frame.width, frame.height]).toEqual([200, 400]);
  });

  it('flattens transparency onto white', async () => {
    const png = await sharp({
      create: { width: 40, height: 20, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const frame = await decodeFrame(png);
    expect(pixel(frame, 5, 5)).toEqual([255, 255, 255]);
    expect(frame.rgb.byteLength).toBe(40 * 20 * 3);
  });

  it('decodes 16-bit PNG, WebP and AVIF to 8-bit RGB', async () => {
    const base = sharp({ create: { width: 64, height: 48, channels: 3, background: '#204080' } });
    const inputs = [
      await base.clone().toColourspace('rgb16').png().toBuffer(),
      await base.clone().webp({ lossless: true }).toBuffer(),
      await base.clone().avif({ quality: 80 }).toBuffer(),
    ];
    expect(inputs.map((bytes) => sniffImageFormat(bytes))).toEqual(['png', 'webp', 'heif']);
    for (const bytes of inputs) {
      const frame = await decodeFrame(bytes);
      expect([frame.width, frame.height, frame.rgb.byteLength]).toEqual([64, 48, 64 * 48 * 3]);
      const [r, g, b] = pixel(frame, 10, 10) as [number, number, number];
      expect(Math.abs(r - 0x20) + Math.abs(g - 0x40) + Math.abs(b - 0x80)).toBeLessThan(12);
    }
  });

  it('scales to a smaller maxSide when asked', async () => {
    const frame = await decodeFrame(await noisyJpeg(1000, 500), { maxSide: 320 });
    expect([frame.width, frame.height]).toEqual([320, 160]);
  });
});

describe.skipIf(!HAS_PHOTOS)('decodeFrame on opencv-doc photos (Debian opencv-doc)', () => {
  it('decodes messi5.jpg (548×342, kept) and graf1.png (800×640, kept)', async () => {
    const messi = await decodeFrame(readFileSync(join(PHOTOS, 'messi5.jpg')));
    expect([messi.width, messi.height]).toEqual([548, 342]);
    expect(messi.rgb.byteLength).toBe(548 * 342 * 3);
    const graf = await decodeFrame(readFileSync(join(PHOTOS, 'graf1.png')));
    expect([graf.width, graf.height]).toEqual([800, 640]);
  });

  it('refuses half of messi5.jpg', async () => {
    const bytes = readFileSync(join(PHOTOS, 'messi5.jpg'));
    expect((await refusal(bytes.subarray(0, bytes.byteLength >> 1))).message).toMatch(/damaged or truncated/);
  });
});

describe.skipIf(!HAS_CONVERT)('decodeFrame on images rendered by ImageMagick (/usr/bin/convert)', () => {
  let folder = '';
  const render = (name: string, ...args: string[]): Uint8Array => {
    const path = join(folder, name);
    execFileSync(CONVERT, [...args, path]);
    return readFileSync(path);
  };

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'familiar-frame-decoder-'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('scales a 1600×900 slide to 1280×720 and keeps its dark text', async () => {
    const slide = render(
      'slide.png',
      ...['-size', '1600x900', 'xc:white', '-font', 'DejaVu-Sans', '-pointsize', '64'],
      ...['-annotate', '+100+200', 'Planning meeting: room 4B'],
    );
    const frame = await decodeFrame(slide);
    expect([frame.width, frame.height]).toEqual([1280, 720]);
    expect(Math.max(frame.width, frame.height)).toBeLessThanOrEqual(1280);
    let dark = 0;
    for (let offset = 0; offset < frame.rgb.byteLength; offset += 3) if (frame.rgb[offset]! < 100) dark += 1;
    // The line of text covers a few per cent of the frame; the rest is white.
    expect(dark / (frame.width * frame.height)).toBeGreaterThan(0.005);
    expect(dark / (frame.width * frame.height)).toBeLessThan(0.1);
  });

  it('scales a portrait 1080×1920 JPEG to 720×1280', async () => {
    const portrait = render('portrait.jpg', '-size', '1080x1920', 'gradient:white-navy');
    const frame = await decodeFrame(portrait);
    expect([frame.width, frame.height]).toEqual([720, 1280]);
  });

  it('decodes an 8-bit greyscale PNG to three channels', async () => {
    const grey = render('grey.png', '-size', '120x80', 'xc:gray50', '-type', 'Grayscale', '-depth', '8');
    const frame = await decodeFrame(grey);
    expect(frame.rgb.byteLength).toBe(120 * 80 * 3);
    const [r, g, b] = pixel(frame, 60, 40) as [number, number, number];
    expect([g, b]).toEqual([r, r]);
    expect(Math.abs(r - 127.5)).toBeLessThan(1);
  });

  it('refuses a HEVC-coded HEIC photo with advice, when ImageMagick can write one', async (context) => {
    let heic: Uint8Array;
    try {
      heic = render('photo.heic', '-size', '320x240', 'plasma:fractal');
    } catch {
      context.skip('this ImageMagick cannot write HEIC');
      return;
    }
    expect(sniffImageFormat(heic)).toBe('heif');
    expect((await refusal(heic)).message).toBe(
      'this is a HEIC image (HEVC-coded), which this server cannot decode (its sharp has no HEVC decoder): ' +
        'send JPEG, PNG, WebP or AVIF',
    );
  });
});

describe('encodeJpeg', () => {
  it('encodes a frame as a JPEG that decodes back to the same size and colour', async () => {
    const width = 320;
    const height = 240;
    const rgb = new Uint8Array(width * height * 3);
    for (let offset = 0; offset < rgb.byteLength; offset += 3) rgb.set([200, 40, 40], offset);
    const jpeg = await encodeJpeg({ width, height, rgb });
    expect(Array.from(jpeg.subarray(0, 3))).toEqual([0xff, 0xd8, 0xff]);
    const back = await decodeFrame(jpeg);
    expect([back.width, back.height]).toEqual([width, height]);
    const [r, g, b] = pixel(back, 100, 100) as [number, number, number];
    expect(Math.abs(r - 200) + Math.abs(g - 40) + Math.abs(b - 40)).toBeLessThan(10);
    const smaller = await encodeJpeg({ width, height, rgb }, 30);
    expect(smaller.byteLength).toBeLessThanOrEqual(jpeg.byteLength);
  });

  it('refuses a frame whose bytes do not match its size', async () => {
    await expect(encodeJpeg({ width: 10, height: 10, rgb: new Uint8Array(10) })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });
});
