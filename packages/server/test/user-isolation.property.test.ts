import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { ulid } from 'ulidx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from '../src/http/index.ts';
import {
  createIsolationWorld,
  ID_KINDS,
  type IdKind,
  ISOLATION_NOW,
  type IsolationWorld,
  kindsOf,
  secretsOf,
  snapshotUser,
} from './support/isolation-fixtures.ts';
import { isolationRoutes, type RequestDraft, type RouteCase } from './support/isolation-routes.ts';

/**
 * Routes that answer without a token. Under `/v1` nothing does, except `GET /v1/captures/:id/media` with a genuine,
 * unexpired signed link (made by the server for that user and capture), so `<img>` and `<audio>` tags can load it.
 */
const PUBLIC_ROUTES = ['GET /healthz', 'GET /', 'GET /manifest.webmanifest', 'GET /sw.js'] as const;
/** Routes under `/v1` that answer without a token by design: logging in and pairing (their own errors, never 401 only). */
const OPEN_V1_ROUTES = new Set(['POST /v1/session', 'POST /v1/pair']);
/** Middleware Hono lists in `app.routes` as `ALL` entries; any other entry is a route and must be covered. */
const MIDDLEWARE = new Set(['ALL /*', 'ALL /v1/*']);
/** B's own audit log: it lists what B did, so it may echo any id B ever sent. */
const AUDIT_ROUTE = 'GET /v1/audit';

const RUNS = Number(process.env.FAMILIAR_ISOLATION_RUNS ?? 1500);
const SEED = Number(process.env.FAMILIAR_ISOLATION_SEED ?? Math.floor(Math.random() * 2 ** 31));

type App = ReturnType<typeof createHttpApp>;
type CredentialKind = 'b' | 'none' | 'malformed' | 'revoked' | 'a-altered' | 'a-session-altered';
interface Credential {
  kind: CredentialKind;
  header: string | null;
  /** A browser session instead of a token: its cookie and CSRF token (unless the request brings its own cookie). */
  cookie?: string;
  csrf?: string;
}

interface Sent {
  status: number;
  /** Status line, every header and the whole body (streams read to the end), lower-cased. */
  response: string;
  /** Method, path, query, headers, body and the body's SHA-256 as sent, lower-cased (URL-decoded too). */
  request: string;
  /** The path without its query, URL-decoded and lower-cased. */
  path: string;
}

interface RouteStats {
  sent: number;
  bOk: number;
  statuses: Map<number, number>;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Sends one request in process and reads the whole answer (a Server-Sent Events stream to its end). */
async function send(
  app: App,
  draft: RequestDraft,
  credential: Credential,
  method = draft.method,
): Promise<Sent> {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(draft.query ?? {}))
    if (value !== undefined) query.set(key, value);
  const url = query.size > 0 ? `${draft.path}?${query}` : draft.path;
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(draft.headers ?? {}))
    if (value !== undefined) headers[key] = value;
  let body: string | Uint8Array | undefined = draft.body;
  if (draft.json !== undefined) {
    body = JSON.stringify(draft.json);
    headers['content-type'] ??= 'application/json';
  }
  if (credential.header !== null) headers.authorization = credential.header;
  if (credential.cookie !== undefined && headers.cookie === undefined) {
    headers.cookie = credential.cookie;
    if (credential.csrf !== undefined) headers['x-csrf-token'] = credential.csrf;
  }
  if (method === 'GET' || method === 'HEAD') body = undefined;
  const response = await app.request(url, { method, headers, ...(body === undefined ? {} : { body }) });
  const bytes = Buffer.from(await response.arrayBuffer());
  const responseText = [
    String(response.status),
    ...[...response.headers].map(([key, value]) => `${key}: ${value}`),
    bytes.toString('utf8'),
  ].join('\n');
  const bodyText =
    body === undefined ? '' : typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  // A body's SHA-256 is B's to know: captures are content-addressed, so B's upload of the same bytes has A's hash.
  const bodyHash = body === undefined ? '' : createHash('sha256').update(body).digest('hex');
  const requestText = [method, url, safeDecode(url), ...Object.values(headers), bodyText, bodyHash].join(
    '\n',
  );
  return {
    status: response.status,
    response: responseText.toLowerCase(),
    request: requestText.toLowerCase(),
    path: safeDecode(draft.path).toLowerCase(),
  };
}

/** The reason a property run failed (fast-check's report keeps the property's own error as its `cause`). */
async function failureOf(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (error) {
    const cause = error instanceof Error ? error.cause : undefined;
    return cause instanceof Error ? cause.message : String(error);
  }
  return 'the property held';
}

