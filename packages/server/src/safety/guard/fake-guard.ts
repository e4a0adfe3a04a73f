import { type Guard, type GuardCheck, GuardError, type GuardVerdict, parseGuardCheck } from './guard.ts';
import { type HazardCategory, sortHazards } from './hazard-categories.ts';

/** A rule of the fake guard: a judged turn containing `match` (case-insensitive) is unsafe for `categories`. */
export interface FakeGuardRule {
  match: string | RegExp;
  categories: HazardCategory[];
}

/** A guard for tests that judges by rules and records every check it was given. */
export interface FakeGuard extends Guard {
  readonly calls: GuardCheck[];
}

/**
 * A guard for tests: the last turn (of the role checked) is unsafe for every rule it matches, else safe. With
 * `failWith`, every check throws that error (a guard model that is down), after validating and recording the call.
 */
export function createFakeGuard({
  rules = [],
  model = 'fake:guard',
  failWith,
}: {
  rules?: readonly FakeGuardRule[];
  model?: string;
  failWith?: Error;
} = {}): FakeGuard {
  const calls: GuardCheck[] = [];
  return {
    model,
    calls,
    async check(input): Promise<GuardVerdict> {
      const check = parseGuardCheck(input);
      calls.push(check);
      check.signal?.throwIfAborted();
      if (failWith) throw failWith;
      const judged = check.conversation.at(-1)?.content ?? '';
      const matched = rules.filter((rule) =>
        typeof rule.match === 'string'
          ? judged.toLowerCase().includes(rule.match.toLowerCase())
          : rule.match.test(judged),
      );
      const categories = sortHazards(matched.flatMap((rule) => rule.categories));
      if (matched.length > 0 && categories.length === 0) {
        throw new GuardError('unparseable', 'a fake guard rule matched but names no category');
      }
      return categories.length
        ? { verdict: 'unsafe', categories, model, raw: `unsafe\n${categories.join(',')}` }
        : { verdict: 'safe', categories: [], model, raw: 'safe' };
    },
  };
}
