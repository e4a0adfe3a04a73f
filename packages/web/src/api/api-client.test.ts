import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Credentials, createApiClient } from './api-client.ts';
import { ApiError, describeError } from './api-error.ts';
import { createFamiliarApi } from './familiar-api.ts';

interface Recorded {
  url: string;
  method: string;
  headers: Record<string, string>;
  credentials: RequestCredentials | undefined;
  body: unknown;
}

/** A fetch that records each request and answers from a queue of canned responses. */
function fakeFetch(...responses: (Response | Error)[]) {
  const calls: Recorded[] = [];
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    calls.push({
      url: String(input),
      method: init.method ?? 'GET',
      headers: { ...(init.headers as Record<string, string>) },
      credentials: init.credentials,
      body: init.body,
    });
    const next = responses.shift();
    if (!next) throw new Error('no response queued');
    if (next instanceof Error) throw next;
    return next;
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const session: Credentials = { kind: 'session', csrfToken: 'csrf-123' };
const Ok = z.object({ ok: z.boolean() });

describe('createApiClient', () => {
  it('sends the CSRF token from the session on unsafe methods only, with same-origin cookies', async () => {
    const { fetch, calls } = fakeFetch(
      json({ ok: true }),
      json({ ok: true }),
      json({ ok: true }),
      new Response(null, { status: 204 }),
    );
    const client = createApiClient({ credentials: () => session, fetch });
    await client.request('GET', '/v1/inbox', { schema: Ok });
    await client.request('POST', '/v1/privacy', { json: { paused: true }, schema: Ok });
    await client.request('PATCH', '/v1/goals/1', { json: { title: 'x' }, schema: Ok });
    await client.request('DELETE', '/v1/session');
    expect(calls.map((c) => [c.method, c.headers['x-csrf-token'] ?? null, c.credentials])).toEqual([
      ['GET', null, 'same-origin'],
      ['POST', 'csrf-123', 'same-origin'],
      ['PATCH', 'csrf-123', 'same-origin'],
      ['DELETE', 'csrf-123', 'same-origin'],
    ]);
    expect(calls.every((c) => c.headers.authorization === undefined)).toBe(true);
    expect(calls[1]!.headers['content-type']).toBe('application/json');
    expect(calls[1]!.body).toBe('{"paused":true}');
  });

  it('uses the device token as a bearer token, without cookies or a CSRF header', async () => {
    const { fetch, calls } = fakeFetch(json({ ok: true }));
    const client = createApiClient({ credentials: () => ({ kind: 'device', token: 'fam_abc' }), fetch });
    await client.request('POST', '/v1/privacy', { json: { paused: false }, schema: Ok });
    expect(calls[0]!.headers.authorization).toBe('Bearer fam_abc');
    expect(calls[0]!.headers['x-csrf-token']).toBeUndefined();
    expect(calls[0]!.credentials).toBe('omit');
  });

  it('reads the credentials at each request, so a login takes effect at once', async () => {
    let credentials: Credentials = { kind: 'none' };
    const { fetch, calls } = fakeFetch(json({ ok: true }), json({ ok: true }));
    const client = createApiClient({ credentials: () => credentials, fetch });
    await client.request('POST', '/v1/session', { json: {}, schema: Ok });
    credentials = { kind: 'session', csrfToken: 'fresh' };
    await client.request('POST', '/v1/inbox', { json: {}, schema: Ok });
    expect(calls.map((c) => c.headers['x-csrf-token'] ?? null)).toEqual([null, 'fresh']);
  });

  it("turns the server's error body into an ApiError with its code, message and retry-after", async () => {
    const { fetch } = fakeFetch(
      json({ error: { code: 'rate_limited', message: 'Too many failed logins.' } }, 429, {
        'retry-after': '600',
      }),
    );
    const client = createApiClient({ credentials: () => ({ kind: 'none' }), fetch });
    const error = await client
      .request('POST', '/v1/session', { json: {}, schema: Ok })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      code: 'rate_limited',
      status: 429,
      retryAfterSeconds: 600,
      retryable: true,
    });
    expect(describeError(error)).toBe('Too many failed logins. Try again in 10 minutes.');
  });

  it('says the server is offline when fetch itself fails, and refuses answers of the wrong shape', async () => {
    const { fetch } = fakeFetch(new TypeError('Failed to fetch'), json({ ok: 'yes' }));
    const client = createApiClient({ credentials: () => session, fetch });
    await expect(client.request('GET', '/v1/me', { schema: Ok })).rejects.toMatchObject({
      code: 'offline',
      status: 0,
    });
    await expect(client.request('GET', '/v1/me', { schema: Ok })).rejects.toMatchObject({
      code: 'bad_response',
      details: ['ok: Invalid input: expected boolean, received string'],
    });
  });

  it('puts the query in the URL, leaving out undefined values', async () => {
    const { fetch, calls } = fakeFetch(json({ events: [], nextCursor: null }));
    const api = createFamiliarApi(
      createApiClient({ baseUrl: 'https://home.local:7777/', credentials: () => session, fetch }),
    );
    await api.audit.list({ action: 'model.', limit: 20 });
    expect(calls[0]!.url).toBe('https://home.local:7777/v1/audit?action=model.&limit=20');
    expect(api.url('/v1/captures/X/media?sig=1')).toBe('https://home.local:7777/v1/captures/X/media?sig=1');
  });
});

