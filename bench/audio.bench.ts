/**
 * Audio perception: Silero VAD and pocketsphinx real-time factors (in-process), one hour of recorded audio with 20 %
 * speech through the real CLI (`familiar --json ingest`: wall time, utterances, peak RSS), and the lag from a
 * streamed chunk's ack to its utterance being stored through the real server (`familiar start`) and the device SDK.
 * Needs Debian's pocketsphinx, pocketsphinx-en-us and pocketsphinx-testdata (the LibriVox clips).
 * Run: npm run bench:audio [-- --hours 1 --skip-hour --vad-minutes 10 --stream-seconds 60]
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createDeviceClient, encodeWav } from '@familiar/device-sdk';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { openFamiliar } from '../packages/server/src/app.ts';
import { loadConfig } from '../packages/server/src/config.ts';
import { createSilentLogger } from '../packages/server/src/kernel/index.ts';
import { perceiveJob } from '../packages/server/src/memory/index.ts';
import {
  createPocketsphinxTranscriber,
  isPocketsphinxAvailable,
} from '../packages/server/src/perception/audio/pocketsphinx-transcriber.ts';
import { createSileroVad } from '../packages/server/src/perception/audio/silero-vad.ts';
import { wordErrorRate } from '../packages/server/src/perception/audio/word-error-rate.ts';
import { type Clip, hasLibrivox, librivoxClips } from '../packages/server/test/support/librivox.ts';
import {
  addUserAndDevice,
  getJson,
  loopbackAgent,
  makeTempHome,
  processCpuSeconds,
  processMemory,
  processTreeRss,
  removeTempHome,
  runCli,
  spawnCli,
  startServerProcess,
} from './familiar-process.ts';
import { formatNumber, markdownTable, seededRandom, summarise } from './stats.ts';

const RATE = 16_000;
const SPEECH_SHARE = 0.2;
const TARGET_VAD_RTF = 0.03;
const TARGET_HOUR_SECONDS = 600;
const TARGET_PEAK_RSS = 1024 ** 3;
const CHUNK_MS = 100;
const CHUNK_SAMPLES = (RATE * CHUNK_MS) / 1000;
const START = Date.parse('2026-11-28T09:00:00Z');

const { values: options } = parseArgs({
  options: {
    hours: { type: 'string', default: '1' },
    'skip-hour': { type: 'boolean', default: false },
    'vad-minutes': { type: 'string', default: '10' },
    'stream-seconds': { type: 'string', default: '60' },
  },
});

function positiveNumber(value: string | undefined, name: string, max: number, allowZero = false): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || (!allowZero && number === 0) || number > max) {
    process.stderr.write(`--${name} must be a number ${allowZero ? 'from 0' : 'above 0'} up to ${max}\n`);
    process.exit(2);
  }
  return number;
}
const HOURS = positiveNumber(options.hours, 'hours', 24);
const VAD_MINUTES = positiveNumber(options['vad-minutes'], 'vad-minutes', 600);
const STREAM_SECONDS = positiveNumber(options['stream-seconds'], 'stream-seconds', 600, true);

if (!hasLibrivox || !isPocketsphinxAvailable()) {
  process.stderr.write(
    'bench:audio needs Debian pocketsphinx, pocketsphinx-en-us and pocketsphinx-testdata ' +
      '(apt-get install pocketsphinx pocketsphinx-en-us pocketsphinx-testdata)\n',
  );
  process.exit(1);
}

const log = (line: string) => process.stderr.write(`audio bench: ${line}\n`);
const MiB = (bytes: number) => `${formatNumber(bytes / 1024 ** 2)} MiB`;
const clips = librivoxClips();
const random = seededRandom(20261128);

/** Quiet room noise (about −66 dBFS) rather than digital silence, so the VAD sees what a microphone gives it. */
function quiet(samples: number): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i += 1) out[i] = Math.round((random() - 0.5) * 32);
  return out;
}

/**
 * A recording of `seconds` made of the LibriVox clips in turn, each followed by quiet four times its length, so
 * that speech is 20 % of the time; yields it piece by piece (the hour is never held in memory).
 */
