import { createRequire } from 'node:module';
import type * as Chrono from 'chrono-node';
import { wallClockAt, zonedTimeToEpoch, zoneOffsetMs } from '../../kernel/index.ts';

/** chrono-node, loaded on first use (about 0.1 s) so commands that never read dates do not pay for it. */
let chronoModule: typeof Chrono | undefined;
function chronoNode(): typeof Chrono {
  chronoModule ??= createRequire(import.meta.url)('chrono-node') as typeof Chrono;
  return chronoModule;
}

/** A date or time expression found in text, resolved in the speaker's time zone. */
export interface FoundDate {
  /** Where the expression starts in the searched text. */
  index: number;
  /** The expression as written, e.g. "tomorrow at 3pm". */
  text: string;
  /** Epoch ms: the local moment when a time was said, else the start of the local day. */
  at: number;
  /** True when the expression named a time of day. */
  hasTime: boolean;
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

/** A short local date for people, e.g. "Fri 4 Dec" or "Fri 4 Dec, 15:00". */
export function formatLocalDate(ms: number, timeZone: string, withTime: boolean): string {
  const key = `${timeZone}\u0000${withTime}`;
  let formatter = dateFormatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      ...(withTime ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' as const } : {}),
    });
    dateFormatters.set(key, formatter);
  }
  return formatter.format(new Date(ms));
}

const ORDINAL_DAY =
  /\b(?:on\s+)?the\s+([0-3]?\d)(?:st|nd|rd|th)\b(?!\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))/i;

/** "end of day", "by EOD", "close of play", "end of business": the working day's end, 17:00 local. */
const END_OF_DAY =
  /\b(?:(?:the\s+)?end\s+of\s+(?:the\s+)?(?:(?:working|work|business)\s+)?day|(?:the\s+)?close\s+of\s+(?:play|business)|eod|cob|eob)\b/i;
/** "end of the week", "end of this week": its Friday (or today, said on a Friday or at the weekend). */
const END_OF_WEEK = /\b(?:the\s+)?end\s+of\s+(?:the|this)\s+(?:working\s+|work\s+)?week\b/i;
const CLOCK_WORDS: Record<string, number> = {
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
};
/** British clock phrases chrono does not read: "half two", "half past 2", "quarter past ten", "quarter to 6". */
const CLOCK_PHRASE =
  /\b(?:at\s+)?(half(?:\s+past)?|(?:a\s+)?quarter\s+(?:past|to))\s+(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|1[0-2]|[1-9])\b(?!\s*(?:hours?|minutes?|days?|weeks?|years?|people|of\b))/i;

const TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, ninety: 90 };
const TEENS: Record<string, number> = {
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};
/** "in twenty minutes", "in forty-five mins", "in fifteen minutes": number words chrono does not read. */
const WORDY_STRETCH =
  /\b(?:in|within)\s+(?:(twenty|thirty|forty|fifty|sixty|ninety)(?:[\s-](one|two|three|four|five|six|seven|eight|nine))?|(thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen))\s+(minutes?|mins?|hours?|hrs?)\b/i;

/** Hours said as words, for clock times chrono reads only as digits ("at eleven tonight", "two thirty"). */
const HOUR_WORD = 'one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve';
const MINUTE_WORDS: Record<string, number> = {
  five: 5,
  ten: 10,
  fifteen: 15,
  twenty: 20,
  'twenty five': 25,
  thirty: 30,
  'thirty five': 35,
  forty: 40,
  'forty five': 45,
  fifty: 50,
  'fifty five': 55,
};
/**
 * A clock time in words: "at eleven tonight", "by two", "seven pm", "nine o'clock", "eleven thirty", "six in the
 * evening", "ten at night". Without a preposition it needs something that makes it a time (minutes, o'clock, am/pm,
 * a part of the day), and it is never an amount of something ("at two of them", "about two weeks", "one or two").
 */
