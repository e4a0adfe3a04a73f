import { useCallback, useEffect, useState } from 'preact/hooks';
import { describeError } from '../../api/index.ts';

/** The state of data a view loads: loading, loaded, or failed with a message for people. */
export type Load<T> = { kind: 'loading' } | { kind: 'loaded'; data: T } | { kind: 'failed'; message: string };

/** Loads data when the view shows and whenever `deps` change; `reload` loads it again (after a change). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): [Load<T>, () => void] {
  const [state, setState] = useState<Load<T>>({ kind: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setState((current) => (current.kind === 'loaded' && round > 0 ? current : { kind: 'loading' }));
    load().then(
      (data) => live && setState({ kind: 'loaded', data }),
      (error: unknown) => live && setState({ kind: 'failed', message: describeError(error) }),
    );
    return () => {
      live = false;
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return [state, reload];
}
