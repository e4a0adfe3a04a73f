import { describe, expect, it } from 'vitest';
import { databaseWithUsers } from '../../../test/support/database.ts';
import { createSqliteEpisodeStore } from '../episode-store.ts';
import { createRetriever, type RetrievalOptions } from '../retriever.ts';
import { createSqliteTimelineStore } from '../sqlite-timeline-store.ts';
import type { NewObservation } from '../types.ts';

const DAY = 86_400_000;
const MAY_1 = Date.UTC(2026, 4, 1, 18);

/** One talk a day: each line is "Speaker: text", a second apart; each day is its own episode. */
async function timeline(days: Array<{ at: number; lines: string[] }>) {
  const db = databaseWithUsers('alice');
  const store = createSqliteTimelineStore(db);
  const episodes = createSqliteEpisodeStore(db);
  let counter = 0;
  for (const [day, { at, lines }] of days.entries()) {
    const observations: NewObservation[] = lines.map((line, index) => {
      counter += 1;
      const [speaker, text] = line.split(': ') as [string, string];
      return {
        id: `01JD${String(counter).padStart(22, '0')}`,
        deviceId: null,
        modality: 'utterance',
        capturedAt: at + index * 1000,
        receivedAt: at + index * 1000,
        text,
        captureId: null,
        provenance: null,
        trust: 'perceived',
        details: { speaker: { label: speaker, personId: null } },
      };
    });
    await store.insertObservations('alice', observations);
    await episodes.replaceWindow('alice', { fromMs: at, toMs: at + lines.length * 1000 }, [
      {
        id: `E${day}`,
        startedAt: at,
        endedAt: at + (lines.length - 1) * 1000,
        title: `day ${day}`,
        summary: '',
        edited: false,
        createdAt: at,
        observationIds: observations.map((observation) => observation.id),
      },
    ]);
  }
  const now = Math.max(...days.map((day) => day.at)) + DAY;
  const retrieverWith = (options: Partial<RetrievalOptions> = {}) =>
    createRetriever({ store, episodes, clock: { now: () => now }, options });
  const ask = async (question: string, options: Partial<RetrievalOptions> = {}) =>
    (
      await retrieverWith(options).retrieve({ id: 'alice', timezone: 'UTC' }, question, { limit: 5 })
    ).hits.map((hit) => hit.observation.text);
  return { ask };
}

describe('retriever (SQLite, real episodes)', () => {
  it('finds what was said about a month on another day, but prefers what was said in it', async () => {
    const { ask } = await timeline([
      { at: MAY_1, lines: ['Sam: I adopted a puppy in May', 'Ana: Lovely!'] },
      { at: MAY_1 + 40 * DAY, lines: ['Sam: Back in May I started pottery classes', 'Ana: Fun!'] },
    ]);
    const question = 'What did Sam start in May 2026?';
    expect(await ask(question, { timeScope: 'filter' })).not.toContain(
      'Back in May I started pottery classes',
    );
    expect((await ask(question))[0]).toBe('Back in May I started pottery classes');
    expect(await ask('What did Sam adopt in May 2026?')).toContain('I adopted a puppy in May');
  });

  it('brings up the reply to a matching question, though it shares no word with it', async () => {
    const { ask } = await timeline([
      {
        at: MAY_1,
        lines: [
          'Ana: Which instrument do you play?',
          'Sam: The clarinet, since I was ten.',
          'Ana: Nice. How was the weekend?',
          'Sam: Quiet, lots of reading.',
        ],
      },
    ]);
    expect(await ask('What instrument does Sam play?')).toContain('The clarinet, since I was ten.');
    expect(await ask('What instrument does Sam play?', { neighbourWeight: 0 })).not.toContain(
      'The clarinet, since I was ten.',
    );
  });

  it('answers a question after several things from several talks, not just the best one', async () => {
    const { ask } = await timeline([
      { at: MAY_1, lines: ['Sam: I painted a horse, my first painting', 'Ana: Wow'] },
      { at: MAY_1 + 7 * DAY, lines: ['Sam: I painted our dog, a quick painting', 'Ana: Cute'] },
      {
        at: MAY_1 + 14 * DAY,
        lines: [
          'Sam: I painted the lake, my biggest painting',
          'Sam: The lake painting took me weeks of painting',
          'Sam: Painting the lake at dawn, painting the light',
          'Sam: The painting of the lake is for my show',
          'Sam: More lake paintings are coming',
        ],
      },
    ]);
    const question = 'What paintings has Sam painted?';
    const spread = await ask(question);
    const best = await ask(question, { severalDecay: 1 });
    expect(spread.some((text) => text.includes('horse'))).toBe(true);
    expect(spread.some((text) => text.includes('dog'))).toBe(true);
    expect(best.every((text) => text.includes('lake') || text.includes('Ana'))).toBe(true);
  });

  it('finds kinds of what a question asks for, though they share no word with it', async () => {
    const { ask } = await timeline([
      { at: MAY_1, lines: ['Sam: I spent the weekend in Chicago', 'Ana: How was the weather?'] },
      { at: MAY_1 + 7 * DAY, lines: ['Sam: Back from Rome, the food was amazing', 'Ana: Jealous!'] },
      { at: MAY_1 + 14 * DAY, lines: ['Sam: My city has too much traffic', 'Ana: Take the bus'] },
    ]);
    const question = 'Which cities has Sam visited?';
    const found = await ask(question, { narrowerWeight: 0.4 });
    expect(found).toContain('I spent the weekend in Chicago');
    expect(found).toContain('Back from Rome, the food was amazing');
    expect(await ask(question, { narrowerWeight: 0 })).not.toContain('I spent the weekend in Chicago');
  });
});
