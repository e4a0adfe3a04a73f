import type { ComponentChildren } from 'preact';
import type { Load } from './use-load.ts';

/** Shows the loading line, the error (with a retry), or the loaded content; `empty` when the data holds nothing. */
export function LoadStates<T>({
  state,
  retry,
  isEmpty,
  empty,
  children,
}: {
  state: Load<T>;
  retry: () => void;
  isEmpty: (data: T) => boolean;
  empty: ComponentChildren;
  children: (data: T) => ComponentChildren;
}) {
  if (state.kind === 'loading') return <output class="muted">Loading…</output>;
  if (state.kind === 'failed')
    return (
      <div class="notice notice-error" role="alert">
        <p>{state.message}</p>
        <button type="button" onClick={retry}>
          Try again
        </button>
      </div>
    );
  if (isEmpty(state.data)) return <p class="empty">{empty}</p>;
  return <>{children(state.data)}</>;
}
