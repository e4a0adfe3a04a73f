import { describe, expect, it } from 'vitest';
import { freshPostgres, postgresLabel } from '../../test/support/postgres.ts';
import { describeAuditLogContract } from './audit-log.contract.ts';
import { createPostgresAuditLog } from './postgres-audit-log.ts';

describeAuditLogContract(postgresLabel, async () => createPostgresAuditLog(await freshPostgres()));

describe('PostgreSQL audit log', () => {
  it('is append-only: updates and deletes are refused by the database', async () => {
    const client = await freshPostgres();
    await createPostgresAuditLog(client).record({
      userId: 'u1',
      at: 1,
      actor: 'cli',
      action: 'export',
      target: null,
      details: null,
    });
    await expect(client.query('UPDATE audit_events SET action = $1', ['nothing'])).rejects.toThrow(
      /append-only/,
    );
    await expect(client.query('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
    expect((await client.query('SELECT action FROM audit_events')).rows).toEqual([{ action: 'export' }]);
  });

  it('says so when a stored details document is not an object, rather than guessing', async () => {
    const client = await freshPostgres();
    await client.query(
      "INSERT INTO audit_events (user_id, at, actor, action, target, details) VALUES ('u1', 1, 'cli', 'export', NULL, '[1]')",
    );
    await expect(createPostgresAuditLog(client).list('u1')).rejects.toMatchObject({ code: 'storage_failed' });
  });
});
