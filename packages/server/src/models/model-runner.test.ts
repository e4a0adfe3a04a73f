import type { LanguageModelV3, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { APICallError, simulateReadableStream, tool } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  collect,
  type StreamPacing,
  scriptedModel,
  streamingModel,
  textStream,
} from '../../test/support/mock-models.ts';
import { createInMemoryAuditLog } from '../audit/index.ts';
import { FamiliarError, systemClock } from '../kernel/index.ts';
import { createModelRunner, type ModelEvent, type ModelRunnerOptions } from './model-runner.ts';
import type { ConfiguredModel } from './models-config.ts';

const PROMPT = 'What did Ana say about the dentist on Tuesday?';

function model(id: string, runsOn: ConfiguredModel['runsOn'] = 'cloud'): ConfiguredModel {
  const [provider = id, name = id] = id.split(':');
  return { id, provider, providerType: 'openai', name, runsOn, entry: null, openWeights: false, tasks: [] };
}

const answering = (texts: string[], pacing?: StreamPacing) => streamingModel(texts, pacing);

function failing(statusCode: number, message: string, headers: Record<string, string> = {}) {
  return new MockLanguageModelV3({
    doStream: async () => {
      throw new APICallError({
        message,
        url: 'https://api.example.test/v1/chat/completions',
        requestBodyValues: { messages: [{ role: 'user', content: PROMPT }] },
        statusCode,
        responseHeaders: headers,
        isRetryable: statusCode === 429 || statusCode >= 500,
      });
    },
  });
}

/** A model that never sends a first token until it is aborted, and remembers that it was. */
function stalling() {
  const state = { aborted: false };
  const mock = new MockLanguageModelV3({
    doStream: async ({ abortSignal }) => ({
      stream: new ReadableStream<LanguageModelV3StreamPart>({
        start(controller) {
          controller.enqueue({ type: 'stream-start', warnings: [] });
          abortSignal?.addEventListener('abort', () => {
            state.aborted = true;
            controller.error(abortSignal.reason);
          });
        },
      }),
    }),
  });
  return { mock, state };
}

function runner(
  languageModels: Record<string, LanguageModelV3 | Error>,
  overrides: Partial<ModelRunnerOptions> = {},
) {
  const audit = createInMemoryAuditLog();
  const models = Object.keys(languageModels).map((id) => model(id));
  const instance = createModelRunner({
    models,
    policy: { openOnly: false, allowPrivate: [] },
    audit,
    clock: systemClock,
    timeoutMs: 5_000,
    createModel: (configured) => {
      const found = languageModels[configured.id];
      if (!found || found instanceof Error) throw found ?? new Error('unknown model');
      return found;
    },
    ...overrides,
  });
  return { runner: instance, audit };
}

const call = {
  userId: 'user-1',
  actor: 'cli',
  task: 'ask',
  sensitivity: 'personal',
  dataClasses: ['transcript'],
  prompt: PROMPT,
} as const;

