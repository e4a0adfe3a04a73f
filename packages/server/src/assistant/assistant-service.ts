import type { AuditLog } from '../audit/index.ts';
import {
  type Clock,
  derivedUlid,
  FamiliarError,
  formatMoment,
  type IdGenerator,
  localDay,
  NotFoundError,
  toIso,
  ValidationError,
  wallClockAt,
} from '../kernel/index.ts';
import type { Actor, PeopleStore, Person, Timeline } from '../memory/index.ts';
import { buildIcs, calendarEntriesFrom, parseIcs } from './calendar/index.ts';
import type { GoalSpec } from './goals/index.ts';
import { goalProgress } from './goals/index.ts';
import { AssistantSettingsSchema, resolveSettings } from './inbox/index.ts';
import {
  collectDateSources,
  type Digest,
  dayKey,
  occurrencesWithin,
  type ProactiveEngine,
} from './proactive/index.ts';
import type {
  AssistantSettings,
  Goal,
  GoalProgress,
  GoalStore,
  GoalTarget,
  InboxItem,
  InboxQuery,
  InboxStore,
  ProgressEntry,
  SettingsStore,
} from './types.ts';

/** Who acts on the assistant: whose data, the audit label, and the zone their local times are in. */
export type AssistantActor = Actor & { timezone: string };

/** What a person may set when adding a goal beyond their words. */
export interface GoalInput {
  text: string;
  target?: GoalTarget;
  deadline?: number | null;
  plan?: string[];
}

/** Changes the person makes to a goal. */
export interface GoalChanges {
  title?: string;
  target?: GoalTarget;
  deadline?: number | null;
  plan?: string[];
  status?: Goal['status'];
}

/** One person as the assistant sees them: what is open with them, what to ask them, their dates, when last met. */
export interface PersonAssistantView {
  person: Person;
  /** Open commitments and reminders linked to them or naming them in their title, soonest due first. */
  openPromises: InboxItem[];
  /** Open follow-up nudges about them ("Ask Sam how the job interview went"), soonest due first. */
  followUps: InboxItem[];
  /** Their important dates in the next `PERSON_DATES_DAYS` days, soonest first. */
  nextDates: Array<{ label: string; date: string; daysAhead: number }>;
  /** The latest of when they were last seen, heard or mentioned, or null when never. */
  lastInteraction: { at: number; how: 'seen' | 'heard' | 'mentioned' } | null;
}

/** How far ahead a person's view lists their important dates. */
const PERSON_DATES_DAYS = 60;
const ULID = /^[0-9a-z]{26}$/i;
const escapeRegExp = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A whole-word pattern for every name a person goes by (name, first name, aliases), or null without one. */
function namePattern(person: Person): RegExp | null {
  const names = [person.name, person.name.split(/\s+/)[0] ?? '', ...person.aliases]
    .map((name) => name.trim())
    .filter((name) => name.length >= 2);
  if (names.length === 0) return null;
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${names.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, 'iu');
}

const byDue = (a: InboxItem, b: InboxItem) =>
  (a.due ?? Number.MAX_SAFE_INTEGER) - (b.due ?? Number.MAX_SAFE_INTEGER) || a.createdAt - b.createdAt;

/** How far ahead of and behind "now" a calendar import reads (recurring events are expanded in that window). */
const IMPORT_BACK_MS = 30 * 86_400_000;
const IMPORT_AHEAD_MS = 365 * 86_400_000;

/**
 * The assistant's door: goals and their progress, the inbox, settings, the daily digest and the calendar. Every
 * change is audited. The proactive engine (triggers, nudges, reminders) runs beside it on the server's timer; this
 * door is what the HTTP API, the CLI and the chat tools call.
 */
