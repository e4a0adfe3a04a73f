import {
  addDays,
  formatMoment,
  mondayOf,
  toIso,
  wallClockAt,
  weekdayOf,
  zonedTimeToEpoch,
} from '../../kernel/index.ts';
import type { ActionStore, PendingAction } from '../types.ts';
import type { ChatToolDeps, InboxWindow } from './builtin-tools.ts';
import type { ToolContext, ToolDefinition } from './tool-definition.ts';
import type { ToolCallOutcome, ToolGate } from './tools.ts';

/** What a message was taken for when no model handles it. `ask` is the fallback: a question to memory. */
export type ChatRuleMatch =
  | { rule: 'remind'; text: string }
  | { rule: 'list_goals' }
  | { rule: 'goal_progress'; about: string }
  | { rule: 'add_goal'; text: string }
  | { rule: 'list_inbox'; window: InboxWindow }
  | { rule: 'complete'; words: string }
  | { rule: 'snooze'; words: string; until: string }
  | { rule: 'pending' };

/** The name of a chat rule, `ask` included. */
export type ChatRuleName = ChatRuleMatch['rule'] | 'ask';

/** What the chat says without a model about what a model would add. */
export const WITHOUT_MODEL_NOTE =
  'Without a language model I can run commands like "remind me to call Sam tomorrow at 9", "what are my goals", "how am I doing on reading", "my goal is to run a 10k by March", "what\'s due today", "done: call Sam", "snooze call Sam until Monday" and "what\'s pending confirmation", and answer questions by quoting your memory. Configure one in familiar.config.json (see `familiar models`) for free-form help.';

/** Tidies a message for matching: curly quotes, a leading "hey Familiar," or "please", trailing punctuation. */
function normalize(message: string): string {
  return message
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^(?:(?:hey|ok|okay|hi)\s+)?familiar\s*[,:]?\s*/i, '')
    .replace(/^please\s+/i, '')
    .replace(/[\s?!.]+$/, '')
    .trim();
}

function windowOf(phrase: string | undefined, fallback: InboxWindow): InboxWindow {
  const words = phrase?.trim().toLowerCase() ?? '';
  if (words === 'today') return 'today';
  if (words === 'tomorrow') return 'tomorrow';
  if (words === 'this week') return 'this_week';
  return fallback;
}

/**
 * Recognizes the structured commands that work without a model. Returns null for anything else (a memory question,
 * or something only a model could do). Matching is anchored and conservative: a message matches at most one rule.
 */
