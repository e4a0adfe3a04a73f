/**
 * Day-in-the-life scenarios for the assistant: a readable YAML file of observations over several days with
 * what the assistant must detect (`test/fixtures/assistant/*.yaml`). `loadScenario` validates a file, checks
 * that every reference points somewhere, and converts local times to epoch milliseconds in the scenario's
 * time zone; `scoreDetections` counts how much of the expectations a run found, so two fixtures (the plain one
 * and the held-out paraphrases) can be compared.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  addDays,
  type CalendarDate,
  compareDates,
  localDay,
  wallClockAt,
  zonedTimeToEpoch,
} from '../../src/kernel/zoned-calendar.ts';

// ── File format ─────────────────────────────────────────────────────────────────────────────────────────

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_TIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/;
const CLOCK_PATTERN = /^(\d{2}):(\d{2})$/;
const MONTH_DAY_PATTERN = /^(\d{2})-(\d{2})$/;

function isRealDay(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function isRealClock(hour: number, minute: number): boolean {
  return hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59;
}

const Id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'expected an id of letters, digits, "-", "_" or "."');

const LocalDay = z
  .string()
  .regex(DAY_PATTERN, 'expected a local day "YYYY-MM-DD"')
  .refine((value) => {
    const match = DAY_PATTERN.exec(value);
    return !match || isRealDay(Number(match[1]), Number(match[2]), Number(match[3]));
  }, 'not a calendar day');

const LocalTime = z
  .string()
  .regex(LOCAL_TIME_PATTERN, 'expected a local time "YYYY-MM-DD HH:MM"')
  .refine((value) => {
    const match = LOCAL_TIME_PATTERN.exec(value);
    if (!match) return true; // the pattern reports it
    const [, y, m, d, hh, mm] = match;
    return isRealDay(Number(y), Number(m), Number(d)) && isRealClock(Number(hh), Number(mm));
  }, 'not a calendar day and time');

const Clock = z
  .string()
  .regex(CLOCK_PATTERN, 'expected a clock time "HH:MM"')
  .refine((value) => {
    const match = CLOCK_PATTERN.exec(value);
    return !match || isRealClock(Number(match[1]), Number(match[2]));
  }, 'not a clock time');

const MonthDay = z
  .string()
  .regex(MONTH_DAY_PATTERN, 'expected a month and day "MM-DD"')
  .refine((value) => {
    const match = MONTH_DAY_PATTERN.exec(value);
    return !match || isRealDay(2024, Number(match[1]), Number(match[2])); // a leap year: 02-29 is allowed
  }, 'not a month and day');

const TimeZone = z.string().refine((value) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}, 'not an IANA time zone');

export const MODALITIES = ['utterance', 'note', 'chat', 'event', 'location', 'frame'] as const;
export type ScenarioModality = (typeof MODALITIES)[number];

const PersonSchema = z.strictObject({
  name: z.string().min(1),
  aliases: z.array(z.string().min(1)).optional(),
  relationship: z.string().min(1).optional(),
});

const GoalSchema = z.strictObject({
  id: Id,
  at: LocalTime,
  text: z.string().min(1),
  unit: z.string().min(1),
  target: z.number().positive().optional(),
});

const ObservationSchema = z.strictObject({
  id: Id,
  at: LocalTime,
  modality: z.enum(MODALITIES),
  text: z.string().min(1),
  speaker: z.string().min(1).optional(),
});

const ExpectSchema = z.strictObject({
  progress: z.array(z.strictObject({ goal: Id, from: Id, amount: z.number().positive() })),
  commitments: z.array(
    z.strictObject({
      from: Id,
      kind: z.enum(['commitment', 'reminder']),
      words: z.array(z.string().min(1)).min(1),
      due: z.union([LocalDay, LocalTime]).nullable(),
      status: z.enum(['pending', 'to_confirm']),
      completedBy: Id.nullable(),
    }),
  ),
  dates: z.array(
    z.strictObject({
      from: Id,
      about: z.string().min(1),
      label: z.string().min(1),
      date: MonthDay,
      nudgeOn: LocalDay.nullable(),
    }),
  ),
  notifications: z.array(z.strictObject({ about: Id, notBefore: LocalTime, notAfter: LocalTime })),
  mustNotCount: z.array(Id),
  digest: z.array(z.strictObject({ day: LocalDay, mentions: z.array(z.string().min(1)).min(1) })),
});

/** The file format of a scenario, as written in YAML (times are local strings). */
export const ScenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  timezone: TimeZone,
  start: LocalDay,
  days: z.number().int().positive(),
  wearer: z.strictObject({ name: z.string().min(1) }),
  settings: z.strictObject({
    quietHours: z.strictObject({ start: Clock, end: Clock }),
    digestAt: Clock,
    dateLeadDays: z.number().int().min(0),
  }),
  people: z.array(PersonSchema),
  goals: z.array(GoalSchema),
  observations: z.array(ObservationSchema).min(1),
  expect: ExpectSchema,
});

