import { mondayOf, wallClockAt, zonedTimeToEpoch } from '../../kernel/index.ts';
import type { Person, SequencedObservation, StoredObservation } from '../../memory/index.ts';
import { detectProgress, matchGoal, type ProgressSignal } from '../goals/index.ts';
import { findCompletions } from '../inbox/index.ts';
import type { AssistantSettings, Goal, GoalProgress, InboxItem, NewInboxItem } from '../types.ts';
import {
  type DateSource,
  dateDedupeKey,
  dayKey,
  formatDay,
  formatInstantDay,
  formatTime,
  occurrencesWithin,
  ownerOf,
} from './dates.ts';
import { findFollowUps, followUpDue, followUpKey, followUpTitle } from './follow-ups.ts';
import { parseLocalTime } from './policy.ts';

/** What a trigger proposes to add to the inbox, before it gets an id and a creation time. */
export type ItemDraft = Omit<NewInboxItem, 'id' | 'createdAt' | 'notifiedAt' | 'completedAt'>;

/** A proposed inbox item with the observations (by write position) it came from. */
export interface Candidate {
  draft: ItemDraft;
  sourceSeqs: number[];
}

/** Modalities whose text is something said or written (progress, completions and mentions are read from them). */
const TEXT_MODALITIES = new Set(['utterance', 'note', 'chat', 'event']);
/** Progress can also be read off a frame (a treadmill display, a reading app's page count). */
const PROGRESS_MODALITIES = new Set([...TEXT_MODALITIES, 'frame']);
/** Speaker labels that do not name someone other than the wearer. */
const ANONYMOUS_SPEAKERS = new Set(['unknown', 'wearer', '']);
/** Modalities whose words can tell of someone's event to follow up on (a calendar event is not someone's news). */
const FOLLOW_UP_MODALITIES = new Set(['utterance', 'note', 'chat']);
/** Item statuses a nudge may be about: open and not hidden by a snooze. */
const NUDGEABLE = new Set(['pending', 'to_confirm']);

// ---------------------------------------------------------------------------------------------------------------
// People: who an observation shows, and which open items are about them.

/** The user's people, indexed for matching on every observation (built once per batch). */
export interface PeopleIndex {
  byId: ReadonlyMap<string, Person>;
  /** Lower-case names, first names and aliases. */
  byName: ReadonlyMap<string, Person>;
  /** Matches any known name as a whole word, or null when nobody is known. */
  pattern: RegExp | null;
}

const escapeRegExp = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A whole-word, case-insensitive pattern for any of `words` (longest first, so "Sam Lee" wins over "Sam"). */
function wordPattern(words: Iterable<string>, flags = 'iu'): RegExp | null {
  const unique = [...new Set([...words].map((word) => word.trim()).filter((word) => word.length >= 2))];
  if (unique.length === 0) return null;
  unique.sort((a, b) => b.length - a.length);
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${unique.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, flags);
}

/** Indexes people by id and by every name they go by; people who opted out are left out. */
export function indexPeople(people: readonly Person[]): PeopleIndex {
  const byId = new Map<string, Person>();
  const byName = new Map<string, Person>();
  for (const person of people) {
    if (person.optedOut) continue;
    byId.set(person.id, person);
    for (const name of [person.name, person.name.split(/\s+/)[0] ?? '', ...person.aliases]) {
      const key = name.trim().toLowerCase();
      if (key.length >= 2 && !byName.has(key)) byName.set(key, person);
    }
  }
  return { byId, byName, pattern: wordPattern(byName.keys(), 'giu') };
}

/** How a person showed up in an observation. */
type Presence = 'seen' | 'heard' | 'mentioned';

/** The known people an observation shows: named in a frame, heard by an enrolled voice, or named in the text. */
export function peopleIn(observation: StoredObservation, people: PeopleIndex): Map<string, Presence> {
  const found = new Map<string, Presence>();
  if (people.byId.size === 0) return found;
  const heard = observation.details?.speaker?.personId;
  if (heard && people.byId.has(heard)) found.set(heard, 'heard');
  for (const name of observation.details?.seen?.people ?? []) {
    const person = people.byName.get(name.trim().toLowerCase());
    if (person && !found.has(person.id)) found.set(person.id, 'seen');
  }
  if (people.pattern && TEXT_MODALITIES.has(observation.modality)) {
    people.pattern.lastIndex = 0;
    for (const match of observation.text.matchAll(people.pattern)) {
      const person = people.byName.get(match[0].toLowerCase());
      if (person && !found.has(person.id)) found.set(person.id, 'mentioned');
    }
  }
  return found;
}

