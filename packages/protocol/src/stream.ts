import { z } from 'zod';
import { AskResponseSchema } from './api.ts';
import { ChatRequestSchema, ChatResponseSchema, PendingActionSchema } from './assistant.ts';
import { ObservationInputSchema } from './observation.ts';

/** Version of the device-stream protocol (`GET /v1/stream`); sent in `hello` and `welcome`. */
export const STREAM_PROTOCOL_VERSION = 1;

/** Path of the device stream WebSocket. */
export const STREAM_PATH = '/v1/stream';

/** Largest WebSocket message the server takes (a frame or an audio chunk with its header). */
export const MAX_STREAM_MESSAGE_BYTES = 4 * 1024 * 1024;

/** The baseline audio format: 16 kHz, mono, signed 16-bit little-endian PCM. */
export const PCM16_MEDIA_TYPE = 'audio/pcm;rate=16000;channels=1;format=s16le';

/** Media types of binary messages, by their one-byte code in the header. */
export const STREAM_MEDIA_TYPES = {
  1: PCM16_MEDIA_TYPE,
  2: 'image/jpeg',
  3: 'image/png',
  4: 'image/webp',
} as const;
export type StreamMediaCode = keyof typeof STREAM_MEDIA_TYPES;
export type StreamMediaType = (typeof STREAM_MEDIA_TYPES)[StreamMediaCode];

/** First byte of every binary message. */
export const MEDIA_MESSAGE_MAGIC = 0xfa;
/** Version of the binary header layout. */
export const MEDIA_HEADER_VERSION = 1;
/** Bytes of the fixed part of the header (the stream id follows it). */
export const MEDIA_HEADER_FIXED_BYTES = 16;

/** A stream id: 1–64 characters of letters, digits, dot, dash and underscore. */
export const StreamIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'a stream id is 1-64 of A-Z a-z 0-9 . _ -');

/** A sequence number: 1, 2, 3… per stream, never reused. */
export const SequenceSchema = z.number().int().min(1).max(0xffffffff);

/** One binary media message: which stream, its sequence number, when the device captured it, and the bytes. */
export interface MediaMessage {
  streamId: string;
  seq: number;
  /** Device clock, epoch milliseconds, when the first sample or the frame was captured. */
  deviceTime: number;
  mediaType: StreamMediaType;
  payload: Uint8Array;
}

const CODE_BY_TYPE = new Map<string, StreamMediaCode>(
  Object.entries(STREAM_MEDIA_TYPES).map(([code, type]) => [type, Number(code) as StreamMediaCode]),
);

/**
 * Encodes a media message: magic 0xFA, header version, media code, stream id length (u8), sequence (u32 BE),
 * device time (f64 BE, epoch ms), the stream id (ASCII), then the payload.
 */
export function encodeMediaMessage(message: MediaMessage): Uint8Array {
  const code = CODE_BY_TYPE.get(message.mediaType);
  if (code === undefined) throw new Error(`unsupported media type ${message.mediaType}`);
  const streamId = StreamIdSchema.parse(message.streamId);
  SequenceSchema.parse(message.seq);
  const out = new Uint8Array(MEDIA_HEADER_FIXED_BYTES + streamId.length + message.payload.byteLength);
  const view = new DataView(out.buffer);
  view.setUint8(0, MEDIA_MESSAGE_MAGIC);
  view.setUint8(1, MEDIA_HEADER_VERSION);
  view.setUint8(2, code);
  view.setUint8(3, streamId.length);
  view.setUint32(4, message.seq);
  view.setFloat64(8, message.deviceTime);
  for (let i = 0; i < streamId.length; i += 1) out[MEDIA_HEADER_FIXED_BYTES + i] = streamId.charCodeAt(i);
  out.set(message.payload, MEDIA_HEADER_FIXED_BYTES + streamId.length);
  return out;
}

