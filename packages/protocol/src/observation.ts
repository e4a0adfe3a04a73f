import { z } from 'zod';
import { TimestampSchema, UlidSchema } from './ids.ts';

/** The kinds of observation the timeline holds. */
export const ModalitySchema = z.enum(['utterance', 'frame', 'note', 'chat', 'location', 'event']);
export type Modality = z.infer<typeof ModalitySchema>;

/** Who the text came from: typed by the person (`authored`) or perceived by a device or engine (`perceived`). */
export const TrustSchema = z.enum(['authored', 'perceived']);
export type Trust = z.infer<typeof TrustSchema>;

/** Which engine produced a perceived observation. */
export const ProvenanceSchema = z.strictObject({
  engine: z.string().min(1).max(200),
  model: z.string().max(200).optional(),
  version: z.string().max(100).optional(),
});
export type Provenance = z.infer<typeof ProvenanceSchema>;

/** What perception adds to an observation: word timings and who spoke, when the engines give them. */
export const ObservationDetailsSchema = z.object({
  words: z
    .array(
      z.object({
        word: z.string(),
        startMs: z.number(),
        endMs: z.number(),
        confidence: z.number().optional(),
      }),
    )
    .optional(),
  /** `unknown` unless the speaker was identified with an enrolled voice; never a guess. */
  speaker: z.object({ label: z.string(), personId: z.string().nullable() }).optional(),
  /** Where in the capture the observation comes from, in ms from the capture's start. */
  span: z.object({ startMs: z.number(), endMs: z.number() }).optional(),
  /** For a kept frame: how many near-identical frames it stands for (itself included) and when the last was seen. */
  frames: z.object({ count: z.number().int().positive(), lastAt: z.number() }).optional(),
  /** What a frame showed: object labels, how many faces, and the people named (enrolled with consent only). */
  seen: z
    .object({
      objects: z.array(z.string()),
      faces: z.number().int().nonnegative(),
      people: z.array(z.string()),
    })
    .optional(),
});
export type ObservationDetails = z.infer<typeof ObservationDetailsSchema>;

/** The most text one observation may carry (characters). */
export const MAX_OBSERVATION_TEXT = 65_536;

/**
 * An observation as a client sends it. Server-set fields (`userId`, `deviceId`, `receivedAt`, `trust`) are
 * rejected here: a client can never choose them.
 */
export const ObservationInputSchema = z.strictObject({
  id: UlidSchema,
  modality: ModalitySchema,
  capturedAt: TimestampSchema,
  text: z.string().max(MAX_OBSERVATION_TEXT),
  captureId: UlidSchema.optional(),
  provenance: ProvenanceSchema.optional(),
  /** Who said it, when the source names them (a transcript, a chat log); stored as the observation's speaker. */
  speaker: z.string().trim().min(1).max(200).optional(),
});
export type ObservationInput = z.infer<typeof ObservationInputSchema>;

/** An observation as the server stores and returns it. */
export const ObservationSchema = z.object({
  id: z.string(),
  userId: z.string(),
  deviceId: z.string().nullable(),
  modality: ModalitySchema,
  capturedAt: TimestampSchema,
  receivedAt: TimestampSchema,
  text: z.string(),
  captureId: z.string().nullable(),
  provenance: ProvenanceSchema.nullable(),
  trust: TrustSchema,
  /** The device's own clock for `capturedAt` before skew correction (device stream only). */
  deviceCapturedAt: TimestampSchema.nullable().default(null),
  /** Word timings, speaker and span from perception, or null. */
  details: ObservationDetailsSchema.nullable().default(null),
});
export type Observation = z.infer<typeof ObservationSchema>;

const AUTHORED_MODALITIES: ReadonlySet<Modality> = new Set(['note', 'chat']);

/** Derives trust from the modality alone: only text a person typed (notes, chat) is `authored`. */
export function trustFor(modality: Modality): Trust {
  return AUTHORED_MODALITIES.has(modality) ? 'authored' : 'perceived';
}
