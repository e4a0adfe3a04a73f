import { describe, expect, it } from 'vitest';
import type { AssistantSettings, SettingsStore } from '../types.ts';

const T0 = Date.parse('2026-03-02T10:00:00Z');

/** What a contract run needs: a fresh, empty settings store, with the users `alice` and `bob` already known. */
export type SettingsStoreFactory = () => Promise<SettingsStore>;

/** The settings store's contract. */
export function describeSettingsStoreContract(name: string, make: SettingsStoreFactory): void {
  describe(`SettingsStore: ${name}`, () => {
    it('starts empty and keeps what a user chose, merged field by field', async () => {
      const settings = await make();
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
      const settings = await make();
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
      const settings = await make();
      await settings.set('alice', { maxPerHour: 1 }, T0);
      await settings.set('alice', { maxPerHour: undefined, dateLeadDays: 3 }, T0 + 1);
      expect(await settings.get('alice')).toEqual({ maxPerHour: 1, dateLeadDays: 3 });
    });

    it('keeps both changes when two callers set different fields at once', async () => {
      const settings = await make();
      await Promise.all([
        settings.set('alice', { maxPerHour: 5 }, T0),
        settings.set('alice', { digestAt: '21:00' }, T0),
        settings.set('bob', { dateLeadDays: 2 }, T0),
      ]);
      expect(await settings.get('alice')).toEqual({ maxPerHour: 5, digestAt: '21:00' });
      expect(await settings.get('bob')).toEqual({ dateLeadDays: 2 });
    });
  });
}
