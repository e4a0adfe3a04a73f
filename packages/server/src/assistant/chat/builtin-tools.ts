import type { Trust } from '@familiar/protocol';
import { z } from 'zod';
import {
  addDays,
  FamiliarError,
  formatMoment,
  mondayOf,
  startOfDay,
  wallClockAt,
  zonedTimeToEpoch,
} from '../../kernel/index.ts';
import type { Person } from '../../memory/index.ts';
import { datamark } from '../../safety/index.ts';
import type { Goal, GoalProgress, InboxItem, InboxKind, InboxQuery, ProgressEntry } from '../types.ts';
import type { PerceivedContent, ResultProvenance, ToolContext, ToolDefinition } from './tool-definition.ts';

/**
 * A moment of the timeline a tool or an answer cites: its observation id, when it was captured, its text, and (when
 * known) its modality and trust. A moment whose trust is not known counts as perceived.
 */
export interface CitedMoment {
  id: string;
  capturedAt: number;
  text: string;
  modality?: string;
  trust?: Trust;
}

/** The perceived moments among cited ones, for a tool's provenance. */
function perceivedMoments(moments: readonly CitedMoment[]): PerceivedContent[] {
  return moments
    .filter((moment) => moment.trust !== 'authored')
    .map((moment) => ({
      observationId: moment.id,
      modality: moment.modality ?? null,
      capturedAt: moment.capturedAt,
      text: moment.text,
    }));
}

/** A moment as a model sees it: perceived text is datamarked (see `datamark`), the person's own words are not. */
function momentForModel(moment: CitedMoment): CitedMoment {
  return moment.trust === 'authored' ? moment : { ...moment, text: datamark(moment.text) };
}

/** Provenance of a result whose text all comes from perception (inbox reasons quote what was heard). */
function perceivedOutput(text: string): PerceivedContent[] {
  return text ? [{ observationId: null, modality: null, capturedAt: null, text }] : [];
}

/** A person with what the assistant knows that helps: their important dates and the promises still open. */
export interface PersonDetails {
  person: Person;
  /** Open commitments that involve them (inbox items linked to the person or naming them). */
  openPromises: InboxItem[];
  /** Open follow-ups about them ("Ask Sam how the job interview went"), when the deps know them. */
  followUps?: InboxItem[];
}

/** What importing a calendar did. */
export interface CalendarImport {
  imported: number;
  skipped: number;
  problems: string[];
}

/**
 * What the built-in tools and the chat rules need from the assistant service: narrow functions over the person's own
 * data. Each takes the tool context first (whose data, who asks, their zone, now) and already-validated arguments.
 */
export interface ChatToolDeps {
  /** The moments that best match a query, best first. */
  searchMemory(context: ToolContext, args: { query: string; limit: number }): Promise<CitedMoment[]>;
  /** A memory question answered from retrieval (extractively without a model), with the moments it cites. */
  ask(context: ToolContext, question: string): Promise<{ answer: string; citations: CitedMoment[] }>;
  /** Goals with where each stands. */
  listGoals(context: ToolContext, args: { status: Goal['status'] | 'all' }): Promise<GoalProgress[]>;
  /** Adds a goal from the person's words ("run a 10k by March"); the service works out target and deadline. */
  addGoal(context: ToolContext, args: { text: string }): Promise<Goal>;
  /** Records progress the person reports (origin `person`), in the goal's unit. */
  recordProgress(
    context: ToolContext,
    args: { goalId: string; amount: number; at: number; note: string | null },
  ): Promise<ProgressEntry>;
  /** Inbox items; the default query lists the open ones. */
  listInbox(context: ToolContext, query: InboxQuery): Promise<InboxItem[]>;
  /** Adds a reminder the person asked for. */
  addReminder(context: ToolContext, args: { title: string; due: number | null }): Promise<InboxItem>;
  /** Marks an inbox item done. */
  completeItem(context: ToolContext, args: { itemId: string }): Promise<InboxItem>;
  /** Hides an inbox item until a time. */
  snoozeItem(context: ToolContext, args: { itemId: string; until: number }): Promise<InboxItem>;
  /** People the person knows, optionally those whose name or alias matches a query. */
  listPeople(context: ToolContext, args: { query: string | null }): Promise<Person[]>;
  /** One person with their important dates and open promises. */
  personDetails(context: ToolContext, args: { personId: string }): Promise<PersonDetails>;
  /** The person's reminders, commitments and important dates as an iCalendar (`.ics`) text. */
  exportCalendar(
    context: ToolContext,
    args: { from: number | null; to: number | null },
  ): Promise<{ ics: string; events: number }>;
  /** Imports events from an iCalendar (`.ics`) text as reminders and dates. */
  importCalendar(context: ToolContext, args: { ics: string }): Promise<CalendarImport>;
  /** Reads "remind me to … [when]" into a title and a due time in the person's zone (null when it is not one). */
  parseReminder(
    text: string,
    ctx: { now: number; timezone: string },
  ): { title: string; due: number | null } | null;
}

