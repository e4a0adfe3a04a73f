import type {
  JSONObject,
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3FinishReason,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
  SharedV3Warning,
} from '@ai-sdk/provider';
import type {
  ChatHistoryItem,
  LlamaChat,
  LlamaChatResponse,
  LlamaContext,
  LlamaGrammar,
  LlamaModel,
} from 'node-llama-cpp';
import { FamiliarError } from '../../kernel/index.ts';
import { defaultThreads, loadGgufModel, modelIdFromPath, sharedLlama } from './shared-llama.ts';

/** Options for a GGUF model run in-process by llama.cpp. */
export interface LlamaCppLanguageModelOptions {
  /** Path of the GGUF file the user supplies. */
  modelPath: string;
  /** CPU threads for evaluation; defaults to every core but one (the library default starves Node's main thread). */
  threads?: number;
  /** Offload layers to a GPU when one is found (`gpu: 'auto'`); CPU only by default. */
  gpu?: boolean;
  /** Context window in tokens; defaults to the model's training context, capped at 8192. */
  contextSize?: number;
  /** Model id reported to the AI SDK; defaults to the file's base name. */
  modelId?: string;
}

/** An AI SDK language model backed by a local GGUF file, plus `close()` to free its memory. */
export type LlamaCppLanguageModel = LanguageModelV3 & { close(): Promise<void> };

interface Engine {
  model: LlamaModel;
  context: LlamaContext;
  chat: LlamaChat;
  grammars: Map<string, Promise<LlamaGrammar>>;
}

interface PreparedCall {
  history: ChatHistoryItem[];
  warnings: SharedV3Warning[];
}

interface Generation {
  text: string;
  reasoning: string;
  finishReason: LanguageModelV3FinishReason;
  usage: LanguageModelV3Usage;
}

interface Deltas {
  onText(delta: string): void;
  onReasoning(delta: string): void;
}

const DEFAULT_MAX_CONTEXT = 8192;
/** llama.cpp's own default; node-llama-cpp's default of 0 (greedy) loops on most chat models. */
const DEFAULT_TEMPERATURE = 0.8;

/**
 * Opens a GGUF model in-process behind the AI SDK `LanguageModelV3` port. The engine loads lazily on the first
 * call (once), calls run one at a time on a single context sequence, and JSON response formats are enforced by
 * a grammar so the output always parses and matches the schema.
 */
