/**
 * The assistant's domain: goals with evidence-based progress, the inbox (commitments, reminders, nudges, digests),
 * pending actions that wait for the person's confirmation, and per-user assistant settings. Times are epoch
 * milliseconds; local times ("22:00") are read in the user's timezone.
 */

// ---------------------------------------------------------------------------------------------------------------
// Goals

/**
 * How progress counts toward a goal's target:
 * - `max`: the best single entry ("run a 10k": the longest run so far);
 * - `sum`: the total of all entries ("run 100 km this year", "read 12 books");
 * - `cadence`: at least `target.amount` entries in every `target.period` ("call mum every week").
 */
export type GoalCounting = 'max' | 'sum' | 'cadence';

/** A measurable target: an amount of a unit, how entries count toward it, and for cadence goals the period. */
export interface GoalTarget {
  amount: number;
  /** Canonical unit: `km`, `minutes`, `books`, `pages`, `times`, `sessions`, `kg`, or a free word. */
  unit: string;
  counting: GoalCounting;
  /** For cadence goals, the period each `amount` must be reached in; null otherwise. */
  period: 'day' | 'week' | 'month' | null;
}

/** A goal the person set, with what counts as progress. */
export interface Goal {
  id: string;
  userId: string;
  /** Short title ("Run a 10k"). */
  title: string;
  /** The words the person used to set it. */
  text: string;
  /** The activity progress is about, as a verb lemma: `run`, `read`, `call`, `swim`, `write`, … */
  activity: string;
  /** Extra words that must appear for an observation to count (e.g. `mum` for "call mum every week"). */
  about: string[];
  target: GoalTarget;
  /** When the target should be reached (end of that local day), or null for open-ended and cadence goals. */
  deadline: number | null;
  /** Steps toward the goal (drafted by a model when one is configured, else by rules; always editable). */
  plan: string[];
  status: 'active' | 'achieved' | 'abandoned';
  /** Progress before this time does not count. */
  startedAt: number;
  createdAt: number;
  updatedAt: number;
}

/** What creating a goal names; the store adds the owner. */
export type NewGoal = Omit<Goal, 'userId'>;

/** Who or what recorded a progress entry. */
export type ProgressOrigin = 'rules' | 'model' | 'person';

/** One piece of evidence of progress toward a goal, linked to the observations it was inferred from. */
export interface ProgressEntry {
  id: string;
  userId: string;
  goalId: string;
  /** In the goal's unit (1 for one occurrence of a cadence goal or one book). */
  amount: number;
  unit: string;
  /** When the progress happened (the observation's capture time, or a time it names such as "this morning"). */
  at: number;
  confidence: number;
  /** `inferred` until the person confirms or rejects it; rejected entries do not count. */
  status: 'inferred' | 'confirmed' | 'rejected';
  origin: ProgressOrigin;
  /** The words that were taken as evidence. */
  evidence: string;
  /** Observation ids (the rows behind them cascade: forgetting an observation removes its entries). */
  sources: string[];
  createdAt: number;
  updatedAt: number;
}

/** What recording a progress entry names; sources are given by write position (`seq`). */
export type NewProgressEntry = Omit<ProgressEntry, 'userId' | 'sources' | 'updatedAt'>;

/** Where a goal stands: how far along, the pace it needs, and whether it is falling behind. */
export interface GoalProgress {
  goal: Goal;
  /** Best (`max`), total (`sum`), or occurrences in the current period (`cadence`). */
  current: number;
  /** 0..1 of the target (cadence: of this period's target). */
  fraction: number;
  /** Where the person should be by now on a straight line from start to deadline (0..1), or null without a deadline. */
  expectedFraction: number | null;
  /** True when progress lags the pace enough to say so (see `pace.ts`). */
  behind: boolean;
  /** One readable line: "6 of 10 km (longest run), due 31 Mar: on pace". */
  summary: string;
  entries: ProgressEntry[];
}

/** Goals and their progress entries. */
export interface GoalStore {
  add(userId: string, goal: NewGoal): Promise<Goal>;
  get(userId: string, id: string): Promise<Goal | null>;
  list(userId: string, options?: { status?: Goal['status'] | 'all' }): Promise<Goal[]>;
  update(
    userId: string,
    id: string,
    changes: Partial<
      Pick<Goal, 'title' | 'target' | 'deadline' | 'plan' | 'status' | 'about' | 'activity'>
    > & {
      updatedAt: number;
    },
  ): Promise<Goal>;
  remove(userId: string, id: string): Promise<void>;
  /**
   * Records a progress entry with its source observations (by write position). Idempotent per (goal, source
   * observations): recording the same evidence again returns the existing entry.
   */
  recordProgress(
    userId: string,
    entry: NewProgressEntry,
    sourceSeqs: readonly number[],
  ): Promise<ProgressEntry>;
  listProgress(userId: string, goalId: string): Promise<ProgressEntry[]>;
  getProgress(userId: string, id: string): Promise<ProgressEntry | null>;
  setProgressStatus(
    userId: string,
    id: string,
    status: ProgressEntry['status'],
    at: number,
  ): Promise<ProgressEntry>;
}

