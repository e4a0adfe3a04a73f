import type {
  JSONValue,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3Message,
  LanguageModelV3Middleware,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3ToolResultOutput,
} from '@ai-sdk/provider';
import { createPersonalDataFinder } from './find-personal-data.ts';
import {
  createPlaceholderStreamRestorer,
  createRedactionVault,
  type PlaceholderStreamRestorer,
  type RedactionVault,
} from './redaction-vault.ts';

/** Where the middleware keeps the values it replaced: one vault shared by every step of a call, or one per model call. */
export type RedactionMiddlewareOptions =
  | {
      /** Shared by every model call made through this middleware (the steps of one runner call), for stable placeholders. */
      vault: RedactionVault;
    }
  | {
      /** Names and aliases from the person's people list; each model call gets a vault of its own. */
      people: readonly string[];
    };

/** A value inside a JSON string: escaped so that the string stays valid JSON. */
const jsonEscape = (value: string) => JSON.stringify(value).slice(1, -1);

/**
 * AI SDK middleware that replaces personal data with placeholders (`[EMAIL_1]`, `[PERSON_2]` …) in everything the
 * model reads (system prompt, user and assistant text, reasoning, tool calls and tool results in the history) and
 * puts the original text back in what it answers: text, reasoning, tool-call inputs (so tools get real values) and
 * streamed deltas, where a placeholder split across deltas is held back until it is whole. Images and files are
 * passed through as they are.
 */
export function createRedactionMiddleware(options: RedactionMiddlewareOptions): LanguageModelV3Middleware {
  const vaults = new WeakMap<LanguageModelV3CallOptions, RedactionVault>();
  const finder = 'people' in options ? createPersonalDataFinder({ people: options.people }) : null;
  const vaultOf = (params: LanguageModelV3CallOptions): RedactionVault => {
    if ('vault' in options) return options.vault;
    const vault = vaults.get(params);
    if (!vault) throw new Error('redaction middleware: the call was not redacted first');
    return vault;
  };
  return {
    specificationVersion: 'v3',
    async transformParams({ params }) {
      const vault = 'vault' in options ? options.vault : createRedactionVault({ find: finder ?? (() => []) });
      const transformed = { ...params, prompt: redactPrompt(params.prompt, vault) };
      vaults.set(transformed, vault);
      return transformed;
    },
    async wrapGenerate({ doGenerate, params }) {
      const vault = vaultOf(params);
      const textEscape = params.responseFormat?.type === 'json' ? jsonEscape : undefined;
      const result = await doGenerate();
      return { ...result, content: result.content.map((part) => restoreContent(part, vault, textEscape)) };
    },
    async wrapStream({ doStream, params }) {
      const vault = vaultOf(params);
      const textEscape = params.responseFormat?.type === 'json' ? jsonEscape : undefined;
      const { stream, ...rest } = await doStream();
      return { ...rest, stream: stream.pipeThrough(restoringStream(vault, textEscape)) };
    },
  };
}

/** The prompt with every text the model reads redacted; the caller's prompt is not changed. */
export function redactPrompt(prompt: LanguageModelV3Prompt, vault: RedactionVault): LanguageModelV3Prompt {
  // Placeholder-like text anywhere in the prompt is reserved before any value is replaced.
  vault.reserve(JSON.stringify(prompt));
  return prompt.map((message) => redactMessage(message, vault));
}

function redactMessage(message: LanguageModelV3Message, vault: RedactionVault): LanguageModelV3Message {
  switch (message.role) {
    case 'system':
      return { ...message, content: vault.redact(message.content) };
    case 'user':
      return {
        ...message,
        content: message.content.map((part) =>
          part.type === 'text' ? { ...part, text: vault.redact(part.text) } : part,
        ),
      };
    case 'assistant':
      return {
        ...message,
        content: message.content.map((part) => {
          switch (part.type) {
            case 'text':
            case 'reasoning':
              return { ...part, text: vault.redact(part.text) };
            case 'tool-call':
              return { ...part, input: mapStrings(part.input, vault.redact) };
            case 'tool-result':
              return { ...part, output: redactToolOutput(part.output, vault) };
            default:
              return part;
          }
        }),
      };
    case 'tool':
      return {
        ...message,
        content: message.content.map((part) => {
          if (part.type === 'tool-result') return { ...part, output: redactToolOutput(part.output, vault) };
          return part.reason === undefined ? part : { ...part, reason: vault.redact(part.reason) };
        }),
      };
  }
}

