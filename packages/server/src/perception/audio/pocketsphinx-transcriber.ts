import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import { encodeWav } from '@familiar/device-sdk';
import { FamiliarError } from '../../kernel/index.ts';
import {
  PERCEPTION_SAMPLE_RATE,
  type Transcriber,
  type TranscriptSegment,
  type TranscriptWord,
} from '../ports.ts';

/** Where Debian's `pocketsphinx-en-us` package puts the US English models. */
export const DEFAULT_POCKETSPHINX_MODEL_DIRECTORY = '/usr/share/pocketsphinx/model/en-us';
const DEFAULT_BINARY = 'pocketsphinx_continuous';
const INSTALL_HINT = 'install the Debian packages: apt-get install pocketsphinx pocketsphinx-en-us';
/** pocketsphinx's default frame rate (`-frate 100`): word end times name the last frame, 10 ms before the end. */
const FRAME_MS = 10;

/** Starts the recogniser process; tests pass a fake, the default is `node:child_process`'s `spawn`. */
export type SpawnRecogniser = (
  command: string,
  args: readonly string[],
  options: { stdio: ['ignore', 'pipe', 'pipe'] },
) => ChildProcessByStdio<null, Readable, Readable>;

export interface PocketsphinxTranscriberOptions {
  /** The `pocketsphinx_continuous` binary: a name looked up on PATH or a path. */
  binaryPath?: string;
  /** Folder with `en-us/` (acoustic model), `en-us.lm.bin` and `cmudict-en-us.dict`. */
  modelDirectory?: string;
  /** `-hmm`: the acoustic model folder (default `<modelDirectory>/en-us`). */
  acousticModel?: string;
  /** `-lm`: the language model (default `<modelDirectory>/en-us.lm.bin`). */
  languageModel?: string;
  /** `-dict`: the pronunciation dictionary (default `<modelDirectory>/cmudict-en-us.dict`). */
  dictionary?: string;
  /** Language of the models (ISO 639-1); a request for another language is refused. */
  language?: string;
  /** Limit for one segment; by default 10 s plus three times the audio's length. */
  timeoutMs?: number;
  /** Where the temporary WAV and log go (removed after every call). */
  tempDirectory?: string;
  spawn?: SpawnRecogniser;
}

interface ModelFiles {
  acousticModel: string;
  languageModel: string;
  dictionary: string;
}

function modelFiles(options: PocketsphinxTranscriberOptions): ModelFiles {
  const directory = options.modelDirectory ?? DEFAULT_POCKETSPHINX_MODEL_DIRECTORY;
  return {
    acousticModel: options.acousticModel ?? join(directory, 'en-us'),
    languageModel: options.languageModel ?? join(directory, 'en-us.lm.bin'),
    dictionary: options.dictionary ?? join(directory, 'cmudict-en-us.dict'),
  };
}

function findOnPath(binary: string, env: NodeJS.ProcessEnv): string | null {
  const candidates = binary.includes('/')
    ? [binary]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter((folder) => folder.length > 0)
        .map((folder) => join(folder, binary));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next folder
    }
  }
  return null;
}

/**
 * Whether pocketsphinx can run here: the binary on PATH and the models installed. Synchronous and cheap (a few
 * `stat`s, no process), for `familiar status`.
 */
export function isPocketsphinxAvailable(
  options: Pick<
    PocketsphinxTranscriberOptions,
    'binaryPath' | 'modelDirectory' | 'acousticModel' | 'languageModel' | 'dictionary'
  > & { env?: NodeJS.ProcessEnv } = {},
): boolean {
  if (!findOnPath(options.binaryPath ?? DEFAULT_BINARY, options.env ?? process.env)) return false;
  const files = modelFiles(options);
  return (
    existsSync(join(files.acousticModel, 'mdef')) &&
    existsSync(files.languageModel) &&
    existsSync(files.dictionary)
  );
}

async function checkModelFiles(files: ModelFiles): Promise<void> {
  const required: Array<[string, string]> = [
    [join(files.acousticModel, 'mdef'), 'acoustic model (-hmm)'],
    [files.languageModel, 'language model (-lm)'],
    [files.dictionary, 'dictionary (-dict)'],
  ];
  for (const [path, what] of required) {
    try {
      await access(path, constants.R_OK);
    } catch (cause) {
      throw new FamiliarError(
        'validation_failed',
        `the pocketsphinx ${what} ${path} is missing: ${INSTALL_HINT}`,
        {
          cause,
          details: { path },
        },
      );
    }
  }
}

