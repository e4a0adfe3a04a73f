import { z } from 'zod';
import { describeIssues, FamiliarError, ValidationError } from '../../kernel/index.ts';
import { type HazardCategory, HazardCategorySchema } from './hazard-categories.ts';

/** Whose words a check is about: the person's (`user`) or the assistant's (`assistant`). */
export const GUARD_ROLES = ['user', 'assistant'] as const;
/** Whose words a check is about. */
export type GuardRole = (typeof GUARD_ROLES)[number];

/** The most characters a conversation checked at once may hold (Llama Guard reads about 4 characters a token). */
export const MAX_GUARD_CHARACTERS = 32_000;

/** One turn of the conversation a guard reads. */
export const GuardTurnSchema = z.strictObject({
  role: z.enum(GUARD_ROLES, { message: 'a turn is "user" or "assistant"' }),
  content: z.string().refine((text) => text.trim().length > 0, 'a turn has text'),
});
/** One turn of the conversation a guard reads. */
export type GuardTurn = z.infer<typeof GuardTurnSchema>;

/**
 * What a check reads: the turns so far (alternating, from the person first) and which side's last turn is judged.
 * The last turn must be of that role: an input check ends with the person's turn, an output check with the answer.
 */
export const GuardConversationSchema = z
  .strictObject({
    role: z.enum(GUARD_ROLES, { message: 'role is "user" or "assistant"' }),
    conversation: z.array(GuardTurnSchema).min(1, 'a check needs at least one turn'),
  })
  .superRefine((value, context) => {
    value.conversation.forEach((turn, index) => {
      const expected: GuardRole = index % 2 === 0 ? 'user' : 'assistant';
      if (turn.role !== expected) {
        context.addIssue({
          code: 'custom',
          path: ['conversation', index, 'role'],
          message: 'turns alternate, the person first: user, assistant, user…',
        });
      }
    });
    if (value.conversation.at(-1)?.role !== value.role) {
      context.addIssue({
        code: 'custom',
        path: ['conversation'],
        message: `a check of the ${value.role}'s words ends with a ${value.role} turn`,
      });
    }
    const characters = value.conversation.reduce((sum, turn) => sum + turn.content.length, 0);
    if (characters > MAX_GUARD_CHARACTERS) {
      context.addIssue({
        code: 'custom',
        path: ['conversation'],
        message: `the conversation has ${characters} characters; a check reads at most ${MAX_GUARD_CHARACTERS}`,
      });
    }
  });

/** A check: the conversation, and who asks (for the audit record of the guard model's call). */
export interface GuardCheck {
  role: GuardRole;
  conversation: readonly GuardTurn[];
  userId: string;
  /** `cli`, `device:<id>` or a worker's name, as the audit log records it. */
  actor: string;
  signal?: AbortSignal;
}

/** A guard's answer: `unsafe` always names at least one hazard category; `raw` is the classifier's own text. */
export const GuardVerdictSchema = z
  .strictObject({
    verdict: z.enum(['safe', 'unsafe']),
    categories: z.array(HazardCategorySchema),
    model: z.string().min(1),
    raw: z.string().optional(),
  })
  .refine((value) => (value.verdict === 'safe') === (value.categories.length === 0), {
    message: 'a safe verdict names no category; an unsafe one names at least one',
  });

/** A guard's answer. */
export interface GuardVerdict {
  verdict: 'safe' | 'unsafe';
  categories: HazardCategory[];
  /** The model that judged (`<provider>:<name>`), or the fake's name. */
  model: string;
  raw?: string;
}

/**
 * The content guard port: judges the last turn of one side of a conversation against the MLCommons hazard
 * categories. It never answers "safe" for a check it could not make: a failure throws `GuardError`.
 */
export interface Guard {
  /** The model that answers checks (`<provider>:<name>`), as status pages show it. */
  readonly model: string;
  check(input: GuardCheck): Promise<GuardVerdict>;
}

/** Whether the content guard runs, and with which model; `summary` is the line status pages print. */
export type GuardStatus =
  | { state: 'on'; model: string; summary: string }
  | { state: 'off'; model: null; summary: string };

/**
 * Why a check failed: the classifier's answer could not be read (`unparseable`), no guard model could answer
 * (`unavailable`, worth retrying), or the person's own settings (their "Open models only" switch) leave no guard
 * model that may take their checks (`not-routable`: nothing was called, and retrying cannot help until the setting
 * or the configured models change).
 */
export type GuardFailure = 'unparseable' | 'unavailable' | 'not-routable';

/**
 * A check that could not be made. Its code is `model_unavailable` (the guard model failed, answered something that
 * is not a verdict, or may not take this person's checks); `failure` says which. Messages never hold the checked
 * text; a `not-routable` one says why, in words for the person.
 */
export class GuardError extends FamiliarError {
  readonly failure: GuardFailure;

  constructor(failure: GuardFailure, message: string, options: { cause?: unknown; details?: object } = {}) {
    super('model_unavailable', message, {
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      details: { failure, ...options.details },
      retryable: failure === 'unavailable',
    });
    this.name = 'GuardError';
    this.failure = failure;
  }
}

/** Validates a check's role and turns; a bad one is a `ValidationError` listing each problem, and nothing is called. */
export function parseGuardCheck(input: GuardCheck): GuardCheck {
  const parsed = GuardConversationSchema.safeParse({ role: input.role, conversation: input.conversation });
  if (parsed.success) return { ...input, ...parsed.data };
  const problems = describeIssues(parsed.error.issues);
  throw new ValidationError(`a content guard check is invalid: ${problems.join('; ')}`, problems);
}
