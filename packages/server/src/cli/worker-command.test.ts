import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildProgram, run } from './main.ts';
import { WORKER_NEEDS_POSTGRES } from './worker-command.ts';

const home = mkdtempSync(join(tmpdir(), 'familiar-worker-cli-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** Runs `familiar …` in this process; returns the exit code and what went to stderr. */
async function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stderr: string }> {
  const written: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    return { code: await run(args, { env }), stderr: written.join('') };
  } finally {
    spy.mockRestore();
  }
}

describe('familiar worker', () => {
  it('refuses on SQLite, saying why and what runs the workers there', async () => {
    const result = await cli({ FAMILIAR_HOME: home }, 'worker');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(WORKER_NEEDS_POSTGRES);
  });

  it('refuses a lease shorter than a second or not a number, before it connects to the database', async () => {
    // Nothing listens on port 1: had it tried to connect, the error would name the connection instead.
    const env = { FAMILIAR_HOME: home, FAMILIAR_DATABASE_URL: 'postgres://familiar:x@127.0.0.1:1/none' };
    const short = await cli(env, 'worker', '--lease-ms', '10');
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('--lease-ms must be at least 1000 (1 s)');
    const words = await cli(env, 'worker', '--lease-ms', 'soon');
    expect(words.code).toBe(1);
    expect(words.stderr).toContain('--lease-ms must be a number of milliseconds');
  });

  it('is listed in the help with its lease option, and `start` documents running without workers', () => {
    const program = buildProgram({ env: { FAMILIAR_HOME: home } });
    expect(program.helpInformation()).toMatch(/worker\b.*job workers/);
    const worker = program.commands.find((command) => command.name() === 'worker')!;
    expect(worker.helpInformation()).toContain('--lease-ms <ms>');
    const start = program.commands.find((command) => command.name() === 'start')!;
    expect(start.helpInformation()).toContain('--no-workers');
    expect(start.helpInformation()).toContain('FAMILIAR_WORKERS=0');
  });
});
