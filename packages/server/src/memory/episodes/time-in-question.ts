import { createRequire } from 'node:module';
import type * as Chrono from 'chrono-node';

/** chrono-node, loaded on first use (about 0.1 s) so commands that never read dates do not pay for it. */
let chronoModule: typeof Chrono | undefined;
function chronoNode(): typeof Chrono {
  chronoModule ??= createRequire(import.meta.url)('chrono-node') as typeof Chrono;
  return chronoModule;
}

import {
  addDays,
  addMonths,
  type CalendarDate,
  compareDates,
  daysInMonth,
  isValidTimeZone,
  mondayOf,
  startOfDay,
  ValidationError,
  wallClockAt,
  weekdayOf,
  zonedTimeToEpoch,
} from '../../kernel/index.ts';
import { isStopword } from './episode-words.ts';

/**
 * The time a question is about: a half-open range [fromMs, toMs) of whole calendar units in the user's zone, or
 * a position relative to an event the retriever must find first ("before the trip"). `phrase` is the text that
 * said so, for the caller to drop from the keyword query.
 */
export type QuestionTime =
  | { kind: 'range'; fromMs: number; toMs: number; phrase: string }
  | { kind: 'relative'; relation: 'before' | 'after'; anchor: string; phrase: string };

/** When the question is asked (epoch ms) and the asker's IANA time zone. */
export interface QuestionTimeOptions {
  now: number;
  timezone: string;
}

interface Context {
  now: number;
  timeZone: string;
  today: CalendarDate;
  /** Monday of the current week. */
  monday: CalendarDate;
}

interface Span {
  fromMs: number;
  toMs: number;
}

interface Candidate {
  start: number;
  end: number;
  order: number;
  result: QuestionTime;
}

interface Rule {
  pattern: RegExp;
  resolve: (match: RegExpExecArray, context: Context, question: string) => Span | null;
}

const NUMBER = String.raw`(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a couple of|couple of|an|a)`;
const WEEKDAY = '(sunday|monday|tuesday|wednesday|thursday|friday|saturday)';
const PART = '(morning|afternoon|evening|night)';
const MONTH =
  '(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)';
const MONTH_NAME = new RegExp(`\\b${MONTH}\\b`, 'i');
const YEAR = String.raw`((?:19|20)\d{2})`;
const ON = String.raw`(?:(?:on|during|over|from)\s+)?`;

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
  eleven: 11,
  twelve: 12,
  'a couple of': 2,
  'couple of': 2,
};
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** Start and end hour of each part of a day; night runs into the next morning. */
const PARTS: Record<string, [number, number]> = {
  morning: [6, 12],
  afternoon: [12, 18],
  evening: [18, 24],
  night: [18, 30],
};
const SEASON_START: Record<string, number> = { spring: 3, summer: 6, autumn: 9, fall: 9, winter: 12 };
/** Words before a bare month name or year that make it a date ("in May", "since 2022"), not a verb or a count. */
const DATE_LEAD =
  /\b(in|during|throughout|from|since|after|before|until|till|by|of|last|this|next|early|late|mid)\s+$/i;
/** Words that start a time expression and so cannot be the event a question is relative to. */
const TIME_WORD = new RegExp(
  `^(?:${WEEKDAY.slice(1, -1)}|${MONTH.slice(1, -1)}|${PART.slice(1, -1)}|weekend|week|month|year|day|today|tonight|yesterday|tomorrow|spring|summer|autumn|fall|winter|\\d+)$`,
  'i',
);

function count(word: string | undefined): number {
  if (!word) return 1;
  const lower = word.toLowerCase().replace(/\s+/g, ' ');
  return NUMBER_WORDS[lower] ?? Number(lower);
}

function weekdayIndex(name: string): number {
  return WEEKDAYS.indexOf(name.toLowerCase());
}

function monthIndex(name: string): number {
  return MONTHS.indexOf(name.toLowerCase().slice(0, 3)) + 1;
}

function daySpan(date: CalendarDate, context: Context, part?: string): Span {
  const [fromHour, toHour] = part ? PARTS[part.toLowerCase()]! : [0, 24];
  return {
    fromMs: zonedTimeToEpoch(addDays(date, Math.floor(fromHour / 24)), fromHour % 24, 0, context.timeZone),
    toMs: zonedTimeToEpoch(addDays(date, Math.floor(toHour / 24)), toHour % 24, 0, context.timeZone),
  };
}

