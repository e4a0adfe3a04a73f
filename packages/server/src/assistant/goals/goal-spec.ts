import { z } from 'zod';
import {
  addDays,
  addMonths,
  type CalendarDate,
  daysInMonth,
  isValidTimeZone,
  mondayOf,
  startOfDay,
  ValidationError,
  wallClockAt,
} from '../../kernel/index.ts';
import { findDates, formatLocalDate } from '../../memory/index.ts';
import type { GoalTarget } from '../types.ts';
import {
  ACTIVITY_WORDS,
  activityFamily,
  NUMBER_WORDS,
  normaliseUnit,
  OCCURRENCE_UNITS,
  RACE_DISTANCES,
  readNumber,
  STOP_WORDS,
} from './activity-lexicon.ts';
import { type Token, tokenize } from './text-tokens.ts';

/** The measurable target of a goal, as a language model is asked for it (the shape of `GoalTarget`). */
export const GoalTargetSchema = z.object({
  amount: z
    .number()
    .positive()
    .finite()
    .describe('How much to reach: 10 for "a 10k", 12 for "12 books", 1 for "call mum every week".'),
  unit: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .describe(
      'The unit, in canonical form: km (distances; convert miles), minutes (convert hours), books, pages, words, ' +
        'times (occurrences), sessions, kg, steps, or another plural noun ("songs").',
    ),
  counting: z
    .enum(['max', 'sum', 'cadence'])
    .describe(
      'max: the best single effort counts ("run a 10k": the longest run); sum: all progress adds up ("run 100 km ' +
        'this year", "read 12 books"); cadence: this amount in every period ("call mum every week").',
    ),
  period: z
    .enum(['day', 'week', 'month'])
    .nullable()
    .describe(
      'For cadence goals, the period the amount is due in, again and again; null for max and sum goals.',
    ),
});

/** What a person's words make of a goal: what to do, how much, by when, and a first plan. */
export interface GoalSpec {
  title: string;
  activity: string;
  about: string[];
  target: GoalTarget;
  deadline: number | null;
  plan: string[];
}

/** `GoalSpec` as a Zod schema with a description on every field, so that a language model can be asked for one. */
export const GoalSpecSchema = z.object({
  title: z.string().trim().min(1).max(120).describe('A short title in the imperative, e.g. "Run a 10k".'),
  activity: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .describe(
      'What is done, as a lower-case verb lemma: run, read, call, swim, write, meditate, gym, lose, …',
    ),
  about: z
    .array(z.string().trim().min(1).max(60))
    .max(10)
    .describe(
      'Lower-case words that progress must mention to count, e.g. ["mum"] for "call mum every week"; empty when ' +
        'any instance of the activity counts.',
    ),
  target: GoalTargetSchema.describe('The measurable target.'),
  deadline: z
    .number()
    .int()
    .nullable()
    .describe(
      'Epoch milliseconds at the end of the local day the target is due, or null for cadence and open goals.',
    ),
  plan: z
    .array(z.string().trim().min(1).max(300))
    .max(12)
    .describe('A few concrete, dated steps toward the target (the person can edit them).'),
});

// The schema and the interface must stay the same shape.
type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const goalSpecShapeMatches: SameShape<z.infer<typeof GoalSpecSchema>, GoalSpec> = true;
void goalSpecShapeMatches;

/** When and where a goal is set: the moment it was said and the person's IANA time zone. */
export interface GoalContext {
  now: number;
  timezone: string;
}

const GoalContextSchema = z.object({
  now: z.number().finite(),
  timezone: z.string().refine(isValidTimeZone, 'an IANA time zone such as Europe/London'),
});

/** Checks a goal context at the boundary; throws ValidationError with what is wrong. */
export function checkGoalContext(ctx: GoalContext): GoalContext {
  const parsed = GoalContextSchema.safeParse(ctx);
  if (!parsed.success) {
    throw new ValidationError(
      'the goal context needs the current time (epoch ms) and an IANA time zone',
      z.treeifyError(parsed.error),
    );
  }
  return parsed.data;
}

const EXAMPLES = '"run a 10k by March", "read 12 books this year" or "call mum every week"';

/**
 * Turns what a person says into a measurable goal, by rules and offline: "run a 10k by March" (the longest run
 * counts, due at the end of 31 March local time, next year's March once March has passed), "read 12 books this year"
 * (a sum, due 31 December), "call mum every week" (a weekly cadence about mum). Units are normalised (miles → km,
 * hours → minutes). A goal without a measurable target throws ValidationError saying what to add.
 */
