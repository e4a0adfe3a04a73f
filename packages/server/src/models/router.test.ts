import { describe, expect, it } from 'vitest';
import { loadCatalog } from './catalog.ts';
import { type ConfiguredModel, configuredModels, parseModelsConfig } from './models-config.ts';
import { type RoutePolicy, routeModel } from './router.ts';

const catalog = loadCatalog();
const openPolicy: RoutePolicy = { openOnly: false, allowPrivate: [] };

/** A typical setup: an in-process GGUF, Ollama on this machine, and three cloud vendors. */
function setup(extra: Record<string, unknown> = {}): ConfiguredModel[] {
  const config = parseModelsConfig({
    providers: [
      { id: 'openai', type: 'openai', models: [{ name: 'gpt-4o-mini' }, { name: 'gpt-4o' }] },
      { id: 'anthropic', type: 'anthropic', models: [{ name: 'claude-haiku-4-5' }] },
      { id: 'google', type: 'google', models: [{ name: 'gemini-2.5-flash' }] },
      {
        id: 'ollama',
        type: 'openai-compatible',
        baseUrl: 'http://127.0.0.1:11434/v1',
        models: [{ name: 'llama3.2:3b', catalogId: 'meta/llama-3.2-3b-instruct' }, { name: 'my-finetune' }],
      },
      {
        id: 'local',
        type: 'llama-cpp',
        gguf: '/models/qwen.gguf',
        models: [{ name: 'qwen', catalogId: 'qwen/qwen3-8b' }],
      },
    ],
    ...extra,
  });
  return configuredModels(config, catalog);
}

describe('configuredModels', () => {
  it('resolves catalog entries and infers where each model runs', () => {
    const models = setup();
    const byId = new Map(models.map((model) => [model.id, model]));
    expect(byId.get('openai:gpt-4o-mini')).toMatchObject({
      runsOn: 'cloud',
      entry: { id: 'openai/gpt-4o-mini' },
    });
    expect(byId.get('ollama:llama3.2:3b')).toMatchObject({ runsOn: 'local-server', openWeights: true });
    expect(byId.get('ollama:my-finetune')).toMatchObject({ entry: null, openWeights: false });
    expect(byId.get('local:qwen')?.runsOn).toBe('in-process');
  });

  it('treats only loopback OpenAI-compatible servers as local', () => {
    const config = parseModelsConfig({
      providers: [
        {
          id: 'lan',
          type: 'openai-compatible',
          baseUrl: 'http://192.168.1.20:8080/v1',
          models: [{ name: 'm' }],
        },
        { id: 'v6', type: 'openai-compatible', baseUrl: 'http://[::1]:8080/v1', models: [{ name: 'm' }] },
        {
          id: 'host',
          type: 'openai-compatible',
          baseUrl: 'http://localhost:8080/v1',
          models: [{ name: 'm' }],
        },
        { id: 'proxy', type: 'openai', baseUrl: 'http://127.0.0.1:9000/v1', models: [{ name: 'gpt-4o' }] },
      ],
    });
    expect(configuredModels(config, catalog).map((model) => model.runsOn)).toEqual([
      'cloud',
      'local-server',
      'local-server',
      'cloud',
    ]);
  });
});

describe('routeModel: private data', () => {
  it('never sends private data to a cloud model that is not allowed', () => {
    const models = setup();
    const decision = routeModel({ task: 'ask', sensitivity: 'private' }, models, openPolicy);
    expect(decision.ordered.every((model) => model.runsOn !== 'cloud')).toBe(true);
    expect(decision.choice).toBe('ollama:llama3.2:3b');
    expect(decision.candidates.find((candidate) => candidate.id === 'openai:gpt-4o-mini')?.rejected).toBe(
      'runs in the cloud, and private data stays on this machine unless you allow this model (add "openai:gpt-4o-mini" to models.allowPrivate)',
    );
  });

  it('returns no choice when only cloud models are configured', () => {
    const models = setup().filter((model) => model.runsOn === 'cloud');
    const decision = routeModel({ task: 'ask', sensitivity: 'private' }, models, openPolicy);
    expect(decision.choice).toBeNull();
    expect(decision.ordered).toEqual([]);
    expect(decision.reason).toContain('private data stays on this machine');
  });

  it('sends private data to a cloud model named in allowPrivate, and personal data anywhere', () => {
    const cloud = setup().filter((model) => model.runsOn === 'cloud');
    const allowed = routeModel({ task: 'ask', sensitivity: 'private' }, cloud, {
      ...openPolicy,
      allowPrivate: ['anthropic:claude-haiku-4-5'],
    });
    expect(allowed.ordered.map((model) => model.id)).toEqual(['anthropic:claude-haiku-4-5']);
    const personal = routeModel({ task: 'ask', sensitivity: 'personal' }, cloud, openPolicy);
    expect(personal.ordered).toHaveLength(cloud.length);
  });
});