function* recording(seconds: number): Generator<{ samples: Int16Array; speech: boolean }> {
  let left = Math.round(seconds * RATE);
  for (let i = 0; left > 0; i += 1) {
    const clip = clips[i % clips.length]!;
    const speech = clip.samples.subarray(0, Math.min(left, clip.samples.length));
    left -= speech.length;
    yield { samples: speech, speech: true };
    const silence = Math.min(left, Math.round((clip.samples.length * (1 - SPEECH_SHARE)) / SPEECH_SHARE));
    left -= silence;
    if (silence > 0) yield { samples: quiet(silence), speech: false };
  }
}

interface Row {
  what: string;
  /** Details printed under the table. */
  note?: string;
  audio: string;
  measured: string;
  target: string;
  verdict: string;
}
const rows: Row[] = [];
const targets: string[] = [];
function target(what: string, measured: string, goal: string, met: boolean | null): string {
  const verdict = met === null ? 'n/a' : met ? 'met' : 'missed';
  targets.push(`Target: ${what} ${goal}: measured ${measured} — ${verdict}`);
  return verdict;
}

// 1. VAD real-time factor over a long recording, fed 1 s at a time as perception does.
async function benchVad(): Promise<void> {
  const pieces = [...recording(VAD_MINUTES * 60)];
  const total = pieces.reduce((sum, piece) => sum + piece.samples.length, 0);
  const audio = new Int16Array(total);
  let offset = 0;
  let speechSamples = 0;
  for (const piece of pieces) {
    audio.set(piece.samples, offset);
    offset += piece.samples.length;
    if (piece.speech) speechSamples += piece.samples.length;
  }
  const vad = createSileroVad();
  // A short warm-up session so the model load is not counted.
  const warm = vad.createSession();
  warm.accept(audio.subarray(0, RATE * 5));
  warm.finish();
  log(`VAD over ${formatNumber(total / RATE / 60, 1)} min of audio…`);
  const started = performance.now();
  const session = vad.createSession();
  let segments = 0;
  let detectedSamples = 0;
  for (let start = 0; start < audio.length; start += RATE) {
    for (const segment of session.accept(audio.subarray(start, start + RATE))) {
      segments += 1;
      detectedSamples += segment.samples.length;
    }
  }
  for (const segment of session.finish()) {
    segments += 1;
    detectedSamples += segment.samples.length;
  }
  const seconds = (performance.now() - started) / 1000;
  const rtf = seconds / (total / RATE);
  const expected = pieces.filter((piece) => piece.speech).length;
  rows.push({
    what: 'VAD real-time factor',
    note: `VAD (Silero v5 on sherpa-onnx, 1 thread, fed 1 s at a time): ${segments} speech segments for ${expected} clips; ${formatNumber(detectedSamples / RATE)} s kept (with padding) of ${formatNumber(speechSamples / RATE)} s of speech`,
    audio: `${formatNumber(total / RATE / 60, 1)} min`,
    measured: `RTF ${rtf.toFixed(4)} (${formatNumber(seconds, 1)} s)`,
    target: `RTF ≤ ${TARGET_VAD_RTF}`,
    verdict: target('VAD real-time factor', rtf.toFixed(4), `≤ ${TARGET_VAD_RTF}`, rtf <= TARGET_VAD_RTF),
  });
}

