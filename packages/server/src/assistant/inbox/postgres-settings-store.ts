import { FamiliarError } from '../../kernel/index.ts';
import type { PostgresClient } from '../../storage/index.ts';
import type { AssistantSettings, SettingsStore } from '../types.ts';
import { PartialAssistantSettingsSchema, validateSettings } from './settings-store.ts';

const readStored = async (
  client: PostgresClient,
  userId: string,
  lock: boolean,
): Promise<Partial<AssistantSettings>> => {
  const { rows } = await client.query<{ settings: unknown }>(
    `SELECT settings FROM assistant_settings WHERE user_id = $1${lock ? ' FOR UPDATE' : ''}`,
    [userId],
  );
  const row = rows[0];
  if (!row) return {};
  const parsed = PartialAssistantSettingsSchema.safeParse(row.settings);
  if (!parsed.success)
    throw new FamiliarError(
      'storage_failed',
      'stored JSON in assistant_settings.settings does not match its schema',
    );
  return parsed.data;
};

/**
 * Settings in PostgreSQL (table `assistant_settings`, migration 7): one JSONB document per user. `set` merges the
 * given fields over the stored ones inside the upsert (`||`), so two writers never lose each other's fields; the
 * stored document is checked first, under a row lock, so a damaged one is an error, never a wrong setting.
 */
export function createPostgresSettingsStore(client: PostgresClient): SettingsStore {
  return {
    get(userId) {
      return readStored(client, userId, false);
    },
    async set(userId, settings, at) {
      const valid = validateSettings(settings);
      await client.transaction(async (tx) => {
        await readStored(tx, userId, true);
        await tx.query(
          `INSERT INTO assistant_settings (user_id, settings, updated_at) VALUES ($1, $2::jsonb, $3)
           ON CONFLICT (user_id) DO UPDATE
             SET settings = assistant_settings.settings || excluded.settings, updated_at = excluded.updated_at`,
          [userId, JSON.stringify(valid), at],
        );
      });
    },
  };
}
