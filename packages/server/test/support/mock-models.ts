import type { LanguageModelV3, LanguageModelV3Prompt, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { APICallError, simulateReadableStream } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { createInMemoryAuditLog } from '../../src/audit/index.ts';
import { systemClock } from '../../src/kernel/index.ts';
import { type ConfiguredModel, createModelRunner, type ModelRunner } from '../../src/models/index.ts';

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

/** The text of every message of a recorded prompt, by role. */
export function promptText(prompt: LanguageModelV3Prompt, role: 'system' | 'user'): string {
  return prompt
    .filter((message) => message.role === role)
    .map((message) =>
      typeof message.content === 'string'
        ? message.content
        : message.content.map((part) => (part.type === 'text' ? part.text : '')).join(''),
    )
    .join('\n');
}

/**
 * A real model runner over one mock model (none: nothing configured), configured as `id` running where `runsOn` says,
 * with an in-memory audit log to read back. The model is not in the catalog, so it counts as closed: a person for
 * whom `openOnlyFor` says true (their own "Open models only" switch) may not use it.
 */
export function runnerOver(
  languageModel: LanguageModelV3 | null,
  options: {
    id?: string;
    runsOn?: ConfiguredModel['runsOn'];
    openOnlyFor?: (userId: string) => Promise<boolean>;
  } = {},
) {
  const { id = 'ollama:llama3.2:3b', runsOn = 'local-server', openOnlyFor } = options;
  const [provider = id, ...rest] = id.split(':');
  const audit = createInMemoryAuditLog();
  const models: ConfiguredModel[] = languageModel
    ? [
        {
          id,
          provider,
          providerType: 'openai-compatible',
          name: rest.join(':'),
          runsOn,
          entry: null,
          openWeights: false,
          tasks: [],
        },
      ]
    : [];
  const runner: ModelRunner = createModelRunner({
    models,
    policy: { openOnly: false, allowPrivate: [] },
    audit,
    clock: systemClock,
    timeoutMs: 5_000,
    createModel: () => {
      if (!languageModel) throw new Error('no model');
      return languageModel;
    },
    ...(openOnlyFor ? { openOnlyFor } : {}),
  });
  return { runner, audit };
}

/** Everything an async iterable yields (a model's or an ask's events), in order. */
export async function collect<T>(events: AsyncIterable<T>): Promise<T[]> {
  const seen: T[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

/** A tool call a scripted model makes: the tool's name and its arguments (sent as JSON, as providers do). */
export interface ScriptedToolCall {
  toolName: string;
  input: unknown;
  toolCallId?: string;
}

/** One response of a scripted model: tool calls (the step ends with `tool-calls`), text, or a provider failure. */
export type ScriptedTurn =
  | { toolCalls: readonly ScriptedToolCall[] }
  | { text: readonly string[] }
  | { fail: number };

/** The stream parts of a response that calls tools, in the AI SDK's wire order, ending with `tool-calls`. */
export function toolCallStreamParts(
  calls: readonly ScriptedToolCall[],
  turn = 0,
): LanguageModelV3StreamPart[] {
  return [
    { type: 'stream-start', warnings: [] },
    ...calls.map((call, index) => ({
      type: 'tool-call' as const,
      toolCallId: call.toolCallId ?? `call-${turn}-${index}`,
      toolName: call.toolName,
      input: JSON.stringify(call.input),
    })),
    {
      type: 'finish',
      finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
      usage: {
        inputTokens: { total: 20, noCache: 20, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: calls.length, text: 0, reasoning: undefined },
      },
    },
  ];
}

/**
 * A mock model that plays a script, one turn per call: the first call gets `turns[0]`, the next (after its tool
 * results) `turns[1]`, and so on; a call past the end fails. Every call and its prompt are in `doStreamCalls`.
 */
export function scriptedModel(turns: readonly ScriptedTurn[]): MockLanguageModelV3 {
  let next = 0;
  return new MockLanguageModelV3({
    doStream: async () => {
      const index = next++;
      const turn = turns[index];
      if (!turn) throw new Error(`the script has no turn ${index + 1}`);
      if ('fail' in turn) {
        throw new APICallError({
          message: `HTTP ${turn.fail}`,
          url: 'http://127.0.0.1:9/v1/chat/completions',
          requestBodyValues: {},
          statusCode: turn.fail,
          isRetryable: turn.fail === 429 || turn.fail >= 500,
        });
      }
      const chunks =
        'toolCalls' in turn ? toolCallStreamParts(turn.toolCalls, index) : textStreamParts(turn.text);
      return { stream: simulateReadableStream({ chunks, initialDelayInMs: null, chunkDelayInMs: null }) };
    },
  });
}
