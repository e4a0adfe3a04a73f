import { describe, expect, it } from 'vitest';
import { type CaptureStateStore, presentCaptureState } from './capture-state.ts';

/** What a contract run needs: a fresh, empty capture state store, with the users `u1` and `u2` already known. */
export type CaptureStateStoreFactory = () => Promise<CaptureStateStore>;

/** The capture state store's contract. */
export function describeCaptureStateStoreContract(name: string, make: CaptureStateStoreFactory): void {
  describe(`CaptureStateStore contract: ${name}`, () => {
    it('keeps one state per user and reports changes since a time', async () => {
      const store = await make();
      expect(await store.get('u1')).toBeNull();
      expect(presentCaptureState(await store.get('u1'))).toEqual({ paused: false, since: null, by: null });
      await store.set({ userId: 'u1', paused: true, changedAt: 100, changedBy: 'cli' });
      await store.set({ userId: 'u2', paused: true, changedAt: 200, changedBy: 'device:d1' });
      await store.set({ userId: 'u1', paused: false, changedAt: 300, changedBy: 'device:d2' });
      expect(await store.get('u1')).toEqual({
        userId: 'u1',
        paused: false,
        changedAt: 300,
        changedBy: 'device:d2',
      });
      expect((await store.changedSince(150)).map((s) => s.userId)).toEqual(['u2', 'u1']);
      expect(await store.changedSince(300)).toEqual([]);
      expect(presentCaptureState(await store.get('u2'))).toEqual({
        paused: true,
        since: '1970-01-01T00:00:00.200Z',
        by: 'device:d1',
      });
    });

    it('keeps epoch-millisecond times whole and reports every change after the time given', async () => {
      const store = await make();
      const at = Date.parse('2026-03-02T10:00:00Z');
      await store.set({ userId: 'u2', paused: true, changedAt: at, changedBy: 'cli' });
      await store.set({ userId: 'u1', paused: false, changedAt: at + 1, changedBy: 'cli' });
      expect(await store.get('u2')).toEqual({ userId: 'u2', paused: true, changedAt: at, changedBy: 'cli' });
      expect(await store.changedSince(at - 1)).toEqual([
        { userId: 'u2', paused: true, changedAt: at, changedBy: 'cli' },
        { userId: 'u1', paused: false, changedAt: at + 1, changedBy: 'cli' },
      ]);
      expect((await store.changedSince(at)).map((s) => s.userId)).toEqual(['u1']);
    });
  });
}
