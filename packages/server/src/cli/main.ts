import cliProgress from 'cli-progress';
import { Command, CommanderError } from 'commander';
import type { User } from '../accounts/index.ts';
import { type Familiar, openFamiliar } from '../app.ts';
import { type Answer, presentAnswer } from '../assistant/index.ts';
import { CONFIG_VARIABLES, type Config, loadConfig } from '../config.ts';
import { ensureLocalCertificate } from '../http/index.ts';
import { type Job, type JobHandler, startWorker } from '../jobs/index.ts';
import {
  createLogger,
  FamiliarError,
  formatMoment,
  type Logger,
  systemClock,
  toIso,
  ValidationError,
} from '../kernel/index.ts';
import type { Actor, ForgetSelector } from '../memory/index.ts';
import { perceiveJob, perceiveJobType } from '../memory/index.ts';
import { startServer } from '../server.ts';
import { describeEncryption, openStoresFor } from '../stores.ts';
import { registerAssistantCommands } from './assistant-commands.ts';
import { registerBenchCommand } from './bench-command.ts';
import { registerFaceCommands } from './faces-command.ts';
import { registerKeyCommands } from './key-command.ts';
import { registerMcpCommand } from './mcp-command.ts';
import { registerMemoryCommands } from './memory-commands.ts';
import { registerMigrateStoreCommand } from './migrate-store-command.ts';
import { registerModelsCommands } from './models-command.ts';
import { createOutput, formatBytes, type Output, table } from './output.ts';
import { registerRedteamCommand } from './redteam-command.ts';
import { registerSimulateCommand } from './simulate-command.ts';
import { parseTimeArgument } from './time-arguments.ts';
import { registerVoiceCommands } from './voice-command.ts';
import { describeHttps, registerDeviceAddCommand, registerPassphraseCommand } from './web-commands.ts';
import { registerWorkerCommand } from './worker-command.ts';

interface GlobalOptions {
  json?: boolean;
  home?: string;
}

const cliActor = (user: User): Actor => ({ userId: user.id, deviceId: null, label: 'cli' });

/** Records what a CLI command did to a user's account or data in their audit log. */
function auditCli(
  familiar: Familiar,
  userId: string,
  action: string,
  target: string | null,
  details: Record<string, unknown> | null = null,
): Promise<void> {
  return familiar.audit.record({ userId, at: familiar.clock.now(), actor: 'cli', action, target, details });
}

/** A progress bar on stderr for people at a terminal; none for --json or pipes. */
function progressBar(out: Output, format: string): cliProgress.SingleBar | null {
  return process.stderr.isTTY && !out.json
    ? new cliProgress.SingleBar({ format, stream: process.stderr }, cliProgress.Presets.shades_classic)
    : null;
}

/**
 * Transcribes just-imported recordings in this process, through the job queue (so a running server never does the
 * same capture too), and waits until each is processed or failed.
 */
