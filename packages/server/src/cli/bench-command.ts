import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { openFamiliar } from '../app.ts';
import { loadConfig } from '../config.ts';
import { type RecallRow, readLocomoFile, runLocomo } from '../evaluation/index.ts';
import { createLogger, ValidationError } from '../kernel/index.ts';
import { type Output, table } from './output.ts';

/** The published BM25 baseline (evidence recall, dialog turns as units, categories 1–4; ../shared/bench/README.md). */
export const LOCOMO_BM25_BASELINE = {
  recallAt5: 53.4 / 100,
  recallAt10: 61.0 / 100,
  recallAt25: 69.3 / 100,
} as const;

const percent = (value: number) => `${(value * 100).toFixed(1)}`;

/** The recall table the harness prints, with the BM25 baseline beside the overall row. */
export function formatRecallTable(rows: readonly RecallRow[]): string {
  return table(
    ['CATEGORY', 'QUESTIONS', 'R@5', 'R@10', 'R@25', 'ALL IN TOP 10'],
    [
      ...rows.map((row) => [
        row.category,
        String(row.questions),
        percent(row.recallAt5),
        percent(row.recallAt10),
        percent(row.recallAt25),
        percent(row.allInTop10),
      ]),
      [
        'BM25 baseline (published)',
        '',
        percent(LOCOMO_BM25_BASELINE.recallAt5),
        percent(LOCOMO_BM25_BASELINE.recallAt10),
        percent(LOCOMO_BM25_BASELINE.recallAt25),
        '',
      ],
    ],
  );
}

/** `familiar bench locomo`: the LoCoMo retrieval harness (no server, no existing user needed). */
export function registerBenchCommand(
  program: Command,
  deps: { outputFor: (command: Command) => Output; env: NodeJS.ProcessEnv },
): void {
  const bench = program.command('bench').description('measure Familiar on public benchmarks');
  bench
    .command('locomo')
    .description(
      'evidence recall of memory retrieval on a LoCoMo-format file: each conversation becomes a user, every question is asked through the retrieval `ask` uses',
    )
    .requiredOption('--data <file>', 'LoCoMo-format JSON, e.g. ../shared/bench/locomo/locomo-dev.json')
    .option('--k <n>', 'how many turn ids to rank per question', '50')
    .option('--out <file>', 'write {"questions": [{sample_id, qa_index, question, category, ranked}]} here')
    .action(async (options: { data: string; k: string; out?: string }, command: Command) => {
      const out = deps.outputFor(command);
      const k = Number(options.k);
      if (!Number.isInteger(k) || k < 25 || k > 500)
        throw new ValidationError(
          '--k must be a whole number from 25 to 500 (recall is reported at 5, 10 and 25)',
        );
      const samples = readLocomoFile(options.data);
      const home = command.optsWithGlobals<{ home?: string }>().home || deps.env.FAMILIAR_HOME || undefined;
      const temporary = home ? null : mkdtempSync(join(tmpdir(), 'familiar-locomo-'));
      const config = loadConfig({ ...deps.env, FAMILIAR_HOME: home ?? temporary! });
      const familiar = openFamiliar(config, { logger: createLogger({ level: 'warn' }) });
      try {
        out.info(
          `LoCoMo harness: data ${resolve(options.data)}, home ${config.home}${temporary ? ' (temporary)' : ''}`,
        );
        const { rankings, report } = await runLocomo(familiar, {
          samples,
          k,
          onProgress: (message) => out.info(message),
        });
        if (options.out) {
          mkdirSync(dirname(resolve(options.out)), { recursive: true });
          writeFileSync(options.out, `${JSON.stringify({ questions: rankings })}\n`);
          out.info(`Rankings written to ${resolve(options.out)}`);
        }
        out.result({ ...report, baseline: { bm25: LOCOMO_BM25_BASELINE } }, () =>
          [
            `${report.conversations} conversations, ${report.turns} turns, ${report.questions} questions; retrieval: ${report.paths.join(' + ')}`,
            `ingest ${report.ingestSeconds.toFixed(1)} s, memory ${report.understandSeconds.toFixed(1)} s, retrieval ${report.retrieveSeconds.toFixed(1)} s (${((report.retrieveSeconds * 1000) / Math.max(report.questions, 1)).toFixed(1)} ms per question)`,
            '',
            formatRecallTable(report.rows),
          ].join('\n'),
        );
      } finally {
        await familiar.close();
        if (temporary) rmSync(temporary, { recursive: true, force: true });
      }
    });
}
