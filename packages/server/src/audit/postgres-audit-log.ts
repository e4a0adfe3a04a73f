import { z } from 'zod';
import { FamiliarError } from '../kernel/index.ts';
import type { PostgresClient } from '../storage/index.ts';
import type { AuditEvent, AuditLog } from './audit-log.ts';

interface AuditRow {
  seq: number;
  user_id: string | null;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  details: unknown;
}

const DetailsSchema = z.record(z.string(), z.unknown());

const toEvent = (row: AuditRow): AuditEvent => {
  let details: Record<string, unknown> | null = null;
  if (row.details !== null) {
    const parsed = DetailsSchema.safeParse(row.details);
    if (!parsed.success)
      throw new FamiliarError(
        'storage_failed',
        `stored JSON in audit event ${row.seq} does not match its schema`,
      );
    details = parsed.data;
  }
  return {
    seq: row.seq,
    userId: row.user_id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    details,
  };
};

/**
 * The audit log in PostgreSQL; triggers make the table refuse updates and deletes. `seq` comes from a sequence, so
 * numbers a rolled-back transaction took are skipped: events are in order, not gapless.
 */
export function createPostgresAuditLog(client: PostgresClient): AuditLog {
  return {
    async record(event) {
      await client.query(
        'INSERT INTO audit_events (user_id, at, actor, action, target, details) VALUES ($1, $2, $3, $4, $5, $6)',
        [
          event.userId,
          event.at,
          event.actor,
          event.action,
          event.target,
          event.details ? JSON.stringify(event.details) : null,
        ],
      );
    },
    async list(userId, options = {}) {
      const where = ['user_id = $1'];
      const params: Array<string | number | null> = [userId];
      if (options.beforeSeq !== undefined) {
        params.push(options.beforeSeq);
        where.push(`seq < $${params.length}`);
      }
      if (options.action) {
        params.push(options.action);
        where.push(`action = $${params.length}`);
      }
      if (options.actionPrefix) {
        params.push(options.actionPrefix.length, options.actionPrefix);
        where.push(`substr(action, 1, $${params.length - 1}) = $${params.length}`);
      }
      if (options.sinceMs !== undefined) {
        params.push(options.sinceMs);
        where.push(`at >= $${params.length}`);
      }
      if (options.untilMs !== undefined) {
        params.push(options.untilMs);
        where.push(`at < $${params.length}`);
      }
      const limit = options.limit ?? 100;
      // SQLite reads a negative LIMIT as "no limit"; PostgreSQL refuses one, and reads NULL that way.
      params.push(limit < 0 ? null : limit);
      const { rows } = await client.query<AuditRow>(
        `SELECT * FROM audit_events WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT $${params.length}`,
        params,
      );
      return rows.map(toEvent);
    },
  };
}
