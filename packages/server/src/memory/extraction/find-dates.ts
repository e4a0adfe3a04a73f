import { createRequire } from 'node:module';
import type * as Chrono from 'chrono-node';
import { zonedTimeToEpoch, zoneOffsetMs } from '../../kernel/index.ts';

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

let parser: Chrono.Chrono | undefined;

/** chrono's casual English parser plus "on the 12th" (the next such day of a month). */
function dateParser(): Chrono.Chrono {
  if (parser) return parser;
  const custom = chronoNode().casual.clone();
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
  parser = custom;
  return parser;
}

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
  const results = dateParser().parse(text, reference, { forwardDate: forward });
  const found: FoundDate[] = [];
  for (const result of results) {
    const words = result.text.trim();
    if (LONE_ABBREVIATION.test(words) && !/^(?:today|now)$/i.test(words)) continue;
    if (/^(?:now|right now)$/i.test(words)) continue;
    if (/\bfor\s+$/i.test(text.slice(Math.max(0, result.index - 4), result.index)) || /^for\s/i.test(words))
      continue;
    const start = result.start;
    const year = start.get('year');
    const month = start.get('month');
    const day = start.get('day');
    if (year === null || month === null || day === null) continue;
    const hasTime = start.isCertain('hour');
    const at = zonedTimeToEpoch(
      { year, month, day },
      hasTime ? (start.get('hour') ?? 0) : 0,
      hasTime ? (start.get('minute') ?? 0) : 0,
      timeZone,
    );
    found.push({ index: result.index, text: result.text, at, hasTime });
  }
  return found;
}
