import type { InboxItemWire } from '@familiar/protocol';
import { useState } from 'preact/hooks';
import { describeError } from '../../api/index.ts';
import { formatMoment } from '../../app/format.ts';
import { useDashboard } from './dashboard-context.ts';
import { LoadStates } from './load-states.tsx';
import { PendingActionsSection } from './pending-actions-section.tsx';
import { useLoad } from './use-load.ts';

type Filter = 'open' | 'done' | 'dismissed' | 'all';

const KIND_LABELS: Record<InboxItemWire['kind'], string> = {
  commitment: 'Promise',
  reminder: 'Reminder',
  nudge: 'Nudge',
  digest: 'Digest',
};

/**
 * The inbox: the assistant's actions waiting for the person's yes or no first, then promises, reminders and nudges
 * with their reasons; mark done, dismiss, or confirm a heard promise.
 */
export function InboxView() {
  const { api } = useDashboard();
  const [filter, setFilter] = useState<Filter>('open');
  const [items, reload] = useLoad(() => api.inbox.list(filter), [filter]);
  const [error, setError] = useState<string | null>(null);

  const act = async (item: InboxItemWire, verb: 'confirm' | 'complete' | 'dismiss'): Promise<void> => {
    setError(null);
    try {
      await api.inbox.act(item.id, verb);
      reload();
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  return (
    <>
      <h1>Inbox</h1>
      <PendingActionsSection />
      <label for="inbox-filter">Show</label>{' '}
      <select id="inbox-filter" value={filter} onChange={(e) => setFilter(e.currentTarget.value as Filter)}>
        <option value="open">Open</option>
        <option value="done">Done</option>
        <option value="dismissed">Dismissed</option>
        <option value="all">All</option>
      </select>
      {error && (
        <p class="notice notice-error" role="alert">
          {error}
        </p>
      )}
      <LoadStates
        state={items}
        retry={reload}
        isEmpty={(data) => data.items.length === 0}
        empty={
          filter === 'open'
            ? 'Nothing open. Promises you make and reminders you set appear here.'
            : 'Nothing here.'
        }
      >
        {(data) => (
          <ul class="plain">
            {data.items.map((item) => {
              const open =
                item.status === 'pending' || item.status === 'to_confirm' || item.status === 'snoozed';
              return (
                <li key={item.id} class="card">
                  <p class="small muted">
                    {KIND_LABELS[item.kind]}
                    {item.due && (
                      <>
                        {' '}
                        · due <time dateTime={item.due}>{formatMoment(item.due)}</time>
                      </>
                    )}
                    {item.status !== 'pending' && ` · ${item.status.replace('_', ' ')}`}
                  </p>
                  <h2 class="h3">{item.title}</h2>
                  {item.body && <p>{item.body}</p>}
                  <p class="small">{item.reason}</p>
                  {open && (
                    <div class="row">
                      {item.status === 'to_confirm' && (
                        <button type="button" onClick={() => void act(item, 'confirm')}>
                          Yes, that was me
                        </button>
                      )}
                      <button type="button" onClick={() => void act(item, 'complete')}>
                        Done
                      </button>
                      <button type="button" class="secondary" onClick={() => void act(item, 'dismiss')}>
                        Dismiss
                      </button>
                    </div>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </LoadStates>
    </>
  );
}
