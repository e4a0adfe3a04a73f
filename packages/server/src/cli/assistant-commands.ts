import { readFile, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import type { ModelMessage } from 'ai';
import type { Command } from 'commander';
import type { User } from '../accounts/index.ts';
import type { Familiar } from '../app.ts';
import {
  type AssistantActor,
  type ChatReply,
  parseReminder,
  presentAction,
  presentDigest,
  presentGoal,
  presentInboxItem,
  presentProgress,
  presentSettings,
} from '../assistant/index.ts';
import type { GoalProgress, InboxItem, PendingAction } from '../assistant/types.ts';
import { formatMoment, ValidationError, wallClockAt, zonedTimeToEpoch } from '../kernel/index.ts';
import { type Output, table } from './output.ts';
import { parseTimeArgument } from './time-arguments.ts';

type WithFamiliar = <T>(
  command: Command,
  work: (familiar: Familiar, out: Output) => Promise<T>,
) => Promise<T>;

const actorOf = (user: User): AssistantActor => ({
  userId: user.id,
  deviceId: null,
  label: 'cli',
  timezone: user.timezone,
});

function short(text: string, max = 60): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(m|min|minutes?|h|hours?|d|days?|w|weeks?)$/i;

/**
 * A moment from the command line: a duration from now ("30m", "2h", "1d"), a local time today or, if it has passed,
 * tomorrow ("18:00"), a date ("2026-03-05", 09:00 local) or a date-time in the user's zone.
 */
export function parseWhen(value: string, timezone: string, now: number, flag: string): number {
  const text = value.trim();
  const duration = DURATION.exec(text);
  if (duration) {
    const amount = Number(duration[1]);
    const unit = duration[2]!.toLowerCase()[0];
    const ms = unit === 'm' ? 60_000 : unit === 'h' ? 3_600_000 : unit === 'd' ? 86_400_000 : 7 * 86_400_000;
    return now + Math.round(amount * ms);
  }
  const clock = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (clock) {
    const today = wallClockAt(now, timezone);
    const at = zonedTimeToEpoch(today, Number(clock[1]), Number(clock[2]), timezone);
    if (at > now) return at;
    const tomorrow = wallClockAt(now + 86_400_000, timezone);
    return zonedTimeToEpoch(tomorrow, Number(clock[1]), Number(clock[2]), timezone);
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const [year, month, day] = text.split('-').map(Number) as [number, number, number];
    return zonedTimeToEpoch({ year, month, day }, 9, 0, timezone);
  }
  try {
    return parseTimeArgument(text, timezone, flag);
  } catch {
    throw new ValidationError(
      `${flag} must be a duration (30m, 2h, 1d), a time (18:00), a date (2026-03-05) or a date-time (2026-03-05T18:00)`,
    );
  }
}

function goalRows(goals: readonly GoalProgress[]): string[][] {
  return goals.map((entry) => [entry.goal.id, short(entry.goal.title, 40), entry.summary]);
}

function inboxRows(items: readonly InboxItem[], timezone: string): string[][] {
  return items.map((item) => [
    item.id,
    item.kind,
    item.status,
    short(item.title, 44),
    item.due === null ? '' : formatMoment(item.due, timezone),
    short(item.reason, 60),
  ]);
}

function actionLines(actions: readonly PendingAction[], timezone: string): string {
  return actions
    .map((action) =>
      [
        `${action.id}  ${action.status}  ${action.tool}  (asked ${formatMoment(action.createdAt, timezone)} by ${action.requestedBy})`,
        `  ${action.summary}`,
        ...(action.origin ? [`  ⚠ ${action.origin.explanation}`] : []),
        `  arguments: ${JSON.stringify(action.arguments)}`,
      ].join('\n'),
    )
    .join('\n');
}

function replyText(reply: ChatReply, streamed: boolean): string {
  const lines = streamed ? [] : [reply.reply];
  for (const action of reply.pendingActions)
    lines.push(
      '',
      `Waiting for your confirmation: ${action.summary}`,
      ...(action.origin ? [`  ⚠ ${action.origin.explanation}`] : []),
      `  arguments: ${JSON.stringify(action.arguments)}`,
      `  run \`familiar confirm ${action.id}\` to do it, or \`familiar reject ${action.id}\`.`,
    );
  return lines.join('\n');
}

/**
 * The assistant on the command line: `goals`, `inbox`, `remind`, `chat`, `confirm`/`reject`, `digest`, `calendar`,
 * `assistant settings`, `not-now` and `tools`. Memory and the assistant catch up with the timeline first, so what
 * was just ingested counts.
 */
export function registerAssistantCommands(program: Command, deps: { withFamiliar: WithFamiliar }) {
  const { withFamiliar } = deps;

  async function caughtUp(familiar: Familiar, userName: string | undefined): Promise<User> {
    const owner = await familiar.accounts.resolveUser(userName);
    const user = { id: owner.id, timezone: owner.timezone };
    await familiar.catchUpUser(user);
    return owner;
  }

  // --- goals -----------------------------------------------------------------------------------------------------
  /** `familiar goals` and `familiar goals list`: the goals with where each stands. */
  const listGoals = (options: { all?: boolean; user?: string }, command: Command) =>
    withFamiliar(command, async (familiar, out) => {
      const owner = await caughtUp(familiar, options.user);
      const list = await familiar.assistant.listGoals(actorOf(owner), options.all ? 'all' : 'active');
      out.result(
        { goals: list.map(presentGoal) },
        list.length === 0
          ? 'No goals yet. Add one: familiar goals add "run a 10k by March"'
          : table(['ID', 'GOAL', 'PROGRESS'], goalRows(list)),
      );
    });
  const goals = program
    .command('goals')
    .description('your goals and how you are doing (progress is inferred from your timeline, with evidence)')
    .option('--all', 'include achieved and abandoned goals')
    .option('--user <name>', 'whose goals (default: the only user)')
    .action(listGoals);
  goals
    .command('add <words...>')
    .description(
      'add a goal in your own words: "run a 10k by March", "read 12 books this year", "call mum every week"',
    )
    .option('--deadline <when>', 'when it is due (a date, overrides what the words say)')
    .option('--user <name>', 'whose goals (default: the only user)')
    .action(async (words: string[], options: { deadline?: string; user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        const text = words.join(' ').trim();
        const goal = await familiar.assistant.addGoal(actorOf(owner), {
          text,
          ...(options.deadline
            ? { deadline: parseWhen(options.deadline, owner.timezone, familiar.clock.now(), '--deadline') }
            : {}),
        });
        out.result({ ...presentGoal(goal), origin: goal.origin }, () =>
          [
            `Added goal ${goal.goal.id}: ${goal.goal.title}`,
            `  target: ${goal.goal.target.amount} ${goal.goal.target.unit} (${goal.goal.target.counting}${goal.goal.target.period ? ` per ${goal.goal.target.period}` : ''})${goal.goal.deadline === null ? '' : `, due ${formatMoment(goal.goal.deadline, owner.timezone)}`}`,
            ...(goal.goal.plan.length > 0
              ? ['  plan:', ...goal.goal.plan.map((step) => `    - ${step}`)]
              : []),
            `  (${goal.origin === 'model' ? 'understood by the configured model' : 'understood by rules'}; change it with \`familiar goals update ${goal.goal.id}\`)`,
          ].join('\n'),
        );
      }),
    );
  goals
    .command('list')
    .description('your goals with their progress')
    .option('--all', 'include achieved and abandoned goals')
    .option('--user <name>', 'whose goals (default: the only user)')
    .action(listGoals);
  goals
    .command('show <goal>')
    .description('one goal (by id or words: "reading") with each progress entry and its evidence')
    .option('--user <name>', 'whose goals (default: the only user)')
    .action(async (reference: string, options: { user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await caughtUp(familiar, options.user);
        const goal = await familiar.assistant.findGoal(actorOf(owner), reference);
        out.result({ ...presentGoal(goal), entries: goal.entries.map(presentProgress) }, () =>
          [
            `${goal.goal.title} (${goal.goal.id})`,
            `  ${goal.summary}`,
            ...(goal.goal.plan.length > 0
              ? ['  plan:', ...goal.goal.plan.map((step) => `    - ${step}`)]
              : []),
            goal.entries.length === 0 ? '  no progress yet' : '  progress:',
            ...goal.entries.map(
              (entry) =>
                `    ${entry.id}  ${formatMoment(entry.at, owner.timezone)}  ${entry.amount} ${entry.unit}  ${entry.status} (${entry.origin}, ${Math.round(entry.confidence * 100)} %)  "${short(entry.evidence, 70)}"`,
            ),
            goal.entries.some((entry) => entry.status === 'inferred')
              ? '  confirm or reject inferred entries: familiar goals confirm|reject <entry id>'
              : '',
          ]
            .filter((line) => line !== '')
            .join('\n'),
        );
      }),
    );
  goals
    .command('update <id>')
    .description('change a goal: title, target, deadline, plan or status')
    .option('--title <text>', 'a new title')
    .option('--target <amount>', "a new target amount, in the goal's unit")
    .option('--deadline <when>', 'a new deadline (a date), or "none"')
    .option('--plan <steps>', 'a new plan, steps separated by ";"')
    .option('--status <status>', 'active, achieved or abandoned')
    .option('--user <name>', 'whose goals (default: the only user)')
    .action(
      async (
        id: string,
        options: {
          title?: string;
          target?: string;
          deadline?: string;
          plan?: string;
          status?: string;
          user?: string;
        },
        command: Command,
      ) =>
        withFamiliar(command, async (familiar, out) => {
          const owner = await familiar.accounts.resolveUser(options.user);
          const actor = actorOf(owner);
          const current = await familiar.assistant.getGoal(actor, id.toUpperCase());
          if (options.status && !['active', 'achieved', 'abandoned'].includes(options.status))
            throw new ValidationError('--status must be active, achieved or abandoned');
          const amount = options.target === undefined ? undefined : Number(options.target);
          if (amount !== undefined && !(amount > 0))
            throw new ValidationError('--target must be a positive number');
          const changes = {
            ...(options.title ? { title: options.title.trim() } : {}),
            ...(amount === undefined ? {} : { target: { ...current.goal.target, amount } }),
            ...(options.deadline === undefined
              ? {}
              : {
                  deadline:
                    options.deadline === 'none'
                      ? null
                      : parseWhen(options.deadline, owner.timezone, familiar.clock.now(), '--deadline'),
                }),
            ...(options.plan === undefined
              ? {}
              : {
                  plan: options.plan
                    .split(';')
                    .map((step) => step.trim())
                    .filter(Boolean),
                }),
            ...(options.status ? { status: options.status as 'active' | 'achieved' | 'abandoned' } : {}),
          };
          if (Object.keys(changes).length === 0)
            throw new ValidationError(
              'say what to change: --title, --target, --deadline, --plan or --status',
            );
          const goal = await familiar.assistant.updateGoal(actor, current.goal.id, changes);
          out.result(presentGoal(goal), `Updated ${goal.goal.id}: ${goal.summary}`);
        }),
    );
  goals
    .command('log <goal> <amount>')
    .description('log progress yourself ("familiar goals log reading 1")')
    .option('--note <text>', 'what you did')
    .option('--user <name>', 'whose goals (default: the only user)')
    .action(
      async (
        reference: string,
        amountText: string,
        options: { note?: string; user?: string },
        command: Command,
      ) =>
        withFamiliar(command, async (familiar, out) => {
          const owner = await familiar.accounts.resolveUser(options.user);
          const actor = actorOf(owner);
          const amount = Number(amountText);
          if (!(amount > 0)) throw new ValidationError('the amount must be a positive number');
          const goal = await familiar.assistant.findGoal(actor, reference);
          const entry = await familiar.assistant.logProgress(actor, goal.goal.id, {
            amount,
            ...(options.note ? { note: options.note } : {}),
          });
          const now = await familiar.assistant.getGoal(actor, goal.goal.id);
          out.result(
            presentProgress(entry),
            `Logged ${entry.amount} ${entry.unit} toward "${goal.goal.title}": ${now.summary}`,
          );
        }),
    );
  for (const [verb, decision] of [
    ['confirm', 'confirmed'],
    ['reject', 'rejected'],
  ] as const) {
    goals
      .command(`${verb} <entry>`)
      .description(`${verb} a progress entry the assistant inferred (see \`familiar goals show\`)`)
      .option('--user <name>', 'whose goals (default: the only user)')
      .action(async (id: string, options: { user?: string }, command: Command) =>
        withFamiliar(command, async (familiar, out) => {
          const owner = await familiar.accounts.resolveUser(options.user);
          const entry = await familiar.assistant.decideProgress(actorOf(owner), id.toUpperCase(), decision);
          out.result(
            presentProgress(entry),
            `${decision === 'confirmed' ? 'Confirmed' : 'Rejected'}: ${entry.amount} ${entry.unit} ("${short(entry.evidence, 70)}")${decision === 'rejected' ? ' no longer counts' : ''}.`,
          );
        }),
      );
  }
  goals
    .command('delete <id>')
    .description('delete a goal and its progress entries')
    .option('--user <name>', 'whose goals (default: the only user)')
    .action(async (id: string, options: { user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        await familiar.assistant.deleteGoal(actorOf(owner), id.toUpperCase());
        out.result({ deleted: { goals: 1 } }, `Deleted goal ${id.toUpperCase()}.`);
      }),
    );

  // --- inbox -----------------------------------------------------------------------------------------------------
  const inbox = program
    .command('inbox')
    .description('commitments, reminders and nudges, each with why it is there')
    .option('--all', 'include done and dismissed items')
    .option('--kind <kind>', 'only commitment, reminder, nudge or digest')
    .option('--user <name>', 'whose inbox (default: the only user)')
    .action(async (options: { all?: boolean; kind?: string; user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const kinds = ['commitment', 'reminder', 'nudge', 'digest'] as const;
        if (options.kind && !kinds.includes(options.kind as (typeof kinds)[number]))
          throw new ValidationError(`--kind must be one of ${kinds.join(', ')}`);
        const owner = await caughtUp(familiar, options.user);
        const items = await familiar.assistant.listInbox(actorOf(owner), {
          ...(options.all ? { statuses: 'all' as const } : {}),
          ...(options.kind ? { kinds: [options.kind as (typeof kinds)[number]] } : {}),
        });
        out.result(
          { items: items.map(presentInboxItem) },
          items.length === 0
            ? 'Nothing in your inbox. Commitments you make ("I\'ll send it tomorrow") and reminders you ask for appear here.'
            : table(['ID', 'KIND', 'STATUS', 'TITLE', 'DUE', 'WHY'], inboxRows(items, owner.timezone)),
        );
      }),
    );
  for (const verb of ['confirm', 'done', 'dismiss'] as const) {
    inbox
      .command(`${verb} <id>`)
      .description(
        verb === 'confirm'
          ? 'confirm an item someone else said is yours (status to_confirm)'
          : verb === 'done'
            ? 'mark an item done'
            : 'dismiss an item',
      )
      .option('--user <name>', 'whose inbox (default: the only user)')
      .action(async (id: string, options: { user?: string }, command: Command) =>
        withFamiliar(command, async (familiar, out) => {
          const owner = await familiar.accounts.resolveUser(options.user);
          const actor = actorOf(owner);
          const itemId = id.toUpperCase();
          const item =
            verb === 'confirm'
              ? await familiar.assistant.confirmItem(actor, itemId)
              : verb === 'done'
                ? await familiar.assistant.completeItem(actor, itemId)
                : await familiar.assistant.dismissItem(actor, itemId);
          out.result(presentInboxItem(item), `${item.title}: ${item.status}.`);
        }),
      );
  }
  inbox
    .command('snooze <id> <when>')
    .description('hide an item until a time ("2h", "18:00", "2026-03-05")')
    .option('--user <name>', 'whose inbox (default: the only user)')
    .action(async (id: string, when: string, options: { user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        const until = parseWhen(when, owner.timezone, familiar.clock.now(), 'the time');
        const item = await familiar.assistant.snoozeItem(actorOf(owner), id.toUpperCase(), until);
        out.result(
          presentInboxItem(item),
          `Snoozed "${item.title}" until ${formatMoment(until, owner.timezone)}.`,
        );
      }),
    );

  program
    .command('remind <words...>')
    .description('set a reminder: familiar remind "buy milk at 6pm", familiar remind "call Jo tomorrow at 9"')
    .option('--at <when>', 'when ("2h", "18:00", "2026-03-05T09:00"); otherwise the words say it')
    .option('--user <name>', 'whose inbox (default: the only user)')
    .action(async (words: string[], options: { at?: string; user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        const now = familiar.clock.now();
        const text = words.join(' ').trim();
        if (!text)
          throw new ValidationError('say what to remind you of, e.g. familiar remind "buy milk at 6pm"');
        const phrased = /^(remind me|set a reminder|don't let me forget)\b/i.test(text)
          ? text
          : `remind me to ${text}`;
        const parsed = parseReminder(phrased, { now, timezone: owner.timezone });
        const title = parsed?.title ?? text;
        const due = options.at ? parseWhen(options.at, owner.timezone, now, '--at') : (parsed?.due ?? null);
        const item = await familiar.assistant.addReminder(actorOf(owner), { title, due });
        out.result(
          presentInboxItem(item),
          `Reminder set: ${item.title}${item.due === null ? ' (no time: it stays in your inbox)' : `, ${formatMoment(item.due, owner.timezone)}`}.`,
        );
      }),
    );

  // --- chat and confirmations ------------------------------------------------------------------------------------
  program
    .command('chat [message...]')
    .description('talk to your assistant (without a message: a conversation until you type "exit")')
    .option('--user <name>', 'whose assistant (default: the only user)')
    .action(async (words: string[], options: { user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await caughtUp(familiar, options.user);
        const actor = { userId: owner.id, label: 'cli', timezone: owner.timezone };
        const turn = async (message: string, history: ModelMessage[]) => {
          let streamed = false;
          const reply = await familiar.chat.chat(actor, message, {
            history,
            onDelta: (text) => {
              if (out.json) return;
              streamed = true;
              out.write(text);
            },
          });
          if (streamed) out.write('\n');
          out.result(
            { ...reply, pendingActions: reply.pendingActions.map(presentAction) },
            replyText(reply, streamed),
          );
          return reply;
        };
        const message = words.join(' ').trim();
        if (message) {
          await turn(message, []);
          return;
        }
        if (!process.stdin.isTTY || out.json)
          throw new ValidationError('give a message: familiar chat "what are my goals?"');
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        const history: ModelMessage[] = [];
        try {
          for (;;) {
            const line = (await rl.question('you> ')).trim();
            if (!line) continue;
            if (/^(exit|quit|bye)$/i.test(line)) break;
            const reply = await turn(line, history);
            history.push({ role: 'user', content: line }, { role: 'assistant', content: reply.reply });
          }
        } finally {
          rl.close();
        }
      }),
    );
  program
    .command('confirm [action]')
    .description('confirm an external action the assistant proposed (without an id: list the ones waiting)')
    .option('--user <name>', 'whose assistant (default: the only user)')
    .action(async (id: string | undefined, options: { user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        const actor = { userId: owner.id, label: 'cli', timezone: owner.timezone };
        if (!id) {
          const waiting = await familiar.chat.pending(actor);
          out.result(
            { actions: waiting.map(presentAction) },
            waiting.length === 0
              ? 'Nothing is waiting for your confirmation.'
              : `${actionLines(waiting, owner.timezone)}\n\nRun \`familiar confirm <id>\` to do one, or \`familiar reject <id>\`.`,
          );
          return;
        }
        const action = await familiar.chat.confirm(actor, id.toUpperCase());
        out.result(
          presentAction(action),
          action.status === 'done'
            ? `Done: ${action.summary}\n${typeof action.result === 'string' ? action.result : JSON.stringify(action.result)}`
            : `${action.status}: ${action.summary}${action.result ? `\n${typeof action.result === 'string' ? action.result : JSON.stringify(action.result)}` : ''}`,
        );
      }),
    );
  program
    .command('reject <action>')
    .description('refuse an external action the assistant proposed (it never runs)')
    .option('--user <name>', 'whose assistant (default: the only user)')
    .action(async (id: string, options: { user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        const action = await familiar.chat.reject(
          { userId: owner.id, label: 'cli', timezone: owner.timezone },
          id.toUpperCase(),
        );
        out.result(presentAction(action), `Rejected: ${action.summary}`);
      }),
    );
  program
    .command('tools')
    .description(
      'the tools the assistant may use, with their risk tiers (external ones always ask you first)',
    )
    .action(async (_options: unknown, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const { tools, problems } = await familiar.chat.listTools();
        out.result({ tools, problems }, () =>
          [
            table(
              ['TOOL', 'TIER', 'SOURCE', 'WHAT'],
              tools.map((tool) => [tool.name, tool.tier, tool.source, short(tool.description, 70)]),
            ),
            ...problems.map((problem) => `! ${problem}`),
          ].join('\n'),
        );
      }),
    );

  // --- digest, calendar, settings --------------------------------------------------------------------------------
  program
    .command('digest')
    .description("the daily digest: what happened, progress, open loops and tomorrow's dates")
    .option('--day <yyyy-mm-dd>', 'which local day (default: today)')
    .option('--user <name>', 'whose digest (default: the only user)')
    .action(async (options: { day?: string; user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await caughtUp(familiar, options.user);
        const digest = await familiar.assistant.digest(actorOf(owner), options.day);
        out.result(presentDigest(digest), digest.text);
      }),
    );
  const calendar = program
    .command('calendar')
    .description('calendar files (.ics): import events, export what is due');
  calendar
    .command('export')
    .description("commitments, reminders, goal deadlines and people's dates as an .ics file")
    .option('--out <file>', 'write to a file (default: standard output)')
    .option('--user <name>', 'whose calendar (default: the only user)')
    .action(async (options: { out?: string; user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await caughtUp(familiar, options.user);
        const ics = await familiar.assistant.exportCalendar(actorOf(owner));
        if (options.out) {
          await writeFile(options.out, ics);
          out.result({ file: options.out, bytes: Buffer.byteLength(ics) }, `Wrote ${options.out}.`);
        } else out.write(ics);
      }),
    );
  calendar
    .command('import <file>')
    .description('read an .ics file into your timeline as events (importing it again adds nothing)')
    .option('--user <name>', 'whose timeline (default: the only user)')
    .action(async (file: string, options: { user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (cause) {
          throw new ValidationError(`cannot read ${file}: ${(cause as Error).message}`);
        }
        const result = await familiar.assistant.importCalendar(actorOf(owner), text);
        out.result(result, `Read ${result.events} events from ${file}; ${result.added} new.`);
      }),
    );
  const assistant = program.command('assistant').description('how and when the assistant speaks up');
  assistant
    .command('settings')
    .description(
      'show or change quiet hours, the digest time, rate limits and how far ahead dates are announced',
    )
    .option('--quiet <hh:mm-hh:mm>', 'quiet hours, e.g. 22:00-07:00, or "off"')
    .option('--digest <hh:mm>', 'when the daily digest comes, or "off"')
    .option('--per-hour <n>', 'at most this many pushes an hour')
    .option('--per-day <n>', 'at most this many pushes a day')
    .option('--date-lead <days>', 'nudge this many days before birthdays and anniversaries')
    .option('--user <name>', 'whose assistant (default: the only user)')
    .action(
      async (
        options: {
          quiet?: string;
          digest?: string;
          perHour?: string;
          perDay?: string;
          dateLead?: string;
          user?: string;
        },
        command: Command,
      ) =>
        withFamiliar(command, async (familiar, out) => {
          const owner = await familiar.accounts.resolveUser(options.user);
          const changes: Record<string, unknown> = {};
          if (options.quiet !== undefined) {
            if (options.quiet === 'off') changes.quietHours = null;
            else {
              const match = /^(\d{2}:\d{2})-(\d{2}:\d{2})$/.exec(options.quiet.trim());
              if (!match) throw new ValidationError('--quiet is HH:MM-HH:MM (e.g. 22:00-07:00) or off');
              changes.quietHours = { start: match[1], end: match[2] };
            }
          }
          if (options.digest !== undefined)
            changes.digestAt = options.digest === 'off' ? null : options.digest;
          if (options.perHour !== undefined) changes.maxPerHour = Number(options.perHour);
          if (options.perDay !== undefined) changes.maxPerDay = Number(options.perDay);
          if (options.dateLead !== undefined) changes.dateLeadDays = Number(options.dateLead);
          const settings =
            Object.keys(changes).length === 0
              ? await familiar.assistant.settingsOf(owner.id)
              : await familiar.assistant.updateSettings(actorOf(owner), changes);
          out.result(presentSettings(settings), () =>
            [
              `quiet hours:   ${settings.quietHours ? `${settings.quietHours.start}-${settings.quietHours.end}` : 'off'}`,
              `daily digest:  ${settings.digestAt ?? 'off'}`,
              `pushes:        at most ${settings.maxPerHour} an hour, ${settings.maxPerDay} a day`,
              `dates:         nudged ${settings.dateLeadDays} days ahead`,
              `not now:       ${settings.notNowUntil === null ? 'off' : `until ${formatMoment(settings.notNowUntil, owner.timezone)}`}`,
            ].join('\n'),
          );
        }),
    );
  program
    .command('not-now [for]')
    .description('pause nudges and reminders for a while ("2h", "until 18:00"); "off" to resume')
    .option('--user <name>', 'whose assistant (default: the only user)')
    .action(async (when: string | undefined, options: { user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        const value = (when ?? '1h').replace(/^until\s+/i, '');
        const until =
          value === 'off' ? null : parseWhen(value, owner.timezone, familiar.clock.now(), 'the time');
        const settings = await familiar.assistant.notNow(actorOf(owner), until);
        out.result(
          presentSettings(settings),
          until === null
            ? 'Nudges and reminders are back on.'
            : `Quiet until ${formatMoment(until, owner.timezone)}: nothing is lost, it waits.`,
        );
      }),
    );
}
