import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type Familiar, openFamiliar } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createHttpApp } from '../../src/http/index.ts';
import { createSilentLogger, createUlidGenerator, type IdGenerator } from '../../src/kernel/index.ts';
import { openSqliteDatabase, type SqliteDatabase } from '../../src/storage/index.ts';
import { openSqliteStores, type Stores } from '../../src/stores.ts';
import { tempHome } from './processes.ts';

/** Monday 2 March 2026, 10:00 UTC: the fixed "now" of the isolation test (media links and expiries depend on it). */
export const ISOLATION_NOW = Date.parse('2026-03-02T10:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The kinds of id a route takes or a response may carry. */
export const ID_KINDS = [
  'observation',
  'capture',
  'fact',
  'episode',
  'person',
  'goal',
  'progress',
  'inbox',
  'action',
  'notification',
  'device',
] as const;
export type IdKind = (typeof ID_KINDS)[number];

const TABLE_OF: Record<IdKind, string> = {
  observation: 'observations',
  capture: 'captures',
  fact: 'facts',
  episode: 'episodes',
  person: 'people',
  goal: 'goals',
  progress: 'goal_progress',
  inbox: 'inbox_items',
  action: 'pending_actions',
  notification: 'notifications',
  device: 'devices',
};

/** The kinds of id a user owns among `ids` (a ULID of another user's, or of nobody's, has none). */
export function kindsOf(db: SqliteDatabase, userId: string, id: string): IdKind[] {
  return ID_KINDS.filter(
    (kind) =>
      db.prepare(`SELECT 1 FROM ${TABLE_OF[kind]} WHERE user_id = ? AND id = ?`).get(userId, id) !==
      undefined,
  );
}

/** The words one user's data is made of: a content token in everything they own, and words to search for. */
export interface UserWords {
  name: string;
  timezone: string;
  /** In every text, title, media file and notification of this user; the other user's requests never contain it. */
  contentToken: string;
  /** A word in this user's texts that the other user's requests may search for. */
  searchWord: string;
  person: { name: string; alias: string };
  otherPerson: string;
}

/** What the test knows about one seeded user: their token, ids by kind, and the words their data is made of. */
export interface SeededUser {
  words: UserWords;
  id: string;
  token: string;
  ids: Record<IdKind, string[]>;
  /** Items the sanity pass reads, edits or decides and never deletes. */
  keep: {
    observation: string;
    episode: string;
    fact: string;
    person: string;
    goal: string;
    progress: string;
    inbox: string;
    action: string;
    capture: string;
  };
  /** Items the sanity pass may delete or decide (so the property run still has the rest). */
  spare: {
    observation: string;
    episode: string;
    fact: string;
    person: string;
    goal: string;
    inbox: string;
    action: string;
  };
  /** The bytes of this user's image capture (the other user may upload the same bytes). */
  imageBytes: Uint8Array;
  /** A page cursor of this user's observation list. */
  cursor: string;
  /** The observations the calendar import made (their ids derive from each event's UID and start). */
  calendarObservations: string[];
  /** The web app's credentials: the passphrase, two browser sessions (one to log out) and a pairing code. */
  web: WebCredentials;
}

/** One user's web app credentials, as the browser and a pairing device would hold them. */
export interface WebCredentials {
  passphrase: string;
  /** `familiar_session=<value>` of the session every request may use. */
  cookie: string;
  csrf: string;
  /** A second session, the one logging out may end. */
  spareCookie: string;
  spareCsrf: string;
  /** A one-time pairing code for the user's glasses (B's is redeemed by B's own request). */
  code: string;
}

/** A signed media link the server made, split into its parts. */
export interface SignedLink {
  captureId: string;
  u: string;
  expires: string;
  signature: string;
}

/** The two users, the app and what the property needs to attack and check it. */
export interface IsolationWorld {
  home: string;
  familiar: Familiar;
  app: ReturnType<typeof createHttpApp>;
  db: SqliteDatabase;
  a: SeededUser;
  b: SeededUser;
  /** A token of one of B's devices, revoked. */
  revokedToken: string;
  /** Signed media links to B's captures (B's own, so public by design). */
  bLinks: SignedLink[];
  close(): Promise<void>;
}

export const WORDS_A: UserWords = {
  name: 'ada',
  timezone: 'Europe/London',
  contentToken: 'zephyrquartz',
  searchWord: 'marigold',
  person: { name: 'Ottoline Quarrington', alias: 'Otto' },
  otherPerson: 'Peregrine Vantablack',
};
export const WORDS_B: UserWords = {
  name: 'bo',
  timezone: 'UTC',
  contentToken: 'bramblefinch',
  searchWord: 'juniper',
  person: { name: 'Barnaby Tollemache', alias: 'Barney' },
  otherPerson: 'Cressida Wexley',
};

const firstName = (name: string) => name.split(' ')[0] ?? name;

function icsStamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** A calendar with this user's own event, and a stand-up with the same UID and start for both users. */
export function calendarFor(words: UserWords): string {
  const event = (uid: string, start: number, summary: string) => [
    'BEGIN:VEVENT',
    `UID:${uid}`,
    `DTSTAMP:${icsStamp(ISOLATION_NOW)}`,
    `DTSTART:${icsStamp(start)}`,
    `DTEND:${icsStamp(start + HOUR)}`,
    `SUMMARY:${summary}`,
    'END:VEVENT',
  ];
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//familiar//isolation test//EN',
    ...event(
      `dentist-${words.name}@test`,
      ISOLATION_NOW + 2 * DAY,
      `${words.searchWord} dentist ${words.contentToken}`,
    ),
    ...event('shared-standup@test', ISOLATION_NOW + 3 * DAY, `stand-up ${words.contentToken}`),
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

function pngBytes(token: string): Uint8Array {
  return new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...Buffer.from(` ${token} pixels`)]);
}