export function createLlamaCppLanguageModel({
  modelPath,
  threads = defaultThreads(),
  gpu = false,
  contextSize,
  modelId = modelIdFromPath(modelPath),
}: LlamaCppLanguageModelOptions): LlamaCppLanguageModel {
  let engine: Promise<Engine> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  const load = (): Promise<Engine> => {
    if (closed)
      return Promise.reject(new FamiliarError('model_unavailable', `the model ${modelPath} was closed`));
    engine ??= (async () => {
      const model = await loadGgufModel(modelPath, gpu);
      try {
        const context = await model.createContext({
          threads,
          contextSize: contextSize ?? { max: Math.min(model.trainContextSize, DEFAULT_MAX_CONTEXT) },
        });
        const { LlamaChat } = await import('node-llama-cpp');
        const chat = new LlamaChat({ contextSequence: context.getSequence() });
        return { model, context, chat, grammars: new Map() };
      } catch (cause) {
        await model.dispose();
        throw new FamiliarError(
          'model_unavailable',
          `llama.cpp could not create a context for ${modelPath}`,
          {
            cause,
          },
        );
      }
    })();
    engine.catch(() => {
      engine = undefined;
    });
    return engine;
  };

  /** Runs `task` after every earlier call has finished: one context sequence, one generation at a time. */
  const exclusive = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task);
    queue = run.catch(() => undefined);
    return run;
  };

  const grammarFor = (
    current: Engine,
    format: LanguageModelV3CallOptions['responseFormat'],
  ): Promise<LlamaGrammar> | undefined => {
    if (format?.type !== 'json') return undefined;
    const key = format.schema ? JSON.stringify(format.schema) : '';
    let grammar = current.grammars.get(key);
    if (!grammar) {
      grammar = sharedLlama(gpu).then((llama) =>
        format.schema
          ? llama.createGrammarForJsonSchema(withoutMetaKeys(format.schema) as never)
          : llama.getGrammarFor('json'),
      );
      grammar.catch(() => current.grammars.delete(key));
      current.grammars.set(key, grammar);
    }
    return grammar.catch((cause: unknown) => {
      throw new FamiliarError(
        'validation_failed',
        `llama.cpp cannot turn this JSON schema into a grammar: ${cause}`,
        {
          cause,
        },
      );
    });
  };

  const generate = (options: LanguageModelV3CallOptions, history: ChatHistoryItem[], deltas?: Deltas) =>
    exclusive(async (): Promise<Generation> => {
      options.abortSignal?.throwIfAborted();
      const current = await load();
      const grammar = await grammarFor(current, options.responseFormat);
      const promptTokens = current.chat.chatWrapper
        .generateContextState({ chatHistory: history })
        .contextText.tokenize(current.model.tokenizer).length;
      const meterBefore = current.chat.sequence.tokenMeter.getState();
      let outputTokens = 0;
      let reasoning = '';
      const penalties = options.frequencyPenalty !== undefined || options.presencePenalty !== undefined;
      const response: LlamaChatResponse = await current.chat.generateResponse(history, {
        ...(grammar ? { grammar } : {}),
        maxTokens: options.maxOutputTokens ?? current.context.contextSize,
        temperature: options.temperature ?? DEFAULT_TEMPERATURE,
        ...(options.topP !== undefined ? { topP: options.topP } : {}),
        ...(options.topK !== undefined ? { topK: options.topK } : {}),
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
        ...(penalties
          ? {
              repeatPenalty: {
                frequencyPenalty: options.frequencyPenalty ?? 0,
                presencePenalty: options.presencePenalty ?? 0,
              },
            }
          : {}),
        ...(options.stopSequences?.length ? { customStopTriggers: options.stopSequences } : {}),
        ...(options.abortSignal ? { signal: options.abortSignal } : {}),
        onResponseChunk: (chunk) => {
          outputTokens += chunk.tokens.length;
          if (chunk.type === undefined) deltas?.onText(chunk.text);
          else if (chunk.segmentType === 'thought') {
            reasoning += chunk.text;
            deltas?.onReasoning(chunk.text);
          }
        },
      });
      const meter = current.chat.sequence.tokenMeter.diff(meterBefore);
      const evaluated = Math.min(promptTokens, meter.usedInputTokens);
      return {
        text: response.response,
        reasoning,
        finishReason: finishReasonOf(response.metadata.stopReason),
        usage: {
          inputTokens: {
            total: promptTokens,
            noCache: evaluated,
            cacheRead: promptTokens - evaluated,
            cacheWrite: undefined,
          },
          outputTokens: { total: outputTokens, text: undefined, reasoning: undefined },
          raw: { ...meter, stopReason: response.metadata.stopReason } satisfies JSONObject,
        },
      };
    });

  return {
    specificationVersion: 'v3',
    provider: 'llama-cpp',
    modelId,
    supportedUrls: {},

    async doGenerate(options): Promise<LanguageModelV3GenerateResult> {
      const { history, warnings } = prepareCall(options);
      const result = await generate(options, history);
      const content: LanguageModelV3Content[] = [];
      if (result.reasoning) content.push({ type: 'reasoning', text: result.reasoning });
      content.push({ type: 'text', text: result.text });
      return {
        content,
        finishReason: result.finishReason,
        usage: result.usage,
        warnings,
        response: { modelId, timestamp: new Date() },
      };
    },

    async doStream(options) {
      const { history, warnings } = prepareCall(options);
      const cancel = new AbortController();
      const signal = options.abortSignal
        ? AbortSignal.any([options.abortSignal, cancel.signal])
        : cancel.signal;
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        start(controller) {
          controller.enqueue({ type: 'stream-start', warnings });
          controller.enqueue({ type: 'response-metadata', modelId, timestamp: new Date() });
          let open: 'text' | 'reasoning' | undefined;
          const switchTo = (kind: 'text' | 'reasoning' | undefined): void => {
            if (open === kind) return;
            if (open) controller.enqueue({ type: `${open}-end`, id: open });
            if (kind) controller.enqueue({ type: `${kind}-start`, id: kind });
            open = kind;
          };
          const deltas: Deltas = {
            onText(delta) {
              if (!delta) return;
              switchTo('text');
              controller.enqueue({ type: 'text-delta', id: 'text', delta });
            },
            onReasoning(delta) {
              if (!delta) return;
              switchTo('reasoning');
              controller.enqueue({ type: 'reasoning-delta', id: 'reasoning', delta });
            },
          };
          generate({ ...options, abortSignal: signal }, history, deltas).then(
            (result) => {
              if (cancel.signal.aborted) return;
              switchTo(undefined);
              controller.enqueue({ type: 'finish', finishReason: result.finishReason, usage: result.usage });
              controller.close();
            },
            (error: unknown) => {
              if (cancel.signal.aborted) return;
              controller.error(error);
            },
          );
        },
        cancel() {
          cancel.abort(new DOMException('the stream was cancelled', 'AbortError'));
        },
      });
      return { stream };
    },

    async close() {
      closed = true;
      const current = engine;
      engine = undefined;
      await queue;
      if (!current) return;
      const loaded = await current.catch(() => undefined);
      if (!loaded) return;
      loaded.chat.dispose();
      await loaded.context.dispose();
      await loaded.model.dispose();
    },
  };
}

