/**
 * The models layer: how long the router takes to decide (10,000 decisions over ~20 configured models), the time to
 * first token when the first provider fails (a local replay server answers 429 or stalls past the first-token
 * timeout, the second streams; the real AI SDK adapters), and tokens/s of the in-process llama.cpp engine on the GGUF
 * at FAMILIAR_BENCH_GGUF (skipped with a note when unset).
 * Run: `npm run bench:models [-- --decisions 10000 --fallback-runs 30 --timeout-ms 250 --tokens 128]`.
 */
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { streamText } from 'ai';
import { createInMemoryAuditLog } from '../packages/server/src/audit/index.ts';
import type { Clock } from '../packages/server/src/kernel/index.ts';
import {
  type ConfiguredModel,
  configuredModels,
  createModelFactory,
  createModelRunner,
  loadCatalog,
  parseModelsConfig,
  type RouteRequest,
  routeModel,
  SENSITIVITIES,
  TASKS,
} from '../packages/server/src/models/index.ts';
import {
  anthropicMessages,
  openAiResponses,
  type ReplayServer,
  rateLimited,
  startReplayServer,
} from '../packages/server/test/support/replay-server.ts';
import { formatNumber, type LatencySummary, markdownTable, seededRandom, summarise } from './stats.ts';

const TARGET_ROUTER_P95_US = 100;
/** Epoch milliseconds with sub-millisecond resolution, so a loopback TTFT is not rounded to whole milliseconds. */
const preciseClock: Clock = { now: () => performance.timeOrigin + performance.now() };

const { values: options } = parseArgs({
  options: {
    decisions: { type: 'string', default: '10000' },
    'fallback-runs': { type: 'string', default: '30' },
    'timeout-ms': { type: 'string', default: '250' },
    tokens: { type: 'string', default: '128' },
  },
});

function positiveInteger(value: string | undefined, name: string, max: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > max) throw new Error(`--${name} must be 1…${max}`);
  return parsed;
}

const decisionCount = positiveInteger(options.decisions, 'decisions', 10_000_000);
const fallbackRuns = positiveInteger(options['fallback-runs'], 'fallback-runs', 10_000);
const timeoutMs = positiveInteger(options['timeout-ms'], 'timeout-ms', 60_000);
const maxTokens = positiveInteger(options.tokens, 'tokens', 4_096);

/** About twenty models as a well-stocked user might configure them: cloud vendors, Ollama, a GGUF. */
function twentyModels(): ConfiguredModel[] {
  const config = parseModelsConfig({
    providers: [
      {
        id: 'openai',
        type: 'openai',
        models: ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini'].map((name) => ({ name })),
      },
      {
        id: 'anthropic',
        type: 'anthropic',
        models: ['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-5'].map((name) => ({ name })),
      },
      { id: 'google', type: 'google', models: [{ name: 'gemini-2.5-pro' }, { name: 'gemini-2.5-flash' }] },
      {
        id: 'ollama',
        type: 'openai-compatible',
        baseUrl: 'http://127.0.0.1:11434/v1',
        models: [
          { name: 'llama3.1:8b', catalogId: 'meta/llama-3.1-8b-instruct' },
          { name: 'llama3.2:3b', catalogId: 'meta/llama-3.2-3b-instruct' },
          { name: 'llama3.2-vision', catalogId: 'meta/llama-3.2-11b-vision-instruct', tasks: ['caption'] },
          { name: 'qwen2.5:7b', catalogId: 'qwen/qwen2.5-7b-instruct' },
          { name: 'qwen3:8b', catalogId: 'qwen/qwen3-8b', tasks: ['extract'] },
          { name: 'mistral:7b', catalogId: 'mistral/mistral-7b-instruct' },
          { name: 'gemma3:12b', catalogId: 'google/gemma-3-12b-it' },
          { name: 'phi4', catalogId: 'microsoft/phi-4' },
          { name: 'nomic-embed-text', catalogId: 'nomic/nomic-embed-text-v1.5', tasks: ['embed'] },
          { name: 'my-finetune' },
        ],
      },
      {
        id: 'local',
        type: 'llama-cpp',
        gguf: '/models/olmo.gguf',
        models: [{ name: 'olmo', catalogId: 'allenai/olmo-2-1124-7b-instruct' }],
      },
    ],
    allowPrivate: ['anthropic:claude-haiku-4-5'],
  });
  return configuredModels(config, loadCatalog());
}

