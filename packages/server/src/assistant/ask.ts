import type { AuditLog } from '../audit/index.ts';
import { type Clock, FamiliarError, formatMoment, NotFoundError } from '../kernel/index.ts';
import type { Episode, Retrieval, Retriever, StoredObservation } from '../memory/index.ts';
import type { ModelRunner } from '../models/index.ts';
import { type Guard, type GuardBlock, type GuardTurn, guardTurn, undatamark } from '../safety/index.ts';
import { buildAskPrompt, citedNumbers } from './ask-prompt.ts';

/** An answer with the moments it came from; `model` is null when the answer is extractive. */
export interface Answer {
  answer: string;
  /** The moments the answer cites, in the order it first cites them (all retrieved ones when it cites none). */
  citations: StoredObservation[];
  /** Every moment retrieval found, best first: the answer's `[n]` is `retrieved[n - 1]`. */
  retrieved: StoredObservation[];
  /** The id of the model that wrote the answer (`<provider>:<name>`), or null for an extractive answer. */
  model: string | null;
  /** From the start of the ask (retrieval included) to the model's first text; null for an extractive answer. */
  timeToFirstTokenMs: number | null;
  /** The episodes the answer draws on; for a question about a time only, that time's episodes. */
  episodes: Episode[];
  time: Retrieval['time'];
  /** Set when the content guard blocked the question or the model's answer; `answer` then says why. */
  blocked?: GuardBlock;
}

/** What an ask tells its caller as it goes: what was retrieved, the answer's text in pieces, then the whole answer. */
export type AskEvent =
  | { type: 'retrieved'; citations: StoredObservation[]; episodes: Episode[]; time: Retrieval['time'] }
  | { type: 'delta'; text: string }
  | { type: 'done'; answer: Answer };

/** Who asks: whose timeline, the label the audit log records, and the zone times are shown in. */
export interface AskActor {
  userId: string;
  label: string;
  timezone: string;
}

/**
 * How an ask runs: how many moments to retrieve, the moment the question is asked at, a way to stop it, and a
 * configured model to try first (one of `models()`; the routing rules still apply and the others stay fallbacks).
 */
export interface AskOptions {
  limit?: number;
  now?: number;
  signal?: AbortSignal;
  prefer?: string;
}

const NO_MODEL = 'No language model is configured';
const MAX_OUTPUT_TOKENS = 800;

function quote(text: string, max = 280): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

function describeEpisodes(
  episodes: readonly Episode[],
  timezone: string,
  phrase: string,
  because: string,
): string {
  if (episodes.length === 0) return `Nothing was captured ${phrase}.`;
  const lines = episodes.map(
    (episode, index) =>
      `${index + 1}. ${formatMoment(episode.startedAt, timezone)}: ${episode.title}${episode.summary ? ` (${quote(episode.summary, 200)})` : ''}`,
  );
  return [`${because}, so here is what was captured ${phrase}, in order:`, ...lines].join('\n');
}

/** The answer without a model: the retrieved moments quoted with their times, after a sentence that says why. */
function extractiveAnswer(found: Retrieval, timezone: string, because: string): string {
  const citations = found.hits.map((hit) => hit.observation);
  if (citations.length === 0) {
    if (found.time && found.terms.length === 0)
      return describeEpisodes(found.episodes, timezone, found.time.phrase, because);
    return found.terms.length === 0
      ? 'Ask about something specific (a person, a place, a thing): your question has no words I can search for.'
      : `I found nothing in your timeline about ${found.terms.map((t) => `"${t}"`).join(', ')}${found.time ? ` ${found.time.phrase}` : ''}. ${because}, so I can only quote what was captured.`;
  }
  const lines = citations.map(
    (observation, index) =>
      `${index + 1}. ${formatMoment(observation.capturedAt, timezone)} (${observation.modality}): "${quote(observation.text)}"`,
  );
  return [`${because}, so here are the moments that best match your question, best first:`, ...lines].join(
    '\n',
  );
}

