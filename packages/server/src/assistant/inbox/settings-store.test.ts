import { describe, expect, it } from 'vitest';
import { databaseWithUsers } from '../../../test/support/database.ts';
import type { AssistantSettings, SettingsStore } from '../types.ts';
import { createInMemorySettingsStore } from './in-memory-settings-store.ts';
import {
  AssistantSettingsSchema,
  createSqliteSettingsStore,
  DEFAULT_SETTINGS,
  resolveSettings,
} from './settings-store.ts';

const T0 = Date.parse('2026-03-02T10:00:00Z');

function describeSettingsStore(name: string, make: () => SettingsStore): void {
  describe(`SettingsStore: ${name}`, () => {
    it('starts empty and keeps what a user chose, merged field by field', async () => {
      const settings = make();
      expect(await settings.get('alice')).toEqual({});
      await settings.set('alice', { quietHours: { start: '23:00', end: '06:30' }, maxPerHour: 2 }, T0);
      await settings.set('alice', { digestAt: null, maxPerHour: 3, notNowUntil: T0 + 3_600_000 }, T0 + 1);
      expect(await settings.get('alice')).toEqual({
        quietHours: { start: '23:00', end: '06:30' },
        digestAt: null,
        maxPerHour: 3,
        notNowUntil: T0 + 3_600_000,
      });
      await settings.set('alice', { quietHours: null, notNowUntil: null }, T0 + 2);
      expect(await settings.get('alice')).toMatchObject({
        quietHours: null,
        notNowUntil: null,
        maxPerHour: 3,
      });
      expect(await settings.get('bob')).toEqual({});
    });

    it('refuses invalid settings and keeps the stored ones', async () => {
      const settings = make();
      await settings.set('alice', { maxPerDay: 10 }, T0);
      const invalid: Array<Record<string, unknown>> = [
        { quietHours: { start: '22:00' } },
        { quietHours: { start: '22:00', end: '22:00' } },
        { quietHours: { start: '24:00', end: '07:00' } },
        { digestAt: '8pm' },
        { digestAt: '7:30' },
        { maxPerHour: 61 },
        { maxPerDay: -1 },
        { maxPerDay: 2.5 },
        { dateLeadDays: 61 },
        { reminderLeadMinutes: 1_441 },
        { notNowUntil: 'tomorrow' },
        { loud: true },
      ];
      for (const change of invalid)
        await expect(
          settings.set('alice', change as Partial<AssistantSettings>, T0 + 1),
          JSON.stringify(change),
        ).rejects.toMatchObject({ code: 'validation_failed' });
      expect(await settings.get('alice')).toEqual({ maxPerDay: 10 });
    });

    it('ignores fields given as undefined', async () => {
      const settings = make();
      await settings.set('alice', { maxPerHour: 1 }, T0);
      await settings.set('alice', { maxPerHour: undefined, dateLeadDays: 3 }, T0 + 1);
      expect(await settings.get('alice')).toEqual({ maxPerHour: 1, dateLeadDays: 3 });
    });
  });
}

describeSettingsStore('SQLite', () => createSqliteSettingsStore(databaseWithUsers('alice', 'bob')));
describeSettingsStore('in-memory fake', () => createInMemorySettingsStore());

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
