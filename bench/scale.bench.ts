/**
 * Scale: ingest throughput and ask latency with many devices, side by side on SQLite (one server process), PostgreSQL
 * with one server process and PostgreSQL with two. Real `familiar start` processes; users and device tokens come from
 * the CLI; `--devices` simulated devices (each with its own token, spread round-robin over the servers) POST batches
 * of text observations over loopback as fast as they are acknowledged, while `--askers` clients ask questions
 * (POST /v1/ask) in a loop. After the run the servers stop and `familiar status` must count every acknowledged
 * observation. PostgreSQL: BENCH_POSTGRES_URL (default: the local test server), a fresh schema per configuration.
 * Run: `npm run bench:scale [-- --devices 50 --seconds 20 --configs sqlite,pg1,pg2 --profile bench/out/profiles]`.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { Agent } from 'node:http';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3-multiple-ciphers';
import pg from 'pg';
import { monotonicFactory } from 'ulidx';
import { z } from 'zod';
import { type BenchCorpus, loadCorpus } from './corpus.ts';
import {
  loopbackAgent,
  makeTempHome,
  postJson,
  removeTempHome,
  runCli,
  type ServerProcess,
  startServerProcess,
} from './familiar-process.ts';
import { formatNumber, type LatencySummary, markdownTable, seededRandom, summarise } from './stats.ts';

const DEFAULT_POSTGRES_URL = 'postgres://familiar:familiar@127.0.0.1:5432/familiar_test';
const MODALITIES = ['utterance', 'utterance', 'utterance', 'chat', 'note'] as const;
const IdsResponseSchema = z.object({ ids: z.array(z.string()) });
const AskResponseSchema = z.object({ answer: z.string(), citations: z.array(z.object({ id: z.string() })) });
const DeviceAddSchema = z.object({ token: z.string().startsWith('fam_') });
const StatusSchema = z.object({ users: z.array(z.object({ name: z.string(), observations: z.number() })) });
/** USER_HZ on Linux x86-64 and arm64. */
const CLOCK_TICKS_PER_SECOND = 100;

const { values: options } = parseArgs({
  options: {
    devices: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    batch: { type: 'string', default: '20' },
    askers: { type: 'string', default: '4' },
    configs: { type: 'string', default: 'sqlite,pg1,pg2' },
    /** A folder for V8 CPU profiles of the server processes (`node --cpu-prof`), written when they stop. */
    profile: { type: 'string' },
  },
});

function positiveInteger(value: string | undefined, name: string, max: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > max) throw new Error(`--${name} must be 1…${max}`);
  return parsed;
}

const deviceCount = positiveInteger(options.devices, 'devices', 1_000);
const measuredSeconds = positiveInteger(options.seconds, 'seconds', 3_600);
const warmupSeconds = Number(options.warmup);
if (!Number.isFinite(warmupSeconds) || warmupSeconds < 0) throw new Error('--warmup must be ≥ 0 seconds');
const batchSize = positiveInteger(options.batch, 'batch', 1_000);
const askerCount = positiveInteger(options.askers, 'askers', 64);
if (askerCount > deviceCount)
  throw new Error('--askers must not exceed --devices (each asks with a device token)');

interface Configuration {
  key: 'sqlite' | 'pg1' | 'pg2';
  label: string;
  servers: number;
  postgres: boolean;
}

const CONFIGURATIONS: Record<string, Configuration> = {
  sqlite: { key: 'sqlite', label: 'SQLite, 1 server', servers: 1, postgres: false },
  pg1: { key: 'pg1', label: 'PostgreSQL, 1 server', servers: 1, postgres: true },
  pg2: { key: 'pg2', label: 'PostgreSQL, 2 servers', servers: 2, postgres: true },
};
const configurations = (options.configs ?? '').split(',').map((key) => {
  const configuration = CONFIGURATIONS[key.trim()];
  if (!configuration) throw new Error(`--configs: unknown "${key}" (sqlite, pg1, pg2)`);
  return configuration;
});
const postgresBase = process.env.BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;

interface Result {
  configuration: Configuration;
  /** Observations acknowledged within the measured window. */
  observations: number;
  seconds: number;
  batchLatency: LatencySummary;
  askLatency: LatencySummary;
  /** Share of answered questions that cited at least one observation. */
  cited: number;
  ingestErrors: number;
  askErrors: number;
  /** Every observation acknowledged during the run (warm-up included) and what `familiar status` counted after. */
  acknowledged: number;
  stored: number;
  /** Stored observations the memory pass (facts) had not yet read when the servers stopped: how far memory lags. */
  memoryBehind: number;
  /** CPU shares over the measured window (1.0 = one core busy): server processes, PostgreSQL, the whole machine. */
  serverCpu: number | null;
  postgresCpu: number | null;
  machineCpu: number | null;
  /** The machine's 1-minute load average when the measured window ended (other work on it shows here). */
  load: number;
}

