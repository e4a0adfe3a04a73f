import { describe, expect, it } from 'vitest';
import { databaseWithUsers } from '../../test/support/database.ts';
import { createSilentLogger, createUlidGenerator } from '../kernel/index.ts';
import { createSqliteEpisodeStore } from './episode-store.ts';
import type { FactExtractor } from './extraction/index.ts';
import { createSqliteFactStore } from './fact-store.ts';
import { createSqliteMemoryCursors } from './memory-cursors.ts';
import { createSqlitePeopleStore } from './people-store.ts';
import { createSqliteTimelineStore } from './sqlite-timeline-store.ts';
import type { NewObservation } from './types.ts';
import { createUnderstanding, type TimelineReviewer } from './understanding.ts';

const newId = createUlidGenerator();
const note = (text: string, capturedAt: number): NewObservation => ({
  id: newId(),
  deviceId: null,
  modality: 'note',
  capturedAt,
  receivedAt: capturedAt,
  text,
  captureId: null,
  provenance: null,
  trust: 'authored',
});

describe('the understanding pass', () => {
  it('passes over an observation the extractor fails on, and keeps going (no poison pill)', async () => {
    const db = databaseWithUsers('alice');
    const store = createSqliteTimelineStore(db);
    const facts = createSqliteFactStore(db);
    const extractor: FactExtractor = {
      name: 'picky',
      extract(text) {
        if (text.includes('poison')) throw new Error('cannot read this');
        return [
          {
            kind: 'thing',
            subject: 'self',
            predicate: 'noted',
            object: text,
            slot: null,
            statement: `You noted ${text}`,
            span: text,
            validFrom: null,
            validTo: null,
            confidence: 1,
          },
        ];
      },
    };
    const understanding = createUnderstanding({
      store,
      facts,
      episodes: createSqliteEpisodeStore(db),
      people: createSqlitePeopleStore(db),
      cursors: createSqliteMemoryCursors(db),
      extractor,
      indexer: null,
      clock: { now: () => 10_000_000 },
      newId,
      logger: createSilentLogger(),
    });
    await store.insertObservations('alice', [
      note('first', 1_000),
      note('poison', 2_000),
      note('third', 3_000),
    ]);
    const result = await understanding.catchUp({ id: 'alice', timezone: 'UTC' });
    expect(result).toMatchObject({ observations: 3, skipped: 1, facts: { created: 2 }, episodes: 1 });
    expect((await facts.list('alice')).map((fact) => fact.object).sort()).toEqual(['first', 'third']);
    expect((await understanding.catchUp({ id: 'alice', timezone: 'UTC' })).observations).toBe(0);
  });

  it('lets timers and requests run while it works through a backlog, not only after it', async () => {
    const { understanding, store } = setUp({ extractor: busyExtractor(2), sliceMs: 5 });
    await store.insertObservations(
      'alice',
      Array.from({ length: 60 }, (_, i) => note(`note ${i}`, 1_000 + i)),
    );
    let passDone = false;
    const firedDuringPass: boolean[] = [];
    const timer = setInterval(() => firedDuringPass.push(!passDone), 1);
    const result = await understanding.catchUp({ id: 'alice', timezone: 'UTC' });
    passDone = true;
    clearInterval(timer);
    expect(result.observations).toBe(60);
    // 60 observations at 2 ms each last about 120 ms: a timer due every millisecond ran many times meanwhile.
    expect(firedDuringPass.filter(Boolean).length).toBeGreaterThan(5);
  });

  it('follows at most maxObservations per pass, says so, and the next passes continue where it stopped', async () => {
    const { understanding, store, facts, cursors } = setUp({ extractor: echoExtractor });
    await store.insertObservations(
      'alice',
      Array.from({ length: 250 }, (_, i) => note(`item ${i}`, 1_000 + i * 1_000)),
    );
    const user = { id: 'alice', timezone: 'UTC' };
    const first = await understanding.catchUp(user, { maxObservations: 100 });
    expect(first).toMatchObject({ observations: 100, pending: true, facts: { created: 100 } });
    // Episodes never run ahead of facts (what is behind the facts stage the reviewers have read).
    expect(await cursors.get('alice', 'episodes')).toBeLessThanOrEqual(await cursors.get('alice', 'facts'));
    expect(await understanding.catchUp(user, { maxObservations: 100 })).toMatchObject({
      observations: 100,
      pending: true,
    });
    expect(await understanding.catchUp(user, { maxObservations: 100 })).toMatchObject({
      observations: 50,
      pending: false,
    });
    expect(await facts.list('alice', { limit: 1_000 })).toHaveLength(250);
    expect(await cursors.get('alice', 'episodes')).toBe(await cursors.get('alice', 'facts'));
    expect((await understanding.catchUp(user, { maxObservations: 100 })).observations).toBe(0);
  });

  it('a pass bounded exactly at the end of the timeline is not pending', async () => {
    const { understanding, store } = setUp({ extractor: echoExtractor });
    await store.insertObservations('alice', [note('one', 1_000), note('two', 2_000)]);
    expect(
      await understanding.catchUp({ id: 'alice', timezone: 'UTC' }, { maxObservations: 2 }),
    ).toMatchObject({ observations: 2, pending: false });
  });

  it('observations written while a pass runs are reviewed before any of them becomes a fact', async () => {
    const reviewed = new Set<string>();
    const extractedUnreviewed: string[] = [];
    let reviewCursor = 0;
    // A reviewer with its own cursor, as consent is; the extractor notes any text it sees before the reviewer did.
    const reviewer: TimelineReviewer = {
      async review(user) {
        for (const entry of await live.store.readSince(user.id, reviewCursor, 10_000)) {
          reviewed.add(entry.observation.text);
          reviewCursor = entry.seq;
        }
      },
    };
    const live = setUp({
      sliceMs: 0,
      reviewers: [reviewer],
      extractor: {
        name: 'checks-review',
        extract(text, context) {
          if (!reviewed.has(text)) extractedUnreviewed.push(text);
          return echoExtractor.extract(text, context);
        },
      },
    });
    await live.store.insertObservations(
      'alice',
      Array.from({ length: 150 }, (_, i) => note(`early ${i}`, 1_000 + i)),
    );
    // New observations arrive between the pass's slices, as a device's do.
    let written = 0;
    const writer = setInterval(() => {
      written += 1;
      void live.store.insertObservations('alice', [note(`late ${written}`, 500_000 + written)]);
    }, 0);
    const result = await live.understanding.catchUp({ id: 'alice', timezone: 'UTC' });
    clearInterval(writer);
    expect(written).toBeGreaterThan(0);
    expect(result.observations).toBeGreaterThanOrEqual(150);
    await live.understanding.catchUp({ id: 'alice', timezone: 'UTC' });
    expect(extractedUnreviewed).toEqual([]);
    const last = (await live.store.readSince('alice', 0, 10_000)).at(-1)?.seq;
    expect(await live.cursors.get('alice', 'facts')).toBe(last);
  });

  it('a caller who asks for everything is not handed the partial result of a bounded pass in flight', async () => {
    const { understanding, store, cursors } = setUp({ extractor: busyExtractor(1), sliceMs: 2 });
    await store.insertObservations(
      'alice',
      Array.from({ length: 120 }, (_, i) => note(`note ${i}`, 1_000 + i)),
    );
    const user = { id: 'alice', timezone: 'UTC' };
    const [bounded, everything] = await Promise.all([
      understanding.catchUp(user, { maxObservations: 20 }),
      understanding.catchUp(user),
    ]);
    expect(bounded).toMatchObject({ observations: 20, pending: true });
    expect(everything).toMatchObject({ observations: 100, pending: false });
    const last = (await store.readSince('alice', 0, 1_000)).at(-1)?.seq;
    expect(await cursors.get('alice', 'facts')).toBe(last);
    expect(await cursors.get('alice', 'episodes')).toBe(last);
  });

  it('after a forget, describes a shrunk episode again from what it keeps, and keeps the person’s own words', async () => {
    const described: Array<{ texts: string[]; timezone: string; userId: string }> = [];
    const { understanding, store, episodes } = setUp({
      extractor: echoExtractor,
      describer: {
        async describe(observations, options) {
          const texts = observations.map((item) => item.text);
          described.push({ texts, ...options });
          return { title: `About ${texts.join(' / ')}`, summary: `${texts.length} notes` };
        },
      },
      timezoneOf: async (userId) => (userId === 'alice' ? 'Europe/Lisbon' : null),
    });
    const deck = note("I'll send Sam the deck tomorrow", 1_000_000);
    const run = note('ran 5k this morning', 1_060_000);
    const lunch = note('lunch at the market', 1_120_000);
    const later = [note('reading about tides', 20_000_000), note('more about tides', 20_060_000)];
    await store.insertObservations('alice', [deck, run, lunch, ...later]);
    await understanding.catchUp({ id: 'alice', timezone: 'Europe/Lisbon' });
    const [morning, evening] = await episodes.list('alice');
    expect(morning).toMatchObject({ title: expect.stringContaining('deck'), observationCount: 3 });
    const edited = await episodes.update('alice', evening!.id, { title: 'Tides, by me' }, 30_000_000);
    described.length = 0;

    // Forgotten as a crash would leave it: the timeline forgot, memory did not follow yet.
    await store.forget('alice', { kind: 'ids', ids: [deck.id, later[0]!.id] });
    await understanding.afterForget('alice');

    expect(described).toEqual([
      { texts: [run.text, lunch.text], timezone: 'Europe/Lisbon', userId: 'alice' },
    ]);
    expect(await episodes.get('alice', morning!.id)).toMatchObject({
      title: `About ${run.text} / ${lunch.text}`,
      summary: '2 notes',
      observationCount: 2,
      startedAt: run.capturedAt,
      edited: false,
      updatedAt: 10_000_000,
    });
    expect(await episodes.get('alice', evening!.id)).toEqual({
      ...edited,
      observationCount: 1,
      startedAt: later[1]!.capturedAt,
    });
    await understanding.afterForget('alice');
    expect(described).toHaveLength(1);
  });

  it('a forget during a pass is followed after the pass: the episode it wrote does not keep the forgotten words', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let describing: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      describing = resolve;
    });
    const { understanding, store, episodes } = setUp({
      extractor: echoExtractor,
      describer: {
        async describe(observations) {
          const texts = observations.map((item) => item.text);
          if (texts.some((text) => text.includes('deck'))) {
            // The pass read the moment before it was forgotten, and writes after the forget.
            describing();
            await held;
          }
          return { title: `About ${texts.join(' / ')}`, summary: `${texts.length} notes` };
        },
      },
    });
    const deck = note("I'll send Sam the deck tomorrow", 1_000_000);
    await store.insertObservations('alice', [
      deck,
      note('ran 5k this morning', 1_060_000),
      note('lunch at the market', 1_120_000),
    ]);
    const pass = understanding.catchUp({ id: 'alice', timezone: 'UTC' });
    await started;
    await store.forget('alice', { kind: 'ids', ids: [deck.id] });
    const followed = understanding.afterForget('alice');
    release();
    await Promise.all([pass, followed]);
    const [episode] = await episodes.list('alice');
    expect(`${episode!.title} ${episode!.summary}`).not.toMatch(/deck|Sam/);
  });

  it('a describer that fails after a forget gives way to the extractive description of what is left', async () => {
    const { understanding, store, episodes } = setUp({
      extractor: echoExtractor,
      describer: {
        async describe(observations) {
          if (observations.length < 3) throw new Error('the model is away');
          return { title: 'Talk about the deck and the run', summary: 'You will send Sam the deck.' };
        },
      },
    });
    const deck = note("I'll send Sam the deck tomorrow", 1_000_000);
    await store.insertObservations('alice', [
      deck,
      note('ran 5k this morning', 1_060_000),
      note('lunch at the market', 1_120_000),
    ]);
    await understanding.catchUp({ id: 'alice', timezone: 'UTC' });
    const [morning] = await episodes.list('alice');
    expect(morning!.summary).toContain('deck');

    await store.forget('alice', { kind: 'ids', ids: [deck.id] });
    await understanding.afterForget('alice');
    const after = await episodes.get('alice', morning!.id);
    expect(after).toMatchObject({ observationCount: 2, edited: false });
    expect(`${after!.title} ${after!.summary}`).not.toMatch(/deck|Sam/);
    expect(after!.summary).toMatch(/ran 5k|market/);
  });
});

