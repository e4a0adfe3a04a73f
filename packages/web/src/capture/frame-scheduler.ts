/** The frame rates a person may choose: one frame every 1, 2, 5 or 10 seconds. */
export const FRAME_INTERVALS_MS = [1000, 2000, 5000, 10_000] as const;
export type FrameIntervalMs = (typeof FRAME_INTERVALS_MS)[number];

/** Tells whether a number is one of the offered frame intervals. */
export function isFrameInterval(value: number): value is FrameIntervalMs {
  return (FRAME_INTERVALS_MS as readonly number[]).includes(value);
}

/** Timers the scheduler uses; injected so tests can drive time by hand. */
export interface SchedulerTimers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of `createFrameScheduler`. */
export interface FrameSchedulerOptions {
  intervalMs: FrameIntervalMs;
  /** Takes and sends one frame; the next one is not taken before this settles. */
  capture: (deviceTime: number) => Promise<void>;
  /** Called when a capture fails; the schedule goes on. */
  onError?: (error: unknown) => void;
  timers?: SchedulerTimers;
}

/** Takes frames on a fixed cadence, one at a time, and can change its rate, stop and start again. */
export interface FrameScheduler {
  start(): void;
  stop(): void;
  setInterval(intervalMs: FrameIntervalMs): void;
  readonly running: boolean;
  readonly intervalMs: FrameIntervalMs;
  /** Frames taken since creation (successful or not). */
  readonly taken: number;
}

const browserTimers: SchedulerTimers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

/**
 * Creates a frame scheduler. The first frame is taken at `start()`; each next one `intervalMs` after the previous
 * was *due* (not after it finished), so a slow capture does not make the rate drift. A capture that is still
 * running when the next is due makes that one wait for it rather than overlap; frames are never taken in a burst
 * to catch up.
 */
export function createFrameScheduler(options: FrameSchedulerOptions): FrameScheduler {
  const timers = options.timers ?? browserTimers;
  let intervalMs = options.intervalMs;
  let running = false;
  let busy = false;
  let handle: unknown = null;
  let nextDue = 0;
  let taken = 0;
  let generation = 0;

  const schedule = (): void => {
    const delay = Math.max(0, nextDue - timers.now());
    handle = timers.setTimeout(tick, delay);
  };

  const tick = (): void => {
    handle = null;
    if (!running || busy) return;
    busy = true;
    taken += 1;
    const started = generation;
    const dueAt = timers.now();
    void options
      .capture(dueAt)
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        busy = false;
        if (!running || handle !== null) return;
        // After a restart during this frame, `start` already made the next one due at once.
        if (started === generation) nextDue = Math.max(nextDue + intervalMs, timers.now());
        schedule();
      });
  };

  return {
    start() {
      if (running) return;
      running = true;
      generation += 1;
      nextDue = timers.now();
      if (!busy) tick();
    },
    stop() {
      running = false;
      generation += 1;
      if (handle !== null) timers.clearTimeout(handle);
      handle = null;
    },
    setInterval(next) {
      intervalMs = next;
      if (!running || busy || handle === null) return;
      timers.clearTimeout(handle);
      nextDue = Math.min(nextDue, timers.now() + next);
      schedule();
    },
    get running() {
      return running;
    },
    get intervalMs() {
      return intervalMs;
    },
    get taken() {
      return taken;
    },
  };
}
