import { UlidSchema } from '@familiar/protocol';
import type { Context } from 'hono';
import type { z } from 'zod';
import type { Principal } from '../accounts/index.ts';
import { describeIssues, FamiliarError, NotFoundError, ValidationError } from '../kernel/index.ts';
import type { Actor } from '../memory/index.ts';

/** The HTTP context's variables once a request is authenticated. */
export type Env = { Variables: { principal: Principal } };

/** Who a request acts as, for the services and the audit log. */
export function actorOf(principal: Principal): Actor {
  return {
    userId: principal.user.id,
    deviceId: principal.device?.id ?? null,
    label: principal.device
      ? `device:${principal.device.id}`
      : principal.session
        ? `web:${principal.session.idHash.slice(0, 8)}`
        : 'server',
  };
}

/** The token of an `Authorization: Bearer …` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** Reads a JSON body and validates it; malformed JSON and schema violations become coded errors. */
export async function readJson<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new FamiliarError(
      'unsupported_media_type',
      'send the body as JSON with "Content-Type: application/json"',
    );
  }
  const text = await c.req.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new FamiliarError('invalid_json', 'the request body is not valid JSON');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new ValidationError(
      'the request body does not match the schema',
      describeIssues(parsed.error.issues),
    );
  return parsed.data;
}

/** A ULID path parameter; anything else is a 404, like an id that does not exist. */
export function parseId(value: string, what: string): string {
  const parsed = UlidSchema.safeParse(value);
  if (!parsed.success) throw new NotFoundError(what, value);
  return parsed.data;
}
