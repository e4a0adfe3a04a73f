/**
 * Vision perception through a day in the life: a generated hour at 1 frame/s (a talk with slides, a camera in a
 * pocket, a walk, a blank wall, a meeting, blinks) streamed by one device to the real server (`familiar start`)
 * while a second device streams the hour's audio (LibriVox clips and quiet), so that live transcription competes
 * for the same 2 cores. Measures the server's CPU per second of day, the kept ratio, the per-stage times of the
 * image jobs (decode, dedup, OCR, tagging, blur) and how long the backlog takes to clear.
 * Needs ImageMagick (/usr/bin/convert), opencv-doc's photos, and for the audio Debian's pocketsphinx,
 * pocketsphinx-en-us and pocketsphinx-testdata.
 * Run: npm run bench:vision [-- --minutes 60 --speed 10 --drain-minutes 30 --jitter-px 1 --skip-audio]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createDeviceClient } from '@familiar/device-sdk';
import Database from 'better-sqlite3-multiple-ciphers';
import sharp from 'sharp';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { isPocketsphinxAvailable } from '../packages/server/src/perception/audio/pocketsphinx-transcriber.ts';
import { hasLibrivox, librivoxClips } from '../packages/server/test/support/librivox.ts';
import {
  addUserAndDevice,
  makeTempHome,
  processCpuSeconds,
  processMemory,
  processTreeRss,
  removeTempHome,
  runCli,
  startServerProcess,
} from './familiar-process.ts';
import { formatNumber, markdownTable, seededRandom, summarise } from './stats.ts';

const CONVERT = '/usr/bin/convert';
const DATA = '/usr/share/doc/opencv-doc/examples/data';
const HTML = '/usr/share/doc/opencv-doc/opencv4/html';
const WIDTH = 1280;
const HEIGHT = 720;
/** Held scenes are rendered this much larger on each side, so a frame can be cut a few pixels off centre. */
const MARGIN = 8;
const CANVAS_WIDTH = WIDTH + 2 * MARGIN;
const CANVAS_HEIGHT = HEIGHT + 2 * MARGIN;
const RATE = 16_000;
const CHUNK_MS = 100;
const CHUNK_SAMPLES = (RATE * CHUNK_MS) / 1000;
const JPEG_QUALITY = 80;
/** 60 % of 2 cores: core-seconds the server may use per second of the day. */
const TARGET_CORE_SECONDS = 1.2;
const CORES = 2;
/** The walk: pixels the view pans per second, and the step's up-and-down bob. */
const WALK_PAN_PX = 12;
const WALK_BOB_PX = 2;
/** Held scenes: each frame ±1.5 % brightness (and ±`--jitter-px` pixels off centre). */
const HELD_BRIGHTNESS = 0.015;
/** One frame in this many, in the talk and the meeting, is a blink (a dark frame). */
const BLINK_EVERY = 300;

const { values: options } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    speed: { type: 'string', default: '10' },
    'drain-minutes': { type: 'string', default: '30' },
    'skip-audio': { type: 'boolean', default: false },
    'jitter-px': { type: 'string', default: '1' },
  },
});

function positiveNumber(value: string | undefined, name: string, max: number): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || number > max) {
    process.stderr.write(`--${name} must be a number above 0 up to ${max}\n`);
    process.exit(2);
  }
  return number;
}
const MINUTES = positiveNumber(options.minutes, 'minutes', 24 * 60);
const SPEED = positiveNumber(options.speed, 'speed', 100);
const DRAIN_MINUTES = positiveNumber(options['drain-minutes'], 'drain-minutes', 24 * 60);
const WITH_AUDIO = !options['skip-audio'];
const JITTER_PX = Number(options['jitter-px']);
if (!Number.isInteger(JITTER_PX) || JITTER_PX < 0 || JITTER_PX > MARGIN) {
  process.stderr.write(`--jitter-px must be a whole number from 0 up to ${MARGIN}\n`);
  process.exit(2);
}

const log = (line: string) => process.stderr.write(`vision bench: ${line}\n`);
const MiB = (bytes: number) => `${formatNumber(bytes / 1024 ** 2)} MiB`;
const percent = (fraction: number, decimals = 0) => `${formatNumber(fraction * 100, decimals)} %`;

