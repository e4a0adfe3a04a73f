import { ValidationError, zonedTimeToEpoch } from '../kernel/index.ts';

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
    return (
      zonedTimeToEpoch(
        { year: Number(y), month: Number(mo), day: Number(d) },
        Number(h),
        Number(mi),
        timeZone,
      ) +
      Number(s) * 1000
    );
  }
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/i.test(value.trim())) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new ValidationError(
    `${flag} "${value}" is not a time: use 2026-11-03, 2026-11-03T14:00 (your time zone) or 2026-11-03T14:00:00Z`,
  );
}
