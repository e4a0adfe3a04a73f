import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { APICallError, simulateReadableStream } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';

/** When a mock model's stream starts and how fast it flows. */
export interface StreamPacing {
  initialDelayInMs?: number | null;
  chunkDelayInMs?: number | null;
}

/** The stream parts of a text answer, in the AI SDK's wire order, ending with a finish and its usage. */
export function textStreamParts(texts: readonly string[], inputTokens = 12): LanguageModelV3StreamPart[] {
  return [
    { type: 'stream-start', warnings: [] },
    { type: 'text-start', id: 't' },
    ...texts.map((delta) => ({ type: 'text-delta' as const, id: 't', delta })),
    { type: 'text-end', id: 't' },
    {
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: {
        inputTokens: {
          total: inputTokens,
          noCache: inputTokens,
          cacheRead: undefined,
          cacheWrite: undefined,
        },
        outputTokens: { total: texts.length, text: texts.length, reasoning: undefined },
      },
    },
  ];
}

/** A `doStream` result that streams these pieces of text. */
export function textStream(texts: readonly string[], pacing: StreamPacing = {}) {
  return {
    stream: simulateReadableStream({
      chunks: textStreamParts(texts),
      initialDelayInMs: pacing.initialDelayInMs ?? null,
      chunkDelayInMs: pacing.chunkDelayInMs ?? null,
    }),
  };
}

/** A mock model that streams these pieces of text; it records every call (and its prompt) in `doStreamCalls`. */
export function streamingModel(texts: readonly string[], pacing: StreamPacing = {}): MockLanguageModelV3 {
  return new MockLanguageModelV3({ doStream: async () => textStream(texts, pacing) });
}

/** A mock model whose every call fails as a provider would over HTTP (429 and 5xx are retryable). */
export function failingModel(
  statusCode: number,
  message = statusCode === 429 ? 'Rate limit reached for test-model' : `HTTP ${statusCode}`,
  headers: Record<string, string> = {},
): MockLanguageModelV3 {
  return new MockLanguageModelV3({
    doStream: async () => {
      throw new APICallError({
        message,
        url: 'http://127.0.0.1:9/v1/chat/completions',
        requestBodyValues: {},
        statusCode,
        responseHeaders: headers,
        isRetryable: statusCode === 429 || statusCode >= 500,
      });
    },
  });
}
