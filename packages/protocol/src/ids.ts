import { z } from 'zod';

/** A ULID in Crockford base32 (26 characters); the time part is not checked, so clients may choose any. */
export const UlidSchema = z
  .string()
  .regex(/^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$/, 'must be a ULID: 26 Crockford base32 characters')
  .transform((value) => value.toUpperCase());

/** ISO-8601 timestamp with an explicit offset or Z, as sent over the wire. */
export const TimestampSchema = z.iso.datetime({
  offset: true,
  message: 'must be an ISO-8601 timestamp with a time zone, e.g. 2026-11-29T10:15:00Z',
});
