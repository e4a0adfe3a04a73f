import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';

/** The `familiar` command as installed by npm (runs TypeScript through tsx). */
export const FAMILIAR_BIN = resolve(import.meta.dirname, '../../bin/familiar.js');

const created: string[] = [];
// Registered when a test file imports this module, so each file removes the directories it made. Benchmarks import
// it too (outside Vitest, where there is no suite): they remove their homes themselves.
if (process.env.VITEST) {
  afterAll(() => {
    for (const directory of created.splice(0)) rmSync(directory, { recursive: true, force: true });
  });
}

/** A fresh, empty directory under the system's temp dir, removed after the test file has run. */
export function tempHome(prefix = 'familiar-test-'): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  created.push(directory);
  return directory;
}

/** Runs `familiar <args>` as a real process and collects its output and exit code. */
export function runCli(
  home: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [FAMILIAR_BIN, ...args],
      {
        env: { ...process.env, FAMILIAR_HOME: home, FAMILIAR_LOG_LEVEL: 'warn', ...options.env },
        timeout: options.timeoutMs ?? 30_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

/** Runs `familiar --json <args>`, expects success and parses stdout. */
export async function runCliJson<T = unknown>(home: string, args: readonly string[]): Promise<T> {
  const result = await runCli(home, ['--json', ...args]);
  if (result.code !== 0)
    throw new Error(`familiar ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** A `familiar start` child process. */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  stderr(): string;
  /** Waits for the process to exit and returns its exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `familiar start` on a free port and resolves once it prints its address (within `startMs`, 15 s by default). */
export function startServerProcess(
  home: string,
  env: NodeJS.ProcessEnv = {},
  options: { startMs?: number } = {},
): Promise<ServerProcess> {
  return startFamiliarProcess(
    ['start'],
    home,
    { FAMILIAR_PORT: '0', ...env },
    /listening on (http:\/\/\S+)/,
    options.startMs,
  ).then(({ match, ...started }) => ({ ...started, url: match[1]! }));
}

/** A `familiar worker` child process. */
export interface WorkerProcess {
  child: ChildProcess;
  stderr(): string;
  /** Waits for the process to exit and returns its exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `familiar worker <args>` (it needs FAMILIAR_DATABASE_URL in `env`) and resolves once it says it is running
 * (within `startMs`, 30 s by default). Its lease owner in the job queue is `worker:<child.pid>:<id>`.
 */
export function startWorkerProcess(
  home: string,
  env: NodeJS.ProcessEnv = {},
  options: { args?: readonly string[]; startMs?: number } = {},
): Promise<WorkerProcess> {
  return startFamiliarProcess(
    ['worker', ...(options.args ?? [])],
    home,
    env,
    /Familiar worker running/,
    options.startMs ?? 30_000,
  ).then(({ match: _match, ...started }) => started);
}

/** Spawns `familiar <args>` and resolves once its stderr matches `ready`; rejects if it exits or times out first. */
function startFamiliarProcess(
  args: readonly string[],
  home: string,
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  startMs = 15_000,
): Promise<WorkerProcess & { match: RegExpExecArray }> {
  const child = spawn(process.execPath, [FAMILIAR_BIN, ...args], {
    env: { ...process.env, FAMILIAR_HOME: home, FAMILIAR_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`familiar ${args[0]} did not start within ${startMs / 1000} s:\n${errors}`)),
      startMs,
    );
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      errors += chunk;
      const match = ready.exec(errors);
      if (match) {
        clearTimeout(timer);
        resolvePromise({ match, child, stderr: () => errors, exited });
      }
    });
    child.stdout.resume();
    exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`familiar ${args[0]} exited early (${code}):\n${errors}`));
    });
  });
}
