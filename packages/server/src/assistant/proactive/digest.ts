import type { Modality } from '@familiar/protocol';
import { addDays, type Clock, startOfDay, ValidationError } from '../../kernel/index.ts';
import type { EpisodeStore, FactStore, PeopleStore, TimelineStore } from '../../memory/index.ts';
import { goalProgress } from '../goals/index.ts';
import type { GoalProgress, GoalStore, InboxItem, InboxStore } from '../types.ts';
import {
  collectDateSources,
  dayKey,
  formatDay,
  formatInstantDay,
  formatTime,
  occurrencesWithin,
  ownerOf,
  parseDayKey,
} from './dates.ts';

/** Every modality, so a digest's counts name each one (zero when none). */
const MODALITIES: readonly Modality[] = ['utterance', 'frame', 'note', 'chat', 'location', 'event'];
/** Rows per page when counting a day's observations. */
const COUNT_PAGE = 2_000;
/** Lines per section in the digest's text before "… and N more". */
const SECTION_LINES = 8;

/** What a daily digest says about one local day. */
export interface Digest {
  /** The local day, "YYYY-MM-DD". */
  day: string;
  /** The day's episodes, in order. */
  happened: Array<{ episodeId: string; title: string; startedAt: number }>;
  /** Observations captured that day, by modality. */
  counts: Record<Modality, number>;
  /** Where each active goal stands (at the end of the day, or now for today). */
  progress: GoalProgress[];
  /** Open commitments and reminders (`status` says which still wait for the person to confirm them). */
  openLoops: InboxItem[];
  /** Dates that matter and items due on the next day. */
  tomorrow: Array<{ label: string; date: string; personId: string | null }>;
  /** The digest as a few readable lines per section. */
  text: string;
}

/** What building a digest reads. */
export interface DigestDeps {
  store: Pick<TimelineStore, 'listObservations'>;
  episodes: Pick<EpisodeStore, 'list'>;
  goals: Pick<GoalStore, 'list' | 'listProgress'>;
  inbox: Pick<InboxStore, 'list'>;
  people: Pick<PeopleStore, 'list'>;
  facts: Pick<FactStore, 'list'>;
  clock: Clock;
}

/** A section's lines, cut to a few with a count of the rest, or a short word when there are none. */
function section(title: string, lines: readonly string[], empty: string): string {
  if (lines.length === 0) return `${title}: ${empty}`;
  const shown = lines.slice(0, SECTION_LINES).map((line) => `- ${line}`);
  if (lines.length > SECTION_LINES) shown.push(`- … and ${lines.length - SECTION_LINES} more`);
  return [`${title}:`, ...shown].join('\n');
}

/**
 * Builds the digest of one local day (`day` as "YYYY-MM-DD" in the user's zone): the day's episodes, how many
 * observations of each modality it holds, where each active goal stands, the open loops, and what falls on the next
 * day. It reads only the day's range of the timeline (through the time index, page by page), so its cost does not
 * grow with the length of the timeline.
 */
export async function buildDigest(
  deps: DigestDeps,
  user: { id: string; timezone: string },
  day: string,
): Promise<Digest> {
  const date = parseDayKey(day);
  if (!date) throw new ValidationError(`"${day}" is not a day: write it as YYYY-MM-DD`);
  const { timezone } = user;
  const fromMs = startOfDay(date, timezone);
  const tomorrowDate = addDays(date, 1);
  const toMs = startOfDay(tomorrowDate, timezone);
  const tomorrowEnd = startOfDay(addDays(date, 2), timezone);
  const asOf = Math.min(deps.clock.now(), toMs - 1);

  const counts = Object.fromEntries(MODALITIES.map((modality) => [modality, 0])) as Record<Modality, number>;
  let cursor: string | undefined;
  do {
    const page = await deps.store.listObservations(user.id, {
      fromMs,
      toMs,
      limit: COUNT_PAGE,
      order: 'asc',
      ...(cursor === undefined ? {} : { cursor }),
    });
    for (const observation of page.observations) counts[observation.modality] += 1;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);

  const [episodes, goals, openLoops, people, dateFacts] = await Promise.all([
    deps.episodes.list(user.id, { fromMs, toMs, order: 'asc' }),
    deps.goals.list(user.id, { status: 'active' }),
    deps.inbox.list(user.id, { kinds: ['commitment', 'reminder'] }),
    deps.people.list(user.id),
    deps.facts.list(user.id, { kind: 'date' }),
  ]);
  const happened = episodes
    .filter((episode) => episode.startedAt < toMs && episode.endedAt >= fromMs)
    .map((episode) => ({ episodeId: episode.id, title: episode.title, startedAt: episode.startedAt }));
  const progress: GoalProgress[] = [];
  for (const goal of goals) {
    const entries = await deps.goals.listProgress(user.id, goal.id);
    progress.push(goalProgress(goal, entries, asOf, timezone));
  }

  const tomorrow: Digest['tomorrow'] = [];
  const tomorrowKey = dayKey(tomorrowDate);
  for (const { source } of occurrencesWithin(
    collectDateSources(people, dateFacts, timezone),
    tomorrowDate,
    0,
  )) {
    tomorrow.push({
      label: `${ownerOf(source)} ${source.label}`,
      date: tomorrowKey,
      personId: source.personId,
    });
  }
  for (const item of openLoops) {
    if (item.due === null || item.due < toMs || item.due >= tomorrowEnd) continue;
    tomorrow.push({
      label: `Due ${formatTime(item.due, timezone)}: ${item.title}`,
      date: tomorrowKey,
      personId: item.personId,
    });
  }

  // Birthdays and anniversaries in the next week (after tomorrow), so the digest announces what the nudges announce.
  const comingUp = occurrencesWithin(
    collectDateSources(people, dateFacts, timezone),
    addDays(tomorrowDate, 1),
    6,
  ).map(({ source, day: when }) => `${ownerOf(source)} ${source.label}: ${formatDay(when)}`);

  const total = MODALITIES.reduce((sum, modality) => sum + counts[modality], 0);
  const byModality = MODALITIES.filter((modality) => counts[modality] > 0)
    .map((modality) => `${modality} ${counts[modality].toLocaleString('en-US')}`)
    .join(', ');
  const loopLine = (item: InboxItem) => {
    const due =
      item.due === null
        ? ''
        : ` (due ${formatInstantDay(item.due, timezone)} ${formatTime(item.due, timezone)})`;
    const confirm =
      item.status === 'to_confirm' ? ' [to confirm]' : item.status === 'snoozed' ? ' [snoozed]' : '';
    return `${item.title}${due}${confirm}`;
  };
  const text = [
    `Your day, ${formatDay(date)}`,
    section(
      'What happened',
      happened.map((episode) => `${formatTime(episode.startedAt, timezone)} ${episode.title}`),
      'no episodes recorded',
    ),
    `Observations: ${total.toLocaleString('en-US')}${total > 0 ? ` (${byModality})` : ''}`,
    section(
      'Progress',
      progress.map((standing) => `${standing.goal.title}: ${standing.summary}`),
      'no active goals',
    ),
    section('Open loops', openLoops.map(loopLine), 'none'),
    section(
      `Tomorrow (${formatDay(tomorrowDate)})`,
      tomorrow.map((entry) => entry.label),
      'nothing noted',
    ),
    ...(comingUp.length > 0 ? [section('Coming up this week', comingUp, '')] : []),
  ].join('\n\n');

  return { day, happened, counts, progress, openLoops, tomorrow, text };
}
