import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FamiliarError } from '../kernel/index.ts';
import { describeModels, hasOpenWeights, isOpenModel, loadCatalog } from './catalog.ts';
import { type CatalogEntry, CatalogFileSchema } from './catalog-schema.ts';

const shipped = JSON.parse(readFileSync(new URL('./catalog.json', import.meta.url), 'utf8')) as unknown;

function entry(id: string): CatalogEntry {
  const found = loadCatalog().find((model) => model.id === id);
  if (!found) throw new Error(`no catalog entry ${id}`);
  return found;
}

function userEntry(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'acme/tiny-chat-1b',
    family: 'tiny-chat',
    provider: 'openai-compatible',
    runsOn: 'local-server',
    capabilities: {
      text: true,
      vision: false,
      tools: false,
      json: true,
      embedding: false,
      contextTokens: 8192,
    },
    price: null,
    licence: { name: 'Apache License 2.0', spdx: 'Apache-2.0', restrictions: [] },
    openness: {
      weights: true,
      osaid: { dataInformation: 'closed', code: 'partial', parameters: 'open' },
      mofClass: null,
    },
    sources: [{ url: 'https://example.com/tiny-chat', retrieved: '2026-11-29' }],
    ...overrides,
  };
}

function thrown(run: () => unknown): FamiliarError {
  try {
    run();
  } catch (error) {
    if (error instanceof FamiliarError) return error;
    throw error;
  }
  throw new Error('expected a FamiliarError');
}