function wavBytes(token: string): Uint8Array {
  return new Uint8Array(
    Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVEfmt '), Buffer.from(` ${token} samples`)]),
  );
}

/** Every file under a directory, as relative path → SHA-256 of its bytes. */
function hashFiles(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) walk(path);
      else
        out.push(`${relative(root, path)} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
    }
  };
  walk(root);
  return out.sort();
}

function jsonOfRow(row: unknown): string {
  return JSON.stringify(row, (_key, value: unknown) =>
    Buffer.isBuffer(value) ? `hex:${value.toString('hex')}` : value,
  );
}

/**
 * One user's data straight from the database and the blob directory: every row of every table with a `user_id`
 * column (and their `users` row, and rows of their devices in tables keyed by `device_id`), the full-text index's
 * hits for their content token, and their blob files. Tables with neither column (FTS shadow tables,
 * `schema_migrations`) are listed under `(not per user)`.
 */
export function snapshotUser(
  world: Pick<IsolationWorld, 'db' | 'home'>,
  user: SeededUser,
): Record<string, string[]> {
  const { db } = world;
  const snapshot: Record<string, string[]> = {};
  const tables = db
    .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .pluck()
    .all();
  const notPerUser: string[] = [];
  for (const table of tables) {
    const columns = db.pragma(`table_info("${table}")`) as Array<{ name: string }>;
    let rows: unknown[];
    if (table === 'users') rows = db.prepare('SELECT * FROM users WHERE id = ?').all(user.id);
    else if (table === 'audit_events')
      // A failed login names the user it tried: anyone may add that row to the user's log (so they see it).
      rows = db
        .prepare("SELECT * FROM audit_events WHERE user_id = ? AND action <> 'session.login-failed'")
        .all(user.id);
    else if (columns.some((column) => column.name === 'user_id'))
      rows = db.prepare(`SELECT * FROM "${table}" WHERE user_id = ?`).all(user.id);
    else if (columns.some((column) => column.name === 'device_id'))
      rows = db
        .prepare(`SELECT * FROM "${table}" WHERE device_id IN (SELECT id FROM devices WHERE user_id = ?)`)
        .all(user.id);
    else {
      notPerUser.push(table);
      continue;
    }
    snapshot[table] = rows.map(jsonOfRow).sort();
  }
  snapshot['(not per user)'] = notPerUser;
  snapshot['observations_fts hits'] = db
    .prepare<[string], number>(
      'SELECT rowid FROM observations_fts WHERE observations_fts MATCH ? ORDER BY rowid',
    )
    .pluck()
    .all(user.words.contentToken)
    .map(String);
  snapshot['blob files'] = hashFiles(join(world.home, 'blobs', user.id));
  return snapshot;
}

/** Every distinct string in a user's rows that looks like an id (a ULID) or a blob hash. */
function idLikeStrings(snapshot: Record<string, string[]>): Set<string> {
  const found = new Set<string>();
  for (const rows of Object.values(snapshot))
    for (const row of rows)
      for (const match of row.matchAll(/\b[0-9A-HJKMNP-TV-Z]{26}\b|\b[0-9a-f]{64}\b/g)) found.add(match[0]);
  return found;
}

/**
 * What B must never see of A: A's ids (every ULID and blob hash in A's rows that is not also B's, as with the
 * calendar event both imported), A's token, A's content token, names and words, and A's signed media links.
 */
export function secretsOf(world: IsolationWorld): string[] {
  const aStrings = idLikeStrings(snapshotUser(world, world.a));
  const bStrings = idLikeStrings(snapshotUser(world, world.b));
  const secrets = new Set<string>([...aStrings].filter((value) => !bStrings.has(value)));
  const { words, token, web } = world.a;
  for (const value of [
    token,
    web.passphrase,
    web.cookie.split('=')[1] ?? web.cookie,
    web.csrf,
    web.spareCookie.split('=')[1] ?? web.spareCookie,
    web.spareCsrf,
    web.code,
    words.contentToken,
    words.searchWord,
    words.person.name,
    firstName(words.person.name),
    words.person.name.split(' ')[1] ?? words.person.name,
    words.otherPerson,
  ])
    secrets.add(value);
  for (const captureId of world.a.ids.capture) {
    const link = world.familiar.mediaLinks.urlFor(world.a.id, captureId).url;
    secrets.add(new URL(link, 'http://x').searchParams.get('signature') ?? link);
  }
  return [...secrets];
}

type Caller = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<Response>;

async function expectOk(response: Response, what: string): Promise<unknown> {
  const text = await response.text();
  if (response.status >= 300) throw new Error(`seeding failed: ${what} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Seeds one user through the HTTP API (and the services where no route exists) with a bit of everything. */
async function seedUser(
  familiar: Familiar,
  stores: Stores,
  app: ReturnType<typeof createHttpApp>,
  newId: IdGenerator,
  words: UserWords,
): Promise<{ id: string; token: string }> {
  const user = await familiar.accounts.addUser({ name: words.name, timezone: words.timezone });
  const { token } = await familiar.accounts.addDevice({ userName: words.name, name: 'glasses' });
  const call: Caller = (method, path, body, headers = {}) =>
    Promise.resolve(
      app.request(path, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined || body instanceof Uint8Array || typeof body === 'string'
            ? {}
            : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined
          ? {}
          : { body: body instanceof Uint8Array || typeof body === 'string' ? body : JSON.stringify(body) }),
      }),
    );
  const { contentToken: T, searchWord: W, person } = words;
  const first = firstName(person.name);
  const at = (offset: number) => new Date(ISOLATION_NOW + offset).toISOString();

  const image = (await expectOk(
    await call('POST', '/v1/captures', pngBytes(T), {
      'content-type': 'image/png',
      'x-captured-at': at(-2 * HOUR),
    }),
    'image capture',
  )) as { id: string };
  await expectOk(
    await call('POST', '/v1/captures', wavBytes(T), {
      'content-type': 'audio/wav',
      'x-captured-at': at(-HOUR),
    }),
    'audio capture',
  );

  await familiar.people.add({
    id: newId(),
    userId: user.id,
    name: person.name,
    aliases: [person.alias],
    optedOut: false,
    importantDates: [
      { label: 'birthday', date: '--03-20' },
      { label: 'wedding anniversary', date: '2019-03-09' },
    ],
    relationship: 'friend',
    createdAt: ISOLATION_NOW - 10 * DAY,
    updatedAt: ISOLATION_NOW - 10 * DAY,
  });
  await familiar.people.add({
    id: newId(),
    userId: user.id,
    name: words.otherPerson,
    aliases: [],
    optedOut: false,
    importantDates: [{ label: 'birthday', date: '1990-03-05' }],
    createdAt: ISOLATION_NOW - 10 * DAY,
    updatedAt: ISOLATION_NOW - 10 * DAY,
  });

  const observation = (
    modality: string,
    text: string,
    offset: number,
    extra: Record<string, unknown> = {},
  ) => ({
    id: newId(),
    modality,
    capturedAt: at(offset),
    text,
    ...extra,
  });
  await expectOk(
    await call('POST', '/v1/observations', {
      observations: [
        observation('note', `My favourite colour is ${T}.`, -3 * HOUR),
        observation('note', `The ${W} locker code is ${T} 4471.`, -3 * HOUR + 60_000),
        observation('utterance', `I will send the ${T} report to ${first} by Friday.`, -2 * HOUR - 60_000, {
          provenance: { engine: 'asr', model: 'tiny' },
        }),
        observation('utterance', `${first} has a job interview on Friday.`, -2 * HOUR - 30_000, {
          provenance: { engine: 'asr' },
          speaker: 'me',
        }),
        observation('utterance', `${first} is my friend, she loves ${T} tea.`, -2 * HOUR - 20_000),
        observation('frame', `Sign: ${W} harbour ${T} gate 7`, -2 * HOUR, {
          captureId: image.id,
          provenance: { engine: 'ocr' },
        }),
        observation('location', `${W} bay lighthouse ${T}`, -90 * 60_000),
        observation('event', `${W} dinner with ${person.name} ${T}`, -80 * 60_000),
        observation('chat', `Remember that the ${W} wifi password is ${T}-wifi`, -70 * 60_000),
        observation('note', `${W} spare note ${T} to delete`, -5 * DAY),
        observation('note', `${W} old receipt ${T} from the market`, -3 * DAY),
      ],
    }),
    'observations',
  );

  const goal = (await expectOk(
    await call('POST', '/v1/goals', { text: 'run a 10k by the end of April', plan: [`${T} training plan`] }),
    'goal',
  )) as { id: string };
  await expectOk(await call('POST', '/v1/goals', { text: `read 12 books by December ${T}` }), 'second goal');
  await expectOk(
    await call('POST', `/v1/goals/${goal.id}/progress`, {
      amount: 5,
      at: at(-4 * HOUR),
      note: `${T} canal run`,
    }),
    'progress',
  );
  await expectOk(
    await call('POST', '/v1/inbox', {
      title: `${W} call ${first} about ${T}`,
      due: at(DAY),
      body: `${T} details`,
    }),
    'reminder',
  );
  await expectOk(await call('POST', '/v1/inbox', { title: `${T} buy stamps` }), 'second reminder');
  await expectOk(
    await call('PATCH', '/v1/assistant/settings', {
      digestAt: words === WORDS_A ? '07:15' : '08:30',
      quietHours: { start: '22:00', end: '07:00' },
      dateLeadDays: 21,
    }),
    'settings',
  );
  // Both keep to open models: a request of B's that reached A's switch would turn it off, and show in A's rows.
  await expectOk(await call('PATCH', '/v1/settings/models', { openOnly: true }), 'model settings');
  await expectOk(
    await call('POST', '/v1/calendar', calendarFor(words), { 'content-type': 'text/calendar' }),
    'calendar',
  );

  await familiar.catchUpUser({ id: user.id, timezone: words.timezone });

  for (const title of [`${T} action reminder`, `${T} second action reminder`])
    await stores.actions.add({
      id: newId(),
      userId: user.id,
      tool: 'add_reminder',
      arguments: { title },
      summary: `Remind you to ${title}`,
      requestedBy: 'chat:cli',
      createdAt: ISOLATION_NOW - HOUR,
      // Far ahead: the SQLite action store expires actions by the wall clock, not the test's fixed clock.
      expiresAt: ISOLATION_NOW + 3650 * DAY,
    });
  await familiar.notifier.notify(user.id, { title: `${W} nudge ${T}`, body: `${T} body` });
  return { id: user.id, token };
}

