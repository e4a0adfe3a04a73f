/**
 * Ingest throughput through the real server: `familiar start` runs as a child process and this process POSTs
 * batches of text observations to it over loopback, with 1, 4 or 8 requests in flight. Every answer is a durable
 * ack (sent after the SQLite commit with synchronous=FULL). Run: `npm run bench:ingest [-- --observations 50000]`.
 */
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { monotonicFactory } from 'ulidx';
import { z } from 'zod';
import { openFamiliar } from '../packages/server/src/app.ts';
import { loadConfig } from '../packages/server/src/config.ts';
import { createSilentLogger } from '../packages/server/src/kernel/index.ts';
import { type BenchCorpus, loadCorpus } from './corpus.ts';
import {
  addUserAndDevice,
  loopbackAgent,
  makeTempHome,
  postJson,
  removeTempHome,
  startServerProcess,
} from './familiar-process.ts';
import { formatNumber, type LatencySummary, markdownTable, seededRandom, summarise } from './stats.ts';

const TARGET_OBSERVATIONS_PER_SECOND = 5_000;
const MODALITIES = ['utterance', 'utterance', 'utterance', 'chat', 'note'] as const;
const IdsResponseSchema = z.object({ ids: z.array(z.string()) });

const { values: options } = parseArgs({
  options: {
    observations: { type: 'string', default: '50000' },
    batch: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '1,4,8' },
    'warmup-batches': { type: 'string', default: '20' },
    'server-cpu-prof': { type: 'string' },
  },
});

function positiveInteger(value: string | undefined, name: string, max: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > max) throw new Error(`--${name} must be 1…${max}`);
  return parsed;
}

const observationCount = positiveInteger(options.observations, 'observations', 10_000_000);
const batchSize = positiveInteger(options.batch, 'batch', 1000);
const warmupBatches = positiveInteger(options['warmup-batches'], 'warmup-batches', 1000);
const concurrencies = (options.concurrency ?? '1')
  .split(',')
  .map((v) => positiveInteger(v, 'concurrency', 64));

interface IngestResult {
  concurrency: number;
  observations: number;
  batches: number;
  seconds: number;
  latency: LatencySummary;
  serverCpuShare: number | null;
  stored: number;
}

/** Serialises request bodies up front so the bench's own CPU goes to sending, not to building text. */
function buildBodies(corpus: BenchCorpus, batches: number, seed: number, startMs: number): string[] {
  const random = seededRandom(seed);
  const nextId = monotonicFactory(random);
  const bodies: string[] = [];
  let capturedAt = startMs;
  for (let b = 0; b < batches; b += 1) {
    const observations = [];
    for (let i = 0; i < batchSize; i += 1) {
      capturedAt += 1_000 + Math.floor(random() * 20_000);
      observations.push({
        id: nextId(capturedAt),
        modality: MODALITIES[Math.floor(random() * MODALITIES.length)],
        capturedAt: new Date(capturedAt).toISOString(),
        text: corpus.nextText(random),
      });
    }
    bodies.push(JSON.stringify({ observations }));
  }
  return bodies;
}

/** Sends `bodies` with `concurrency` requests in flight; returns per-batch latencies and the wall time. */
async function send(
  url: string,
  token: string,
  bodies: readonly string[],
  concurrency: number,
): Promise<{ latencies: number[]; seconds: number }> {
  const agent = loopbackAgent(concurrency);
  const latencies: number[] = [];
  let next = 0;
  let failed = false;
  const started = performance.now();
  const worker = async () => {
    while (!failed && next < bodies.length) {
      const body = bodies[next]!;
      next += 1;
      const sent = performance.now();
      const response = await postJson(agent, `${url}/v1/observations`, token, body);
      latencies.push(performance.now() - sent);
      if (response.status !== 200) throw new Error(`batch failed: ${response.status} ${response.text}`);
      const ids = IdsResponseSchema.parse(JSON.parse(response.text)).ids;
      if (ids.length !== batchSize) throw new Error(`expected ${batchSize} ids, got ${ids.length}`);
    }
  };
  try {
    await Promise.all(
      Array.from({ length: concurrency }, () =>
        worker().catch((error: unknown) => {
          failed = true;
          throw error;
        }),
      ),
    );
  } finally {
    agent.destroy();
  }
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

/** Counts what is durably stored, with the server stopped: every acknowledged observation must be there. */
async function countStored(home: string): Promise<number> {
  const familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: home }), { logger: createSilentLogger() });
  try {
    const [user] = await familiar.accounts.listUsers();
    return user ? familiar.timeline.count(user.id) : 0;
  } finally {
    await familiar.close();
  }
}