/** Which people an open item is about: its person link, and known names in its title. Cached per item object. */
const itemPeopleCache = new WeakMap<InboxItem, { index: PeopleIndex; ids: Set<string> }>();

function peopleOfItem(item: InboxItem, people: PeopleIndex): Set<string> {
  const cached = itemPeopleCache.get(item);
  if (cached && cached.index === people) return cached.ids;
  const ids = new Set<string>();
  if (item.personId) ids.add(item.personId);
  if (people.pattern) {
    people.pattern.lastIndex = 0;
    for (const match of item.title.matchAll(people.pattern)) {
      const person = people.byName.get(match[0].toLowerCase());
      if (person) ids.add(person.id);
    }
  }
  itemPeopleCache.set(item, { index: people, ids });
  return ids;
}

// ---------------------------------------------------------------------------------------------------------------
// Places: a small lexicon from errands to the places that serve them.

interface PlaceKind {
  kind: string;
  /** Words in a location's text that name such a place. */
  places: RegExp;
  /** Words in a reminder that such a place serves. */
  errands: RegExp;
}

const placeKind = (kind: string, places: string[], errands: string[]): PlaceKind => ({
  kind,
  places: wordPattern(places)!,
  errands: wordPattern(errands)!,
});

/** Errand words and the places that serve them; kept small and general on purpose. */
export const PLACE_LEXICON: readonly PlaceKind[] = [
  placeKind(
    'shop',
    [
      'supermarket',
      'grocery',
      'groceries',
      'grocer',
      'greengrocer',
      'market',
      'corner shop',
      'convenience store',
      'deli',
      'bakery',
      'butcher',
      'shop',
      'store',
      'mart',
      'mall',
      'shopping centre',
      'shopping center',
    ],
    [
      'milk',
      'bread',
      'eggs',
      'butter',
      'cheese',
      'groceries',
      'fruit',
      'vegetables',
      'veg',
      'apples',
      'bananas',
      'coffee',
      'tea',
      'sugar',
      'flour',
      'rice',
      'pasta',
      'juice',
      'wine',
      'beer',
      'snacks',
      'cereal',
      'yoghurt',
      'yogurt',
      'chicken',
      'meat',
      'fish',
      'food',
      'toilet paper',
      'washing-up liquid',
      'detergent',
      'nappies',
      'diapers',
      'cat food',
      'dog food',
      'birthday card',
      'card',
      'gift',
      'present',
    ],
  ),
  placeKind(
    'pharmacy',
    ['pharmacy', 'chemist', 'drugstore', 'apotheke'],
    [
      'medicine',
      'prescription',
      'pills',
      'tablets',
      'paracetamol',
      'ibuprofen',
      'aspirin',
      'plasters',
      'band-aids',
      'vitamins',
      'sunscreen',
      'toothpaste',
      'shampoo',
      'contact lenses',
    ],
  ),
  placeKind(
    'post office',
    ['post office', 'postbox', 'post box', 'mailbox', 'parcel shop', 'parcel locker'],
    ['parcel', 'package', 'letter', 'stamps', 'post the', 'mail the', 'return label'],
  ),
  placeKind(
    'hardware store',
    ['hardware', 'diy', 'home improvement', 'builders merchant'],
    [
      'screws',
      'nails',
      'paint',
      'light bulb',
      'lightbulb',
      'bulbs',
      'batteries',
      'drill',
      'glue',
      'hammer',
      'fuse',
      'sandpaper',
    ],
  ),
  placeKind(
    'bank',
    ['bank', 'atm', 'cash machine', 'cashpoint'],
    ['cash', 'deposit', 'cheque', 'withdraw', 'pay in'],
  ),
  placeKind(
    'library',
    ['library', 'bookshop', 'bookstore'],
    ['library book', 'library books', 'book', 'books'],
  ),
  placeKind(
    'petrol station',
    ['petrol station', 'gas station', 'fuel station', 'filling station', 'service station'],
    ['petrol', 'fuel', 'fill up', 'tyre pressure', 'tire pressure', 'screenwash'],
  ),
  placeKind(
    'florist',
    ['florist', 'flower shop', 'garden centre', 'garden center'],
    ['flowers', 'bouquet', 'roses', 'tulips', 'plant', 'plants', 'seeds', 'compost'],
  ),
  placeKind(
    'dry cleaner',
    ['dry cleaner', 'dry cleaners', 'laundrette', 'laundromat', 'cleaners'],
    ['dry cleaning', 'suit', 'laundry', 'shirts', 'dress'],
  ),
];