/** Sets the user's passphrase, logs in twice and issues a pairing code for their glasses. */
async function seedWeb(
  familiar: Familiar,
  seeded: { id: string; token: string },
  words: UserWords,
): Promise<WebCredentials> {
  const passphrase = `${words.name}-passphrase-${words.contentToken.slice(0, 4)}x`;
  await familiar.webAuth.setPassphrase(seeded.id, passphrase);
  const main = await familiar.webAuth.login({ user: words.name, passphrase, client: 'seed' });
  const spare = await familiar.webAuth.login({ user: words.name, passphrase, client: 'seed' });
  const glasses = (await familiar.accounts.listDevices(words.name)).find(
    (device) => device.name === 'glasses',
  )!;
  const { code } = await familiar.webAuth.issuePairingCode({
    userId: seeded.id,
    deviceId: glasses.id,
    token: seeded.token,
  });
  return {
    passphrase,
    cookie: `familiar_session=${main.sessionToken}`,
    csrf: main.csrfToken,
    spareCookie: `familiar_session=${spare.sessionToken}`,
    spareCsrf: spare.csrfToken,
    code,
  };
}

function collect(
  db: SqliteDatabase,
  userId: string,
  words: UserWords,
): Omit<SeededUser, 'token' | 'web' | 'imageBytes' | 'cursor' | 'calendarObservations'> {
  const ids = {} as Record<IdKind, string[]>;
  for (const kind of ID_KINDS) {
    ids[kind] = db
      .prepare<[string], string>(`SELECT id FROM ${TABLE_OF[kind]} WHERE user_id = ? ORDER BY id`)
      .pluck()
      .all(userId);
    if (ids[kind].length === 0) throw new Error(`seeding made no ${kind} for ${words.name}`);
  }
  const one = <T>(sql: string, ...args: unknown[]): T => {
    const value = db
      .prepare(sql)
      .pluck()
      .get(...args) as T | undefined;
    if (value === undefined) throw new Error(`seeding lacks: ${sql}`);
    return value;
  };
  const spareObservation = one<string>(
    "SELECT id FROM observations WHERE user_id = ? AND text LIKE '%spare note%'",
    userId,
  );
  const spareEpisode = one<string>(
    "SELECT episode_id FROM observations WHERE user_id = ? AND text LIKE '%old receipt%'",
    userId,
  );
  const facts = db
    .prepare<[string], string>("SELECT id FROM facts WHERE user_id = ? AND status = 'active' ORDER BY id")
    .pluck()
    .all(userId);
  if (facts.length < 2) throw new Error(`seeding made fewer than two facts for ${words.name}`);
  const keptObservation = one<string>(
    "SELECT id FROM observations WHERE user_id = ? AND text LIKE '%locker code%'",
    userId,
  );
  return {
    words,
    id: userId,
    ids,
    keep: {
      observation: keptObservation,
      episode: one<string>(
        'SELECT episode_id FROM observations WHERE user_id = ? AND id = ?',
        userId,
        keptObservation,
      ),
      fact: facts[0]!,
      person: one<string>('SELECT id FROM people WHERE user_id = ? AND name = ?', userId, words.person.name),
      goal: one<string>("SELECT id FROM goals WHERE user_id = ? AND text LIKE 'run a 10k%'", userId),
      progress: ids.progress[0]!,
      inbox: one<string>("SELECT id FROM inbox_items WHERE user_id = ? AND title LIKE '% call %'", userId),
      action: one<string>(
        "SELECT id FROM pending_actions WHERE user_id = ? AND summary NOT LIKE '%second action%'",
        userId,
      ),
      capture: one<string>("SELECT id FROM captures WHERE user_id = ? AND kind = 'image'", userId),
    },
    spare: {
      observation: spareObservation,
      episode: spareEpisode,
      fact: facts[facts.length - 1]!,
      person: one<string>('SELECT id FROM people WHERE user_id = ? AND name = ?', userId, words.otherPerson),
      goal: one<string>("SELECT id FROM goals WHERE user_id = ? AND text LIKE 'read 12 books%'", userId),
      inbox: one<string>("SELECT id FROM inbox_items WHERE user_id = ? AND title LIKE '%buy stamps'", userId),
      action: one<string>(
        "SELECT id FROM pending_actions WHERE user_id = ? AND summary LIKE '%second action%'",
        userId,
      ),
    },
  };
}

