import { describe, expect, it } from 'vitest';
import { floatToInt16, PcmChunker, PcmResampler } from './pcm-resampler.ts';

function sine(frequency: number, rate: number, samples: number, offset = 0): Float32Array {
  const out = new Float32Array(samples);
  for (let i = 0; i < samples; i += 1)
    out[i] = 0.5 * Math.sin((2 * Math.PI * frequency * (i + offset)) / rate);
  return out;
}

function rms(samples: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i += 1) sum += samples[i]! ** 2;
  return Math.sqrt(sum / samples.length);
}

describe('floatToInt16', () => {
  it('maps the full range to signed 16-bit and clamps what lies outside', () => {
    expect(floatToInt16(0)).toBe(0);
    expect(floatToInt16(1)).toBe(32767);
    expect(floatToInt16(-1)).toBe(-32768);
    expect(floatToInt16(2.5)).toBe(32767);
    expect(floatToInt16(-7)).toBe(-32768);
    expect(floatToInt16(Number.NaN)).toBe(0);
  });
});

describe('PcmResampler', () => {
  it('turns one second at 48 kHz into exactly one second at 16 kHz, keeping a 440 Hz tone', () => {
    const resampler = new PcmResampler(48_000);
    const out = resampler.push(sine(440, 48_000, 48_000));
    expect(out).toHaveLength(16_000);
    const expected = sine(440, 16_000, 16_000, 1 / 3); // each output averages three inputs centred one sample later
    let worst = 0;
    for (let i = 0; i < out.length; i += 1) worst = Math.max(worst, Math.abs(out[i]! / 32767 - expected[i]!));
    expect(worst).toBeLessThan(0.02);
  });

  it('gives the same samples whether the input comes whole or in odd-sized blocks', () => {
    const input = sine(300, 48_000, 4800);
    const whole = new PcmResampler(48_000).push(input);
    const blocked = new PcmResampler(48_000);
    const parts: Int16Array[] = [];
    let offset = 0;
    for (const size of [128, 1, 127, 1000, 2, 3542]) {
      parts.push(blocked.push(input.subarray(offset, offset + size)));
      offset += size;
    }
    const joined = Int16Array.from(parts.flatMap((part) => Array.from(part)));
    expect(joined).toEqual(whole);
  });

  it('downsamples 44.1 kHz at the right count over a long stream, with no drift', () => {
    const resampler = new PcmResampler(44_100);
    let total = 0;
    for (let i = 0; i < 100; i += 1) total += resampler.push(new Float32Array(441)).length;
    expect(total).toBe(16_000);
  });

  it('filters a tone above the 8 kHz limit instead of folding it into speech', () => {
    const out = new PcmResampler(48_000).push(sine(15_000, 48_000, 48_000));
    expect(rms(out) / 32767).toBeLessThan(0.5 * 0.25);
  });

  it('refuses to upsample', () => {
    expect(() => new PcmResampler(8000)).toThrow(RangeError);
  });
});

describe('PcmChunker', () => {
  it('cuts 100 ms chunks with the index of their first sample, and flushes the rest', () => {
    const chunker = new PcmChunker(1600);
    const first = chunker.push(new Int16Array(1000).fill(1));
    expect(first).toEqual([]);
    const next = chunker.push(new Int16Array(2500).fill(2));
    expect(next.map((c) => [c.pcm.length, c.firstSample])).toEqual([
      [1600, 0],
      [1600, 1600],
    ]);
    expect(next[0]!.pcm[999]).toBe(1);
    expect(next[0]!.pcm[1000]).toBe(2);
    const rest = chunker.flush();
    expect(rest?.pcm.length).toBe(300);
    expect(rest?.firstSample).toBe(3200);
    expect(chunker.flush()).toBeNull();
  });
});
