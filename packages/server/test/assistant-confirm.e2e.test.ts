import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliJson, tempHome } from './support/processes.ts';
import {
  hasToolResult,
  offeredTools,
  openAiToolCompletion,
  type RecordedRequest,
  type ReplayServer,
  startReplayServer,
  writeReplayModelConfig,
} from './support/replay-server.ts';

// biome-ignore lint/suspicious/noExplicitAny: CLI JSON is asserted field by field, like a script would read it
type Json = any;

const SERVER_ROOT = resolve(import.meta.dirname, '..');
const NOTES_SERVER = join(SERVER_ROOT, 'test/fixtures/mcp/notes-server.ts');
const TOOL = 'notes__send_message';
const KEY = 'replay-key-confirm-0123';

const FIRST = { to: 'sam@example.com', text: "I'm running late, there in 15 minutes", priority: 'high' };
const SECOND = { to: 'sam@example.com', text: 'Actually, cancel lunch today', priority: 'low' };

const asRecord = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};

/** "A tool with external side effects never runs without confirmation", end to end through the real CLI. */
describe('familiar chat: external MCP tools wait for confirmation', () => {
  let replay: ReplayServer;
  let home: string;
  let sentFile: string;
  /** The arguments the replayed model calls the tool with next. */
  let nextArguments: Record<string, string> = FIRST;
  let chatToolRequests: RecordedRequest[] = [];

  const env = { TEST_LLM_KEY: KEY };
  const cli = (args: string[]) => runCli(home, args, { env, timeoutMs: 45_000 });
  const cliJson = async (args: string[]): Promise<Json> => {
    const result = await cli(['--json', ...args]);
    if (result.code !== 0)
      throw new Error(`familiar ${args.join(' ')} failed (${result.code}): ${result.stderr}${result.stdout}`);
    return JSON.parse(result.stdout);
  };
  const sentLines = (): Json[] =>
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
        const tools = offeredTools(request);
        // Requests without the MCP tool (memory catching up, if it asks a model) get plain text.
        if (!tools.includes(TOOL)) return openAiToolCompletion(request, { content: 'Nothing to add.' });
        chatToolRequests.push(request);
        if (hasToolResult(request))
          return openAiToolCompletion(request, {
            content: 'I drafted the message to Sam; it waits for your confirmation.',
          });
        return openAiToolCompletion(request, {
          toolCall: { id: 'call_send_1', name: TOOL, arguments: JSON.stringify(nextArguments) },
        });
      },
    ]);
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
          // No tier for send_message: it gets the default, external.
          tools: { read_note: 'read' },
        },
      ],
    };
    writeFileSync(join(home, 'familiar.config.json'), JSON.stringify(config, null, 2));
    await runCliJson(home, ['user', 'add', 'ada', '--timezone', 'Europe/Paris']);
  }, 60_000);
  afterAll(async () => {
    await replay?.close();
  });

  it('lists the MCP tool as external', async () => {
    const listed = await cliJson(['tools']);
    expect(listed.problems).toEqual([]);
    expect(listed.tools).toContainEqual(expect.objectContaining({ name: TOOL, tier: 'external' }));
    expect(listed.tools).toContainEqual(expect.objectContaining({ name: 'notes__read_note', tier: 'read' }));
  });

  it('proposes, lists, runs once on confirm, refuses a second confirm, and never runs a rejected one', async () => {
    // 1. The model calls send_message: it becomes a pending action with the exact arguments, and nothing is sent.
    chatToolRequests = [];
    nextArguments = FIRST;
    const reply = await cliJson(['chat', "message Sam that I'm running late"]);
    expect(chatToolRequests.length).toBeGreaterThanOrEqual(2);
    expect(offeredTools(chatToolRequests[0]!)).toContain(TOOL);
    expect(reply).toMatchObject({
      model: 'local:replayed-model',
      rule: null,
      reply: 'I drafted the message to Sam; it waits for your confirmation.',
      toolCalls: [{ name: TOOL, tier: 'external', status: 'awaiting_confirmation' }],
    });
    expect(reply.pendingActions).toHaveLength(1);
    const action = reply.pendingActions[0];
    expect(action).toMatchObject({ tool: TOOL, status: 'pending', arguments: FIRST, decidedBy: null });
    expect(action.summary).toContain('send_message');
    expect(existsSync(sentFile) ? readFileSync(sentFile, 'utf8') : '').toBe('');
    // The model was told it waits, not that it was done.
    const toolMessage = (asRecord(chatToolRequests[1]!.json).messages as unknown[])
      .map(asRecord)
      .find((message) => message.role === 'tool');
    expect(JSON.stringify(toolMessage)).toContain('awaiting_confirmation');

    // 2. `familiar confirm` lists it, with the same arguments.
    const waiting = await cliJson(['confirm']);
    expect(waiting.actions).toHaveLength(1);
    expect(waiting.actions[0]).toMatchObject({
      id: action.id,
      tool: TOOL,
      arguments: FIRST,
      status: 'pending',
    });
    expect(sentLines()).toEqual([]);

    // 3. Confirming runs it once, with exactly those arguments.
    const done = await cliJson(['confirm', action.id]);
    expect(done).toMatchObject({ id: action.id, status: 'done', decidedBy: 'cli', arguments: FIRST });
    expect(JSON.stringify(done.result)).toContain('sent to sam@example.com');
    expect(sentLines()).toEqual([FIRST]);

    // 4. A second confirm is a conflict and sends nothing more.
    const again = await cli(['--json', 'confirm', action.id]);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ error: { code: 'conflict' } });
    expect(sentLines()).toEqual([FIRST]);
    expect((await cliJson(['confirm'])).actions).toEqual([]);

    // 5. Another proposal, rejected: it never runs, and cannot be confirmed afterwards.
    nextArguments = SECOND;
    const second = await cliJson(['chat', 'tell Sam lunch is off']);
    expect(second.pendingActions).toHaveLength(1);
    const proposal = second.pendingActions[0];
    expect(proposal).toMatchObject({ tool: TOOL, status: 'pending', arguments: SECOND });
    expect(proposal.id).not.toBe(action.id);
    expect(sentLines()).toEqual([FIRST]);
    const rejected = await cliJson(['reject', proposal.id]);
    expect(rejected).toMatchObject({ id: proposal.id, status: 'rejected', decidedBy: 'cli' });
    const late = await cli(['--json', 'confirm', proposal.id]);
    expect(late.code).toBe(1);
    expect(JSON.parse(late.stdout)).toMatchObject({ error: { code: 'conflict' } });
    expect(sentLines()).toEqual([FIRST]);
    expect((await cliJson(['confirm'])).actions).toEqual([]);

    // 6. The audit log records the decisions, and never the arguments' values.
    const audit: Array<{ action: string; actor: string; target: string | null; details: Json }> =
      await cliJson(['audit']);
    const confirms = audit.filter((event) => event.action === 'assistant.confirm');
    expect(confirms).toHaveLength(1);
    expect(confirms[0]).toMatchObject({
      actor: 'cli',
      target: action.id,
      details: { tool: TOOL, outcome: 'done', argumentKeys: ['priority', 'text', 'to'] },
    });
    expect(audit.filter((event) => event.action === 'assistant.reject')).toEqual([
      expect.objectContaining({ target: proposal.id, details: expect.objectContaining({ tool: TOOL }) }),
    ]);
    const toolEvents = audit.filter((event) => event.action === 'assistant.tool');
    expect(toolEvents.length).toBeGreaterThanOrEqual(2);
    for (const event of [...toolEvents, ...confirms]) {
      const text = JSON.stringify(event);
      for (const value of [...Object.values(FIRST), ...Object.values(SECOND)])
        if (value.length > 4) expect(text, `${event.action} holds "${value}"`).not.toContain(value);
    }
  }, 120_000);
});