/** "buy …" or "pick up …" names an errand any shop serves. */
const SHOPPING_ERRAND = wordPattern(['buy', 'pick up', 'get some', 'grab some', 'stock up'])!;

/** The kinds of place that serve an item's errand (by its title and body). Cached per item object. */
const itemPlacesCache = new WeakMap<InboxItem, Set<string>>();

function placesForItem(item: InboxItem): Set<string> {
  const cached = itemPlacesCache.get(item);
  if (cached) return cached;
  const text = `${item.title}\n${item.body}`;
  const kinds = new Set<string>();
  for (const kind of PLACE_LEXICON) if (kind.errands.test(text)) kinds.add(kind.kind);
  if (SHOPPING_ERRAND.test(text)) kinds.add('shop');
  itemPlacesCache.set(item, kinds);
  return kinds;
}

/** The kinds of place a location's text names, with the word that named each. */
export function placesIn(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const kind of PLACE_LEXICON) {
    const match = kind.places.exec(text);
    if (match) found.set(kind.kind, match[0]);
  }
  return found;
}

// ---------------------------------------------------------------------------------------------------------------
// Per observation.

/** What the per-observation triggers read: the user's zone, active goals, open items and people. */
export interface ObservationContext {
  timezone: string;
  /** Active goals (progress is only looked for when there is one). */
  goals: readonly Goal[];
  /** Open commitments and reminders; the engine keeps this list current as items are added or completed. */
  openItems: readonly InboxItem[];
  people: PeopleIndex;
}

/** Progress toward a goal that an observation showed. */
export interface ProgressFinding {
  goal: Goal;
  amount: number;
  signal: ProgressSignal;
}

/** What the per-observation triggers found in one observation. */
export interface ObservationOutcome {
  progress: ProgressFinding[];
  completions: Array<{ item: InboxItem; evidence: string; confidence: number }>;
  nudges: Candidate[];
}

/** Whether an observation is known to come from someone other than the wearer (an enrolled voice, a named speaker). */
export function spokenByOther(observation: StoredObservation): boolean {
  const speaker = observation.details?.speaker;
  if (!speaker) return false;
  if (speaker.personId) return true;
  return !ANONYMOUS_SPEAKERS.has(speaker.label.trim().toLowerCase());
}

/** Whether an observation is known to be the wearer's own words: typed by them (a note, a chat), or their enrolled voice. */
export function spokenByWearer(observation: StoredObservation): boolean {
  if (observation.trust === 'authored' || observation.modality === 'note' || observation.modality === 'chat')
    return true;
  return observation.details?.speaker?.label.trim().toLowerCase() === 'wearer';
}

/**
 * Follow-ups: a known person's event heard or noted ("Sam has a job interview on Friday") becomes a nudge "Ask Sam
 * how the job interview went", due the day after the event at 18:00 local (pushed then, not when heard), one per
 * person, event day and topic head noun (`followup:<person id>:<yyyy-mm-dd>:<head noun>`).
 */
function followUpNudges(
  { seq, observation }: SequencedObservation,
  context: ObservationContext,
  byOther: boolean,
): Candidate[] {
  const speaker = observation.details?.speaker;
  const speakerId = byOther && speaker?.personId ? speaker.personId : null;
  const found = findFollowUps(observation.text, {
    capturedAt: observation.capturedAt,
    timezone: context.timezone,
    people: context.people,
    speakerId,
  });
  if (found.length === 0) return [];
  const said = `${formatDay(wallClockAt(observation.capturedAt, context.timezone))} at ${formatTime(observation.capturedAt, context.timezone)}`;
  const speakerName = speakerId ? context.people.byId.get(speakerId)?.name : undefined;
  const how =
    observation.modality === 'note' || observation.modality === 'chat'
      ? 'You wrote'
      : speakerName
        ? `${speakerName} said`
        : byOther
          ? `${speaker!.label.trim()} said`
          : spokenByWearer(observation)
            ? 'You said'
            : 'You heard';
  return found.map((followUp) => {
    const { day, due } = followUpDue(followUp.eventAt, context.timezone);
    return {
      draft: {
        kind: 'nudge' as const,
        title: followUpTitle(followUp),
        body: '',
        due,
        reason: `${how} on ${said}: "${followUp.evidence}" (${followUp.dateText}: ${formatDay(day)})`,
        status: 'pending' as const,
        snoozedUntil: null,
        factId: null,
        goalId: null,
        personId: followUp.personId,
        dedupeKey: followUpKey(followUp, day),
      },
      sourceSeqs: [seq],
    };
  });
}

