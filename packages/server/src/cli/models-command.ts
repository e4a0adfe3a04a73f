import type { Command } from 'commander';
import type { Familiar } from '../app.ts';
import { ValidationError } from '../kernel/index.ts';
import { SENSITIVITIES, type Sensitivity, TASKS, type Task } from '../models/index.ts';
import { type Output, table } from './output.ts';

type WithFamiliar = <T>(
  command: Command,
  work: (familiar: Familiar, out: Output) => Promise<T>,
) => Promise<T>;

/**
 * `familiar models` (the catalog: where each model runs, its licence and how open it is), `models route` and
 * `models open-only on|off|status` (a person's own "Open models only" switch, as in the web app's Settings).
 */
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
    .option('--user <name>', "route as this user's calls are (with their own Open models only switch)")
    .action(async (options: { task: string; sensitivity: string; user?: string }, command: Command) =>
      deps.withFamiliar(command, async (familiar, out) => {
        if (!TASKS.includes(options.task as Task))
          throw new ValidationError(`--task must be one of ${TASKS.join(', ')}`);
        if (!SENSITIVITIES.includes(options.sensitivity as Sensitivity))
          throw new ValidationError(`--sensitivity must be one of ${SENSITIVITIES.join(', ')}`);
        const userId =
          options.user === undefined ? undefined : (await familiar.accounts.resolveUser(options.user)).id;
        const decision = await familiar.models.route(
          { task: options.task as Task, sensitivity: options.sensitivity as Sensitivity },
          userId,
        );
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

  const openOnly = models
    .command('open-only')
    .description(
      'keep a user’s calls to models with open weights (on top of models.openOnly in familiar.config.json)',
    );
  for (const [verb, on] of [
    ['on', true],
    ['off', false],
  ] as const) {
    openOnly
      .command(verb)
      .description(
        on
          ? 'only models whose weights the catalog lists as open may take the user’s calls'
          : 'let the router use closed models again (unless models.openOnly holds it on for everyone)',
      )
      .option('--user <name>', 'whose switch (default: the only user)')
      .action(async (options: { user?: string }, command: Command) =>
        deps.withFamiliar(command, async (familiar, out) => {
          const owner = await familiar.accounts.resolveUser(options.user);
          const { settings, changed } = await familiar.models.settings.setOpenOnly(
            { userId: owner.id, label: 'cli' },
            on,
          );
          out.result(
            { ...settings, changed },
            changed
              ? `Open models only is now ${on ? 'on' : 'off'} for ${owner.name}.`
              : `Open models only was already ${on ? 'on' : 'off'} for ${owner.name}${settings.lockedByConfig ? ' (models.openOnly holds it on for everyone)' : ''}.`,
          );
        }),
      );
  }
  openOnly
    .command('status')
    .description('show whether only open-weights models may take the user’s calls')
    .option('--user <name>', 'whose switch (default: the only user)')
    .action(async (options: { user?: string }, command: Command) =>
      deps.withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        const settings = await familiar.models.settings.view(owner.id);
        out.result(settings, () =>
          [
            `Open models only is ${settings.openOnly ? 'on' : 'off'} for ${owner.name}${settings.lockedByConfig ? ' (held on for everyone by models.openOnly in familiar.config.json)' : ''}.`,
            ...settings.models.map(
              (model) =>
                `  ${model.id}: ${model.openWeights ? 'open weights' : 'closed'}, ${model.local ? 'on this machine' : 'cloud'}${settings.openOnly && !model.openWeights ? ' (not used while the switch is on)' : ''}`,
            ),
          ].join('\n'),
        );
      }),
    );
}