/** A small built web app (page, asset, icon, manifest, service worker) in `dir`; returns `dir`. */
function writeWebApp(dir: string): string {
  mkdirSync(join(dir, 'assets'), { recursive: true });
  mkdirSync(join(dir, 'icons'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Familiar app</title>');
  writeFileSync(join(dir, 'assets', 'app-abc123.js'), 'console.log("app")');
  writeFileSync(join(dir, 'icons', 'icon-192.png'), new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
  writeFileSync(join(dir, 'manifest.webmanifest'), '{"name":"Familiar"}');
  writeFileSync(join(dir, 'sw.js'), 'self.addEventListener("fetch", () => {})');
  return dir;
}

/**
 * Two users, A ("ada") and B ("bo"), on one real SQLite home, each with observations of every modality, two captures,
 * facts and episodes (after the understanding pass), people with important dates, goals with progress, reminders and
 * commitments, pending actions, a notification, settings and an imported calendar; B also has a revoked device.
 */
export async function createIsolationWorld(): Promise<IsolationWorld> {
  const home = tempHome('familiar-isolation-');
  const clock = { now: () => ISOLATION_NOW };
  const newId = createUlidGenerator();
  const config = loadConfig({
    FAMILIAR_HOME: home,
    FAMILIAR_EMBEDDER: 'hashing',
    FAMILIAR_ASR: 'off',
    FAMILIAR_BODY_LIMIT: '256kb',
    FAMILIAR_WEB_DIR: writeWebApp(join(home, 'web')),
  });
  const stores = openSqliteStores(config, { clock, newId });
  const familiar = openFamiliar(config, { logger: createSilentLogger(), clock, newId, stores });
  const app = createHttpApp(familiar);
  const seededA = await seedUser(familiar, stores, app, newId, WORDS_A);
  const seededB = await seedUser(familiar, stores, app, newId, WORDS_B);
  const revoked = await familiar.accounts.addDevice({ userName: WORDS_B.name, name: 'old-phone' });
  await familiar.accounts.revokeDevice(WORDS_B.name, 'old-phone');
  const db = openSqliteDatabase(join(home, 'familiar.db'));

  const finish = async (seeded: { id: string; token: string }, words: UserWords): Promise<SeededUser> => {
    const web = await seedWeb(familiar, seeded, words);
    const page = await familiar.timeline.list(
      { userId: seeded.id, deviceId: null, label: 'test' },
      { limit: 2 },
    );
    return {
      ...collect(db, seeded.id, words),
      token: seeded.token,
      web,
      imageBytes: pngBytes(words.contentToken),
      cursor: page.nextCursor ?? 'none',
      calendarObservations: db
        .prepare<[string], string>(
          "SELECT id FROM observations WHERE user_id = ? AND provenance LIKE '%ical.js%' ORDER BY id",
        )
        .pluck()
        .all(seeded.id),
    };
  };
  const a = await finish(seededA, WORDS_A);
  const b = await finish(seededB, WORDS_B);
  const bLinks = b.ids.capture.map((captureId) => {
    const url = new URL(familiar.mediaLinks.urlFor(b.id, captureId).url, 'http://x');
    return {
      captureId,
      u: url.searchParams.get('u') ?? '',
      expires: url.searchParams.get('expires') ?? '',
      signature: url.searchParams.get('signature') ?? '',
    };
  });
  return {
    home,
    familiar,
    app,
    db,
    a,
    b,
    revokedToken: revoked.token,
    bLinks,
    async close() {
      db.close();
      await familiar.close();
    },
  };
}
