import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createDeviceClient } from '@familiar/device-sdk';
import type { ServerMessage } from '@familiar/protocol';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.ts';
import { createSilentLogger } from '../src/kernel/index.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { tempHome } from './support/processes.ts';
import { RawDevice } from './support/raw-device.ts';
import {
  hasToolResult,
  offeredTools,
  openAiToolCompletion,
  type ReplayServer,
  startReplayServer,
  writeReplayModelConfig,
} from './support/replay-server.ts';

type Reply = Extract<ServerMessage, { type: 'chat-reply' }>;
type ActionMessage = Extract<ServerMessage, { type: 'action' }>;
type ErrorMessage = Extract<ServerMessage, { type: 'error' }>;

const SERVER_ROOT = resolve(import.meta.dirname, '..');
const NOTES_SERVER = join(SERVER_ROOT, 'test/fixtures/mcp/notes-server.ts');
const TOOL = 'notes__send_message';
const DRAFTED = 'I drafted the message to Sam; it waits for your confirmation.';
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 0xff, 0xd9]);

const FIRST = { to: 'sam@example.com', text: "I'm running late, there in 15 minutes", priority: 'high' };
const SECOND = { to: 'sam@example.com', text: 'Actually, cancel lunch today', priority: 'low' };
const THIRD = { to: 'jo@example.com', text: 'See you at the gym at six', priority: 'normal' };

const byId =
  <T extends ServerMessage['type']>(type: T, id: string) =>
  (m: ServerMessage): boolean =>
    m.type === type && 'id' in m && m.id === id;
const errorOf = (id: string) => byId('error', id);

const asRecord = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};

describe('device stream: chat without a model', () => {
  let server: RunningServer;
  let token: string;

  beforeEach(async () => {
    const home = tempHome();
    server = await startServer(
      loadConfig({ FAMILIAR_HOME: home, FAMILIAR_PORT: '0' }),
      createSilentLogger(),
      { hub: { pollMs: 100 } },
    );
    await server.familiar.accounts.addUser({ name: 'ada', timezone: 'UTC' });
    token = (await server.familiar.accounts.addDevice({ userName: 'ada', name: 'glasses' })).token;
  });
  afterEach(async () => {
    await server.close();
  });

  it('answers a structured command by rules: chat-delta, then chat-reply with the rule', async () => {
    const { device } = await RawDevice.connect(server.url, token);
    device.json({ type: 'chat', id: 'c1', message: 'what are my goals' });
    // Media keeps flowing beside the chat.
    device.media('camera', 1, 'image/jpeg', JPEG);
    await device.ack('camera', 1);
    const reply = (await device.next(byId('chat-reply', 'c1'))) as Reply;
    expect(reply).toMatchObject({ id: 'c1', rule: 'list_goals', model: null, pendingActions: [] });
    expect(reply.reply).toContain('Done by rules');
    const deltas = device.received.filter(
      (m): m is Extract<ServerMessage, { type: 'chat-delta' }> => m.type === 'chat-delta' && m.id === 'c1',
    );
    expect(deltas.map((m) => m.text).join('')).toBe(reply.reply);
    expect(device.received.indexOf(deltas[0]!)).toBeLessThan(device.received.indexOf(reply));
    device.close();
  });

  it('ends a decide on an unknown or malformed action with a not_found error and keeps the socket open', async () => {
    const { device } = await RawDevice.connect(server.url, token);
    device.json({ type: 'decide', id: 'd1', actionId: '01JC0000000000000000000099', decision: 'confirm' });
    device.json({ type: 'decide', id: 'd2', actionId: 'not-an-action', decision: 'reject' });
    expect(await device.next(errorOf('d1'))).toMatchObject({ code: 'not_found', fatal: false });
    expect(await device.next(errorOf('d2'))).toMatchObject({ code: 'not_found', fatal: false });
    device.json({ type: 'ping', id: 'p1', deviceTime: Date.now() });
    await device.next((m) => m.type === 'pong');
    device.close();
  });

  it('closes the socket on a chat message that breaks the protocol (empty, or an unknown field)', async () => {
    const { device } = await RawDevice.connect(server.url, token);
    device.json({ type: 'chat', id: 'c1', message: '   ' });
    expect(await device.closed).toMatchObject({ code: 4400 });
    const second = (await RawDevice.connect(server.url, token)).device;
    second.json({ type: 'decide', id: 'd1', actionId: 'x', decision: 'maybe' });
    expect(await second.closed).toMatchObject({ code: 4400 });
  });
});

