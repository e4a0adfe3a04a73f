import { performance } from 'node:perf_hooks';
import { FamiliarError } from '../kernel/index.ts';

/**
 * Cuts long CPU-bound work into slices. On SQLite every store call is synchronous, so an `await` between two of them
 * never lets the event loop run: without slices, a pass over thousands of observations holds the server for seconds
 * and no request is answered meanwhile.
 */
export interface WorkSlicer {
  /**
   * Gives the event loop a turn (pending requests and timers run) once the current slice has lasted `sliceMs`;
   * otherwise returns at once. Call it between two units of work.
   */
  breathe(): Promise<void>;
}

/** The default length of a slice: short enough that an acknowledgement or an answer waits at most about this long. */
export const DEFAULT_SLICE_MS = 10;

/** Resolves after the event loop has polled for I/O once (`setImmediate` runs after the poll phase). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A slicer measured on a monotonic clock (`performance.now()`, not the injectable wall clock, which tests may fix).
 * `sliceMs` of 0 yields at every call; `Infinity` never yields.
 */
export function createWorkSlicer({
  sliceMs = DEFAULT_SLICE_MS,
  now = () => performance.now(),
  yieldTurn = nextTurn,
}: {
  sliceMs?: number;
  now?: () => number;
  yieldTurn?: () => Promise<void>;
} = {}): WorkSlicer {
  if (!(sliceMs >= 0))
    throw new FamiliarError('invalid_input', `sliceMs must be ≥ 0 milliseconds, not ${sliceMs}`);
  let sliceStart = now();
  return {
    async breathe() {
      if (now() - sliceStart < sliceMs) return;
      await yieldTurn();
      sliceStart = now();
    },
  };
}
