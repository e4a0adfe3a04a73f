import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { describeIssues, FamiliarError, ValidationError } from '../../kernel/index.ts';

/** One frame taken from a video: when it is (ms from the video's start) and the frame as JPEG. */
export interface VideoFrame {
  offsetMs: number;
  jpeg: Uint8Array;
}

/** Options of `extractVideoFrames`. */
export interface ExtractVideoFramesOptions {
  /** Frames per second of video to take (0.2 = one every five seconds). */
  fps?: number;
  /** The longest side of each frame; larger videos are scaled down, smaller ones never enlarged. */
  maxSide?: number;
  ffmpegPath?: string;
  /** Where the temporary folder for ffmpeg's files is made; the system's temporary folder by default. */
  temporaryRoot?: string;
}

/** How often to look for ffmpeg's next file while it is still writing. */
const POLL_MS = 20;
/** How much of ffmpeg's or ffprobe's error output a message quotes. */
const MAX_ERROR_CHARS = 2000;

/** A clear error for a missing tool (spawn ENOENT), else the error itself. */
function toolError(tool: 'ffmpeg' | 'ffprobe', error: unknown): unknown {
  if ((error as NodeJS.ErrnoException | null)?.code !== 'ENOENT') return error;
  return new FamiliarError(
    'validation_failed',
    `reading video needs ${tool}, which is not installed (apt-get install ffmpeg)`,
    { cause: error },
  );
}

function requireFile(path: string): void {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    // Reported just below, with the path.
  }
  if (!isFile) throw new ValidationError(`${path} does not exist or is not a file`);
}

/** Keeps the last `MAX_ERROR_CHARS` of a child's stderr (the end says why it failed), its lines joined by "; ". */
function collectErrors(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-MAX_ERROR_CHARS);
  });
  return () =>
    text
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .join('; ');
}

/**
 * Takes frames from a video file with ffmpeg, `fps` per second of video, each scaled so its long side is at most
 * `maxSide`, as JPEG. ffmpeg writes into a private temporary folder, one file per frame; each is read, deleted
 * and yielded in turn, so one frame at a time is in memory however long the video. The folder is removed and
 * ffmpeg stopped when the generator ends, fails or is left early (`break`). Errors: `validation_failed` for a
 * missing file, a file ffmpeg cannot read (its message quoted), or ffmpeg not installed.
 */
export async function* extractVideoFrames(
  path: string,
  {
    fps = 1,
    maxSide = 1280,
    ffmpegPath = 'ffmpeg',
    temporaryRoot = tmpdir(),
  }: ExtractVideoFramesOptions = {},
): AsyncGenerator<VideoFrame> {
  if (!(Number.isFinite(fps) && fps > 0 && fps <= 120)) {
    throw new ValidationError(`frames per second must be above 0 and at most 120, not ${fps}`);
  }
  if (!(Number.isInteger(maxSide) && maxSide >= 16)) {
    throw new ValidationError(`the longest side must be a whole number of pixels ≥ 16, not ${maxSide}`);
  }
  requireFile(path);
  const folder = mkdtempSync(join(temporaryRoot, 'familiar-video-frames-'));
  const fileOf = (index: number) => join(folder, `${String(index).padStart(8, '0')}.jpg`);
  let child: ChildProcess | null = null;
  let ended = false;
  let failure: unknown = null;
  try {
    child = spawn(
      ffmpegPath,
      [
        '-hide_banner',
        '-nostdin',
        '-loglevel',
        'error',
        '-i',
        path,
        '-map',
        '0:v:0',
        '-vf',
        `fps=${fps},scale=w='min(iw,${maxSide})':h='min(ih,${maxSide})':force_original_aspect_ratio=decrease`,
        '-q:v',
        '3',
        '-start_number',
        '0',
        // A frame's file appears under its name only once complete (written aside, then renamed).
        '-atomic_writing',
        '1',
        join(folder, '%08d.jpg'),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const errors = collectErrors(child);
    let exitCode: number | null = null;
    const exited = new Promise<void>((resolve) => {
      child?.once('error', (error) => {
        failure = error;
        ended = true;
        resolve();
      });
      child?.once('close', (code) => {
        exitCode = code;
        ended = true;
        resolve();
      });
    });
    for (let index = 0; ; ) {
      const file = fileOf(index);
      if (existsSync(file)) {
        const jpeg = readFileSync(file);
        rmSync(file, { force: true });
        yield {
          offsetMs: Math.round((index * 1000) / fps),
          jpeg: new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength),
        };
        index += 1;
        continue;
      }
      if (ended) break;
      await Promise.race([exited, sleep(POLL_MS)]);
    }
    if (failure) throw toolError('ffmpeg', failure);
    if (exitCode !== 0) {
      throw new ValidationError(
        `ffmpeg could not read the video ${basename(path)}: ${errors() || `it exited with ${exitCode}`}`,
      );
    }
  } finally {
    if (child && !ended) {
      child.kill('SIGKILL');
      await new Promise<void>((resolve) => {
        if (ended) resolve();
        else child?.once('close', () => resolve());
      });
    }
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The part of `ffprobe -show_entries format=duration:stream=codec_type,duration -of json` Familiar reads. */
const FfprobeDurationSchema = z.object({
  format: z.object({ duration: z.string().optional() }).optional(),
  streams: z
    .array(z.object({ codec_type: z.string().optional(), duration: z.string().optional() }))
    .optional(),
});

/** Seconds as ffprobe prints them ("30.000000", or "N/A") to whole ms; null when unknown. */
function secondsToMs(value: string | undefined): number | null {
  if (value === undefined) return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : null;
}

/**
 * A media file's duration in ms, with ffprobe: the container's, else the longest video or audio stream's; null
 * when neither says (a live-recorded WebM often does not). Errors: `validation_failed` for a missing file, one
 * ffprobe cannot read, or ffprobe not installed.
 */
export async function probeDurationMs(
  path: string,
  { ffprobePath = 'ffprobe', timeoutMs = 30_000 }: { ffprobePath?: string; timeoutMs?: number } = {},
): Promise<number | null> {
  requireFile(path);
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(
      ffprobePath,
      ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type,duration', '-of', 'json', path],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const errors = collectErrors(child);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(toolError('ffprobe', error));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(chunks).toString('utf8'));
      else {
        const why = signal === 'SIGKILL' ? `it took longer than ${timeoutMs} ms` : errors() || `exit ${code}`;
        reject(new ValidationError(`ffprobe could not read ${basename(path)}: ${why}`));
      }
    });
  });
  let json: unknown;
  try {
    json = JSON.parse(output);
  } catch {
    throw new ValidationError(`ffprobe printed something that is not JSON for ${basename(path)}`);
  }
  const parsed = FfprobeDurationSchema.safeParse(json);
  if (!parsed.success) {
    throw new ValidationError(`ffprobe's answer for ${basename(path)} has an unexpected shape`, {
      issues: describeIssues(parsed.error.issues),
    });
  }
  const fromContainer = secondsToMs(parsed.data.format?.duration);
  if (fromContainer !== null) return fromContainer;
  const fromStreams = (parsed.data.streams ?? [])
    .filter((stream) => stream.codec_type === 'video' || stream.codec_type === 'audio')
    .map((stream) => secondsToMs(stream.duration))
    .filter((ms): ms is number => ms !== null);
  return fromStreams.length > 0 ? Math.max(...fromStreams) : null;
}