describe('the shipped catalog', () => {
  it('validates against the schema as version 1', () => {
    const file = CatalogFileSchema.parse(shipped);
    expect(file.version).toBe(1);
    expect(file.models.length).toBeGreaterThanOrEqual(30);
  });

  it('backs every entry with at least one dated source and dates every price', () => {
    for (const model of loadCatalog()) {
      expect(model.sources.length, model.id).toBeGreaterThanOrEqual(1);
      for (const source of model.sources) expect(source.retrieved, model.id).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      if (model.price) expect(model.price.retrieved, model.id).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('covers the model families people run', () => {
    const ids = loadCatalog().map((model) => model.id);
    const required = [
      /llama-3\.1/,
      /llama-3\.2/,
      /llama-3\.3/,
      /llama-4-scout/,
      /llama-4-maverick/,
      /qwen2\.5/,
      /qwen3/,
      /mistral-7b/,
      /mistral-small/,
      /mistral-large/,
      /gemma-2/,
      /gemma-3/,
      /phi-3/,
      /phi-4/,
      /olmo-2/,
      /deepseek-v3/,
      /deepseek-r1/,
      /gpt-4o$/,
      /gpt-4\.1$/,
      /gpt-4o-mini|gpt-4\.1-mini/,
      /claude-sonnet/,
      /claude-haiku/,
      /claude-opus/,
      /gemini-2\.\d-pro/,
      /gemini-2\.\d-flash/,
      /nomic-embed-text/,
      /all-minilm-l6-v2/,
      /bge-small-en-v1\.5/,
    ];
    for (const pattern of required)
      expect(
        ids.some((id) => pattern.test(id)),
        String(pattern),
      ).toBe(true);
  });

  it('gives every cloud model a price and no local model one', () => {
    for (const model of loadCatalog()) {
      if (model.runsOn === 'cloud') expect(model.price, model.id).not.toBeNull();
      else expect(model.price, model.id).toBeNull();
    }
  });

  it('records the Llama 700M monthly-active-user clause and the EU multimodal restriction', () => {
    const llama31 = entry('meta/llama-3.1-8b-instruct');
    expect(llama31.licence.restrictions.some((text) => text.includes('700 million'))).toBe(true);
    for (const id of ['meta/llama-3.2-11b-vision-instruct', 'meta/llama-4-scout-17b-16e-instruct']) {
      expect(
        entry(id).licence.restrictions.some((text) => text.includes('European Union')),
        id,
      ).toBe(true);
    }
    expect(llama31.licence.restrictions.some((text) => text.includes('European Union'))).toBe(false);
  });
});

describe('loadCatalog with user entries', () => {
  it('adds a new user entry after the built-ins', () => {
    const models = loadCatalog({ extra: [userEntry()] });
    expect(models.at(-1)?.id).toBe('acme/tiny-chat-1b');
    expect(models).toHaveLength(loadCatalog().length + 1);
  });

  it('lets a user entry replace the built-in entry with the same id, in place', () => {
    const before = loadCatalog();
    const position = before.findIndex((model) => model.id === 'openai/gpt-4o');
    const override = userEntry({
      id: 'openai/gpt-4o',
      provider: 'openai',
      runsOn: 'cloud',
      price: {
        inputPerMTokUsd: 1,
        outputPerMTokUsd: 4,
        retrieved: '2026-12-01',
        source: 'https://example.com/my-contract',
      },
    });
    const after = loadCatalog({ extra: [override] });
    expect(after).toHaveLength(before.length);
    expect(after[position]?.id).toBe('openai/gpt-4o');
    expect(after[position]?.price?.inputPerMTokUsd).toBe(1);
    expect(loadCatalog().find((model) => model.id === 'openai/gpt-4o')?.price?.inputPerMTokUsd).toBe(2.5);
  });

  it('rejects a bad user entry with invalid_config naming the index, id and field', () => {
    const bad = userEntry({ id: 'acme/broken', licence: { name: 'Apache License 2.0', restrictions: [] } });
    const error = thrown(() => loadCatalog({ extra: [userEntry(), bad] }));
    expect(error.code).toBe('invalid_config');
    expect(error.message).toContain('models.catalog[1]');
    expect(error.message).toContain('"acme/broken"');
    expect(error.message).toContain('licence.spdx');
  });

  it('rejects an entry without sources and an unknown field', () => {
    const noSources = thrown(() => loadCatalog({ extra: [userEntry({ sources: [] })] }));
    expect(noSources.message).toContain('sources');
    const typo = thrown(() => loadCatalog({ extra: [userEntry({ license: 'MIT' })] }));
    expect(typo.message).toContain('license');
  });

  it('rejects two user entries with the same id', () => {
    const error = thrown(() => loadCatalog({ extra: [userEntry(), userEntry()] }));
    expect(error.code).toBe('invalid_config');
    expect(error.message).toContain('models.catalog[1]');
  });

  it('returns copies that callers cannot use to change the cached catalog', () => {
    const first = loadCatalog();
    first[0]!.licence.restrictions.push('changed');
    expect(loadCatalog()[0]!.licence.restrictions).not.toContain('changed');
  });
});

describe('isOpenModel and hasOpenWeights', () => {
  it('counts OLMo 2, Apache-2.0 Qwen, Mistral 7B and the open embedders as open', () => {
    for (const id of [
      'allenai/olmo-2-1124-7b-instruct',
      'qwen/qwen2.5-7b-instruct',
      'qwen/qwen3-8b',
      'mistral/mistral-7b-instruct',
      'nomic/nomic-embed-text-v1.5',
    ]) {
      expect(isOpenModel(entry(id)), id).toBe(true);
    }
  });

  it('counts GPT, Claude and Gemini as closed, without open weights', () => {
    for (const id of ['openai/gpt-4o', 'anthropic/claude-sonnet-4-5', 'google/gemini-2.5-pro']) {
      expect(isOpenModel(entry(id)), id).toBe(false);
      expect(hasOpenWeights(entry(id)), id).toBe(false);
    }
  });

  it('counts Llama, Gemma, Qwen 72B, Mistral Large and DeepSeek V3 as open weights but not open', () => {
    for (const id of [
      'meta/llama-3.1-8b-instruct',
      'meta/llama-4-maverick-17b-128e-instruct',
      'google/gemma-3-12b-it',
      'qwen/qwen2.5-72b-instruct',
      'mistral/mistral-large-instruct-2407',
      'deepseek/deepseek-v3',
    ]) {
      expect(hasOpenWeights(entry(id)), id).toBe(true);
      expect(isOpenModel(entry(id)), id).toBe(false);
    }
  });

  it('does not count an OSI licence with a use restriction as open', () => {
    const restricted = { ...entry('mistral/mistral-7b-instruct') };
    restricted.licence = { ...restricted.licence, restrictions: ['no commercial use'] };
    expect(isOpenModel(restricted)).toBe(false);
  });
});

describe('describeModels', () => {
  it('returns exactly the documented fields and marks configured models', () => {
    const entries = loadCatalog().slice(0, 2);
    const configuredId = entries[0]!.id;
    const described = describeModels(entries, (model) => model.id === configuredId);
    expect(Object.keys(described)).toEqual(['models']);
    expect(described.models).toHaveLength(2);
    expect(Object.keys(described.models[0]!).sort()).toEqual(
      [
        'capabilities',
        'configured',
        'id',
        'licence',
        'openness',
        'price',
        'provider',
        'runsOn',
        'sources',
      ].sort(),
    );
    expect(described.models.map((model) => model.configured)).toEqual([true, false]);
    expect(JSON.parse(JSON.stringify(described))).toEqual(described);
  });
});
