import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** Where the recorded provider responses live. */
export const PROVIDER_FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'providers');

/** One request the replay server received, for assertions on headers and bodies. */
export interface RecordedRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON, or null when it was not JSON. */
  json: unknown;
}

/** One scripted response: a JSON body, a raw body, or Server-Sent Events sent one event at a time. */
export interface ReplayResponse {
  status?: number;
  headers?: Record<string, string>;
  /** A JSON body (sent with `content-type: application/json`). */
  json?: unknown;
  /** A raw body. */
  body?: string;
  /** SSE events, each written as is (each already ends with its blank line); `text/event-stream`. */
  events?: string[];
  /** Milliseconds to wait before answering at all (a stalled provider). */
  stallMs?: number;
  /** Milliseconds between SSE events. */
  eventDelayMs?: number;
}

/** A scripted answer: a fixed response, or one built from the request (e.g. streaming or not). */
export type ReplayStep = ReplayResponse | ((request: RecordedRequest) => ReplayResponse);

/** A route: requests with this method and path get the steps in order; the last step repeats. */
export interface ReplayRoute {
  method: string;
  path: string | RegExp;
  steps: ReplayStep[];
}

/** A running replay server. */
export interface ReplayServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  requests: RecordedRequest[];
  /** Replaces the steps of a route (or adds the route). */
  script(method: string, path: string | RegExp, steps: ReplayStep[]): void;
  close(): Promise<void>;
}

/**
 * A local HTTP server (port 0, loopback only) that answers like a model provider from recorded responses,
 * selected by method and path, in a scripted sequence, and records every request. Unknown routes get a 404.
 */
