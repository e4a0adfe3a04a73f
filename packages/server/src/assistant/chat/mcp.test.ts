import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpNotesServer } from '../../../test/fixtures/mcp/http-notes-server.ts';
import { tempHome } from '../../../test/support/processes.ts';
import { FamiliarError, ValidationError } from '../../kernel/errors.ts';
import type { Logger } from '../../kernel/logger.ts';
import { createMcpToolSource, inputSchemaFrom, type McpConfig, parseMcpConfig, toolNameFor } from './mcp.ts';
import type { ToolContext, ToolDefinition, ToolSource } from './tool-definition.ts';

const SERVER_ROOT = resolve(import.meta.dirname, '../../..');
const NOTES_SERVER = join(SERVER_ROOT, 'test/fixtures/mcp/notes-server.ts');
const CONTEXT: ToolContext = { userId: 'u1', actor: 'cli', timezone: 'Europe/London', now: 0 };

/** A logger whose lines are kept, to check what reaches the log. */
function recordingLogger(): { logger: Logger; lines: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines: () => chunks.join('') };
}

function notesServer(directory: string, extra: Partial<NonNullable<McpConfig['servers']>[number]> = {}) {
  return {
    name: 'notes',
    command: process.execPath,
    args: ['--import', 'tsx', NOTES_SERVER],
    cwd: SERVER_ROOT,
    env: {
      NOTES_SERVER_SENT_FILE: join(directory, 'sent.jsonl'),
      NOTES_SERVER_PID_FILE: join(directory, 'pid'),
      NOTES_SERVER_FAIL_FILE: join(directory, 'fail'),
      NOTES_API_TOKEN: 'notes-secret-token-1234',
    },
    tools: { read_note: 'read' as const, fail_always: 'local_write' as const },
    ...extra,
  };
}

function byName(tools: ToolDefinition[], name: string): ToolDefinition {
  const tool = tools.find((candidate) => candidate.name === name);
  if (!tool) throw new Error(`no tool ${name} in ${tools.map((candidate) => candidate.name).join(', ')}`);
  return tool;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((done) => setTimeout(done, 25));
  }
}

const sources: ToolSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((source) => source.close()));
});

function open(config: McpConfig, logger: Logger = recordingLogger().logger): ToolSource {
  const source = createMcpToolSource(config, { logger });
  sources.push(source);
  return source;
}

describe('MCP configuration', () => {
  it('needs exactly one of command and url, and says so', () => {
    expect(() => parseMcpConfig({ servers: [{ name: 'mail' }] })).toThrow(ValidationError);
    try {
      parseMcpConfig({ servers: [{ name: 'mail', command: 'mail-mcp', url: 'https://mail.example/mcp' }] });
      expect.unreachable();
    } catch (error) {
      expect((error as ValidationError).details).toEqual([
        'servers.0: server "mail" needs exactly one of "command" (a local program spoken to over stdio) or "url" (an http(s) MCP endpoint)',
      ]);
    }
  });

  it('refuses bad names, duplicate names, non-http urls, unknown tiers and unknown keys', () => {
    const cases: unknown[] = [
      { servers: [{ name: 'Mail', command: 'x' }] },
      { servers: [{ name: 'a b', command: 'x' }] },
      {
        servers: [
          { name: 'mail', command: 'x' },
          { name: 'mail', command: 'y' },
        ],
      },
      { servers: [{ name: 'mail', url: 'ftp://mail.example/mcp' }] },
      { servers: [{ name: 'mail', command: 'x', tools: { send: 'harmless' } }] },
      { servers: [{ name: 'mail', command: 'x', defaultTier: 'read', secret: 1 }] },
      { servers: [{ name: 'mail', url: 'https://mail.example/mcp', args: ['--x'] }] },
    ];
    for (const input of cases)
      expect(() => parseMcpConfig(input), JSON.stringify(input)).toThrow(ValidationError);
  });

  it('fills in the default tier: external', () => {
    const config = parseMcpConfig({ servers: [{ name: 'mail', url: 'https://mail.example/mcp' }] });
    expect(config.servers[0]?.defaultTier).toBe('external');
    expect(parseMcpConfig({}).servers).toEqual([]);
  });
});