/** Decodes a media message, or says exactly what is wrong with its header. */
export function decodeMediaMessage(
  bytes: Uint8Array,
): { ok: true; message: MediaMessage } | { ok: false; reason: string } {
  if (bytes.byteLength < MEDIA_HEADER_FIXED_BYTES)
    return { ok: false, reason: `a media message needs at least ${MEDIA_HEADER_FIXED_BYTES} header bytes` };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint8(0) !== MEDIA_MESSAGE_MAGIC)
    return { ok: false, reason: 'a media message starts with the byte 0xFA' };
  if (view.getUint8(1) !== MEDIA_HEADER_VERSION)
    return {
      ok: false,
      reason: `media header version ${view.getUint8(1)} is not supported (expected ${MEDIA_HEADER_VERSION})`,
    };
  const code = view.getUint8(2) as StreamMediaCode;
  const mediaType = STREAM_MEDIA_TYPES[code];
  if (!mediaType)
    return { ok: false, reason: `media code ${code} is unknown (1 PCM16 audio, 2 JPEG, 3 PNG, 4 WebP)` };
  const idLength = view.getUint8(3);
  if (idLength < 1 || idLength > 64 || bytes.byteLength < MEDIA_HEADER_FIXED_BYTES + idLength) {
    return { ok: false, reason: 'the stream id length is outside 1-64 or past the end of the message' };
  }
  let streamId = '';
  for (let i = 0; i < idLength; i += 1) streamId += String.fromCharCode(bytes[MEDIA_HEADER_FIXED_BYTES + i]!);
  if (!StreamIdSchema.safeParse(streamId).success)
    return { ok: false, reason: 'the stream id has characters outside A-Z a-z 0-9 . _ -' };
  const seq = view.getUint32(4);
  if (seq < 1) return { ok: false, reason: 'sequence numbers start at 1' };
  const deviceTime = view.getFloat64(8);
  if (!Number.isFinite(deviceTime) || deviceTime < 0 || deviceTime > 8.64e15)
    return { ok: false, reason: 'the device time is not an epoch millisecond value' };
  const payload = bytes.subarray(MEDIA_HEADER_FIXED_BYTES + idLength);
  if (payload.byteLength === 0) return { ok: false, reason: 'the media payload is empty' };
  if (code === 1 && payload.byteLength % 2 !== 0)
    return { ok: false, reason: 'PCM16 audio needs an even number of bytes' };
  return { ok: true, message: { streamId, seq, deviceTime, mediaType, payload } };
}

const DeviceTimeSchema = z.number().finite().min(0).max(8.64e15);

/** What a device can send, announced in `hello`. */
export const CapabilitiesSchema = z.object({
  audio: z.object({ mediaType: z.literal(PCM16_MEDIA_TYPE) }).optional(),
  frames: z.object({ mediaTypes: z.array(z.enum(['image/jpeg', 'image/png', 'image/webp'])) }).optional(),
  speaker: z.boolean().optional(),
  display: z.boolean().optional(),
});

/** JSON messages a device sends. `hello` must come first; nothing else is accepted before it. */
export const ClientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('hello'),
    protocol: z.literal(STREAM_PROTOCOL_VERSION),
    token: z.string().min(1).max(200),
    deviceTime: DeviceTimeSchema,
    capabilities: CapabilitiesSchema.optional(),
  }),
  z.strictObject({ type: z.literal('ping'), id: z.string().max(64), deviceTime: DeviceTimeSchema }),
  z.strictObject({ type: z.literal('pong'), id: z.string().max(64), deviceTime: DeviceTimeSchema }),
  z.strictObject({
    type: z.literal('observation'),
    stream: StreamIdSchema,
    seq: SequenceSchema,
    observation: ObservationInputSchema,
  }),
  z.strictObject({ type: z.literal('pause') }),
  z.strictObject({ type: z.literal('resume-capture') }),
  z.strictObject({
    type: z.literal('ask'),
    id: z.string().max(64),
    question: z.string().trim().min(1).max(2000),
  }),
  /**
   * One assistant turn (as `POST /v1/chat`): answered with `chat-delta` pieces, then `chat-reply` (or an `error`
   * with this id). External actions it proposes come back in `chat-reply.pendingActions`, waiting for `decide`.
   */
  z.strictObject({
    type: z.literal('chat'),
    id: z.string().min(1).max(64),
    ...ChatRequestSchema.shape,
  }),
  /** The person's yes or no to a pending action (as `familiar confirm|reject`); answered with `action` or `error`. */
  z.strictObject({
    type: z.literal('decide'),
    id: z.string().min(1).max(64),
    actionId: z.string().min(1).max(64),
    decision: z.enum(['confirm', 'reject']),
  }),
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

