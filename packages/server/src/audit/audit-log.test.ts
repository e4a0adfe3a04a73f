import { describe, expect, it } from 'vitest';
import { openSqliteDatabase } from '../storage/index.ts';
import { describeAuditLogContract } from './audit-log.contract.ts';
import { createInMemoryAuditLog, createSqliteAuditLog } from './audit-log.ts';

describeAuditLogContract('SQLite', async () => createSqliteAuditLog(openSqliteDatabase(':memory:')));
describeAuditLogContract('in-memory fake', async () => createInMemoryAuditLog());

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
