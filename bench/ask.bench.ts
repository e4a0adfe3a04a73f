/**
 * Ask latency at 10k and 100k observations: the timeline is filled straight through the store (batches of 1,000),
 * then questions are asked one after another through the real server over loopback (`familiar start` as a child
 * process) and in-process (`familiar.ask.ask`). Run: `npm run bench:ask [-- --sizes 10000,100000]`.
 */
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { ObservationInput } from '@familiar/protocol';
import { monotonicFactory } from 'ulidx';
import { z } from 'zod';
import { openFamiliar } from '../packages/server/src/app.ts';
import { loadConfig } from '../packages/server/src/config.ts';
import { createSilentLogger } from '../packages/server/src/kernel/index.ts';
import { type BenchCorpus, loadCorpus } from './corpus.ts';
import {
  loopbackAgent,
  makeTempHome,
  postJson,
  removeTempHome,
  startServerProcess,
} from './familiar-process.ts';
import { formatNumber, type LatencySummary, markdownTable, seededRandom, summarise } from './stats.ts';

const TARGET_P95_MS = 50;
const TARGET_SIZE = 100_000;
const FILL_BATCH = 1_000;
const MODALITIES = ['utterance', 'utterance', 'utterance', 'chat', 'note'] as const;
const AskResponseSchema = z.object({ answer: z.string(), citations: z.array(z.object({ id: z.string() })) });

const { values: options } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    questions: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '30' },
    'server-cpu-prof': { type: 'string' },
  },
});

function positiveInteger(value: string | undefined, name: string, max: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > max) throw new Error(`--${name} must be 1…${max}`);
  return parsed;
}

const sizes = (options.sizes ?? '').split(',').map((v) => positiveInteger(v, 'sizes', 10_000_000));
const questionCount = positiveInteger(options.questions, 'questions', 100_000);
const warmupCount = positiveInteger(options.warmup, 'warmup', 10_000);

interface Measurement {
  size: number;
  path: 'HTTP (loopback)' | 'in-process';
  latency: LatencySummary;
  /** Share of questions that got at least one citation. */
  answered: number;
}

/** A seeded sample of `count` questions, in a fixed order. */
function sampleQuestions(corpus: BenchCorpus, count: number, seed: number): string[] {
  const random = seededRandom(seed);
  return Array.from(
    { length: count },
    () => corpus.questions[Math.floor(random() * corpus.questions.length)]!,
  );
}

/** Tops the timeline up to `size` observations through `timeline.ingest`, 1,000 per transaction. */
async function fillTo(
  home: string,
  corpus: BenchCorpus,
  size: number,
  state: { count: number; random: () => number; nextId: (time: number) => string; capturedAt: number },
): Promise<number> {
  const familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: home }), { logger: createSilentLogger() });
  const started = performance.now();
  try {
    const [user] = await familiar.accounts.listUsers();
    if (!user) throw new Error('the bench user is missing');
    const actor = { userId: user.id, deviceId: null, label: 'bench' };
    while (state.count < size) {
      const inputs: ObservationInput[] = [];
      for (let i = 0; i < Math.min(FILL_BATCH, size - state.count); i += 1) {
        // About two years of a life: one observation every ten minutes on average.
        state.capturedAt += 60_000 + Math.floor(state.random() * 1_080_000);
        inputs.push({
          id: state.nextId(state.capturedAt),
          modality: MODALITIES[Math.floor(state.random() * MODALITIES.length)]!,
          capturedAt: new Date(state.capturedAt).toISOString(),
          text: corpus.nextText(state.random),
        });
      }
      await familiar.timeline.ingest(actor, inputs);
      state.count += inputs.length;
    }
    const stored = await familiar.timeline.count(user.id);
    if (stored !== size) throw new Error(`expected ${size} stored observations, found ${stored}`);
  } finally {
    await familiar.close();
  }
  return (performance.now() - started) / 1000;
}

async function askOverHttp(
  home: string,
  token: string,
  questions: readonly string[],
  warmup: readonly string[],
) {
  const profileArguments = options['server-cpu-prof']
    ? ['--cpu-prof', `--cpu-prof-dir=${options['server-cpu-prof']}`]
    : [];
  const server = await startServerProcess(home, { nodeArguments: profileArguments });
  const agent = loopbackAgent(1);
  try {
    const ask = async (question: string) => {
      const response = await postJson(agent, `${server.url}/v1/ask`, token, JSON.stringify({ question }));
      if (response.status !== 200) throw new Error(`ask failed: ${response.status} ${response.text}`);
      return AskResponseSchema.parse(JSON.parse(response.text)).citations.length;
    };
    for (const question of warmup) await ask(question);
    const latencies: number[] = [];
    let answered = 0;
    for (const question of questions) {
      const started = performance.now();
      const citations = await ask(question);
      latencies.push(performance.now() - started);
      if (citations > 0) answered += 1;
    }
    return { latency: summarise(latencies), answered: answered / questions.length };
  } finally {
    agent.destroy();
    await server.stop();
  }
}

