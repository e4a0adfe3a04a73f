import { describe, expect, it } from 'vitest';
import { assistantForgetPreview } from './forget-preview.ts';
import type { GoalProgress, InboxItem, ProgressEntry } from './types.ts';

const item = (id: string, dedupeKey: string, sources: string[]): InboxItem => ({
  id,
  userId: 'u',
  kind: dedupeKey.startsWith('commitment:') ? 'commitment' : 'nudge',
  title: id,
  body: '',
  due: null,
  reason: '',
  status: 'pending',
  snoozedUntil: null,
  factId: null,
  goalId: null,
  personId: null,
  dedupeKey,
  notifiedAt: null,
  completedAt: null,
  sources,
  createdAt: 0,
  updatedAt: 0,
});

const entry = (id: string, sources: string[], extra: Partial<ProgressEntry> = {}): ProgressEntry => ({
  id,
  userId: 'u',
  goalId: 'g',
  amount: 5,
  unit: 'km',
  at: 0,
  confidence: 0.8,
  status: 'inferred',
  origin: 'rules',
  evidence: 'ran 5k',
  sources,
  createdAt: 0,
  updatedAt: 0,
  ...extra,
});

const goal = (entries: ProgressEntry[]): GoalProgress =>
  ({
    goal: { id: 'g', title: 'Run a 10k' },
    current: 0,
    fraction: 0,
    expectedFraction: null,
    behind: false,
    summary: '',
    entries,
  }) as unknown as GoalProgress;

describe('assistantForgetPreview', () => {
  it('lists the items and inferred progress a forget leaves without sources, and the nudges about those items', () => {
    const preview = assistantForgetPreview(
      [
        item('promise', 'commitment:f1', ['o1']),
        item('nudge', 'person:promise:2026-11-26', ['o9']),
        item('shared', 'commitment:f2', ['o1', 'o2']),
        item('set', 'reminder:r1', []),
      ],
      [
        goal([
          entry('inferred', ['o1']),
          entry('confirmed', ['o1'], { status: 'confirmed' }),
          entry('logged', ['o1'], { origin: 'person' }),
          entry('both', ['o1', 'o2']),
        ]),
      ],
      new Set(['o1']),
    );
    expect(preview.inbox.map((i) => i.id).sort()).toEqual(['nudge', 'promise']);
    expect(preview.progress.map((p) => [p.entry.id, p.goal.title])).toEqual([['inferred', 'Run a 10k']]);
  });

  it('does not list what was orphaned before the forget, nor anything when the forget touches nothing', () => {
    const items = [item('old', 'commitment:f0', []), item('kept', 'commitment:f1', ['o2'])];
    const goals = [goal([entry('stale', [])])];
    expect(assistantForgetPreview(items, goals, new Set(['o1']))).toEqual({ inbox: [], progress: [] });
  });
});
