import { execFile, spawn } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { encodeWav, wavToStreamAudio } from '@familiar/device-sdk';
import { z } from 'zod';
import { derivedUlid, FamiliarError, ValidationError } from '../kernel/index.ts';
import type { Actor, Timeline } from '../memory/index.ts';
import { isPerceptionPcm, PERCEPTION_SAMPLE_RATE, readWavLayout } from '../perception/index.ts';

/** The longest piece one imported audio capture holds: longer recordings become several captures. */
export const AUDIO_SLICE_MS = 30 * 60_000;
/** WAV files in other formats up to this size are converted in JavaScript; larger ones need ffmpeg. */
const MAX_JS_CONVERSION_BYTES = 200 * 1024 * 1024;

const BYTES_PER_MS = (PERCEPTION_SAMPLE_RATE * 2) / 1000;

/** The part of `ffprobe -show_format` output Familiar reads. */
const FfprobeFormatSchema = z.object({
  format: z.object({ tags: z.record(z.string(), z.string()).optional() }).optional(),
});

/** When a recording started: `--captured-at`, else its embedded creation time (ffprobe), else its file time. */
export async function recordingStart(
  path: string,
  override?: number,
): Promise<{ at: number; source: 'argument' | 'embedded' | 'file' }> {
  if (override !== undefined) return { at: override, source: 'argument' };
  try {
    const { stdout } = await promisify(execFile)(
      'ffprobe',
      ['-v', 'quiet', '-print_format', 'json', '-show_format', path],
      {
        timeout: 15_000,
      },
    );
    const parsed = FfprobeFormatSchema.safeParse(JSON.parse(stdout));
    const tags = parsed.success ? (parsed.data.format?.tags ?? {}) : {};
    const value = tags.creation_time ?? tags.date ?? tags.DATE ?? tags.ICRD;
    const at = value ? Date.parse(value) : Number.NaN;
    if (Number.isFinite(at) && at > 0) return { at, source: 'embedded' };
  } catch {
    // No ffprobe, or nothing embedded: the file's modification time below.
  }
  return { at: Math.floor(statSync(path).mtimeMs), source: 'file' };
}

/** Reads `length` bytes at `position` of an open file. */
function readAt(fd: number, position: number, length: number): Uint8Array {
  const buffer = new Uint8Array(length);
  let read = 0;
  while (read < length) {
    const n = readSync(fd, buffer, read, length - read, position + read);
    if (n === 0) break;
    read += n;
  }
  return buffer.subarray(0, read);
}

/** Turns any audio file into 16 kHz mono WAV pieces of at most `AUDIO_SLICE_MS`, holding one piece in memory. */
async function* normalisedPieces(path: string): AsyncGenerator<{ offsetMs: number; wav: Uint8Array }> {
  const size = statSync(path).size;
  if (size === 0) throw new ValidationError(`${path} is empty`);
  const fd = openSync(path, 'r');
  let header: Uint8Array;
  try {
    header = readAt(fd, 0, Math.min(size, 1 << 20));
    const isWav = header.byteLength >= 12 && String.fromCharCode(...header.subarray(0, 4)) === 'RIFF';
    if (!isWav && /\.wave?$/i.test(path))
      throw new ValidationError(`${path} is not a WAV file (no RIFF header)`);
    if (isWav) {
      const layout = readWavLayout(header, size);
      if (layout.dataBytes < 2) throw new ValidationError(`${path} holds no audio samples`);
      if (isPerceptionPcm(layout)) {
        const sliceBytes = AUDIO_SLICE_MS * BYTES_PER_MS;
        for (let offset = 0; offset < layout.dataBytes; offset += sliceBytes) {
          // One buffer per piece: the samples are read straight in behind a fresh 44-byte header.
          const length = Math.min(sliceBytes, layout.dataBytes - offset);
          const wav = new Uint8Array(44 + length - (length % 2));
          let read = 0;
          while (read < wav.byteLength - 44) {
            const n = readSync(
              fd,
              wav,
              44 + read,
              wav.byteLength - 44 - read,
              layout.dataOffset + offset + read,
            );
            if (n === 0) break;
            read += n;
          }
          if (read < 2) break;
          const piece = wav.subarray(0, 44 + read - (read % 2));
          piece.set(encodeWav(new Int16Array(0), PERCEPTION_SAMPLE_RATE));
          const view = new DataView(piece.buffer, piece.byteOffset, 44);
          view.setUint32(4, 36 + piece.byteLength - 44, true);
          view.setUint32(40, piece.byteLength - 44, true);
          yield { offsetMs: offset / BYTES_PER_MS, wav: piece };
        }
        return;
      }
      if (
        size <= MAX_JS_CONVERSION_BYTES &&
        (layout.format === 1 || layout.format === 3 || layout.format === 0xfffe)
      ) {
        const { pcm } = wavToStreamAudio(readFileSync(path));
        const sliceSamples = (AUDIO_SLICE_MS / 1000) * PERCEPTION_SAMPLE_RATE;
        for (let start = 0; start < pcm.length; start += sliceSamples) {
          yield {
            offsetMs: (start / PERCEPTION_SAMPLE_RATE) * 1000,
            wav: encodeWav(pcm.slice(start, start + sliceSamples), PERCEPTION_SAMPLE_RATE),
          };
        }
        return;
      }
    }
  } finally {
    closeSync(fd);
  }
  yield* ffmpegPieces(path);
}

