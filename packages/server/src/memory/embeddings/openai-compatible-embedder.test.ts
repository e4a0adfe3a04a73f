import type { IncomingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type ReplayServer, startReplayServer } from '../../../test/support/replay-server.ts';
import { FamiliarError } from '../../kernel/index.ts';
import { createOpenAiCompatibleEmbedder } from './ai-sdk-embedder.ts';

interface Reply {
  status?: number;
  body: unknown;
}

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

const servers: ReplayServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** The shared replay server answering each request with the next reply (a 500 once none is left), recorded here. */
async function replayServer(replies: Reply[]) {
  const requests: Recorded[] = [];
  const server = await startReplayServer([
    {
      method: 'POST',
      path: /.*/,
      steps: [
        (request) => {
          requests.push({
            method: request.method,
            url: request.path,
            headers: request.headers,
            body: request.json,
          });
          const reply = replies.shift() ?? { status: 500, body: { error: { message: 'no reply left' } } };
          return typeof reply.body === 'string'
            ? {
                status: reply.status ?? 200,
                headers: { 'content-type': 'application/json' },
                body: reply.body,
              }
            : { status: reply.status ?? 200, json: reply.body };
        },
      ],
    },
  ]);
  servers.push(server);
  return { baseUrl: `${server.url}/v1`, requests };
}

/** A successful /embeddings answer as OpenAI sends it. */
function openAiAnswer(embeddings: number[][]) {
  return {
    object: 'list',
    data: embeddings.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    model: 'text-embedding-3-small',
    usage: { prompt_tokens: 5, total_tokens: 5 },
  };
}

/** An error body as OpenAI sends it. */
function openAiError(message: string, type: string) {
  return { error: { message, type, param: null, code: null } };
}

async function failure(promise: Promise<unknown>): Promise<FamiliarError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FamiliarError);
  return error as FamiliarError;
}

describe('OpenAI-compatible embedder', () => {
  it('posts the texts to {baseUrl}/embeddings with the key as a Bearer header', async () => {
    const { baseUrl, requests } = await replayServer([
      {
        body: openAiAnswer([
          [0.1, 0.2],
          [0.3, -0.4],
        ]),
      },
    ]);
    const embedder = createOpenAiCompatibleEmbedder({
      baseUrl,
      apiKey: 'sk-test-123',
      model: 'text-embedding-3-small',
    });
    expect(embedder.id).toBe('openai-compatible:text-embedding-3-small');
    expect(embedder.dimension).toBeNull();

    const vectors = await embedder.embed(['lunch with Sam', 'gym at six']);

    expect(vectors.map((vector) => Array.from(vector, (value) => Number(value.toFixed(5))))).toEqual([
      [0.1, 0.2],
      [0.3, -0.4],
    ]);
    expect(embedder.dimension).toBe(2);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.method).toBe('POST');
    expect(requests[0]?.url).toBe('/v1/embeddings');
    expect(requests[0]?.headers.authorization).toBe('Bearer sk-test-123');
    expect(requests[0]?.body).toMatchObject({
      model: 'text-embedding-3-small',
      input: ['lunch with Sam', 'gym at six'],
    });
  });

  it('sends no Authorization header without a key (local servers)', async () => {
    const { baseUrl, requests } = await replayServer([{ body: openAiAnswer([[1, 0]]) }]);
    await createOpenAiCompatibleEmbedder({ baseUrl, model: 'nomic-embed-text' }).embed(['x']);
    expect(requests[0]?.headers.authorization).toBeUndefined();
  });

  it('sends large inputs in batches, in order, through the injected fetch', async () => {
    const { baseUrl, requests } = await replayServer([
      { body: openAiAnswer([[1], [2]]) },
      { body: openAiAnswer([[3]]) },
    ]);
    const seen: string[] = [];
    const embedder = createOpenAiCompatibleEmbedder({
      baseUrl,
      model: 'm',
      batchSize: 2,
      fetch: async (input, init) => {
        seen.push(String(input));
        return fetch(input, init);
      },
    });
    const vectors = await embedder.embed(['a', 'b', 'c']);
    expect(vectors.map((vector) => vector[0])).toEqual([1, 2, 3]);
    expect(requests.map((request) => (request.body as { input: string[] }).input)).toEqual([
      ['a', 'b'],
      ['c'],
    ]);
    expect(seen).toEqual([`${baseUrl}/embeddings`, `${baseUrl}/embeddings`]);
  });

  it('surfaces a 429 as a retryable error, once (no hidden retries)', async () => {
    const { baseUrl, requests } = await replayServer([
      { status: 429, body: openAiError('Rate limit reached for requests', 'requests') },
    ]);
    const error = await failure(createOpenAiCompatibleEmbedder({ baseUrl, model: 'm' }).embed(['x']));
    expect(error.code).toBe('embedder_unavailable');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('429');
    expect(error.message).toContain('Rate limit reached');
    expect(error.details).toMatchObject({ status: 429 });
    expect(requests).toHaveLength(1);
  });

  it('reports a refused key as not retryable', async () => {
    const { baseUrl } = await replayServer([
      { status: 401, body: openAiError('Incorrect API key provided', 'invalid_request_error') },
    ]);
    const error = await failure(
      createOpenAiCompatibleEmbedder({ baseUrl, apiKey: 'bad', model: 'm' }).embed(['x']),
    );
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('401');
  });

  it('rejects a malformed body with a clear, non-retryable error', async () => {
    const { baseUrl } = await replayServer([
      { body: { object: 'list', data: [{ object: 'embedding', index: 0, embedding: 'oops' }] } },
      { body: 'Bad Gateway<html>' },
    ]);
    const embedder = createOpenAiCompatibleEmbedder({ baseUrl, model: 'm' });
    const wrongShape = await failure(embedder.embed(['x']));
    expect(wrongShape.code).toBe('embedder_unavailable');
    expect(wrongShape.retryable).toBe(false);
    expect(wrongShape.message).toContain('is not an embedding response');
    expect(wrongShape.message).toContain('embedding');
    const notJson = await failure(embedder.embed(['x']));
    expect(notJson.retryable).toBe(false);
    expect(notJson.message).toContain('is not an embedding response');
  });

  it('reports a server that does not answer as retryable', async () => {
    const { baseUrl } = await replayServer([]);
    await Promise.all(servers.splice(0).map((server) => server.close()));
    const error = await failure(createOpenAiCompatibleEmbedder({ baseUrl, model: 'm' }).embed(['x']));
    expect(error.code).toBe('embedder_unavailable');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('cannot reach');
  });

  it('lets the caller cancel: an abort is not reported as an embedder failure', async () => {
    const { baseUrl } = await replayServer([{ body: openAiAnswer([[1]]) }]);
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    await expect(
      createOpenAiCompatibleEmbedder({ baseUrl, model: 'm' }).embed(['x'], { signal: controller.signal }),
    ).rejects.toThrow('shutting down');
  });
});
