/**
 * The cost of encryption at rest: the same work on a plain data directory and on one with FAMILIAR_KEY set (SQLite
 * pages under ChaCha20-Poly1305, blobs under AES-256-GCM), side by side. In process, through the real stores
 * (`openSqliteStores`, `openBlobStore`): ingest throughput (batches of 100 observations, each a transaction with
 * synchronous=FULL and its FTS5 entries), lexical search latency (`searchObservations`, BM25, 20 hits), and blob
 * write and read speed (1 MiB blobs; a write is hashed, sealed, fsynced and renamed). Each round makes a fresh plain
 * and a fresh encrypted directory and runs every step on both back to back (order alternating), so the two share
 * the disk's and the CPU's ups and downs on a busy machine; the median round is reported.
 * Run: `npm run bench:encryption [-- --observations 20000 --rounds 3 --blobs 48]`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { monotonicFactory } from 'ulidx';
import { createAccounts } from '../packages/server/src/accounts/index.ts';
import { loadConfig } from '../packages/server/src/config.ts';
import { createUlidGenerator, systemClock } from '../packages/server/src/kernel/index.ts';
import type { NewObservation } from '../packages/server/src/memory/index.ts';
import { openBlobStore, openSqliteStores } from '../packages/server/src/stores.ts';
import { loadCorpus } from './corpus.ts';
import { formatNumber, markdownTable, seededRandom, summarise } from './stats.ts';

const { values: options } = parseArgs({
  options: {
    observations: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    blobs: { type: 'string', default: '48' },
    queries: { type: 'string', default: '300' },
  },
});

function positiveInteger(value: string | undefined, name: string, max: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > max) throw new Error(`--${name} must be 1…${max}`);
  return parsed;
}

const observationCount = positiveInteger(options.observations, 'observations', 5_000_000);
const rounds = positiveInteger(options.rounds, 'rounds', 20);
const blobCount = positiveInteger(options.blobs, 'blobs', 10_000);
const queryCount = positiveInteger(options.queries, 'queries', 100_000);
const BATCH = 100;
const BLOB_BYTES = 2 ** 20;
const KEY = randomBytes(32).toString('hex');
const corpus = loadCorpus();

interface RoundResult {
  observationsPerSecond: number;
  searchP50: number;
  searchP95: number;
  blobWriteMBps: number;
  blobReadMBps: number;
}

type Mode = 'off' | 'on';
const MODES: readonly Mode[] = ['off', 'on'];

function queryTerms(question: string): string[] {
  return [...new Set(question.toLowerCase().match(/[a-z0-9]{3,}/g) ?? [])].slice(0, 8);
}

/** Runs `work` for both modes, in an order that alternates with `step`, and adds each one's milliseconds. */
async function paired(step: number, spent: Record<Mode, number>, work: (mode: Mode) => Promise<unknown>) {
  for (const mode of step % 2 === 0 ? MODES : [...MODES].reverse()) {
    const started = performance.now();
    await work(mode);
    spent[mode] += performance.now() - started;
  }
}

/**
 * One round: a fresh plain home and a fresh encrypted one, side by side. Every step (a batch, a query, a blob) runs
 * on both, one right after the other in alternating order, so both see the same disk and CPU weather.
 */
