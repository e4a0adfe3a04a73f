/** Sample rate of the audio the server takes (Hz). */
export const STREAM_SAMPLE_RATE = 16_000;

/** Samples in a 100 ms chunk of 16 kHz audio. */
export const SAMPLES_PER_CHUNK = 1600;

const SOX_HINT = 'convert it first, e.g. `sox in.wav -r 16000 -c 1 -b 16 out.wav`';

/** A WAV file Familiar cannot read, with a message that says what is wrong and how to convert it. */
export class WavFormatError extends Error {
  constructor(problem: string) {
    super(`${problem}; ${SOX_HINT}`);
    this.name = 'WavFormatError';
  }
}

/** The format and samples of a parsed WAV file. */
export interface WavAudio {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  encoding: 'pcm' | 'float';
  /** Samples per channel. */
  frames: number;
  /** One array per channel, samples in [-1, 1]. */
  samples: Float32Array[];
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

function fourCc(view: DataView, offset: number): string {
  return String.fromCharCode(
    view.getUint8(offset),
    view.getUint8(offset + 1),
    view.getUint8(offset + 2),
    view.getUint8(offset + 3),
  );
}

/** Reads a RIFF/WAVE file: integer PCM of 8, 16, 24 or 32 bits or 32/64-bit float, any rate and channels. */
export function parseWav(bytes: Uint8Array): WavAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12 || fourCc(view, 0) !== 'RIFF' || fourCc(view, 8) !== 'WAVE')
    throw new WavFormatError('not a WAV file (no RIFF/WAVE header)');
  let format: { tag: number; channels: number; sampleRate: number; blockAlign: number; bits: number } | null =
    null;
  let data: Uint8Array | null = null;
  let offset = 12;
  while (offset + 8 <= bytes.byteLength) {
    const id = fourCc(view, offset);
    const declared = view.getUint32(offset + 4, true);
    const start = offset + 8;
    const size = Math.min(declared, bytes.byteLength - start);
    if (id === 'fmt ') {
      if (size < 16) throw new WavFormatError('the WAV format chunk is truncated');
      let tag = view.getUint16(start, true);
      if (tag === FORMAT_EXTENSIBLE) {
        if (size < 26) throw new WavFormatError('the WAV extensible format chunk is truncated');
        tag = view.getUint16(start + 24, true);
      }
      format = {
        tag,
        channels: view.getUint16(start + 2, true),
        sampleRate: view.getUint32(start + 4, true),
        blockAlign: view.getUint16(start + 12, true),
        bits: view.getUint16(start + 14, true),
      };
    } else if (id === 'data') {
      data = bytes.subarray(start, start + size);
      if (format) break;
    }
    offset = start + declared + (declared % 2);
  }
  if (!format) throw new WavFormatError('the WAV file has no format chunk');
  if (!data) throw new WavFormatError('the WAV file has no data chunk');
  const { tag, channels, sampleRate, bits } = format;
  const encoding = tag === FORMAT_PCM ? 'pcm' : tag === FORMAT_FLOAT ? 'float' : null;
  if (!encoding)
    throw new WavFormatError(`WAV format ${tag} (compressed) is not supported, only PCM and float samples`);
  const supported = encoding === 'pcm' ? [8, 16, 24, 32].includes(bits) : bits === 32 || bits === 64;
  if (!supported) throw new WavFormatError(`${bits}-bit ${encoding} WAV samples are not supported`);
  if (channels < 1) throw new WavFormatError('the WAV file declares no channels');
  if (sampleRate < 1000 || sampleRate > 768_000)
    throw new WavFormatError(`a sample rate of ${sampleRate} Hz is not supported`);
  const bytesPerSample = bits / 8;
  const blockAlign = Math.max(format.blockAlign, channels * bytesPerSample);
  const frames = Math.floor(data.byteLength / blockAlign);
  const samples = Array.from({ length: channels }, () => new Float32Array(frames));
  const dataView = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const read = sampleReader(encoding, bits, dataView);
  for (let frame = 0; frame < frames; frame += 1) {
    for (let channel = 0; channel < channels; channel += 1) {
      samples[channel]![frame] = read(frame * blockAlign + channel * bytesPerSample);
    }
  }
  return { sampleRate, channels, bitsPerSample: bits, encoding, frames, samples };
}

