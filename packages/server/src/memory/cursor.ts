/** A position in the timeline: the time and tiebreak of the last item of the previous page. */
export interface TimelineCursor {
  capturedAt: number;
  tiebreak: string;
}

/** Encodes a cursor as an opaque URL-safe string. */
export function encodeCursor(cursor: TimelineCursor): string {
  return Buffer.from(`${cursor.capturedAt}:${cursor.tiebreak}`, 'utf8').toString('base64url');
}

/** Decodes a cursor, or returns null when it is not one of ours. */
export function decodeCursor(value: string): TimelineCursor | null {
  const decoded = Buffer.from(value, 'base64url').toString('utf8');
  const match = /^(-?\d{1,16}):([0-9A-Za-z]{1,64})$/.exec(decoded);
  if (!match) return null;
  return { capturedAt: Number(match[1]), tiebreak: match[2]! };
}
