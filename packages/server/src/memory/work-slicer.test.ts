import { describe, expect, it } from 'vitest';
import { FamiliarError } from '../kernel/index.ts';
import { createWorkSlicer } from './work-slicer.ts';

/** A slicer on a hand-moved clock that records when it gave the event loop a turn. */
function steppedSlicer(sliceMs: number) {
  let now = 0;
  const turns: number[] = [];
  const slicer = createWorkSlicer({
    sliceMs,
    now: () => now,
    yieldTurn: async () => {
      turns.push(now);
    },
  });
  return {
    slicer,
    turns,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('the work slicer', () => {
  it('gives the event loop a turn only once a slice has lasted sliceMs, then starts a new slice', async () => {
    const { slicer, turns, advance } = steppedSlicer(10);
    advance(4);
    await slicer.breathe();
    advance(5);
    await slicer.breathe();
    expect(turns).toEqual([]);
    advance(1);
    await slicer.breathe();
    expect(turns).toEqual([10]);
    advance(9);
    await slicer.breathe();
    expect(turns).toEqual([10]);
    advance(30);
    await slicer.breathe();
    expect(turns).toEqual([10, 49]);
  });

  it('yields at every call with a slice of 0, never with an infinite one', async () => {
    const every = steppedSlicer(0);
    await every.slicer.breathe();
    await every.slicer.breathe();
    expect(every.turns).toHaveLength(2);
    const never = steppedSlicer(Number.POSITIVE_INFINITY);
    never.advance(1e9);
    await never.slicer.breathe();
    expect(never.turns).toEqual([]);
  });

  it('refuses a negative or missing slice length with a coded error', () => {
    for (const sliceMs of [-1, Number.NaN]) {
      expect(() => createWorkSlicer({ sliceMs })).toThrow(FamiliarError);
      try {
        createWorkSlicer({ sliceMs });
      } catch (error) {
        expect((error as FamiliarError).code).toBe('invalid_input');
      }
    }
  });

  it('lets a timer that became due run in the middle of synchronous work cut into slices', async () => {
    const slicer = createWorkSlicer({ sliceMs: 5 });
    let timerFiredAtStep: number | null = null;
    let step = 0;
    setTimeout(() => {
      timerFiredAtStep = step;
    }, 0);
    const busyUntil = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end) {
        // synchronous work, as a SQLite call or a parse is
      }
    };
    for (step = 0; step < 20; step += 1) {
      busyUntil(2);
      await slicer.breathe();
    }
    expect(timerFiredAtStep).not.toBeNull();
    expect(timerFiredAtStep).toBeLessThan(19);
  });
});
