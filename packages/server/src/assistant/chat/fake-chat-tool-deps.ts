import { addDays, FamiliarError, NotFoundError, wallClockAt, zonedTimeToEpoch } from '../../kernel/index.ts';
import type { Person } from '../../memory/index.ts';
import type { Goal, GoalProgress, InboxItem, InboxQuery, ProgressEntry } from '../types.ts';
import type { ChatToolDeps, CitedMoment } from './builtin-tools.ts';

/** One call the fake received: which dependency and its arguments. */
export interface FakeChatCall {
  name: keyof ChatToolDeps;
  args: unknown;
}

/** What the fake starts with. */
export interface FakeChatSeed {
  goals?: GoalProgress[];
  inbox?: InboxItem[];
  people?: Person[];
  moments?: CitedMoment[];
}

/** A goal with its progress, for seeding the fake (and tests). */
export function fakeGoalProgress(
  goal: Partial<Goal> & Pick<Goal, 'id' | 'title' | 'activity'>,
  summary: string,
): GoalProgress {
  const full: Goal = {
    userId: 'user-1',
    text: goal.title,
    about: [],
    target: { amount: 10, unit: 'km', counting: 'max', period: null },
    deadline: null,
    plan: [],
    status: 'active',
    startedAt: 0,
    createdAt: 0,
    updatedAt: 0,
    ...goal,
  };
  return { goal: full, current: 0, fraction: 0, expectedFraction: null, behind: false, summary, entries: [] };
}

/** An open inbox item, for seeding the fake (and tests). */
export function fakeInboxItem(item: Partial<InboxItem> & Pick<InboxItem, 'id' | 'title'>): InboxItem {
  return {
    userId: 'user-1',
    kind: 'reminder',
    body: '',
    due: null,
    reason: 'You asked for it',
    status: 'pending',
    snoozedUntil: null,
    factId: null,
    goalId: null,
    personId: null,
    dedupeKey: `test:${item.id}`,
    notifiedAt: null,
    completedAt: null,
    sources: [],
    createdAt: 0,
    updatedAt: 0,
    ...item,
  };
}

/**
 * A hand-written in-memory fake of the assistant service's chat dependencies, for unit tests of the chat and its
 * rules: it keeps goals, inbox items, people and moments in arrays, behaves like the service on them, and records
 * every call in `calls`. Its reminder parser reads "remind me to X [tomorrow] [at H[am|pm]]" only.
 */
