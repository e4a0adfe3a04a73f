import {
  type Clock,
  type IdGenerator,
  type Logger,
  localDay,
  startOfDay,
  wallClockAt,
} from '../../kernel/index.ts';
import type {
  EpisodeStore,
  FactFromRange,
  FactStore,
  MemoryCursors,
  PeopleStore,
  SequencedObservation,
  TimelineStore,
  WorkSlicer,
} from '../../memory/index.ts';
import { createWorkSlicer } from '../../memory/index.ts';
import { goalProgress, madeByModel, type ProgressSignal } from '../goals/index.ts';
import { commitmentItem, resolveSettings } from '../inbox/index.ts';
import type { Notifier } from '../notifications.ts';
import type {
  AssistantSettings,
  Goal,
  GoalStore,
  InboxItem,
  InboxStore,
  NewInboxItem,
  SettingsStore,
} from '../types.ts';
import { collectDateSources, formatInstantDay, formatTime } from './dates.ts';
import { buildDigest, type Digest } from './digest.ts';
import { deliveryDecision } from './policy.ts';
import {
  type Candidate,
  evaluateObservation,
  evaluateTime,
  indexPeople,
  type ObservationContext,
  spokenByOther,
} from './triggers.ts';

/** The cursor stage the proactive engine keeps; it never reads past the understanding pass's `facts` stage. */
export const ASSISTANT_STAGE = 'assistant';
/** The understanding pass's fact stage: commitments of observations up to it are in the fact store. */
export const FACTS_STAGE = 'facts';
/** Observations per step of `observe` (a crash repeats at most one). */
const BATCH = 500;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/**
 * How long after it was added an item may still be pushed; past that it stays in the inbox unpushed, since the push
 * would come too late to help: someone seen or a place passed (3 h), a digest (a day), a goal's weekly nudge (a week).
 */
const PUSH_WINDOWS: ReadonlyArray<[prefix: string, ms: number]> = [
  ['person:', 3 * HOUR_MS],
  ['place:', 3 * HOUR_MS],
  ['digest:', DAY_MS],
  ['behind:', 7 * DAY_MS],
];
/**
 * Nudges pushed at their `due` time rather than when added, and how long after it they may still be pushed: a
 * follow-up ("Ask Sam how the job interview went") waits for the day after the event, and is stale two days later.
 */
const PUSH_AT_DUE: ReadonlyArray<[prefix: string, ms: number]> = [['followup:', 2 * DAY_MS]];
const TITLE_MAX = 200;
const BODY_MAX = 2_000;

/** The user the engine works for; local times are read in their zone. */
export interface ProactiveUser {
  id: string;
  timezone: string;
}

/** What one `observe` did. */
export interface ObserveResult {
  observations: number;
  /** Progress entries newly recorded. */
  progress: number;
  /** Commitments and reminders newly added to the inbox. */
  commitments: number;
  /** Open items inferred done ("sent the deck"). */
  completed: number;
  /** Nudges newly added (a person seen, a place). */
  nudges: number;
}

/** What one `tick` did. */
export interface TickResult {
  pushed: number;
  /** Items due for a push that the delivery policy held back (quiet hours, not now, limits). */
  deferred: number;
  /** Inbox items the time triggers added (nudges, the digest). */
  created: number;
}

/** Finds progress in an observation's text; the model progress detector has this shape. */
export interface ProgressDetector {
  detect(
    text: string,
    context: { capturedAt: number; timezone: string; userId: string; goals: readonly Goal[] },
  ): Promise<ProgressSignal[]>;
}

/** What the engine reads and writes. */
export interface ProactiveEngineDeps {
  store: TimelineStore;
  facts: FactStore;
  people: PeopleStore;
  episodes: EpisodeStore;
  goals: GoalStore;
  inbox: InboxStore;
  settings: SettingsStore;
  defaults?: Partial<AssistantSettings>;
  cursors: MemoryCursors;
  notifier: Pick<Notifier, 'notify'>;
  /** The model progress detector when a model is configured; default: the offline rules. */
  progress?: ProgressDetector;
  clock: Clock;
  newId: IdGenerator;
  logger: Logger;
}

/** The proactive engine's type. */
export type ProactiveEngine = ReturnType<typeof createProactiveEngine>;

