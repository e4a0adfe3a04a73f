import { describe, expect, it } from 'vitest';
import { createInMemoryAuditLog } from '../audit/index.ts';
import {
  createInMemoryTimelineStore,
  createRetriever,
  type NewObservation,
  queryTerms,
} from '../memory/index.ts';
import { createAsk } from './ask.ts';

const NOW = Date.parse('2026-11-29T12:00:00Z');
const DAY = 86_400_000;

function note(id: string, text: string, daysAgo: number): NewObservation {
  return {
    id,
    deviceId: null,
    modality: 'note',
    capturedAt: NOW - daysAgo * DAY,
    receivedAt: NOW,
    text,
    captureId: null,
    provenance: null,
    trust: 'authored',
  };
}

describe('queryTerms', () => {
  it('keeps content words and drops question words', () => {
    expect(queryTerms('What did Sam say about the deadline?')).toEqual(['sam', 'deadline']);
    expect(queryTerms("Where did I leave the keys? It's Sam's car")).toEqual(['leave', 'keys', 'sam', 'car']);
    expect(queryTerms('what is it?')).toEqual([]);
  });
});

describe('ask without a language model', () => {
  it('quotes the best match first with its time in the user’s zone, and says no model is configured', async () => {
    const store = createInMemoryTimelineStore();
    const audit = createInMemoryAuditLog();
    await store.insertObservations('u1', [
      note('01JC0000000000000000000001', 'Sam said the deadline moved to Friday', 3),
      note('01JC0000000000000000000002', 'Lunch with Ana at the market', 1),
    ]);
    const ask = createAsk({
      retriever: createRetriever({ store, clock: { now: () => NOW } }),
      audit,
      clock: { now: () => NOW },
    });
    const result = await ask.ask(
      { userId: 'u1', label: 'cli', timezone: 'Europe/Paris' },
      'What did Sam say about the deadline?',
    );
    expect(result.model).toBeNull();
    expect(result.citations.map((c) => c.id)).toEqual(['01JC0000000000000000000001']);
    expect(result.answer).toContain('No language model is configured');
    expect(result.answer).toContain('Thu 26 Nov 2026, 13:00');
    expect(result.answer).toContain('Sam said the deadline moved to Friday');
    expect(audit.events.map((e) => e.action)).toEqual(['ask']);
  });

  it('prefers the recent one of two equal matches and says plainly when nothing matches', async () => {
    const store = createInMemoryTimelineStore();
    await store.insertObservations('u1', [
      note('01JC0000000000000000000003', 'parked the car on level 3', 200),
      note('01JC0000000000000000000004', 'parked the car on level 5', 0.1),
    ]);
    const ask = createAsk({
      retriever: createRetriever({ store, clock: { now: () => NOW } }),
      audit: createInMemoryAuditLog(),
      clock: { now: () => NOW },
    });
    const actor = { userId: 'u1', label: 'cli', timezone: 'UTC' };
    expect((await ask.ask(actor, 'where did I park the car?')).citations[0]?.id).toBe(
      '01JC0000000000000000000004',
    );
    const none = await ask.ask(actor, 'what about the zebra?');
    expect(none.citations).toEqual([]);
    expect(none.answer).toContain('found nothing');
  });
});
