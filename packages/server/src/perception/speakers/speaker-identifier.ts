import {
  type Clock,
  createUlidGenerator,
  FamiliarError,
  type IdGenerator,
  systemClock,
  ValidationError,
} from '../../kernel/index.ts';
import type { PeopleStore } from '../../memory/index.ts';
import { PERCEPTION_SAMPLE_RATE, type SpeakerEmbedder, type SpeakerMatch } from '../ports.ts';
import type { Voiceprint, VoiceprintStore } from './voiceprint-store.ts';

/** Who spoke, and whether that person asked not to be transcribed. */
export type IdentifiedSpeaker = SpeakerMatch & { optedOut: boolean };

/** Shortest enrolment sample: shorter ones make voiceprints that match poorly. */
export const MIN_ENROLL_SAMPLES = 3 * PERCEPTION_SAMPLE_RATE;
/** Shortest segment worth identifying: shorter ones are labelled `unknown` without trying. */
export const MIN_IDENTIFY_SAMPLES = PERCEPTION_SAMPLE_RATE;
/** Enrolment samples quieter than this (RMS of 16-bit samples, about −60 dBFS) hold no voice to learn. */
const SILENCE_RMS = 33;

/** Status line while no speaker-embedding model is configured. */
export const NO_SPEAKER_MODEL_STATUS =
  'unknown for everyone: no speaker-embedding model configured (FAMILIAR_SPEAKER_MODEL); voices are never guessed';

const UNKNOWN: IdentifiedSpeaker = { label: 'unknown', personId: null, score: 0, optedOut: false };

/** Cosine similarity; 0 when either vector is all zeros or their lengths differ. */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i += 1) {
    dot += a[i]! * b[i]!;
    normA += a[i]! * a[i]!;
    normB += b[i]! * b[i]!;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return samples.length === 0 ? 0 : Math.sqrt(sum / samples.length);
}

/**
 * Says who spoke a segment by comparing its voice embedding with the user's enrolled voiceprints of the same
 * model (cosine similarity): the best match at or above `threshold` names the wearer or a person from the people
 * registry, with their opt-out; anything else is `unknown`. It never guesses: without a model, without
 * voiceprints, for segments under a second or below the threshold, the answer is `unknown`.
 */
export function createSpeakerIdentifier(deps: {
  /** null while no model is configured: every segment is then `unknown` and enrolment is refused. */
  embedder: SpeakerEmbedder | null;
  voiceprints: VoiceprintStore;
  people: PeopleStore;
  /** Lowest cosine similarity that counts as the same voice (0–1). */
  threshold: number;
  /** Checks the model without loading it, for `describe` (the sherpa-onnx embedder's `inspect`). */
  checkModel?: () => Promise<unknown>;
  clock?: Clock;
  newId?: IdGenerator;
}) {
  const {
    embedder,
    voiceprints,
    people,
    threshold,
    checkModel,
    clock = systemClock,
    newId = createUlidGenerator(),
  } = deps;
  if (!(threshold > 0 && threshold <= 1))
    throw new ValidationError(`the speaker threshold must be above 0 and at most 1, not ${threshold}`);

  const needModel = () =>
    new FamiliarError(
      'validation_failed',
      'voice enrolment needs a speaker-embedding model: set FAMILIAR_SPEAKER_MODEL to a sherpa-onnx speaker-embedding .onnx (a 3D-Speaker, WeSpeaker or NeMo export)',
    );

  return {
    /** The model voiceprints are made and matched with; null while none is configured. */
    model: embedder?.name ?? null,

    async identify(userId: string, samples: Int16Array): Promise<IdentifiedSpeaker> {
      if (!embedder || samples.length < MIN_IDENTIFY_SAMPLES) return UNKNOWN;
      const enrolled = await voiceprints.list(userId, embedder.name);
      if (enrolled.length === 0) return UNKNOWN;
      const vector = await embedder.embed(samples);
      let best: { voiceprint: Voiceprint; score: number } | null = null;
      for (const voiceprint of enrolled) {
        const score = cosineSimilarity(vector, voiceprint.vector);
        if (!best || score > best.score) best = { voiceprint, score };
      }
      if (!best || best.score < threshold) return { ...UNKNOWN, score: Math.max(0, best?.score ?? 0) };
      const { personId } = best.voiceprint;
      if (personId === null) return { label: 'wearer', personId: null, score: best.score, optedOut: false };
      const person = (await people.list(userId)).find((p) => p.id === personId);
      if (!person) return { ...UNKNOWN, score: best.score };
      return { label: person.name, personId, score: best.score, optedOut: person.optedOut };
    },

    /**
     * Enrols a voice from at least 3 s of the speaker alone: the wearer's without `personName`, else that of a
     * person already in the people registry. Bad input is refused and stores nothing.
     */
    async enroll(userId: string, sample: { samples: Int16Array; personName?: string }): Promise<Voiceprint> {
      if (!embedder) throw needModel();
      const { samples } = sample;
      const seconds = samples.length / PERCEPTION_SAMPLE_RATE;
      if (samples.length < MIN_ENROLL_SAMPLES)
        throw new ValidationError(
          `the sample is ${seconds.toFixed(1)} s long; enrolment needs at least ${MIN_ENROLL_SAMPLES / PERCEPTION_SAMPLE_RATE} s of the speaker talking alone`,
        );
      if (rms(samples) < SILENCE_RMS)
        throw new ValidationError('the sample is silent: record the speaker talking, at least 3 s');
      let person: { id: string; name: string } | null = null;
      if (sample.personName !== undefined) {
        const name = sample.personName.trim();
        person = name === '' ? null : await people.find(userId, name);
        if (!person)
          throw new FamiliarError(
            'not_found',
            `no person named "${name}": add them first with \`familiar people add "${name}"\``,
          );
      }
      const vector = await embedder.embed(samples);
      return voiceprints.add({
        id: newId(),
        userId,
        personId: person?.id ?? null,
        label: person?.name ?? 'wearer',
        model: embedder.name,
        dimension: vector.length,
        vector,
        createdAt: clock.now(),
      });
    },

    /** Every voiceprint of the user, of any model (those of another model are never matched). */
    list(userId: string): Promise<Voiceprint[]> {
      return voiceprints.list(userId);
    },

    /** Removes one of the user's voiceprints; `not_found` when the user has none with this id. */
    async remove(userId: string, id: string): Promise<void> {
      if (!(await voiceprints.remove(userId, id)))
        throw new FamiliarError('not_found', `voiceprint ${id} was not found`, { details: { id } });
    },

    /** One line for `familiar status`: the model and how many voiceprints it can match, or why none. */
    async describe(userIds: readonly string[]): Promise<string> {
      if (!embedder) return NO_SPEAKER_MODEL_STATUS;
      try {
        await checkModel?.();
      } catch (error) {
        return `not usable: ${(error as Error).message}. Audio is not transcribed while voices are enrolled (opt-outs could not be honoured)`;
      }
      let count = 0;
      for (const userId of userIds) count += (await voiceprints.list(userId, embedder.name)).length;
      const enrolHint = count === 0 ? ' (enrol one with `familiar voice enroll <file.wav>`)' : '';
      return `${embedder.name}, ${count} voiceprint${count === 1 ? '' : 's'}${enrolHint}`;
    },
  };
}

/** The speaker identification service's type. */
export type SpeakerIdentifier = ReturnType<typeof createSpeakerIdentifier>;
