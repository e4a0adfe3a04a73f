import { randomUUID } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { type Answer, type Ask, presentAnswer } from '../assistant/index.ts';
import { type Clock, describeIssues, FamiliarError, formatMoment, type Logger } from '../kernel/index.ts';
import type { MediaLinks } from '../safety/index.ts';
import { ERROR_STATUS } from './error-status.ts';
import { actorOf, type Env } from './request-helpers.ts';

/** What the OpenAI-compatible routes need: the grounded ask, media links for citations, a clock and a logger. */
export interface OpenAiRouteDependencies {
  ask: Ask;
  mediaLinks: MediaLinks;
  clock: Clock;
  logger: Logger;
  /** Makes the id of each completion; random by default. */
  newCompletionId?: () => string;
}

/** The model name every OpenAI client may use; `familiar:<model id>` prefers one configured model. */
const FAMILIAR_MODEL = 'familiar';

const TextPartSchema = z.object({ type: z.literal('text'), text: z.string() });
/** Images, audio and files are accepted and ignored: the question is the text. */
const OtherPartSchema = z.looseObject({
  type: z.string().refine((type) => type !== 'text', 'a text part needs a "text" string'),
});

const MessageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(z.union([TextPartSchema, OtherPartSchema]))]).nullish(),
});

/**
 * A Chat Completions request. Sampling, tools, response formats and the like are accepted and ignored: the
 * answer is Familiar's grounded ask, which decides its own prompt and length.
 */
const ChatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(MessageSchema).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  n: z.literal(1, 'only one choice (n: 1) can be asked for').nullish(),
});

type ChatMessage = z.infer<typeof MessageSchema>;

/** The OpenAI error body: `type` is what OpenAI clients branch on, `code` is Familiar's or OpenAI's code. */
function openAiError(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  param: string | null = null,
) {
  const type = status >= 500 ? 'server_error' : 'invalid_request_error';
  return c.json({ error: { message, type, param, code } }, status);
}

/** A Familiar error in the OpenAI shape with its usual status; anything else goes on to the app's error handler. */
function openAiFailure(c: Context, error: unknown) {
  if (!(error instanceof FamiliarError)) throw error;
  return openAiError(c, ERROR_STATUS[error.code], error.code, error.message);
}

function textOf(message: ChatMessage): string {
  const { content } = message;
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content
    .flatMap((part) => (part.type === 'text' && typeof part.text === 'string' ? [part.text] : []))
    .join('\n');
}

/** About four characters a token: OpenAI clients expect usage, and the ask does not count tokens. */
function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function quote(text: string, max = 200): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/**
 * The "Sources:" list a model's answer ends with: `[n] time — "text"`, numbered as the answer cites them. An
 * extractive answer gets none: it already is the quoted moments with their times.
 */
function sourcesOf(answer: Answer, timezone: string): string {
  if (answer.model === null || answer.citations.length === 0) return '';
  const numbers = new Map(answer.retrieved.map((observation, index) => [observation.id, index + 1]));
  const lines = answer.citations.map(
    (observation) =>
      `[${numbers.get(observation.id) ?? '?'}] ${formatMoment(observation.capturedAt, timezone)} — "${quote(observation.text)}"`,
  );
  return `\n\nSources:\n${lines.join('\n')}`;
}

/**
 * An OpenAI-compatible edge over the grounded ask, for any OpenAI client (its API key is a device token):
 * `POST /v1/chat/completions` (JSON or, with `stream`, Server-Sent Events ending in `data: [DONE]`) and
 * `GET /v1/models`. The model is `familiar` (the router picks) or `familiar:<model id>` (that configured model
 * first); the question is the last user message, and earlier messages are not used. Citations end the content as a
 * "Sources:" list and come whole in a top-level `citations` field.
 */