/** An external MCP tool the replayed model calls: it waits for the person's decision on the device. */
describe('device stream: chat proposes an external action, the device decides', () => {
  let replay: ReplayServer;
  let server: RunningServer;
  let home: string;
  let sentFile: string;
  let token: string;
  let deviceId: string;
  let userId: string;
  /** The arguments the replayed model calls the tool with next. */
  let nextArguments: Record<string, string> = FIRST;

  const sentLines = (): unknown[] =>
    existsSync(sentFile)
      ? readFileSync(sentFile, 'utf8')
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line))
      : [];

  beforeAll(async () => {
    replay = await startReplayServer();
    replay.script('POST', '/v1/chat/completions', [
      (request) => {
        // Requests without the MCP tool (memory catching up, if it asks a model) get plain text.
        if (!offeredTools(request).includes(TOOL))
          return openAiToolCompletion(request, { content: 'Nothing to add.' });
        if (hasToolResult(request)) return openAiToolCompletion(request, { content: DRAFTED });
        return openAiToolCompletion(request, {
          toolCall: { id: 'call_send_1', name: TOOL, arguments: JSON.stringify(nextArguments) },
        });
      },
    ]);
  });
  afterAll(async () => {
    await replay?.close();
  });
  beforeEach(async () => {
    vi.stubEnv('TEST_LLM_KEY', 'device-chat-key');
    home = tempHome();
    sentFile = join(home, 'sent.jsonl');
    writeReplayModelConfig(home, replay.url);
    const config = JSON.parse(readFileSync(join(home, 'familiar.config.json'), 'utf8'));
    config.mcp = {
      servers: [
        {
          name: 'notes',
          command: process.execPath,
          args: ['--import', 'tsx', NOTES_SERVER],
          cwd: SERVER_ROOT,
          env: { NOTES_SERVER_SENT_FILE: sentFile },
          tools: { read_note: 'read' },
        },
      ],
    };
    writeFileSync(join(home, 'familiar.config.json'), JSON.stringify(config, null, 2));
    server = await startServer(
      loadConfig({ FAMILIAR_HOME: home, FAMILIAR_PORT: '0' }),
      createSilentLogger(),
      { hub: { pollMs: 100 } },
    );
    userId = (await server.familiar.accounts.addUser({ name: 'ada', timezone: 'Europe/Paris' })).id;
    const added = await server.familiar.accounts.addDevice({ userName: 'ada', name: 'glasses' });
    token = added.token;
    deviceId = added.device.id;
  }, 60_000);
  afterEach(async () => {
    vi.unstubAllEnvs();
    await server.close();
  });

  it('carries the pending action in chat-reply, runs it once on confirm, and refuses a second decide', async () => {
    nextArguments = FIRST;
    const { device } = await RawDevice.connect(server.url, token);
    device.json({ type: 'chat', id: 'c1', message: "message Sam that I'm running late" });
    const reply = (await device.next(byId('chat-reply', 'c1'), 45_000)) as Reply;
    expect(reply).toMatchObject({
      model: 'local:replayed-model',
      rule: null,
      reply: DRAFTED,
      toolCalls: [{ name: TOOL, tier: 'external', status: 'awaiting_confirmation' }],
    });
    expect(reply.pendingActions).toHaveLength(1);
    const action = reply.pendingActions[0]!;
    expect(action).toMatchObject({
      tool: TOOL,
      status: 'pending',
      arguments: FIRST,
      decidedBy: null,
      requestedBy: `chat:device:${deviceId}`,
    });
    expect(action.summary).toContain('send_message');
    // Proposed, not done.
    expect(sentLines()).toEqual([]);

    device.json({ type: 'decide', id: 'd1', actionId: action.id, decision: 'confirm' });
    const decided = (await device.next(byId('action', 'd1'), 30_000)) as ActionMessage;
    expect(decided.action).toMatchObject({
      id: action.id,
      status: 'done',
      arguments: FIRST,
      decidedBy: `device:${deviceId}`,
    });
    expect(JSON.stringify(decided.action.result)).toContain('sent to sam@example.com');
    expect(sentLines()).toEqual([FIRST]);

    device.json({ type: 'decide', id: 'd2', actionId: action.id, decision: 'confirm' });
    const again = (await device.next(errorOf('d2'))) as ErrorMessage;
    expect(again).toMatchObject({
      code: 'conflict',
      fatal: false,
      details: { id: action.id, status: 'done' },
    });
    device.json({ type: 'decide', id: 'd3', actionId: action.id, decision: 'reject' });
    expect(await device.next(errorOf('d3'))).toMatchObject({ code: 'conflict' });
    expect(sentLines()).toEqual([FIRST]);
    expect(device.received.some((m) => m.type === 'action' && m.id !== 'd1')).toBe(false);
    device.close();

    // The audit log names the device as the one who confirmed.
    const confirms = (await server.familiar.audit.list(userId)).filter(
      (event) => event.action === 'assistant.confirm',
    );
    expect(confirms).toEqual([expect.objectContaining({ actor: `device:${deviceId}`, target: action.id })]);
  }, 90_000);

  it('rejects through the device SDK: the action never runs and cannot be confirmed afterwards', async () => {
    const client = createDeviceClient({ url: server.url, token, WebSocket, reconnect: false });
    await client.connect();
    nextArguments = SECOND;
    const pieces: string[] = [];
    const reply = await client.chat('tell Sam lunch is off', {
      history: [
        { role: 'user', content: 'who am I meeting for lunch?' },
        { role: 'assistant', content: 'Sam, at noon.' },
      ],
      onDelta: (text) => pieces.push(text),
    });
    expect(pieces.join('')).toBe(DRAFTED);
    expect(reply.pendingActions).toHaveLength(1);
    const proposal = reply.pendingActions[0]!;
    expect(proposal).toMatchObject({ tool: TOOL, status: 'pending', arguments: SECOND });
    // The history reached the model as earlier turns.
    const sent = replay.requests.filter((request) => offeredTools(request).includes(TOOL)).at(-2)!;
    expect(JSON.stringify(asRecord(sent.json).messages)).toContain('Sam, at noon.');

    const rejected = await client.decide(proposal.id, 'reject');
    expect(rejected).toMatchObject({ id: proposal.id, status: 'rejected', decidedBy: `device:${deviceId}` });
    await expect(client.decide(proposal.id, 'confirm')).rejects.toMatchObject({
      code: 'conflict',
      details: { id: proposal.id, status: 'rejected' },
    });
    expect(sentLines()).toEqual([]);

    // A confirm through the SDK runs the next proposal once.
    nextArguments = THIRD;
    const next = await client.chat('tell Jo I will see her at the gym');
    const done = await client.decide(next.pendingActions[0]!.id, 'confirm');
    expect(done).toMatchObject({ status: 'done', arguments: THIRD });
    expect(sentLines()).toEqual([THIRD]);
    await client.close();
  }, 90_000);
});
