/**
 * Drives a day-in-the-life scenario (`test/fixtures/assistant/*.yaml`, see `scenario.ts`) through the real server,
 * in process, on simulated time: a temp home, a user in the scenario's zone with its people and assistant settings,
 * a connected device that collects notifications, then every step (default 10 minutes, plus the exact moment of
 * each goal, observation and digest) sets the clock, creates the goals and posts the observations whose time has
 * come, and runs one round of the memory + assistant follower (`server.catchUp()`). At the end it reads goals,
 * inbox, date facts and digests back over HTTP and maps them to the scenario's ids, in the shape `scoreDetections`
 * scores.
 *
 * With `model: 'replay'` a local OpenAI-compatible replay server stands in for a good model: every structured call
 * (fact extraction, episode titles, goal parsing, progress detection) is answered with what the scenario's
 * expectations imply for the observation in the prompt, so the run proves the model path carries the scenario.
 */
import type { ServerMessage } from '@familiar/protocol';
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { derivedUlid } from '../../src/kernel/derived-id.ts';
import { type CalendarDate, wallClockAt } from '../../src/kernel/zoned-calendar.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import { tempHome } from './processes.ts';
import { RawDevice } from './raw-device.ts';
import {
  type RecordedRequest,
  type ReplayResponse,
  type ReplayServer,
  startReplayServer,
  writeReplayModelConfig,
} from './replay-server.ts';
import {
  type DetectionScore,
  epochToLocalTime,
  type FoundDetections,
  type Scenario,
  type ScenarioGoal,
  type ScenarioObservation,
  scoreDetections,
} from './scenario.ts';

export interface DriveOptions {
  /** `none`: rules only (no model configured). `replay`: a replay server answering structured extractions. */
  model?: 'none' | 'replay';
  /** Minutes between rounds of the follower (the exact times of goals, observations and digests are added). */
  stepMinutes?: number;
}

/** A notification a connected device received. */
export interface ReceivedNotification {
  id: string;
  title: string;
  body: string;
  /** Epoch ms of the message's `at` (when the server queued it, on the simulated clock). */
  at: number;
  /** The simulated time of the step after which the device had it. */
  receivedAt: number;
  /** "YYYY-MM-DD HH:MM" local of `at`. */
  local: string;
  /** The fixture observation of the inbox item it is about (same id, or its title in the text), or null. */
  about: string | null;
}

/** An inbox item as `/v1/inbox` shows it, with its sources mapped to fixture ids. */
export interface DrivenInboxItem {
  id: string;
  kind: string;
  title: string;
  body: string;
  reason: string;
  status: string;
  due: number | null;
  completedAt: number | null;
  notifiedAt: number | null;
  createdAt: number;
  /** Fixture ids of the sources (unknown ids as `?<id>`). */
  sources: string[];
}

/** A goal as `/v1/goals/:id` shows it, with its fixture id and its entries' sources mapped. */
export interface DrivenGoal {
  fixtureId: string | null;
  id: string;
  text: string;
  target: { amount: number; unit: string; counting: string; period: string | null };
  progress: { current: number; summary: string };
  entries: Array<{
    amount: number;
    unit: string;
    status: string;
    origin: string;
    evidence: string;
    sources: string[];
  }>;
}

/** A fact as `/v1/facts` shows it, its `validFrom` local and its sources mapped to fixture ids. */
export interface DrivenFact {
  kind: string;
  subject: string;
  predicate: string;
  object: string;
  validFrom: string | null;
  status: string;
  sources: string[];
}

/** One kind of model call the replay server answered, and how many of them. */
export type ModelCallKind = 'facts' | 'episode' | 'goal' | 'progress' | 'unrecognised';

