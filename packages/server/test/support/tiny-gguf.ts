import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const EMBEDDING = 64;
const HEADS = 4;
const FEED_FORWARD = 128;
const LAYERS = 2;
const ALIGNMENT = 32;
const WORD_PIECES = ['the', 'a', 'is', 'of', 'and', 'to', 'in', 'it', 'you', 'that', 'true', 'false', 'null'];
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const PUNCTUATION = ['{', '}', '[', ']', '"', ':', ',', '.', '-', '!', '?', "'", '(', ')', '_', '\u2581'];
/** The ChatML template: node-llama-cpp recognises it and ends each turn on the `<|im_end|>` control token. */
const CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

type Value =
  | { type: 'u32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'strings'; value: string[] }
  | { type: 'f32s'; value: number[] }
  | { type: 'i32s'; value: number[] };

/** Growable little-endian byte buffer for the GGUF header. */
class Bytes {
  private parts: Buffer[] = [];
  length = 0;
  push(buffer: Buffer): void {
    this.parts.push(buffer);
    this.length += buffer.length;
  }
  u32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value);
    this.push(b);
  }
  u64(value: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(value));
    this.push(b);
  }
  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** The SentencePiece-style vocabulary: specials, 256 byte tokens, then word pieces, letters and punctuation. */
function vocabulary(): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens = ['<unk>', '<s>', '</s>', '<|im_start|>', '<|im_end|>'];
  const types = [2, 3, 3, 3, 3];
  for (let byte = 0; byte < 256; byte++) {
    tokens.push(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(6);
  }
  const pieces = [
    ...WORD_PIECES.map((word) => `\u2581${word}`),
    ...WORD_PIECES,
    ...LETTERS,
    ...[...LETTERS].slice(0, 26).map((letter) => `\u2581${letter}`),
    ...PUNCTUATION,
  ];
  for (const piece of new Set(pieces)) {
    tokens.push(piece);
    types.push(1);
  }
  const scores = tokens.map((token, index) => (types[index] === 1 ? token.length - index / 1000 : 0));
  return { tokens, scores, types };
}

/** Writes a tiny llama-architecture GGUF v3 (random F32 weights, ~370-token byte-fallback vocab) for engine tests. */
export function writeTinyGguf(path: string, { seed = 1 }: { seed?: number } = {}): void {
  let state = seed >>> 0 || 1;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const { tokens, scores, types } = vocabulary();
  const metadata: Array<[string, Value]> = [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: 'familiar-tiny-test' }],
    ['general.alignment', { type: 'u32', value: ALIGNMENT }],
    ['general.file_type', { type: 'u32', value: 0 }],
    ['llama.context_length', { type: 'u32', value: 512 }],
    ['llama.embedding_length', { type: 'u32', value: EMBEDDING }],
    ['llama.block_count', { type: 'u32', value: LAYERS }],
    ['llama.feed_forward_length', { type: 'u32', value: FEED_FORWARD }],
    ['llama.attention.head_count', { type: 'u32', value: HEADS }],
    ['llama.attention.head_count_kv', { type: 'u32', value: HEADS }],
    ['llama.rope.dimension_count', { type: 'u32', value: EMBEDDING / HEADS }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: 1e-5 }],
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'strings', value: tokens }],
    ['tokenizer.ggml.scores', { type: 'f32s', value: scores }],
    ['tokenizer.ggml.token_type', { type: 'i32s', value: types }],
    ['tokenizer.ggml.unknown_token_id', { type: 'u32', value: 0 }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: 1 }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: 2 }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: true }],
    ['tokenizer.chat_template', { type: 'string', value: CHAT_TEMPLATE }],
  ];
  // Dimensions are ggml order: the first is the innermost (row length).
  const tensors: Array<{ name: string; dimensions: number[]; norm?: boolean }> = [
    { name: 'token_embd.weight', dimensions: [EMBEDDING, tokens.length] },
  ];
  for (let layer = 0; layer < LAYERS; layer++) {
    const block = `blk.${layer}`;
    tensors.push(
      { name: `${block}.attn_norm.weight`, dimensions: [EMBEDDING], norm: true },
      { name: `${block}.attn_q.weight`, dimensions: [EMBEDDING, EMBEDDING] },
      { name: `${block}.attn_k.weight`, dimensions: [EMBEDDING, EMBEDDING] },
      { name: `${block}.attn_v.weight`, dimensions: [EMBEDDING, EMBEDDING] },
      { name: `${block}.attn_output.weight`, dimensions: [EMBEDDING, EMBEDDING] },
      { name: `${block}.ffn_norm.weight`, dimensions: [EMBEDDING], norm: true },
      { name: `${block}.ffn_gate.weight`, dimensions: [EMBEDDING, FEED_FORWARD] },
      { name: `${block}.ffn_up.weight`, dimensions: [EMBEDDING, FEED_FORWARD] },
      { name: `${block}.ffn_down.weight`, dimensions: [FEED_FORWARD, EMBEDDING] },
    );
  }
  tensors.push(
    { name: 'output_norm.weight', dimensions: [EMBEDDING], norm: true },
    { name: 'output.weight', dimensions: [EMBEDDING, tokens.length] },
  );

  const header = new Bytes();
  header.push(Buffer.from('GGUF', 'ascii'));
  header.u32(3);
  header.u64(tensors.length);
  header.u64(metadata.length);
  for (const [key, entry] of metadata) {
    header.string(key);
    writeValue(header, entry);
  }
  const data: Buffer[] = [];
  let offset = 0;
  for (const tensor of tensors) {
    const count = tensor.dimensions.reduce((a, b) => a * b, 1);
    const weights = new Float32Array(count);
    for (let i = 0; i < count; i++) weights[i] = tensor.norm ? 1 : (random() * 2 - 1) * 0.5;
    header.string(tensor.name);
    header.u32(tensor.dimensions.length);
    for (const dimension of tensor.dimensions) header.u64(dimension);
    header.u32(0); // GGML_TYPE_F32
    header.u64(offset);
    const bytes = Buffer.from(weights.buffer);
    const padding = (ALIGNMENT - (bytes.length % ALIGNMENT)) % ALIGNMENT;
    data.push(bytes, Buffer.alloc(padding));
    offset += bytes.length + padding;
  }
  header.push(Buffer.alloc((ALIGNMENT - (header.length % ALIGNMENT)) % ALIGNMENT));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, Buffer.concat([header.toBuffer(), ...data]));
}

/** Writes one metadata value with its GGUF type tag (4 u32, 6 f32, 7 bool, 8 string, 9 array, 5 i32). */
function writeValue(out: Bytes, entry: Value): void {
  const arrayOf = (type: number, length: number): void => {
    out.u32(9);
    out.u32(type);
    out.u64(length);
  };
  switch (entry.type) {
    case 'u32':
      out.u32(4);
      out.u32(entry.value);
      return;
    case 'f32': {
      out.u32(6);
      const b = Buffer.alloc(4);
      b.writeFloatLE(entry.value);
      out.push(b);
      return;
    }
    case 'bool':
      out.u32(7);
      out.push(Buffer.from([entry.value ? 1 : 0]));
      return;
    case 'string':
      out.u32(8);
      out.string(entry.value);
      return;
    case 'strings':
      arrayOf(8, entry.value.length);
      for (const value of entry.value) out.string(value);
      return;
    case 'f32s':
      arrayOf(6, entry.value.length);
      out.push(Buffer.from(new Float32Array(entry.value).buffer));
      return;
    case 'i32s':
      arrayOf(5, entry.value.length);
      out.push(Buffer.from(new Int32Array(entry.value).buffer));
      return;
  }
}
