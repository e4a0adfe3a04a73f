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

    it('filters by action prefix and by time, together with the page and the limit', async () => {
      const log = await make();
      const actions = ['model.call', 'data.export', 'model.call', 'memory.forget', 'modelling', 'model.call'];
      for (const [index, action] of actions.entries())
        await log.record({
          userId: 'u1',
          at: 1_000 * (index + 1),
          actor: 'cli',
          action,
          target: null,
          details: null,
        });
      await log.record({
        userId: 'u2',
        at: 3_500,
        actor: 'cli',
        action: 'model.call',
        target: null,
        details: null,
      });
      const models = await log.list('u1', { actionPrefix: 'model.' });
      expect(models.map((e) => e.at)).toEqual([6_000, 3_000, 1_000]);
      expect((await log.list('u1', { actionPrefix: 'model' })).length).toBe(4);
      expect((await log.list('u1', { actionPrefix: 'data.export' })).map((e) => e.action)).toEqual([
        'data.export',
      ]);
      expect((await log.list('u1', { sinceMs: 2_000, untilMs: 4_000 })).map((e) => e.at)).toEqual([
        3_000, 2_000,
      ]);
      expect(
        (await log.list('u1', { actionPrefix: 'model.', sinceMs: 2_000, limit: 1 })).map((e) => e.at),
      ).toEqual([6_000]);
      expect(
        (await log.list('u1', { actionPrefix: 'model.', beforeSeq: models[0]!.seq })).map((e) => e.at),
      ).toEqual([3_000, 1_000]);
      expect(await log.list('u1', { actionPrefix: "model.' OR 1=1 --" })).toEqual([]);
      expect(await log.list('u1', { actionPrefix: '%' })).toEqual([]);
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
