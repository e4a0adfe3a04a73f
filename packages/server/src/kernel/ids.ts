import { monotonicFactory } from 'ulidx';

/** Makes new ids; injected so tests can make them predictable. */
export type IdGenerator = () => string;

/** Monotonic ULIDs: sortable by creation time even within one millisecond. */
export function createUlidGenerator(): IdGenerator {
  const next = monotonicFactory();
  return () => next();
}