/** The push for an item: its title, and the reason (why it is here) with its body. */
function pushOf(item: InboxItem, timezone: string): { title: string; body: string } {
  const confirm = item.status === 'to_confirm' ? ' (to confirm)' : '';
  const title = `${item.title}${confirm}`;
  const due =
    (item.kind === 'commitment' || item.kind === 'reminder') && item.due !== null
      ? `Due ${formatInstantDay(item.due, timezone)} ${formatTime(item.due, timezone)}. `
      : '';
  const body =
    item.kind === 'digest' ? item.body : `${due}${item.reason}${item.body ? `\n${item.body}` : ''}`;
  const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
  return { title: cut(title, TITLE_MAX), body: cut(body, BODY_MAX) };
}

/**
 * The proactive engine: follows each user's timeline (behind the understanding pass, so the facts of what it reads
 * exist) to record goal progress, add commitments, infer completions and nudge about people and places; and on each
 * tick adds the time-driven nudges (reminders due, goals behind pace, dates ahead, the daily digest) and pushes what
 * is due through the notifier, within quiet hours, "not now" and the rate limits. Every item carries its reason and a
 * dedupe key, so repeating work after a crash adds nothing twice. Calls for one user run one at a time.
 */
export function createProactiveEngine(deps: ProactiveEngineDeps) {
  const { store, facts, people, goals, inbox, cursors, notifier, clock, newId, logger } = deps;
  const queues = new Map<string, Promise<unknown>>();

  /** Runs `work` after any earlier call for the same user has finished. */
  function serial<T>(userId: string, work: () => Promise<T>): Promise<T> {
    const previous = queues.get(userId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    queues.set(userId, settled);
    void settled.then(() => {
      if (queues.get(userId) === settled) queues.delete(userId);
    });
    return next;
  }

  async function settingsOf(userId: string): Promise<AssistantSettings> {
    return resolveSettings(await deps.settings.get(userId), deps.defaults);
  }

  /** Adds a trigger's item; `at` is when it came about (an observation's capture time), else now. */
  const addItem = (userId: string, candidate: Candidate, at = clock.now()) =>
    inbox.add(userId, { ...candidate.draft, id: newId(), createdAt: at }, candidate.sourceSeqs);

  /** Progress signals of one observation from the model detector, or null to use the rules. */
  async function modelSignals(
    user: ProactiveUser,
    entry: SequencedObservation,
    active: readonly Goal[],
  ): Promise<ProgressSignal[] | null> {
    const detector = deps.progress;
    const { observation } = entry;
    if (!detector || active.length === 0 || !observation.text.trim() || spokenByOther(observation))
      return null;
    if (observation.modality === 'location') return null;
    try {
      return await detector.detect(observation.text, {
        capturedAt: observation.capturedAt,
        timezone: user.timezone,
        userId: user.id,
        goals: active,
      });
    } catch (error) {
      logger.warn({ err: error, observation: observation.id }, 'progress detector failed; using the rules');
      return null;
    }
  }

  async function observeBatch(
    user: ProactiveUser,
    batch: readonly SequencedObservation[],
    afterSeq: number,
    result: ObserveResult,
    slicer: WorkSlicer,
  ): Promise<void> {
    const toSeq = batch.at(-1)!.seq;
    const [active, open, known, commitmentFacts] = await Promise.all([
      goals.list(user.id, { status: 'active' }),
      inbox.list(user.id, { kinds: ['commitment', 'reminder'] }),
      people.list(user.id),
      facts.listBySourceRange(user.id, { afterSeq, toSeq, kinds: ['commitment'] }),
    ]);
    // Each commitment is added right after the first observation of the batch it came from, so a completion said
    // later in the same batch finds it, and a mention in the very observation that made it does not nudge.
    const factsBySeq = new Map<number, FactFromRange[]>();
    for (const found of commitmentFacts) {
      const first = found.sourceSeqs[0];
      if (first === undefined) continue;
      const list = factsBySeq.get(first) ?? [];
      list.push(found);
      factsBySeq.set(first, list);
    }
    const openItems: InboxItem[] = [...open];
    const context: ObservationContext = {
      timezone: user.timezone,
      goals: active,
      openItems,
      people: indexPeople(known),
    };

    for (const entry of batch) {
      await slicer.breathe();
      const { seq, observation } = entry;
      // Items inferred from an observation date from it (not from when this pass ran), so their order matches the
      // timeline's and a nudge about a moment is judged by the moment's age, even when a backlog is read late.
      const happenedAt = Math.min(observation.capturedAt, clock.now());
      const signals = await modelSignals(user, entry, active);
      const outcome = evaluateObservation(entry, context, signals ?? undefined);
      for (const { goal, amount, signal } of outcome.progress) {
        const id = newId();
        const recorded = await goals.recordProgress(
          user.id,
          {
            id,
            goalId: goal.id,
            amount,
            unit: goal.target.unit,
            at: signal.at,
            confidence: signal.confidence,
            status: 'inferred',
            origin: signals && madeByModel(signal) ? 'model' : 'rules',
            evidence: signal.evidence,
            createdAt: clock.now(),
          },
          [seq],
        );
        if (recorded.id === id) result.progress += 1;
      }
      for (const { item, evidence } of outcome.completions) {
        const done = await inbox.update(user.id, item.id, {
          status: 'done',
          completedAt: observation.capturedAt,
          body: [
            item.body,
            `Done, inferred from "${evidence}" (${formatInstantDay(observation.capturedAt, user.timezone)} ${formatTime(observation.capturedAt, user.timezone)}).`,
          ]
            .filter(Boolean)
            .join('\n'),
          updatedAt: clock.now(),
        });
        const at = openItems.findIndex((held) => held.id === item.id);
        if (at >= 0) openItems.splice(at, 1);
        if (done.status === 'done') result.completed += 1;
      }
      for (const nudge of outcome.nudges) {
        if ((await addItem(user.id, nudge, happenedAt)).created) result.nudges += 1;
      }
      for (const { fact, sourceSeqs } of factsBySeq.get(seq) ?? []) {
        const made = commitmentItem({
          fact,
          observation,
          seq,
          timezone: user.timezone,
          id: newId(),
          now: happenedAt,
        });
        if (!made) continue;
        const added = await inbox.add(user.id, made.item, [...new Set([...made.sourceSeqs, ...sourceSeqs])]);
        if (added.created) result.commitments += 1;
        const stillOpen = added.item.status === 'pending' || added.item.status === 'to_confirm';
        if (stillOpen && !openItems.some((held) => held.id === added.item.id)) openItems.push(added.item);
      }
    }
  }

  async function observe(user: ProactiveUser): Promise<ObserveResult> {
    const result: ObserveResult = { observations: 0, progress: 0, commitments: 0, completed: 0, nudges: 0 };
    let cursor = await cursors.get(user.id, ASSISTANT_STAGE);
    const bound = await cursors.get(user.id, FACTS_STAGE);
    // Works in short slices, so the server answers requests while a backlog is read.
    const slicer = createWorkSlicer();
    while (cursor < bound) {
      const read = await store.readSince(user.id, cursor, BATCH);
      const batch = read.filter((entry) => entry.seq <= bound);
      if (batch.length === 0) {
        // Nothing of this user up to the bound (other users' rows): the cursor may jump to it.
        await cursors.set(user.id, ASSISTANT_STAGE, bound, clock.now());
        break;
      }
      await observeBatch(user, batch, cursor, result, slicer);
      cursor = batch.at(-1)!.seq;
      await cursors.set(user.id, ASSISTANT_STAGE, cursor, clock.now());
      result.observations += batch.length;
      if (batch.length < read.length) break;
    }
    return result;
  }

  async function digestOf(user: ProactiveUser, day: string): Promise<Digest> {
    return buildDigest({ store, episodes: deps.episodes, goals, inbox, people, facts, clock }, user, day);
  }

  /**
   * Open items whose push is due at `now`: reminders by their due time, follow-ups by theirs, other nudges and
   * digests once added.
   */
  async function pushQueue(user: ProactiveUser, now: number, remindersDueBy: number): Promise<InboxItem[]> {
    const [due, waiting] = await Promise.all([
      inbox.dueForNotification(user.id, remindersDueBy),
      inbox.list(user.id, { kinds: ['nudge', 'digest'], statuses: ['pending'] }),
    ]);
    const queue = new Map<string, InboxItem>();
    for (const item of due) {
      // Nudges about a day ahead are pushed when added (below), not when their day comes.
      if (item.kind === 'commitment' || item.kind === 'reminder') queue.set(item.id, item);
    }
    for (const item of waiting) {
      if (item.notifiedAt !== null || queue.has(item.id)) continue;
      const window = PUSH_WINDOWS.find(([prefix]) => item.dedupeKey.startsWith(prefix))?.[1];
      if (window !== undefined && now - item.createdAt > window) continue;
      // A nudge about a day ahead (a birthday) is no use once that day is over.
      if (item.dedupeKey.startsWith('date:') && item.due !== null && now >= item.due + DAY_MS) continue;
      // A follow-up waits for its due time, and is not pushed once it is long past.
      const atDue = PUSH_AT_DUE.find(([prefix]) => item.dedupeKey.startsWith(prefix))?.[1];
      if (atDue !== undefined && item.due !== null && (now < item.due || now - item.due > atDue)) continue;
      queue.set(item.id, item);
    }
    return [...queue.values()];
  }

  async function tick(user: ProactiveUser): Promise<TickResult> {
    const result: TickResult = { pushed: 0, deferred: 0, created: 0 };
    const now = clock.now();
    const settings = await settingsOf(user.id);
    const [active, known, dateFacts] = await Promise.all([
      goals.list(user.id, { status: 'active' }),
      people.list(user.id),
      facts.list(user.id, { kind: 'date' }),
    ]);
    const progress = [];
    for (const goal of active)
      progress.push(goalProgress(goal, await goals.listProgress(user.id, goal.id), now, user.timezone));
    const outcome = evaluateTime({
      now,
      timezone: user.timezone,
      settings,
      progress,
      dates: collectDateSources(known, dateFacts, user.timezone),
    });
    for (const candidate of outcome.nudges)
      if ((await addItem(user.id, candidate)).created) result.created += 1;
    if (outcome.digestDay !== null && !(await inbox.getByDedupeKey(user.id, `digest:${outcome.digestDay}`))) {
      const digest = await digestOf(user, outcome.digestDay);
      const item: NewInboxItem = {
        id: newId(),
        kind: 'digest',
        title: digest.text.split('\n', 1)[0] ?? `Your day, ${outcome.digestDay}`,
        body: digest.text,
        due: now,
        reason: `your daily digest at ${settings.digestAt}`,
        status: 'pending',
        snoozedUntil: null,
        factId: null,
        goalId: null,
        personId: null,
        dedupeKey: `digest:${outcome.digestDay}`,
        createdAt: now,
      };
      if ((await inbox.add(user.id, item, [])).created) result.created += 1;
    }

    const queue = await pushQueue(user, now, outcome.remindersDueBy);
    if (queue.length === 0) return result;
    const dayStart = startOfDay(wallClockAt(now, user.timezone), user.timezone);
    const recent = {
      lastHour: await inbox.countNotified(user.id, now - HOUR_MS + 1, now + 1),
      today: await inbox.countNotified(user.id, dayStart, now + 1),
    };
    for (const [index, item] of queue.entries()) {
      const decision = deliveryDecision(settings, now, user.timezone, recent);
      if (!decision.deliver) {
        result.deferred += queue.length - index;
        logger.debug(
          { user: user.id, deferred: queue.length - index, retryAt: decision.retryAt, why: decision.why },
          'pushes deferred',
        );
        break;
      }
      try {
        await notifier.notify(user.id, pushOf(item, user.timezone));
      } catch (error) {
        logger.warn({ err: error, item: item.id }, 'an inbox item could not be pushed; it stays due');
        result.deferred += 1;
        continue;
      }
      // Pushed first, marked second: a crash in between pushes it once more rather than never.
      await inbox.update(user.id, item.id, { notifiedAt: now, updatedAt: now });
      recent.lastHour += 1;
      recent.today += 1;
      result.pushed += 1;
    }
    return result;
  }

  return {
    /** Follows the user's timeline up to the understanding pass's fact cursor, running the per-observation triggers. */
    observe: (user: ProactiveUser): Promise<ObserveResult> => serial(user.id, () => observe(user)),
    /** Runs the time triggers and pushes what is due, within the delivery policy. */
    tick: (user: ProactiveUser): Promise<TickResult> => serial(user.id, () => tick(user)),
    /** The digest of a local day ("YYYY-MM-DD"; default today in the user's zone). */
    digest: (user: ProactiveUser, day?: string): Promise<Digest> =>
      digestOf(user, day ?? localDay(clock.now(), user.timezone)),
  };
}