export function parseGoal(text: string, ctx: GoalContext): GoalSpec {
  const { now, timezone } = checkGoalContext(ctx);
  const original = text.replace(/\s+/g, ' ').trim();
  if (original === '')
    throw new ValidationError(`a goal needs words: say how much and by when, e.g. ${EXAMPLES}`);
  if (original.length > 500)
    throw new ValidationError('a goal is at most 500 characters: say it in one sentence');
  const core = stripPreamble(original);
  const lower = core.toLowerCase().replaceAll('’', "'");
  const sameLength = lower.length === core.length;
  let working = lower;
  const removed: Array<[number, number]> = [];
  const consume = (start: number, end: number) => {
    working = `${working.slice(0, start)}${' '.repeat(end - start)}${working.slice(end)}`;
    removed.push([start, end]);
  };

  const deadline = findDeadline(working, core, { now, timezone });
  if (deadline) {
    consume(deadline.start, deadline.end);
    if (deadline.at <= now) {
      throw new ValidationError(
        `the deadline in "${original}" (${formatLocalDate(deadline.at, timezone, false)}) has already passed: ` +
          'say a date ahead',
      );
    }
  }
  const cadence = findCadence(working);
  if (cadence) consume(cadence.start, cadence.end);
  const totalWord = /\b(?:in total|total|altogether|overall|combined|cumulative|in all)\b/.exec(working);
  if (totalWord) consume(totalWord.index, totalWord.index + totalWord[0].length);
  const oneGo = /\b(?:without stopping|non-?stop|in one go|in one session|straight)\b/.exec(working);
  if (oneGo) consume(oneGo.index, oneGo.index + oneGo[0].length);

  const tokens = tokenize(working).filter((token) => token.kind === 'word' || token.kind === 'number');
  const quantity = findQuantity(tokens);
  const activity = findActivity(tokens, quantity);
  if (!activity) {
    throw new ValidationError(
      `I could not tell what to do in "${original}": say the activity, how much and by when, e.g. ${EXAMPLES}`,
    );
  }
  const family = activityFamily(activity.lemma);
  if (quantity?.unitToken && /^(?:pounds?|lbs?)$/.test(quantity.unitToken.norm) && family !== 'lose') {
    // "save 500 pounds": money, not weight.
    quantity.unit = quantity.unitToken.norm.startsWith('p') ? 'pounds' : 'lb';
    quantity.amount = quantity.spoken;
  }
  const used = new Set<Token>([activity.token, ...(quantity?.tokens ?? [])].filter((t): t is Token => !!t));
  const about = aboutWords(tokens, used);

  let target: GoalTarget;
  if (cadence) {
    if (cadence.count !== null || !quantity || OCCURRENCE_UNITS.has(quantity.unit)) {
      const count = cadence.count ?? (quantity && OCCURRENCE_UNITS.has(quantity.unit) ? quantity.amount : 1);
      target = { amount: count, unit: 'times', counting: 'cadence', period: cadence.period };
    } else {
      target = { amount: quantity.amount, unit: quantity.unit, counting: 'cadence', period: cadence.period };
    }
  } else if (quantity) {
    target = {
      amount: quantity.amount,
      unit: quantity.unit,
      counting: countingOf(family, quantity, {
        total: totalWord !== null,
        oneGo: oneGo !== null,
        spansPeriod: deadline?.spansPeriod ?? false,
      }),
      period: null,
    };
  } else if (family === 'read' && about.length > 0) {
    // "read Dune by Friday": one book.
    target = { amount: 1, unit: 'books', counting: 'sum', period: null };
  } else {
    throw new ValidationError(
      `"${original}" has no measurable target: say how much and by when, e.g. ${EXAMPLES}`,
      { missing: cadence ? ['amount'] : ['amount', 'deadline or cadence'] },
    );
  }

  const spec: GoalSpec = {
    title: titleOf(core, sameLength && deadline ? [[deadline.start, deadline.end]] : []),
    activity: activity.lemma,
    about,
    target,
    deadline: deadline?.at ?? null,
    plan: [],
  };
  spec.plan = draftPlan(spec, { now, timezone });
  return spec;
}