/** Times each of `count` routing decisions over a seeded mix of tasks, sensitivities, needs and sizes. */
function benchRouter(
  models: ConfiguredModel[],
  count: number,
): { latencyUs: LatencySummary; chosen: number } {
  const random = seededRandom(7);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const requests: RouteRequest[] = Array.from({ length: count }, () => ({
    task: pick(TASKS),
    sensitivity: pick(SENSITIVITIES),
    needs: { vision: random() < 0.1, json: random() < 0.2 },
    estimatedTokens: Math.floor(random() * 50_000),
    estimatedOutputTokens: 512,
  }));
  const policies = [
    { openOnly: false, allowPrivate: ['anthropic:claude-haiku-4-5'] },
    { openOnly: true, allowPrivate: [], budgetUsd: 0.02 },
  ];
  for (let i = 0; i < 1_000; i++) routeModel(requests[i % requests.length]!, models, policies[i % 2]!);
  const durations: number[] = [];
  let chosen = 0;
  for (let i = 0; i < requests.length; i++) {
    const started = performance.now();
    const decision = routeModel(requests[i]!, models, policies[i % 2]!);
    durations.push((performance.now() - started) * 1_000);
    if (decision.choice) chosen += 1;
  }
  return { latencyUs: summarise(durations), chosen };
}

type Scenario = 'no fallback' | '429, then fallback' | `stall > ${number} ms, then fallback`;

/** Time to first token through the runner and the real OpenAI and Anthropic adapters against the replay server. */
async function benchFallback(
  server: ReplayServer,
  scenario: Scenario,
  runs: number,
): Promise<LatencySummary> {
  const config = parseModelsConfig({
    providers: [
      {
        id: 'openai',
        type: 'openai',
        baseUrl: `${server.url}/v1`,
        models: [{ name: 'gpt-4o-mini', tasks: ['ask'] }],
      },
      {
        id: 'anthropic',
        type: 'anthropic',
        baseUrl: `${server.url}/v1`,
        models: [{ name: 'claude-haiku-4-5', tasks: ['ask'] }],
      },
    ],
  });
  const first =
    scenario === 'no fallback'
      ? openAiResponses()
      : scenario === '429, then fallback'
        ? rateLimited('openai', 1)
        : { stallMs: timeoutMs * 4 };
  server.script('POST', '/v1/responses', [first]);
  server.script('POST', '/v1/messages', [anthropicMessages()]);
  const runner = createModelRunner({
    models: configuredModels(config, loadCatalog()),
    policy: { openOnly: false, allowPrivate: [] },
    audit: createInMemoryAuditLog(),
    clock: preciseClock,
    timeoutMs,
    createModel: createModelFactory(config, {
      env: { OPENAI_API_KEY: 'sk-bench-openai', ANTHROPIC_API_KEY: 'sk-ant-bench' },
    }),
  });
  const times: number[] = [];
  for (let run = 0; run < runs + 5; run++) {
    let ttft: number | null = null;
    let fallbacks = 0;
    for await (const event of runner.stream({
      userId: 'bench',
      actor: 'bench',
      task: 'ask',
      sensitivity: 'public',
      dataClasses: [],
      prompt: 'When is the dentist appointment?',
    })) {
      if (event.type === 'finish') {
        ttft = event.timeToFirstTokenMs;
        fallbacks = event.fallbacks.length;
      }
    }
    if (ttft === null) throw new Error(`${scenario}: no first token`);
    if (fallbacks !== (scenario === 'no fallback' ? 0 : 1))
      throw new Error(`${scenario}: ${fallbacks} fallbacks`);
    if (run >= 5) times.push(ttft);
  }
  return summarise(times);
}

