import { z } from 'zod';
import { PersonSchema } from './api.ts';
import { TimestampSchema } from './ids.ts';

/** Risk tiers of the assistant's tools, from harmless to never allowed. */
export const RiskTierSchema = z.enum(['read', 'local_write', 'external', 'forbidden']);

/** A goal's measurable target. */
export const GoalTargetSchema = z.strictObject({
  amount: z.number().positive().max(1e9),
  unit: z.string().trim().min(1).max(40),
  counting: z.enum(['max', 'sum', 'cadence']),
  period: z.enum(['day', 'week', 'month']).nullable(),
});

/** One piece of evidence of progress toward a goal, with the observations it came from. */
export const ProgressEntrySchema = z.object({
  id: z.string(),
  goalId: z.string(),
  amount: z.number(),
  unit: z.string(),
  at: TimestampSchema,
  confidence: z.number(),
  status: z.enum(['inferred', 'confirmed', 'rejected']),
  origin: z.enum(['rules', 'model', 'person']),
  evidence: z.string(),
  sources: z.array(z.string()),
});
export type ProgressEntryWire = z.infer<typeof ProgressEntrySchema>;

/** A goal as `/v1/goals` shows it, with where it stands. */
export const GoalSchema = z.object({
  id: z.string(),
  title: z.string(),
  text: z.string(),
  activity: z.string(),
  about: z.array(z.string()),
  target: GoalTargetSchema,
  deadline: TimestampSchema.nullable(),
  plan: z.array(z.string()),
  status: z.enum(['active', 'achieved', 'abandoned']),
  startedAt: TimestampSchema,
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
  progress: z.object({
    current: z.number(),
    fraction: z.number(),
    expectedFraction: z.number().nullable(),
    behind: z.boolean(),
    summary: z.string(),
  }),
});
export type GoalWire = z.infer<typeof GoalSchema>;

/** `POST /v1/goals`: a goal in the person's words; the target is inferred (and can be given or corrected). */
export const CreateGoalRequestSchema = z.strictObject({
  text: z.string().trim().min(3).max(500),
  target: GoalTargetSchema.optional(),
  deadline: TimestampSchema.nullable().optional(),
  plan: z.array(z.string().trim().min(1).max(300)).max(30).optional(),
});
export type CreateGoalRequest = z.infer<typeof CreateGoalRequestSchema>;

/** `PATCH /v1/goals/:id`: the person's edits. */
export const PatchGoalRequestSchema = z
  .strictObject({
    title: z.string().trim().min(1).max(200).optional(),
    target: GoalTargetSchema.optional(),
    deadline: TimestampSchema.nullable().optional(),
    plan: z.array(z.string().trim().min(1).max(300)).max(30).optional(),
    status: z.enum(['active', 'achieved', 'abandoned']).optional(),
  })
  .refine(
    (body) => Object.keys(body).length > 0,
    'name at least one of title, target, deadline, plan, status',
  );
export type PatchGoalRequest = z.infer<typeof PatchGoalRequestSchema>;

/** `POST /v1/goals/:id/progress`: progress the person logs themselves. */
export const LogProgressRequestSchema = z.strictObject({
  amount: z.number().positive().max(1e9),
  at: TimestampSchema.optional(),
  note: z.string().trim().max(500).optional(),
});

/** An item in the person's inbox: a commitment, a reminder, a nudge or a digest, always with its reason. */
export const InboxItemSchema = z.object({
  id: z.string(),
  kind: z.enum(['commitment', 'reminder', 'nudge', 'digest']),
  title: z.string(),
  body: z.string(),
  due: TimestampSchema.nullable(),
  reason: z.string(),
  status: z.enum(['pending', 'to_confirm', 'snoozed', 'done', 'dismissed']),
  snoozedUntil: TimestampSchema.nullable(),
  factId: z.string().nullable(),
  goalId: z.string().nullable(),
  personId: z.string().nullable(),
  notifiedAt: TimestampSchema.nullable(),
  completedAt: TimestampSchema.nullable(),
  /** The observations it came from. */
  sources: z.array(z.string()),
  createdAt: TimestampSchema,
});
export type InboxItemWire = z.infer<typeof InboxItemSchema>;

/** `POST /v1/inbox`: a reminder the person adds ("buy milk", due 18:00). */
export const CreateReminderRequestSchema = z.strictObject({
  title: z.string().trim().min(1).max(200),
  due: TimestampSchema.nullable().optional(),
  body: z.string().trim().max(2000).optional(),
});

/** `POST /v1/inbox/:id/snooze`. */
export const SnoozeRequestSchema = z.strictObject({ until: TimestampSchema });