function daysSpan(from: CalendarDate, toExclusive: CalendarDate, context: Context): Span {
  return { fromMs: startOfDay(from, context.timeZone), toMs: startOfDay(toExclusive, context.timeZone) };
}

function monthSpan(year: number, month: number, context: Context, fromDay = 1, toDay?: number): Span {
  const first = { year, month, day: fromDay };
  const end = toDay === undefined ? addMonths({ year, month, day: 1 }, 1) : { year, month, day: toDay };
  return daysSpan(first, end, context);
}

function yearSpan(year: number, context: Context): Span {
  return daysSpan({ year, month: 1, day: 1 }, { year: year + 1, month: 1, day: 1 }, context);
}

function weekSpan(monday: CalendarDate, context: Context): Span {
  return daysSpan(monday, addDays(monday, 7), context);
}

/** The last `weekday` strictly before today (`inclusive`: today counts). */
function previousWeekday(context: Context, weekday: number, inclusive: boolean): CalendarDate {
  const back = (weekdayOf(context.today) - weekday + 7) % 7;
  return addDays(context.today, back === 0 && !inclusive ? -7 : -back);
}

function sinceTodayMinus(context: Context, unit: string, amount: number): Span {
  const singular = unit.toLowerCase().replace(/s$/, '');
  const from =
    singular === 'day'
      ? addDays(context.today, -amount)
      : singular === 'week'
        ? addDays(context.today, -7 * amount)
        : addMonths(context.today, singular === 'month' ? -amount : -12 * amount);
  return { fromMs: startOfDay(from, context.timeZone), toMs: context.now };
}

function weekendSpan(context: Context, weeksBack: number): Span {
  const saturday = addDays(context.monday, 5 - 7 * weeksBack);
  return daysSpan(saturday, addDays(saturday, 2), context);
}

function isWeekend(date: CalendarDate): boolean {
  const weekday = weekdayOf(date);
  return weekday === 0 || weekday === 6;
}

function monthSpanOf(context: Context, monthsBack: number): Span {
  const first = addMonths({ ...context.today, day: 1 }, -monthsBack);
  return monthSpan(first.year, first.month, context);
}

function seasonSpan(
  context: Context,
  name: string,
  which: string | undefined,
  year: number | undefined,
): Span {
  const startMonth = SEASON_START[name.toLowerCase()]!;
  const spanOf = (startYear: number) =>
    daysSpan(
      { year: startYear, month: startMonth, day: 1 },
      addMonths({ year: startYear, month: startMonth, day: 1 }, 3),
      context,
    );
  if (year !== undefined) return spanOf(startMonth === 12 ? year - 1 : year);
  const todayStart = startOfDay(context.today, context.timeZone);
  let startYear = context.today.year;
  while (spanOf(startYear).fromMs > todayStart) startYear--;
  const latestStarted = spanOf(startYear);
  const relation = which?.toLowerCase();
  if (relation === 'next') return spanOf(startYear + 1);
  if ((relation === 'last' || relation === 'past') && latestStarted.toMs > todayStart)
    return spanOf(startYear - 1);
  return latestStarted;
}