export interface DriveResult {
  found: FoundDetections;
  score: DetectionScore;
  notifications: ReceivedNotification[];
  inbox: DrivenInboxItem[];
  goals: DrivenGoal[];
  /** Commitment and date facts memory recorded (for diagnosis). */
  facts: DrivenFact[];
  /** Digest text per day of the scenario's `digest` expectations, fetched at digest time (`/v1/digest?day=`). */
  digests: Record<string, string>;
  /** Inbox items of kind nudge. */
  nudges: DrivenInboxItem[];
  /** Audit actions recorded for the user, oldest first. */
  auditActions: string[];
  /** Model calls by kind (replay only; all zero without a model). */
  modelCalls: Record<ModelCallKind, number>;
  /** Requests the replay server received (empty without a model). */
  modelRequests: RecordedRequest[];
  /** Warnings and errors the server logged (the follower swallows its errors into the log). */
  logged: Array<{ level: number; msg: string; err?: unknown }>;
  /** ULID → fixture id of every observation posted. */
  observationIds: Map<string, string>;
  /** Wall-clock milliseconds the whole drive took. */
  elapsedMs: number;
  steps: number;
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field, like a client would read them
type Json = any;

const USER = 'alex';

/** Runs the scenario through the server and returns what it found, scored. */
export async function driveScenario(scenario: Scenario, options: DriveOptions = {}): Promise<DriveResult> {
  const started = Date.now();
  const stepMs = (options.stepMinutes ?? 10) * 60_000;
  const model = options.model ?? 'none';
  const zone = scenario.timezone;

  const home = tempHome('familiar-scenario-');
  let replay: ReplayServer | null = null;
  const modelCalls: Record<ModelCallKind, number> = {
    facts: 0,
    episode: 0,
    goal: 0,
    progress: 0,
    unrecognised: 0,
  };
  const previousKey = process.env.TEST_LLM_KEY;
  if (model === 'replay') {
    replay = await startReplayServer();
    replay.script('POST', '/v1/chat/completions', [
      (request) => {
        const answer = answerModelCall(scenario, request);
        modelCalls[answer.kind] += 1;
        return answer.response;
      },
    ]);
    writeReplayModelConfig(home, replay.url);
    process.env.TEST_LLM_KEY = 'scenario-test-key';
  }

  const logged: DriveResult['logged'] = [];
  const logger = pino(
    { level: 'warn', base: undefined },
    {
      write(line: string) {
        try {
          const entry = JSON.parse(line) as { level: number; msg: string; err?: unknown };
          logged.push({ level: entry.level, msg: entry.msg, ...(entry.err ? { err: entry.err } : {}) });
        } catch {
          logged.push({ level: 50, msg: line });
        }
      },
    },
  );

  let now = scenario.startsAt;
  const clock = { now: () => now };
  let server: RunningServer | null = null;
  let device: RawDevice | null = null;
  try {
    server = await startServer(
      loadConfig({
        FAMILIAR_HOME: home,
        FAMILIAR_PORT: '0',
        FAMILIAR_MEMORY_INTERVAL_MS: String(2 ** 31 - 1),
      }),
      logger,
      { clock, hub: { pollMs: 2 ** 31 - 1 } },
    );
    const familiar = server.familiar;
    const user = await familiar.accounts.addUser({ name: USER, timezone: zone });
    const { token } = await familiar.accounts.addDevice({ userName: USER, name: 'glasses' });
    for (const person of scenario.people) {
      await familiar.people.add({
        id: familiar.newId(),
        userId: user.id,
        name: person.name,
        aliases: person.aliases,
        optedOut: false,
        relationship: person.relationship,
        createdAt: now,
        updatedAt: now,
      });
    }

    const base = server.url;
    const http = async (method: string, path: string, body?: unknown): Promise<Json> => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) {
        const errors = logged.slice(-3).map((entry) => `${entry.msg} ${JSON.stringify(entry.err ?? '')}`);
        throw new Error(`${method} ${path} → ${response.status}: ${text}\n${errors.join('\n')}`);
      }
      return text ? JSON.parse(text) : null;
    };

