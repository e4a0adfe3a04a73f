import { mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Block, Worker as EngineWorker } from 'tesseract.js';
import { z } from 'zod';
import { describeIssues, FamiliarError } from '../../kernel/index.ts';
import type { DecodedFrame, TextReader, TextReading } from '../ports.ts';

/** Settings of the tesseract.js text reader; every one has a default. */
export interface TesseractReaderOptions {
  /** Lines whose confidence (0–100) is below this are dropped; blur and natural scenes read as garbage below ≈ 50. */
  minConfidence?: number;
  /**
   * A folder where tesseract.js keeps the unpacked language data (5 MB) to start ≈ 60 ms faster. Off by default:
   * processes that share the folder can race on the file, and tesseract.js then fails to start.
   */
  cachePath?: string;
  /** Engine threads, each recognising one frame at a time, started as calls need them (≈ 150 MB of memory each). */
  workers?: number;
  /** A folder holding `eng.traineddata.gz`; the LSTM data of `@tesseract.js-data/eng` by default. */
  languageDataPath?: string;
}

/** A text reader that holds engine threads: `close` ends them, so that tests and shutdown do not hang. */
export interface TesseractTextReader extends TextReader {
  /** Ends the engine threads; calls in flight or waiting fail, and later calls are refused. */
  close(): Promise<void>;
}

const OptionsSchema = z.object({
  minConfidence: z.number().min(0).max(100).default(60),
  cachePath: z.string().min(1).optional(),
  workers: z.number().int().min(1).max(8).default(1),
  languageDataPath: z.string().min(1).optional(),
});

/** The longest side accepted; perception frames are at most 1280 px, and the engine's memory grows with the area. */
const MAX_SIDE = 8192;
const MIN_ALPHANUMERICS = 2;
const LANGUAGE = 'eng';
/** Frames carry no resolution; without one the engine guesses from the pixels and prints a warning per frame. */
const ASSUMED_DPI = '300';

const requireHere = createRequire(import.meta.url);

/** One engine thread: the tesseract.js worker, and a promise that rejects once its thread has gone. */
interface Engine {
  worker: EngineWorker;
  gone: Promise<never>;
  stop(): Promise<void>;
}

/** A call waiting for an idle engine. */
interface Waiter {
  resolve(engine: Engine): void;
  reject(reason: unknown): void;
}

/**
 * OCR with tesseract.js 7 (Tesseract 5 LSTM compiled to WebAssembly, in worker threads), English, fully offline:
 * the language data is read from the `@tesseract.js-data/eng` package and the engine from `tesseract.js-core`, never
 * downloaded. tesseract.js is imported and the engine started on the first call. Only lines that pass the confidence
 * gate and hold at least two letters or digits are kept, so blurred or textless frames read as ''. An aborted call
 * returns at once; its recognition still runs to its end, its result discarded.
 */
