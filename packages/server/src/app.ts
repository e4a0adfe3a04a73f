import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import { createAccounts, createWebAuth } from './accounts/index.ts';
import { createArchive } from './archive/index.ts';
import {
  createAsk,
  createAssistantService,
  createChat,
  createChatToolDeps,
  createMcpToolSource,
  createModelGoalParser,
  createModelProgressDetector,
  createNotifier,
  createProactiveEngine,
  type ToolPolicy,
  type ToolSource,
} from './assistant/index.ts';
import type { Config, EmbedderConfig } from './config.ts';
import { probeEngines } from './engines/index.ts';
import { createFileIngest } from './ingest/index.ts';
import {
  type Clock,
  createUlidGenerator,
  type IdGenerator,
  type Logger,
  systemClock,
} from './kernel/index.ts';
import {
  createEmbeddingIndexer,
  createHashingEmbedder,
  createMemoryService,
  createModelEpisodeDescriber,
  createModelFactExtractor,
  createOllamaEmbedder,
  createOpenAiCompatibleEmbedder,
  createRetriever,
  createRuleFactExtractor,
  createTimeline,
  createUnderstanding,
  type Embedder,
} from './memory/index.ts';
import {
  type ConfiguredModel,
  configuredModels,
  createLlamaCppEmbedder,
  createModelFactory,
  createModelRunner,
  createModelSettings,
  describeModels,
  loadCatalog,
  type RouteRequest,
  redactionTermsFor,
} from './models/index.ts';
import {
  createAudioEngines,
  createAudioPerception,
  createConsent,
  createHumanTagger,
  createImagePerception,
  createOpenAiCompatibleCaptioner,
  createSherpaSpeakerEmbedder,
  createSpeakerIdentifier,
  createSpeechSilencer,
  createTesseractReader,
} from './perception/index.ts';
import { createMediaLinks, createModelGuard, createPrivacy, guardStatus } from './safety/index.ts';
import { createServerFacts } from './server-facts.ts';
import { describeEncryption, openBlobStore, openSqliteStores, type Stores } from './stores.ts';

/** Reads the installation's secret key (for signed media links), creating it on first use. */
function loadSecret(home: string): Uint8Array {
  const path = join(home, 'secret.key');
  if (!existsSync(path)) writeFileSync(path, randomBytes(32), { mode: 0o600, flag: 'wx' });
  const secret = readFileSync(path);
  if (secret.length < 32)
    throw new Error(`${path} is damaged: delete it to make a new one (signed links will reset)`);
  return secret;
}

const TEMPLATE_CAPTIONS = 'template captions (no vision model configured)';

/** "openai-compatible llava at 127.0.0.1:11434 (this machine)", or a warning that frames leave the machine. */
function describeCaptioner(name: string, url: string): string {
  const { host, hostname } = new URL(url);
  const local = hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
  return `${name} at ${host} (${local ? 'this machine' : 'frames leave this machine'})`;
}

/** The embedder memory uses for vector search, or null when none is configured. */
function createEmbedder(config: EmbedderConfig): (Embedder & { close?(): Promise<void> }) | null {
  switch (config.kind) {
    case 'off':
      return null;
    case 'hashing':
      return createHashingEmbedder({});
    case 'ollama':
      return createOllamaEmbedder({ baseUrl: config.url, model: config.model });
    case 'openai-compatible':
      return createOpenAiCompatibleEmbedder({
        baseUrl: config.url,
        model: config.model,
        ...(config.apiKey ? { apiKey: config.apiKey } : {}),
      });
    case 'gguf':
      return createLlamaCppEmbedder({ modelPath: config.path });
  }
}

/** "ollama nomic-embed-text at 127.0.0.1:11434 (this machine)", or "off (full-text search only)". */
function describeEmbedder(config: EmbedderConfig, embedder: Embedder | null): string {
  if (!embedder) return 'off (full-text search only)';
  if (config.kind === 'ollama' || config.kind === 'openai-compatible')
    return describeCaptioner(embedder.id, config.url).replace('frames leave', 'text excerpts leave');
  if (config.kind === 'hashing') return `${embedder.id} (lexical hashing, not a neural model)`;
  return `${embedder.id} (in-process)`;
}