    await http('PATCH', '/v1/assistant/settings', {
      quietHours: scenario.settings.quietHours,
      digestAt: scenario.settings.digestAt,
      dateLeadDays: scenario.settings.dateLeadDays,
    });

    device = (await RawDevice.connect(base, token)).device;
    const connected = device;
    let pings = 0;
    const flush = async () => {
      // The server answers a ping on the same socket after everything it sent before, so once the pong is here
      // every notification pushed by the round is too.
      pings += 1;
      const id = `flush-${pings}`;
      connected.json({ type: 'ping', id, deviceTime: Date.now() });
      await connected.next((m) => m.type === 'pong' && m.id === id);
    };

    // The steps: a regular grid over the scenario's days plus the exact moments things happen.
    const moments = new Set<number>();
    for (let t = scenario.startsAt; t < scenario.endsAt; t += stepMs) moments.add(t);
    for (const goal of scenario.goals) moments.add(goal.at);
    for (const observation of scenario.observations) moments.add(observation.at);
    for (const digest of scenario.expect.digest) moments.add(digest.at);
    const steps = [...moments].sort((a, b) => a - b);

    const observationIds = new Map<string, string>();
    const postedAt: Array<{ fixtureId: string; at: number }> = [];
    const goalIds = new Map<string, string>();
    const pendingGoals = [...scenario.goals].sort((a, b) => a.at - b.at);
    const pendingObservations = [...scenario.observations];
    const pendingDigests = [...scenario.expect.digest].sort((a, b) => a.at - b.at);
    const digests: Record<string, string> = {};
    const received: ReceivedNotification[] = [];
    let seen = 0;

    for (const step of steps) {
      now = step;
      while (pendingGoals[0] && pendingGoals[0].at <= now) {
        const goal = pendingGoals.shift()!;
        const created = await http('POST', '/v1/goals', { text: goal.text });
        goalIds.set(created.id as string, goal.id);
      }
      const due: ScenarioObservation[] = [];
      while (pendingObservations[0] && pendingObservations[0].at <= now)
        due.push(pendingObservations.shift()!);
      if (due.length > 0) {
        await http('POST', '/v1/observations', {
          observations: due.map((observation) => {
            const id = derivedUlid(observation.at, `scenario:${observation.id}`);
            observationIds.set(id, observation.id);
            postedAt.push({ fixtureId: observation.id, at: observation.at });
            return {
              id,
              modality: observation.modality,
              capturedAt: new Date(observation.at).toISOString(),
              text: observation.text,
              ...(observation.speaker === undefined ? {} : { speaker: observation.speaker }),
            };
          }),
        });
      }
      await server.catchUp();
      await flush();
      const messages = connected.received.filter(
        (m): m is Extract<ServerMessage, { type: 'notification' }> => m.type === 'notification',
      );
      for (const message of messages.slice(seen)) {
        const at = Date.parse(message.at);
        received.push({
          id: message.id,
          title: message.title,
          body: message.body,
          at,
          receivedAt: now,
          local: epochToLocalTime(at, zone),
          about: null,
        });
      }
      seen = messages.length;
      while (pendingDigests[0] && pendingDigests[0].at <= now) {
        const digest = pendingDigests.shift()!;
        digests[digest.day] = ((await http('GET', `/v1/digest?day=${digest.day}`)) as { text: string }).text;
      }
    }

    // ── Read everything back ─────────────────────────────────────────────────────────────────────────────────
    const fixtureOf = (id: string) => observationIds.get(id) ?? `?${id}`;
    const ms = (value: string | null | undefined) => (value ? Date.parse(value) : null);

    const inbox: DrivenInboxItem[] = (
      (await http('GET', '/v1/inbox?status=all&limit=1000')).items as Json[]
    ).map((item) => ({
      id: item.id,
      kind: item.kind,
      title: item.title,
      body: item.body,
      reason: item.reason,
      status: item.status,
      due: ms(item.due),
      completedAt: ms(item.completedAt),
      notifiedAt: ms(item.notifiedAt),
      createdAt: Date.parse(item.createdAt),
      sources: (item.sources as string[]).map(fixtureOf),
    }));

