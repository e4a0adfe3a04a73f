import { z } from 'zod';
import { parseJsonColumn, type SqliteDatabase } from '../storage/index.ts';

/** One audit record: who (`actor`) did what (`action`) to which data of which user, and when. */
export interface AuditEvent {
  seq: number;
  userId: string | null;
  at: number;
  /** `cli`, `device:<id>`, `signed-link` (a media link was opened) or a worker's name. */
  actor: string;
  /** Dotted `<domain>.<verb>`, e.g. `observations.read`, `data.export`, `memory.forget`, `device.add` (see `AUDIT_ACTIONS`). */
  action: string;
  target: string | null;
  details: Record<string, unknown> | null;
}

/** What a caller records; the log assigns `seq`. */
export type AuditEventInput = Omit<AuditEvent, 'seq'>;

/** Which of a user's events to list; every filter narrows, none widens. */
export interface AuditListOptions {
  /** At most this many (default 100). */
  limit?: number;
  /** Only events older than this `seq` (the next page of a newest-first listing). */
  beforeSeq?: number;
  /** Only this exact action. */
  action?: string;
  /** Only actions that start with this text (`model.` finds `model.call`). */
  actionPrefix?: string;
  /** Only events at or after this time (epoch ms). */
  sinceMs?: number;
  /** Only events before this time (epoch ms). */
  untilMs?: number;
}

/** An append-only log of data access, exports, deletions and account changes that the person can read. */
export interface AuditLog {
  record(event: AuditEventInput): Promise<void>;
  /** The user's events, newest first. */
  list(userId: string, options?: AuditListOptions): Promise<AuditEvent[]>;
}

/** Whether an event passes the filters of `options` other than the user and the limit (for the in-memory fake). */
export function matchesAuditFilter(event: AuditEvent, options: AuditListOptions): boolean {
  return (
    (options.beforeSeq === undefined || event.seq < options.beforeSeq) &&
    (!options.action || event.action === options.action) &&
    (!options.actionPrefix || event.action.startsWith(options.actionPrefix)) &&
    (options.sinceMs === undefined || event.at >= options.sinceMs) &&
    (options.untilMs === undefined || event.at < options.untilMs)
  );
}

interface AuditRow {
  seq: number;
  user_id: string | null;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  details: string | null;
}

const DetailsSchema = z.record(z.string(), z.unknown());

/** The audit log in SQLite; triggers make the table refuse updates and deletes. */
export function createSqliteAuditLog(db: SqliteDatabase): AuditLog {
  const insert = db.prepare(
    'INSERT INTO audit_events (user_id, at, actor, action, target, details) VALUES (?, ?, ?, ?, ?, ?)',
  );
  return {
    async record(event) {
      insert.run(
        event.userId,
        event.at,
        event.actor,
        event.action,
        event.target,
        event.details ? JSON.stringify(event.details) : null,
      );
    },
    async list(userId, options = {}) {
      const where = ['user_id = ?'];
      const params: Array<string | number> = [userId];
      if (options.beforeSeq !== undefined) {
        where.push('seq < ?');
        params.push(options.beforeSeq);
      }
      if (options.action) {
        where.push('action = ?');
        params.push(options.action);
      }
      if (options.actionPrefix) {
        where.push('substr(action, 1, ?) = ?');
        params.push(options.actionPrefix.length, options.actionPrefix);
      }
      if (options.sinceMs !== undefined) {
        where.push('at >= ?');
        params.push(options.sinceMs);
      }
      if (options.untilMs !== undefined) {
        where.push('at < ?');
        params.push(options.untilMs);
      }
      return db
        .prepare<Array<string | number>, AuditRow>(
          `SELECT * FROM audit_events WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`,
        )
        .all(...params, options.limit ?? 100)
        .map((row) => ({
          seq: row.seq,
          userId: row.user_id,
          at: row.at,
          actor: row.actor,
          action: row.action,
          target: row.target,
          details: parseJsonColumn(DetailsSchema, row.details, `audit event ${row.seq}`),
        }));
    },
  };
}

/** The in-memory fake of the audit log; records every call for assertions. */
export function createInMemoryAuditLog(): AuditLog & { events: AuditEvent[] } {
  const events: AuditEvent[] = [];
  return {
    events,
    async record(event) {
      events.push({ ...event, seq: events.length + 1 });
    },
    async list(userId, options = {}) {
      return events
        .filter((e) => e.userId === userId && matchesAuditFilter(e, options))
        .reverse()
        .slice(0, options.limit ?? 100);
    },
  };
}
