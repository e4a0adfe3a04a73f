import { describe, expect, it } from 'vitest';
import { databaseWithUsers } from '../../../test/support/database.ts';
import { createInMemorySettingsStore } from './in-memory-settings-store.ts';
import { describeSettingsStoreContract } from './settings-store.contract.ts';
import {
  AssistantSettingsSchema,
  createSqliteSettingsStore,
  DEFAULT_SETTINGS,
  resolveSettings,
} from './settings-store.ts';

const T0 = Date.parse('2026-03-02T10:00:00Z');

describeSettingsStoreContract('SQLite', async () =>
  createSqliteSettingsStore(databaseWithUsers('alice', 'bob')),
);
describeSettingsStoreContract('in-memory fake', async () => createInMemorySettingsStore());

describe('SQLite settings store', () => {
  it('says so when the stored document is damaged, rather than guessing', async () => {
    const db = databaseWithUsers('alice');
    const settings = createSqliteSettingsStore(db);
    db.prepare('INSERT INTO assistant_settings (user_id, settings, updated_at) VALUES (?, ?, ?)').run(
      'alice',
      '{"maxPerHour": "lots"}',
      T0,
    );
    await expect(settings.get('alice')).rejects.toMatchObject({ code: 'storage_failed' });
  });

  it('records when the settings last changed', async () => {
    const db = databaseWithUsers('alice');
    await createSqliteSettingsStore(db).set('alice', { maxPerHour: 2 }, T0 + 5);
    expect(db.prepare('SELECT updated_at FROM assistant_settings WHERE user_id = ?').get('alice')).toEqual({
      updated_at: T0 + 5,
    });
  });
});

describe('resolveSettings', () => {
  it('layers what the user chose over configured defaults over the built-in ones', () => {
    expect(resolveSettings({})).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS).toEqual({
      quietHours: { start: '22:00', end: '07:00' },
      digestAt: '20:00',
      maxPerHour: 4,
      maxPerDay: 20,
      notNowUntil: null,
      dateLeadDays: 7,
      reminderLeadMinutes: 0,
    });
    expect(
      resolveSettings(
        { quietHours: null, maxPerHour: 1, dateLeadDays: undefined },
        { maxPerHour: 10, dateLeadDays: 14, digestAt: '21:30' },
      ),
    ).toEqual({ ...DEFAULT_SETTINGS, quietHours: null, maxPerHour: 1, dateLeadDays: 14, digestAt: '21:30' });
  });

  it('gives settings the schema accepts', () => {
    expect(AssistantSettingsSchema.safeParse(DEFAULT_SETTINGS).success).toBe(true);
    expect(
      AssistantSettingsSchema.safeParse({ ...DEFAULT_SETTINGS, quietHours: { start: '22:00' } }).success,
    ).toBe(false);
    expect(AssistantSettingsSchema.safeParse({ ...DEFAULT_SETTINGS, maxPerHour: undefined }).success).toBe(
      false,
    );
  });
});
