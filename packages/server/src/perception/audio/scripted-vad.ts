import {
  PERCEPTION_SAMPLE_RATE,
  type SpeechSegment,
  type VadSession,
  type VoiceActivityDetector,
} from '../ports.ts';

/** A stretch of audio the scripted detector calls speech, in ms from the start of a session's audio. */
export interface ScriptedSpeech {
  startMs: number;
  endMs: number;
}

/** What one session of the scripted detector was fed. */
export interface ScriptedVadSessionRecord {
  samplesSeen: number;
  finished: boolean;
}

/** A fake detector for pipeline tests: every session reports the same scripted speech and records what it saw. */
export interface ScriptedVad extends VoiceActivityDetector {
  /** Samples fed to all its sessions. */
  readonly samplesSeen: number;
  /** One record per session, in the order they were created. */
  readonly sessions: readonly ScriptedVadSessionRecord[];
}

const SAMPLES_PER_MS = PERCEPTION_SAMPLE_RATE / 1000;

/**
 * A voice activity detector that needs no model: each session returns the scripted intervals, with the samples
 * cut from what it was fed, from `accept` once the audio has passed an interval's end, and from `finish` for an
 * interval still open (cut at the end of the audio). Intervals must be in order and must not overlap.
 */
export function createScriptedVad(speech: ReadonlyArray<ScriptedSpeech>): ScriptedVad {
  const ranges = speech.map(({ startMs, endMs }) => ({
    start: Math.round(startMs * SAMPLES_PER_MS),
    end: Math.round(endMs * SAMPLES_PER_MS),
  }));
  ranges.forEach((range, i) => {
    const previousEnd = i === 0 ? 0 : ranges[i - 1]!.end;
    if (
      !Number.isFinite(range.start) ||
      !Number.isFinite(range.end) ||
      range.start < 0 ||
      range.start >= range.end
    )
      throw new RangeError(`scripted speech ${i} must have 0 <= startMs < endMs`);
    if (range.start < previousEnd)
      throw new RangeError(`scripted speech ${i} starts before the end of the one before it`);
  });
  const sessions: ScriptedVadSessionRecord[] = [];
  let samplesSeen = 0;

  return {
    name: 'scripted-vad',
    get samplesSeen() {
      return samplesSeen;
    },
    sessions,
    createSession(): VadSession {
      const record: ScriptedVadSessionRecord = { samplesSeen: 0, finished: false };
      sessions.push(record);
      let next = 0;
      let fed = 0;
      // Copies of the audio from the start of the next scripted interval on.
      let held: Array<{ start: number; samples: Int16Array }> = [];

      const cut = (start: number, end: number): SpeechSegment => {
        const samples = new Int16Array(end - start);
        for (const part of held) {
          const from = Math.max(start, part.start);
          const to = Math.min(end, part.start + part.samples.length);
          if (from < to) samples.set(part.samples.subarray(from - part.start, to - part.start), from - start);
        }
        return { startMs: start / SAMPLES_PER_MS, endMs: end / SAMPLES_PER_MS, samples };
      };
      const forgetBefore = (index: number) => {
        held = held.filter((part) => part.start + part.samples.length > index);
      };

      return {
        accept(samples) {
          if (record.finished) throw new Error('this scripted VAD session is finished; start a new one');
          const chunkStart = fed;
          fed += samples.length;
          record.samplesSeen += samples.length;
          samplesSeen += samples.length;
          const keepFrom = ranges[next]?.start ?? fed;
          if (keepFrom < fed) {
            const from = Math.max(keepFrom, chunkStart);
            held.push({ start: from, samples: samples.slice(from - chunkStart) });
          }
          const out: SpeechSegment[] = [];
          for (let range = ranges[next]; range && range.end <= fed; range = ranges[next]) {
            out.push(cut(range.start, range.end));
            next += 1;
            forgetBefore(ranges[next]?.start ?? fed);
          }
          return out;
        },
        finish() {
          if (record.finished) return [];
          record.finished = true;
          const open = ranges[next];
          const out = open && open.start < fed ? [cut(open.start, fed)] : [];
          held = [];
          return out;
        },
      };
    },
  };
}
