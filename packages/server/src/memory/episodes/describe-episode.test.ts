import { describe, expect, it } from 'vitest';
import { describeEpisode } from './describe-episode.ts';
import type { EpisodeObservation } from './segment-episodes.ts';

const T0 = Date.parse('2026-11-24T18:00:00Z');

function line(index: number, speaker: string | null, text: string, fields: Partial<EpisodeObservation> = {}) {
  return {
    id: `o${index}`,
    capturedAt: T0 + index * 30_000,
    deviceId: 'phone',
    modality: 'utterance',
    text,
    speaker,
    place: null,
    ...fields,
  } satisfies EpisodeObservation;
}

const adoptionTalk: EpisodeObservation[] = [
  line(0, 'Caroline', 'Hey! I spent the morning researching adoption agencies.'),
  line(1, 'Melanie', 'Oh wow, how did that go? Which adoption agencies did you look at?'),
  line(
    2,
    'Caroline',
    'Two adoption agencies that welcome single parents. One of them runs information evenings.',
  ),
  line(3, 'Me', 'That sounds promising. Did you book an information evening?'),
  line(4, 'Melanie', 'The paperwork for adoption can take months, so starting early is smart.'),
  line(5, 'Caroline', 'Yes, next Thursday. I am nervous but excited.'),
  line(6, 'Me', 'We can help with the paperwork if you like.'),
];

describe('describeEpisode', () => {
  it('titles a conversation with the other people and its topic', () => {
    const { title } = describeEpisode(adoptionTalk, { timezone: 'Europe/Lisbon', selfName: 'Me' });
    expect(title).toMatch(/^Talk with Caroline and Melanie about adoption agencies/);
    expect(title.length).toBeLessThanOrEqual(80);
  });

  it('leaves the user out of the people in the title', () => {
    const { title } = describeEpisode(adoptionTalk, { timezone: 'Europe/Lisbon', selfName: 'Caroline' });
    expect(title).toMatch(/^Talk with Melanie about/);
    expect(title).not.toContain('Caroline');
  });

  it('summarises with two or three salient sentences quoted verbatim, in time order, within 400 characters', () => {
    const { summary } = describeEpisode(adoptionTalk, { timezone: 'Europe/Lisbon', selfName: 'Me' });
    expect(summary.length).toBeLessThanOrEqual(400);
    const quoted = [...summary.matchAll(/(\w+): "([^"]+)"/g)].map((match) => ({
      speaker: match[1],
      text: match[2]!,
    }));
    expect(quoted.length).toBeGreaterThanOrEqual(2);
    expect(quoted.length).toBeLessThanOrEqual(3);
    const positions = quoted.map(({ speaker, text }) => {
      const index = adoptionTalk.findIndex((item) => item.speaker === speaker && item.text.includes(text));
      expect(index, `"${text}" is quoted from ${speaker}`).toBeGreaterThanOrEqual(0);
      return index;
    });
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(summary).toMatch(/adoption agencies/);
  });

  it('names the activity and the place when no one speaks', () => {
    const reading = [0, 1, 2, 3].map((index) =>
      line(
        index,
        null,
        index % 2
          ? 'Chapter 4. The lighthouse keeper climbed the stairs.'
          : 'The lighthouse keeper lit the lamp at dusk.',
        {
          modality: 'screen',
          place: 'the café',
        },
      ),
    );
    const { title, summary } = describeEpisode(reading, { timezone: 'Europe/Lisbon' });
    expect(title).toMatch(/^Reading at the café about lighthouse keeper/);
    expect(summary).toContain('"The lighthouse keeper lit the lamp at dusk."');
  });

  it('falls back to the activity and the day in the user zone when there is nothing else to say', () => {
    const late = Date.parse('2026-11-24T23:30:00Z');
    const photos = [0, 1].map((index) =>
      line(index, null, '', { modality: 'photo', capturedAt: late + index * 60_000 }),
    );
    expect(describeEpisode(photos, { timezone: 'Europe/Lisbon' })).toEqual({
      title: 'Photos on Tuesday, 24 November',
      summary: '2 photo observations, 23:30–23:31',
    });
    expect(describeEpisode(photos, { timezone: 'Asia/Tokyo' }).title).toBe(
      'Photos on Wednesday, 25 November',
    );
  });

  it('keeps titles within 80 characters when there are many people and long places', () => {
    const names = [
      'Alexandra Montgomery',
      'Bartholomew Fitzgerald',
      'Cassandra Villanueva',
      'Dmitri Vasilyevich',
    ];
    const crowd = names.map((name, index) =>
      line(index, name, 'The fundraising committee discussed the fundraising budget.', {
        place: 'the community centre on the corner of Rua Augusta and Rua do Comércio',
      }),
    );
    const { title } = describeEpisode(crowd, { timezone: 'Europe/Lisbon' });
    expect(title.length).toBeLessThanOrEqual(80);
    expect(title).toMatch(/^Talk with Alexandra Montgomery/);
  });

  it('rejects an empty episode and an unknown time zone', () => {
    expect(() => describeEpisode([], { timezone: 'Europe/Lisbon' })).toThrow(/at least one observation/);
    expect(() => describeEpisode(adoptionTalk, { timezone: 'Mars/Olympus' })).toThrow(/unknown time zone/);
  });

  it('describes fifty observations in about two milliseconds', () => {
    const topics = ['garden', 'tomatoes', 'compost', 'watering', 'seedlings', 'greenhouse', 'harvest'];
    const fifty = Array.from({ length: 50 }, (_, index) =>
      line(
        index,
        index % 2 ? 'Ana' : 'Me',
        `We talked about the ${topics[index % topics.length]} and the ${topics[(index * 3) % topics.length]} again. It was a long day in the ${topics[(index + 2) % topics.length]}!`,
      ),
    );
    for (let i = 0; i < 20; i++) describeEpisode(fifty, { timezone: 'Europe/Lisbon', selfName: 'Me' });
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      describeEpisode(fifty, { timezone: 'Europe/Lisbon', selfName: 'Me' });
      best = Math.min(best, performance.now() - started);
    }
    console.log(`describeEpisode: ${best.toFixed(3)} ms for 50 observations (best of 20)`);
    expect(best).toBeLessThan(2);
  });
});
