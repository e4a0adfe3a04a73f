import { ValidationError } from '../../kernel/index.ts';
import type { DecodedFrame } from '../ports.ts';

/*
 * The hash: a 32×32 grey thumbnail (tent-filtered, every second pixel of a 1280×720 frame), its orthonormal 2-D
 * DCT, and the 16×16 lowest frequencies but the mean (255 coefficients) coded as two bits each: above the median
 * by more than 2 grey levels, below it by more than 2. The dead zone keeps coefficients that sit on the median
 * (flat walls, blank slide backgrounds) from flipping with noise; a flip across the median costs 2, a drift into
 * the dead zone 1. Fifteen more bits code the mean grey level as a thermometer (steps of 16 levels), so a dark and
 * a light blank frame differ while ±3 % brightness moves at most one of them. 525 bits in 66 bytes.
 *
 * Measured with this code (perceptual-hash.test.ts re-checks a sample) on a tuning set of 18 slide pairs rendered
 * with ImageMagick (28-60 pt, 2-9 lines, on white, grey, cream, black and navy) and 62 opencv-doc photos, each
 * with 8 variants, as Hamming distances at 1280×720:
 *   slide near duplicates (JPEG q40, -modulate 97/103, ×0.97, 2 px roll in x or in y, Gaussian noise 0.3, and all
 *   of these at once) to their original: 0-19 (median 4, 95th percentile 13);
 *   a slide against the same slide with one more line (every variant of one against the other): 34 at least,
 *   40 at the 5th percentile, 63 median; the hardest was a one-word 28 pt line under nine others;
 *   two different photos: 120 and more; only featureless frames (flat grey, black, a smooth gradient, a plain
 *   wall) come closer to each other (8-36), as they should.
 * Hence the default threshold of 26, about half way. Photos under ~300 px move more under a 2 px shift (up to
 * 115 for a 100 px template), as two pixels are a larger part of them.
 *
 * Speed: the thumbnail pass reads every second pixel of every second row of a 1280×720 frame with integer luma
 * and two multiply-adds; the DCT is ~25 k multiply-adds. About 0.9-1.1 ms per frame on the 2-core build machines
 * (the test prints the mean), where a sharp round trip (raw RGB → grey 32×32) alone took 5.2 ms.
 */

const GRID = 32;
const KEEP = 16;
const DEAD_ZONE = 2;
const BRIGHTNESS_STEPS = 15;
const COEFFICIENT_BITS = (KEEP * KEEP - 1) * 2;

/** Bits in a perceptual hash (the last byte is padded with zeros). */
export const PERCEPTUAL_HASH_BITS = COEFFICIENT_BITS + BRIGHTNESS_STEPS;

/** Hamming distance at or below which two frames count as the same view (see the measurements above). */
export const DEFAULT_DUPLICATE_THRESHOLD = 26;

/** Orthonormal DCT-II basis rows 0..KEEP-1 over GRID samples. */
const BASIS = (() => {
  const basis = new Float64Array(KEEP * GRID);
  for (let k = 0; k < KEEP; k++) {
    const scale = Math.sqrt((k === 0 ? 1 : 2) / GRID);
    for (let i = 0; i < GRID; i++)
      basis[k * GRID + i] = scale * Math.cos(((2 * i + 1) * k * Math.PI) / (2 * GRID));
  }
  return basis;
})();

const POPCOUNT = (() => {
  const table = new Uint8Array(256);
  for (let value = 1; value < 256; value++) table[value] = (value & 1) + table[value >> 1]!;
  return table;
})();

/**
 * For sampled positions 0, step, 2·step… along a side of `length` pixels: the thumbnail bin left of each (−1 at
 * the edge) and the tent weight it gets, plus each bin's total weight (bins are offset by one in `totals`).
 */
function tentAxis(length: number, step: number) {
  const count = Math.ceil(length / step);
  const bins = new Int32Array(count);
  const weights = new Float64Array(count);
  const totals = new Float64Array(GRID + 2);
  for (let index = 0; index < count; index++) {
    const position = ((index * step + 0.5) * GRID) / length - 0.5;
    const bin = Math.floor(position);
    const weight = 1 - (position - bin);
    bins[index] = bin;
    weights[index] = weight;
    totals[bin + 1]! += weight;
    totals[bin + 2]! += 1 - weight;
  }
  return { count, bins, weights, totals };
}

/**
 * Fills cells no sample reached (frames narrower or shorter than the grid) from the nearest reached cell along
 * one axis: `along` steps between cells on that axis, `across` between the lines of cells.
 */
