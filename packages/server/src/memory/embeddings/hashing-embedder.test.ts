import { describe, expect, it } from 'vitest';
import { createHashingEmbedder } from './hashing-embedder.ts';

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i += 1) dot += a[i]! * b[i]!;
  return dot;
}

function norm(a: Float32Array): number {
  return Math.sqrt(cosine(a, a));
}

describe('hashing embedder', () => {
  it('names itself after its dimension and seed and knows its dimension before any call', () => {
    const embedder = createHashingEmbedder({ dimension: 128, seed: 7 });
    expect(embedder.id).toBe('hashing-128-7');
    expect(embedder.dimension).toBe(128);
    expect(createHashingEmbedder().id).toBe('hashing-384-1');
  });

  it('gives one unit vector per text, the same on every call', async () => {
    const embedder = createHashingEmbedder();
    const texts = ['Met Anna at the bakery', '', '!!!', 'Ünïcode café'];
    const first = await embedder.embed(texts);
    const again = await createHashingEmbedder().embed(texts);
    expect(first).toHaveLength(4);
    for (const [i, vector] of first.entries()) {
      expect(vector).toHaveLength(384);
      expect(norm(vector)).toBeCloseTo(1, 5);
      expect(Array.from(vector)).toEqual(Array.from(again[i]!));
    }
  });

  it('ignores case and punctuation', async () => {
    const [a, b] = await createHashingEmbedder().embed(['Coffee with ANNA.', 'coffee, with anna']);
    expect(cosine(a!, b!)).toBeCloseTo(1, 5);
  });

  it('scores texts that share words above texts that share none', async () => {
    const [query, related, partial, unrelated] = await createHashingEmbedder().embed([
      'dentist appointment on tuesday',
      'the dentist appointment moved to tuesday afternoon',
      'an appointment with the bank',
      'we walked the dog along the river',
    ]);
    const related_ = cosine(query!, related!);
    const partial_ = cosine(query!, partial!);
    const unrelated_ = cosine(query!, unrelated!);
    expect(related_).toBeGreaterThan(partial_);
    expect(partial_).toBeGreaterThan(unrelated_);
    expect(unrelated_).toBeLessThan(0.2);
  });

  it('relates inflected forms through shared trigrams, less than the same word', async () => {
    const [walking, walked, swimming] = await createHashingEmbedder().embed([
      'walking',
      'walked',
      'swimming',
    ]);
    expect(cosine(walking!, walked!)).toBeGreaterThan(cosine(walking!, swimming!));
    expect(cosine(walking!, walked!)).toBeLessThan(0.9);
  });

  it('gives unrelated directions under another seed, so vectors of two seeds must not be mixed', async () => {
    const text = 'the quarterly budget review with Marco';
    const [one] = await createHashingEmbedder({ seed: 1 }).embed([text]);
    const [two] = await createHashingEmbedder({ seed: 2 }).embed([text]);
    expect(Math.abs(cosine(one!, two!))).toBeLessThan(0.3);
  });

  it('refuses a nonsensical dimension', () => {
    expect(() => createHashingEmbedder({ dimension: 0 })).toThrow(/dimension/);
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await expect(createHashingEmbedder().embed(['x'], { signal: controller.signal })).rejects.toThrow(
      'cancelled',
    );
  });
});
