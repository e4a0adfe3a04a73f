import type { AssistantSettings, SettingsStore } from '../types.ts';
import { validateSettings } from './settings-store.ts';

/**
 * The in-memory fake of the settings store: the same merge and validation as the SQLite store, and the writes it
 * saw (`writes`), for tests of the services above it.
 */
export function createInMemorySettingsStore(): SettingsStore & {
  readonly writes: ReadonlyArray<{ userId: string; settings: Partial<AssistantSettings>; at: number }>;
} {
  const users = new Map<string, Partial<AssistantSettings>>();
  const writes: Array<{ userId: string; settings: Partial<AssistantSettings>; at: number }> = [];
  return {
    writes,
    async get(userId) {
      return structuredClone(users.get(userId) ?? {});
    },
    async set(userId, settings, at) {
      const valid = validateSettings(settings);
      users.set(userId, { ...(users.get(userId) ?? {}), ...structuredClone(valid) });
      writes.push({ userId, settings: structuredClone(valid), at });
    },
  };
}
