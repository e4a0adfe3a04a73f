import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWav, wavToStreamAudio } from '@familiar/device-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FamiliarError } from '../../kernel/index.ts';
import type { TranscriptWord } from '../ports.ts';
import {
  createPocketsphinxTranscriber,
  isPocketsphinxAvailable,
  parsePocketsphinxOutput,
} from './pocketsphinx-transcriber.ts';
import { countWordErrors } from './word-error-rate.ts';

const LIBRIVOX = '/usr/share/pocketsphinx/test/data/librivox';

/** Real `pocketsphinx_continuous -time yes` output: two utterances separated by two seconds of silence. */
const TWO_UTTERANCES = `he was not an illness those young man
<s> 0.000 0.060 0.999500
<sil> 0.070 0.200 0.694306
he 0.210 0.320 0.998701
was(2) 0.330 0.540 0.999800
not 0.550 0.970 0.998701
[SPEECH] 0.980 1.100 0.535598
an(2) 1.110 1.290 0.472940
illness 1.300 1.680 0.834168
those 1.690 2.040 0.055875
young 2.050 2.320 0.050806
man 2.330 2.790 0.905008
</s> 2.800 3.090 1.000000
he might even have been made the amiable himself
<s> 4.880 4.970 0.999900
<sil> 4.980 5.200 0.802579
he 5.210 5.370 0.997303
might 5.380 5.620 0.995609
even 5.630 5.910 1.000000
have 5.920 6.060 0.373135
been 6.070 6.320 0.982847
made 6.330 6.640 0.980196
the 6.650 6.720 0.475311
amiable 6.730 7.260 0.542607
himself 7.270 8.000 0.836172
</s> 8.010 8.270 1.000000
`;

describe('parsePocketsphinxOutput', () => {
  it('returns one segment per utterance with fillers dropped, variants stripped and times in ms', () => {
    const segments = parsePocketsphinxOutput(TWO_UTTERANCES, 8280);
    expect(segments.map((segment) => segment.text)).toEqual([
      'he was not an illness those young man',
      'he might even have been made the amiable himself',
    ]);
    expect(segments[0]).toMatchObject({ startMs: 210, endMs: 2800 });
    expect(segments[0]!.words!.map((word) => word.word)).toEqual(
      'he was not an illness those young man'.split(' '),
    );
    expect(segments[0]!.words![1]).toEqual({ word: 'was', startMs: 330, endMs: 550, confidence: 0.9998 });
    expect(segments[1]).toMatchObject({ startMs: 5210, endMs: 8010 });
  });

  it('returns nothing for silence and clamps times to the audio', () => {
    expect(parsePocketsphinxOutput('\n<s> 0.000 0.740 1.000000\n</s> 0.750 0.900 1.000000\n', 900)).toEqual(
      [],
    );
    const [segment] = parsePocketsphinxOutput('yes\n<s> 0.000 0.100 1.0\nyes 0.110 0.500 0.9\n', 400);
    expect(segment).toEqual({
      text: 'yes',
      startMs: 110,
      endMs: 400,
      words: [{ word: 'yes', startMs: 110, endMs: 400, confidence: 0.9 }],
    });
  });
});

