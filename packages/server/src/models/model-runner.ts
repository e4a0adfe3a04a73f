import type { LanguageModelV3 } from '@ai-sdk/provider';
import {
  APICallError,
  InvalidArgumentError,
  InvalidPromptError,
  type LanguageModelUsage,
  type ModelMessage,
  Output,
  stepCountIs,
  streamText,
  type ToolSet,
} from 'ai';
import type { ZodType } from 'zod';
import type { AuditLog } from '../audit/index.ts';
import { type Clock, FamiliarError, redactSecrets } from '../kernel/index.ts';
import type { RunsOn } from './catalog-schema.ts';
import type { ConfiguredModel, Sensitivity, Task } from './models-config.ts';
import { createCallRedaction, createFinderCache } from './redaction/index.ts';
import { type RouteDecision, type RoutePolicy, type RouteRequest, routeModel } from './router.ts';

/** What the runner tells its caller while a call runs; text arrives as `text-delta`, the end as `finish`. */
export type ModelEvent =
  | { type: 'model-chosen'; model: string; runsOn: RunsOn }
  | { type: 'text-delta'; text: string }
  | { type: 'fallback'; from: string; error: string }
  | {
      type: 'finish';
      model: string;
      usage: ModelUsage;
      /** From the start of the call (fallbacks included) to the first text. */
      timeToFirstTokenMs: number | null;
      fallbacks: ModelFallback[];
    };

/** Tokens one call used, as the provider reported them (undefined when it did not). */
export interface ModelUsage {
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  totalTokens: number | undefined;
}

/** A model that was tried and failed before the answer came from another; `error` never holds prompt text or keys. */
export interface ModelFallback {
  model: string;
  error: string;
}

/** One call: who asks, for what task, how sensitive the data is, and the prompt (text or messages). */
export type ModelCallInput = {
  userId: string;
  /** Who made the call, for the audit log: `cli`, `device:<id>` or a worker's name. */
  actor: string;
  task: Task;
  sensitivity: Sensitivity;
  /** What kinds of data the prompt holds (e.g. `transcript`, `location`), recorded in the audit log. */
  dataClasses: readonly string[];
  system?: string;
  maxOutputTokens?: number;
  signal?: AbortSignal;
  needs?: { vision?: boolean };
  /** A configured model's id to try first when the routing rules let it take the call (see `RouteRequest.prefer`). */
  prefer?: string;
} & ({ prompt: string; messages?: never } | { messages: ModelMessage[]; prompt?: never });

/** A call for a JSON answer that must validate against `schema`. */
export type ModelJsonInput<T> = ModelCallInput & { schema: ZodType<T> };

/** A validated JSON answer and which model gave it. */
export interface ModelJsonResult<T> {
  value: T;
  model: string;
  runsOn: RunsOn;
  usage: ModelUsage;
  timeToFirstTokenMs: number | null;
  fallbacks: ModelFallback[];
}

/** A call that may use tools: the model calls them (the AI SDK runs their `execute`) for up to `maxSteps` steps. */
export type ModelToolsInput = ModelCallInput & {
  tools: ToolSet;
  /** How many model steps at most (a step is one model response, with its tool calls run); default 5. */
  maxSteps?: number;
  /** Told each piece of the answer's text as it arrives. */
  onDelta?: (text: string) => void;
};

/** One tool call the model made and what the tool returned (for a tool that failed, its error message). */
export interface ModelToolCall {
  toolName: string;
  input: unknown;
  output: unknown;
}

/** The answer of a call with tools: its text, the model that gave it, and every tool call of every step. */
export interface ModelToolsResult {
  text: string;
  model: string;
  steps: number;
  toolCalls: ModelToolCall[];
  usage: ModelUsage;
  fallbacks: ModelFallback[];
}

