import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createSilentLogger } from '../src/kernel/index.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { clientObservation, jsonRequest } from './support/observations.ts';
import { FAMILIAR_BIN, runCli, runCliJson, tempHome } from './support/processes.ts';

// biome-ignore lint/suspicious/noExplicitAny: results are asserted field by field, like an agent would read them
type Structured = any;

const KEYS_NOTE = 'The spare keys are in the blue bowl by the front door.';
const SAM_NOTE = 'Lunch with Sam Lee today: Sam Lee loves bouldering and is moving to Lisbon in May.';

/** The first text block of a tool result. */
function textOf(result: CallToolResult): string {
  const first = result.content[0];
  return first?.type === 'text' ? first.text : '';
}

/** The environment for a child `familiar`, without unset variables. */
function childEnv(home: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
  return { ...env, FAMILIAR_HOME: home, FAMILIAR_LOG_LEVEL: 'warn' };
}

/** JSON-RPC lines a client writes: initialize, then the given calls (ids from 2). */
function protocolLines(calls: Array<{ name: string; arguments: Record<string, unknown> }>): string {
  const messages = [
    {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'sh', version: '1' } },
    },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    ...calls.map((params, index) => ({ jsonrpc: '2.0', id: index + 2, method: 'tools/call', params })),
  ];
  return messages.map((message) => `${JSON.stringify(message)}\n`).join('');
}

/** Runs `familiar mcp` with `input` on stdin (then closes it) and collects stdout, stderr and the exit. */
function pipeThroughMcp(home: string, args: readonly string[], input: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [FAMILIAR_BIN, 'mcp', ...args], {
      env: childEnv(home),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`familiar mcp did not exit after stdin closed:\n${stderr}`));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

