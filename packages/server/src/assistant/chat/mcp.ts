import { createHash } from 'node:crypto';
import { createMCPClient, type ListToolsResult, type MCPClient, type MCPClientConfig } from '@ai-sdk/mcp';
import { Experimental_StdioMCPTransport } from '@ai-sdk/mcp/mcp-stdio';
import { z } from 'zod';
import { describeIssues, FamiliarError, ValidationError } from '../../kernel/errors.ts';
import type { Logger } from '../../kernel/logger.ts';
import { redactSecrets } from '../../kernel/redact.ts';
import type { RiskTier } from '../types.ts';
import type { ToolDefinition, ToolSource } from './tool-definition.ts';

// ---------------------------------------------------------------------------------------------------------------
// Configuration

const RiskTierSchema = z.enum(['read', 'local_write', 'external', 'forbidden']);

const McpServerSchema = z
  .object({
    name: z
      .string()
      .max(32, 'a server name is at most 32 characters')
      .regex(/^[a-z][a-z0-9_-]*$/, 'a server name starts with a-z and has only a-z, 0-9, "_" and "-"'),
    command: z.string().min(1, 'command must not be empty').optional(),
    args: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional(),
    cwd: z.string().min(1).optional(),
    url: z
      .url({ protocol: /^https?$/, error: 'url must be an http:// or https:// address of an MCP endpoint' })
      .optional(),
    /** How to speak to a `url` server: Streamable HTTP (the default) or the older Server-Sent Events transport. */
    transport: z.enum(['http', 'sse']).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    /** Risk tier per tool, by the server's own tool name. */
    tools: z.record(z.string(), RiskTierSchema).optional(),
    /** The tier of every tool not named in `tools`. */
    defaultTier: RiskTierSchema.default('external'),
  })
  .strict()
  .superRefine((server, context) => {
    const hasCommand = server.command !== undefined;
    const hasUrl = server.url !== undefined;
    if (hasCommand === hasUrl)
      context.addIssue({
        code: 'custom',
        message: `server "${server.name}" needs exactly one of "command" (a local program spoken to over stdio) or "url" (an http(s) MCP endpoint)`,
      });
    if (hasUrl && (server.args || server.env || server.cwd))
      context.addIssue({
        code: 'custom',
        message: `server "${server.name}" has a url: "args", "env" and "cwd" only apply to a command`,
      });
    if (hasCommand && (server.headers || server.transport))
      context.addIssue({
        code: 'custom',
        message: `server "${server.name}" has a command: "headers" and "transport" only apply to a url`,
      });
  });

/**
 * The MCP servers whose tools the assistant may use. Each server is either a local `command` (spoken to over
 * stdio, with its own `args`, `env` and `cwd`) or a `url` (Streamable HTTP, or SSE with `transport: 'sse'`, with
 * optional `headers`). Tiers are set here, per tool; anything not named gets `defaultTier` (`external`: asks first).
 */
export const McpConfigSchema = z
  .object({ servers: z.array(McpServerSchema).default([]) })
  .strict()
  .superRefine((config, context) => {
    const seen = new Set<string>();
    for (const [index, server] of config.servers.entries()) {
      if (seen.has(server.name))
        context.addIssue({
          code: 'custom',
          path: ['servers', index, 'name'],
          message: `two servers are named "${server.name}": names must be unique`,
        });
      seen.add(server.name);
    }
  });

/** MCP configuration as written (see `McpConfigSchema`); `defaultTier` may be left out. */
export type McpConfig = z.input<typeof McpConfigSchema>;

/** One configured MCP server after validation, defaults filled in. */
export type McpServerConfig = z.output<typeof McpServerSchema>;