/** An external action waiting for the person's yes or no, with the exact arguments it will run with. */
export const PendingActionSchema = z.object({
  id: z.string(),
  tool: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  summary: z.string(),
  status: z.enum(['pending', 'confirmed', 'rejected', 'expired', 'done', 'failed']),
  result: z.unknown(),
  requestedBy: z.string(),
  /**
   * Where the request came from when perceived content was involved: why it waits (`perceived_context`,
   * `perceived_arguments`, `rule_of_two`), the perceived moments behind it, and a sentence to show the person.
   */
  origin: z
    .object({
      reasons: z.array(z.enum(['perceived_context', 'perceived_arguments', 'rule_of_two'])),
      sources: z.array(
        z.object({
          observationId: z.string().nullable(),
          modality: z.string().nullable(),
          capturedAt: TimestampSchema.nullable(),
          via: z.string(),
        }),
      ),
      explanation: z.string(),
    })
    .nullable()
    .default(null),
  decidedBy: z.string().nullable(),
  createdAt: TimestampSchema,
  decidedAt: TimestampSchema.nullable(),
  expiresAt: TimestampSchema,
});
export type PendingActionWire = z.infer<typeof PendingActionSchema>;

/** `POST /v1/chat`: one turn, with the conversation so far (the server keeps no chat state). */
export const ChatRequestSchema = z.strictObject({
  message: z.string().trim().min(1).max(4000),
  history: z
    .array(z.strictObject({ role: z.enum(['user', 'assistant']), content: z.string().max(20_000) }))
    .max(50)
    .optional(),
});
export type ChatRequest = z.infer<typeof ChatRequestSchema>;

/** The assistant's reply: its words, which tools ran, and the actions waiting for confirmation. */
export const ChatResponseSchema = z.object({
  reply: z.string(),
  model: z.string().nullable(),
  rule: z.string().nullable(),
  toolCalls: z.array(
    z.object({
      name: z.string(),
      tier: RiskTierSchema,
      status: z.enum(['ran', 'awaiting_confirmation', 'refused', 'failed']),
    }),
  ),
  pendingActions: z.array(PendingActionSchema),
});
export type ChatResponse = z.infer<typeof ChatResponseSchema>;

const LocalTimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time is HH:MM (24-hour)');

/** The assistant's settings for a user (`GET`/`PATCH /v1/assistant/settings`). */
export const AssistantSettingsWireSchema = z.strictObject({
  quietHours: z.strictObject({ start: LocalTimeSchema, end: LocalTimeSchema }).nullable(),
  digestAt: LocalTimeSchema.nullable(),
  maxPerHour: z.number().int().min(0).max(60),
  maxPerDay: z.number().int().min(0).max(500),
  notNowUntil: TimestampSchema.nullable(),
  dateLeadDays: z.number().int().min(0).max(60),
  reminderLeadMinutes: z.number().int().min(0).max(1440),
});
export type AssistantSettingsWire = z.infer<typeof AssistantSettingsWireSchema>;

/** `PATCH /v1/assistant/settings`: any of the settings. */
export const PatchAssistantSettingsRequestSchema = AssistantSettingsWireSchema.partial().refine(
  (body) => Object.keys(body).length > 0,
  'name at least one setting',
);

/** The daily digest: what happened, progress, open loops and tomorrow's dates. */
export const DigestSchema = z.object({
  day: z.string(),
  text: z.string(),
  happened: z.array(z.object({ episodeId: z.string(), title: z.string(), startedAt: TimestampSchema })),
  counts: z.record(z.string(), z.number()),
  progress: z.array(
    z.object({ goalId: z.string(), title: z.string(), summary: z.string(), behind: z.boolean() }),
  ),
  openLoops: z.array(InboxItemSchema),
  tomorrow: z.array(z.object({ label: z.string(), date: z.string(), personId: z.string().nullable() })),
});
export type DigestWire = z.infer<typeof DigestSchema>;

/**
 * `GET /v1/people/:id/assistant`: one person as the assistant sees them: open promises (commitments and reminders
 * linked to them or naming them), follow-ups to ask them about, their important dates in the next 60 days
 * ("YYYY-MM-DD" local days), and when they last came up.
 */
export const PersonAssistantViewSchema = z.object({
  person: PersonSchema,
  openPromises: z.array(InboxItemSchema),
  followUps: z.array(InboxItemSchema),
  nextDates: z.array(z.object({ label: z.string(), date: z.string(), daysAhead: z.number().int() })),
  lastInteraction: z.object({ at: TimestampSchema, how: z.enum(['seen', 'heard', 'mentioned']) }).nullable(),
});
export type PersonAssistantViewWire = z.infer<typeof PersonAssistantViewSchema>;
