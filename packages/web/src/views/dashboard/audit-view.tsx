import type { AuditEventWire } from '@familiar/protocol';
import { useState } from 'preact/hooks';
import { describeError } from '../../api/index.ts';
import { formatMoment } from '../../app/format.ts';
import { useDashboard } from './dashboard-context.ts';
import { LoadStates } from './load-states.tsx';
import { useLoad } from './use-load.ts';

const FILTERS = [
  ['', 'Everything'],
  ['model.', 'Model calls'],
  ['models.', 'Model settings (open models only)'],
  ['privacy.', 'Privacy pause'],
  ['memory.', 'Memory: forgetting, corrections, searches'],
  ['goals.', 'Goals'],
  ['assistant.', 'Assistant settings and actions'],
  ['data.', 'Exports and imports'],
  ['consent.', 'Consent'],
] as const;

/** The audit log: who did what, newest first, filtered by kind of action, page by page. */
export function AuditView() {
  const { api } = useDashboard();
  const [action, setAction] = useState('');
  const [more, setMore] = useState<{ events: AuditEventWire[]; cursor: string | null } | null>(null);
  const [moreError, setMoreError] = useState<string | null>(null);
  const [page, reload] = useLoad(async () => {
    setMore(null);
    return api.audit.list({ ...(action ? { action } : {}), limit: 50 });
  }, [action]);

  const loadMore = async (cursor: string): Promise<void> => {
    try {
      const next = await api.audit.list({ ...(action ? { action } : {}), limit: 50, cursor });
      setMore((current) => ({
        events: [...(current?.events ?? []), ...next.events],
        cursor: next.nextCursor,
      }));
    } catch (error) {
      setMoreError(describeError(error));
    }
  };

  return (
    <>
      <h1>Audit</h1>
      <p class="muted">
        Every model call, action, read, deletion and privacy change, with ids and counts, never content.
      </p>
      <label for="audit-filter">Show</label>{' '}
      <select id="audit-filter" value={action} onChange={(e) => setAction(e.currentTarget.value)}>
        {FILTERS.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
      <LoadStates
        state={page}
        retry={reload}
        isEmpty={(data) => data.events.length === 0}
        empty="Nothing of this kind has been recorded yet."
      >
        {(data) => {
          const events = [...data.events, ...(more?.events ?? [])];
          const cursor = more ? more.cursor : data.nextCursor;
          return (
            <>
              {/* Focusable so a keyboard can scroll it sideways on a narrow screen. */}
              {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take focus (WCAG 2.1.1) */}
              <section class="table-wrap" tabIndex={0} aria-label="Audit events">
                <table>
                  <caption class="visually-hidden">Audit events, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Action</th>
                      <th scope="col">By</th>
                      <th scope="col">Target</th>
                      <th scope="col">Details</th>
                    </tr>
                  </thead>
                  <tbody>
                    {events.map((event) => (
                      <tr key={event.seq}>
                        <td>
                          <time dateTime={event.at}>{formatMoment(event.at)}</time>
                        </td>
                        <td>
                          <code>{event.action}</code>
                        </td>
                        <td>{event.actor}</td>
                        <td class="wrap">{event.target ?? ''}</td>
                        <td class="wrap small">{event.details ? summarize(event.details) : ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
              {moreError && (
                <p class="notice notice-error" role="alert">
                  {moreError}
                </p>
              )}
              {cursor && (
                <button type="button" onClick={() => void loadMore(cursor)}>
                  Show older events
                </button>
              )}
            </>
          );
        }}
      </LoadStates>
    </>
  );
}

function summarize(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('; ');
}
