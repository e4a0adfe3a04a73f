import type { LlamaEmbeddingContext, LlamaModel } from 'node-llama-cpp';
import { FamiliarError } from '../../kernel/index.ts';
import { defaultThreads, loadGgufModel, modelIdFromPath } from './shared-llama.ts';

/** Options for text embeddings computed in-process by llama.cpp from a GGUF file. */
export interface LlamaCppEmbedderOptions {
  /** Path of the GGUF embedding model the user supplies. */
  modelPath: string;
  /** CPU threads for evaluation; defaults to every core but one. */
  threads?: number;
}

/** A text embedder backed by a local GGUF model (the shape of the memory domain's Embedder port). */
export interface LlamaCppEmbedder {
  /** `llama-cpp:<file base name>`: stored beside each vector so vectors of different models never mix. */
  readonly id: string;
  /** Vector length, known once the model has loaded (after the first `embed`); `null` before. */
  readonly dimension: number | null;
  /** One vector per text, in order; texts longer than the context are cut to fit it. */
  embed(texts: readonly string[], options?: { signal?: AbortSignal }): Promise<Float32Array[]>;
  /** Frees the model; later calls fail with `embedder_unavailable`. */
  close(): Promise<void>;
}

interface Engine {
  model: LlamaModel;
  context: LlamaEmbeddingContext;
  maxTokens: number;
}

const DEFAULT_MAX_CONTEXT = 8192;

/**
 * Creates an embedder for a GGUF model; the model loads lazily on the first `embed` and calls run one at a time.
 * Failures are `FamiliarError('embedder_unavailable')` naming the file, as the memory domain's Embedder port expects.
 */
export function createLlamaCppEmbedder({
  modelPath,
  threads = defaultThreads(),
}: LlamaCppEmbedderOptions): LlamaCppEmbedder {
  let engine: Promise<Engine> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let dimension: number | null = null;
  let closed = false;

  const id = `llama-cpp:${modelIdFromPath(modelPath)}`;
  const unavailable = (message: string, cause?: unknown): FamiliarError =>
    new FamiliarError('embedder_unavailable', `embedder ${id}: ${message}`, {
      cause,
      details: { embedderId: id },
    });

  const load = (): Promise<Engine> => {
    if (closed) return Promise.reject(unavailable(`the model ${modelPath} was closed`));
    engine ??= (async () => {
      const model = await loadGgufModel(modelPath, false).catch((cause: unknown) => {
        throw unavailable(cause instanceof Error ? cause.message : String(cause), cause);
      });
      try {
        const maxTokens = Math.min(model.trainContextSize, DEFAULT_MAX_CONTEXT);
        const context = await model.createEmbeddingContext({ threads, contextSize: maxTokens });
        dimension = model.embeddingVectorSize;
        return { model, context, maxTokens };
      } catch (cause) {
        await model.dispose();
        throw unavailable(`llama.cpp could not create an embedding context for ${modelPath}`, cause);
      }
    })();
    engine.catch(() => {
      engine = undefined;
    });
    return engine;
  };

  return {
    id,
    get dimension() {
      return dimension;
    },
    embed(texts, { signal } = {}) {
      const run = queue.then(async () => {
        signal?.throwIfAborted();
        const { model, context, maxTokens } = await load();
        const vectors: Float32Array[] = [];
        for (const text of texts) {
          signal?.throwIfAborted();
          const tokens = model.tokenize(text).slice(0, maxTokens);
          const embedding = await context.getEmbeddingFor(tokens);
          vectors.push(Float32Array.from(embedding.vector));
        }
        return vectors;
      });
      queue = run.catch(() => undefined);
      return run;
    },
    async close() {
      closed = true;
      const current = engine;
      engine = undefined;
      await queue;
      const loaded = await current?.catch(() => undefined);
      if (!loaded) return;
      await loaded.context.dispose();
      await loaded.model.dispose();
    },
  };
}