async function perceiveNow(
  familiar: Familiar,
  owner: User,
  captures: { audio: readonly string[]; image: readonly string[] },
  out: Output,
) {
  const handlers: Record<string, JobHandler> = {
    [perceiveJobType('image')]: familiar.imagePerception.handle,
  };
  if (familiar.audioPerception) handlers[perceiveJobType('audio')] = familiar.audioPerception.handle;
  else if (captures.audio.length > 0) out.info(`Speech recognition: ${familiar.audioEngines.asrStatus}.`);
  const captureIds = [...(familiar.audioPerception ? captures.audio : []), ...captures.image];
  if (captureIds.length === 0) return null;
  const worker = startWorker({
    queue: familiar.jobs,
    handlers,
    owner: `cli:${process.pid}`,
    logger: createLogger({ level: 'warn' }),
    pollMs: 100,
  });
  const bar = progressBar(out, 'perceive [{bar}] {percentage}% | {value}/{total} captures');
  bar?.start(captureIds.length, 0);
  // Done means the capture's job is finished (a failed job leaves the capture failed, with the reason).
  const keys = captureIds.map((id) => perceiveJob(owner.id, id, 'audio').dedupeKey!);
  let jobs: Array<Job | null> = [];
  try {
    for (;;) {
      jobs = await Promise.all(keys.map((key) => familiar.jobs.getByDedupeKey(key)));
      const done = jobs.filter(
        (job) => job && ['succeeded', 'skipped', 'failed'].includes(job.status),
      ).length;
      bar?.update(done);
      if (done === captureIds.length) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    bar?.stop();
    await worker.stop();
  }
  const states = jobs.map((job) =>
    job?.status === 'succeeded' || job?.status === 'skipped' ? 'processed' : 'failed',
  );
  for (const job of jobs)
    if (job?.status === 'failed') out.info(`A recording could not be heard: ${job.lastError}`);
  let utterances = 0;
  let frames = 0;
  for (const job of jobs) {
    const result = job?.result as { utterances?: unknown; outcome?: unknown } | null;
    if (typeof result?.utterances === 'number') utterances += result.utterances;
    if (result?.outcome === 'kept') frames += 1;
  }
  return {
    processed: states.filter((s) => s === 'processed').length,
    failed: states.filter((s) => s === 'failed').length,
    utterances,
    frames,
  };
}

/** A moment's text on one line, shortened for a terminal. */
function oneLine(text: string, max = 200): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** Builds the `familiar` command tree; `run` executes it (exported for in-process tests). */
export function buildProgram(io: { env?: NodeJS.ProcessEnv; output?: (json: boolean) => Output } = {}) {
  const env = io.env ?? process.env;
  const program = new Command('familiar');
  program
    .description(
      'Familiar: your own local-first memory and assistant. Data lives in FAMILIAR_HOME (default ~/.familiar).',
    )
    .option('--json', 'print machine-readable JSON on stdout')
    .option('--home <dir>', 'data directory (overrides FAMILIAR_HOME)')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `\nConfiguration (environment variables):\n${CONFIG_VARIABLES.map(([name, def, what]) => `  ${name.padEnd(24)} ${what} (default ${def})`).join('\n')}`,
    );

  const globals = (command: Command) => command.optsWithGlobals<GlobalOptions>();
  const configFor = (command: Command): Config => {
    const options = globals(command);
    return loadConfig(options.home ? { ...env, FAMILIAR_HOME: options.home } : env);
  };
  const outputFor = (command: Command) => (io.output ?? createOutput)(Boolean(globals(command).json));
  const loggerFor = (config: Config): Logger => createLogger({ level: config.logLevel });

  /** Opens the store for one command and closes it afterwards, whatever happens. */
  async function withFamiliar<T>(
    command: Command,
    work: (familiar: Familiar, out: Output) => Promise<T>,
  ): Promise<T> {
    const config = configFor(command);
    const logger = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel });
    const stores = await openStoresFor(config, { clock: systemClock, logger });
    const familiar = openFamiliar(config, { logger, ...(stores ? { stores } : {}) });
    try {
      return await work(familiar, outputFor(command));
    } finally {
      await familiar.close();
    }
  }

  program
    .command('start')
    .description('run the server (HTTP API, device stream at /v1/stream, web page, job workers) until Ctrl-C')
    .option(
      '--no-workers',
      'run no job workers in this server (also FAMILIAR_WORKERS=0): `familiar worker` processes run them (PostgreSQL)',
    )
    .option(
      '--https',
      'serve HTTPS with a self-signed certificate kept in FAMILIAR_HOME/tls (phones need it for camera and microphone)',
    )
    .action(async (options: { workers: boolean; https?: boolean }, command: Command) => {
      const config = configFor(command);
      const logger = loggerFor(config);
      const workers = options.workers && env.FAMILIAR_WORKERS !== '0';
      const certificate = options.https ? await ensureLocalCertificate({ home: config.home }) : null;
      const server = await startServer(config, logger, {
        workers,
        ...(certificate ? { tls: certificate } : {}),
      });
      if (!workers)
        process.stderr.write(
          config.databaseUrl
            ? 'Job workers: none in this server; run `familiar worker` to process captures.\n'
            : 'Job workers: none in this server, and on SQLite no `familiar worker` can run them: captures wait, queued.\n',
        );
      const users = await server.familiar.accounts.listUsers();
      process.stderr.write(`Familiar listening on ${server.url} (data in ${config.home})\n`);
      process.stderr.write(`Encryption at rest: ${describeEncryption(config)}\n`);
      if (certificate) process.stderr.write(`${describeHttps(certificate, config, server.port)}\n`);
      if (config.databaseUrl) {
        const where = new URL(config.databaseUrl);
        process.stderr.write(
          `Database: PostgreSQL at ${where.host}${where.pathname} (media in ${config.home})\n`,
        );
      }
      if (users.length === 0) {
        process.stderr.write(
          'No users yet. In another terminal: npx familiar user add <name> && npx familiar device add --name <device>\n',
        );
      }
      process.stderr.write(`Speech recognition: ${server.familiar.audioEngines.asrStatus}.\n`);
      const configured = server.familiar.models.configured;
      process.stderr.write(
        configured.length > 0
          ? `Models: ${configured.map((model) => `${model.id} (${model.runsOn})`).join(', ')}${server.familiar.config.configFile ? ` from ${server.familiar.config.configFile}` : ''}.\n`
          : 'Models: none configured, so answers quote your memories (add one in familiar.config.json: see the README).\n',
      );
      const engines = (await server.familiar.status()).engines;
      const available = engines.filter((engine) => engine.available).map((engine) => engine.name);
      process.stderr.write(
        `Optional engines: ${available.length}/${engines.length} available${available.length ? ` (${available.join(', ')})` : ''}; \`familiar status\` says how to add the others.\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          process.stderr.write(`\n${signal} received: shutting down…\n`);
          server.close().then(resolve, resolve);
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
      process.stderr.write('Familiar stopped cleanly.\n');
    });

  const user = program.command('user').description('manage the people whose timelines this server keeps');
  user
    .command('add <name>')
    .description('add a user')
    .option('--timezone <iana>', 'IANA time zone, e.g. Europe/Paris (default: this machine’s)')
    .action(async (name: string, options: { timezone?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const created = await familiar.accounts.addUser({
          name,
          ...(options.timezone ? { timezone: options.timezone } : {}),
        });
        await auditCli(familiar, created.id, 'user.add', created.id);
        out.result(
          { id: created.id, name: created.name, timezone: created.timezone },
          `Added user ${created.name} (time zone ${created.timezone}).`,
        );
      }),
    );
  user
    .command('list')
    .description('list users')
    .action(async (_o, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const users = await familiar.accounts.listUsers();
        out.result(
          users.map((u) => ({ id: u.id, name: u.name, timezone: u.timezone, createdAt: toIso(u.createdAt) })),
          users.length === 0
            ? 'No users yet: add one with `familiar user add <name>`.'
            : table(
                ['NAME', 'TIME ZONE', 'ID'],
                users.map((u) => [u.name, u.timezone, u.id]),
              ),
        );
      }),
    );

  registerPassphraseCommand(user, { withFamiliar, audit: auditCli });

  const device = program
    .command('device')
    .description('manage the devices (glasses, phones, laptops) that send data');
  // `device add <name>`: the token, and a pairing link with its QR code for the web app.
  registerDeviceAddCommand(device, { withFamiliar, audit: auditCli });
  device
    .command('list')
    .description('list devices')
    .option('--user <name>', 'whose devices (default: the only user)')
    .action(async (options: { user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const devices = await familiar.accounts.listDevices(options.user);
        out.result(
          devices.map((d) => ({
            id: d.id,
            name: d.name,
            createdAt: toIso(d.createdAt),
            revokedAt: d.revokedAt === null ? null : toIso(d.revokedAt),
            lastSeenAt: d.lastSeenAt === null ? null : toIso(d.lastSeenAt),
          })),
          devices.length === 0
            ? 'No devices yet: add one with `familiar device add --name <label>`.'
            : table(
                ['NAME', 'ID', 'STATE', 'LAST SEEN'],
                devices.map((d) => [
                  d.name,
                  d.id,
                  d.revokedAt === null ? 'active' : 'revoked',
                  d.lastSeenAt === null ? 'never' : toIso(d.lastSeenAt),
                ]),
              ),
        );
      }),
    );
  device
    .command('revoke <device>')
    .description('revoke a device (by id or name): its token stops working at once')
    .option('--user <name>', 'whose device (default: the only user)')
    .action(async (which: string, options: { user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const revoked = await familiar.accounts.revokeDevice(options.user, which);
        await auditCli(familiar, revoked.userId, 'device.revoke', revoked.id);
        out.result(
          { id: revoked.id, name: revoked.name, revokedAt: toIso(revoked.revokedAt!) },
          `Device "${revoked.name}" revoked.`,
        );
      }),
    );
  device
    .command('rename <device> <newName>')
    .description('rename a device (by id or name)')
    .option('--user <name>', 'whose device (default: the only user)')
    .action(async (which: string, newName: string, options: { user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const renamed = await familiar.accounts.renameDevice(options.user, which, newName);
        await auditCli(familiar, renamed.userId, 'device.rename', renamed.id);
        out.result({ id: renamed.id, name: renamed.name }, `Device ${renamed.id} is now "${renamed.name}".`);
      }),
    );
  registerSimulateCommand(device, { outputFor });

  const people = program.command('people').description('the people you know (names, aliases, opt-outs)');
  people
    .command('add <name>')
    .description('add a person')
    .option('--alias <alias...>', 'other names for them')
    .option('--user <name>', 'whose contact (default: the only user)')
    .action(async (name: string, options: { alias?: string[]; user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        const trimmed = name.trim();
        if (!trimmed) throw new ValidationError('a person needs a name');
        const now = familiar.clock.now();
        const person = await familiar.people.add({
          id: familiar.newId(),
          userId: owner.id,
          name: trimmed,
          aliases: options.alias ?? [],
          optedOut: false,
          createdAt: now,
          updatedAt: now,
        });
        await auditCli(familiar, owner.id, 'people.add', person.id);
        out.result({ id: person.id, name: person.name, aliases: person.aliases }, `Added ${person.name}.`);
      }),
    );
  people
    .command('list')
    .description('list people')
    .option('--user <name>', 'whose contacts (default: the only user)')
    .action(async (options: { user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        const list = await familiar.people.list(owner.id);
        out.result(
          list.map((p) => ({ id: p.id, name: p.name, aliases: p.aliases, optedOut: p.optedOut })),
          list.length === 0
            ? 'No people yet: add one with `familiar people add <name>`.'
            : table(
                ['NAME', 'ALIASES', 'OPTED OUT'],
                list.map((p) => [p.name, p.aliases.join(', '), p.optedOut ? 'yes' : 'no']),
              ),
        );
      }),
    );
  for (const [verb, optedOut] of [
    ['opt-out', true],
    ['opt-in', false],
  ] as const) {
    people
      .command(`${verb} <name>`)
      .description(
        optedOut
          ? 'this person does not want to be remembered: their face prints, what they said and frames naming them are deleted, and their enrolled voice is no longer transcribed'
          : 'withdraw an opt-out (with their agreement); nothing deleted comes back',
      )
      .option('--user <name>', 'whose contact (default: the only user)')
      .action(async (name: string, options: { user?: string }, command: Command) =>
        withFamiliar(command, async (familiar, out) => {
          const owner = await familiar.accounts.resolveUser(options.user);
          const person = await familiar.people.find(owner.id, name);
          if (!person)
            throw new FamiliarError(
              'not_found',
              `no person named "${name}": add them with \`familiar people add "${name}"\``,
            );
          if (!optedOut) {
            const updated = await familiar.consent.optIn(cliActor(owner), person.id);
            out.result(
              { id: updated.id, name: updated.name, optedOut: updated.optedOut },
              `${updated.name} is now opted in.`,
            );
            return;
          }
          const result = await familiar.consent.optOut(cliActor(owner), person.id);
          out.result(
            {
              id: result.person.id,
              name: result.person.name,
              optedOut: result.person.optedOut,
              deleted: {
                utterances: result.utterances,
                frames: result.frames,
                facePrints: result.facePrints,
                captures: result.captures,
              },
            },
            `${result.person.name} is now opted out: deleted ${result.utterances} utterance(s), ${result.frames} frame(s) naming them and ${result.facePrints} face print(s).${result.voiceprintsKept > 0 ? ` Their ${result.voiceprintsKept} voiceprint(s) stay, so their speech keeps being left untranscribed.` : ''}`,
          );
        }),
      );
  }

  registerVoiceCommands(program, { withFamiliar, audit: auditCli });
  registerFaceCommands(people, { withFamiliar });
  registerMemoryCommands(program, people, { withFamiliar });
  registerBenchCommand(program, { outputFor, env });
  registerModelsCommands(program, { withFamiliar });
  registerAssistantCommands(program, { withFamiliar });
  registerMcpCommand(program, { withFamiliar });
  registerRedteamCommand(program, { outputFor, env });
  registerWorkerCommand(program, { configFor, loggerFor });
  registerMigrateStoreCommand(program, { env, outputFor });
  registerKeyCommands(program, { env, configFor, outputFor });

  const privacy = program
    .command('privacy')
    .description('pause or resume capture on all of a user’s devices');
  for (const [verb, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    privacy
      .command(verb)
      .description(
        paused ? 'discard media from the user’s devices until resumed (devices show it)' : 'capture again',
      )
      .option('--user <name>', 'whose devices (default: the only user)')
      .action(async (options: { user?: string }, command: Command) =>
        withFamiliar(command, async (familiar, out) => {
          const owner = await familiar.accounts.resolveUser(options.user);
          const { state, changed } = await familiar.privacy.setPaused(
            cliActor(owner),
            paused,
            'the command line',
          );
          out.result(
            { ...state, changed },
            changed
              ? `Capture ${paused ? 'paused' : 'resumed'} for ${owner.name}; connected devices are told within a second.`
              : `Capture was already ${paused ? 'paused' : 'on'} for ${owner.name}.`,
          );
        }),
      );
  }
  privacy
    .command('status')
    .description('show whether capture is paused')
    .option('--user <name>', 'whose devices (default: the only user)')
    .action(async (options: { user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        const state = await familiar.privacy.state(owner.id);
        out.result(
          state,
          state.paused ? `Capture is paused (since ${state.since}, by ${state.by}).` : 'Capture is on.',
        );
      }),
    );

  program
    .command('notify <title> [body]')
    .description('send a notification to the user’s connected devices (queued until one connects)')
    .option('--user <name>', 'whose devices (default: the only user)')
    .action(async (title: string, body: string | undefined, options: { user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        const notification = await familiar.notifier.notify(owner.id, { title, ...(body ? { body } : {}) });
        out.result(
          { id: notification.id, title: notification.title, body: notification.body },
          `Queued "${notification.title}" for ${owner.name}'s devices.`,
        );
      }),
    );

  program
    .command('status')
    .description('show data, disk use, job backlog and which optional engines are available')
    .action(async (_o, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const status = await familiar.status();
        out.result(status, () => {
          const lines = [
            `Data directory: ${status.home}`,
            `Disk: database ${status.disk.databaseBytes === null ? 'on the PostgreSQL server' : formatBytes(status.disk.databaseBytes)}, media ${formatBytes(status.disk.blobBytes)}`,
            `Encryption at rest: ${status.encryption}`,
            '',
          ];
          lines.push(
            status.users.length === 0
              ? 'Users: none yet (familiar user add <name>)'
              : table(
                  ['USER', 'TIME ZONE', 'OBSERVATIONS', 'CAPTURES', 'DEVICES', 'CAPTURE'],
                  status.users.map((u) => [
                    u.name,
                    u.timezone,
                    String(u.observations),
                    String(u.captures),
                    String(u.devices),
                    u.capture.paused ? `paused since ${u.capture.since} by ${u.capture.by}` : 'on',
                  ]),
                ),
          );
          lines.push(
            '',
            status.backlog.length === 0
              ? 'Job backlog: empty'
              : table(
                  ['JOB TYPE', 'STATUS', 'COUNT'],
                  status.backlog.map((b) => [b.type, b.status, String(b.count)]),
                ),
          );
          lines.push(
            '',
            'Hearing:',
            `  voice activity:     ${status.perception.voiceActivity}`,
            `  speech recognition: ${status.perception.speechRecognition}`,
            `  speakers:           ${status.perception.speakers}`,
            `  raw audio kept:     ${status.perception.audioRetention} (transcripts forever)`,
            '',
            'Seeing:',
            `  text reading:       ${status.vision.textReading}`,
            `  objects and faces:  ${status.vision.objectsAndFaces} (every face blurred before storage)`,
            `  captions:           ${status.vision.captions}`,
            '',
            'Memory:',
            `  vector search:      ${status.memory.embeddings}`,
            `  observations kept:  ${
              Object.entries(familiar.config.retention)
                .map(([modality, days]) => `${modality} ${days} days`)
                .join(', ') || 'forever'
            }`,
            '',
            'Assistant:',
            ...(status.assistant.users.length === 0
              ? ['  no users yet']
              : status.assistant.users.map(
                  (u) =>
                    `  ${u.name}: ${u.goals} active goal(s), ${u.open} open in the inbox; quiet ${
                      u.quietHours ? `${u.quietHours.start}-${u.quietHours.end}` : 'off'
                    }, digest ${u.digestAt ?? 'off'}`,
                )),
            `  MCP servers:        ${
              status.assistant.mcpServers.join(', ') || 'none (add them under "mcp" in familiar.config.json)'
            }`,
            '',
            'Models:',
            `  configured:         ${
              status.models.configured.map((model) => `${model.id} (${model.runsOn})`).join(', ') ||
              'none (answers quote your memories; see familiar.config.json in the README)'
            }`,
            `  ask (private data): ${status.models.ask ?? 'no model may take it'}`,
            `  content guard:      ${status.models.guard.summary}`,
          );
          lines.push(
            '',
            'Optional engines:',
            table(
              ['ENGINE', 'FOR', 'STATE'],
              status.engines.map((e) => [e.name, e.purpose, e.detail]),
            ),
          );
          return lines.join('\n');
        });
      }),
    );

  program
    .command('audit')
    .description(
      'show the audit log: model calls, tool actions, data access, exports, deletions, consent, account changes',
    )
    .option('--user <name>', 'whose log (default: the only user)')
    .option('--limit <n>', 'how many events', '50')
    .option('--since <time>', 'only events at or after this time (2026-11-03, 2026-11-03T14:00 or ISO)')
    .option('--until <time>', 'only events before this time')
    .option('--action <prefix>', 'only actions starting with this, e.g. model. or data.export')
    .option('--before <seq>', 'only events older than this sequence number (the next page)')
    .action(
      async (
        options: {
          user?: string;
          limit: string;
          since?: string;
          until?: string;
          action?: string;
          before?: string;
        },
        command: Command,
      ) =>
        withFamiliar(command, async (familiar, out) => {
          const owner = await familiar.accounts.resolveUser(options.user);
          const limit = Number(options.limit);
          if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
            throw new ValidationError('--limit must be a whole number from 1 to 10000');
          const sinceMs =
            options.since === undefined
              ? undefined
              : parseTimeArgument(options.since, owner.timezone, '--since');
          const untilMs =
            options.until === undefined
              ? undefined
              : parseTimeArgument(options.until, owner.timezone, '--until');
          if (sinceMs !== undefined && untilMs !== undefined && untilMs <= sinceMs)
            throw new ValidationError('--until must be after --since');
          const beforeSeq = options.before === undefined ? undefined : Number(options.before);
          if (beforeSeq !== undefined && (!Number.isInteger(beforeSeq) || beforeSeq < 1))
            throw new ValidationError('--before must be a sequence number from the log (a whole number)');
          const events = await familiar.audit.list(owner.id, {
            limit,
            ...(sinceMs === undefined ? {} : { sinceMs }),
            ...(untilMs === undefined ? {} : { untilMs }),
            ...(options.action ? { actionPrefix: options.action.trim() } : {}),
            ...(beforeSeq === undefined ? {} : { beforeSeq }),
          });
          out.result(
            events.map((e) => ({ ...e, at: toIso(e.at) })),
            events.length === 0
              ? 'The audit log is empty.'
              : table(
                  ['SEQ', 'WHEN', 'WHO', 'ACTION', 'TARGET', 'DETAILS'],
                  events.map((e) => [
                    String(e.seq),
                    formatMoment(e.at, owner.timezone),
                    e.actor,
                    e.action,
                    e.target ?? '',
                    e.details ? JSON.stringify(e.details) : '',
                  ]),
                ),
          );
        }),
    );

  program
    .command('ingest <files...>')
    .description(
      'add files to a timeline: .jsonl observations, .txt/.md notes, audio recordings (transcribed), other media as pending captures',
    )
    .option('--user <name>', 'whose timeline (default: the only user)')
    .option(
      '--captured-at <time>',
      'when the recordings started (default: embedded creation time, else file time)',
    )
    .option('--fps <n>', 'frames per second taken from videos', '1')
    .option(
      '--no-wait',
      'queue recordings and photos for perception and return (a running server perceives them)',
    )
    .action(
      async (
        files: string[],
        options: { user?: string; capturedAt?: string; wait: boolean; fps: string },
        command: Command,
      ) =>
        withFamiliar(command, async (familiar, out) => {
          const owner = await familiar.accounts.resolveUser(options.user);
          const capturedAt =
            options.capturedAt === undefined
              ? undefined
              : parseTimeArgument(options.capturedAt, owner.timezone, '--captured-at');
          const fps = Number(options.fps);
          if (!Number.isFinite(fps) || fps <= 0 || fps > 30)
            throw new ValidationError('--fps must be a number above 0, at most 30');
          const plan = familiar.fileIngest.plan(files);
          const totalBytes = plan.reduce((sum, f) => sum + f.bytes, 0);
          const bar = progressBar(
            out,
            'ingest [{bar}] {percentage}% | {value}/{total} files | {items} items',
          );
          bar?.start(plan.length, 0, { items: 0 });
          const results = [];
          let items = 0;
          for (const file of plan) {
            const result = await familiar.fileIngest.ingestFile(
              cliActor(owner),
              file,
              (n) => {
                items += n;
                bar?.update({ items });
              },
              { ...(capturedAt === undefined ? {} : { capturedAt }), fps },
            );
            results.push(result);
            bar?.increment();
            if (!bar && !out.json)
              out.info(
                `${file.path}: ${result.items} ${result.kind === 'capture' ? 'capture' : 'observations'} (${result.inserted} new)`,
              );
          }
          bar?.stop();
          const audioCaptureIds = results.flatMap((r) => r.audioCaptureIds ?? []);
          const imageCaptureIds = results.flatMap((r) => r.imageCaptureIds ?? []);
          const perceived = options.wait
            ? await perceiveNow(familiar, owner, { audio: audioCaptureIds, image: imageCaptureIds }, out)
            : null;
          const observations = results.filter((r) => r.kind !== 'capture').reduce((s, r) => s + r.items, 0);
          const newObservations = results
            .filter((r) => r.kind !== 'capture')
            .reduce((s, r) => s + r.inserted, 0);
          const captures = results.filter((r) => r.kind === 'capture').reduce((s, r) => s + r.items, 0);
          const waiting = captures - (perceived?.processed ?? 0) - (perceived?.failed ?? 0);
          out.result(
            { files: results, observations, newObservations, captures, bytes: totalBytes, perceived },
            [
              `Ingested ${plan.length} file${plan.length === 1 ? '' : 's'} (${formatBytes(totalBytes)}): ${observations} observations (${newObservations} new), ${captures} captures.`,
              perceived
                ? `Perceived ${perceived.processed} capture${perceived.processed === 1 ? '' : 's'}: ${perceived.utterances} utterances, ${perceived.frames} frames kept${perceived.failed ? `; ${perceived.failed} failed (see familiar status)` : ''}.`
                : '',
              waiting > 0 ? `${waiting} captures wait in the queue for perception.` : '',
            ]
              .filter(Boolean)
              .join('\n'),
          );
        }),
    );

  program
    .command('ask <question...>')
    .description('ask about your timeline; the answer cites the moments it came from')
    .option('--user <name>', 'whose timeline (default: the only user)')
    .option('--limit <n>', 'how many moments to cite (1-20)', '5')
    .action(async (words: string[], options: { user?: string; limit: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        const limit = Number(options.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 20)
          throw new ValidationError('--limit must be a whole number from 1 to 20');
        const question = words.join(' ').trim();
        if (!question)
          throw new ValidationError('ask a question, e.g. familiar ask "where did I leave the keys?"');
        // Memory catches up first, so what was just ingested is found (a running server does this on a timer).
        await familiar.catchUpUser({ id: owner.id, timezone: owner.timezone }, { assistant: false });
        let result: Answer | null = null;
        let streamed = '';
        for await (const event of familiar.ask.stream(
          { userId: owner.id, label: 'cli', timezone: owner.timezone },
          question,
          { limit },
        )) {
          if (event.type === 'delta') {
            out.write(event.text);
            streamed += event.text;
          } else if (event.type === 'done') result = event.answer;
        }
        if (!result) throw new FamiliarError('internal', 'the ask ended without an answer');
        const answer = result;
        if (!out.json && streamed && !streamed.endsWith('\n')) out.write('\n');
        const wire = presentAnswer(answer, () => '');
        const refs = new Map(wire.citations.map((citation) => [citation.id, citation.ref]));
        out.result(
          {
            ...wire,
            citations: wire.citations.map(({ mediaUrl: _mediaUrl, ...citation }) => citation),
          },
          // The text was printed as it streamed; an extractive answer already quotes its moments.
          answer.model === null || answer.citations.length === 0
            ? ''
            : [
                '',
                'Cited:',
                ...answer.citations.map(
                  (observation) =>
                    `[${refs.get(observation.id) ?? '?'}] ${formatMoment(observation.capturedAt, owner.timezone)} (${observation.modality}): "${oneLine(observation.text)}"`,
                ),
              ].join('\n'),
        );
        if (!out.json && answer.model)
          out.info(
            `Answered by ${answer.model}${answer.timeToFirstTokenMs === null ? '' : ` (first words after ${answer.timeToFirstTokenMs} ms)`}.`,
          );
      }),
    );

  program
    .command('export')
    .description(
      'export a timeline: observations as JSONL on stdout, or everything (with media) into --out <dir>',
    )
    .option('--user <name>', 'whose timeline (default: the only user)')
    .option(
      '--out <dir>',
      'write a full export (observations, captures, media, people) into this new directory',
    )
    .action(async (options: { user?: string; out?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        if (options.out) {
          const counts = await familiar.archive.exportDirectory(owner, options.out);
          out.result(
            { out: options.out, ...counts },
            `Exported ${counts.observations} observations, ${counts.captures} captures (${counts.blobs} media files) and ${counts.people} people to ${options.out}.`,
          );
        } else {
          const count = await familiar.archive.exportJsonl(owner, (line) => process.stdout.write(line));
          out.info(`Exported ${count} observations.`);
        }
      }),
    );

  program
    .command('import <dir>')
    .description('restore a directory written by `familiar export --out` (creates the user if needed)')
    .option('--user <name>', 'import into this user (default: the exported user’s name)')
    .action(async (dir: string, options: { user?: string }, command: Command) =>
      withFamiliar(command, async (familiar, out) => {
        const bar =
          process.stderr.isTTY && !out.json
            ? new cliProgress.SingleBar(
                { format: 'import [{bar}] {percentage}% | {value}/{total}', stream: process.stderr },
                cliProgress.Presets.shades_classic,
              )
            : null;
        let started = false;
        const result = await familiar.archive.importDirectory(dir, {
          ...(options.user ? { userName: options.user } : {}),
          onProgress: (done, total) => {
            if (!started) {
              bar?.start(total, 0);
              started = true;
            }
            bar?.update(done);
          },
        });
        bar?.stop();
        out.result(
          result,
          `Imported into ${result.user}: ${result.observations} observations (${result.inserted} new), ${result.captures} captures, ${result.people} people.`,
        );
      }),
    );

  program
    .command('forget')
    .description('delete observations for good: rows, search index entries and media nobody else uses')
    .option('--user <name>', 'whose timeline (default: the only user)')
    .option('--id <id...>', 'observation or capture ids (a capture takes what was derived from it along)')
    .option(
      '--from <time>',
      'start of a time range (2026-11-03, 2026-11-03T14:00 in your zone, or ISO with zone)',
    )
    .option('--to <time>', 'end of the time range (exclusive)')
    .option('--everything', 'everything of the user (observations, captures, media, people); needs --yes')
    .option('--yes', 'confirm --everything')
    .action(
      async (
        options: {
          user?: string;
          id?: string[];
          from?: string;
          to?: string;
          everything?: boolean;
          yes?: boolean;
        },
        command: Command,
      ) =>
        withFamiliar(command, async (familiar, out) => {
          const owner = await familiar.accounts.resolveUser(options.user);
          const chosen = [
            options.id ? 1 : 0,
            options.from || options.to ? 1 : 0,
            options.everything ? 1 : 0,
          ].reduce((a, b) => a + b, 0);
          if (chosen !== 1)
            throw new ValidationError(
              'say what to forget: --id <id...>, or --from <time> --to <time>, or --everything --yes',
            );
          let selector: ForgetSelector;
          if (options.id) selector = { kind: 'ids', ids: options.id };
          else if (options.everything) {
            if (!options.yes)
              throw new ValidationError(
                `--everything deletes all of ${owner.name}'s data for good: add --yes to confirm`,
              );
            selector = { kind: 'everything' };
          } else {
            if (!options.from || !options.to)
              throw new ValidationError('a time range needs both --from and --to');
            const fromMs = parseTimeArgument(options.from, owner.timezone, '--from');
            const toMs = parseTimeArgument(options.to, owner.timezone, '--to');
            if (toMs <= fromMs) throw new ValidationError('--to must be after --from');
            selector = { kind: 'range', fromMs, toMs };
          }
          const result = await familiar.timeline.forget(cliActor(owner), selector);
          if (selector.kind === 'everything') await familiar.voiceprints.removeAll(owner.id);
          out.result(
            {
              observations: result.observations,
              captures: result.captures,
              blobs: result.unreferencedBlobs.length,
            },
            `Forgot ${result.observations} observations, ${result.captures} captures and ${result.unreferencedBlobs.length} media files.`,
          );
        }),
    );

  return program;
}

/** Runs the CLI; errors print one clear line (or a JSON error with --json) and set a non-zero exit code. */
export async function run(
  argv: readonly string[],
  io: Parameters<typeof buildProgram>[0] = {},
): Promise<number> {
  const program = buildProgram(io);
  program.exitOverride();
  program.configureOutput({ writeErr: (text) => process.stderr.write(text) });
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.help' ||
        error.code === 'commander.version'
        ? 0
        : 2;
    }
    const coded = error instanceof FamiliarError ? error : null;
    const code = coded?.code ?? 'internal';
    const message = coded?.message ?? (error instanceof Error ? error.message : String(error));
    if (json)
      process.stdout.write(
        `${JSON.stringify({ error: { code, message, ...(coded?.details === undefined ? {} : { details: coded.details }) } }, null, 2)}\n`,
      );
    process.stderr.write(`familiar: ${message}\n`);
    if (coded && Array.isArray(coded.details))
      for (const detail of coded.details.slice(0, 20)) process.stderr.write(`  - ${String(detail)}\n`);
    if (!coded) process.stderr.write(`${error instanceof Error ? error.stack : ''}\n`);
    return 1;
  }
}