describe('familiar mcp over stdio (the real CLI)', () => {
  let home: string;

  beforeAll(async () => {
    home = tempHome();
    expect((await runCli(home, ['user', 'add', 'ada', '--timezone', 'Europe/London'])).code).toBe(0);
    expect((await runCli(home, ['people', 'add', 'Sam Lee', '--alias', 'Sammy'])).code).toBe(0);
    const keys = join(home, 'keys.md');
    const lunch = join(home, 'lunch.md');
    writeFileSync(keys, `# Keys\n${KEYS_NOTE}\n`);
    writeFileSync(lunch, `# Lunch\n${SAM_NOTE}\n`);
    const ingested = await runCli(home, ['ingest', keys, lunch]);
    expect(ingested.code, ingested.stderr).toBe(0);
  });

  it('serves the memory to an MCP client: tools, search, a person, and tool errors for bad input', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [FAMILIAR_BIN, 'mcp', '--user', 'ada'],
      env: childEnv(home),
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const client = new Client({ name: 'desktop-assistant', version: '1.0.0' });
    const problems: Error[] = [];
    client.onerror = (error) => problems.push(error);
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual([
        'get_person',
        'get_timeline',
        'list_goals',
        'list_inbox',
        'search_memory',
      ]);

      const found = (await client.callTool({
        name: 'search_memory',
        arguments: { query: 'where are the spare keys?' },
      })) as CallToolResult;
      expect(found.isError, textOf(found)).toBeFalsy();
      const moments = (found.structuredContent as Structured).moments;
      expect(moments[0].text).toContain(KEYS_NOTE);
      expect(moments[0]).toMatchObject({ modality: 'note', trust: 'authored' });
      expect(moments[0].capturedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

      const person = (await client.callTool({
        name: 'get_person',
        arguments: { name: 'Sammy' },
      })) as CallToolResult;
      expect(person.isError, textOf(person)).toBeFalsy();
      const view = person.structuredContent as Structured;
      // By default names from the people list leave as placeholders, as before a cloud model (mcpServer.redact)…
      expect(view.person).toMatchObject({ optedOut: false });
      expect(view.person.name).toMatch(/^\[PERSON_\d+\]$/);
      expect(textOf(person)).not.toContain('Sam Lee');
      expect(textOf(person)).not.toContain('Sammy');
      expect(view.person).toHaveProperty('lastMentionedAt');
      expect(Array.isArray(view.facts)).toBe(true);
      // …and a placeholder sent back in a later call of the session stands for the name.
      const again = (await client.callTool({
        name: 'get_person',
        arguments: { name: view.person.name },
      })) as CallToolResult;
      expect(again.isError, textOf(again)).toBeFalsy();
      expect((again.structuredContent as Structured).person.id).toBe(view.person.id);

      const timeline = (await client.callTool({
        name: 'get_timeline',
        arguments: { modality: 'note', limit: 1 },
      })) as CallToolResult;
      expect((timeline.structuredContent as Structured).observations).toHaveLength(1);
      expect((timeline.structuredContent as Structured).nextCursor).toEqual(expect.any(String));

      const bad = (await client.callTool({
        name: 'search_memory',
        arguments: { query: 'keys', limit: 500 },
      })) as CallToolResult;
      expect(bad.isError).toBe(true);
      expect(textOf(bad)).toContain('limit is at most 20');
      const nobody = (await client.callTool({
        name: 'get_person',
        arguments: { name: 'Nobody Atall' },
      })) as CallToolResult;
      expect(nobody.isError).toBe(true);
      expect(textOf(nobody)).toContain('not_found');

      // Every line on stdout parsed as a protocol message (a stray line would have reached onerror).
      expect(problems).toEqual([]);
    } finally {
      await client.close();
    }
    expect(stderr).toContain('Familiar MCP server for ada on stdio');
  }, 60_000);

  it('writes only JSON-RPC on stdout, answers everything asked before stdin closed, then exits', async () => {
    const input = protocolLines([
      { name: 'search_memory', arguments: { query: 'spare keys' } },
      { name: 'list_goals', arguments: {} },
      { name: 'list_inbox', arguments: { status: 'all' } },
    ]);
    const started = performance.now();
    const result = await pipeThroughMcp(home, ['--user', 'ada'], input);
    const seconds = (performance.now() - started) / 1000;
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n').filter((line) => line !== '');
    const messages = lines.map((line) => JSON.parse(line) as { jsonrpc: string; id: number });
    expect(messages.every((message) => message.jsonrpc === '2.0')).toBe(true);
    expect(messages.map((message) => message.id).sort()).toEqual([1, 2, 3, 4]);
    expect(result.stderr).not.toContain('"jsonrpc"');
    expect(seconds).toBeLessThan(20);

    // The store was closed cleanly: the audit log (read by another process) has the calls, keys only.
    const audit = await runCliJson<Array<{ action: string; actor: string; details: unknown }>>(home, [
      'audit',
      '--limit',
      '200',
    ]);
    const calls = audit.filter((event) => event.action === 'mcp.tool');
    expect(calls.length).toBeGreaterThanOrEqual(8);
    expect(calls.every((event) => event.actor === 'mcp:cli')).toBe(true);
    expect(calls).toContainEqual(
      expect.objectContaining({
        details: {
          tool: 'search_memory',
          arguments: ['query'],
          outcome: 'ok',
          redaction: { enabled: true, counts: expect.any(Object) },
        },
      }),
    );
    // The call refused for its limit is recorded too.
    expect(calls).toContainEqual(
      expect.objectContaining({
        details: {
          tool: 'search_memory',
          arguments: ['limit', 'query'],
          outcome: 'error',
          redaction: { enabled: true, counts: {} },
        },
      }),
    );
    expect(JSON.stringify(calls)).not.toContain('spare keys');
    expect(JSON.stringify(calls)).not.toContain('Sammy');
  }, 60_000);

  it('stops cleanly on SIGTERM, and says on stderr when the user does not exist', async () => {
    const child = spawn(process.execPath, [FAMILIAR_BIN, 'mcp'], {
      env: childEnv(home),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdin.write(protocolLines([]));
    await expect.poll(() => stdout, { timeout: 20_000 }).toContain('"id":1');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).not.toContain('Error');

    const missing = await pipeThroughMcp(home, ['--user', 'zed'], '');
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain('no user named "zed"');
  }, 60_000);
});