const PREAMBLES: readonly RegExp[] = [
  /^(?:ok(?:ay)?|so|well|hey|right|please|also)[,\s]+/i,
  /^(?:i|we)\s+(?:really\s+|also\s+|seriously\s+)?(?:want|wanna|would\s+like|['’]d\s+like|need|plan|hope|intend|aim|mean|am\s+going|['’]m\s+going|will|['’]ll|should|must|have|['’]ve\s+got|am\s+determined|['’]m\s+determined|am\s+gonna|['’]m\s+gonna|am\s+trying|['’]m\s+trying)(?:\s+to)?\s+/i,
  /^my\s+(?:new\s+|big\s+)?(?:goal|aim|resolution|target|plan|challenge)(?:\s+for\s+[\w\s]+?)?\s+is\s+(?:to\s+)?/i,
  /^(?:new\s+)?(?:goal|resolution|challenge)\s*[:\-–]\s*/i,
  /^(?:set|add|create|make|start)\s+(?:a|my|the)?\s*(?:new\s+)?goal(?:\s+(?:to|of|for|:))?\s*/i,
  /^help\s+me\s+(?:to\s+)?/i,
  /^(?:be\s+able|try|manage|start|begin)\s+to\s+/i,
  /^to\s+/i,
];

/** The goal without "I want to", "my goal is to", "goal:" and the like. */
function stripPreamble(text: string): string {
  let core = text;
  for (let changed = true; changed; ) {
    changed = false;
    for (const pattern of PREAMBLES) {
      const next = core.replace(pattern, '');
      if (next !== core && next.trim() !== '') {
        core = next;
        changed = true;
      }
    }
  }
  return core.replace(/[.!?]+$/, '').trim();
}

// ---------------------------------------------------------------------------------------------------------------
// Deadlines

interface FoundDeadline {
  at: number;
  start: number;
  end: number;
  /** True when the phrase names a stretch of time progress adds up over ("this year", "in March", "in 3 months"). */
  spansPeriod: boolean;
}

const MONTH_NAMES = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const MONTH =
  '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const SMALL_NUMBER =
  '(\\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a\\s+few|a\\s+couple\\s+of)';

const END_OF = new RegExp(
  `\\b(?:(by|before|until|till|for|at|in)\\s+)?(?:the\\s+)?end\\s+of\\s+(?:the\\s+|this\\s+)?(?:(next)\\s+)?(week|month|year|spring|summer|autumn|fall|winter|${MONTH}(?:\\s+(\\d{4}))?|(\\d{4}))\\b`,
);
const PERIOD_END = /\b(?:by\s+)?(?:the\s+)?(year|month|week)[\s-]end\b/;
const THIS_PERIOD =
  /\b(?:(by|before|until|for|in|during)\s+)?(?:the\s+)?(this|next|coming)\s+(week|month|year)\b/;
const RELATIVE = new RegExp(
  `\\b(in|within|over|for)\\s+(?:the\\s+)?(?:next\\s+|coming\\s+)?${SMALL_NUMBER}\\s+(day|week|month|year)s?\\b`,
);
const SEASON =
  /\b(by|before|until|till|for|this|in|during)\s+(?:the\s+)?(?:(next)\s+)?(spring|summer|autumn|fall|winter|christmas|xmas|new\s+year(?:'s)?(?:\s+eve)?)\b/;
const MONTH_DEADLINE = new RegExp(
  `\\b(by|before|until|till|in|for|during)\\s+(?:the\\s+)?(?:(early|mid|late)[\\s-]+)?${MONTH}(?:\\s+(\\d{4}))?\\b(?!\\s*\\d)`,
);
const YEAR_DEADLINE = /\b(by|before|in|during|until)\s+(\d{4})\b/;
const DATE_CUE = /\b(by|before|until|till|no later than|on)\s+/g;

/** The last millisecond of a local day. */
export function endOfLocalDay(date: CalendarDate, timeZone: string): number {
  return startOfDay(addDays(date, 1), timeZone) - 1;
}

function monthNumber(word: string): number {
  return MONTH_NAMES.findIndex((name) => name.startsWith(word.slice(0, 3))) + 1;
}

function smallNumber(word: string): number {
  const w = word.replace(/\s+/g, ' ');
  if (w === 'a few') return 3;
  if (w === 'a couple of') return 2;
  const digits = Number(w);
  return Number.isFinite(digits) ? digits : (NUMBER_WORDS.get(w) ?? 1);
}

/** Whether seasons are those of the southern hemisphere for this zone (by its region). */
function southern(timeZone: string): boolean {
  return /^(?:Australia|Antarctica)\/|^Pacific\/(?:Auckland|Chatham|Fiji|Tongatapu|Apia)$|^America\/(?:Sao_Paulo|Argentina\/|Buenos_Aires|Santiago|Montevideo|Asuncion|La_Paz|Lima)|^Africa\/(?:Johannesburg|Maputo|Harare|Windhoek|Gaborone|Maseru|Mbabane|Lusaka|Lubumbashi)$|^Indian\/(?:Mauritius|Reunion)$/.test(
    timeZone,
  );
}

/** First month of a season (meteorological: summer starts 1 June in the north, 1 December in the south). */
function seasonStartMonth(season: string, timeZone: string): number {
  const north: Record<string, number> = { spring: 3, summer: 6, autumn: 9, fall: 9, winter: 12 };
  const month = north[season] ?? 6;
  return southern(timeZone) ? ((month + 5) % 12) + 1 : month;
}

function findDeadline(lower: string, core: string, ctx: GoalContext): FoundDeadline | null {
  const { now, timezone } = ctx;
  const today = wallClockAt(now, timezone);
  const end = (date: CalendarDate) => endOfLocalDay(date, timezone);
  const endOfMonth = (year: number, month: number) => end({ year, month, day: daysInMonth(year, month) });
  const found = (match: RegExpExecArray, at: number, spansPeriod: boolean): FoundDeadline => ({
    at,
    start: match.index,
    end: match.index + match[0].length,
    spansPeriod,
  });
  const periodEnd = (period: string, next: boolean): number => {
    if (period === 'week') {
      const sunday = addDays(mondayOf(today), 6);
      return end(next ? addDays(sunday, 7) : sunday);
    }
    if (period === 'month') {
      const month = next ? addMonths({ ...today, day: 1 }, 1) : today;
      return endOfMonth(month.year, month.month);
    }
    return end({ year: today.year + (next ? 1 : 0), month: 12, day: 31 });
  };
  const seasonEdge = (season: string, which: 'start' | 'end', forceNext: boolean): number => {
    const first = seasonStartMonth(season, timezone);
    for (let year = today.year - 1; year <= today.year + 2; year += 1) {
      const startDate = { year, month: first, day: 1 };
      const at =
        which === 'start'
          ? startOfDay(startDate, timezone) - 1
          : (() => {
              const last = addMonths(startDate, 2);
              return endOfMonth(last.year, last.month);
            })();
      if (at > now && (!forceNext || startOfDay(startDate, timezone) > now)) return at;
    }
    return end({ year: today.year + 1, month: first, day: 1 });
  };

  let match = END_OF.exec(lower);
  if (match) {
    const [, , next, what = '', , monthYear, year] = match;
    if (what === 'week' || what === 'month' || what === 'year')
      return found(match, periodEnd(what, !!next), true);
    if (/^(?:spring|summer|autumn|fall|winter)$/.test(what))
      return found(match, seasonEdge(what, 'end', !!next), true);
    if (year) return found(match, end({ year: Number(year), month: 12, day: 31 }), true);
    const month = monthNumber(what);
    const y = monthYear ? Number(monthYear) : month < today.month ? today.year + 1 : today.year;
    return found(match, endOfMonth(y, month), true);
  }
  match = PERIOD_END.exec(lower);
  if (match) return found(match, periodEnd(match[1] ?? 'year', false), true);
  match = THIS_PERIOD.exec(lower);
  if (match) {
    const [, , which, period = 'year'] = match;
    return found(match, periodEnd(period, which !== 'this'), true);
  }
  match = RELATIVE.exec(lower);
  if (match) {
    const [, , count = '1', unit] = match;
    const n = smallNumber(count);
    const date =
      unit === 'day'
        ? addDays(today, n)
        : unit === 'week'
          ? addDays(today, 7 * n)
          : unit === 'month'
            ? addMonths(today, n)
            : addMonths(today, 12 * n);
    return found(match, end(date), true);
  }
  match = SEASON.exec(lower);
  if (match) {
    const [, cue = 'by', next, name = ''] = match;
    if (name === 'christmas' || name === 'xmas') {
      const day = cue === 'before' ? 24 : 25;
      const thisYear = end({ year: today.year, month: 12, day });
      return found(
        match,
        thisYear > now && !next ? thisYear : end({ year: today.year + 1, month: 12, day }),
        false,
      );
    }
    if (name.startsWith('new')) return found(match, end({ year: today.year, month: 12, day: 31 }), false);
    const inside = cue === 'this' || cue === 'in' || cue === 'during';
    return found(match, seasonEdge(name, inside ? 'end' : 'start', !!next), inside);
  }
  match = MONTH_DEADLINE.exec(lower);
  if (match) {
    const [, cue = 'by', part, name = '', year] = match;
    const month = monthNumber(name);
    const y = year ? Number(year) : month < today.month ? today.year + 1 : today.year;
    let at: number;
    if (cue === 'before') {
      const previous = addMonths({ year: y, month, day: 1 }, -1);
      at = endOfMonth(previous.year, previous.month);
    } else if (part === 'early') at = end({ year: y, month, day: 10 });
    else if (part === 'mid') at = end({ year: y, month, day: 15 });
    else at = endOfMonth(y, month);
    return found(match, at, cue === 'in' || cue === 'during');
  }
  match = YEAR_DEADLINE.exec(lower);
  if (match) {
    const [, cue, year] = match;
    const y = Number(year) - (cue === 'before' ? 1 : 0);
    return found(match, end({ year: y, month: 12, day: 31 }), cue === 'in' || cue === 'during');
  }
  for (const cue of lower.matchAll(DATE_CUE)) {
    const from = cue.index + cue[0].length;
    const [date] = findDates(core.slice(from), { capturedAt: now, timeZone: timezone, forward: true }).filter(
      (candidate) => candidate.index <= 4,
    );
    if (!date) continue;
    const day = wallClockAt(date.at, timezone);
    const at = end(cue[1] === 'before' ? addDays(day, -1) : day);
    return { at, start: cue.index, end: from + date.index + date.text.length, spansPeriod: false };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Cadence

interface FoundCadence {
  period: 'day' | 'week' | 'month';
  count: number | null;
  start: number;
  end: number;
}

const COUNT = '(once|twice|thrice|(?:\\d+|one|two|three|four|five|six|seven|eight|nine|ten)\\s*(?:x|times?))';
const PERIOD_WORD =
  '(day|week|month|fortnight|morning|evening|night|weekday|weeknight|working\\s+day|workday|weekend)';
const COUNT_PER = new RegExp(`\\b${COUNT}\\s+(?:a|an|per|each|every|in\\s+a)\\s+${PERIOD_WORD}\\b`);
const EVERY = new RegExp(`\\b(?:every|each|per|a)\\s+(?:single\\s+)?${PERIOD_WORD}\\b`);
const ADVERBIAL = /\b(daily|weekly|monthly|nightly|everyday|every\s?day|fortnightly)\b/;
const WEEKDAY = '(monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?';
const EVERY_WEEKDAY = new RegExp(`\\b(?:every|each|on)\\s+${WEEKDAY}(?:\\s*(?:,|and|&)\\s*${WEEKDAY})*`);
const EVERY_OTHER_DAY = /\bevery\s+(?:other|second)\s+day\b/;

function countOf(word: string): number {
  if (word === 'once') return 1;
  if (word === 'twice') return 2;
  if (word === 'thrice') return 3;
  const number = word.replace(/\s*(?:x|times?)$/, '');
  return Number.isFinite(Number(number)) ? Number(number) : (NUMBER_WORDS.get(number) ?? 1);
}

/** A period word as a cadence: "weekday" is five times a week, "fortnight" twice a month, "morning" daily. */
function periodOf(word: string, count: number): { period: FoundCadence['period']; count: number } {
  const w = word.replace(/\s+/g, ' ');
  if (w === 'week' || w === 'weekend') return { period: 'week', count };
  if (w === 'weekday' || w === 'weeknight' || w === 'working day' || w === 'workday')
    return { period: 'week', count: 5 * count };
  if (w === 'month') return { period: 'month', count };
  if (w === 'fortnight') return { period: 'month', count: 2 * count };
  return { period: 'day', count };
}

function findCadence(lower: string): FoundCadence | null {
  const span = (match: RegExpExecArray) => ({ start: match.index, end: match.index + match[0].length });
  let match = COUNT_PER.exec(lower);
  if (match) return { ...periodOf(match[2] ?? 'week', countOf(match[1] ?? 'once')), ...span(match) };
  match = EVERY_OTHER_DAY.exec(lower);
  if (match) return { period: 'week', count: 3, ...span(match) };
  match = EVERY_WEEKDAY.exec(lower);
  if (match) {
    const days = new Set(match[0].match(/monday|tuesday|wednesday|thursday|friday|saturday|sunday/g));
    return { period: 'week', count: days.size, ...span(match) };
  }
  match = EVERY.exec(lower);
  if (match) {
    const { period, count } = periodOf(match[1] ?? 'week', 1);
    return { period, count: count === 1 ? null : count, ...span(match) };
  }
  match = ADVERBIAL.exec(lower);
  if (match) {
    const word = match[1] ?? '';
    if (word === 'fortnightly') return { period: 'month', count: 2, ...span(match) };
    const period = word.startsWith('week') ? 'week' : word.startsWith('month') ? 'month' : 'day';
    return { period, count: null, ...span(match) };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Quantity and activity

interface Quantity {
  amount: number;
  unit: string;
  /** The number as said, before conversion. */
  spoken: number;
  tokens: Token[];
  unitToken: Token | null;
  /** "a 10k", "a marathon": one effort of that size. */
  single: boolean;
}

const FREE_UNIT_BLOCK = new Set([
  'days',
  'day',
  'weeks',
  'week',
  'months',
  'month',
  'years',
  'year',
  'am',
  'pm',
]);

function numberAt(tokens: readonly Token[], i: number): { value: number; length: number } | null {
  const token = tokens[i];
  if (!token) return null;
  if (token.kind === 'number') {
    const value = readNumber(token.norm);
    return Number.isNaN(value) ? null : { value, length: 1 };
  }
  if (token.norm === 'half' && (tokens[i + 1]?.norm === 'a' || tokens[i + 1]?.norm === 'an'))
    return { value: 0.5, length: 2 };
  if (token.norm === 'a' && tokens[i + 1]?.norm === 'dozen') return { value: 12, length: 2 };
  if (token.norm === 'a' && tokens[i + 1]?.norm === 'couple' && tokens[i + 2]?.norm === 'of')
    return { value: 2, length: 3 };
  const value = NUMBER_WORDS.get(token.norm);
  return value === undefined || token.norm === 'half' || token.norm === 'couple'
    ? null
    : { value, length: 1 };
}

function findQuantity(tokens: readonly Token[]): Quantity | null {
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i]!;
    const before = tokens[i - 1]?.norm;
    const single =
      before === 'a' || before === 'an' || before === 'my' || before === 'the' || before === 'one';
    const race =
      token.norm === 'half' && tokens[i + 1]?.norm === 'marathon'
        ? { km: 21.0975, length: 2 }
        : RACE_DISTANCES.has(token.norm)
          ? { km: RACE_DISTANCES.get(token.norm)!, length: 1 }
          : null;
    if (race) {
      return {
        amount: race.km,
        unit: 'km',
        spoken: race.km,
        tokens: tokens.slice(i, i + race.length),
        unitToken: null,
        single: true,
      };
    }
    const number = numberAt(tokens, i);
    if (!number) continue;
    const next = tokens[i + number.length];
    if (!next || next.kind !== 'word') continue;
    const isWordNumber = token.kind !== 'number';
    const reading = normaliseUnit(next.norm);
    if (reading) {
      const amount = round(number.value * reading.factor, 4);
      if (amount <= 0) continue;
      return {
        amount,
        unit: reading.unit,
        spoken: number.value,
        tokens: tokens.slice(i, i + number.length + 1),
        unitToken: next,
        single: single || (isWordNumber && number.value === 1),
      };
    }
    if (isWordNumber && (token.norm === 'a' || token.norm === 'an')) continue;
    if (STOP_WORDS.has(next.norm) || FREE_UNIT_BLOCK.has(next.norm) || ACTIVITY_WORDS.has(next.norm))
      continue;
    if (number.value <= 0) continue;
    return {
      amount: number.value,
      unit: next.norm,
      spoken: number.value,
      tokens: tokens.slice(i, i + number.length + 1),
      unitToken: next,
      single: false,
    };
  }
  return null;
}

/** Verbs that say how, not what: "go to the gym", "finish 4 books", "complete a marathon". */
const GENERIC_VERBS = new Set(
  'go get hit do make have take start keep try finish complete be become reach achieve manage able attend visit stick gain'.split(
    ' ',
  ),
);

function findActivity(
  tokens: readonly Token[],
  quantity: Quantity | null,
): { lemma: string; token: Token | null } | null {
  for (const token of tokens) {
    if (token.kind !== 'word') continue;
    const word = ACTIVITY_WORDS.get(token.norm);
    if (word) return { lemma: word.lemma, token };
  }
  const unit = quantity?.unit;
  if (unit === 'books' || unit === 'pages' || unit === 'chapters') return { lemma: 'read', token: null };
  if (unit === 'words') return { lemma: 'write', token: null };
  if (unit === 'steps') return { lemma: 'walk', token: null };
  const words = tokens.filter(
    (token) => token.kind === 'word' && !STOP_WORDS.has(token.norm) && !quantity?.tokens.includes(token),
  );
  const chosen = words.find((token) => !GENERIC_VERBS.has(token.norm)) ?? words[0];
  return chosen ? { lemma: chosen.norm, token: chosen } : null;
}

/** Lower-case content words of the goal that are not its activity, amount, timing or filler. */
function aboutWords(tokens: readonly Token[], used: ReadonlySet<Token>): string[] {
  const about: string[] = [];
  for (const token of tokens) {
    if (token.kind !== 'word' || used.has(token)) continue;
    const word = token.norm;
    if (word.length < 2 || STOP_WORDS.has(word) || GENERIC_VERBS.has(word) || ACTIVITY_WORDS.has(word))
      continue;
    if (normaliseUnit(word) || NUMBER_WORDS.has(word) || /ly$/.test(word)) continue;
    if (!about.includes(word)) about.push(word);
  }
  return about.slice(0, 10);
}

/** Distances beyond which a goal is read as a total rather than one effort. */
const SINGLE_EFFORT_KM: Record<string, number> = { run: 50, walk: 60, swim: 10, cycle: 300 };

function countingOf(
  family: string,
  quantity: Quantity,
  cues: { total: boolean; oneGo: boolean; spansPeriod: boolean },
): GoalTarget['counting'] {
  if (cues.total) return 'sum';
  if (quantity.unit === 'km' && family in SINGLE_EFFORT_KM) {
    if (quantity.single || cues.oneGo) return 'max';
    if (cues.spansPeriod) return 'sum';
    return quantity.amount > (SINGLE_EFFORT_KM[family] ?? 50) ? 'sum' : 'max';
  }
  if (quantity.unit === 'minutes' && (cues.oneGo || quantity.single)) return 'max';
  return 'sum';
}

function titleOf(core: string, cut: ReadonlyArray<[number, number]>): string {
  let title = core;
  for (const [start, end] of [...cut].sort((a, b) => b[0] - a[0])) {
    const without = `${title.slice(0, start)} ${title.slice(end)}`.replace(/\s+/g, ' ').trim();
    if (without.split(' ').length >= 2) title = without;
  }
  title = title
    .replace(/\s+/g, ' ')
    .replace(/[\s,;:.!?-]+$/, '')
    .replace(/\s+(?:by|before|until|and|in|on)$/i, '')
    .trim();
  if (title.length > 80) title = `${title.slice(0, 80).replace(/\s+\S*$/, '')}…`;
  return title.charAt(0).toUpperCase() + title.slice(1);
}

// ---------------------------------------------------------------------------------------------------------------
// Plans

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
const WEEKDAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Rounds to `places` decimals. */
function round(value: number, places: number): number {
  const factor = 10 ** places;
  return Math.round(value * factor) / factor;
}

/** A number for people: whole numbers as they are, else one decimal ("6.5"), or two below 1 ("0.75"). */
export function formatAmount(value: number): string {
  if (Number.isInteger(value)) return String(value);
  if (Math.abs(value) < 1) return String(round(value, 2));
  return String(round(value, 1));
}

/** "1 book", "3 books", "5 km", "1 time": units that are plural nouns lose their "s" for one. */
export function formatQuantity(amount: number, unit: string): string {
  const singular =
    amount === 1 && /s$/.test(unit) && !/^(?:km|kg|lbs|minutes?)$/.test(unit) ? unit.slice(0, -1) : unit;
  const word = amount === 1 && unit === 'minutes' ? 'minute' : singular;
  return `${formatAmount(amount)} ${word}`;
}

/** The noun of one effort of an activity: "run", "swim", "ride", "walk"; null when it has none. */
export function effortNoun(activity: string): string | null {
  const family = activityFamily(activity);
  if (family === 'run' || family === 'swim' || family === 'walk') return family;
  if (family === 'cycle') return 'ride';
  return null;
}

/** The steps of the plan as the verb phrase a person would say: "call mum", "read". */
function doing(spec: GoalSpec): string {
  const verb =
    ACTIVITY_WORDS.get(spec.activity)?.forms.includes('noun') && spec.activity === 'gym'
      ? 'go to the gym'
      : spec.activity;
  return [verb, ...spec.about].join(' ');
}

function timesWord(count: number): string {
  if (count === 1) return 'once';
  if (count === 2) return 'twice';
  return `${formatAmount(count)} times`;
}

/**
 * A short plan drafted by rules from the target and the time left (`ctx.now`): for one effort by a deadline, a weekly
 * progression of the longest effort from a starting point to the target; for a total, the rate per week or month and
 * dated checkpoints; for a cadence, suggested days and when a reminder comes if nothing is logged.
 */
export function draftPlan(spec: GoalSpec, ctx: GoalContext): string[] {
  const { now, timezone } = checkGoalContext(ctx);
  const { amount, unit, counting, period } = spec.target;
  const day = (ms: number) => formatLocalDate(ms, timezone, false);
  const quantity = (value: number) => formatQuantity(value, unit);
  const plan: string[] = [];

  if (counting === 'cadence') {
    const occurrences = OCCURRENCE_UNITS.has(unit);
    const count = occurrences ? Math.max(1, Math.round(amount)) : 1;
    const what = capitalise(doing(spec));
    if (period === 'week') {
      if (occurrences && count < 7) {
        const days = Array.from(
          { length: count },
          (_, i) => WEEKDAY_NAMES[Math.floor((i * 7) / count)] ?? 'Mon',
        );
        const suggestion =
          count === 1
            ? 'pick a fixed day, e.g. Sunday, and keep it'
            : `spread them out, e.g. ${joinWords(days)}`;
        plan.push(`${what} ${timesWord(count)} a week: ${suggestion}.`);
      } else if (occurrences) {
        plan.push(`${what} every day of the week (${formatAmount(amount)} a week).`);
      } else {
        plan.push(
          `${what}: ${quantity(amount)} a week, about ${formatQuantity(round(amount / 7, 1), unit)} a day.`,
        );
      }
      // The same point `goalProgress` calls a week behind: 60 % of the week gone with nothing logged.
      const reminder = WEEKDAY_NAMES[Math.floor(0.6 * 7)] ?? 'Fri';
      plan.push(`If nothing is logged by ${reminder}, a reminder comes that day.`);
    } else if (period === 'day') {
      plan.push(
        occurrences
          ? `${what} ${timesWord(count)} a day, at a fixed time (after breakfast or before bed).`
          : `${what}: ${quantity(amount)} a day, ${formatQuantity(amount * 7, unit)} a week.`,
      );
      const minutes = Math.round(0.6 * 24 * 60);
      plan.push(
        `If nothing is logged by ${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}, a reminder comes.`,
      );
    } else {
      const today = wallClockAt(now, timezone);
      const length = daysInMonth(today.year, today.month);
      plan.push(
        occurrences
          ? `${what} ${timesWord(count)} a month: about every ${Math.max(1, Math.floor(length / count))} days.`
          : `${what}: ${quantity(amount)} a month, about ${formatQuantity(round(amount / 4.3, 1), unit)} a week.`,
      );
      plan.push(`If nothing is logged by the ${ordinal(Math.ceil(0.6 * length))}, a reminder comes.`);
    }
    return plan;
  }

  const deadline = spec.deadline !== null && spec.deadline > now ? spec.deadline : null;
  if (counting === 'max') {
    const noun = effortNoun(spec.activity);
    const effort = noun ? `longest ${noun}` : 'best single effort';
    const start = round(Math.max(amount * (amount <= 5 ? 0.5 : 0.35), Math.min(amount, 1)), 1);
    if (deadline === null) {
      plan.push(`Start from what you can do today (about ${quantity(start)}?) and add about 10 % a week.`);
      plan.push(
        `At 10 % a week, ${quantity(start)} grows to ${quantity(amount)} in about ${weeksAt10(start, amount)} weeks.`,
      );
      return plan;
    }
    const weeks = Math.max(1, Math.floor((deadline - now) / WEEK_MS));
    if (weeks === 1) {
      plan.push(
        `One week to ${day(deadline)}: one try at ${quantity(amount)} at an easy pace, with two rest days before it.`,
      );
      return plan;
    }
    const buildWeeks = weeks >= 4 ? weeks - 1 : weeks;
    const step = (amount - start) / Math.max(1, buildWeeks - 1);
    plan.push(
      `${weeks} weeks to ${day(deadline)}: build your ${effort} from about ${quantity(start)} to ${quantity(amount)}, ` +
        `about ${quantity(round(step, 1))} more each week.`,
    );
    const marks = milestoneWeeks(buildWeeks, 4);
    for (const week of marks) {
      const value = week === buildWeeks ? amount : round(start + step * (week - 1), 1);
      plan.push(`Week ${week} (from ${day(now + (week - 1) * WEEK_MS)}): ${effort} ${quantity(value)}.`);
    }
    if (weeks >= 4)
      plan.push(`Last week: ease off (about half the distance) so you are fresh on ${day(deadline)}.`);
    if (start > 0 && step / start > 0.15) {
      plan.push(
        `That is a steep build (more than 10 % a week): ${noun === 'run' ? 'run-walk intervals or ' : ''}a later date would be kinder.`,
      );
    }
    plan.push(
      noun
        ? `Two or three shorter, easy ${noun}s a week around the long one.`
        : 'Practise two or three times a week between the long efforts.',
    );
    return plan;
  }

  // sum
  if (deadline === null) {
    const suggested = addMonths(wallClockAt(now, timezone), 3);
    plan.push(
      `No deadline yet: to pace it, pick one, e.g. ${day(endOfLocalDay(suggested, timezone))} ` +
        `(about ${quantity(round(amount / 13, 1))} a week).`,
    );
    plan.push(`Log progress as you go; every ${unit === 'books' ? 'book' : 'entry'} adds to the total.`);
    return plan;
  }
  const daysLeft = Math.max(1, Math.ceil((deadline - now) / DAY_MS));
  const perDay = amount / daysLeft;
  const perWeek = (amount * 7) / daysLeft;
  const perMonth = (amount * 30.44) / daysLeft;
  const rate =
    unit === 'books' || unit === 'chapters'
      ? daysLeft >= 45
        ? `about ${quantity(round(perMonth, 1))} a month (one every ${Math.max(1, Math.round(daysLeft / amount))} days)`
        : `about ${quantity(round(perWeek, 1))} a week`
      : ['pages', 'words', 'minutes', 'steps'].includes(unit)
        ? `about ${quantity(Math.ceil(perDay))} a day`
        : `about ${quantity(round(perWeek, 1))} a week`;
  plan.push(`${quantity(amount)} by ${day(deadline)} (${daysLeft} days): ${rate}.`);
  if (unit === 'books') {
    plan.push(`At about 300 pages a book, that is ${Math.ceil((amount * 300) / daysLeft)} pages a day.`);
  }
  if (unit === 'kg' && perWeek > 1) {
    plan.push('More than 1 kg a week is faster than usually advised: a later date would be safer.');
  }
  if (daysLeft >= 28) {
    for (const share of [0.25, 0.5, 0.75]) {
      const at = now + Math.round((deadline - now) * share);
      plan.push(`By ${day(at)}: ${quantity(round(amount * share, 1))}.`);
    }
  }
  return plan;
}

function weeksAt10(start: number, target: number): number {
  return start >= target ? 0 : Math.ceil(Math.log(target / start) / Math.log(1.1));
}

/** Up to `count` week numbers from 1 to `weeks`, evenly spread, always with the first and the last. */
function milestoneWeeks(weeks: number, count: number): number[] {
  if (weeks <= count) return Array.from({ length: weeks }, (_, i) => i + 1);
  const marks = new Set<number>();
  for (let i = 0; i < count; i += 1) marks.add(1 + Math.round((i * (weeks - 1)) / (count - 1)));
  return [...marks];
}

function ordinal(n: number): string {
  const suffix =
    n % 10 === 1 && n !== 11
      ? 'st'
      : n % 10 === 2 && n !== 12
        ? 'nd'
        : n % 10 === 3 && n !== 13
          ? 'rd'
          : 'th';
  return `${n}${suffix}`;
}

function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
