import { ValidationError } from '../kernel/index.ts';

/** Offset of `timeZone` from UTC at instant `ms`, in milliseconds. */
function zoneOffset(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * Reads a `--from`/`--to` value: an ISO-8601 timestamp with a zone, or a date `YYYY-MM-DD` (midnight in the
 * user's time zone), or a local date-time `YYYY-MM-DDTHH:MM` (in the user's time zone).
 */
export function parseTimeArgument(value: string, timeZone: string, flag: string): number {
  const local = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(value.trim());
  if (local) {
    const [, y, mo, d, h = '0', mi = '0', s = '0'] = local;
    const wallClock = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
    if (Number.isNaN(wallClock)) throw new ValidationError(`${flag} "${value}" is not a date`);
    let guess = wallClock - zoneOffset(wallClock, timeZone);
    guess = wallClock - zoneOffset(guess, timeZone);
    return guess;
  }
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/i.test(value.trim())) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new ValidationError(
    `${flag} "${value}" is not a time: use 2026-11-03, 2026-11-03T14:00 (your time zone) or 2026-11-03T14:00:00Z`,
  );
}
