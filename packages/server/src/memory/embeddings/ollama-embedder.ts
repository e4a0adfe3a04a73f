import { z } from 'zod';
import { describeIssues } from '../../kernel/index.ts';
import {
  batches,
  checkEmbeddings,
  type Embedder,
  embedderUnavailable,
  isRetryableStatus,
  throwIfAborted,
} from './embedder.ts';

const OllamaEmbedResponseSchema = z.object({
  embeddings: z.array(z.array(z.number())),
});

const OllamaErrorSchema = z.object({ error: z.string() });

/**
 * An embedder over Ollama's native `POST /api/embed` (`{model, input: [...]}` → `{embeddings}`); the model must be
 * pulled on that server (`ollama pull <model>`). Texts go in batches of `batchSize` per request.
 */
export function createOllamaEmbedder({
  baseUrl = 'http://127.0.0.1:11434',
  model,
  fetch = globalThis.fetch,
  batchSize = 64,
}: {
  baseUrl?: string;
  model: string;
  fetch?: typeof globalThis.fetch;
  batchSize?: number;
}): Embedder {
  const id = `ollama:${model}`;
  const url = `${baseUrl.replace(/\/+$/, '')}/api/embed`;
  let dimension: number | null = null;

  async function embedBatch(input: string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, input }),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      throwIfAborted(signal, error);
      const reason =
        error instanceof Error ? (error.cause instanceof Error ? error.cause : error).message : '';
      throw embedderUnavailable(id, `cannot reach Ollama at ${url}: ${reason}`, {
        cause: error,
        retryable: true,
      });
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throwIfAborted(signal, error);
      throw embedderUnavailable(id, `the response from ${url} broke off`, { cause: error, retryable: true });
    }
    const body = parseJson(text);
    if (!response.ok) {
      const problem = OllamaErrorSchema.safeParse(body);
      const detail = problem.success ? problem.data.error : text.slice(0, 300);
      throw embedderUnavailable(id, `Ollama answered HTTP ${response.status}: ${detail}`, {
        status: response.status,
        retryable: isRetryableStatus(response.status),
      });
    }
    const parsed = OllamaEmbedResponseSchema.safeParse(body);
    if (!parsed.success)
      throw embedderUnavailable(
        id,
        `Ollama's answer is not an embedding response (${body === undefined ? 'not JSON' : describeIssues(parsed.error.issues).join('; ')})`,
        { cause: parsed.error },
      );
    return parsed.data.embeddings.map((embedding) => Float32Array.from(embedding));
  }

  return {
    id,
    get dimension() {
      return dimension;
    },
    async embed(texts, options = {}) {
      const vectors: Float32Array[] = [];
      for (const batch of batches(texts, Math.max(1, batchSize)))
        vectors.push(...(await embedBatch(batch, options.signal)));
      dimension = checkEmbeddings(id, texts, vectors, dimension);
      return vectors;
    },
  };
}

/** The parsed body, or undefined when it is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
