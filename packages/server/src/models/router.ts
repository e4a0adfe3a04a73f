import type { ConfiguredModel, Sensitivity, Task } from './models-config.ts';

/** What a call needs from a model; the router decides which configured models may take it. */
export interface RouteRequest {
  task: Task;
  sensitivity: Sensitivity;
  needs?: { vision?: boolean; json?: boolean };
  /** Rough size of the prompt in tokens, for the context window and the budget. */
  estimatedTokens?: number;
  /** The most tokens the answer may have (the call's `maxOutputTokens`), for the budget. */
  estimatedOutputTokens?: number;
  /** A configured model's id (`<providerId>:<name>`) to try first when the rules let it take the request. */
  prefer?: string;
}

/** The rules from `familiar.config.json` → models that decide where data may go and what a call may cost. */
export interface RoutePolicy {
  openOnly: boolean;
  /**
   * Who turned `openOnly` on, for the reasons the router gives: `config` (models.openOnly, the default) or `person`
   * (their own "Open models only" setting).
   */
  openOnlySetBy?: 'config' | 'person';
  /** `<providerId>:<name>` of cloud models allowed to receive private data. */
  allowPrivate: readonly string[];
  /** The most one call may cost, in US dollars (estimated from catalog prices). */
  budgetUsd?: number;
}

/** The router's decision: the first choice, every candidate with why it was rejected (null: kept), and the order to try. */
export interface RouteDecision {
  choice: string | null;
  reason: string;
  candidates: Array<{ id: string; rejected: string | null }>;
  ordered: ConfiguredModel[];
}

const HOW_TO_CONFIGURE =
  'add a provider to familiar.config.json → models.providers, e.g. { "id": "ollama", "type": "openai-compatible", ' +
  '"baseUrl": "http://127.0.0.1:11434/v1", "models": [{ "name": "llama3.2:3b" }] }';

/**
 * Picks the models that may take a request, in the order to try them. Pure: the same inputs give the same
 * decision. Private data goes only to models on this machine or cloud models named in `allowPrivate`;
 * `openOnly` drops models whose weights the catalog does not list as open (unknown models count as closed).
 * Order: the model the request prefers (when it may take the request), then models listing the task (config
 * order), then local before cloud, then cheaper; the others stay as fallbacks.
 */
export function routeModel(
  request: RouteRequest,
  models: readonly ConfiguredModel[],
  policy: RoutePolicy,
): RouteDecision {
  if (models.length === 0) {
    return {
      choice: null,
      reason: `no model is configured: ${HOW_TO_CONFIGURE}`,
      candidates: [],
      ordered: [],
    };
  }
  const allowPrivate = new Set(policy.allowPrivate);
  const candidates = models.map((model) => ({
    id: model.id,
    rejected: rejection(request, model, policy, allowPrivate),
  }));
  const kept = models.filter((_, index) => candidates[index]?.rejected === null);
  const ordered = orderModels(kept, request.task, request.prefer);
  const first = ordered[0];
  if (!first) {
    const reasons = candidates.map((candidate) => `${candidate.id} ${candidate.rejected}`).join('; ');
    return {
      choice: null,
      reason: `no configured model may take this ${request.sensitivity} "${request.task}" request: ${reasons}`,
      candidates,
      ordered,
    };
  }
  const rejectedCount = candidates.length - kept.length;
  return {
    choice: first.id,
    reason: `${first.id}: ${whyFirst(first, request, ordered.length)}${rejectedCount ? ` (${rejectedCount} other${rejectedCount > 1 ? 's' : ''} rejected)` : ''}`,
    candidates,
    ordered,
  };
}

/** The estimated cost of a call in US dollars; 0 on this machine, null when a cloud model's price is unknown. */
export function estimateCostUsd(
  model: ConfiguredModel,
  request: Pick<RouteRequest, 'estimatedTokens' | 'estimatedOutputTokens'>,
): number | null {
  if (model.runsOn !== 'cloud') return 0;
  const price = model.entry?.price;
  if (!price) return null;
  return (
    ((request.estimatedTokens ?? 0) * price.inputPerMTokUsd +
      (request.estimatedOutputTokens ?? 0) * price.outputPerMTokUsd) /
    1_000_000
  );
}