async function runSetting(corpus: BenchCorpus, concurrency: number): Promise<IngestResult> {
  const home = makeTempHome();
  try {
    const token = await addUserAndDevice(home);
    const batches = Math.ceil(observationCount / batchSize);
    const startMs = Date.UTC(2024, 0, 1);
    const warmup = buildBodies(corpus, warmupBatches, 1_000 + concurrency, startMs);
    const measured = buildBodies(corpus, batches, concurrency, Date.UTC(2024, 6, 1));
    const profileArguments = options['server-cpu-prof']
      ? ['--cpu-prof', `--cpu-prof-dir=${options['server-cpu-prof']}`]
      : [];
    const server = await startServerProcess(home, { nodeArguments: profileArguments });
    let result: { latencies: number[]; seconds: number };
    let serverCpuShare: number | null = null;
    try {
      await send(server.url, token, warmup, concurrency);
      const cpuBefore = server.cpuSeconds();
      result = await send(server.url, token, measured, concurrency);
      const cpuAfter = server.cpuSeconds();
      if (cpuBefore !== null && cpuAfter !== null) serverCpuShare = (cpuAfter - cpuBefore) / result.seconds;
    } finally {
      await server.stop();
    }
    const stored = await countStored(home);
    const expected = (warmupBatches + batches) * batchSize;
    if (stored !== expected) throw new Error(`stored ${stored} observations, acknowledged ${expected}`);
    return {
      concurrency,
      observations: batches * batchSize,
      batches,
      seconds: result.seconds,
      latency: summarise(result.latencies),
      serverCpuShare,
      stored,
    };
  } finally {
    removeTempHome(home);
  }
}

async function main(): Promise<void> {
  const corpus = loadCorpus();
  process.stderr.write(
    `ingest bench: ${formatNumber(observationCount)} observations per setting, batches of ${batchSize}, ` +
      `in flight: ${concurrencies.join(', ')}; text from ${corpus.source}; ${cpus().length} CPUs, ` +
      `${formatNumber(totalmem() / 1024 ** 3, 1)} GiB, node ${process.version}\n`,
  );
  const results: IngestResult[] = [];
  for (const concurrency of concurrencies) {
    const result = await runSetting(corpus, concurrency);
    results.push(result);
    process.stderr.write(
      `  ${concurrency} in flight: ${formatNumber(result.observations / result.seconds)} observations/s\n`,
    );
  }
  const table = markdownTable(
    [
      'in flight',
      'observations',
      'seconds',
      'observations/s',
      'batches/s',
      'p50 batch ms',
      'p95 batch ms',
      'p99 batch ms',
      'server CPU',
    ],
    results.map((r) => [
      String(r.concurrency),
      formatNumber(r.observations),
      formatNumber(r.seconds, 1),
      formatNumber(r.observations / r.seconds),
      formatNumber(r.batches / r.seconds, 1),
      formatNumber(r.latency.p50, 1),
      formatNumber(r.latency.p95, 1),
      formatNumber(r.latency.p99, 1),
      r.serverCpuShare === null ? 'n/a' : `${formatNumber(r.serverCpuShare * 100)}%`,
    ]),
  );
  const best = Math.max(...results.map((r) => r.observations / r.seconds));
  const met = best >= TARGET_OBSERVATIONS_PER_SECOND;
  process.stdout.write(
    `\n${table}\n\nTarget ≥ ${formatNumber(TARGET_OBSERVATIONS_PER_SECOND)} observations/s (durable acks): ` +
      `${met ? 'met' : 'MISSED'} (best ${formatNumber(best)} observations/s). ` +
      `Text: ${corpus.source}; batch ${batchSize}; every acknowledged observation was found stored.\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`ingest bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
