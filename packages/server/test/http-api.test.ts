import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Familiar, openFamiliar } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createHttpApp } from '../src/http/index.ts';
import { createSilentLogger } from '../src/kernel/index.ts';
import { clientObservation, jsonRequest } from './support/observations.ts';
import { tempHome } from './support/processes.ts';

/** A response whose JSON body the tests read field by field. */
// biome-ignore lint/suspicious/noExplicitAny: bodies are asserted field by field, like a client would read them
type JsonResponse = Omit<Response, 'json'> & { json(): Promise<any> };

/** Medium tests of the HTTP edge: the real Hono app on a real SQLite home, called in-process. */
describe('HTTP API', () => {
  let home: string;
  let familiar: Familiar;
  let app: ReturnType<typeof createHttpApp>;
  let ada: string;
  let bo: string;
  let aliceUserId: string;

  const count = async () => {
    const users = await familiar.accounts.listUsers();
    let total = 0;
    for (const user of users) total += await familiar.timeline.count(user.id);
    return total;
  };
  const call = async (path: string, init: RequestInit = {}): Promise<JsonResponse> => app.request(path, init);
  const get = (path: string, token: string | null) =>
    call(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const post = (token: string | null, observations: unknown[]) =>
    call('/v1/observations', jsonRequest(token, { observations }));
  const blobPath = (userId: string, sha256: string) =>
    join(home, 'blobs', userId, sha256.slice(0, 2), sha256);

  beforeEach(async () => {
    home = tempHome();
    familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: home, FAMILIAR_BODY_LIMIT: '256kb' }), {
      logger: createSilentLogger(),
    });
    app = createHttpApp(familiar);
    aliceUserId = (await familiar.accounts.addUser({ name: 'ada', timezone: 'Europe/Paris' })).id;
    await familiar.accounts.addUser({ name: 'bo', timezone: 'UTC' });
    ada = (await familiar.accounts.addDevice({ userName: 'ada', name: 'glasses' })).token;
    bo = (await familiar.accounts.addDevice({ userName: 'bo', name: 'phone' })).token;
  });
  afterEach(async () => {
    await familiar.close();
  });

  it('answers /healthz and / without a token', async () => {
    const health = await call('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const page = await call('/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Familiar');
  });

  it('stores a batch, derives trust on the server and reads it back', async () => {
    const note = clientObservation('Sam said the deadline moved to Friday');
    const heard = clientObservation('we liked the Rioja at dinner', {
      modality: 'utterance',
      provenance: { engine: 'asr', model: 'tiny' },
    });
    const response = await post(ada, [note, heard]);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ids: [note.id, heard.id] });
    const stored = await (await get(`/v1/observations/${note.id}`, ada)).json();
    expect(stored).toMatchObject({
      id: note.id,
      trust: 'authored',
      modality: 'note',
      userId: aliceUserId,
      capturedAt: '2026-11-20T10:00:00.000Z',
    });
    expect(stored.deviceId).toMatch(/^[0-9A-Z]{26}$/);
    const perceived = await (await get(`/v1/observations/${heard.id}`, ada)).json();
    expect(perceived).toMatchObject({ trust: 'perceived', provenance: { engine: 'asr', model: 'tiny' } });
  });

  it('is idempotent for retries and answers 409 for a reused id with other content', async () => {
    const note = clientObservation('first');
    expect((await post(ada, [note])).status).toBe(200);
    expect((await post(ada, [note])).status).toBe(200);
    const conflict = await post(ada, [clientObservation('fresh'), { ...note, text: 'changed' }]);
    expect(conflict.status).toBe(409);
    expect((await conflict.json()).error.code).toBe('id_conflict');
    expect(await count()).toBe(1);
  });

  describe('bad input gets a coded error and changes nothing', () => {
    const cases: Array<[string, () => ReturnType<typeof call>, number, string]> = [
      [
        'malformed JSON',
        () => call('/v1/observations', jsonRequest(ada, '{"observations": [')),
        400,
        'invalid_json',
      ],
      [
        'a body that is not JSON',
        () =>
          call('/v1/observations', {
            method: 'POST',
            headers: { authorization: `Bearer ${ada}`, 'content-type': 'text/plain' },
            body: 'hi',
          }),
        415,
        'unsupported_media_type',
      ],
      [
        'a schema violation',
        () => call('/v1/observations', jsonRequest(ada, { observations: 'many' })),
        422,
        'validation_failed',
      ],
      ['an empty batch', () => post(ada, []), 422, 'validation_failed'],
      [
        'an unknown modality',
        () => post(ada, [clientObservation('x', { modality: 'telepathy' })]),
        422,
        'validation_failed',
      ],
      [
        'a batch with one bad item',
        () => post(ada, [clientObservation('good'), clientObservation('bad', { capturedAt: 'yesterday' })]),
        422,
        'validation_failed',
      ],
      [
        'a client-supplied trust',
        () => post(ada, [clientObservation('x', { trust: 'authored', modality: 'utterance' })]),
        422,
        'validation_failed',
      ],
      [
        'a client-supplied userId',
        () => post(ada, [clientObservation('x', { userId: 'someone-else' })]),
        422,
        'validation_failed',
      ],
      [
        'an id that is not a ULID',
        () => post(ada, [clientObservation('x', { id: 'abc' })]),
        422,
        'validation_failed',
      ],
      [
        'a captureId that is not theirs',
        () => post(ada, [clientObservation('x', { captureId: '01JC0000000000000000000000' })]),
        422,
        'validation_failed',
      ],
      [
        'an oversized body',
        () =>
          post(ada, [
            clientObservation('x'.repeat(60_000)),
            clientObservation('y'.repeat(60_000)),
            clientObservation('z'.repeat(60_000)),
            clientObservation('w'.repeat(60_000)),
            clientObservation('v'.repeat(60_000)),
          ]),
        413,
        'payload_too_large',
      ],
      ['too long a text', () => post(ada, [clientObservation('x'.repeat(70_000))]), 422, 'validation_failed'],
      [
        'more than 1,000 items',
        () =>
          post(
            ada,
            Array.from({ length: 1001 }, () => clientObservation('x')),
          ),
        422,
        'validation_failed',
      ],
      ['no token', () => post(null, [clientObservation('x')]), 401, 'unauthorized'],
      ['a wrong token', () => post('fam_not-a-real-token', [clientObservation('x')]), 401, 'unauthorized'],
      [
        'a malformed Authorization header',
        () =>
          call('/v1/observations', {
            method: 'POST',
            headers: { authorization: 'Basic abc', 'content-type': 'application/json' },
            body: '{}',
          }),
        401,
        'unauthorized',
      ],
    ];
    for (const [name, send, status, code] of cases) {
      it(name, async () => {
        const response = await send();
        expect(response.status).toBe(status);
        const body = await response.json();
        expect(body.error.code).toBe(code);
        expect(typeof body.error.message).toBe('string');
        expect(await count()).toBe(0);
      });
    }
  });

  it('accepts a device token added while running and refuses it at once when revoked', async () => {
    const { token, device } = await familiar.accounts.addDevice({ userName: 'ada', name: 'laptop' });
    expect((await post(token, [clientObservation('from the laptop')])).status).toBe(200);
    await familiar.accounts.revokeDevice('ada', device.id);
    expect((await post(token, [clientObservation('after revoke')])).status).toBe(401);
  });

  it('keeps users apart: another user gets 404 on every route and ask never shows their data', async () => {
    const secret = clientObservation('the safe code is 4711, keep it secret');
    await post(ada, [secret]);
    const capture = await (
      await call('/v1/captures', {
        method: 'POST',
        headers: { authorization: `Bearer ${ada}`, 'content-type': 'image/png' },
        body: new Uint8Array([1, 2, 3]),
      })
    ).json();
    expect((await get(`/v1/observations/${secret.id}`, bo)).status).toBe(404);
    expect(
      (
        await call(`/v1/observations/${secret.id}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${bo}` },
        })
      ).status,
    ).toBe(404);
    expect((await get(`/v1/captures/${capture.id}`, bo)).status).toBe(404);
    expect((await get(`/v1/captures/${capture.id}/media`, bo)).status).toBe(404);
    const list = await (await get('/v1/observations', bo)).json();
    expect(list.observations).toEqual([]);
    const answer = await (
      await call('/v1/ask', jsonRequest(bo, { question: 'what is the safe code?' }))
    ).json();
    expect(answer.citations).toEqual([]);
    expect(JSON.stringify(answer)).not.toContain('4711');
    const mine = await (
      await call('/v1/ask', jsonRequest(ada, { question: 'what is the safe code?' }))
    ).json();
    expect(mine.citations[0].id).toBe(secret.id);
    expect(await familiar.timeline.count(aliceUserId)).toBe(1);
  });

  it('asks with citations, best match first, and says that no model is configured', async () => {
    const deadline = clientObservation('Sam said the project deadline moved to Friday', {
      capturedAt: '2026-11-02T09:00:00Z',
    });
    const lunch = clientObservation('lunch with Sam at the market', {
      capturedAt: '2026-11-25T12:00:00Z',
      modality: 'utterance',
    });
    const keys = clientObservation('left the keys on the hall shelf', {
      capturedAt: '2026-11-26T18:00:00Z',
      modality: 'chat',
    });
    await post(ada, [deadline, lunch, keys]);
    const response = await call(
      '/v1/ask',
      jsonRequest(ada, { question: 'What did Sam say about the deadline?' }),
    );
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.model).toBeNull();
    expect(body.citations[0]).toEqual({
      id: deadline.id,
      capturedAt: '2026-11-02T09:00:00.000Z',
      text: deadline.text,
      modality: 'note',
      ref: 1,
    });
    expect(body.answer).toContain('No language model is configured');
    expect((await call('/v1/ask', jsonRequest(ada, { question: '   ' }))).status).toBe(422);
  });

  it('lists by time range and modality with cursor paging', async () => {
    const items = Array.from({ length: 5 }, (_, i) =>
      clientObservation(`item ${i}`, { capturedAt: `2026-11-2${i}T10:00:00Z` }),
    );
    await post(ada, items);
    const first = await (await get('/v1/observations?limit=2', ada)).json();
    expect(first.observations.map((o: { text: string }) => o.text)).toEqual(['item 4', 'item 3']);
    const second = await (await get(`/v1/observations?limit=2&cursor=${first.nextCursor}`, ada)).json();
    expect(second.observations.map((o: { text: string }) => o.text)).toEqual(['item 2', 'item 1']);
    const ranged = await (
      await get('/v1/observations?from=2026-11-21T00:00:00Z&to=2026-11-23T00:00:00Z', ada)
    ).json();
    expect(ranged.observations.map((o: { text: string }) => o.text)).toEqual(['item 2', 'item 1']);
    expect((await get('/v1/observations?modality=frame', ada)).status).toBe(200);
    expect((await get('/v1/observations?modality=nope', ada)).status).toBe(422);
    expect((await get('/v1/observations?limit=0', ada)).status).toBe(422);
    expect((await get('/v1/observations?cursor=garbage', ada)).status).toBe(422);
  });

  it('serves cited media through short-lived signed links and refuses tampered ones', async () => {
    const bytes = new Uint8Array([137, 80, 78, 71, 1, 2, 3, 4]);
    const created = await call('/v1/captures', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ada}`,
        'content-type': 'image/png',
        'x-captured-at': '2026-11-20T10:00:00Z',
      },
      body: bytes,
    });
    expect(created.status).toBe(201);
    const capture = await created.json();
    expect(capture).toMatchObject({ kind: 'image', status: 'pending', size: 8 });
    const reading = clientObservation('EXIT sign above the door', {
      modality: 'frame',
      captureId: capture.id,
    });
    await post(ada, [reading]);
    const answer = await (await call('/v1/ask', jsonRequest(ada, { question: 'exit sign' }))).json();
    const link: string = answer.citations[0].mediaUrl;
    expect(link).toMatch(/^\/v1\/captures\/[0-9A-Z]{26}\/media\?u=.+&expires=\d+&signature=/);
    const media = await call(link);
    expect(media.status).toBe(200);
    expect(media.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await media.arrayBuffer())).toEqual(bytes);
    expect((await call(link.replace(/signature=./, 'signature=A'))).status).toBe(401);
    expect((await call(link.replace(/expires=\d+/, 'expires=1'))).status).toBe(401);
    expect((await get(`/v1/captures/${capture.id}/media`, ada)).status).toBe(200);
    const unsupported = await call('/v1/captures', {
      method: 'POST',
      headers: { authorization: `Bearer ${ada}`, 'content-type': 'application/pdf' },
      body: bytes,
    });
    expect(unsupported.status).toBe(415);
  });

  it('DELETE removes the row, its index entry and the blob file, but keeps a blob another capture uses', async () => {
    const bytes = new Uint8Array([1, 1, 2, 3, 5, 8]);
    const upload = async () =>
      (
        await call('/v1/captures', {
          method: 'POST',
          headers: { authorization: `Bearer ${ada}`, 'content-type': 'image/jpeg' },
          body: bytes,
        })
      ).json();
    const first = await upload();
    const second = await upload();
    expect(first.sha256).toBe(second.sha256);
    const a = clientObservation('a red bicycle by the gate', { modality: 'frame', captureId: first.id });
    const b = clientObservation('the same bicycle again', { modality: 'frame', captureId: second.id });
    await post(ada, [a, b]);
    const file = blobPath(aliceUserId, first.sha256);
    expect(existsSync(file)).toBe(true);

    const deleted = await call(`/v1/observations/${a.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ada}` },
    });
    expect(await deleted.json()).toEqual({ deleted: { observations: 1, captures: 1, blobs: 0 } });
    expect(existsSync(file)).toBe(true);
    expect((await get(`/v1/observations/${a.id}`, ada)).status).toBe(404);
    const search = await (await call('/v1/ask', jsonRequest(ada, { question: 'red bicycle gate' }))).json();
    expect(search.citations.map((c: { id: string }) => c.id)).toEqual([b.id]);

    await call(`/v1/observations/${b.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ada}` } });
    expect(existsSync(file)).toBe(false);
    expect(
      (
        await call(`/v1/observations/${b.id}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${ada}` },
        })
      ).status,
    ).toBe(404);
  });

  it('records reads, media access and deletions in the audit log', async () => {
    const note = clientObservation('audit me');
    await post(ada, [note]);
    await get(`/v1/observations/${note.id}`, ada);
    await get('/v1/observations', ada);
    await call('/v1/ask', jsonRequest(ada, { question: 'audit' }));
    await call(`/v1/observations/${note.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ada}` },
    });
    const actions = (await familiar.audit.list(aliceUserId)).map((e) => e.action);
    expect(actions).toEqual([
      'memory.forget',
      'ask',
      'observations.list',
      'observations.read',
      'observations.write',
    ]);
  });

  it('answers unknown routes with a coded 404', async () => {
    const response = await get('/v1/nothing-here', ada);
    expect(response.status).toBe(404);
    expect((await response.json()).error.code).toBe('not_found');
  });
});
