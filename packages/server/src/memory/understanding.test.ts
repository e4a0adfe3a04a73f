import { describe, expect, it } from 'vitest';
import { databaseWithUsers } from '../../test/support/database.ts';
import { createSilentLogger, createUlidGenerator } from '../kernel/index.ts';
import { createSqliteEpisodeStore } from './episode-store.ts';
import type { FactExtractor } from './extraction/index.ts';
import { createSqliteFactStore } from './fact-store.ts';
import { createSqliteMemoryCursors } from './memory-cursors.ts';
import { createSqlitePeopleStore } from './people-store.ts';
import { createSqliteTimelineStore } from './sqlite-timeline-store.ts';
import type { NewObservation } from './types.ts';
import { createUnderstanding } from './understanding.ts';

const newId = createUlidGenerator();
const note = (text: string, capturedAt: number): NewObservation => ({
  id: newId(),
  deviceId: null,
  modality: 'note',
  capturedAt,
  receivedAt: capturedAt,
  text,
  captureId: null,
  provenance: null,
  trust: 'authored',
});

describe('the understanding pass', () => {
  it('passes over an observation the extractor fails on, and keeps going (no poison pill)', async () => {
    const db = databaseWithUsers('alice');
    const store = createSqliteTimelineStore(db);
    const facts = createSqliteFactStore(db);
    const extractor: FactExtractor = {
      name: 'picky',
      extract(text) {
        if (text.includes('poison')) throw new Error('cannot read this');
        return [
          {
            kind: 'thing',
            subject: 'self',
            predicate: 'noted',
            object: text,
            slot: null,
            statement: `You noted ${text}`,
            span: text,
            validFrom: null,
            validTo: null,
            confidence: 1,
          },
        ];
      },
    };
    const understanding = createUnderstanding({
      store,
      facts,
      episodes: createSqliteEpisodeStore(db),
      people: createSqlitePeopleStore(db),
      cursors: createSqliteMemoryCursors(db),
      extractor,
      indexer: null,
      clock: { now: () => 10_000_000 },
      newId,
      logger: createSilentLogger(),
    });
    await store.insertObservations('alice', [
      note('first', 1_000),
      note('poison', 2_000),
      note('third', 3_000),
    ]);
    const result = await understanding.catchUp({ id: 'alice', timezone: 'UTC' });
    expect(result).toMatchObject({ observations: 3, skipped: 1, facts: { created: 2 }, episodes: 1 });
    expect((await facts.list('alice')).map((fact) => fact.object).sort()).toEqual(['first', 'third']);
    expect((await understanding.catchUp({ id: 'alice', timezone: 'UTC' })).observations).toBe(0);
  });
});
