import { type AuditEventWire, ListAuditQuerySchema, type ListAuditResponse } from '@familiar/protocol';
import type { Hono } from 'hono';
import type { AuditEvent, AuditLog } from '../audit/index.ts';
import { describeIssues, fromIso, toIso, ValidationError } from '../kernel/index.ts';
import type { Env } from './request-helpers.ts';

/** Encodes the position after the last event of a page (its `seq`) as an opaque URL-safe string. */
export function encodeAuditCursor(seq: number): string {
  return Buffer.from(`audit:${seq}`, 'utf8').toString('base64url');
}

/** The `seq` a cursor stands for, or null when the cursor is not one of ours. */
export function decodeAuditCursor(cursor: string): number | null {
  const match = /^audit:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : null;
}

/** The wire form of an audit record (the user id is the caller's own, so it is left out). */
export function presentAuditEvent(event: AuditEvent): AuditEventWire {
  return {
    seq: event.seq,
    at: toIso(event.at),
    actor: event.actor,
    action: event.action,
    target: event.target,
    details: event.details,
  };
}

/**
 * `GET /v1/audit`: the caller's own audit log, newest first, filtered by time (`since` inclusive, `until`
 * exclusive) and action prefix, paged with `cursor`. Reading the log is not itself recorded.
 */
export function registerAuditRoutes(app: Hono<Env>, audit: Pick<AuditLog, 'list'>): void {
  app.get('/v1/audit', async (c) => {
    const parsed = ListAuditQuerySchema.safeParse(c.req.query());
    if (!parsed.success)
      throw new ValidationError('the query does not match the schema', describeIssues(parsed.error.issues));
    const query = parsed.data;
    const sinceMs = query.since === undefined ? undefined : fromIso(query.since);
    const untilMs = query.until === undefined ? undefined : fromIso(query.until);
    if (sinceMs !== undefined && untilMs !== undefined && untilMs <= sinceMs)
      throw new ValidationError('`until` must be after `since`');
    const beforeSeq = query.cursor === undefined ? undefined : decodeAuditCursor(query.cursor);
    if (beforeSeq === null) throw new ValidationError('`cursor` is not a cursor this server gave out');
    // One more than asked for says whether another page exists.
    const events = await audit.list(c.get('principal').user.id, {
      limit: query.limit + 1,
      ...(beforeSeq === undefined ? {} : { beforeSeq }),
      ...(query.action === undefined ? {} : { actionPrefix: query.action }),
      ...(sinceMs === undefined ? {} : { sinceMs }),
      ...(untilMs === undefined ? {} : { untilMs }),
    });
    const page = events.slice(0, query.limit);
    const last = page.at(-1);
    const body: ListAuditResponse = {
      events: page.map(presentAuditEvent),
      nextCursor: events.length > query.limit && last ? encodeAuditCursor(last.seq) : null,
    };
    return c.json(body);
  });
}
