/**
 * Time to first token of a streamed ask: `POST /v1/ask` with `Accept: text/event-stream` through the real Hono app
 * (in-process `app.request`, real SQLite home), with a model configured that a replay server on loopback plays
 * (an OpenAI-compatible chat-completions stream, answered at once), and without a model (extractive). For each ask:
 * when the `retrieved` event, the first `delta` and `done` arrive, from the moment the request is made.
 * Run: `npm run bench:ask-stream [-- --asks 20 --observations 2000]`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openFamiliar } from '../packages/server/src/app.ts';
import { loadConfig } from '../packages/server/src/config.ts';
import { createHttpApp } from '../packages/server/src/http/index.ts';
import { createSilentLogger } from '../packages/server/src/kernel/index.ts';
import { openAiChatStream, startReplayServer } from '../packages/server/test/support/replay-server.ts';
import { makeTempHome, removeTempHome } from './familiar-process.ts';
import { formatNumber, markdownTable, seededRandom, summarise } from './stats.ts';

const { values: options } = parseArgs({
  options: {
    asks: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    observations: { type: 'string', default: '2000' },
  },
});
const askCount = Number(options.asks);
const warmupCount = Number(options.warmup);
const observationCount = Number(options.observations);

const PEOPLE = ['Sam', 'Ana', 'Omar', 'Iris', 'Lee'];
const THINGS = ['deadline', 'dentist', 'keys', 'wine', 'train', 'budget', 'garden', 'concert'];
const VERBS = ['moved', 'mentioned', 'forgot', 'booked', 'found', 'cancelled'];
const QUESTIONS = THINGS.map(
  (thing, index) => `What did ${PEOPLE[index % PEOPLE.length]} say about the ${thing}?`,
);
const ANSWER = ['From your notes, ', 'the plan changed ', 'on Friday [1], ', 'and again later [2].'];

interface Timing {
  retrievedMs: number;
  firstDeltaMs: number;
  doneMs: number;
}

/** One streamed ask, timed as a client sees it: the body is read as it arrives and split into SSE events. */
async function timedAsk(
  app: ReturnType<typeof createHttpApp>,
  token: string,
  question: string,
): Promise<Timing> {
  const started = performance.now();
  const response = await app.request('/v1/ask', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'text/event-stream',
    },
    body: JSON.stringify({ question }),
  });
  if (response.status !== 200 || !response.body) throw new Error(`ask failed: ${response.status}`);
  const timing: Partial<Timing> = {};
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let end = buffered.indexOf('\n\n');
    while (end !== -1) {
      const event = /^event: (.+)$/m.exec(buffered.slice(0, end))?.[1];
      buffered = buffered.slice(end + 2);
      const at = performance.now() - started;
      if (event === 'retrieved') timing.retrievedMs ??= at;
      else if (event === 'delta') timing.firstDeltaMs ??= at;
      else if (event === 'done') timing.doneMs = at;
      else if (event === 'error') throw new Error('the ask ended with an error event');
      end = buffered.indexOf('\n\n');
    }
  }
  if (timing.retrievedMs === undefined || timing.firstDeltaMs === undefined || timing.doneMs === undefined)
    throw new Error('the stream missed an event');
  return timing as Timing;
}

/** Fills a home with notes and lets memory catch up (without a model, so extraction does not call the replay server). */
async function fill(home: string): Promise<string> {
  const familiar = openFamiliar(loadConfig({ ...process.env, FAMILIAR_HOME: home }), {
    logger: createSilentLogger(),
  });
  try {
    const user = await familiar.accounts.addUser({ name: 'bench', timezone: 'Europe/Paris' });
    const { token } = await familiar.accounts.addDevice({ userName: 'bench', name: 'bench' });
    const random = seededRandom(7);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
    const start = Date.parse('2026-01-01T08:00:00Z');
    const inputs = Array.from({ length: observationCount }, (_, index) => ({
      id: `01JC${String(index).padStart(22, '0')}`,
      modality: 'note' as const,
      capturedAt: new Date(start + index * 3_600_000).toISOString(),
      text: `${pick(PEOPLE)} ${pick(VERBS)} the ${pick(THINGS)} and talked about the ${pick(THINGS)} with ${pick(PEOPLE)}.`,
    }));
    for (let at = 0; at < inputs.length; at += 1_000)
      await familiar.timeline.ingest(
        { userId: user.id, deviceId: null, label: 'bench' },
        inputs.slice(at, at + 1_000),
      );
    await familiar.understanding.catchUp({ id: user.id, timezone: user.timezone });
    return token;
  } finally {
    await familiar.close();
  }
}

async function measure(withModel: boolean, replayUrl: string) {
  const home = makeTempHome();
  try {
    const token = await fill(home);
    if (withModel) {
      writeFileSync(
        join(home, 'familiar.config.json'),
        JSON.stringify({
          models: {
            providers: [
              {
                id: 'local',
                type: 'openai-compatible',
                baseUrl: `${replayUrl}/v1`,
                apiKeyEnv: 'BENCH_LLM_KEY',
                models: [{ name: 'replayed-model', tasks: ['ask'] }],
              },
            ],
          },
        }),
      );
    }
    const familiar = openFamiliar(loadConfig({ ...process.env, FAMILIAR_HOME: home }), {
      logger: createSilentLogger(),
    });
    try {
      const app = createHttpApp(familiar);
      for (let index = 0; index < warmupCount; index += 1)
        await timedAsk(app, token, QUESTIONS[index % QUESTIONS.length]!);
      const timings: Timing[] = [];
      for (let index = 0; index < askCount; index += 1)
        timings.push(await timedAsk(app, token, QUESTIONS[index % QUESTIONS.length]!));
      return timings;
    } finally {
      await familiar.close();
    }
  } finally {
    removeTempHome(home);
  }
}

process.env.BENCH_LLM_KEY = 'bench-key';
const replay = await startReplayServer([
  { method: 'POST', path: '/v1/chat/completions', steps: [openAiChatStream(ANSWER)] },
]);
try {
  const rows: string[][] = [];
  for (const withModel of [true, false]) {
    process.stderr.write(`measuring ${withModel ? 'with the replayed model' : 'extractive'}…\n`);
    const timings = await measure(withModel, replay.url);
    for (const [label, values] of [
      ['retrieved', timings.map((t) => t.retrievedMs)],
      ['first delta (time to first token)', timings.map((t) => t.firstDeltaMs)],
      ['done', timings.map((t) => t.doneMs)],
    ] as const) {
      const summary = summarise(values);
      rows.push([
        withModel ? 'model (replayed, loopback)' : 'extractive (no model)',
        label,
        String(summary.count),
        formatNumber(summary.p50, 1),
        formatNumber(summary.p95, 1),
        formatNumber(summary.max, 1),
      ]);
    }
  }
  process.stdout.write(
    `Streamed ask (POST /v1/ask, text/event-stream, in-process), ${observationCount} observations, ms from the request:\n\n`,
  );
  process.stdout.write(`${markdownTable(['answer', 'event', 'asks', 'p50', 'p95', 'max'], rows)}\n`);
} finally {
  await replay.close();
}
