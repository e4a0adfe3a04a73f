import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientObservation } from './support/observations.ts';
import { runCli, runCliJson, tempHome } from './support/processes.ts';
import {
  openAiChatStream,
  type ReplayServer,
  rateLimited,
  startReplayServer,
  writeReplayModelConfig,
} from './support/replay-server.ts';

const KEY = 'replay-key-0123456789';
const QUESTION = 'What did Sam say about the deadline?';
const PIECES = ['Sam told you ', 'the deadline moved ', 'to Friday [1].'];

/** A home with one user, one note ingested through the CLI, and a model provider that is the replay server. */
async function homeWithModel(replay: ReplayServer) {
  const home = tempHome();
  writeReplayModelConfig(home, replay.url);
  await runCliJson(home, ['user', 'add', 'ada', '--timezone', 'Europe/Paris']);
  const note = clientObservation('Sam said the project deadline moved to Friday, call him on Monday', {
    capturedAt: '2026-11-20T10:00:00Z',
  });
  const file = join(home, 'notes.jsonl');
  writeFileSync(file, `${JSON.stringify(note)}\n`);
  expect((await runCli(home, ['ingest', file])).code).toBe(0);
  return { home, note };
}

/** `familiar ask` through the real CLI, with a model an OpenAI-compatible server on loopback serves (replayed). */
describe('familiar ask with a configured model', () => {
  let replay: ReplayServer;

  beforeAll(async () => {
    replay = await startReplayServer();
  });
  afterAll(async () => {
    await replay.close();
  });

  it('streams a grounded, cited answer, audits the call without its text, and sends the note inside memory tags', async () => {
    replay.script('POST', '/v1/chat/completions', [openAiChatStream(PIECES)]);
    const { home, note } = await homeWithModel(replay);
    const env = { TEST_LLM_KEY: KEY };

    const human = await runCli(home, ['ask', QUESTION], { env });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`${PIECES.join('')}\n`);
    expect(human.stdout).toContain('Cited:');
    expect(human.stdout).toContain(
      '[1] Fri 20 Nov 2026, 11:00 (note): "Sam said the project deadline moved to Friday, call him on Monday"',
    );
    expect(human.stderr).toContain('Answered by local:replayed-model');

    const json = await runCli(home, ['--json', 'ask', QUESTION], { env });
    expect(json.code).toBe(0);
    const answer = JSON.parse(json.stdout);
    expect(answer).toMatchObject({
      answer: PIECES.join(''),
      model: 'local:replayed-model',
      citations: [{ id: note.id, ref: 1, modality: 'note', text: note.text }],
    });
    expect(answer.citations[0]).not.toHaveProperty('mediaUrl');

    const audit = await runCliJson<
      Array<{ action: string; actor: string; details: Record<string, unknown> }>
    >(home, ['audit']);
    // Memory may call the model too (to extract facts while it catches up); the ask's calls are the "ask" ones.
    const calls = audit.filter((event) => event.action === 'model.call' && event.details.task === 'ask');
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({
      actor: 'cli',
      details: {
        model: 'local:replayed-model',
        runsOn: 'local-server',
        task: 'ask',
        sensitivity: 'private',
        dataClasses: ['question', 'memory:note'],
        outcome: 'ok',
      },
    });
    const logged = JSON.stringify(audit);
    expect(logged).not.toContain('Monday');
    expect(logged).not.toContain('deadline');

    const request = replay.requests.filter((r) => JSON.stringify(r.json).includes('<memory id=')).at(-1)!;
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
    const body = request.json as {
      model: string;
      stream: boolean;
      messages: Array<{ role: string; content: string }>;
    };
    expect(body).toMatchObject({ model: 'replayed-model', stream: true });
    expect(body.messages.map((message) => message.role)).toEqual(['system', 'user']);
    expect(body.messages[0]!.content).toContain('DATA');
    const user = body.messages[1]!.content;
    const memory = /<memory id="1"[^>]*>\n([\s\S]*?)\n<\/memory>/.exec(user);
    expect(memory?.[1]).toBe(note.text);
    expect(user).toContain(QUESTION);
  });

  it('still answers, extractively, and says the model could not answer when it is rate limited', async () => {
    replay.script('POST', '/v1/chat/completions', [rateLimited('openai', 20)]);
    const { home, note } = await homeWithModel(replay);
    const human = await runCli(home, ['ask', QUESTION], { env: { TEST_LLM_KEY: KEY } });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^No language model could answer \(local:replayed-model: HTTP 429: /);
    expect(human.stdout).toContain('(retry after 20 s)');
    expect(human.stdout).toContain(note.text);

    const json = await runCli(home, ['--json', 'ask', QUESTION], { env: { TEST_LLM_KEY: KEY } });
    expect(JSON.parse(json.stdout)).toMatchObject({ model: null, citations: [{ id: note.id }] });
    const audit = await runCliJson<Array<{ action: string; details: Record<string, unknown> }>>(home, [
      'audit',
    ]);
    const call = audit.find((event) => event.action === 'model.call' && event.details.task === 'ask');
    expect(call?.details).toMatchObject({
      outcome: 'failed',
      model: null,
    });
  });
});
