/** Epoch milliseconds to an ISO-8601 UTC string. */
export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

/** ISO-8601 string to epoch milliseconds (the caller has validated it). */
export function fromIso(iso: string): number {
  return Date.parse(iso);
}

/** Formats a moment for people in their own time zone, e.g. "Tue 3 Nov 2026, 14:02". */
export function formatMoment(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('weekday')} ${part('day')} ${part('month')} ${part('year')}, ${part('hour')}:${part('minute')}`;
}

/** Zone names already checked (making an Intl formatter costs about 0.1 ms, and every fact extraction checks). */
const validZones = new Map<string, boolean>();

/** True when the name is an IANA time zone this Node.js knows. */
export function isValidTimeZone(name: string): boolean {
  const known = validZones.get(name);
  if (known !== undefined) return known;
  let valid: boolean;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    valid = true;
  } catch {
    valid = false;
  }
  if (validZones.size > 1000) validZones.clear();
  validZones.set(name, valid);
  return valid;
}

/** The machine's own time zone. */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
