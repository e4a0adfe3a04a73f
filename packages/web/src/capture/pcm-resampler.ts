/** The device stream's audio rate: 16 kHz mono. */
export const STREAM_RATE = 16_000;

/** Converts one sample in [-1, 1] to signed 16-bit, clamping what lies outside. */
export function floatToInt16(sample: number): number {
  const clamped = Math.max(-1, Math.min(1, Number.isFinite(sample) ? sample : 0));
  return clamped < 0 ? Math.round(clamped * 0x8000) : Math.round(clamped * 0x7fff);
}

/**
 * A streaming downsampler from the microphone's rate (48 kHz, 44.1 kHz…) to 16 kHz PCM16. Each output sample is the
 * mean of the input samples it spans (a box low-pass, so speech keeps its energy without aliasing whistles), and
 * samples left over at the end of one block are carried into the next, so block boundaries leave no clicks or gaps.
 */
export class PcmResampler {
  #carry: Float32Array = new Float32Array(0);
  /** The next output sample, counted from the last whole second (positions are exact integers, so no drift). */
  #next = 0;
  /** Where `#carry` starts, in input samples from that same second. */
  #carryStart = 0;

  constructor(
    readonly inputRate: number,
    readonly outputRate: number = STREAM_RATE,
  ) {
    if (!Number.isInteger(inputRate) || !Number.isInteger(outputRate) || inputRate < 1 || outputRate < 1)
      throw new RangeError('sample rates must be positive whole numbers');
    if (outputRate > inputRate)
      throw new RangeError(`cannot upsample from ${inputRate} Hz to ${outputRate} Hz`);
  }

  /** Takes the next block of input samples and returns every 16-bit output sample they complete. */
  push(input: Float32Array): Int16Array {
    const samples = new Float32Array(this.#carry.length + input.length);
    samples.set(this.#carry);
    samples.set(input, this.#carry.length);
    const boundary = (k: number): number =>
      Math.floor((k * this.inputRate) / this.outputRate) - this.#carryStart;
    const out: number[] = [];
    while (boundary(this.#next + 1) <= samples.length) {
      const start = boundary(this.#next);
      const end = boundary(this.#next + 1);
      let sum = 0;
      for (let j = start; j < end; j += 1) sum += samples[j]!;
      out.push(floatToInt16(sum / (end - start)));
      this.#next += 1;
    }
    const consumed = boundary(this.#next);
    this.#carry = samples.slice(consumed);
    this.#carryStart += consumed;
    while (this.#next >= this.outputRate) {
      this.#next -= this.outputRate;
      this.#carryStart -= this.inputRate;
    }
    return Int16Array.from(out);
  }
}

/**
 * Cuts a stream of PCM16 samples into chunks of a fixed size (1,600 samples: 100 ms at 16 kHz), each with the index
 * of its first sample, so the caller can stamp it with the time it was heard.
 */
export class PcmChunker {
  readonly #size: number;
  #pending: Int16Array;
  #filled = 0;
  #emitted = 0;

  constructor(samplesPerChunk = STREAM_RATE / 10) {
    if (!Number.isInteger(samplesPerChunk) || samplesPerChunk < 1)
      throw new RangeError('a chunk holds at least one sample');
    this.#size = samplesPerChunk;
    this.#pending = new Int16Array(samplesPerChunk);
  }

  /** Adds samples and returns the chunks they complete, in order. */
  push(samples: Int16Array): { pcm: Int16Array; firstSample: number }[] {
    const chunks: { pcm: Int16Array; firstSample: number }[] = [];
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(this.#size - this.#filled, samples.length - offset);
      this.#pending.set(samples.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
      if (this.#filled === this.#size) {
        chunks.push({ pcm: this.#pending, firstSample: this.#emitted });
        this.#emitted += this.#size;
        this.#pending = new Int16Array(this.#size);
        this.#filled = 0;
      }
    }
    return chunks;
  }

  /** Returns the samples of an unfinished chunk (shorter than a chunk), or null when there are none. */
  flush(): { pcm: Int16Array; firstSample: number } | null {
    if (this.#filled === 0) return null;
    const chunk = { pcm: this.#pending.slice(0, this.#filled), firstSample: this.#emitted };
    this.#emitted += this.#filled;
    this.#pending = new Int16Array(this.#size);
    this.#filled = 0;
    return chunk;
  }
}
