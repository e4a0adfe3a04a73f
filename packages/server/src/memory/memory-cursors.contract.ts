import { describe, expect, it } from 'vitest';
import type { MemoryCursors } from './memory-cursors.ts';

/** What a contract run needs: fresh, empty cursors, with the users `alice` and `bob` already known. */
export type MemoryCursorsFactory = () => Promise<MemoryCursors>;

/** The memory cursors' contract. */
export function describeMemoryCursorsContract(name: string, make: MemoryCursorsFactory): void {
  describe(`MemoryCursors contract: ${name}`, () => {
    it('starts every stage at 0 and keeps the last position set, per user and stage', async () => {
      const cursors = await make();
      expect(await cursors.get('alice', 'facts')).toBe(0);
      await cursors.set('alice', 'facts', 12, 1_000);
      await cursors.set('alice', 'episodes', 7, 1_000);
      await cursors.set('bob', 'facts', 3, 1_000);
      await cursors.set('alice', 'facts', 1_764_385_260_000, 2_000);
      expect(await cursors.get('alice', 'facts')).toBe(1_764_385_260_000);
      expect(await cursors.get('alice', 'episodes')).toBe(7);
      expect(await cursors.get('bob', 'facts')).toBe(3);
      expect(await cursors.get('bob', 'episodes')).toBe(0);
      // A cursor may be moved back (the assistant stage is rewound by hand).
      await cursors.set('alice', 'episodes', 2, 3_000);
      expect(await cursors.get('alice', 'episodes')).toBe(2);
    });

    it('sends every stage of one user back to the start on reset', async () => {
      const cursors = await make();
      await cursors.set('alice', 'facts', 12, 1_000);
      await cursors.set('alice', 'vectors', 9, 1_000);
      await cursors.set('bob', 'facts', 3, 1_000);
      await cursors.reset('alice');
      await cursors.reset('nobody');
      expect(await cursors.get('alice', 'facts')).toBe(0);
      expect(await cursors.get('alice', 'vectors')).toBe(0);
      expect(await cursors.get('bob', 'facts')).toBe(3);
      await cursors.set('alice', 'facts', 4, 2_000);
      expect(await cursors.get('alice', 'facts')).toBe(4);
    });
  });
}