/** Maps the AI SDK prompt to a node-llama-cpp chat history, collecting warnings for what this engine ignores. */
function prepareCall(options: LanguageModelV3CallOptions): PreparedCall {
  const warnings: SharedV3Warning[] = [];
  if (options.tools?.length) {
    warnings.push({
      type: 'unsupported',
      feature: 'tools',
      details: 'the llama-cpp provider does not call tools',
    });
  }
  if (options.toolChoice) warnings.push({ type: 'unsupported', feature: 'toolChoice' });
  if (options.responseFormat?.type === 'json' && !options.responseFormat.schema) {
    warnings.push({
      type: 'compatibility',
      feature: 'responseFormat',
      details: 'no schema given: output is constrained to any JSON value',
    });
  }
  const history: ChatHistoryItem[] = [];
  let skippedToolParts = false;
  for (const message of options.prompt) {
    switch (message.role) {
      case 'system':
        history.push({ type: 'system', text: message.content });
        break;
      case 'user': {
        const texts: string[] = [];
        for (const part of message.content) {
          if (part.type === 'text') {
            texts.push(part.text);
            continue;
          }
          const kind = part.mediaType.startsWith('image/') ? 'images' : `files (${part.mediaType})`;
          throw new FamiliarError(
            'validation_failed',
            `the llama-cpp provider reads text only and cannot take ${kind}: describe the content in text or use a vision model`,
          );
        }
        history.push({ type: 'user', text: texts.join('\n') });
        break;
      }
      case 'assistant': {
        const texts: string[] = [];
        for (const part of message.content) {
          if (part.type === 'text') texts.push(part.text);
          else if (part.type !== 'reasoning') skippedToolParts = true;
        }
        history.push({ type: 'model', response: [texts.join('')] });
        break;
      }
      case 'tool':
        skippedToolParts = true;
        break;
    }
  }
  if (skippedToolParts) {
    warnings.push({
      type: 'other',
      message: 'tool calls, tool results and files in earlier turns were left out of the llama-cpp prompt',
    });
  }
  // A trailing assistant message is a prefix the model continues; otherwise it starts a fresh reply.
  if (history.at(-1)?.type !== 'model') history.push({ type: 'model', response: [] });
  return { history, warnings };
}

/** Maps node-llama-cpp's stop reason to the AI SDK finish reason. */
function finishReasonOf(
  stopReason: LlamaChatResponse['metadata']['stopReason'],
): LanguageModelV3FinishReason {
  switch (stopReason) {
    case 'eogToken':
    case 'stopGenerationTrigger':
    case 'customStopTrigger':
      return { unified: 'stop', raw: stopReason };
    case 'maxTokens':
      return { unified: 'length', raw: stopReason };
    case 'functionCalls':
      return { unified: 'tool-calls', raw: stopReason };
    default:
      return { unified: 'other', raw: stopReason };
  }
}

/** Drops JSON Schema keys that only describe the schema itself (`$schema`, `$id`), which node-llama-cpp rejects. */
function withoutMetaKeys(schema: object): object {
  const { $schema: _schema, $id: _id, ...rest } = schema as Record<string, unknown>;
  return rest;
}
