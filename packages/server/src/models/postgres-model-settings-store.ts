import type { PostgresClient } from '../storage/index.ts';
import type { ModelSettingsStore, StoredModelSettings } from './model-settings-store.ts';

interface Row {
  user_id: string;
  open_only: boolean;
  changed_at: number;
  changed_by: string;
}

const toSettings = (row: Row): StoredModelSettings => ({
  userId: row.user_id,
  openOnly: row.open_only,
  changedAt: row.changed_at,
  changedBy: row.changed_by,
});

/** The model settings in PostgreSQL; `set` is one upsert, so servers sharing the database see it at their next call. */
export function createPostgresModelSettingsStore(client: PostgresClient): ModelSettingsStore {
  return {
    async get(userId) {
      const { rows } = await client.query<Row>(
        'SELECT user_id, open_only, changed_at, changed_by FROM model_settings WHERE user_id = $1',
        [userId],
      );
      return rows[0] ? toSettings(rows[0]) : null;
    },
    async set(settings) {
      await client.query(
        `INSERT INTO model_settings (user_id, open_only, changed_at, changed_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE SET open_only = excluded.open_only, changed_at = excluded.changed_at, changed_by = excluded.changed_by`,
        [settings.userId, settings.openOnly, settings.changedAt, settings.changedBy],
      );
    },
  };
}