export type ScenarioFile = z.infer<typeof ScenarioSchema>;

// ── Loaded scenario ─────────────────────────────────────────────────────────────────────────────────────

export interface ScenarioPerson {
  name: string;
  aliases: string[];
  relationship: string | null;
}

export interface ScenarioGoal {
  id: string;
  text: string;
  unit: string;
  target: number | null;
  /** Epoch ms when the goal is set. */
  at: number;
  /** The same instant as written, "YYYY-MM-DD HH:MM" local. */
  local: string;
}

/** One observation, in the shape the end-to-end tests post (plus its local time and day). */
export interface ScenarioObservation {
  id: string;
  at: number;
  local: string;
  /** The local day, "YYYY-MM-DD". */
  day: string;
  modality: ScenarioModality;
  text: string;
  speaker?: string;
}

export interface ExpectedProgress {
  goal: string;
  from: string;
  amount: number;
}

export interface ExpectedCommitment {
  from: string;
  kind: 'commitment' | 'reminder';
  words: string[];
  /** As written: a local day, a local day and time, or null. */
  due: string | null;
  /** The local day of `due`, or null. */
  dueDay: string | null;
  /** Epoch ms of `due` when it names a time; null when it is a whole day or absent. */
  dueAt: number | null;
  status: 'pending' | 'to_confirm';
  completedBy: string | null;
}

export interface ExpectedDate {
  from: string;
  about: string;
  label: string;
  /** "MM-DD". */
  date: string;
  /** The local day the nudge appears, or null when that is outside the scenario. */
  nudgeOn: string | null;
  /** Epoch ms of the start of `nudgeOn`, or null. */
  nudgeDayStart: number | null;
}

export interface ExpectedNotification {
  about: string;
  notBefore: number;
  notAfter: number;
  notBeforeLocal: string;
  notAfterLocal: string;
}

export interface ExpectedDigest {
  day: string;
  /** Epoch ms of the digest time (`settings.digestAt`) on that day. */
  at: number;
  mentions: string[];
}

export interface Scenario {
  name: string;
  description: string | null;
  /** Where it was read from (a path, or a label for text). */
  source: string;
  timezone: string;
  start: string;
  /** Every local day of the scenario, in order. */
  days: string[];
  /** Epoch ms of midnight at the start of the first day and of the day after the last. */
  startsAt: number;
  endsAt: number;
  wearer: { name: string };
  settings: {
    quietHours: { start: string; end: string };
    digestAt: string;
    dateLeadDays: number;
  };
  people: ScenarioPerson[];
  goals: ScenarioGoal[];
  observations: ScenarioObservation[];
  expect: {
    progress: ExpectedProgress[];
    commitments: ExpectedCommitment[];
    dates: ExpectedDate[];
    notifications: ExpectedNotification[];
    mustNotCount: string[];
    digest: ExpectedDigest[];
  };
}

