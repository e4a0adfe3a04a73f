import { z } from 'zod';
import {
  type Clock,
  ConflictError,
  describeIssues,
  FamiliarError,
  NotFoundError,
  systemClock,
  ValidationError,
} from '../../kernel/index.ts';
import { parseJsonColumn, type SqliteDatabase } from '../../storage/index.ts';
import type { ActionStore, PendingAction } from '../types.ts';

/** Every status of a pending action. */
export const ActionStatusSchema = z.enum(['pending', 'confirmed', 'rejected', 'expired', 'done', 'failed']);

/** The status of a pending action. */
export type ActionStatus = PendingAction['status'];

/** What `add` takes: the action as the tool asked for it. */
export type NewPendingAction = Parameters<ActionStore['add']>[0];

const epoch = z.number().int().nonnegative();
const ArgumentsSchema = z.record(z.string(), z.unknown());

/** Where an action came from (see `ActionOrigin`), as stored and as `add` accepts it. */
export const ActionOriginSchema = z.object({
  reasons: z.array(z.enum(['perceived_context', 'perceived_arguments', 'rule_of_two'])).max(3),
  sources: z
    .array(
      z.object({
        observationId: z.string().min(1).max(200).nullable(),
        modality: z.string().min(1).max(50).nullable(),
        capturedAt: epoch.nullable(),
        via: z.string().min(1).max(200),
      }),
    )
    .max(50),
  explanation: z.string().min(1).max(2_000),
});

/** An action as `add` accepts it; the stores refuse anything else before writing. */
export const NewPendingActionSchema = z.object({
  id: z.string().min(1).max(200),
  userId: z.string().min(1),
  tool: z.string().trim().min(1).max(200),
  arguments: ArgumentsSchema,
  summary: z.string().trim().min(1).max(2_000),
  requestedBy: z.string().trim().min(1).max(200),
  origin: ActionOriginSchema.nullable().optional(),
  createdAt: epoch,
  expiresAt: epoch,
});

/**
 * The moves an action may make: the person decides a pending one (or it expires), then a confirmed one runs once and
 * ends done or failed. Everything else is refused.
 */
export const ACTION_MOVES: Readonly<Record<ActionStatus, readonly ActionStatus[]>> = {
  pending: ['confirmed', 'rejected', 'expired'],
  confirmed: ['done', 'failed'],
  rejected: [],
  expired: [],
  done: [],
  failed: [],
};

/** Checks an action before it is added; throws `ValidationError` listing what is wrong. */
export function validateNewAction(action: NewPendingAction): void {
  const result = NewPendingActionSchema.safeParse(action);
  if (!result.success)
    throw new ValidationError('invalid pending action', describeIssues(result.error.issues));
  if (action.expiresAt <= action.createdAt)
    throw new ValidationError('a pending action must expire after it was created', [
      'expiresAt: after createdAt',
    ]);
  try {
    JSON.stringify(action.arguments);
  } catch (cause) {
    throw new ValidationError('the action arguments are not JSON', [String(cause)]);
  }
}

/** Refuses a move `ACTION_MOVES` does not allow, before any store is asked. */
export function validateMove(from: ActionStatus, to: ActionStatus): void {
  if (!ActionStatusSchema.safeParse(from).success || !ActionStatusSchema.safeParse(to).success)
    throw new ValidationError(`unknown action status in ${from} → ${to}`);
  if (!ACTION_MOVES[from].includes(to))
    throw new ValidationError(`an action cannot move from ${from} to ${to}`, {
      allowed: ACTION_MOVES[from],
    });
}

/** The error for an action that is not in the state a move starts from (another decision or run got there first). */
export function actionConflict(id: string, from: ActionStatus, actual: ActionStatus): FamiliarError {
  return new FamiliarError('conflict', `action ${id} is ${actual}, not ${from}`, {
    details: { id, expected: from, actual },
  });
}

interface ActionRow {
  user_id: string;
  id: string;
  tool: string;
  arguments: string;
  summary: string;
  status: string;
  result: string | null;
  requested_by: string;
  decided_by: string | null;
  created_at: number;
  decided_at: number | null;
  expires_at: number;
  origin: string | null;
}

function toAction(row: ActionRow): PendingAction {
  return {
    id: row.id,
    userId: row.user_id,
    tool: row.tool,
    arguments: parseJsonColumn(ArgumentsSchema, row.arguments, 'pending_actions.arguments') ?? {},
    summary: row.summary,
    status: ActionStatusSchema.parse(row.status),
    result: row.result === null ? null : parseJsonColumn(z.unknown(), row.result, 'pending_actions.result'),
    requestedBy: row.requested_by,
    origin: parseJsonColumn(ActionOriginSchema, row.origin, 'pending_actions.origin') ?? null,
    decidedBy: row.decided_by,
    createdAt: row.created_at,
    decidedAt: row.decided_at,
    expiresAt: row.expires_at,
  };
}

