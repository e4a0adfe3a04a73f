/**
 * The proactive engine's costs, straight against the code (no server): (a) the per-observation triggers
 * (`evaluateObservation`: goal progress, completions, people and places) over ~100,000 generated everyday observations
 * with a few active goals, open items and known people, per call, against the ≤ 1 ms target; and `observe()` end to
 * end (SQLite reads and writes included) over a smaller timeline that the understanding pass has read first; (b) the
 * daily digest for a user with a year of observations (2,000 a day, 730,000 in all) in a real SQLite file, against
 * the ≤ 2 s target. The year is generated once with direct prepared inserts in one transaction and cached in the temp
 * dir. Run: `npm run bench:assistant [-- --observations 100000] [--observe 20000] [--days 365] [--rebuild]`.
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Modality, ObservationDetails } from '@familiar/protocol';
import { monotonicFactory } from 'ulidx';
import { createSqliteGoalStore } from '../packages/server/src/assistant/goals/index.ts';
import {
  createInMemorySettingsStore,
  createSqliteInboxStore,
} from '../packages/server/src/assistant/inbox/index.ts';
import {
  createInMemoryNotificationStore,
  createNotifier,
} from '../packages/server/src/assistant/notifications.ts';
import {
  buildDigest,
  createProactiveEngine,
  evaluateObservation,
  indexPeople,
  type ObservationContext,
} from '../packages/server/src/assistant/proactive/index.ts';
import type { Goal, InboxItem, NewInboxItem } from '../packages/server/src/assistant/types.ts';
import {
  addDays,
  createSilentLogger,
  createUlidGenerator,
  startOfDay,
  zonedTimeToEpoch,
} from '../packages/server/src/kernel/index.ts';
import {
  createRuleFactExtractor,
  createSqliteEpisodeStore,
  createSqliteFactStore,
  createSqliteMemoryCursors,
  createSqlitePeopleStore,
  createSqliteTimelineStore,
  createUnderstanding,
  type NewObservation,
  observationContentHash,
  type Person,
  type SequencedObservation,
  type StoredObservation,
} from '../packages/server/src/memory/index.ts';
import { openSqliteDatabase, type SqliteDatabase } from '../packages/server/src/storage/index.ts';
import { formatNumber, markdownTable, seededRandom, summarise } from './stats.ts';

const TARGET_TRIGGER_MS = 1;
const TARGET_DIGEST_MS = 2_000;
/** Bump when the generator changes, so a cached year of the old text is not reused. */
const DATA_VERSION = 1;
const USER = 'bench';
const TIMEZONE = 'Europe/London';
const YEAR_START = { year: 2025, month: 1, day: 1 };
const PER_DAY = 2_000;

const { values: options } = parseArgs({
  options: {
    observations: { type: 'string', default: '100000' },
    observe: { type: 'string', default: '20000' },
    days: { type: 'string', default: '365' },
    trials: { type: 'string', default: '10' },
    rebuild: { type: 'boolean', default: false },
  },
});
const TRIGGER_COUNT = Number(options.observations);
const OBSERVE_COUNT = Number(options.observe);
const DAYS = Number(options.days);
const TRIALS = Number(options.trials);

const log = (line: string) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------------------------
// A day's worth of everyday text: mostly chatter, some activity, commitments, completions, people and places.
// ---------------------------------------------------------------------------------------------------------------

const PEOPLE = [
  'Sam',
  'Jo',
  'Priya',
  'Tom',
  'Alex',
  'Maria',
  'Chen',
  'Lena',
  'Omar',
  'Kate',
  'Ben',
  'Ana',
  'Yusuf',
  'Ines',
  'Marco',
  'Hana',
  'Leo',
  'Nora',
  'Raj',
  'Eva',
];
const CHATTER_WORDS = (
  'the a we it that this and so then well yeah really think maybe meeting lunch coffee train bus weather rain sunny ' +
  'project deadline report slides budget client email call later tomorrow today morning evening weekend kids school ' +
  'dinner pasta kitchen garden shopping list football match film series book podcast music concert ticket holiday ' +
  'flight hotel beach mountain walk park dog cat vet doctor dentist appointment office desk laptop screen update ' +
  'release bug fix review plan idea question answer problem great fine busy tired happy late early quick long'
).split(' ');
const ACTIVITIES = [
  'ran 5k this morning before work',
  'did a 7 km run along the river',
  'read 30 pages of my book on the train',
  'finished reading another book last night',
  'called mum after dinner',
  'went for a 40 minute swim',
  'wrote 500 words of the novel',
];
const COMMITMENTS = [
  "I'll send Sam the deck tomorrow",
  'remind me to buy milk',
  "I'll call Priya on Friday",
  'I need to post the parcel to Jo',
  "I'll book the dentist next week",
];
const COMPLETIONS = ['sent the deck to Sam', 'bought the milk', 'posted the parcel', 'called Priya back'];
const PLACES = [
  'Tesco Superstore, High Street',
  'Boots pharmacy, Market Square',
  'Post Office, Church Road',
  'Riverside Park',
  'Office, 12 King Street',
  'Home',
];
const OBJECTS = ['laptop', 'cup', 'person', 'screen', 'book', 'car', 'tree', 'phone', 'treadmill'];

