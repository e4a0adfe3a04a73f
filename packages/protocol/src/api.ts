import { z } from 'zod';
import { TimestampSchema, UlidSchema } from './ids.ts';
import { ModalitySchema, ObservationInputSchema, ObservationSchema } from './observation.ts';

/** The most observations one `POST /v1/observations` batch may carry. */
export const MAX_BATCH = 1000;

/** `POST /v1/observations` body: all-or-nothing, idempotent by id. */
export const PostObservationsRequestSchema = z.strictObject({
  observations: z.array(ObservationInputSchema).min(1).max(MAX_BATCH),
});
export type PostObservationsRequest = z.infer<typeof PostObservationsRequestSchema>;

/**
 * `POST /v1/observations` answer: the stored ids, in request order; while capture is paused, perceived
 * observations from a device are not stored and their ids are listed in `discarded` instead.
 */
export const PostObservationsResponseSchema = z.object({
  ids: z.array(z.string()),
  discarded: z.array(z.string()).optional(),
});
export type PostObservationsResponse = z.infer<typeof PostObservationsResponseSchema>;

/** `GET /v1/observations` query: a time range, a modality and a page. */
export const ListObservationsQuerySchema = z.strictObject({
  from: TimestampSchema.optional(),
  to: TimestampSchema.optional(),
  modality: ModalitySchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
});
export type ListObservationsQuery = z.infer<typeof ListObservationsQuerySchema>;

/** `GET /v1/observations` answer; `nextCursor` is null on the last page. */
export const ListObservationsResponseSchema = z.object({
  observations: z.array(ObservationSchema),
  nextCursor: z.string().nullable(),
});
export type ListObservationsResponse = z.infer<typeof ListObservationsResponseSchema>;

/** `POST /v1/ask` body. */
export const AskRequestSchema = z.strictObject({
  question: z.string().trim().min(1, 'question must not be empty').max(2000),
  limit: z.number().int().min(1).max(20).optional(),
});
export type AskRequest = z.infer<typeof AskRequestSchema>;

/** One moment an answer came from. `mediaUrl` is a short-lived signed link when the moment has raw media. */
export const CitationSchema = z.object({
  id: z.string(),
  capturedAt: TimestampSchema,
  text: z.string(),
  modality: ModalitySchema,
  mediaUrl: z.string().optional(),
});
export type Citation = z.infer<typeof CitationSchema>;

/** `POST /v1/ask` answer; `model` is null when no language model is configured and the answer is extractive. */
export const AskResponseSchema = z.object({
  answer: z.string(),
  citations: z.array(CitationSchema),
  model: z.string().nullable(),
});
export type AskResponse = z.infer<typeof AskResponseSchema>;

/** `POST /v1/captures` answer and `GET /v1/captures/:id` shape adds a signed media link. */
export const CaptureCreatedResponseSchema = z.object({
  id: UlidSchema,
  sha256: z.string(),
  status: z.string(),
});

/** `POST /v1/privacy` body: pause or resume capture for all of the user's devices. */
export const PrivacyRequestSchema = z.strictObject({ paused: z.boolean() });

/** Every error the API returns has this shape; `code` is stable, `message` is for people. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
