import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Familiar, openFamiliar } from '../src/app.ts';
import { ASSISTANT_STAGE } from '../src/assistant/index.ts';
import { loadConfig } from '../src/config.ts';
import { createSilentLogger, createUlidGenerator } from '../src/kernel/index.ts';
import { openSqliteDatabase } from '../src/storage/index.ts';
import { tempHome } from './support/processes.ts';

/** Thursday 26 November 2026, 06:00 in Lisbon (UTC+0 in winter): the goal is set before the day's observations. */
const GOAL_SET = Date.parse('2026-11-26T06:00:00Z');
const MORNING = Date.parse('2026-11-26T10:00:00Z');
const MINUTE = 60_000;

const newId = createUlidGenerator();

/**
 * Forget semantics of the assistant, on a real data directory (SQLite, the rules path): what the assistant inferred
 * from observations goes when they are forgotten; what the person set stays; forget-everything empties it.
 */
describe('the assistant follows a forget', () => {
  const opened: Familiar[] = [];
  afterEach(async () => {
    for (const familiar of opened.splice(0)) await familiar.close();
  });

  async function setup() {
    let now = GOAL_SET;
    const home = tempHome();
    const familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: home }), {
      logger: createSilentLogger(),
      clock: { now: () => now },
    });
    opened.push(familiar);
    const user = await familiar.accounts.addUser({ name: 'ada', timezone: 'Europe/Lisbon' });
    const actor = { userId: user.id, deviceId: null, label: 'test', timezone: user.timezone };
    const goal = await familiar.assistant.addGoal(actor, { text: 'run a 10k' });
    now = MORNING + 10 * MINUTE;
    const say = async (text: string, at: number) => {
      const id = newId();
      await familiar.timeline.ingest(actor, [
        { id, modality: 'utterance', capturedAt: new Date(at).toISOString(), text },
      ]);
      return id;
    };
    const catchUp = async () => {
      await familiar.understanding.catchUp({ id: user.id, timezone: user.timezone });
      return familiar.assistant.catchUp({ id: user.id, timezone: user.timezone });
    };
    const cursor = () => {
      const db = openSqliteDatabase(join(home, 'familiar.db'));
      try {
        return db
          .prepare<[string, string], { last_seq: number }>(
            'SELECT last_seq FROM memory_cursors WHERE user_id = ? AND stage = ?',
          )
          .get(user.id, ASSISTANT_STAGE)?.last_seq;
      } finally {
        db.close();
      }
    };
    return { familiar, user, actor, goal: goal.goal, say, catchUp, cursor };
  }

  it('removes the commitment and the inferred progress made from forgotten observations, keeping reminders set by the person', async () => {
    const { familiar, actor, goal, say, catchUp } = await setup();
    const deck = await say("I'll send Sam the deck tomorrow", MORNING);
    const run = await say('ran 5k this morning', MORNING + MINUTE);
    const reminder = await familiar.assistant.addReminder(actor, {
      title: 'water the plants',
      due: MORNING + 8 * 60 * MINUTE,
    });
    await catchUp();

    const commitment = (await familiar.assistant.listInbox(actor, { kinds: ['commitment'] })).find((item) =>
      item.sources.includes(deck),
    );
    expect(commitment, 'an inbox commitment from the utterance').toBeDefined();
    expect(commitment!.dedupeKey).toMatch(/^commitment:/);
    const progress = (await familiar.assistant.getGoal(actor, goal.id)).entries;
    expect(progress).toMatchObject([{ amount: 5, status: 'inferred', sources: [run] }]);

    await familiar.timeline.forget(actor, { kind: 'ids', ids: [deck, run] });

    const open = await familiar.assistant.listInbox(actor, { statuses: 'all' });
    expect(open.find((item) => item.id === commitment!.id)).toBeUndefined();
    expect(open.map((item) => item.id)).toContain(reminder.id);
    expect((await familiar.assistant.getGoal(actor, goal.id)).entries).toEqual([]);
    // The goal itself is the person's: it stays.
    expect((await familiar.assistant.getGoal(actor, goal.id)).goal.id).toBe(goal.id);
  });

  it('keeps progress the person logged or confirmed when its observation is forgotten', async () => {
    const { familiar, actor, goal, say, catchUp } = await setup();
    const run = await say('ran 5k this morning', MORNING);
    await catchUp();
    const [inferred] = (await familiar.assistant.getGoal(actor, goal.id)).entries;
    expect(inferred).toBeDefined();
    await familiar.assistant.decideProgress(actor, inferred!.id, 'confirmed');
    await familiar.timeline.forget(actor, { kind: 'ids', ids: [run] });
    expect((await familiar.assistant.getGoal(actor, goal.id)).entries).toMatchObject([
      { id: inferred!.id, status: 'confirmed', sources: [] },
    ]);
  });

  it('forgetting everything removes goals, progress, the inbox and settings, and resets the assistant cursor', async () => {
    const { familiar, actor, say, catchUp, cursor } = await setup();
    await say("I'll send Sam the deck tomorrow", MORNING);
    await say('ran 5k this morning', MORNING + MINUTE);
    await familiar.assistant.addReminder(actor, { title: 'water the plants', due: null });
    await familiar.assistant.updateSettings(actor, { maxPerDay: 3, digestAt: null });
    await catchUp();
    expect(cursor()).toBeGreaterThan(0);

    await familiar.timeline.forget(actor, { kind: 'everything' });

    expect(await familiar.assistant.listGoals(actor, 'all')).toEqual([]);
    expect(await familiar.assistant.listInbox(actor, { statuses: 'all' })).toEqual([]);
    const settings = await familiar.assistant.settingsOf(actor.userId);
    expect(settings).toMatchObject({ maxPerDay: 20, digestAt: '20:00' });
    expect(cursor()).toBeUndefined();
  });
});
