import { describe, expect, it } from 'vitest';
import { createFrameScheduler, isFrameInterval, type SchedulerTimers } from './frame-scheduler.ts';

/** Hand-driven timers: `advance` runs due callbacks in time order, letting promises settle between them. */
function manualTimers() {
  let now = 0;
  let nextId = 1;
  const pending = new Map<number, { at: number; callback: () => void }>();
  const timers: SchedulerTimers = {
    now: () => now,
    setTimeout(callback, ms) {
      const id = nextId++;
      pending.set(id, { at: now + ms, callback });
      return id;
    },
    clearTimeout(handle) {
      pending.delete(handle as number);
    },
  };
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 10; i += 1) await Promise.resolve();
  };
  return {
    timers,
    pendingCount: () => pending.size,
    async advance(ms: number) {
      const until = now + ms;
      await settle();
      for (;;) {
        const due = [...pending.entries()]
          .filter(([, t]) => t.at <= until)
          .sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        pending.delete(due[0]);
        now = due[1].at;
        due[1].callback();
        await settle();
      }
      now = until;
    },
  };
}

describe('createFrameScheduler', () => {
  it('takes a frame at start and then one per interval, at the times they were due', async () => {
    const clock = manualTimers();
    const taken: number[] = [];
    const scheduler = createFrameScheduler({
      intervalMs: 2000,
      timers: clock.timers,
      capture: async (at) => {
        taken.push(at);
      },
    });
    scheduler.start();
    await clock.advance(7000);
    expect(taken).toEqual([0, 2000, 4000, 6000]);
    expect(scheduler.taken).toBe(4);
  });

  it('never overlaps a slow capture and never bursts to catch up', async () => {
    const clock = manualTimers();
    const taken: number[] = [];
    let release: (() => void) | null = null;
    const scheduler = createFrameScheduler({
      intervalMs: 1000,
      timers: clock.timers,
      capture: (at) => {
        taken.push(at);
        if (at !== 0) return Promise.resolve();
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    scheduler.start();
    await clock.advance(3500); // the first capture hangs for 3.5 s: nothing else is taken meanwhile
    expect(taken).toEqual([0]);
    release!();
    await clock.advance(2000);
    expect(taken).toEqual([0, 3500, 4500, 5500]);
    scheduler.stop();
  });

  it('stops taking frames at once when stopped, and starts again with a frame', async () => {
    const clock = manualTimers();
    const taken: number[] = [];
    const scheduler = createFrameScheduler({
      intervalMs: 1000,
      timers: clock.timers,
      capture: async (at) => {
        taken.push(at);
      },
    });
    scheduler.start();
    await clock.advance(1500);
    scheduler.stop();
    expect(clock.pendingCount()).toBe(0);
    await clock.advance(5000);
    expect(taken).toEqual([0, 1000]);
    scheduler.start();
    await clock.advance(1000);
    expect(taken).toEqual([0, 1000, 6500, 7500]);
  });

  it('moves the next frame earlier when the rate goes up, and keeps going after a failed capture', async () => {
    const clock = manualTimers();
    const taken: number[] = [];
    const errors: unknown[] = [];
    const scheduler = createFrameScheduler({
      intervalMs: 10_000,
      timers: clock.timers,
      onError: (error) => errors.push(error),
      capture: async (at) => {
        taken.push(at);
        if (at === 3000) throw new Error('camera hiccup');
      },
    });
    scheduler.start();
    await clock.advance(2000);
    scheduler.setInterval(1000);
    expect(scheduler.intervalMs).toBe(1000);
    await clock.advance(2500);
    expect(taken).toEqual([0, 3000, 4000]);
    expect(errors).toHaveLength(1);
  });

  it('offers exactly the rates 1, 2, 5 and 10 seconds', () => {
    expect([1000, 2000, 5000, 10_000].every(isFrameInterval)).toBe(true);
    expect(isFrameInterval(3000)).toBe(false);
  });
});
