import { FamiliarError } from '../../kernel/index.ts';
import type { Embedder } from './embedder.ts';

const WORD_WEIGHT = 1;
const TRIGRAM_WEIGHT = 0.35;
/** Each feature adds to this many coordinates, so collisions on one coordinate matter less. */
const COORDINATES_PER_FEATURE = 3;

/**
 * A deterministic, offline embedder by feature hashing: lower-cased word tokens (and, weighted less, their
 * character trigrams) each add a signed pseudo-random direction; the sum is L2-normalised. It is lexical, not
 * neural: texts score as similar when they share words or word pieces, never because they mean the same thing.
 * For tests, benchmarks and installations without an embedding model. Id: `hashing-<dimension>-<seed>`.
 */
export function createHashingEmbedder({
  dimension = 384,
  seed = 1,
}: {
  dimension?: number;
  seed?: number;
} = {}): Embedder {
  if (!Number.isInteger(dimension) || dimension < 8)
    throw new FamiliarError(
      'invalid_config',
      `the hashing embedder needs an integer dimension ≥ 8, not ${dimension}`,
    );
  if (!Number.isInteger(seed))
    throw new FamiliarError('invalid_config', `the hashing embedder seed must be an integer`);
  const id = `hashing-${dimension}-${seed}`;
  return {
    id,
    dimension,
    async embed(texts, options = {}) {
      options.signal?.throwIfAborted();
      return texts.map((text) => hashText(text, dimension, seed));
    },
  };
}

function hashText(text: string, dimension: number, seed: number): Float32Array {
  const vector = new Float32Array(dimension);
  const words =
    text
      .toLowerCase()
      .normalize('NFKC')
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  for (const word of words) {
    addFeature(vector, `w:${word}`, WORD_WEIGHT, seed);
    const padded = `^${word}$`;
    const trigrams = padded.length - 2;
    for (let i = 0; i < trigrams; i += 1)
      addFeature(vector, `t:${padded.slice(i, i + 3)}`, TRIGRAM_WEIGHT / Math.sqrt(trigrams), seed);
  }
  if (words.length === 0) addFeature(vector, 'empty', WORD_WEIGHT, seed);
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  for (let i = 0; i < dimension; i += 1) vector[i] = vector[i]! / norm;
  return vector;
}

function addFeature(vector: Float32Array, feature: string, weight: number, seed: number): void {
  let state = fnv1a(feature, seed);
  for (let i = 0; i < COORDINATES_PER_FEATURE; i += 1) {
    state = mix(state + 0x9e3779b9 + i);
    const index = state % vector.length;
    const sign = state & 0x80000000 ? -1 : 1;
    vector[index] = vector[index]! + sign * weight;
  }
}

/** FNV-1a over UTF-16 code units, started from the seed. */
function fnv1a(text: string, seed: number): number {
  let hash = (0x811c9dc5 ^ Math.imul(seed, 0x01000193)) >>> 0;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Murmur3's 32-bit finaliser: spreads every input bit over the output. */
function mix(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