    const goals: DrivenGoal[] = [];
    for (const listed of (await http('GET', '/v1/goals?status=all')).goals as Json[]) {
      const goal = await http('GET', `/v1/goals/${listed.id}`);
      goals.push({
        fixtureId: goalIds.get(goal.id) ?? scenario.goals.find((g) => g.text === goal.text)?.id ?? null,
        id: goal.id,
        text: goal.text,
        target: goal.target,
        progress: { current: goal.progress.current, summary: goal.progress.summary },
        entries: (goal.entries as Json[]).map((entry) => ({
          amount: entry.amount,
          unit: entry.unit,
          status: entry.status,
          origin: entry.origin,
          evidence: entry.evidence,
          sources: (entry.sources as string[]).map(fixtureOf),
        })),
      });
    }

    const dateFacts = (await http('GET', '/v1/facts?kind=date&status=all&limit=1000')).facts as Json[];
    const commitmentFacts = (await http('GET', '/v1/facts?kind=commitment&status=all&limit=1000'))
      .facts as Json[];
    const facts: DrivenFact[] = [...commitmentFacts, ...dateFacts].map((fact) => ({
      kind: fact.kind,
      subject: fact.subject,
      predicate: fact.predicate,
      object: fact.object,
      validFrom: fact.validFrom ? epochToLocalTime(Date.parse(fact.validFrom), zone) : null,
      status: fact.status,
      sources: (fact.sources as string[]).map(fixtureOf),
    }));

    // ── Map to the scorer's shape ────────────────────────────────────────────────────────────────────────────
    const progress: FoundDetections['progress'] = [];
    for (const goal of goals) {
      for (const entry of goal.entries) {
        if (entry.status === 'rejected') continue;
        for (const from of entry.sources)
          progress.push({ goal: goal.fixtureId ?? `?${goal.id}`, from, amount: entry.amount });
      }
    }
    const completedBy = (completedAt: number | null): string | null => {
      if (completedAt === null) return null;
      let latest: string | null = null;
      for (const posted of postedAt) if (posted.at <= completedAt) latest = posted.fixtureId;
      return latest;
    };
    const commitmentItems = inbox.filter((item) => item.kind === 'commitment' || item.kind === 'reminder');
    const commitments: FoundDetections['commitments'] = commitmentItems.map((item) => ({
      from: item.sources[0] ?? `?${item.id}`,
      kind: item.kind,
      title: item.title,
      due: item.due,
      status: item.status,
      completedBy: item.status === 'done' ? completedBy(item.completedAt) : null,
    }));
    const dates: FoundDetections['dates'] = [];
    for (const fact of dateFacts) {
      if (!fact.validFrom) continue;
      const wall = wallClockAt(Date.parse(fact.validFrom), zone);
      const date = `${String(wall.month).padStart(2, '0')}-${String(wall.day).padStart(2, '0')}`;
      const label = String(fact.predicate).replace(/_/g, ' ');
      for (const source of fact.sources as string[]) dates.push({ from: fixtureOf(source), label, date });
    }
    const negatives = new Set(scenario.expect.mustNotCount);
    const counted = new Set<string>();
    for (const goal of goals)
      for (const entry of goal.entries)
        if (entry.status !== 'rejected') for (const s of entry.sources) counted.add(s);
    for (const item of commitmentItems) for (const s of item.sources) counted.add(s);
    const wronglyCounted = [...counted].filter((id) => negatives.has(id));
    const found: FoundDetections = { progress, commitments, dates, wronglyCounted };