async function runRound(round: number): Promise<Record<Mode, RoundResult>> {
  const homes = Object.fromEntries(
    MODES.map((mode) => [mode, mkdtempSync(join(tmpdir(), `familiar-bench-encryption-${mode}-`))]),
  ) as Record<Mode, string>;
  const newId = createUlidGenerator();
  const configs = {
    off: loadConfig({ FAMILIAR_HOME: homes.off }),
    on: loadConfig({ FAMILIAR_HOME: homes.on, FAMILIAR_KEY: KEY }),
  };
  const stores = {
    off: openSqliteStores(configs.off, { clock: systemClock, newId }),
    on: openSqliteStores(configs.on, { clock: systemClock, newId }),
  };
  try {
    const users = {
      off: await createAccounts({ store: stores.off.accounts, clock: systemClock, newId }).addUser({
        name: 'b',
      }),
      on: await createAccounts({ store: stores.on.accounts, clock: systemClock, newId }).addUser({
        name: 'b',
      }),
    };
    const random = seededRandom(7 + round);
    const nextId = monotonicFactory(random);
    let capturedAt = Date.parse('2025-01-01T00:00:00Z');
    const batch = (): NewObservation[] =>
      Array.from({ length: BATCH }, () => {
        capturedAt += 30_000;
        return {
          id: nextId(capturedAt),
          deviceId: null,
          modality: 'note',
          capturedAt,
          receivedAt: capturedAt,
          text: corpus.nextText(random),
          captureId: null,
          provenance: null,
          trust: 'authored',
        };
      });
    const ingest = { off: 0, on: 0 };
    for (let written = 0, step = 0; written < observationCount; written += BATCH, step += 1) {
      const observations = batch();
      await paired(step, ingest, (mode) =>
        stores[mode].timeline.insertObservations(users[mode].id, observations),
      );
    }

    const durations: Record<Mode, number[]> = { off: [], on: [] };
    for (let i = 0; i < queryCount; i += 1) {
      const terms = queryTerms(corpus.questions[i % corpus.questions.length]!);
      const spent = { off: 0, on: 0 };
      await paired(i, spent, (mode) => stores[mode].timeline.searchObservations(users[mode].id, terms, 20));
      durations.off.push(spent.off);
      durations.on.push(spent.on);
    }

    const blobs = { off: openBlobStore(configs.off), on: openBlobStore(configs.on) };
    const writes = { off: 0, on: 0 };
    const reads = { off: 0, on: 0 };
    const hashes: string[] = [];
    for (let i = 0; i < blobCount; i += 1) {
      const bytes = randomBytes(BLOB_BYTES);
      await paired(i, writes, (mode) => blobs[mode].put(users[mode].id, bytes));
      hashes.push(createHash('sha256').update(bytes).digest('hex'));
    }
    for (const [i, sha] of hashes.entries())
      await paired(i, reads, async (mode) => {
        if (!(await blobs[mode].get(users[mode].id, sha))) throw new Error('a blob went missing');
      });
    const megabytes = (blobCount * BLOB_BYTES) / 2 ** 20;
    const result = (mode: Mode): RoundResult => {
      const search = summarise(durations[mode]);
      return {
        observationsPerSecond: observationCount / (ingest[mode] / 1000),
        searchP50: search.p50,
        searchP95: search.p95,
        blobWriteMBps: megabytes / (writes[mode] / 1000),
        blobReadMBps: megabytes / (reads[mode] / 1000),
      };
    };
    return { off: result('off'), on: result('on') };
  } finally {
    await stores.off.close();
    await stores.on.close();
    for (const home of Object.values(homes)) rmSync(home, { recursive: true, force: true });
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

const results: Record<Mode, RoundResult[]> = { off: [], on: [] };
for (let round = 0; round < rounds; round += 1) {
  const both = await runRound(round);
  for (const mode of MODES) {
    const result = both[mode];
    results[mode].push(result);
    process.stderr.write(
      `round ${round + 1} ${mode === 'on' ? 'encrypted' : 'plain    '}: ${formatNumber(result.observationsPerSecond)} obs/s, search p95 ${result.searchP95.toFixed(2)} ms, blobs ${result.blobWriteMBps.toFixed(0)} / ${result.blobReadMBps.toFixed(0)} MB/s\n`,
    );
  }
}

const summary = (key: keyof RoundResult) => ({
  off: median(results.off.map((r) => r[key])),
  on: median(results.on.map((r) => r[key])),
});
const rows: Array<[string, keyof RoundResult, number, boolean]> = [
  ['ingest, observations/s', 'observationsPerSecond', 0, true],
  ['lexical search p50, ms', 'searchP50', 2, false],
  ['lexical search p95, ms', 'searchP95', 2, false],
  ['blob write, MB/s (1 MiB, fsynced)', 'blobWriteMBps', 0, true],
  ['blob read, MB/s (1 MiB)', 'blobReadMBps', 0, true],
];
const table = markdownTable(
  ['measure', 'plain', 'encrypted', 'change'],
  rows.map(([label, key, decimals, higherIsBetter]) => {
    const { off, on } = summary(key);
    const change = ((on - off) / off) * 100;
    return [
      label,
      formatNumber(off, decimals),
      formatNumber(on, decimals),
      `${change >= 0 ? '+' : ''}${change.toFixed(1)} %${(higherIsBetter ? change < 0 : change > 0) ? ' (cost)' : ''}`,
    ];
  }),
);
console.log(
  `Encryption at rest: median of ${rounds} rounds; ${formatNumber(observationCount)} observations in batches of ${BATCH}, ${formatNumber(queryCount)} searches, ${blobCount} blobs of 1 MiB; ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}.\n`,
);
console.log(table);
