import { afterEach, describe, expect, it } from 'vitest';
import { type ReplayServer, startReplayServer } from '../../../test/support/replay-server.ts';
import { FamiliarError } from '../../kernel/index.ts';
import { createOllamaEmbedder } from './ollama-embedder.ts';

interface Reply {
  status?: number;
  body: unknown;
}

interface Recorded {
  method: string;
  url: string;
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
          requests.push({ method: request.method, url: request.path, body: request.json });
          const reply = replies.shift() ?? { status: 500, body: { error: 'no reply left' } };
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
  return { baseUrl: server.url, requests };
}

/** A successful /api/embed answer as Ollama sends it. */
function ollamaAnswer(embeddings: number[][]) {
  return {
    model: 'nomic-embed-text',
    embeddings,
    total_duration: 14143917,
    load_duration: 1019500,
    prompt_eval_count: 8,
  };
}

async function failure(promise: Promise<unknown>): Promise<FamiliarError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FamiliarError);
  return error as FamiliarError;
}

describe('Ollama embedder', () => {
  it('posts the texts to /api/embed and returns one vector per text', async () => {
    const { baseUrl, requests } = await replayServer([
      {
        body: ollamaAnswer([
          [0.25, -0.5, 0.75],
          [1, 0, -1],
        ]),
      },
    ]);
    const embedder = createOllamaEmbedder({ baseUrl, model: 'nomic-embed-text' });
    expect(embedder.id).toBe('ollama:nomic-embed-text');
    expect(embedder.dimension).toBeNull();

    const vectors = await embedder.embed(['met Anna', 'bought bread']);

    expect(vectors.map((vector) => Array.from(vector))).toEqual([
      [0.25, -0.5, 0.75],
      [1, 0, -1],
    ]);
    expect(vectors[0]).toBeInstanceOf(Float32Array);
    expect(embedder.dimension).toBe(3);
    expect(requests).toEqual([
      {
        method: 'POST',
        url: '/api/embed',
        body: { model: 'nomic-embed-text', input: ['met Anna', 'bought bread'] },
      },
    ]);
  });

  it('sends large inputs in batches and keeps the order', async () => {
    const { baseUrl, requests } = await replayServer([
      { body: ollamaAnswer([[1], [2]]) },
      { body: ollamaAnswer([[3]]) },
    ]);
    const embedder = createOllamaEmbedder({ baseUrl: `${baseUrl}/`, model: 'm', batchSize: 2 });
    const vectors = await embedder.embed(['a', 'b', 'c']);
    expect(vectors.map((vector) => vector[0])).toEqual([1, 2, 3]);
    expect(requests.map((request) => (request.body as { input: string[] }).input)).toEqual([
      ['a', 'b'],
      ['c'],
    ]);
  });

  it('goes through the injected fetch', async () => {
    const { baseUrl } = await replayServer([{ body: ollamaAnswer([[0.5, 0.5]]) }]);
    const seen: string[] = [];
    const embedder = createOllamaEmbedder({
      baseUrl,
      model: 'm',
      fetch: async (input, init) => {
        seen.push(String(input));
        return fetch(input, init);
      },
    });
    await embedder.embed(['x']);
    expect(seen).toEqual([`${baseUrl}/api/embed`]);
  });

  it('reports a rate limit and a server error as retryable', async () => {
    const { baseUrl } = await replayServer([
      { status: 429, body: { error: 'too many requests' } },
      { status: 503, body: { error: 'server busy' } },
    ]);
    const embedder = createOllamaEmbedder({ baseUrl, model: 'm' });
    const limited = await failure(embedder.embed(['x']));
    expect(limited.code).toBe('embedder_unavailable');
    expect(limited.retryable).toBe(true);
    expect(limited.message).toContain('429');
    expect(limited.message).toContain('too many requests');
    const busy = await failure(embedder.embed(['x']));
    expect(busy.retryable).toBe(true);
  });

  it('passes on Ollama’s own words for a model that is not pulled, and does not retry it', async () => {
    const { baseUrl } = await replayServer([
      { status: 404, body: { error: 'model "nomic-embed-text" not found, try pulling it first' } },
    ]);
    const error = await failure(createOllamaEmbedder({ baseUrl, model: 'nomic-embed-text' }).embed(['x']));
    expect(error.code).toBe('embedder_unavailable');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('try pulling it first');
  });

  it('rejects a body that is not an embedding response with a clear, non-retryable error', async () => {
    const { baseUrl } = await replayServer([
      { body: { model: 'm', embeddings: 'not a list' } },
      { body: '<html>proxy error</html>' },
      { body: ollamaAnswer([[1, 2]]) },
    ]);
    const embedder = createOllamaEmbedder({ baseUrl, model: 'm' });
    const wrongShape = await failure(embedder.embed(['x']));
    expect(wrongShape.message).toMatch(/not an embedding response.*embeddings/);
    expect(wrongShape.retryable).toBe(false);
    const notJson = await failure(embedder.embed(['x']));
    expect(notJson.message).toMatch(/not an embedding response \(not JSON\)/);
    const tooFew = await failure(embedder.embed(['x', 'y']));
    expect(tooFew.message).toContain('asked for 2 vectors, got 1');
  });

  it('refuses vectors of a length other than the one it returned before', async () => {
    const { baseUrl } = await replayServer([
      { body: ollamaAnswer([[1, 2, 3]]) },
      { body: ollamaAnswer([[1, 2]]) },
    ]);
    const embedder = createOllamaEmbedder({ baseUrl, model: 'm' });
    await embedder.embed(['x']);
    const error = await failure(embedder.embed(['y']));
    expect(error.message).toContain('length 2 where 3 was expected');
  });

  it('reports a server that does not answer as retryable', async () => {
    const { baseUrl } = await replayServer([]);
    await Promise.all(servers.splice(0).map((server) => server.close()));
    const error = await failure(createOllamaEmbedder({ baseUrl, model: 'm' }).embed(['x']));
    expect(error.code).toBe('embedder_unavailable');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('cannot reach Ollama');
  });

  it('makes no request for no texts', async () => {
    const { baseUrl, requests } = await replayServer([]);
    expect(await createOllamaEmbedder({ baseUrl, model: 'm' }).embed([])).toEqual([]);
    expect(requests).toHaveLength(0);
  });
});