    // Which inbox item each notification is about: the same id, else an item whose title the notification's title
    // holds (the one notified at that moment first). Digests have no sources, so they are about nothing.
    for (const notification of received) {
      const title = notification.title.toLowerCase();
      const candidates = inbox
        .filter(
          (item) => item.id === notification.id || (item.title && title.includes(item.title.toLowerCase())),
        )
        .sort(
          (a, b) =>
            Number(b.id === notification.id) - Number(a.id === notification.id) ||
            Number(b.notifiedAt === notification.at) - Number(a.notifiedAt === notification.at) ||
            b.title.length - a.title.length,
        );
      notification.about = candidates[0]?.sources[0] ?? null;
    }

    const auditActions = (await familiar.audit.list(user.id, { limit: 100_000 }))
      .map((event) => event.action)
      .reverse();

    return {
      found,
      score: scoreDetections(scenario, found),
      notifications: received,
      inbox,
      goals,
      facts,
      digests,
      nudges: inbox.filter((item) => item.kind === 'nudge'),
      auditActions,
      modelCalls,
      modelRequests: replay ? [...replay.requests] : [],
      logged,
      observationIds,
      elapsedMs: Date.now() - started,
      steps: steps.length,
    };
  } finally {
    device?.close();
    await server?.close();
    await replay?.close();
    if (model === 'replay') {
      if (previousKey === undefined) delete process.env.TEST_LLM_KEY;
      else process.env.TEST_LLM_KEY = previousKey;
    }
  }
}

// ── The replay model ───────────────────────────────────────────────────────────────────────────────────────────

interface ChatMessage {
  role: string;
  content: unknown;
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((part) => (part && typeof part === 'object' && 'text' in part ? String(part.text) : ''))
      .join('');
  return '';
}

/** A chat-completions answer whose content is `json`, streamed when the request asks for a stream. */
function jsonAnswer(request: RecordedRequest, json: unknown): ReplayResponse {
  const body = (request.json ?? {}) as { stream?: boolean; stream_options?: { include_usage?: boolean } };
  const content = JSON.stringify(json);
  const model = 'replayed-model';
  if (body.stream !== true) {
    return {
      json: {
        id: 'chatcmpl-scenario',
        object: 'chat.completion',
        created: 1764385260,
        model,
        choices: [
          { index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: 'stop' },
        ],
        usage: { prompt_tokens: 200, completion_tokens: 50, total_tokens: 250 },
      },
    };
  }
  const chunk = (choices: unknown[], usage: unknown = null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-scenario', object: 'chat.completion.chunk', created: 1764385260, model, choices, usage })}\n\n`;
  const delta = (value: Record<string, unknown>, finish: string | null = null) => ({
    index: 0,
    delta: value,
    logprobs: null,
    finish_reason: finish,
  });
  return {
    events: [
      chunk([delta({ role: 'assistant', content: '' })]),
      chunk([delta({ content })]),
      chunk([delta({}, 'stop')]),
      ...(body.stream_options?.include_usage === true
        ? [chunk([], { prompt_tokens: 200, completion_tokens: 50, total_tokens: 250 })]
        : []),
      'data: [DONE]\n\n',
    ],
  };
}

/** Recognises which structured call a request is and answers it from the scenario's expectations. */
export function answerModelCall(
  scenario: Scenario,
  request: RecordedRequest,
): { kind: ModelCallKind; response: ReplayResponse } {
  const messages = (((request.json ?? {}) as { messages?: ChatMessage[] }).messages ?? []) as ChatMessage[];
  const system = messages
    .filter((m) => m.role === 'system' || m.role === 'developer')
    .map((m) => messageText(m.content))
    .join('\n');
  const user = messages
    .filter((m) => m.role === 'user')
    .map((m) => messageText(m.content))
    .join('\n');
  if (/record the facts it asserts/i.test(system)) {
    return { kind: 'facts', response: jsonAnswer(request, { facts: factsFor(scenario, user) }) };
  }
  if (/title and summarise one episode/i.test(system)) {
    const first = dataBlock(user).split('\n')[0] ?? '';
    const text = first.replace(/^\[[^\]]*\]\s*/, '').slice(0, 70) || 'A moment of the day';
    return { kind: 'episode', response: jsonAnswer(request, { title: text, summary: `You noted: ${text}` }) };
  }
  const goal = goalCall(scenario, system, user);
  if (goal) return { kind: 'goal', response: jsonAnswer(request, goal) };
  const progress = progressCall(scenario, system, user);
  if (progress) return { kind: 'progress', response: jsonAnswer(request, progress) };
  return {
    kind: 'unrecognised',
    response: {
      status: 500,
      json: { error: { message: 'the scenario replay does not recognise this call' } },
    },
  };
}