function redactToolOutput(
  output: LanguageModelV3ToolResultOutput,
  vault: RedactionVault,
): LanguageModelV3ToolResultOutput {
  switch (output.type) {
    case 'text':
    case 'error-text':
      return { ...output, value: vault.redact(output.value) };
    case 'json':
    case 'error-json':
      return { ...output, value: mapStrings(output.value, vault.redact) as JSONValue };
    case 'execution-denied':
      return output.reason === undefined ? output : { ...output, reason: vault.redact(output.reason) };
    case 'content':
      return {
        ...output,
        value: output.value.map((item) =>
          item.type === 'text' ? { ...item, text: vault.redact(item.text) } : item,
        ),
      };
    default:
      return output;
  }
}

/** Applies `change` to every string inside a JSON-like value (object keys are kept). */
function mapStrings(value: unknown, change: (text: string) => string): unknown {
  if (typeof value === 'string') return change(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, change));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, change)]));
  }
  return value;
}

/** A tool call's JSON input with real values in place of placeholders (text that is not JSON is restored escaped). */
function restoreToolInput(input: string, vault: RedactionVault): string {
  const restored = vault.restore(input, jsonEscape);
  if (restored === input) return input;
  try {
    return JSON.stringify(mapStrings(JSON.parse(input), (text) => vault.restore(text)));
  } catch {
    return restored;
  }
}

function restoreContent(
  part: LanguageModelV3Content,
  vault: RedactionVault,
  textEscape: ((value: string) => string) | undefined,
): LanguageModelV3Content {
  switch (part.type) {
    case 'text':
      return { ...part, text: vault.restore(part.text, textEscape) };
    case 'reasoning':
      return { ...part, text: vault.restore(part.text) };
    case 'tool-call':
      return { ...part, input: restoreToolInput(part.input, vault) };
    case 'tool-result':
      return {
        ...part,
        result: mapStrings(part.result, (text) => vault.restore(text)) as NonNullable<JSONValue>,
      };
    default:
      return part;
  }
}

/** Restores placeholders in a model's stream, holding back a placeholder that is split across deltas. */
function restoringStream(
  vault: RedactionVault,
  textEscape: ((value: string) => string) | undefined,
): TransformStream<LanguageModelV3StreamPart, LanguageModelV3StreamPart> {
  type Kind = 'text' | 'reasoning' | 'tool-input';
  const open = new Map<string, { kind: Kind; restorer: PlaceholderStreamRestorer }>();
  const restorerFor = (kind: Kind, id: string) => {
    const key = `${kind}:${id}`;
    let entry = open.get(key);
    if (!entry) {
      const encode = kind === 'tool-input' ? jsonEscape : kind === 'text' ? textEscape : undefined;
      entry = { kind, restorer: createPlaceholderStreamRestorer(vault, encode) };
      open.set(key, entry);
    }
    return entry.restorer;
  };
  const held = (kind: Kind, id: string, rest: string): LanguageModelV3StreamPart | null => {
    if (rest.length === 0) return null;
    if (kind === 'tool-input') return { type: 'tool-input-delta', id, delta: rest };
    return { type: kind === 'text' ? 'text-delta' : 'reasoning-delta', id, delta: rest };
  };
  const close = (
    kind: Kind,
    id: string,
    controller: TransformStreamDefaultController<LanguageModelV3StreamPart>,
  ) => {
    const key = `${kind}:${id}`;
    const entry = open.get(key);
    if (!entry) return;
    open.delete(key);
    const part = held(kind, id, entry.restorer.flush());
    if (part) controller.enqueue(part);
  };
  const closeAll = (controller: TransformStreamDefaultController<LanguageModelV3StreamPart>) => {
    for (const key of [...open.keys()]) {
      const [kind, ...id] = key.split(':');
      close(kind as Kind, id.join(':'), controller);
    }
  };
  return new TransformStream({
    transform(part, controller) {
      switch (part.type) {
        case 'text-delta':
        case 'reasoning-delta':
        case 'tool-input-delta': {
          const kind: Kind =
            part.type === 'text-delta'
              ? 'text'
              : part.type === 'reasoning-delta'
                ? 'reasoning'
                : 'tool-input';
          const delta = restorerFor(kind, part.id).push(part.delta);
          if (delta.length > 0) controller.enqueue({ ...part, delta });
          return;
        }
        case 'text-end':
          close('text', part.id, controller);
          break;
        case 'reasoning-end':
          close('reasoning', part.id, controller);
          break;
        case 'tool-input-end':
          close('tool-input', part.id, controller);
          break;
        case 'tool-call':
          controller.enqueue({ ...part, input: restoreToolInput(part.input, vault) });
          return;
        case 'tool-result':
          controller.enqueue({
            ...part,
            result: mapStrings(part.result, (text) => vault.restore(text)) as NonNullable<JSONValue>,
          });
          return;
        case 'finish':
        case 'error':
          closeAll(controller);
          break;
      }
      controller.enqueue(part);
    },
    flush(controller) {
      closeAll(controller);
    },
  });
}