async function askInProcess(home: string, questions: readonly string[], warmup: readonly string[]) {
  const familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: home }), { logger: createSilentLogger() });
  try {
    const [user] = await familiar.accounts.listUsers();
    if (!user) throw new Error('the bench user is missing');
    const actor = { userId: user.id, label: 'bench', timezone: user.timezone };
    for (const question of warmup) await familiar.ask.ask(actor, question);
    const latencies: number[] = [];
    let answered = 0;
    for (const question of questions) {
      const started = performance.now();
      const answer = await familiar.ask.ask(actor, question);
      latencies.push(performance.now() - started);
      if (answer.citations.length > 0) answered += 1;
    }
    return { latency: summarise(latencies), answered: answered / questions.length };
  } finally {
    await familiar.close();
  }
}

/** Creates the bench user and device through the composition root; returns the device token. */
async function addUserAndDevice(home: string): Promise<string> {
  const familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: home }), { logger: createSilentLogger() });
  try {
    await familiar.accounts.addUser({ name: 'bench', timezone: 'UTC' });
    return (await familiar.accounts.addDevice({ name: 'bench' })).token;
  } finally {
    await familiar.close();
  }
}

async function main(): Promise<void> {
  const corpus = loadCorpus();
  process.stderr.write(
    `ask bench: timelines of ${sizes.map((s) => formatNumber(s)).join(', ')} observations, ` +
      `${questionCount} questions after ${warmupCount} warm-up; text and questions from ${corpus.source}; ` +
      `${cpus().length} CPUs, ${formatNumber(totalmem() / 1024 ** 3, 1)} GiB, node ${process.version}\n`,
  );
  const questions = sampleQuestions(corpus, questionCount, 42);
  const warmup = sampleQuestions(corpus, warmupCount, 4242);
  const home = makeTempHome();
  const measurements: Measurement[] = [];
  try {
    const token = await addUserAndDevice(home);
    const random = seededRandom(2024);
    const state = {
      count: 0,
      random,
      nextId: monotonicFactory(random),
      capturedAt: Date.UTC(2023, 0, 1),
    };
    for (const size of [...sizes].sort((a, b) => a - b)) {
      const before = state.count;
      const seconds = await fillTo(home, corpus, size, state);
      process.stderr.write(
        `  filled to ${formatNumber(size)} (${formatNumber((size - before) / seconds)} observations/s in-process)\n`,
      );
      const http = await askOverHttp(home, token, questions, warmup);
      measurements.push({ size, path: 'HTTP (loopback)', ...http });
      const inProcess = await askInProcess(home, questions, warmup);
      measurements.push({ size, path: 'in-process', ...inProcess });
      process.stderr.write(
        `  ${formatNumber(size)}: HTTP p95 ${formatNumber(http.latency.p95, 1)} ms, ` +
          `in-process p95 ${formatNumber(inProcess.latency.p95, 1)} ms\n`,
      );
    }
  } finally {
    removeTempHome(home);
  }
  const table = markdownTable(
    [
      'observations',
      'path',
      'questions',
      'mean ms',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'max ms',
      'with citations',
    ],
    measurements.map((m) => [
      formatNumber(m.size),
      m.path,
      String(m.latency.count),
      formatNumber(m.latency.mean, 1),
      formatNumber(m.latency.p50, 1),
      formatNumber(m.latency.p95, 1),
      formatNumber(m.latency.p99, 1),
      formatNumber(m.latency.max, 1),
      `${formatNumber(m.answered * 100)}%`,
    ]),
  );
  const atTarget = measurements.filter((m) => m.size === TARGET_SIZE && m.path === 'HTTP (loopback)');
  const verdict =
    atTarget.length === 0
      ? `not measured at ${formatNumber(TARGET_SIZE)} observations`
      : atTarget.every((m) => m.latency.p95 <= TARGET_P95_MS)
        ? `met (HTTP p95 ${formatNumber(atTarget[0]!.latency.p95, 1)} ms)`
        : `MISSED (HTTP p95 ${formatNumber(atTarget[0]!.latency.p95, 1)} ms)`;
  process.stdout.write(
    `\n${table}\n\nTarget: ask p95 ≤ ${TARGET_P95_MS} ms at ${formatNumber(TARGET_SIZE)} observations: ${verdict}. ` +
      `Sequential requests; text and questions: ${corpus.source}.\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`ask bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