/** One fact per observation, its text as the object. */
const echoExtractor: FactExtractor = {
  name: 'echo',
  extract(text) {
    return [
      {
        kind: 'thing',
        subject: 'self',
        predicate: 'noted',
        object: text,
        slot: null,
        statement: `You noted ${text}`,
        span: text,
        validFrom: null,
        validTo: null,
        confidence: 1,
      },
    ];
  },
};

/** The echo extractor, spending `ms` of synchronous CPU per observation as the offline rules do. */
function busyExtractor(ms: number): FactExtractor {
  return {
    name: 'busy',
    extract(text, context) {
      const end = performance.now() + ms;
      while (performance.now() < end) {
        // parsing
      }
      return echoExtractor.extract(text, context);
    },
  };
}

function setUp(options: {
  extractor: FactExtractor;
  sliceMs?: number;
  reviewers?: readonly TimelineReviewer[];
  describer?: Parameters<typeof createUnderstanding>[0]['describer'];
  timezoneOf?: (userId: string) => Promise<string | null>;
}) {
  const db = databaseWithUsers('alice');
  const store = createSqliteTimelineStore(db);
  const facts = createSqliteFactStore(db);
  const cursors = createSqliteMemoryCursors(db);
  const episodes = createSqliteEpisodeStore(db);
  const understanding = createUnderstanding({
    store,
    facts,
    episodes,
    people: createSqlitePeopleStore(db),
    cursors,
    extractor: options.extractor,
    indexer: null,
    clock: { now: () => 10_000_000 },
    newId,
    logger: createSilentLogger(),
    ...(options.sliceMs === undefined ? {} : { sliceMs: options.sliceMs }),
    ...(options.reviewers ? { reviewers: options.reviewers } : {}),
    ...(options.describer ? { describer: options.describer } : {}),
    ...(options.timezoneOf ? { timezoneOf: options.timezoneOf } : {}),
  });
  return { db, store, facts, cursors, episodes, understanding };
}
