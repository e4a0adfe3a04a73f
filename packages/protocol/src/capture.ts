import { z } from 'zod';
import { TimestampSchema } from './ids.ts';

/** The kinds of raw media a device captures. */
export const CaptureKindSchema = z.enum(['audio', 'image', 'video']);
export type CaptureKind = z.infer<typeof CaptureKindSchema>;

/** Where a capture stands in perception. */
export const CaptureStatusSchema = z.enum(['pending', 'processed', 'failed']);
export type CaptureStatus = z.infer<typeof CaptureStatusSchema>;

/** A raw media item (kept as a blob); observations are what perception derives from it. */
export const CaptureSchema = z.object({
  id: z.string(),
  userId: z.string(),
  deviceId: z.string().nullable(),
  kind: CaptureKindSchema,
  mediaType: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string(),
  capturedAt: TimestampSchema,
  receivedAt: TimestampSchema,
  status: CaptureStatusSchema,
  error: z.string().nullable(),
  /** The device's own clock for `capturedAt` before skew correction (device stream only). */
  deviceCapturedAt: TimestampSchema.nullable().default(null),
  /** The device stream and sequence number it arrived on (device stream only). */
  streamId: z.string().nullable().default(null),
  streamSeq: z.number().int().nullable().default(null),
});
export type Capture = z.infer<typeof CaptureSchema>;

/** Maps a media type (`image/jpeg`) to a capture kind, or null when Familiar does not take it. */
export function captureKindFor(mediaType: string): CaptureKind | null {
  const type = mediaType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('audio/')) return 'audio';
  if (type.startsWith('video/')) return 'video';
  return null;
}
