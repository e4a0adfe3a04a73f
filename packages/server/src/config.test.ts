import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from './config.ts';
import { ValidationError } from './kernel/index.ts';

const HOME = { FAMILIAR_HOME: '/tmp/familiar-config-test' };

describe('caption configuration', () => {
  it('has no vision model unless FAMILIAR_CAPTION_URL is set', () => {
    expect(loadConfig(HOME).caption).toBeUndefined();
  });

  it('reads the URL, key and model of a vision model', () => {
    const config = loadConfig({
      ...HOME,
      FAMILIAR_CAPTION_URL: 'http://127.0.0.1:11434/v1',
      FAMILIAR_CAPTION_MODEL: 'qwen2.5vl:3b',
    });
    expect(config.caption).toEqual({ url: 'http://127.0.0.1:11434/v1', model: 'qwen2.5vl:3b' });
    expect(
      loadConfig({
        ...HOME,
        FAMILIAR_CAPTION_URL: 'https://api.openai.com/v1',
        FAMILIAR_CAPTION_API_KEY: 'sk-test',
        FAMILIAR_CAPTION_MODEL: 'gpt-4o-mini',
      }).caption,
    ).toEqual({ url: 'https://api.openai.com/v1', apiKey: 'sk-test', model: 'gpt-4o-mini' });
  });

  it('refuses a URL without a model, saying which variable to set', () => {
    const load = () => loadConfig({ ...HOME, FAMILIAR_CAPTION_URL: 'http://127.0.0.1:11434/v1' });
    expect(load).toThrow(ValidationError);
    expect(load).toThrow('FAMILIAR_CAPTION_URL needs FAMILIAR_CAPTION_MODEL');
  });

  it('refuses a model or key without a URL, and a URL that is not http(s)', () => {
    expect(() => loadConfig({ ...HOME, FAMILIAR_CAPTION_MODEL: 'llava' })).toThrow(
      'need FAMILIAR_CAPTION_URL',
    );
    expect(() =>
      loadConfig({ ...HOME, FAMILIAR_CAPTION_URL: 'localhost:11434', FAMILIAR_CAPTION_MODEL: 'llava' }),
    ).toThrow('FAMILIAR_CAPTION_URL must be an http:// or https:// URL');
  });

  it('documents that frames leave the machine when the caption server is not local', () => {
    const documented = new Map(CONFIG_VARIABLES.map(([name, , meaning]) => [name, meaning]));
    expect(documented.get('FAMILIAR_CAPTION_URL')).toContain('leaves it');
    expect(documented.get('FAMILIAR_CAPTION_API_KEY')).toContain('never logged');
    expect(documented.get('FAMILIAR_CAPTION_MODEL')).toContain('required');
  });
});

describe('memory configuration', () => {
  it('reads per-modality retention in days and refuses what is not modality=days', () => {
    expect(loadConfig({ ...HOME }).retention).toEqual({});
    expect(loadConfig({ ...HOME, FAMILIAR_RETENTION: 'frame=90, location=30d' }).retention).toEqual({
      frame: 90,
      location: 30,
    });
    expect(() => loadConfig({ ...HOME, FAMILIAR_RETENTION: 'photos=90' })).toThrow('is not modality=days');
    expect(() => loadConfig({ ...HOME, FAMILIAR_RETENTION: 'frame=0' })).toThrow('is not modality=days');
  });

  it('configures an embedder only with what it needs, saying which variable is missing', () => {
    expect(loadConfig({ ...HOME }).embedder).toEqual({ kind: 'off' });
    expect(
      loadConfig({ ...HOME, FAMILIAR_EMBEDDER: 'ollama', FAMILIAR_EMBED_MODEL: 'nomic-embed-text' }).embedder,
    ).toEqual({
      kind: 'ollama',
      url: 'http://127.0.0.1:11434',
      model: 'nomic-embed-text',
    });
    expect(() =>
      loadConfig({ ...HOME, FAMILIAR_EMBEDDER: 'openai-compatible', FAMILIAR_EMBED_MODEL: 'x' }),
    ).toThrow('needs FAMILIAR_EMBED_URL');
    expect(() => loadConfig({ ...HOME, FAMILIAR_EMBEDDER: 'gguf' })).toThrow('needs FAMILIAR_EMBED_GGUF');
    expect(() => loadConfig({ ...HOME, FAMILIAR_EMBEDDER: 'bert' })).toThrow(
      'must be off, openai-compatible',
    );
  });
});

describe('familiar.config.json', () => {
  it('reads retrieval weights, and refuses an unknown or out-of-range one naming it', () => {
    const home = mkdtempSync(join(tmpdir(), 'familiar-config-'));
    writeFileSync(join(home, 'familiar.config.json'), JSON.stringify({ retrieval: { vectorWeight: 1.5 } }));
    expect(loadConfig({ FAMILIAR_HOME: home }).retrieval).toEqual({ vectorWeight: 1.5 });
    writeFileSync(join(home, 'familiar.config.json'), JSON.stringify({ retrieval: { vectorWieght: 1 } }));
    expect(() => loadConfig({ FAMILIAR_HOME: home })).toThrow('retrieval');
    writeFileSync(join(home, 'familiar.config.json'), JSON.stringify({ retrieval: { episodeWeight: 3 } }));
    expect(() => loadConfig({ FAMILIAR_HOME: home })).toThrow('retrieval.episodeWeight');
    writeFileSync(join(home, 'familiar.config.json'), '{ not json');
    expect(() => loadConfig({ FAMILIAR_HOME: home })).toThrow('not valid JSON');
    writeFileSync(join(home, 'familiar.config.json'), JSON.stringify({ modles: {} }));
    expect(() => loadConfig({ FAMILIAR_HOME: home })).toThrow('unknown setting modles');
  });
});