function fillUnreached(
  values: Float64Array,
  reached: (index: number) => boolean,
  along: number,
  across: number,
) {
  for (let line = 0; line < GRID; line++) {
    const base = line * across;
    let last = -1;
    for (let index = 0; index < GRID; index++) {
      if (reached(index)) {
        for (let fill = last + 1; fill < index; fill++) {
          values[base + fill * along] =
            last === -1 ? values[base + index * along]! : values[base + last * along]!;
        }
        last = index;
      }
    }
    for (let fill = last + 1; fill < GRID && last !== -1; fill++)
      values[base + fill * along] = values[base + last * along]!;
  }
}

/** A 32×32 grey thumbnail (0-255) of the frame, each cell a tent-weighted mean of the pixels around it. */
function greyThumbnail(frame: DecodedFrame): Float64Array {
  const { width, height, rgb } = frame;
  const step = Math.max(1, Math.floor(Math.min(width, height) / 256));
  const columns = tentAxis(width, step);
  const rows = tentAxis(height, step);
  const padded = GRID + 2;
  const sums = new Float64Array(padded * padded);
  const rowSums = new Float64Array(padded);
  for (let rowIndex = 0; rowIndex < rows.count; rowIndex++) {
    rowSums.fill(0);
    let offset = rowIndex * step * width * 3;
    const pixelStride = step * 3;
    for (let column = 0; column < columns.count; column++, offset += pixelStride) {
      const grey = (77 * rgb[offset]! + 150 * rgb[offset + 1]! + 29 * rgb[offset + 2]!) >> 8;
      const bin = columns.bins[column]! + 1;
      const weighted = grey * columns.weights[column]!;
      rowSums[bin]! += weighted;
      rowSums[bin + 1]! += grey - weighted;
    }
    const top = (rows.bins[rowIndex]! + 1) * padded;
    const weight = rows.weights[rowIndex]!;
    for (let bin = 0; bin < padded; bin++) {
      const value = rowSums[bin]!;
      sums[top + bin]! += value * weight;
      sums[top + padded + bin]! += value * (1 - weight);
    }
  }
  const thumbnail = new Float64Array(GRID * GRID);
  for (let y = 0; y < GRID; y++) {
    for (let x = 0; x < GRID; x++) {
      const total = rows.totals[y + 1]! * columns.totals[x + 1]!;
      thumbnail[y * GRID + x] = total > 0 ? sums[(y + 1) * padded + x + 1]! / total : 0;
    }
  }
  if (columns.totals.some((total, index) => index > 0 && index <= GRID && total === 0)) {
    fillUnreached(thumbnail, (x) => columns.totals[x + 1]! > 0, 1, GRID);
  }
  if (rows.totals.some((total, index) => index > 0 && index <= GRID && total === 0)) {
    fillUnreached(thumbnail, (y) => rows.totals[y + 1]! > 0, GRID, 1);
  }
  return thumbnail;
}

/** The KEEP×KEEP lowest-frequency coefficients of the thumbnail's orthonormal 2-D DCT, row by row. */
function lowFrequencies(thumbnail: Float64Array): Float64Array {
  const partial = new Float64Array(KEEP * GRID);
  for (let k = 0; k < KEEP; k++) {
    for (let x = 0; x < GRID; x++) {
      let sum = 0;
      for (let y = 0; y < GRID; y++) sum += BASIS[k * GRID + y]! * thumbnail[y * GRID + x]!;
      partial[k * GRID + x] = sum;
    }
  }
  const coefficients = new Float64Array(KEEP * KEEP);
  for (let k = 0; k < KEEP; k++) {
    for (let l = 0; l < KEEP; l++) {
      let sum = 0;
      for (let x = 0; x < GRID; x++) sum += BASIS[l * GRID + x]! * partial[k * GRID + x]!;
      coefficients[k * KEEP + l] = sum;
    }
  }
  return coefficients;
}

/**
 * A 525-bit perceptual hash of a frame (66 bytes) that stays within a few bits under re-encoding, ±3 % brightness,
 * a 2-pixel shift and light noise, and moves by dozens for a meaningful change such as one more line on a slide.
 * Compare two with `hammingDistance`; see `DEFAULT_DUPLICATE_THRESHOLD`.
 */
export function perceptualHash(frame: DecodedFrame): Uint8Array {
  if (frame.width < 1 || frame.height < 1 || frame.rgb.byteLength < frame.width * frame.height * 3) {
    throw new ValidationError(
      `a frame of ${frame.width}×${frame.height} needs ${frame.width * frame.height * 3} RGB bytes, not ${frame.rgb.byteLength}`,
    );
  }
  const coefficients = lowFrequencies(greyThumbnail(frame));
  const ac = coefficients.subarray(1);
  const sorted = Float64Array.from(ac).sort();
  const median = sorted[sorted.length >> 1]!;
  const hash = new Uint8Array(Math.ceil(PERCEPTUAL_HASH_BITS / 8));
  const set = (bit: number) => {
    hash[bit >> 3]! |= 1 << (bit & 7);
  };
  for (let index = 0; index < ac.length; index++) {
    const value = ac[index]!;
    if (value > median + DEAD_ZONE) set(index * 2);
    else if (value < median - DEAD_ZONE) set(index * 2 + 1);
  }
  // The DC coefficient of an orthonormal 32×32 DCT is 32 × the mean grey level.
  const meanGrey = coefficients[0]! / GRID;
  for (let step = 1; step <= BRIGHTNESS_STEPS; step++) {
    if (meanGrey > step * 16) set(COEFFICIENT_BITS + step - 1);
  }
  return hash;
}