function sampleReader(encoding: 'pcm' | 'float', bits: number, view: DataView): (at: number) => number {
  if (encoding === 'float')
    return bits === 32 ? (at) => view.getFloat32(at, true) : (at) => view.getFloat64(at, true);
  switch (bits) {
    case 8:
      return (at) => (view.getUint8(at) - 128) / 128;
    case 16:
      return (at) => view.getInt16(at, true) / 32768;
    case 24:
      return (at) => {
        const value = view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16);
        return value / 8_388_608;
      };
    default:
      return (at) => view.getInt32(at, true) / 2_147_483_648;
  }
}

/** Averages channels into one. */
export function downmix(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0]!;
  const frames = channels[0]?.length ?? 0;
  const out = new Float32Array(frames);
  for (const channel of channels) for (let i = 0; i < frames; i += 1) out[i] = out[i]! + channel[i]!;
  for (let i = 0; i < frames; i += 1) out[i] = out[i]! / channels.length;
  return out;
}

/** Resamples by linear interpolation (no anti-alias filter: fine for speech, not for music). */
export function resampleLinear(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return samples;
  const length = Math.floor((samples.length * toRate) / fromRate);
  const out = new Float32Array(length);
  const step = fromRate / toRate;
  const last = samples.length - 1;
  for (let i = 0; i < length; i += 1) {
    const position = i * step;
    const index = Math.floor(position);
    const fraction = position - index;
    const a = samples[Math.min(index, last)]!;
    const b = samples[Math.min(index + 1, last)]!;
    out[i] = a + (b - a) * fraction;
  }
  return out;
}

/** Converts samples in [-1, 1] to signed 16-bit, clipping what is outside (16-bit input comes back exact). */
export function toPcm16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i += 1)
    out[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32768)));
  return out;
}

/** A WAV file converted to the stream's audio format: 16 kHz mono signed 16-bit samples. */
export interface StreamAudio {
  pcm: Int16Array;
  durationMs: number;
  /** The file's own format, before conversion. */
  source: Omit<WavAudio, 'samples'>;
}

/** Reads a WAV file and converts it to 16 kHz mono s16le (downmix, then linear-interpolation resample). */
export function wavToStreamAudio(bytes: Uint8Array): StreamAudio {
  const { samples, ...source } = parseWav(bytes);
  if (source.frames === 0) throw new WavFormatError('the WAV file holds no samples');
  const mono = downmix(samples);
  const pcm = toPcm16(resampleLinear(mono, source.sampleRate, STREAM_SAMPLE_RATE));
  return { pcm, durationMs: (pcm.length / STREAM_SAMPLE_RATE) * 1000, source };
}

/** Splits PCM into chunks of `samplesPerChunk` (100 ms at 16 kHz by default); the last may be shorter. */
export function chunkPcm(pcm: Int16Array, samplesPerChunk = SAMPLES_PER_CHUNK): Int16Array[] {
  if (!Number.isInteger(samplesPerChunk) || samplesPerChunk < 1)
    throw new RangeError('samplesPerChunk must be a positive whole number');
  const chunks: Int16Array[] = [];
  for (let start = 0; start < pcm.length; start += samplesPerChunk)
    chunks.push(pcm.subarray(start, start + samplesPerChunk));
  return chunks;
}

/** Writes 16-bit PCM samples (interleaved when `channels` > 1) as a WAV file. */
export function encodeWav(samples: Int16Array, sampleRate: number, channels = 1): Uint8Array {
  const dataBytes = samples.length * 2;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const write = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i += 1) view.setUint8(offset + i, text.charCodeAt(i));
  };
  write(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  write(8, 'WAVE');
  write(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  write(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i += 1) view.setInt16(44 + i * 2, samples[i]!, true);
  return out;
}
