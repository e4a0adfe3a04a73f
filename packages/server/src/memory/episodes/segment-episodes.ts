import { contentKeys } from './episode-words.ts';

/** What the episode code needs to know about one observation (a transcript line, a photo, a screen read). */
export interface EpisodeObservation {
  id: string;
  /** Epoch milliseconds. */
  capturedAt: number;
  deviceId: string | null;
  modality: string;
  text: string;
  speaker: string | null;
  place: string | null;
}

/** Why an episode starts where it does: the first one is 'start', every later one names the boundary it follows. */
export type EpisodeBoundaryReason =
  | 'start'
  | 'gap'
  | 'device'
  | 'place'
  | 'scene'
  | 'conversation'
  | 'length';

/** A stretch of observations that belong together, in time order. */
export interface EpisodeSegment {
  startedAt: number;
  endedAt: number;
  observationIds: string[];
  reason: EpisodeBoundaryReason;
}

/** Tuning of `segmentEpisodes`; every field has a default that suits a day of captured life. */
export interface SegmentEpisodesOptions {
  /** A silence at least this long always ends an episode. Default 30 minutes. */
  gapMs?: number;
  /** A switch to another device ends an episode after a silence at least this long. Default 5 minutes. */
  deviceGapMs?: number;
  /** Longer episodes are cut at their largest inner silence until none is longer. Default 3 hours. */
  maxDurationMs?: number;
  /** After a pause at least this long, a different set of speakers starts a new conversation. Default 2 minutes. */
  conversationPauseMs?: number;
  /**
   * After a pause at least this long, text that shares almost no words with what came just before starts a new
   * scene. Default 10 minutes; `Infinity` turns scene boundaries off.
   */
  scenePauseMs?: number;
}

/** Below this overlap (shared words over the smaller side's words) two stretches are different scenes. */
const SCENE_MIN_OVERLAP = 0.1;
/** Both stretches need this many distinct content words before their vocabularies are compared at all. */
const SCENE_MIN_WORDS = 8;

/**
 * Cuts a time-ordered list of observations into episodes: a long silence, a change of place, a change of device
 * after a shorter silence, a new set of speakers after a pause, or a change of subject after a pause each start a
 * new one, and an over-long episode is cut at its largest inner silence. Deterministic and linear in the number of
 * observations (each over-long stretch adds one pass per halving).
 * Input out of time order is sorted (stably) first.
 */
export function segmentEpisodes(
  observations: readonly EpisodeObservation[],
  options: SegmentEpisodesOptions = {},
): EpisodeSegment[] {
  const {
    gapMs = 30 * 60_000,
    deviceGapMs = 5 * 60_000,
    maxDurationMs = 3 * 3_600_000,
    conversationPauseMs = 2 * 60_000,
    scenePauseMs = 10 * 60_000,
  } = options;
  const items = inTimeOrder(observations);
  if (items.length === 0) return [];

  const keys = items.map((item) => contentKeys(item.text));
  const nextSpeakers = stretchSummaries(items, conversationPauseMs, (index) => speakersOf(items[index]!));
  const nextWords = stretchSummaries(items, scenePauseMs, (index) => keys[index]!);

  const starts: Array<{ index: number; reason: EpisodeBoundaryReason }> = [{ index: 0, reason: 'start' }];
  let episode = emptyEpisodeState();
  for (let index = 0; index < items.length; index++) {
    const item = items[index]!;
    if (index > 0) {
      const pause = item.capturedAt - items[index - 1]!.capturedAt;
      let reason: EpisodeBoundaryReason | null = null;
      if (pause >= gapMs) reason = 'gap';
      else if (
        item.place !== null &&
        episode.place !== null &&
        placeKey(item.place) !== placeKey(episode.place)
      ) {
        reason = 'place';
      } else if (
        item.deviceId !== null &&
        episode.device !== null &&
        item.deviceId !== episode.device &&
        pause >= deviceGapMs
      ) {
        reason = 'device';
      } else if (
        pause >= conversationPauseMs &&
        isNewConversation(episode.speakers, nextSpeakers.get(index))
      ) {
        reason = 'conversation';
      } else if (pause >= scenePauseMs && isNewScene(episode.sceneWords, nextWords.get(index))) {
        reason = 'scene';
      }
      if (reason) {
        starts.push({ index, reason });
        episode = emptyEpisodeState();
      } else if (pause >= scenePauseMs) {
        episode.sceneWords = new Set();
      }
    }
    const speaker = speakerKey(item.speaker);
    if (speaker) episode.speakers.add(speaker);
    for (const key of keys[index]!) episode.sceneWords.add(key);
    episode.place = item.place ?? episode.place;
    episode.device = item.deviceId ?? episode.device;
  }

  const segments: EpisodeSegment[] = [];
  for (let s = 0; s < starts.length; s++) {
    const first = starts[s]!;
    const end = s + 1 < starts.length ? starts[s + 1]!.index : items.length;
    for (const [pieceIndex, [from, to]] of cutLongStretch(items, first.index, end, maxDurationMs).entries()) {
      segments.push({
        startedAt: items[from]!.capturedAt,
        endedAt: items[to - 1]!.capturedAt,
        observationIds: items.slice(from, to).map((item) => item.id),
        reason: pieceIndex === 0 ? first.reason : 'length',
      });
    }
  }
  return segments;
}