// 2. pocketsphinx real-time factor and word error rate on the five LibriVox clips, one process per clip.
async function benchAsr(): Promise<void> {
  const transcriber = createPocketsphinxTranscriber();
  await transcriber.transcribe(quiet(RATE)); // checks the models once, warms the page cache
  const fixedStarted = performance.now();
  await transcriber.transcribe(quiet(RATE / 2));
  const fixedMs = performance.now() - fixedStarted;
  let audioSeconds = 0;
  let seconds = 0;
  const references: string[] = [];
  const hypotheses: string[] = [];
  for (const clip of clips) {
    const started = performance.now();
    const transcript = await transcriber.transcribe(clip.samples);
    seconds += (performance.now() - started) / 1000;
    audioSeconds += clip.samples.length / RATE;
    references.push(clip.reference);
    hypotheses.push(transcript.map((piece) => piece.text).join(' '));
  }
  const wer = wordErrorRate(references.join(' '), hypotheses.join(' '));
  const rtf = seconds / audioSeconds;
  rows.push({
    what: 'ASR real-time factor',
    note: `ASR (pocketsphinx 0.8 en-us, one process per call): the ${clips.length} LibriVox clips one call each, WER ${formatNumber(wer * 100, 1)} %; a call on 0.5 s of quiet takes ${formatNumber(fixedMs)} ms (process start and model load)`,
    audio: `${formatNumber(audioSeconds, 1)} s`,
    measured: `RTF ${rtf.toFixed(3)} (${formatNumber(seconds, 1)} s)`,
    target: '—',
    verdict: 'n/a',
  });
}

// 3. The hour: a WAV file through `familiar --json ingest`, which imports it and transcribes it in-process.
const IngestOutputSchema = z.object({
  captures: z.number(),
  files: z.array(z.object({ audioCaptureIds: z.array(z.string()).optional() })),
  perceived: z.object({ processed: z.number(), failed: z.number(), utterances: z.number() }).nullable(),
});
const JobResultSchema = z.object({
  audioMs: z.number(),
  speechMs: z.number(),
  segments: z.number(),
  utterances: z.number(),
  skippedOptedOut: z.number(),
});