/** Two users on one server; B attacks A's data through every route. */
describe('per-user isolation over every HTTP route (property-based)', () => {
  let world: IsolationWorld;
  let routes: Record<string, RouteCase>;
  let secrets: string[];
  let before: Record<string, string[]>;
  /** B's ids by kind: the seeded ones, then every id of B's that a successful answer of B's names (drawn by index). */
  let bIds: Record<IdKind, string[]>;
  /** A's strings that B stored itself (in a successful write): B may see them again in its own data, in any run. */
  const storedByB = new Set<string>();
  /** Every string of A's that B sent, stored or not: B's own audit log records B's attempts, failed ones too. */
  const sentByB = new Set<string>();

  /** A's secrets in the answer that B did not send in this request and had not made its own before. */
  function leakedSecrets(sent: Sent, knownToB: ReadonlySet<string>): string[] {
    return secrets.filter(
      (secret) => sent.response.includes(secret) && !sent.request.includes(secret) && !knownToB.has(secret),
    );
  }

  /** Adds the ids of B's that an answer names (new goals, reminders, observations, facts…) to B's pool. */
  function learnIdsOfB(response: string): void {
    for (const match of new Set(response.match(/\b[0-9a-hjkmnp-tv-z]{26}\b/g) ?? [])) {
      const id = match.toUpperCase();
      for (const kind of kindsOf(world.db, world.b.id, id)) if (!bIds[kind].includes(id)) bIds[kind].push(id);
    }
  }

  /**
   * The property: `runs` requests drawn over every route, as B (mostly) or without a valid token. Each answer is
   * checked for A's secrets, the status rules and A's unchanged data. Throws fast-check's report (with the seed) on
   * the first failure; returns what B's requests did otherwise.
   */
  async function attack(app: App, runs: number, seed: number) {
    const { a, b } = world;
    const malformed = [
      'Bearer',
      'Bearer fam_',
      `Basic ${Buffer.from(`${a.words.name}:${a.words.name}`).toString('base64')}`,
      'Bearer not-a-token',
      `Bearer ${b.token} extra`,
      `Bearer ${b.token.slice(0, -1)}`,
      `Bearer ${a.id}`,
    ];
    const credential: fc.Arbitrary<Credential> = fc.oneof(
      { weight: 9, arbitrary: fc.constant<Credential>({ kind: 'b', header: `Bearer ${b.token}` }) },
      // B signed in to the web app: the session cookie and its CSRF token act as B.
      {
        weight: 3,
        arbitrary: fc.constant<Credential>({
          kind: 'b',
          header: null,
          cookie: b.web.cookie,
          csrf: b.web.csrf,
        }),
      },
      {
        weight: 1,
        // A's session cookie with its last character changed, with A's CSRF token: close to A's, never A's.
        arbitrary: fc.constant<Credential>({
          kind: 'a-session-altered',
          header: null,
          cookie: `${a.web.cookie.slice(0, -1)}${a.web.cookie.endsWith('A') ? 'B' : 'A'}`,
          csrf: a.web.csrf,
        }),
      },
      { weight: 1, arbitrary: fc.constant<Credential>({ kind: 'none', header: null }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(...malformed).map((header): Credential => ({ kind: 'malformed', header })),
      },
      {
        weight: 1,
        arbitrary: fc.constant<Credential>({ kind: 'revoked', header: `Bearer ${world.revokedToken}` }),
      },
      {
        weight: 1,
        // A's token with its last character changed: close to A's, never A's.
        arbitrary: fc.constant<Credential>({
          kind: 'a-altered',
          header: `Bearer ${a.token.slice(0, -1)}${a.token.endsWith('A') ? 'B' : 'A'}`,
        }),
      },
    );
    const request = fc.oneof(
      ...Object.entries(routes).map(([route, routeCase]) =>
        routeCase.attack.map((draft) => ({ route, draft })),
      ),
    );
    const otherMethod = fc.oneof(
      { weight: 9, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS', 'HEAD') },
    );

    const perRoute = new Map<string, RouteStats>();
    let bRequests = 0;
    let bOk = 0;

    await fc.assert(
      fc.asyncProperty(request, credential, otherMethod, async ({ route, draft }, who, swapped) => {
        const method = swapped ?? draft.method;
        const sent = await send(app, draft, who, method);
        const stats = perRoute.get(route) ?? { sent: 0, bOk: 0, statuses: new Map<number, number>() };
        stats.sent += 1;
        stats.statuses.set(sent.status, (stats.statuses.get(sent.status) ?? 0) + 1);
        perRoute.set(route, stats);
        const what = `${method} ${draft.path} as ${who.kind} → ${sent.status}`;

        // (a) Nothing of A's in the status, headers or (streamed) body that B did not send or store itself.
        const leaked = leakedSecrets(sent, route === AUDIT_ROUTE ? sentByB : storedByB);
        if (leaked.length > 0)
          throw new Error(`${what} shows A's ${leaked.join(', ')}:\n${sent.response.slice(0, 2000)}`);

        // Without a valid token, /v1 answers 401, except B's genuine signed media link (200, or 404 once B deleted
        // the capture). A request with a `signature` whose path id is not a ULID gets 404 before the signature is
        // checked (`parseId` runs first): no data either way.
        if (
          who.kind !== 'b' &&
          !draft.asB &&
          !OPEN_V1_ROUTES.has(`${method} ${draft.path}`) &&
          sent.path.startsWith('/v1')
        ) {
          const signed = (method === 'GET' || method === 'HEAD') && draft.query?.signature !== undefined;
          const allowed = signed ? (draft.signedLink ? [200, 404] : [401, 404]) : [401];
          if (!allowed.includes(sent.status)) throw new Error(`${what}: expected ${allowed.join(' or ')}`);
        }
        if (sent.status >= 500) throw new Error(`${what}: a server error:\n${sent.response.slice(0, 1000)}`);
        // A path naming one of A's ids or names (that B has not made its own) never succeeds.
        const named = secrets.filter((secret) => sent.path.includes(secret) && !storedByB.has(secret));
        if (named.length > 0 && sent.status < 300)
          throw new Error(`${what}: succeeded on A's ${named.join(', ')}:\n${sent.response.slice(0, 1000)}`);

        // (b) A's rows, search index and blob files are exactly as they were.
        const after = snapshotUser(world, a);
        for (const table of Object.keys(before))
          if (JSON.stringify(after[table]) !== JSON.stringify(before[table]))
            throw new Error(`${what} changed A's ${table}`);

        if (who.kind === 'b') {
          bRequests += 1;
          for (const secret of secrets) if (sent.request.includes(secret)) sentByB.add(secret);
          if (sent.status < 300) {
            bOk += 1;
            stats.bOk += 1;
            learnIdsOfB(sent.response);
            if (method !== 'GET' && method !== 'HEAD') {
              for (const secret of secrets) if (sent.request.includes(secret)) storedByB.add(secret);
              for (const made of draft.makes ?? []) storedByB.add(made.toLowerCase());
            }
          }
        }
      }),
      { numRuns: runs, seed, endOnFailure: true },
    );
    return { perRoute, bRequests, bOk };
  }

  beforeAll(async () => {
    world = await createIsolationWorld();
    bIds = Object.fromEntries(ID_KINDS.map((kind) => [kind, [...world.b.ids[kind]]])) as Record<
      IdKind,
      string[]
    >;
    routes = isolationRoutes(world, bIds);
    secrets = secretsOf(world).map((secret) => secret.toLowerCase());
    before = snapshotUser(world, world.a);
  }, 120_000);
  afterAll(async () => {
    await world?.close();
  });

  it('covers every route the app registers, and only those', () => {
    const registered = new Set(
      world.app.routes
        .map((route) => `${route.method} ${route.path}`)
        .filter((route) => !MIDDLEWARE.has(route)),
    );
    const uncovered = [...registered].filter((route) => !(route in routes));
    const stale = Object.keys(routes).filter((route) => !registered.has(route));
    expect(uncovered, 'routes with no request generator in test/support/isolation-routes.ts').toEqual([]);
    expect(stale, 'generators for routes the app no longer has').toEqual([]);
    expect(registered.size).toBeGreaterThan(50);
    // The seeded world has everything the generators draw from (a property over empty data would prove nothing).
    expect(secrets).toContain(world.a.words.contentToken);
    expect(secrets.length).toBeGreaterThan(60);
  });

  it("answers B's own requests on B's own data on every route (so the property is not passing on errors)", async () => {
    const bearer: Credential = { kind: 'b', header: `Bearer ${world.b.token}` };
    const failures: string[] = [];
    for (const [route, routeCase] of Object.entries(routes)) {
      for (const { draft, status = [200, 201], shows } of routeCase.own) {
        const sent = await send(world.app, draft, bearer);
        if (!status.includes(sent.status))
          failures.push(
            `${route}: ${sent.status} (expected ${status.join(' or ')}): ${sent.response.slice(0, 300)}`,
          );
        if (shows && !sent.response.includes(shows.toLowerCase()))
          failures.push(`${route}: the answer lacks "${shows}": ${sent.response.slice(0, 300)}`);
        const leaked = leakedSecrets(sent, new Set());
        if (leaked.length > 0) failures.push(`${route}: B's own request shows A's ${leaked.join(', ')}`);
      }
    }
    expect(failures).toEqual([]);
    expect(snapshotUser(world, world.a)).toEqual(before);
  }, 60_000);

  it("never lets B, or a request without a valid token, read, search, change or delete A's data", async () => {
    const started = performance.now();
    const { perRoute, bRequests, bOk } = await attack(world.app, RUNS, SEED);
    const seconds = (performance.now() - started) / 1000;
    const lines = [...perRoute.entries()]
      .sort(([x], [y]) => x.localeCompare(y))
      .map(
        ([route, stats]) =>
          `  ${route}: ${stats.sent} sent, ${stats.bOk} ok as B; ${[...stats.statuses.entries()]
            .sort(([x], [y]) => x - y)
            .map(([status, count]) => `${status}×${count}`)
            .join(' ')}`,
      );
    console.log(
      `isolation property: seed ${SEED}, ${RUNS} requests in ${seconds.toFixed(1)} s; ` +
        `${bOk}/${bRequests} of B's requests succeeded; ${storedByB.size} of A's strings B made its own\n${lines.join('\n')}`,
    );
    // (c) B's requests did real work: a property over error answers alone would prove nothing.
    expect(perRoute.size).toBe(Object.keys(routes).length);
    expect(bOk / bRequests).toBeGreaterThan(0.2);
    // B's own data still works after the run: a new note is stored, read back and found by ask.
    const bearer: Credential = { kind: 'b', header: `Bearer ${world.b.token}` };
    const note = {
      id: ulid(),
      modality: 'note',
      capturedAt: new Date(ISOLATION_NOW).toISOString(),
      text: `${world.b.words.contentToken} quokkamarmalade`,
    };
    const stored = await send(
      world.app,
      { method: 'POST', path: '/v1/observations', json: { observations: [note] } },
      bearer,
    );
    expect(stored.status, stored.response).toBe(200);
    const read = await send(world.app, { method: 'GET', path: `/v1/observations/${note.id}` }, bearer);
    expect(read.response).toContain(`${world.b.words.contentToken} quokkamarmalade`);
    const asked = await send(
      world.app,
      { method: 'POST', path: '/v1/ask', json: { question: 'quokkamarmalade' } },
      bearer,
    );
    expect(asked.response).toContain(`${world.b.words.contentToken} quokkamarmalade`);
    expect(snapshotUser(world, world.a)).toEqual(before);
  }, 180_000);

  it(`answers only ${PUBLIC_ROUTES.join(' and ')} without a token`, async () => {
    for (const key of PUBLIC_ROUTES) {
      const [method = 'GET', path = '/'] = key.split(' ');
      expect((await send(world.app, { method, path }, { kind: 'none', header: null })).status, key).toBe(200);
    }
  });

  it('catches a planted leak: a timeline whose reads ignore the caller', async () => {
    before = snapshotUser(world, world.a);
    const { timeline } = world.familiar;
    const leaky = createHttpApp({
      ...world.familiar,
      timeline: {
        ...timeline,
        get: (_actor, id) => timeline.get({ userId: world.a.id, deviceId: null, label: 'planted-leak' }, id),
      },
    });
    expect(await failureOf(attack(leaky, 2000, SEED))).toMatch(/shows A's|succeeded on A's/);
  }, 120_000);

  it("catches a planted write: a goal deletion that edits A's goal instead (restored after)", async () => {
    // The planted leak above read as A, which A's audit log recorded: this run starts from A's data as it is now.
    before = snapshotUser(world, world.a);
    const goal = world.a.keep.goal;
    const careless = createHttpApp({
      ...world.familiar,
      assistant: {
        ...world.familiar.assistant,
        deleteGoal: async () => {
          world.db
            .prepare("UPDATE goals SET title = title || '!' WHERE user_id = ? AND id = ?")
            .run(world.a.id, goal);
        },
      },
    });
    try {
      expect(await failureOf(attack(careless, 2000, SEED))).toMatch(/succeeded on A's|changed A's goals/);
    } finally {
      world.db
        .prepare(
          "UPDATE goals SET title = substr(title, 1, length(title) - 1) WHERE user_id = ? AND id = ? AND title LIKE '%!'",
        )
        .run(world.a.id, goal);
    }
    expect(snapshotUser(world, world.a)).toEqual(before);
  }, 120_000);
});
