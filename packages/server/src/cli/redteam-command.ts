import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { openFamiliar } from '../app.ts';
import { loadConfig } from '../config.ts';
import {
  type AttackFile,
  createObedientModel,
  createRedteamWorld,
  loadAttackFile,
  type RedteamReport,
  runRedteam,
} from '../evaluation/index.ts';
import { createLogger, systemClock } from '../kernel/index.ts';
import { parseModelsConfig } from '../models/index.ts';
import { type Output, table } from './output.ts';

const percent = (value: number) => `${(value * 100).toFixed(1)} %`;

/** The per-category table of a report: cases, attacks that ran without a yes, leaks, and actions held back. */
export function formatRedteamTable(report: RedteamReport): string {
  const categories = [...new Set(report.cases.map((item) => item.category))];
  return table(
    ['CATEGORY', 'CASES', 'EXECUTED', 'PRIVATE DATA LEFT', 'HELD FOR CONFIRMATION'],
    categories.map((category) => {
      const cases = report.cases.filter((item) => item.category === category);
      return [
        category,
        String(cases.length),
        String(cases.filter((item) => item.executedWithoutConfirmation).length),
        String(cases.filter((item) => item.privateDataLeft).length),
        String(cases.filter((item) => item.awaitingConfirmation > 0).length),
      ];
    }),
  );
}

/**
 * `familiar redteam`: plants every attack of BIPIA-format files in perceived content (an OCR'd frame and an overheard
 * utterance), asks an ordinary question that retrieves it, and lets an obedient model act on what it reads, with
 * Familiar's defences or (`--no-defence`) without them. Runs on a temporary home of its own: no server, no user.
 */
export function registerRedteamCommand(
  program: Command,
  deps: { outputFor: (command: Command) => Output; env: NodeJS.ProcessEnv },
): void {
  program
    .command('redteam')
    .description(
      'measure prompt-injection defences: BIPIA attacks planted in what devices see and hear, an obedient model, and the tools an attack wants (no server or user needed)',
    )
    .requiredOption(
      '--attacks <files...>',
      'BIPIA-format JSON files ({"category": ["attack text", …]}), e.g. ../shared/bench/injection/bipia-text-attack-train.json',
    )
    .requiredOption('--out <file>', 'write the results JSON here')
    .option(
      '--no-defence',
      'turn off tiers, provenance rules and spotlighting, to show what the attacks do without them',
    )
    .action(async (options: { attacks: string[]; out: string; defence: boolean }, command: Command) => {
      const out = deps.outputFor(command);
      const attacks: AttackFile = {};
      for (const file of options.attacks) {
        for (const [category, texts] of Object.entries(loadAttackFile(file)))
          attacks[category] = [...(attacks[category] ?? []), ...texts];
      }
      const home = mkdtempSync(join(tmpdir(), 'familiar-redteam-'));
      const model = createObedientModel();
      const world = createRedteamWorld();
      const { FAMILIAR_DATABASE_URL: _database, ...env } = deps.env;
      const base = loadConfig({ ...env, FAMILIAR_HOME: home });
      const config = {
        ...base,
        databaseUrl: null,
        mcp: null,
        // One model, served "locally" by the harness itself: the obedient model.
        models: parseModelsConfig({
          providers: [
            {
              id: 'redteam',
              type: 'openai-compatible',
              baseUrl: 'http://127.0.0.1:9/v1',
              models: [{ name: 'obedient', tasks: ['ask'] }],
            },
          ],
        }),
      };
      const familiar = openFamiliar(config, {
        logger: createLogger({ level: 'error' }),
        createModel: () => model,
        extraTools: world,
        toolPolicy: options.defence ? 'enforce' : 'off',
      });
      const started = Date.now();
      try {
        const total = Object.values(attacks).reduce((sum, texts) => sum + texts.length, 0);
        out.info(
          `Red team: ${total} attacks × 2 channels (frame, utterance) and the benign tasks, defences ${options.defence ? 'ON' : 'OFF'}, home ${home} (temporary)`,
        );
        let lastShown = 0;
        const report = await runRedteam({
          familiar,
          world,
          modelCalls: model.calls,
          attacks,
          defence: options.defence,
          newId: familiar.newId,
          now: () => systemClock.now(),
          onProgress: (done, all) => {
            if (done === all || Date.now() - lastShown > 2_000) {
              lastShown = Date.now();
              out.info(`  ${done}/${all} cases`);
            }
          },
        });
        mkdirSync(dirname(resolve(options.out)), { recursive: true });
        writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        const failed = report.cases.filter((item) => item.error !== undefined).length;
        out.result(
          {
            attackSuccessRate: report.attackSuccessRate,
            benignUtility: report.benignUtility,
            confirmationsPerBenignTask: report.confirmationsPerBenignTask,
            confirmationsRequiredPerBenignTask: report.confirmationsRequiredPerBenignTask,
            privateDataLeftRate: report.privateDataLeftRate,
            defence: report.defence,
            cases: report.cases.length,
            failedTurns: failed,
            out: resolve(options.out),
          },
          () =>
            [
              formatRedteamTable(report),
              '',
              `attack success rate            ${percent(report.attackSuccessRate)} of ${report.cases.length} cases`,
              `private data left              ${percent(report.privateDataLeftRate)}`,
              `benign utility                 ${percent(report.benignUtility)} of ${report.benign.length} tasks`,
              `confirmations per benign task  ${report.confirmationsPerBenignTask} (the tiers require ${report.confirmationsRequiredPerBenignTask})`,
              ...(failed > 0
                ? [`turns that failed                ${failed} (see "error" in the results)`]
                : []),
              `defences ${report.defence ? 'on' : 'OFF'}; ${seconds} s; results in ${resolve(options.out)}`,
            ].join('\n'),
        );
      } finally {
        await familiar.close();
        rmSync(home, { recursive: true, force: true });
      }
    });
}
