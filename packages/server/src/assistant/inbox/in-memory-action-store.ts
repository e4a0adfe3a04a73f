import { type Clock, ConflictError, NotFoundError, systemClock } from '../../kernel/index.ts';
import type { ActionStore, PendingAction } from '../types.ts';
import { actionConflict, validateMove, validateNewAction } from './action-store.ts';

/**
 * The in-memory fake of the pending actions, for unit tests of the services above it; it passes the same contract
 * suite as the SQLite store, lazy expiry included. Arguments and results are copied through JSON, as a database
 * would, so a caller changing its object afterwards does not change what is stored.
 */
export function createInMemoryActionStore({ clock = systemClock }: { clock?: Clock } = {}): ActionStore {
  const users = new Map<string, Map<string, PendingAction>>();
  const actionsOf = (userId: string): Map<string, PendingAction> => {
    let found = users.get(userId);
    if (!found) {
      found = new Map();
      users.set(userId, found);
    }
    return found;
  };

  const expire = (userId: string, at: number) => {
    for (const action of actionsOf(userId).values()) {
      if (action.status !== 'pending' || action.expiresAt > at) continue;
      action.status = 'expired';
      action.decidedAt = action.expiresAt;
    }
  };

  const copy = (action: PendingAction): PendingAction => ({
    ...action,
    arguments: structuredJson(action.arguments) as Record<string, unknown>,
    origin: action.origin ? (structuredJson(action.origin) as PendingAction['origin']) : null,
    result: structuredJson(action.result),
  });

  return {
    async add(action) {
      validateNewAction(action);
      const actions = actionsOf(action.userId);
      if (actions.has(action.id))
        throw new ConflictError(`action ${action.id} already exists`, { id: action.id });
      const stored: PendingAction = {
        ...action,
        arguments: structuredJson(action.arguments) as Record<string, unknown>,
        origin: action.origin ? (structuredJson(action.origin) as PendingAction['origin']) : null,
        status: 'pending',
        result: null,
        decidedBy: null,
        decidedAt: null,
      };
      actions.set(action.id, stored);
      return copy(stored);
    },
    async get(userId, id) {
      expire(userId, clock.now());
      const action = actionsOf(userId).get(id);
      return action ? copy(action) : null;
    },
    async list(userId, options = {}) {
      expire(userId, clock.now());
      const status = options.status ?? 'pending';
      return [...actionsOf(userId).values()]
        .filter((action) => status === 'all' || action.status === status)
        .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
        .map(copy);
    },
    async transition(userId, id, from, to, change) {
      validateMove(from, to);
      expire(userId, Math.max(change.at, clock.now()));
      const action = actionsOf(userId).get(id);
      if (!action) throw new NotFoundError('action', id);
      if (action.status !== from) throw actionConflict(id, from, action.status);
      action.status = to;
      if (from === 'pending') {
        action.decidedBy = change.by ?? null;
        action.decidedAt = change.at;
      } else {
        action.result = structuredJson(change.result);
      }
      return copy(action);
    },
  };
}

/** A deep copy through JSON, as a JSON column stores it (`undefined` becomes null). */
function structuredJson(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  try {
    return JSON.parse(JSON.stringify(value) ?? 'null') as unknown;
  } catch {
    return { error: 'the result could not be stored as JSON' };
  }
}