describe('model runner: fallback', () => {
  it('falls back to the next model when the first answers 429', async () => {
    const { runner: models } = runner({
      'openai:gpt-4o-mini': failing(429, 'Rate limit reached for gpt-4o-mini', { 'retry-after': '20' }),
      'anthropic:claude-haiku-4-5': answering(['Ana ', 'moved it ', 'to Friday.']),
    });
    const events = await collect(models.stream(call));
    expect(events.map((event) => event.type)).toEqual([
      'model-chosen',
      'fallback',
      'model-chosen',
      'text-delta',
      'text-delta',
      'text-delta',
      'finish',
    ]);
    expect(events[1]).toEqual({
      type: 'fallback',
      from: 'openai:gpt-4o-mini',
      error: 'HTTP 429: Rate limit reached for gpt-4o-mini (retry after 20 s)',
    });
    const text = events.flatMap((event) => (event.type === 'text-delta' ? [event.text] : [])).join('');
    expect(text).toBe('Ana moved it to Friday.');
    expect(events.at(-1)).toMatchObject({
      type: 'finish',
      model: 'anthropic:claude-haiku-4-5',
      usage: { inputTokens: 12, outputTokens: 3 },
      fallbacks: [{ model: 'openai:gpt-4o-mini' }],
    });
  });

  it('calls the preferred model first, and falls back to the usual order when it fails', async () => {
    const { runner: models } = runner({
      'a:first': answering(['from first']),
      'b:second': answering(['from second']),
    });
    const preferred = await collect(models.stream({ ...call, prefer: 'b:second' }));
    expect(preferred.at(-1)).toMatchObject({ type: 'finish', model: 'b:second' });

    const { runner: failingFirst } = runner({
      'a:first': answering(['from first']),
      'b:second': failing(503, 'overloaded'),
    });
    const fallenBack = await collect(failingFirst.stream({ ...call, prefer: 'b:second' }));
    expect(fallenBack[0]).toEqual({ type: 'model-chosen', model: 'b:second', runsOn: 'cloud' });
    expect(fallenBack.at(-1)).toMatchObject({ type: 'finish', model: 'a:first' });
  });

  it('falls back on a 500', async () => {
    const { runner: models } = runner({
      'a:first': failing(500, 'The server had an error while processing your request.'),
      'b:second': answering(['ok']),
    });
    const events = await collect(models.stream(call));
    expect(events.at(-1)).toMatchObject({ type: 'finish', model: 'b:second' });
    expect(events[1]).toMatchObject({
      type: 'fallback',
      from: 'a:first',
      error: expect.stringMatching(/^HTTP 500/),
    });
  });

  it('aborts a model that sends no first token in time, and reports the time to first token after the fallback', async () => {
    const slow = stalling();
    const { runner: models } = runner(
      { 'a:slow': slow.mock, 'b:fast': answering(['quick'], { initialDelayInMs: 20 }) },
      { timeoutMs: 150 },
    );
    const started = performance.now();
    const events = await collect(models.stream(call));
    const elapsed = performance.now() - started;
    expect(slow.state.aborted).toBe(true);
    expect(events[1]).toEqual({ type: 'fallback', from: 'a:slow', error: 'no first token within 150 ms' });
    const finish = events.at(-1);
    if (finish?.type !== 'finish') throw new Error('no finish event');
    // The first token came after the 150 ms timeout plus the second model's 20 ms, measured from the call's start.
    expect(finish.timeToFirstTokenMs).toBeGreaterThanOrEqual(165);
    expect(finish.timeToFirstTokenMs).toBeLessThanOrEqual(elapsed + 1);
    expect(finish.fallbacks).toEqual([{ model: 'a:slow', error: 'no first token within 150 ms' }]);
  });

  it('falls back when a model cannot be built (a missing key)', async () => {
    const { runner: models, audit } = runner({
      'openai:gpt-4o': new FamiliarError(
        'model_unavailable',
        'provider "openai" has no API key: set OPENAI_API_KEY',
      ),
      'b:second': answering(['fine']),
    });
    const events = await collect(models.stream(call));
    expect(events[1]).toMatchObject({ type: 'fallback', error: expect.stringContaining('OPENAI_API_KEY') });
    expect(audit.events).toHaveLength(1);
  });

  it('does not fall back once text has started: the call fails', async () => {
    const broken = new MockLanguageModelV3({
      doStream: async () => ({
        stream: simulateReadableStream<LanguageModelV3StreamPart>({
          chunks: [
            { type: 'stream-start', warnings: [] },
            { type: 'text-start', id: 't' },
            { type: 'text-delta', id: 't', delta: 'Ana said' },
            { type: 'error', error: new Error('connection reset') },
          ],
          initialDelayInMs: null,
          chunkDelayInMs: null,
        }),
      }),
    });
    const second = answering(['never']);
    const { runner: models, audit } = runner({ 'a:broken': broken, 'b:second': second });
    const seen: ModelEvent[] = [];
    await expect(async () => {
      for await (const event of models.stream(call)) seen.push(event);
    }).rejects.toThrow(/a:broken failed mid-answer/);
    expect(seen.map((event) => event.type)).toEqual(['model-chosen', 'text-delta']);
    expect(second.doStreamCalls).toHaveLength(0);
    expect(audit.events[0]?.details).toMatchObject({ outcome: 'failed', model: null });
  });

  it('does not fall back on a bad request (400)', async () => {
    const second = answering(['never']);
    const { runner: models } = runner({
      'a:first': failing(400, 'Invalid value for messages'),
      'b:second': second,
    });
    await expect(collect(models.stream(call))).rejects.toMatchObject({
      code: 'model_unavailable',
      message: expect.stringContaining('a:first refused the request: HTTP 400'),
    });
    expect(second.doStreamCalls).toHaveLength(0);
  });

  it('throws model_unavailable with every reason when all models fail', async () => {
    const { runner: models, audit } = runner({
      'a:first': failing(429, 'Rate limit reached'),
      'b:second': failing(503, 'Service Unavailable'),
    });
    const failure = collect(models.stream(call));
    await expect(failure).rejects.toBeInstanceOf(FamiliarError);
    await expect(failure).rejects.toMatchObject({
      code: 'model_unavailable',
      retryable: true,
      message:
        'no model could answer: a:first: HTTP 429: Rate limit reached; b:second: HTTP 503: Service Unavailable',
    });
    expect(audit.events[0]?.details).toMatchObject({ outcome: 'failed' });
  });

  it('throws model_unavailable with the router reason when no model may take the call', async () => {
    const { runner: models, audit } = runner({ 'openai:gpt-4o': answering(['x']) });
    await expect(collect(models.stream({ ...call, sensitivity: 'private' }))).rejects.toMatchObject({
      code: 'model_unavailable',
      message: expect.stringContaining('private data stays on this machine'),
    });
    expect(audit.events).toHaveLength(0);
  });
});

