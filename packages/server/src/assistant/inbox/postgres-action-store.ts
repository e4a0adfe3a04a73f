import { z } from 'zod';
import { type Clock, ConflictError, FamiliarError, NotFoundError, systemClock } from '../../kernel/index.ts';
import type { PostgresClient } from '../../storage/index.ts';
import type { ActionStore, PendingAction } from '../types.ts';
import {
  ActionOriginSchema,
  ActionStatusSchema,
  actionConflict,
  validateMove,
  validateNewAction,
} from './action-store.ts';

const ArgumentsSchema = z.record(z.string(), z.unknown());

interface ActionRow {
  user_id: string;
  id: string;
  tool: string;
  /** JSONB, parsed by the client. */
  arguments: unknown;
  summary: string;
  status: string;
  result: unknown;
  requested_by: string;
  decided_by: string | null;
  created_at: number;
  decided_at: number | null;
  expires_at: number;
  /** JSONB, parsed by the client. */
  origin: unknown;
}

function toAction(row: ActionRow): PendingAction {
  const parsed = ArgumentsSchema.safeParse(row.arguments);
  if (!parsed.success)
    throw new FamiliarError(
      'storage_failed',
      'stored JSON in pending_actions.arguments does not match its schema',
    );
  const origin = row.origin == null ? null : ActionOriginSchema.safeParse(row.origin);
  if (origin && !origin.success)
    throw new FamiliarError(
      'storage_failed',
      'stored JSON in pending_actions.origin does not match its schema',
    );
  return {
    id: row.id,
    userId: row.user_id,
    tool: row.tool,
    arguments: parsed.data,
    summary: row.summary,
    status: ActionStatusSchema.parse(row.status),
    result: row.result ?? null,
    requestedBy: row.requested_by,
    origin: origin ? origin.data : null,
    decidedBy: row.decided_by,
    createdAt: row.created_at,
    decidedAt: row.decided_at,
    expiresAt: row.expires_at,
  };
}

/** A result as a JSONB parameter: `undefined` and values JSON cannot hold are stored as null. */
function resultJson(result: unknown): string | null {
  if (result === undefined || result === null) return null;
  try {
    return JSON.stringify(result) ?? null;
  } catch {
    return JSON.stringify({ error: 'the result could not be stored as JSON' });
  }
}

/** Marks the user's pending actions whose expiry is at or before `at` expired, decided at their expiry by nobody. */
async function expire(db: PostgresClient, userId: string, at: number): Promise<void> {
  await db.query(
    `UPDATE pending_actions SET status = 'expired', decided_at = expires_at
     WHERE user_id = $1 AND status = 'pending' AND expires_at <= $2`,
    [userId, at],
  );
}

async function find(db: PostgresClient, userId: string, id: string): Promise<ActionRow | undefined> {
  const { rows } = await db.query<ActionRow>('SELECT * FROM pending_actions WHERE user_id = $1 AND id = $2', [
    userId,
    id,
  ]);
  return rows[0];
}

/**
 * Pending actions in PostgreSQL (table `pending_actions`, migration 7), with the SQLite store's semantics: expiry is
 * applied lazily and for good before any read or move, and a move is a compare-and-set on the status in one
 * `UPDATE … WHERE status = $n RETURNING *`, so of two servers deciding or running the same action only one
 * succeeds (the loser's update re-checks the row after the winner commits and matches nothing).
 */
export function createPostgresActionStore(
  client: PostgresClient,
  { clock = systemClock }: { clock?: Clock } = {},
): ActionStore {
  return {
    async add(action) {
      validateNewAction(action);
      const { rows } = await client.query<ActionRow>(
        `INSERT INTO pending_actions (user_id, id, tool, arguments, summary, status, result, requested_by,
           decided_by, created_at, decided_at, expires_at, origin)
         VALUES ($1, $2, $3, $4, $5, 'pending', NULL, $6, NULL, $7, NULL, $8, $9)
         ON CONFLICT (user_id, id) DO NOTHING
         RETURNING *`,
        [
          action.userId,
          action.id,
          action.tool,
          JSON.stringify(action.arguments),
          action.summary,
          action.requestedBy,
          action.createdAt,
          action.expiresAt,
          action.origin ? JSON.stringify(action.origin) : null,
        ],
      );
      if (rows[0]) return toAction(rows[0]);
      if (!(await find(client, action.userId, action.id))) throw new NotFoundError('action', action.id);
      throw new ConflictError(`action ${action.id} already exists`, { id: action.id });
    },
    async get(userId, id) {
      await expire(client, userId, clock.now());
      const row = await find(client, userId, id);
      return row ? toAction(row) : null;
    },
    async list(userId, options = {}) {
      await expire(client, userId, clock.now());
      const status = options.status ?? 'pending';
      const { rows } =
        status === 'all'
          ? await client.query<ActionRow>(
              'SELECT * FROM pending_actions WHERE user_id = $1 ORDER BY created_at DESC, id COLLATE "C" DESC',
              [userId],
            )
          : await client.query<ActionRow>(
              `SELECT * FROM pending_actions WHERE user_id = $1 AND status = $2
               ORDER BY created_at DESC, id COLLATE "C" DESC`,
              [userId, status],
            );
      return rows.map(toAction);
    },
    async transition(userId, id, from, to, change) {
      validateMove(from, to);
      return client.transaction(async (tx) => {
        await expire(tx, userId, Math.max(change.at, clock.now()));
        const { rows } =
          from === 'pending'
            ? await tx.query<ActionRow>(
                `UPDATE pending_actions SET status = $1, decided_by = $2, decided_at = $3
                 WHERE user_id = $4 AND id = $5 AND status = 'pending' AND expires_at > $3
                 RETURNING *`,
                [to, change.by ?? null, change.at, userId, id],
              )
            : await tx.query<ActionRow>(
                `UPDATE pending_actions SET status = $1, result = $2
                 WHERE user_id = $3 AND id = $4 AND status = $5
                 RETURNING *`,
                [to, resultJson(change.result), userId, id, from],
              );
        if (rows[0]) return toAction(rows[0]);
        const row = await find(tx, userId, id);
        if (!row) throw new NotFoundError('action', id);
        throw actionConflict(id, from, toAction(row).status);
      });
    },
  };
}
