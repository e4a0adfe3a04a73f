import type { GoalWire, ProgressEntryWire } from '@familiar/protocol';
import { useState } from 'preact/hooks';
import { describeError } from '../../api/index.ts';
import { formatMoment } from '../../app/format.ts';
import { useDashboard } from './dashboard-context.ts';
import { LoadStates } from './load-states.tsx';
import { useLoad } from './use-load.ts';

/** Goals: where each stands, and the evidence of progress, which the person confirms or rejects. */
export function GoalsView() {
  const { api } = useDashboard();
  const [goals, reload] = useLoad(() => api.goals.list('active'), []);
  return (
    <>
      <h1>Goals</h1>
      <LoadStates
        state={goals}
        retry={reload}
        isEmpty={(data) => data.goals.length === 0}
        empty="No active goals. Tell the assistant one (“run a 10k by April”) or add it with familiar goals add."
      >
        {(data) => (
          <ul class="plain">
            {data.goals.map((goal) => (
              <GoalCard key={goal.id} goal={goal} onChanged={reload} />
            ))}
          </ul>
        )}
      </LoadStates>
    </>
  );
}

function GoalCard({ goal, onChanged }: { goal: GoalWire; onChanged: () => void }) {
  const { api } = useDashboard();
  const [open, setOpen] = useState(false);
  const percent = Math.round(Math.max(0, Math.min(1, goal.progress.fraction)) * 100);
  return (
    <li class="card">
      <h2 class="h3">{goal.title}</h2>
      <progress max={100} value={percent} aria-label={`${goal.title}: ${percent} %`} />
      <p>
        {goal.progress.summary}
        {goal.progress.behind && <strong class="behind"> · behind</strong>}
      </p>
      <button type="button" class="link-button" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'Hide the evidence' : 'Show the evidence'}
      </button>
      {open && <GoalEntries goalId={goal.id} onChanged={onChanged} api={api} />}
    </li>
  );
}

function GoalEntries({
  goalId,
  onChanged,
  api,
}: {
  goalId: string;
  onChanged: () => void;
  api: ReturnType<typeof useDashboard>['api'];
}) {
  const [detail, reload] = useLoad(() => api.goals.get(goalId), [goalId]);
  const [error, setError] = useState<string | null>(null);
  const decide = async (entry: ProgressEntryWire, verb: 'confirm' | 'reject'): Promise<void> => {
    setError(null);
    try {
      await api.goals.decide(entry.id, verb);
      reload();
      onChanged();
    } catch (caught) {
      setError(describeError(caught));
    }
  };
  return (
    <>
      {error && (
        <p class="notice notice-error" role="alert">
          {error}
        </p>
      )}
      <LoadStates
        state={detail}
        retry={reload}
        isEmpty={(data) => data.entries.length === 0}
        empty="No progress recorded yet."
      >
        {(data) => (
          <ul class="plain entries">
            {data.entries.map((entry) => (
              <li key={entry.id} class={`entry entry-${entry.status}`}>
                <p>
                  <strong>
                    {entry.amount} {entry.unit}
                  </strong>{' '}
                  · <time dateTime={entry.at}>{formatMoment(entry.at)}</time> · {entry.status}
                  {entry.origin !== 'person' && ` (${Math.round(entry.confidence * 100)} % sure)`}
                </p>
                {entry.evidence && <p class="small">“{entry.evidence}”</p>}
                {entry.status === 'inferred' && (
                  <div class="row">
                    <button type="button" onClick={() => void decide(entry, 'confirm')}>
                      Confirm
                    </button>
                    <button type="button" class="secondary" onClick={() => void decide(entry, 'reject')}>
                      Reject
                    </button>
                  </div>
                )}
              </li>
            ))}
          </ul>
        )}
      </LoadStates>
    </>
  );
}
