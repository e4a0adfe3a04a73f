import { ValidationError } from '../../kernel/index.ts';
import { wordKey, wordsOf } from './episode-words.ts';
import type { EpisodeObservation } from './segment-episodes.ts';

/** A title and a short extractive summary of one episode, for lists and for the assistant's context. */
export interface EpisodeDescription {
  title: string;
  summary: string;
}

/** How to describe an episode: the user's time zone (for the fallback title) and their own name (left out). */
export interface DescribeEpisodeOptions {
  timezone: string;
  selfName?: string;
}

const TITLE_MAX = 80;
const SUMMARY_MAX = 400;
const SUMMARY_SENTENCES = 3;
const KEYWORDS_FOR_SUMMARY = 8;
/** Sentences shorter than this (in content words) are scored as if this long, so a bare "Thanks, Mel!" never wins. */
const MIN_SENTENCE_WORDS = 8;

/** Speaker labels that mean the user themself. */
const SELF_LABELS = new Set(['me', 'self', 'i', 'user', 'myself']);

/**
 * Describes an episode without a model: the title names the activity, the people (other than the user), the
 * place and the most salient topics ("Talk with Caroline and Melanie about adoption agencies"); the summary quotes
 * the two or three sentences that cover the most topic words, verbatim and in time order. Never empty: with
 * nothing to go on the title is "<activity> on <weekday, day month>" in the user's time zone.
 */
export function describeEpisode(
  observations: readonly EpisodeObservation[],
  options: DescribeEpisodeOptions,
): EpisodeDescription {
  const first = observations[0];
  if (!first) throw new ValidationError('an episode needs at least one observation to be described');
  const dayFormat = dayFormatFor(options.timezone);
  const selfKey = options.selfName?.trim().toLowerCase();
  const isSelf = (name: string) => SELF_LABELS.has(name.toLowerCase()) || name.toLowerCase() === selfKey;

  const people = rankByCount(
    observations.map((item) => item.speaker?.trim() ?? '').filter((name) => name !== '' && !isSelf(name)),
  );
  const place = rankByCount(observations.map((item) => item.place?.trim() ?? '').filter(Boolean))[0] ?? null;
  const excluded = new Set<string>();
  for (const name of [...people, options.selfName ?? '']) {
    for (const word of wordsOf(name)) {
      const key = wordKey(word);
      if (key) excluded.add(key);
    }
  }
  const sentences = sentencesOf(observations);
  const keywords = salientKeywords(sentences, excluded).filter(
    (keyword) => ![...excluded].some((name) => name.startsWith(keyword.key)),
  );
  const activity = activityOf(rankByCount(observations.map((item) => item.modality))[0] ?? first.modality);
  const fallback = `${activity} on ${calendarDay(first.capturedAt, dayFormat)}`;

  const topics = topicPhrases(keywords, sentences, observations.length);
  const title = composeTitle(activity, people, place, topics) ?? fallback;
  const summary = composeSummary(sentences, keywords) || countSummary(observations, options.timezone);
  return { title, summary };
}

interface Sentence {
  text: string;
  speaker: string | null;
  /** Content-word keys in order, with the form each was written in. */
  words: Array<{ key: string; surface: string }>;
  /** For each word, whether it directly follows the previous content word (no stopword or number between). */
  adjacent: boolean[];
}