describe("model runner: a person's own Open models only switch", () => {
  const closedCloud = model('openai:gpt-4o');
  const openLocal: ConfiguredModel = { ...model('ollama:olmo-2:7b', 'local-server'), openWeights: true };

  /** A runner whose switch is on for `strict` only; every mock records the calls that reached it. */
  function withSwitch(
    languageModels: Record<string, LanguageModelV3>,
    configured: ConfiguredModel[],
    configOpenOnly = false,
  ) {
    const audit = createInMemoryAuditLog();
    const asked: string[] = [];
    const instance = createModelRunner({
      models: configured,
      policy: { openOnly: configOpenOnly, allowPrivate: [] },
      audit,
      clock: systemClock,
      timeoutMs: 5_000,
      createModel: (chosen) => languageModels[chosen.id] ?? failing(500, 'unknown model'),
      openOnlyFor: async (userId) => {
        asked.push(userId);
        return userId === 'strict';
      },
    });
    return { runner: instance, audit, asked };
  }

  it('never calls a closed cloud model for the person with the switch on; another person still gets it', async () => {
    const cloud = answering(['From the cloud.']);
    const { runner: models, audit } = withSwitch({ 'openai:gpt-4o': cloud }, [closedCloud]);

    const refused = collect(models.stream({ ...call, userId: 'strict' }));
    await expect(refused).rejects.toBeInstanceOf(FamiliarError);
    await expect(refused).rejects.toMatchObject({
      code: 'model_unavailable',
      message: expect.stringContaining('counts as closed while your "Open models only" setting is on'),
    });
    await expect(
      models.json({ ...call, userId: 'strict', schema: z.object({ answer: z.string() }) }),
    ).rejects.toMatchObject({ code: 'model_unavailable' });
    expect(cloud.doStreamCalls).toHaveLength(0);
    expect(audit.events).toHaveLength(0);

    const events = await collect(models.stream({ ...call, userId: 'relaxed' }));
    expect(events.at(-1)).toMatchObject({ type: 'finish', model: 'openai:gpt-4o' });
    expect(cloud.doStreamCalls).toHaveLength(1);
    expect(audit.events.map((event) => [event.userId, event.details?.model])).toEqual([
      ['relaxed', 'openai:gpt-4o'],
    ]);
  });

  it('falls to an open model for that person, even when the call prefers the closed one; tools calls too', async () => {
    const cloud = answering(['From the cloud.']);
    const local = answering(['From OLMo.']);
    const { runner: models } = withSwitch({ 'openai:gpt-4o': cloud, 'ollama:olmo-2:7b': local }, [
      closedCloud,
      openLocal,
    ]);
    const strict = await collect(models.stream({ ...call, userId: 'strict', prefer: 'openai:gpt-4o' }));
    expect(strict.at(-1)).toMatchObject({ type: 'finish', model: 'ollama:olmo-2:7b', fallbacks: [] });
    const relaxed = await collect(models.stream({ ...call, userId: 'relaxed', prefer: 'openai:gpt-4o' }));
    expect(relaxed.at(-1)).toMatchObject({ type: 'finish', model: 'openai:gpt-4o' });
    const withTools = await models.tools({ ...call, userId: 'strict', prefer: 'openai:gpt-4o', tools: {} });
    expect(withTools).toMatchObject({ model: 'ollama:olmo-2:7b', text: 'From OLMo.' });
    expect(cloud.doStreamCalls).toHaveLength(1);
    expect(local.doStreamCalls).toHaveLength(2);
  });

  it("routeFor shows the person's decision; route shows everyone's", async () => {
    const { runner: models } = withSwitch({}, [closedCloud, openLocal]);
    const request = { task: 'ask', sensitivity: 'personal' } as const;
    expect(models.route(request).candidates).toEqual([
      { id: 'openai:gpt-4o', rejected: null },
      { id: 'ollama:olmo-2:7b', rejected: null },
    ]);
    const strict = await models.routeFor('strict', request);
    expect(strict.choice).toBe('ollama:olmo-2:7b');
    expect(strict.candidates[0]).toEqual({
      id: 'openai:gpt-4o',
      rejected:
        'is not in the model catalog, so it counts as closed while your "Open models only" setting is on (set its catalogId to an open-weights entry)',
    });
    expect((await models.routeFor('relaxed', request)).candidates.every((c) => c.rejected === null)).toBe(
      true,
    );
  });

  it('cannot lower models.openOnly: with the config on, nobody reaches a closed model and the switch is not read', async () => {
    const cloud = answering(['From the cloud.']);
    const { runner: models, asked } = withSwitch({ 'openai:gpt-4o': cloud }, [closedCloud], true);
    await expect(collect(models.stream({ ...call, userId: 'relaxed' }))).rejects.toThrow(
      'models.openOnly is on',
    );
    expect(cloud.doStreamCalls).toHaveLength(0);
    expect(asked).toEqual([]);
  });
});

