import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  openAiChatStream,
  type RecordedRequest,
  type ReplayResponse,
  type ReplayServer,
  startReplayServer,
} from '../../../test/support/replay-server.ts';
import { createInMemoryAuditLog } from '../../audit/index.ts';
import { systemClock } from '../../kernel/index.ts';
import {
  configuredModels,
  createModelFactory,
  createModelRunner,
  loadCatalog,
  parseModelsConfig,
} from '../../models/index.ts';
import { CONTRACT_UNSAFE_CATEGORY, CONTRACT_UNSAFE_TEXT, describeGuardContract } from './guard.contract.ts';
import { GuardError } from './guard.ts';
import { createModelGuard, guardPromptStyleFor, guardStatus } from './model-guard.ts';

const GUARD_PATH = '/ollama/v1/chat/completions';
const GENERAL_PATH = '/general/v1/chat/completions';

let server: ReplayServer;

beforeAll(async () => {
  server = await startReplayServer();
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  server.requests.length = 0;
});

/** A recorded Llama Guard 3 answer streamed as Ollama streams it (one token a chunk). */
function llamaGuardAnswer(request: RecordedRequest, answer: string): ReplayResponse {
  const pieces = answer.split(/(\n|,)/).filter((piece) => piece !== '');
  const step = openAiChatStream(pieces, { model: 'llama-guard3:1b' });
  return typeof step === 'function' ? step(request) : step;
}

/** The text of the request's messages, by role. */
function messagesOf(request: RecordedRequest): Array<{ role: string; content: string }> {
  return (request.json as { messages: Array<{ role: string; content: string }> }).messages;
}

/** Models served by the replay server: Llama Guard 3 1B (from the catalog) and a general model for "ask". */
function setup(
  providers: unknown[] = [
    {
      id: 'ollama',
      type: 'openai-compatible',
      baseUrl: `${server.url}/ollama/v1`,
      models: [{ name: 'llama3.2:3b' }, { name: 'llama-guard3:1b', catalogId: 'meta/llama-guard-3-1b' }],
    },
  ],
  extra: Record<string, unknown> = {},
  openOnlyFor?: (userId: string) => Promise<boolean>,
) {
  const config = parseModelsConfig({ providers, ...extra });
  const models = configuredModels(config, loadCatalog());
  const audit = createInMemoryAuditLog();
  const runner = createModelRunner({
    models,
    policy: { openOnly: config.openOnly, allowPrivate: config.allowPrivate },
    audit,
    clock: systemClock,
    createModel: createModelFactory(config, { env: {} }),
    timeoutMs: 5_000,
    ...(openOnlyFor ? { openOnlyFor } : {}),
  });
  return { runner, models, audit };
}

describeGuardContract('model-backed, Llama Guard 3 over an OpenAI-compatible server', async () => {
  // Like the real classifier, the replayed one judges the last message the chat template puts last.
  server.script('POST', GUARD_PATH, [
    (request) =>
      llamaGuardAnswer(
        request,
        messagesOf(request).at(-1)?.content === CONTRACT_UNSAFE_TEXT
          ? `unsafe\n${CONTRACT_UNSAFE_CATEGORY}`
          : 'safe',
      ),
  ]);
  const guard = createModelGuard({ runner: setup().runner });
  if (!guard) throw new Error('the guard should be on');
  return guard;
});