/** Splits and converts with ffmpeg into a temporary directory, one piece at a time. */
async function* ffmpegPieces(path: string): AsyncGenerator<{ offsetMs: number; wav: Uint8Array }> {
  const directory = mkdtempSync(join(tmpdir(), 'familiar-audio-'));
  try {
    await new Promise<void>((done, fail) => {
      const child = spawn(
        'ffmpeg',
        [
          '-hide_banner',
          '-loglevel',
          'error',
          '-i',
          path,
          '-vn',
          '-ac',
          '1',
          '-ar',
          String(PERCEPTION_SAMPLE_RATE),
          '-c:a',
          'pcm_s16le',
          '-f',
          'segment',
          '-segment_time',
          String(AUDIO_SLICE_MS / 1000),
          join(directory, '%05d.wav'),
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let errors = '';
      child.stderr.on('data', (chunk: Buffer) => {
        errors += chunk.toString('utf8').slice(0, 2000);
      });
      child.on('error', (error: NodeJS.ErrnoException) =>
        fail(
          error.code === 'ENOENT'
            ? new FamiliarError(
                'validation_failed',
                `${path}: reading this audio format needs ffmpeg, which is not installed (apt-get install ffmpeg)`,
              )
            : error,
        ),
      );
      child.on('close', (code) =>
        code === 0
          ? done()
          : fail(
              new ValidationError(
                `${path}: ffmpeg could not read it as audio: ${errors.trim() || `exit ${code}`}`,
              ),
            ),
      );
    });
    const pieces = readdirSync(directory)
      .filter((name) => name.endsWith('.wav'))
      .sort();
    if (pieces.length === 0) throw new ValidationError(`${path}: ffmpeg found no audio in it`);
    let offsetMs = 0;
    for (const name of pieces) {
      const wav = readFileSync(join(directory, name));
      rmSync(join(directory, name));
      yield { offsetMs, wav };
      offsetMs += readWavLayout(wav.subarray(0, 4096), wav.byteLength).dataBytes / BYTES_PER_MS;
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * Stores one piece of a file (an audio slice, a video frame) as a capture at its place in the recording. Its id
 * derives from the file (path, size, modification time) and the piece's offset, so importing again adds nothing.
 */
export async function addFilePiece(
  timeline: Timeline,
  actor: Actor,
  piece: {
    path: string;
    kind: 'audio' | 'video';
    startAt: number;
    offsetMs: number;
    bytes: Uint8Array;
    mediaType: string;
  },
) {
  const info = statSync(piece.path);
  const capturedAt = Math.round(piece.startAt + piece.offsetMs);
  const id = derivedUlid(
    capturedAt,
    `${piece.kind}:${resolve(piece.path)}:${info.size}:${Math.floor(info.mtimeMs)}:${piece.offsetMs}`,
  );
  return timeline.addCapture(actor, { bytes: piece.bytes, mediaType: piece.mediaType, capturedAt, id });
}

/**
 * Imports a recording as audio captures (16 kHz mono WAV, at most 30 minutes each), queued for perception. Memory
 * holds one piece at a time, whatever the length of the recording. Ids derive from the file and the piece, so
 * importing the same file again adds nothing.
 */
export async function importAudioFile(
  timeline: Timeline,
  actor: Actor,
  path: string,
  options: { capturedAt?: number } = {},
): Promise<{
  captureIds: string[];
  created: number;
  durationMs: number;
  start: { at: number; source: string };
}> {
  const start = await recordingStart(path, options.capturedAt);
  const captureIds: string[] = [];
  let created = 0;
  let durationMs = 0;
  for await (const piece of normalisedPieces(path)) {
    const result = await addFilePiece(timeline, actor, {
      path,
      kind: 'audio',
      startAt: start.at,
      offsetMs: piece.offsetMs,
      bytes: piece.wav,
      mediaType: 'audio/wav',
    });
    captureIds.push(result.capture.id);
    if (result.created) created += 1;
    durationMs = piece.offsetMs + (piece.wav.byteLength - 44) / BYTES_PER_MS;
  }
  return { captureIds, created, durationMs, start };
}