async function benchHour(): Promise<void> {
  const home = makeTempHome();
  const file = join(home, 'recording.wav');
  const seconds = HOURS * 3600;
  const fd = openSync(file, 'w');
  let samples = 0;
  let speechSamples = 0;
  let clipCount = 0;
  try {
    const header = encodeWav(new Int16Array(0), RATE);
    writeSync(fd, header);
    for (const piece of recording(seconds)) {
      writeSync(fd, new Uint8Array(piece.samples.buffer, piece.samples.byteOffset, piece.samples.byteLength));
      samples += piece.samples.length;
      if (piece.speech) {
        speechSamples += piece.samples.length;
        clipCount += 1;
      }
    }
    const sizes = new DataView(new ArrayBuffer(4));
    sizes.setUint32(0, 36 + samples * 2, true);
    writeSync(fd, new Uint8Array(sizes.buffer), 0, 4, 4);
    sizes.setUint32(0, samples * 2, true);
    writeSync(fd, new Uint8Array(sizes.buffer), 0, 4, 40);
  } finally {
    closeSync(fd);
  }
  await runCli(home, ['user', 'add', 'bench', '--timezone', 'UTC']);
  log(
    `ingesting ${formatNumber(samples / RATE / 60, 1)} min of audio (${formatNumber((speechSamples / samples) * 100)} % speech, ${clipCount} clips) through the CLI…`,
  );
  const limitMs = Math.max(20, HOURS * 40) * 60_000;
  const started = Date.now();
  const cli = spawnCli(home, ['--json', 'ingest', file, '--captured-at', new Date(START).toISOString()]);
  let peakRss = 0;
  let peakTreeRss = 0;
  let cpu = { own: 0, children: 0 };
  const sample = () => {
    const memory = processMemory(cli.pid);
    if (memory) peakRss = Math.max(peakRss, memory.peakRss);
    peakTreeRss = Math.max(peakTreeRss, processTreeRss(cli.pid));
    cpu = processCpuSeconds(cli.pid) ?? cpu;
  };
  const poll = setInterval(sample, 200);
  const progress = setInterval(
    () => log(`  … ${formatNumber((Date.now() - started) / 1000)} s, CLI peak RSS ${MiB(peakRss)}`),
    60_000,
  );
  const limit = setTimeout(() => {
    log(`the ingest ran past ${limitMs / 60_000} min: stopping it`);
    cli.kill();
  }, limitMs);
  let outcome: Awaited<typeof cli.done>;
  try {
    outcome = await cli.done;
  } finally {
    clearInterval(poll);
    clearInterval(progress);
    clearTimeout(limit);
  }
  const wallSeconds = (Date.now() - started) / 1000;
  if (outcome.code !== 0) {
    removeTempHome(home);
    throw new Error(`familiar ingest failed (${outcome.code ?? outcome.signal}): ${outcome.stderr}`);
  }
  const output = IngestOutputSchema.parse(JSON.parse(outcome.stdout));
  const captureIds = output.files.flatMap((entry) => entry.audioCaptureIds ?? []);
  // Segments (one ASR call each) and speech time come from the perception jobs' results.
  const familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: home }), { logger: createSilentLogger() });
  let segments = 0;
  let speechMs = 0;
  let asrCalls = 0;
  let lastQueued = 0;
  let lastDone = 0;
  try {
    const [user] = await familiar.accounts.listUsers();
    for (const id of captureIds) {
      const job = await familiar.jobs.getByDedupeKey(perceiveJob(user!.id, id, 'audio').dedupeKey!);
      const result = JobResultSchema.safeParse(job?.result);
      if (!job || !result.success) continue;
      segments += result.data.segments;
      speechMs += result.data.speechMs;
      asrCalls += result.data.segments - result.data.skippedOptedOut;
      lastQueued = Math.max(lastQueued, job.createdAt);
      lastDone = Math.max(lastDone, job.updatedAt);
    }
  } finally {
    await familiar.close();
  }
  removeTempHome(home);
  // The CLI imports every piece first, then hears them: the last job queued marks the end of the import.
  const importSeconds = (lastQueued - started) / 1000;
  const hearSeconds = (lastDone - lastQueued) / 1000;
  const audioLabel = `${formatNumber(samples / RATE / 3600, 2)} h, ${formatNumber((speechSamples / samples) * 100)} % speech`;
  const perceived = output.perceived;
  const targetSeconds = TARGET_HOUR_SECONDS * HOURS;
  rows.push({
    what: 'recording imported and transcribed (`familiar ingest`)',
    note:
      `\`familiar --json ingest\`: ${output.captures} capture${output.captures === 1 ? '' : 's'}, ${perceived?.processed ?? 0} heard, ${perceived?.failed ?? 0} failed; ` +
      `${perceived?.utterances ?? 0} utterances from ${segments} speech segments (${asrCalls} ASR calls, ` +
      `${formatNumber(speechMs / 1000)} s) for ${clipCount} clips; CLI start and import ≈ ${formatNumber(importSeconds, 1)} s, hearing ≈ ${formatNumber(hearSeconds)} s; ` +
      `CPU ${formatNumber(cpu.own)} s node + ${formatNumber(cpu.children)} s pocketsphinx`,
    audio: audioLabel,
    measured: `${formatNumber(wallSeconds)} s (RTF ${(wallSeconds / (samples / RATE)).toFixed(3)})`,
    target: `≤ ${formatNumber(targetSeconds)} s`,
    verdict: target(
      `${formatNumber(HOURS, 2)} h with 20 % speech in`,
      `${formatNumber(wallSeconds)} s`,
      `≤ ${formatNumber(targetSeconds)} s`,
      wallSeconds <= targetSeconds && (perceived?.failed ?? 1) === 0,
    ),
  });
  rows.push({
    what: 'peak RSS of the ingesting CLI',
    note: `peak RSS: VmHWM of the CLI's node process; node and its pocketsphinx child together, sampled every 200 ms, peaked at ${MiB(peakTreeRss)}`,
    audio: audioLabel,
    measured: MiB(peakRss),
    target: '≤ 1,024 MiB',
    verdict: target(
      'ingest peak RSS',
      MiB(peakRss),
      '≤ 1,024 MiB',
      peakRss > 0 && peakRss <= TARGET_PEAK_RSS,
    ),
  });
}

// 4 and 5. Lag from a streamed chunk's ack to the utterance stored, and the server's peak RSS meanwhile.
const UtterancesSchema = z.object({
  observations: z.array(z.object({ id: z.string(), capturedAt: z.string(), receivedAt: z.string() })),
});

