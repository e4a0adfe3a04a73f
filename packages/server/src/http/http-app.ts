import {
  AskRequestSchema,
  type CaptureState,
  ListObservationsQuerySchema,
  PostObservationsRequestSchema,
  PrivacyRequestSchema,
  TimestampSchema,
  trustFor,
  UlidSchema,
} from '@familiar/protocol';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import type { Accounts, WebAuth } from '../accounts/index.ts';
import {
  type Ask,
  type AssistantService,
  type Chat,
  presentAnswer,
  presentRetrieved,
} from '../assistant/index.ts';
import {
  type Clock,
  describeIssues,
  FamiliarError,
  fromIso,
  type Logger,
  toIso,
  ValidationError,
} from '../kernel/index.ts';
import type { FamiliarMcpDependencies } from '../mcp/index.ts';
import {
  type MemoryService,
  type PeopleStore,
  presentCapture,
  presentObservation,
  type Timeline,
} from '../memory/index.ts';
import type { ModelSettingsService } from '../models/index.ts';
import type { MediaLinks, Privacy } from '../safety/index.ts';
import type { ServerFactsService } from '../server-facts.ts';
import { registerAssistantRoutes } from './assistant-routes.ts';
import { registerAuditRoutes } from './audit-routes.ts';
import { ERROR_STATUS } from './error-status.ts';
import { registerMcpRoutes } from './mcp-routes.ts';
import { registerMemoryRoutes } from './memory-routes.ts';
import { registerModelSettingsRoutes } from './model-settings-routes.ts';
import { registerOpenAiRoutes } from './openai-routes.ts';
import { actorOf, bearerToken, type Env, parseId, readJson } from './request-helpers.ts';
import { registerServerRoutes } from './server-routes.ts';
import { registerWebAppRoutes } from './web-app-routes.ts';
import { registerWebAuthRoutes, sessionCookie } from './web-auth-routes.ts';

const VERSION = '0.1.0';

/** What the HTTP edge needs from the composition root. */
export interface HttpDependencies extends FamiliarMcpDependencies {
  accounts: Accounts;
  /** The web app's sign-in: passphrase logins, session cookies with CSRF tokens, pairing codes. */
  webAuth: WebAuth;
  timeline: Timeline;
  ask: Ask;
  memory: MemoryService;
  assistant: AssistantService;
  chat: Chat;
  mediaLinks: MediaLinks;
  privacy: Privacy;
  /** Each person's model settings (the "Open models only" switch). */
  models: { settings: Pick<ModelSettingsService, 'view' | 'setOpenOnly'> };
  /** What the server can do for one person (`GET /v1/server`). */
  serverFacts: Pick<ServerFactsService, 'forUser'>;
  /** Tells connected devices when capture is paused or resumed over HTTP (the device hub). */
  onCaptureState?: (userId: string, state: CaptureState) => void;
  logger: Logger;
  clock: Clock;
  /** `webDir`: the built web app served at `/` (null: `packages/web/dist` of this repository). */
  config: { bodyLimit: number; mcpServer: { redact: boolean }; webDir?: string | null };
  people: Pick<PeopleStore, 'list'>;
}

/** True when the client asked for Server-Sent Events (`Accept: text/event-stream`). */
function wantsEventStream(accept: string | undefined): boolean {
  return (accept ?? '')
    .split(',')
    .some((type) => type.split(';')[0]?.trim().toLowerCase() === 'text/event-stream');
}

/** Methods that change nothing, so a session cookie needs no CSRF token for them. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** SQLite failures that are about the machine (disk full, locked, I/O), not the request. */
const STORAGE_ERROR = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|READONLY)/;

/**
 * The HTTP edge: thin routes over the services. Public: `/healthz`, the web app (`/` and its files), logging in
 * (`POST /v1/session`) and pairing (`POST /v1/pair`). Everything else under `/v1` needs a device token, or a browser
 * session cookie (with its CSRF token on anything but GET, HEAD and OPTIONS), and sees only that user's data; another
 * user's data answers 404, exactly like data that does not exist.
 */
