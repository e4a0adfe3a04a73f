import type { ObservationDetails } from '@familiar/protocol';
import { describe, expect, it } from 'vitest';
import { databaseWithUsers } from '../../../test/support/database.ts';
import { createSilentLogger } from '../../kernel/index.ts';
import {
  createRuleFactExtractor,
  createSqliteEpisodeStore,
  createSqliteFactStore,
  createSqliteMemoryCursors,
  createSqlitePeopleStore,
  createSqliteTimelineStore,
  createUnderstanding,
  type NewObservation,
} from '../../memory/index.ts';
import { createSqliteGoalStore } from '../goals/index.ts';
import { createSqliteInboxStore, createSqliteSettingsStore } from '../inbox/index.ts';
import { createInMemoryNotificationStore, createNotifier } from '../notifications.ts';
import type { AssistantSettings, NewGoal } from '../types.ts';
import { createProactiveEngine, type ProgressDetector } from './engine.ts';

const TZ = 'Europe/London';
const user = { id: 'alice', timezone: TZ };
const utc = (iso: string) => Date.parse(iso);

/** A real SQLite home (in memory) with the understanding pass, the engine, a settable clock and a notifier. */
function setup(options: { settings?: Partial<AssistantSettings>; progress?: ProgressDetector } = {}) {
  const db = databaseWithUsers('alice');
  let now = utc('2026-03-02T09:00:00Z');
  let id = 0;
  const clock = { now: () => now };
  const newId = () => `id${String(++id).padStart(6, '0')}`;
  const store = createSqliteTimelineStore(db);
  const facts = createSqliteFactStore(db);
  const episodes = createSqliteEpisodeStore(db);
  const people = createSqlitePeopleStore(db);
  const cursors = createSqliteMemoryCursors(db);
  const goals = createSqliteGoalStore(db);
  const inbox = createSqliteInboxStore(db);
  const settings = createSqliteSettingsStore(db);
  const notifications = createInMemoryNotificationStore();
  const notifier = createNotifier({ store: notifications, clock, newId });
  const logger = createSilentLogger();
  const understanding = createUnderstanding({
    store,
    facts,
    episodes,
    people,
    cursors,
    extractor: createRuleFactExtractor(),
    indexer: null,
    clock,
    newId,
    logger,
  });
  const engine = createProactiveEngine({
    store,
    facts,
    people,
    episodes,
    goals,
    inbox,
    settings,
    defaults: {
      quietHours: { start: '22:00', end: '07:00' },
      digestAt: null,
      maxPerHour: 10,
      maxPerDay: 50,
      ...options.settings,
    },
    cursors,
    notifier,
    ...(options.progress ? { progress: options.progress } : {}),
    clock,
    newId,
    logger,
  });
  let observationId = 0;
  /** Stores an observation as the person's own words (a typed note) unless told otherwise. */
  async function say(
    text: string,
    at: string,
    extra: {
      modality?: NewObservation['modality'];
      details?: ObservationDetails;
      trust?: 'authored' | 'perceived';
    } = {},
  ) {
    const capturedAt = utc(at);
    await store.insertObservations('alice', [
      {
        id: `01JOBS${String(++observationId).padStart(20, '0')}`,
        deviceId: null,
        modality: extra.modality ?? 'note',
        capturedAt,
        receivedAt: capturedAt,
        text,
        captureId: null,
        provenance: null,
        trust: extra.trust ?? 'authored',
        details: extra.details ?? null,
      },
    ]);
  }
  return {
    db,
    engine,
    understanding,
    store,
    facts,
    people,
    goals,
    inbox,
    settings,
    cursors,
    notifications,
    say,
    /** The understanding pass, then the engine, as the server runs them. */
    async catchUp() {
      await understanding.catchUp(user);
      return engine.observe(user);
    },
    at(iso: string) {
      now = utc(iso);
    },
    pushed: async () => (await notifications.list('alice', 100)).reverse(),
  };
}

const goal = (
  overrides: Partial<NewGoal> & Pick<NewGoal, 'id' | 'title' | 'activity' | 'target'>,
): NewGoal => ({
  text: overrides.title,
  about: [],
  deadline: null,
  plan: [],
  status: 'active',
  startedAt: utc('2026-02-01T00:00:00Z'),
  createdAt: utc('2026-02-01T00:00:00Z'),
  updatedAt: utc('2026-02-01T00:00:00Z'),
  ...overrides,
});

