import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav } from '@familiar/device-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientObservation } from './support/observations.ts';
import { runCli, runCliJson, tempHome } from './support/processes.ts';

/** The `familiar` command end to end, as real processes on a real data directory. */
describe('familiar CLI', () => {
  it('prints help for every command and a clear error for bad usage', async () => {
    const home = tempHome();
    const help = await runCli(home, ['--help']);
    expect(help.code).toBe(0);
    for (const command of [
      'start',
      'user',
      'device',
      'status',
      'audit',
      'ingest',
      'ask',
      'export',
      'import',
      'forget',
    ]) {
      expect(help.stdout).toContain(command);
    }
    expect((await runCli(home, ['forget', '--help'])).stdout).toContain('--everything');
    const unknown = await runCli(home, ['fly']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'fly'");
    const noUser = await runCli(home, ['ask', 'anything']);
    expect(noUser.code).toBe(1);
    expect(noUser.stderr).toContain('familiar user add');
    const asJson = await runCli(home, ['--json', 'ask', 'anything']);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ error: { code: 'not_found' } });
  });

  it('manages users and devices, with tokens printed once and logs kept off stdout', async () => {
    const home = tempHome();
    const added = await runCliJson<{ name: string; timezone: string }>(home, [
      'user',
      'add',
      'ada',
      '--timezone',
      'Asia/Tokyo',
    ]);
    expect(added).toMatchObject({ name: 'ada', timezone: 'Asia/Tokyo' });
    expect((await runCli(home, ['user', 'add', 'bo', '--timezone', 'Not/AZone'])).stderr).toContain(
      'IANA time zone',
    );
    expect((await runCli(home, ['user', 'add', 'ada'])).code).toBe(1);
    const device = await runCliJson<{ token: string; device: { id: string } }>(home, [
      'device',
      'add',
      '--name',
      'glasses',
    ]);
    expect(device.token).toMatch(/^fam_/);
    await runCliJson(home, ['device', 'rename', 'glasses', 'ray-bans']);
    const listed = await runCliJson<Array<{ name: string; revokedAt: string | null }>>(home, [
      'device',
      'list',
    ]);
    expect(listed).toMatchObject([{ name: 'ray-bans', revokedAt: null }]);
    await runCliJson(home, ['device', 'revoke', device.device.id]);
    const after = await runCliJson<Array<{ revokedAt: string | null }>>(home, ['device', 'list']);
    expect(after[0]?.revokedAt).not.toBeNull();
    expect(JSON.stringify(await runCliJson(home, ['device', 'list']))).not.toContain(device.token);
    await runCliJson(home, ['user', 'add', 'bo', '--timezone', 'UTC']);
    const ambiguous = await runCli(home, ['device', 'add', '--name', 'phone']);
    expect(ambiguous.stderr).toContain('--user');
    const people = await runCliJson(home, ['people', 'add', 'Samantha', '--alias', 'Sam', '--user', 'ada']);
    expect(people).toMatchObject({ name: 'Samantha', aliases: ['Sam'] });
    await runCliJson(home, ['people', 'opt-out', 'sam', '--user', 'ada']);
    expect(await runCliJson(home, ['people', 'list', '--user', 'ada'])).toMatchObject([
      { name: 'Samantha', optedOut: true },
    ]);
  });

  describe('a timeline built with ingest', () => {
    const home = tempHome();
    const files = tempHome('familiar-files-');
    const sam = clientObservation('Sam said the deadline moved to Friday', {
      capturedAt: '2026-11-02T09:00:00Z',
    });
    const wine = clientObservation('we liked the Rioja from the corner shop', {
      modality: 'utterance',
      capturedAt: '2026-11-10T20:00:00Z',
    });
    let imagePath: string;
    let sameImagePath: string;

    beforeAll(async () => {
      await runCliJson(home, ['user', 'add', 'ada', '--timezone', 'UTC']);
      writeFileSync(join(files, 'day.jsonl'), `${JSON.stringify(sam)}\n\n${JSON.stringify(wine)}\n`);
      writeFileSync(
        join(files, 'keys.md'),
        '# Keys\n\nThe spare keys are in the blue bowl on the hall shelf.\n',
      );
      utimesSync(join(files, 'keys.md'), new Date('2026-11-12T08:00:00Z'), new Date('2026-11-12T08:00:00Z'));
      // Two recordings with the same samples: one blob, referenced by two captures.
      imagePath = join(files, 'hum.wav');
      sameImagePath = join(files, 'hum-copy.wav');
      writeFileSync(imagePath, encodeWav(new Int16Array(8000).fill(3), 16_000));
      writeFileSync(sameImagePath, encodeWav(new Int16Array(8000).fill(3), 16_000));
      utimesSync(sameImagePath, new Date('2026-11-13T08:00:00Z'), new Date('2026-11-13T08:00:00Z'));
    });

    it('ingests JSONL, notes and media, idempotently', async () => {
      const result = await runCliJson<{ observations: number; newObservations: number; captures: number }>(
        home,
        ['ingest', '--no-wait', join(files, 'day.jsonl'), join(files, 'keys.md'), imagePath, sameImagePath],
      );
      expect(result).toMatchObject({ observations: 3, newObservations: 3, captures: 2 });
      const again = await runCliJson<{ newObservations: number }>(home, [
        'ingest',
        join(files, 'day.jsonl'),
        join(files, 'keys.md'),
      ]);
      expect(again.newObservations).toBe(0);
      const human = await runCli(home, ['ingest', join(files, 'keys.md')]);
      expect(human.stdout).toContain('Ingested 1 file');
      const status = await runCliJson<{
        users: Array<{ observations: number; captures: number }>;
        backlog: unknown[];
      }>(home, ['status']);
      expect(status.users[0]).toMatchObject({ observations: 3, captures: 2 });
      expect(status.backlog).toEqual([{ type: 'perceive.audio', status: 'queued', count: 2 }]);
    });

    it('rejects a JSONL file with a bad line and stores nothing from it', async () => {
      const bad = join(files, 'bad.jsonl');
      writeFileSync(bad, `${JSON.stringify(clientObservation('fine'))}\n{"id": "x"}\nnot json\n`);
      const result = await runCli(home, ['ingest', bad]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('line 2');
      expect(result.stderr).toContain('line 3: not valid JSON');
      const conflicting = join(files, 'conflict.jsonl');
      writeFileSync(
        conflicting,
        `${JSON.stringify(clientObservation('fresh'))}\n${JSON.stringify({ ...sam, text: 'rewritten' })}\n`,
      );
      const conflict = await runCli(home, ['ingest', conflicting]);
      expect(conflict.code).toBe(1);
      expect(conflict.stderr).toContain('already exists with different content');
      const missing = await runCli(home, ['ingest', join(files, 'nope.txt')]);
      expect(missing.stderr).toContain('does not exist');
      const unknownKind = join(files, 'table.xlsx');
      writeFileSync(unknownKind, 'x');
      expect((await runCli(home, ['ingest', unknownKind])).stderr).toContain('does not know what to do');
      const status = await runCliJson<{ users: Array<{ observations: number }> }>(home, ['status']);
      expect(status.users[0]?.observations).toBe(3);
    });

    it('answers with citations, best first', async () => {
      const answer = await runCliJson<{ answer: string; citations: Array<{ id: string }>; model: null }>(
        home,
        ['ask', 'what did Sam say about the deadline?'],
      );
      expect(answer.model).toBeNull();
      expect(answer.citations[0]?.id).toBe(sam.id);
      const human = await runCli(home, ['ask', 'where', 'are', 'the', 'spare', 'keys?']);
      expect(human.stdout).toContain('blue bowl');
      expect(human.stdout).toContain('No language model is configured');
    });

    it('exports everything and imports it into a fresh home unchanged', async () => {
      const out = join(tempHome('familiar-export-'), 'export');
      const counts = await runCliJson(home, ['export', '--out', out]);
      expect(counts).toMatchObject({ observations: 3, captures: 2, blobs: 1, people: 0 });
      const fresh = tempHome();
      const imported = await runCliJson(fresh, ['import', out]);
      expect(imported).toMatchObject({ user: 'ada', observations: 3, inserted: 3, captures: 2 });
      const again = await runCliJson(fresh, ['import', out]);
      expect(again).toMatchObject({ inserted: 0 });
      const original = await runCli(home, ['export']);
      const copy = await runCli(fresh, ['export']);
      const normalise = (jsonl: string) =>
        jsonl
          .trim()
          .split('\n')
          .map((line) => {
            const { userId: _userId, ...rest } = JSON.parse(line);
            return rest;
          });
      expect(normalise(copy.stdout)).toEqual(normalise(original.stdout));
      expect(normalise(original.stdout)).toHaveLength(3);
      const secondOut = join(tempHome('familiar-export-'), 'export');
      await runCliJson(fresh, ['export', '--out', secondOut]);
      expect(readdirSync(join(secondOut, 'blobs'))).toEqual(readdirSync(join(out, 'blobs')));
      const capturesA = readFileSync(join(out, 'captures.jsonl'), 'utf8').replaceAll(/"userId":"[^"]+"/g, '');
      const capturesB = readFileSync(join(secondOut, 'captures.jsonl'), 'utf8').replaceAll(
        /"userId":"[^"]+"/g,
        '',
      );
      expect(capturesB).toBe(capturesA);
      const damaged = join(tempHome('familiar-export-'), 'damaged');
      await runCliJson(home, ['export', '--out', damaged]);
      writeFileSync(join(damaged, 'blobs', readdirSync(join(damaged, 'blobs'))[0]!), 'tampered');
      const refused = await runCli(tempHome(), ['import', damaged]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('does not match its hash; nothing was imported');
    });

    it('forgets by id and by time range, removing rows, index entries and unused media files', async () => {
      const captures = readFileSync(join(home, 'familiar.db')).length > 0;
      expect(captures).toBe(true);
      const blobsDir = join(home, 'blobs');
      const blobFiles = () =>
        readdirSync(blobsDir, { recursive: true }).filter((f) => String(f).match(/[0-9a-f]{64}$/));
      expect(blobFiles()).toHaveLength(1);
      const listed = await runCli(home, ['export']);
      const ids = listed.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).id as string);
      expect(ids).toContain(sam.id);
      const byId = await runCliJson(home, ['forget', '--id', sam.id]);
      expect(byId).toMatchObject({ observations: 1 });
      const answer = await runCliJson<{ citations: unknown[] }>(home, ['ask', 'Sam deadline Friday']);
      expect(answer.citations).toEqual([]);
      expect((await runCli(home, ['forget', '--id', sam.id])).code).toBe(1);

      const byRange = await runCliJson(home, ['forget', '--from', '2026-11-12', '--to', '2026-11-13T12:00']);
      expect(byRange).toMatchObject({ observations: 1, captures: 1, blobs: 0 });
      expect(blobFiles()).toHaveLength(1);
      const refused = await runCli(home, ['forget', '--everything']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('--yes');
      const everything = await runCliJson(home, ['forget', '--everything', '--yes']);
      expect(everything).toMatchObject({ observations: 1, captures: 1, blobs: 1 });
      expect(blobFiles()).toHaveLength(0);
      expect(existsSync(join(home, 'familiar.db'))).toBe(true);
      const audit = await runCliJson<Array<{ action: string }>>(home, ['audit']);
      const actions = audit.map((e) => e.action);
      expect(actions.filter((a) => a === 'memory.forget')).toHaveLength(3);
      expect(actions).toContain('data.export');
      expect(actions).toContain('ask');
    });
  });
});