/** "No language model could answer (HTTP 429: …)": why a configured model did not answer, without repeating itself. */
function couldNotAnswer(reason: string): string {
  const clean = reason.replace(/^no model could answer:\s*/i, '').replace(/\s+/g, ' ');
  // Providers explain rate limits at length; keep the start and when to retry.
  const retry = /\s*\(retry after [^)]*\)$/.exec(clean)?.[0] ?? '';
  const body = clean.slice(0, clean.length - retry.length);
  return `No language model could answer (${body.length > 200 ? `${body.slice(0, 199)}…` : body}${retry})`;
}

/**
 * The ask service: retrieves the user's best-matching moments through the memory retriever (full text, vectors
 * when configured, episodes, speakers and time in the question), then answers. With a runner that may take a
 * private "ask", a model writes the answer from the retrieved moments (numbered excerpts it must cite as [n], and
 * must never obey) and it streams as it is written. With no model, or when none could answer, the answer is
 * extractive: the moments quoted with their times, after a plain sentence that says why no model answered.
 *
 * With a content guard, the question is checked (while memory is searched) and the model's answer is checked
 * before any of it is shown, so it arrives whole instead of streaming. A question or answer the guard finds unsafe,
 * or cannot check, is not answered: the answer says which hazard category was found, or that the check could not
 * run, and `blocked` says so. Extractive answers quote the person's own memories and are not checked.
 */