const RULES: Rule[] = [
  {
    // "in the last 3 days", "over the past two weeks", "the past 3 days": a rolling window up to now.
    pattern: new RegExp(
      String.raw`\b(?:(in|during|over|within|for)\s+)?the\s+(?:last|past)\s+(?:${NUMBER}\s+)?(days?|weeks?|months?|years?)\b(?!\s+of\b)`,
      'gi',
    ),
    resolve: (match, context) => {
      if (!match[1] && !match[2]) return null;
      return sinceTodayMinus(context, match[3]!, count(match[2]));
    },
  },
  {
    pattern: new RegExp(String.raw`\b${ON}(?:the\s+)?day\s+before\s+yesterday(?:\s+${PART})?\b`, 'gi'),
    resolve: (match, context) => daySpan(addDays(context.today, -2), context, match[1]),
  },
  {
    pattern: new RegExp(String.raw`\b${ON}yesterday(?:\s+${PART})?\b`, 'gi'),
    resolve: (match, context) => daySpan(addDays(context.today, -1), context, match[1]),
  },
  {
    pattern: /\b(?:during\s+)?last\s+night\b/gi,
    resolve: (_match, context) => daySpan(addDays(context.today, -1), context, 'night'),
  },
  {
    pattern: /\bearlier\s+today\b/gi,
    resolve: (_match, context) => ({
      fromMs: startOfDay(context.today, context.timeZone),
      toMs: context.now,
    }),
  },
  {
    pattern: /\b(?:this\s+(morning|afternoon|evening)|(tonight))\b/gi,
    resolve: (match, context) => daySpan(context.today, context, match[1] ?? 'night'),
  },
  {
    pattern: /\btoday\b/gi,
    resolve: (_match, context) => daySpan(context.today, context),
  },
  {
    pattern: new RegExp(String.raw`\btomorrow(?:\s+${PART})?\b`, 'gi'),
    resolve: (match, context) => daySpan(addDays(context.today, 1), context, match[1]),
  },
  {
    // "Friday last week", "on the Tuesday of next week"
    pattern: new RegExp(
      String.raw`\b${ON}(?:the\s+)?${WEEKDAY}(?:\s+${PART})?\s+(?:of\s+)?(last|this|next|the\s+previous|the\s+following)\s+week\b`,
      'gi',
    ),
    resolve: (match, context) => {
      const which = match[3]!.toLowerCase();
      const shift = which === 'this' ? 0 : which === 'last' || which.endsWith('previous') ? -7 : 7;
      const offset = (weekdayIndex(match[1]!) + 6) % 7;
      return daySpan(addDays(context.monday, shift + offset), context, match[2]);
    },
  },
  {
    pattern: new RegExp(
      String.raw`\b${ON}(last|this\s+past|past|this|next|this\s+coming|coming)\s+${WEEKDAY}(?:\s+${PART})?\b`,
      'gi',
    ),
    resolve: (match, context) => {
      const which = match[1]!.toLowerCase().replace(/\s+/g, ' ');
      const weekday = weekdayIndex(match[2]!);
      if (which === 'this') return daySpan(addDays(context.monday, (weekday + 6) % 7), context, match[3]);
      if (which === 'next' || which.endsWith('coming')) {
        const ahead = (weekday - weekdayOf(context.today) + 7) % 7 || 7;
        return daySpan(addDays(context.today, ahead), context, match[3]);
      }
      return daySpan(previousWeekday(context, weekday, false), context, match[3]);
    },
  },
  {
    pattern: new RegExp(String.raw`\b${ON}${WEEKDAY}(?:\s+${PART})?\b`, 'gi'),
    resolve: (match, context) =>
      daySpan(previousWeekday(context, weekdayIndex(match[1]!), true), context, match[2]),
  },
  {
    pattern: new RegExp(String.raw`\b${NUMBER}\s+weekends?\s+ago\b`, 'gi'),
    resolve: (match, context) => weekendSpan(context, count(match[1])),
  },
  {
    pattern: /\b(?:(?:over|during|on|at)\s+)?(?:the\s+)?(?:last|previous|this\s+past|past)\s+weekend\b/gi,
    resolve: (_match, context) => weekendSpan(context, 1),
  },
  {
    pattern: /\b(?:(?:over|during|on|at)\s+)?(?:this|the)\s+weekend\b/gi,
    resolve: (_match, context) => weekendSpan(context, isWeekend(context.today) ? 0 : 1),
  },
  {
    pattern: /\b(?:(?:over|during|on|at)\s+)?next\s+weekend\b/gi,
    resolve: (_match, context) => weekendSpan(context, isWeekend(context.today) ? -1 : 0),
  },
  {
    pattern: /\b(?:(?:during|in|over)\s+)?(?:last|the\s+previous|this\s+past)\s+week\b(?!\s+of\b)/gi,
    resolve: (_match, context) => weekSpan(addDays(context.monday, -7), context),
  },
  {
    pattern: /\b(?:(?:during|in|over)\s+)?(?:the\s+)?week\s+before\s+last\b/gi,
    resolve: (_match, context) => weekSpan(addDays(context.monday, -14), context),
  },
  {
    pattern: /\b(?:(?:during|in|over)\s+)?this\s+week\b(?!\s+of\b)/gi,
    resolve: (_match, context) => weekSpan(context.monday, context),
  },
  {
    pattern: /\b(?:(?:during|in)\s+)?next\s+week\b/gi,
    resolve: (_match, context) => weekSpan(addDays(context.monday, 7), context),
  },
  {
    pattern: new RegExp(String.raw`\b${NUMBER}\s+weeks?\s+ago\b`, 'gi'),
    resolve: (match, context) => weekSpan(addDays(context.monday, -7 * count(match[1])), context),
  },
  {
    pattern: new RegExp(String.raw`\b${NUMBER}\s+days?\s+ago\b`, 'gi'),
    resolve: (match, context) => daySpan(addDays(context.today, -count(match[1])), context),
  },
  {
    pattern:
      /\b(?:(?:during|in|over)\s+)?(?:(last|the\s+previous|this\s+past)|(this)|(next))\s+month\b(?!\s+of\b)/gi,
    resolve: (match, context) => monthSpanOf(context, match[1] ? 1 : match[2] ? 0 : -1),
  },
  {
    pattern: /\b(?:(?:during|in)\s+)?(?:the\s+)?month\s+before\s+last\b/gi,
    resolve: (_match, context) => monthSpanOf(context, 2),
  },
  {
    pattern: new RegExp(String.raw`\b${NUMBER}\s+months?\s+ago\b`, 'gi'),
    resolve: (match, context) => monthSpanOf(context, count(match[1])),
  },
  {
    pattern:
      /\b(?:(?:during|in|over)\s+)?(?:(last|the\s+previous|this\s+past)|(this)|(next))\s+year\b(?!\s+of\b)/gi,
    resolve: (match, context) => yearSpan(context.today.year + (match[1] ? -1 : match[2] ? 0 : 1), context),
  },
  {
    pattern: /\b(?:(?:during|in)\s+)?(?:the\s+)?year\s+before\s+last\b/gi,
    resolve: (_match, context) => yearSpan(context.today.year - 2, context),
  },
  {
    pattern: new RegExp(String.raw`\b${NUMBER}\s+years?\s+ago\b`, 'gi'),
    resolve: (match, context) => yearSpan(context.today.year - count(match[1]), context),
  },
  {
    // "in May", "last March", "early June", "the end of May 2023"; a bare month name needs a lead word or a year.
    pattern: new RegExp(
      String.raw`\b(?:(in|during|throughout|from)\s+)?(?:(early|late|mid)[\s-]+|(?:the\s+)?(end|beginning|start|middle)\s+of\s+)?(?:(last|this|next)\s+)?${MONTH}\b\.?(?:,?\s+(?:of\s+)?${YEAR}\b)?`,
      'gi',
    ),
    resolve: (match, context, question) => {
      const [, lead, part, edge, which, name, yearText] = match;
      const led = lead || part || edge || which || yearText || DATE_LEAD.test(question.slice(0, match.index));
      if (!led) return null;
      const month = monthIndex(name!);
      const current = context.today;
      const relation = which?.toLowerCase();
      const year = yearText
        ? Number(yearText)
        : relation === 'this'
          ? current.year
          : relation === 'next'
            ? current.year + (month > current.month ? 0 : 1)
            : relation === 'last'
              ? current.year - (month < current.month ? 0 : 1)
              : current.year - (month <= current.month ? 0 : 1);
      const within = (part ?? edge ?? '').toLowerCase();
      if (within === 'early' || within === 'beginning' || within === 'start')
        return monthSpan(year, month, context, 1, 11);
      if (within === 'mid' || within === 'middle') return monthSpan(year, month, context, 11, 21);
      if (within === 'late' || within === 'end') return monthSpan(year, month, context, 21);
      return monthSpan(year, month, context);
    },
  },
  {
    pattern: new RegExp(
      String.raw`\b(?:(in|during|throughout|from)\s+)?(the\s+year\s+)?${YEAR}\b(?!['’]?s\b)`,
      'gi',
    ),
    resolve: (match, context, question) => {
      if (!match[1] && !match[2] && !DATE_LEAD.test(question.slice(0, match.index))) return null;
      return yearSpan(Number(match[3]), context);
    },
  },
  {
    pattern: new RegExp(
      String.raw`\b(?:(in|during|over|throughout)\s+)?(?:(the)\s+)?(?:(last|this|past|next)\s+)?(spring|summer|autumn|fall|winter)(?:\s+(?:of\s+)?${YEAR})?\b`,
      'gi',
    ),
    resolve: (match, context) => {
      const [, lead, the, which, name, yearText] = match;
      if (!which && !yearText && !the && (!lead || name!.toLowerCase() === 'fall')) return null;
      return seasonSpan(context, name!, which, yearText ? Number(yearText) : undefined);
    },
  },
];

