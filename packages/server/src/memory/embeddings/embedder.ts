import { FamiliarError } from '../../kernel/index.ts';

/** Options of one embedding call. */
export interface EmbedOptions {
  signal?: AbortSignal;
}

/**
 * Turns texts into vectors: the port every embedding engine (an HTTP API, a local model, the hashing embedder)
 * implements. Vectors of different `id`s are not comparable, so the id is stored with each vector.
 * Failures are `FamiliarError('embedder_unavailable')`, retryable for rate limits, server errors and the network.
 */
export interface Embedder {
  /** Stable model id stored with each vector, e.g. `openai-compatible:nomic-embed-text`. */
  readonly id: string;
  /** The vector length; null until the first call when the engine does not say it up front. */
  readonly dimension: number | null;
  /** One vector per text, in order. */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>;
}

/** An embedding engine that failed; retryable when waiting may help (rate limit, 5xx, network). */
export function embedderUnavailable(
  embedderId: string,
  message: string,
  options: { cause?: unknown; retryable?: boolean; status?: number } = {},
): FamiliarError {
  return new FamiliarError('embedder_unavailable', `embedder ${embedderId}: ${message}`, {
    cause: options.cause,
    retryable: options.retryable ?? false,
    details: options.status === undefined ? { embedderId } : { embedderId, status: options.status },
  });
}

/** True for HTTP statuses that may succeed later: timeouts, rate limits and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Checks what an engine returned (one finite vector per text, all of one length, the length already seen when
 * known) and returns the length; a wrong answer is a non-retryable `embedder_unavailable`.
 */
export function checkEmbeddings(
  embedderId: string,
  texts: readonly string[],
  vectors: readonly Float32Array[],
  knownDimension: number | null,
): number | null {
  if (vectors.length !== texts.length)
    throw embedderUnavailable(embedderId, `asked for ${texts.length} vectors, got ${vectors.length}`);
  let dimension = knownDimension;
  for (const vector of vectors) {
    if (vector.length === 0) throw embedderUnavailable(embedderId, 'returned an empty vector');
    if (dimension === null) dimension = vector.length;
    if (vector.length !== dimension)
      throw embedderUnavailable(
        embedderId,
        `returned a vector of length ${vector.length} where ${dimension} was expected`,
      );
    if (!vector.every(Number.isFinite)) throw embedderUnavailable(embedderId, 'returned a non-finite number');
  }
  return dimension;
}

/** Splits `items` into consecutive batches of at most `size`. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

/** Rethrows an abort as itself (the caller cancelled), so it is never reported as an engine failure. */
export function throwIfAborted(signal: AbortSignal | undefined, error: unknown): void {
  if (signal?.aborted) throw signal.reason ?? error;
}
