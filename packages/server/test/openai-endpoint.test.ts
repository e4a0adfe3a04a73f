import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { APICallError, generateText, streamText } from 'ai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createSilentLogger } from '../src/kernel/index.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { collect } from './support/mock-models.ts';
import { clientObservation, jsonRequest } from './support/observations.ts';
import { tempHome } from './support/processes.ts';
import {
  openAiChatStream,
  type ReplayServer,
  startReplayServer,
  writeReplayModelConfig,
} from './support/replay-server.ts';

const QUESTION = 'What did Sam say about the deadline?';
const NOTE_TEXT = 'Sam said the project deadline moved to Friday, call him on Monday';
const PIECES = ['Sam told you ', 'the deadline moved ', 'to Friday [1].'];
const SOURCES = `\n\nSources:\n[1] Fri 20 Nov 2026, 11:00 — "${NOTE_TEXT}"`;

interface Citation {
  id: string;
  ref?: number;
  capturedAt: string;
  text: string;
}

/** The real server on a free port, with one user, a device token and one ingested note. */
async function serverWithNote(home: string) {
  const server = await startServer(
    loadConfig({ FAMILIAR_HOME: home, FAMILIAR_PORT: '0' }),
    createSilentLogger(),
  );
  await server.familiar.accounts.addUser({ name: 'ada', timezone: 'Europe/Paris' });
  const { token } = await server.familiar.accounts.addDevice({ userName: 'ada', name: 'laptop' });
  const note = clientObservation(NOTE_TEXT, { capturedAt: '2026-11-20T10:00:00Z' });
  const ingested = await fetch(`${server.url}/v1/observations`, jsonRequest(token, { observations: [note] }));
  expect(ingested.status).toBe(200);
  return { server, token, noteId: note.id };
}

/** An OpenAI-compatible client (the AI SDK's provider) pointed at Familiar, the device token as its API key. */
function clientFor(server: RunningServer, token: string) {
  return createOpenAICompatible({ name: 'familiar', baseURL: `${server.url}/v1`, apiKey: token });
}

function chatRequest(token: string | null, body: Record<string, unknown>): RequestInit {
  return jsonRequest(token, { model: 'familiar', messages: [{ role: 'user', content: QUESTION }], ...body });
}

describe('OpenAI-compatible endpoint without a model', () => {
  let server: RunningServer;
  let token: string;
  let noteId: string;

  beforeAll(async () => {
    ({ server, token, noteId } = await serverWithNote(tempHome()));
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it('answers generateText extractively, quoting and citing the note', async () => {
    const familiar = clientFor(server, token);
    const result = await generateText({ model: familiar.chatModel('familiar'), prompt: QUESTION });
    expect(result.text).toMatch(/^No language model is configured/);
    expect(result.text).toContain(NOTE_TEXT);
    expect(result.text).toContain('Fri 20 Nov 2026, 11:00');
    expect(result.text).not.toContain('Sources:');
    expect(result.finishReason).toBe('stop');
    expect(result.response.modelId).toBe('familiar');
    const body = result.response.body as { citations: Citation[]; object: string };
    expect(body.object).toBe('chat.completion');
    expect(body.citations).toEqual([
      expect.objectContaining({
        id: noteId,
        ref: 1,
        text: NOTE_TEXT,
        capturedAt: '2026-11-20T10:00:00.000Z',
      }),
    ]);
  });

  it('streams the same answer to streamText, then [DONE]', async () => {
    const familiar = clientFor(server, token);
    const streamed = streamText({ model: familiar.chatModel('familiar'), prompt: QUESTION });
    const text = (await collect(streamed.textStream)).join('');
    expect(text).toMatch(/^No language model is configured/);
    expect(text).toContain(NOTE_TEXT);
    expect(await streamed.finishReason).toBe('stop');

    const raw = await (
      await fetch(`${server.url}/v1/chat/completions`, chatRequest(token, { stream: true }))
    ).text();
    const events = raw.split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.replace(/^data: /, '')));
    expect(chunks[0]).toMatchObject({
      object: 'chat.completion.chunk',
      model: 'familiar',
      choices: [{ index: 0, delta: { role: 'assistant' }, finish_reason: null }],
    });
    expect(chunks.at(-1)).toMatchObject({
      choices: [{ delta: {}, finish_reason: 'stop' }],
      citations: [{ id: noteId, ref: 1 }],
    });
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
  });

  it('lists only "familiar" as a model', async () => {
    const response = await fetch(`${server.url}/v1/models`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      object: 'list',
      data: [{ id: 'familiar', object: 'model', created: expect.any(Number), owned_by: 'familiar' }],
    });
  });

  it('answers 404 model_not_found for another model, or a familiar:<id> that is not configured', async () => {
    const familiar = clientFor(server, token);
    for (const model of ['gpt-4o', 'familiar:local:nothing']) {
      const failure = await generateText({
        model: familiar.chatModel(model),
        prompt: QUESTION,
        maxRetries: 0,
      }).catch((error: unknown) => error);
      expect(APICallError.isInstance(failure)).toBe(true);
      expect((failure as APICallError).statusCode).toBe(404);
      const response = await fetch(`${server.url}/v1/chat/completions`, chatRequest(token, { model }));
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        error: {
          message: expect.stringContaining(`"${model}" does not exist`),
          type: 'invalid_request_error',
          param: 'model',
          code: 'model_not_found',
        },
      });
    }
  });

  it('answers 401 in the OpenAI error shape without a valid token', async () => {
    const response = await fetch(`${server.url}/v1/chat/completions`, chatRequest(null, {}));
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { message: string; code: string } };
    expect(body.error).toMatchObject({ code: 'unauthorized', message: expect.any(String) });

    const stranger = createOpenAICompatible({
      name: 'x',
      baseURL: `${server.url}/v1`,
      apiKey: 'not-a-token',
    });
    const failure = await generateText({
      model: stranger.chatModel('familiar'),
      prompt: QUESTION,
      maxRetries: 0,
    }).catch((error: unknown) => error);
    expect(APICallError.isInstance(failure)).toBe(true);
    expect((failure as APICallError).statusCode).toBe(401);
  });

  it('refuses a request without a user question with 400 and says why', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ messages: [] }, 'messages'],
      [{ messages: [{ role: 'wizard', content: 'hi' }] }, 'messages.0.role'],
      [{ messages: [{ role: 'system', content: 'You are helpful.' }] }, 'messages'],
      [{ n: 3 }, 'n'],
    ];
    for (const [body, param] of cases) {
      const response = await fetch(`${server.url}/v1/chat/completions`, chatRequest(token, body));
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { type: 'invalid_request_error', code: 'validation_failed', param },
      });
    }
    const broken = await fetch(`${server.url}/v1/chat/completions`, jsonRequest(token, '{"model":'));
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: { code: 'invalid_json' } });
  });
});