export async function startReplayServer(routes: ReplayRoute[] = []): Promise<ReplayServer> {
  const table = routes.map((route) => ({ ...route, served: 0 }));
  const requests: RecordedRequest[] = [];

  const server = createServer((incoming, outgoing) => {
    void handle(incoming, outgoing).catch((error: unknown) => {
      if (!outgoing.headersSent) outgoing.writeHead(500, { 'content-type': 'text/plain' });
      outgoing.end(String(error));
    });
  });

  async function handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(incoming.url ?? '/', 'http://replay.local');
    const request: RecordedRequest = {
      method: incoming.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: incoming.headers,
      body,
      json: parseJson(body),
    };
    requests.push(request);
    const route = table.find(
      (candidate) =>
        candidate.method.toUpperCase() === request.method &&
        (typeof candidate.path === 'string'
          ? candidate.path === request.path
          : candidate.path.test(request.path)),
    );
    const step = route?.steps[Math.min(route.served, route.steps.length - 1)];
    if (!route || !step) {
      outgoing.writeHead(404, { 'content-type': 'application/json' });
      outgoing.end(JSON.stringify({ error: { message: `no replay for ${request.method} ${request.path}` } }));
      return;
    }
    route.served += 1;
    const response = typeof step === 'function' ? step(request) : step;
    let closed = false;
    outgoing.on('close', () => {
      closed = true;
    });
    if (response.stallMs) await sleep(response.stallMs, () => closed);
    if (closed) return;
    const status = response.status ?? 200;
    if (response.events) {
      outgoing.writeHead(status, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        ...response.headers,
      });
      for (const event of response.events) {
        if (closed) return;
        outgoing.write(event);
        if (response.eventDelayMs) await sleep(response.eventDelayMs, () => closed);
      }
      outgoing.end();
      return;
    }
    const text = response.json !== undefined ? JSON.stringify(response.json) : (response.body ?? '');
    outgoing.writeHead(status, {
      ...(response.json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...response.headers,
    });
    outgoing.end(text);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(method, path, steps) {
      const existing = table.find((route) => route.method === method && String(route.path) === String(path));
      if (existing) {
        existing.steps = steps;
        existing.served = 0;
      } else table.push({ method, path, steps, served: 0 });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A recorded JSON body from the fixtures folder. */
export function jsonFixture(name: string): unknown {
  return JSON.parse(readFileSync(join(PROVIDER_FIXTURES, name), 'utf8'));
}

/** A recorded SSE stream from the fixtures folder, split into its events (each keeps its own line endings). */
export function sseFixture(name: string): string[] {
  const text = readFileSync(join(PROVIDER_FIXTURES, name), 'utf8');
  return text.match(/[\s\S]*?(?:\r\n\r\n|\n\n)/g) ?? [];
}

/** OpenAI chat completions (also every OpenAI-compatible server): SSE when `stream`, the usage chunk only when asked. */
export function openAiChatCompletions(): ReplayStep {
  return (request) => {
    const body = asRecord(request.json);
    if (body.stream !== true) return { json: jsonFixture('openai-chat-completion.json') };
    const includeUsage = asRecord(body.stream_options).include_usage === true;
    const events = sseFixture('openai-chat-completion-stream.sse').filter(
      (event) => includeUsage || !event.includes('"choices":[]'),
    );
    return { events };
  };
}

/**
 * An OpenAI chat-completions stream (the wire format of every OpenAI-compatible server, Ollama and llama.cpp
 * included) whose answer is these pieces of text: a role chunk, one chunk per piece, the finish chunk, the usage
 * chunk when `stream_options.include_usage` asked for it, then `[DONE]`; shaped like the recorded fixture.
 */
export function openAiChatStream(
  pieces: readonly string[],
  { model = 'replayed-model', eventDelayMs }: { model?: string; eventDelayMs?: number } = {},
): ReplayStep {
  return (request) => {
    const body = asRecord(request.json);
    const chunk = (choices: unknown[], usage: unknown = null) =>
      `data: ${JSON.stringify({ id: 'chatcmpl-replay0001', object: 'chat.completion.chunk', created: 1764385260, model, system_fingerprint: 'fp_replay', choices, usage })}\n\n`;
    const delta = (content: Record<string, unknown>, finish: string | null = null) => ({
      index: 0,
      delta: content,
      logprobs: null,
      finish_reason: finish,
    });
    const events = [
      chunk([delta({ role: 'assistant', content: '' })]),
      ...pieces.map((piece) => chunk([delta({ content: piece })])),
      chunk([delta({}, 'stop')]),
      ...(asRecord(body.stream_options).include_usage === true
        ? [
            chunk([], {
              prompt_tokens: 120,
              completion_tokens: pieces.length,
              total_tokens: 120 + pieces.length,
            }),
          ]
        : []),
      'data: [DONE]\n\n',
    ];
    return { events, ...(eventDelayMs === undefined ? {} : { eventDelayMs }) };
  };
}

/** OpenAI Responses API: SSE when `stream`, else the JSON response object. */
export function openAiResponses(): ReplayStep {
  return (request) =>
    asRecord(request.json).stream === true
      ? { events: sseFixture('openai-responses-stream.sse') }
      : { json: jsonFixture('openai-responses.json') };
}

/** Anthropic Messages API: SSE when `stream`, else the JSON message. */
export function anthropicMessages(): ReplayStep {
  return (request) =>
    asRecord(request.json).stream === true
      ? { events: sseFixture('anthropic-messages-stream.sse'), headers: { 'request-id': 'req_011CVbXs9pQw' } }
      : { json: jsonFixture('anthropic-messages.json'), headers: { 'request-id': 'req_011CVbXs9pQw' } };
}

/** Google `:generateContent` JSON, or `:streamGenerateContent?alt=sse` chunks, chosen by the path. */
export function googleGenerateContent(): ReplayStep {
  return (request) =>
    request.path.endsWith(':streamGenerateContent')
      ? { events: sseFixture('google-stream-generate-content.sse') }
      : { json: jsonFixture('google-generate-content.json') };
}

/** A provider's real 429: its error JSON and the headers it sends with it. */
export function rateLimited(
  provider: 'openai' | 'anthropic' | 'google',
  retryAfterSeconds = 20,
): ReplayResponse {
  switch (provider) {
    case 'openai':
      return {
        status: 429,
        json: jsonFixture('openai-error-429.json'),
        headers: {
          'retry-after': String(retryAfterSeconds),
          'x-ratelimit-limit-requests': '3',
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': `${retryAfterSeconds}s`,
          'x-request-id': 'req_5f2c0d3e1a9b4c7d8e6f0a1b2c3d4e5f',
        },
      };
    case 'anthropic':
      return {
        status: 429,
        json: jsonFixture('anthropic-error-429.json'),
        headers: {
          'retry-after': String(retryAfterSeconds),
          'anthropic-ratelimit-requests-limit': '50',
          'anthropic-ratelimit-requests-remaining': '0',
          'request-id': 'req_011CVbXq7r2mJf8nKp4sTz9W',
          'x-should-retry': 'true',
        },
      };
    case 'google':
      return { status: 429, json: jsonFixture('google-error-429.json') };
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function sleep(ms: number, stop: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const started = Date.now();
    const tick = () => {
      if (stop() || Date.now() - started >= ms) resolve();
      else setTimeout(tick, Math.min(10, ms));
    };
    setTimeout(tick, Math.min(10, ms));
  });
}

/**
 * Writes a `familiar.config.json` into `home` whose one model is served by a replay server: provider `local`
 * (OpenAI-compatible, on loopback, so it may take private data), model `replayed-model` preferred for `ask`, its key
 * read from `TEST_LLM_KEY`.
 */
export function writeReplayModelConfig(home: string, replayUrl: string): void {
  writeFileSync(
    join(home, 'familiar.config.json'),
    JSON.stringify({
      models: {
        providers: [
          {
            id: 'local',
            type: 'openai-compatible',
            baseUrl: `${replayUrl}/v1`,
            apiKeyEnv: 'TEST_LLM_KEY',
            models: [{ name: 'replayed-model', tasks: ['ask'] }],
          },
        ],
      },
    }),
  );
}

/**
 * An OpenAI chat-completions answer with text and/or one tool call: SSE chunks when the request streams, else one
 * JSON completion (for replayed models that call tools).
 */
export function openAiToolCompletion(
  request: RecordedRequest,
  message: { content?: string; toolCall?: { id: string; name: string; arguments: string } },
): ReplayResponse {
  const finish = message.toolCall ? 'tool_calls' : 'stop';
  const toolCalls = message.toolCall
    ? [
        {
          id: message.toolCall.id,
          type: 'function',
          function: { name: message.toolCall.name, arguments: message.toolCall.arguments },
        },
      ]
    : undefined;
  const usage = { prompt_tokens: 200, completion_tokens: 20, total_tokens: 220 };
  if (asRecord(request.json).stream !== true)
    return {
      json: {
        id: 'chatcmpl-replay-tools',
        object: 'chat.completion',
        created: 1764385260,
        model: 'replayed-model',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: message.content ?? null,
              ...(toolCalls ? { tool_calls: toolCalls } : {}),
            },
            finish_reason: finish,
          },
        ],
        usage,
      },
    };
  const chunk = (choices: unknown[], withUsage: unknown = null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-replay-tools', object: 'chat.completion.chunk', created: 1764385260, model: 'replayed-model', choices, usage: withUsage })}\n\n`;
  const events = [chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }])];
  if (message.content)
    events.push(chunk([{ index: 0, delta: { content: message.content }, finish_reason: null }]));
  if (message.toolCall) {
    events.push(
      chunk([
        {
          index: 0,
          delta: {
            tool_calls: [
              {
                index: 0,
                id: message.toolCall.id,
                type: 'function',
                function: { name: message.toolCall.name, arguments: '' },
              },
            ],
          },
          finish_reason: null,
        },
      ]),
      chunk([
        {
          index: 0,
          delta: { tool_calls: [{ index: 0, function: { arguments: message.toolCall.arguments } }] },
          finish_reason: null,
        },
      ]),
    );
  }
  events.push(chunk([{ index: 0, delta: {}, finish_reason: finish }]));
  if (asRecord(asRecord(request.json).stream_options).include_usage === true) events.push(chunk([], usage));
  events.push('data: [DONE]\n\n');
  return { events };
}

/** The names of the tools a chat-completions request offers the model. */
export function offeredTools(request: RecordedRequest): string[] {
  const tools = asRecord(request.json).tools;
  return Array.isArray(tools) ? tools.map((tool) => String(asRecord(asRecord(tool).function).name)) : [];
}

/** Whether a chat-completions request carries a tool's result (the turn after a tool call). */
export function hasToolResult(request: RecordedRequest): boolean {
  const messages = asRecord(request.json).messages;
  return Array.isArray(messages) && messages.some((message) => asRecord(message).role === 'tool');
}