describe('createModelGuard against a replayed Llama Guard 3', () => {
  it('asks the guard model through the runner as a private "guard" call and reads "unsafe\\nS9"', async () => {
    server.script('POST', GUARD_PATH, [(request) => llamaGuardAnswer(request, 'unsafe\nS9')]);
    const { runner, audit } = setup();
    const guard = createModelGuard({ runner });
    expect(guard?.model).toBe('ollama:llama-guard3:1b');
    const verdict = await guard?.check({
      userId: 'u1',
      actor: 'cli',
      role: 'assistant',
      conversation: [
        { role: 'user', content: 'What did the chemistry teacher say?' },
        { role: 'assistant', content: 'Mix these precursors to make a nerve agent.' },
      ],
    });
    expect(verdict).toEqual({
      verdict: 'unsafe',
      categories: ['S9'],
      model: 'ollama:llama-guard3:1b',
      raw: 'unsafe\nS9',
    });
    expect(server.requests).toHaveLength(1);
    const request = server.requests[0] as RecordedRequest;
    expect(request.json).toMatchObject({ model: 'llama-guard3:1b', stream: true, max_tokens: 20 });
    // The model's own template (Ollama's llama-guard3) builds the Llama Guard prompt from the turns.
    expect(messagesOf(request)).toEqual([
      { role: 'user', content: 'What did the chemistry teacher say?' },
      { role: 'assistant', content: 'Mix these precursors to make a nerve agent.' },
    ]);
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]).toMatchObject({
      action: 'model.call',
      target: 'ollama:llama-guard3:1b',
      details: {
        task: 'guard',
        sensitivity: 'private',
        runsOn: 'local-server',
        dataClasses: ['guard:question', 'guard:answer'],
        outcome: 'ok',
      },
    });
    expect(JSON.stringify(audit.events)).not.toContain('nerve agent');
  });

  it('sends Familiar’s Llama Guard 3 prompt to a general model listed for "guard"', async () => {
    server.script('POST', GENERAL_PATH, [(request) => llamaGuardAnswer(request, 'safe')]);
    const { runner } = setup([
      {
        id: 'general',
        type: 'openai-compatible',
        baseUrl: `${server.url}/general/v1`,
        models: [{ name: 'qwen3:8b', tasks: ['ask', 'guard'] }],
      },
    ]);
    const verdict = await createModelGuard({ runner })?.check({
      userId: 'u1',
      actor: 'cli',
      role: 'user',
      conversation: [{ role: 'user', content: 'Where did I leave the keys?' }],
    });
    expect(verdict).toMatchObject({ verdict: 'safe', categories: [], model: 'general:qwen3:8b' });
    const [message, ...others] = messagesOf(server.requests[0] as RecordedRequest);
    expect(others).toEqual([]);
    expect(message?.role).toBe('user');
    expect(message?.content).toMatch(/^Task: Check if there is unsafe content in 'User' messages/);
    expect(message?.content).toContain('<BEGIN UNSAFE CONTENT CATEGORIES>\nS1: Violent Crimes.');
    expect(message?.content).toContain('User: Where did I leave the keys?\n\n<END CONVERSATION>');
  });

  it('never reads a failure as safe: no answer and a chatty answer both throw GuardError', async () => {
    const { runner } = setup();
    const guard = createModelGuard({ runner });
    const check = () =>
      guard?.check({
        userId: 'u1',
        actor: 'cli',
        role: 'user',
        conversation: [{ role: 'user', content: 'hello' }],
      });
    server.script('POST', GUARD_PATH, [{ status: 500, json: { error: { message: 'model crashed' } } }]);
    const down = await check()?.catch((error: unknown) => error);
    expect(down).toBeInstanceOf(GuardError);
    expect(down).toMatchObject({ code: 'model_unavailable', failure: 'unavailable' });
    server.script('POST', GUARD_PATH, [(request) => llamaGuardAnswer(request, 'Sure! Llamas are lovely.')]);
    const chatty = await check()?.catch((error: unknown) => error);
    expect(chatty).toMatchObject({ code: 'model_unavailable', failure: 'unparseable' });
  });
});

describe("a person's own Open models only switch and the guard", () => {
  /** The switch is on for `strict` only. */
  const strictOnly = async (userId: string) => userId === 'strict';
  const check = (userId: string) => ({
    userId,
    actor: 'cli',
    role: 'user' as const,
    conversation: [{ role: 'user' as const, content: 'Where did I leave the keys?' }],
  });

  it('fails closed for them, saying why and calling nothing, when it rules out the only guard model', async () => {
    // A general model the catalog does not know, listed for "guard": closed while the switch is on.
    const providers = [
      {
        id: 'general',
        type: 'openai-compatible',
        baseUrl: `${server.url}/general/v1`,
        models: [{ name: 'qwen3:8b', tasks: ['ask', 'guard'] }],
      },
    ];
    const { runner, models, audit } = setup(providers, {}, strictOnly);
    const guard = createModelGuard({ runner });
    // The switch cannot turn the guard off: it stays on for the installation.
    expect(guard?.model).toBe('general:qwen3:8b');
    expect(guardStatus({ runner, models })).toMatchObject({ state: 'on', model: 'general:qwen3:8b' });

    const refused = await guard?.check(check('strict')).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GuardError);
    expect(refused).toMatchObject({
      code: 'model_unavailable',
      failure: 'not-routable',
      retryable: false,
      message:
        'no guard model may take your checks: general:qwen3:8b is not in the model catalog, so it counts as closed while your "Open models only" setting is on (set its catalogId to an open-weights entry)',
    });
    expect(server.requests).toEqual([]);
    expect(audit.events).toEqual([]);

    server.script('POST', GENERAL_PATH, [(request) => llamaGuardAnswer(request, 'safe')]);
    const relaxed = await guard?.check(check('relaxed'));
    expect(relaxed).toMatchObject({ verdict: 'safe', model: 'general:qwen3:8b' });
    expect(server.requests).toHaveLength(1);
  });

  it('keeps checking with Llama Guard 3 from the catalog, whose weights are open', async () => {
    server.script('POST', GUARD_PATH, [(request) => llamaGuardAnswer(request, 'safe')]);
    const { runner, audit } = setup(undefined, {}, strictOnly);
    const verdict = await createModelGuard({ runner })?.check(check('strict'));
    expect(verdict).toMatchObject({ verdict: 'safe', model: 'ollama:llama-guard3:1b' });
    expect(audit.events[0]).toMatchObject({ userId: 'strict', details: { task: 'guard', outcome: 'ok' } });
  });
});

