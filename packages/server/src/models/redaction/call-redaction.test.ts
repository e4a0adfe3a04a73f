import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import type { ConfiguredModel } from '../models-config.ts';
import { createCallRedaction, createFinderCache, redactsPersonalData } from './call-redaction.ts';

const configured = (runsOn: ConfiguredModel['runsOn'], redact?: boolean): ConfiguredModel => ({
  id: `p:${runsOn}`,
  provider: 'p',
  providerType: 'openai-compatible',
  name: runsOn,
  runsOn,
  entry: null,
  openWeights: false,
  tasks: [],
  ...(redact === undefined ? {} : { redact }),
});

describe('call redaction', () => {
  it('redacts cloud models by default and follows the config where it says', () => {
    expect(redactsPersonalData(configured('cloud'))).toBe(true);
    expect(redactsPersonalData(configured('local-server'))).toBe(false);
    expect(redactsPersonalData(configured('in-process'))).toBe(false);
    expect(redactsPersonalData(configured('cloud', false))).toBe(false);
    expect(redactsPersonalData(configured('in-process', true))).toBe(true);
  });

  it('reads the people list once a call, and only when a redacted model is called', async () => {
    const asked: string[] = [];
    const redaction = createCallRedaction({
      userId: 'user-1',
      terms: async (userId) => {
        asked.push(userId);
        return ['Sam'];
      },
    });
    const model = new MockLanguageModelV3();
    expect(await redaction.wrap(configured('local-server'), model)).toBe(model);
    expect(asked).toEqual([]);
    const wrapped = await redaction.wrap(configured('cloud'), model);
    await redaction.wrap(configured('cloud'), model);
    expect(wrapped).not.toBe(model);
    expect(asked).toEqual(['user-1']);
    expect(redaction.summary(configured('cloud'))).toEqual({ enabled: true, counts: {} });
  });

  it('keeps one finder per people list, forgetting the least recently used', () => {
    const cache = createFinderCache(2);
    const first = cache.finderFor(['Sam']);
    expect(cache.finderFor(['Sam'])).toBe(first);
    cache.finderFor(['Ana']);
    cache.finderFor(['Jo']);
    expect(cache.finderFor(['Sam'])).not.toBe(first);
  });
});
