import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wavToStreamAudio } from '@familiar/device-sdk';
import { isPocketsphinxAvailable } from '../../src/perception/audio/pocketsphinx-transcriber.ts';

/** Where Debian's `pocketsphinx-testdata` keeps its LibriVox clips and their reference transcripts. */
export const LIBRIVOX_DIRECTORY = '/usr/share/pocketsphinx/test/data/librivox';

/** True when the clips are installed (CI installs `pocketsphinx-testdata`). */
export const hasLibrivox = existsSync(join(LIBRIVOX_DIRECTORY, 'transcription'));

/** True when the clips and the offline recognizer (Debian pocketsphinx, pocketsphinx-en-us) are both installed. */
export const canTranscribeLibrivox = hasLibrivox && isPocketsphinxAvailable();

/** One clip: its 16 kHz mono samples and reference transcript. */
export interface Clip {
  id: string;
  samples: Int16Array;
  reference: string;
}

/** The LibriVox clips with their references, in file order. */
export function librivoxClips(): Clip[] {
  const references = new Map<string, string>();
  for (const line of readFileSync(join(LIBRIVOX_DIRECTORY, 'transcription'), 'utf8').split('\n')) {
    const match = /^<s>\s*(.*?)\s*<\/s>\s*\((.+)\)\s*$/.exec(line.trim());
    if (match) references.set(match[2]!, match[1]!);
  }
  return [...references].map(([id, reference]) => ({
    id,
    reference,
    samples: wavToStreamAudio(readFileSync(join(LIBRIVOX_DIRECTORY, `${id}.wav`))).pcm,
  }));
}

/** The clips joined with `silenceMs` of silence before, between and after them, and where each clip lies (ms). */
export function clipsWithSilence(
  clips: readonly Clip[],
  silenceMs = 3000,
): { samples: Int16Array; spoken: Array<{ startMs: number; endMs: number; clip: Clip }> } {
  const silence = (silenceMs / 1000) * 16_000;
  const total = clips.reduce((sum, clip) => sum + clip.samples.length, 0) + silence * (clips.length + 1);
  const samples = new Int16Array(total);
  const spoken: Array<{ startMs: number; endMs: number; clip: Clip }> = [];
  let offset = silence;
  for (const clip of clips) {
    samples.set(clip.samples, offset);
    spoken.push({
      startMs: (offset / 16_000) * 1000,
      endMs: ((offset + clip.samples.length) / 16_000) * 1000,
      clip,
    });
    offset += clip.samples.length + silence;
  }
  return { samples, spoken };
}
