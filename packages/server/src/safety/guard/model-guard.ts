import type { ModelMessage } from 'ai';
import { FamiliarError } from '../../kernel/index.ts';
import { type ConfiguredModel, isGuardClassifier, type ModelRunner } from '../../models/index.ts';
import {
  type Guard,
  type GuardCheck,
  GuardError,
  type GuardRole,
  type GuardStatus,
  type GuardVerdict,
  parseGuardCheck,
} from './guard.ts';
import { parseLlamaGuardOutput } from './llama-guard-output.ts';
import { buildLlamaGuardPrompt, neutraliseGuardText } from './llama-guard-prompt.ts';

/**
 * How the check reaches the guard model:
 * - `chat`: the conversation as chat messages; the model's own chat template (Ollama's `llama-guard3`, the Llama
 *   Guard GGUF's template in llama.cpp `--jinja` and node-llama-cpp, vLLM) turns them into the Llama Guard prompt.
 * - `llama-guard-3`: Familiar's Llama Guard 3 prompt as one user message, for servers that apply a plain chat
 *   template or for a general model listed for "guard".
 */
export type GuardPromptStyle = 'chat' | 'llama-guard-3';

/** Options of the model-backed guard. */
export interface ModelGuardOptions {
  runner: Pick<ModelRunner, 'route' | 'routeFor' | 'stream'>;
  /** `auto` (default): `chat` for a Llama Guard model (see `guardPromptStyleFor`), else `llama-guard-3`. */
  prompt?: 'auto' | GuardPromptStyle;
  /** Tokens the verdict may take; "unsafe\nS1,S10" is about 8. */
  maxOutputTokens?: number;
}

const GUARD_ROUTE = { task: 'guard', sensitivity: 'private' } as const;
const HOW_TO_CONFIGURE =
  'add Llama Guard 3 to familiar.config.json → models.providers, e.g. Ollama\'s "llama-guard3:1b" with "catalogId": "meta/llama-guard-3-1b" (docs/architecture.md, "Content guard")';

/**
 * The prompt style `auto` picks: chat messages for Llama Guard itself (per the catalog, or named so), Familiar's
 * prompt for any other model. One exception: an in-process GGUF (llama-cpp) reads a trailing assistant message as
 * the start of its own reply, so an answer check goes to it inside Familiar's prompt.
 */
export function guardPromptStyleFor(
  model: Pick<ConfiguredModel, 'entry' | 'name' | 'providerType'>,
  role: GuardRole = 'user',
): GuardPromptStyle {
  const llamaGuard = model.entry?.capabilities.guard === true || /llama[-_ ]?guard/i.test(model.name);
  if (!llamaGuard) return 'llama-guard-3';
  return model.providerType === 'llama-cpp' && role === 'assistant' ? 'llama-guard-3' : 'chat';
}

/** The chat messages of a check, each turn's text neutralised as in the Llama Guard prompt. */
function chatMessages(check: GuardCheck): ModelMessage[] {
  return check.conversation.map((turn) =>
    turn.role === 'user'
      ? { role: 'user', content: neutraliseGuardText(turn.content) }
      : { role: 'assistant', content: neutraliseGuardText(turn.content) },
  );
}

/**
 * Whether the content guard is on: on when the router finds a model that may take a private "guard" call (a Llama
 * Guard classifier, or a model listed for "guard", that runs on this machine or is allowed private data), off
 * otherwise, with the reason. This is the installation's view (the config's policy): a person's own "Open models
 * only" switch cannot turn the guard off, only leave their checks without a model, and those then fail closed with
 * the reason (see `createModelGuard`).
 */