/** Calls models through the router, falling back on failures before the first token, and audits every call. */
export interface ModelRunner {
  /** Streams an answer; throws `model_unavailable` when no model could give one. */
  stream(input: ModelCallInput): AsyncIterable<ModelEvent>;
  /** Asks for JSON; an answer that fails the schema counts as a failure and the next model is tried. */
  json<T>(input: ModelJsonInput<T>): Promise<ModelJsonResult<T>>;
  /**
   * Answers with tools (multi-step tool calling). Falls back to the next model only while nothing has happened: once a
   * tool ran (its effect would repeat) or text was told to `onDelta`, a failure ends the call with `model_unavailable`.
   */
  tools(input: ModelToolsInput): Promise<ModelToolsResult>;
  /**
   * The routing decision a call with these needs would get under the config's policy alone (for status pages and
   * explanations); a person's own settings can only narrow it (see `routeFor`).
   */
  route(request: RouteRequest): RouteDecision;
  /** The routing decision a call of this person's would get: the config's policy with their own settings on top. */
  routeFor(userId: string, request: RouteRequest): Promise<RouteDecision>;
  /** Frees the models built so far that hold resources (in-process engines have `close()`). */
  close(): Promise<void>;
}

/** What the runner needs: the configured models, the routing policy, the audit log, a clock and a model factory. */
export interface ModelRunnerOptions {
  models: readonly ConfiguredModel[];
  policy: RoutePolicy;
  audit: AuditLog;
  clock: Clock;
  createModel: (model: ConfiguredModel) => LanguageModelV3 | Promise<LanguageModelV3>;
  /** How long to wait for the first token before trying the next model. */
  timeoutMs?: number;
  /**
   * Whether the person turned "Open models only" on for themselves, read at each call (the CLI, another process,
   * may change it). It can only narrow `policy`: with `policy.openOnly` on, the switch is on for everyone whatever
   * this says. Without it, only the config decides.
   */
  openOnlyFor?: (userId: string) => Promise<boolean>;
  /**
   * The names and aliases of the user's people, redacted (with emails, phone, card and account numbers, addresses
   * and precise locations) before a call to a model that is redacted: every cloud model unless its config says
   * `redact: false`, and a local one whose config says `redact: true`. Without it, names are not redacted.
   */
  redactionTerms?: (userId: string) => Promise<readonly string[]>;
}

class FirstTokenTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no first token within ${timeoutMs} ms`);
    this.name = 'FirstTokenTimeout';
  }
}

/** A failure after a tool ran or text was shown: trying another model would repeat effects or words. */
class FailedMidway extends Error {
  constructor(readonly reason: unknown) {
    super('the call failed after it had started acting');
    this.name = 'FailedMidway';
  }
}

class SchemaMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaMismatch';
  }
}

type AttemptPart = { type: 'text'; text: string } | { type: 'finish'; usage: LanguageModelUsage };

/** Creates the runner. Models are built on first use and kept; a model that failed to build is tried again later. */
export function createModelRunner({
  models,
  policy,
  audit,
  clock,
  createModel,
  timeoutMs = 30_000,
  redactionTerms,
  openOnlyFor,
}: ModelRunnerOptions): ModelRunner {
  const built = new Map<string, Promise<LanguageModelV3>>();
  const finders = createFinderCache();

  function languageModel(model: ConfiguredModel): Promise<LanguageModelV3> {
    let pending = built.get(model.id);
    if (!pending) {
      pending = Promise.resolve().then(() => createModel(model));
      pending.catch(() => built.delete(model.id));
      built.set(model.id, pending);
    }
    return pending;
  }

  function route(request: RouteRequest): RouteDecision {
    return routeModel(request, models, policy);
  }

  /** The config's policy, with the person's own "Open models only" on top when the config leaves it off. */
  async function policyFor(userId: string): Promise<RoutePolicy> {
    if (policy.openOnly || !openOnlyFor) return policy;
    return (await openOnlyFor(userId)) ? { ...policy, openOnly: true, openOnlySetBy: 'person' } : policy;
  }

  async function routeFor(userId: string, request: RouteRequest): Promise<RouteDecision> {
    return routeModel(request, models, await policyFor(userId));
  }

  async function* run(
    input: ModelCallInput,
    json: { schema: ZodType<unknown>; accept: (value: unknown) => void } | null,
  ): AsyncGenerator<ModelEvent> {
    const startedAt = clock.now();
    const decision = await routeFor(input.userId, {
      task: input.task,
      sensitivity: input.sensitivity,
      needs: { ...input.needs, ...(json ? { json: true } : {}) },
      estimatedTokens: estimateTokens(input),
      ...(input.maxOutputTokens ? { estimatedOutputTokens: input.maxOutputTokens } : {}),
      ...(input.prefer ? { prefer: input.prefer } : {}),
    });
    if (decision.ordered.length === 0) {
      throw new FamiliarError('model_unavailable', decision.reason, {
        details: { candidates: decision.candidates },
      });
    }
    const fallbacks: ModelFallback[] = [];
    let called: ConfiguredModel | null = null;
    let outcome: 'ok' | 'failed' | 'cancelled' = 'cancelled';
    let usage: ModelUsage | null = null;
    const redaction = createCallRedaction({
      userId: input.userId,
      finders,
      ...(redactionTerms ? { terms: redactionTerms } : {}),
    });
    try {
      for (const model of decision.ordered) {
        yield { type: 'model-chosen', model: model.id, runsOn: model.runsOn };
        let firstTokenAt: number | null = null;
        let text = '';
        try {
          const built = await languageModel(model);
          called = model;
          const callable = await redaction.wrap(model, built);
          for await (const part of attempt(callable, input, json?.schema ?? null, timeoutMs)) {
            if (part.type === 'finish') {
              usage = toUsage(part.usage);
              continue;
            }
            firstTokenAt ??= clock.now();
            if (json) text += part.text;
            else yield { type: 'text-delta', text: part.text };
          }
          if (json) json.accept(parseJsonAnswer(text, json.schema));
          outcome = 'ok';
          yield {
            type: 'finish',
            model: model.id,
            usage: usage ?? toUsage(undefined),
            timeToFirstTokenMs: firstTokenAt === null ? null : firstTokenAt - startedAt,
            fallbacks,
          };
          return;
        } catch (error) {
          if (input.signal?.aborted) throw input.signal.reason ?? error;
          const reason = describeError(error);
          if (firstTokenAt !== null && !json) {
            outcome = 'failed';
            throw new FamiliarError('model_unavailable', `${model.id} failed mid-answer: ${reason}`, {
              retryable: true,
              details: { model: model.id, fallbacks },
            });
          }
          fallbacks.push({ model: model.id, error: reason });
          if (!isWorthFallingBack(error)) {
            outcome = 'failed';
            throw new FamiliarError('model_unavailable', `${model.id} refused the request: ${reason}`, {
              details: { model: model.id, fallbacks },
            });
          }
          yield { type: 'fallback', from: model.id, error: reason };
        }
      }
      outcome = 'failed';
      throw new FamiliarError(
        'model_unavailable',
        `no model could answer: ${fallbacks.map((fallback) => `${fallback.model}: ${fallback.error}`).join('; ')}`,
        { retryable: true, details: { fallbacks } },
      );
    } finally {
      if (called) {
        await audit.record({
          userId: input.userId,
          at: clock.now(),
          actor: input.actor,
          action: 'model.call',
          target: called?.id ?? null,
          details: {
            model: outcome === 'ok' ? called?.id : null,
            // Where the prompt went (even when the call failed) and what kind of model took it.
            runsOn: called?.runsOn ?? null,
            local: called ? called.runsOn !== 'cloud' : null,
            openWeights: called?.openWeights ?? null,
            catalogEntry: called?.entry?.id ?? null,
            task: input.task,
            sensitivity: input.sensitivity,
            dataClasses: input.dataClasses,
            redaction: redaction.summary(called),
            fallbacks,
            outcome,
            ...(usage
              ? { inputTokens: usage.inputTokens ?? null, outputTokens: usage.outputTokens ?? null }
              : {}),
          },
        });
      }
    }
  }

  return {
    route,
    routeFor,
    stream: (input) => run(input, null),
    async close() {
      const pending = [...built.values()];
      built.clear();
      const settled = await Promise.allSettled(pending);
      await Promise.all(
        settled.map(async (result) => {
          const model = result.status === 'fulfilled' ? (result.value as { close?: unknown }) : null;
          if (model && typeof model.close === 'function') await (model.close as () => Promise<void>)();
        }),
      );
    },
    async tools(input: ModelToolsInput): Promise<ModelToolsResult> {
      const decision = await routeFor(input.userId, {
        task: input.task,
        sensitivity: input.sensitivity,
        ...(input.needs ? { needs: input.needs } : {}),
        estimatedTokens: estimateTokens(input),
        ...(input.maxOutputTokens ? { estimatedOutputTokens: input.maxOutputTokens } : {}),
        ...(input.prefer ? { prefer: input.prefer } : {}),
      });
      if (decision.ordered.length === 0) {
        throw new FamiliarError('model_unavailable', decision.reason, {
          details: { candidates: decision.candidates },
        });
      }
      const fallbacks: ModelFallback[] = [];
      let called: ConfiguredModel | null = null;
      let outcome: 'ok' | 'failed' | 'cancelled' = 'cancelled';
      let usage: ModelUsage | null = null;
      let steps = 0;
      let toolCallCount = 0;
      const redaction = createCallRedaction({
        userId: input.userId,
        finders,
        ...(redactionTerms ? { terms: redactionTerms } : {}),
      });
      try {
        for (const model of decision.ordered) {
          try {
            const built = await languageModel(model);
            called = model;
            const answer = await attemptWithTools(await redaction.wrap(model, built), input, timeoutMs);
            usage = answer.usage;
            steps = answer.steps;
            toolCallCount = answer.toolCalls.length;
            outcome = 'ok';
            return { ...answer, model: model.id, fallbacks };
          } catch (error) {
            if (input.signal?.aborted) throw input.signal.reason ?? error;
            if (error instanceof FailedMidway) {
              outcome = 'failed';
              throw new FamiliarError(
                'model_unavailable',
                `${model.id} failed after it had started (a tool ran or text was shown), so no other model was tried: ${describeError(error.reason)}`,
                { retryable: false, details: { model: model.id, fallbacks } },
              );
            }
            const reason = describeError(error);
            fallbacks.push({ model: model.id, error: reason });
            if (!isWorthFallingBack(error)) {
              outcome = 'failed';
              throw new FamiliarError('model_unavailable', `${model.id} refused the request: ${reason}`, {
                details: { model: model.id, fallbacks },
              });
            }
          }
        }
        outcome = 'failed';
        throw new FamiliarError(
          'model_unavailable',
          `no model could answer: ${fallbacks.map((fallback) => `${fallback.model}: ${fallback.error}`).join('; ')}`,
          { retryable: true, details: { fallbacks } },
        );
      } finally {
        if (called) {
          await audit.record({
            userId: input.userId,
            at: clock.now(),
            actor: input.actor,
            action: 'model.call',
            target: called.id,
            details: {
              model: outcome === 'ok' ? called.id : null,
              runsOn: called.runsOn,
              local: called.runsOn !== 'cloud',
              openWeights: called.openWeights,
              catalogEntry: called.entry?.id ?? null,
              task: input.task,
              sensitivity: input.sensitivity,
              dataClasses: input.dataClasses,
              redaction: redaction.summary(called),
              tools: Object.keys(input.tools),
              steps,
              toolCalls: toolCallCount,
              fallbacks,
              outcome,
              ...(usage
                ? { inputTokens: usage.inputTokens ?? null, outputTokens: usage.outputTokens ?? null }
                : {}),
            },
          });
        }
      }
    },
    async json<T>({ schema, ...input }: ModelJsonInput<T>): Promise<ModelJsonResult<T>> {
      let value: { parsed: T } | null = null;
      let finish: Extract<ModelEvent, { type: 'finish' }> | null = null;
      let runsOn: RunsOn = 'cloud';
      const events = run(input as ModelCallInput, {
        schema,
        accept: (parsed) => {
          value = { parsed: parsed as T };
        },
      });
      for await (const event of events) {
        if (event.type === 'model-chosen') runsOn = event.runsOn;
        if (event.type === 'finish') finish = event;
      }
      const answer = value as { parsed: T } | null;
      const done = finish as Extract<ModelEvent, { type: 'finish' }> | null;
      if (!answer || !done) throw new FamiliarError('internal', 'the model call ended without an answer');
      return {
        value: answer.parsed,
        model: done.model,
        runsOn,
        usage: done.usage,
        timeToFirstTokenMs: done.timeToFirstTokenMs,
        fallbacks: done.fallbacks,
      };
    },
  };
}

/** One model, one streamed call: yields text, then usage; throws on error or when the first token is too slow. */
async function* attempt(
  model: LanguageModelV3,
  input: ModelCallInput,
  schema: ZodType<unknown> | null,
  timeoutMs: number,
): AsyncGenerator<AttemptPart> {
  input.signal?.throwIfAborted();
  const controller = new AbortController();
  const forwardAbort = () => controller.abort(input.signal?.reason);
  input.signal?.addEventListener('abort', forwardAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FirstTokenTimeout(timeoutMs)), timeoutMs);
  });
  timeout.catch(() => {});
  const result = streamText({
    model,
    ...(input.system ? { system: input.system } : {}),
    ...(input.messages ? { messages: input.messages } : { prompt: input.prompt ?? '' }),
    ...(input.maxOutputTokens ? { maxOutputTokens: input.maxOutputTokens } : {}),
    ...(schema ? { output: Output.object({ schema }) } : {}),
    maxRetries: 0,
    abortSignal: controller.signal,
    onError: () => {},
  });
  const iterator = result.fullStream[Symbol.asyncIterator]();
  let waiting = true;
  let finished = false;
  try {
    while (true) {
      const next = waiting ? await Promise.race([iterator.next(), timeout]) : await iterator.next();
      if (next.done) break;
      const part = next.value;
      switch (part.type) {
        case 'text-delta':
          if (!part.text) break;
          waiting = false;
          clearTimeout(timer);
          yield { type: 'text', text: part.text };
          break;
        case 'reasoning-delta':
          waiting = false;
          clearTimeout(timer);
          break;
        case 'error':
          throw part.error;
        case 'abort':
          throw controller.signal.reason ?? new Error('the call was aborted');
        case 'finish':
          yield { type: 'finish', usage: part.totalUsage };
          break;
      }
    }
    finished = true;
  } finally {
    clearTimeout(timer);
    input.signal?.removeEventListener('abort', forwardAbort);
    if (!finished) {
      controller.abort(new Error('the runner stopped this call'));
      void iterator.return?.()?.catch(() => {});
    }
  }
}

/**
 * One model, one multi-step call with tools: the AI SDK runs the tools the model calls and feeds their results back
 * until the model answers or `maxSteps` is reached. A failure before any tool ran and before any text throws the
 * failure itself (another model may be tried); a failure after throws `FailedMidway`.
 */
async function attemptWithTools(
  model: LanguageModelV3,
  input: ModelToolsInput,
  timeoutMs: number,
): Promise<Omit<ModelToolsResult, 'model' | 'fallbacks'>> {
  input.signal?.throwIfAborted();
  const controller = new AbortController();
  const forwardAbort = () => controller.abort(input.signal?.reason);
  input.signal?.addEventListener('abort', forwardAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FirstTokenTimeout(timeoutMs)), timeoutMs);
  });
  timeout.catch(() => {});
  let acted = false;
  // Every tool is wrapped so that the runner knows when one started: from then on, no other model may be tried.
  const tools: ToolSet = {};
  for (const [name, definition] of Object.entries(input.tools)) {
    const execute = definition.execute;
    tools[name] = execute
      ? {
          ...definition,
          execute: (toolInput: unknown, options: Parameters<typeof execute>[1]) => {
            acted = true;
            return execute(toolInput as never, options);
          },
        }
      : definition;
  }
  const result = streamText({
    model,
    tools,
    stopWhen: stepCountIs(input.maxSteps ?? 5),
    ...(input.system ? { system: input.system } : {}),
    ...(input.messages ? { messages: input.messages } : { prompt: input.prompt ?? '' }),
    ...(input.maxOutputTokens ? { maxOutputTokens: input.maxOutputTokens } : {}),
    maxRetries: 0,
    abortSignal: controller.signal,
    onError: () => {},
  });
  const iterator = result.fullStream[Symbol.asyncIterator]();
  let waiting = true;
  let finished = false;
  let text = '';
  let steps = 0;
  let usage: ModelUsage = toUsage(undefined);
  const calls = new Map<string, ModelToolCall>();
  const answered = () => {
    waiting = false;
    clearTimeout(timer);
  };
  try {
    while (true) {
      const next = waiting ? await Promise.race([iterator.next(), timeout]) : await iterator.next();
      if (next.done) break;
      const part = next.value;
      switch (part.type) {
        case 'text-delta':
          if (!part.text) break;
          answered();
          text += part.text;
          acted = true;
          input.onDelta?.(part.text);
          break;
        case 'reasoning-delta':
        case 'tool-input-start':
        case 'tool-call':
          answered();
          break;
        case 'tool-result':
          if (part.preliminary) break;
          calls.set(part.toolCallId, { toolName: part.toolName, input: part.input, output: part.output });
          break;
        case 'tool-error':
          calls.set(part.toolCallId, {
            toolName: part.toolName,
            input: part.input,
            output: { error: describeError(part.error) },
          });
          break;
        case 'finish-step':
          steps += 1;
          break;
        case 'error':
          throw acted ? new FailedMidway(part.error) : part.error;
        case 'abort':
          throw controller.signal.reason ?? new Error('the call was aborted');
        case 'finish':
          usage = toUsage(part.totalUsage);
          break;
      }
    }
    finished = true;
  } catch (error) {
    if (acted && !(error instanceof FailedMidway) && !input.signal?.aborted) throw new FailedMidway(error);
    throw error;
  } finally {
    clearTimeout(timer);
    input.signal?.removeEventListener('abort', forwardAbort);
    if (!finished) {
      controller.abort(new Error('the runner stopped this call'));
      void iterator.return?.()?.catch(() => {});
    }
  }
  return { text, steps, toolCalls: [...calls.values()], usage };
}

/** Parses a JSON answer (tolerating a Markdown code fence) and checks it against the schema. */
function parseJsonAnswer(text: string, schema: ZodType<unknown>): unknown {
  const body = text
    .trim()
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/\s*```$/, '');
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new SchemaMismatch(`the answer was not JSON (${body.length} characters)`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
    throw new SchemaMismatch(`the answer did not match the schema (${problems.join('; ')})`);
  }
  return parsed.data;
}