describe('model runner: cancelling', () => {
  it("stops at the caller's abort without trying another model", async () => {
    const slow = stalling();
    const second = answering(['never']);
    const { runner: models, audit } = runner({ 'a:slow': slow.mock, 'b:second': second });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('the person closed the app')), 30);
    await expect(collect(models.stream({ ...call, signal: controller.signal }))).rejects.toThrow(
      'the person closed the app',
    );
    expect(slow.state.aborted).toBe(true);
    expect(second.doStreamCalls).toHaveLength(0);
    expect(audit.events.map((event) => event.details?.outcome)).toEqual(['cancelled']);
  });
});

describe('model runner: audit', () => {
  it('records one event per call, with the model and the fallbacks but never the prompt', async () => {
    const { runner: models, audit } = runner({
      'a:first': failing(429, 'Rate limit reached'),
      'b:second': answering(['The dentist ', 'is on Friday.']),
    });
    await collect(models.stream({ ...call, system: 'You are Familiar.' }));
    await collect(
      models.stream({ ...call, messages: [{ role: 'user', content: PROMPT }], prompt: undefined }),
    );
    expect(audit.events).toHaveLength(2);
    expect(audit.events[0]).toMatchObject({
      userId: 'user-1',
      actor: 'cli',
      action: 'model.call',
      target: 'b:second',
      details: {
        model: 'b:second',
        runsOn: 'cloud',
        task: 'ask',
        sensitivity: 'personal',
        dataClasses: ['transcript'],
        fallbacks: [{ model: 'a:first', error: 'HTTP 429: Rate limit reached' }],
        outcome: 'ok',
      },
    });
    const recorded = JSON.stringify(audit.events);
    expect(recorded).not.toContain('dentist');
    expect(recorded).not.toContain('You are Familiar');
  });

  it('records a call the caller stopped reading as cancelled', async () => {
    const { runner: models, audit } = runner({ 'a:first': answering(['one', 'two', 'three']) });
    for await (const event of models.stream(call)) {
      if (event.type === 'text-delta') break;
    }
    expect(audit.events.map((event) => event.details?.outcome)).toEqual(['cancelled']);
  });
});

