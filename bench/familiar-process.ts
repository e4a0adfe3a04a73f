import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { z } from 'zod';

const CLI = fileURLToPath(new URL('../packages/server/bin/familiar.js', import.meta.url));
/** USER_HZ on Linux x86-64 and arm64. */
const CLOCK_TICKS_PER_SECOND = 100;
const LISTENING = /Familiar listening on (http:\/\/127\.0\.0\.1:\d+)/;

const liveChildren = new Set<ChildProcess>();
/** Process groups (CLI commands spawned detached, with their own children) to kill as a whole. */
const liveGroups = new Set<number>();
const tempDirectories = new Set<string>();

/** Last-resort cleanup when the bench dies or is interrupted: no server or temp dir outlives it. */
function cleanUpEverything(): void {
  // Whole process groups, so that what the servers and commands started (e.g. pocketsphinx) goes with them.
  for (const child of liveChildren) if (child.pid !== undefined) killGroup(child.pid);
  liveChildren.clear();
  for (const group of liveGroups) killGroup(group);
  liveGroups.clear();
  for (const directory of tempDirectories) rmSync(directory, { recursive: true, force: true });
  tempDirectories.clear();
}
process.once('exit', cleanUpEverything);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping the bench and cleaning up\n`);
    cleanUpEverything();
    process.exit(130);
  });
}

/** A fresh FAMILIAR_HOME under the system temp dir; removed by `removeTempHome` or when the bench exits. */
export function makeTempHome(): string {
  const directory = mkdtempSync(join(tmpdir(), 'familiar-bench-'));
  tempDirectories.add(directory);
  return directory;
}

/** Deletes a home made by `makeTempHome`. */
export function removeTempHome(directory: string): void {
  rmSync(directory, { recursive: true, force: true });
  tempDirectories.delete(directory);
}

function familiarEnv(home: string): NodeJS.ProcessEnv {
  // Temp files (e.g. pocketsphinx's) go under the home, so they go when it is removed.
  const temp = join(home, 'tmp');
  mkdirSync(temp, { recursive: true });
  return {
    ...process.env,
    TMPDIR: temp,
    FAMILIAR_HOME: home,
    FAMILIAR_HOST: '127.0.0.1',
    FAMILIAR_PORT: '0',
    FAMILIAR_LOG_LEVEL: 'warn',
  };
}

/** Runs one `familiar` CLI command against `home` and returns its stdout. */
export async function runCli(home: string, args: readonly string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, ...args], {
    env: familiarEnv(home),
    timeout: 60_000,
  });
  return stdout;
}

const DeviceAddSchema = z.object({ token: z.string().startsWith('fam_') });

/** Adds the user `bench` (UTC) and one device through the real CLI; returns the device token. */
export async function addUserAndDevice(home: string): Promise<string> {
  await runCli(home, ['user', 'add', 'bench', '--timezone', 'UTC']);
  const output = await runCli(home, ['device', 'add', '--name', 'bench', '--json']);
  return DeviceAddSchema.parse(JSON.parse(output)).token;
}

/** A `familiar start` child process listening on loopback. */
export interface ServerProcess {
  url: string;
  pid: number;
  /** CPU seconds (user + system) the server has used so far; null where /proc is unavailable. */
  cpuSeconds(): number | null;
  /** SIGTERM, then SIGKILL if it has not exited within 15 s. */
  stop(): Promise<void>;
}

/**
 * Spawns `familiar start` on a free loopback port and waits (at most 60 s) for its "listening" line.
 * `nodeArguments` go to the server's node (e.g. `--cpu-prof`).
 */
export async function startServerProcess(
  home: string,
  options: { nodeArguments?: readonly string[] } = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...(options.nodeArguments ?? []), CLI, 'start'], {
    env: familiarEnv(home),
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  liveChildren.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  exited.then(() => liveChildren.delete(child));
  let stderr = '';
  let started = false;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the server did not start within 60 s:\n${stderr}`)),
      60_000,
    );
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      // Server warnings and errors stay visible (on stderr); the bench's own table goes to stdout.
      if (started && /"level":(40|50|60)/.test(chunk)) process.stderr.write(`[server] ${chunk}`);
      if (started) return;
      stderr += chunk;
      const match = LISTENING.exec(stderr);
      if (match?.[1]) {
        started = true;
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (code ${code}) before listening:\n${stderr}`));
    });
  });
  return {
    url,
    pid: child.pid ?? -1,
    cpuSeconds() {
      try {
        // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised name) are utime and stime in clock ticks.
        const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
      } catch {
        return null;
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A `familiar` CLI command running as a child process (killed if the bench exits first). */
export interface CliProcess {
  pid: number;
  /** Resolves when it exits, with its exit code (null when killed by a signal) and output. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** SIGKILL, if it is still running. */
  kill(): void;
}

/**
 * Spawns one `familiar` CLI command against `home`, with no time limit: the caller bounds it (see `kill`). It runs
 * in a process group of its own, so killing it also ends what it started (e.g. `pocketsphinx_continuous`).
 */
export function spawnCli(home: string, args: readonly string[]): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: familiarEnv(home),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const group = child.pid;
  if (group !== undefined) liveGroups.add(group);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-16_384);
  });
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (group !== undefined) liveGroups.delete(group);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    pid: group ?? -1,
    done,
    kill() {
      if (group !== undefined && liveGroups.has(group)) killGroup(group);
    },
  };
}

function killGroup(group: number): void {
  try {
    process.kill(-group, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Memory of a process from `/proc/<pid>/status`, in bytes; null once it has exited (or without /proc). */
export function processMemory(pid: number): { rss: number; peakRss: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rss: kib('VmRSS') * 1024, peakRss: kib('VmHWM') * 1024 };
  } catch {
    return null;
  }
}

/** The resident memory of a process and all its descendants right now (bytes; 0 once it has exited). */
export function processTreeRss(pid: number): number {
  let total = processMemory(pid)?.rss ?? 0;
  let children: string[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    // exited, or no /proc
  }
  for (const child of children) total += processTreeRss(Number(child));
  return total;
}

/**
 * CPU seconds of a process from `/proc/<pid>/stat`: its own (user + system), and that of its children it has
 * waited for (e.g. the `pocketsphinx_continuous` runs); null once it has exited.
 */
export function processCpuSeconds(pid: number): { own: number; children: number } | null {
  try {
    // After the parenthesised name: fields 14-17 of stat are utime, stime, cutime, cstime in clock ticks.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return {
      own: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND,
      children: (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND,
    };
  } catch {
    return null;
  }
}

/** A keep-alive connection pool to the bench server with at most `sockets` connections. */
export function loopbackAgent(sockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: sockets });
}

/** GETs a path with a bearer token over loopback; resolves with the status and the body text (30 s limit). */
export function getJson(agent: Agent, url: string, token: string): Promise<{ status: number; text: string }> {
  return loopbackRequest(agent, url, token, 'GET', null);
}

/** POSTs a JSON body with a bearer token over loopback; resolves with the status and the body text (30 s limit). */
export function postJson(
  agent: Agent,
  url: string,
  token: string,
  body: string,
): Promise<{ status: number; text: string }> {
  return loopbackRequest(agent, url, token, 'POST', body);
}

function loopbackRequest(
  agent: Agent,
  url: string,
  token: string,
  method: 'GET' | 'POST',
  body: string | null,
): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  if (target.hostname !== '127.0.0.1')
    throw new Error(`the bench only talks to 127.0.0.1, not ${target.host}`);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      target,
      {
        method,
        agent,
        timeout: 30_000,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === null
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer from ${url} within 30 s`)));
    outgoing.on('error', reject);
    outgoing.end(body ?? undefined);
  });
}
