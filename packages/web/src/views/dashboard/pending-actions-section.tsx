import type { PendingActionWire } from '@familiar/protocol';
import { useState } from 'preact/hooks';
import { describeError } from '../../api/index.ts';
import { formatMoment } from '../../app/format.ts';
import { useDashboard } from './dashboard-context.ts';
import {
  argumentLines,
  describeSource,
  describeTool,
  ORIGIN_REASONS,
  outcomeOf,
  revealInvisible,
} from './pending-actions.ts';
import { useLoad } from './use-load.ts';

/** How many perceived moments an action lists before saying how many more there are. */
const SOURCES_SHOWN = 5;

/**
 * "Waiting for your confirmation": the external actions the assistant proposed (an MCP server's send, share or buy, or
 * a write asked for after perceived content reached the model), each with its exact arguments, its expiry and, first
 * and in a warning, where the request may have come from; Confirm runs it once, Reject means it never runs. Hidden
 * while nothing waits and nothing was decided here.
 */
export function PendingActionsSection() {
  const { api } = useDashboard();
  const [waiting, reload] = useLoad(() => api.actions.list('pending'), []);
  const [decided, setDecided] = useState<PendingActionWire[]>([]);
  const [deciding, setDeciding] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const decide = async (action: PendingActionWire, verb: 'confirm' | 'reject'): Promise<void> => {
    setError(null);
    setDeciding(action.id);
    try {
      const result = await api.actions.decide(action.id, verb);
      setDecided((current) => [result, ...current.filter((other) => other.id !== result.id)]);
    } catch (caught) {
      const { name } = describeTool(action.tool);
      setError(
        `${verb === 'confirm' ? 'Confirming' : 'Rejecting'} ${name} did not work: ${describeError(caught)}`,
      );
    } finally {
      setDeciding(null);
      // Whatever happened (done, expired, decided elsewhere), the list shows what still waits.
      reload();
    }
  };

  if (waiting.kind === 'loading' && decided.length === 0) return null;
  const actions = waiting.kind === 'loaded' ? waiting.data.actions : [];
  if (waiting.kind === 'loaded' && actions.length === 0 && decided.length === 0 && !error) return null;

  return (
    <section class="pending-actions" aria-labelledby="pending-actions-title">
      <h2 id="pending-actions-title">Waiting for your confirmation</h2>
      <p class="muted small">
        The assistant proposed these. Nothing here runs until you confirm it; a rejected one never runs.
      </p>
      {error && (
        <p class="notice notice-error" role="alert">
          {error}
        </p>
      )}
      {waiting.kind === 'failed' && (
        <div class="notice notice-error" role="alert">
          <p>The actions waiting for you could not be loaded: {waiting.message}</p>
          <button type="button" onClick={reload}>
            Try again
          </button>
        </div>
      )}
      {actions.length > 0 && (
        <ul class="plain">
          {actions.map((action) => (
            <ActionCard
              key={action.id}
              action={action}
              busy={deciding !== null}
              onDecide={(verb) => void decide(action, verb)}
            />
          ))}
        </ul>
      )}
      <div aria-live="polite">
        {decided.length > 0 && (
          <>
            <h3 class="h3">Decided here</h3>
            <ul class="plain">
              {decided.map((action) => (
                <OutcomeCard key={action.id} action={action} />
              ))}
            </ul>
          </>
        )}
      </div>
    </section>
  );
}

function ActionCard({
  action,
  busy,
  onDecide,
}: {
  action: PendingActionWire;
  busy: boolean;
  onDecide: (verb: 'confirm' | 'reject') => void;
}) {
  const tool = describeTool(action.tool);
  const originId = `action-origin-${action.id}`;
  const lines = argumentLines(action);
  const sources = action.origin?.sources ?? [];
  return (
    <li class="card action">
      <h3 class="h3">
        {tool.name}
        {tool.server && <span class="muted"> · {tool.server}</span>}
      </h3>
      {action.origin && (
        <div class="notice notice-warn action-origin" id={originId}>
          <p>
            <strong>Check where this came from.</strong> {action.origin.explanation}
          </p>
          <ul>
            {action.origin.reasons.map((reason) => (
              <li key={reason}>{ORIGIN_REASONS[reason]}</li>
            ))}
          </ul>
          {sources.length > 0 && (
            <p class="small">
              Read in that turn:{' '}
              {sources
                .slice(0, SOURCES_SHOWN)
                .map((source) => describeSource(source, formatMoment))
                .join('; ')}
              {sources.length > SOURCES_SHOWN && ` (and ${sources.length - SOURCES_SHOWN} more)`}.
            </p>
          )}
        </div>
      )}
      {tool.server ? (
        <p>
          Would run the tool <code>{tool.name}</code> of the connected service “{tool.server}” (an MCP server)
          {lines.length > 0 ? ', with exactly these arguments:' : ', with no arguments.'}
        </p>
      ) : (
        <p>
          Would run Familiar’s tool <code>{tool.name}</code>: {revealInvisible(action.summary)}
          {lines.length > 0 ? ' (exact arguments below)' : ''}
        </p>
      )}
      {lines.length > 0 && (
        <dl class="action-arguments">
          {lines.map(([key, value]) => (
            <div key={key}>
              <dt>{key}</dt>
              <dd class="action-value">{value}</dd>
            </div>
          ))}
        </dl>
      )}
      <p class="small muted">
        <code>{tool.exact}</code> · asked{' '}
        <time dateTime={action.createdAt}>{formatMoment(action.createdAt)}</time> by {action.requestedBy} ·
        expires <time dateTime={action.expiresAt}>{formatMoment(action.expiresAt)}</time> unless you decide
      </p>
      <div class="row">
        <button
          type="button"
          disabled={busy}
          aria-label={`Confirm: ${tool.name}`}
          aria-describedby={action.origin ? originId : undefined}
          onClick={() => onDecide('confirm')}
        >
          Confirm
        </button>
        <button
          type="button"
          class="secondary"
          disabled={busy}
          aria-label={`Reject: ${tool.name}`}
          onClick={() => onDecide('reject')}
        >
          Reject
        </button>
      </div>
    </li>
  );
}

function OutcomeCard({ action }: { action: PendingActionWire }) {
  const tool = describeTool(action.tool);
  const outcome = outcomeOf(action);
  return (
    <li class={`card action-outcome outcome-${outcome.tone}`}>
      <p>
        <strong>{tool.name}</strong>
        {tool.server && ` · ${tool.server}`}: {outcome.headline}{' '}
        <span class="small muted">(status: {action.status})</span>
      </p>
      {outcome.detail && (
        <p>
          {outcome.tone === 'failed' ? 'Error: ' : 'Its answer: '}
          <span class="action-value">{outcome.detail}</span>
        </p>
      )}
    </li>
  );
}