describe('routeModel: open weights', () => {
  it('never picks a closed or unknown model when openOnly is on', () => {
    const models = setup();
    const decision = routeModel({ task: 'ask', sensitivity: 'public' }, models, {
      ...openPolicy,
      openOnly: true,
    });
    expect(decision.ordered.map((model) => model.id).sort()).toEqual(['local:qwen', 'ollama:llama3.2:3b']);
    const reasons = new Map(decision.candidates.map((candidate) => [candidate.id, candidate.rejected]));
    expect(reasons.get('openai:gpt-4o')).toBe(
      'has no open weights (catalog entry openai/gpt-4o), and models.openOnly is on',
    );
    expect(reasons.get('ollama:my-finetune')).toContain('not in the model catalog, so it counts as closed');
  });

  it('says so when only closed models are configured', () => {
    const models = setup().filter((model) => model.providerType === 'openai');
    const decision = routeModel({ task: 'ask', sensitivity: 'public' }, models, {
      ...openPolicy,
      openOnly: true,
    });
    expect(decision.choice).toBeNull();
    expect(decision.reason).toMatch(/openai:gpt-4o-mini has no open weights/);
  });
});

describe('routeModel: budget', () => {
  it('rejects cloud models whose estimated cost is over the budget and keeps local ones', () => {
    const models = setup();
    const decision = routeModel(
      { task: 'ask', sensitivity: 'public', estimatedTokens: 20_000, estimatedOutputTokens: 1_000 },
      models,
      { ...openPolicy, budgetUsd: 0.01 },
    );
    const reasons = new Map(decision.candidates.map((candidate) => [candidate.id, candidate.rejected]));
    // gpt-4o: 20k input tokens alone cost more than a cent at its list price; gpt-4o-mini stays well under it.
    expect(reasons.get('openai:gpt-4o')).toMatch(
      /^would cost about \$0\.\d{4}, over the budget of \$0\.01 a call/,
    );
    expect(reasons.get('openai:gpt-4o-mini')).toBeNull();
    expect(reasons.get('local:qwen')).toBeNull();
    expect(decision.ordered.some((model) => model.id === 'openai:gpt-4o')).toBe(false);
  });

  it('rejects a cloud model without a known price when a budget is set', () => {
    const config = parseModelsConfig({
      providers: [{ id: 'vendor', type: 'openai', models: [{ name: 'mystery-model' }] }],
    });
    const models = configuredModels(config, catalog);
    const decision = routeModel({ task: 'ask', sensitivity: 'public' }, models, {
      ...openPolicy,
      budgetUsd: 1,
    });
    expect(decision.choice).toBeNull();
    expect(decision.candidates[0]?.rejected).toContain('models.budgetUsd cannot be checked');
    expect(routeModel({ task: 'ask', sensitivity: 'public' }, models, openPolicy).choice).toBe(
      'vendor:mystery-model',
    );
  });
});

