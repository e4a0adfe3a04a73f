import type { SqliteDatabase } from '../storage/index.ts';

/** A person's own model settings as stored: the "open models only" switch, when it last changed and by whom. */
export interface StoredModelSettings {
  userId: string;
  openOnly: boolean;
  changedAt: number;
  /** The actor that changed it: `cli`, `device:<id>` or `web:<session>`. */
  changedBy: string;
}

/**
 * Each person's model settings, kept in the database so the CLI (another process) can change them and every server
 * routes the next call by them. A person who never set them has no row (the switch is off). Forgetting memories
 * leaves them alone: they restrict where data goes, and forgetting must never loosen that.
 */
export interface ModelSettingsStore {
  get(userId: string): Promise<StoredModelSettings | null>;
  set(settings: StoredModelSettings): Promise<void>;
}

interface Row {
  user_id: string;
  open_only: number;
  changed_at: number;
  changed_by: string;
}

const toSettings = (row: Row): StoredModelSettings => ({
  userId: row.user_id,
  openOnly: row.open_only === 1,
  changedAt: row.changed_at,
  changedBy: row.changed_by,
});

/** The model settings in SQLite; `set` is one upsert. */
export function createSqliteModelSettingsStore(db: SqliteDatabase): ModelSettingsStore {
  const get = db.prepare<[string], Row>(
    'SELECT user_id, open_only, changed_at, changed_by FROM model_settings WHERE user_id = ?',
  );
  const set = db.prepare(
    `INSERT INTO model_settings (user_id, open_only, changed_at, changed_by) VALUES (?, ?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET open_only = excluded.open_only, changed_at = excluded.changed_at, changed_by = excluded.changed_by`,
  );
  return {
    async get(userId) {
      const row = get.get(userId);
      return row ? toSettings(row) : null;
    },
    async set(settings) {
      set.run(settings.userId, settings.openOnly ? 1 : 0, settings.changedAt, settings.changedBy);
    },
  };
}

/** The in-memory fake of the model settings store. */
export function createInMemoryModelSettingsStore(): ModelSettingsStore {
  const settings = new Map<string, StoredModelSettings>();
  return {
    async get(userId) {
      const found = settings.get(userId);
      return found ? { ...found } : null;
    },
    async set(next) {
      settings.set(next.userId, { ...next });
    },
  };
}