const MODALITY_MIX: Array<[Modality, number]> = [
  ['utterance', 0.6],
  ['frame', 0.25],
  ['note', 0.04],
  ['chat', 0.05],
  ['location', 0.04],
  ['event', 0.02],
];

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!;
}

function modalityOf(random: () => number): Modality {
  let roll = random();
  for (const [modality, share] of MODALITY_MIX) {
    roll -= share;
    if (roll < 0) return modality;
  }
  return 'utterance';
}

/** One generated observation's modality, text and details. */
function generate(random: () => number): {
  modality: Modality;
  text: string;
  details: ObservationDetails | null;
} {
  const modality = modalityOf(random);
  if (modality === 'location') return { modality, text: pick(random, PLACES), details: null };
  if (modality === 'frame') {
    const seen = random() < 0.1 ? [pick(random, PEOPLE)] : [];
    const objects = [pick(random, OBJECTS), pick(random, OBJECTS)];
    const text =
      random() < 0.3 ? `${objects.join(', ')} ${random() < 0.05 ? 'distance 5.02 km time 28:14' : ''}` : '';
    return { modality, text: text.trim(), details: { seen: { objects, faces: seen.length, people: seen } } };
  }
  const roll = random();
  let text: string;
  if (roll < 0.04) text = pick(random, ACTIVITIES);
  else if (roll < 0.06) text = pick(random, COMMITMENTS);
  else if (roll < 0.08) text = pick(random, COMPLETIONS);
  else {
    const length = 6 + Math.floor(random() * 14);
    const words = Array.from({ length }, () => pick(random, CHATTER_WORDS));
    if (random() < 0.15) words.splice(Math.floor(random() * length), 0, pick(random, PEOPLE));
    text = words.join(' ');
  }
  const details: ObservationDetails | null =
    modality === 'utterance'
      ? { speaker: { label: random() < 0.6 ? 'wearer' : 'unknown', personId: null } }
      : null;
  return { modality, text, details };
}

// ---------------------------------------------------------------------------------------------------------------
// A user's goals, people and open items, as the engine would hold them.
// ---------------------------------------------------------------------------------------------------------------

function benchGoals(startedAt: number): Goal[] {
  const goal = (
    id: string,
    title: string,
    activity: string,
    target: Goal['target'],
    about: string[] = [],
  ): Goal => ({
    id,
    userId: USER,
    title,
    text: title,
    activity,
    about,
    target,
    deadline: null,
    plan: [],
    status: 'active',
    startedAt,
    createdAt: startedAt,
    updatedAt: startedAt,
  });
  return [
    goal('g-run', 'Run a 10k', 'run', { amount: 10, unit: 'km', counting: 'max', period: null }),
    goal('g-read', 'Read 12 books this year', 'read', {
      amount: 12,
      unit: 'books',
      counting: 'sum',
      period: null,
    }),
    goal(
      'g-call',
      'Call mum every week',
      'call',
      { amount: 1, unit: 'times', counting: 'cadence', period: 'week' },
      ['mum'],
    ),
  ];
}

function benchPeople(at: number): Person[] {
  return PEOPLE.map((name, index) => ({
    id: `p${index}`,
    userId: USER,
    name,
    aliases: [],
    optedOut: false,
    relationship: null,
    importantDates: [{ label: 'birthday', date: `--${String((index % 12) + 1).padStart(2, '0')}-14` }],
    lastSeenAt: null,
    lastHeardAt: null,
    lastMentionedAt: null,
    createdAt: at,
    updatedAt: at,
  }));
}