/** The capture state every device of a user shows (a recording indicator). */
export const CaptureStateSchema = z.object({
  paused: z.boolean(),
  /** When the state last changed (ISO), or null if it never did. */
  since: z.string().nullable(),
  /** Who changed it: `device:<id>` or `cli`. */
  by: z.string().nullable(),
});
export type CaptureState = z.infer<typeof CaptureStateSchema>;

/** JSON messages the server sends. */
export const ServerMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    protocol: z.literal(STREAM_PROTOCOL_VERSION),
    deviceId: z.string(),
    userId: z.string(),
    serverTime: z.number(),
    clockOffsetMs: z.number(),
    captureState: CaptureStateSchema,
    /** The last sequence number stored for each stream of this device: resend everything after it. */
    streams: z.record(z.string(), z.number().int().nonnegative()),
    window: z.object({
      maxInFlight: z.number().int().positive(),
      maxInFlightBytes: z.number().int().positive(),
    }),
    maxMessageBytes: z.number().int().positive(),
  }),
  z.object({
    type: z.literal('ack'),
    stream: z.string(),
    seq: z.number().int(),
    /** The stored capture or observation, absent when the message was discarded or a duplicate. */
    id: z.string().optional(),
    discarded: z.boolean().optional(),
    duplicate: z.boolean().optional(),
    /** Set when the item could not be stored and resending will not help (e.g. `id_conflict`); see `error`. */
    rejected: z.string().optional(),
  }),
  z.object({
    type: z.literal('slow-down'),
    suggestedMessagesPerSecond: z.number().nonnegative(),
    retryAfterMs: z.number().int().nonnegative(),
    reason: z.string(),
  }),
  z.object({ type: z.literal('ping'), id: z.string(), serverTime: z.number() }),
  z.object({ type: z.literal('pong'), id: z.string(), deviceTime: z.number(), serverTime: z.number() }),
  z.object({ type: z.literal('capture-state'), ...CaptureStateSchema.shape }),
  z.object({
    type: z.literal('notification'),
    id: z.string(),
    title: z.string(),
    body: z.string(),
    at: z.string(),
  }),
  /** A piece of the answer to the `ask` with this id, in order; the `answer` message that follows holds it all. */
  z.object({ type: z.literal('answer-delta'), id: z.string(), text: z.string() }),
  z.object({ type: z.literal('answer'), id: z.string(), ...AskResponseSchema.shape }),
  /** A piece of the reply to the `chat` with this id, in order; the `chat-reply` that follows holds it all. */
  z.object({ type: z.literal('chat-delta'), id: z.string(), text: z.string() }),
  /**
   * The reply to the `chat` with this id, as `POST /v1/chat` answers it; `pendingActions` are the external actions it
   * proposed, with their exact arguments and summary: show them and send `decide` with the person's answer.
   */
  z.object({ type: z.literal('chat-reply'), id: z.string(), ...ChatResponseSchema.shape }),
  /**
   * The answer to the `decide` with this id: the action after the decision (`done` or `failed` with its `result`
   * after a confirm, `rejected` after a reject). The action is nested because it has an `id` of its own.
   */
  z.object({ type: z.literal('action'), id: z.string(), action: PendingActionSchema }),
  z.object({
    type: z.literal('error'),
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
    /**
     * The request this error ends, when it is about one: an `ask` (that gets no `answer`), a `chat` (no
     * `chat-reply`) or a `decide` (no `action`).
     */
    id: z.string().optional(),
    /** True when the server closes the socket after this error. */
    fatal: z.boolean(),
  }),
]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;

/** WebSocket close codes the server uses, with the matching `error` code sent just before. */
export const STREAM_CLOSE_CODES = {
  /** Normal shutdown of the server. */
  server_shutdown: 1001,
  /** A message over `maxMessageBytes`. */
  message_too_large: 1009,
  /** The server could not store a message: reconnect and resend from `welcome.streams`. */
  storage_failed: 1011,
  /** Not JSON, an unknown or invalid message, a malformed media header, or anything before `hello`. */
  bad_message: 4400,
  /** A missing, unknown or revoked token in `hello`. */
  unauthorized: 4401,
  /** No `hello` within the time allowed. */
  hello_timeout: 4408,
  /** A sequence number skipped ahead: reconnect and resend from `welcome.streams`. */
  sequence_gap: 4409,
  /** The device connected again elsewhere; this older socket is closed. */
  replaced: 4410,
} as const;
export type StreamErrorCode = keyof typeof STREAM_CLOSE_CODES;
