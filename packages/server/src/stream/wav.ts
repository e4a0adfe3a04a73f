/** Milliseconds of 16 kHz mono PCM16 audio in `bytes` bytes. */
export function pcmDurationMs(bytes: number, sampleRate = 16_000): number {
  return (bytes / 2 / sampleRate) * 1000;
}
