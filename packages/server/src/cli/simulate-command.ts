import { spawn } from 'node:child_process';
import { access, constants, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import {
  chunkPcm,
  createDeviceClient,
  type DeviceClient,
  DeviceStreamError,
  type FrameMediaType,
  STREAM_SAMPLE_RATE,
  WavFormatError,
  type WebSocketConstructor,
  wavToStreamAudio,
} from '@familiar/device-sdk';
import { MAX_STREAM_MESSAGE_BYTES, PCM16_MEDIA_TYPE, StreamIdSchema } from '@familiar/protocol';
import type { Command } from 'commander';
import { WebSocket } from 'ws';
import { FamiliarError, ValidationError } from '../kernel/index.ts';
import type { Output } from './output.ts';

const IMAGE_TYPES: Record<string, FrameMediaType> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
};
const VIDEO_EXTENSIONS = new Set(['.mp4', '.webm', '.mov', '.mkv']);
/** Server errors the client turns into its own fatal error (reported once, when the run stops). */
const CLIENT_FATAL_CODES = new Set(['unauthorized', 'replaced', 'bad_message', 'message_too_large']);
/** Room left in a message for the binary header and the stream id. */
const HEADER_ROOM = 16 + 64;

/** What `familiar device simulate` was asked to do. */
export interface SimulateRequest {
  server: string;
  token: string;
  files: readonly string[];
  /** Send as fast as the server allows instead of in real time. */
  fast: boolean;
  streamPrefix: string;
  /** Frames per second taken from videos, and images shown per second. */
  fps: number;
  /** Give up when nothing is acknowledged for this long while messages wait. */
  ackTimeoutMs: number;
}

/** What a simulation sent and what the server did with it. */
export interface SimulateSummary {
  sent: number;
  acked: number;
  duplicates: number;
  discarded: number;
  resent: number;
  reconnects: number;
  seconds: number;
  audioChunks: number;
  frames: number;
}

/** What the simulation needs from the outside world. */
export interface SimulateDeps {
  WebSocket: WebSocketConstructor;
  /** Notes for people (stderr). */
  log(line: string): void;
  /** A terminal to redraw a one-line progress report on, or null for a line every few seconds. */
  progressTerminal?: { write(text: string): unknown } | null;
  /** Runs `ffmpeg` with these arguments; resolves with its exit code and what it wrote on stderr. */
  runFfmpeg?: (args: readonly string[]) => Promise<{ code: number; stderr: string }>;
}

type CameraItem = { path: string; mediaType: FrameMediaType; offsetMs: number };
type AudioItem = { pcm: Int16Array; offsetMs: number };

interface Plan {
  audio: AudioItem[];
  camera: CameraItem[];
  durationMs: number;
  cleanup(): Promise<void>;
}

/** Runs ffmpeg as a child process. */
function spawnFfmpeg(args: readonly string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => {
      if (stderr.length < 20_000) stderr += data.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
  });
}