describe('the proactive engine', () => {
  it('turns a commitment into an inbox item whose reminder fires at its due time, once', async () => {
    const home = setup();
    await home.say("I'll send Sam the deck tomorrow", '2026-03-02T10:00:00Z');
    home.at('2026-03-02T10:05:00Z');
    expect(await home.catchUp()).toMatchObject({ observations: 1, commitments: 1 });
    const [item] = await home.inbox.list('alice', { kinds: ['commitment'] });
    expect(item).toMatchObject({ kind: 'commitment', status: 'pending', notifiedAt: null });
    expect(item!.due).not.toBeNull();
    expect(item!.sources).toHaveLength(1);

    home.at(new Date(item!.due! - 60_000).toISOString());
    expect(await home.engine.tick(user)).toMatchObject({ pushed: 0 });
    home.at(new Date(item!.due!).toISOString());
    expect(await home.engine.tick(user)).toMatchObject({ pushed: 1, deferred: 0 });
    const [push] = await home.pushed();
    expect(push!.title).toBe(item!.title);
    expect(push!.body).toContain(item!.reason);
    expect((await home.inbox.get('alice', item!.id))!.notifiedAt).toBe(item!.due);
    expect(await home.engine.tick(user)).toMatchObject({ pushed: 0 });
    expect(await home.pushed()).toHaveLength(1);
  });

  it('holds pushes in quiet hours and sends them at 07:00 local', async () => {
    const home = setup({ settings: { reminderLeadMinutes: 0 } });
    home.at('2026-03-02T12:00:00Z');
    await home.inbox.add(
      'alice',
      {
        id: 'late',
        kind: 'reminder',
        title: 'Put the bins out',
        body: '',
        due: utc('2026-03-02T23:00:00Z'),
        reason: 'You asked: "remind me to put the bins out at 11pm"',
        status: 'pending',
        snoozedUntil: null,
        factId: null,
        goalId: null,
        personId: null,
        dedupeKey: 'reminder:late',
        createdAt: utc('2026-03-02T12:00:00Z'),
      },
      [],
    );
    home.at('2026-03-02T23:00:00Z');
    expect(await home.engine.tick(user)).toEqual({ pushed: 0, deferred: 1, created: 0 });
    home.at('2026-03-03T06:59:00Z');
    expect(await home.engine.tick(user)).toMatchObject({ pushed: 0, deferred: 1 });
    expect(await home.pushed()).toHaveLength(0);
    home.at('2026-03-03T07:00:00Z');
    expect(await home.engine.tick(user)).toMatchObject({ pushed: 1, deferred: 0 });
    expect((await home.inbox.get('alice', 'late'))!.notifiedAt).toBe(utc('2026-03-03T07:00:00Z'));
  });

  it('keeps to the hourly limit and to "not now", pushing the rest on later ticks', async () => {
    const home = setup({ settings: { maxPerHour: 2, quietHours: null } });
    home.at('2026-03-02T08:00:00Z');
    for (const n of [1, 2, 3]) {
      await home.inbox.add(
        'alice',
        {
          id: `r${n}`,
          kind: 'reminder',
          title: `Reminder ${n}`,
          body: '',
          due: utc('2026-03-02T09:00:00Z') + n,
          reason: `You asked for reminder ${n}`,
          status: 'pending',
          snoozedUntil: null,
          factId: null,
          goalId: null,
          personId: null,
          dedupeKey: `reminder:${n}`,
          createdAt: utc('2026-03-02T08:00:00Z'),
        },
        [],
      );
    }
    home.at('2026-03-02T09:00:00Z');
    await home.settings.set(
      'alice',
      { notNowUntil: utc('2026-03-02T09:30:00Z') },
      utc('2026-03-02T09:00:00Z'),
    );
    expect(await home.engine.tick(user)).toMatchObject({ pushed: 0, deferred: 0 });
    home.at('2026-03-02T09:10:00Z');
    expect(await home.engine.tick(user)).toMatchObject({ pushed: 0, deferred: 3 });
    home.at('2026-03-02T09:30:00Z');
    expect(await home.engine.tick(user)).toMatchObject({ pushed: 2, deferred: 1 });
    home.at('2026-03-02T10:00:00Z');
    expect(await home.engine.tick(user)).toMatchObject({ pushed: 0, deferred: 1 });
    home.at('2026-03-02T10:30:00Z');
    expect(await home.engine.tick(user)).toMatchObject({ pushed: 1, deferred: 0 });
    expect((await home.pushed()).map((push) => push.title)).toEqual([
      'Reminder 1',
      'Reminder 2',
      'Reminder 3',
    ]);
  });

  it("nudges a week before an anniversary heard on day 1, and before a friend's birthday, once each", async () => {
    const home = setup({ settings: { dateLeadDays: 7 } });
    await home.people.add({
      id: 'jo',
      userId: 'alice',
      name: 'Jo',
      aliases: [],
      optedOut: false,
      importantDates: [{ label: 'birthday', date: '--03-20' }],
      createdAt: 0,
      updatedAt: 0,
    });
    await home.say('our wedding anniversary is March 14', '2026-03-02T19:00:00Z');
    home.at('2026-03-02T19:05:00Z');
    await home.catchUp();
    home.at('2026-03-06T12:00:00Z');
    expect(await home.engine.tick(user)).toMatchObject({ created: 0, pushed: 0 });
    home.at('2026-03-07T12:00:00Z');
    expect(await home.engine.tick(user)).toMatchObject({ created: 1, pushed: 1 });
    const anniversary = await home.inbox.getByDedupeKey('alice', 'date:self:wedding_anniversary:2026-03-14');
    expect(anniversary).toMatchObject({
      kind: 'nudge',
      title: 'Your wedding anniversary is on Sat 14 Mar (in 7 days)',
      due: utc('2026-03-14T00:00:00Z'),
    });
    expect(anniversary!.reason).toContain('7 days');
    home.at('2026-03-08T12:00:00Z');
    expect(await home.engine.tick(user)).toMatchObject({ created: 0, pushed: 0 });
    home.at('2026-03-13T09:00:00Z');
    expect(await home.engine.tick(user)).toMatchObject({ created: 1, pushed: 1 });
    expect(await home.inbox.getByDedupeKey('alice', 'date:jo:birthday:2026-03-20')).toMatchObject({
      title: "Jo's birthday is on Fri 20 Mar (in 7 days)",
      personId: 'jo',
    });
    expect((await home.pushed()).map((push) => push.title)).toEqual([
      'Your wedding anniversary is on Sat 14 Mar (in 7 days)',
      "Jo's birthday is on Fri 20 Mar (in 7 days)",
    ]);
  });

  it('nudges about a goal behind pace once per local week', async () => {
    const home = setup();
    await home.goals.add(
      'alice',
      goal({
        id: 'g100',
        title: 'Run 100 km by April',
        activity: 'run',
        target: { amount: 100, unit: 'km', counting: 'sum', period: null },
        deadline: utc('2026-04-30T22:59:59Z'),
      }),
    );
    home.at('2026-03-03T12:00:00Z'); // a Tuesday
    expect(await home.engine.tick(user)).toMatchObject({ created: 1, pushed: 1 });
    const [nudge] = await home.inbox.list('alice', { kinds: ['nudge'] });
    expect(nudge).toMatchObject({ goalId: 'g100', dedupeKey: 'behind:g100:2026-03-02' });
    expect(nudge!.reason).toMatch(/^behind pace: /);
    home.at('2026-03-08T12:00:00Z'); // Sunday, same week
    expect(await home.engine.tick(user)).toMatchObject({ created: 0 });
    home.at('2026-03-09T12:00:00Z'); // the next Monday
    expect(await home.engine.tick(user)).toMatchObject({ created: 1 });
    expect(await home.inbox.getByDedupeKey('alice', 'behind:g100:2026-03-09')).not.toBeNull();
  });

  it('records running progress with links to the utterances, and infers a completion later in the same batch', async () => {
    const home = setup();
    await home.goals.add(
      'alice',
      goal({
        id: 'g10k',
        title: 'Run a 10k',
        activity: 'run',
        target: { amount: 10, unit: 'km', counting: 'max', period: null },
      }),
    );
    await home.say("I'll send Sam the deck tomorrow", '2026-03-02T10:00:00Z');
    await home.say('ran 5k this morning', '2026-03-02T11:00:00Z');
    await home.say('sent the deck to Sam', '2026-03-03T09:00:00Z');
    home.at('2026-03-03T09:05:00Z');
    const result = await home.catchUp();
    expect(result).toMatchObject({ observations: 3, progress: 1, commitments: 1, completed: 1 });
    const [entry] = await home.goals.listProgress('alice', 'g10k');
    expect(entry).toMatchObject({ amount: 5, status: 'inferred', origin: 'rules' });
    expect(entry!.sources).toHaveLength(1);
    const [done] = await home.inbox.list('alice', { kinds: ['commitment'], statuses: ['done'] });
    expect(done).toMatchObject({ status: 'done', completedAt: utc('2026-03-03T09:00:00Z') });
    expect(done!.body).toContain('Done, inferred from');
  });

  it('follows the timeline no further than the facts cursor, and repeating a batch adds nothing twice', async () => {
    const home = setup();
    await home.goals.add(
      'alice',
      goal({
        id: 'g10k',
        title: 'Run a 10k',
        activity: 'run',
        target: { amount: 10, unit: 'km', counting: 'max', period: null },
      }),
    );
    await home.say("I'll send Sam the deck tomorrow", '2026-03-02T10:00:00Z');
    await home.say('ran 6k along the river', '2026-03-02T11:00:00Z');
    await home.understanding.catchUp(user);
    await home.say('remind me to buy milk', '2026-03-02T12:00:00Z');
    // The understanding pass has not read the third observation: the engine stops before it.
    expect(await home.engine.observe(user)).toMatchObject({ observations: 2, commitments: 1, progress: 1 });
    expect(await home.cursors.get('alice', 'assistant')).toBe(await home.cursors.get('alice', 'facts'));
    expect(await home.engine.observe(user)).toMatchObject({ observations: 0 });
    await home.understanding.catchUp(user);
    expect(await home.engine.observe(user)).toMatchObject({ observations: 1, commitments: 1 });

    // A crash before the cursor moved: the same observations are read again, and nothing is added twice.
    await home.cursors.set('alice', 'assistant', 0, 0);
    expect(await home.engine.observe(user)).toMatchObject({ observations: 3, commitments: 0, progress: 0 });
    expect(await home.inbox.list('alice', { kinds: ['commitment', 'reminder'] })).toHaveLength(2);
    expect(await home.goals.listProgress('alice', 'g10k')).toHaveLength(1);
  });

  it('nudges when a person with an open promise is seen, and when a place serves an open errand, once a day', async () => {
    const home = setup();
    await home.people.add({
      id: 'sam',
      userId: 'alice',
      name: 'Sam',
      aliases: [],
      optedOut: false,
      createdAt: 0,
      updatedAt: 0,
    });
    await home.say("I'll send Sam the deck on Friday", '2026-03-02T10:00:00Z');
    await home.say('remind me to buy milk', '2026-03-02T10:01:00Z');
    home.at('2026-03-02T10:05:00Z');
    expect(await home.catchUp()).toMatchObject({ commitments: 2, nudges: 0 });
    await home.say('', '2026-03-02T17:30:00Z', {
      modality: 'frame',
      trust: 'perceived',
      details: { seen: { objects: ['person'], faces: 1, people: ['Sam'] } },
    });
    await home.say("Sainsbury's supermarket, Holloway Road", '2026-03-02T17:00:00Z', {
      modality: 'location',
      trust: 'perceived',
    });
    await home.say('Sam said hello again', '2026-03-02T18:00:00Z');
    home.at('2026-03-02T18:05:00Z');
    expect(await home.catchUp()).toMatchObject({ nudges: 2 });
    const nudges = await home.inbox.list('alice', { kinds: ['nudge'] });
    const person = nudges.find((item) => item.dedupeKey.startsWith('person:'));
    const place = nudges.find((item) => item.dedupeKey.startsWith('place:'));
    expect(person).toMatchObject({ personId: 'sam' });
    expect(person!.title).toMatch(/^You promised Sam: /);
    expect(person!.reason).toContain('Sam was seen');
    expect(place!.title).toMatch(/^Near a shop: .*milk/i);
    expect(await home.engine.tick(user)).toMatchObject({ pushed: 2 });

    // The next day Sam is heard again: a new nudge, but pushed only while it is still timely (3 hours).
    await home.say('morning!', '2026-03-03T10:00:00Z', {
      modality: 'utterance',
      trust: 'perceived',
      details: { speaker: { label: 'Sam', personId: 'sam' } },
    });
    home.at('2026-03-03T10:05:00Z');
    expect(await home.catchUp()).toMatchObject({ nudges: 1 });
    home.at('2026-03-03T13:30:00Z');
    expect(await home.engine.tick(user)).toMatchObject({ pushed: 0, deferred: 0 });
    expect(await home.inbox.list('alice', { kinds: ['nudge'] })).toHaveLength(3);
  });

  it('builds the daily digest at digestAt once a day, and says what happened, progress, open loops and tomorrow', async () => {
    const home = setup({ settings: { digestAt: '21:00' } });
    await home.people.add({
      id: 'jo',
      userId: 'alice',
      name: 'Jo',
      aliases: [],
      optedOut: false,
      importantDates: [{ label: 'birthday', date: '1990-03-03' }],
      createdAt: 0,
      updatedAt: 0,
    });
    await home.goals.add(
      'alice',
      goal({
        id: 'g10k',
        title: 'Run a 10k',
        activity: 'run',
        target: { amount: 10, unit: 'km', counting: 'max', period: null },
      }),
    );
    await home.say('ran 5k this morning', '2026-03-02T08:00:00Z');
    await home.say("I'll send Sam the deck tomorrow", '2026-03-02T10:00:00Z');
    await home.say('Somebody will call you back', '2026-03-02T10:30:00Z', {
      modality: 'utterance',
      trust: 'perceived',
      details: { speaker: { label: 'unknown', personId: null } },
    });
    await home.say('Office, 12 King Street', '2026-03-02T14:00:00Z', {
      modality: 'location',
      trust: 'perceived',
    });
    await home.say('lunch was good', '2026-03-01T12:00:00Z');
    home.at('2026-03-02T20:00:00Z');
    await home.catchUp();
    await home.engine.tick(user); // Jo's birthday is within a week: that nudge, but no digest before 21:00.
    expect(await home.inbox.getByDedupeKey('alice', 'digest:2026-03-02')).toBeNull();
    home.at('2026-03-02T21:00:00Z');
    expect(await home.engine.tick(user)).toMatchObject({ created: 1, pushed: 1 });
    const digestItem = await home.inbox.getByDedupeKey('alice', 'digest:2026-03-02');
    expect(digestItem).toMatchObject({ kind: 'digest', notifiedAt: utc('2026-03-02T21:00:00Z') });
    expect(await home.engine.tick(user)).toMatchObject({ created: 0 });

    const digest = await home.engine.digest(user, '2026-03-02');
    expect(digest.counts).toMatchObject({ note: 2, utterance: 1, location: 1, frame: 0 });
    expect(digest.happened.length).toBeGreaterThan(0);
    expect(digest.happened.map((episode) => episode.startedAt)).toEqual(
      [...digest.happened.map((episode) => episode.startedAt)].sort((a, b) => a - b),
    );
    expect(digest.progress).toHaveLength(1);
    expect(digest.progress[0]!.current).toBe(5);
    expect(digest.openLoops.map((item) => item.title).join(' ')).toMatch(/deck/i);
    expect(digest.tomorrow.map((entry) => entry.label)).toEqual(
      expect.arrayContaining(["Jo's birthday", expect.stringMatching(/^Due \d\d:\d\d: .*deck/i)]),
    );
    expect(digest.text).toContain('Your day, Mon 2 Mar');
    expect(digest.text).toContain('Observations: 4');
    expect(digest.text).toContain('Run a 10k');
    expect(digestItem!.body).toBe(digest.text);
    const empty = await home.engine.digest(user, '2026-02-20');
    expect(empty.text).toContain('What happened: no episodes recorded');
    expect(empty.counts.note).toBe(0);
  });

  it('takes progress from the model detector when one is configured, and the rules when it fails', async () => {
    let calls = 0;
    const home = setup({
      progress: {
        async detect(text, context) {
          calls += 1;
          if (text.includes('fail')) throw new Error('model down');
          return [
            {
              activity: 'run',
              amount: 8,
              unit: 'km',
              at: context.capturedAt,
              evidence: text,
              confidence: 0.9,
              about: [],
            },
          ];
        },
      },
    });
    await home.goals.add(
      'alice',
      goal({
        id: 'g10k',
        title: 'Run a 10k',
        activity: 'run',
        target: { amount: 10, unit: 'km', counting: 'max', period: null },
      }),
    );
    await home.say('did my long one along the canal', '2026-03-02T08:00:00Z');
    await home.say('ran 3k, fail', '2026-03-02T09:00:00Z');
    home.at('2026-03-02T10:00:00Z');
    expect(await home.catchUp()).toMatchObject({ progress: 2 });
    expect(calls).toBe(2);
    const entries = await home.goals.listProgress('alice', 'g10k');
    expect(entries.map((entry) => [entry.amount, entry.origin]).sort()).toEqual([
      [3, 'rules'],
      [8, 'model'],
    ]);
  });
});