/** The number of bits in which two hashes differ. */
export function hammingDistance(a: Uint8Array, b: Uint8Array): number {
  if (a.byteLength !== b.byteLength) {
    throw new ValidationError(`cannot compare hashes of ${a.byteLength} and ${b.byteLength} bytes`);
  }
  let distance = 0;
  for (let index = 0; index < a.byteLength; index++) distance += POPCOUNT[a[index]! ^ b[index]!]!;
  return distance;
}

/** The frames one kept frame stands for: itself and the near duplicates dropped after it. */
export interface FrameRepresentative {
  /** Frames it stands for, itself included. */
  count: number;
  /** When the kept frame was captured (ms); the earliest of the frames it stands for. */
  firstAt: number;
  /** When the latest frame it stands for was captured (ms). */
  lastAt: number;
}

/** What to do with a frame: keep it, or drop it as a near duplicate of the stream's last kept frame. */
export interface FrameDecision {
  keep: boolean;
  /** The frame's hash (store it with a kept frame). */
  hash: Uint8Array;
  /** Hamming distance to the stream's last kept frame; null for a stream's first frame. */
  distance: number | null;
  /** The kept frame this decision counts into: the frame itself when kept, else the last kept frame. */
  representative: FrameRepresentative;
}

/** Counts of one stream so far. */
export interface FrameStreamSummary {
  considered: number;
  kept: number;
  dropped: number;
  /** The last kept frame and the frames it stands for so far; null before the first frame. */
  current: FrameRepresentative | null;
}

/** Drops near-duplicate frames per stream (a camera, a screen), counting each into the last frame kept. */
export interface FrameDeduplicator {
  consider(streamKey: string, frame: DecodedFrame, capturedAt: number): FrameDecision;
  summary(streamKey: string): FrameStreamSummary;
  /** Ends a stream: returns its summary and frees its state. */
  finish(streamKey: string): FrameStreamSummary;
}

interface StreamState {
  considered: number;
  kept: number;
  lastHash: Uint8Array;
  current: FrameRepresentative;
}

/**
 * Creates a deduplicator that compares each frame with the last frame *kept* in the same stream (not the previous
 * frame), so slow drift still ends in a new kept frame once it adds up past `threshold`.
 */
export function createFrameDeduplicator({
  threshold = DEFAULT_DUPLICATE_THRESHOLD,
  hash = perceptualHash,
}: {
  threshold?: number;
  hash?: (frame: DecodedFrame) => Uint8Array;
} = {}): FrameDeduplicator {
  if (!Number.isInteger(threshold) || threshold < 0) {
    throw new ValidationError(`the duplicate threshold must be a whole number of bits ≥ 0, not ${threshold}`);
  }
  const streams = new Map<string, StreamState>();

  const summarise = (state: StreamState | undefined): FrameStreamSummary =>
    state
      ? {
          considered: state.considered,
          kept: state.kept,
          dropped: state.considered - state.kept,
          current: { ...state.current },
        }
      : { considered: 0, kept: 0, dropped: 0, current: null };

  return {
    consider(streamKey, frame, capturedAt) {
      const frameHash = hash(frame);
      const state = streams.get(streamKey);
      const distance = state ? hammingDistance(state.lastHash, frameHash) : null;
      if (!state || distance === null || distance > threshold) {
        const current = { count: 1, firstAt: capturedAt, lastAt: capturedAt };
        streams.set(streamKey, {
          considered: (state?.considered ?? 0) + 1,
          kept: (state?.kept ?? 0) + 1,
          lastHash: frameHash,
          current,
        });
        return { keep: true, hash: frameHash, distance, representative: { ...current } };
      }
      state.considered += 1;
      state.current.count += 1;
      state.current.firstAt = Math.min(state.current.firstAt, capturedAt);
      state.current.lastAt = Math.max(state.current.lastAt, capturedAt);
      return { keep: false, hash: frameHash, distance, representative: { ...state.current } };
    },
    summary(streamKey) {
      return summarise(streams.get(streamKey));
    },
    finish(streamKey) {
      const summary = summarise(streams.get(streamKey));
      streams.delete(streamKey);
      return summary;
    },
  };
}