const SOURCES = {
  walk: ['building.jpg', 'leuvenA.jpg', 'leuvenB.jpg', 'home.jpg', 'graf1.png'].map((f) => join(DATA, f)),
  call: join(HTML, 'facereg.jpg'),
  room: join(DATA, 'messi5.jpg'),
};
const missing = [CONVERT, ...SOURCES.walk, SOURCES.call, SOURCES.room].filter((path) => !existsSync(path));
if (missing.length > 0) {
  process.stderr.write(
    `bench:vision needs ImageMagick and opencv-doc (apt-get install imagemagick opencv-doc): missing ${missing.join(', ')}\n`,
  );
  process.exit(1);
}
if (WITH_AUDIO && (!hasLibrivox || !isPocketsphinxAvailable())) {
  process.stderr.write(
    'bench:vision streams audio with Debian pocketsphinx, pocketsphinx-en-us and pocketsphinx-testdata ' +
      '(apt-get install pocketsphinx pocketsphinx-en-us pocketsphinx-testdata), or run it with --skip-audio\n',
  );
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------------------------
// The day: segments of an hour, scaled to --minutes.

type SegmentKind = 'talk' | 'pocket' | 'walk' | 'wall' | 'meeting';
interface Segment {
  kind: SegmentKind;
  label: string;
  seconds: number;
  /** Share of the segment's audio that is speech. */
  speech: number;
}
const HOUR: Segment[] = [
  { kind: 'talk', label: 'a talk with slides', seconds: 1500, speech: 0.6 },
  { kind: 'pocket', label: 'camera in a pocket (dark)', seconds: 60, speech: 0.1 },
  { kind: 'walk', label: 'a walk (panning street photos)', seconds: 840, speech: 0.15 },
  { kind: 'wall', label: 'a blank wall', seconds: 30, speech: 0 },
  {
    kind: 'meeting',
    label: 'a meeting (video call, shared screen, whiteboard, room)',
    seconds: 1110,
    speech: 0.5,
  },
  { kind: 'pocket', label: 'camera in a pocket (dark)', seconds: 60, speech: 0.05 },
];
const DAY_SECONDS = Math.round(MINUTES * 60);
/** The hour's segments scaled to the day's length (boundaries rounded to whole seconds). */
const segments: Array<Segment & { start: number }> = (() => {
  const scaled: Array<Segment & { start: number }> = [];
  let hourSeconds = 0;
  let start = 0;
  for (const [index, segment] of HOUR.entries()) {
    hourSeconds += segment.seconds;
    const end = index === HOUR.length - 1 ? DAY_SECONDS : Math.round((hourSeconds * MINUTES) / 60);
    if (end > start) scaled.push({ ...segment, seconds: end - start, start });
    start = Math.max(start, end);
  }
  return scaled;
})();

// ---------------------------------------------------------------------------------------------------------------
// Scenes: a limited set of pictures, rendered once; every frame is cut from one of them with a little jitter.

interface Canvas {
  name: string;
  width: number;
  height: number;
  rgb: Buffer;
}

interface Slide {
  title: string;
  lines: string[];
  theme: 'white' | 'cream' | 'navy' | 'whiteboard';
}

const TALK: Slide[] = [
  { title: 'Familiar all-hands', lines: ['November update', 'Ana Ruiz, platform team'], theme: 'navy' },
  { title: 'Agenda', lines: ['Where we are', 'What shipped', 'Perception', 'Next quarter'], theme: 'white' },
  { title: 'What shipped', lines: ['Device SDK 1.0'], theme: 'white' },
  { title: 'What shipped', lines: ['Device SDK 1.0', 'Live transcription'], theme: 'white' },
  {
    title: 'What shipped',
    lines: ['Device SDK 1.0', 'Live transcription', 'Face blurring on every frame'],
    theme: 'white',
  },
  { title: 'Numbers', lines: ['17,000 observations/s ingest', 'Ask p95 26 ms at 100k'], theme: 'cream' },
  {
    title: 'Perception pipeline',
    lines: ['decode, dedup, OCR', 'objects and faces', 'blur, store, caption'],
    theme: 'white',
  },
  { title: 'Dedup', lines: ['perceptual hash, 525 bits', 'threshold 26'], theme: 'cream' },
  {
    title: 'Dedup',
    lines: ['perceptual hash, 525 bits', 'threshold 26', 'one frame per slide'],
    theme: 'cream',
  },
  { title: 'Privacy', lines: ['nothing leaves the machine', 'faces blurred before storage'], theme: 'navy' },
  { title: 'Open questions', lines: ['captioning model?', 'battery on the glasses'], theme: 'white' },
  { title: 'Next quarter', lines: ['Offsite in March', 'Hiring two engineers'], theme: 'white' },
  {
    title: 'Next quarter',
    lines: ['Offsite in March', 'Hiring two engineers', 'Budget review on Friday'],
    theme: 'white',
  },
  { title: 'Thank you', lines: ['Questions?', 'ana@example.org'], theme: 'navy' },
];
const SCREENS: Slide[] = [
  {
    title: 'Budget 2027',
    lines: ['Cloud      12,400', 'Hardware   31,000', 'Travel      8,900', 'Total      52,300'],
    theme: 'white',
  },
  {
    title: 'Roadmap',
    lines: ['Q1 glasses beta', 'Q2 speaker labels', 'Q3 offline captions'],
    theme: 'cream',
  },
];
const WHITEBOARD: Slide = {
  title: 'Action items',
  lines: ['Leo: battery test by Tue', 'Mia: fix OCR on glare', 'Book room 4B'],
  theme: 'whiteboard',
};

const THEMES: Record<Slide['theme'], { background: string; fill: string; font: string }> = {
  white: { background: '#ffffff', fill: '#111111', font: 'DejaVu-Sans' },
  cream: { background: '#fbf4e2', fill: '#2b2b2b', font: 'DejaVu-Sans' },
  navy: { background: '#1f2a44', fill: '#f2f2f2', font: 'DejaVu-Sans' },
  whiteboard: { background: '#eeeeea', fill: '#1d3f8a', font: 'DejaVu-Sans-Oblique' },
};

async function loadCanvas(name: string, file: string): Promise<Canvas> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { name, width: info.width, height: info.height, rgb: data };
}