export function createAsk(deps: {
  retriever: Retriever;
  audit: AuditLog;
  clock: Clock;
  runner?: ModelRunner | null;
  /** The content guard; null or absent: off, and nothing is checked. */
  guard?: Guard | null;
}) {
  const { retriever, audit, clock, runner = null, guard = null } = deps;

  // The router lists every configured model among its candidates, kept or rejected.
  const models = (): string[] =>
    runner?.route({ task: 'ask', sensitivity: 'private' }).candidates.map((candidate) => candidate.id) ?? [];

  /** Streams one ask: `retrieved`, then `delta`s whose texts add up to the answer, then `done`. */
  async function* stream(
    actor: AskActor,
    question: string,
    options: AskOptions = {},
  ): AsyncGenerator<AskEvent, void, undefined> {
    const { prefer } = options;
    if (prefer !== undefined && !models().includes(prefer)) throw new NotFoundError('model', prefer);
    const startedAt = clock.now();
    const now = options.now ?? startedAt;
    const guarded = (role: GuardTurn['role'], conversation: GuardTurn[]) =>
      guardTurn({
        guard,
        audit,
        clock,
        userId: actor.userId,
        actor: actor.label,
        role,
        conversation,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    // The question's check runs while memory is searched; nothing is shown or audited as read before it passes.
    const questionCheck = guard ? guarded('user', [{ role: 'user', content: question }]) : null;
    questionCheck?.catch(() => {});
    const found = await retriever.retrieve({ id: actor.userId, timezone: actor.timezone }, question, {
      limit: options.limit ?? 5,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    const questionVerdict = await questionCheck;
    if (questionVerdict?.action === 'block') {
      const { message, role, reason, categories } = questionVerdict;
      yield { type: 'retrieved', citations: [], episodes: [], time: null };
      yield { type: 'delta', text: message };
      yield {
        type: 'done',
        answer: {
          answer: message,
          citations: [],
          retrieved: [],
          model: null,
          timeToFirstTokenMs: null,
          episodes: [],
          time: null,
          blocked: { role, reason, categories },
        },
      };
      return;
    }
    const retrieved = found.hits.map((hit) => hit.observation);
    await audit.record({
      userId: actor.userId,
      at: clock.now(),
      actor: actor.label,
      action: 'ask',
      target: null,
      details: { citations: retrieved.length, episodes: found.episodes.length, paths: found.paths },
    });
    yield { type: 'retrieved', citations: retrieved, episodes: found.episodes, time: found.time };

    const base = { retrieved, episodes: found.episodes, time: found.time };
    const extractive = (because: string, before = '') => {
      const answer = `${before}${extractiveAnswer(found, actor.timezone, because)}`;
      return { ...base, answer, citations: retrieved, model: null, timeToFirstTokenMs: null };
    };

    // The person's own routing settings ("Open models only") count, not only the config's.
    const route = runner
      ? await runner.routeFor(actor.userId, {
          task: 'ask',
          sensitivity: 'private',
          ...(prefer ? { prefer } : {}),
        })
      : null;
    if (!runner || !route?.choice) {
      const because = route && route.candidates.length > 0 ? couldNotAnswer(route.reason) : NO_MODEL;
      const answer = extractive(because);
      yield { type: 'delta', text: answer.answer };
      yield { type: 'done', answer };
      return;
    }

    const prompt = buildAskPrompt({
      question,
      askedAt: now,
      timezone: actor.timezone,
      excerpts: retrieved,
      episodes: retrieved.length === 0 ? found.episodes : [],
    });
    let text = '';
    let model: string | null = null;
    let timeToFirstTokenMs: number | null = null;
    try {
      for await (const event of runner.stream({
        userId: actor.userId,
        actor: actor.label,
        task: 'ask',
        sensitivity: 'private',
        dataClasses: prompt.dataClasses,
        system: prompt.system,
        messages: [{ role: 'user', content: prompt.user }],
        maxOutputTokens: MAX_OUTPUT_TOKENS,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(prefer ? { prefer } : {}),
      })) {
        if (event.type === 'text-delta') {
          timeToFirstTokenMs ??= clock.now() - startedAt;
          // Spotlighting marks perceived text in the prompt; a model quoting it gets spaces back.
          const delta = undatamark(event.text);
          text += delta;
          // With a guard, nothing of the answer is shown before it has been checked whole.
          if (!guard) yield { type: 'delta', text: delta };
        } else if (event.type === 'finish') model = event.model;
      }
    } catch (error) {
      if (!(error instanceof FamiliarError && error.code === 'model_unavailable')) throw error;
      // What a model already said stays (it was shown; with a guard it was not, and goes); the quoted moments follow.
      const shown = guard ? '' : text;
      const answer = extractive(couldNotAnswer(error.message), shown ? '\n\n' : '');
      yield { type: 'delta', text: answer.answer };
      yield { type: 'done', answer: { ...answer, answer: shown + answer.answer } };
      return;
    }
    if (!model || text.trim() === '') {
      const answer = extractive(couldNotAnswer(`${model ?? 'the model'} gave an empty answer`));
      yield { type: 'delta', text: answer.answer };
      yield { type: 'done', answer };
      return;
    }
    const answerVerdict = guard
      ? await guarded('assistant', [
          { role: 'user', content: question },
          { role: 'assistant', content: text },
        ])
      : null;
    if (answerVerdict?.action === 'block') {
      const { message, role, reason, categories } = answerVerdict;
      yield { type: 'delta', text: message };
      yield {
        type: 'done',
        answer: {
          ...base,
          answer: message,
          citations: [],
          model: null,
          timeToFirstTokenMs: null,
          blocked: { role, reason, categories },
        },
      };
      return;
    }
    if (guard) yield { type: 'delta', text };
    const numbers = citedNumbers(text, retrieved.length);
    const citations = numbers.length
      ? numbers.flatMap((number) => retrieved.slice(number - 1, number))
      : retrieved;
    yield {
      type: 'done',
      answer: { ...base, answer: text, citations, model, timeToFirstTokenMs },
    };
  }

  return {
    stream,
    /** The ids (`<provider>:<name>`) of the configured language models, any of which an ask may prefer. */
    models,
    /** Asks and waits for the whole answer. */
    async ask(actor: AskActor, question: string, options: AskOptions = {}): Promise<Answer> {
      for await (const event of stream(actor, question, options)) {
        if (event.type === 'done') return event.answer;
      }
      throw new FamiliarError('internal', 'the ask ended without an answer');
    },
  };
}

/** The ask service's type. */
export type Ask = ReturnType<typeof createAsk>;