/** Tokens/s of the in-process engine: prompt to first token, then output tokens over the generation time. */
async function benchLlama(path: string): Promise<string[][]> {
  const { createLlamaCppLanguageModel } = await import('../packages/server/src/models/llama-cpp/index.ts');
  const threads = Math.max(1, cpus().length - 1);
  const loadStarted = performance.now();
  const model = createLlamaCppLanguageModel({ modelPath: path, threads });
  const rows: string[][] = [];
  try {
    for (let run = 0; run < 3; run++) {
      const started = performance.now();
      let firstAt: number | null = null;
      let chunks = 0;
      const result = streamText({
        model,
        prompt: 'Write a short paragraph about keeping a diary.',
        maxOutputTokens: maxTokens,
        maxRetries: 0,
      });
      for await (const delta of result.textStream) {
        if (delta) {
          firstAt ??= performance.now();
          chunks += 1;
        }
      }
      const ended = performance.now();
      const usage = await result.totalUsage;
      const outputTokens = usage.outputTokens ?? chunks;
      const generationSeconds = (ended - (firstAt ?? started)) / 1_000;
      rows.push([
        run === 0 ? 'cold (load + first call)' : `warm ${run}`,
        String(threads),
        formatNumber(((firstAt ?? ended) - (run === 0 ? loadStarted : started)) / 1_000, 2),
        String(outputTokens),
        outputTokens > 1 ? formatNumber((outputTokens - 1) / generationSeconds, 1) : '- (stopped early)',
      ]);
      process.stderr.write(`  llama.cpp run ${run + 1}: ${rows.at(-1)?.join(', ')}\n`);
    }
  } finally {
    await model.close();
  }
  return rows;
}

async function main(): Promise<void> {
  process.stderr.write(`models bench: ${cpus().length} cores, ${formatNumber(totalmem() / 1024 ** 3)} GiB\n`);
  const models = twentyModels();
  const router = benchRouter(models, decisionCount);
  process.stderr.write(
    `  router: p95 ${formatNumber(router.latencyUs.p95, 1)} µs over ${formatNumber(decisionCount)}\n`,
  );

  const server = await startReplayServer();
  const fallbackRows: string[][] = [];
  try {
    const scenarios: Scenario[] = [
      'no fallback',
      '429, then fallback',
      `stall > ${timeoutMs} ms, then fallback`,
    ];
    for (const scenario of scenarios) {
      const runs = scenario.startsWith('stall') ? Math.min(fallbackRuns, 10) : fallbackRuns;
      const latency = await benchFallback(server, scenario, runs);
      fallbackRows.push([
        scenario,
        String(latency.count),
        formatNumber(latency.p50, 1),
        formatNumber(latency.p95, 1),
        formatNumber(latency.max, 1),
      ]);
      process.stderr.write(`  ${scenario}: p50 ${formatNumber(latency.p50, 1)} ms\n`);
    }
  } finally {
    await server.close();
  }

  const gguf = process.env.FAMILIAR_BENCH_GGUF;
  const llamaRows = gguf ? await benchLlama(gguf) : [];

  const routerTable = markdownTable(
    [
      'configured models',
      'decisions',
      'with a choice',
      'p50 µs',
      'p95 µs',
      'p99 µs',
      'max µs',
      'decisions/s',
    ],
    [
      [
        String(models.length),
        formatNumber(router.latencyUs.count),
        `${formatNumber((router.chosen / router.latencyUs.count) * 100)}%`,
        formatNumber(router.latencyUs.p50, 1),
        formatNumber(router.latencyUs.p95, 1),
        formatNumber(router.latencyUs.p99, 1),
        formatNumber(router.latencyUs.max, 1),
        formatNumber(1_000_000 / router.latencyUs.mean),
      ],
    ],
  );
  const fallbackTable = markdownTable(
    ['first provider', 'calls', 'TTFT p50 ms', 'TTFT p95 ms', 'TTFT max ms'],
    fallbackRows,
  );
  const verdict = router.latencyUs.p95 <= TARGET_ROUTER_P95_US ? 'met' : 'MISSED';
  process.stdout.write(
    `\n## Router\n\n${routerTable}\n\nTarget: router p95 ≤ ${TARGET_ROUTER_P95_US} µs: ${verdict}.\n` +
      `\n## Time to first token after a fallback\n\n${fallbackTable}\n\n` +
      `Replay server on 127.0.0.1 with recorded OpenAI (Responses API) and Anthropic (messages SSE) wire formats, ` +
      `the real AI SDK adapters, first-token timeout ${timeoutMs} ms; TTFT counts from the start of the call, failed ` +
      `attempts included.\n` +
      `\n## In-process engine (llama.cpp)\n\n` +
      (gguf
        ? `${markdownTable(['run', 'threads', 'first token s', 'output tokens', 'tokens/s'], llamaRows)}\n\nModel: ${gguf}.\n`
        : 'Skipped: set FAMILIAR_BENCH_GGUF to the path of a GGUF file to measure tokens/s.\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`models bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