/** Failures of one provider (rate limits, outages, network, slowness, bad answers) are worth another model; bad requests are not. */
function isWorthFallingBack(error: unknown): boolean {
  if (InvalidPromptError.isInstance(error) || InvalidArgumentError.isInstance(error)) return false;
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    return status === undefined || ![400, 413, 422].includes(status);
  }
  return true;
}

/** A short reason for a failure, safe for events, errors and the audit log: no prompt text, no keys. */
function describeError(error: unknown): string {
  let text: string;
  if (error instanceof FirstTokenTimeout || error instanceof SchemaMismatch) text = error.message;
  else if (APICallError.isInstance(error)) {
    const retryAfter = error.responseHeaders?.['retry-after'];
    const status = error.statusCode === undefined ? 'no response' : `HTTP ${error.statusCode}`;
    text = `${status}: ${error.message}${retryAfter ? ` (retry after ${retryAfter} s)` : ''}`;
  } else if (error instanceof FamiliarError) text = error.message;
  else if (error instanceof Error) {
    const code = (error.cause as { code?: unknown } | undefined)?.code;
    text = `${error.name}: ${error.message}${typeof code === 'string' ? ` (${code})` : ''}`;
  } else text = String(error);
  return redactSecrets(text, undefined)
    .replace(/\bAIza[0-9A-Za-z_-]{10,}/g, '[redacted]')
    .slice(0, 300);
}

function toUsage(usage: LanguageModelUsage | undefined): ModelUsage {
  return {
    inputTokens: usage?.inputTokens,
    outputTokens: usage?.outputTokens,
    totalTokens: usage?.totalTokens,
  };
}

/** About four characters a token, and a flat 1,000 tokens an image or file: enough for context windows and budgets. */
function estimateTokens(input: ModelCallInput): number {
  let characters = (input.system?.length ?? 0) + (input.prompt?.length ?? 0);
  let attachments = 0;
  for (const message of input.messages ?? []) {
    if (typeof message.content === 'string') {
      characters += message.content.length;
      continue;
    }
    for (const part of message.content) {
      if (part.type === 'text' || part.type === 'reasoning') characters += part.text.length;
      else if (part.type === 'image' || part.type === 'file') attachments += 1;
      else characters += JSON.stringify(part).length;
    }
  }
  return Math.ceil(characters / 4) + attachments * 1_000;
}
