import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempHome } from '../../test/support/processes.ts';
import { type Familiar, openFamiliar } from '../app.ts';
import { loadConfig } from '../config.ts';
import { createSilentLogger, createUlidGenerator } from '../kernel/index.ts';

/** Thursday 26 November 2026, 06:00 in Lisbon (UTC+0 in winter). */
const GOAL_SET = Date.parse('2026-11-26T06:00:00Z');
const MORNING = Date.parse('2026-11-26T10:00:00Z');
const MINUTE = 60_000;

const newId = createUlidGenerator();

/** Export and import of the assistant's data, on real data directories (SQLite, the rules path). */
describe('archive: the assistant’s data', () => {
  const opened: Familiar[] = [];
  afterEach(async () => {
    for (const familiar of opened.splice(0)) await familiar.close();
  });

  function open(now: () => number) {
    const familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: tempHome() }), {
      logger: createSilentLogger(),
      clock: { now },
    });
    opened.push(familiar);
    return familiar;
  }

  async function exported() {
    let now = GOAL_SET;
    const familiar = open(() => now);
    const user = await familiar.accounts.addUser({ name: 'ada', timezone: 'Europe/Lisbon' });
    const actor = { userId: user.id, deviceId: null, label: 'test', timezone: user.timezone };
    await familiar.people.add({
      id: newId(),
      userId: user.id,
      name: 'Sam',
      aliases: [],
      optedOut: false,
      createdAt: GOAL_SET,
      updatedAt: GOAL_SET,
    });
    const { goal } = await familiar.assistant.addGoal(actor, { text: 'run a 10k' });
    now = MORNING + 10 * MINUTE;
    const say = async (text: string, at: number) => {
      const id = newId();
      await familiar.timeline.ingest(actor, [
        { id, modality: 'utterance', capturedAt: new Date(at).toISOString(), text },
      ]);
      return id;
    };
    const deck = await say("I'll send Sam the deck tomorrow", MORNING);
    const run = await say('ran 5k this morning', MORNING + MINUTE);
    await familiar.understanding.catchUp({ id: user.id, timezone: user.timezone });
    await familiar.assistant.catchUp({ id: user.id, timezone: user.timezone });
    const logged = await familiar.assistant.logProgress(actor, goal.id, { amount: 3, note: 'treadmill' });
    const reminder = await familiar.assistant.addReminder(actor, { title: 'water the plants', due: null });
    await familiar.assistant.updateSettings(actor, {
      maxPerDay: 3,
      quietHours: { start: '23:00', end: '06:30' },
    });
    const entries = (await familiar.assistant.getGoal(actor, goal.id)).entries;
    const items = await familiar.assistant.listInbox(actor, { statuses: 'all' });
    const dir = join(tempHome(), 'export');
    const counts = await familiar.archive.exportDirectory(user, dir);
    return { dir, counts, goal, entries, items, deck, run, logged, reminder };
  }

  it('round-trips goals with their progress and sources, inbox items and settings into a fresh home', async () => {
    const { dir, counts, goal, entries, items, deck, run, logged, reminder } = await exported();
    expect(entries).toHaveLength(2);
    expect(entries.find((entry) => entry.origin !== 'person')).toMatchObject({ amount: 5, sources: [run] });
    const commitment = items.find((item) => item.kind === 'commitment');
    expect(commitment?.sources).toEqual([deck]);
    expect(counts).toMatchObject({ goals: 1, progress: 2, inbox: items.length, settings: 1 });
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'familiar-export', version: 1 });

    const other = open(() => MORNING + 20 * MINUTE);
    const imported = await other.archive.importDirectory(dir);
    expect(imported).toMatchObject({ goals: 1, progress: 2, inbox: items.length, settings: 1 });
    const owner = (await other.accounts.listUsers())[0]!;
    const actor = { userId: owner.id, deviceId: null, label: 'test', timezone: owner.timezone };

    const restored = await other.assistant.getGoal(actor, goal.id);
    expect(restored.goal).toMatchObject({
      title: goal.title,
      target: goal.target,
      startedAt: goal.startedAt,
      createdAt: goal.createdAt,
    });
    const byId = new Map(restored.entries.map((entry) => [entry.id, entry]));
    for (const entry of entries)
      expect(byId.get(entry.id)).toMatchObject({
        amount: entry.amount,
        at: entry.at,
        status: entry.status,
        origin: entry.origin,
        sources: entry.sources,
      });
    expect(byId.get(logged.id)?.sources).toEqual([]);

    const restoredItems = await other.assistant.listInbox(actor, { statuses: 'all' });
    expect(restoredItems.map((item) => item.id).sort()).toEqual(items.map((item) => item.id).sort());
    const sam = await other.people.find(owner.id, 'Sam');
    expect(restoredItems.find((item) => item.id === commitment!.id)).toMatchObject({
      kind: 'commitment',
      title: commitment!.title,
      due: commitment!.due,
      dedupeKey: commitment!.dedupeKey,
      sources: [deck],
      personId: commitment!.personId === null ? null : sam!.id,
    });
    expect(restoredItems.find((item) => item.id === reminder.id)).toMatchObject({
      kind: 'reminder',
      dedupeKey: reminder.dedupeKey,
      sources: [],
    });
    expect(await other.assistant.settingsOf(owner.id)).toMatchObject({
      maxPerDay: 3,
      quietHours: { start: '23:00', end: '06:30' },
    });

    // The assistant does not make the restored commitment and progress again from the restored observations.
    await other.understanding.catchUp({ id: owner.id, timezone: owner.timezone });
    await other.assistant.catchUp({ id: owner.id, timezone: owner.timezone });
    const after = await other.assistant.listInbox(actor, { kinds: ['commitment'], statuses: 'all' });
    expect(after.map((item) => item.id)).toEqual([commitment!.id]);
    expect((await other.assistant.getGoal(actor, goal.id)).entries).toHaveLength(2);

    // Importing again changes nothing.
    expect(await other.archive.importDirectory(dir)).toMatchObject({
      inserted: 0,
      goals: 0,
      progress: 0,
      inbox: 0,
    });
    expect(await other.assistant.listInbox(actor, { statuses: 'all' })).toHaveLength(items.length);
  });

  it('imports an export made before the assistant existed (no goals, inbox or settings files)', async () => {
    const { dir, items } = await exported();
    for (const file of ['goals.jsonl', 'inbox.jsonl', 'settings.json']) rmSync(join(dir, file));
    const other = open(() => MORNING + 20 * MINUTE);
    const imported = await other.archive.importDirectory(dir);
    expect(imported).toMatchObject({ observations: 2, goals: 0, progress: 0, inbox: 0, settings: 0 });
    const owner = (await other.accounts.listUsers())[0]!;
    const actor = { userId: owner.id, deviceId: null, label: 'test', timezone: owner.timezone };
    expect(await other.assistant.listGoals(actor, 'all')).toEqual([]);
    // The assistant starts afresh: it reads the restored observations and finds the commitment again.
    await other.assistant.catchUp({ id: owner.id, timezone: owner.timezone });
    const commitments = await other.assistant.listInbox(actor, { kinds: ['commitment'] });
    expect(commitments).toHaveLength(items.filter((item) => item.kind === 'commitment').length);
  });

  it('refuses an archive whose assistant files are damaged, importing nothing', async () => {
    const { dir } = await exported();
    writeFileSync(join(dir, 'goals.jsonl'), '{"id":"x"}\n');
    const other = open(() => MORNING + 20 * MINUTE);
    await expect(other.archive.importDirectory(dir)).rejects.toMatchObject({ code: 'validation_failed' });
    expect(await other.accounts.listUsers()).toEqual([]);
  });
});
