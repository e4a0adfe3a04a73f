import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateText, Output, streamText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { writeTinyGguf } from '../../../test/support/tiny-gguf.ts';
import { createLlamaCppEmbedder, createLlamaCppLanguageModel, type LlamaCppLanguageModel } from './index.ts';

let directory: string;
let modelPath: string;
let model: LlamaCppLanguageModel;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'familiar-llama-cpp-'));
  modelPath = join(directory, 'tiny-test.gguf');
  writeTinyGguf(modelPath, { seed: 7 });
  model = createLlamaCppLanguageModel({ modelPath, threads: 1 });
  // Load once for the whole file: the first call pays for it.
  await generateText({ model, prompt: 'warm up', maxOutputTokens: 1 });
});

afterAll(async () => {
  await model?.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('createLlamaCppLanguageModel', () => {
  it('loads a fixture that is the same bytes for the same seed', () => {
    const again = join(directory, 'again.gguf');
    writeTinyGguf(again, { seed: 7 });
    expect(readFileSync(again).equals(readFileSync(modelPath))).toBe(true);
  });

  it('reports itself as a v3 llama-cpp model named after the file', () => {
    expect(model.specificationVersion).toBe('v3');
    expect(model.provider).toBe('llama-cpp');
    expect(model.modelId).toBe('tiny-test');
  });

  it('generates text with generateText and reports usage', async () => {
    const result = await generateText({
      model,
      system: 'You are terse.',
      prompt: 'Say hello.',
      maxOutputTokens: 24,
      temperature: 0.8,
      seed: 3,
    });
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.usage.inputTokens).toBeGreaterThan(5);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeLessThanOrEqual(24);
    expect(['stop', 'length']).toContain(result.finishReason);
  });

  it('is deterministic for a given seed', async () => {
    const ask = () =>
      generateText({ model, prompt: 'Count.', maxOutputTokens: 16, temperature: 1, seed: 11 });
    expect((await ask()).text).toBe((await ask()).text);
  });

  it('streams text deltas as tokens come and ends with usage and a finish reason', async () => {
    const started = performance.now();
    const result = streamText({
      model,
      prompt: 'Tell me a story.',
      maxOutputTokens: 64,
      temperature: 0.8,
      seed: 5,
    });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    const seconds = (performance.now() - started) / 1000;
    const usage = await result.usage;
    expect(deltas.length).toBeGreaterThanOrEqual(2);
    expect(deltas.join('')).toBe(await result.text);
    expect(usage.outputTokens).toBeGreaterThan(1);
    expect(['stop', 'length']).toContain(await result.finishReason);
    console.info(`tiny GGUF, 1 thread: ${((usage.outputTokens ?? 0) / seconds).toFixed(0)} output tokens/s`);
  });

  it('returns schema-valid JSON for a structured output', async () => {
    // Only constraints the grammar and Zod read alike: free strings can run past any token limit on random
    // weights, and JSON Schema counts string length in code points where Zod counts UTF-16 units.
    const schema = z.object({
      ok: z.boolean(),
      mood: z.enum(['calm', 'busy', 'tired']),
      weather: z.object({ sunny: z.boolean(), wind: z.enum(['none', 'light', 'strong']) }),
      tags: z.array(z.enum(['home', 'work', 'gym'])).max(3),
      note: z.enum(['none']).nullable(),
    });
    for (const seed of [1, 2, 3]) {
      const result = await generateText({
        model,
        prompt: 'Describe the day as JSON.',
        output: Output.object({ schema }),
        maxOutputTokens: 300,
        temperature: 1,
        seed,
      });
      expect(schema.safeParse(result.output).success).toBe(true);
    }
  });

  it('stops at a stop sequence, leaving it out of the text', async () => {
    const free = await generateText({ model, prompt: 'Go.', maxOutputTokens: 64, temperature: 0 });
    const at = free.text.slice(3).search(/[a-z]{2}/i) + 3;
    expect(at).toBeGreaterThanOrEqual(3);
    const stopAt = free.text.slice(at, at + 2);
    const stopped = await generateText({
      model,
      prompt: 'Go.',
      maxOutputTokens: 64,
      temperature: 0,
      stopSequences: [stopAt],
    });
    expect(stopped.finishReason).toBe('stop');
    expect(stopped.text).toBe(free.text.slice(0, free.text.indexOf(stopAt)));
  });

  it('stops generating when the abort signal fires, and the next call still works', async () => {
    const controller = new AbortController();
    const deltas: string[] = [];
    const errors: unknown[] = [];
    const result = streamText({
      model,
      prompt: 'Write forever.',
      maxOutputTokens: 400,
      temperature: 1,
      seed: 9,
      abortSignal: controller.signal,
      onError: ({ error }) => void errors.push(error),
    });
    for await (const delta of result.textStream) {
      deltas.push(delta);
      if (deltas.length === 3) controller.abort();
    }
    expect(deltas.length).toBeGreaterThanOrEqual(3);
    expect(deltas.length).toBeLessThan(50);
    await expect(
      generateText({ model, prompt: 'x', maxOutputTokens: 400, abortSignal: AbortSignal.abort() }),
    ).rejects.toThrow();
    const after = await generateText({ model, prompt: 'Still there?', maxOutputTokens: 8 });
    expect(after.text.length).toBeGreaterThan(0);
  });

  it('ends the engine stream with an AbortError once the signal fires', async () => {
    const controller = new AbortController();
    const { stream } = await model.doStream({
      prompt: [{ role: 'user', content: [{ type: 'text', text: 'Write forever.' }] }],
      maxOutputTokens: 400,
      temperature: 1,
      seed: 9,
      abortSignal: controller.signal,
    });
    const reader = stream.getReader();
    let textDeltas = 0;
    let failure: unknown;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (value.type === 'text-delta' && ++textDeltas === 3) controller.abort();
      }
    } catch (error) {
      failure = error;
    }
    expect(failure).toMatchObject({ name: 'AbortError' });
    expect(textDeltas).toBeLessThan(20);
  });

  it('runs concurrent calls one at a time without mixing their output', async () => {
    const ask = (seed: number) =>
      generateText({ model, prompt: `Question ${seed}`, maxOutputTokens: 16, temperature: 1, seed });
    const alone = [(await ask(21)).text, (await ask(22)).text];
    const together = await Promise.all([ask(21), ask(22)]);
    expect(together.map((result) => result.text)).toEqual(alone);
  });

  it('warns about tools it cannot call', async () => {
    const result = await generateText({
      model,
      prompt: 'Hi',
      maxOutputTokens: 4,
      tools: { clock: { description: 'time', inputSchema: z.object({}) } },
    });
    expect(result.warnings).toContainEqual(
      expect.objectContaining({ type: 'unsupported', feature: 'tools' }),
    );
  });

  it('refuses image input with a clear error', async () => {
    await expect(
      model.doGenerate({
        prompt: [
          {
            role: 'user',
            content: [{ type: 'file', mediaType: 'image/png', data: new Uint8Array([137, 80, 78, 71]) }],
          },
        ],
      }),
    ).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringContaining('images') });
  });

  it('reports a missing or invalid file as model_unavailable with its path', async () => {
    const missing = join(directory, 'nope.gguf');
    const absent = createLlamaCppLanguageModel({ modelPath: missing });
    await expect(generateText({ model: absent, prompt: 'hi' })).rejects.toMatchObject({
      code: 'model_unavailable',
      message: expect.stringContaining(missing),
    });
    const garbage = join(directory, 'garbage.gguf');
    writeFileSync(garbage, 'not a model at all');
    const invalid = createLlamaCppLanguageModel({ modelPath: garbage });
    await expect(
      invalid.doGenerate({ prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] }),
    ).rejects.toMatchObject({
      code: 'model_unavailable',
      message: expect.stringContaining(garbage),
    });
  });
});

describe('createLlamaCppEmbedder', () => {
  it('embeds texts as vectors of the model dimension, the same text giving the same vector', async () => {
    const embedder = createLlamaCppEmbedder({ modelPath, threads: 1 });
    try {
      expect(embedder.id).toBe('llama-cpp:tiny-test');
      expect(embedder.dimension).toBeNull();
      const [first, second, again] = await embedder.embed(['the cat sat', 'a dog ran', 'the cat sat']);
      expect(embedder.dimension).toBe(64);
      expect(first).toBeInstanceOf(Float32Array);
      expect(first?.length).toBe(64);
      expect(second?.length).toBe(64);
      expect(again).toEqual(first);
      expect(second).not.toEqual(first);
    } finally {
      await embedder.close();
    }
    await expect(embedder.embed(['after close'])).rejects.toMatchObject({ code: 'embedder_unavailable' });
  });

  it('reports a missing model file as embedder_unavailable with its path', async () => {
    const missing = join(directory, 'no-embedder.gguf');
    await expect(createLlamaCppEmbedder({ modelPath: missing }).embed(['hi'])).rejects.toMatchObject({
      code: 'embedder_unavailable',
      message: expect.stringContaining(missing),
    });
  });
});
