import { prunableInboxItemIds } from './inbox/inbox-store.ts';
import type { GoalProgress, InboxItem, ProgressEntry } from './types.ts';

/** What forgetting observations would do to the assistant's data: the inbox items and progress entries that go. */
export interface AssistantForgetPreview {
  /** Inbox items inferred from the observations (and nudges about them) that would be deleted. */
  inbox: InboxItem[];
  /** Inferred progress entries left without evidence, with the goal each counted towards. */
  progress: Array<{ entry: ProgressEntry; goal: { id: string; title: string } }>;
}

/**
 * Works out, changing nothing, which inbox items and goal progress entries a forget of `forgotten` (observation ids)
 * would delete: the rules of `InboxStore.prune` (`prunableInboxItemIds`) and `PrunableGoalStore.prune` (inferred,
 * unconfirmed entries whose every source is gone), applied to the sources as they would be after the forget. Only
 * what the forget itself causes is listed, not what was already orphaned.
 */
export function assistantForgetPreview(
  items: readonly InboxItem[],
  goals: readonly GoalProgress[],
  forgotten: ReadonlySet<string>,
): AssistantForgetPreview {
  const prunable = (gone: ReadonlySet<string>): Set<string> =>
    new Set(
      prunableInboxItemIds(
        items.map((item) => ({
          id: item.id,
          dedupeKey: item.dedupeKey,
          liveSources: item.sources.filter((source) => !gone.has(source)).length,
        })),
      ),
    );
  const before = prunable(new Set());
  const after = prunable(forgotten);
  const inbox = items.filter((item) => after.has(item.id) && !before.has(item.id));

  const progress = goals.flatMap(({ goal, entries }) =>
    entries
      .filter(
        (entry) =>
          entry.origin !== 'person' &&
          entry.status !== 'confirmed' &&
          entry.sources.some((source) => forgotten.has(source)) &&
          entry.sources.every((source) => forgotten.has(source)),
      )
      .map((entry) => ({ entry, goal: { id: goal.id, title: goal.title } })),
  );
  return { inbox, progress };
}
