import { describe, expect, it } from 'vitest';
import { openSqliteDatabase } from '../storage/index.ts';
import { type AuditLog, createInMemoryAuditLog, createSqliteAuditLog } from './audit-log.ts';

function contract(name: string, make: () => AuditLog) {
  describe(`AuditLog contract: ${name}`, () => {
    it('lists a user’s events newest first, filtered and paged', async () => {
      const log = make();
      await log.record({
        userId: 'u1',
        at: 1,
        actor: 'cli',
        action: 'export',
        target: null,
        details: { count: 3 },
      });
      await log.record({ userId: 'u2', at: 2, actor: 'cli', action: 'export', target: null, details: null });
      await log.record({
        userId: 'u1',
        at: 3,
        actor: 'device:d1',
        action: 'forget',
        target: 'obs1',
        details: null,
      });
      const events = await log.list('u1');
      expect(events.map((e) => e.action)).toEqual(['forget', 'export']);
      expect(events[1]?.details).toEqual({ count: 3 });
      expect((await log.list('u1', { action: 'export' })).length).toBe(1);
      expect((await log.list('u1', { beforeSeq: events[0]!.seq })).map((e) => e.action)).toEqual(['export']);
    });
  });
}

contract('SQLite', () => createSqliteAuditLog(openSqliteDatabase(':memory:')));
contract('in-memory fake', () => createInMemoryAuditLog());

describe('SQLite audit log', () => {
  it('is append-only: updates and deletes are refused by the database', async () => {
    const db = openSqliteDatabase(':memory:');
    await createSqliteAuditLog(db).record({
      userId: 'u1',
      at: 1,
      actor: 'cli',
      action: 'export',
      target: null,
      details: null,
    });
    expect(() => db.prepare('UPDATE audit_events SET action = ?').run('nothing')).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_events').run()).toThrow(/append-only/);
  });
});
