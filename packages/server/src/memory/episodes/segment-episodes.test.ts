import { describe, expect, it } from 'vitest';
import { type EpisodeObservation, segmentEpisodes } from './segment-episodes.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.parse('2026-11-24T09:00:00Z');

let counter = 0;
function observation(minute: number, fields: Partial<EpisodeObservation> = {}): EpisodeObservation {
  counter++;
  return {
    id: `o${counter}`,
    capturedAt: T0 + minute * MINUTE,
    deviceId: null,
    modality: 'utterance',
    text: 'hello',
    speaker: null,
    place: null,
    ...fields,
  };
}

function shape(observations: EpisodeObservation[], options?: Parameters<typeof segmentEpisodes>[1]) {
  const byId = new Map(observations.map((item, index) => [item.id, index]));
  return segmentEpisodes(observations, options).map((episode) => ({
    reason: episode.reason,
    indexes: episode.observationIds.map((id) => byId.get(id)),
  }));
}

describe('segmentEpisodes', () => {
  it('returns no episodes for no observations', () => {
    expect(segmentEpisodes([])).toEqual([]);
  });

  it('splits on a silence of 30 minutes or more, and the gap is configurable', () => {
    const items = [observation(0), observation(10), observation(45), observation(50)];
    const episodes = segmentEpisodes(items);
    expect(episodes).toEqual([
      {
        startedAt: items[0]!.capturedAt,
        endedAt: items[1]!.capturedAt,
        observationIds: [items[0]!.id, items[1]!.id],
        reason: 'start',
      },
      {
        startedAt: items[2]!.capturedAt,
        endedAt: items[3]!.capturedAt,
        observationIds: [items[2]!.id, items[3]!.id],
        reason: 'gap',
      },
    ]);
    expect(shape(items, { gapMs: 40 * MINUTE })).toHaveLength(1);
    expect(shape(items, { gapMs: 6 * MINUTE }).map((episode) => episode.indexes)).toEqual([[0], [1], [2, 3]]);
  });

  it('splits when the place changes, but not when the place is unknown on one side', () => {
    const items = [
      observation(0, { place: 'home' }),
      observation(1),
      observation(2, { place: 'home' }),
      observation(3, { place: 'the café' }),
      observation(4),
    ];
    expect(shape(items)).toEqual([
      { reason: 'start', indexes: [0, 1, 2] },
      { reason: 'place', indexes: [3, 4] },
    ]);
    expect(shape([observation(0), observation(1, { place: 'the café' })])).toHaveLength(1);
  });

  it('splits on a change of device only after a shorter silence (5 minutes by default)', () => {
    const quick = [observation(0, { deviceId: 'phone' }), observation(1, { deviceId: 'glasses' })];
    expect(shape(quick)).toHaveLength(1);
    const later = [observation(0, { deviceId: 'phone' }), observation(6, { deviceId: 'glasses' })];
    expect(shape(later)).toEqual([
      { reason: 'start', indexes: [0] },
      { reason: 'device', indexes: [1] },
    ]);
    expect(shape(later, { deviceGapMs: 10 * MINUTE })).toHaveLength(1);
    const sameDevice = [observation(0, { deviceId: 'phone' }), observation(20, { deviceId: 'phone' })];
    expect(shape(sameDevice)).toHaveLength(1);
  });

  it('starts a new conversation when other people speak after a pause of 2 minutes or more', () => {
    const talk = (minute: number, speaker: string) => observation(minute, { speaker, text: 'so anyway' });
    const items = [
      talk(0, 'Me'),
      talk(0.5, 'Alice'),
      talk(1, 'Me'),
      talk(4, 'Bob'),
      talk(4.5, 'Me'),
      talk(5, 'Bob'),
    ];
    expect(shape(items)).toEqual([
      { reason: 'start', indexes: [0, 1, 2] },
      { reason: 'conversation', indexes: [3, 4, 5] },
    ]);
    // A short pause is not enough, and someone joining an ongoing conversation does not end it.
    const quickSwitch = [talk(0, 'Me'), talk(0.5, 'Alice'), talk(1.5, 'Bob'), talk(2, 'Me')];
    expect(shape(quickSwitch)).toHaveLength(1);
    const joining = [talk(0, 'Me'), talk(0.5, 'Alice'), talk(4, 'Bob'), talk(4.5, 'Alice'), talk(5, 'Me')];
    expect(shape(joining)).toHaveLength(1);
    expect(shape(items, { conversationPauseMs: 5 * MINUTE })).toHaveLength(1);
  });

  it('starts a new scene when the subject changes completely after a pause of 10 minutes or more', () => {
    const cooking = 'Chopping onions garlic tomatoes basil olive oil pasta sauce simmering stove kitchen';
    const cookingMore = 'Pasta sauce simmering, garlic and basil smell wonderful in the kitchen tonight';
    const tax = 'Quarterly invoice spreadsheet deductions receipts accountant deadline pension statement';
    const items = [
      observation(0, { modality: 'screen', text: cooking }),
      observation(1, { modality: 'screen', text: cooking }),
      observation(12, { modality: 'screen', text: tax }),
      observation(13, { modality: 'screen', text: tax }),
    ];
    expect(shape(items)).toEqual([
      { reason: 'start', indexes: [0, 1] },
      { reason: 'scene', indexes: [2, 3] },
    ]);
    const sameSubject = [observation(0, { text: cooking }), observation(12, { text: cookingMore })];
    expect(shape(sameSubject)).toHaveLength(1);
    expect(shape(items, { scenePauseMs: Number.POSITIVE_INFINITY })).toHaveLength(1);
  });

  it('cuts a long stretch at its largest inner silence', () => {
    // Every 5 minutes for 5 hours, with one 20-minute lull after 2.5 hours.
    const minutes = [
      ...Array.from({ length: 31 }, (_, i) => i * 5),
      ...Array.from({ length: 27 }, (_, i) => 170 + i * 5),
    ];
    const items = minutes.map((minute) => observation(minute));
    const episodes = segmentEpisodes(items);
    expect(episodes.map((episode) => episode.reason)).toEqual(['start', 'length']);
    expect(episodes[1]!.startedAt).toBe(T0 + 170 * MINUTE);
    for (const episode of episodes) expect(episode.endedAt - episode.startedAt).toBeLessThanOrEqual(3 * HOUR);
  });

  it('cuts steady all-day capture into pieces under the cap without slivers', () => {
    const items = Array.from({ length: 600 }, (_, minute) => observation(minute));
    const episodes = segmentEpisodes(items);
    expect(episodes.length).toBeGreaterThanOrEqual(4);
    expect(episodes.length).toBeLessThanOrEqual(8);
    for (const episode of episodes) {
      const duration = episode.endedAt - episode.startedAt;
      expect(duration).toBeLessThanOrEqual(3 * HOUR);
      expect(duration).toBeGreaterThanOrEqual(45 * MINUTE);
    }
    expect(shape(items, { maxDurationMs: 12 * HOUR })).toHaveLength(1);
  });

  it('keeps every observation exactly once, in time order, even from unsorted input', () => {
    const items = [observation(50), observation(0), observation(10), observation(45)];
    const episodes = segmentEpisodes(items);
    expect(episodes.flatMap((episode) => episode.observationIds)).toEqual([
      items[1]!.id,
      items[2]!.id,
      items[3]!.id,
      items[0]!.id,
    ]);
    expect(episodes.map((episode) => episode.reason)).toEqual(['start', 'gap']);
  });

  it('handles a year of observations quickly and deterministically', () => {
    const items: EpisodeObservation[] = [];
    let minute = 0;
    for (let i = 0; i < 100_000; i++) {
      minute += i % 40 === 0 ? 90 : 1 + (i % 3);
      items.push(
        observation(minute, {
          speaker: i % 7 === 0 ? null : `person${i % 5}`,
          deviceId: i % 11 === 0 ? 'glasses' : 'phone',
          place: i % 100 < 50 ? 'home' : 'work',
          text: `note ${i % 13} about topic${i % 17}`,
        }),
      );
    }
    const started = performance.now();
    const first = segmentEpisodes(items);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(3000);
    expect(segmentEpisodes(items)).toEqual(first);
    expect(first.reduce((sum, episode) => sum + episode.observationIds.length, 0)).toBe(items.length);
  });
});