async function readable(file: string): Promise<void> {
  try {
    await access(file, constants.R_OK);
    if (!(await stat(file)).isFile()) throw new Error('not a file');
  } catch (cause) {
    throw new FamiliarError('not_found', `cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
}

async function extractFrames(
  video: string,
  fps: number,
  directory: string,
  runFfmpeg: NonNullable<SimulateDeps['runFfmpeg']>,
): Promise<string[]> {
  let result: { code: number; stderr: string };
  try {
    result = await runFfmpeg([
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      '-i',
      video,
      '-vf',
      `fps=${fps}`,
      '-q:v',
      '3',
      join(directory, 'frame-%06d.jpg'),
    ]);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT')
      throw new FamiliarError(
        'not_found',
        `ffmpeg is needed to take frames from ${video} but is not on PATH: install it (e.g. \`apt install ffmpeg\` or \`brew install ffmpeg\`), or pass the frames as images`,
      );
    throw cause;
  }
  if (result.code !== 0) {
    const why = result.stderr.trim().split('\n').at(-1) ?? `exit code ${result.code}`;
    throw new ValidationError(`ffmpeg could not take frames from ${video}: ${why}`);
  }
  const frames = (await readdir(directory)).filter((name) => name.endsWith('.jpg')).sort();
  if (frames.length === 0) throw new ValidationError(`ffmpeg found no frames in ${video}`);
  return frames.map((name) => join(directory, name));
}

/** Reads and checks every file before connecting, so a bad file fails fast and sends nothing. */
async function planFiles(request: SimulateRequest, deps: SimulateDeps): Promise<Plan> {
  const audio: AudioItem[] = [];
  const camera: CameraItem[] = [];
  const frameMs = 1000 / request.fps;
  let audioMs = 0;
  let temp: string | null = null;
  const cleanup = async () => {
    if (temp) await rm(temp, { recursive: true, force: true });
  };
  try {
    for (const file of request.files) {
      const extension = extname(file).toLowerCase();
      await readable(file);
      if (extension === '.wav') {
        let converted: ReturnType<typeof wavToStreamAudio>;
        try {
          converted = wavToStreamAudio(await readFile(file));
        } catch (error) {
          if (error instanceof WavFormatError) throw new ValidationError(`${file}: ${error.message}`);
          throw error;
        }
        for (const pcm of chunkPcm(converted.pcm)) {
          audio.push({ pcm, offsetMs: audioMs });
          audioMs += (pcm.length / STREAM_SAMPLE_RATE) * 1000;
        }
      } else if (IMAGE_TYPES[extension]) {
        const { size } = await stat(file);
        if (size > MAX_STREAM_MESSAGE_BYTES - HEADER_ROOM)
          throw new ValidationError(
            `${file} is ${size} bytes; the server takes frames up to ${MAX_STREAM_MESSAGE_BYTES - HEADER_ROOM} bytes`,
          );
        camera.push({ path: file, mediaType: IMAGE_TYPES[extension]!, offsetMs: camera.length * frameMs });
      } else if (VIDEO_EXTENSIONS.has(extension)) {
        temp ??= await mkdtemp(join(tmpdir(), 'familiar-simulate-'));
        const directory = await mkdtemp(join(temp, 'video-'));
        deps.log(`Taking ${request.fps} frame(s) per second from ${file} with ffmpeg…`);
        const frames = await extractFrames(file, request.fps, directory, deps.runFfmpeg ?? spawnFfmpeg);
        for (const path of frames)
          camera.push({ path, mediaType: 'image/jpeg', offsetMs: camera.length * frameMs });
      } else {
        throw new ValidationError(
          `${file}: cannot simulate ${extension || 'a file without an extension'}; use .wav audio, .jpg/.jpeg/.png/.webp images or .mp4/.webm/.mov/.mkv video`,
        );
      }
    }
  } catch (error) {
    await cleanup();
    throw error;
  }
  const durationMs = Math.max(audioMs, camera.length * frameMs);
  return { audio, camera, durationMs, cleanup };
}

/** Turns a client error into the CLI's error with advice. */
function asFamiliarError(error: unknown, server: string): unknown {
  if (!(error instanceof DeviceStreamError)) return error;
  switch (error.code) {
    case 'unauthorized':
      return new FamiliarError(
        'unauthorized',
        `${error.message}; check the token (\`familiar device list\`, or \`familiar device add\` for a new one)`,
      );
    case 'connect_failed':
      return new FamiliarError(
        'internal',
        `${error.message}; is the server running there (\`familiar start\`)?`,
        { retryable: true },
      );
    case 'invalid_input':
      return new ValidationError(error.message);
    default:
      return new FamiliarError('internal', `device stream to ${server}: ${error.message}`, {
        retryable: error.retryable,
      });
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Streams files to a Familiar server as a device would (audio in 100 ms chunks, frames at `fps`), in real time
 * or as fast as the server allows, and resolves once the server has acknowledged every message.
 */
export async function simulateDevice(request: SimulateRequest, deps: SimulateDeps): Promise<SimulateSummary> {
  const audioStream = `${request.streamPrefix}audio`;
  const cameraStream = `${request.streamPrefix}camera`;
  for (const stream of [audioStream, cameraStream])
    if (!StreamIdSchema.safeParse(stream).success)
      throw new ValidationError(
        `--stream-prefix gives the stream id "${stream}": use 1-64 of A-Z a-z 0-9 . _ -`,
      );
  if (request.files.length === 0) throw new ValidationError('name at least one file to stream');

  const plan = await planFiles(request, deps);
  let client: DeviceClient;
  try {
    client = createDeviceClient({
      url: request.server,
      token: request.token,
      WebSocket: deps.WebSocket,
      maxBufferedBytes: 16 * 1024 * 1024,
      capabilities: {
        ...(plan.audio.length > 0 ? { audio: { mediaType: PCM16_MEDIA_TYPE } } : {}),
        ...(plan.camera.length > 0
          ? { frames: { mediaTypes: [...new Set(plan.camera.map((item) => item.mediaType))] } }
          : {}),
      },
    });
  } catch (error) {
    await plan.cleanup();
    throw asFamiliarError(error, request.server);
  }

  const total = plan.audio.length + plan.camera.length;
  const startedAt = Date.now();
  let lastProgressAt = startedAt;
  let stopped = false;
  let stop: (error: unknown) => void = () => {};
  const halted = new Promise<never>((_, reject) => {
    stop = (error) => {
      stopped = true;
      reject(error);
    };
  });
  halted.catch(() => {});
  const onSignal = () =>
    stop(
      new FamiliarError(
        'internal',
        `interrupted with ${client.stats().queued + client.stats().inFlight} messages not acknowledged`,
      ),
    );
  process.once('SIGINT', onSignal);

  client.on('ack', () => {
    lastProgressAt = Date.now();
  });
  client.on('welcome', (welcome) => {
    lastProgressAt = Date.now();
    if (client.stats().reconnects > 0) deps.log('Reconnected; resending what was not acknowledged.');
    if (welcome.captureState.paused)
      deps.log('Capture is paused for this user: the server acknowledges media and stores nothing.');
  });
  client.on('reconnecting', ({ attempt, delayMs }) =>
    deps.log(
      attempt === 1
        ? `Connection lost; reconnecting in ${delayMs} ms…`
        : `Still not connected; trying again in ${delayMs} ms (attempt ${attempt})…`,
    ),
  );
  client.on('slow-down', ({ reason, retryAfterMs, suggestedMessagesPerSecond }) =>
    deps.log(
      `The server asked to slow down (${reason}): pausing ${retryAfterMs} ms, then ${suggestedMessagesPerSecond} messages/s.`,
    ),
  );
  client.on('capture-state', ({ paused, by }) =>
    deps.log(paused ? `Capture paused${by ? ` by ${by}` : ''}.` : 'Capture resumed.'),
  );
  client.on('error', (error) => {
    if (error.fatal) stop(asFamiliarError(error, request.server));
    else if (!CLIENT_FATAL_CODES.has(error.code)) deps.log(`Server: ${error.message}`);
  });

  const progressLine = () => {
    const stats = client.stats();
    return `simulate: ${stats.sent}/${total} sent, ${stats.acked} acknowledged, ${stats.inFlight} in flight, ${stats.resent} resent, ${stats.reconnects} reconnects`;
  };
  let ticks = 0;
  const watchdog = setInterval(() => {
    ticks += 1;
    const stats = client.stats();
    const waiting = stats.queued + stats.inFlight;
    if (waiting === 0) lastProgressAt = Date.now();
    else if (Date.now() - lastProgressAt > request.ackTimeoutMs)
      stop(
        new FamiliarError(
          'internal',
          `no acknowledgement from ${request.server} for ${Math.round(request.ackTimeoutMs / 1000)} s with ${waiting} messages waiting; is the server storing? (see its log)`,
          { retryable: true },
        ),
      );
    if (deps.progressTerminal) deps.progressTerminal.write(`\r${progressLine()}\u001b[K`);
    else if (ticks % 5 === 0) deps.log(progressLine());
  }, 1000);

  const start = request.fast ? Date.now() - plan.durationMs : Date.now();
  const pace = async (offsetMs: number) => {
    if (!request.fast) await sleep(start + offsetMs - Date.now());
  };
  const sendAudio = async () => {
    for (const item of plan.audio) {
      await pace(item.offsetMs);
      if (stopped) return;
      await client.sendAudio(audioStream, item.pcm, start + item.offsetMs);
    }
  };
  const sendFrames = async () => {
    for (const item of plan.camera) {
      const bytes = await readFile(item.path).catch((cause: Error) => {
        throw new FamiliarError('not_found', `cannot read ${item.path}: ${cause.message}`, { cause });
      });
      await pace(item.offsetMs);
      if (stopped) return;
      await client.sendFrame(cameraStream, bytes, item.mediaType, start + item.offsetMs);
    }
  };

  try {
    const welcome = await Promise.race([client.connect(), halted]);
    deps.log(
      `Connected to ${request.server} as device ${welcome.deviceId}: streaming ${count(plan.audio.length, 'audio chunk')} and ${count(plan.camera.length, 'frame')}${request.fast ? ' as fast as the server allows' : ' in real time'}.`,
    );
    await Promise.race([Promise.all([sendAudio(), sendFrames()]), halted]);
    await Promise.race([client.flush(), halted]);
    const { rejected } = client.stats();
    if (rejected > 0)
      throw new FamiliarError('internal', `the server refused ${rejected} messages for good (see its log)`);
  } catch (error) {
    throw asFamiliarError(error, request.server);
  } finally {
    stopped = true;
    clearInterval(watchdog);
    process.removeListener('SIGINT', onSignal);
    if (deps.progressTerminal) deps.progressTerminal.write(`\r${progressLine()}\u001b[K\n`);
    await client.close();
    await plan.cleanup();
  }
  const stats = client.stats();
  return {
    sent: stats.sent,
    acked: stats.acked,
    duplicates: stats.duplicates,
    discarded: stats.discarded,
    resent: stats.resent,
    reconnects: stats.reconnects,
    seconds: Math.round((Date.now() - startedAt) / 100) / 10,
    audioChunks: plan.audio.length,
    frames: plan.camera.length,
  };
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

function positiveNumber(value: string, flag: string, max: number): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || number > max)
    throw new ValidationError(`${flag} must be a number above 0 and at most ${max}`);
  return number;
}

/** Adds `familiar device simulate` to the `device` command. */
export function registerSimulateCommand(device: Command, io: { outputFor(command: Command): Output }): void {
  device
    .command('simulate <files...>')
    .description(
      'stream .wav audio, images and video frames to a server as a device would; exits 0 once all are acknowledged',
    )
    .requiredOption('--server <url>', 'the server, e.g. http://localhost:7777')
    .requiredOption('--token <token>', 'the device token from `familiar device add`')
    .option('--fast', 'send as fast as the server allows instead of in real time')
    .option('--stream-prefix <prefix>', 'put this before the stream ids "audio" and "camera"', '')
    .option('--fps <n>', 'frames per second taken from videos, and images sent per second', '1')
    .option('--timeout <seconds>', 'fail when nothing is acknowledged for this long', '30')
    .action(
      async (
        files: string[],
        options: {
          server: string;
          token: string;
          fast?: boolean;
          streamPrefix: string;
          fps: string;
          timeout: string;
        },
        command: Command,
      ) => {
        const out = io.outputFor(command);
        const summary = await simulateDevice(
          {
            server: options.server,
            token: options.token,
            files,
            fast: Boolean(options.fast),
            streamPrefix: options.streamPrefix,
            fps: positiveNumber(options.fps, '--fps', 30),
            ackTimeoutMs: positiveNumber(options.timeout, '--timeout', 86_400) * 1000,
          },
          {
            WebSocket,
            log: (line) => out.info(line),
            progressTerminal: process.stderr.isTTY && !out.json ? process.stderr : null,
          },
        );
        if (summary.discarded > 0)
          out.info(`${summary.discarded} messages were discarded by the server because capture is paused.`);
        out.result(
          summary,
          `Sent ${count(summary.sent, 'message')} (${count(summary.audioChunks, 'audio chunk')}, ${count(summary.frames, 'frame')}) in ${summary.seconds} s: ${summary.acked} acknowledged (${count(summary.duplicates, 'duplicate')}, ${summary.discarded} discarded), ${summary.resent} resent, ${count(summary.reconnects, 'reconnect')}.`,
        );
      },
    );
}
