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
  /** The number the answer's text uses for this moment, as `[ref]` (its place among the retrieved moments). */
  ref: z.number().int().positive().optional(),
});
export type Citation = z.infer<typeof CitationSchema>;

/** An episode as answers and `/v1/episodes` show it. */
export const EpisodeSummarySchema = z.object({
  id: z.string(),
  startedAt: TimestampSchema,
  endedAt: TimestampSchema,
  title: z.string(),
  summary: z.string(),
  observationCount: z.number().int().nonnegative(),
  edited: z.boolean(),
});
export type EpisodeSummary = z.infer<typeof EpisodeSummarySchema>;

/**
 * `POST /v1/ask` answer. `model` is the id of the model that wrote it (`<provider>:<name>`), or null when the answer
 * is extractive (no model configured, or none could answer; the text then says why).
 */
export const AskResponseSchema = z.object({
  answer: z.string(),
  citations: z.array(CitationSchema),
  model: z.string().nullable(),
  /** The episodes the answer draws on (for a question about a time only: that time's episodes). */
  episodes: z.array(EpisodeSummarySchema).default([]),
  /** The time the question was understood to be about, in the user's timezone, or null. */
  time: z
    .object({ from: TimestampSchema.nullable(), to: TimestampSchema.nullable(), phrase: z.string() })
    .nullable()
    .default(null),
});
export type AskResponse = z.infer<typeof AskResponseSchema>;

/** What retrieval found, sent before the answer's text: every moment numbered as the answer will cite it. */
export const AskRetrievedSchema = z.object({
  citations: z.array(CitationSchema),
  episodes: z.array(EpisodeSummarySchema),
  time: AskResponseSchema.shape.time,
});
export type AskRetrieved = z.infer<typeof AskRetrievedSchema>;

/**
 * One Server-Sent Event of `POST /v1/ask` with `Accept: text/event-stream`: `event` is the SSE event name and `data`
 * its JSON. Order: `retrieved`, zero or more `delta` (the answer's text in pieces), then `done` (the whole answer,
 * as the JSON response would be) or `error`.
 */
export const AskStreamEventSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('retrieved'), data: AskRetrievedSchema }),
  z.object({ event: z.literal('delta'), data: z.object({ text: z.string() }) }),
  z.object({ event: z.literal('done'), data: AskResponseSchema }),
  z.object({ event: z.literal('error'), data: z.object({ code: z.string(), message: z.string() }) }),
]);
export type AskStreamEvent = z.infer<typeof AskStreamEventSchema>;

/** `POST /v1/captures` answer and `GET /v1/captures/:id` shape adds a signed media link. */
export const CaptureCreatedResponseSchema = z.object({
  id: UlidSchema,
  sha256: z.string(),
  status: z.string(),
});

/** `POST /v1/privacy` body: pause or resume capture for all of the user's devices. */
export const PrivacyRequestSchema = z.strictObject({ paused: z.boolean() });

/** One configured language model as `GET /v1/settings/models` lists it, in the order the router tries them. */
export const ModelSettingsModelSchema = z.object({
  /** `<providerId>:<name>`, as in familiar.config.json's models.allowPrivate and in the audit log. */
  id: z.string(),
  /** In the server's process, a server on the same machine (loopback), or a provider's cloud. */
  runsOn: z.enum(['in-process', 'local-server', 'cloud']),
  /** True unless it runs in the cloud. */
  local: z.boolean(),
  /** Whether the model catalog lists its weights as open (false for a model the catalog does not know). */
  openWeights: z.boolean(),
  /** The id of its model catalog entry, or null when the catalog does not know it. */
  catalogEntry: z.string().nullable(),
  /** The tasks familiar.config.json prefers it for. */
  tasks: z.array(z.string()),
});
export type ModelSettingsModel = z.infer<typeof ModelSettingsModelSchema>;

/**
 * `GET /v1/settings/models` (and the answer of `PATCH`): whether only open-weights models may take this person's
 * calls, whether familiar.config.json's models.openOnly holds it on for everyone (then it cannot be turned off
 * here), and the configured models.
 */
export const ModelSettingsSchema = z.object({
  openOnly: z.boolean(),
  lockedByConfig: z.boolean(),
  models: z.array(ModelSettingsModelSchema),
});
export type ModelSettings = z.infer<typeof ModelSettingsSchema>;

