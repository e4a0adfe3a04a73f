import { spawn } from 'node:child_process';
import { WavFormatError, wavToStreamAudio } from '@familiar/device-sdk';
import { FamiliarError, ValidationError } from '../kernel/index.ts';
import { PERCEPTION_SAMPLE_RATE } from './ports.ts';

/** The format of a WAV file's `fmt ` chunk and where its samples are, read from the header alone. */
export interface WavLayout {
  format: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  dataOffset: number;
  dataBytes: number;
}

/**
 * Reads a WAV header (RIFF chunks up to `data`). A `data` size past the end of the file (a lying or truncated
 * header, or a stream written before its length was known) is clamped to what is there.
 */
export function readWavLayout(header: Uint8Array, fileBytes = header.byteLength): WavLayout {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const tag = (offset: number) => String.fromCharCode(...header.subarray(offset, offset + 4));
  if (header.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    throw new ValidationError('this is not a WAV file (no RIFF/WAVE header)');
  }
  let offset = 12;
  let fmt: Omit<WavLayout, 'dataOffset' | 'dataBytes'> | null = null;
  while (offset + 8 <= header.byteLength) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    if (id === 'fmt ') {
      if (offset + 24 > header.byteLength) break;
      fmt = {
        format: view.getUint16(offset + 8, true),
        channels: view.getUint16(offset + 10, true),
        sampleRate: view.getUint32(offset + 12, true),
        bitsPerSample: view.getUint16(offset + 22, true),
      };
    } else if (id === 'data') {
      if (!fmt) throw new ValidationError('this WAV file has its data before its format chunk');
      if (fmt.channels < 1 || fmt.sampleRate < 1000 || fmt.sampleRate > 384_000) {
        throw new ValidationError(
          `this WAV file's header is not plausible (${fmt.channels} channels at ${fmt.sampleRate} Hz)`,
        );
      }
      const dataOffset = offset + 8;
      const available = Math.max(0, fileBytes - dataOffset);
      return { ...fmt, dataOffset, dataBytes: Math.min(size, available) };
    }
    offset += 8 + size + (size % 2);
  }
  throw new ValidationError('this WAV file has no data chunk in its first bytes (truncated or not audio)');
}

/** True when the samples can be used as they are: 16 kHz, mono, 16-bit PCM. */
export function isPerceptionPcm(layout: WavLayout): boolean {
  return (
    (layout.format === 1 || layout.format === 0xfffe) &&
    layout.channels === 1 &&
    layout.sampleRate === PERCEPTION_SAMPLE_RATE &&
    layout.bitsPerSample === 16
  );
}

/** Runs ffmpeg to turn any audio into 16 kHz mono s16le; a clear error when ffmpeg is not installed. */
export function ffmpegToPcm16(
  input: Uint8Array,
  options: { ffmpegPath?: string; timeoutMs?: number } = {},
): Promise<Int16Array> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      options.ffmpegPath ?? 'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-i',
        'pipe:0',
        '-vn',
        '-ac',
        '1',
        '-ar',
        String(PERCEPTION_SAMPLE_RATE),
        '-f',
        's16le',
        'pipe:1',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const out: Buffer[] = [];
    let errors = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 10 * 60_000);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString('utf8').slice(0, 2000);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === 'ENOENT'
          ? new FamiliarError(
              'validation_failed',
              'decoding this audio format needs ffmpeg, which is not installed (apt-get install ffmpeg)',
            )
          : error,
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new ValidationError(`ffmpeg could not decode the audio: ${errors.trim() || `exit ${code}`}`));
        return;
      }
      const bytes = Buffer.concat(out);
      const even = bytes.byteLength - (bytes.byteLength % 2);
      resolve(new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + even)));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  });
}

/**
 * Decodes a capture's audio to 16 kHz mono PCM16: 16 kHz mono 16-bit WAV as it is (no copy), other WAV
 * converted in JavaScript, anything else through ffmpeg.
 */
export async function decodeAudio(
  bytes: Uint8Array,
  mediaType: string,
  options: { ffmpegPath?: string } = {},
): Promise<Int16Array> {
  const isWav = mediaType === 'audio/wav' || mediaType === 'audio/x-wav' || mediaType === 'audio/wave';
  if (!isWav) return ffmpegToPcm16(bytes, options);
  const layout = readWavLayout(bytes.subarray(0, Math.min(bytes.byteLength, 1 << 20)), bytes.byteLength);
  if (isPerceptionPcm(layout)) {
    const samples = Math.floor(layout.dataBytes / 2);
    const start = bytes.byteOffset + layout.dataOffset;
    if (start % 2 === 0) return new Int16Array(bytes.buffer, start, samples);
    return new Int16Array(bytes.slice(layout.dataOffset, layout.dataOffset + samples * 2).buffer);
  }
  try {
    return wavToStreamAudio(bytes).pcm;
  } catch (error) {
    if (error instanceof WavFormatError)
      throw new ValidationError(`this WAV file cannot be read: ${error.message}`);
    throw error;
  }
}
