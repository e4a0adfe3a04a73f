import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { APICallError } from '@ai-sdk/provider';
import { type EmbeddingModel, embedMany, RetryError } from 'ai';
import type { FamiliarError } from '../../kernel/index.ts';
import {
  batches,
  checkEmbeddings,
  type Embedder,
  embedderUnavailable,
  isRetryableStatus,
  throwIfAborted,
} from './embedder.ts';

/** An AI SDK embedding model object (OpenAI, Google, Mistral, an OpenAI-compatible server, …). */
export type AiSdkEmbeddingModel = Exclude<EmbeddingModel, string>;

/**
 * An embedder over any AI SDK embedding model, through `embedMany` with retries off (the job queue decides when
 * to try again); texts go in batches of `batchSize` per request.
 */
export function createAiSdkEmbedder({
  id,
  model,
  batchSize = 64,
}: {
  id: string;
  model: AiSdkEmbeddingModel;
  batchSize?: number;
}): Embedder {
  let dimension: number | null = null;
  return {
    id,
    get dimension() {
      return dimension;
    },
    async embed(texts, options = {}) {
      const vectors: Float32Array[] = [];
      for (const batch of batches(texts, Math.max(1, batchSize))) {
        let embeddings: number[][];
        try {
          ({ embeddings } = await embedMany({
            model,
            values: batch,
            maxRetries: 0,
            ...(options.signal ? { abortSignal: options.signal } : {}),
          }));
        } catch (error) {
          throwIfAborted(options.signal, error);
          throw describeSdkError(id, error);
        }
        vectors.push(...embeddings.map((embedding) => Float32Array.from(embedding)));
      }
      dimension = checkEmbeddings(id, texts, vectors, dimension);
      return vectors;
    },
  };
}

function describeSdkError(id: string, error: unknown): FamiliarError {
  const cause = RetryError.isInstance(error) ? error.lastError : error;
  if (APICallError.isInstance(cause)) {
    const status = cause.statusCode;
    if (status === undefined)
      return embedderUnavailable(id, `cannot reach ${cause.url}: ${cause.message}`, {
        cause,
        retryable: cause.isRetryable,
      });
    if (status >= 200 && status < 300)
      return embedderUnavailable(
        id,
        `the answer of ${cause.url} is not an embedding response: ${cause.message}`,
        {
          cause,
          status,
        },
      );
    const body = cause.responseBody ? `: ${cause.responseBody.slice(0, 300)}` : '';
    return embedderUnavailable(id, `${cause.url} answered HTTP ${status}${body}`, {
      cause,
      status,
      retryable: isRetryableStatus(status),
    });
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return embedderUnavailable(id, `the embedding response is not understood: ${message.slice(0, 500)}`, {
    cause,
  });
}

/**
 * An embedder for any server that speaks OpenAI's `POST {baseUrl}/embeddings` (OpenAI itself, llama.cpp server,
 * vLLM, LM Studio, LocalAI, Ollama's /v1); the API key, when given, goes as a Bearer header.
 */
export function createOpenAiCompatibleEmbedder({
  baseUrl,
  apiKey,
  model,
  fetch,
  batchSize,
}: {
  baseUrl: string;
  apiKey?: string;
  model: string;
  fetch?: typeof globalThis.fetch;
  batchSize?: number;
}): Embedder {
  const provider = createOpenAICompatible({
    name: 'openai-compatible',
    baseURL: baseUrl.replace(/\/+$/, ''),
    ...(apiKey ? { apiKey } : {}),
    ...(fetch ? { fetch } : {}),
  });
  return createAiSdkEmbedder({
    id: `openai-compatible:${model}`,
    model: provider.embeddingModel(model),
    ...(batchSize === undefined ? {} : { batchSize }),
  });
}
