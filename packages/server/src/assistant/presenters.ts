import type {
  AssistantSettingsWire,
  DigestWire,
  GoalWire,
  InboxItemWire,
  PendingActionWire,
  PersonAssistantViewWire,
  ProgressEntryWire,
} from '@familiar/protocol';
import { toIso } from '../kernel/index.ts';
import { presentPerson } from '../memory/index.ts';
import type { PersonAssistantView } from './assistant-service.ts';
import type { Digest } from './proactive/index.ts';
import type { AssistantSettings, GoalProgress, InboxItem, PendingAction, ProgressEntry } from './types.ts';

const iso = (ms: number | null): string | null => (ms === null ? null : toIso(ms));

/** The wire form of a goal with where it stands. */
export function presentGoal({
  goal,
  current,
  fraction,
  expectedFraction,
  behind,
  summary,
}: GoalProgress): GoalWire {
  return {
    id: goal.id,
    title: goal.title,
    text: goal.text,
    activity: goal.activity,
    about: goal.about,
    target: goal.target,
    deadline: iso(goal.deadline),
    plan: goal.plan,
    status: goal.status,
    startedAt: toIso(goal.startedAt),
    createdAt: toIso(goal.createdAt),
    updatedAt: toIso(goal.updatedAt),
    progress: { current, fraction, expectedFraction, behind, summary },
  };
}

/** The wire form of a progress entry. */
export function presentProgress(entry: ProgressEntry): ProgressEntryWire {
  return {
    id: entry.id,
    goalId: entry.goalId,
    amount: entry.amount,
    unit: entry.unit,
    at: toIso(entry.at),
    confidence: entry.confidence,
    status: entry.status,
    origin: entry.origin,
    evidence: entry.evidence,
    sources: entry.sources,
  };
}

/** The wire form of an inbox item. */
export function presentInboxItem(item: InboxItem): InboxItemWire {
  return {
    id: item.id,
    kind: item.kind,
    title: item.title,
    body: item.body,
    due: iso(item.due),
    reason: item.reason,
    status: item.status,
    snoozedUntil: iso(item.snoozedUntil),
    factId: item.factId,
    goalId: item.goalId,
    personId: item.personId,
    notifiedAt: iso(item.notifiedAt),
    completedAt: iso(item.completedAt),
    sources: item.sources,
    createdAt: toIso(item.createdAt),
  };
}

/** The wire form of an action waiting for confirmation. */
export function presentAction(action: PendingAction): PendingActionWire {
  return {
    id: action.id,
    tool: action.tool,
    arguments: action.arguments,
    summary: action.summary,
    status: action.status,
    result: action.result ?? null,
    requestedBy: action.requestedBy,
    origin: action.origin
      ? {
          ...action.origin,
          sources: action.origin.sources.map((source) => ({ ...source, capturedAt: iso(source.capturedAt) })),
        }
      : null,
    decidedBy: action.decidedBy,
    createdAt: toIso(action.createdAt),
    decidedAt: iso(action.decidedAt),
    expiresAt: toIso(action.expiresAt),
  };
}

/** The wire form of the assistant settings. */
export function presentSettings(settings: AssistantSettings): AssistantSettingsWire {
  return { ...settings, notNowUntil: iso(settings.notNowUntil) };
}

/** The wire form of a digest. */
export function presentDigest(digest: Digest): DigestWire {
  return {
    day: digest.day,
    text: digest.text,
    happened: digest.happened.map((entry) => ({ ...entry, startedAt: toIso(entry.startedAt) })),
    counts: { ...digest.counts },
    progress: digest.progress.map((entry) => ({
      goalId: entry.goal.id,
      title: entry.goal.title,
      summary: entry.summary,
      behind: entry.behind,
    })),
    openLoops: digest.openLoops.map(presentInboxItem),
    tomorrow: digest.tomorrow.map((entry) => ({
      label: entry.label,
      date: entry.date,
      personId: entry.personId,
    })),
  };
}

/** The wire form of a person as the assistant sees them. */
export function presentPersonAssistantView(view: PersonAssistantView): PersonAssistantViewWire {
  return {
    person: presentPerson(view.person),
    openPromises: view.openPromises.map(presentInboxItem),
    followUps: view.followUps.map(presentInboxItem),
    nextDates: view.nextDates.map((entry) => ({ ...entry })),
    lastInteraction:
      view.lastInteraction === null
        ? null
        : { at: toIso(view.lastInteraction.at), how: view.lastInteraction.how },
  };
}