// ---------------------------------------------------------------------------------------------------------------
// Inbox

/** What an inbox item is: something the person committed to, asked to be reminded of, a nudge, or a daily digest. */
export type InboxKind = 'commitment' | 'reminder' | 'nudge' | 'digest';

/**
 * - `pending`: open;
 * - `to_confirm`: inferred from someone whose voice is not known to be the wearer's, waiting for the person to
 *   confirm it is theirs;
 * - `snoozed`: hidden until `snoozedUntil`;
 * - `done`: completed (by the person, or inferred: "sent the deck");
 * - `dismissed`: the person said no.
 */
export type InboxStatus = 'pending' | 'to_confirm' | 'snoozed' | 'done' | 'dismissed';

/** One thing in the person's inbox. Every item says why it is there. */
export interface InboxItem {
  id: string;
  userId: string;
  kind: InboxKind;
  title: string;
  body: string;
  /** When it is due (commitments, reminders), or when a nudge is about (the date ahead); null if none. */
  due: number | null;
  /** Why the assistant put it there, in words ("You said on Mon 2 Mar: \"I'll send Sam the deck tomorrow\""). */
  reason: string;
  status: InboxStatus;
  snoozedUntil: number | null;
  /** The fact, goal or person it came from, when one did. */
  factId: string | null;
  goalId: string | null;
  personId: string | null;
  /**
   * Unique per user: the same trigger never makes two items (e.g. `anniversary:<person>:2026-03-14`,
   * `commitment:<fact id>`, `digest:2026-03-02`).
   */
  dedupeKey: string;
  /** When it was pushed to the person's devices (a reminder firing, a nudge delivered); null until then. */
  notifiedAt: number | null;
  /** When the item was marked done (person or inference), else null. */
  completedAt: number | null;
  /** Observation ids it came from. */
  sources: string[];
  createdAt: number;
  updatedAt: number;
}

/** What adding an item names. */
export type NewInboxItem = Omit<
  InboxItem,
  'userId' | 'sources' | 'updatedAt' | 'notifiedAt' | 'completedAt'
> & {
  notifiedAt?: number | null;
  completedAt?: number | null;
};

/** Which inbox items to list. */
export interface InboxQuery {
  kinds?: readonly InboxKind[];
  /** Default: the open ones (`pending`, `to_confirm`, and `snoozed`). */
  statuses?: readonly InboxStatus[] | 'all';
  /** Items due in [dueFrom, dueTo). */
  dueFrom?: number;
  dueTo?: number;
  limit?: number;
}