function benchItem(
  id: string,
  title: string,
  due: number | null,
  at: number,
  kind: InboxItem['kind'] = 'commitment',
): InboxItem {
  return {
    id,
    userId: USER,
    kind,
    title,
    body: '',
    due,
    reason: `You said: "${title}"`,
    status: 'pending',
    snoozedUntil: null,
    factId: null,
    goalId: null,
    personId: null,
    dedupeKey: `bench:${id}`,
    notifiedAt: null,
    completedAt: null,
    sources: [],
    createdAt: at,
    updatedAt: at,
  };
}

function benchOpenItems(at: number): InboxItem[] {
  const titles = [
    'Send Sam the deck',
    'Buy milk',
    'Call Priya',
    'Post the parcel to Jo',
    'Book the dentist',
    'Pick up the dry cleaning',
    'Return the library books',
    'Email Tom the budget',
    'Buy a birthday card for Maria',
    'Fix the garden gate',
    'Pay in the cheque',
    'Renew the car insurance',
  ];
  return titles.map((title, index) =>
    benchItem(
      `item${index}`,
      title,
      at + (index + 1) * 86_400_000,
      at,
      index % 3 === 1 ? 'reminder' : 'commitment',
    ),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// (a) The per-observation triggers.
// ---------------------------------------------------------------------------------------------------------------

interface Row {
  measure: string;
  n: string;
  mean: string;
  p50: string;
  p95: string;
  p99: string;
  max: string;
  target: string;
  met: string;
}

function triggerCost(): Row {
  const random = seededRandom(42);
  const start = Date.UTC(2026, 2, 2, 7);
  const nextId = monotonicFactory(() => 0.5);
  const observations: SequencedObservation[] = [];
  let at = start;
  for (let seq = 1; seq <= TRIGGER_COUNT; seq += 1) {
    at += 5_000 + Math.floor(random() * 50_000);
    const { modality, text, details } = generate(random);
    const observation: StoredObservation = {
      id: nextId(at),
      userId: USER,
      deviceId: null,
      modality,
      capturedAt: at,
      receivedAt: at,
      text,
      captureId: null,
      provenance: null,
      trust: modality === 'note' || modality === 'chat' ? 'authored' : 'perceived',
      deviceCapturedAt: null,
      details,
    };
    observations.push({ seq, observation });
  }
  const context: ObservationContext = {
    timezone: TIMEZONE,
    goals: benchGoals(start - 86_400_000),
    openItems: benchOpenItems(start),
    people: indexPeople(benchPeople(start)),
  };
  let found = 0;
  for (const entry of observations.slice(0, 5_000)) evaluateObservation(entry, context);
  const durations = new Array<number>(observations.length);
  for (const [index, entry] of observations.entries()) {
    const started = performance.now();
    const outcome = evaluateObservation(entry, context);
    durations[index] = performance.now() - started;
    found += outcome.progress.length + outcome.completions.length + outcome.nudges.length;
  }
  log(`  triggers: ${formatNumber(found)} findings over ${formatNumber(observations.length)} observations`);
  return latencyRow(`evaluateObservation (${formatNumber(found)} findings)`, durations, TARGET_TRIGGER_MS);
}

function latencyRow(measure: string, durationsMs: readonly number[], targetMs: number): Row {
  const summary = summarise(durationsMs);
  const us = (ms: number) => `${formatNumber(ms * 1000, 1)} µs`;
  return {
    measure,
    n: formatNumber(summary.count),
    mean: us(summary.mean),
    p50: us(summary.p50),
    p95: us(summary.p95),
    p99: us(summary.p99),
    max: us(summary.max),
    target: `≤ ${formatNumber(targetMs * 1000)} µs mean`,
    met: summary.mean <= targetMs ? 'yes' : 'no',
  };
}

/** `observe()` end to end on SQLite: the understanding pass reads first, then the engine follows it. */
async function observeCost(): Promise<Row> {
  const db = openSqliteDatabase(':memory:');
  db.prepare('INSERT INTO users (id, name, timezone, created_at) VALUES (?, ?, ?, ?)').run(
    USER,
    USER,
    TIMEZONE,
    0,
  );
  const random = seededRandom(7);
  const start = Date.UTC(2026, 2, 2, 7);
  const store = createSqliteTimelineStore(db);
  const facts = createSqliteFactStore(db);
  const episodes = createSqliteEpisodeStore(db);
  const people = createSqlitePeopleStore(db);
  const cursors = createSqliteMemoryCursors(db);
  const goals = createSqliteGoalStore(db);
  const inbox = createSqliteInboxStore(db);
  const newId = createUlidGenerator();
  const clock = { now: () => start + 30 * 86_400_000 };
  for (const person of benchPeople(start)) await people.add({ ...person });
  for (const goal of benchGoals(start - 86_400_000)) {
    const { userId: _owner, ...rest } = goal;
    await goals.add(USER, rest);
  }
  const nextId = monotonicFactory(() => 0.5);
  let at = start;
  const batch: NewObservation[] = [];
  for (let index = 0; index < OBSERVE_COUNT; index += 1) {
    at += 5_000 + Math.floor(random() * 50_000);
    const { modality, text, details } = generate(random);
    batch.push({
      id: nextId(at),
      deviceId: null,
      modality,
      capturedAt: at,
      receivedAt: at,
      text,
      captureId: null,
      provenance: null,
      trust: modality === 'note' || modality === 'chat' ? 'authored' : 'perceived',
      details,
    });
    if (batch.length === 1_000) await store.insertObservations(USER, batch.splice(0));
  }
  if (batch.length > 0) await store.insertObservations(USER, batch.splice(0));
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
  const understood = await understanding.catchUp({ id: USER, timezone: TIMEZONE });
  log(`  observe: understanding read ${formatNumber(understood.observations)} observations first`);
  const engine = createProactiveEngine({
    store,
    facts,
    people,
    episodes,
    goals,
    inbox,
    settings: createInMemorySettingsStore(),
    cursors,
    notifier: createNotifier({ store: createInMemoryNotificationStore(), clock, newId }),
    clock,
    newId,
    logger,
  });
  const started = performance.now();
  const result = await engine.observe({ id: USER, timezone: TIMEZONE });
  const elapsed = performance.now() - started;
  db.close();
  log(
    `  observe: ${formatNumber(result.observations)} observations, ${result.progress} progress, ${result.commitments} commitments, ${result.completed} completed, ${result.nudges} nudges`,
  );
  const perObservation = elapsed / Math.max(1, result.observations);
  return {
    measure: `observe() end to end, SQLite (${result.progress} progress, ${result.commitments} commitments, ${result.completed} done, ${result.nudges} nudges)`,
    n: formatNumber(result.observations),
    mean: `${formatNumber(perObservation * 1000, 1)} µs`,
    p50: '—',
    p95: '—',
    p99: '—',
    max: '—',
    target: `≤ ${formatNumber(TARGET_TRIGGER_MS * 1000)} µs mean`,
    met: perObservation <= TARGET_TRIGGER_MS ? 'yes' : 'no',
  };
}

// ---------------------------------------------------------------------------------------------------------------
// (b) The digest of a day in a year of 2,000 observations a day.
// ---------------------------------------------------------------------------------------------------------------

const cachePath = () => join(tmpdir(), `familiar-assistant-bench-v${DATA_VERSION}-${DAYS}d.sqlite`);

/** Builds (or reuses) the year: observations with direct prepared inserts in one transaction, episodes per day. */
function yearDatabase(): { path: string; buildSeconds: number | null; rows: number; megabytes: number } {
  const path = cachePath();
  if (options.rebuild) rmSync(path, { force: true });
  if (existsSync(path)) {
    return { path, buildSeconds: null, rows: DAYS * PER_DAY, megabytes: statSync(path).size / 2 ** 20 };
  }
  const building = `${path}.building`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(building + suffix, { force: true });
  const started = performance.now();
  const db = openSqliteDatabase(building, { synchronous: 'NORMAL' });
  try {
    db.prepare('INSERT INTO users (id, name, timezone, created_at) VALUES (?, ?, ?, ?)').run(
      USER,
      USER,
      TIMEZONE,
      0,
    );
    const insert = db.prepare(
      `INSERT INTO observations (user_id, id, device_id, modality, captured_at, received_at, text, capture_id, provenance, trust, content_hash, device_captured_at, details)
       VALUES (?, ?, NULL, ?, ?, ?, ?, NULL, NULL, ?, ?, NULL, ?)`,
    );
    const insertEpisode = db.prepare(
      `INSERT INTO episodes (user_id, id, started_at, ended_at, title, summary, observation_count, edited, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
    );
    const random = seededRandom(2025);
    const nextId = monotonicFactory(() => 0.5);
    db.transaction(() => {
      for (let dayIndex = 0; dayIndex < DAYS; dayIndex += 1) {
        const day = addDays(YEAR_START, dayIndex);
        const from = zonedTimeToEpoch(day, 7, 0, TIMEZONE);
        const span = zonedTimeToEpoch(day, 23, 0, TIMEZONE) - from;
        const gap = span / PER_DAY;
        for (let index = 0; index < PER_DAY; index += 1) {
          const at = Math.round(from + index * gap + random() * gap * 0.9);
          const { modality, text, details } = generate(random);
          const trust = modality === 'note' || modality === 'chat' ? 'authored' : 'perceived';
          const id = nextId(at);
          const hash = observationContentHash({
            id,
            deviceId: null,
            modality,
            capturedAt: at,
            receivedAt: at,
            text,
            captureId: null,
            provenance: null,
            trust,
          });
          insert.run(USER, id, modality, at, at, text, trust, hash, details ? JSON.stringify(details) : null);
        }
        // About a dozen episodes a day: the day cut into stretches with a title each.
        const count = 10 + Math.floor(random() * 5);
        for (let index = 0; index < count; index += 1) {
          const begins = Math.round(from + (index * span) / count);
          const ends = Math.round(from + ((index + 1) * span) / count) - 60_000;
          insertEpisode.run(
            USER,
            nextId(begins),
            begins,
            ends,
            `${pick(random, ['Meeting about', 'Lunch and', 'Walk with', 'Call about', 'Working on'])} ${pick(random, CHATTER_WORDS)}`,
            'A stretch of the day.',
            Math.round(PER_DAY / count),
            begins,
            begins,
          );
        }
        if (dayIndex % 30 === 29) log(`    ${formatNumber((dayIndex + 1) * PER_DAY)} observations written`);
      }
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  renameSync(building, path);
  for (const suffix of ['-wal', '-shm']) rmSync(building + suffix, { force: true });
  return {
    path,
    buildSeconds: (performance.now() - started) / 1000,
    rows: DAYS * PER_DAY,
    megabytes: statSync(path).size / 2 ** 20,
  };
}

/** Goals with progress, open and done items, people with dates: what a year of use leaves besides the timeline. */
async function seedAssistant(db: SqliteDatabase, lastDay: { year: number; month: number; day: number }) {
  const goals = createSqliteGoalStore(db);
  const inbox = createSqliteInboxStore(db);
  const people = createSqlitePeopleStore(db);
  const yearStart = startOfDay(YEAR_START, TIMEZONE);
  if ((await people.list(USER)).length === 0)
    for (const person of benchPeople(yearStart)) await people.add({ ...person });
  if ((await goals.list(USER, { status: 'all' })).length > 0) return;
  for (const goal of benchGoals(yearStart)) {
    const { userId: _owner, ...rest } = goal;
    await goals.add(USER, rest);
  }
  const seqs = db
    .prepare<[string], { seq: number; captured_at: number }>(
      "SELECT seq, captured_at FROM observations WHERE user_id = ? AND text LIKE 'ran 5k%' ORDER BY seq LIMIT 150",
    )
    .all(USER);
  for (const [index, row] of seqs.entries()) {
    await goals.recordProgress(
      USER,
      {
        id: `progress${index}`,
        goalId: 'g-run',
        amount: 5,
        unit: 'km',
        at: row.captured_at,
        confidence: 0.8,
        status: 'inferred',
        origin: 'rules',
        evidence: 'ran 5k this morning',
        createdAt: row.captured_at,
      },
      [row.seq],
    );
  }
  const dayEnd = startOfDay(addDays(lastDay, 1), TIMEZONE);
  for (const [index, item] of benchOpenItems(dayEnd - 86_400_000).entries()) {
    const { userId: _owner, sources: _sources, updatedAt: _updated, ...rest } = item;
    const draft: NewInboxItem = { ...rest, status: index % 4 === 0 ? 'to_confirm' : 'pending' };
    await inbox.add(USER, draft, []);
  }
  for (let index = 0; index < 300; index += 1) {
    const at = yearStart + index * 86_400_000;
    const {
      userId: _owner,
      sources: _sources,
      updatedAt: _updated,
      ...rest
    } = benchItem(`done${index}`, `Old errand ${index}`, at, at);
    await inbox.add(USER, { ...rest, status: 'done', completedAt: at + 3_600_000 }, []);
  }
}

async function digestCost(): Promise<{ rows: Row[]; notes: string[] }> {
  log(`  digest: building or reusing a year of ${formatNumber(DAYS * PER_DAY)} observations…`);
  const year = yearDatabase();
  const lastDay = addDays(YEAR_START, DAYS - 1);
  const dayKey = `${lastDay.year}-${String(lastDay.month).padStart(2, '0')}-${String(lastDay.day).padStart(2, '0')}`;
  const db = openSqliteDatabase(year.path);
  try {
    await seedAssistant(db, lastDay);
    const clock = { now: () => zonedTimeToEpoch(lastDay, 21, 0, TIMEZONE) };
    const deps = {
      store: createSqliteTimelineStore(db),
      episodes: createSqliteEpisodeStore(db),
      goals: createSqliteGoalStore(db),
      inbox: createSqliteInboxStore(db),
      people: createSqlitePeopleStore(db),
      facts: createSqliteFactStore(db),
      clock,
    };
    const user = { id: USER, timezone: TIMEZONE };
    const total =
      db
        .prepare<[string], { n: number }>('SELECT count(*) AS n FROM observations WHERE user_id = ?')
        .get(USER)?.n ?? 0;
    const firstStarted = performance.now();
    const first = await buildDigest(deps, user, dayKey);
    const firstMs = performance.now() - firstStarted;
    const durations: number[] = [];
    for (let trial = 0; trial < TRIALS; trial += 1) {
      const started = performance.now();
      await buildDigest(deps, user, dayKey);
      durations.push(performance.now() - started);
    }
    const summary = summarise(durations);
    const counted = Object.values(first.counts).reduce((sum, n) => sum + n, 0);
    const ms = (value: number) => `${formatNumber(value, 1)} ms`;
    const notes = [
      `Timeline: ${formatNumber(total)} observations (${formatNumber(DAYS)} days × ${formatNumber(PER_DAY)}), ${formatNumber(year.megabytes)} MiB, ${year.buildSeconds === null ? 'reused from the cache' : `built in ${formatNumber(year.buildSeconds, 1)} s`} (${year.path}).`,
      `Digest of ${dayKey}: ${first.happened.length} episodes, ${formatNumber(counted)} observations counted, ${first.progress.length} goals, ${first.openLoops.length} open loops, ${first.tomorrow.length} for tomorrow.`,
    ];
    return {
      rows: [
        {
          measure: 'buildDigest, first call on a freshly opened database',
          n: '1',
          mean: ms(firstMs),
          p50: '—',
          p95: '—',
          p99: '—',
          max: ms(firstMs),
          target: `≤ ${formatNumber(TARGET_DIGEST_MS)} ms`,
          met: firstMs <= TARGET_DIGEST_MS ? 'yes' : 'no',
        },
        {
          measure: 'buildDigest, repeated',
          n: formatNumber(summary.count),
          mean: ms(summary.mean),
          p50: ms(summary.p50),
          p95: ms(summary.p95),
          p99: ms(summary.p99),
          max: ms(summary.max),
          target: `≤ ${formatNumber(TARGET_DIGEST_MS)} ms`,
          met: summary.max <= TARGET_DIGEST_MS ? 'yes' : 'no',
        },
      ],
      notes,
    };
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  log(
    `assistant bench: ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, ${formatNumber(totalmem() / 2 ** 30, 1)} GiB`,
  );
  log(`  triggers over ${formatNumber(TRIGGER_COUNT)} generated observations…`);
  const rows: Row[] = [triggerCost()];
  log(`  observe() over ${formatNumber(OBSERVE_COUNT)} observations in SQLite…`);
  rows.push(await observeCost());
  const digest = await digestCost();
  rows.push(...digest.rows);
  const headers = ['measure', 'n', 'mean', 'p50', 'p95', 'p99', 'max', 'target', 'met'];
  console.log(
    markdownTable(
      headers,
      rows.map((row) => [
        row.measure,
        row.n,
        row.mean,
        row.p50,
        row.p95,
        row.p99,
        row.max,
        row.target,
        row.met,
      ]),
    ),
  );
  console.log('');
  for (const note of digest.notes) console.log(note);
  console.log(
    `Machine: ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
  );
}

await main();