describe('MCP tools from a real stdio server', () => {
  it('lists the tools with tiers from the config, never lowered by the server hints', async () => {
    const directory = tempHome('familiar-mcp-');
    const source = open({ servers: [notesServer(directory)] });
    const { tools, problems } = await source.tools();
    expect(problems).toEqual([]);
    expect(tools.map((tool) => [tool.name, tool.tier, tool.source]).sort()).toEqual([
      ['notes__fail_always', 'local_write', 'mcp:notes'],
      ['notes__read_note', 'read', 'mcp:notes'],
      // The server says send_message is read-only; it is not in the config, so it stays external.
      ['notes__send_message', 'external', 'mcp:notes'],
      ['notes__weird_name_tool', 'external', 'mcp:notes'],
    ]);
    expect(byName(tools, 'notes__read_note').description).toBe(
      'From the MCP server "notes": Reads one of the notes by its name.',
    );
  });

  it('calls a tool and returns its text', async () => {
    const directory = tempHome('familiar-mcp-');
    const { tools } = await open({ servers: [notesServer(directory)] }).tools();
    const read = byName(tools, 'notes__read_note');
    expect(await read.run(read.input.parse({ name: 'shopping' }), CONTEXT)).toBe('milk, eggs, bread');
    const weird = byName(tools, 'notes__weird_name_tool');
    expect(await weird.run({ count: 2 }, CONTEXT)).toBe('ok ok');
  });

  it('runs an external tool for real, summarising its exact arguments', async () => {
    const directory = tempHome('familiar-mcp-');
    const { tools } = await open({ servers: [notesServer(directory)] }).tools();
    const send = byName(tools, 'notes__send_message');
    const args = send.input.parse({
      to: 'sam@example.com',
      text: 'The deck is attached "v2"',
      priority: 'high',
    });
    expect(send.summarize(args)).toBe(
      'notes: send_message({"to":"sam@example.com","text":"The deck is attached \\"v2\\"","priority":"high"})',
    );
    expect(await send.run(args, CONTEXT)).toBe('sent to sam@example.com\ndelivery: queued');
    const sent = readFileSync(join(directory, 'sent.jsonl'), 'utf8').trim().split('\n');
    expect(sent.map((line) => JSON.parse(line))).toEqual([
      { to: 'sam@example.com', text: 'The deck is attached "v2"', priority: 'high' },
    ]);
  });

  it('rejects bad arguments before the server sees them', async () => {
    const directory = tempHome('familiar-mcp-');
    const { tools } = await open({ servers: [notesServer(directory)] }).tools();
    const send = byName(tools, 'notes__send_message');
    const bad: unknown[] = [
      { to: 'not-an-email', text: 'hi' },
      { to: 'sam@example.com' },
      { to: 'sam@example.com', text: 'hi', priority: 'urgent' },
      { to: 'sam@example.com', text: 'hi', bcc: 'eve@example.com' },
      { to: 'sam@example.com', text: 'x'.repeat(501) },
      'send it',
    ];
    for (const input of bad) {
      expect(send.input.safeParse(input).success, JSON.stringify(input)).toBe(false);
      await expect(send.run(input, CONTEXT)).rejects.toBeInstanceOf(ValidationError);
    }
    expect(existsSync(join(directory, 'sent.jsonl'))).toBe(false);
    expect(byName(tools, 'notes__weird_name_tool').input.safeParse({ count: 1.5 }).success).toBe(false);
  });

  it('turns a tool error into a tool_failed error', async () => {
    const directory = tempHome('familiar-mcp-');
    const { tools } = await open({ servers: [notesServer(directory)] }).tools();
    const failing = byName(tools, 'notes__fail_always').run({}, CONTEXT);
    await expect(failing).rejects.toBeInstanceOf(FamiliarError);
    await expect(failing).rejects.toMatchObject({
      code: 'tool_failed',
      message: 'notes: fail_always failed: the mail server refused the connection',
    });
    await expect(byName(tools, 'notes__read_note').run({ name: 'diary' }, CONTEXT)).rejects.toMatchObject({
      code: 'tool_failed',
      message: 'notes: read_note failed: no note named diary',
    });
  });

  it('never runs a tool the config forbids', async () => {
    const directory = tempHome('familiar-mcp-');
    const server = notesServer(directory, { tools: { send_message: 'forbidden' } });
    const { tools } = await open({ servers: [server] }).tools();
    const send = byName(tools, 'notes__send_message');
    expect(send.tier).toBe('forbidden');
    await expect(send.run({ to: 'sam@example.com', text: 'hi' }, CONTEXT)).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect(existsSync(join(directory, 'sent.jsonl'))).toBe(false);
  });

  it('reports a server whose command does not exist as a problem, without secrets, and keeps the others', async () => {
    const directory = tempHome('familiar-mcp-');
    const { logger, lines } = recordingLogger();
    const source = open(
      {
        servers: [
          {
            name: 'ghost',
            command: join(directory, 'no-such-mcp-server'),
            env: { GHOST_TOKEN: 'ghost-secret-token-5678' },
          },
          notesServer(directory),
        ],
      },
      logger,
    );
    const { tools, problems } = await source.tools();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^ghost: could not be reached: the command was not found/);
    expect(tools.filter((tool) => tool.source === 'mcp:notes')).toHaveLength(4);
    expect(await byName(tools, 'notes__read_note').run({ name: 'ideas' }, CONTEXT)).toBe(
      'a bike ride along the canal',
    );
    const everything = `${problems.join('\n')}\n${lines()}`;
    expect(everything).toContain('ghost');
    expect(everything).not.toContain('ghost-secret-token-5678');
    expect(everything).not.toContain('notes-secret-token-1234');
  });

  it('reports a server that dies at start, and reconnects on the next tools() once it works', async () => {
    const directory = tempHome('familiar-mcp-');
    writeFileSync(join(directory, 'fail'), 'yes');
    const source = open({ servers: [notesServer(directory)] });
    const first = await source.tools();
    expect(first.tools).toEqual([]);
    expect(first.problems).toHaveLength(1);
    expect(first.problems[0]).toMatch(/^notes: could not be reached: /);
    rmSync(join(directory, 'fail'));
    const second = await source.tools();
    expect(second.problems).toEqual([]);
    expect(second.tools).toHaveLength(4);
  });

  it('starts the server once however many ask at the same time, and close kills it', async () => {
    const directory = tempHome('familiar-mcp-');
    const source = createMcpToolSource(
      { servers: [notesServer(directory)] },
      { logger: recordingLogger().logger },
    );
    const [first, second] = await Promise.all([source.tools(), source.tools()]);
    expect(first.tools).toHaveLength(4);
    expect(second.tools).toHaveLength(4);
    const pid = Number(readFileSync(join(directory, 'pid'), 'utf8'));
    expect(isAlive(pid)).toBe(true);
    await source.close();
    await waitFor(() => !isAlive(pid));
    expect(await source.tools()).toEqual({ tools: [], problems: ['the MCP tool source is closed'] });
  });

  it('starts the server again when it died between calls', async () => {
    const directory = tempHome('familiar-mcp-');
    const source = open({ servers: [notesServer(directory)] });
    const { tools } = await source.tools();
    const firstPid = Number(readFileSync(join(directory, 'pid'), 'utf8'));
    process.kill(firstPid, 'SIGKILL');
    await waitFor(() => !isAlive(firstPid));
    // Give the client a moment to see the pipe close (a call already sent when a server dies fails, and is not
    // repeated: it may have had an effect).
    await new Promise((done) => setTimeout(done, 300));
    // The tool definition from before still works: the call starts a fresh server.
    expect(await byName(tools, 'notes__read_note').run({ name: 'shopping' }, CONTEXT)).toBe(
      'milk, eggs, bread',
    );
    const secondPid = Number(readFileSync(join(directory, 'pid'), 'utf8'));
    expect(secondPid).not.toBe(firstPid);
    expect(isAlive(secondPid)).toBe(true);
  });
});