export function createTesseractReader(options: TesseractReaderOptions = {}): TesseractTextReader {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    const problems = describeIssues(parsed.error.issues);
    throw new FamiliarError(
      'validation_failed',
      `invalid tesseract.js reader options: ${problems.join('; ')}`,
      {
        details: problems,
      },
    );
  }
  const settings = parsed.data;

  const idle: Engine[] = [];
  const busy = new Set<Engine>();
  const waiters: Waiter[] = [];
  const starting = new Set<Promise<Engine>>();
  let startFailure: unknown = null;
  let closed = false;

  const closedError = () => new FamiliarError('internal', 'this tesseract.js reader is closed');

  const start = (): Promise<Engine> => {
    const engine = startEngine(settings);
    starting.add(engine);
    engine.then(
      (started) => {
        starting.delete(engine);
        if (closed) void started.stop();
      },
      (error: unknown) => {
        starting.delete(engine);
        // A start fails again for the same cause (data, install), and a failure inside tesseract.js leaves its
        // thread running where nothing can reach it: never start another.
        startFailure = error;
        if (idle.length + busy.size === 0) for (const waiter of waiters.splice(0)) waiter.reject(error);
      },
    );
    return engine;
  };

  const engineCount = () => idle.length + busy.size + starting.size;

  const acquire = (signal: AbortSignal | undefined): Promise<Engine> => {
    if (startFailure !== null) return Promise.reject(startFailure);
    const ready = idle.pop();
    if (ready) {
      busy.add(ready);
      return Promise.resolve(ready);
    }
    if (engineCount() < settings.workers) {
      return start().then((engine) => {
        if (closed) throw closedError();
        busy.add(engine);
        return engine;
      });
    }
    return new Promise<Engine>((resolve, reject) => {
      const onAbort = () => {
        const index = waiters.indexOf(waiter);
        if (index >= 0) waiters.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        resolve: (engine) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(engine);
        },
        reject: (reason) => {
          signal?.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  };

  const release = (engine: Engine, healthy: boolean) => {
    busy.delete(engine);
    if (closed) return;
    if (!healthy) {
      void engine.stop();
      const next = waiters.shift();
      if (!next) return;
      start().then((replacement) => {
        if (closed) return next.reject(closedError());
        busy.add(replacement);
        next.resolve(replacement);
      }, next.reject);
      return;
    }
    const next = waiters.shift();
    if (next) {
      busy.add(engine);
      next.resolve(engine);
    } else {
      idle.push(engine);
    }
  };

  const recognise = async (engine: Engine, image: Buffer): Promise<TextReading> => {
    const result = await Promise.race([
      engine.worker.recognize(image, {}, { text: false, blocks: true }),
      engine.gone,
    ]);
    return keepConfidentLines(result.data.blocks ?? [], settings.minConfidence);
  };

  return {
    name: `tesseract.js ${readTesseractVersion()} (${LANGUAGE}, LSTM)`,

    async read(frame, { signal } = {}) {
      if (closed) throw closedError();
      signal?.throwIfAborted();
      const image = encodePpm(frame);
      const engine = await acquire(signal);
      if (closed) throw closedError();
      if (signal?.aborted) {
        release(engine, true);
        throw signal.reason;
      }
      let healthy = true;
      const recognition = recognise(engine, image).catch((error: unknown) => {
        healthy = false;
        throw error;
      });
      const finished = recognition.then(
        () => release(engine, healthy),
        () => release(engine, healthy),
      );
      if (signal === undefined) {
        await finished;
        return recognition;
      }
      // An aborted call returns at once; the engine stays busy until its recognition ends.
      return new Promise<TextReading>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        finished.then(() => {
          signal.removeEventListener('abort', onAbort);
          recognition.then(resolve, reject);
        });
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const waiter of waiters.splice(0)) waiter.reject(closedError());
      const startingEngines = await Promise.allSettled([...starting]);
      const engines = [...idle.splice(0), ...busy];
      for (const result of startingEngines) if (result.status === 'fulfilled') engines.push(result.value);
      await Promise.all(engines.map((engine) => engine.stop()));
    },
  };
}

/**
 * The lines of a recognised page that pass the gate: confidence at least `minConfidence` and at least two letters
 * or digits, whitespace collapsed; the reading's confidence is their mean (0 when none).
 */
export function keepConfidentLines(blocks: Block[], minConfidence: number): TextReading {
  const lines: TextReading['lines'] = [];
  for (const block of blocks) {
    for (const paragraph of block.paragraphs) {
      for (const line of paragraph.lines) {
        const text = line.text.replace(/\s+/g, ' ').trim();
        if (line.confidence < minConfidence) continue;
        if ((text.match(/[\p{L}\p{N}]/gu)?.length ?? 0) < MIN_ALPHANUMERICS) continue;
        const { x0, y0, x1, y1 } = line.bbox;
        lines.push({
          text,
          confidence: Math.round(line.confidence * 10) / 10,
          box: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 },
        });
      }
    }
  }
  const confidence =
    lines.length === 0 ? 0 : lines.reduce((sum, line) => sum + line.confidence, 0) / lines.length;
  return {
    text: lines.map((line) => line.text).join('\n'),
    confidence: Math.round(confidence * 10) / 10,
    lines,
  };
}

/**
 * A frame as a binary PPM, which the engine reads without decoding work. The header is padded with a comment past
 * 500 bytes: tesseract.js looks for an EXIF orientation tag in an image's first 500 bytes, and pixels must not
 * be mistaken for one.
 */
function encodePpm(frame: DecodedFrame): Buffer {
  const { width, height, rgb } = frame;
  const validSide = (side: number) => Number.isInteger(side) && side > 0 && side <= MAX_SIDE;
  if (!validSide(width) || !validSide(height))
    throw new FamiliarError(
      'validation_failed',
      `a frame must be 1 to ${MAX_SIDE} pixels on each side, not ${width}×${height}`,
      { details: { width, height } },
    );
  if (rgb.length !== width * height * 3)
    throw new FamiliarError(
      'validation_failed',
      `a ${width}×${height} RGB frame needs ${width * height * 3} bytes, not ${rgb.length}`,
      { details: { width, height, bytes: rgb.length } },
    );
  const header = Buffer.from(`P6\n#${' '.repeat(500)}\n${width} ${height}\n255\n`, 'latin1');
  return Buffer.concat([header, rgb]);
}