export function createHttpApp(deps: HttpDependencies) {
  const { accounts, timeline, ask, mediaLinks, privacy, logger, config, clock } = deps;
  const app = new Hono<Env>();

  app.onError((error, c) => {
    if (error instanceof FamiliarError) {
      const status = ERROR_STATUS[error.code];
      if (status >= 500) logger.error({ err: error }, 'request failed');
      const retryAfter = (error.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
      if (error.code === 'rate_limited' && typeof retryAfter === 'number')
        c.header('retry-after', String(retryAfter));
      return c.json(
        {
          error: {
            code: error.code,
            message: error.message,
            ...(error.details === undefined ? {} : { details: error.details }),
          },
        },
        status,
      );
    }
    const sqliteCode = (error as { code?: unknown }).code;
    if (typeof sqliteCode === 'string' && STORAGE_ERROR.test(sqliteCode)) {
      logger.error({ err: error, path: c.req.path }, 'storage failed');
      return c.json(
        { error: { code: 'storage_failed', message: 'the store is unavailable right now; retry shortly' } },
        503,
      );
    }
    logger.error({ err: error, path: c.req.path }, 'unexpected error');
    return c.json(
      { error: { code: 'internal', message: 'something went wrong on the server; it has been logged' } },
      500,
    );
  });
  app.notFound((c) =>
    c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404),
  );

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    // The path only: query strings can hold media-link signatures.
    logger.debug(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });
  app.use(
    '*',
    bodyLimit({
      maxSize: config.bodyLimit,
      onError: (c) =>
        c.json(
          {
            error: {
              code: 'payload_too_large',
              message: `the request body is larger than ${config.bodyLimit} bytes`,
            },
          },
          413,
        ),
    }),
  );

  app.get('/healthz', (c) => c.json({ status: 'ok', version: VERSION }));

  // Signed media links work without a bearer token (for <img> and <audio> tags); everything else needs one.
  app.get('/v1/captures/:id/media', async (c, next) => {
    const signature = c.req.query('signature');
    if (signature === undefined) return next();
    const userId = c.req.query('u') ?? '';
    // The signature is checked before anything else, so a bad link always answers 401.
    const rawId = c.req.param('id');
    if (!mediaLinks.verify(userId, rawId, Number(c.req.query('expires')), signature)) {
      throw new FamiliarError(
        'unauthorized',
        'this media link is not valid or has expired: ask for a fresh one',
      );
    }
    const { capture, bytes } = await timeline.readCaptureMedia(
      { userId, deviceId: null, label: 'signed-link' },
      parseId(rawId, 'capture'),
    );
    return c.body(new Uint8Array(bytes), 200, {
      'content-type': capture.mediaType,
      'cache-control': 'private, max-age=60',
    });
  });

  // Logging in and pairing need no token; the session routes read the cookie themselves.
  registerWebAuthRoutes(app, deps.webAuth);

  // A device token, or else a browser session cookie; when both come, the token decides.
  app.use('/v1/*', async (c, next) => {
    const authorization = c.req.header('authorization');
    const cookie = authorization === undefined ? sessionCookie(c) : undefined;
    if (cookie !== undefined) {
      const principal = await deps.webAuth.authenticateSession(cookie);
      if (!SAFE_METHODS.has(c.req.method))
        deps.webAuth.checkCsrf(principal.session, c.req.header('x-csrf-token'));
      c.set('principal', principal);
    } else {
      c.set('principal', await accounts.authenticate(bearerToken(authorization)));
    }
    await next();
  });

  app.get('/v1/me', (c) => {
    const { user, device } = c.get('principal');
    return c.json({
      user: { id: user.id, name: user.name, timezone: user.timezone },
      device: device && {
        id: device.id,
        name: device.name,
        createdAt: toIso(device.createdAt),
        lastSeenAt: device.lastSeenAt === null ? null : toIso(device.lastSeenAt),
      },
    });
  });

  app.post('/v1/observations', async (c) => {
    const body = await readJson(c, PostObservationsRequestSchema);
    const principal = c.get('principal');
    // While capture is paused, what a device perceived is dropped here, never written; what the person typed is kept.
    const paused = await privacy.isPaused(principal.user.id);
    const kept = paused
      ? body.observations.filter((o) => trustFor(o.modality) === 'authored')
      : body.observations;
    const discarded = paused
      ? body.observations.filter((o) => trustFor(o.modality) !== 'authored').map((o) => o.id)
      : [];
    const { ids } = kept.length > 0 ? await timeline.ingest(actorOf(principal), kept) : { ids: [] };
    return c.json(discarded.length > 0 ? { ids, discarded } : { ids }, 200);
  });

  app.get('/v1/observations', async (c) => {
    const parsed = ListObservationsQuerySchema.safeParse(c.req.query());
    if (!parsed.success)
      throw new ValidationError('the query does not match the schema', describeIssues(parsed.error.issues));
    const query = parsed.data;
    const page = await timeline.list(actorOf(c.get('principal')), {
      limit: query.limit,
      ...(query.from ? { fromMs: fromIso(query.from) } : {}),
      ...(query.to ? { toMs: fromIso(query.to) } : {}),
      ...(query.modality ? { modality: query.modality } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
    return c.json({ observations: page.observations.map(presentObservation), nextCursor: page.nextCursor });
  });

  app.get('/v1/observations/:id', async (c) => {
    const observation = await timeline.get(
      actorOf(c.get('principal')),
      parseId(c.req.param('id'), 'observation'),
    );
    return c.json(presentObservation(observation));
  });

  app.delete('/v1/observations/:id', async (c) => {
    const id = parseId(c.req.param('id'), 'observation');
    const result = await timeline.forget(actorOf(c.get('principal')), { kind: 'ids', ids: [id] });
    return c.json({
      deleted: {
        observations: result.observations,
        captures: result.captures,
        blobs: result.unreferencedBlobs.length,
      },
    });
  });

  app.post('/v1/captures', async (c) => {
    const mediaType = c.req.header('content-type') ?? '';
    const capturedAtHeader = c.req.header('x-captured-at');
    let capturedAt = clock.now();
    if (capturedAtHeader !== undefined) {
      const parsed = TimestampSchema.safeParse(capturedAtHeader);
      if (!parsed.success)
        throw new ValidationError('X-Captured-At must be an ISO-8601 timestamp with a time zone');
      capturedAt = fromIso(parsed.data);
    }
    const idHeader = c.req.header('x-capture-id');
    let id: string | undefined;
    if (idHeader !== undefined) {
      const parsed = UlidSchema.safeParse(idHeader);
      if (!parsed.success) throw new ValidationError('X-Capture-Id must be a ULID');
      id = parsed.data;
    }
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (await privacy.isPaused(c.get('principal').user.id)) {
      throw new FamiliarError(
        'capture_paused',
        'capture is paused for this user: the media was discarded, nothing was stored',
      );
    }
    const { capture, created } = await timeline.addCapture(actorOf(c.get('principal')), {
      bytes,
      mediaType,
      capturedAt,
      ...(id ? { id } : {}),
    });
    return c.json(presentCapture(capture), created ? 201 : 200);
  });

  app.get('/v1/privacy', async (c) => c.json(await privacy.state(c.get('principal').user.id)));

  app.post('/v1/privacy', async (c) => {
    const body = await readJson(c, PrivacyRequestSchema);
    const principal = c.get('principal');
    const by = principal.device ? `device "${principal.device.name}"` : 'the API';
    const { state, changed } = await privacy.setPaused(actorOf(principal), body.paused, by);
    if (changed) deps.onCaptureState?.(principal.user.id, state);
    return c.json(state);
  });

  app.get('/v1/captures/:id', async (c) => {
    const principal = c.get('principal');
    const capture = await timeline.getCapture(actorOf(principal), parseId(c.req.param('id'), 'capture'));
    const link = mediaLinks.urlFor(principal.user.id, capture.id);
    return c.json({
      ...presentCapture(capture),
      mediaUrl: link.url,
      mediaUrlExpiresAt: new Date(link.expiresAt).toISOString(),
    });
  });

  app.get('/v1/captures/:id/media', async (c) => {
    const { capture, bytes } = await timeline.readCaptureMedia(
      actorOf(c.get('principal')),
      parseId(c.req.param('id'), 'capture'),
    );
    return c.body(new Uint8Array(bytes), 200, {
      'content-type': capture.mediaType,
      'cache-control': 'private, max-age=60',
    });
  });

  app.post('/v1/ask', async (c) => {
    const body = await readJson(c, AskRequestSchema);
    const principal = c.get('principal');
    const actor = {
      userId: principal.user.id,
      label: actorOf(principal).label,
      timezone: principal.user.timezone,
    };
    const linkFor = (captureId: string) => mediaLinks.urlFor(principal.user.id, captureId).url;
    const options = body.limit === undefined ? {} : { limit: body.limit };
    if (!wantsEventStream(c.req.header('accept'))) {
      return c.json(presentAnswer(await ask.ask(actor, body.question, options), linkFor));
    }
    // Server-Sent Events. Retrieval runs before the response starts, so its failures get their usual status.
    const stopped = new AbortController();
    const events = ask.stream(actor, body.question, { ...options, signal: stopped.signal });
    const first = await events.next();
    return streamSSE(c, async (sse) => {
      sse.onAbort(() => stopped.abort(new Error('the client went away')));
      try {
        for (let next = first; !next.done; next = await events.next()) {
          const event = next.value;
          if (sse.aborted) break;
          if (event.type === 'retrieved') {
            await sse.writeSSE({
              event: 'retrieved',
              data: JSON.stringify(presentRetrieved(event, linkFor)),
            });
          } else if (event.type === 'delta') {
            await sse.writeSSE({ event: 'delta', data: JSON.stringify({ text: event.text }) });
          } else {
            await sse.writeSSE({ event: 'done', data: JSON.stringify(presentAnswer(event.answer, linkFor)) });
          }
        }
      } catch (error) {
        if (sse.aborted) return;
        const known = error instanceof FamiliarError;
        if (!known || ERROR_STATUS[error.code] >= 500) logger.error({ err: error }, 'streamed ask failed');
        await sse.writeSSE({
          event: 'error',
          data: JSON.stringify(
            known
              ? { code: error.code, message: error.message }
              : { code: 'internal', message: 'something went wrong on the server; it has been logged' },
          ),
        });
      } finally {
        await events.return(undefined);
      }
    });
  });

  registerMemoryRoutes(app, deps);
  registerAssistantRoutes(app, deps.assistant, deps.chat);
  registerAuditRoutes(app, deps.audit);
  registerModelSettingsRoutes(app, deps.models.settings);
  registerServerRoutes(app, deps.serverFacts, VERSION);
  registerMcpRoutes(app, deps, { redact: deps.config.mcpServer.redact, people: deps.people });
  registerOpenAiRoutes(app, deps);
  // Last: the web app's files, and its page for any other address a browser opens.
  registerWebAppRoutes(app, { webDir: config.webDir ?? null, version: VERSION });

  return app;
}
