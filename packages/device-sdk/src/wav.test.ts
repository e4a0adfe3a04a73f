import { describe, expect, it } from 'vitest';
import { chunkPcm, encodeWav, parseWav, WavFormatError, wavToStreamAudio } from './wav.ts';

/** Interleaved 16-bit samples of a sine, the same tone on every channel. */
function sine(
  frequency: number,
  sampleRate: number,
  seconds: number,
  channels = 1,
  amplitude = 0.5,
): Int16Array {
  const frames = Math.round(sampleRate * seconds);
  const out = new Int16Array(frames * channels);
  for (let i = 0; i < frames; i += 1) {
    const value = Math.round(Math.sin((2 * Math.PI * frequency * i) / sampleRate) * amplitude * 32767);
    for (let c = 0; c < channels; c += 1) out[i * channels + c] = value;
  }
  return out;
}

/** Estimates a tone's frequency from its zero crossings. */
function frequencyOf(pcm: Int16Array, sampleRate: number): number {
  let crossings = 0;
  for (let i = 1; i < pcm.length; i += 1) if (pcm[i - 1]! < 0 !== pcm[i]! < 0) crossings += 1;
  return crossings / 2 / (pcm.length / sampleRate);
}

/** A WAV file with any format tag and sample width, written by hand. */
function wavWith(options: { tag: number; bits: number; channels: number; rate: number; data: Uint8Array }) {
  const { tag, bits, channels, rate, data } = options;
  const out = new Uint8Array(44 + data.byteLength);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode('RIFF'), 0);
  view.setUint32(4, 36 + data.byteLength, true);
  out.set(new TextEncoder().encode('WAVEfmt '), 8);
  view.setUint32(16, 16, true);
  view.setUint16(20, tag, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, rate, true);
  view.setUint32(28, (rate * channels * bits) / 8, true);
  view.setUint16(32, (channels * bits) / 8, true);
  view.setUint16(34, bits, true);
  out.set(new TextEncoder().encode('data'), 36);
  view.setUint32(40, data.byteLength, true);
  out.set(data, 44);
  return out;
}

describe('wavToStreamAudio', () => {
  it('converts a 44.1 kHz stereo sine to 16 kHz mono, keeping its length and its pitch', () => {
    const wav = encodeWav(sine(440, 44_100, 2, 2), 44_100, 2);
    const audio = wavToStreamAudio(wav);
    expect(audio.source).toMatchObject({
      sampleRate: 44_100,
      channels: 2,
      bitsPerSample: 16,
      encoding: 'pcm',
    });
    expect(audio.pcm.length).toBe(32_000);
    expect(audio.durationMs).toBe(2000);
    expect(frequencyOf(audio.pcm, 16_000)).toBeGreaterThan(430);
    expect(frequencyOf(audio.pcm, 16_000)).toBeLessThan(450);
    const peak = audio.pcm.reduce((max, sample) => Math.max(max, Math.abs(sample)), 0);
    expect(peak).toBeGreaterThan(15_000);
    expect(peak).toBeLessThan(17_000);
  });

  it('passes 16 kHz mono 16-bit audio through sample for sample', () => {
    const samples = new Int16Array([0, 1, -1, 32767, -32768, 1234]);
    expect(Array.from(wavToStreamAudio(encodeWav(samples, 16_000)).pcm)).toEqual(Array.from(samples));
  });

  it('averages channels when downmixing', () => {
    const stereo = new Int16Array([1000, 3000, -2000, 0]);
    expect(Array.from(wavToStreamAudio(encodeWav(stereo, 16_000, 2)).pcm)).toEqual([2000, -1000]);
  });

  it('reads 8-bit unsigned and 32-bit float samples', () => {
    const eight = wavWith({
      tag: 1,
      bits: 8,
      channels: 1,
      rate: 16_000,
      data: new Uint8Array([128, 192, 64]),
    });
    expect(Array.from(wavToStreamAudio(eight).pcm)).toEqual([0, 16_384, -16_384]);
    const floats = new Float32Array([0, 0.5, -1, 2]);
    const float = wavWith({
      tag: 3,
      bits: 32,
      channels: 1,
      rate: 16_000,
      data: new Uint8Array(floats.buffer),
    });
    expect(Array.from(wavToStreamAudio(float).pcm)).toEqual([0, 16_384, -32_768, 32_767]);
  });

  it('skips chunks it does not need and tolerates a data size past the end of the file', () => {
    const plain = encodeWav(new Int16Array([5, 6, 7]), 16_000);
    const list = new Uint8Array([...new TextEncoder().encode('LIST'), 3, 0, 0, 0, 1, 2, 3, 0]);
    const withList = new Uint8Array([...plain.subarray(0, 36), ...list, ...plain.subarray(36)]);
    expect(Array.from(parseWav(withList).samples[0]!).map((s) => s * 32768)).toEqual([5, 6, 7]);
    const streaming = plain.slice();
    new DataView(streaming.buffer).setUint32(40, 0xffffffff, true);
    expect(parseWav(streaming).frames).toBe(3);
  });

  it('explains what it cannot read and how to convert it', () => {
    expect(() => wavToStreamAudio(new TextEncoder().encode('ID3 this is an mp3'))).toThrow(WavFormatError);
    expect(() => wavToStreamAudio(new TextEncoder().encode('ID3 this is an mp3'))).toThrow(
      /not a WAV file.*sox in\.wav -r 16000 -c 1 -b 16 out\.wav/,
    );
    const adpcm = wavWith({ tag: 2, bits: 4, channels: 1, rate: 8000, data: new Uint8Array(10) });
    expect(() => wavToStreamAudio(adpcm)).toThrow(/format 2 \(compressed\) is not supported/);
    const twelve = wavWith({ tag: 1, bits: 12, channels: 1, rate: 8000, data: new Uint8Array(10) });
    expect(() => wavToStreamAudio(twelve)).toThrow(/12-bit pcm/);
    expect(() => wavToStreamAudio(encodeWav(new Int16Array(0), 16_000))).toThrow(/no samples/);
  });
});

describe('chunkPcm', () => {
  it('cuts audio into 100 ms chunks, the last one shorter', () => {
    const chunks = chunkPcm(new Int16Array(4000));
    expect(chunks.map((c) => c.length)).toEqual([1600, 1600, 800]);
    expect(chunkPcm(new Int16Array(10), 4).map((c) => c.length)).toEqual([4, 4, 2]);
    expect(() => chunkPcm(new Int16Array(10), 0)).toThrow(RangeError);
  });
});