export function createAssistantService(deps: {
  goals: GoalStore;
  inbox: InboxStore;
  settings: SettingsStore;
  /** Settings from familiar.config.json, under the person's own. */
  defaults: Partial<AssistantSettings>;
  people: PeopleStore;
  timeline: Pick<Timeline, 'ingest'>;
  engine: ProactiveEngine;
  /** Turns a goal in words into a spec (a model when one is configured, else rules). */
  goalParser: {
    parse(
      text: string,
      context: { now: number; timezone: string; userId: string },
    ): Promise<GoalSpec & { origin: 'model' | 'rules' }>;
  };
  audit: AuditLog;
  clock: Clock;
  newId: IdGenerator;
}) {
  const { goals, inbox, settings, people, timeline, engine, goalParser, audit, clock, newId } = deps;
  const record = (
    actor: Actor,
    action: string,
    target: string | null,
    details: Record<string, unknown> | null = null,
  ) => audit.record({ userId: actor.userId, at: clock.now(), actor: actor.label, action, target, details });

  const requireGoal = async (actor: Actor, id: string): Promise<Goal> => {
    const goal = await goals.get(actor.userId, id);
    if (!goal) throw new NotFoundError('goal', id);
    return goal;
  };
  const requireItem = async (actor: Actor, id: string): Promise<InboxItem> => {
    const item = await inbox.get(actor.userId, id);
    if (!item) throw new NotFoundError('inbox item', id);
    return item;
  };
  const progressOf = async (actor: AssistantActor, goal: Goal): Promise<GoalProgress> =>
    goalProgress(goal, await goals.listProgress(actor.userId, goal.id), clock.now(), actor.timezone);

  async function settingsOf(userId: string): Promise<AssistantSettings> {
    return resolveSettings(await settings.get(userId), deps.defaults);
  }

  /** Moves an open item to a new status, refusing items already closed. */
  async function close(actor: AssistantActor, id: string, status: 'done' | 'dismissed'): Promise<InboxItem> {
    const item = await requireItem(actor, id);
    if (item.status === 'done' || item.status === 'dismissed')
      throw new FamiliarError('conflict', `this item is already ${item.status}`);
    const now = clock.now();
    const updated = await inbox.update(actor.userId, id, {
      status,
      ...(status === 'done' ? { completedAt: now } : {}),
      updatedAt: now,
    });
    await record(actor, status === 'done' ? 'inbox.complete' : 'inbox.dismiss', id);
    return updated;
  }

  return {
    // --- goals -------------------------------------------------------------------------------------------------
    /** Adds a goal from the person's words; what they state explicitly (target, deadline, plan) wins. */
    async addGoal(
      actor: AssistantActor,
      input: GoalInput,
    ): Promise<GoalProgress & { origin: 'model' | 'rules' }> {
      const now = clock.now();
      const spec = await goalParser.parse(input.text, {
        now,
        timezone: actor.timezone,
        userId: actor.userId,
      });
      const deadline = input.deadline === undefined ? spec.deadline : input.deadline;
      if (deadline !== null && deadline <= now)
        throw new ValidationError('the deadline must be in the future');
      const goal = await goals.add(actor.userId, {
        id: newId(),
        title: spec.title,
        text: input.text.trim(),
        activity: spec.activity,
        about: spec.about,
        target: input.target ?? spec.target,
        deadline,
        plan: input.plan ?? spec.plan,
        status: 'active',
        startedAt: now,
        createdAt: now,
        updatedAt: now,
      });
      await record(actor, 'goals.add', goal.id, { origin: spec.origin });
      return { ...(await progressOf(actor, goal)), origin: spec.origin };
    },
    async listGoals(
      actor: AssistantActor,
      status: Goal['status'] | 'all' = 'active',
    ): Promise<GoalProgress[]> {
      const list = await goals.list(actor.userId, { status });
      return Promise.all(list.map((goal) => progressOf(actor, goal)));
    },
    async getGoal(actor: AssistantActor, id: string): Promise<GoalProgress> {
      return progressOf(actor, await requireGoal(actor, id));
    },
    /** Finds an active goal by id or by words of its title or activity ("reading", "10k"). */
    async findGoal(actor: AssistantActor, reference: string): Promise<GoalProgress> {
      const byId = /^[0-9a-z]{26}$/i.test(reference)
        ? await goals.get(actor.userId, reference.toUpperCase())
        : null;
      if (byId) return progressOf(actor, byId);
      const words = reference.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
      const active = await goals.list(actor.userId, { status: 'active' });
      const scored = active
        .map((goal) => {
          const haystack =
            `${goal.title} ${goal.text} ${goal.activity} ${goal.about.join(' ')}`.toLowerCase();
          return { goal, score: words.filter((word) => haystack.includes(word.replace(/ing$/, ''))).length };
        })
        .filter((entry) => entry.score > 0)
        .sort((a, b) => b.score - a.score);
      const best = scored[0];
      if (!best) throw new NotFoundError('goal', reference);
      return progressOf(actor, best.goal);
    },
    async updateGoal(actor: AssistantActor, id: string, changes: GoalChanges): Promise<GoalProgress> {
      await requireGoal(actor, id);
      if (changes.deadline !== undefined && changes.deadline !== null && changes.deadline <= clock.now())
        throw new ValidationError('the deadline must be in the future');
      const goal = await goals.update(actor.userId, id, { ...changes, updatedAt: clock.now() });
      await record(actor, 'goals.update', id, { fields: Object.keys(changes) });
      return progressOf(actor, goal);
    },
    async deleteGoal(actor: AssistantActor, id: string): Promise<void> {
      await requireGoal(actor, id);
      await goals.remove(actor.userId, id);
      await record(actor, 'goals.delete', id);
    },
    /** Progress the person logs themselves (confirmed, with no source observation). */
    async logProgress(
      actor: AssistantActor,
      goalId: string,
      input: { amount: number; at?: number; note?: string },
    ): Promise<ProgressEntry> {
      const goal = await requireGoal(actor, goalId);
      if (!(input.amount > 0)) throw new ValidationError('progress must be a positive amount');
      const now = clock.now();
      const entry = await goals.recordProgress(
        actor.userId,
        {
          id: newId(),
          goalId,
          amount: input.amount,
          unit: goal.target.unit,
          at: input.at ?? now,
          confidence: 1,
          status: 'confirmed',
          origin: 'person',
          evidence: input.note?.trim() || `logged by you (${actor.label})`,
          createdAt: now,
        },
        [],
      );
      await record(actor, 'goals.progress.log', goalId, { progress: entry.id });
      return entry;
    },
    /** The person confirms or rejects an inferred progress entry (a rejected one no longer counts). */
    async decideProgress(
      actor: AssistantActor,
      progressId: string,
      decision: 'confirmed' | 'rejected',
    ): Promise<ProgressEntry> {
      const entry = await goals.getProgress(actor.userId, progressId);
      if (!entry) throw new NotFoundError('progress', progressId);
      const updated = await goals.setProgressStatus(actor.userId, progressId, decision, clock.now());
      await record(
        actor,
        decision === 'confirmed' ? 'goals.progress.confirm' : 'goals.progress.reject',
        progressId,
        {
          goal: entry.goalId,
        },
      );
      return updated;
    },

    // --- inbox -------------------------------------------------------------------------------------------------
    async listInbox(actor: AssistantActor, query: InboxQuery = {}): Promise<InboxItem[]> {
      return inbox.list(actor.userId, query);
    },
    async getItem(actor: AssistantActor, id: string): Promise<InboxItem> {
      return requireItem(actor, id);
    },
    /** A reminder the person sets ("buy milk" at 18:00); it fires at its due time through the proactive engine. */
    async addReminder(
      actor: AssistantActor,
      input: { title: string; due?: number | null; body?: string },
    ): Promise<InboxItem> {
      const title = input.title.trim();
      if (!title || title.length > 200)
        throw new ValidationError('a reminder needs a title of 1-200 characters');
      const now = clock.now();
      const due = input.due ?? null;
      if (due !== null && due < now - 60_000)
        throw new ValidationError('the reminder time has already passed');
      const id = newId();
      const { item } = await inbox.add(
        actor.userId,
        {
          id,
          kind: 'reminder',
          title: title.charAt(0).toUpperCase() + title.slice(1),
          body: input.body?.trim() ?? '',
          due,
          reason: `You asked for it on ${formatMoment(now, actor.timezone)} (${actor.label})`,
          status: 'pending',
          snoozedUntil: null,
          factId: null,
          goalId: null,
          personId: null,
          dedupeKey: `reminder:${id}`,
          createdAt: now,
        },
        [],
      );
      await record(actor, 'inbox.remind', item.id, { due: due === null ? null : toIso(due) });
      return item;
    },
    /** The person confirms an item inferred from someone else's words is theirs. */
    async confirmItem(actor: AssistantActor, id: string): Promise<InboxItem> {
      const item = await requireItem(actor, id);
      if (item.status !== 'to_confirm')
        throw new FamiliarError('conflict', `this item is ${item.status}, not waiting for confirmation`);
      const updated = await inbox.update(actor.userId, id, { status: 'pending', updatedAt: clock.now() });
      await record(actor, 'inbox.confirm', id);
      return updated;
    },
    async snoozeItem(actor: AssistantActor, id: string, until: number): Promise<InboxItem> {
      const item = await requireItem(actor, id);
      if (item.status === 'done' || item.status === 'dismissed')
        throw new FamiliarError('conflict', `this item is already ${item.status}`);
      if (until <= clock.now()) throw new ValidationError('snooze until a time in the future');
      const updated = await inbox.update(actor.userId, id, {
        status: 'snoozed',
        snoozedUntil: until,
        updatedAt: clock.now(),
      });
      await record(actor, 'inbox.snooze', id, { until: toIso(until) });
      return updated;
    },
    completeItem: (actor: AssistantActor, id: string) => close(actor, id, 'done'),
    dismissItem: (actor: AssistantActor, id: string) => close(actor, id, 'dismissed'),

    // --- people ------------------------------------------------------------------------------------------------
    /**
     * One person (by id, or by name or alias) with what helps to be a better friend: open promises, things to ask
     * them about, their dates in the next 60 days and when they last came up.
     */
    async person(actor: AssistantActor, personIdOrName: string): Promise<PersonAssistantView> {
      const reference = personIdOrName.trim();
      let person =
        (ULID.test(reference) ? await people.get(actor.userId, reference.toUpperCase()) : null) ??
        (reference ? await people.find(actor.userId, reference) : null);
      if (!person && reference) {
        // A first name ("Sam" for Sam Lee) when it names exactly one person.
        const wanted = reference.toLowerCase();
        const matching = (await people.list(actor.userId)).filter(
          (candidate) => candidate.name.split(/\s+/)[0]?.toLowerCase() === wanted,
        );
        if (matching.length === 1) person = matching[0]!;
      }
      if (!person) throw new NotFoundError('person', reference);
      const [promises, nudges] = await Promise.all([
        inbox.list(actor.userId, { kinds: ['commitment', 'reminder'] }),
        inbox.list(actor.userId, { kinds: ['nudge'] }),
      ]);
      const names = namePattern(person);
      const openPromises = promises
        .filter((item) => item.personId === person.id || names?.test(item.title) === true)
        .sort(byDue);
      const followUps = nudges
        .filter((item) => item.dedupeKey.startsWith(`followup:${person.id}:`))
        .sort(byDue);
      const today = wallClockAt(clock.now(), actor.timezone);
      const nextDates = occurrencesWithin(
        collectDateSources([{ ...person, optedOut: false }], [], actor.timezone),
        today,
        PERSON_DATES_DAYS,
      ).map(({ source, day, daysAhead }) => ({ label: source.label, date: dayKey(day), daysAhead }));
      const seen: Array<{ at: number | null; how: 'seen' | 'heard' | 'mentioned' }> = [
        { at: person.lastSeenAt, how: 'seen' },
        { at: person.lastHeardAt, how: 'heard' },
        { at: person.lastMentionedAt, how: 'mentioned' },
      ];
      let lastInteraction: PersonAssistantView['lastInteraction'] = null;
      for (const { at, how } of seen)
        if (at !== null && (lastInteraction === null || at > lastInteraction.at))
          lastInteraction = { at, how };
      return { person, openPromises, followUps, nextDates, lastInteraction };
    },

    // --- settings and digest -----------------------------------------------------------------------------------
    settingsOf,
    async updateSettings(
      actor: AssistantActor,
      changes: Partial<AssistantSettings>,
    ): Promise<AssistantSettings> {
      const merged = { ...(await settingsOf(actor.userId)), ...changes };
      const parsed = AssistantSettingsSchema.safeParse(merged);
      if (!parsed.success)
        throw new ValidationError(
          'these settings are not valid',
          parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
        );
      await settings.set(actor.userId, { ...(await settings.get(actor.userId)), ...changes }, clock.now());
      await record(actor, 'assistant.settings', null, { fields: Object.keys(changes) });
      return settingsOf(actor.userId);
    },
    /** "Not now": nothing is pushed until then (reminders wait; nothing is lost). */
    async notNow(actor: AssistantActor, until: number | null): Promise<AssistantSettings> {
      if (until !== null && until <= clock.now())
        throw new ValidationError('"not now" needs a time in the future');
      await settings.set(
        actor.userId,
        { ...(await settings.get(actor.userId)), notNowUntil: until },
        clock.now(),
      );
      await record(actor, 'assistant.not-now', null, { until: until === null ? null : toIso(until) });
      return settingsOf(actor.userId);
    },
    /** The digest of a local day (default today): what happened, progress, open loops and tomorrow's dates. */
    async digest(actor: AssistantActor, day?: string): Promise<Digest> {
      if (day !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(day))
        throw new ValidationError('a day is YYYY-MM-DD');
      return engine.digest(
        { id: actor.userId, timezone: actor.timezone },
        day ?? localDay(clock.now(), actor.timezone),
      );
    },

    // --- calendar ----------------------------------------------------------------------------------------------
    /** Open commitments and reminders with a due time, goal deadlines and people's dates, as an .ics calendar. */
    async exportCalendar(actor: AssistantActor): Promise<string> {
      const [items, goalList, known] = await Promise.all([
        inbox.list(actor.userId, { kinds: ['commitment', 'reminder'] }),
        goals.list(actor.userId, { status: 'active' }),
        people.list(actor.userId),
      ]);
      const entries = calendarEntriesFrom({ items, goals: goalList, people: known }, actor.timezone);
      await record(actor, 'data.export', null, { format: 'ics', events: entries.length });
      return buildIcs(entries, { timezone: actor.timezone, now: clock.now() });
    },
    /**
     * Reads an .ics file into the timeline as `event` observations (one per occurrence from 30 days ago to a year
     * ahead). Ids derive from the event and its start, so importing the same file again adds nothing.
     */
    async importCalendar(actor: AssistantActor, text: string): Promise<{ events: number; added: number }> {
      const now = clock.now();
      const events = parseIcs(text, {
        timezone: actor.timezone,
        fromMs: now - IMPORT_BACK_MS,
        toMs: now + IMPORT_AHEAD_MS,
      });
      if (events.length === 0) return { events: 0, added: 0 };
      const inputs = events.map((event) => ({
        id: derivedUlid(event.start, `calendar:${event.uid}:${event.start}`),
        modality: 'event' as const,
        capturedAt: toIso(event.start),
        text: [
          event.title,
          event.location ? `at ${event.location}` : null,
          event.allDay ? '(all day)' : null,
          event.description ? `— ${event.description.slice(0, 500)}` : null,
        ]
          .filter((part): part is string => part !== null)
          .join(' '),
        provenance: { engine: 'ical.js', version: 'calendar import' },
      }));
      const result = await timeline.ingest(actor, inputs);
      await record(actor, 'data.import', null, {
        format: 'ics',
        events: events.length,
        added: result.inserted,
      });
      return { events: events.length, added: result.inserted };
    },

    /** Brings the assistant up to date for a user: new observations, then time triggers (the server's timer). */
    async catchUp(user: { id: string; timezone: string }) {
      const observed = await engine.observe(user);
      const ticked = await engine.tick(user);
      return { ...observed, ...ticked };
    },
  };
}

/** The assistant service's type. */
export type AssistantService = ReturnType<typeof createAssistantService>;