/** The names of the built-in tools, for rules and tests that call them by name. */
export const BUILTIN_TOOL_NAMES = [
  'search_memory',
  'list_goals',
  'add_goal',
  'record_progress',
  'list_inbox',
  'add_reminder',
  'complete_item',
  'snooze_item',
  'list_people',
  'person_details',
  'export_calendar',
  'import_calendar',
  'identify_person',
  'record_covertly',
] as const;

/** One built-in tool's name. */
export type BuiltinToolName = (typeof BUILTIN_TOOL_NAMES)[number];

const LOCAL_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Reads a time a model or a rule wrote: ISO 8601 with a zone (`2026-03-03T09:00:00Z`, `…+01:00`) as that instant; a
 * local date-time without a zone (`2026-03-03T09:00`) in the person's zone; a date alone (`2026-03-03`) as 09:00
 * that day in the person's zone. Returns null for anything else.
 */
export function parseToolTime(text: string, timezone: string): number | null {
  const match = LOCAL_TIME.exec(text.trim());
  if (!match) return null;
  const [, year, month, day, hour, minute, , zone] = match;
  const date = { year: Number(year), month: Number(month), day: Number(day) };
  if (date.month < 1 || date.month > 12 || date.day < 1 || date.day > 31) return null;
  if (zone) {
    const instant = Date.parse(text.trim().replace(' ', 'T'));
    return Number.isNaN(instant) ? null : instant;
  }
  if (hour === undefined) return zonedTimeToEpoch(date, 9, 0, timezone);
  const h = Number(hour);
  const m = Number(minute);
  if (h > 23 || m > 59) return null;
  return zonedTimeToEpoch(date, h, m, timezone);
}

const ToolTime = z
  .string()
  .min(10)
  .max(40)
  .describe(
    "ISO 8601: '2026-03-03T09:00' is read in the person's time zone; a date alone means 09:00 that day; 'Z' or an offset is taken as given.",
  );

/** Which due dates `list_inbox` keeps, in the person's zone. */
export const InboxWindowSchema = z.enum(['all', 'overdue', 'today', 'tomorrow', 'this_week']);

/** One of `InboxWindowSchema`'s windows. */
export type InboxWindow = z.infer<typeof InboxWindowSchema>;

/**
 * The inbox query for a window of due dates in the person's zone at `now`: `today` includes what is overdue,
 * `this_week` runs to the end of Sunday.
 */
export function inboxWindowQuery(window: InboxWindow, now: number, timezone: string): InboxQuery {
  const today = wallClockAt(now, timezone);
  const tomorrow = startOfDay(addDays(today, 1), timezone);
  switch (window) {
    case 'all':
      return {};
    case 'overdue':
      return { dueTo: now };
    case 'today':
      return { dueTo: tomorrow };
    case 'tomorrow':
      return { dueFrom: tomorrow, dueTo: startOfDay(addDays(today, 2), timezone) };
    case 'this_week':
      return { dueTo: startOfDay(addDays(mondayOf(today), 7), timezone) };
  }
}

function timeOrThrow(text: string, context: ToolContext, what: string): number {
  const at = parseToolTime(text, context.timezone);
  if (at === null)
    throw new FamiliarError('invalid_input', `${what} "${text}" is not an ISO 8601 date or time`);
  return at;
}

function when(ms: number | null, timezone: string): string {
  return ms === null ? 'no due time' : formatMoment(ms, timezone);
}

/** Types a tool definition by its input schema, and widens it for the list of all tools. */
function define<Input>(definition: Omit<ToolDefinition<Input>, 'source'>): ToolDefinition {
  return { ...definition, source: 'builtin' } as ToolDefinition;
}

const Id = z.string().min(1).max(200);

/** An inbox item as tools show it. */
interface InboxLine {
  kind?: string;
  title: string;
  reason?: string;
}

/**
 * Provenance of inbox items: commitments, nudges and digests come from what was heard and seen (their titles and
 * reasons quote it), reminders from the person (or from a request the person confirmed).
 */
function inboxProvenance(items: readonly InboxLine[]): ResultProvenance {
  const perceived = items
    .filter((item) => item.kind !== 'reminder')
    .map((item) => `${item.title}\n${item.reason ?? ''}`)
    .join('\n');
  return { perceived: perceivedOutput(perceived), privateData: items.length > 0 };
}

/**
 * The built-in tools: memory search, goals, the inbox, people and calendar files (`read` or `local_write`), plus two
 * `forbidden` tools that never run: asking for them gets a refusal, and `familiar tools` shows the policy.
 */