/** One utterance as `pocketsphinx_continuous -time yes` prints it: a hypothesis line, then one line per word. */
interface RawUtterance {
  hypothesis: string | null;
  words: Array<{ token: string; start: number; end: number; confidence: number }>;
}

const WORD_LINE = /^(\S+) (-?\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)$/i;

function isFiller(token: string): boolean {
  return (
    token === '<s>' ||
    token === '</s>' ||
    token === '<sil>' ||
    /^\[.*\]$/.test(token) ||
    /^\+\+.*\+\+$/.test(token) ||
    /^<.*>$/.test(token)
  );
}

/**
 * Turns `pocketsphinx_continuous -time yes` output into transcript segments, one per utterance: fillers
 * (`<s>`, `<sil>`, `[NOISE]`, `++UM++`) dropped, pronunciation variants (`read(2)`) stripped, times in ms, word
 * ends moved to the end of their last 10 ms frame and clamped to the audio's length.
 */
export function parsePocketsphinxOutput(output: string, durationMs: number): TranscriptSegment[] {
  const utterances: RawUtterance[] = [];
  let current: RawUtterance | null = null;
  for (const rawLine of output.split(/\r?\n/)) {
    const line = rawLine.trim();
    const word = WORD_LINE.exec(line);
    if (word) {
      const token = word[1]!;
      if (!current || (token === '<s>' && current.words.length > 0)) {
        current = { hypothesis: null, words: [] };
        utterances.push(current);
      }
      current.words.push({
        token,
        start: Number(word[2]),
        end: Number(word[3]),
        confidence: Number(word[4]),
      });
    } else if (rawLine.length > 0 || current === null || current.words.length > 0) {
      // A hypothesis line (possibly empty: an utterance with nothing recognised) opens the next utterance.
      current = { hypothesis: line, words: [] };
      utterances.push(current);
    }
  }
  const clamp = (ms: number) => Math.max(0, Math.min(durationMs, Math.round(ms)));
  const segments: TranscriptSegment[] = [];
  for (const utterance of utterances) {
    const words: TranscriptWord[] = utterance.words
      .filter((entry) => !isFiller(entry.token))
      .map((entry) => {
        const startMs = clamp(entry.start * 1000);
        return {
          word: entry.token.replace(/\(\d+\)$/, ''),
          startMs,
          endMs: Math.max(startMs, clamp(entry.end * 1000 + FRAME_MS)),
          confidence: Math.max(0, Math.min(1, entry.confidence)),
        };
      });
    const text = (utterance.hypothesis || words.map((entry) => entry.word).join(' '))
      .replace(/\s+/g, ' ')
      .trim();
    if (text.length === 0) continue;
    const first = words[0];
    const last = words.at(-1);
    const bounds = utterance.words;
    const startMs = first?.startMs ?? clamp((bounds[0]?.start ?? 0) * 1000);
    const endMs = last?.endMs ?? clamp((bounds.at(-1)?.end ?? durationMs / 1000) * 1000 + FRAME_MS);
    segments.push({ text, startMs, endMs: Math.max(startMs, endMs), words });
  }
  return segments;
}

function primaryLanguage(language: string): string {
  return language.trim().toLowerCase().split(/[-_]/)[0] ?? '';
}

interface ProcessResult {
  stdout: string;
  /** The last few kilobytes of stderr (pocketsphinx writes there until `-logfn` takes over). */
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

function runProcess(
  spawnProcess: SpawnRecogniser,
  binary: string,
  args: readonly string[],
  limits: { timeoutMs: number; signal?: AbortSignal; onTimeout: () => Error },
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    let child: ChildProcessByStdio<null, Readable, Readable>;
    try {
      child = spawnProcess(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      reject(error);
      return;
    }
    const stdout: Buffer[] = [];
    let stderr = '';
    let stopReason: unknown = null;
    let startError: Error | null = null;
    let settled = false;
    const stop = (reason: unknown) => {
      if (stopReason !== null) return;
      stopReason = reason;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(limits.onTimeout()), limits.timeoutMs);
    const onAbort = () => stop(limits.signal?.reason ?? new Error('aborted'));
    limits.signal?.addEventListener('abort', onAbort, { once: true });
    if (limits.signal?.aborted) onAbort();
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      limits.signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-8192);
    });
    child.on('error', (error) => {
      startError = error;
      // A process that never started emits no 'close' on some Node versions.
      if (child.pid === undefined) finish(() => reject(error));
    });
    child.on('close', (code, signal) => {
      finish(() => {
        if (stopReason !== null) reject(stopReason);
        else if (startError) reject(startError);
        else resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr, code, signal });
      });
    });
  });
}