/**
 * The per-observation triggers, run on every new observation (so they are cheap: precompiled patterns, no I/O):
 * progress toward an active goal ("ran 5k this morning"), an open commitment or reminder said to be done ("sent the
 * deck"), a known person seen, heard or named who has an open promise ("You promised Sam: …", once per item per
 * local day), a location that serves an open errand ("buy milk" at a supermarket, once per item per day), and a
 * known person's upcoming event to ask them about afterwards (`followUpNudges`).
 * Progress signals come from the offline rules unless `signals` gives them (a model's extraction).
 */
export function evaluateObservation(
  entry: SequencedObservation,
  context: ObservationContext,
  signals?: readonly ProgressSignal[],
): ObservationOutcome {
  const { seq, observation } = entry;
  const outcome: ObservationOutcome = { progress: [], completions: [], nudges: [] };
  const text = observation.text;
  const byOther = spokenByOther(observation);

  if (context.goals.length > 0 && !byOther && PROGRESS_MODALITIES.has(observation.modality) && text.trim()) {
    const found =
      signals ?? detectProgress(text, { capturedAt: observation.capturedAt, timezone: context.timezone });
    for (const signal of found) {
      const matched = matchGoal(context.goals, signal);
      if (matched && signal.at >= matched.goal.startedAt)
        outcome.progress.push({ goal: matched.goal, amount: matched.amount, signal });
    }
  }

  if (FOLLOW_UP_MODALITIES.has(observation.modality) && text.trim())
    outcome.nudges.push(...followUpNudges(entry, context, byOther));

  const open = context.openItems.filter((item) => NUDGEABLE.has(item.status));
  if (open.length === 0) return outcome;

  if (TEXT_MODALITIES.has(observation.modality) && text.trim()) {
    const candidates = open.filter((item) => !item.sources.includes(observation.id));
    if (candidates.length > 0) {
      for (const found of findCompletions(text, candidates, {
        capturedAt: observation.capturedAt,
        speakerIsWearer: spokenByWearer(observation),
      }))
        outcome.completions.push(found);
    }
  }
  const completed = new Set(outcome.completions.map((found) => found.item.id));
  const day = wallClockAt(observation.capturedAt, context.timezone);
  const when = `${formatDay(day)} ${formatTime(observation.capturedAt, context.timezone)}`;

  const present = peopleIn(observation, context.people);
  for (const [personId, how] of present) {
    const person = context.people.byId.get(personId)!;
    for (const item of open) {
      if (completed.has(item.id) || item.sources.includes(observation.id)) continue;
      if (!peopleOfItem(item, context.people).has(personId)) continue;
      const due = item.due === null ? '' : ` (due ${formatInstantDay(item.due, context.timezone)})`;
      const promised =
        item.kind === 'commitment' ? `You promised ${person.name}` : `Reminder for ${person.name}`;
      outcome.nudges.push({
        draft: {
          kind: 'nudge',
          title: `${promised}: ${item.title}${due}`,
          body: item.body,
          due: item.due,
          reason: `${person.name} was ${how} (${when}) and this is still open: "${item.title}"`,
          status: 'pending',
          snoozedUntil: null,
          factId: item.factId,
          goalId: null,
          personId,
          dedupeKey: `person:${item.id}:${dayKey(day)}`,
        },
        sourceSeqs: [seq],
      });
    }
  }

  // A place the person is at (a location), or one they see (a frame's sign or caption: "PHARMACY", "Tesco Express").
  const seenPlace = observation.modality === 'frame';
  if ((observation.modality === 'location' || seenPlace) && text.trim()) {
    const places = placesIn(text);
    if (places.size > 0) {
      for (const item of open) {
        if (completed.has(item.id)) continue;
        const kind = [...placesForItem(item)].find((wanted) => places.has(wanted));
        if (!kind) continue;
        const place = places.get(kind)!;
        outcome.nudges.push({
          draft: {
            kind: 'nudge',
            title: `Near a ${kind}: ${item.title}`,
            body: item.body,
            due: item.due,
            reason: seenPlace
              ? `You passed a ${place} (seen ${when}: "${text.trim().slice(0, 120)}") and this is still open: "${item.title}"`
              : `You are at "${text.trim().slice(0, 120)}" (${when}), a ${place}, and this is still open: "${item.title}"`,
            status: 'pending',
            snoozedUntil: null,
            factId: item.factId,
            goalId: null,
            personId: item.personId,
            dedupeKey: `place:${item.id}:${dayKey(day)}`,
          },
          sourceSeqs: [seq],
        });
      }
    }
  }
  return outcome;
}