/** `PATCH /v1/settings/models` body: turn this person's "Open models only" switch on or off. */
export const PatchModelSettingsRequestSchema = z.strictObject(
  { openOnly: z.boolean({ message: 'openOnly is true or false' }) },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown setting ${issue.keys.join(', ')}: the body is {"openOnly": true} or {"openOnly": false}`
        : undefined,
  },
);
export type PatchModelSettingsRequest = z.infer<typeof PatchModelSettingsRequestSchema>;

/** One engine as `GET /v1/server` describes it: whether this server has it, and what that means for your data. */
export const ServerEngineSchema = z.object({
  /** True when the engine is installed and configured, so it runs on what you send. */
  available: z.boolean(),
  /** The engine in use as the server names it (version, where it runs, how accurate); null when there is none. */
  name: z.string().nullable(),
  /** What it does with your data, or, when it is missing, what happens to your data without it. */
  detail: z.string(),
  /** What the server's operator installs or sets to get it; null when it is available. */
  howToInstall: z.string().nullable(),
});
export type ServerEngine = z.infer<typeof ServerEngineSchema>;

/**
 * `GET /v1/server`: what this server can do for the caller. The engines that perceive and understand what devices
 * send, the model an ask of theirs would go to, how long raw audio and observations are kept, and whether data is
 * encrypted at rest. Nothing about other users, no paths and no key material.
 */
export const ServerFactsSchema = z.object({
  /** The server's version. */
  version: z.string(),
  engines: z.object({
    /** Speech to text; without it audio is stored and waits, queued, until a recognizer is installed. */
    speechRecognition: ServerEngineSchema,
    /** Finds speech in audio (Silero VAD). */
    voiceActivity: ServerEngineSchema,
    /** OCR of frames. */
    textReading: ServerEngineSchema,
    /** Objects and faces in frames (faces are blurred in what is kept). */
    objectsAndFaces: ServerEngineSchema,
    /** Frame captions by a vision model; without one, captions are built from the text and objects found. */
    captions: ServerEngineSchema,
    /** Vectors for search by meaning; without them, search is full-text only. */
    embeddings: ServerEngineSchema,
    /** The content guard (Llama Guard) on asks and chat. */
    guard: ServerEngineSchema,
  }),
  models: z.object({
    /** Where a private ask of the caller's goes now (their "Open models only" switch included), or null and why. */
    ask: z.object({ choice: z.string().nullable(), reason: z.string() }),
  }),
  retention: z.object({
    /** Days raw audio is kept once transcribed; null keeps it forever. Transcripts stay. */
    audioDays: z.number().positive().nullable(),
    /** Days each modality's observations are kept; a modality not listed is kept forever. */
    observationDays: z.partialRecord(ModalitySchema, z.number().positive()),
  }),
  encryption: z.object({
    /** True when Familiar encrypts what it stores (FAMILIAR_KEY or FAMILIAR_KEY_FILE is set). */
    atRest: z.boolean(),
    /** The SQLite database is encrypted (false on PostgreSQL, whose server encrypts its own disk, or not). */
    database: z.boolean(),
    /** Media files (audio, frames) are encrypted. */
    media: z.boolean(),
    /** The setting the key comes from (never the key, nor where its file is); null when there is none. */
    keyFrom: z.enum(['FAMILIAR_KEY', 'FAMILIAR_KEY_FILE']).nullable(),
    /** One line about it, for people. */
    detail: z.string(),
    /** What the server's operator sets to turn it on; null when it is on. */
    howToEnable: z.string().nullable(),
  }),
});
export type ServerFacts = z.infer<typeof ServerFactsSchema>;

/** Every error the API returns has this shape; `code` is stable, `message` is for people. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** A fact as `/v1/facts` shows it: a claim, where it came from, and whether a newer one replaced it. */
export const FactSchema = z.object({
  id: z.string(),
  kind: z.string(),
  subject: z.string(),
  predicate: z.string(),
  object: z.string(),
  /** Facts with the same slot and another object contradict (the newer supersedes); null for many-valued facts. */
  slot: z.string().nullable(),
  statement: z.string(),
  validFrom: TimestampSchema.nullable(),
  validTo: TimestampSchema.nullable(),
  observedAt: TimestampSchema,
  trust: z.enum(['authored', 'perceived']),
  confidence: z.number(),
  origin: z.enum(['extracted', 'model', 'person']),
  status: z.enum(['active', 'superseded']),
  supersededBy: z.string().nullable(),
  personId: z.string().nullable(),
  /** The observations it was derived from. */
  sources: z.array(z.string()),
});
export type FactWire = z.infer<typeof FactSchema>;

/** `PATCH /v1/facts/:id`: the person's correction (the old fact is kept, superseded by the corrected one). */
export const PatchFactRequestSchema = z
  .strictObject({
    object: z.string().trim().min(1).max(500).optional(),
    statement: z.string().trim().min(1).max(1000).optional(),
    validFrom: TimestampSchema.nullable().optional(),
    validTo: TimestampSchema.nullable().optional(),
  })
  .refine(
    (body) => Object.keys(body).length > 0,
    'name at least one of object, statement, validFrom, validTo',
  );
export type PatchFactRequest = z.infer<typeof PatchFactRequestSchema>;

/** `PATCH /v1/episodes/:id`: the person's own title or summary (kept when the timeline is re-segmented). */
export const PatchEpisodeRequestSchema = z
  .strictObject({
    title: z.string().trim().min(1).max(200).optional(),
    summary: z.string().trim().max(2000).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'name at least one of title, summary');
export type PatchEpisodeRequest = z.infer<typeof PatchEpisodeRequestSchema>;

/** A date that matters about a person: "YYYY-MM-DD", or "--MM-DD" when the year is unknown. */
export const ImportantDateSchema = z.strictObject({
  label: z.string().trim().min(1).max(100),
  date: z.string().regex(/^(\d{4}|--)-?\d{2}-\d{2}$/, 'date must be YYYY-MM-DD or --MM-DD'),
});

/** A person as `/v1/people` shows them. */
export const PersonSchema = z.object({
  id: z.string(),
  name: z.string(),
  aliases: z.array(z.string()),
  optedOut: z.boolean(),
  relationship: z.string().nullable(),
  importantDates: z.array(z.object({ label: z.string(), date: z.string() })),
  lastSeenAt: TimestampSchema.nullable(),
  lastHeardAt: TimestampSchema.nullable(),
  lastMentionedAt: TimestampSchema.nullable(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
});
export type PersonWire = z.infer<typeof PersonSchema>;

/** `PATCH /v1/people/:id`: the person's corrections to someone's record. */
export const PatchPersonRequestSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    aliases: z.array(z.string().trim().min(1).max(200)).max(50).optional(),
    relationship: z.string().trim().min(1).max(100).nullable().optional(),
    importantDates: z.array(ImportantDateSchema).max(50).optional(),
  })
  .refine(
    (body) => Object.keys(body).length > 0,
    'name at least one of name, aliases, relationship, importantDates',
  );
export type PatchPersonRequest = z.infer<typeof PatchPersonRequestSchema>;

/** `GET /v1/audit` query: a time window, an action prefix (`model.` finds `model.call`) and a page. */
export const ListAuditQuerySchema = z.strictObject({
  since: TimestampSchema.optional(),
  until: TimestampSchema.optional(),
  action: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[a-z0-9._-]+$/, 'an action or its start, e.g. "model." or "data.export"')
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
});
export type ListAuditQuery = z.infer<typeof ListAuditQuerySchema>;

/** One audit record as `/v1/audit` shows it: who did what to which item, with ids and counts only in `details`. */
export const AuditEventSchema = z.object({
  seq: z.number().int(),
  at: TimestampSchema,
  /** `cli`, `device:<id>`, `signed-link`, `system`, `retention` or a worker's name. */
  actor: z.string(),
  /** `<domain>.<verb>`, e.g. `model.call`, `memory.forget`, `data.export`, `consent.opt-out`. */
  action: z.string(),
  target: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
});
export type AuditEventWire = z.infer<typeof AuditEventSchema>;

/** `GET /v1/audit` answer, newest first; `nextCursor` is null on the last page. */
export const ListAuditResponseSchema = z.object({
  events: z.array(AuditEventSchema),
  nextCursor: z.string().nullable(),
});
export type ListAuditResponse = z.infer<typeof ListAuditResponseSchema>;