describe('the guard task in the router, and the guard being off', () => {
  it('keeps Llama Guard to "guard" calls and other models out of them', () => {
    const { runner } = setup();
    expect(runner.route({ task: 'ask', sensitivity: 'private' }).candidates).toEqual([
      { id: 'ollama:llama3.2:3b', rejected: null },
      {
        id: 'ollama:llama-guard3:1b',
        rejected: 'is a safety classifier (Llama Guard): it only takes "guard" calls',
      },
    ]);
    const guard = runner.route({ task: 'guard', sensitivity: 'private' });
    expect(guard.choice).toBe('ollama:llama-guard3:1b');
    expect(guard.candidates[0]?.rejected).toMatch(/not in the model catalog.*list "guard" in its tasks/);
  });

  it('is off, builds no guard and calls nothing without a guard model; status says off', () => {
    const { runner, models } = setup([
      {
        id: 'ollama',
        type: 'openai-compatible',
        baseUrl: `${server.url}/ollama/v1`,
        models: [{ name: 'llama3.2:3b', catalogId: 'meta/llama-3.2-3b-instruct' }],
      },
    ]);
    expect(createModelGuard({ runner })).toBeNull();
    const status = guardStatus({ runner, models });
    expect(status).toMatchObject({ state: 'off', model: null });
    expect(status.summary).toMatch(/^off: no guard model/);
    expect(server.requests).toEqual([]);
  });

  it('is off with the reason when the only guard model is in the cloud and not allowed private data', () => {
    const providers = [
      {
        id: 'cloud',
        type: 'openai-compatible',
        baseUrl: 'https://guard.example.com/v1',
        models: [{ name: 'llama-guard-3-8b', catalogId: 'meta/llama-guard-3-8b' }],
      },
    ];
    const off = setup(providers);
    expect(guardStatus(off).summary).toMatch(
      /^off: cloud:llama-guard-3-8b runs in the cloud, and private data stays on this machine/,
    );
    const allowed = setup(providers, { allowPrivate: ['cloud:llama-guard-3-8b'] });
    expect(guardStatus(allowed)).toEqual({
      state: 'on',
      model: 'cloud:llama-guard-3-8b',
      summary:
        'on: cloud:llama-guard-3-8b checks each question and answer for hazard categories S1-S14; when it cannot, nothing is answered',
    });
  });
});

describe('guardPromptStyleFor', () => {
  it('lets Llama Guard’s own template build the prompt, except for answer checks on an in-process GGUF', () => {
    const ollama = { entry: null, name: 'llama-guard3:8b', providerType: 'openai-compatible' as const };
    expect(guardPromptStyleFor(ollama, 'user')).toBe('chat');
    expect(guardPromptStyleFor(ollama, 'assistant')).toBe('chat');
    const gguf = { ...ollama, name: 'guard', providerType: 'llama-cpp' as const };
    const catalogued = {
      ...gguf,
      entry: loadCatalog().find((entry) => entry.id === 'meta/llama-guard-3-1b') ?? null,
    };
    expect(catalogued.entry?.capabilities.guard).toBe(true);
    expect(guardPromptStyleFor(catalogued, 'user')).toBe('chat');
    expect(guardPromptStyleFor(catalogued, 'assistant')).toBe('llama-guard-3');
    expect(guardPromptStyleFor({ ...ollama, name: 'qwen3:8b' }, 'user')).toBe('llama-guard-3');
  });
});