describe('model runner: json', () => {
  const Schema = z.object({ people: z.array(z.string()), when: z.string() });

  it('returns the schema-valid answer, falling back past an answer that does not match', async () => {
    const wrong = answering(['{"people": "Ana"']);
    const right = answering(['{"people": ["Ana"], ', '"when": "Friday"}']);
    const { runner: models, audit } = runner({ 'a:wrong': wrong, 'b:right': right });
    const result = await models.json({ ...call, task: 'extract', schema: Schema });
    expect(result).toMatchObject({
      value: { people: ['Ana'], when: 'Friday' },
      model: 'b:right',
      fallbacks: [{ model: 'a:wrong', error: expect.stringMatching(/^the answer was not JSON/) }],
    });
    expect(right.doStreamCalls[0]?.responseFormat).toMatchObject({
      type: 'json',
      schema: { type: 'object' },
    });
    expect(audit.events[0]?.details).toMatchObject({ task: 'extract', outcome: 'ok' });
  });

  it('treats valid JSON of the wrong shape as a failure', async () => {
    const { runner: models } = runner({ 'a:only': answering(['{"people": [1], "when": "Friday"}']) });
    await expect(models.json({ ...call, task: 'extract', schema: Schema })).rejects.toMatchObject({
      code: 'model_unavailable',
      message: expect.stringContaining('the answer did not match the schema (people.0:'),
    });
  });
});

describe('model runner: tools', () => {
  /** A tool that records each run: it adds a reminder to a list. */
  function reminders() {
    const added: string[] = [];
    const tools = {
      add_reminder: tool({
        description: 'Adds a reminder.',
        inputSchema: z.object({ title: z.string() }),
        execute: async ({ title }: { title: string }) => {
          added.push(title);
          return { id: `r${added.length}`, title };
        },
      }),
    };
    return { added, tools };
  }

  it('runs the tools the model calls and returns its answer after their results, with every step', async () => {
    const { added, tools } = reminders();
    const model = scriptedModel([
      { toolCalls: [{ toolName: 'add_reminder', input: { title: 'buy milk' } }] },
      { text: ['I added ', 'a reminder to buy milk.'] },
    ]);
    const { runner: models, audit } = runner({ 'a:only': model });
    const deltas: string[] = [];
    const result = await models.tools({ ...call, tools, onDelta: (text) => deltas.push(text) });
    expect(added).toEqual(['buy milk']);
    expect(result).toMatchObject({
      text: 'I added a reminder to buy milk.',
      model: 'a:only',
      steps: 2,
      toolCalls: [
        { toolName: 'add_reminder', input: { title: 'buy milk' }, output: { id: 'r1', title: 'buy milk' } },
      ],
      fallbacks: [],
    });
    expect(deltas.join('')).toBe(result.text);
    // The second step saw the tool's result.
    expect(JSON.stringify(model.doStreamCalls[1]?.prompt)).toContain('"r1"');
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]).toMatchObject({
      action: 'model.call',
      details: { model: 'a:only', tools: ['add_reminder'], steps: 2, toolCalls: 1, outcome: 'ok' },
    });
    expect(JSON.stringify(audit.events)).not.toContain('milk');
  });

  it('falls back to the next model when the first fails before any tool ran', async () => {
    const { added, tools } = reminders();
    const { runner: models, audit } = runner({
      'a:first': failing(503, 'Service Unavailable'),
      'b:second': scriptedModel([
        { toolCalls: [{ toolName: 'add_reminder', input: { title: 'call mum' } }] },
        { text: ['Done.'] },
      ]),
    });
    const result = await models.tools({ ...call, tools });
    expect(result).toMatchObject({
      model: 'b:second',
      text: 'Done.',
      fallbacks: [{ model: 'a:first', error: 'HTTP 503: Service Unavailable' }],
    });
    expect(added).toEqual(['call mum']);
    expect(audit.events[0]?.details).toMatchObject({ model: 'b:second', outcome: 'ok' });
  });

  it('never tries another model once a tool ran: the effect would repeat', async () => {
    const { added, tools } = reminders();
    const second = scriptedModel([
      { toolCalls: [{ toolName: 'add_reminder', input: { title: 'call mum' } }] },
      { text: ['Done.'] },
    ]);
    const { runner: models, audit } = runner({
      'a:first': scriptedModel([
        { toolCalls: [{ toolName: 'add_reminder', input: { title: 'call mum' } }] },
        { fail: 500 },
      ]),
      'b:second': second,
    });
    await expect(models.tools({ ...call, tools })).rejects.toMatchObject({
      code: 'model_unavailable',
      message: expect.stringContaining('a:first failed after it had started'),
    });
    expect(added).toEqual(['call mum']);
    expect(second.doStreamCalls).toHaveLength(0);
    expect(audit.events[0]?.details).toMatchObject({ outcome: 'failed', model: null });
  });

  it('stops after maxSteps even when the model keeps calling tools', async () => {
    const { added, tools } = reminders();
    const again = { toolCalls: [{ toolName: 'add_reminder', input: { title: 'again' } }] };
    const { runner: models } = runner({ 'a:only': scriptedModel([again, again, again, again]) });
    const result = await models.tools({ ...call, tools, maxSteps: 2 });
    expect(result.steps).toBe(2);
    expect(added).toHaveLength(2);
    expect(result.text).toBe('');
  });

  it('reports a tool that threw as a call whose output is the error, and goes on', async () => {
    const tools = {
      broken: tool({
        inputSchema: z.object({}),
        execute: async (): Promise<string> => {
          throw new Error('disk full');
        },
      }),
    };
    const { runner: models } = runner({
      'a:only': scriptedModel([{ toolCalls: [{ toolName: 'broken', input: {} }] }, { text: ['Sorry.'] }]),
    });
    const result = await models.tools({ ...call, tools });
    expect(result.text).toBe('Sorry.');
    expect(result.toolCalls).toEqual([
      { toolName: 'broken', input: {}, output: { error: expect.stringContaining('disk full') } },
    ]);
  });
});

