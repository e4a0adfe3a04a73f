export {
  ACTION_MOVES,
  type ActionStatus,
  ActionStatusSchema,
  actionConflict,
  createSqliteActionStore,
  type NewPendingAction,
  NewPendingActionSchema,
  validateMove,
  validateNewAction,
} from './action-store.ts';
export { commitmentItem, dueOnDay, isFromWearer, parseReminder } from './commitments.ts';
export { type Completion, findCompletions } from './completion.ts';
export { createInMemoryActionStore } from './in-memory-action-store.ts';
export { createInMemoryInboxStore } from './in-memory-inbox-store.ts';
export { createInMemorySettingsStore } from './in-memory-settings-store.ts';
export {
  createSqliteInboxStore,
  type InboxChanges,
  InboxChangesSchema,
  InboxKindSchema,
  InboxStatusSchema,
  isDueForNotification,
  NewInboxItemSchema,
  notificationTime,
  OPEN_INBOX_STATUSES,
  validateInboxChanges,
  validateNewInboxItem,
} from './inbox-store.ts';
export { createPostgresActionStore } from './postgres-action-store.ts';
export { createPostgresInboxStore } from './postgres-inbox-store.ts';
export { createPostgresSettingsStore } from './postgres-settings-store.ts';
export {
  AssistantSettingsSchema,
  createSqliteSettingsStore,
  DEFAULT_SETTINGS,
  LocalTimeSchema,
  PartialAssistantSettingsSchema,
  resolveSettings,
  validateSettings,
} from './settings-store.ts';
