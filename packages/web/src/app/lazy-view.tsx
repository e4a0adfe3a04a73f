import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/**
 * Wraps a dynamically imported component so its code (its chunk) is fetched only when it is first shown; shows a
 * loading line meanwhile and a retry button when the chunk cannot be fetched (offline).
 */
export function lazyView<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  return function LazyView(props: P) {
    const [component, setComponent] = useState<ComponentType<P> | null>(() => loaded);
    const [failed, setFailed] = useState(false);
    const [attempt, setAttempt] = useState(0);
    useEffect(() => {
      if (component) return;
      let live = true;
      load().then(
        (result) => {
          loaded = result;
          if (live) setComponent(() => result);
        },
        () => live && setFailed(true),
      );
      return () => {
        live = false;
      };
    }, [attempt, component]);
    if (component) {
      const Loaded = component;
      return <Loaded {...props} />;
    }
    if (failed) {
      return (
        <div class="notice notice-error" role="alert">
          <p>This part of the app could not be loaded. The server may be out of reach.</p>
          <button
            type="button"
            onClick={() => {
              setFailed(false);
              setAttempt((n) => n + 1);
            }}
          >
            Try again
          </button>
        </div>
      );
    }
    return <output class="muted">Loading…</output>;
  };
}
