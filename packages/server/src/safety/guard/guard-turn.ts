import type { AuditLog } from '../../audit/index.ts';
import type { Clock } from '../../kernel/index.ts';
import { type Guard, GuardError, type GuardRole, type GuardTurn, type GuardVerdict } from './guard.ts';
import { describeHazards, type HazardCategory } from './hazard-categories.ts';

/** Why a turn was blocked: the guard found a hazard, or the check could not run (the guard fails closed). */
export type GuardBlockReason = 'unsafe' | 'check-failed';

/** What a blocked turn records: whose words, why, and the hazard categories (empty when the check failed). */
export interface GuardBlock {
  role: GuardRole;
  reason: GuardBlockReason;
  categories: HazardCategory[];
}

/** The outcome of guarding a turn: allowed (verdict null when the guard is off), or blocked with what to say instead. */
export type GuardTurnResult =
  | { action: 'allow'; verdict: GuardVerdict | null }
  | ({ action: 'block'; message: string } & GuardBlock);

/** What `guardTurn` needs: the guard (null: off), the audit log and clock, who asks, and the turns to judge. */
export interface GuardTurnInput {
  guard: Guard | null;
  audit: AuditLog;
  clock: Clock;
  userId: string;
  actor: string;
  role: GuardRole;
  conversation: readonly GuardTurn[];
  signal?: AbortSignal;
}

/**
 * The words shown instead of a blocked turn: which hazard was found, or that the check could not run. `because`,
 * for a check that cannot run for this person until something changes (their own settings leave no guard model), is
 * the reason in their words; without it the failure reads as a transient one, worth another try.
 */
export function guardBlockMessage(block: GuardBlock, because?: string): string {
  if (block.reason === 'check-failed') {
    if (because) {
      const why = `${because.charAt(0).toUpperCase()}${because.slice(1)}`;
      return block.role === 'user'
        ? `The safety check could not run, so I did not answer. ${why}. Trying again will not help until that changes.`
        : `The safety check of my answer could not run, so I withheld it. ${why}. Trying again will not help until that changes.`;
    }
    return block.role === 'user'
      ? 'The safety check could not run, so I did not answer. Try again; `familiar status` shows the guard model.'
      : 'The safety check of my answer could not run, so I withheld it. Try again; `familiar status` shows the guard model.';
  }
  const hazards = describeHazards(block.categories);
  return block.role === 'user'
    ? `I can't help with that: the content guard flagged your message as ${hazards}.`
    : `I withheld my answer: the content guard flagged it as ${hazards}.`;
}

/**
 * Guards one turn of a conversation: with no guard (off) it allows without calling anything; otherwise it asks the
 * guard about the last turn of `role`. An unsafe verdict, or a check that fails for any reason but the caller's
 * abort, blocks the turn (fail closed) and is audited as `guard.block` with the role, reason, categories and model,
 * never the text. A check the person's own settings leave without a guard model (`not-routable`) says why in the
 * message. An abort is thrown as is.
 */
export async function guardTurn(input: GuardTurnInput): Promise<GuardTurnResult> {
  const { guard, audit, clock, userId, actor, role, conversation, signal } = input;
  if (!guard) return { action: 'allow', verdict: null };
  let block: GuardBlock;
  let model: string = guard.model;
  let failure: string | null = null;
  let because: string | undefined;
  try {
    const verdict = await guard.check({ role, conversation, userId, actor, ...(signal ? { signal } : {}) });
    if (verdict.verdict === 'safe') return { action: 'allow', verdict };
    model = verdict.model;
    block = { role, reason: 'unsafe', categories: verdict.categories };
  } catch (error) {
    if (signal?.aborted) throw error;
    failure = error instanceof GuardError ? error.failure : error instanceof Error ? error.name : 'unknown';
    block = { role, reason: 'check-failed', categories: [] };
    if (error instanceof GuardError && error.failure === 'not-routable') because = error.message;
  }
  await audit.record({
    userId,
    at: clock.now(),
    actor,
    action: 'guard.block',
    target: null,
    details: {
      role: block.role,
      reason: block.reason,
      categories: block.categories,
      model,
      ...(failure ? { failure } : {}),
    },
  });
  return { action: 'block', message: guardBlockMessage(block, because), ...block };
}