const WORD_CLOCK = new RegExp(
  `\\b(?:(at|by|around|about|before|after|until|till|from)\\s+(?:about\\s+|around\\s+|roughly\\s+)?)?(${HOUR_WORD})` +
    `(?:\\s+(o'?clock)|\\s+(oh[\\s-]?(?:one|two|three|four|five|six|seven|eight|nine)|(?:twenty|thirty|forty|fifty)(?:[\\s-]?five)?|ten|fifteen)(?![\\s-]+(?:${HOUR_WORD})\\b))?` +
    `(?:\\s*(a\\.?m\\.?|p\\.?m\\.?)(?![a-z])|\\s+(tonight|tonite|2nite|this\\s+(?:morning|afternoon|evening)|in\\s+the\\s+(?:morning|afternoon|evening)|at\\s+night))?` +
    `(?![\\w-]|\\s+(?:of|or|and\\s+a|more|less|other|others|another|each|point|points|stage|stages|times?|people|persons?|things?|seconds?|secs?|hours?|hrs?|minutes?|mins?|days?|weeks?|wks?|months?|years?|yrs?|kids?|children|hundred|thousand|dozen|k|km|miles?|goals?|nil|all|apiece|at\\s+a\\s+time)\\b)`,
  'i',
);
const ONES: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
};
/** Texting spellings of days: "2moro", "tmrw", "tomoz", "2nite", "tonite". */
const TEXTED_DAY =
  /\b(2moro+w?|2morrow|2mrw|tmrw|tmr|tmw|tomoz|tomorow|tommorow|tommorrow|2nite|2night|tonite|2day)\b/i;

let dayFirstParser: Chrono.Chrono | undefined;
let monthFirstParser: Chrono.Chrono | undefined;

/**
 * Zones where a numeric date is written month first ("12/3" is 3 December): the United States and its
 * territories, Canada, the Philippines and the Pacific states in free association with the US. Everywhere else
 * writes the day first ("12/3" is 12 March). An unambiguous form ("25/12", "3/25") is read either way.
 */
const MONTH_FIRST_ZONE =
  /^(?:US\/|Canada\/|America\/(?:New_York|Chicago|Denver|Los_Angeles|Phoenix|Anchorage|Adak|Juneau|Sitka|Metlakatla|Nome|Yakutat|Boise|Detroit|Menominee|Indiana\/|Kentucky\/|North_Dakota\/|Indianapolis|Louisville|Fort_Wayne|Knox_IN|Shiprock|Puerto_Rico|St_Thomas|Toronto|Vancouver|Edmonton|Winnipeg|Halifax|St_Johns|Regina|Swift_Current|Moncton|Glace_Bay|Goose_Bay|Whitehorse|Dawson|Dawson_Creek|Fort_Nelson|Creston|Yellowknife|Inuvik|Cambridge_Bay|Rankin_Inlet|Resolute|Iqaluit|Atikokan|Coral_Harbour|Thunder_Bay|Nipigon|Rainy_River|Pangnirtung)|Pacific\/(?:Honolulu|Johnston|Guam|Saipan|Pago_Pago|Samoa|Midway|Majuro|Kwajalein|Palau|Chuuk|Truk|Pohnpei|Ponape|Kosrae|Yap)|Asia\/Manila|Navajo|EST5EDT|CST6CDT|MST7MDT|PST8PDT|EST|MST|HST)/;

/** True when numeric dates in this zone are written month first ("12/3" is 3 December); see `MONTH_FIRST_ZONE`. */
export function writesMonthFirst(timeZone: string): boolean {
  return MONTH_FIRST_ZONE.test(timeZone);
}

/**
 * The day and hour of a clock time said for a plan (`forward`): "at nine" said at 20:10 is 21:00 today, "at eleven"
 * said at 23:30, or "six in the morning" said in the evening, is tomorrow. `certain` is false when no am/pm or part
 * of the day was said, so a bare hour may move to the afternoon or evening.
 */
function forwardClock(
  ref: Date,
  hour: number,
  minute: number,
  certain: boolean,
  forward: boolean,
): { day: Date; hour: number } {
  const today = new Date(ref.getFullYear(), ref.getMonth(), ref.getDate());
  if (!forward) return { day: today, hour };
  const now = ref.getHours() * 60 + ref.getMinutes();
  const first = (certain ? hour : hour % 12) * 60 + minute;
  if (first > now) return { day: today, hour };
  if (!certain && hour < 12 && first + 12 * 60 > now) return { day: today, hour: hour + 12 };
  return { day: new Date(ref.getFullYear(), ref.getMonth(), ref.getDate() + 1), hour };
}