/** The text between the `<data>` delimiters. */
function dataBlock(prompt: string): string {
  const match = /<data>\n?([\s\S]*?)\n?<\/data>/.exec(prompt);
  return (match?.[1] ?? prompt).trim();
}

function observationWithText(scenario: Scenario, text: string): ScenarioObservation | null {
  return scenario.observations.find((observation) => observation.text.trim() === text.trim()) ?? null;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

function isoDay(date: CalendarDate): string {
  return `${date.year}-${pad(date.month)}-${pad(date.day)}`;
}

/** The local ISO form ("YYYY-MM-DD" or "YYYY-MM-DDTHH:MM") of an expected due. */
function isoDue(due: string | null): string | null {
  if (due === null) return null;
  return due.length > 10 ? due.replace(' ', 'T') : due;
}

/** The clause of `text` that holds all the words, as a substring of the text. */
function clauseWith(text: string, words: readonly string[]): string {
  const clauses = text.split(/(?<=[.,;!?])\s+/).map((clause) => clause.replace(/[.,;!?]+$/, ''));
  const lower = (value: string) => value.toLowerCase();
  const clause = clauses.find((c) => words.every((word) => lower(c).includes(lower(word)))) ?? text.trim();
  return clause.trim();
}

/** What is to be done, from a clause: "Yes, I'll send Sam the deck tomorrow" → "send Sam the deck tomorrow". */
function actionOf(clause: string): string {
  return clause
    .replace(/^(?:yes|yeah|ok|okay|right|so|sure)\b[,\s]*/i, '')
    .replace(/^remind me\b.*?\bto\s+/i, '')
    .replace(/^(?:i'll|i will|i'm going to|i am going to|we'll|we will)\s+/i, '')
    .trim();
}

/** The facts a good model would extract from this observation, per the scenario's expectations. */
function factsFor(scenario: Scenario, prompt: string): unknown[] {
  const observation = observationWithText(scenario, dataBlock(prompt));
  if (!observation) return [];
  // As the prompt tells the model: first-person statements are about the speaker it names, else about "self".
  const named = /The speaker is "([^"]+)"/.exec(prompt)?.[1];
  const subject = named ?? 'self';
  const facts: unknown[] = [];
  for (const commitment of scenario.expect.commitments.filter((entry) => entry.from === observation.id)) {
    const span = clauseWith(observation.text, commitment.words);
    const object = actionOf(span) || span;
    const due = isoDue(commitment.due);
    facts.push({
      kind: 'commitment',
      subject,
      predicate: 'will',
      object,
      slot: null,
      statement: `${subject === 'self' ? 'You' : subject} will ${object}${due ? ` (due ${due})` : ''}`,
      span,
      validFrom: due,
      validTo: null,
      confidence: 0.9,
    });
  }
  for (const date of scenario.expect.dates.filter((entry) => entry.from === observation.id)) {
    const [month, day] = date.date.split('-').map(Number) as [number, number];
    const heard = wallClockAt(observation.at, scenario.timezone);
    let occurrence: CalendarDate = { year: heard.year, month, day };
    if (occurrence.month < heard.month || (occurrence.month === heard.month && occurrence.day < heard.day)) {
      occurrence = { year: heard.year + 1, month, day };
    }
    const about = date.about === 'self' ? 'self' : date.about;
    facts.push({
      kind: 'date',
      subject: about,
      predicate: date.label.replace(/\s+/g, '_'),
      object: date.label,
      slot: `${about.toLowerCase()}|${date.label.replace(/\s+/g, '_')}`,
      statement: `${about === 'self' ? 'Your' : `${about}'s`} ${date.label} is on ${isoDay(occurrence)}`,
      span: observation.text.trim(),
      validFrom: isoDay(occurrence),
      validTo: null,
      confidence: 0.9,
    });
  }
  return facts;
}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** The fixture goal a text is about (its text), and its activity: the goal's first word ("run", "read", "call"). */
function activityOf(goal: ScenarioGoal): string {
  return (goal.text.trim().split(/\s+/)[0] ?? 'do').toLowerCase();
}

/** For cadence goals, the words between the verb and "every" ("call mum every week" → ["mum"]); else none. */
function aboutOf(goal: ScenarioGoal): string[] {
  const words = goal.text.toLowerCase().split(/\s+/);
  const every = words.indexOf('every');
  return every > 0 ? words.slice(1, every).filter((word) => word.length > 2) : [];
}

/**
 * A goal (`ModelGoalAnswerSchema` of assistant/goals/model-goals.ts) for the fixture goal whose text is in the
 * prompt, when this is a goal-parsing call: the fixture's unit and target; max for "a 10k", cadence for "every
 * week", else sum; the deadline from a named month or "this year".
 */
function goalCall(scenario: Scenario, system: string, user: string): unknown | null {
  if (!/into a measurable personal goal/i.test(system)) return null;
  const text = dataBlock(user);
  const goal = scenario.goals.find((candidate) => candidate.text.trim() === text);
  if (!goal) return null;
  const lower = goal.text.toLowerCase();
  const cadence = /\bevery (day|week|month)\b/.exec(lower);
  const amount = goal.target ?? 1;
  const counting = cadence ? 'cadence' : new RegExp(`\\ba ${amount}k\\b`).test(lower) ? 'max' : 'sum';
  const now = wallClockAt(goal.at, scenario.timezone);
  let deadline: string | null = null;
  const month = MONTHS.findIndex((name) => lower.includes(name));
  if (!cadence && month >= 0) {
    const year = month + 1 >= now.month ? now.year : now.year + 1;
    deadline = isoDay({ year, month: month + 1, day: new Date(Date.UTC(year, month + 1, 0)).getUTCDate() });
  } else if (!cadence && /this year/.test(lower)) {
    deadline = isoDay({ year: now.year, month: 12, day: 31 });
  }
  return {
    title: goal.text.replace(/\s+by the end of.*$/i, ''),
    activity: activityOf(goal),
    about: aboutOf(goal),
    target: { amount, unit: goal.unit, counting, period: cadence ? cadence[1] : null },
    deadline,
    plan: [],
  };
}

/**
 * Progress signals (`ModelProgressAnswerSchema` of assistant/goals/model-goals.ts) for the fixture observation in
 * the prompt, when this is a progress-detection call: one per expected progress entry from it, else none.
 */
function progressCall(scenario: Scenario, system: string, user: string): unknown | null {
  if (!/record the activities they completed/i.test(system)) return null;
  const observation = observationWithText(scenario, dataBlock(user));
  if (!observation) return { signals: [] };
  const signals = scenario.expect.progress
    .filter((entry) => entry.from === observation.id)
    .map((entry) => {
      const goal = scenario.goals.find((candidate) => candidate.id === entry.goal)!;
      return {
        activity: activityOf(goal),
        amount: entry.amount,
        unit: goal.unit,
        evidence: observation.text.trim(),
        about: aboutOf(goal),
        when: null,
        confidence: 0.9,
      };
    });
  return { signals };
}
