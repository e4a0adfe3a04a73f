import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Hono } from 'hono';
import {
  createFamiliarMcpServer,
  createMcpRedactor,
  type FamiliarMcpDependencies,
  type McpRedactor,
} from '../mcp/index.ts';
import type { PeopleStore } from '../memory/index.ts';
import { actorOf, type Env } from './request-helpers.ts';

/** The JSON-RPC answer to a GET or DELETE: this endpoint keeps no sessions and opens no event stream. */
const STATELESS_ONLY = {
  jsonrpc: '2.0',
  error: {
    code: -32000,
    message: 'Method not allowed: this MCP endpoint is stateless; send each JSON-RPC message with POST',
  },
  id: null,
} as const;

/**
 * `POST /v1/mcp`: the person's memory as MCP tools over Streamable HTTP, behind the device-token auth of `/v1/*`
 * and scoped to the token's user; personal data in answers is redacted unless `mcpServer.redact` is false. Stateless: each request gets its own server and transport, answered with JSON (no
 * sessions, so no event stream to open with GET and nothing to end with DELETE: both answer 405).
 */
export function registerMcpRoutes(
  app: Hono<Env>,
  deps: FamiliarMcpDependencies,
  options: { redact: boolean; people: Pick<PeopleStore, 'list'> },
): void {
  // One redactor per user (and people list), kept across requests so a placeholder an agent got in one answer means
  // the same value in its next call; the oldest is dropped past 100 users.
  const redactors = new Map<string, { key: string; redactor: McpRedactor }>();
  async function redactorFor(userId: string): Promise<McpRedactor | null> {
    if (!options.redact) return null;
    const people = await options.people.list(userId);
    const key = JSON.stringify(people.map((person) => [person.name, person.aliases]));
    const known = redactors.get(userId);
    if (known && known.key === key) return known.redactor;
    const redactor = createMcpRedactor(people);
    redactors.delete(userId);
    redactors.set(userId, { key, redactor });
    if (redactors.size > 100) redactors.delete(redactors.keys().next().value as string);
    return redactor;
  }

  app.post('/v1/mcp', async (c) => {
    const principal = c.get('principal');
    const server = createFamiliarMcpServer(deps, principal.user, `mcp:${actorOf(principal).label}`, {
      redactor: await redactorFor(principal.user.id),
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      // In JSON mode the response is complete when this resolves, so closing afterwards cuts nothing short.
      return await transport.handleRequest(c.req.raw);
    } finally {
      await server.close();
    }
  });
  for (const method of ['GET', 'DELETE'] as const) {
    app.on(method, '/v1/mcp', (c) => c.json(STATELESS_ONLY, 405, { Allow: 'POST' }));
  }
}
