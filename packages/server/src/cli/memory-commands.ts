import type { Command } from 'commander';
import type { User } from '../accounts/index.ts';
import type { Familiar } from '../app.ts';
import { presentPersonAssistantView } from '../assistant/index.ts';
import { formatMoment, ValidationError } from '../kernel/index.ts';
import {
  type Actor,
  type Fact,
  type FactKind,
  FactKindSchema,
  presentEpisode,
  presentFact,
  presentObservation,
  presentPerson,
} from '../memory/index.ts';
import { type Output, table } from './output.ts';
import { parseTimeArgument } from './time-arguments.ts';

type WithFamiliar = <T>(
  command: Command,
  work: (familiar: Familiar, out: Output) => Promise<T>,
) => Promise<T>;

const FACT_KINDS: readonly FactKind[] = FactKindSchema.options;

const cliActor = (user: User): Actor => ({ userId: user.id, deviceId: null, label: 'cli' });

function short(text: string, max = 70): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

function factRows(facts: readonly Fact[], timezone: string): string[][] {
  return facts.map((fact) => [
    fact.id,
    fact.kind,
    short(fact.statement, 60),
    fact.validFrom === null ? '' : formatMoment(fact.validFrom, timezone),
    fact.status === 'active' ? fact.origin : `superseded by ${fact.supersededBy}`,
  ]);
}

/**
 * `familiar facts`, `familiar episodes`, `familiar memory` and `people show|edit|delete`: what memory holds about a
 * person's life, and their corrections. Memory catches up with the timeline before it is shown.
 */
