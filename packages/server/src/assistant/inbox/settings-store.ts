import { z } from 'zod';
import { describeIssues, ValidationError } from '../../kernel/index.ts';
import { parseJsonColumn, type SqliteDatabase } from '../../storage/index.ts';
import type { AssistantSettings, SettingsStore } from '../types.ts';

/** A local time of day, "HH:MM" on a 24-hour clock. */
export const LocalTimeSchema = z
  .string()
  .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'a local time as "HH:MM" (24-hour), e.g. "07:30"');

/** Quiet hours: both ends or none; they may cross midnight ("22:00"–"07:00") but not be empty. */
const QuietHoursSchema = z
  .strictObject({ start: LocalTimeSchema, end: LocalTimeSchema })
  .refine((quiet) => quiet.start !== quiet.end, 'quiet hours need a start and an end that differ')
  .nullable();

/** The assistant settings of one user, every field checked (what `resolveSettings` returns). */
export const AssistantSettingsSchema = z.strictObject({
  quietHours: QuietHoursSchema,
  digestAt: LocalTimeSchema.nullable(),
  maxPerHour: z.number().int().min(0).max(60),
  maxPerDay: z.number().int().min(0).max(500),
  notNowUntil: z.number().int().nonnegative().nullable(),
  dateLeadDays: z.number().int().min(0).max(60),
  reminderLeadMinutes: z.number().int().min(0).max(1_440),
});

/** Some of the settings (what a user has chosen), each checked as `AssistantSettingsSchema` checks it. */
export const PartialAssistantSettingsSchema = AssistantSettingsSchema.partial();

/** What a user gets until they choose otherwise. */
export const DEFAULT_SETTINGS: AssistantSettings = {
  quietHours: { start: '22:00', end: '07:00' },
  digestAt: '20:00',
  maxPerHour: 4,
  maxPerDay: 20,
  notNowUntil: null,
  dateLeadDays: 7,
  reminderLeadMinutes: 0,
};

const KEYS = Object.keys(DEFAULT_SETTINGS) as Array<keyof AssistantSettings>;

/**
 * The settings in force: what the user stored, over the deployment's `defaults` (from configuration), over
 * `DEFAULT_SETTINGS`. Fields left undefined fall through to the next layer; `null` is a choice ("no quiet hours").
 */
export function resolveSettings(
  stored: Partial<AssistantSettings>,
  defaults: Partial<AssistantSettings> = {},
): AssistantSettings {
  const resolved = { ...DEFAULT_SETTINGS };
  for (const layer of [defaults, stored])
    for (const key of KEYS) {
      const value = layer[key];
      if (value !== undefined) Object.assign(resolved, { [key]: value });
    }
  return resolved;
}

/** Checks settings a user wants to store; throws `ValidationError` listing what is wrong. */
export function validateSettings(settings: Partial<AssistantSettings>): Partial<AssistantSettings> {
  const result = PartialAssistantSettingsSchema.safeParse(withoutUndefined(settings));
  if (!result.success)
    throw new ValidationError('invalid assistant settings', describeIssues(result.error.issues));
  return result.data;
}

function withoutUndefined(settings: Partial<AssistantSettings>): Partial<AssistantSettings> {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}

/**
 * Settings in SQLite (table `assistant_settings`, migration 7): one JSON document per user. `set` merges the given
 * fields over the stored ones, so a caller changes only what it names; a stored document that no longer matches
 * the schema is an error, never a wrong setting.
 */
export function createSqliteSettingsStore(db: SqliteDatabase): SettingsStore {
  const read = db.prepare<[string], { settings: string }>(
    'SELECT settings FROM assistant_settings WHERE user_id = ?',
  );
  const write = db.prepare(
    `INSERT INTO assistant_settings (user_id, settings, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`,
  );
  const get = (userId: string): Partial<AssistantSettings> =>
    parseJsonColumn(
      PartialAssistantSettingsSchema,
      read.get(userId)?.settings ?? null,
      'assistant_settings.settings',
    ) ?? {};
  const set = db.transaction((userId: string, settings: Partial<AssistantSettings>, at: number) => {
    write.run(userId, JSON.stringify({ ...get(userId), ...settings }), at);
  });
  return {
    async get(userId) {
      return get(userId);
    },
    async set(userId, settings, at) {
      set.immediate(userId, validateSettings(settings), at);
    },
  };
}