export function matchChatRule(message: string): ChatRuleMatch | null {
  const text = normalize(message);
  const lower = text.toLowerCase();
  if (/^(?:remind me\b|set (?:a|me a) reminder\b|reminder\s*:)/.test(lower)) return { rule: 'remind', text };

  if (/^(?:(?:what are|show(?: me)?|list|tell me) my (?:current |active )?goals|(?:my )?goals)$/.test(lower))
    return { rule: 'list_goals' };
  const progress =
    /^(?:how am i doing|how'?m i doing|how am i getting on|how far am i) (?:on|with) (?:my )?(.+?)(?: goal)?$/.exec(
      lower,
    ) ??
    /^how(?:'s| is) (?:my )?(.+?)(?: goal)? going$/.exec(lower) ??
    /^(?:what'?s my )?progress (?:on|with) (?:my )?(.+?)(?: goal)?$/.exec(lower);
  if (progress?.[1]) return { rule: 'goal_progress', about: progress[1] };

  const goal =
    /^(?:new goal|add (?:a )?goal|goal)\s*:\s*(.+)$/i.exec(text) ??
    /^(?:my (?:new )?goal is(?: to)?|set (?:a|my) goal(?: to)?|add (?:a )?goal to)\s+(.+)$/i.exec(text) ??
    /^(?:i want to|i'd like to|i would like to)\s+(.+?\b(?:by|every|each|per)\b.+)$/i.exec(text);
  if (goal?.[1]) return { rule: 'add_goal', text: goal[1].trim() };

  if (
    /^(?:(?:what'?s|what is) (?:in|on) my inbox|(?:show|list|check)(?: me)? my inbox|(?:my )?inbox)$/.test(
      lower,
    )
  )
    return { rule: 'list_inbox', window: 'all' };
  if (/^(?:what are|show(?: me)?|list) my (?:reminders|commitments|open loops)$/.test(lower))
    return { rule: 'list_inbox', window: 'all' };
  if (/^(?:what'?s|what is|anything) overdue$/.test(lower)) return { rule: 'list_inbox', window: 'overdue' };
  const toDoQuestion =
    /^what (?:do|have) i (?:got |have |need )?to do(?: (today|tomorrow|this week))?$/.exec(lower) ??
    /^(?:what'?s|what is|anything) due(?: (today|tomorrow|this week))?$/.exec(lower);
  if (toDoQuestion) return { rule: 'list_inbox', window: windowOf(toDoQuestion[1], 'today') };

  const done =
    /^(?:done|did|finished|completed?)\s*[:\-–]\s*(.+)$/i.exec(text) ??
    /^mark (.+?) (?:as )?(?:done|complete|completed|finished)$/i.exec(text);
  if (done?.[1]) return { rule: 'complete', words: done[1].trim() };

  const snooze = /^snooze (.+?) (until|till|til|to|for) (.+)$/i.exec(text);
  if (snooze?.[1] && snooze[3]) {
    const until = snooze[2]?.toLowerCase() === 'for' ? `for ${snooze[3]}` : snooze[3];
    return { rule: 'snooze', words: snooze[1].trim(), until: until.trim() };
  }

  if (
    /^(?:(?:what'?s|what is|anything|show(?: me)?|list)(?: still)? (?:pending|waiting|awaiting)(?: (?:for )?(?:my )?confirmation)?|(?:what|which actions) (?:do i need|needs?|is waiting) to (?:be )?confirm(?:ed)?|pending (?:actions|confirmations))$/.test(
      lower,
    )
  )
    return { rule: 'pending' };
  return null;
}

const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  twelve: 12,
  couple: 2,
};

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

const PARTS_OF_DAY: Record<string, [number, number]> = {
  morning: [9, 0],
  noon: [12, 0],
  afternoon: [14, 0],
  evening: [18, 0],
  tonight: [20, 0],
  night: [20, 0],
};

/** "5pm", "17:30", "9", "noon" → hour and minute, or null. */
function clockTime(text: string): [number, number] | null {
  const part = PARTS_OF_DAY[text];
  if (part) return part;
  const match = /^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$/.exec(text);
  if (!match) return null;
  let hour = Number(match[1]);
  const minute = match[2] === undefined ? 0 : Number(match[2]);
  const meridiem = match[3]?.[0];
  if (minute > 59 || hour > 23) return null;
  if (meridiem) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (meridiem === 'p' ? 12 : 0);
  }
  return [hour, minute];
}

/**
 * When a snooze should end, read in the person's zone: "for 2 hours", "for a week", "tomorrow", "tomorrow at 9",
 * "Monday", "next week", "tonight", "5pm" (today, or tomorrow when it has passed). Null when it cannot be read.
 */
export function parseSnoozeUntil(text: string, now: number, timezone: string): number | null {
  const phrase = text
    .toLowerCase()
    .replace(/[.!?]+$/, '')
    .trim();
  const wall = wallClockAt(now, timezone);
  const duration =
    /^for (?:(\d+(?:\.\d+)?)|(a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a couple of|couple of)) (minute|min|hour|hr|day|week)s?$/.exec(
      phrase,
    );
  if (duration) {
    const word = (duration[2] ?? '').includes('couple') ? 'couple' : (duration[2] ?? '');
    const amount = duration[1] ? Number(duration[1]) : (NUMBER_WORDS[word] ?? 1);
    const unit = duration[3] ?? 'hour';
    if (unit === 'minute' || unit === 'min') return now + amount * 60_000;
    if (unit === 'hour' || unit === 'hr') return now + amount * 3_600_000;
    const days = Math.round(amount * (unit === 'week' ? 7 : 1));
    return zonedTimeToEpoch(addDays(wall, days), wall.hour, wall.minute, timezone);
  }
  if (phrase === 'later' || phrase === 'later today') return now + 3 * 3_600_000;
  if (phrase === 'next week') return zonedTimeToEpoch(addDays(mondayOf(wall), 7), 9, 0, timezone);

  const dayed =
    /^(today|tonight|this (?:morning|afternoon|evening)|tomorrow|(?:next |on )?(?:sunday|monday|tuesday|wednesday|thursday|friday|saturday))?(?:\s*(?:at\s+)?(.+))?$/.exec(
      phrase,
    );
  if (!dayed || (!dayed[1] && !dayed[2])) return null;
  const dayWord = dayed[1] ?? '';
  let rest = dayed[2]?.trim() ?? '';
  let date = { year: wall.year, month: wall.month, day: wall.day };
  let explicitDay = false;
  if (dayWord === 'tomorrow') {
    date = addDays(date, 1);
    explicitDay = true;
  } else if (dayWord === 'tonight') {
    rest ||= 'tonight';
    explicitDay = true;
  } else if (dayWord.startsWith('this ')) {
    rest ||= dayWord.slice(5);
    explicitDay = true;
  } else if (dayWord === 'today') explicitDay = true;
  else if (dayWord) {
    const name = dayWord.replace(/^(?:next|on) /, '');
    const target = WEEKDAYS.indexOf(name);
    const ahead = (target - weekdayOf(date) + 7) % 7 || 7;
    date = addDays(date, ahead);
    explicitDay = true;
  }
  const time: [number, number] | null = rest ? clockTime(rest.replace(/^in the /, '')) : [9, 0];
  if (!time) return null;
  let at = zonedTimeToEpoch(date, time[0], time[1], timezone);
  if (at <= now) {
    // "today at 8" that has passed is a mistake to point out; a bare "8pm" that has passed means tomorrow's.
    if (explicitDay) return null;
    at = zonedTimeToEpoch(addDays(date, 1), time[0], time[1], timezone);
  }
  return at;
}

const STOP_WORDS = new Set([
  'a',
  'an',
  'the',
  'to',
  'my',
  'on',
  'with',
  'of',
  'for',
  'and',
  'in',
  'at',
  'me',
  'i',
  'goal',
  'item',
  'reminder',
  'it',
]);

/** Content words of a phrase, crudely stemmed so "reading" meets "read" and "books" meets "book". */
export function contentWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0 && !STOP_WORDS.has(word))
    .map(stem);
}

function stem(word: string): string {
  if (word.length > 5 && word.endsWith('ing')) return undouble(word.slice(0, -3));
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && word.endsWith('ed')) return undouble(word.slice(0, -2));
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

function undouble(word: string): string {
  return /([bdgklmnprt])\1$/.test(word) ? word.slice(0, -1) : word;
}

/** The candidates whose text shares the most content words with `words` (all of them on a tie; none when no word is shared). */
function bestMatches<T>(words: string, candidates: readonly T[], textOf: (candidate: T) => string): T[] {
  const wanted = new Set(contentWords(words));
  if (wanted.size === 0) return [];
  let best: T[] = [];
  let bestScore = 0;
  for (const candidate of candidates) {
    const have = new Set(contentWords(textOf(candidate)));
    let score = 0;
    for (const word of wanted) if (have.has(word)) score += 1;
    if (score === 0) continue;
    if (score > bestScore) {
      best = [candidate];
      bestScore = score;
    } else if (score === bestScore) best.push(candidate);
  }
  return best;
}

/** What the rules need: the tools (through the gate, so tiers and the audit apply), the dependencies and actions. */
export interface ChatRuleDeps {
  tools: ChatToolDeps;
  definitions: readonly ToolDefinition[];
  gate: ToolGate;
  actions: ActionStore;
}

/** A reply by rules: which rule answered, and the words. */
export interface ChatRuleReply {
  rule: ChatRuleName;
  reply: string;
}

interface GoalRow {
  id: string;
  title: string;
  summary: string;
  activity?: string;
  about?: string[];
}

interface InboxRow {
  id: string;
  kind: string;
  title: string;
  due: string;
  status: string;
}

function isArrayOf<T>(value: unknown): value is T[] {
  return Array.isArray(value);
}

function describeFailure(outcome: ToolCallOutcome): string {
  const result = outcome.result;
  if (result.status === 'error') return `I could not do that: ${result.error}`;
  if (result.status === 'refused') return `I will not do that: ${result.reason}`;
  return 'I could not do that.';
}

function inboxLine(item: InboxRow): string {
  return `- ${item.title} (${item.kind}, ${item.status === 'pending' ? '' : `${item.status}, `}${item.due}) [${item.id}]`;
}

const WINDOW_WORDS: Record<InboxWindow, string> = {
  all: 'open in your inbox',
  overdue: 'overdue',
  today: 'due today (or overdue)',
  tomorrow: 'due tomorrow',
  this_week: 'due this week',
};

/** One pending action in words, with its exact arguments and how to confirm it. */
export function describePendingAction(action: PendingAction, timezone: string): string {
  return `- ${action.summary} [${action.id}]\n  arguments: ${JSON.stringify(action.arguments)}\n  asked ${formatMoment(action.createdAt, timezone)}; expires ${formatMoment(action.expiresAt, timezone)}`;
}

/**
 * Answers a message without a model: a structured command runs its tool through the gate (so tiers and the audit
 * apply as for a model); anything else is a memory question answered by the extractive ask, followed by a plain
 * note on what a model would add.
 */
export async function runChatRules(
  message: string,
  context: ToolContext,
  deps: ChatRuleDeps,
): Promise<ChatRuleReply> {
  const byName = new Map(deps.definitions.map((definition) => [definition.name, definition]));
  const call = async (name: string, args: Record<string, unknown>): Promise<ToolCallOutcome | string> => {
    const definition = byName.get(name);
    if (!definition) return `The ${name} tool is not available.`;
    const outcome = await deps.gate.call(definition, args, context);
    return outcome.status === 'ran' ? outcome : describeFailure(outcome);
  };
  const resultOf = (outcome: ToolCallOutcome): unknown =>
    outcome.result.status === 'ok' ? outcome.result.result : null;

  const match = matchChatRule(message);
  if (!match) {
    const { answer } = await deps.tools.ask(context, message);
    return { rule: 'ask', reply: `${answer}\n\n${WITHOUT_MODEL_NOTE}` };
  }
  const { rule } = match;
  switch (match.rule) {
    case 'remind': {
      const parsed = deps.tools.parseReminder(match.text, { now: context.now, timezone: context.timezone });
      if (!parsed || !parsed.title.trim())
        return {
          rule,
          reply: 'I could not tell what to remind you of. Try "remind me to call Sam tomorrow at 9".',
        };
      const outcome = await call('add_reminder', {
        title: parsed.title,
        due: parsed.due === null ? null : toIso(parsed.due),
      });
      if (typeof outcome === 'string') return { rule, reply: outcome };
      return {
        rule,
        reply:
          parsed.due === null
            ? `OK, I'll remind you to ${parsed.title} (no time given, so it stays in your inbox).`
            : `OK, I'll remind you to ${parsed.title} on ${formatMoment(parsed.due, context.timezone)}.`,
      };
    }
    case 'list_goals': {
      const outcome = await call('list_goals', { status: 'active' });
      if (typeof outcome === 'string') return { rule, reply: outcome };
      const goals = resultOf(outcome);
      if (!isArrayOf<GoalRow>(goals) || goals.length === 0)
        return { rule, reply: 'You have no active goals. Set one with "my goal is to run a 10k by March".' };
      return {
        rule,
        reply: [
          `Your goals (${goals.length}):`,
          ...goals.map((goal) => `- ${goal.title}: ${goal.summary}`),
        ].join('\n'),
      };
    }
    case 'goal_progress': {
      const outcome = await call('list_goals', { status: 'active' });
      if (typeof outcome === 'string') return { rule, reply: outcome };
      const goals = resultOf(outcome);
      const list = isArrayOf<GoalRow>(goals) ? goals : [];
      const found = bestMatches(match.about, list, (goal) =>
        [goal.title, goal.activity ?? '', ...(goal.about ?? [])].join(' '),
      );
      if (found.length === 0) {
        const titles = list.map((goal) => goal.title).join('; ');
        return {
          rule,
          reply: `You have no goal about "${match.about}".${titles ? ` Your goals: ${titles}.` : ' You have no active goals.'}`,
        };
      }
      return { rule, reply: found.map((goal) => `${goal.title}: ${goal.summary}`).join('\n') };
    }
    case 'add_goal': {
      const outcome = await call('add_goal', { text: match.text });
      if (typeof outcome === 'string') return { rule, reply: outcome };
      const goal = resultOf(outcome) as { title?: unknown } | null;
      const title = typeof goal?.title === 'string' ? goal.title : match.text;
      return { rule, reply: `New goal: ${title}. I'll follow your progress from what you say and do.` };
    }
    case 'list_inbox': {
      const outcome = await call('list_inbox', { window: match.window });
      if (typeof outcome === 'string') return { rule, reply: outcome };
      const items = resultOf(outcome);
      const list = isArrayOf<InboxRow>(items) ? items : [];
      if (list.length === 0) return { rule, reply: `Nothing is ${WINDOW_WORDS[match.window]}.` };
      return {
        rule,
        reply: [
          `${list.length} ${list.length === 1 ? 'item' : 'items'} ${WINDOW_WORDS[match.window]}:`,
          ...list.map(inboxLine),
        ].join('\n'),
      };
    }
    case 'complete':
    case 'snooze': {
      let until: number | null = null;
      if (match.rule === 'snooze') {
        until = parseSnoozeUntil(match.until, context.now, context.timezone);
        if (until === null)
          return {
            rule,
            reply: `I could not tell until when ("${match.until}"). Try "for 2 hours", "until tomorrow at 9" or "until Monday".`,
          };
      }
      const listed = await call('list_inbox', { window: 'all' });
      if (typeof listed === 'string') return { rule, reply: listed };
      const items = resultOf(listed);
      const found = bestMatches(match.words, isArrayOf<InboxRow>(items) ? items : [], (item) => item.title);
      if (found.length === 0) return { rule, reply: `Nothing open in your inbox matches "${match.words}".` };
      const [item] = found;
      if (found.length > 1 || !item)
        return {
          rule,
          reply: [`Which one? Several items match "${match.words}":`, ...found.map(inboxLine)].join('\n'),
        };
      const outcome =
        until === null
          ? await call('complete_item', { itemId: item.id })
          : await call('snooze_item', { itemId: item.id, until: toIso(until) });
      if (typeof outcome === 'string') return { rule, reply: outcome };
      return {
        rule,
        reply:
          until === null
            ? `Done: ${item.title}.`
            : `Snoozed "${item.title}" until ${formatMoment(until, context.timezone)}.`,
      };
    }
    case 'pending': {
      const waiting = (await deps.actions.list(context.userId, { status: 'pending' })).filter(
        (action) => action.expiresAt > context.now,
      );
      if (waiting.length === 0) return { rule, reply: 'Nothing is waiting for your confirmation.' };
      return {
        rule,
        reply: [
          `${waiting.length} ${waiting.length === 1 ? 'action is' : 'actions are'} waiting for your confirmation:`,
          ...waiting.map((action) => describePendingAction(action, context.timezone)),
          'Confirm one with `familiar confirm <id>` (or on a device), or refuse it with `familiar reject <id>`.',
        ].join('\n'),
      };
    }
  }
}