/** A scenario file that cannot be used; `problems` lists each one with the path of the bad field. */
export class ScenarioError extends Error {
  readonly problems: string[];

  constructor(source: string, problems: string[]) {
    super(`Invalid scenario ${source}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ScenarioError';
    this.problems = problems;
  }
}

// ── Time helpers ────────────────────────────────────────────────────────────────────────────────────────

function parseDay(value: string): CalendarDate {
  const [, y, m, d] = DAY_PATTERN.exec(value) ?? [];
  return { year: Number(y), month: Number(m), day: Number(d) };
}

function formatDay(date: CalendarDate): string {
  return `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/** Epoch ms of a local "YYYY-MM-DD HH:MM" (or a "YYYY-MM-DD", meaning its midnight) in `timeZone`. */
export function localTimeToEpoch(value: string, timeZone: string): number {
  const full = LOCAL_TIME_PATTERN.exec(value);
  if (full) {
    const [, y, m, d, hh, mm] = full;
    return zonedTimeToEpoch(
      { year: Number(y), month: Number(m), day: Number(d) },
      Number(hh),
      Number(mm),
      timeZone,
    );
  }
  if (DAY_PATTERN.test(value)) return zonedTimeToEpoch(parseDay(value), 0, 0, timeZone);
  throw new Error(`not a local time: ${JSON.stringify(value)}`);
}

/** The local "YYYY-MM-DD HH:MM" of an instant in `timeZone`. */
export function epochToLocalTime(ms: number, timeZone: string): string {
  const wall = wallClockAt(ms, timeZone);
  return `${formatDay(wall)} ${String(wall.hour).padStart(2, '0')}:${String(wall.minute).padStart(2, '0')}`;
}

// ── Loading ─────────────────────────────────────────────────────────────────────────────────────────────

function formatPath(path: ReadonlyArray<PropertyKey>, raw: unknown): string {
  let text = '';
  let node: unknown = raw;
  for (const key of path) {
    if (typeof key === 'number') {
      text += `[${key}]`;
      node = Array.isArray(node) ? node[key] : undefined;
      const id = node && typeof node === 'object' ? (node as { id?: unknown }).id : undefined;
      if (typeof id === 'string') text += `(${id})`;
    } else {
      text += text ? `.${String(key)}` : String(key);
      node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    }
  }
  return text || '(root)';
}

/** Reads, validates and converts a scenario file; throws `ScenarioError` listing every problem. */
export function loadScenario(path: string): Scenario {
  return parseScenario(readFileSync(path, 'utf8'), path);
}

/** As `loadScenario`, from YAML text; `source` names it in errors. */
export function parseScenario(text: string, source = '(text)'): Scenario {
  let raw: unknown;
  try {
    raw = parseYaml(text, { schema: 'core', prettyErrors: true });
  } catch (error) {
    throw new ScenarioError(source, [`not valid YAML: ${(error as Error).message}`]);
  }
  const parsed = ScenarioSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ScenarioError(
      source,
      parsed.error.issues.map((issue) => `${formatPath(issue.path, raw)}: ${issue.message}`),
    );
  }
  const file = parsed.data;
  const problems = checkIntegrity(file);
  if (problems.length > 0) throw new ScenarioError(source, problems);
  return convert(file, source);
}

function checkIntegrity(file: ScenarioFile): string[] {
  const problems: string[] = [];
  const zone = file.timezone;
  const firstDay = parseDay(file.start);
  const lastDay = addDays(firstDay, file.days - 1);
  const dayRange = `${file.start}..${formatDay(lastDay)}`;
  const inScenario = (day: string) =>
    compareDates(parseDay(day), firstDay) >= 0 && compareDates(parseDay(day), lastDay) <= 0;

  // People: names and aliases are unique, and none is reserved.
  const names = new Set<string>();
  file.people.forEach((person, i) => {
    for (const name of [person.name, ...(person.aliases ?? [])]) {
      if (names.has(name)) problems.push(`people[${i}]: the name or alias "${name}" is used twice`);
      if (name === 'wearer' || name === 'unknown' || name === 'self') {
        problems.push(`people[${i}]: "${name}" is reserved`);
      }
      names.add(name);
    }
  });
  const personNames = new Set(file.people.map((person) => person.name));

  // Observations: unique ids, strictly increasing times inside the scenario's days, speakers that exist.
  const observations = new Map<string, { index: number; at: number }>();
  let previous: { at: number; local: string } | null = null;
  file.observations.forEach((observation, i) => {
    const where = `observations[${i}](${observation.id})`;
    if (observations.has(observation.id)) problems.push(`${where}.id: duplicate observation id`);
    const at = localTimeToEpoch(observation.at, zone);
    observations.set(observation.id, { index: i, at });
    if (previous && at <= previous.at) {
      problems.push(
        `${where}.at: ${observation.at} is not after the previous observation (${previous.local})`,
      );
    }
    previous = { at, local: observation.at };
    if (!inScenario(observation.at.slice(0, 10))) {
      problems.push(`${where}.at: ${observation.at} is outside the scenario's days ${dayRange}`);
    }
    if (observation.modality === 'utterance' && observation.speaker === undefined) {
      problems.push(`${where}.speaker: an utterance needs a speaker (wearer, unknown or a person's name)`);
    }
    const speaker = observation.speaker;
    if (speaker !== undefined && speaker !== 'wearer' && speaker !== 'unknown' && !personNames.has(speaker)) {
      problems.push(`${where}.speaker: "${speaker}" is not wearer, unknown or a person's name`);
    }
  });
  const firstAt = file.observations[0] ? localTimeToEpoch(file.observations[0].at, zone) : 0;
  const observationAt = (id: string) => observations.get(id)?.at ?? Number.NaN;

  // Goals: unique ids, set on the first day before the first observation.
  const goalIds = new Set<string>();
  file.goals.forEach((goal, i) => {
    const where = `goals[${i}](${goal.id})`;
    if (goalIds.has(goal.id)) problems.push(`${where}.id: duplicate goal id`);
    if (observations.has(goal.id)) problems.push(`${where}.id: also used as an observation id`);
    goalIds.add(goal.id);
    if (!inScenario(goal.at.slice(0, 10))) {
      problems.push(`${where}.at: ${goal.at} is outside the scenario's days ${dayRange}`);
    }
    if (localTimeToEpoch(goal.at, zone) >= firstAt) {
      problems.push(`${where}.at: a goal is set before the first observation`);
    }
  });

  const needObservation = (id: string, where: string) => {
    if (!observations.has(id)) problems.push(`${where}: no observation has the id "${id}"`);
  };

  const expect = file.expect;
  const negatives = new Set(expect.mustNotCount);
  expect.progress.forEach((entry, i) => {
    const where = `expect.progress[${i}]`;
    if (!goalIds.has(entry.goal)) problems.push(`${where}.goal: no goal has the id "${entry.goal}"`);
    needObservation(entry.from, `${where}.from`);
    if (negatives.has(entry.from)) problems.push(`${where}.from: "${entry.from}" is also in mustNotCount`);
  });

  const commitmentSources = new Set<string>();
  expect.commitments.forEach((entry, i) => {
    const where = `expect.commitments[${i}]`;
    needObservation(entry.from, `${where}.from`);
    if (commitmentSources.has(entry.from)) {
      problems.push(`${where}.from: two commitments expected from "${entry.from}"`);
    }
    commitmentSources.add(entry.from);
    const madeAt = observationAt(entry.from);
    if (entry.completedBy !== null) {
      needObservation(entry.completedBy, `${where}.completedBy`);
      if (observationAt(entry.completedBy) <= madeAt) {
        problems.push(`${where}.completedBy: "${entry.completedBy}" is not after "${entry.from}"`);
      }
    }
    if (entry.due !== null) {
      const made = file.observations[observations.get(entry.from)?.index ?? -1];
      const tooEarly =
        entry.due.length === 10
          ? made !== undefined && entry.due < made.at.slice(0, 10)
          : localTimeToEpoch(entry.due, zone) <= madeAt;
      if (tooEarly) problems.push(`${where}.due: ${entry.due} is before the observation it comes from`);
    }
  });

  expect.dates.forEach((entry, i) => {
    const where = `expect.dates[${i}]`;
    needObservation(entry.from, `${where}.from`);
    if (entry.about !== 'self' && !personNames.has(entry.about)) {
      problems.push(`${where}.about: "${entry.about}" is not self or a person's name`);
    }
    const heard = file.observations[observations.get(entry.from)?.index ?? -1];
    if (!heard) return;
    // The next occurrence of the date on or after the day it was heard, and the nudge `dateLeadDays` before.
    const heardOn = parseDay(heard.at.slice(0, 10));
    const [month, day] = entry.date.split('-').map(Number) as [number, number];
    let occurrence: CalendarDate = { year: heardOn.year, month, day };
    if (!isRealDay(occurrence.year, month, day) || compareDates(occurrence, heardOn) < 0) {
      occurrence = { year: heardOn.year + 1, month, day };
    }
    const nudge = formatDay(addDays(occurrence, -file.settings.dateLeadDays));
    const expected = inScenario(nudge) ? nudge : null;
    if (entry.nudgeOn !== expected) {
      problems.push(
        `${where}.nudgeOn: ${entry.nudgeOn ?? 'null'} should be ${expected ?? 'null'} ` +
          `(${formatDay(occurrence)} minus ${file.settings.dateLeadDays} days${expected ? '' : ', outside the scenario'})`,
      );
    }
  });

  expect.notifications.forEach((entry, i) => {
    const where = `expect.notifications[${i}]`;
    needObservation(entry.about, `${where}.about`);
    if (observations.has(entry.about) && !commitmentSources.has(entry.about)) {
      problems.push(`${where}.about: "${entry.about}" is not the source of an expected commitment`);
    }
    if (localTimeToEpoch(entry.notBefore, zone) > localTimeToEpoch(entry.notAfter, zone)) {
      problems.push(`${where}: notBefore ${entry.notBefore} is after notAfter ${entry.notAfter}`);
    }
    if (localTimeToEpoch(entry.notBefore, zone) < observationAt(entry.about)) {
      problems.push(`${where}.notBefore: ${entry.notBefore} is before the observation it is about`);
    }
  });

  const seenNegatives = new Set<string>();
  expect.mustNotCount.forEach((id, i) => {
    needObservation(id, `expect.mustNotCount[${i}]`);
    if (seenNegatives.has(id)) problems.push(`expect.mustNotCount[${i}]: "${id}" is listed twice`);
    seenNegatives.add(id);
  });

  const digestDays = new Set<string>();
  expect.digest.forEach((entry, i) => {
    const where = `expect.digest[${i}].day`;
    if (!inScenario(entry.day))
      problems.push(`${where}: ${entry.day} is outside the scenario's days ${dayRange}`);
    if (digestDays.has(entry.day)) problems.push(`${where}: ${entry.day} is listed twice`);
    digestDays.add(entry.day);
  });

  return problems;
}

function convert(file: ScenarioFile, source: string): Scenario {
  const zone = file.timezone;
  const first = parseDay(file.start);
  const days = Array.from({ length: file.days }, (_, i) => formatDay(addDays(first, i)));
  const at = (local: string) => localTimeToEpoch(local, zone);
  return {
    name: file.name,
    description: file.description ?? null,
    source,
    timezone: zone,
    start: file.start,
    days,
    startsAt: at(file.start),
    endsAt: at(formatDay(addDays(first, file.days))),
    wearer: { name: file.wearer.name },
    settings: {
      quietHours: { ...file.settings.quietHours },
      digestAt: file.settings.digestAt,
      dateLeadDays: file.settings.dateLeadDays,
    },
    people: file.people.map((person) => ({
      name: person.name,
      aliases: person.aliases ?? [],
      relationship: person.relationship ?? null,
    })),
    goals: file.goals.map((goal) => ({
      id: goal.id,
      text: goal.text,
      unit: goal.unit,
      target: goal.target ?? null,
      at: at(goal.at),
      local: goal.at,
    })),
    observations: file.observations.map((observation) => ({
      id: observation.id,
      at: at(observation.at),
      local: observation.at,
      day: observation.at.slice(0, 10),
      modality: observation.modality,
      text: observation.text,
      ...(observation.speaker === undefined ? {} : { speaker: observation.speaker }),
    })),
    expect: {
      progress: file.expect.progress.map((entry) => ({ ...entry })),
      commitments: file.expect.commitments.map((entry) => ({
        ...entry,
        words: [...entry.words],
        dueDay: entry.due === null ? null : entry.due.slice(0, 10),
        dueAt: entry.due !== null && entry.due.length > 10 ? at(entry.due) : null,
      })),
      dates: file.expect.dates.map((entry) => ({
        ...entry,
        nudgeDayStart: entry.nudgeOn === null ? null : at(entry.nudgeOn),
      })),
      notifications: file.expect.notifications.map((entry) => ({
        about: entry.about,
        notBefore: at(entry.notBefore),
        notAfter: at(entry.notAfter),
        notBeforeLocal: entry.notBefore,
        notAfterLocal: entry.notAfter,
      })),
      mustNotCount: [...file.expect.mustNotCount],
      digest: file.expect.digest.map((entry) => ({
        day: entry.day,
        at: at(`${entry.day} ${file.settings.digestAt}`),
        mentions: [...entry.mentions],
      })),
    },
  };
}

// ── Scoring ─────────────────────────────────────────────────────────────────────────────────────────────

/** What a run of the assistant found, keyed by the scenario's observation ids. */
export interface FoundDetections {
  progress: Array<{ goal: string; from: string; amount: number }>;
  commitments: Array<{
    from: string;
    kind: string;
    title: string;
    due: number | null;
    status: string;
    completedBy: string | null;
  }>;
  dates: Array<{ from: string; label: string; date: string }>;
  /** Observation ids the run counted towards a goal although it should not have (if the caller tracks them). */
  wronglyCounted: string[];
}

export interface DetectionScore {
  /** Detections the scenario expects (see `scoreDetections`). */
  expected: number;
  detected: number;
  /** detected / expected (1 when nothing is expected). */
  rate: number;
  /** One line per expected detection that was not found. */
  misses: string[];
  /** One line per thing found that the scenario does not expect or forbids. */
  falsePositives: string[];
}

/** Relative tolerance on a progress amount. */
const AMOUNT_TOLERANCE = 0.05;
/** Tolerance on a due time that the scenario gives to the minute. */
const DUE_TOLERANCE_MS = 60_000;
const DONE_STATUSES = new Set(['done', 'completed', 'complete']);

function normalizeToken(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

function normalizeLabel(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z]+/g, ' ')
    .trim();
}

function labelsMatch(expected: string, found: string): boolean {
  const a = normalizeLabel(expected);
  const b = normalizeLabel(found);
  return a.length > 0 && b.length > 0 && (a.includes(b) || b.includes(a));
}

function monthDay(value: string): string {
  const match = /(\d{1,2})-(\d{1,2})$/.exec(value.trim());
  return match ? `${match[1]!.padStart(2, '0')}-${match[2]!.padStart(2, '0')}` : value.trim();
}

/**
 * Scores what a run found against the scenario. One detection per expected entry:
 * - progress: the same goal and source observation, amount within 5 %;
 * - commitment: the same source observation with the right kind, every one of `words` in the title
 *   (case-insensitive) and the right due (same local day; to the minute when the scenario gives a time; none
 *   when it gives none); its status is a second detection (`to_confirm`/`pending`, or done when a completion is
 *   expected) and, when a completion is expected, the completing observation a third;
 * - date: the same source observation, label matched loosely ("wedding anniversary" matches "anniversary") and
 *   the same MM-DD.
 * False positives: progress from a `mustNotCount` observation or one the scenario does not expect, ids in
 * `wronglyCounted`, commitments and dates from observations the scenario expects none from, and completions
 * where none is expected.
 */
export function scoreDetections(scenario: Scenario, found: FoundDetections): DetectionScore {
  const zone = scenario.timezone;
  const misses: string[] = [];
  const falsePositives = new Set<string>();
  let expected = 0;
  let detected = 0;
  const tally = (ok: boolean, miss: string) => {
    expected += 1;
    if (ok) detected += 1;
    else misses.push(miss);
  };
  const negatives = new Set(scenario.expect.mustNotCount);

  // Progress.
  for (const entry of scenario.expect.progress) {
    const candidates = found.progress.filter((item) => item.goal === entry.goal && item.from === entry.from);
    const ok = candidates.some(
      (item) => Math.abs(item.amount - entry.amount) <= AMOUNT_TOLERANCE * Math.abs(entry.amount),
    );
    const got = candidates.length > 0 ? ` (found ${candidates.map((item) => item.amount).join(', ')})` : '';
    tally(ok, `progress ${entry.goal} from ${entry.from}: ${entry.amount}${got}`);
  }
  const expectedProgress = new Set(
    scenario.expect.progress.map((entry) => `${entry.goal}\u0000${entry.from}`),
  );
  for (const item of found.progress) {
    if (negatives.has(item.from)) {
      falsePositives.add(`progress ${item.goal} from ${item.from} (must not count)`);
    } else if (!expectedProgress.has(`${item.goal}\u0000${item.from}`)) {
      falsePositives.add(`progress ${item.goal} from ${item.from}: ${item.amount} (not expected)`);
    }
  }
  for (const id of found.wronglyCounted) falsePositives.add(`counted ${id} (must not count)`);

  // Commitments.
  for (const entry of scenario.expect.commitments) {
    const candidates = found.commitments.filter((item) => item.from === entry.from);
    const judge = (item: FoundDetections['commitments'][number]) => {
      const title = item.title.toLowerCase();
      const kind = normalizeToken(item.kind) === entry.kind;
      const words = entry.words.every((word) => title.includes(word.toLowerCase()));
      let due: boolean;
      if (entry.due === null) due = item.due === null;
      else if (item.due === null) due = false;
      else if (entry.dueAt !== null) due = Math.abs(item.due - entry.dueAt) <= DUE_TOLERANCE_MS;
      else due = localDay(item.due, zone) === entry.dueDay;
      const status = normalizeToken(item.status);
      const statusOk = status === entry.status || (entry.completedBy !== null && DONE_STATUSES.has(status));
      const completion = entry.completedBy !== null && item.completedBy === entry.completedBy;
      return { base: kind && words && due, kind, words, due, status: statusOk, completion };
    };
    const judged = candidates.map((item) => ({ item, verdict: judge(item) }));
    judged.sort(
      (a, b) =>
        Number(b.verdict.base) * 4 +
        Number(b.verdict.status) * 2 +
        Number(b.verdict.completion) -
        (Number(a.verdict.base) * 4 + Number(a.verdict.status) * 2 + Number(a.verdict.completion)),
    );
    const best = judged[0];
    const name = `commitment from ${entry.from} (${entry.kind}: ${entry.words.join(' ')})`;
    if (!best) {
      tally(false, `${name}: not found`);
      tally(false, `${name} status ${entry.status}: not found`);
      if (entry.completedBy !== null) tally(false, `${name} completed by ${entry.completedBy}: not found`);
      continue;
    }
    const { item, verdict } = best;
    const wrong = [
      verdict.kind ? null : `kind ${item.kind}`,
      verdict.words ? null : `title "${item.title}"`,
      verdict.due ? null : `due ${item.due === null ? 'none' : epochToLocalTime(item.due, zone)}`,
    ].filter((part): part is string => part !== null);
    tally(verdict.base, `${name} due ${entry.due ?? 'none'}: wrong ${wrong.join(', ')}`);
    tally(verdict.status, `${name} status ${entry.status}: found ${item.status}`);
    if (entry.completedBy !== null) {
      tally(
        verdict.completion,
        `${name} completed by ${entry.completedBy}: found ${item.completedBy ?? 'none'}`,
      );
    } else if (item.completedBy !== null) {
      falsePositives.add(`${name} completed by ${item.completedBy} (no completion expected)`);
    }
  }
  const commitmentSources = new Set(scenario.expect.commitments.map((entry) => entry.from));
  for (const item of found.commitments) {
    if (!commitmentSources.has(item.from)) {
      falsePositives.add(`commitment from ${item.from}: ${item.kind} "${item.title}" (not expected)`);
    }
  }

  // Dates.
  for (const entry of scenario.expect.dates) {
    const candidates = found.dates.filter((item) => item.from === entry.from);
    const ok = candidates.some(
      (item) => labelsMatch(entry.label, item.label) && monthDay(item.date) === entry.date,
    );
    const got =
      candidates.length > 0
        ? ` (found ${candidates.map((item) => `${item.label} ${item.date}`).join(', ')})`
        : '';
    tally(ok, `date from ${entry.from}: ${entry.label} ${entry.date}${got}`);
  }
  const dateSources = new Set(scenario.expect.dates.map((entry) => entry.from));
  for (const item of found.dates) {
    if (!dateSources.has(item.from)) {
      falsePositives.add(`date from ${item.from}: ${item.label} ${item.date} (not expected)`);
    }
  }

  return {
    expected,
    detected,
    rate: expected === 0 ? 1 : detected / expected,
    misses,
    falsePositives: [...falsePositives],
  };
}

/**
 * How the held-out fixture compares with the reference one: held-out detections / reference detections
 * (the acceptance bar is ≥ 0.8). 1 when the reference detected nothing.
 */
export function detectionRatio(reference: DetectionScore, heldOut: DetectionScore): number {
  return reference.detected === 0 ? 1 : heldOut.detected / reference.detected;
}

/** A one-paragraph report of a score, for test output. */
export function formatScore(label: string, score: DetectionScore): string {
  const lines = [
    `${label}: ${score.detected}/${score.expected} detections (${(score.rate * 100).toFixed(1)} %), ` +
      `${score.falsePositives.length} false positive(s)`,
    ...score.misses.map((miss) => `  miss: ${miss}`),
    ...score.falsePositives.map((extra) => `  false positive: ${extra}`),
  ];
  return lines.join('\n');
}

/**
 * The detections a perfect run would report for the scenario: what the scorer scores as 100 % with no false
 * positive. Useful as the mock model's structured extractions and to test the scorer.
 */
export function perfectDetections(scenario: Scenario): FoundDetections {
  return {
    progress: scenario.expect.progress.map((entry) => ({ ...entry })),
    commitments: scenario.expect.commitments.map((entry) => ({
      from: entry.from,
      kind: entry.kind,
      title: entry.words.join(' '),
      due:
        entry.dueAt ??
        (entry.dueDay === null ? null : localTimeToEpoch(`${entry.dueDay} 12:00`, scenario.timezone)),
      status: entry.status,
      completedBy: entry.completedBy,
    })),
    dates: scenario.expect.dates.map((entry) => ({ from: entry.from, label: entry.label, date: entry.date })),
    wronglyCounted: [],
  };
}
