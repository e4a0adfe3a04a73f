import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Familiar, openFamiliar } from '../src/app.ts';
import type { Ask, AskEvent } from '../src/assistant/index.ts';
import { loadConfig } from '../src/config.ts';
import { createHttpApp } from '../src/http/index.ts';
import { createSilentLogger } from '../src/kernel/index.ts';
import { clientObservation, jsonRequest } from './support/observations.ts';
import { tempHome } from './support/processes.ts';
import {
  openAiChatStream,
  type ReplayServer,
  startReplayServer,
  writeReplayModelConfig,
} from './support/replay-server.ts';
import { parseAskStream } from './support/sse.ts';

const ANSWER = ['Sam said ', 'the deadline moved ', 'to Friday [1].'];

/** `POST /v1/ask` in-process, with a model configured that the replay server plays (OpenAI-compatible, loopback). */
describe('POST /v1/ask with a model', () => {
  let replay: ReplayServer;
  let familiar: Familiar;
  let app: ReturnType<typeof createHttpApp>;
  let token: string;
  let noteId: string;

  beforeAll(async () => {
    replay = await startReplayServer([
      { method: 'POST', path: '/v1/chat/completions', steps: [openAiChatStream(ANSWER)] },
    ]);
  });
  afterAll(async () => {
    await replay.close();
  });

  beforeEach(async () => {
    vi.stubEnv('TEST_LLM_KEY', 'test-key-for-replay');
    const home = tempHome();
    writeReplayModelConfig(home, replay.url);
    familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: home }), { logger: createSilentLogger() });
    app = createHttpApp(familiar);
    await familiar.accounts.addUser({ name: 'ada', timezone: 'Europe/Paris' });
    token = (await familiar.accounts.addDevice({ userName: 'ada', name: 'glasses' })).token;
    const note = clientObservation('Sam said the project deadline moved to Friday');
    noteId = note.id;
    expect((await app.request('/v1/observations', jsonRequest(token, { observations: [note] }))).status).toBe(
      200,
    );
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await familiar.close();
  });

  const askRequest = (accept?: string): RequestInit => {
    const request = jsonRequest(token, { question: 'What did Sam say about the deadline?' });
    return { ...request, headers: { ...request.headers, ...(accept ? { accept } : {}) } };
  };

  it('streams retrieved, the text in deltas, then done, which equals the JSON answer', async () => {
    const response = await app.request('/v1/ask', askRequest('text/event-stream'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = parseAskStream(await response.text());
    expect(events.map((event) => event.event)).toEqual(['retrieved', 'delta', 'delta', 'delta', 'done']);
    const [retrieved] = events;
    if (retrieved?.event !== 'retrieved') throw new Error('the stream did not start with retrieved');
    expect(retrieved.data.citations).toEqual([
      expect.objectContaining({ id: noteId, ref: 1, modality: 'note' }),
    ]);
    const text = events.flatMap((event) => (event.event === 'delta' ? [event.data.text] : [])).join('');
    expect(text).toBe(ANSWER.join(''));
    const done = events.at(-1);
    if (done?.event !== 'done') throw new Error('the stream did not end with done');
    expect(done.data).toMatchObject({
      answer: ANSWER.join(''),
      model: 'local:replayed-model',
      citations: [{ id: noteId, ref: 1 }],
    });

    const json = await app.request('/v1/ask', askRequest());
    expect(json.headers.get('content-type')).toContain('application/json');
    expect(await json.json()).toEqual(done.data);
    expect(replay.requests.at(-1)?.headers.authorization).toBe('Bearer test-key-for-replay');
  });

  it('answers JSON by default and for other Accept headers, and streams errors before the stream as JSON', async () => {
    for (const accept of [undefined, 'application/json', '*/*']) {
      const response = await app.request('/v1/ask', askRequest(accept));
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(await response.json()).toMatchObject({ model: 'local:replayed-model' });
    }
    const empty = await app.request('/v1/ask', {
      ...jsonRequest(token, { question: '  ' }),
      headers: { ...jsonRequest(token, {}).headers, accept: 'text/event-stream' },
    });
    expect(empty.status).toBe(422);
    expect(await empty.json()).toMatchObject({ error: { code: 'validation_failed' } });
  });

  it('ends the stream with an error event when answering fails after it started, without leaking the cause', async () => {
    async function* failing(): AsyncGenerator<AskEvent, void, undefined> {
      yield { type: 'retrieved', citations: [], episodes: [], time: null };
      yield { type: 'delta', text: 'Half an ans' };
      throw new Error('disk on fire at /secret/path');
    }
    const broken: Ask = {
      stream: failing,
      models: () => [],
      ask: () => Promise.reject(new Error('not used')),
    };
    const edge = createHttpApp({ ...familiar, ask: broken });
    const response = await edge.request('/v1/ask', askRequest('text/event-stream'));
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(parseAskStream(body)).toEqual([
      { event: 'retrieved', data: { citations: [], episodes: [], time: null } },
      { event: 'delta', data: { text: 'Half an ans' } },
      {
        event: 'error',
        data: { code: 'internal', message: 'something went wrong on the server; it has been logged' },
      },
    ]);
    expect(body).not.toContain('secret');
  });
});