/**
 * chrono's casual English parser (day first or month first for numeric dates, by the zone: `writesMonthFirst`)
 * plus "on the 12th" (the next such day of a month), "end of day" (17:00), "end of the week" (its Friday), British
 * clock phrases ("half two", "quarter to six"), clock times in words ("at eleven tonight", "two thirty") and
 * texting spellings ("2moro", "tmrw").
 */
function dateParser(timeZone: string): Chrono.Chrono {
  const monthFirst = writesMonthFirst(timeZone);
  const cached = monthFirst ? monthFirstParser : dayFirstParser;
  if (cached) return cached;
  const chrono = chronoNode();
  const custom = chrono.casual.clone();
  if (!monthFirst) {
    // Only numeric dates change order ("12/3" is 12 March); chrono's whole GB configuration would also read
    // "March 14" as March 2014.
    const at = custom.parsers.findIndex((p) => p.constructor.name === 'SlashDateFormatParser');
    const slash = custom.parsers[at];
    if (slash) {
      const DayFirst = slash.constructor as new (littleEndian: boolean) => Chrono.Parser;
      custom.parsers[at] = new DayFirst(true);
    }
  }
  custom.parsers.push({
    pattern: () => TEXTED_DAY,
    extract: (context, match) => {
      const word = (match[1] ?? '').toLowerCase();
      const ref = context.reference.getDateWithAdjustedTimezone();
      const ahead = /^(?:2nite|2night|tonite|2day)$/.test(word) ? 0 : 1;
      const day = new Date(ref.getFullYear(), ref.getMonth(), ref.getDate() + ahead);
      return { day: day.getDate(), month: day.getMonth() + 1, year: day.getFullYear() };
    },
  });
  custom.parsers.push({
    pattern: () => WORD_CLOCK,
    extract: (context, match) => {
      const [, preposition, hourWord = '', oclock, minuteWords, meridiem, part] = match;
      if (!preposition && !oclock && !minuteWords && !meridiem && !part) return null;
      let hour = CLOCK_WORDS[hourWord.toLowerCase()] ?? 0;
      let minute = 0;
      if (minuteWords) {
        const words = minuteWords.toLowerCase().replace(/[\s-]+/g, ' ');
        minute = words.startsWith('oh')
          ? (ONES[words.replace(/^oh ?/, '')] ?? 0)
          : (MINUTE_WORDS[words] ?? 0);
      }
      const half = (meridiem ?? '').toLowerCase().replaceAll('.', '');
      const partWords = (part ?? '').toLowerCase();
      let certain = true;
      if (half === 'pm' || /tonight|tonite|2nite|afternoon|evening/.test(partWords)) {
        if (hour < 12) hour += 12;
      } else if (/night/.test(partWords)) {
        if (hour >= 5 && hour < 12) hour += 12;
        else if (hour === 12) hour = 0;
      } else if (half === 'am' || /morning/.test(partWords)) {
        if (hour === 12) hour = 0;
      } else certain = false;
      const ref = context.reference.getDateWithAdjustedTimezone();
      const moment = forwardClock(ref, hour, minute, certain, context.option.forwardDate === true);
      hour = moment.hour;
      const day = moment.day;
      const component = context.createParsingComponents({
        day: day.getDate(),
        month: day.getMonth() + 1,
        year: day.getFullYear(),
      });
      component.assign('hour', hour);
      component.assign('minute', minute);
      if (certain) component.assign('meridiem', hour >= 12 ? 1 : 0);
      return component;
    },
  });
  custom.parsers.push({
    pattern: () => END_OF_DAY,
    extract: (context) => {
      const ref = context.reference.getDateWithAdjustedTimezone();
      return { day: ref.getDate(), month: ref.getMonth() + 1, year: ref.getFullYear(), hour: 17, minute: 0 };
    },
  });
  custom.parsers.push({
    pattern: () => END_OF_WEEK,
    extract: (context) => {
      const ref = context.reference.getDateWithAdjustedTimezone();
      const weekday = ref.getDay();
      const ahead = weekday >= 1 && weekday <= 5 ? 5 - weekday : 0;
      const friday = new Date(ref.getFullYear(), ref.getMonth(), ref.getDate() + ahead);
      return { day: friday.getDate(), month: friday.getMonth() + 1, year: friday.getFullYear() };
    },
  });
  custom.parsers.push({
    pattern: () => WORDY_STRETCH,
    extract: (context, match) => {
      const amount =
        (TENS[(match[1] ?? '').toLowerCase()] ?? 0) +
        (CLOCK_WORDS[(match[2] ?? '').toLowerCase()] ?? 0) +
        (TEENS[(match[3] ?? '').toLowerCase()] ?? 0);
      const minutes = /^h/i.test(match[4] ?? '') ? amount * 60 : amount;
      const ref = context.reference.getDateWithAdjustedTimezone();
      const then = new Date(ref.getTime() + minutes * 60_000);
      return {
        day: then.getDate(),
        month: then.getMonth() + 1,
        year: then.getFullYear(),
        hour: then.getHours(),
        minute: then.getMinutes(),
      };
    },
  });
  custom.parsers.push({
    pattern: () => CLOCK_PHRASE,
    extract: (context, match) => {
      const word = (match[2] ?? '').toLowerCase();
      let hour = CLOCK_WORDS[word] ?? Number(word);
      const kind = (match[1] ?? '').toLowerCase();
      let minute = 30;
      if (kind.includes('quarter')) minute = kind.endsWith('to') ? 45 : 15;
      if (kind.endsWith('to')) hour = hour === 1 ? 12 : hour - 1;
      const ref = context.reference.getDateWithAdjustedTimezone();
      const moment = forwardClock(ref, hour, minute, false, context.option.forwardDate === true);
      hour = moment.hour;
      const component = context.createParsingComponents({
        day: moment.day.getDate(),
        month: moment.day.getMonth() + 1,
        year: moment.day.getFullYear(),
      });
      component.assign('hour', hour);
      component.assign('minute', minute);
      return component;
    },
  });
  custom.parsers.push({
    pattern: () => ORDINAL_DAY,
    extract: (context, match) => {
      const day = Number(match[1]);
      if (day < 1 || day > 31) return null;
      const ref = context.reference.getDateWithAdjustedTimezone();
      let year = ref.getFullYear();
      let month = ref.getMonth() + 1;
      if (day < ref.getDate()) {
        month += 1;
        if (month > 12) {
          month = 1;
          year += 1;
        }
      }
      return { day, month, year };
    },
  });
  if (monthFirst) monthFirstParser = custom;
  else dayFirstParser = custom;
  return custom;
}