/** Reads MCP configuration from outside data, or throws a ValidationError that lists what to fix. */
export function parseMcpConfig(input: unknown): z.output<typeof McpConfigSchema> {
  const parsed = McpConfigSchema.safeParse(input);
  if (!parsed.success)
    throw new ValidationError('the MCP configuration is not valid', describeIssues(parsed.error.issues));
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------------------------
// Tool source

/** Timeouts for speaking to MCP servers. */
export interface McpToolSourceOptions {
  /** Starting a server and the MCP handshake. */
  connectTimeoutMs?: number;
  /** Listing a server's tools. */
  listTimeoutMs?: number;
  /** One tool call. */
  callTimeoutMs?: number;
}

/** Longest tool name model providers accept (OpenAI and Anthropic: `^[a-zA-Z0-9_-]{1,64}$`). */
const MAX_TOOL_NAME = 64;
const MAX_DESCRIPTION = 1_000;
const MAX_SUMMARY_ARGUMENTS = 1_500;
const MAX_RESULT = 100_000;

interface Connection {
  client: MCPClient;
  definitions: ListToolsResult['tools'];
  /** Call functions by the server's own tool name. */
  executes: Map<
    string,
    (args: unknown, options: { toolCallId: string; messages: []; abortSignal: AbortSignal }) => unknown
  >;
  /** Set when the connection is known to be broken: the next use reconnects. */
  broken: boolean;
}

interface ServerState {
  config: McpServerConfig;
  /** Every value that must not appear in a log line or a problem: header and env values, url credentials. */
  secrets: string[];
  connection: Connection | null;
  connecting: Promise<Connection> | null;
}

/**
 * External tools from the configured MCP servers, as a `ToolSource`. Servers are started (or dialled) lazily on the
 * first `tools()`; one that cannot start or answer is reported in `problems` and the others still work; a failed or
 * broken server is tried again on the next `tools()`.
 *
 * Each tool becomes `<server>__<tool>` (cleaned to the characters model providers accept), with the tier the
 * configuration gives it, else the server's `defaultTier` (`external`). A server's own annotations
 * (`readOnlyHint`, `destructiveHint`, …) are the server's claims about itself: they are not trusted and never lower
 * a tier. Arguments are checked against the tool's JSON Schema before anything is sent to the server. The
 * configuration is validated here too (a ValidationError says what to fix); header and env values never reach a
 * log line or a problem, and a stdio server's own stderr is discarded for the same reason.
 */
export function createMcpToolSource(
  config: McpConfig,
  deps: { logger: Logger },
  options: McpToolSourceOptions = {},
): ToolSource {
  const { logger } = deps;
  const { connectTimeoutMs = 20_000, listTimeoutMs = 20_000, callTimeoutMs = 60_000 } = options;
  const states = parseMcpConfig(config).servers.map(
    (server): ServerState => ({
      config: server,
      secrets: secretsOf(server),
      connection: null,
      connecting: null,
    }),
  );
  let closed = false;
  let callCount = 0;

  async function connect(state: ServerState): Promise<Connection> {
    const { config: server } = state;
    const transport: MCPClientConfig['transport'] =
      server.command !== undefined
        ? new Experimental_StdioMCPTransport({
            command: server.command,
            ...(server.args ? { args: server.args } : {}),
            ...(server.env ? { env: server.env } : {}),
            ...(server.cwd ? { cwd: server.cwd } : {}),
            // The server's own diagnostics may repeat its secrets; they are not mixed into Familiar's output.
            stderr: 'ignore',
          })
        : {
            type: server.transport ?? 'http',
            url: server.url ?? '',
            ...(server.headers ? { headers: server.headers } : {}),
            redirect: 'error',
          };
    const client = await createMCPClient({
      transport,
      clientName: 'familiar',
      initializationOptions: { timeout: connectTimeoutMs },
      onUncaughtError: (error) =>
        logger.warn(
          { server: server.name, reason: reasonOf(error, state.secrets) },
          'MCP server sent something odd',
        ),
    });
    try {
      const definitions: ListToolsResult['tools'] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 50; page += 1) {
        const listed = await client.listTools({
          ...(cursor === undefined ? {} : { params: { cursor } }),
          options: { timeout: listTimeoutMs },
        });
        definitions.push(...listed.tools);
        cursor = listed.nextCursor;
        if (cursor === undefined) break;
      }
      const tools = client.toolsFromDefinitions({ tools: definitions });
      const executes: Connection['executes'] = new Map();
      for (const [name, tool] of Object.entries(tools)) executes.set(name, tool.execute);
      const connection: Connection = { client, definitions, executes, broken: false };
      if (transport instanceof Experimental_StdioMCPTransport) {
        // The client replaced the transport's close handler with its own; keep it and learn of the exit too.
        const clientOnClose = transport.onclose;
        transport.onclose = () => {
          connection.broken = true;
          clientOnClose?.();
        };
      }
      return connection;
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
  }

  /** The server's live connection, connecting (once, however many callers wait) when there is none. */
  function ensureConnected(state: ServerState): Promise<Connection> {
    if (state.connection && !state.connection.broken) return Promise.resolve(state.connection);
    if (state.connecting) return state.connecting;
    const stale = state.connection;
    state.connection = null;
    if (stale) void stale.client.close().catch(() => undefined);
    const attempt = connect(state).then(
      async (connection) => {
        state.connecting = null;
        if (closed) {
          await connection.client.close().catch(() => undefined);
          throw new FamiliarError('tool_failed', 'the MCP tool source is closed');
        }
        state.connection = connection;
        logger.info(
          { server: state.config.name, tools: connection.definitions.length },
          'MCP server connected',
        );
        return connection;
      },
      (error: unknown) => {
        state.connecting = null;
        throw error;
      },
    );
    state.connecting = attempt;
    return attempt;
  }

  function definitionsOf(
    state: ServerState,
    connection: Connection,
    taken: Map<string, string>,
    problems: string[],
  ) {
    const { config: server } = state;
    const definitions: ToolDefinition[] = [];
    const known = new Set(connection.definitions.map((tool) => tool.name));
    for (const configured of Object.keys(server.tools ?? {}))
      if (!known.has(configured))
        logger.warn(
          { server: server.name, tool: configured },
          'MCP config names a tool the server does not offer',
        );
    for (const tool of connection.definitions) {
      const name = toolNameFor(server.name, tool.name);
      const owner = taken.get(name);
      if (owner !== undefined) {
        problems.push(
          `${server.name}: tool "${tool.name}" was left out: its name becomes ${name}, like ${owner}'s`,
        );
        continue;
      }
      let input: z.ZodType<Record<string, unknown>>;
      try {
        input = inputSchemaFrom(tool.inputSchema);
      } catch (error) {
        problems.push(
          `${server.name}: tool "${tool.name}" was left out: its input schema cannot be checked (${reasonOf(error, state.secrets)})`,
        );
        continue;
      }
      taken.set(name, `${server.name}: ${tool.name}`);
      const tier: RiskTier = server.tools?.[tool.name] ?? server.defaultTier;
      const description = truncate(
        `From the MCP server "${server.name}": ${tool.description ?? tool.title ?? tool.name}`,
        MAX_DESCRIPTION,
      );
      definitions.push({
        name,
        description,
        tier,
        input,
        source: `mcp:${server.name}`,
        summarize: (args) => summarizeCall(server.name, tool.name, args),
        run: (args) => callTool(state, tool.name, tier, input, args),
      });
    }
    return definitions;
  }

  async function callTool(
    state: ServerState,
    toolName: string,
    tier: RiskTier,
    input: z.ZodType<Record<string, unknown>>,
    args: unknown,
  ): Promise<string> {
    const label = `${state.config.name}: ${toolName}`;
    if (tier === 'forbidden')
      throw new FamiliarError('forbidden', `${label} is forbidden by the MCP configuration`);
    // Checked here as well as by the caller: nothing unchecked ever reaches the server.
    const parsed = input.safeParse(args);
    if (!parsed.success)
      throw new ValidationError(
        `the arguments for ${label} are not valid`,
        describeIssues(parsed.error.issues),
      );
    let connection: Connection;
    try {
      connection = await ensureConnected(state);
    } catch (error) {
      throw new FamiliarError('tool_failed', `${label} failed: ${reasonOf(error, state.secrets)}`, {
        retryable: true,
      });
    }
    const execute = connection.executes.get(toolName);
    if (!execute)
      throw new FamiliarError('tool_failed', `${label} failed: the server no longer offers this tool`);
    callCount += 1;
    let raw: unknown;
    try {
      raw = await execute(parsed.data, {
        toolCallId: `familiar-${callCount}`,
        messages: [],
        abortSignal: AbortSignal.timeout(callTimeoutMs),
      });
    } catch (error) {
      // A timeout or a lost connection: start afresh next time rather than reuse a connection in doubt.
      connection.broken = true;
      throw new FamiliarError('tool_failed', `${label} failed: ${reasonOf(error, state.secrets)}`, {
        retryable: true,
      });
    }
    const result = CallResultSchema.safeParse(raw);
    if (!result.success)
      throw new FamiliarError('tool_failed', `${label} failed: the server's answer was not understood`);
    const text = redactSecrets(
      state.secrets.reduce(
        (current, secret) => current.split(secret).join('[redacted]'),
        textOf(result.data),
      ),
      undefined,
    );
    if (result.data.isError)
      throw new FamiliarError('tool_failed', `${label} failed: ${truncate(text, 1_000)}`);
    return truncate(text, MAX_RESULT);
  }

  return {
    async tools() {
      if (closed) return { tools: [], problems: ['the MCP tool source is closed'] };
      const problems: string[] = [];
      const tools: ToolDefinition[] = [];
      const taken = new Map<string, string>();
      const settled = await Promise.allSettled(states.map((state) => ensureConnected(state)));
      for (const [index, outcome] of settled.entries()) {
        const state = states[index]!;
        if (outcome.status === 'rejected') {
          const reason = reasonOf(outcome.reason, state.secrets);
          logger.warn({ server: state.config.name, reason }, 'MCP server could not be reached');
          problems.push(`${state.config.name}: could not be reached: ${reason}`);
          continue;
        }
        tools.push(...definitionsOf(state, outcome.value, taken, problems));
      }
      return { tools, problems };
    },
    async close() {
      closed = true;
      await Promise.allSettled(states.map((state) => state.connecting));
      await Promise.allSettled(
        states.map(async (state) => {
          const connection = state.connection;
          state.connection = null;
          if (connection) await connection.client.close();
        }),
      );
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Names, summaries, results

/**
 * `<server>__<tool>` with every character outside `[a-zA-Z0-9_-]` turned into `_`; a name longer than providers
 * accept keeps its start and ends with a short hash of the full name, so it stays unique and stable.
 */
export function toolNameFor(server: string, tool: string): string {
  const name = `${server}__${tool}`.replace(/[^a-zA-Z0-9_-]/g, '_');
  if (name.length <= MAX_TOOL_NAME) return name;
  const hash = createHash('sha256').update(`${server}\u0000${tool}`).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_TOOL_NAME - 9)}_${hash}`;
}

/** "<server>: <tool>(<exact JSON arguments>)", the arguments cut (and said to be) when very long. */
function summarizeCall(server: string, tool: string, args: unknown): string {
  const json = JSON.stringify(args ?? {}) ?? 'null';
  const shown =
    json.length <= MAX_SUMMARY_ARGUMENTS
      ? json
      : `${json.slice(0, MAX_SUMMARY_ARGUMENTS)}… (${json.length - MAX_SUMMARY_ARGUMENTS} more characters)`;
  return `${server}: ${tool}(${shown})`;
}

const ContentPartSchema = z
  .object({
    type: z.string(),
    text: z.string().optional(),
    mimeType: z.string().optional(),
    uri: z.string().optional(),
    resource: z.object({ uri: z.string().optional(), text: z.string().optional() }).loose().optional(),
  })
  .loose();

const CallResultSchema = z
  .object({
    content: z.array(ContentPartSchema).optional(),
    structuredContent: z.unknown().optional(),
    toolResult: z.unknown().optional(),
    isError: z.boolean().optional(),
  })
  .loose();

/** The words of a tool result: text parts joined by lines; other parts named; structured data as JSON. */
function textOf(result: z.infer<typeof CallResultSchema>): string {
  const parts: string[] = [];
  for (const part of result.content ?? []) {
    if (part.type === 'text' && part.text !== undefined) parts.push(part.text);
    else if (part.type === 'resource' && part.resource?.text !== undefined) parts.push(part.resource.text);
    else if (part.type === 'resource_link' && part.uri !== undefined) parts.push(`[link ${part.uri}]`);
    else parts.push(`[${part.type}${part.mimeType ? ` ${part.mimeType}` : ''}]`);
  }
  if (parts.length === 0 && result.structuredContent !== undefined)
    parts.push(JSON.stringify(result.structuredContent));
  if (parts.length === 0 && result.toolResult !== undefined) parts.push(JSON.stringify(result.toolResult));
  return parts.join('\n');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** Values of a server's configuration that are secret: header and env values, and credentials in its url. */
function secretsOf(server: McpServerConfig): string[] {
  const secrets = [...Object.values(server.headers ?? {}), ...Object.values(server.env ?? {})];
  if (server.url) {
    const url = new URL(server.url);
    if (url.username) secrets.push(url.username);
    if (url.password) secrets.push(url.password);
    for (const value of url.searchParams.values()) secrets.push(value);
  }
  // Longest first, so a secret that contains another is removed whole; very short values would blank out words.
  return secrets.filter((secret) => secret.length >= 4).sort((a, b) => b.length - a.length);
}

/** An error as one line for people, with the server's secrets taken out. */
function reasonOf(error: unknown, secrets: readonly string[]): string {
  let text = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') text = `the command was not found (${text})`;
  else if (text === 'Connection closed') text = 'the server exited or closed the connection before answering';
  // `fetch failed` says nothing by itself; the cause says why (connection refused, unknown host, …).
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (text === 'fetch failed' && cause)
    text = `${text}: ${typeof cause.code === 'string' ? cause.code : String(cause.message ?? 'unknown reason')}`;
  for (const secret of secrets) text = text.split(secret).join('[redacted]');
  return truncate(redactSecrets(text, undefined).replace(/\s+/g, ' ').trim(), 500);
}

// ---------------------------------------------------------------------------------------------------------------
// JSON Schema → Zod

/** A JSON Schema keyword Familiar cannot check; the tool is left out rather than called unchecked. */
class UnsupportedSchemaError extends Error {}

/** Keywords that describe but do not constrain (JSON Schema draft 7 and 2020-12, and common extensions). */
const ANNOTATIONS = new Set([
  '$schema',
  '$id',
  '$comment',
  '$defs',
  'definitions',
  'title',
  'description',
  'default',
  'examples',
  'format',
  'deprecated',
  'readOnly',
  'writeOnly',
  'contentMediaType',
  'contentEncoding',
  'nullable',
]);

/** Keywords handled by `zodFor`. */
const HANDLED = new Set([
  '$ref',
  'type',
  'enum',
  'const',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
  'properties',
  'required',
  'additionalProperties',
  'minProperties',
  'maxProperties',
  'items',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
]);

type JsonSchema = Record<string, unknown>;

/**
 * A Zod schema that accepts exactly what a tool's JSON Schema (draft 7 / 2020-12 subset) accepts: types, `enum`,
 * `const`, `anyOf`/`oneOf`/`allOf`/`not`, object and array shapes with their bounds, string and number bounds, and
 * local `$ref`s into `$defs`/`definitions`. Formats are annotations (as in 2020-12) and are not checked. At the top
 * level, properties the schema does not name are refused unless it allows them explicitly (as the AI SDK tells
 * models). A keyword outside this subset throws, so a tool is never called with arguments nobody checked.
 */
export function inputSchemaFrom(schema: unknown): z.ZodType<Record<string, unknown>> {
  if (!isObject(schema)) throw new UnsupportedSchemaError('the input schema is not an object');
  const root = schema;
  const topLevel: JsonSchema = { ...schema, type: schema.type ?? 'object' };
  if (topLevel.type !== 'object')
    throw new UnsupportedSchemaError('the input schema is not of type "object"');
  if (topLevel.additionalProperties === undefined) topLevel.additionalProperties = false;
  const references = new Map<string, z.ZodType>();
  return zodFor(topLevel, root, references, '') as z.ZodType<Record<string, unknown>>;
}

function zodFor(
  schema: unknown,
  root: JsonSchema,
  references: Map<string, z.ZodType>,
  at: string,
): z.ZodType {
  if (schema === true) return z.unknown();
  if (schema === false) return z.never();
  if (!isObject(schema)) throw new UnsupportedSchemaError(`${at || 'the schema'} is not a schema`);
  for (const key of Object.keys(schema))
    if (!HANDLED.has(key) && !ANNOTATIONS.has(key) && !key.startsWith('x-'))
      throw new UnsupportedSchemaError(`keyword "${key}" at ${at || 'the top'} is not supported`);

  const parts: z.ZodType[] = [];
  if (typeof schema.$ref === 'string') parts.push(referenceFor(schema.$ref, root, references));
  else if (schema.$ref !== undefined) throw new UnsupportedSchemaError(`$ref at ${at} is not a string`);

  const typed = typedSchema(schema, root, references, at);
  if (typed) parts.push(schema.nullable === true ? typed.nullable() : typed);

  if (schema.enum !== undefined) {
    if (!Array.isArray(schema.enum) || schema.enum.length === 0)
      throw new UnsupportedSchemaError(`enum at ${at} is not a list of values`);
    parts.push(valuesSchema(schema.enum));
  }
  if (schema.const !== undefined) parts.push(valuesSchema([schema.const]));
  if (schema.anyOf !== undefined)
    parts.push(unionOf(listOf(schema.anyOf, 'anyOf', at), root, references, `${at}/anyOf`));
  if (schema.oneOf !== undefined) {
    const options = listOf(schema.oneOf, 'oneOf', at).map((option, index) =>
      zodFor(option, root, references, `${at}/oneOf/${index}`),
    );
    const union =
      options.length === 1 ? options[0]! : z.union(options as [z.ZodType, z.ZodType, ...z.ZodType[]]);
    parts.push(
      union.superRefine((value, context) => {
        const matches = options.filter((option) => option.safeParse(value).success).length;
        if (matches !== 1)
          context.addIssue({
            code: 'custom',
            message: `must match exactly one of the options (matches ${matches})`,
          });
      }),
    );
  }
  if (schema.allOf !== undefined)
    for (const [index, option] of listOf(schema.allOf, 'allOf', at).entries())
      parts.push(zodFor(option, root, references, `${at}/allOf/${index}`));
  if (schema.not !== undefined) {
    const excluded = zodFor(schema.not, root, references, `${at}/not`);
    parts.push(
      z.unknown().superRefine((value, context) => {
        if (excluded.safeParse(value).success)
          context.addIssue({ code: 'custom', message: 'is a value not allowed here' });
      }),
    );
  }

  let result: z.ZodType = parts[0] ?? z.unknown();
  for (const part of parts.slice(1)) result = z.intersection(result, part);
  return typeof schema.description === 'string' ? result.describe(schema.description) : result;
}

function typedSchema(
  schema: JsonSchema,
  root: JsonSchema,
  references: Map<string, z.ZodType>,
  at: string,
): z.ZodType | null {
  let types: string[];
  if (typeof schema.type === 'string') types = [schema.type];
  else if (Array.isArray(schema.type) && schema.type.every((type) => typeof type === 'string'))
    types = schema.type as string[];
  else if (schema.type !== undefined) throw new UnsupportedSchemaError(`type at ${at} is not understood`);
  else {
    // No type: the shape keywords still say what is expected.
    types = [];
    if (
      ['properties', 'required', 'additionalProperties', 'minProperties', 'maxProperties'].some(
        (key) => key in schema,
      )
    )
      types.push('object');
    if (['items', 'minItems', 'maxItems', 'uniqueItems'].some((key) => key in schema)) types.push('array');
    if (['minLength', 'maxLength', 'pattern'].some((key) => key in schema)) types.push('string');
    if (
      ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'].some(
        (key) => key in schema,
      )
    )
      types.push('number');
    if (types.length === 0) return null;
  }
  const options = types.map((type) => singleType(type, schema, root, references, at));
  if (options.length === 0) return z.never();
  return options.length === 1 ? options[0]! : z.union(options as [z.ZodType, z.ZodType, ...z.ZodType[]]);
}

function singleType(
  type: string,
  schema: JsonSchema,
  root: JsonSchema,
  references: Map<string, z.ZodType>,
  at: string,
): z.ZodType {
  switch (type) {
    case 'string': {
      let result = z.string();
      if (typeof schema.minLength === 'number') result = result.min(schema.minLength);
      if (typeof schema.maxLength === 'number') result = result.max(schema.maxLength);
      if (typeof schema.pattern === 'string') {
        let pattern: RegExp;
        try {
          pattern = new RegExp(schema.pattern, 'u');
        } catch {
          throw new UnsupportedSchemaError(`pattern at ${at} is not a valid regular expression`);
        }
        result = result.regex(pattern, `must match ${schema.pattern}`);
      }
      return result;
    }
    case 'number':
    case 'integer': {
      let result = type === 'integer' ? z.number().int() : z.number();
      if (typeof schema.minimum === 'number')
        result = schema.exclusiveMinimum === true ? result.gt(schema.minimum) : result.gte(schema.minimum);
      if (typeof schema.maximum === 'number')
        result = schema.exclusiveMaximum === true ? result.lt(schema.maximum) : result.lte(schema.maximum);
      if (typeof schema.exclusiveMinimum === 'number') result = result.gt(schema.exclusiveMinimum);
      if (typeof schema.exclusiveMaximum === 'number') result = result.lt(schema.exclusiveMaximum);
      if (typeof schema.multipleOf === 'number' && schema.multipleOf > 0)
        result = result.multipleOf(schema.multipleOf);
      return result;
    }
    case 'boolean':
      return z.boolean();
    case 'null':
      return z.null();
    case 'array': {
      if (Array.isArray(schema.items))
        throw new UnsupportedSchemaError(`tuple "items" at ${at} is not supported`);
      let result = z.array(
        schema.items === undefined ? z.unknown() : zodFor(schema.items, root, references, `${at}/items`),
      );
      if (typeof schema.minItems === 'number') result = result.min(schema.minItems);
      if (typeof schema.maxItems === 'number') result = result.max(schema.maxItems);
      if (schema.uniqueItems === true)
        return result.refine(
          (items) => new Set(items.map((item) => canonicalJson(item))).size === items.length,
          'items must be unique',
        );
      return result;
    }
    case 'object': {
      const properties = schema.properties ?? {};
      if (!isObject(properties)) throw new UnsupportedSchemaError(`properties at ${at} is not an object`);
      const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
      const shape: Record<string, z.ZodType> = {};
      for (const [key, property] of Object.entries(properties)) {
        const value = zodFor(property, root, references, `${at}/${key}`);
        shape[key] = required.has(key) ? value : value.optional();
      }
      // Required names without a property schema must still be present.
      for (const key of required)
        if (!(key in shape)) shape[key] = z.unknown().refine((value) => value !== undefined);
      const additional = schema.additionalProperties;
      let result: z.ZodType<Record<string, unknown>>;
      if (additional === false) result = z.strictObject(shape);
      else if (additional === undefined || additional === true) result = z.looseObject(shape);
      else
        result = z.object(shape).catchall(zodFor(additional, root, references, `${at}/additionalProperties`));
      const { minProperties, maxProperties } = schema;
      if (typeof minProperties === 'number' || typeof maxProperties === 'number')
        result = result.refine((value) => {
          const count = Object.keys(value).length;
          return (
            (typeof minProperties !== 'number' || count >= minProperties) &&
            (typeof maxProperties !== 'number' || count <= maxProperties)
          );
        }, 'has the wrong number of properties');
      return result;
    }
    default:
      throw new UnsupportedSchemaError(`type "${type}" at ${at} is not a JSON Schema type`);
  }
}

function referenceFor(reference: string, root: JsonSchema, references: Map<string, z.ZodType>): z.ZodType {
  const existing = references.get(reference);
  if (existing) return existing;
  const match = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(reference);
  const table = match ? root[match[1]!] : undefined;
  const name = match ? decodeURIComponent(match[2]!.replace(/~1/g, '/').replace(/~0/g, '~')) : '';
  if (!match || !isObject(table) || !(name in table))
    throw new UnsupportedSchemaError(`$ref "${reference}" does not point into this schema's $defs`);
  // Lazy, so a schema that refers to itself (a tree) is built once and checked to any depth.
  const lazy: z.ZodType = z.lazy(() => resolved);
  references.set(reference, lazy);
  const resolved = zodFor(table[name], root, references, reference);
  return lazy;
}

function unionOf(
  options: unknown[],
  root: JsonSchema,
  references: Map<string, z.ZodType>,
  at: string,
): z.ZodType {
  const schemas = options.map((option, index) => zodFor(option, root, references, `${at}/${index}`));
  return schemas.length === 1 ? schemas[0]! : z.union(schemas as [z.ZodType, z.ZodType, ...z.ZodType[]]);
}

function valuesSchema(values: unknown[]): z.ZodType {
  const primitive = values.every(
    (value) => value === null || ['string', 'number', 'boolean'].includes(typeof value),
  ) as boolean;
  if (primitive) {
    const literals = values.map((value): z.ZodType => z.literal(value as string | number | boolean | null));
    return literals.length === 1 ? literals[0]! : z.union(literals as [z.ZodType, z.ZodType, ...z.ZodType[]]);
  }
  const allowed = new Set(values.map((value) => canonicalJson(value)));
  return z
    .unknown()
    .refine(
      (value) => allowed.has(canonicalJson(value)),
      `must be one of ${truncate(JSON.stringify(values), 200)}`,
    );
}

function listOf(value: unknown, keyword: string, at: string): unknown[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new UnsupportedSchemaError(`${keyword} at ${at || 'the top'} is not a list of schemas`);
  return value;
}

/** JSON with object keys sorted, so equal values compare equal as strings. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value))
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'undefined';
}

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