describe('routeModel: capabilities', () => {
  it('captions only with models that can read images', () => {
    const models = setup();
    const decision = routeModel({ task: 'caption', sensitivity: 'public' }, models, openPolicy);
    const ids = decision.ordered.map((model) => model.id);
    expect(ids).toContain('openai:gpt-4o');
    expect(ids).not.toContain('ollama:llama3.2:3b');
    expect(ids).not.toContain('ollama:my-finetune');
    expect(decision.candidates.find((candidate) => candidate.id === 'ollama:llama3.2:3b')?.rejected).toBe(
      'cannot read images (per the catalog)',
    );
  });

  it('assumes an unknown model handles text, and trusts its tasks for images', () => {
    const config = parseModelsConfig({
      providers: [
        {
          id: 'ollama',
          type: 'openai-compatible',
          baseUrl: 'http://127.0.0.1:11434/v1',
          models: [{ name: 'plain' }, { name: 'seer', tasks: ['caption'] }],
        },
      ],
    });
    const models = configuredModels(config, catalog);
    expect(routeModel({ task: 'ask', sensitivity: 'private' }, models, openPolicy).ordered).toHaveLength(2);
    const caption = routeModel({ task: 'caption', sensitivity: 'private' }, models, openPolicy);
    expect(caption.ordered.map((model) => model.id)).toEqual(['ollama:seer']);
    expect(caption.candidates[0]?.rejected).toContain('list "caption" in its tasks');
  });

  it('embeds only with embedding models and rejects requests over the context window', () => {
    const config = parseModelsConfig({
      providers: [
        {
          id: 'ollama',
          type: 'openai-compatible',
          baseUrl: 'http://127.0.0.1:11434/v1',
          models: [
            { name: 'nomic-embed-text', catalogId: 'nomic/nomic-embed-text-v1.5' },
            { name: 'phi3', catalogId: 'microsoft/phi-3-mini-4k-instruct' },
          ],
        },
      ],
    });
    const models = configuredModels(config, catalog);
    expect(routeModel({ task: 'embed', sensitivity: 'private' }, models, openPolicy).choice).toBe(
      'ollama:nomic-embed-text',
    );
    const ask = routeModel(
      { task: 'ask', sensitivity: 'private', estimatedTokens: 10_000 },
      models,
      openPolicy,
    );
    expect(ask.choice).toBeNull();
    expect(ask.candidates[1]?.rejected).toMatch(/needs about 10000 tokens, but its context holds \d+/);
    expect(ask.candidates[0]?.rejected).toBe('does not generate text (per the catalog)');
  });
});

describe('routeModel: order', () => {
  it('puts models listing the task first, then local before cloud, then cheaper', () => {
    const config = parseModelsConfig({
      providers: [
        { id: 'openai', type: 'openai', models: [{ name: 'gpt-4o' }, { name: 'gpt-4o-mini' }] },
        { id: 'anthropic', type: 'anthropic', models: [{ name: 'claude-opus-4-5', tasks: ['ask'] }] },
        {
          id: 'ollama',
          type: 'openai-compatible',
          baseUrl: 'http://localhost:11434/v1',
          models: [{ name: 'x' }],
        },
      ],
    });
    const decision = routeModel(
      { task: 'ask', sensitivity: 'public' },
      configuredModels(config, catalog),
      openPolicy,
    );
    expect(decision.ordered.map((model) => model.id)).toEqual([
      'anthropic:claude-opus-4-5',
      'ollama:x',
      'openai:gpt-4o-mini',
      'openai:gpt-4o',
    ]);
    expect(decision.reason).toBe('anthropic:claude-opus-4-5: listed for "ask" in its tasks');
  });

  it('tries a preferred model first and keeps the usual order after it as fallbacks', () => {
    const decision = routeModel(
      { task: 'ask', sensitivity: 'public', prefer: 'openai:gpt-4o' },
      setup(),
      openPolicy,
    );
    expect(decision.choice).toBe('openai:gpt-4o');
    expect(decision.reason).toMatch(/^openai:gpt-4o: preferred by the caller/);
    const rest = routeModel({ task: 'ask', sensitivity: 'public' }, setup(), openPolicy).ordered;
    expect(decision.ordered.map((model) => model.id)).toEqual([
      'openai:gpt-4o',
      ...rest.map((model) => model.id).filter((id) => id !== 'openai:gpt-4o'),
    ]);
  });

  it('never lets a preference override the rules, and ignores a model that is not configured', () => {
    const models = setup();
    const usual = routeModel({ task: 'ask', sensitivity: 'private' }, models, openPolicy);
    const cloud = routeModel(
      { task: 'ask', sensitivity: 'private', prefer: 'openai:gpt-4o' },
      models,
      openPolicy,
    );
    expect(cloud.ordered.map((model) => model.id)).not.toContain('openai:gpt-4o');
    expect(cloud.choice).toBe(usual.choice);
    const unknown = routeModel(
      { task: 'ask', sensitivity: 'private', prefer: 'nobody:x' },
      models,
      openPolicy,
    );
    expect(unknown.ordered).toEqual(usual.ordered);
  });
});

describe('routeModel: nothing configured', () => {
  it('returns no choice and says how to configure a model', () => {
    const decision = routeModel({ task: 'ask', sensitivity: 'public' }, [], openPolicy);
    expect(decision).toMatchObject({ choice: null, candidates: [], ordered: [] });
    expect(decision.reason).toMatch(
      /^no model is configured: add a provider to familiar\.config\.json → models\.providers/,
    );
  });
});