interface EpisodeState {
  /** Everyone heard so far in the episode. */
  speakers: Set<string>;
  /** The words since the last scene pause. */
  sceneWords: Set<string>;
  /** The last known place and device. */
  place: string | null;
  device: string | null;
}

function emptyEpisodeState(): EpisodeState {
  return { speakers: new Set(), sceneWords: new Set(), place: null, device: null };
}

function inTimeOrder(observations: readonly EpisodeObservation[]): readonly EpisodeObservation[] {
  for (let i = 1; i < observations.length; i++) {
    if (observations[i]!.capturedAt < observations[i - 1]!.capturedAt) {
      return [...observations].sort((a, b) => a.capturedAt - b.capturedAt);
    }
  }
  return observations;
}

function speakerKey(speaker: string | null): string | null {
  const key = speaker?.trim().toLowerCase();
  return key ? key : null;
}

function placeKey(place: string): string {
  return place.trim().toLowerCase();
}

function speakersOf(item: EpisodeObservation): Set<string> {
  const key = speakerKey(item.speaker);
  return new Set(key ? [key] : []);
}

/**
 * For every observation that starts a stretch (the first one, and each after a pause of at least `pauseMs`), the
 * union of `collect` over that stretch: a look-ahead at what comes next, in one pass.
 */
function stretchSummaries(
  items: readonly EpisodeObservation[],
  pauseMs: number,
  collect: (index: number) => Set<string>,
): Map<number, Set<string>> {
  const summaries = new Map<number, Set<string>>();
  if (!Number.isFinite(pauseMs)) return summaries;
  let current = new Set<string>();
  summaries.set(0, current);
  for (let index = 0; index < items.length; index++) {
    if (index > 0 && items[index]!.capturedAt - items[index - 1]!.capturedAt >= pauseMs) {
      current = new Set();
      summaries.set(index, current);
    }
    for (const value of collect(index)) current.add(value);
  }
  return summaries;
}

/** A new conversation: both sides have speakers, and neither side's speakers are a subset of the other's. */
function isNewConversation(before: Set<string>, after: Set<string> | undefined): boolean {
  if (!after || before.size === 0 || after.size === 0) return false;
  return !isSubset(before, after) && !isSubset(after, before);
}

function isSubset(small: Set<string>, large: Set<string>): boolean {
  for (const value of small) if (!large.has(value)) return false;
  return true;
}

function isNewScene(before: Set<string>, after: Set<string> | undefined): boolean {
  if (!after || before.size < SCENE_MIN_WORDS || after.size < SCENE_MIN_WORDS) return false;
  let shared = 0;
  for (const word of after) if (before.has(word)) shared++;
  return shared / Math.min(before.size, after.size) < SCENE_MIN_OVERLAP;
}

/**
 * Splits items[from, to) into pieces no longer than `maxDurationMs`, each cut at the largest silence in the middle
 * half of the piece (ties go to the silence nearest the middle), so pieces shrink geometrically and no sliver is
 * cut off; only when the middle half has no silence at all is the largest one anywhere taken.
 */
function cutLongStretch(
  items: readonly EpisodeObservation[],
  from: number,
  to: number,
  maxDurationMs: number,
): Array<[number, number]> {
  const pieces: Array<[number, number]> = [];
  const pending: Array<[number, number]> = [[from, to]];
  while (pending.length > 0) {
    const [start, end] = pending.pop()!;
    const startedAt = items[start]!.capturedAt;
    const duration = items[end - 1]!.capturedAt - startedAt;
    if (duration <= maxDurationMs || end - start < 2) {
      pieces.push([start, end]);
      continue;
    }
    const cut = bestCut(items, start, end, startedAt + duration / 4, startedAt + (duration * 3) / 4);
    pending.push([cut, end], [start, cut]);
  }
  return pieces;
}

function bestCut(
  items: readonly EpisodeObservation[],
  start: number,
  end: number,
  lowMs: number,
  highMs: number,
): number {
  const middle = (lowMs + highMs) / 2;
  let best = -1;
  let bestGap = -1;
  let bestDistance = Number.POSITIVE_INFINITY;
  let anywhere = start + 1;
  let anywhereGap = -1;
  for (let index = start + 1; index < end; index++) {
    const before = items[index - 1]!.capturedAt;
    const gap = items[index]!.capturedAt - before;
    if (gap > anywhereGap) {
      anywhereGap = gap;
      anywhere = index;
    }
    const at = before + gap / 2;
    if (at < lowMs || at > highMs) continue;
    const distance = Math.abs(at - middle);
    if (gap > bestGap || (gap === bestGap && distance < bestDistance)) {
      best = index;
      bestGap = gap;
      bestDistance = distance;
    }
  }
  return best > 0 && bestGap > 0 ? best : anywhere;
}