export function registerOpenAiRoutes(app: Hono<Env>, deps: OpenAiRouteDependencies): void {
  const { ask, mediaLinks, clock, logger, newCompletionId = () => `chatcmpl-${randomUUID()}` } = deps;
  const listedAt = Math.floor(clock.now() / 1000);

  app.get('/v1/models', (c) => {
    const familiar = { id: FAMILIAR_MODEL, object: 'model', created: listedAt, owned_by: 'familiar' };
    const configured = ask.models().map((id) => ({
      id: `${FAMILIAR_MODEL}:${id}`,
      object: 'model',
      created: listedAt,
      owned_by: id.split(':')[0] ?? 'familiar',
    }));
    return c.json({ object: 'list', data: [familiar, ...configured] });
  });

  app.post('/v1/chat/completions', async (c) => {
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      return openAiError(c, 400, 'invalid_json', 'the request body is not valid JSON');
    }
    const parsed = ChatCompletionRequestSchema.safeParse(body);
    if (!parsed.success) {
      const [first] = parsed.error.issues;
      return openAiError(
        c,
        400,
        'validation_failed',
        `the request does not match the Chat Completions schema: ${describeIssues(parsed.error.issues).join('; ')}`,
        first ? first.path.map(String).join('.') || null : null,
      );
    }
    const request = parsed.data;

    const preferred = request.model.startsWith(`${FAMILIAR_MODEL}:`)
      ? request.model.slice(FAMILIAR_MODEL.length + 1)
      : null;
    if (request.model !== FAMILIAR_MODEL && (preferred === null || !ask.models().includes(preferred))) {
      return openAiError(
        c,
        404,
        'model_not_found',
        `the model "${request.model}" does not exist: use "${FAMILIAR_MODEL}", or "${FAMILIAR_MODEL}:<model id>" with a model GET /v1/models lists`,
        'model',
      );
    }
    const last = request.messages.findLast((message) => message.role === 'user');
    const question = last ? textOf(last).trim() : '';
    if (!question) {
      return openAiError(
        c,
        400,
        'validation_failed',
        'the messages need a user message with text: the last one is the question',
        'messages',
      );
    }

    const principal = c.get('principal');
    const actor = {
      userId: principal.user.id,
      label: actorOf(principal).label,
      timezone: principal.user.timezone,
    };
    const linkFor = (captureId: string) => mediaLinks.urlFor(principal.user.id, captureId).url;
    const options = preferred === null ? {} : { prefer: preferred };
    const base = { id: newCompletionId(), created: Math.floor(clock.now() / 1000), model: request.model };
    const promptTokens = estimateTokens(request.messages.map(textOf).join('\n'));
    const usageOf = (content: string) => {
      const completionTokens = estimateTokens(content);
      return {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      };
    };

    if (!request.stream) {
      let answer: Answer;
      try {
        answer = await ask.ask(actor, question, options);
      } catch (error) {
        return openAiFailure(c, error);
      }
      const content = answer.answer + sourcesOf(answer, actor.timezone);
      return c.json({
        ...base,
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content, refusal: null },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: usageOf(content),
        citations: presentAnswer(answer, linkFor).citations,
      });
    }

    // Server-Sent Events. Retrieval runs before the response starts, so its failures get their usual status.
    const stopped = new AbortController();
    const events = ask.stream(actor, question, { ...options, signal: stopped.signal });
    let first: Awaited<ReturnType<typeof events.next>>;
    try {
      first = await events.next();
    } catch (error) {
      return openAiFailure(c, error);
    }
    const includeUsage = request.stream_options?.include_usage === true;
    return streamSSE(c, async (sse) => {
      sse.onAbort(() => stopped.abort(new Error('the client went away')));
      const chunk = (
        choices: Array<{ delta: Record<string, string>; finish_reason: 'stop' | null }>,
        extra: Record<string, unknown> = {},
      ) =>
        sse.writeSSE({
          data: JSON.stringify({
            ...base,
            object: 'chat.completion.chunk',
            choices: choices.map((choice) => ({ index: 0, ...choice, logprobs: null })),
            ...extra,
          }),
        });
      let content = '';
      try {
        await chunk([{ delta: { role: 'assistant', content: '' }, finish_reason: null }]);
        for (let next = first; !next.done; next = await events.next()) {
          const event = next.value;
          if (sse.aborted) break;
          if (event.type === 'delta') {
            content += event.text;
            await chunk([{ delta: { content: event.text }, finish_reason: null }]);
          } else if (event.type === 'done') {
            const sources = sourcesOf(event.answer, actor.timezone);
            if (sources) {
              content += sources;
              await chunk([{ delta: { content: sources }, finish_reason: null }]);
            }
            await chunk([{ delta: {}, finish_reason: 'stop' }], {
              citations: presentAnswer(event.answer, linkFor).citations,
            });
            if (includeUsage) await chunk([], { usage: usageOf(content) });
          }
        }
        if (!sse.aborted) await sse.writeSSE({ data: '[DONE]' });
      } catch (error) {
        if (sse.aborted) return;
        const known = error instanceof FamiliarError;
        if (!known || ERROR_STATUS[error.code] >= 500)
          logger.error({ err: error }, 'streamed chat completion failed');
        const status = known ? ERROR_STATUS[error.code] : 500;
        await sse.writeSSE({
          data: JSON.stringify({
            error: {
              message: known ? error.message : 'something went wrong on the server; it has been logged',
              type: status >= 500 ? 'server_error' : 'invalid_request_error',
              param: null,
              code: known ? error.code : 'internal',
            },
          }),
        });
      } finally {
        await events.return(undefined);
      }
    });
  });
}