describe('pocketsphinx transcriber process handling (fake recogniser)', () => {
  let root: string;
  let temp: string;
  let models: { acousticModel: string; languageModel: string; dictionary: string };

  function fakeRecogniser(script: string): string {
    const path = join(root, 'fake-pocketsphinx');
    writeFileSync(path, `#!/bin/sh\n${script}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'familiar-pocketsphinx-test-'));
    temp = join(root, 'temp');
    mkdirSync(temp);
    mkdirSync(join(root, 'hmm'));
    writeFileSync(join(root, 'hmm', 'mdef'), '');
    writeFileSync(join(root, 'lm.bin'), '');
    writeFileSync(join(root, 'dict'), '');
    models = {
      acousticModel: join(root, 'hmm'),
      languageModel: join(root, 'lm.bin'),
      dictionary: join(root, 'dict'),
    };
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('passes a 16 kHz mono WAV and the model options, parses the output and removes its temporary files', async () => {
    const binaryPath = fakeRecogniser(
      `cp "$2" "${root}/received.wav"; echo "$@" > "${root}/args"; printf 'hello world\\n<s> 0.0 0.1 1\\nhello 0.110 0.400 0.9\\nworld(2) 0.410 0.800 0.8\\n</s> 0.81 0.9 1\\n'`,
    );
    const transcriber = createPocketsphinxTranscriber({ binaryPath, ...models, tempDirectory: temp });
    const samples = new Int16Array(16_000).map((_, i) => Math.round(8000 * Math.sin(i / 10)));
    const segments = await transcriber.transcribe(samples);
    expect(segments).toEqual([
      {
        text: 'hello world',
        startMs: 110,
        endMs: 810,
        words: [
          { word: 'hello', startMs: 110, endMs: 410, confidence: 0.9 },
          { word: 'world', startMs: 410, endMs: 810, confidence: 0.8 },
        ],
      },
    ]);
    const wav = parseWav(readFileSync(join(root, 'received.wav')));
    expect(wav).toMatchObject({ sampleRate: 16_000, channels: 1, bitsPerSample: 16, frames: 16_000 });
    const args = readFileSync(join(root, 'args'), 'utf8');
    expect(args).toContain('-time yes');
    expect(args).toContain(
      `-hmm ${models.acousticModel} -lm ${models.languageModel} -dict ${models.dictionary}`,
    );
    expect(readdirSync(temp)).toEqual([]);
    expect(transcriber).toMatchObject({ engine: 'pocketsphinx', model: 'en-us', lowAccuracy: true });
  });

  it('kills the recogniser when the caller aborts, and removes its temporary files', async () => {
    const pidFile = join(root, 'pid');
    const binaryPath = fakeRecogniser(`echo $$ > "${pidFile}"; exec sleep 30`);
    const transcriber = createPocketsphinxTranscriber({ binaryPath, ...models, tempDirectory: temp });
    const controller = new AbortController();
    const result = transcriber.transcribe(new Int16Array(1600), { signal: controller.signal });
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '')
      await new Promise((resolve) => setTimeout(resolve, 10));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    controller.abort();
    await expect(result).rejects.toMatchObject({ name: 'AbortError' });
    expect(() => process.kill(pid, 0)).toThrow();
    expect(readdirSync(temp)).toEqual([]);
  });

  it('stops a recogniser that takes too long with a retryable error', async () => {
    const binaryPath = fakeRecogniser('exec sleep 30');
    const transcriber = createPocketsphinxTranscriber({
      binaryPath,
      ...models,
      tempDirectory: temp,
      timeoutMs: 200,
    });
    const error = await transcriber.transcribe(new Int16Array(1600)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FamiliarError);
    expect(error).toMatchObject({
      code: 'internal',
      retryable: true,
      message: expect.stringContaining('200 ms'),
    });
    expect(readdirSync(temp)).toEqual([]);
  });

  it('says which Debian packages to install when the binary is missing', async () => {
    const transcriber = createPocketsphinxTranscriber({
      binaryPath: join(root, 'no-such-pocketsphinx'),
      ...models,
      tempDirectory: temp,
    });
    await expect(transcriber.transcribe(new Int16Array(1600))).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining('apt-get install pocketsphinx pocketsphinx-en-us'),
    });
    expect(readdirSync(temp)).toEqual([]);
    expect(isPocketsphinxAvailable({ binaryPath: join(root, 'no-such-pocketsphinx') })).toBe(false);
  });

  it('names a missing model file and reports the errors of a failing recogniser', async () => {
    const missing = createPocketsphinxTranscriber({ ...models, dictionary: join(root, 'nope.dict') });
    await expect(missing.transcribe(new Int16Array(1600))).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining(join(root, 'nope.dict')),
    });
    const binaryPath = fakeRecogniser(
      `log=$(echo "$@" | sed 's/.*-logfn //'); echo 'ERROR: "acmod.c", line 78: Folder does not contain mdef' > "$log"; exit 1`,
    );
    const failing = createPocketsphinxTranscriber({ binaryPath, ...models, tempDirectory: temp });
    await expect(failing.transcribe(new Int16Array(1600))).rejects.toMatchObject({
      code: 'internal',
      retryable: false,
      message: 'pocketsphinx exited with code 1: Folder does not contain mdef',
    });
    const early = createPocketsphinxTranscriber({
      binaryPath: fakeRecogniser(`echo 'ERROR: "cmd_ln.c", line 607: Unknown argument name' >&2; exit 1`),
      ...models,
      tempDirectory: temp,
    });
    await expect(early.transcribe(new Int16Array(1600))).rejects.toMatchObject({
      message: 'pocketsphinx exited with code 1: Unknown argument name',
    });
    expect(readdirSync(temp)).toEqual([]);
  });

  it('refuses a language its model does not have, and returns nothing for no audio', async () => {
    const transcriber = createPocketsphinxTranscriber({ binaryPath: fakeRecogniser('exit 1'), ...models });
    await expect(transcriber.transcribe(new Int16Array(1600), { language: 'de' })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    expect(await transcriber.transcribe(new Int16Array(0), { language: 'en-US' })).toEqual([]);
  });
});

const hasTestData = existsSync(join(LIBRIVOX, 'transcription'));
const engineReady = isPocketsphinxAvailable() && hasTestData;

describe.skipIf(!engineReady)(
  'pocketsphinx on LibriVox read speech (medium: needs Debian pocketsphinx, pocketsphinx-en-us, pocketsphinx-testdata)',
  () => {
    it('transcribes with word error rate at most 45 % and word times inside each clip, in order', async () => {
      const references = new Map<string, string>();
      for (const line of readFileSync(join(LIBRIVOX, 'transcription'), 'utf8').split('\n')) {
        const match = /^(.*)\(([^()]+)\)\s*$/.exec(line.trim());
        if (match) references.set(match[2]!, match[1]!.replace(/<\/?s>/g, ' ').trim());
      }
      expect(references.size).toBeGreaterThan(0);
      const transcriber = createPocketsphinxTranscriber();
      let errors = 0;
      let referenceWords = 0;
      let audioMs = 0;
      let busyMs = 0;
      for (const [fileId, reference] of references) {
        const { pcm, durationMs } = wavToStreamAudio(readFileSync(join(LIBRIVOX, `${fileId}.wav`)));
        const started = performance.now();
        const segments = await transcriber.transcribe(pcm);
        busyMs += performance.now() - started;
        audioMs += durationMs;
        const hypothesis = segments.map((segment) => segment.text).join(' ');
        const counts = countWordErrors(reference, hypothesis);
        errors += counts.errors;
        referenceWords += counts.referenceWords;
        const words: TranscriptWord[] = segments.flatMap((segment) => segment.words ?? []);
        expect(words.length).toBeGreaterThan(0);
        let previous: TranscriptWord | undefined;
        for (const word of words) {
          expect(word.startMs).toBeGreaterThanOrEqual(0);
          expect(word.endMs).toBeGreaterThan(word.startMs);
          expect(word.endMs).toBeLessThanOrEqual(durationMs);
          if (previous) expect(word.startMs).toBeGreaterThanOrEqual(previous.endMs);
          previous = word;
        }
      }
      const wer = errors / referenceWords;
      console.log(
        `pocketsphinx on ${references.size} LibriVox clips (${(audioMs / 1000).toFixed(1)} s): WER ${(wer * 100).toFixed(1)} % (${errors}/${referenceWords} words), RTF ${(busyMs / audioMs).toFixed(2)}`,
      );
      expect(wer).toBeLessThanOrEqual(0.45);
    }, 120_000);
  },
);