function rejection(
  request: RouteRequest,
  model: ConfiguredModel,
  policy: RoutePolicy,
  allowPrivate: ReadonlySet<string>,
): string | null {
  if (request.sensitivity === 'private' && model.runsOn === 'cloud' && !allowPrivate.has(model.id)) {
    return `runs in the cloud, and private data stays on this machine unless you allow this model (add "${model.id}" to models.allowPrivate)`;
  }
  if (policy.openOnly && !model.openWeights) {
    const switchName =
      policy.openOnlySetBy === 'person' ? 'your "Open models only" setting' : 'models.openOnly';
    return model.entry
      ? `has no open weights (catalog entry ${model.entry.id}), and ${switchName} is on`
      : `is not in the model catalog, so it counts as closed while ${switchName} is on (set its catalogId to an open-weights entry)`;
  }
  const capability = capabilityProblem(request, model);
  if (capability) return capability;
  const contextTokens = model.entry?.capabilities.contextTokens;
  const needed = (request.estimatedTokens ?? 0) + (request.estimatedOutputTokens ?? 0);
  if (contextTokens && needed > contextTokens) {
    return `needs about ${needed} tokens, but its context holds ${contextTokens}`;
  }
  if (policy.budgetUsd !== undefined) {
    const cost = estimateCostUsd(model, request);
    if (cost === null) {
      return `has no known price (${model.entry ? 'its catalog entry has none' : 'it is not in the model catalog'}), so models.budgetUsd cannot be checked`;
    }
    if (cost > policy.budgetUsd) {
      return `would cost about $${cost.toFixed(4)}, over the budget of $${policy.budgetUsd} a call (models.budgetUsd)`;
    }
  }
  return null;
}

/**
 * True for a safety classifier: a model the catalog marks as a guard (Llama Guard 3), or one the catalog does not
 * know that lists only "guard" in its tasks. A classifier answers "safe" or "unsafe", so it never takes other tasks.
 */
export function isGuardClassifier(model: Pick<ConfiguredModel, 'entry' | 'tasks'>): boolean {
  if (model.entry) return model.entry.capabilities.guard === true;
  return model.tasks.length > 0 && model.tasks.every((task) => task === 'guard');
}

function capabilityProblem(request: RouteRequest, model: ConfiguredModel): string | null {
  const listed = model.tasks.includes(request.task);
  const capabilities = model.entry?.capabilities;
  const unknown = 'is not in the model catalog, so it is taken to handle text only';
  const canSee = capabilities ? capabilities.vision : listed && request.task === 'caption';
  if (request.task === 'guard') {
    if (capabilities?.guard === true || listed) return null;
    return capabilities
      ? 'is not a safety classifier (per the catalog); list "guard" in its tasks to use it as the content guard'
      : `${unknown}; list "guard" in its tasks if it is a safety classifier such as Llama Guard 3`;
  }
  if (!listed && isGuardClassifier(model)) {
    return 'is a safety classifier (Llama Guard): it only takes "guard" calls';
  }
  switch (request.task) {
    case 'ask':
    case 'extract':
      if (capabilities && !capabilities.text) return 'does not generate text (per the catalog)';
      break;
    case 'caption':
      if (!canSee) {
        return capabilities
          ? 'cannot read images (per the catalog)'
          : `${unknown}; list "caption" in its tasks if it can read images`;
      }
      break;
    case 'embed':
      if (capabilities ? !capabilities.embedding : !listed) {
        return capabilities
          ? 'does not make embeddings (per the catalog)'
          : `${unknown}; list "embed" in its tasks if it makes embeddings`;
      }
      break;
    case 'transcribe':
      if (!listed)
        return 'is not listed for "transcribe" in its tasks (the catalog does not record speech input)';
      break;
  }
  if (request.needs?.vision && !canSee) {
    return capabilities
      ? 'cannot read images (per the catalog)'
      : `${unknown}; list "caption" in its tasks if it can read images`;
  }
  if (request.needs?.json && capabilities && !capabilities.json) {
    return 'cannot promise JSON output (per the catalog)';
  }
  return null;
}

function orderModels(
  models: readonly ConfiguredModel[],
  task: Task,
  prefer: string | undefined,
): ConfiguredModel[] {
  const preferred = models.filter((model) => model.id === prefer);
  const listed = models.filter((model) => model.id !== prefer && model.tasks.includes(task));
  const rest = models
    .map((model, index) => ({
      model,
      index,
      local: model.runsOn === 'cloud' ? 1 : 0,
      price: unitPrice(model),
    }))
    .filter(({ model }) => model.id !== prefer && !model.tasks.includes(task))
    .sort((a, b) => a.local - b.local || a.price - b.price || a.index - b.index)
    .map(({ model }) => model);
  return [...preferred, ...listed, ...rest];
}

/** Input plus output list price per million tokens; 0 on this machine, infinite when unknown. */
function unitPrice(model: ConfiguredModel): number {
  if (model.runsOn !== 'cloud') return 0;
  const price = model.entry?.price;
  return price ? price.inputPerMTokUsd + price.outputPerMTokUsd : Number.POSITIVE_INFINITY;
}

function whyFirst(model: ConfiguredModel, request: RouteRequest, options: number): string {
  const { task } = request;
  if (model.id === request.prefer) return 'preferred by the caller';
  if (model.tasks.includes(task)) return `listed for "${task}" in its tasks`;
  if (model.runsOn !== 'cloud') return `runs on this machine (${model.runsOn})`;
  return options > 1 ? 'the cheapest cloud model that fits' : 'the only model that fits';
}
