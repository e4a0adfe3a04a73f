import { describe, expect, it } from 'vitest';
import type { AuditLog } from './audit-log.ts';

/** What a contract run needs: a fresh, empty audit log (its users need not exist). */
export type AuditLogFactory = () => Promise<AuditLog>;

/** The audit log's contract. */
export function describeAuditLogContract(name: string, make: AuditLogFactory): void {
  describe(`AuditLog contract: ${name}`, () => {
    it('lists a user’s events newest first, filtered and paged', async () => {
      const log = await make();
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

    it('keeps every field as recorded and honours the limit', async () => {
      const log = await make();
      const details = { ids: ['a', 'b'], nested: { ok: true, n: 1.5 }, note: null };
      await log.record({
        userId: 'u1',
        at: 1_764_385_260_000,
        actor: 'signed-link',
        action: 'media.read',
        target: 'blob1',
        details,
      });
      for (let at = 2; at <= 4; at += 1)
        await log.record({
          userId: 'u1',
          at,
          actor: 'cli',
          action: 'observations.read',
          target: null,
          details: null,
        });
      const [newest, ...rest] = await log.list('u1');
      expect(newest).toMatchObject({
        userId: 'u1',
        at: 4,
        actor: 'cli',
        action: 'observations.read',
        target: null,
        details: null,
      });
      expect(rest.at(-1)).toMatchObject({
        userId: 'u1',
        at: 1_764_385_260_000,
        actor: 'signed-link',
        action: 'media.read',
        target: 'blob1',
        details,
      });
      expect(rest.at(-1)!.seq).toBeLessThan(newest!.seq);
      expect((await log.list('u1', { limit: 2 })).map((e) => e.at)).toEqual([4, 3]);
      expect(await log.list('u1', { action: 'nothing' })).toEqual([]);
      expect(await log.list('u2')).toEqual([]);
    });
  });
}
