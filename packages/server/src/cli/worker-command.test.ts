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

  it('is listed in the help, and `start` documents running without workers', () => {
    const program = buildProgram({ env: { FAMILIAR_HOME: home } });
    expect(program.helpInformation()).toMatch(/worker\b.*job workers/);
    const start = program.commands.find((command) => command.name() === 'start')!;
    expect(start.helpInformation()).toContain('--no-workers');
    expect(start.helpInformation()).toContain('FAMILIAR_WORKERS=0');
  });
});