export function registerMemoryCommands(
  program: Command,
  people: Command,
  deps: { withFamiliar: WithFamiliar },
) {
  const { withFamiliar } = deps;

  /** Opens the user's memory brought up to date with their timeline. */
  async function caughtUp(familiar: Familiar, userName: string | undefined): Promise<User> {
    const owner = await familiar.accounts.resolveUser(userName);
    await familiar.catchUpUser({ id: owner.id, timezone: owner.timezone }, { assistant: false });
    return owner;
  }

  const facts = program
    .command('facts')
    .description(
      'what memory learned: people, places, commitments, preferences, dates (each with its sources)',
    )
    .option('--kind <kind>', `only one kind: ${FACT_KINDS.join(', ')}`)
    .option('--about <name>', 'only facts about someone or something')
    .option('--all', 'include facts a newer one superseded')
    .option('--limit <n>', 'at most this many (newest first)', '50')
    .option('--user <name>', 'whose memory (default: the only user)')
    .action(
      async (
        options: { kind?: string; about?: string; all?: boolean; limit: string; user?: string },
        command: Command,
      ) =>
        withFamiliar(command, async (familiar, out) => {
          if (options.kind && !FACT_KINDS.includes(options.kind as FactKind))
            throw new ValidationError(`--kind must be one of ${FACT_KINDS.join(', ')}`);
          const limit = Number(options.limit);
          if (!Number.isInteger(limit) || limit < 1)
            throw new ValidationError('--limit must be a whole number');
          const owner = await caughtUp(familiar, options.user);
          const list = await familiar.memory.listFacts(cliActor(owner), {
            limit,
            status: options.all ? 'all' : 'active',
            ...(options.kind ? { kind: options.kind as FactKind } : {}),
            ...(options.about ? { about: options.about } : {}),
          });
          out.result(
            { facts: list.map(presentFact) },
            list.length === 0
              ? 'No facts yet: memory learns them from what you say and write (notes, chats, conversations).'
              : table(['ID', 'KIND', 'STATEMENT', 'WHEN', 'ORIGIN'], factRows(list, owner.timezone)),
          );
        }),
    );
  facts
    .command('show <id>')
    .description('one fact with the observations it came from')
    .option('--user <name>', 'whose memory (default: the only user)')
    .action(async (id: string, options: { user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        const actor = cliActor(owner);
        const fact = await familiar.memory.getFact(actor, id.toUpperCase());
        const sources = await Promise.all(fact.sources.map((source) => familiar.timeline.get(actor, source)));
        out.result({ ...presentFact(fact), sourceObservations: sources.map(presentObservation) }, () =>
          [
            `${fact.statement}`,
            `kind ${fact.kind} · ${fact.subject} ${fact.predicate} ${fact.object} · ${fact.origin}, ${fact.trust}, confidence ${fact.confidence.toFixed(2)}`,
            fact.status === 'superseded' ? `superseded by ${fact.supersededBy}` : 'active',
            'sources:',
            ...sources.map(
              (observation) =>
                `  ${formatMoment(observation.capturedAt, owner.timezone)} (${observation.modality}): "${short(observation.text, 120)}"`,
            ),
          ].join('\n'),
        );
      }),
    );
  facts
    .command('correct <id>')
    .description('correct a fact: the corrected one supersedes it (the old one is kept, marked superseded)')
    .option('--object <value>', 'the right value ("Porto", "green tea")')
    .option('--statement <text>', 'the sentence to show')
    .option('--user <name>', 'whose memory (default: the only user)')
    .action(
      async (id: string, options: { object?: string; statement?: string; user?: string }, command: Command) =>
        withFamiliar(command, async (familiar, out) => {
          if (!options.object?.trim() && !options.statement?.trim())
            throw new ValidationError('say what is right: --object <value> and/or --statement <text>');
          const owner = await familiar.accounts.resolveUser(options.user);
          const { fact, previous } = await familiar.memory.correctFact(cliActor(owner), id.toUpperCase(), {
            ...(options.object?.trim() ? { object: options.object.trim() } : {}),
            ...(options.statement?.trim() ? { statement: options.statement.trim() } : {}),
          });
          out.result(
            { fact: presentFact(fact), superseded: presentFact(previous) },
            `Corrected: "${fact.statement}" (${fact.id}) now supersedes "${previous.statement}".`,
          );
        }),
    );
  facts
    .command('delete <id>')
    .description(
      'delete a fact (the observations it came from stay; delete those to forget the moment itself)',
    )
    .option('--user <name>', 'whose memory (default: the only user)')
    .action(async (id: string, options: { user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        await familiar.memory.deleteFact(cliActor(owner), id.toUpperCase());
        out.result({ deleted: { facts: 1 } }, `Fact ${id.toUpperCase()} deleted.`);
      }),
    );

  const episodes = program
    .command('episodes')
    .description('your timeline in episodes (conversations, outings, stretches of work), newest first')
    .option('--from <time>', 'from (2026-11-03, 2026-11-03T14:00 in your zone, or ISO)')
    .option('--to <time>', 'until (exclusive)')
    .option('--limit <n>', 'at most this many', '20')
    .option('--user <name>', 'whose timeline (default: the only user)')
    .action(async (options: { from?: string; to?: string; limit: string; user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const limit = Number(options.limit);
        if (!Number.isInteger(limit) || limit < 1)
          throw new ValidationError('--limit must be a whole number');
        const owner = await caughtUp(familiar, options.user);
        const list = await familiar.memory.listEpisodes(cliActor(owner), {
          order: 'desc',
          limit,
          ...(options.from ? { fromMs: parseTimeArgument(options.from, owner.timezone, '--from') } : {}),
          ...(options.to ? { toMs: parseTimeArgument(options.to, owner.timezone, '--to') } : {}),
        });
        out.result(
          { episodes: list.map(presentEpisode) },
          list.length === 0
            ? 'No episodes yet: they form as observations arrive.'
            : table(
                ['ID', 'STARTED', 'MINUTES', 'TITLE'],
                list.map((episode) => [
                  episode.id,
                  formatMoment(episode.startedAt, owner.timezone),
                  String(Math.max(1, Math.round((episode.endedAt - episode.startedAt) / 60_000))),
                  short(episode.title, 70),
                ]),
              ),
        );
      }),
    );
  episodes
    .command('show <id>')
    .description('one episode with its observations')
    .option('--user <name>', 'whose timeline (default: the only user)')
    .action(async (id: string, options: { user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        const { episode, observations } = await familiar.memory.getEpisode(cliActor(owner), id.toUpperCase());
        out.result({ ...presentEpisode(episode), observations: observations.map(presentObservation) }, () =>
          [
            `${episode.title}`,
            `${formatMoment(episode.startedAt, owner.timezone)} – ${formatMoment(episode.endedAt, owner.timezone)}`,
            episode.summary,
            '',
            ...observations.map(
              (observation) =>
                `  ${formatMoment(observation.capturedAt, owner.timezone)} (${observation.modality}): ${short(observation.text, 120)}`,
            ),
          ].join('\n'),
        );
      }),
    );
  episodes
    .command('edit <id>')
    .description('give an episode your own title or summary (kept when the timeline is re-segmented)')
    .option('--title <text>', 'the title')
    .option('--summary <text>', 'the summary')
    .option('--user <name>', 'whose timeline (default: the only user)')
    .action(
      async (id: string, options: { title?: string; summary?: string; user?: string }, command: Command) =>
        withFamiliar(command, async (familiar, out) => {
          if (!options.title?.trim() && options.summary === undefined)
            throw new ValidationError('say what to change: --title <text> and/or --summary <text>');
          const owner = await familiar.accounts.resolveUser(options.user);
          const episode = await familiar.memory.editEpisode(cliActor(owner), id.toUpperCase(), {
            ...(options.title?.trim() ? { title: options.title.trim() } : {}),
            ...(options.summary !== undefined ? { summary: options.summary.trim() } : {}),
          });
          out.result(presentEpisode(episode), `Episode ${episode.id} is now "${episode.title}".`);
        }),
    );
  episodes
    .command('delete <id>')
    .description('forget an episode: its observations, their media, and the facts that came only from them')
    .option('--user <name>', 'whose timeline (default: the only user)')
    .action(async (id: string, options: { user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        const result = await familiar.memory.deleteEpisode(cliActor(owner), id.toUpperCase());
        out.result(
          {
            deleted: {
              episodes: 1,
              observations: result.observations,
              captures: result.captures,
              blobs: result.unreferencedBlobs.length,
            },
          },
          `Episode forgotten: ${result.observations} observations and ${result.captures} captures deleted.`,
        );
      }),
    );

  people
    .command('show <name>')
    .description(
      'a person: relationship, dates that matter, when they last came up, open promises, what to follow up, and what memory knows',
    )
    .option('--user <name>', 'whose contact (default: the only user)')
    .action(async (name: string, options: { user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await caughtUp(familiar, options.user);
        // The assistant follows memory: its promises and follow-ups about them are current too.
        await familiar.catchUpUser({ id: owner.id, timezone: owner.timezone });
        const actor = cliActor(owner);
        const found = await familiar.memory.findPerson(actor, name);
        const { person, facts: about } = await familiar.memory.getPerson(actor, found.id);
        const view = await familiar.assistant.person({ ...actor, timezone: owner.timezone }, found.id);
        const when = (ms: number | null) => (ms === null ? 'never' : formatMoment(ms, owner.timezone));
        const due = (ms: number | null) => (ms === null ? '' : ` (due ${formatMoment(ms, owner.timezone)})`);
        const inDays = (days: number) => (days === 0 ? 'today' : days === 1 ? 'tomorrow' : `in ${days} days`);
        const none = (lines: string[]) => (lines.length > 0 ? lines : ['  none']);
        out.result(
          {
            ...presentPerson(person),
            facts: about.map(presentFact),
            assistant: presentPersonAssistantView(view),
          },
          () =>
            [
              `${person.name}${person.aliases.length ? ` (also ${person.aliases.join(', ')})` : ''}${person.relationship ? `, your ${person.relationship}` : ''}`,
              ...person.importantDates.map((date) => `  ${date.label}: ${date.date}`),
              `last seen ${when(person.lastSeenAt)} · heard ${when(person.lastHeardAt)} · mentioned ${when(person.lastMentionedAt)}`,
              'Open promises:',
              ...none(view.openPromises.map((item) => `  ${item.title}${due(item.due)}  [${item.id}]`)),
              'To follow up:',
              ...none(view.followUps.map((item) => `  ${item.title}${due(item.due)}  [${item.id}]`)),
              'Coming dates:',
              ...none(
                view.nextDates.map((date) => `  ${date.label}: ${date.date} (${inDays(date.daysAhead)})`),
              ),
              `Last interaction: ${view.lastInteraction === null ? 'none yet' : `${view.lastInteraction.how} ${formatMoment(view.lastInteraction.at, owner.timezone)}`}`,
              ...(about.length
                ? ['', table(['ID', 'KIND', 'STATEMENT', 'WHEN', 'ORIGIN'], factRows(about, owner.timezone))]
                : []),
            ].join('\n'),
        );
      }),
    );
  people
    .command('edit <name>')
    .description('correct a person’s record')
    .option('--name <name>', 'their name')
    .option('--alias <alias...>', 'their other names (replaces the list)')
    .option('--relationship <relation>', 'how they relate to you ("sister", "manager"); "none" clears it')
    .option('--date <label=YYYY-MM-DD...>', 'dates that matter, e.g. birthday=1990-03-14 or birthday=--03-14')
    .option('--user <name>', 'whose contact (default: the only user)')
    .action(
      async (
        name: string,
        options: { name?: string; alias?: string[]; relationship?: string; date?: string[]; user?: string },
        command: Command,
      ) =>
        withFamiliar(command, async (familiar, out) => {
          const importantDates = options.date?.map((entry) => {
            const match = /^([^=]+)=((\d{4}|-)-\d{2}-\d{2})$/.exec(entry.trim());
            if (!match)
              throw new ValidationError(
                `--date "${entry}" must look like birthday=1990-03-14 or birthday=--03-14`,
              );
            return { label: match[1]!.trim(), date: match[2]! };
          });
          if (!options.name && !options.alias && !options.relationship && !importantDates)
            throw new ValidationError('say what to change: --name, --alias, --relationship or --date');
          const owner = await familiar.accounts.resolveUser(options.user);
          const actor = cliActor(owner);
          const found = await familiar.memory.findPerson(actor, name);
          const person = await familiar.memory.editPerson(actor, found.id, {
            ...(options.name ? { name: options.name } : {}),
            ...(options.alias ? { aliases: options.alias } : {}),
            ...(options.relationship
              ? { relationship: options.relationship === 'none' ? null : options.relationship }
              : {}),
            ...(importantDates ? { importantDates } : {}),
          });
          out.result(presentPerson(person), `Updated ${person.name}.`);
        }),
    );
  people
    .command('delete <name>')
    .description('delete a person: their record, voice and face prints, and the facts about them')
    .option('--user <name>', 'whose contact (default: the only user)')
    .action(async (name: string, options: { user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        const actor = cliActor(owner);
        const found = await familiar.memory.findPerson(actor, name);
        const result = await familiar.memory.deletePerson(actor, found.id);
        out.result(
          { deleted: { people: 1, facts: result.facts } },
          `${found.name} deleted, with their voice and face prints and ${result.facts} facts about them.`,
        );
      }),
    );

  const memory = program.command('memory').description('the understanding pass: facts, episodes and vectors');
  memory
    .command('update')
    .description('bring memory up to date with the timeline now (the server does this every few seconds)')
    .option('--user <name>', 'whose memory (default: the only user)')
    .action(async (options: { user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        const { memory: result } = await familiar.catchUpUser(
          { id: owner.id, timezone: owner.timezone },
          { assistant: false },
        );
        if (!result) {
          out.result(
            { skipped: true },
            'Another Familiar process is bringing this memory up to date right now; try again in a moment.',
          );
          return;
        }
        out.result(
          result,
          `Read ${result.observations} new observations: ${result.facts.created} new facts (${result.facts.superseded} superseded an older one), ${result.episodes} episodes written, ${result.embedded} embedded${result.embeddingsPending ? `, ${result.embeddingsPending} still waiting for the embedder` : ''}.`,
        );
      }),
    );
}