function renderSlide(directory: string, name: string, slide: Slide, footer: string): string {
  const theme = THEMES[slide.theme];
  const file = join(directory, `${name}.png`);
  const args = [
    '-size',
    `${CANVAS_WIDTH}x${CANVAS_HEIGHT}`,
    `xc:${theme.background}`,
    '-fill',
    theme.fill,
    '-font',
    `${theme.font === 'DejaVu-Sans' ? 'DejaVu-Sans-Bold' : theme.font}`,
    '-pointsize',
    '60',
    '-annotate',
    `+${MARGIN + 90}+${MARGIN + 130}`,
    slide.title,
    '-font',
    theme.font,
    '-pointsize',
    '42',
  ];
  for (const [i, line] of slide.lines.entries())
    args.push('-annotate', `+${MARGIN + 110}+${MARGIN + 250 + i * 80}`, line);
  if (footer) args.push('-pointsize', '22', '-annotate', `+${MARGIN + 90}+${MARGIN + HEIGHT - 40}`, footer);
  execFileSync(CONVERT, [...args, file]);
  return file;
}

interface Scenes {
  talk: Canvas[];
  screens: Canvas[];
  whiteboard: Canvas;
  call: Canvas;
  room: Canvas;
  dark: Canvas;
  wall: Canvas;
  walk: Canvas;
  /** Noise tiles (mid grey ± a few levels) laid over every frame with `overlay`, so no two frames are equal. */
  noise: Buffer[];
}

async function renderScenes(directory: string): Promise<Scenes> {
  const talk = await Promise.all(
    TALK.map((slide, i) =>
      loadCanvas(
        `slide ${i + 1}`,
        renderSlide(directory, `talk-${i}`, slide, `Familiar all-hands · ${i + 1}/${TALK.length}`),
      ),
    ),
  );
  const screens = await Promise.all(
    SCREENS.map((slide, i) =>
      loadCanvas(`screen ${i + 1}`, renderSlide(directory, `screen-${i}`, slide, '')),
    ),
  );
  const whiteboard = await loadCanvas('whiteboard', renderSlide(directory, 'whiteboard', WHITEBOARD, ''));
  // A video call: the four faces of facereg.jpg as a participant grid on a dark window.
  const callFile = join(directory, 'call.png');
  execFileSync(CONVERT, [
    '-size',
    `${CANVAS_WIDTH}x${CANVAS_HEIGHT}`,
    'xc:#202124',
    '(',
    SOURCES.call,
    '-resize',
    '660x660',
    ')',
    '-gravity',
    'center',
    '-composite',
    '-gravity',
    'north',
    '-font',
    'DejaVu-Sans',
    '-pointsize',
    '26',
    '-fill',
    '#e8eaed',
    '-annotate',
    '+0+20',
    'Weekly sync - 4 participants',
    callFile,
  ]);
  const call = await loadCanvas('video call', callFile);
  const roomFile = join(directory, 'room.png');
  execFileSync(CONVERT, [
    SOURCES.room,
    '-resize',
    `${CANVAS_WIDTH}x${CANVAS_HEIGHT}^`,
    '-gravity',
    'center',
    '-extent',
    `${CANVAS_WIDTH}x${CANVAS_HEIGHT}`,
    roomFile,
  ]);
  const room = await loadCanvas('room', roomFile);
  const flat = async (name: string, r: number, g: number, b: number): Promise<Canvas> => ({
    name,
    width: CANVAS_WIDTH,
    height: CANVAS_HEIGHT,
    rgb: await sharp({
      create: { width: CANVAS_WIDTH, height: CANVAS_HEIGHT, channels: 3, background: { r, g, b } },
    })
      .raw()
      .toBuffer(),
  });
  const dark = await flat('dark', 14, 13, 16);
  const wall = await flat('wall', 196, 190, 180);
  // The walk: the street photos side by side, 760 px high, panned across (back and forth).
  const height = HEIGHT + 2 * MARGIN + 24;
  const parts = await Promise.all(
    SOURCES.walk.map((file) =>
      sharp(file).resize({ height }).removeAlpha().raw().toBuffer({ resolveWithObject: true }),
    ),
  );
  const walkWidth = parts.reduce((sum, part) => sum + part.info.width, 0);
  let left = 0;
  const walkRgb = await sharp({
    create: { width: walkWidth, height, channels: 3, background: { r: 0, g: 0, b: 0 } },
  })
    .composite(
      parts.map((part) => {
        const input = {
          input: part.data,
          raw: { width: part.info.width, height: part.info.height, channels: 3 as const },
          left,
          top: 0,
        };
        left += part.info.width;
        return input;
      }),
    )
    .raw()
    .toBuffer();
  const walk = { name: 'walk', width: walkWidth, height, rgb: walkRgb };
  const random = seededRandom(7);
  const noise = Array.from({ length: 8 }, () => {
    const tile = Buffer.alloc(WIDTH * HEIGHT * 3);
    for (let i = 0; i < tile.length; i += 1) {
      // Roughly Gaussian (sum of three uniforms), σ ≈ 4 grey levels around mid grey.
      tile[i] = Math.round(128 + (random() + random() + random() - 1.5) * 8);
    }
    return tile;
  });
  return { talk, screens, whiteboard, call, room, dark, wall, walk, noise };
}