const SENTENCE = /[^.!?\n]+(?:[.!?]+["'”’)]*|$)/g;

function sentencesOf(observations: readonly EpisodeObservation[]): Sentence[] {
  const sentences: Sentence[] = [];
  for (const item of observations) {
    for (const match of item.text.matchAll(SENTENCE)) {
      const text = match[0].trim();
      if (text.length < 2) continue;
      const words: Sentence['words'] = [];
      const adjacent: boolean[] = [];
      let previousWasContent = false;
      for (const surface of wordsOf(text)) {
        const key = wordKey(surface);
        if (key && !/^\d/.test(key)) {
          adjacent.push(previousWasContent);
          words.push({ key, surface });
          previousWasContent = true;
        } else {
          previousWasContent = false;
        }
      }
      sentences.push({ text, speaker: item.speaker?.trim() || null, words, adjacent });
    }
  }
  return sentences;
}

interface Keyword {
  key: string;
  /** Number of sentences that mention it. */
  spread: number;
  score: number;
  surface: string;
}

/** Keywords ranked by how many sentences mention them, adverbs and past forms weighed down. */
function salientKeywords(sentences: readonly Sentence[], excluded: ReadonlySet<string>): Keyword[] {
  const spread = new Map<string, number>();
  const surfaces = new Map<string, Map<string, number>>();
  for (const sentence of sentences) {
    const seen = new Set<string>();
    for (const { key, surface } of sentence.words) {
      if (excluded.has(key)) continue;
      const forms = surfaces.get(key) ?? new Map<string, number>();
      forms.set(surface, (forms.get(surface) ?? 0) + 1);
      surfaces.set(key, forms);
      if (seen.has(key)) continue;
      seen.add(key);
      spread.set(key, (spread.get(key) ?? 0) + 1);
    }
  }
  const keywords: Keyword[] = [];
  for (const [key, count] of spread) {
    const weight = key.endsWith('ly') ? 0.3 : key.endsWith('ed') ? 0.6 : 1;
    keywords.push({ key, spread: count, score: count * weight, surface: displayForm(surfaces.get(key)!) });
  }
  return keywords.sort(
    (a, b) => b.score - a.score || b.key.length - a.key.length || a.key.localeCompare(b.key),
  );
}

/**
 * Up to two topic phrases: the best keyword, widened to a two-word phrase when that phrase recurs ("adoption
 * agencies"), then the next keyword not already part of it if it is mentioned at least half as often. A keyword
 * mentioned once counts only in a short episode.
 */
function topicPhrases(keywords: readonly Keyword[], sentences: readonly Sentence[], size: number): string[] {
  const minimumSpread = size >= 4 ? 2 : 1;
  const recurring = new Map(keywords.filter((keyword) => keyword.spread >= 2).map((k) => [k.key, k]));
  const pairs = new Map<string, { left: Keyword; right: Keyword; count: number }>();
  for (const sentence of sentences) {
    let seen: Set<string> | null = null;
    for (let i = 1; i < sentence.words.length; i++) {
      if (!sentence.adjacent[i]) continue;
      const left = recurring.get(sentence.words[i - 1]!.key);
      const right = recurring.get(sentence.words[i]!.key);
      if (!left || !right || left === right) continue;
      const pair = `${left.key} ${right.key}`;
      seen ??= new Set();
      if (seen.has(pair)) continue;
      seen.add(pair);
      const entry = pairs.get(pair) ?? { left, right, count: 0 };
      entry.count++;
      pairs.set(pair, entry);
    }
  }
  const topics: string[] = [];
  const used = new Set<string>();
  for (const keyword of keywords) {
    if (topics.length >= 2 || keyword.spread < minimumSpread) break;
    if (topics.length === 1 && keyword.spread * 2 < keywords[0]!.spread) break;
    if (used.has(keyword.key)) continue;
    let best: { left: Keyword; right: Keyword; count: number } | null = null;
    for (const entry of pairs.values()) {
      if (entry.left !== keyword && entry.right !== keyword) continue;
      if (entry.count >= Math.max(2, keyword.spread / 2) && entry.count > (best?.count ?? 0)) best = entry;
    }
    used.add(keyword.key);
    if (best) {
      used.add(best.left.key).add(best.right.key);
      topics.push(`${best.left.surface} ${best.right.surface}`);
    } else {
      topics.push(keyword.surface);
    }
  }
  return topics;
}

function composeTitle(
  activity: string,
  people: readonly string[],
  place: string | null,
  topics: readonly string[],
): string | null {
  if (people.length === 0 && place === null && topics.length === 0) return null;
  const withPeople = (count: number) => {
    if (people.length === 0) return '';
    const shown = people.slice(0, count);
    const rest = people.length - shown.length;
    const names = rest > 0 ? [...shown, `${rest} other${rest === 1 ? '' : 's'}`] : shown;
    return ` with ${joinAnd(names)}`;
  };
  const atPlace = place ? ` at ${place}` : '';
  const about = (count: number) =>
    count > 0 && topics.length > 0 ? ` about ${joinAnd(topics.slice(0, count))}` : '';
  const attempts = [
    `${activity}${withPeople(3)}${atPlace}${about(2)}`,
    `${activity}${withPeople(3)}${atPlace}${about(1)}`,
    `${activity}${withPeople(2)}${atPlace}${about(1)}`,
    `${activity}${withPeople(1)}${about(1)}`,
    `${activity}${withPeople(1)}${atPlace}`,
  ];
  const fitting = attempts.find((title) => title.length <= TITLE_MAX);
  if (fitting) return fitting;
  const cut = attempts.at(-1)!.slice(0, TITLE_MAX - 1);
  return `${cut.slice(0, cut.lastIndexOf(' ') > 0 ? cut.lastIndexOf(' ') : cut.length)}…`;
}

/** Greedily picks the sentences that add the most not-yet-covered keyword weight, then restores time order. */
function composeSummary(sentences: readonly Sentence[], keywords: readonly Keyword[]): string {
  const weights = new Map(
    keywords.slice(0, KEYWORDS_FOR_SUMMARY).map((keyword) => [keyword.key, keyword.score]),
  );
  const quotes = sentences.map((sentence) =>
    sentence.speaker ? `${sentence.speaker}: "${sentence.text}"` : `"${sentence.text}"`,
  );
  const weighted = sentences.map((sentence) => [
    ...new Set(sentence.words.map((word) => word.key).filter((key) => weights.has(key))),
  ]);
  const covered = new Set<string>();
  const chosen = new Set<number>();
  let length = 0;
  while (chosen.size < SUMMARY_SENTENCES) {
    let best = -1;
    let bestGain = 0;
    for (let i = 0; i < sentences.length; i++) {
      if (chosen.has(i) || sentences[i]!.words.length < 2) continue;
      if (length + quotes[i]!.length + (chosen.size > 0 ? 1 : 0) > SUMMARY_MAX) continue;
      let gain = 0;
      for (const key of weighted[i]!) if (!covered.has(key)) gain += weights.get(key)!;
      gain /= Math.sqrt(Math.max(sentences[i]!.words.length, MIN_SENTENCE_WORDS));
      if (gain > bestGain) {
        bestGain = gain;
        best = i;
      }
    }
    if (best < 0) break;
    length += quotes[best]!.length + (chosen.size > 0 ? 1 : 0);
    chosen.add(best);
    for (const key of weighted[best]!) covered.add(key);
  }
  if (chosen.size === 0) {
    let longest = -1;
    for (let i = 0; i < sentences.length; i++) {
      if (longest < 0 || sentences[i]!.words.length > sentences[longest]!.words.length) longest = i;
    }
    if (longest < 0) return '';
    const text = quotes[longest]!;
    return text.length <= SUMMARY_MAX ? text : `${text.slice(0, text.lastIndexOf(' ', SUMMARY_MAX - 1))}…`;
  }
  return [...chosen]
    .sort((a, b) => a - b)
    .map((i) => quotes[i]!)
    .join(' ');
}

const ACTIVITIES: Record<string, string> = {
  utterance: 'Talk',
  speech: 'Talk',
  transcript: 'Talk',
  audio: 'Talk',
  conversation: 'Talk',
  photo: 'Photos',
  image: 'Photos',
  frame: 'Photos',
  camera: 'Photos',
  video: 'Video',
  screen: 'Reading',
  screenshot: 'Reading',
  ocr: 'Reading',
  document: 'Reading',
  text: 'Reading',
  note: 'Notes',
  location: 'Places',
};

function activityOf(modality: string): string {
  const known = ACTIVITIES[modality.toLowerCase()];
  if (known) return known;
  const plain = modality.replace(/[-_]+/g, ' ').trim() || 'Observations';
  return plain.charAt(0).toUpperCase() + plain.slice(1);
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** A cached "weekday, day month" formatter for the zone; a `ValidationError` for an unknown zone. */
function dayFormatFor(timeZone: string): Intl.DateTimeFormat {
  let format = dayFormats.get(timeZone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'long', day: 'numeric', month: 'long' });
    } catch (error) {
      throw new ValidationError(`unknown time zone "${timeZone}": use an IANA name such as "Europe/Lisbon"`, {
        cause: String(error),
      });
    }
    dayFormats.set(timeZone, format);
  }
  return format;
}