export function createFakeChatToolDeps(seed: FakeChatSeed = {}) {
  const goals = [...(seed.goals ?? [])];
  const inbox = [...(seed.inbox ?? [])];
  const people = [...(seed.people ?? [])];
  const moments = [...(seed.moments ?? [])];
  const calls: FakeChatCall[] = [];
  const progress: ProgressEntry[] = [];
  let nextId = 1;
  const log = (name: keyof ChatToolDeps, args: unknown) => calls.push({ name, args });
  const requireItem = (id: string): InboxItem => {
    const item = inbox.find((candidate) => candidate.id === id);
    if (!item) throw new NotFoundError('inbox item', id);
    return item;
  };
  const open = (item: InboxItem) => ['pending', 'to_confirm', 'snoozed'].includes(item.status);

  const deps: ChatToolDeps = {
    async searchMemory(_context, args) {
      log('searchMemory', args);
      const words = args.query.toLowerCase().split(/\s+/);
      return moments
        .filter((moment) => words.some((word) => moment.text.toLowerCase().includes(word)))
        .slice(0, args.limit);
    },
    async ask(_context, question) {
      log('ask', question);
      const words = question
        .toLowerCase()
        .split(/\W+/)
        .filter((word) => word.length > 3);
      const citations = moments.filter((moment) =>
        words.some((word) => moment.text.toLowerCase().includes(word)),
      );
      return {
        answer: citations.length
          ? `No language model is configured, so here are the moments that best match:\n${citations.map((moment) => `"${moment.text}"`).join('\n')}`
          : 'I found nothing in your timeline about that.',
        citations,
      };
    },
    async listGoals(_context, args) {
      log('listGoals', args);
      return goals.filter((entry) => args.status === 'all' || entry.goal.status === args.status);
    },
    async addGoal(context, args) {
      log('addGoal', args);
      const goal = fakeGoalProgress(
        {
          id: `goal-${nextId++}`,
          title: args.text.charAt(0).toUpperCase() + args.text.slice(1),
          activity: args.text.split(' ')[0] ?? 'do',
          createdAt: context.now,
        },
        'just started',
      );
      goals.push(goal);
      return goal.goal;
    },
    async recordProgress(context, args) {
      log('recordProgress', args);
      const goal = goals.find((entry) => entry.goal.id === args.goalId);
      if (!goal) throw new NotFoundError('goal', args.goalId);
      const entry: ProgressEntry = {
        id: `progress-${nextId++}`,
        userId: context.userId,
        goalId: args.goalId,
        amount: args.amount,
        unit: goal.goal.target.unit,
        at: args.at,
        confidence: 1,
        status: 'confirmed',
        origin: 'person',
        evidence: args.note ?? '',
        sources: [],
        createdAt: context.now,
        updatedAt: context.now,
      };
      progress.push(entry);
      return entry;
    },
    async listInbox(_context, query: InboxQuery) {
      log('listInbox', query);
      return inbox.filter(
        (item) =>
          open(item) &&
          (!query.kinds || query.kinds.includes(item.kind)) &&
          (query.dueFrom === undefined || (item.due !== null && item.due >= query.dueFrom)) &&
          (query.dueTo === undefined || (item.due !== null && item.due < query.dueTo)),
      );
    },
    async addReminder(context, args) {
      log('addReminder', args);
      const item = fakeInboxItem({
        id: `item-${nextId++}`,
        userId: context.userId,
        title: args.title,
        due: args.due,
        createdAt: context.now,
        updatedAt: context.now,
      });
      inbox.push(item);
      return item;
    },
    async completeItem(context, args) {
      log('completeItem', args);
      const item = requireItem(args.itemId);
      if (!open(item)) throw new FamiliarError('conflict', `this item is already ${item.status}`);
      Object.assign(item, { status: 'done', completedAt: context.now, updatedAt: context.now });
      return item;
    },
    async snoozeItem(context, args) {
      log('snoozeItem', args);
      const item = requireItem(args.itemId);
      Object.assign(item, { status: 'snoozed', snoozedUntil: args.until, updatedAt: context.now });
      return item;
    },
    async listPeople(_context, args) {
      log('listPeople', args);
      const query = args.query?.toLowerCase() ?? null;
      return people.filter((person) => query === null || person.name.toLowerCase().includes(query));
    },
    async personDetails(_context, args) {
      log('personDetails', args);
      const person = people.find((candidate) => candidate.id === args.personId);
      if (!person) throw new NotFoundError('person', args.personId);
      return { person, openPromises: inbox.filter((item) => item.personId === person.id && open(item)) };
    },
    async exportCalendar(_context, args) {
      log('exportCalendar', args);
      const events = inbox.filter((item) => item.due !== null);
      const body = events
        .map((item) => `BEGIN:VEVENT\r\nUID:${item.id}\r\nSUMMARY:${item.title}\r\nEND:VEVENT\r\n`)
        .join('');
      return { ics: `BEGIN:VCALENDAR\r\nVERSION:2.0\r\n${body}END:VCALENDAR\r\n`, events: events.length };
    },
    async importCalendar(_context, args) {
      log('importCalendar', args);
      return { imported: args.ics.split('BEGIN:VEVENT').length - 1, skipped: 0, problems: [] };
    },
    parseReminder(text, ctx) {
      log('parseReminder', text);
      const match = /remind me (?:to|about) (.+?)(?: (tomorrow))?(?: at (\d{1,2})(am|pm)?)?$/i.exec(text);
      if (!match?.[1]) return null;
      if (!match[2] && !match[3]) return { title: match[1], due: null };
      const today = wallClockAt(ctx.now, ctx.timezone);
      const hour = match[3] ? (Number(match[3]) % 12) + (match[4] === 'pm' ? 12 : 0) : 9;
      const date = match[2] ? addDays(today, 1) : today;
      return { title: match[1], due: zonedTimeToEpoch(date, hour, 0, ctx.timezone) };
    },
  };
  return { deps, calls, goals, inbox, people, progress };
}