/** Starts one engine thread, after checking its language data: a failed start would leave the thread running. */
async function startEngine(settings: z.infer<typeof OptionsSchema>): Promise<Engine> {
  const languageDataPath = settings.languageDataPath ?? bundledLanguageDataPath();
  await checkLanguageData(join(languageDataPath, `${LANGUAGE}.traineddata.gz`));
  if (settings.cachePath !== undefined) mkdirSync(settings.cachePath, { recursive: true });
  const tesseract = await importTesseract();

  let failStart: (reason: unknown) => void = () => {};
  const startFailed = new Promise<never>((_, reject) => {
    failStart = reject;
  });
  const starting = tesseract.createWorker(LANGUAGE, tesseract.OEM.LSTM_ONLY, {
    // A local folder (not a URL) makes tesseract.js read the file: it downloads only for URLs or no langPath.
    langPath: languageDataPath,
    gzip: true,
    cachePath: settings.cachePath ?? tmpdir(),
    cacheMethod: settings.cachePath === undefined ? 'none' : 'write',
    // Without a handler, tesseract.js throws each failure from a message listener: an uncaught exception.
    errorHandler: (error: unknown) => failStart(error),
  });
  let worker: EngineWorker;
  try {
    worker = await Promise.race([starting, startFailed]);
  } catch (cause) {
    throw new FamiliarError('internal', `tesseract.js could not start: ${describeCause(cause)}`, { cause });
  }
  const thread = (worker as EngineWorker & { worker?: EngineThread }).worker;
  let exited = false;
  let markGone: (reason: unknown) => void = () => {};
  const gone = new Promise<never>((_, reject) => {
    markGone = reject;
  });
  gone.catch(() => {});
  const exit = new Promise<void>((resolve) => {
    if (typeof thread?.once !== 'function') return resolve();
    thread.once('exit', () => {
      exited = true;
      markGone(new FamiliarError('internal', 'the tesseract.js engine thread ended', { retryable: true }));
      resolve();
    });
    thread.on('error', (error: unknown) => {
      markGone(new FamiliarError('internal', 'the tesseract.js engine thread failed', { cause: error }));
    });
  });
  try {
    await worker.setParameters({ user_defined_dpi: ASSUMED_DPI });
  } catch (cause) {
    await worker.terminate();
    throw new FamiliarError('internal', `tesseract.js could not be configured: ${describeCause(cause)}`, {
      cause,
    });
  }
  return {
    worker,
    gone,
    async stop() {
      if (!exited) await worker.terminate();
      await exit;
    },
  };
}

/** The parts of a Node.js worker thread used to notice that an engine has gone. */
interface EngineThread {
  once(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
}

async function importTesseract(): Promise<typeof import('tesseract.js')> {
  try {
    return (await import('tesseract.js')).default;
  } catch (cause) {
    throw new FamiliarError(
      'internal',
      'OCR needs tesseract.js: run `npm install tesseract.js@7 @tesseract.js-data/eng` in packages/server',
      { cause },
    );
  }
}

function bundledLanguageDataPath(): string {
  try {
    return join(dirname(requireHere.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');
  } catch (cause) {
    throw new FamiliarError(
      'internal',
      'OCR needs the English data of @tesseract.js-data/eng: run `npm install @tesseract.js-data/eng` in packages/server',
      { cause },
    );
  }
}

/** Fails unless the file is readable and gzip-compressed, as tesseract.js expects with `gzip: true`. */
async function checkLanguageData(file: string): Promise<void> {
  let magic: Uint8Array;
  try {
    const handle = await open(file, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
      magic = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (cause) {
    throw new FamiliarError('validation_failed', `the OCR language data ${file} cannot be read (missing?)`, {
      cause,
      details: { file },
    });
  }
  if (magic[0] !== 0x1f || magic[1] !== 0x8b)
    throw new FamiliarError('validation_failed', `the OCR language data ${file} is not gzip-compressed`, {
      details: { file },
    });
}

function readTesseractVersion(): string {
  try {
    const { version } = z
      .object({ version: z.string() })
      .parse(requireHere('tesseract.js/package.json') as unknown);
    return version;
  } catch {
    return '7';
  }
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
