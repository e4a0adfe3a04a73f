import {
  CaptureSchema,
  CaptureStateSchema,
  EpisodeSummarySchema,
  FactSchema,
  GoalSchema,
  InboxItemSchema,
  ObservationSchema,
  PendingActionSchema,
  PersonSchema,
  ProgressEntrySchema,
  TimestampSchema,
} from '@familiar/protocol';
import { z } from 'zod';

// Answers of routes whose shapes @familiar/protocol does not hold (yet): the person session and pairing (issue 11),
// and the list envelopes of the memory and assistant routes. Item shapes come from the protocol.

/** A person as the session, pairing and `/v1/me` answers show them. */
export const UserSchema = z.object({ id: z.string(), name: z.string(), timezone: z.string() });
export type User = z.infer<typeof UserSchema>;

/** `POST /v1/session` and `GET /v1/session`: who is logged in, the session's CSRF token and when it ends. */
export const SessionSchema = z.object({
  user: UserSchema,
  csrfToken: z.string().min(1),
  expiresAt: TimestampSchema,
});
export type Session = z.infer<typeof SessionSchema>;

/** `POST /v1/pair`: the device token (shown once), the device and its person. */
export const PairResponseSchema = z.object({
  token: z.string().min(1),
  device: z.object({ id: z.string(), name: z.string() }),
  user: UserSchema,
});
export type PairResponse = z.infer<typeof PairResponseSchema>;

/** `GET /v1/me`: the person, and the device when a device token asked. */
export const MeSchema = z.object({
  user: UserSchema,
  device: z.object({ id: z.string(), name: z.string() }).passthrough().nullable().optional(),
});
export type Me = z.infer<typeof MeSchema>;

export const PrivacyStateSchema = CaptureStateSchema;

export const EpisodeListSchema = z.object({ episodes: z.array(EpisodeSummarySchema) });
export const EpisodeDetailSchema = EpisodeSummarySchema.extend({ observations: z.array(ObservationSchema) });
export type EpisodeDetail = z.infer<typeof EpisodeDetailSchema>;

/** `GET /v1/captures/:id`: the capture with a short-lived signed link to its media. */
export const CaptureWithLinkSchema = CaptureSchema.extend({
  mediaUrl: z.string(),
  mediaUrlExpiresAt: TimestampSchema,
});
export type CaptureWithLink = z.infer<typeof CaptureWithLinkSchema>;

export const DeletedSchema = z.object({ deleted: z.record(z.string(), z.number()) });

export const GoalListSchema = z.object({ goals: z.array(GoalSchema) });
export const GoalDetailSchema = GoalSchema.extend({ entries: z.array(ProgressEntrySchema) });
export type GoalDetail = z.infer<typeof GoalDetailSchema>;

export const InboxListSchema = z.object({ items: z.array(InboxItemSchema) });
/** `GET /v1/actions`: the external actions the assistant proposed, in one status. */
export const ActionListSchema = z.object({ actions: z.array(PendingActionSchema) });
export const PeopleListSchema = z.object({ people: z.array(PersonSchema) });
export const FactListSchema = z.object({ facts: z.array(FactSchema) });

/** `PATCH /v1/facts/:id`: the person's corrected fact, and the one it supersedes. */
export const FactCorrectionSchema = z.object({ fact: FactSchema, superseded: FactSchema });

/** `GET /v1/search`: the moments that best match, best first, with a signed media link when there is media. */
export const SearchResultSchema = z.object({
  moments: z.array(
    z.object({
      observation: ObservationSchema,
      episodeId: z.string().nullable(),
      mediaUrl: z.string().nullable(),
    }),
  ),
  episodes: z.array(EpisodeSummarySchema),
  time: z
    .object({ from: TimestampSchema.nullable(), to: TimestampSchema.nullable(), phrase: z.string() })
    .nullable(),
});
export type SearchResult = z.infer<typeof SearchResultSchema>;
export type SearchMoment = SearchResult['moments'][number];

/** `GET /v1/observations/:id/dependents`: what forgetting the observation would remove or change. */
export const ForgetDependentsSchema = z.object({
  observation: ObservationSchema,
  facts: z.object({
    removed: z.array(FactSchema),
    keptWithOtherSources: z.array(FactSchema),
    restored: z.array(FactSchema),
  }),
  episodes: z.object({ removed: z.array(EpisodeSummarySchema), shrunk: z.array(EpisodeSummarySchema) }),
  inbox: z.object({ removed: z.array(InboxItemSchema) }),
  progress: z.object({
    removed: z.array(
      z.object({ entry: ProgressEntrySchema, goal: z.object({ id: z.string(), title: z.string() }) }),
    ),
  }),
});
export type ForgetDependents = z.infer<typeof ForgetDependentsSchema>;