describe('OpenAI-compatible endpoint with a model', () => {
  let replay: ReplayServer;
  let server: RunningServer;
  let token: string;
  let noteId: string;

  beforeAll(async () => {
    replay = await startReplayServer([
      { method: 'POST', path: '/v1/chat/completions', steps: [openAiChatStream(PIECES)] },
    ]);
    vi.stubEnv('TEST_LLM_KEY', 'replay-key-0123456789');
    const home = tempHome();
    writeReplayModelConfig(home, replay.url);
    ({ server, token, noteId } = await serverWithNote(home));
  }, 60_000);
  afterAll(async () => {
    vi.unstubAllEnvs();
    await server?.close();
    await replay?.close();
  });

  /** The asks the replayed model received (memory may also call it while it catches up). */
  const asks = () => replay.requests.filter((request) => request.body.includes('<memory id='));

  it("streams the model's answer through streamText, with the sources after it", async () => {
    const familiar = clientFor(server, token);
    const streamed = streamText({
      model: familiar.chatModel('familiar:local:replayed-model'),
      prompt: QUESTION,
      includeRawChunks: true,
    });
    const pieces = await collect(streamed.textStream);
    expect(pieces.join('')).toBe(PIECES.join('') + SOURCES);
    expect(pieces.slice(0, PIECES.length)).toEqual(PIECES);
    const raw: unknown[] = [];
    for await (const part of streamed.fullStream) if (part.type === 'raw') raw.push(part.rawValue);
    expect(raw.at(-1)).toMatchObject({ citations: [{ id: noteId, ref: 1, text: NOTE_TEXT }] });
    expect(asks().length).toBeGreaterThan(0);
  });

  it("answers generateText with the model's answer; the question is the last user message only", async () => {
    const before = asks().length;
    const familiar = clientFor(server, token);
    const result = await generateText({
      model: familiar.chatModel('familiar'),
      messages: [
        { role: 'system', content: 'Talk like a pirate.' },
        { role: 'user', content: 'Who is Ana?' },
        { role: 'assistant', content: 'A friend of yours.' },
        { role: 'user', content: [{ type: 'text', text: QUESTION }] },
      ],
    });
    expect(result.text).toBe(PIECES.join('') + SOURCES);
    expect((result.response.body as { citations: Citation[] }).citations).toEqual([
      expect.objectContaining({ id: noteId, ref: 1 }),
    ]);
    expect(result.usage.totalTokens).toBeGreaterThan(0);
    const sent = asks().slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toContain('What did Sam say about the deadline?');
    expect(sent[0]?.body).not.toContain('pirate');
    expect(sent[0]?.body).not.toContain('Who is Ana');
  });

  it('lists familiar and familiar:<id> for the configured model', async () => {
    const response = await fetch(`${server.url}/v1/models`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await response.json()) as { data: Array<{ id: string; owned_by: string }> };
    expect(body.data.map((model) => [model.id, model.owned_by])).toEqual([
      ['familiar', 'familiar'],
      ['familiar:local:replayed-model', 'local'],
    ]);
  });

  it('sends usage last when stream_options.include_usage asks for it', async () => {
    const response = await fetch(
      `${server.url}/v1/chat/completions`,
      chatRequest(token, { stream: true, stream_options: { include_usage: true }, temperature: 0.2 }),
    );
    const events = (await response.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const usage = JSON.parse(events.at(-2)!.replace(/^data: /, ''));
    expect(usage).toMatchObject({
      choices: [],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) },
    });
  });
});