export function guardStatus({
  runner,
  models,
}: {
  runner: Pick<ModelRunner, 'route'>;
  models: readonly ConfiguredModel[];
}): GuardStatus {
  const decision = runner.route(GUARD_ROUTE);
  if (decision.choice) {
    return {
      state: 'on',
      model: decision.choice,
      summary: `on: ${decision.choice} checks each question and answer for hazard categories S1-S14; when it cannot, nothing is answered`,
    };
  }
  const guards = new Set(
    models.filter((model) => isGuardClassifier(model) || model.tasks.includes('guard')).map((m) => m.id),
  );
  const rejected = decision.candidates.filter((candidate) => guards.has(candidate.id));
  if (rejected.length === 0)
    return { state: 'off', model: null, summary: `off: no guard model (${HOW_TO_CONFIGURE})` };
  const reasons = rejected.map((candidate) => `${candidate.id} ${candidate.rejected ?? 'cannot take it'}`);
  return { state: 'off', model: null, summary: `off: ${reasons.join('; ')}` };
}

/**
 * The content guard backed by a configured guard model, asked through the model runner as a private "guard" call
 * (so it stays on models allowed private data, falls back like any call, and is audited as `model.call`). Returns
 * null when no model may take the call under the config: the guard is off for everyone. A check that gets no
 * answer, or an answer that is not a Llama Guard verdict, throws `GuardError`; it never reads as safe.
 *
 * Each check routes with the person's own settings on top of the config (`routeFor`). When their "Open models only"
 * switch rules out every guard model, the check throws `GuardError` (`not-routable`) saying so, without calling any
 * model: the guard stays on and fails closed for them (their questions are not answered) rather than letting a
 * person's setting switch the safety check off. Turning the switch off, or configuring an open-weights guard model
 * (Llama Guard 3 with its catalog id), lets their checks run again.
 */
export function createModelGuard({
  runner,
  prompt = 'auto',
  maxOutputTokens = 20,
}: ModelGuardOptions): Guard | null {
  const initial = runner.route(GUARD_ROUTE);
  if (!initial.choice) return null;
  const model = initial.choice;
  // The models that may judge under the config: the ones a person's settings can rule out.
  const guardModels = new Set(initial.ordered.map((configured) => configured.id));

  return {
    model,
    async check(input): Promise<GuardVerdict> {
      const check = parseGuardCheck(input);
      const decision = await runner.routeFor(check.userId, GUARD_ROUTE);
      const first = decision.ordered[0];
      if (!first) {
        const rejected = decision.candidates.filter((candidate) => guardModels.has(candidate.id));
        const reasons =
          rejected.length > 0
            ? rejected
                .map((candidate) => `${candidate.id} ${candidate.rejected ?? 'cannot take it'}`)
                .join('; ')
            : decision.reason;
        throw new GuardError('not-routable', `no guard model may take your checks: ${reasons}`, {
          details: { candidates: rejected },
        });
      }
      const style = prompt === 'auto' ? guardPromptStyleFor(first, check.role) : prompt;
      const messages: ModelMessage[] =
        style === 'chat' ? chatMessages(check) : [{ role: 'user', content: buildLlamaGuardPrompt(check) }];
      let text = '';
      let answeredBy = first.id;
      try {
        for await (const event of runner.stream({
          userId: check.userId,
          actor: check.actor,
          task: 'guard',
          sensitivity: 'private',
          dataClasses: check.role === 'user' ? ['guard:question'] : ['guard:question', 'guard:answer'],
          messages,
          maxOutputTokens,
          prefer: first.id,
          ...(check.signal ? { signal: check.signal } : {}),
        })) {
          if (event.type === 'text-delta') text += event.text;
          else if (event.type === 'finish') answeredBy = event.model;
        }
      } catch (error) {
        if (check.signal?.aborted) throw error;
        if (error instanceof FamiliarError && error.code === 'model_unavailable') {
          throw new GuardError('unavailable', `the guard model did not answer: ${error.message}`, {
            cause: error,
          });
        }
        throw error;
      }
      return { ...parseLlamaGuardOutput(text), model: answeredBy, raw: text };
    },
  };
}