/** Words that may follow the anchor to widen it to a named place or person: "the trip to Paris". */
const ANCHOR_LINK = /^\s+(?:to|in|at|with|of)\s+\p{Lu}[\p{L}'’-]*(?:\s+\p{Lu}[\p{L}'’-]*){0,2}/u;
const RELATIVE =
  /\b(before|after|since)\s+(?:(?:the|my|our|his|her|their|your|this|that)\s+|([\p{L}]+['’]s)\s+)?(?=\p{L})/giu;
const ANCHOR_WORD = /\p{L}[\p{L}'’-]*/uy;
const ANCHOR_GAP = /\s+/y;
const NOT_AN_ANCHOR = /^(?:did|does|do|was|were|long|then|ever|going|getting)$/i;

/** "before the trip", "after Caroline's wedding", "since the move": the event is found by the retriever. */
function relativeCandidates(question: string): Candidate[] {
  const candidates: Candidate[] = [];
  for (const match of question.matchAll(RELATIVE)) {
    const [, word, owner] = match;
    if (owner && (isStopword(owner) || !/^\p{Lu}/u.test(owner))) continue;
    const words: string[] = [];
    let end = match.index + match[0].length;
    let cursor = end;
    while (words.length < 3) {
      ANCHOR_WORD.lastIndex = cursor;
      const found = ANCHOR_WORD.exec(question);
      if (!found || isStopword(found[0]) || NOT_AN_ANCHOR.test(found[0])) break;
      words.push(found[0]);
      end = cursor + found[0].length;
      ANCHOR_GAP.lastIndex = end;
      if (!ANCHOR_GAP.exec(question)) break;
      cursor = ANCHOR_GAP.lastIndex;
    }
    if (words.length === 0 || TIME_WORD.test(words[0]!)) continue;
    const link = ANCHOR_LINK.exec(question.slice(end));
    if (link) end += link[0].length;
    const anchor = question.slice(match.index + match[0].length, end).replace(/\s+/g, ' ');
    candidates.push({
      start: match.index,
      end,
      order: RULES.length + 1,
      result: {
        kind: 'relative',
        relation: word!.toLowerCase() === 'before' ? 'before' : 'after',
        anchor: owner ? `${owner} ${anchor}` : anchor,
        phrase: question.slice(match.index, end),
      },
    });
  }
  return candidates;
}

/** chrono's reading of explicit dates ("8 May", "May 8th, 2023", "2023-05-08"), as whole days or months. */
function chronoCandidates(question: string, context: Context): Candidate[] {
  // chrono reads wall-clock components in the process zone; hand it today's date in the user's zone at noon so
  // relative readings land on the right day whatever the process zone is. Only certain components are used.
  const reference = new Date(context.today.year, context.today.month - 1, context.today.day, 12);
  const chrono = chronoNode();
  const results = [...chrono.casual.parse(question, reference), ...chrono.strict.parse(question, reference)];
  const candidates: Candidate[] = [];
  for (const result of results) {
    const text = result.text;
    if (!MONTH_NAME.test(text) && !/\d{4}/.test(text)) continue;
    const start = result.start;
    if (!start.isCertain('month')) continue;
    const before = question.slice(0, result.index);
    const ambiguous = /^(?:may|march)\b/.test(text);
    if (ambiguous && !start.isCertain('year') && !DATE_LEAD.test(before) && !/\b(?:on|the)\s+$/i.test(before))
      continue;
    const month = start.get('month')!;
    let span: Span;
    if (start.isCertain('day')) {
      const day = start.get('day')!;
      const year = start.isCertain('year') ? start.get('year')! : mostRecentYear(context.today, month, day);
      let last = { year, month, day };
      const end = result.end;
      if (end?.isCertain('day') && end.isCertain('month')) {
        const endMonth = end.get('month')!;
        const endDay = end.get('day')!;
        const endYear = end.isCertain('year') ? end.get('year')! : year;
        const candidate = { year: endYear, month: endMonth, day: endDay };
        last = compareDates(candidate, last) >= 0 ? candidate : { ...candidate, year: endYear + 1 };
      }
      if (day > daysInMonth(year, month)) continue;
      span = daysSpan({ year, month, day }, addDays(last, 1), context);
    } else if (start.isCertain('year')) {
      span = monthSpan(start.get('year')!, month, context);
    } else {
      continue;
    }
    const lead = /\b(?:on|in|from|during)\s+$/i.exec(before);
    const from = lead ? result.index - lead[0].length : result.index;
    candidates.push({
      start: from,
      end: result.index + text.length,
      order: RULES.length,
      result: { kind: 'range', ...span, phrase: question.slice(from, result.index + text.length) },
    });
  }
  return candidates;
}

function mostRecentYear(today: CalendarDate, month: number, day: number): number {
  return compareDates({ year: today.year, month, day }, today) <= 0 ? today.year : today.year - 1;
}

/** "since May" runs from May to now; "after May" from its end to now; "before May" from the epoch to its start. */
function widenByLead(question: string, candidate: Candidate, context: Context): Candidate {
  if (candidate.result.kind !== 'range') return candidate;
  const lead = /\b(since|after|before)\s+$/i.exec(question.slice(0, candidate.start));
  if (!lead) return candidate;
  const { fromMs, toMs } = candidate.result;
  const word = lead[1]!.toLowerCase();
  let span: Span | null = null;
  if (word === 'since' && fromMs < context.now) span = { fromMs, toMs: context.now };
  if (word === 'after' && toMs < context.now) span = { fromMs: toMs, toMs: context.now };
  if (word === 'before') span = { fromMs: 0, toMs: fromMs };
  if (!span) return candidate;
  const start = candidate.start - lead[0].length;
  return {
    ...candidate,
    start,
    result: { kind: 'range', ...span, phrase: question.slice(start, candidate.end) },
  };
}

/**
 * Finds the time a question refers to ("last Tuesday", "in May 2023", "over the weekend", "before the trip") and
 * resolves it against `now` in the asker's IANA zone, whatever zone the process runs in. Ranges are whole calendar
 * units (days, Monday–Sunday weeks, months, years), half-open; a month or weekday without a year or week means
 * the most recent one not after today. Returns null when the question names no time. Of several, the earliest
 * in the question wins (the longest on a tie).
 */
export function resolveQuestionTime(question: string, options: QuestionTimeOptions): QuestionTime | null {
  if (!Number.isFinite(options.now))
    throw new ValidationError('now must be a finite epoch-milliseconds value');
  if (!isValidTimeZone(options.timezone)) {
    throw new ValidationError(
      `unknown time zone "${options.timezone}": use an IANA name such as "Europe/Lisbon"`,
    );
  }
  const wall = wallClockAt(options.now, options.timezone);
  const today = { year: wall.year, month: wall.month, day: wall.day };
  const context: Context = { now: options.now, timeZone: options.timezone, today, monday: mondayOf(today) };

  const candidates: Candidate[] = [];
  for (const [order, rule] of RULES.entries()) {
    for (const match of question.matchAll(rule.pattern)) {
      const span = rule.resolve(match, context, question);
      if (!span || span.toMs <= span.fromMs) continue;
      const end = match.index + match[0].length;
      candidates.push({
        start: match.index,
        end,
        order,
        result: { kind: 'range', ...span, phrase: match[0] },
      });
    }
  }
  candidates.push(...chronoCandidates(question, context), ...relativeCandidates(question));
  if (candidates.length === 0) return null;
  const widened = candidates.map((candidate) => widenByLead(question, candidate, context));
  widened.sort((a, b) => a.start - b.start || b.end - b.start - (a.end - a.start) || a.order - b.order);
  return widened[0]!.result;
}
