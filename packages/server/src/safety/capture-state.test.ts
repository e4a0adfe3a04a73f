import { describe, expect, it } from 'vitest';
import { databaseWithUsers } from '../../test/support/database.ts';
import {
  type CaptureStateStore,
  createInMemoryCaptureStateStore,
  createSqliteCaptureStateStore,
  presentCaptureState,
} from './capture-state.ts';

function contract(name: string, make: () => CaptureStateStore) {
  describe(`CaptureStateStore contract: ${name}`, () => {
    it('keeps one state per user and reports changes since a time', async () => {
      const store = make();
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
  });
}

contract('SQLite', () => {
  const db = databaseWithUsers('u1', 'u2');
  return createSqliteCaptureStateStore(db);
});
contract('in-memory fake', () => createInMemoryCaptureStateStore());
