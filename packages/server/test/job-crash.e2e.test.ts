import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFamiliar } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createSilentLogger } from '../src/kernel/index.ts';
import { tempHome } from './support/processes.ts';

const WORKER = resolve(import.meta.dirname, 'fixtures/crash-prone-worker.ts');

function runWorker(home: string, env: Record<string, string>, until: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, FAMILIAR_HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const reached = new Promise<void>((done, fail) => {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes(until)) done();
    });
    child.once('exit', (code) =>
      output.includes(until)
        ? done()
        : fail(new Error(`worker exited (${code}) before "${until}": ${output}`)),
    );
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return { child, reached, exited };
}

describe('job queue across a crash (real processes, real SQLite)', () => {
  it('retries a job whose worker was killed mid-run and stores its result once', async () => {
    const home = tempHome();
    const setup = openFamiliar(loadConfig({ FAMILIAR_HOME: home }), { logger: createSilentLogger() });
    const user = await setup.accounts.addUser({ name: 'ada', timezone: 'UTC' });
    const job = await setup.jobs.enqueue({
      type: 'note.derive',
      userId: user.id,
      payload: { text: 'water the plants' },
    });
    await setup.close();

    const doomed = runWorker(home, { PAUSE_MS: '60000', LEASE_MS: '1000' }, 'effect-done');
    await doomed.reached;
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    // The dead worker's lease (1 s) must run out before another worker may take the job over.
    await new Promise((resolve) => setTimeout(resolve, 1100));

    const survivor = runWorker(
      home,
      { PAUSE_MS: '0', LEASE_MS: '1000', EXIT_WHEN_DRAINED: '1' },
      'worker-drained',
    );
    await survivor.reached;
    await survivor.exited;

    const check = openFamiliar(loadConfig({ FAMILIAR_HOME: home }), { logger: createSilentLogger() });
    const finished = await check.jobs.get(job.id);
    expect(finished).toMatchObject({ status: 'succeeded', attempts: 2, result: { length: 16 } });
    const page = await check.timeline.list({ userId: user.id, deviceId: null, label: 'test' }, { limit: 10 });
    expect(page.observations.map((o) => o.text)).toEqual(['WATER THE PLANTS']);
    await check.close();
  });
});