/** Words that put a bare hour in the morning ("tomorrow morning at 7", "at 6 before breakfast"). */
const MORNING_CUE = /\b(?:morning|breakfast|dawn|sunrise|early|a\.?m\.?)\b/i;

/**
 * The hour a clock time means: a bare hour from 1 to 7 said for a plan, with no am/pm and nothing that says morning
 * ("I'll ring the plumber at 2 tomorrow"), is in the afternoon or evening; people rarely plan for 2 a.m.
 */
function plannedHour(hour: number, meridiemCertain: boolean, words: string, forward: boolean): number {
  if (!forward || meridiemCertain || hour < 1 || hour > 7 || MORNING_CUE.test(words)) return hour;
  return hour + 12;
}

/** Words that make an expression after "for" a moment rather than a stretch ("for 6pm", "for Friday"). */
const POINT_IN_TIME =
  /\d\s*(?:am|pm|a\.m|p\.m)\b|\d:\d\d|\b(?:noon|midday|midnight|today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|\d{1,2}(?:st|nd|rd|th))\b/i;

const LONE_ABBREVIATION = /^(?:sat|sun|mon|wed|mar|may|jan|jun|jul|aug|sep|oct|nov|dec|now|today)$/i;

/**
 * Finds date and time expressions in text and resolves them against `capturedAt` in `timeZone` (an IANA name),
 * whatever the process time zone is. `forward` reads bare weekdays and months as the next one (for plans).
 */
