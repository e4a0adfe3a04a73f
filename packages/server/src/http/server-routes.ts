import type { ServerFacts } from '@familiar/protocol';
import type { Hono } from 'hono';
import type { ServerFactsService } from '../server-facts.ts';
import type { Env } from './request-helpers.ts';

/**
 * `GET /v1/server`: what this server can do for the caller (engines, where their private asks go, retention and
 * encryption at rest), so a client can say "speech recognition is missing" instead of waiting for transcripts that
 * never come. Nothing about other users, no paths, no key material. Not audited: it reads no personal data.
 */
export function registerServerRoutes(
  app: Hono<Env>,
  facts: Pick<ServerFactsService, 'forUser'>,
  version: string,
): void {
  app.get('/v1/server', async (c) => {
    const body: ServerFacts = { version, ...(await facts.forUser(c.get('principal').user.id)) };
    return c.json(body);
  });
}