describe('model runner: redaction', () => {
  const PERSONAL = 'Ask Sam Patel (sam@example.com, 07700 900123) about the card 4111 1111 1111 1111.';

  function redactingRunner(
    configured: { id: string; runsOn: ConfiguredModel['runsOn']; redact?: boolean; model: LanguageModelV3 }[],
    redactionTerms: ModelRunnerOptions['redactionTerms'] = async () => ['Sam Patel', 'Sam'],
  ) {
    const audit = createInMemoryAuditLog();
    const instance = createModelRunner({
      models: configured.map(({ id, runsOn, redact }) => ({
        ...model(id, runsOn),
        ...(redact === undefined ? {} : { redact }),
      })),
      policy: { openOnly: false, allowPrivate: [] },
      audit,
      clock: systemClock,
      timeoutMs: 5_000,
      createModel: (wanted) => {
        const found = configured.find((entry) => entry.id === wanted.id);
        if (!found) throw new Error('unknown model');
        return found.model;
      },
      redactionTerms,
    });
    return { runner: instance, audit };
  }

  /** A model that answers with the text of the user message it saw. */
  const echo = () =>
    new MockLanguageModelV3({
      doStream: async ({ prompt }) => {
        const last = prompt.at(-1);
        const text =
          last?.role === 'user'
            ? last.content.map((part) => (part.type === 'text' ? part.text : '')).join('')
            : '';
        return {
          stream: simulateReadableStream({
            chunks: [
              { type: 'stream-start', warnings: [] },
              { type: 'text-start', id: 't' },
              ...text.match(/.{1,4}/gs)!.map((delta) => ({ type: 'text-delta' as const, id: 't', delta })),
              { type: 'text-end', id: 't' },
              {
                type: 'finish',
                finishReason: { unified: 'stop', raw: 'stop' },
                usage: {
                  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
                  outputTokens: { total: 1, text: 1, reasoning: undefined },
                },
              },
            ] satisfies LanguageModelV3StreamPart[],
          }),
        };
      },
    });
  const sent = (mock: MockLanguageModelV3) =>
    JSON.stringify(mock.doStreamCalls.map((recorded) => recorded.prompt));
  const answer = async (events: AsyncIterable<ModelEvent>) =>
    (await collect(events)).flatMap((event) => (event.type === 'text-delta' ? [event.text] : [])).join('');

  it('sends a cloud model placeholders, gives the caller the real text back and audits the counts', async () => {
    const cloud = echo();
    const { runner: models, audit } = redactingRunner([
      { id: 'openai:gpt-4o-mini', runsOn: 'cloud', model: cloud },
    ]);
    expect(await answer(models.stream({ ...call, prompt: PERSONAL }))).toBe(PERSONAL);
    expect(sent(cloud)).toContain('Ask [PERSON_1] ([EMAIL_1], [PHONE_1]) about the card [CARD_1].');
    for (const value of ['Sam', 'sam@example.com', '07700 900123', '4111 1111 1111 1111']) {
      expect(sent(cloud)).not.toContain(value);
    }
    expect(audit.events[0]?.details).toMatchObject({
      redaction: { enabled: true, counts: { person: 1, email: 1, phone: 1, card: 1 } },
    });
  });

  it('leaves a local model unredacted unless its config says redact: true, and a cloud one with redact: false', async () => {
    const local = echo();
    const localRedacted = echo();
    const cloudOff = echo();
    for (const [id, runsOn, redact, mock] of [
      ['ollama:llama3.2', 'local-server', undefined, local],
      ['llama:qwen', 'in-process', true, localRedacted],
      ['openai:gpt-4o', 'cloud', false, cloudOff],
    ] as const) {
      const { runner: models, audit } = redactingRunner([
        { id, runsOn, ...(redact === undefined ? {} : { redact }), model: mock },
      ]);
      expect(await answer(models.stream({ ...call, prompt: PERSONAL }))).toBe(PERSONAL);
      expect(audit.events[0]?.details).toMatchObject({ redaction: { enabled: redact === true } });
    }
    expect(sent(local)).toContain('sam@example.com');
    expect(sent(localRedacted)).not.toContain('sam@example.com');
    expect(sent(cloudOff)).toContain('sam@example.com');
  });

  it('does not call a cloud model when the people list cannot be read, and falls back to a local one', async () => {
    const cloud = echo();
    const local = echo();
    const { runner: models, audit } = redactingRunner(
      [
        { id: 'openai:gpt-4o-mini', runsOn: 'cloud', model: cloud },
        { id: 'ollama:llama3.2', runsOn: 'local-server', model: local },
      ],
      async () => {
        throw new Error('database is locked');
      },
    );
    const events = await collect(models.stream({ ...call, prompt: PERSONAL, prefer: 'openai:gpt-4o-mini' }));
    expect(events.find((event) => event.type === 'fallback')).toMatchObject({
      from: 'openai:gpt-4o-mini',
      error: expect.stringContaining('the people list could not be read'),
    });
    expect(cloud.doStreamCalls).toHaveLength(0);
    expect(local.doStreamCalls).toHaveLength(1);
    expect(audit.events[0]?.details).toMatchObject({
      model: 'ollama:llama3.2',
      redaction: { enabled: false },
    });
  });

  it('restores placeholders inside a JSON answer and in the arguments tools receive', async () => {
    const jsonModel = new MockLanguageModelV3({
      doStream: async () => textStream(['{"who":"[PERS', 'ON_1]","mail":"[EMAIL_1]"}']),
    });
    const { runner: jsonRunner } = redactingRunner([
      { id: 'openai:json', runsOn: 'cloud', model: jsonModel },
    ]);
    const result = await jsonRunner.json({
      ...call,
      prompt: PERSONAL,
      schema: z.object({ who: z.string(), mail: z.string() }),
    });
    expect(result.value).toEqual({ who: 'Sam Patel', mail: 'sam@example.com' });

    const received: unknown[] = [];
    const tools = {
      send_email: tool({
        inputSchema: z.object({ to: z.string(), body: z.string() }),
        execute: async (input) => {
          received.push(input);
          return 'sent';
        },
      }),
    };
    const scripted = scriptedModel([
      { toolCalls: [{ toolName: 'send_email', input: { to: '[EMAIL_1]', body: 'Hi [PERSON_1]' } }] },
      { text: ['Sent to [PERSON_1].'] },
    ]);
    const { runner: toolRunner, audit } = redactingRunner([
      { id: 'openai:tools', runsOn: 'cloud', model: scripted },
    ]);
    const answered = await toolRunner.tools({ ...call, prompt: PERSONAL, tools });
    expect(received).toEqual([{ to: 'sam@example.com', body: 'Hi Sam Patel' }]);
    expect(answered.text).toBe('Sent to Sam Patel.');
    // The second step saw its own tool call again, with the same placeholders, never the values.
    const second = JSON.stringify(scripted.doStreamCalls[1]?.prompt);
    expect(second).toContain('[EMAIL_1]');
    expect(second).not.toContain('sam@example.com');
    expect(audit.events[0]?.details).toMatchObject({ redaction: { enabled: true } });
  });
});