export function findDates(
  text: string,
  { capturedAt, timeZone, forward }: { capturedAt: number; timeZone: string; forward: boolean },
): FoundDate[] {
  const reference = {
    instant: new Date(capturedAt),
    timezone: Math.round(zoneOffsetMs(capturedAt, timeZone) / 60_000),
  };
  const results = dateParser(timeZone).parse(text, reference, { forwardDate: forward });
  const found: FoundDate[] = [];
  for (const result of results) {
    const words = result.text.trim();
    if (LONE_ABBREVIATION.test(words) && !/^(?:today|now)$/i.test(words)) continue;
    if (/^(?:now|right now)$/i.test(words)) continue;
    // "for two weeks" is a stretch of time, not a date; "for 6pm", "for Friday", "for the 12th" name one.
    if (
      (/\bfor\s+$/i.test(text.slice(Math.max(0, result.index - 4), result.index)) || /^for\s/i.test(words)) &&
      !POINT_IN_TIME.test(words)
    )
      continue;
    const start = result.start;
    const year = start.get('year');
    const month = start.get('month');
    const day = start.get('day');
    if (year === null || month === null || day === null) continue;
    if (/^(?:the\s+)?(?:seconds?|minutes?|hours?|mins?)$/i.test(words)) continue;
    const hasTime = start.isCertain('hour');
    const said = start.get('hour') ?? 0;
    const hour = hasTime ? plannedHour(said, start.isCertain('meridiem'), result.text, forward) : 0;
    const minute = hasTime ? (start.get('minute') ?? 0) : 0;
    let date = { year, month, day };
    if (hour !== said && !DAY_NAMED.test(result.text)) {
      // chrono moved "at 6" said at 15:00 to 06:00 tomorrow; at 18:00 it is still today.
      const today = wallClockAt(capturedAt, timeZone);
      const sameDay = { year: today.year, month: today.month, day: today.day };
      if (zonedTimeToEpoch(sameDay, hour, minute, timeZone) > capturedAt) date = sameDay;
    }
    const at = zonedTimeToEpoch(date, hour, minute, timeZone);
    found.push({ index: result.index, text: result.text, at, hasTime });
  }
  return mergeDayAndTime(text, found, timeZone);
}

/** Words that name the day of a time ("tomorrow at 3", "Friday at 2"). */
const DAY_NAMED =
  /\b(?:today|tonight|tomorrow|2moro+w?|2morrow|2mrw|tmrw|tmr|tmw|tomoz|tomorow|tommorow|tommorrow|2nite|2night|tonite|2day|monday|tuesday|wednesday|thursday|friday|saturday|sunday|\d{1,2}(?:st|nd|rd|th)|jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|aug\w*|sep\w*|oct\w*|nov\w*|dec\w*)\b|\d{1,2}[/.-]\d{1,2}/i;

/**
 * A day and a time chrono read apart ("tomorrow at half four": chrono's "tomorrow" and the clock phrase) as one
 * moment: the time on that day. Only next to each other, with at most "at" or a comma between.
 */
function mergeDayAndTime(text: string, found: FoundDate[], timeZone: string): FoundDate[] {
  if (found.length < 2) return found;
  const merged: FoundDate[] = [];
  for (let i = 0; i < found.length; i += 1) {
    const a = found[i]!;
    const b = found[i + 1];
    if (b && a.hasTime !== b.hasTime) {
      const gap = text.slice(a.index + a.text.length, b.index);
      if (/^[\s,]*(?:at\s+|on\s+)?$/i.test(gap)) {
        const day = wallClockAt(a.hasTime ? b.at : a.at, timeZone);
        const time = wallClockAt(a.hasTime ? a.at : b.at, timeZone);
        const at = zonedTimeToEpoch(
          { year: day.year, month: day.month, day: day.day },
          time.hour,
          time.minute,
          timeZone,
        );
        merged.push({
          index: a.index,
          text: text.slice(a.index, b.index + b.text.length),
          at,
          hasTime: true,
        });
        i += 1;
        continue;
      }
    }
    merged.push(a);
  }
  return merged;
}