describe('the MCP endpoint of the server (Streamable HTTP, device tokens)', () => {
  let server: RunningServer;
  let ada: string;
  let bo: string;
  let adaId: string;

  async function connect(token: string): Promise<Client> {
    const client = new Client({ name: 'remote-agent', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/v1/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    return client;
  }
  const search = async (client: Client, query: string) =>
    (await client.callTool({ name: 'search_memory', arguments: { query } })) as CallToolResult;

  beforeAll(async () => {
    server = await startServer(
      loadConfig({ FAMILIAR_HOME: tempHome(), FAMILIAR_PORT: '0' }),
      createSilentLogger(),
      { hub: { pollMs: 60_000 } },
    );
    adaId = (await server.familiar.accounts.addUser({ name: 'ada', timezone: 'Europe/London' })).id;
    await server.familiar.accounts.addUser({ name: 'bo', timezone: 'UTC' });
    ada = (await server.familiar.accounts.addDevice({ userName: 'ada', name: 'glasses' })).token;
    bo = (await server.familiar.accounts.addDevice({ userName: 'bo', name: 'phone' })).token;
    await server.familiar.people.add({
      id: '01JSAMLEE00000000000000000',
      userId: adaId,
      name: 'Sam Lee',
      aliases: [],
      optedOut: false,
      createdAt: Date.now(),
      updatedAt: Date.now(),
    });
    for (const [token, text] of [
      [ada, KEYS_NOTE],
      [ada, SAM_NOTE],
      [bo, 'The bicycle lock code is written inside the red notebook.'],
    ] as const) {
      const response = await fetch(
        `${server.url}/v1/observations`,
        jsonRequest(token, { observations: [clientObservation(text)] }),
      );
      expect(response.status).toBe(200);
    }
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it('lists the tools and searches memory with a device token', async () => {
    const client = await connect(ada);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(
        expect.arrayContaining(['search_memory', 'get_timeline', 'list_goals', 'list_inbox', 'get_person']),
      );
      const found = await search(client, 'spare keys');
      expect(found.isError, textOf(found)).toBeFalsy();
      expect((found.structuredContent as Structured).moments[0].text).toBe(KEYS_NOTE);
      const goals = (await client.callTool({ name: 'list_goals', arguments: {} })) as CallToolResult;
      expect(goals.structuredContent).toEqual({ goals: [] });
      // Names on the people list leave as placeholders, stable from one request to the next (stateless HTTP).
      const lunch = await search(client, 'bouldering');
      expect(textOf(lunch)).not.toContain('Sam Lee');
      const placeholder = /\[PERSON_\d+\]/.exec(textOf(lunch))?.[0];
      expect(placeholder).toBeDefined();
      const person = (await client.callTool({
        name: 'get_person',
        arguments: { name: placeholder },
      })) as CallToolResult;
      expect(person.isError, textOf(person)).toBeFalsy();
      expect((person.structuredContent as Structured).person.name).toBe(placeholder);
    } finally {
      await client.close();
    }
  }, 30_000);

  it('refuses a request without a valid token (401) and GET or DELETE (405: stateless)', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    expect((await fetch(`${server.url}/v1/mcp`, { method: 'POST', headers, body })).status).toBe(401);
    const forged = await fetch(`${server.url}/v1/mcp`, {
      method: 'POST',
      headers: { ...headers, authorization: 'Bearer fam_not-a-real-token' },
      body,
    });
    expect(forged.status).toBe(401);
    await expect(connect('fam_not-a-real-token')).rejects.toThrow();
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(`${server.url}/v1/mcp`, {
        method,
        headers: { authorization: `Bearer ${ada}`, accept: 'text/event-stream' },
      });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    }
  });

  it("scopes each token to its own user: bo's agent never sees ada's memory", async () => {
    const client = await connect(bo);
    try {
      const theirs = await search(client, 'spare keys front door bowl');
      expect(JSON.stringify(theirs.structuredContent)).not.toContain('spare keys');
      const own = await search(client, 'bicycle lock code');
      expect((own.structuredContent as Structured).moments[0].text).toContain('red notebook');
      const timeline = (await client.callTool({ name: 'get_timeline', arguments: {} })) as CallToolResult;
      const texts = (timeline.structuredContent as Structured).observations.map(
        (observation: { text: string }) => observation.text,
      );
      expect(texts).toEqual(['The bicycle lock code is written inside the red notebook.']);
    } finally {
      await client.close();
    }
  }, 30_000);

  it("records each call in the caller's audit log as mcp.tool, with argument keys and no values", async () => {
    const client = await connect(ada);
    try {
      await search(client, 'where did I put the spare keys');
      await client.callTool({ name: 'get_person', arguments: { name: 'Nobody' } });
    } finally {
      await client.close();
    }
    const events = await server.familiar.audit.list(adaId, { action: 'mcp.tool', limit: 50 });
    const device = (await server.familiar.accounts.listDevices('ada'))[0]!;
    expect(events[0]).toMatchObject({
      actor: `mcp:device:${device.id}`,
      target: 'get_person',
      details: { tool: 'get_person', arguments: ['name'], outcome: 'error' },
    });
    expect(events[1]).toMatchObject({
      target: 'search_memory',
      details: { tool: 'search_memory', arguments: ['query'], outcome: 'ok' },
    });
    const logged = JSON.stringify(events);
    expect(logged).not.toContain('spare keys');
    expect(logged).not.toContain('Nobody');
  }, 30_000);
});
