import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Box, DecodedFrame } from '../ports.ts';
import { blurRegions } from './face-blur.ts';
import { decodeFrame } from './frame-decoder.ts';
import { createHumanTagger } from './human-tagger.ts';

const PHOTOS = '/usr/share/doc/opencv-doc/examples/data';
const hasPhotos = existsSync(join(PHOTOS, 'messi5.jpg'));

/** A frame of black-and-white checks (`cell` px wide) crossed by green lines. */
function checkerboard(width: number, height: number, cell = 1): DecodedFrame {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const value = (Math.floor(x / cell) + Math.floor(y / cell)) % 2 === 0 ? 255 : 0;
      rgb.set([value, y % 7 === 0 ? 200 : value, value], (y * width + x) * 3);
    }
  }
  return { width, height, rgb };
}

/** Variance of all channel values inside a box. */
function variance(frame: DecodedFrame, box: Box): number {
  let sum = 0;
  let squares = 0;
  let count = 0;
  for (let y = box.y; y < box.y + box.height; y += 1) {
    for (let x = box.x; x < box.x + box.width; x += 1) {
      for (let channel = 0; channel < 3; channel += 1) {
        const value = frame.rgb[(y * frame.width + x) * 3 + channel]!;
        sum += value;
        squares += value * value;
        count += 1;
      }
    }
  }
  return squares / count - (sum / count) ** 2;
}

/** Pixels outside `region` that differ between the frames. */
function changedOutside(before: DecodedFrame, after: DecodedFrame, region: Box): number {
  let changed = 0;
  for (let y = 0; y < before.height; y += 1) {
    for (let x = 0; x < before.width; x += 1) {
      const inside =
        x >= region.x && x < region.x + region.width && y >= region.y && y < region.y + region.height;
      const at = (y * before.width + x) * 3;
      if (
        !inside &&
        before.rgb.subarray(at, at + 3).some((value, channel) => after.rgb[at + channel] !== value)
      ) {
        changed += 1;
      }
    }
  }
  return changed;
}

describe('blurRegions', () => {
  it('blurs the box and its padding, leaves every other pixel and the given frame unchanged', () => {
    const frame = checkerboard(120, 80);
    const original = new Uint8Array(frame.rgb);
    const box = { x: 40, y: 20, width: 30, height: 40 };
    const blurred = blurRegions(frame, [box]);
    expect(frame.rgb).toEqual(original);
    expect(variance(blurred, box)).toBeLessThan(variance(frame, box) * 0.05);
    // padding 0.2: 6 px left and right, 8 px above and below.
    const padded = { x: 34, y: 12, width: 42, height: 56 };
    expect(changedOutside(frame, blurred, padded)).toBe(0);
    expect(variance(blurred, { x: 34, y: 12, width: 6, height: 56 })).toBeLessThan(
      variance(frame, { x: 34, y: 12, width: 6, height: 56 }) * 0.05,
    );
  });

  it('cuts boxes to the frame, skips empty ones and blurs overlapping ones', () => {
    const frame = checkerboard(60, 40);
    const boxes = [
      { x: -20, y: -10, width: 40, height: 30 },
      { x: 30, y: 10, width: 0, height: 10 },
      { x: 100, y: 100, width: 10, height: 10 },
      { x: 15, y: 10, width: 20, height: 20 },
    ];
    const blurred = blurRegions(frame, boxes, { padding: 0 });
    expect(changedOutside(frame, blurred, { x: 0, y: 0, width: 35, height: 30 })).toBe(0);
    expect(changedOutside(frame, blurred, { x: 0, y: 0, width: 60, height: 20 })).toBeGreaterThan(0);
    for (const box of [
      { x: 0, y: 0, width: 20, height: 20 },
      { x: 15, y: 10, width: 20, height: 20 },
    ]) {
      expect(variance(blurred, box)).toBeLessThan(variance(frame, box) * 0.1);
    }
    expect(blurRegions(frame, [])).toEqual(frame);
  });

  it('blurs less with a smaller sigma', () => {
    const frame = checkerboard(80, 80, 8);
    const box = { x: 20, y: 20, width: 40, height: 40 };
    const light = variance(blurRegions(frame, [box], { sigma: 1 }), box);
    const strong = variance(blurRegions(frame, [box]), box);
    expect(light).toBeGreaterThan(strong * 5);
  });

  it('refuses a frame whose bytes do not match its size, and a negative padding or sigma', () => {
    const box = { x: 0, y: 0, width: 2, height: 2 };
    expect(() => blurRegions({ width: 4, height: 4, rgb: new Uint8Array(47) }, [box])).toThrow(/48|4×4/);
    expect(() => blurRegions(checkerboard(4, 4), [box], { padding: -1 })).toThrow(/padding/);
    expect(() => blurRegions(checkerboard(4, 4), [box], { sigma: 0 })).toThrow(/sigma/);
  });
});

describe.skipIf(!hasPhotos)(
  "blurRegions on Messi's face (medium: real tfjs wasm face detector; needs Debian opencv-doc)",
  () => {
    const tagger = createHumanTagger();
    afterAll(() => tagger.close());

    it('flattens the face so the detector no longer finds it, and keeps the rest of the photo', async () => {
      const frame = await decodeFrame(readFileSync(join(PHOTOS, 'messi5.jpg')));
      const faces = (await tagger.tag(frame)).faces;
      expect(faces).toHaveLength(1);
      const box = faces[0]!.box;
      const started = performance.now();
      const blurred = blurRegions(frame, [box]);
      const blurMs = performance.now() - started;
      const before = variance(frame, box);
      const after = variance(blurred, box);
      console.log(
        `face blur: ${box.width}×${box.height} face, ${blurMs.toFixed(1)} ms, ` +
          `variance ${before.toFixed(0)} → ${after.toFixed(0)} (${((1 - after / before) * 100).toFixed(1)} % less)`,
      );
      expect(after).toBeLessThan(before * 0.2);
      const padX = Math.ceil(box.width * 0.2) + 1;
      const padY = Math.ceil(box.height * 0.2) + 1;
      const grown = {
        x: box.x - padX,
        y: box.y - padY,
        width: box.width + 2 * padX,
        height: box.height + 2 * padY,
      };
      expect(changedOutside(frame, blurred, grown)).toBe(0);
      expect((await tagger.tag(blurred)).faces).toEqual([]);
    });
  },
);