/** "Tuesday, 24 November". */
function calendarDay(ms: number, format: Intl.DateTimeFormat): string {
  const parts = format.formatToParts(new Date(ms));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('weekday')}, ${part('day')} ${part('month')}`;
}

/** Distinct values, most frequent first, ties in order of first appearance. */
function rankByCount(values: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([value]) => value);
}

/** The most used written form, lower case unless the word is always capitalised (a name such as "Paris"). */
function displayForm(forms: Map<string, number>): string {
  const lower = new Map([...forms].filter(([form]) => !/^\p{Lu}/u.test(form)));
  if (lower.size > 0) return mostUsed(lower);
  return mostUsed(forms);
}

/** "2 photo observations, 10:02–10:40": the summary of an episode with no text to quote. */
function countSummary(observations: readonly EpisodeObservation[], timeZone: string): string {
  const clock = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const from = clock.format(new Date(observations[0]!.capturedAt));
  const to = clock.format(new Date(observations.at(-1)!.capturedAt));
  const count = observations.length;
  const kind = rankByCount(observations.map((item) => item.modality))[0] ?? 'observation';
  return `${count} ${kind} observation${count === 1 ? '' : 's'}, ${from === to ? from : `${from}–${to}`}`;
}

function mostUsed(forms: Map<string, number>): string {
  let best = '';
  let bestCount = 0;
  for (const [form, count] of forms) {
    if (count > bestCount) {
      best = form;
      bestCount = count;
    }
  }
  return best;
}

function joinAnd(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
