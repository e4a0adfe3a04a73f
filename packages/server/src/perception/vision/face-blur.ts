import { ValidationError } from '../../kernel/index.ts';
import type { Box, DecodedFrame } from '../ports.ts';

/** Options of `blurRegions`. */
export interface BlurRegionsOptions {
  /** How much each box grows on every side before blurring, as a fraction of its width and height. */
  padding?: number;
  /** Gaussian sigma in pixels; by default a quarter of the grown box's longer side, at least 4. */
  sigma?: number;
}

interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
}

function grow(box: Box, padding: number, frame: DecodedFrame): Region | null {
  const left = Math.max(0, Math.floor(box.x - box.width * padding));
  const top = Math.max(0, Math.floor(box.y - box.height * padding));
  const right = Math.min(frame.width, Math.ceil(box.x + box.width * (1 + padding)));
  const bottom = Math.min(frame.height, Math.ceil(box.y + box.height * (1 + padding)));
  if (!(right > left && bottom > top)) return null;
  return { left, top, width: right - left, height: bottom - top };
}

/**
 * One box-filter pass along `count` lines of `length` values (`step` apart, lines `stride` apart), edges repeated:
 * only values inside the region are ever read.
 */
function boxPass(
  source: Float32Array,
  target: Float32Array,
  radius: number,
  lines: { count: number; length: number; step: number; stride: number },
): void {
  const { count, length, step, stride } = lines;
  const last = length - 1;
  const width = 2 * radius + 1;
  for (let line = 0; line < count; line += 1) {
    const base = line * stride;
    const at = (index: number) => source[base + Math.min(last, Math.max(0, index)) * step] ?? 0;
    let sum = 0;
    for (let offset = -radius; offset <= radius; offset += 1) sum += at(offset);
    for (let index = 0; index < length; index += 1) {
      target[base + index * step] = sum / width;
      sum += at(index + radius + 1) - at(index - radius);
    }
  }
}

/** Three box-filter passes each way: close to a Gaussian of the given sigma. */
function blurRegion(rgb: Uint8Array, frameWidth: number, region: Region, sigma: number): void {
  const { left, top, width, height } = region;
  let pixels = new Float32Array(width * height * 3);
  for (let row = 0; row < height; row += 1) {
    const start = ((top + row) * frameWidth + left) * 3;
    pixels.set(rgb.subarray(start, start + width * 3), row * width * 3);
  }
  let scratch = new Float32Array(pixels.length);
  const radius = Math.max(1, Math.round((Math.sqrt(4 * sigma * sigma + 1) - 1) / 2));
  for (let pass = 0; pass < 3; pass += 1) {
    for (let channel = 0; channel < 3; channel += 1) {
      const rows = { count: height, length: width, step: 3, stride: width * 3 };
      boxPass(pixels.subarray(channel), scratch.subarray(channel), radius, rows);
    }
    [pixels, scratch] = [scratch, pixels];
    for (let channel = 0; channel < 3; channel += 1) {
      const columns = { count: width, length: height, step: width * 3, stride: 3 };
      boxPass(pixels.subarray(channel), scratch.subarray(channel), radius, columns);
    }
    [pixels, scratch] = [scratch, pixels];
  }
  for (let row = 0; row < height; row += 1) {
    const start = ((top + row) * frameWidth + left) * 3;
    for (let index = 0; index < width * 3; index += 1) {
      rgb[start + index] = Math.round(pixels[row * width * 3 + index] ?? 0);
    }
  }
}

/**
 * A copy of the frame with each box (grown by `padding`) blurred so strongly that a face in it cannot be
 * recognised: only a smooth patch of its colours is left. Pixels outside the grown boxes are unchanged; the frame
 * given is not modified. Boxes reaching past the frame are cut to it.
 */
export function blurRegions(
  frame: DecodedFrame,
  boxes: readonly Box[],
  { padding = 0.2, sigma }: BlurRegionsOptions = {},
): DecodedFrame {
  if (frame.rgb.byteLength !== frame.width * frame.height * 3) {
    throw new ValidationError(
      `the frame holds ${frame.rgb.byteLength} bytes, not ${frame.width}×${frame.height}×3 RGB bytes`,
    );
  }
  if (!(padding >= 0)) throw new ValidationError(`the blur padding must be 0 or more, not ${padding}`);
  if (sigma !== undefined && !(sigma > 0))
    throw new ValidationError(`the blur sigma must be positive, not ${sigma}`);
  const rgb = new Uint8Array(frame.rgb);
  for (const box of boxes) {
    const region = grow(box, padding, frame);
    if (region)
      blurRegion(rgb, frame.width, region, sigma ?? Math.max(4, Math.max(region.width, region.height) / 4));
  }
  return { width: frame.width, height: frame.height, rgb };
}
