import fc from 'fast-check';
import { ulid } from 'ulidx';
import { FactKindSchema } from '../../src/memory/index.ts';
import {
  calendarFor,
  ID_KINDS,
  type IdKind,
  ISOLATION_NOW,
  type IsolationWorld,
  type SeededUser,
} from './isolation-fixtures.ts';

/** One request before its credential is chosen: method, path, query, extra headers and a JSON or raw body. */
export interface RequestDraft {
  method: string;
  path: string;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string | undefined>;
  json?: unknown;
  body?: string | Uint8Array;
  /** True when the query is exactly one of B's genuine signed media links (public by design). */
  signedLink?: boolean;
  /** Ids this request makes for B that equal A's by construction (ids derived from content both users sent). */
  makes?: readonly string[];
  /** True when the request carries one of B's own browser sessions (its cookie): it acts as B whatever the token. */
  asB?: boolean;
}

/**
 * How one route is exercised: `own` are B's valid requests on B's own data (each must succeed, with `status` and
 * `shows`, a text the answer must contain); `attack` draws requests whose ids, names and words are A's, B's or
 * arbitrary.
 */
export interface RouteCase {
  own: Array<{ draft: RequestDraft; status?: readonly number[]; shows?: string }>;
  attack: fc.Arbitrary<RequestDraft>;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const MCP_ACCEPT = 'application/json, text/event-stream';

const firstName = (name: string) => name.split(' ')[0] ?? name;
const at = (offset: number) => new Date(ISOLATION_NOW + offset).toISOString();

/** A path segment as a client would send it. */
const segment = (value: string) => encodeURIComponent(value);

/**
 * Every route of the HTTP app as `METHOD path` (as Hono's `app.routes` lists it), with B's own requests and the
 * attack requests. The test fails when the app has a route this table lacks, so a new route cannot escape it.
 */
export function isolationRoutes(
  world: IsolationWorld,
  bIds: Readonly<Record<IdKind, readonly string[]>> = world.b.ids,
): Record<string, RouteCase> {
  const { a, b, bLinks } = world;
  const allA = [...ID_KINDS.flatMap((kind) => a.ids[kind]), a.id];

  const randomUlid = fc
    .tuple(
      fc.constantFrom(...'01234567'),
      fc.string({ unit: fc.constantFrom(...CROCKFORD), minLength: 25, maxLength: 25 }),
    )
    .map(([head, tail]) => head + tail);
  /**
   * An id of a kind: A's (most often), B's, any of A's ids, A's in lower case, a random ULID or junk. B's are read
   * from `bIds` when drawn, so ids B made earlier in the run (the test adds them) are drawn too.
   */
  const id = (kind: IdKind) =>
    fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...a.ids[kind]) },
      { weight: 2, arbitrary: fc.nat().map((index) => bIds[kind][index % bIds[kind].length] ?? '') },
      // One of B's three newest (the older ones B may have deleted already).
      { weight: 2, arbitrary: fc.nat(2).map((back) => bIds[kind].at(-1 - (back % bIds[kind].length)) ?? '') },
      { weight: 2, arbitrary: fc.constantFrom(...allA) },
      { weight: 1, arbitrary: fc.constantFrom(...a.ids[kind]).map((value) => value.toLowerCase()) },
      { weight: 1, arbitrary: randomUlid },
      { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    );
  const names = (user: SeededUser) => [
    user.words.person.name,
    firstName(user.words.person.name),
    user.words.person.alias,
    user.words.otherPerson,
  ];
  const words = [
    a.words.searchWord,
    ...names(a),
    b.words.searchWord,
    ...names(b),
    'Friday',
    'report',
    'locker code',
    'wifi password',
    'dentist',
    'stand-up',
    'favourite colour',
    'harbour',
    'run',
    'books',
  ];
  const word = fc.constantFrom(...words);
  /** Text a request may carry: words of both users (never A's content token), questions, an id, or junk. */
  const text = fc.oneof(
    { weight: 3, arbitrary: word },
    { weight: 3, arbitrary: fc.array(word, { minLength: 1, maxLength: 4 }).map((parts) => parts.join(' ')) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            'what is the',
            'when did I see',
            'who is',
            'tell me about',
            'where is the',
            'what did',
          ),
          word,
        )
        .map(([question, about]) => `${question} ${about}`),
    },
    { weight: 1, arbitrary: fc.constantFrom(...allA) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  );
  const time = fc.constantFrom(
    at(-HOUR_MS),
    at(-5 * DAY_MS),
    at(2 * DAY_MS),
    '2026-02-20T12:00:00+01:00',
    '2027-01-01T00:00:00Z',
    'yesterday',
    '2026-13-40T99:00:00Z',
  );
  const limit = fc.oneof(
    fc.integer({ min: -1, max: 1001 }).map(String),
    fc.constantFrom('1', '5', '100', 'abc'),
  );
  const cursor = fc.oneof(fc.constantFrom(a.cursor, b.cursor), fc.string({ maxLength: 40 }));
  const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });

  const plain = (method: string, path: string): RouteCase => ({
    own: [{ draft: { method, path } }],
    attack: fc.constant({ method, path }),
  });
  /** A route with one id in its path (`:id`), drawn from `kind`. */
  const byId = (
    method: string,
    template: string,
    kind: IdKind | fc.Arbitrary<string>,
    own: RouteCase['own'],
    body?: fc.Arbitrary<unknown>,
  ): RouteCase => ({
    own,
    attack: fc
      .record({ value: typeof kind === 'string' ? id(kind) : kind, json: body ?? fc.constant(undefined) })
      .map(({ value, json }) => ({
        method,
        path: template.replace(':id', segment(value)),
        ...(json === undefined ? {} : { json }),
      })),
  });
  const ownAt = (
    method: string,
    template: string,
    value: string,
    extra: Omit<RequestDraft, 'method' | 'path'> = {},
  ) => ({
    method,
    path: template.replace(':id', value),
    ...extra,
  });
  /** A query route: each key optional. */
  const withQuery = (
    method: string,
    path: string,
    query: Record<string, fc.Arbitrary<string>>,
    own: RouteCase['own'],
  ): RouteCase => ({
    own,
    attack: fc.record(query, { requiredKeys: [] }).map((values) => ({ method, path, query: values })),
  });
  /** A JSON route: the body is drawn, or now and then replaced with junk. */
  const withJson = (
    method: string,
    path: string,
    body: fc.Arbitrary<unknown>,
    own: RouteCase['own'],
  ): RouteCase => ({
    own,
    attack: fc.oneof(
      { weight: 9, arbitrary: body.map((json) => ({ method, path, json })) },
      {
        weight: 1,
        arbitrary: fc
          .string({ maxLength: 50 })
          .map((raw) => ({ method, path, body: raw, headers: { 'content-type': 'application/json' } })),
      },
    ),
  });

  const signedLinkQuery = fc.oneof(
    // B's genuine link, exactly as the server made it.
    fc
      .constantFrom(...bLinks)
      .map((link) => ({
        id: link.captureId,
        query: { u: link.u, expires: link.expires, signature: link.signature },
      })),
    // Parts of B's links mixed with A's user id, A's or B's captures and forged values.
    fc.record({
      id: id('capture'),
      query: fc.record({
        u: fc.constantFrom(a.id, b.id, '', a.id.toLowerCase()),
        expires: fc.oneof(fc.constantFrom(...bLinks.map((link) => link.expires)), fc.integer().map(String)),
        signature: fc.oneof(
          fc.constantFrom(...bLinks.map((link) => link.signature)),
          fc.string({ maxLength: 44 }),
        ),
      }),
    }),
  );
  const isGenuine = (captureId: string, query: { u: string; expires: string; signature: string }) =>
    bLinks.some(
      (link) =>
        link.captureId === captureId &&
        link.u === query.u &&
        link.expires === query.expires &&
        link.signature === query.signature,
    );
  const bLink = bLinks.find((link) => link.captureId === b.keep.capture) ?? bLinks[0]!;

  const observationInput = fc.record(
    {
      id: fc.oneof(id('observation'), randomUlid),
      modality: fc.constantFrom('note', 'utterance', 'frame', 'chat', 'location', 'event', 'secret'),
      capturedAt: time,
      text,
      captureId: id('capture'),
      speaker: text,
    },
    { requiredKeys: ['id', 'modality', 'capturedAt', 'text'] },
  );
  const importantDate = fc.record({
    label: text,
    date: fc.constantFrom('--03-20', '2020-01-01', '2019-03-09', 'bad'),
  });
  const bCalendarWithAUids = calendarFor({ ...b.words, name: a.words.name });
  const chatMessage = fc.oneof(
    text,
    text.map((what) => `remind me to call ${what} tomorrow at 9`),
    fc.constantFrom(
      'what are my goals',
      'my inbox',
      "what's due this week",
      'pending actions',
      "what's overdue",
    ),
    text.map((what) => `how am I doing on ${what}`),
    text.map((what) => `done: ${what}`),
    text.map((what) => `snooze ${what} until Monday`),
    text.map((what) => `my goal is to ${what} by May`),
  );
  const mcpCall = fc.oneof(
    fc.record({ name: fc.constant('search_memory'), arguments: fc.record({ query: text }) }),
    fc.record({
      name: fc.constant('get_timeline'),
      arguments: fc.record(
        {
          cursor,
          limit: fc.integer({ min: 0, max: 201 }),
          from: time,
          modality: fc.constantFrom('note', 'frame'),
        },
        { requiredKeys: [] },
      ),
    }),
    fc.record({
      name: fc.constant('list_goals'),
      arguments: fc.record({ status: fc.constantFrom('all', 'active') }),
    }),
    fc.record({
      name: fc.constant('list_inbox'),
      arguments: fc.record({ status: fc.constantFrom('all', 'open') }),
    }),
    fc.record({
      name: fc.constant('get_person'),
      arguments: fc.oneof(fc.record({ id: id('person') }), fc.record({ name: text })),
    }),
  );

  return {
    'GET /healthz': {
      own: [{ draft: { method: 'GET', path: '/healthz' }, shows: 'ok' }],
      attack: fc.constant({ method: 'GET', path: '/healthz' }),
    },
    'GET /': {
      own: [{ draft: { method: 'GET', path: '/' }, shows: 'Familiar' }],
      attack: fc.constant({ method: 'GET', path: '/' }),
    },
    ...webAppRoutes(world, { text, id }),
    'GET /v1/captures/:id/media': {
      own: [
        {
          draft: {
            method: 'GET',
            path: `/v1/captures/${bLink.captureId}/media`,
            query: { u: bLink.u, expires: bLink.expires, signature: bLink.signature },
            signedLink: true,
          },
          shows: b.words.contentToken,
        },
        { draft: ownAt('GET', '/v1/captures/:id/media', b.keep.capture), shows: b.words.contentToken },
      ],
      attack: fc.oneof(
        signedLinkQuery.map(({ id: captureId, query }) => ({
          method: 'GET',
          path: `/v1/captures/${segment(captureId)}/media`,
          query,
          signedLink: isGenuine(captureId, query),
        })),
        id('capture').map((captureId) => ({
          method: 'GET',
          path: `/v1/captures/${segment(captureId)}/media`,
        })),
      ),
    },
    'GET /v1/me': {
      ...plain('GET', '/v1/me'),
      own: [{ draft: { method: 'GET', path: '/v1/me' }, shows: b.words.name }],
    },
    'POST /v1/observations': withJson(
      'POST',
      '/v1/observations',
      fc.record({ observations: fc.array(observationInput, { minLength: 1, maxLength: 3 }) }),
      [
        {
          draft: {
            method: 'POST',
            path: '/v1/observations',
            json: {
              observations: [
                {
                  id: ulid(),
                  modality: 'note',
                  capturedAt: at(-HOUR_MS),
                  text: `${b.words.contentToken} new note`,
                },
              ],
            },
          },
        },
      ],
    ),
    'GET /v1/observations': withQuery(
      'GET',
      '/v1/observations',
      {
        limit,
        modality: fc.constantFrom('note', 'frame', 'utterance', 'event', 'x'),
        from: time,
        to: time,
        cursor,
      },
      [{ draft: { method: 'GET', path: '/v1/observations' }, shows: b.words.contentToken }],
    ),
    'GET /v1/observations/:id': byId('GET', '/v1/observations/:id', 'observation', [
      { draft: ownAt('GET', '/v1/observations/:id', b.keep.observation), shows: b.words.contentToken },
    ]),
    'GET /v1/observations/:id/dependents': byId('GET', '/v1/observations/:id/dependents', 'observation', [
      {
        draft: ownAt('GET', '/v1/observations/:id/dependents', b.keep.observation),
        shows: b.words.contentToken,
      },
    ]),
    'GET /v1/search': withQuery('GET', '/v1/search', { q: text, limit }, [
      {
        draft: { method: 'GET', path: '/v1/search', query: { q: `${b.words.searchWord} locker code` } },
        shows: b.words.contentToken,
      },
    ]),
    'DELETE /v1/observations/:id': byId('DELETE', '/v1/observations/:id', 'observation', [
      { draft: ownAt('DELETE', '/v1/observations/:id', b.spare.observation) },
    ]),
    'POST /v1/captures': {
      own: [
        {
          draft: {
            method: 'POST',
            path: '/v1/captures',
            headers: { 'content-type': 'image/png', 'x-capture-id': ulid() },
            body: b.imageBytes,
          },
          status: [201],
        },
      ],
      attack: fc
        .record({
          type: fc.constantFrom('image/png', 'audio/wav', 'video/mp4', 'text/plain'),
          captureId: optional(id('capture')),
          capturedAt: optional(time),
          bytes: fc.oneof(
            fc.constant(a.imageBytes),
            fc.constant(b.imageBytes),
            fc.uint8Array({ minLength: 0, maxLength: 64 }),
          ),
        })
        .map(({ type, captureId, capturedAt, bytes }) => ({
          method: 'POST',
          path: '/v1/captures',
          headers: { 'content-type': type, 'x-capture-id': captureId, 'x-captured-at': capturedAt },
          body: bytes,
        })),
    },
    'GET /v1/privacy': plain('GET', '/v1/privacy'),
    'POST /v1/privacy': withJson('POST', '/v1/privacy', fc.record({ paused: fc.boolean() }), [
      { draft: { method: 'POST', path: '/v1/privacy', json: { paused: false } } },
    ]),
    'GET /v1/captures/:id': byId('GET', '/v1/captures/:id', 'capture', [
      { draft: ownAt('GET', '/v1/captures/:id', b.keep.capture), shows: b.keep.capture },
    ]),
    'POST /v1/ask': {
      own: [
        {
          draft: { method: 'POST', path: '/v1/ask', json: { question: `${b.words.searchWord} locker code` } },
          shows: b.words.contentToken,
        },
        {
          draft: {
            method: 'POST',
            path: '/v1/ask',
            json: { question: `${b.words.searchWord} locker code` },
            headers: { accept: 'text/event-stream' },
          },
          shows: b.words.contentToken,
        },
      ],
      attack: fc
        .record({
          json: fc.record(
            { question: text, limit: fc.integer({ min: 0, max: 25 }) },
            { requiredKeys: ['question'] },
          ),
          accept: fc.constantFrom('application/json', 'text/event-stream'),
        })
        .map(({ json, accept }) => ({ method: 'POST', path: '/v1/ask', json, headers: { accept } })),
    },
    'GET /v1/facts': withQuery(
      'GET',
      '/v1/facts',
      {
        kind: fc.constantFrom(...FactKindSchema.options, 'x'),
        about: text,
        status: fc.constantFrom('active', 'all', 'x'),
        limit,
      },
      [
        {
          draft: { method: 'GET', path: '/v1/facts', query: { status: 'all' } },
          shows: b.words.contentToken,
        },
      ],
    ),
    'GET /v1/facts/:id': byId('GET', '/v1/facts/:id', 'fact', [
      { draft: ownAt('GET', '/v1/facts/:id', b.keep.fact), shows: b.keep.fact },
    ]),
    'PATCH /v1/facts/:id': byId(
      'PATCH',
      '/v1/facts/:id',
      'fact',
      [{ draft: ownAt('PATCH', '/v1/facts/:id', b.keep.fact, { json: { object: 'green' } }) }],
      fc.record({ object: text, statement: text, validFrom: time, validTo: time }, { requiredKeys: [] }),
    ),
    'DELETE /v1/facts/:id': byId('DELETE', '/v1/facts/:id', 'fact', [
      { draft: ownAt('DELETE', '/v1/facts/:id', b.spare.fact) },
    ]),
    'GET /v1/episodes': withQuery(
      'GET',
      '/v1/episodes',
      { from: time, to: time, order: fc.constantFrom('asc', 'desc', 'x'), limit },
      [{ draft: { method: 'GET', path: '/v1/episodes' }, shows: b.keep.episode }],
    ),
    'GET /v1/episodes/:id': byId('GET', '/v1/episodes/:id', 'episode', [
      { draft: ownAt('GET', '/v1/episodes/:id', b.keep.episode), shows: b.words.contentToken },
    ]),
    'PATCH /v1/episodes/:id': byId(
      'PATCH',
      '/v1/episodes/:id',
      'episode',
      [
        {
          draft: ownAt('PATCH', '/v1/episodes/:id', b.keep.episode, {
            json: { title: `${b.words.searchWord} morning` },
          }),
        },
      ],
      fc.record({ title: text, summary: text }, { requiredKeys: [] }),
    ),
    'DELETE /v1/episodes/:id': byId('DELETE', '/v1/episodes/:id', 'episode', [
      { draft: ownAt('DELETE', '/v1/episodes/:id', b.spare.episode) },
    ]),
    'GET /v1/people': {
      ...plain('GET', '/v1/people'),
      own: [{ draft: { method: 'GET', path: '/v1/people' }, shows: b.words.person.name }],
    },
    'GET /v1/people/:id': byId('GET', '/v1/people/:id', 'person', [
      { draft: ownAt('GET', '/v1/people/:id', b.keep.person), shows: b.words.person.name },
    ]),
    'PATCH /v1/people/:id': byId(
      'PATCH',
      '/v1/people/:id',
      'person',
      [{ draft: ownAt('PATCH', '/v1/people/:id', b.keep.person, { json: { relationship: 'cousin' } }) }],
      fc.record(
        {
          name: text,
          aliases: fc.array(text, { maxLength: 2 }),
          relationship: fc.option(text, { nil: null }),
          importantDates: fc.array(importantDate, { maxLength: 2 }),
        },
        { requiredKeys: [] },
      ),
    ),
    'DELETE /v1/people/:id': byId('DELETE', '/v1/people/:id', 'person', [
      { draft: ownAt('DELETE', '/v1/people/:id', b.spare.person) },
    ]),
    'GET /v1/goals': withQuery(
      'GET',
      '/v1/goals',
      { status: fc.constantFrom('active', 'achieved', 'abandoned', 'all', 'x') },
      [
        {
          draft: { method: 'GET', path: '/v1/goals', query: { status: 'all' } },
          shows: b.words.contentToken,
        },
      ],
    ),
    'POST /v1/goals': withJson(
      'POST',
      '/v1/goals',
      fc.record(
        { text, deadline: fc.option(time, { nil: null }), plan: fc.array(text, { maxLength: 2 }) },
        { requiredKeys: ['text'] },
      ),
      [
        {
          draft: { method: 'POST', path: '/v1/goals', json: { text: 'swim 20 lengths every week' } },
          status: [201],
        },
      ],
    ),
    'GET /v1/goals/:id': byId('GET', '/v1/goals/:id', 'goal', [
      { draft: ownAt('GET', '/v1/goals/:id', b.keep.goal), shows: b.words.contentToken },
    ]),
    'PATCH /v1/goals/:id': byId(
      'PATCH',
      '/v1/goals/:id',
      'goal',
      [{ draft: ownAt('PATCH', '/v1/goals/:id', b.keep.goal, { json: { title: 'Run 10 km' } }) }],
      fc.record(
        {
          title: text,
          plan: fc.array(text, { maxLength: 2 }),
          status: fc.constantFrom('active', 'achieved', 'abandoned', 'x'),
          deadline: fc.option(time, { nil: null }),
        },
        { requiredKeys: [] },
      ),
    ),
    'DELETE /v1/goals/:id': byId('DELETE', '/v1/goals/:id', 'goal', [
      { draft: ownAt('DELETE', '/v1/goals/:id', b.spare.goal) },
    ]),
    'POST /v1/goals/:id/progress': byId(
      'POST',
      '/v1/goals/:id/progress',
      'goal',
      [
        {
          draft: ownAt('POST', '/v1/goals/:id/progress', b.keep.goal, {
            json: { amount: 3, note: 'park run' },
          }),
          status: [201],
        },
      ],
      fc.record(
        { amount: fc.integer({ min: -5, max: 100 }), at: time, note: text },
        { requiredKeys: ['amount'] },
      ),
    ),
    'POST /v1/progress/:id/confirm': byId('POST', '/v1/progress/:id/confirm', 'progress', [
      { draft: ownAt('POST', '/v1/progress/:id/confirm', b.keep.progress) },
    ]),
    'POST /v1/progress/:id/reject': byId('POST', '/v1/progress/:id/reject', 'progress', [
      { draft: ownAt('POST', '/v1/progress/:id/reject', b.keep.progress) },
    ]),
    'GET /v1/inbox': withQuery(
      'GET',
      '/v1/inbox',
      {
        kind: fc.constantFrom('commitment', 'reminder', 'nudge', 'digest', 'x'),
        status: fc.constantFrom('pending', 'to_confirm', 'snoozed', 'done', 'dismissed', 'all', 'open', 'x'),
        limit,
      },
      [
        {
          draft: { method: 'GET', path: '/v1/inbox', query: { status: 'all' } },
          shows: b.words.contentToken,
        },
      ],
    ),
    'POST /v1/inbox': withJson(
      'POST',
      '/v1/inbox',
      fc.record(
        { title: text, due: fc.option(time, { nil: null }), body: text },
        { requiredKeys: ['title'] },
      ),
      [{ draft: { method: 'POST', path: '/v1/inbox', json: { title: 'water the plants' } }, status: [201] }],
    ),
    'GET /v1/inbox/:id': byId('GET', '/v1/inbox/:id', 'inbox', [
      { draft: ownAt('GET', '/v1/inbox/:id', b.keep.inbox), shows: b.words.contentToken },
    ]),
    'POST /v1/inbox/:id/snooze': byId(
      'POST',
      '/v1/inbox/:id/snooze',
      'inbox',
      [{ draft: ownAt('POST', '/v1/inbox/:id/snooze', b.keep.inbox, { json: { until: at(2 * DAY_MS) } }) }],
      fc.record({ until: time }),
    ),
    'POST /v1/inbox/:id/confirm': byId('POST', '/v1/inbox/:id/confirm', 'inbox', [
      // A reminder the person set needs no confirmation: 409 says so, about B's own item.
      { draft: ownAt('POST', '/v1/inbox/:id/confirm', b.keep.inbox), status: [200, 409] },
    ]),
    'POST /v1/inbox/:id/complete': byId('POST', '/v1/inbox/:id/complete', 'inbox', [
      { draft: ownAt('POST', '/v1/inbox/:id/complete', b.keep.inbox) },
    ]),
    'POST /v1/inbox/:id/dismiss': byId('POST', '/v1/inbox/:id/dismiss', 'inbox', [
      { draft: ownAt('POST', '/v1/inbox/:id/dismiss', b.spare.inbox) },
    ]),
    'GET /v1/people/:id/assistant': byId(
      'GET',
      '/v1/people/:id/assistant',
      fc.oneof(id('person'), fc.constantFrom(...names(a), ...names(b)), text),
      [
        {
          draft: ownAt('GET', '/v1/people/:id/assistant', segment(b.words.person.alias)),
          shows: b.words.person.name,
        },
      ],
    ),
    'GET /v1/assistant/settings': {
      ...plain('GET', '/v1/assistant/settings'),
      own: [{ draft: { method: 'GET', path: '/v1/assistant/settings' }, shows: '08:30' }],
    },
    'PATCH /v1/assistant/settings': withJson(
      'PATCH',
      '/v1/assistant/settings',
      fc.record(
        {
          digestAt: fc.constantFrom('06:00', '25:00'),
          maxPerHour: fc.integer({ min: -1, max: 61 }),
          dateLeadDays: fc.integer({ min: 0, max: 61 }),
          notNowUntil: fc.option(time, { nil: null }),
        },
        { requiredKeys: [] },
      ),
      [{ draft: { method: 'PATCH', path: '/v1/assistant/settings', json: { maxPerDay: 20 } } }],
    ),
    'GET /v1/settings/models': {
      ...plain('GET', '/v1/settings/models'),
      own: [{ draft: { method: 'GET', path: '/v1/settings/models' }, shows: 'lockedByConfig' }],
    },
    // The same engines for everyone, B's own routing decisions: nothing of A's may show.
    'GET /v1/server': {
      ...plain('GET', '/v1/server'),
      own: [{ draft: { method: 'GET', path: '/v1/server' }, shows: 'speechRecognition' }],
    },
    'PATCH /v1/settings/models': withJson(
      'PATCH',
      '/v1/settings/models',
      fc.oneof(
        { weight: 4, arbitrary: fc.record({ openOnly: fc.boolean() }) },
        { weight: 1, arbitrary: fc.record({ openOnly: fc.constantFrom('off', null, 0) }) },
        { weight: 1, arbitrary: fc.record({ openOnly: fc.boolean(), everyone: fc.constant(true) }) },
      ),
      [{ draft: { method: 'PATCH', path: '/v1/settings/models', json: { openOnly: true } } }],
    ),
    'GET /v1/digest': withQuery(
      'GET',
      '/v1/digest',
      { day: fc.constantFrom('2026-03-01', '2026-03-02', '2026-02-27', 'bad') },
      [{ draft: { method: 'GET', path: '/v1/digest', query: { day: '2026-03-02' } } }],
    ),
    'GET /v1/calendar.ics': {
      ...plain('GET', '/v1/calendar.ics'),
      own: [{ draft: { method: 'GET', path: '/v1/calendar.ics' }, shows: 'BEGIN:VCALENDAR' }],
    },
    'POST /v1/calendar': {
      own: [
        {
          draft: {
            method: 'POST',
            path: '/v1/calendar',
            headers: { 'content-type': 'text/calendar' },
            body: calendarFor(b.words),
          },
        },
      ],
      attack: fc
        .record({
          // B's words with A's event UIDs and starts: the same derived observation ids as A's events.
          body: fc.oneof(
            fc.constant(bCalendarWithAUids),
            fc.constant(calendarFor(b.words)),
            fc.string({ maxLength: 40 }),
          ),
          type: fc.constantFrom('text/calendar', 'application/json'),
        })
        .map(({ body, type }) => ({
          method: 'POST',
          path: '/v1/calendar',
          headers: { 'content-type': type },
          body,
          ...(body === bCalendarWithAUids ? { makes: a.calendarObservations } : {}),
        })),
    },
    'POST /v1/chat': withJson(
      'POST',
      '/v1/chat',
      fc.record(
        {
          message: chatMessage,
          history: fc.array(fc.record({ role: fc.constantFrom('user', 'assistant'), content: text }), {
            maxLength: 2,
          }),
        },
        { requiredKeys: ['message'] },
      ),
      [
        {
          draft: {
            method: 'POST',
            path: '/v1/chat',
            json: { message: `what is the ${b.words.searchWord} locker code` },
          },
          shows: b.words.contentToken,
        },
      ],
    ),
    'GET /v1/actions': withQuery(
      'GET',
      '/v1/actions',
      {
        status: fc.constantFrom('pending', 'confirmed', 'rejected', 'expired', 'done', 'failed', 'all', 'x'),
      },
      [
        {
          draft: { method: 'GET', path: '/v1/actions', query: { status: 'all' } },
          shows: b.words.contentToken,
        },
      ],
    ),
    'POST /v1/actions/:id/confirm': byId('POST', '/v1/actions/:id/confirm', 'action', [
      { draft: ownAt('POST', '/v1/actions/:id/confirm', b.keep.action), shows: b.words.contentToken },
    ]),
    'POST /v1/actions/:id/reject': byId('POST', '/v1/actions/:id/reject', 'action', [
      { draft: ownAt('POST', '/v1/actions/:id/reject', b.spare.action) },
    ]),
    'GET /v1/tools': plain('GET', '/v1/tools'),
    'GET /v1/audit': withQuery(
      'GET',
      '/v1/audit',
      {
        since: fc.oneof(fc.constantFrom(at(-30 * DAY_MS), at(-DAY_MS)), time),
        action: fc.constantFrom('observation', 'capture.', 'ask', 'mcp.tool', 'goals.', 'assistant.', 'X'),
        limit,
        // Cursors before any sequence number (A's rows are interleaved with B's), and junk.
        cursor: fc.oneof(
          {
            weight: 4,
            arbitrary: fc
              .integer({ min: 0, max: 100_000 })
              .map((seq) => Buffer.from(`audit:${seq}`).toString('base64url')),
          },
          { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
        ),
      },
      [{ draft: { method: 'GET', path: '/v1/audit', query: { limit: '1000' } }, shows: b.keep.capture }],
    ),
    'POST /v1/mcp': {
      own: [
        {
          draft: {
            method: 'POST',
            path: '/v1/mcp',
            headers: { accept: MCP_ACCEPT },
            json: {
              jsonrpc: '2.0',
              id: 1,
              method: 'tools/call',
              params: { name: 'search_memory', arguments: { query: `${b.words.searchWord} locker code` } },
            },
          },
          shows: b.words.contentToken,
        },
      ],
      attack: fc
        .record({
          accept: fc.constantFrom(MCP_ACCEPT, MCP_ACCEPT, 'application/json'),
          message: fc.oneof(
            mcpCall.map((params) => ({ jsonrpc: '2.0', id: 7, method: 'tools/call', params })),
            fc.constant({ jsonrpc: '2.0', id: 8, method: 'tools/list', params: {} }),
          ),
        })
        .map(({ accept, message }) => ({
          method: 'POST',
          path: '/v1/mcp',
          headers: { accept },
          json: message,
        })),
    },
    'GET /v1/mcp': {
      ...plain('GET', '/v1/mcp'),
      own: [{ draft: { method: 'GET', path: '/v1/mcp' }, status: [405] }],
    },
    'DELETE /v1/mcp': {
      ...plain('DELETE', '/v1/mcp'),
      own: [{ draft: { method: 'DELETE', path: '/v1/mcp' }, status: [405] }],
    },
    'GET /v1/models': {
      ...plain('GET', '/v1/models'),
      own: [{ draft: { method: 'GET', path: '/v1/models' }, shows: 'familiar' }],
    },
    'POST /v1/chat/completions': withJson(
      'POST',
      '/v1/chat/completions',
      fc.record(
        {
          model: fc.constantFrom('familiar', 'familiar', 'familiar:none', 'gpt-4o'),
          messages: fc.array(
            fc.record({ role: fc.constantFrom('user', 'system', 'assistant'), content: text }),
            {
              minLength: 1,
              maxLength: 2,
            },
          ),
          stream: fc.boolean(),
        },
        { requiredKeys: ['model', 'messages'] },
      ),
      [
        {
          draft: {
            method: 'POST',
            path: '/v1/chat/completions',
            json: {
              model: 'familiar',
              messages: [{ role: 'user', content: `${b.words.searchWord} locker code` }],
            },
          },
          shows: b.words.contentToken,
        },
      ],
    ),
  };
}