/** How one frame is cut: from which canvas, where, how bright. */
interface FrameSpec {
  segment: number;
  canvas: Canvas;
  left: number;
  top: number;
  brightness: number;
}

function planFrames(scenes: Scenes): FrameSpec[] {
  const random = seededRandom(20261129);
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const frames: FrameSpec[] = [];
  let talkSlide = 0;
  let meetingView = 0;
  const meetingViews = [
    scenes.call,
    scenes.screens[0]!,
    scenes.call,
    scenes.whiteboard,
    scenes.room,
    scenes.call,
    scenes.screens[1]!,
    scenes.room,
  ];
  for (const [index, segment] of segments.entries()) {
    // Held scenes: each held for a while, the head steady within a pixel or so.
    let holding: Canvas | null = null;
    let holdLeft = 0;
    const held = (canvas: Canvas): FrameSpec => ({
      segment: index,
      canvas,
      left: MARGIN + between(-JITTER_PX, JITTER_PX),
      top: MARGIN + between(-JITTER_PX, JITTER_PX),
      brightness: 1 - HELD_BRIGHTNESS + random() * 2 * HELD_BRIGHTNESS,
    });
    for (let second = 0; second < segment.seconds; second += 1) {
      if (segment.kind === 'talk' || segment.kind === 'meeting') {
        if (holdLeft <= 0 || holding === null) {
          if (segment.kind === 'talk') {
            holding = scenes.talk[talkSlide % scenes.talk.length]!;
            talkSlide += 1;
            holdLeft = between(30, 120);
          } else {
            holding = meetingViews[meetingView % meetingViews.length]!;
            meetingView += 1;
            holdLeft = between(20, 90);
          }
        }
        holdLeft -= 1;
        frames.push(held(random() < 1 / BLINK_EVERY ? scenes.dark : holding));
      } else if (segment.kind === 'pocket') {
        frames.push(held(scenes.dark));
      } else if (segment.kind === 'wall') {
        frames.push(held(scenes.wall));
      } else {
        // Back and forth along the street, a few pixels of bob with each step.
        const range = scenes.walk.width - WIDTH;
        const travelled = (second * WALK_PAN_PX) % (2 * range);
        frames.push({
          segment: index,
          canvas: scenes.walk,
          left: travelled <= range ? travelled : 2 * range - travelled,
          top: 12 + between(-WALK_BOB_PX, WALK_BOB_PX),
          brightness: 0.97 + random() * 0.06,
        });
      }
    }
  }
  return frames;
}

/** Cuts, brightens, adds sensor noise and encodes every frame as a JPEG file (a few at a time). */
async function writeFrames(directory: string, frames: FrameSpec[], noise: Buffer[]): Promise<number> {
  const random = seededRandom(99);
  const noiseOf = frames.map(() => noise[Math.floor(random() * noise.length)]!);
  let bytes = 0;
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next;
      next += 1;
      if (index >= frames.length) return;
      const spec = frames[index]!;
      const jpeg = await sharp(spec.canvas.rgb, {
        raw: { width: spec.canvas.width, height: spec.canvas.height, channels: 3 },
      })
        .extract({ left: spec.left, top: spec.top, width: WIDTH, height: HEIGHT })
        .linear(spec.brightness, 0)
        .composite([
          { input: noiseOf[index]!, raw: { width: WIDTH, height: HEIGHT, channels: 3 }, blend: 'overlay' },
        ])
        .jpeg({ quality: JPEG_QUALITY })
        .toBuffer();
      bytes += jpeg.byteLength;
      writeFileSync(join(directory, `${index}.jpg`), jpeg);
      if ((index + 1) % 600 === 0) log(`  … ${index + 1} of ${frames.length} frames`);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  return bytes;
}

// ---------------------------------------------------------------------------------------------------------------
// The day's audio: per segment, the LibriVox clips in turn, each followed by enough quiet for its speech share.

const audioRandom = seededRandom(20261128);
/** Quiet room noise (about −66 dBFS) rather than digital silence, so the VAD sees what a microphone gives it. */
function quiet(samples: number): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i += 1) out[i] = Math.round((audioRandom() - 0.5) * 32);
  return out;
}

const audioPlan = { clipsSpoken: 0, speechSeconds: 0 };

