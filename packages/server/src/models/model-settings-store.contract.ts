import { describe, expect, it } from 'vitest';
import type { ModelSettingsStore } from './model-settings-store.ts';

/** What a contract run needs: a fresh, empty model settings store, with the users `u1` and `u2` already known. */
export type ModelSettingsStoreFactory = () => Promise<ModelSettingsStore>;

/** The model settings store's contract. */
export function describeModelSettingsStoreContract(name: string, make: ModelSettingsStoreFactory): void {
  describe(`ModelSettingsStore contract: ${name}`, () => {
    it('has nothing for a person who never set the switch, and keeps one setting per person', async () => {
      const store = await make();
      expect(await store.get('u1')).toBeNull();
      await store.set({ userId: 'u1', openOnly: true, changedAt: 100, changedBy: 'cli' });
      expect(await store.get('u1')).toEqual({
        userId: 'u1',
        openOnly: true,
        changedAt: 100,
        changedBy: 'cli',
      });
      expect(await store.get('u2')).toBeNull();
      await store.set({ userId: 'u2', openOnly: true, changedAt: 200, changedBy: 'device:d1' });
      await store.set({ userId: 'u1', openOnly: false, changedAt: 300, changedBy: 'web:abcd1234' });
      expect(await store.get('u1')).toEqual({
        userId: 'u1',
        openOnly: false,
        changedAt: 300,
        changedBy: 'web:abcd1234',
      });
      expect(await store.get('u2')).toEqual({
        userId: 'u2',
        openOnly: true,
        changedAt: 200,
        changedBy: 'device:d1',
      });
    });

    it('keeps epoch-millisecond times whole, and what it returns is a copy', async () => {
      const store = await make();
      const at = Date.parse('2026-03-02T10:00:00.123Z');
      await store.set({ userId: 'u2', openOnly: true, changedAt: at, changedBy: 'cli' });
      const read = await store.get('u2');
      expect(read).toEqual({ userId: 'u2', openOnly: true, changedAt: at, changedBy: 'cli' });
      if (read) read.openOnly = false;
      expect((await store.get('u2'))?.openOnly).toBe(true);
    });
  });
}