/**
 * The web app's routes: its files and pages (public, never data), logging in, the session and pairing. B uses its own
 * sessions (the spare one is the one it may log out) and codes; A's cookie and pairing code are only ever altered.
 */
function webAppRoutes(
  world: IsolationWorld,
  draw: { text: fc.Arbitrary<string>; id: (kind: IdKind) => fc.Arbitrary<string> },
): Record<string, RouteCase> {
  const { a, b } = world;
  const alter = (value: string) => `${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`;
  const file = (prefix: string, own: string, type: string): RouteCase => ({
    own: [{ draft: { method: 'GET', path: `${prefix}${own}` }, shows: type }],
    attack: fc
      .oneof(
        fc.constantFrom(
          own,
          'missing.js',
          '../index.html',
          '..%2f..%2fpackage.json',
          '%2e%2e/%2e%2e/secret',
          '',
        ),
        draw.text.map(encodeURIComponent),
        draw.id('capture'),
      )
      .map((name) => ({ method: 'GET', path: `${prefix}${name}` })),
  });
  const cookie = fc.oneof(
    fc.constant({ value: b.web.cookie, asB: true }),
    fc.constant({ value: alter(a.web.cookie), asB: false }),
    fc.constant({ value: alter(b.web.cookie), asB: false }),
    fc.string({ maxLength: 60 }).map((junk) => ({ value: `familiar_session=${junk}`, asB: false })),
    fc.constant({ value: undefined, asB: false }),
  );
  const csrf = fc.option(fc.constantFrom(a.web.csrf, b.web.spareCsrf, 'x'.repeat(43)), { nil: undefined });
  return {
    'GET /assets/*': file('/assets/', 'app-abc123.js', 'javascript'),
    'GET /icons/*': file('/icons/', 'icon-192.png', 'image/png'),
    'GET /manifest.webmanifest': {
      own: [{ draft: { method: 'GET', path: '/manifest.webmanifest' }, shows: 'manifest+json' }],
      attack: fc.constant({ method: 'GET', path: '/manifest.webmanifest' }),
    },
    'GET /sw.js': {
      own: [{ draft: { method: 'GET', path: '/sw.js' }, shows: 'javascript' }],
      attack: fc.constant({ method: 'GET', path: '/sw.js' }),
    },
    // Client-side routes get the page for a browser, never data: no path drawn here names A's data.
    'GET /*': {
      own: [
        { draft: { method: 'GET', path: '/today', headers: { accept: 'text/html' } }, shows: 'Familiar app' },
      ],
      attack: fc
        .record({
          path: fc.oneof(
            fc.constantFrom('/today', '/ask', '/device', '/pair', '/memory/search', '/nothing'),
            fc.constantFrom(...b.ids.observation).map((id) => `/memory/${id}`),
            fc.string({ maxLength: 20 }).map((junk) => `/x/${encodeURIComponent(junk)}`),
          ),
          accept: fc.constantFrom('text/html', 'application/json', '*/*'),
        })
        .map(({ path, accept }) => ({ method: 'GET', path, headers: { accept } })),
    },
    'POST /v1/session': {
      own: [
        {
          draft: {
            method: 'POST',
            path: '/v1/session',
            json: { user: b.words.name, passphrase: b.web.passphrase },
          },
          shows: b.words.name,
        },
      ],
      attack: fc
        .record({
          user: fc.oneof(fc.constantFrom(a.words.name, b.words.name, a.words.name.toUpperCase()), draw.text),
          passphrase: fc.oneof(fc.constant(b.web.passphrase), draw.text, fc.string({ maxLength: 30 })),
        })
        .map((body) => ({ method: 'POST', path: '/v1/session', json: body })),
    },
    'GET /v1/session': {
      own: [
        {
          draft: { method: 'GET', path: '/v1/session', headers: { cookie: b.web.cookie }, asB: true },
          shows: b.web.csrf,
        },
      ],
      attack: cookie.map(({ value, asB }) => ({
        method: 'GET',
        path: '/v1/session',
        headers: { cookie: value ?? '' },
        asB,
      })),
    },
    'DELETE /v1/session': {
      own: [
        {
          draft: {
            method: 'DELETE',
            path: '/v1/session',
            headers: { cookie: b.web.spareCookie, 'x-csrf-token': b.web.spareCsrf },
            asB: true,
          },
          status: [204],
        },
      ],
      attack: fc
        .record({
          cookie: fc.oneof(cookie, fc.constant({ value: b.web.spareCookie, asB: true })),
          csrf,
        })
        .map(({ cookie: chosen, csrf: token }) => ({
          method: 'DELETE',
          path: '/v1/session',
          // B's main session never travels with its own CSRF token here, so it is never logged out.
          headers: { cookie: chosen.value ?? '', 'x-csrf-token': token },
          asB: chosen.asB,
        })),
    },
    'POST /v1/pair': {
      own: [{ draft: { method: 'POST', path: '/v1/pair', json: { code: b.web.code } }, shows: b.token }],
      attack: fc
        .oneof(
          fc.constantFrom(alter(a.web.code), b.web.code),
          draw.text,
          fc.string({ minLength: 16, maxLength: 40 }),
        )
        .map((code) => ({ method: 'POST', path: '/v1/pair', json: { code } })),
    },
  };
}