function* audioPieces(): Generator<Int16Array> {
  const clips = librivoxClips();
  let clipIndex = 0;
  for (const segment of segments) {
    let left = segment.seconds * RATE;
    while (left > 0) {
      if (segment.speech <= 0) {
        const piece = Math.min(left, 10 * RATE);
        left -= piece;
        yield quiet(piece);
        continue;
      }
      const clip = clips[clipIndex % clips.length]!;
      clipIndex += 1;
      const speech = clip.samples.subarray(0, Math.min(left, clip.samples.length));
      left -= speech.length;
      audioPlan.clipsSpoken += 1;
      audioPlan.speechSeconds += speech.length / RATE;
      yield speech;
      const silence = Math.min(
        left,
        Math.round((clip.samples.length * (1 - segment.speech)) / segment.speech),
      );
      left -= silence;
      if (silence > 0) yield quiet(silence);
    }
  }
}

/** The day's audio in 100 ms chunks. */
function* audioChunks(): Generator<Int16Array> {
  let buffer = new Int16Array(CHUNK_SAMPLES);
  let filled = 0;
  for (const piece of audioPieces()) {
    for (let offset = 0; offset < piece.length; ) {
      const take = Math.min(CHUNK_SAMPLES - filled, piece.length - offset);
      buffer.set(piece.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === CHUNK_SAMPLES) {
        yield buffer;
        buffer = new Int16Array(CHUNK_SAMPLES);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffer.subarray(0, filled);
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the server's jobs (read-only SQLite; the server keeps writing in WAL mode meanwhile).

const TimingsSchema = z.object({
  decodeMs: z.number(),
  dedupMs: z.number(),
  ocrMs: z.number().optional(),
  tagMs: z.number().optional(),
  blurMs: z.number().optional(),
});
const ImageResultSchema = z.object({
  outcome: z.enum(['kept', 'merged', 'excluded']),
  timings: TimingsSchema,
});
const AudioResultSchema = z.object({
  speechMs: z.number(),
  segments: z.number(),
  utterances: z.number(),
});

interface JobRow {
  type: string;
  status: string;
  result: string | null;
  created_at: number;
  updated_at: number;
  run_after: number;
  id: string;
}

function openDatabase(home: string): Database.Database {
  return new Database(join(home, 'familiar.db'), { readonly: true, fileMustExist: true });
}

function backlog(db: Database.Database): { image: number; audio: number; chunks: number } {
  const rows = db
    .prepare<[], { type: string; count: number }>(
      `SELECT type, count(*) AS count FROM jobs WHERE status IN ('queued', 'running') GROUP BY type`,
    )
    .all();
  const chunks = db.prepare<[], { count: number }>('SELECT count(*) AS count FROM audio_chunks').get();
  return {
    image: rows.find((row) => row.type === 'perceive.image')?.count ?? 0,
    audio: rows.find((row) => row.type === 'perceive.audio')?.count ?? 0,
    chunks: chunks?.count ?? 0,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The run.

const benchCpuStart = process.cpuUsage();
const framesDirectory = makeTempHome();
log(
  `the day: ${segments.map((s) => `${s.kind} ${s.seconds} s`).join(', ')} (${DAY_SECONDS} s at 1 frame/s), streamed at ${SPEED}× real time`,
);
let started = performance.now();
const scenes = await renderScenes(framesDirectory);
const frames = planFrames(scenes);
log(`rendering ${frames.length} frames (${WIDTH}×${HEIGHT} JPEG q${JPEG_QUALITY})…`);
const frameBytes = await writeFrames(framesDirectory, frames, scenes.noise);
const generationSeconds = (performance.now() - started) / 1000;
const benchCpuRender = process.cpuUsage(benchCpuStart);
log(
  `  ${frames.length} frames, ${formatNumber(frameBytes / frames.length / 1024)} KiB each on average, in ${formatNumber(generationSeconds, 1)} s`,
);

const home = makeTempHome();
const glassesToken = await addUserAndDevice(home);
const micToken = z
  .object({ token: z.string() })
  .parse(JSON.parse(await runCli(home, ['device', 'add', '--name', 'mic', '--json']))).token;
const server = await startServerProcess(home);
const db = openDatabase(home);
const glasses = createDeviceClient({
  url: server.url,
  token: glassesToken,
  WebSocket,
  now: () => Date.now(),
});
const mic = createDeviceClient({ url: server.url, token: micToken, WebSocket, now: () => Date.now() });
await glasses.connect();
if (WITH_AUDIO) await mic.connect();

// The server's own cost with nothing to do, for reading the figures (timers, pings, the job worker's poll).
const idleCpuStart = processCpuSeconds(server.pid);
await new Promise((resolve) => setTimeout(resolve, 5000));
const idleCpuEnd = processCpuSeconds(server.pid);
const idleCoreShare =
  idleCpuStart && idleCpuEnd
    ? (idleCpuEnd.own + idleCpuEnd.children - idleCpuStart.own - idleCpuStart.children) / 5
    : 0;

// Every second: the server's CPU and memory, and the perception backlog.
const cpuAt = () => {
  const cpu = processCpuSeconds(server.pid);
  return cpu ? cpu.own + cpu.children : Number.NaN;
};
let peakTreeRss = 0;
let peakImageBacklog = 0;
let peakAudioBacklog = 0;
let lastBacklog = { image: 0, audio: 0, chunks: 0 };
const sample = () => {
  peakTreeRss = Math.max(peakTreeRss, processTreeRss(server.pid));
  lastBacklog = backlog(db);
  peakImageBacklog = Math.max(peakImageBacklog, lastBacklog.image);
  peakAudioBacklog = Math.max(peakAudioBacklog, lastBacklog.audio);
};
const sampler = setInterval(sample, 1000);

const START = Math.floor((Date.now() - DAY_SECONDS * 1000 - 60_000) / 1000) * 1000;
const cpuStart = cpuAt();
const benchCpuStreamStart = process.cpuUsage();
started = performance.now();
const progress = setInterval(() => {
  const wall = (performance.now() - started) / 1000;
  log(
    `  … ${formatNumber(wall)} s: ${framesSent}/${frames.length} frames sent, backlog ${lastBacklog.image} frames + ${lastBacklog.audio} audio captures, server CPU ${percent((cpuAt() - cpuStart) / wall / CORES)} of ${CORES} cores`,
  );
}, 30_000);

let framesSent = 0;
let framesAcked = 0;
let audioAcked = 0;
let failures = 0;
let lastFrameAckedAt = 0;
let maxBehindMs = 0;
const failed = (error: unknown) => {
  failures += 1;
  if (failures <= 5)
    log(`a message was not stored: ${error instanceof Error ? error.message : String(error)}`);
};
const chunks = WITH_AUDIO ? audioChunks() : null;
log(`streaming ${DAY_SECONDS} s of day at ${SPEED}× (${formatNumber(DAY_SECONDS / SPEED)} s)…`);
try {
  for (let tick = 0; tick < DAY_SECONDS * (1000 / CHUNK_MS); tick += 1) {
    const due = started + (tick * CHUNK_MS) / SPEED;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    else maxBehindMs = Math.max(maxBehindMs, -wait);
    const deviceTime = START + tick * CHUNK_MS;
    const chunk = chunks?.next();
    if (chunk && !chunk.done) {
      const queued = await mic.sendAudio('mic', chunk.value, deviceTime);
      queued.acked.then(() => {
        audioAcked += 1;
      }, failed);
    }
    if (tick % (1000 / CHUNK_MS) === 0) {
      const index = tick / (1000 / CHUNK_MS);
      const bytes = readFileSync(join(framesDirectory, `${index}.jpg`));
      const queued = await glasses.sendFrame('camera', bytes, 'image/jpeg', deviceTime);
      framesSent += 1;
      queued.acked.then(() => {
        framesAcked += 1;
        lastFrameAckedAt = Date.now();
      }, failed);
    }
  }
  await Promise.all([glasses.flush(120_000), WITH_AUDIO ? mic.flush(120_000) : Promise.resolve()]);
} finally {
  clearInterval(progress);
}
const streamSeconds = (performance.now() - started) / 1000;
const benchCpuStream = process.cpuUsage(benchCpuStreamStart);
const benchCpuDrainStart = process.cpuUsage();
const cpuStreamEnd = cpuAt();
// Closing the microphone's connection seals its last audio into a capture at once.
await mic.close();
await glasses.close();
log(
  `streamed in ${formatNumber(streamSeconds, 1)} s; waiting (at most ${DRAIN_MINUTES} min) for the backlog: ${lastBacklog.image} frames, ${lastBacklog.audio} audio captures…`,
);

// The drain: until no perception job is queued or running and no audio chunk waits to be sealed.
const drainDeadline = Date.now() + DRAIN_MINUTES * 60_000;
let drained = false;
let emptyPolls = 0;
let lastDrainLog = Date.now();
while (Date.now() < drainDeadline) {
  sample();
  emptyPolls = lastBacklog.image + lastBacklog.audio + lastBacklog.chunks === 0 ? emptyPolls + 1 : 0;
  if (emptyPolls >= 2) {
    drained = true;
    break;
  }
  if (Date.now() - lastDrainLog >= 30_000) {
    lastDrainLog = Date.now();
    log(`  … backlog ${lastBacklog.image} frames, ${lastBacklog.audio} audio captures`);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}
clearInterval(sampler);
const cpuEnd = cpuAt();
const wallSeconds = (performance.now() - started) / 1000;
const peakRss = processMemory(server.pid)?.peakRss ?? 0;
const leftBehind = drained ? null : { ...lastBacklog };
await server.stop();

// ---------------------------------------------------------------------------------------------------------------
// The jobs' results.

const jobs = db
  .prepare<[], JobRow>(
    `SELECT id, type, status, result, created_at, updated_at, run_after FROM jobs
     WHERE type IN ('perceive.image', 'perceive.audio') ORDER BY run_after, id`,
  )
  .all();
const utteranceCount =
  db
    .prepare<[], { count: number }>(`SELECT count(*) AS count FROM observations WHERE modality = 'utterance'`)
    .get()?.count ?? 0;
db.close();
removeTempHome(home);
removeTempHome(framesDirectory);

const imageJobs = jobs.filter((job) => job.type === 'perceive.image');
const audioJobs = jobs.filter((job) => job.type === 'perceive.audio');
const finished = (job: JobRow) =>
  job.status === 'succeeded' || job.status === 'skipped' || job.status === 'failed';
// One worker runs one job at a time: a job ran from the later of its enqueueing and the previous job's end. A job
// that found the worker idle may have waited up to one job poll (0.5 s) before it started, counted here as busy:
// with the worker backlogged (a speed-up) the figure is close, in real time it is an upper bound.
const busyMs = { image: 0, audio: 0 };
let idleStarts = 0;
let previousEnd = 0;
for (const job of [...jobs].filter(finished).sort((a, b) => a.updated_at - b.updated_at)) {
  const ran = job.updated_at - Math.max(previousEnd, job.created_at);
  if (job.created_at > previousEnd) idleStarts += 1;
  previousEnd = job.updated_at;
  if (job.type === 'perceive.image') busyMs.image += Math.max(0, ran);
  else busyMs.audio += Math.max(0, ran);
}
const lastJobDoneAt = Math.max(0, ...jobs.filter(finished).map((job) => job.updated_at));

interface FrameOutcome {
  segment: number | null;
  outcome: 'kept' | 'merged' | 'excluded';
  timings: z.infer<typeof TimingsSchema>;
}
// Frames are stored and queued in the order they were sent, so the n-th image job is the n-th frame.
const aligned = imageJobs.length === frames.length;
const outcomes: FrameOutcome[] = [];
for (const [index, job] of imageJobs.entries()) {
  const parsed = ImageResultSchema.safeParse(job.result === null ? null : JSON.parse(job.result));
  if (parsed.success) outcomes.push({ segment: aligned ? frames[index]!.segment : null, ...parsed.data });
}
const imageFailed = imageJobs.filter((job) => job.status === 'failed').length;
const audioResults = audioJobs.flatMap((job) => {
  const parsed = AudioResultSchema.safeParse(job.result === null ? null : JSON.parse(job.result));
  return parsed.success ? [parsed.data] : [];
});
const audioFailed = audioJobs.filter((job) => job.status === 'failed').length;

const mean = (values: number[]) =>
  values.length === 0 ? 0 : values.reduce((s, v) => s + v, 0) / values.length;
const stage = (list: FrameOutcome[], pick: (t: FrameOutcome['timings']) => number | undefined) => {
  const values = list.map((o) => pick(o.timings)).filter((v): v is number => v !== undefined);
  const summary = summarise(values);
  return {
    mean: mean(values),
    p95: summary.p95,
    total: values.reduce((s, v) => s + v, 0),
    count: values.length,
  };
};
const msCell = (s: { mean: number; p95: number; count: number }) =>
  s.count === 0 ? '—' : `${formatNumber(s.mean, 1)} ms (p95 ${formatNumber(s.p95)})`;
const kept = outcomes.filter((o) => o.outcome === 'kept');
const merged = outcomes.filter((o) => o.outcome === 'merged');
const excluded = outcomes.filter((o) => o.outcome === 'excluded');
const keptRatio = outcomes.length === 0 ? 0 : kept.length / outcomes.length;

const serverCpu = cpuEnd - cpuStart;
const coreSecondsPerDaySecond = serverCpu / DAY_SECONDS;
const workerLoad = (busyMs.image + busyMs.audio) / 1000 / DAY_SECONDS;
const backlogSeconds =
  lastFrameAckedAt > 0 && lastJobDoneAt > 0 ? (lastJobDoneAt - lastFrameAckedAt) / 1000 : null;
const benchCpuDrain = process.cpuUsage(benchCpuDrainStart);
const cpuSeconds = (usage: NodeJS.CpuUsage) => formatNumber((usage.user + usage.system) / 1e6);
const cpuMet = drained && failures === 0 && coreSecondsPerDaySecond <= TARGET_CORE_SECONDS && workerLoad <= 1;

const decode = stage(outcomes, (t) => t.decodeMs);
const dedup = stage(outcomes, (t) => t.dedupMs);
const ocr = stage(kept, (t) => t.ocrMs);
const tag = stage(kept, (t) => t.tagMs);
const blur = stage(kept, (t) => t.blurMs);
const stagesMs = decode.total + dedup.total + ocr.total + tag.total + blur.total;
const rows: string[][] = [
  [
    'day represented',
    `${formatNumber(DAY_SECONDS / 60, 1)} min: ${frames.length} frames at 1 frame/s (held scenes ±${JITTER_PX} px, ±${HELD_BRIGHTNESS * 100} % brightness)${WITH_AUDIO ? ', 16 kHz audio' : ''}`,
  ],
  [
    'streamed',
    `at ${SPEED}× in ${formatNumber(streamSeconds, 1)} s (at most ${formatNumber(maxBehindMs)} ms behind schedule); ${framesAcked} frames and ${audioAcked} audio chunks acked, ${failures} not stored`,
  ],
  [
    'kept ratio',
    `${percent(keptRatio, 1)} (${kept.length} kept, ${merged.length} merged, ${excluded.length} excluded of ${outcomes.length} frames; ${imageFailed} failed)`,
  ],
  ['decode ms per frame', msCell(decode)],
  ['dedup ms per frame', msCell(dedup)],
  ['OCR ms per kept frame', msCell(ocr)],
  ['tagging ms per kept frame', msCell(tag)],
  ['blur + store ms per kept frame', msCell(blur)],
  [
    'perception worker busy per second of day',
    `≤ ${formatNumber(workerLoad, 3)} s (frames ${formatNumber(busyMs.image / 1000 / DAY_SECONDS, 3)}, of which image stages ${formatNumber(stagesMs / 1000 / DAY_SECONDS, 3)}; audio ${formatNumber(busyMs.audio / 1000 / DAY_SECONDS, 3)}); ${idleStarts} of ${jobs.length} jobs found the worker idle (each may count up to 0.5 s of poll wait)`,
  ],
  [
    'server CPU per second of day',
    `${formatNumber(coreSecondsPerDaySecond, 3)} core-s = ${percent(coreSecondsPerDaySecond / CORES, 1)} of ${CORES} cores in real time (${formatNumber(serverCpu)} core-s in all)`,
  ],
  [
    `server CPU while running at ${SPEED}×`,
    `${percent((cpuStreamEnd - cpuStart) / streamSeconds / CORES)} of ${CORES} cores while streaming, ${percent(serverCpu / wallSeconds / CORES)} until the backlog cleared (${formatNumber(wallSeconds)} s); idle ${percent(idleCoreShare / CORES, 1)}`,
  ],
  [
    'backlog',
    `peak ${peakImageBacklog} frames and ${peakAudioBacklog} audio captures queued; ${
      leftBehind
        ? `not cleared ${DRAIN_MINUTES} min after the last frame (${leftBehind.image} frames, ${leftBehind.audio} audio captures left)`
        : `cleared ${backlogSeconds === null ? '?' : `${formatNumber(backlogSeconds)} s`} after the last frame was acked`
    }`,
  ],
  [
    'audio heard',
    WITH_AUDIO
      ? `${utteranceCount} utterances from ${audioResults.reduce((s, r) => s + r.segments, 0)} speech segments in ${audioJobs.length} captures (${audioFailed} failed) for ${audioPlan.clipsSpoken} clips (${formatNumber(audioPlan.speechSeconds)} s of speech)`
      : 'no audio (--skip-audio)',
  ],
  ['server peak RSS', `${MiB(peakRss)} (with pocketsphinx children, sampled: ${MiB(peakTreeRss)})`],
  [
    'bench process CPU',
    `${cpuSeconds(benchCpuRender)} s rendering the frames (${formatNumber(generationSeconds, 1)} s, before the server started), ${cpuSeconds(benchCpuStream)} s streaming, ${cpuSeconds(benchCpuDrain)} s waiting for the backlog`,
  ],
];

const segmentRows = segments.map((segment, index) => {
  const own = outcomes.filter((o) => o.segment === index);
  const ownKept = own.filter((o) => o.outcome === 'kept');
  const ownOcr = stage(ownKept, (t) => t.ocrMs);
  const ownTag = stage(ownKept, (t) => t.tagMs);
  const total = own.reduce(
    (sum, o) =>
      sum +
      o.timings.decodeMs +
      o.timings.dedupMs +
      (o.timings.ocrMs ?? 0) +
      (o.timings.tagMs ?? 0) +
      (o.timings.blurMs ?? 0),
    0,
  );
  return [
    segment.label,
    `${Math.floor(segment.start / 60)}:${String(segment.start % 60).padStart(2, '0')}`,
    formatNumber(segment.seconds),
    formatNumber(ownKept.length),
    own.length === 0 ? '—' : percent(ownKept.length / own.length, 1),
    ownOcr.count === 0 ? '—' : formatNumber(ownOcr.mean),
    ownTag.count === 0 ? '—' : formatNumber(ownTag.mean),
    own.length === 0 ? '—' : formatNumber(total / own.length),
  ];
});

console.log(markdownTable(['measure', 'measured'], rows));
console.log('');
if (aligned) {
  console.log(
    markdownTable(
      ['segment', 'starts', 'frames', 'kept', 'kept ratio', 'OCR ms/kept', 'tag ms/kept', 'stages ms/frame'],
      segmentRows,
    ),
  );
  console.log('');
} else {
  console.log(`(per-segment figures left out: ${imageJobs.length} image jobs for ${frames.length} frames)\n`);
}
console.log(
  `Target: keeps up in real time using ≤ 60 % of ${CORES} cores on average: measured ${percent(coreSecondsPerDaySecond / CORES, 1)} (${formatNumber(coreSecondsPerDaySecond, 3)} core-s per second of day), perception worker busy ≤ ${formatNumber(workerLoad, 3)} s per second of day${drained ? '' : ', backlog not cleared'} — ${cpuMet ? 'met' : 'missed'}`,
);
console.log(`Kept ratio: ${percent(keptRatio, 1)} of ${outcomes.length} frames (reported, no target)`);