/** A result as a JSON column: `undefined` and values JSON cannot hold are stored as null. */
function resultJson(result: unknown): string | null {
  if (result === undefined || result === null) return null;
  try {
    return JSON.stringify(result) ?? null;
  } catch {
    return JSON.stringify({ error: 'the result could not be stored as JSON' });
  }
}

/**
 * Pending actions in SQLite (table `pending_actions`, migration 7). Expiry is applied lazily and for good: before
 * any read or move, the user's `pending` actions whose `expiresAt` has passed (by `clock`, or by the move's own
 * time) become `expired`, decided at their expiry time by nobody. A move is a compare-and-set on the status in one
 * `UPDATE … WHERE status = ?`, so of two processes deciding or running the same action only one succeeds.
 */
export function createSqliteActionStore(
  db: SqliteDatabase,
  { clock = systemClock }: { clock?: Clock } = {},
): ActionStore {
  const insert = db.prepare(
    `INSERT INTO pending_actions (user_id, id, tool, arguments, summary, status, result, requested_by, decided_by,
       created_at, decided_at, expires_at, origin)
     VALUES (@userId, @id, @tool, @arguments, @summary, 'pending', NULL, @requestedBy, NULL, @createdAt, NULL, @expiresAt,
       @origin)
     ON CONFLICT (user_id, id) DO NOTHING`,
  );
  const byId = db.prepare<[string, string], ActionRow>(
    'SELECT * FROM pending_actions WHERE user_id = ? AND id = ?',
  );
  const expire = db.prepare<[string, number]>(
    `UPDATE pending_actions SET status = 'expired', decided_at = expires_at
     WHERE user_id = ? AND status = 'pending' AND expires_at <= ?`,
  );
  const decide = db.prepare<[string, string | null, number, string, string, string, number]>(
    `UPDATE pending_actions SET status = ?, decided_by = ?, decided_at = ?
     WHERE user_id = ? AND id = ? AND status = ? AND (status <> 'pending' OR expires_at > ?)`,
  );
  const finish = db.prepare<[string, string | null, string, string, string]>(
    `UPDATE pending_actions SET status = ?, result = ? WHERE user_id = ? AND id = ? AND status = ?`,
  );

  const transition = db.transaction(
    (
      userId: string,
      id: string,
      from: ActionStatus,
      to: ActionStatus,
      change: { at: number; by?: string; result?: unknown },
    ): PendingAction => {
      expire.run(userId, Math.max(change.at, clock.now()));
      const changed =
        from === 'pending'
          ? decide.run(to, change.by ?? null, change.at, userId, id, from, change.at).changes
          : finish.run(to, resultJson(change.result), userId, id, from).changes;
      const row = byId.get(userId, id);
      if (!row) throw new NotFoundError('action', id);
      const action = toAction(row);
      if (changed === 0) throw actionConflict(id, from, action.status);
      return action;
    },
  );

  return {
    async add(action) {
      validateNewAction(action);
      const changes = insert.run({
        ...action,
        arguments: JSON.stringify(action.arguments),
        origin: action.origin ? JSON.stringify(action.origin) : null,
      }).changes;
      const row = byId.get(action.userId, action.id);
      if (!row) throw new NotFoundError('action', action.id);
      if (changes === 0) throw new ConflictError(`action ${action.id} already exists`, { id: action.id });
      return toAction(row);
    },
    async get(userId, id) {
      expire.run(userId, clock.now());
      const row = byId.get(userId, id);
      return row ? toAction(row) : null;
    },
    async list(userId, options = {}) {
      expire.run(userId, clock.now());
      const status = options.status ?? 'pending';
      const rows =
        status === 'all'
          ? db
              .prepare<[string], ActionRow>(
                'SELECT * FROM pending_actions WHERE user_id = ? ORDER BY created_at DESC, id DESC',
              )
              .all(userId)
          : db
              .prepare<[string, string], ActionRow>(
                'SELECT * FROM pending_actions WHERE user_id = ? AND status = ? ORDER BY created_at DESC, id DESC',
              )
              .all(userId, status);
      return rows.map(toAction);
    },
    async transition(userId, id, from, to, change) {
      validateMove(from, to);
      return transition.immediate(userId, id, from, to, change);
    },
  };
}