describe('createFamiliarApi', () => {
  it('logs in with the session contract and validates the answer', async () => {
    const { fetch, calls } = fakeFetch(
      json({
        user: { id: '01M8JEY5EQ3AWFCAYFFHKSH94R', name: 'ada', timezone: 'Europe/London' },
        csrfToken: 'tok',
        expiresAt: '2026-12-29T00:00:00.000Z',
      }),
    );
    const api = createFamiliarApi(createApiClient({ credentials: () => ({ kind: 'none' }), fetch }));
    const result = await api.session.login('ada', 'correct horse');
    expect(result.csrfToken).toBe('tok');
    expect(calls[0]).toMatchObject({
      method: 'POST',
      url: '/v1/session',
      body: '{"user":"ada","passphrase":"correct horse"}',
    });
  });

  it('streams an ask as Server-Sent Events split at awkward places', async () => {
    const citation = {
      id: 'A',
      capturedAt: '2026-11-28T18:05:00.000Z',
      text: 'menu: Rioja',
      modality: 'frame',
      ref: 1,
    };
    const done = { answer: 'A crianza [1].', citations: [citation], model: null, episodes: [], time: null };
    const text =
      `event: retrieved\ndata: ${JSON.stringify({ citations: [citation], episodes: [], time: null })}\n\n` +
      `event: delta\ndata: {"text":"A crianza"}\r\n\r\n: keep-alive\n\nevent: delta\ndata: {"text":" [1]."}\n\n` +
      `event: done\ndata: ${JSON.stringify(done)}\n\n`;
    const bytes = new TextEncoder().encode(text);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.subarray(i, i + 7));
        controller.close();
      },
    });
    const { fetch, calls } = fakeFetch(
      new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
    );
    const api = createFamiliarApi(createApiClient({ credentials: () => session, fetch }));
    const seen: string[] = [];
    const answer = await api.askStream('which wine?', (event) =>
      seen.push(event.event === 'delta' ? `delta:${event.data.text}` : event.event),
    );
    expect(seen).toEqual(['retrieved', 'delta:A crianza', 'delta: [1].', 'done']);
    expect(answer.answer).toBe('A crianza [1].');
    expect(calls[0]!.headers.accept).toBe('text/event-stream');
    expect(calls[0]!.headers['x-csrf-token']).toBe('csrf-123');
  });

  it('reads and sets the "Open models only" switch, validating the answer and keeping the server\'s refusal', async () => {
    const settings = {
      openOnly: true,
      lockedByConfig: false,
      models: [
        {
          id: 'ollama:qwen3:8b',
          runsOn: 'local-server',
          local: true,
          openWeights: true,
          catalogEntry: 'qwen/qwen3-8b',
          tasks: ['ask'],
        },
      ],
    };
    const { fetch, calls } = fakeFetch(
      json({ ...settings, openOnly: false }),
      json(settings),
      json(
        {
          error: {
            code: 'conflict',
            message:
              '"Open models only" is on for everyone on this server (models.openOnly in familiar.config.json)',
          },
        },
        409,
      ),
      json({ openOnly: 'yes', models: [] }),
    );
    const api = createFamiliarApi(createApiClient({ credentials: () => session, fetch }));
    expect(await api.modelSettings.get()).toEqual({ ...settings, openOnly: false });
    expect(await api.modelSettings.setOpenOnly(true)).toEqual(settings);
    expect(calls.map((c) => [c.method, c.url, c.body ?? null, c.headers['x-csrf-token'] ?? null])).toEqual([
      ['GET', '/v1/settings/models', null, null],
      ['PATCH', '/v1/settings/models', '{"openOnly":true}', 'csrf-123'],
    ]);
    const refused = await api.modelSettings.setOpenOnly(false).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'conflict', status: 409 });
    expect(describeError(refused)).toContain('models.openOnly in familiar.config.json');
    await expect(api.modelSettings.get()).rejects.toMatchObject({ code: 'bad_response' });
  });

  it("reads what the server can do with the device's token, and refuses an answer without the engines' states", async () => {
    const engine = (available: boolean, name: string | null) => ({
      available,
      name,
      detail: available ? 'runs' : 'missing',
      howToInstall: available ? null : 'apt-get install pocketsphinx pocketsphinx-en-us',
    });
    const facts = {
      version: '0.1.0',
      engines: {
        speechRecognition: engine(false, null),
        voiceActivity: engine(true, 'silero-vad (sherpa-onnx 1.13.8)'),
        textReading: engine(true, 'tesseract.js 7.0.0 (eng, LSTM)'),
        objectsAndFaces: engine(true, 'human 3.3.6 (tfjs wasm)'),
        captions: engine(false, null),
        embeddings: engine(false, null),
        guard: engine(false, null),
      },
      models: { ask: { choice: null, reason: 'no model is configured' } },
      retention: { audioDays: null, observationDays: { frame: 90 } },
      encryption: {
        atRest: true,
        database: true,
        media: true,
        keyFrom: 'FAMILIAR_KEY_FILE',
        detail: 'On',
        howToEnable: null,
      },
    };
    const { fetch, calls } = fakeFetch(
      // A newer server may list an engine this app does not know yet: it is ignored, not an error.
      json({ ...facts, engines: { ...facts.engines, lipReading: engine(true, 'x') } }),
      json({ ...facts, engines: { ...facts.engines, speechRecognition: { available: 'no' } } }),
    );
    const api = createFamiliarApi(
      createApiClient({ credentials: () => ({ kind: 'device', token: 'fam_abc' }), fetch }),
    );
    const read = await api.server.get();
    expect(read).toEqual(facts);
    expect(read.engines.speechRecognition.available).toBe(false);
    expect(read.retention.audioDays).toBeNull();
    expect(calls[0]).toMatchObject({ method: 'GET', url: '/v1/server' });
    expect(calls[0]!.headers.authorization).toBe('Bearer fam_abc');
    await expect(api.server.get()).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('lists the actions waiting for confirmation, decides one with the CSRF token, and keeps refusals and bad shapes', async () => {
    const action = {
      id: '01KAB3Q5V0R6M2ZC8X4Y7W9T1N',
      tool: 'notes__send_message',
      arguments: { to: 'sam@example.com', text: '<img src=x onerror=alert(1)>' },
      summary: 'notes: send_message({"to":"sam@example.com"})',
      status: 'pending',
      result: null,
      requestedBy: 'web',
      origin: {
        reasons: ['perceived_context', 'perceived_arguments'],
        sources: [
          {
            observationId: '01KAB3Q5V0R6M2ZC8X4Y7W9T1P',
            modality: 'frame',
            capturedAt: '2026-11-28T18:05:00.000Z',
            via: 'search_memory',
          },
        ],
        explanation: 'This came from text seen by a camera at Sat 28 Nov 19:05, not from you.',
      },
      decidedBy: null,
      createdAt: '2026-11-28T18:06:00.000Z',
      decidedAt: null,
      expiresAt: '2026-11-29T18:06:00.000Z',
    };
    const done = {
      ...action,
      status: 'done',
      result: 'sent to sam@example.com',
      decidedBy: 'web',
      decidedAt: '2026-11-28T18:07:00.000Z',
    };
    const { fetch, calls } = fakeFetch(
      json({ actions: [action] }),
      json(done),
      json({ error: { code: 'conflict', message: 'this action was already decided: it is done' } }, 409),
      json({ actions: [{ ...action, arguments: 'to sam' }] }),
    );
    const api = createFamiliarApi(createApiClient({ credentials: () => session, fetch }));
    const listed = await api.actions.list();
    expect(listed.actions).toEqual([action]);
    expect(await api.actions.decide(action.id, 'confirm')).toEqual(done);
    const again = await api.actions.decide(action.id, 'reject').catch((e: unknown) => e);
    expect(again).toMatchObject({ code: 'conflict', status: 409 });
    expect(describeError(again)).toContain('already decided');
    await expect(api.actions.list('all')).rejects.toMatchObject({ code: 'bad_response' });
    expect(calls.map((c) => [c.method, c.url, c.headers['x-csrf-token'] ?? null])).toEqual([
      ['GET', '/v1/actions?status=pending', null],
      ['POST', `/v1/actions/${action.id}/confirm`, 'csrf-123'],
      ['POST', `/v1/actions/${action.id}/reject`, 'csrf-123'],
      ['GET', '/v1/actions?status=all', null],
    ]);
  });

  it('rejects with the code of an error event sent mid-stream', async () => {
    const text =
      'event: retrieved\ndata: {"citations":[],"episodes":[],"time":null}\n\nevent: error\ndata: {"code":"internal","message":"boom"}\n\n';
    const { fetch } = fakeFetch(new Response(text, { headers: { 'content-type': 'text/event-stream' } }));
    const api = createFamiliarApi(createApiClient({ credentials: () => session, fetch }));
    await expect(api.askStream('q', () => {})).rejects.toMatchObject({ code: 'internal', message: 'boom' });
  });
});
