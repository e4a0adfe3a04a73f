/** Where the time comes from; tests inject a fixed or stepping clock. */
export interface Clock {
  now(): number;
}

/** The system clock (epoch milliseconds). */
export const systemClock: Clock = { now: () => Date.now() };
