import type { Command } from 'commander';
import type { Familiar } from '../app.ts';
import { ValidationError } from '../kernel/index.ts';
import { SENSITIVITIES, type Sensitivity, TASKS, type Task } from '../models/index.ts';
import { type Output, table } from './output.ts';

type WithFamiliar = <T>(
  command: Command,
  work: (familiar: Familiar, out: Output) => Promise<T>,
) => Promise<T>;

/** `familiar models` (the catalog: where each model runs, its licence and how open it is) and `models route`. */
export function registerModelsCommands(program: Command, deps: { withFamiliar: WithFamiliar }): void {
  const models = program
    .command('models')
    .description(
      'the language models Familiar knows and which you configured (familiar.config.json → models)',
    )
    .option('--configured', 'only the models you configured')
    .action(async (options: { configured?: boolean }, command: Command) =>
      deps.withFamiliar(command, async (familiar, out) => {
        const described = familiar.models.describe();
        const list = options.configured
          ? described.models.filter((model) => model.configured)
          : described.models;
        const unknown = familiar.models.configured.filter((model) => model.entry === null);
        out.result({ models: list }, () =>
          [
            table(
              ['MODEL', 'RUNS', 'CONFIGURED', 'OPEN WEIGHTS', 'LICENCE'],
              list.map((model) => [
                model.id,
                model.runsOn,
                model.configured ? 'yes' : '',
                model.openness.weights ? 'yes' : 'no',
                model.licence.spdx ?? model.licence.name,
              ]),
            ),
            ...(unknown.length
              ? [
                  '',
                  `Configured but not in the catalog (treated as closed, text only): ${unknown.map((model) => model.id).join(', ')}`,
                ]
              : []),
            ...(familiar.models.configured.length === 0
              ? [
                  '',
                  'No model is configured: ask answers by quoting your memories. See docs/models-catalog.md.',
                ]
              : []),
          ].join('\n'),
        );
      }),
    );
  models
    .command('route')
    .description('which configured model would serve a call, and why the others would not')
    .requiredOption('--task <task>', TASKS.join(' | '))
    .requiredOption(
      '--sensitivity <class>',
      `${SENSITIVITIES.join(' | ')} (private: raw media, memory excerpts)`,
    )
    .action(async (options: { task: string; sensitivity: string }, command: Command) =>
      deps.withFamiliar(command, async (familiar, out) => {
        if (!TASKS.includes(options.task as Task))
          throw new ValidationError(`--task must be one of ${TASKS.join(', ')}`);
        if (!SENSITIVITIES.includes(options.sensitivity as Sensitivity))
          throw new ValidationError(`--sensitivity must be one of ${SENSITIVITIES.join(', ')}`);
        const decision = familiar.models.route({
          task: options.task as Task,
          sensitivity: options.sensitivity as Sensitivity,
        });
        out.result(decision, () =>
          [
            decision.choice ? `Choice: ${decision.reason}` : `No model: ${decision.reason}`,
            ...decision.candidates.map(
              (candidate) => `  ${candidate.id}: ${candidate.rejected ?? 'candidate'}`,
            ),
          ].join('\n'),
        );
      }),
    );
}
