import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '@familiar/device-sdk';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { meanFeaturesModel, WESPEAKER_METADATA } from '../perception/speakers/mean-features-model.ts';
import { run } from './main.ts';
import type { Output } from './output.ts';

const RATE = 16_000;
const directory = mkdtempSync(join(tmpdir(), 'familiar-voice-cli-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function wavOfTone(name: string, frequency: number, seconds: number): string {
  const samples = new Int16Array(Math.round(seconds * RATE));
  for (let i = 0; i < samples.length; i += 1)
    samples[i] = Math.round(Math.sin((2 * Math.PI * frequency * i) / RATE) * 0.3 * 32767);
  const path = join(directory, name);
  writeFileSync(path, encodeWav(samples, RATE));
  return path;
}

const model = join(directory, 'mean-features.onnx');
writeFileSync(model, meanFeaturesModel(WESPEAKER_METADATA));
const mine = wavOfTone('mine.wav', 220, 4);
const anas = wavOfTone('ana.wav', 1500, 4);
const short = wavOfTone('short.wav', 220, 2);

/** Runs `familiar --json …` in this process; returns the exit code, the JSON result and what went to stderr. */
function cli(env: NodeJS.ProcessEnv) {
  return async (...args: string[]) => {
    let data: unknown = null;
    const notes: string[] = [];
    const output = (): Output => ({
      json: true,
      result: (value) => {
        data = value;
      },
      info: (message) => notes.push(message),
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
      return { code, data: data as never, notes, stderr: errors.join('') };
    } finally {
      stderr.mockRestore();
      stdout.mockRestore();
    }
  };
}

describe('familiar voice', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    home = mkdtempSync(join(directory, 'home-'));
    env = { FAMILIAR_HOME: home, FAMILIAR_ASR: 'off', FAMILIAR_LOG_LEVEL: 'silent' };
    expect((await cli(env)('user', 'add', 'ada', '--timezone', 'UTC')).code).toBe(0);
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('without a model: enrolment says to set FAMILIAR_SPEAKER_MODEL, and status says voices are never guessed', async () => {
    const familiar = cli(env);
    const enroll = await familiar('voice', 'enroll', mine);
    expect(enroll.code).toBe(1);
    expect(enroll.stderr).toContain('set FAMILIAR_SPEAKER_MODEL');
    const list = await familiar('voice', 'list');
    expect(list).toMatchObject({ code: 0, data: [] });
    expect(list.notes.join('\n')).toContain('no speaker-embedding model configured');
    const status = await familiar('status');
    expect(status.data).toMatchObject({
      perception: { speakers: expect.stringContaining('unknown for everyone') },
    });
  });

  it('enrols the wearer and a person, lists them, removes one, and audits each', async () => {
    const familiar = cli({ ...env, FAMILIAR_SPEAKER_MODEL: model });
    expect((await familiar('people', 'add', 'Ana')).code).toBe(0);
    const me = await familiar('voice', 'enroll', mine);
    expect(me).toMatchObject({
      code: 0,
      data: { label: 'wearer', personId: null, model: 'mean-features.onnx', dimension: 80, seconds: 4 },
    });
    const ana = await familiar('voice', 'enroll', anas, '--person', 'ana');
    expect(ana).toMatchObject({ code: 0, data: { label: 'Ana', personId: expect.any(String) } });

    const tooShort = await familiar('voice', 'enroll', short);
    expect(tooShort.code).toBe(1);
    expect(tooShort.stderr).toContain('enrolment needs at least 3 s');
    const nobody = await familiar('voice', 'enroll', mine, '--person', 'Zed');
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('familiar people add "Zed"');
    const notWav = join(directory, 'not.wav');
    writeFileSync(notWav, 'hello');
    expect((await familiar('voice', 'enroll', notWav)).stderr).toContain('not a WAV file');

    const list = await familiar('voice', 'list');
    expect(list.data).toEqual([
      expect.objectContaining({ label: 'wearer', model: 'mean-features.onnx', active: true }),
      expect.objectContaining({ label: 'Ana', active: true }),
    ]);
    expect(JSON.stringify(list.data)).not.toContain('vector');
    const status = await familiar('status');
    expect(status.data).toMatchObject({ perception: { speakers: 'mean-features.onnx, 2 voiceprints' } });

    const id = (me.data as { id: string }).id;
    expect(await familiar('voice', 'remove', id)).toMatchObject({ code: 0, data: { id, removed: true } });
    const again = await familiar('voice', 'remove', id);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`voiceprint ${id} was not found`);
    expect(((await familiar('voice', 'list')).data as unknown[]).length).toBe(1);

    const audit = await familiar('audit');
    const actions = (audit.data as Array<{ action: string }>).map((event) => event.action);
    expect(actions).toEqual(expect.arrayContaining(['voice.enroll', 'voice.list', 'voice.remove']));
    expect(actions.filter((action) => action === 'voice.enroll')).toHaveLength(2);
  });

  it('a model file that is not a speaker model: a clear error and a status line, never a crash', async () => {
    const broken = join(directory, 'broken.onnx');
    writeFileSync(broken, randomBytes(4096));
    const familiar = cli({ ...env, FAMILIAR_SPEAKER_MODEL: broken });
    const enroll = await familiar('voice', 'enroll', mine);
    expect(enroll.code).toBe(1);
    expect(enroll.stderr).toContain(`the speaker-embedding model ${broken} is not an ONNX model`);
    const status = await familiar('status');
    expect(status.data).toMatchObject({ perception: { speakers: expect.stringMatching(/^not usable: /) } });
  });
});