/** The inbox. */
export interface InboxStore {
  /**
   * Adds an item unless one with the same dedupe key exists (then returns that one and `created: false`), with its
   * source observations by write position.
   */
  add(
    userId: string,
    item: NewInboxItem,
    sourceSeqs: readonly number[],
  ): Promise<{ item: InboxItem; created: boolean }>;
  get(userId: string, id: string): Promise<InboxItem | null>;
  getByDedupeKey(userId: string, dedupeKey: string): Promise<InboxItem | null>;
  list(userId: string, query?: InboxQuery): Promise<InboxItem[]>;
  update(
    userId: string,
    id: string,
    changes: Partial<
      Pick<InboxItem, 'status' | 'snoozedUntil' | 'due' | 'title' | 'body' | 'notifiedAt' | 'completedAt'>
    > & {
      updatedAt: number;
    },
  ): Promise<InboxItem>;
  /** Items whose reminder should fire: open, with `due` ≤ `at` (or a snooze ended ≤ `at`), not yet notified. */
  dueForNotification(userId: string, at: number): Promise<InboxItem[]>;
  /** How many items were pushed to devices in [fromMs, toMs) (for rate limits). */
  countNotified(userId: string, fromMs: number, toMs: number): Promise<number>;
  /**
   * After observations are forgotten: deletes the items that came only from them (see `isPrunableInboxItem`): items
   * inferred from observations (dedupe key `commitment:`, `person:`, `place:`) whose every source is gone, and
   * `person:`/`place:` nudges about an item that no longer exists. Reminders the person set (`reminder:`), digests,
   * date and goal nudges are kept. Returns how many were deleted.
   */
  prune(userId: string): Promise<{ removed: number }>;
  /** Deletes every item of the user, with its source links (forget everything). */
  removeAll(userId: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Tools and confirmations

/**
 * What a tool may do, from harmless to never allowed:
 * - `read`: reads the person's own data;
 * - `local_write`: changes the person's own data in a way they can undo (a reminder, a goal);
 * - `external`: has an effect outside Familiar (sends a message, buys, shares, deletes): always asks first;
 * - `forbidden`: never runs (identify a stranger, record covertly).
 */
export type RiskTier = 'read' | 'local_write' | 'external' | 'forbidden';

/** An external action a tool asked for, waiting for the person's yes or no, with the exact arguments shown. */
/**
 * Why an action waits for the person although its tier alone would let it run, or more about why it waits:
 * `perceived_context`: it was proposed in a turn that had read perceived content (speech heard, text seen, tool
 * output); `perceived_arguments`: its arguments repeat perceived text; `rule_of_two`: the turn had read perceived
 * content while holding the person's private data, and the action reaches outside Familiar.
 */
export type ActionOriginReason = 'perceived_context' | 'perceived_arguments' | 'rule_of_two';

/** A perceived moment a tool call may have come from: the observation, its kind and time, and the tool that read it. */
export interface PerceivedSource {
  observationId: string | null;
  /** `frame`, `utterance`, … or null for a tool's own output (an MCP server's result). */
  modality: string | null;
  capturedAt: number | null;
  /** The tool whose result carried it. */
  via: string;
}

/** Where a request for an action came from, when perceived content was involved. */
export interface ActionOrigin {
  reasons: ActionOriginReason[];
  /** The perceived moments behind it, the one its arguments repeat first. */
  sources: PerceivedSource[];
  /** One sentence for the person: "This came from text seen by a camera at Mon 2 Mar 14:02, not from you." */
  explanation: string;
}

export interface PendingAction {
  id: string;
  userId: string;
  /** The tool's name, e.g. `send_message` or `mcp:mail/send`. */
  tool: string;
  /** The exact arguments the tool will run with. */
  arguments: Record<string, unknown>;
  /** One line saying what will happen ("Send an email to sam@example.com: …"). */
  summary: string;
  status: 'pending' | 'confirmed' | 'rejected' | 'expired' | 'done' | 'failed';
  /** What running it returned (after confirmation), or the error. */
  result: unknown;
  /** Who asked: `chat:cli`, `chat:device:<id>`. */
  requestedBy: string;
  /** Where the request came from when perceived content was involved (null when only the person's words were). */
  origin: ActionOrigin | null;
  /** Who decided, when decided. */
  decidedBy: string | null;
  createdAt: number;
  decidedAt: number | null;
  expiresAt: number;
}

/** Pending actions. */
export interface ActionStore {
  add(
    action: Omit<PendingAction, 'decidedBy' | 'decidedAt' | 'result' | 'status' | 'origin'> & {
      origin?: ActionOrigin | null;
    },
  ): Promise<PendingAction>;
  get(userId: string, id: string): Promise<PendingAction | null>;
  list(userId: string, options?: { status?: PendingAction['status'] | 'all' }): Promise<PendingAction[]>;
  /**
   * Moves an action from `pending` to `confirmed`/`rejected`/`expired`, or from `confirmed` to `done`/`failed`.
   * Throws `conflict` when it is not in the state the move starts from (so an action runs at most once).
   */
  transition(
    userId: string,
    id: string,
    from: PendingAction['status'],
    to: PendingAction['status'],
    change: { at: number; by?: string; result?: unknown },
  ): Promise<PendingAction>;
}

// ---------------------------------------------------------------------------------------------------------------
// Settings

/** How and when the assistant may speak up, per user. Local times are "HH:MM" in the user's timezone. */
export interface AssistantSettings {
  /** No nudges are pushed between `start` and `end` (they wait until `end`); null for none. */
  quietHours: { start: string; end: string } | null;
  /** When the daily digest is built and pushed; null for no digest. */
  digestAt: string | null;
  /** At most this many pushes per rolling hour and per local day (reminders the person set count too). */
  maxPerHour: number;
  maxPerDay: number;
  /** "Not now": nothing is pushed before this time (null when not set). */
  notNowUntil: number | null;
  /** How many days ahead of a birthday or anniversary to nudge. */
  dateLeadDays: number;
  /** How long before a commitment's due time its reminder fires, in minutes (0 = at the due time). */
  reminderLeadMinutes: number;
}

/** Settings per user. */
export interface SettingsStore {
  get(userId: string): Promise<Partial<AssistantSettings>>;
  set(userId: string, settings: Partial<AssistantSettings>, at: number): Promise<void>;
}
