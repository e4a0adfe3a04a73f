import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from './main.ts';
import type { Output } from './output.ts';

/** Runs `familiar --json …` in this process; returns the exit code, the JSON result and what went to stderr. */
async function familiar(env: NodeJS.ProcessEnv, ...args: string[]) {
  let data: unknown = null;
  const output = (): Output => ({
    json: true,
    result: (value) => {
      data = value;
    },
    info: () => {},
    write: () => {},
  });
  const errors: string[] = [];
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
    errors.push(String(text));
    return true;
  });
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const code = await run(['--json', ...args], { env, output });
    // biome-ignore lint/suspicious/noExplicitAny: results are asserted field by field, as a script would read them
    return { code, data: data as any, stderr: errors.join('') };
  } finally {
    stderr.mockRestore();
    stdout.mockRestore();
  }
}

/** A home with a closed cloud model and an open local one, and the given models.openOnly. */
function homeWith(openOnly: boolean): string {
  const home = mkdtempSync(join(tmpdir(), 'familiar-models-cli-'));
  writeFileSync(
    join(home, 'familiar.config.json'),
    JSON.stringify({
      models: {
        openOnly,
        providers: [
          { id: 'openai', type: 'openai', apiKeyEnv: 'OPENAI_API_KEY', models: [{ name: 'gpt-4o-mini' }] },
          {
            id: 'ollama',
            type: 'openai-compatible',
            baseUrl: 'http://127.0.0.1:11434/v1',
            models: [{ name: 'qwen3:8b', catalogId: 'qwen/qwen3-8b' }],
          },
        ],
      },
    }),
  );
  return home;
}

describe('familiar models open-only', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    home = homeWith(false);
    env = { FAMILIAR_HOME: home, FAMILIAR_ASR: 'off', FAMILIAR_LOG_LEVEL: 'silent' };
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it("turns a user's switch on and off, routes that user's calls by it, and audits each change", async () => {
    expect((await familiar(env, 'user', 'add', 'ada', '--timezone', 'UTC')).code).toBe(0);
    expect((await familiar(env, 'user', 'add', 'bo', '--timezone', 'UTC')).code).toBe(0);
    const before = await familiar(env, 'models', 'open-only', 'status', '--user', 'ada');
    expect(before.data).toMatchObject({ openOnly: false, lockedByConfig: false });
    expect(
      before.data.models.map((model: { id: string; openWeights: boolean }) => model.openWeights),
    ).toEqual([false, true]);

    const on = await familiar(env, 'models', 'open-only', 'on', '--user', 'ada');
    expect(on).toMatchObject({ code: 0, data: { openOnly: true, changed: true } });
    const again = await familiar(env, 'models', 'open-only', 'on', '--user', 'ada');
    expect(again.data).toMatchObject({ openOnly: true, changed: false });

    const route = ['models', 'route', '--task', 'ask', '--sensitivity', 'personal'];
    const forAda = await familiar(env, ...route, '--user', 'ada');
    expect(forAda.data.candidates).toEqual([
      {
        id: 'openai:gpt-4o-mini',
        rejected:
          'has no open weights (catalog entry openai/gpt-4o-mini), and your "Open models only" setting is on',
      },
      { id: 'ollama:qwen3:8b', rejected: null },
    ]);
    const forBo = await familiar(env, ...route, '--user', 'bo');
    expect(forBo.data.candidates.every((c: { rejected: unknown }) => c.rejected === null)).toBe(true);
    const forEveryone = await familiar(env, ...route);
    expect(forEveryone.data.candidates.every((c: { rejected: unknown }) => c.rejected === null)).toBe(true);

    expect((await familiar(env, 'models', 'open-only', 'off', '--user', 'ada')).data).toMatchObject({
      openOnly: false,
      changed: true,
    });
    const audit = await familiar(env, 'audit', '--user', 'ada', '--action', 'models.');
    expect(
      audit.data.map((event: { actor: string; action: string; details: unknown }) => [
        event.actor,
        event.action,
        event.details,
      ]),
    ).toEqual([
      ['cli', 'models.open-only', { openOnly: false, previous: true }],
      ['cli', 'models.open-only', { openOnly: true, previous: false }],
    ]);
    expect((await familiar(env, 'audit', '--user', 'bo', '--action', 'models.')).data).toEqual([]);
  });

  it('refuses to turn it off while models.openOnly holds it on, and changes nothing', async () => {
    rmSync(home, { recursive: true, force: true });
    home = homeWith(true);
    env = { ...env, FAMILIAR_HOME: home };
    expect((await familiar(env, 'user', 'add', 'ada', '--timezone', 'UTC')).code).toBe(0);
    const off = await familiar(env, 'models', 'open-only', 'off');
    expect(off.code).not.toBe(0);
    expect(off.stderr).toContain('models.openOnly in familiar.config.json');
    expect((await familiar(env, 'models', 'open-only', 'status')).data).toMatchObject({
      openOnly: true,
      lockedByConfig: true,
    });
    expect((await familiar(env, 'audit', '--action', 'models.')).data).toEqual([]);
  });
});