interface Plan {
  chunks: Array<{ samples: Int16Array; clip: number | null; lastOfClip: boolean }>;
  clips: Array<{ startMs: number; endMs: number }>;
}

/** Cuts audio into 100 ms chunks, noting which chunk ends each clip. */
function plan(parts: Array<{ samples: Int16Array; clip: number | null }>): Plan {
  const chunks: Plan['chunks'] = [];
  const spans: Plan['clips'] = [];
  let ms = 0;
  for (const part of parts) {
    if (part.clip !== null)
      spans[part.clip] = { startMs: ms, endMs: ms + (part.samples.length / RATE) * 1000 };
    for (let start = 0; start < part.samples.length; start += CHUNK_SAMPLES) {
      const samples = part.samples.subarray(start, start + CHUNK_SAMPLES);
      chunks.push({ samples, clip: part.clip, lastOfClip: start + CHUNK_SAMPLES >= part.samples.length });
      ms += (samples.length / RATE) * 1000;
    }
  }
  return { chunks, clips: spans };
}

async function benchStream(): Promise<void> {
  const home = makeTempHome();
  const token = await addUserAndDevice(home);
  const server = await startServerProcess(home);
  const agent = loopbackAgent(1);
  const client = createDeviceClient({ url: server.url, token, WebSocket, now: () => Date.now() });
  let peakTreeRss = 0;
  const poll = setInterval(() => {
    peakTreeRss = Math.max(peakTreeRss, processTreeRss(server.pid));
  }, 200);
  const seen = new Set<string>();
  const utterances = async () => {
    const response = await getJson(
      agent,
      `${server.url}/v1/observations?modality=utterance&limit=1000`,
      token,
    );
    if (response.status !== 200) throw new Error(`GET /v1/observations: ${response.status} ${response.text}`);
    return UtterancesSchema.parse(JSON.parse(response.text)).observations.map((o) => ({
      id: o.id,
      capturedAt: Date.parse(o.capturedAt),
      receivedAt: Date.parse(o.receivedAt),
    }));
  };
  try {
    await client.connect();
    // Streams a plan in real time; returns the wall time each clip's last chunk was acked, and the clips' times.
    const stream = async (p: Plan) => {
      const origin = Date.now();
      const acked: Array<Promise<number>> = [];
      for (const [i, chunk] of p.chunks.entries()) {
        const wait = origin + i * CHUNK_MS - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const queued = await client.sendAudio('mic', chunk.samples, origin + i * CHUNK_MS);
        if (chunk.lastOfClip && chunk.clip !== null) acked[chunk.clip] = queued.acked.then(() => Date.now());
      }
      await client.flush(30_000);
      return {
        acks: await Promise.all(acked),
        spans: p.clips.map((span) => ({ start: origin + span.startMs, end: origin + span.endMs })),
      };
    };
    // Waits (bounded) until every clip has an utterance and none has come for 2 s; lag = last one stored − ack.
    const lags = async (spans: Array<{ start: number; end: number }>, acks: number[], limitMs: number) => {
      const heard: Array<number | null> = spans.map(() => null);
      const deadline = Date.now() + limitMs;
      let quietSince = Date.now();
      while (Date.now() < deadline) {
        let fresh = false;
        for (const utterance of await utterances()) {
          if (seen.has(utterance.id)) continue;
          const clip = spans.findIndex(
            (span) => utterance.capturedAt >= span.start - 1000 && utterance.capturedAt <= span.end + 1000,
          );
          if (clip < 0) continue;
          seen.add(utterance.id);
          fresh = true;
          heard[clip] = Math.max(heard[clip] ?? 0, utterance.receivedAt);
        }
        if (fresh) quietSince = Date.now();
        if (heard.every((at) => at !== null) && Date.now() - quietSince >= 2000) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return heard.map((at, i) => (at === null ? null : at - acks[i]!));
    };
    // (a) One clip, then 1 s of quiet, then the device stops sending: the capture is sealed after 2 s idle.
    const single: Array<number | null> = [];
    for (const [index, clip] of clips.entries()) {
      log(`streaming clip ${index + 1}/${clips.length} then quiet…`);
      const p = plan([
        { samples: quiet(RATE / 2), clip: null },
        { samples: clip.samples, clip: 0 },
        { samples: quiet(RATE), clip: null },
      ]);
      const { acks, spans } = await stream(p);
      single.push(...(await lags(spans, acks, 60_000)));
    }
    pushLagRow(
      'clip, then the stream stops',
      'each clip alone with 0.5 s quiet before and 1 s after, then the device stops sending, so the capture is sealed after 2 s idle',
      clips.length,
      single,
      clips.reduce((sum, clip) => sum + clip.samples.length / RATE + 1.5, 0),
    );
    // (b) Continuous streaming of speech and quiet: captures are sealed every 30 s of audio.
    if (STREAM_SECONDS > 0) {
      log(`streaming ${STREAM_SECONDS} s of continuous audio (20 % speech) in real time…`);
      const parts: Array<{ samples: Int16Array; clip: number | null }> = [];
      let clip = 0;
      for (const piece of recording(STREAM_SECONDS)) {
        parts.push({ samples: piece.samples, clip: piece.speech ? clip : null });
        if (piece.speech) clip += 1;
      }
      const p = plan(parts);
      const { acks, spans } = await stream(p);
      pushLagRow(
        'continuous stream',
        `${STREAM_SECONDS} s streamed without a break (clips and quiet, 20 % speech), so captures are sealed every 30 s of audio`,
        spans.length,
        await lags(spans, acks, 90_000),
        STREAM_SECONDS,
      );
    }
    clearInterval(poll);
    const memory = processMemory(server.pid);
    const peakRss = memory?.peakRss ?? 0;
    rows.push({
      what: 'peak RSS of the server while streaming',
      note: `server peak RSS: VmHWM of \`familiar start\`; server and its pocketsphinx child together, sampled every 200 ms, peaked at ${MiB(peakTreeRss)}`,
      audio: '—',
      measured: MiB(peakRss),
      target: '≤ 1,024 MiB',
      verdict: target(
        'server peak RSS',
        MiB(peakRss),
        '≤ 1,024 MiB',
        peakRss > 0 && peakRss <= TARGET_PEAK_RSS,
      ),
    });
  } finally {
    clearInterval(poll);
    await client.close();
    agent.destroy();
    await server.stop();
    removeTempHome(home);
  }
}

function pushLagRow(
  label: string,
  mode: string,
  count: number,
  lags: Array<number | null>,
  audioSeconds: number,
): void {
  const measured = lags.filter((lag): lag is number => lag !== null);
  const summary = summarise(measured);
  const missing = lags.length - measured.length;
  rows.push({
    what: `lag, clip's last chunk acked → utterance stored: ${label}`,
    note: `lag (${mode}): ${count} clips${missing > 0 ? `, ${missing} without an utterance` : ', each heard'}; lags ${measured.map((lag) => formatNumber(lag / 1000, 1)).join(', ')} s`,
    audio: `${formatNumber(audioSeconds)} s`,
    measured:
      measured.length === 0
        ? 'no utterance'
        : `p50 ${formatNumber(summary.p50 / 1000, 1)} s, max ${formatNumber(summary.max / 1000, 1)} s`,
    target: '—',
    verdict: 'n/a',
  });
}

log(
  `LibriVox clips: ${clips.map((clip: Clip) => `${(clip.samples.length / RATE).toFixed(1)} s`).join(', ')}`,
);
await benchVad();
await benchAsr();
if (!options['skip-hour']) await benchHour();
await benchStream();

console.log(
  markdownTable(
    ['measure', 'audio', 'measured', 'target', 'verdict'],
    rows.map((row) => [row.what, row.audio, row.measured, row.target, row.verdict]),
  ),
);
console.log('');
for (const row of rows) if (row.note) console.log(`- ${row.note}`);
console.log('');
for (const line of targets) console.log(line);
if (options['skip-hour']) console.log('Target: one hour with 20 % speech in ≤ 10 min: not run (--skip-hour)');