describe('MCP tools from a real HTTP server', () => {
  it('sends the configured headers and calls the tool', async () => {
    const server = await startHttpNotesServer('http-secret-token-9012');
    try {
      const source = open({
        servers: [
          { name: 'remote', url: server.url, headers: { Authorization: 'Bearer http-secret-token-9012' } },
        ],
      });
      const { tools, problems } = await source.tools();
      expect(problems).toEqual([]);
      const whoami = byName(tools, 'remote__whoami');
      expect(whoami.tier).toBe('external');
      expect(await whoami.run({ greeting: 'hi' }, CONTEXT)).toBe('hi, authorised caller');
      expect(server.requests.length).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  it('reports a refused credential as a problem without repeating it', async () => {
    const server = await startHttpNotesServer('http-secret-token-9012');
    try {
      const { logger, lines } = recordingLogger();
      const source = open(
        {
          servers: [
            {
              name: 'remote',
              url: `${server.url}?key=query-secret-3456`,
              headers: { Authorization: 'Bearer wrong-secret-token-7890' },
            },
          ],
        },
        logger,
      );
      const { tools, problems } = await source.tools();
      expect(tools).toEqual([]);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^remote: could not be reached: /);
      const everything = `${problems.join('\n')}\n${lines()}`;
      expect(everything).not.toContain('wrong-secret-token-7890');
      expect(everything).not.toContain('query-secret-3456');
    } finally {
      await server.close();
    }
  });
});

describe('JSON Schema checks', () => {
  it('checks types, bounds, enums, unions and nested objects', () => {
    const schema = inputSchemaFrom({
      type: 'object',
      properties: {
        title: { type: 'string', minLength: 1, maxLength: 10 },
        count: { type: 'integer', minimum: 0, exclusiveMaximum: 5 },
        mode: { enum: ['fast', 'slow', 3] },
        when: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        tags: { type: 'array', items: { type: 'string' }, uniqueItems: true, maxItems: 3 },
        meta: {
          type: 'object',
          properties: { id: { const: 'x' } },
          additionalProperties: { type: 'number' },
        },
      },
      required: ['title'],
    });
    expect(schema.safeParse({ title: 'a', count: 4, mode: 3, when: null, tags: ['a', 'b'] }).success).toBe(
      true,
    );
    expect(schema.safeParse({ title: 'a', meta: { id: 'x', extra: 2 } }).success).toBe(true);
    for (const bad of [
      {},
      { title: '' },
      { title: 'a', count: 5 },
      { title: 'a', count: 1.5 },
      { title: 'a', mode: 'medium' },
      { title: 'a', when: 3 },
      { title: 'a', tags: ['a', 'a'] },
      { title: 'a', meta: { id: 'y' } },
      { title: 'a', meta: { id: 'x', extra: 'two' } },
      { title: 'a', unknown: true },
    ])
      expect(schema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });

  it('follows local $refs, also recursive ones, and checks oneOf and not', () => {
    const schema = inputSchemaFrom({
      type: 'object',
      $defs: {
        node: {
          type: 'object',
          properties: {
            value: { type: 'number' },
            children: { type: 'array', items: { $ref: '#/$defs/node' } },
          },
          required: ['value'],
        },
      },
      properties: {
        tree: { $ref: '#/$defs/node' },
        pick: {
          oneOf: [
            { type: 'number', multipleOf: 2 },
            { type: 'number', multipleOf: 3 },
          ],
        },
        name: { type: 'string', not: { const: 'admin' } },
      },
    });
    expect(schema.safeParse({ tree: { value: 1, children: [{ value: 2, children: [] }] } }).success).toBe(
      true,
    );
    expect(schema.safeParse({ tree: { value: 1, children: [{ children: [] }] } }).success).toBe(false);
    expect(schema.safeParse({ pick: 4 }).success).toBe(true);
    expect(schema.safeParse({ pick: 6 }).success).toBe(false);
    expect(schema.safeParse({ name: 'sam' }).success).toBe(true);
    expect(schema.safeParse({ name: 'admin' }).success).toBe(false);
  });

  it('refuses schemas it cannot check, so such a tool is never called unchecked', () => {
    expect(() => inputSchemaFrom({ type: 'object', patternProperties: { '^x': {} } })).toThrow(
      /patternProperties/,
    );
    expect(() =>
      inputSchemaFrom({ type: 'object', properties: { a: { $ref: 'https://x.example/s' } } }),
    ).toThrow();
    expect(() => inputSchemaFrom({ type: 'string' })).toThrow();
  });
});

describe('tool names', () => {
  it('keeps only the characters providers accept and stays within 64, unique and stable', () => {
    expect(toolNameFor('mail', 'send.message/v2')).toBe('mail__send_message_v2');
    const long = toolNameFor('mail', 'a'.repeat(100));
    expect(long).toHaveLength(64);
    expect(long).toMatch(/^[a-zA-Z0-9_-]+$/);
    expect(toolNameFor('mail', 'a'.repeat(100))).toBe(long);
    expect(toolNameFor('mail', `${'a'.repeat(99)}b`)).not.toBe(long);
  });
});