// ---------------------------------------------------------------------------------------------------------------
// Per tick.

/** What the time triggers read: the time, settings, where each active goal stands, and the dates that matter. */
export interface TimeContext {
  now: number;
  timezone: string;
  settings: AssistantSettings;
  progress: readonly GoalProgress[];
  dates: readonly DateSource[];
}

/** What the time triggers found. */
export interface TimeOutcome {
  /** Nudges to add (each dedupe key fires once: per goal per week, per date per year). */
  nudges: Candidate[];
  /** Commitments and reminders due up to this time should fire now (`reminderLeadMinutes` ahead of their due). */
  remindersDueBy: number;
  /** The local day whose digest is due ("YYYY-MM-DD"), or null before `digestAt` or without a digest. */
  digestDay: string | null;
}

/** "today", "tomorrow" or "in 5 days". */
function inDays(days: number): string {
  if (days === 0) return 'today';
  if (days === 1) return 'tomorrow';
  return `in ${days} days`;
}

/**
 * The time triggers, run on every tick: reminders coming due (their horizon), goals behind pace (one nudge per goal
 * per local week, Monday to Sunday), birthdays and anniversaries within `dateLeadDays` (one nudge per date per year),
 * and the daily digest once `digestAt` has passed on the local day. Pure: the engine loads what it reads.
 */
export function evaluateTime(context: TimeContext): TimeOutcome {
  const { now, timezone, settings } = context;
  const today = wallClockAt(now, timezone);
  const nudges: Candidate[] = [];

  const week = dayKey(mondayOf(today));
  for (const standing of context.progress) {
    if (standing.goal.status !== 'active' || !standing.behind) continue;
    nudges.push({
      draft: {
        kind: 'nudge',
        title: `Behind pace: ${standing.goal.title}`,
        body: standing.goal.plan.length > 0 ? `Plan: ${standing.goal.plan.join('; ')}` : '',
        due: null,
        reason: `behind pace: ${standing.summary}`,
        status: 'pending',
        snoozedUntil: null,
        factId: null,
        goalId: standing.goal.id,
        personId: null,
        dedupeKey: `behind:${standing.goal.id}:${week}`,
      },
      sourceSeqs: [],
    });
  }

  for (const { source, day, daysAhead } of occurrencesWithin(context.dates, today, settings.dateLeadDays)) {
    const owner = ownerOf(source);
    const title = `${owner} ${source.label} is on ${formatDay(day)} (${inDays(daysAhead)})`;
    nudges.push({
      draft: {
        kind: 'nudge',
        title,
        body: '',
        due: zonedTimeToEpoch(day, 0, 0, timezone),
        reason: `${owner} ${source.label} falls on ${formatDay(day)}, ${inDays(daysAhead)}: you hear about dates ${settings.dateLeadDays} days ahead`,
        status: 'pending',
        snoozedUntil: null,
        factId: null,
        goalId: null,
        personId: source.personId,
        dedupeKey: dateDedupeKey(source, day),
      },
      sourceSeqs: [],
    });
  }

  let digestDay: string | null = null;
  if (settings.digestAt !== null) {
    const at = parseLocalTime(settings.digestAt);
    if (now >= zonedTimeToEpoch(today, at.hour, at.minute, timezone)) digestDay = dayKey(today);
  }
  return { nudges, remindersDueBy: now + settings.reminderLeadMinutes * 60_000, digestDay };
}