/** The base URL with a fresh schema first on the search path (created here), and that schema's name. */
async function freshSchema(base: string): Promise<{ url: string; schema: string }> {
  const schema = `bench_scale_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: base, max: 1 });
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { url: url.toString(), schema };
}

/**
 * Observations of the user `bench` past the facts stage's cursor, read from the database after the servers stopped:
 * what the understanding pass had not reached yet.
 */
async function memoryBacklog(home: string, schemaUrl: string | null): Promise<number> {
  const sql = `SELECT count(*) AS behind FROM observations o JOIN users u ON u.id = o.user_id
    WHERE u.name = 'bench' AND o.seq > COALESCE((SELECT c.last_seq FROM memory_cursors c
      WHERE c.user_id = o.user_id AND c.stage = 'facts'), 0)`;
  const BacklogSchema = z.object({ behind: z.coerce.number().int().nonnegative() });
  if (schemaUrl === null) {
    const db = new Database(join(home, 'familiar.db'), { readonly: true, fileMustExist: true });
    try {
      return BacklogSchema.parse(db.prepare(sql).get()).behind;
    } finally {
      db.close();
    }
  }
  const client = new pg.Pool({ connectionString: schemaUrl, max: 1 });
  try {
    return BacklogSchema.parse((await client.query(sql)).rows[0]).behind;
  } finally {
    await client.end();
  }
}

async function dropSchema(base: string, schema: string): Promise<void> {
  const admin = new pg.Pool({ connectionString: base, max: 1 });
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await admin.end();
  }
}

/** The user `bench` and `count` devices through the real CLI (two commands at a time); returns their tokens. */
async function addUserAndDevices(home: string, count: number): Promise<string[]> {
  await runCli(home, ['user', 'add', 'bench', '--timezone', 'UTC']);
  const tokens: string[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      const output = await runCli(home, ['device', 'add', '--name', `device-${index}`, '--json']);
      tokens[index] = DeviceAddSchema.parse(JSON.parse(output)).token;
    }
  };
  await Promise.all([worker(), worker()]);
  return tokens;
}

/** Busy and total CPU ticks of the whole machine from /proc/stat; null without /proc. */
function machineTicks(): { busy: number; total: number } | null {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1);
    const values = fields.map(Number);
    const total = values.reduce((sum, value) => sum + value, 0);
    // idle and iowait are fields 4 and 5.
    return { busy: total - (values[3] ?? 0) - (values[4] ?? 0), total };
  } catch {
    return null;
  }
}

/** CPU seconds used so far by every process named `postgres` on this machine (the local server); null without /proc. */
function postgresCpuSeconds(): number | null {
  try {
    let ticks = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        if (!stat.includes('(postgres)')) continue;
        const fields = stat.split(') ')[1]?.split(' ') ?? [];
        ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // exited meanwhile
      }
    }
    return ticks / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

function serversCpuSeconds(servers: readonly ServerProcess[]): number | null {
  let total = 0;
  for (const server of servers) {
    const seconds = server.cpuSeconds();
    if (seconds === null) return null;
    total += seconds;
  }
  return total;
}

interface CpuSnapshot {
  servers: number | null;
  postgres: number | null;
  machine: { busy: number; total: number } | null;
}

function cpuSnapshot(servers: readonly ServerProcess[]): CpuSnapshot {
  return { servers: serversCpuSeconds(servers), postgres: postgresCpuSeconds(), machine: machineTicks() };
}

async function runConfiguration(corpus: BenchCorpus, configuration: Configuration): Promise<Result> {
  const home = makeTempHome();
  const schema = configuration.postgres ? await freshSchema(postgresBase) : null;
  // familiar-process.ts hands the bench's environment to every CLI command and server it spawns.
  if (schema) process.env.FAMILIAR_DATABASE_URL = schema.url;
  else delete process.env.FAMILIAR_DATABASE_URL;
  try {
    process.stderr.write(
      `${configuration.label}: adding the user and ${deviceCount} devices through the CLI…\n`,
    );
    const tokens = await addUserAndDevices(home, deviceCount);
    const servers: ServerProcess[] = [];
    const nodeArguments = options.profile
      ? ['--cpu-prof', `--cpu-prof-dir=${resolve(options.profile, configuration.key)}`]
      : [];
    for (let i = 0; i < configuration.servers; i += 1)
      servers.push(await startServerProcess(home, { nodeArguments }));
    process.stderr.write(`  servers: ${servers.map((server) => server.url).join(', ')}\n`);

    const agents: Agent[] = servers.map(() => loopbackAgent(deviceCount + askerCount));
    const random = seededRandom(configuration.servers * 7 + (configuration.postgres ? 1 : 0));
    const nextId = monotonicFactory(random);
    let capturedAt = Date.UTC(2024, 0, 1);
    const batchBody = () => {
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
      return JSON.stringify({ observations });
    };

    const started = performance.now();
    const windowStart = started + warmupSeconds * 1000;
    const deadline = windowStart + measuredSeconds * 1000;
    let acknowledged = 0;
    let measuredObservations = 0;
    let ingestErrors = 0;
    let askErrors = 0;
    let cited = 0;
    const batchLatencies: number[] = [];
    const askLatencies: number[] = [];
    const firstErrors: string[] = [];
    const noteError = (what: string) => {
      if (firstErrors.length < 5) firstErrors.push(what);
    };
    const inWindow = (sent: number, done: number) => sent >= windowStart && done <= deadline;
    // Any request that failed or got no answer (30 s limit) is an error, warm-up included: a stalled server
    // must not read as an error-free one.
    const failedInWindow = (_sent: number) => true;

    const device = async (index: number) => {
      const server = index % servers.length;
      const url = `${servers[server]!.url}/v1/observations`;
      while (performance.now() < deadline) {
        const body = batchBody();
        const sent = performance.now();
        try {
          const response = await postJson(agents[server]!, url, tokens[index]!, body);
          const done = performance.now();
          if (response.status !== 200) {
            if (failedInWindow(sent)) ingestErrors += 1;
            noteError(`ingest ${response.status}: ${response.text.slice(0, 200)}`);
            continue;
          }
          const ids = IdsResponseSchema.parse(JSON.parse(response.text)).ids;
          acknowledged += ids.length;
          if (done >= windowStart && done <= deadline) measuredObservations += ids.length;
          if (inWindow(sent, done)) batchLatencies.push(done - sent);
        } catch (error) {
          if (failedInWindow(sent)) ingestErrors += 1;
          noteError(`ingest: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    };

    let questionNumber = 0;
    const asker = async (index: number) => {
      const server = index % servers.length;
      const url = `${servers[server]!.url}/v1/ask`;
      const askRandom = seededRandom(1_000 + index);
      while (performance.now() < deadline) {
        const question = corpus.questions[Math.floor(askRandom() * corpus.questions.length)]!;
        questionNumber += 1;
        const sent = performance.now();
        try {
          const response = await postJson(agents[server]!, url, tokens[index]!, JSON.stringify({ question }));
          const done = performance.now();
          if (response.status !== 200) {
            if (failedInWindow(sent)) askErrors += 1;
            noteError(`ask ${response.status}: ${response.text.slice(0, 200)}`);
            continue;
          }
          const answer = AskResponseSchema.parse(JSON.parse(response.text));
          if (inWindow(sent, done)) {
            askLatencies.push(done - sent);
            if (answer.citations.length > 0) cited += 1;
          }
        } catch (error) {
          if (failedInWindow(sent)) askErrors += 1;
          noteError(`ask: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    };

    let before: CpuSnapshot | null = null;
    let after: CpuSnapshot | null = null;
    const windowTimer = setTimeout(() => {
      before = cpuSnapshot(servers);
    }, windowStart - performance.now());
    let load = 0;
    const endTimer = setTimeout(() => {
      after = cpuSnapshot(servers);
      load = loadavg()[0] ?? 0;
    }, deadline - performance.now());
    await Promise.all([
      ...Array.from({ length: deviceCount }, (_, i) => device(i)),
      ...Array.from({ length: askerCount }, (_, i) => asker(i)),
    ]);
    clearTimeout(windowTimer);
    clearTimeout(endTimer);
    for (const agent of agents) agent.destroy();
    for (const server of servers) await server.stop();
    if (firstErrors.length > 0) process.stderr.write(`  first errors:\n    ${firstErrors.join('\n    ')}\n`);

    const status = StatusSchema.parse(JSON.parse(await runCli(home, ['--json', 'status'])));
    const stored = status.users.find((user) => user.name === 'bench')?.observations ?? 0;
    const memoryBehind = await memoryBacklog(home, schema?.url ?? null);
    // A batch whose answer was lost (a timeout) may still be stored; an acknowledged one must never be missing.
    if (stored < acknowledged)
      throw new Error(
        `${configuration.label}: acknowledged ${acknowledged} observations, found only ${stored} stored`,
      );

    const share = (pick: (snapshot: CpuSnapshot) => number | null): number | null => {
      const a = before === null ? null : pick(before);
      const b = after === null ? null : pick(after);
      return a === null || b === null ? null : (b - a) / measuredSeconds;
    };
    const machineShare = (() => {
      const a = (before as CpuSnapshot | null)?.machine;
      const b = (after as CpuSnapshot | null)?.machine;
      if (!a || !b || b.total === a.total) return null;
      return ((b.busy - a.busy) / (b.total - a.total)) * cpus().length;
    })();
    process.stderr.write(
      `  ${questionNumber} questions asked in all; slowest batch ${formatNumber(summarise(batchLatencies).max)} ms, ` +
        `slowest answer ${formatNumber(summarise(askLatencies).max)} ms; ${formatNumber(stored)} stored, ` +
        `${formatNumber(acknowledged)} acknowledged; memory had not yet read ${formatNumber(memoryBehind)}\n`,
    );
    return {
      configuration,
      observations: measuredObservations,
      seconds: measuredSeconds,
      batchLatency: summarise(batchLatencies),
      askLatency: summarise(askLatencies),
      cited: askLatencies.length === 0 ? 0 : cited / askLatencies.length,
      ingestErrors,
      askErrors,
      acknowledged,
      stored,
      memoryBehind,
      serverCpu: share((snapshot) => snapshot.servers),
      postgresCpu: configuration.postgres ? share((snapshot) => snapshot.postgres) : null,
      machineCpu: machineShare,
      load,
    };
  } finally {
    delete process.env.FAMILIAR_DATABASE_URL;
    removeTempHome(home);
    if (schema) await dropSchema(postgresBase, schema.schema);
  }
}

const cores = (value: number | null) => (value === null ? 'n/a' : formatNumber(value, 2));

async function main(): Promise<void> {
  const corpus = loadCorpus();
  const postgresShown = new URL(postgresBase);
  postgresShown.password = '';
  process.stderr.write(
    `scale bench: ${deviceCount} devices (batches of ${batchSize}) and ${askerCount} askers for ` +
      `${measuredSeconds} s after ${warmupSeconds} s of warm-up; text from ${corpus.source}; ` +
      `${cpus().length} CPUs, ${formatNumber(totalmem() / 1024 ** 3, 1)} GiB, node ${process.version}; ` +
      `PostgreSQL at ${postgresShown.host}${postgresShown.pathname}\n`,
  );
  const results: Result[] = [];
  for (const configuration of configurations) {
    const result = await runConfiguration(corpus, configuration);
    results.push(result);
    process.stderr.write(
      `  ${formatNumber(result.observations / result.seconds)} observations/s, ask p95 ` +
        `${formatNumber(result.askLatency.p95)} ms, ${result.ingestErrors + result.askErrors} errors\n`,
    );
  }
  const table = markdownTable(
    [
      'configuration',
      'observations/s',
      'batch p50 ms',
      'batch p95 ms',
      'asks',
      'ask p50 ms',
      'ask p95 ms',
      'errors, whole run (ingest/ask)',
      'stored at end',
      'memory behind at end',
      'CPU: servers',
      'CPU: PostgreSQL',
      'CPU: machine',
      'load (1 min)',
    ],
    results.map((r) => [
      r.configuration.label,
      formatNumber(r.observations / r.seconds),
      formatNumber(r.batchLatency.p50),
      formatNumber(r.batchLatency.p95),
      formatNumber(r.askLatency.count),
      formatNumber(r.askLatency.p50),
      formatNumber(r.askLatency.p95),
      `${r.ingestErrors} / ${r.askErrors}`,
      formatNumber(r.stored),
      formatNumber(r.memoryBehind),
      cores(r.serverCpu),
      cores(r.postgresCpu),
      cores(r.machineCpu),
      formatNumber(r.load, 1),
    ]),
  );
  process.stdout.write(
    `\n${table}\n\n${deviceCount} devices (each its own token, round-robin over the servers) POSTing batches of ` +
      `${batchSize} text observations as fast as acknowledged, ${askerCount} clients asking in a loop; ` +
      `${measuredSeconds} s measured after ${warmupSeconds} s warm-up. CPU columns are cores busy on average ` +
      `(${cpus().length} on this machine): the bench, the servers and PostgreSQL share them. Every acknowledged ` +
      `observation was counted stored by \`familiar status\` after the servers stopped; "memory behind" counts ` +
      `stored observations the memory pass (facts) had not read yet when they stopped. Questions cited an ` +
      `observation in ${results.map((r) => `${formatNumber(r.cited * 100)} %`).join(' / ')} of answers.\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`scale bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
