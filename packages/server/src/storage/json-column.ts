import type { z } from 'zod';
import { FamiliarError } from '../kernel/index.ts';

/** Reads a JSON column back through its schema, so a damaged row is an error and never a wrong value. */
export function parseJsonColumn<T extends z.ZodType>(
  schema: T,
  value: string | null,
  where: string,
): z.infer<T> | null {
  if (value === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (cause) {
    throw new FamiliarError('storage_failed', `stored JSON in ${where} is damaged`, { cause });
  }
  const result = schema.safeParse(parsed);
  if (!result.success)
    throw new FamiliarError('storage_failed', `stored JSON in ${where} does not match its schema`);
  return result.data;
}