export function builtinTools(deps: ChatToolDeps): ToolDefinition[] {
  return [
    define({
      name: 'search_memory',
      description:
        "Searches the person's memory (what their devices heard and saw, and their notes) and returns the best-matching moments with their ids and times. Cite moments by id.",
      tier: 'read',
      input: z.object({
        query: z.string().min(1).max(500).describe('words to look for'),
        limit: z.number().int().min(1).max(20).default(5),
      }),
      summarize: ({ query }) => `Search memory for "${query}"`,
      run: async (args, context) => (await deps.searchMemory(context, args)).map(momentForModel),
      provenance: (result) => {
        const moments = result as CitedMoment[];
        return { perceived: perceivedMoments(moments), privateData: moments.length > 0 };
      },
    }),
    define({
      name: 'list_goals',
      description:
        "Lists the person's goals with their progress (current amount, fraction of the target, whether behind pace) and a one-line summary each.",
      tier: 'read',
      input: z.object({ status: z.enum(['active', 'achieved', 'abandoned', 'all']).default('active') }),
      summarize: ({ status }) => `List ${status === 'all' ? 'all' : status} goals`,
      run: async (args, context) =>
        (await deps.listGoals(context, args)).map((progress) => ({
          id: progress.goal.id,
          title: progress.goal.title,
          activity: progress.goal.activity,
          about: progress.goal.about,
          summary: progress.summary,
          current: progress.current,
          target: progress.goal.target,
          fraction: progress.fraction,
          behind: progress.behind,
          deadline:
            progress.goal.deadline === null ? null : formatMoment(progress.goal.deadline, context.timezone),
          plan: progress.goal.plan,
        })),
      // Goals are the person's own words; their amounts are numbers.
      provenance: (result) => ({ perceived: [], privateData: (result as unknown[]).length > 0 }),
    }),
    define({
      name: 'add_goal',
      description:
        'Adds a goal from the person\'s own words, e.g. "run a 10k by March", "read 12 books this year", "call mum every week".',
      tier: 'local_write',
      input: z.object({ text: z.string().min(3).max(500) }),
      summarize: ({ text }) => `Add the goal "${text}"`,
      run: (args, context) => deps.addGoal(context, args),
    }),
    define({
      name: 'record_progress',
      description:
        "Records progress the person reports toward one goal (by id from list_goals), as an amount in the goal's unit.",
      tier: 'local_write',
      input: z.object({
        goalId: Id,
        amount: z.number().positive().max(1_000_000),
        at: ToolTime.optional().describe('when it happened (default: now)'),
        note: z.string().max(500).optional(),
      }),
      summarize: ({ goalId, amount }) => `Record ${amount} toward goal ${goalId}`,
      run: (args, context) =>
        deps.recordProgress(context, {
          goalId: args.goalId,
          amount: args.amount,
          at: args.at === undefined ? context.now : timeOrThrow(args.at, context, 'at'),
          note: args.note ?? null,
        }),
    }),
    define({
      name: 'list_inbox',
      description:
        "Lists the person's open inbox items (commitments, reminders, nudges), optionally only those due in a window of their local days.",
      tier: 'read',
      input: z.object({
        window: InboxWindowSchema.default('all'),
        kinds: z
          .array(z.enum(['commitment', 'reminder', 'nudge', 'digest']))
          .max(4)
          .optional(),
      }),
      summarize: ({ window }) => `List inbox items (${window.replace('_', ' ')})`,
      run: async (args, context) => {
        const query: InboxQuery = inboxWindowQuery(args.window, context.now, context.timezone);
        const kinds: InboxKind[] | undefined = args.kinds;
        const items = await deps.listInbox(context, kinds ? { ...query, kinds } : query);
        return items.map((item) => ({
          id: item.id,
          kind: item.kind,
          title: item.title,
          due: when(item.due, context.timezone),
          status: item.status,
          reason: item.reason,
        }));
      },
      provenance: (result) => inboxProvenance(result as InboxLine[]),
    }),
    define({
      name: 'add_reminder',
      description: 'Adds a reminder for the person, with a due time when they named one.',
      tier: 'local_write',
      input: z.object({ title: z.string().min(1).max(300), due: ToolTime.nullable().default(null) }),
      summarize: ({ title, due }) => `Remind you to ${title}${due ? ` (${due})` : ''}`,
      run: (args, context) =>
        deps.addReminder(context, {
          title: args.title,
          due: args.due === null ? null : timeOrThrow(args.due, context, 'due'),
        }),
    }),
    define({
      name: 'complete_item',
      description: 'Marks an inbox item (by id from list_inbox) done.',
      tier: 'local_write',
      input: z.object({ itemId: Id }),
      summarize: ({ itemId }) => `Mark inbox item ${itemId} done`,
      run: (args, context) => deps.completeItem(context, args),
    }),
    define({
      name: 'snooze_item',
      description: 'Hides an inbox item (by id from list_inbox) until a later time.',
      tier: 'local_write',
      input: z.object({ itemId: Id, until: ToolTime }),
      summarize: ({ itemId, until }) => `Snooze inbox item ${itemId} until ${until}`,
      run: async (args, context) => {
        const until = timeOrThrow(args.until, context, 'until');
        if (until <= context.now) throw new FamiliarError('invalid_input', 'a snooze must end in the future');
        return deps.snoozeItem(context, { itemId: args.itemId, until });
      },
    }),
    define({
      name: 'list_people',
      description:
        'Lists people the person knows (names, relationship, when they last came up), optionally matching a name.',
      tier: 'read',
      input: z.object({ query: z.string().min(1).max(200).nullable().default(null) }),
      summarize: ({ query }) => (query ? `List people matching "${query}"` : 'List people'),
      run: async (args, context) =>
        (await deps.listPeople(context, args)).map((person) => ({
          id: person.id,
          name: person.name,
          relationship: person.relationship,
          lastMentioned:
            person.lastMentionedAt === null ? null : formatMoment(person.lastMentionedAt, context.timezone),
        })),
      // Names and relationships only: short fields the person can see and correct, not free perceived text.
      provenance: (result) => ({ perceived: [], privateData: (result as unknown[]).length > 0 }),
    }),
    define({
      name: 'person_details',
      description:
        "One person's details (by id from list_people): important dates such as birthdays and anniversaries, the promises still open, and things to follow up with them (how their interview or move went).",
      tier: 'read',
      input: z.object({ personId: Id }),
      summarize: ({ personId }) => `Show person ${personId}`,
      run: async (args, context) => {
        const { person, openPromises, followUps } = await deps.personDetails(context, args);
        return {
          id: person.id,
          name: person.name,
          aliases: person.aliases,
          relationship: person.relationship,
          importantDates: person.importantDates,
          openPromises: openPromises.map((item) => ({
            id: item.id,
            title: item.title,
            due: when(item.due, context.timezone),
          })),
          ...(followUps
            ? {
                followUps: followUps.map((item) => ({
                  id: item.id,
                  title: item.title,
                  due: when(item.due, context.timezone),
                  reason: item.reason,
                })),
              }
            : {}),
        };
      },
      provenance: (result) => {
        const details = result as { openPromises: InboxLine[]; followUps?: InboxLine[] };
        return {
          perceived: inboxProvenance([...details.openPromises, ...(details.followUps ?? [])]).perceived,
          privateData: true,
        };
      },
    }),
    define({
      name: 'export_calendar',
      description:
        "Exports the person's reminders, commitments and important dates as an iCalendar (.ics) text, optionally between two times.",
      tier: 'read',
      input: z.object({ from: ToolTime.nullable().default(null), to: ToolTime.nullable().default(null) }),
      summarize: ({ from, to }) =>
        `Export the calendar${from ? ` from ${from}` : ''}${to ? ` to ${to}` : ''}`,
      run: (args, context) =>
        deps.exportCalendar(context, {
          from: args.from === null ? null : timeOrThrow(args.from, context, 'from'),
          to: args.to === null ? null : timeOrThrow(args.to, context, 'to'),
        }),
      provenance: (result) => {
        const exported = result as { ics: string; events: number };
        return {
          perceived: exported.events > 0 ? perceivedOutput(exported.ics) : [],
          privateData: exported.events > 0,
        };
      },
    }),
    define({
      name: 'import_calendar',
      description:
        'Imports events from an iCalendar (.ics) text the person gave, as reminders and important dates.',
      tier: 'local_write',
      input: z.object({ ics: z.string().min(1).max(1_000_000) }),
      summarize: ({ ics }) => `Import a calendar file (${ics.length} characters)`,
      run: (args, context) => deps.importCalendar(context, args),
    }),
    define({
      name: 'identify_person',
      description:
        'Forbidden: identifying a stranger from their face or voice. Familiar only recognizes people who enrolled themselves; it never identifies anyone else.',
      tier: 'forbidden',
      input: z.object({ observationId: Id.optional(), description: z.string().max(500).optional() }),
      summarize: () => 'Identify a stranger from their face or voice (never allowed)',
      run: async () => {
        throw new FamiliarError(
          'forbidden',
          'identifying strangers from their face or voice is never allowed',
        );
      },
    }),
    define({
      name: 'record_covertly',
      description:
        'Forbidden: recording without the capture indicator. Familiar never records without showing that it does.',
      tier: 'forbidden',
      input: z.object({ minutes: z.number().optional() }),
      summarize: () => 'Record without the capture indicator (never allowed)',
      run: async () => {
        throw new FamiliarError('forbidden', 'recording without the capture indicator is never allowed');
      },
    }),
  ];
}