function errorLines(log: string): string[] {
  return log
    .split('\n')
    .filter((line) => /^(ERROR|FATAL)/.test(line))
    .map((line) => line.replace(/^(ERROR|FATAL): "[^"]*", line \d+: /, '').trim());
}

/** The last error lines pocketsphinx logged, from its log file or, before `-logfn` took effect, from stderr. */
async function recogniserErrors(logPath: string, stderr: string): Promise<string> {
  const log = await readFile(logPath, 'utf8').catch(() => '');
  const lines = [...errorLines(stderr), ...errorLines(log)];
  return lines.slice(-3).join('; ');
}

/**
 * Offline speech recognition with Debian 12's pocketsphinx 0.8 "5prealpha" (`pocketsphinx_continuous`), one
 * process per segment (≈ 1 s to load the models). Rough: ≈ 35-40 % word error rate on read speech, so it is
 * labelled low-accuracy. Cancelling (signal or timeout) kills the process; the temporary WAV is always removed.
 */
export function createPocketsphinxTranscriber(options: PocketsphinxTranscriberOptions = {}): Transcriber {
  const {
    binaryPath = DEFAULT_BINARY,
    language: modelLanguage = 'en',
    tempDirectory = tmpdir(),
    spawn: spawnProcess = spawn,
  } = options;
  const files = modelFiles(options);
  let modelsChecked = false;

  return {
    engine: 'pocketsphinx',
    model: 'en-us',
    version: '0.8+5prealpha',
    lowAccuracy: true,

    async transcribe(samples, { language, signal } = {}) {
      signal?.throwIfAborted();
      if (language !== undefined && primaryLanguage(language) !== primaryLanguage(modelLanguage))
        throw new FamiliarError(
          'validation_failed',
          `pocketsphinx has a ${modelLanguage} model only and cannot transcribe language "${language}"`,
          { details: { language } },
        );
      if (samples.length === 0) return [];
      if (!modelsChecked) {
        await checkModelFiles(files);
        modelsChecked = true;
      }
      const durationMs = (samples.length / PERCEPTION_SAMPLE_RATE) * 1000;
      const timeoutMs = options.timeoutMs ?? 10_000 + 3 * durationMs;
      const directory = await mkdtemp(join(tempDirectory, 'familiar-pocketsphinx-'));
      try {
        const wavPath = join(directory, 'segment.wav');
        const logPath = join(directory, 'pocketsphinx.log');
        await writeFile(wavPath, encodeWav(samples, PERCEPTION_SAMPLE_RATE));
        const args = [
          '-infile',
          wavPath,
          '-time',
          'yes',
          '-hmm',
          files.acousticModel,
          '-lm',
          files.languageModel,
          '-dict',
          files.dictionary,
          '-logfn',
          logPath,
        ];
        let result: ProcessResult;
        try {
          result = await runProcess(spawnProcess, binaryPath, args, {
            timeoutMs,
            ...(signal ? { signal } : {}),
            onTimeout: () =>
              new FamiliarError(
                'internal',
                `pocketsphinx took longer than ${Math.round(timeoutMs)} ms on ${(durationMs / 1000).toFixed(1)} s of audio and was stopped`,
                { retryable: true },
              ),
          });
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT' || code === 'EACCES')
            throw new FamiliarError(
              'validation_failed',
              `the speech recogniser ${binaryPath} was not found or cannot run: ${INSTALL_HINT}`,
              { cause: error, details: { binary: binaryPath } },
            );
          throw error;
        }
        if (result.code !== 0) {
          const problems = await recogniserErrors(logPath, result.stderr);
          const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.code}`;
          throw new FamiliarError('internal', `pocketsphinx ${how}${problems ? `: ${problems}` : ''}`, {
            retryable: result.signal !== null,
            details: { code: result.code, signal: result.signal },
          });
        }
        return parsePocketsphinxOutput(result.stdout, durationMs);
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
  };
}