/** The user lock the understanding pass (and the sweep after a forget) holds. */
export const UNDERSTANDING_LOCK = 'understanding';
/** The user lock the assistant pass (observe, then tick: nudges and pushes) holds. */
export const ASSISTANT_LOCK = 'assistant';

/**
 * What `openFamiliar` takes besides the config: a logger, and for tests and harnesses a clock, ids, stores already
 * opened, and replacements for the model factory, the MCP tools and the tool policy (the red-team harness plugs its
 * obedient model and its recording tools in here; `toolPolicy: 'off'` is its `--no-defence` baseline and nothing
 * else may pass it).
 */
export interface OpenFamiliarDeps {
  logger: Logger;
  clock?: Clock;
  newId?: IdGenerator;
  stores?: Stores;
  createModel?: (model: ConfiguredModel) => LanguageModelV3 | Promise<LanguageModelV3>;
  extraTools?: ToolSource | null;
  toolPolicy?: ToolPolicy;
}

/**
 * The composition root: opens the data directory and wires every adapter to its service. The server and the CLI
 * both start here, so a CLI command works on the same store whether or not a server is running.
 */
export function openFamiliar(config: Config, deps: OpenFamiliarDeps) {
  const { logger, clock = systemClock, newId = createUlidGenerator() } = deps;
  mkdirSync(config.home, { recursive: true, mode: 0o700 });
  chmodSync(config.home, 0o700);
  // The database: SQLite in FAMILIAR_HOME unless the caller opened PostgreSQL (`openStoresFor`).
  const stores = deps.stores ?? openSqliteStores(config, { clock, newId });

  const timelineStore = stores.timeline;
  // Media files: encrypted with AES-256-GCM under keyed-hash names when FAMILIAR_KEY or FAMILIAR_KEY_FILE is set.
  const blobs = openBlobStore(config);
  const people = stores.people;
  const audit = stores.audit;
  const jobs = stores.jobs;
  const accounts = createAccounts({ store: stores.accounts, clock, newId });
  // The web app's sign-in: passphrases, browser sessions with CSRF tokens, one-time pairing codes.
  const webAuth = createWebAuth({ store: stores.webAuth, accounts: stores.accounts, audit, clock });
  // Models: the catalog (with the person's own entries), what familiar.config.json configures, and one runner that
  // routes every call by sensitivity, falls back on failures and audits where data went.
  const catalog = loadCatalog({ extra: config.models?.catalog ?? [] });
  const configured = config.models ? configuredModels(config.models, catalog) : [];
  // Each person's "Open models only" switch, on top of models.openOnly (a floor they cannot lower).
  const modelSettings = createModelSettings({
    store: stores.modelSettings,
    audit,
    clock,
    models: configured,
    configOpenOnly: config.models?.openOnly ?? false,
  });
  const runner = createModelRunner({
    models: configured,
    policy: {
      openOnly: config.models?.openOnly ?? false,
      allowPrivate: config.models?.allowPrivate ?? [],
      ...(config.models?.budgetUsd === undefined ? {} : { budgetUsd: config.models.budgetUsd }),
    },
    audit,
    clock,
    // Names the redactor replaces before calls to cloud models: the person's people list, read per call.
    redactionTerms: async (userId) => redactionTermsFor(await stores.people.list(userId)),
    // Read at each call, so a switch flipped from the CLI or another server holds at the next one.
    openOnlyFor: (userId) => modelSettings.personOpenOnly(userId),
    createModel:
      deps.createModel ?? createModelFactory(config.models ?? { providers: [] }, { env: process.env }),
    ...(config.models ? { timeoutMs: config.models.timeoutMs } : {}),
  });
  const models = {
    runner,
    configured,
    /** The catalog as `familiar models` shows it, with which entries this installation has configured. */
    describe() {
      const used = new Set(configured.flatMap((model) => (model.entry ? [model.entry.id] : [])));
      return describeModels(catalog, (entry) => used.has(entry.id));
    },
    /**
     * The router's decision for a kind of call, without making it: for everyone (the config's policy), or for one
     * person (with their own "Open models only" on top).
     */
    async route(request: RouteRequest, userId?: string) {
      const { choice, reason, candidates } =
        userId === undefined ? runner.route(request) : await runner.routeFor(userId, request);
      return { choice, reason, candidates };
    },
    /** Each person's "Open models only" switch (audited as `models.open-only`). */
    settings: modelSettings,
  };
  const facts = stores.facts;
  const episodes = stores.episodes;
  const embedder = createEmbedder(config.embedder);
  const vectors = stores.vectors;
  const cursors = stores.cursors;
  // The assistant's stores: what it derived from observations follows a forget as memory does (memory calls back;
  // it does not know the assistant).
  const goals = stores.goals;
  const inbox = stores.inbox;
  const assistantSettings = stores.settings;
  const assistantForget = {
    /** Inferred progress and inbox items inferred from observations, left without any source, go. */
    async afterForget(userId: string) {
      const progress = await goals.prune(userId);
      const items = await inbox.prune(userId);
      if (progress + items.removed > 0)
        logger.debug({ userId, progress, inbox: items.removed }, 'the assistant followed a forget');
    },
    /** Forget everything: goals, progress, the inbox, pending actions and settings (its cursor is reset by memory). */
    async forgetAll(userId: string) {
      await goals.removeAll(userId);
      await inbox.removeAll(userId);
      // The action and settings ports have no removal of their own; the database's rows go here.
      await stores.forgetAssistantRows(userId);
    },
  };
  const understanding = createUnderstanding({
    store: timelineStore,
    facts,
    episodes,
    people,
    cursors,
    // With a model routable for private extraction, facts and episode titles come from it (validated by Zod);
    // otherwise, and whenever it fails, from the offline rules.
    extractor: createModelFactExtractor({ runner, fallback: createRuleFactExtractor() }),
    describer: createModelEpisodeDescriber({ runner }),
    // After a forget, episodes that shrank are described again in their user's zone.
    timezoneOf: async (userId) => (await stores.accounts.getUser(userId))?.timezone ?? null,
    indexer: embedder ? createEmbeddingIndexer({ index: vectors, embedder, logger }) : null,
    clock,
    newId,
    logger,
    followers: [assistantForget],
    // Consent reads new speech first: what a bystander asked not to be remembered never becomes facts.
    reviewers: [{ review: async (user) => void (await consent.review(user)) }],
  });
  const timeline = createTimeline({
    store: timelineStore,
    blobs,
    people,
    audit,
    jobs,
    clock,
    newId,
    logger,
    derived: understanding,
  });
  const retriever = createRetriever({
    store: timelineStore,
    episodes,
    vectors,
    embedder,
    clock,
    options: config.retrieval,
  });
  // The content guard: on when a guard model (Llama Guard) is configured, applied to asks and chat turns.
  const guard = createModelGuard({ runner });
  const ask = createAsk({ retriever, audit, clock, runner, guard });
  const memory = createMemoryService({ facts, episodes, people, timeline, audit, clock, newId });
  const privacy = createPrivacy({ store: stores.captureState, timeline, audit, clock, newId });
  const notifier = createNotifier({ store: stores.notifications, clock, newId });
  const consent = createConsent({
    store: timelineStore,
    timeline,
    people,
    prints: stores.voiceprints,
    cursors,
    audit,
    notify: (userId, message) => notifier.notify(userId, message),
    silencer: createSpeechSilencer({ store: timelineStore, blobs, logger }),
    clock,
    logger,
  });
  // The assistant: goals, the inbox, the proactive engine (follows memory; pushes through the notifier), the chat
  // with its tools (built-in, and MCP servers from familiar.config.json), and actions waiting for confirmation.
  const engine = createProactiveEngine({
    store: timelineStore,
    facts,
    people,
    episodes,
    goals,
    inbox,
    settings: assistantSettings,
    defaults: config.assistant,
    cursors,
    notifier,
    progress: createModelProgressDetector({ runner }),
    clock,
    newId,
    logger,
  });
  const assistant = createAssistantService({
    goals,
    inbox,
    settings: assistantSettings,
    defaults: config.assistant,
    people,
    timeline,
    engine,
    goalParser: createModelGoalParser({ runner }),
    audit,
    clock,
    newId,
  });
  const mcpTools =
    deps.extraTools !== undefined
      ? deps.extraTools
      : config.mcp
        ? createMcpToolSource(config.mcp, { logger })
        : null;
  const chat = createChat({
    runner,
    guard,
    tools: createChatToolDeps({ assistant, retriever, ask, people }),
    extraTools: mcpTools,
    actions: stores.actions,
    audit,
    clock,
    newId,
    logger,
    ...(deps.toolPolicy ? { toolPolicy: deps.toolPolicy } : {}),
  });
  const audioEngines = createAudioEngines(config, logger);
  const speakerEmbedder = config.speakers.model
    ? createSherpaSpeakerEmbedder({ model: config.speakers.model })
    : null;
  const voiceprints = stores.voiceprints;
  const speakers = createSpeakerIdentifier({
    embedder: speakerEmbedder,
    voiceprints,
    people,
    threshold: config.speakers.threshold,
    ...(speakerEmbedder ? { checkModel: speakerEmbedder.inspect } : {}),
    clock,
    newId,
  });
  const audioPerception = audioEngines.transcriber
    ? createAudioPerception({
        store: timelineStore,
        blobs,
        vad: audioEngines.vad,
        transcriber: audioEngines.transcriber,
        identifySpeaker: (userId, samples) => speakers.identify(userId, samples),
        clock,
        logger,
      })
    : null;
  // Vision engines load on first use (tesseract.js threads, Human's models), so commands that see nothing pay nothing.
  const textReader = createTesseractReader();
  const frameTagger = createHumanTagger();
  const captioner = config.caption
    ? createOpenAiCompatibleCaptioner({
        baseUrl: config.caption.url,
        ...(config.caption.apiKey ? { apiKey: config.caption.apiKey } : {}),
        model: config.caption.model,
      })
    : null;
  const captionStatus =
    captioner && config.caption ? describeCaptioner(captioner.name, config.caption.url) : TEMPLATE_CAPTIONS;
  const imagePerception = createImagePerception({
    store: timelineStore,
    blobs,
    people,
    faces: voiceprints,
    reader: textReader,
    tagger: frameTagger,
    captioner,
    clock,
    logger,
  });
  const archive = createArchive({
    accounts,
    timeline,
    people,
    facts,
    episodes,
    understanding,
    audit,
    clock,
    newId,
    assistant: { goals, inbox, settings: assistantSettings, store: timelineStore, cursors },
  });
  const fileIngest = createFileIngest({ timeline });
  // What the server can do, as one person may see it (`GET /v1/server`): no other user's data, no paths, no keys.
  const serverFacts = createServerFacts({
    config,
    audio: audioEngines,
    textReader,
    frameTagger,
    captions: captioner && config.caption ? captionStatus : null,
    embeddings: embedder ? describeEmbedder(config.embedder, embedder) : null,
    guard: () => guardStatus({ runner, models: configured }),
    routeFor: (userId, request) => runner.routeFor(userId, request),
  });
  const mediaLinks = createMediaLinks({
    secret: loadSecret(config.home),
    clock,
    ttlSeconds: config.mediaUrlTtl,
  });

  return {
    config,
    logger,
    clock,
    newId,
    accounts,
    /** The web app's sign-in: passphrase logins, session cookies and CSRF, pairing codes for devices. */
    webAuth,
    timeline,
    ask,
    /** Goals, the inbox, settings, the digest and the calendar. */
    assistant,
    /** The assistant turn: chat with tools, and external actions waiting for the person's confirmation. */
    chat,
    /** Language models: the catalog, the configured ones, the router and the runner. */
    models,
    /** Facts, episodes and people: reading and correcting what memory holds. */
    memory,
    /** Turns new observations into facts, episodes and vectors (the server runs it on a timer; the CLI on demand). */
    understanding,
    /** Per-user locks for the passes: across processes on PostgreSQL, in process on SQLite. */
    locks: stores.locks,
    /**
     * Brings one user's memory, then (unless `assistant: false`) the assistant, up to date under the user's locks, as
     * the server's follower does. A pass another process is running is skipped (null): it is being done there.
     */
    async catchUpUser(user: { id: string; timezone: string }, options: { assistant?: boolean } = {}) {
      const memory = await stores.locks.withUserLock(UNDERSTANDING_LOCK, user.id, () =>
        understanding.catchUp(user),
      );
      const assisted =
        options.assistant === false
          ? null
          : await stores.locks.withUserLock(ASSISTANT_LOCK, user.id, () => assistant.catchUp(user));
      return { memory, assisted };
    },
    retriever,
    audit,
    jobs,
    people,
    blobs,
    mediaLinks,
    archive,
    privacy,
    /** Opt-outs (voice, face and what is stored) and spoken requests not to be remembered. */
    consent,
    notifier,
    timelineStore,
    audioEngines,
    /** Hears audio captures; null while no speech recognizer is available (captures then wait, queued). */
    audioPerception,
    /** Sees image captures: dedup, OCR, objects and faces, blur, one frame observation per kept frame. */
    imagePerception,
    frameTagger,
    /** Who spoke: voice enrolment and identification (every voice `unknown` without a model). */
    speakers,
    voiceprints,
    fileIngest,
    /** What this server can do for one person: engines, where their asks go, retention, encryption at rest. */
    serverFacts,
    /** What `familiar status` shows: data, disk, backlog and engines. */
    async status() {
      const users = await Promise.all(
        (await accounts.listUsers()).map(async (user) => ({
          name: user.name,
          timezone: user.timezone,
          observations: await timeline.count(user.id),
          captures: (await timeline.listCaptures(user.id)).length,
          devices: (await accounts.listDevices(user.name)).filter((d) => d.revokedAt === null).length,
          capture: await privacy.state(user.id),
        })),
      );
      return {
        home: config.home,
        encryption: describeEncryption(config),
        disk: {
          databaseBytes: stores.databaseBytes(),
          blobBytes: await blobs.diskUsage(),
        },
        users,
        backlog: await jobs.backlog(),
        perception: {
          voiceActivity: audioEngines.vad.name,
          speechRecognition: audioEngines.asrStatus,
          speakers: await speakers.describe((await accounts.listUsers()).map((user) => user.id)),
          audioRetention:
            config.audioRetentionDays === null ? 'forever' : `${config.audioRetentionDays} days`,
        },
        memory: { embeddings: describeEmbedder(config.embedder, embedder) },
        assistant: {
          users: await Promise.all(
            (await accounts.listUsers()).map(async (user) => {
              const settings = await assistant.settingsOf(user.id);
              return {
                name: user.name,
                goals: (await goals.list(user.id, { status: 'active' })).length,
                open: (await inbox.list(user.id, { kinds: ['commitment', 'reminder', 'nudge'] })).length,
                quietHours: settings.quietHours,
                digestAt: settings.digestAt,
              };
            }),
          ),
          mcpServers: (config.mcp?.servers ?? []).map((server) => server.name),
        },
        models: {
          configFile: config.configFile,
          configured: configured.map((model) => ({ id: model.id, runsOn: model.runsOn })),
          ask: runner.route({ task: 'ask', sensitivity: 'private' }).choice,
          /** The content guard: on with its model, or off and why (docs/architecture.md, "Content guard"). */
          guard: guardStatus({ runner, models: configured }),
        },
        vision: {
          textReading: textReader.name,
          objectsAndFaces: frameTagger.name,
          captions: captionStatus,
        },
        engines: probeEngines(),
      };
    },
    /** Stops the engine threads (OCR, vision) and closes the database. */
    async close() {
      await Promise.allSettled([
        textReader.close(),
        frameTagger.close(),
        embedder?.close?.(),
        runner.close(),
        mcpTools?.close(),
      ]);
      await stores.close();
    },
  };
}

/** Everything the edges (HTTP, CLI) use. */
export type Familiar = ReturnType<typeof openFamiliar>;
