import type { Clock } from '../kernel/index.ts';

/** Options of the failed-login limiter. */
export interface LoginRateLimitOptions {
  /** Failures a key may have within the window before logins are refused (default 5). */
  maxFailures?: number;
  /** The window, milliseconds (default 15 minutes). */
  windowMs?: number;
  /** Keys remembered at most; the stalest are forgotten first (default 10 000). */
  maxKeys?: number;
}

/**
 * Counts failed logins per key (a user name, a client address) in a sliding window, in memory. A key with
 * `maxFailures` failures in the window is refused until its oldest failure leaves the window.
 */
export function createLoginRateLimiter({
  clock,
  maxFailures = 5,
  windowMs = 15 * 60_000,
  maxKeys = 10_000,
}: { clock: Clock } & LoginRateLimitOptions) {
  const failures = new Map<string, number[]>();
  const recent = (key: string, now: number): number[] => {
    const times = (failures.get(key) ?? []).filter((at) => now - at < windowMs);
    if (times.length === 0) failures.delete(key);
    else failures.set(key, times);
    return times;
  };
  return {
    /** Milliseconds until any of `keys` may try again, or 0 when none is limited. */
    retryAfterMs(keys: readonly string[]): number {
      const now = clock.now();
      let wait = 0;
      for (const key of keys) {
        const times = recent(key, now);
        if (times.length >= maxFailures)
          wait = Math.max(wait, times[times.length - maxFailures]! + windowMs - now);
      }
      return wait;
    },
    /** Records one failure for each key. */
    fail(keys: readonly string[]): void {
      const now = clock.now();
      for (const key of keys) {
        const times = recent(key, now);
        times.push(now);
        // Re-inserted last, so the map's first keys are the stalest.
        failures.delete(key);
        failures.set(key, times.slice(-maxFailures));
      }
      while (failures.size > maxKeys) {
        const stalest = failures.keys().next().value;
        if (stalest === undefined) break;
        failures.delete(stalest);
      }
    },
    /** Forgets a key's failures (after a successful login). */
    reset(key: string): void {
      failures.delete(key);
    },
  };
}

/** The failed-login limiter's type. */
export type LoginRateLimiter = ReturnType<typeof createLoginRateLimiter>;
