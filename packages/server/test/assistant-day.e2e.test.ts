import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { localDay, wallClockAt } from '../src/kernel/zoned-calendar.ts';
import { detectionRatio, formatScore, loadScenario, type Scenario } from './support/scenario.ts';
import { type DriveResult, driveScenario } from './support/scenario-driver.ts';

/**
 * Issue 9 acceptance, end to end: a scripted week of observations (test/fixtures/assistant/*.yaml) driven through
 * the real server on a simulated clock (support/scenario-driver.ts), then the inbox, goals, facts, digests and
 * the notifications a connected device received are checked against what the scenario expects.
 */

const FIXTURES = join(import.meta.dirname, 'fixtures', 'assistant');
/** Minutes between follower rounds (the exact moments of observations, goals and digests are always stepped). */
const STEP_MINUTES = 10;
const DRIVE_TIMEOUT_MS = 120_000;

const first = loadScenario(join(FIXTURES, 'day-in-the-life.yaml'));
/** The same week re-worded, used while developing the rules (so no longer a held-out measure). */
const devParaphrases = loadScenario(join(FIXTURES, 'paraphrases.yaml'));
/** A second development set, written blind and then used to widen the rules. */
const devParaphrases2 = loadScenario(join(FIXTURES, 'paraphrases-dev2.yaml'));
/** The same week re-worded blind, after the rules were developed: the acceptance's held-out fixture. */
const heldOut = loadScenario(join(FIXTURES, 'paraphrases-heldout.yaml'));

/**
 * The rules path's detection rate on day-in-the-life.yaml, rounded down to 5 %: measured 28/28 (2026-11-29, after
 * widening the rules on the development paraphrases); it may only go up.
 */
const RULES_RATE_FLOOR = 1;
/** The model path's bar: the replay answers with the expected extractions; measured 28/28. */
const MODEL_RATE_FLOOR = 1;

/** With SCENARIO_DUMP=<dir>, each run's result is written there as JSON, to read what the server did. */
function dump(label: string, result: DriveResult): void {
  const directory = process.env.SCENARIO_DUMP;
  if (!directory) return;
  mkdirSync(directory, { recursive: true });
  const { observationIds: _ids, modelRequests, ...rest } = result;
  writeFileSync(
    join(directory, `${label.replace(/[^a-z0-9]+/gi, '-')}.json`),
    JSON.stringify({ ...rest, modelRequests: modelRequests.length }, null, 2),
  );
}

function summary(label: string, result: DriveResult): string {
  dump(label, result);
  const problems = result.logged.map(
    (entry) => `  logged: ${entry.msg}${entry.err ? ` ${JSON.stringify(entry.err)}` : ''}`,
  );
  return [`${label}: ${result.steps} steps in ${(result.elapsedMs / 1000).toFixed(1)} s`, ...problems].join(
    '\n',
  );
}

/** The words of an expected commitment, all in the text (a notification's title; not its body: a digest lists everything). */
function mentionsAll(text: string, words: readonly string[]): boolean {
  const lower = text.toLowerCase();
  return words.every((word) => lower.includes(word.toLowerCase()));
}

function localMinutes(ms: number, zone: string): number {
  const wall = wallClockAt(ms, zone);
  return wall.hour * 60 + wall.minute;
}

function clockMinutes(value: string): number {
  const [h, m] = value.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

function inQuietHours(ms: number, scenario: Scenario): boolean {
  const minutes = localMinutes(ms, scenario.timezone);
  const start = clockMinutes(scenario.settings.quietHours.start);
  const end = clockMinutes(scenario.settings.quietHours.end);
  return start <= end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
}

/** The assertions of the acceptance criteria, for one run of a scenario (rules or model path). */
function dayInTheLifeAssertions(scenario: Scenario, run: () => DriveResult): void {
  const zone = scenario.timezone;

  it('nudges about each important date on the day its lead time says, with a reason that names it', () => {
    const result = run();
    for (const date of scenario.expect.dates) {
      if (date.nudgeOn === null) continue;
      const onDay = result.nudges.filter((nudge) => localDay(nudge.createdAt, zone) === date.nudgeOn);
      const about = onDay.filter((nudge) => nudge.reason.toLowerCase().includes(date.label.toLowerCase()));
      expect(
        about,
        `a nudge on ${date.nudgeOn} whose reason mentions "${date.label}" (from ${date.from}); nudges: ${JSON.stringify(
          result.nudges.map((n) => ({
            day: localDay(n.createdAt, zone),
            title: n.title,
            reason: n.reason,
          })),
        )}`,
      ).not.toHaveLength(0);
    }
  });

  it('makes "I\'ll send Sam the deck tomorrow" an inbox commitment due the next day', () => {
    const result = run();
    const expected = scenario.expect.commitments.find((entry) => entry.words.includes('deck'))!;
    const item = result.inbox.find((candidate) => candidate.sources[0] === expected.from);
    expect(item, `an inbox item from ${expected.from}`).toBeDefined();
    expect(item!.kind).toBe('commitment');
    expect(mentionsAll(item!.title, expected.words), `title "${item!.title}" has ${expected.words}`).toBe(
      true,
    );
    expect(item!.due).not.toBeNull();
    expect(localDay(item!.due!, zone)).toBe(expected.dueDay);
  });

  it('fires each reminder inside its expected window', () => {
    const result = run();
    const misses: string[] = [];
    for (const window of scenario.expect.notifications) {
      const commitment = scenario.expect.commitments.find((entry) => entry.from === window.about)!;
      const matching = result.notifications.filter(
        (n) => n.about === window.about || mentionsAll(n.title, commitment.words),
      );
      const inWindow = matching.filter((n) => n.at >= window.notBefore && n.at <= window.notAfter);
      if (inWindow.length === 0) {
        misses.push(
          `${window.about} (${commitment.words.join(' ')}) ${window.notBeforeLocal}..${window.notAfterLocal}: ` +
            `got ${matching.map((n) => `${n.local} "${n.title}"`).join(', ') || 'none'}`,
        );
      }
    }
    expect(misses).toEqual([]);
  });

  it('moves the 10k goal with entries linked to the running utterances', () => {
    const result = run();
    const goal = result.goals.find((candidate) => candidate.fixtureId === 'g-run-10k');
    expect(goal, 'the 10k goal').toBeDefined();
    expect(goal!.progress.current).toBeGreaterThan(0);
    const negatives = new Set(scenario.expect.mustNotCount);
    for (const entry of goal!.entries) {
      for (const source of entry.sources)
        expect(negatives.has(source), `${source} must not count`).toBe(false);
    }
    for (const expected of scenario.expect.progress.filter((entry) => entry.goal === 'g-run-10k')) {
      const linked = goal!.entries.filter((entry) => entry.sources.includes(expected.from));
      expect(linked, `an entry linked to ${expected.from}`).not.toHaveLength(0);
      expect(linked.some((entry) => Math.abs(entry.amount - expected.amount) <= 0.05 * expected.amount)).toBe(
        true,
      );
    }
  });

  it('holds quiet hours: nothing is pushed between 22:00 and 07:00, and the 23:00 bins reminder waits for 07:00', () => {
    const result = run();
    const quiet = result.notifications.filter(
      (n) => inQuietHours(n.at, scenario) || inQuietHours(n.receivedAt, scenario),
    );
    expect(quiet.map((n) => `${n.local} ${n.title}`)).toEqual([]);
    const bins = scenario.expect.commitments.find((entry) => entry.words.includes('bins'))!;
    const pushed = result.notifications.filter(
      (n) => n.about === bins.from || mentionsAll(n.title, bins.words),
    );
    expect(pushed.length, 'the bins reminder was pushed').toBeGreaterThan(0);
    const morning = localMinutes(pushed[0]!.at, zone);
    expect(localDay(pushed[0]!.at, zone)).toBe('2026-03-04');
    expect(morning).toBeGreaterThanOrEqual(7 * 60);
    expect(morning).toBeLessThanOrEqual(7 * 60 + 15);
  });

  it('lists each day in its digest', () => {
    const result = run();
    const misses: string[] = [];
    for (const digest of scenario.expect.digest) {
      const text = result.digests[digest.day] ?? '';
      for (const word of digest.mentions) {
        if (!text.toLowerCase().includes(word.toLowerCase())) misses.push(`${digest.day}: "${word}"`);
      }
    }
    expect(misses, JSON.stringify(result.digests, null, 2)).toEqual([]);
  });
}

describe('assistant day in the life: rules path (no model)', () => {
  let result: DriveResult;
  beforeAll(async () => {
    result = await driveScenario(first, { model: 'none', stepMinutes: STEP_MINUTES });
    console.log(summary('rules, day-in-the-life', result));
    console.log(formatScore('rules, day-in-the-life', result.score));
  }, DRIVE_TIMEOUT_MS);

  dayInTheLifeAssertions(first, () => result);

  it('detects at least the measured share of what the scenario expects', () => {
    expect(result.score.rate).toBeGreaterThanOrEqual(RULES_RATE_FLOOR);
  });

  describe('paraphrases', () => {
    let dev: DriveResult;
    let held: DriveResult;
    beforeAll(async () => {
      dev = await driveScenario(devParaphrases, { model: 'none', stepMinutes: STEP_MINUTES });
      console.log(formatScore('rules, development paraphrases', dev.score));
      const dev2 = await driveScenario(devParaphrases2, { model: 'none', stepMinutes: STEP_MINUTES });
      console.log(formatScore('rules, development paraphrases 2', dev2.score));
      held = await driveScenario(heldOut, { model: 'none', stepMinutes: STEP_MINUTES });
      // Counts only: the held-out misses are not printed, so nobody tunes the rules to them by accident.
      console.log(
        `rules, held-out paraphrases: ${held.score.detected}/${held.score.expected} detections, ` +
          `${held.score.falsePositives.length} false positive(s)`,
      );
      console.log(
        `held-out / first: ${held.score.detected}/${result.score.detected} = ` +
          `${(detectionRatio(result.score, held.score) * 100).toFixed(1)} % (acceptance: at least 80 %); ` +
          `development paraphrases / first: ${(detectionRatio(result.score, dev.score) * 100).toFixed(1)} %`,
      );
    }, 3 * DRIVE_TIMEOUT_MS);

    // Measured 25/28 = 89.3 % of the first fixture's 28 (2026-11-29; 21/28 before the second widening, which used
    // paraphrases-dev2.yaml, never this file).
    it("reaches at least 80 % of the first fixture's detections on the held-out paraphrases", () => {
      expect(detectionRatio(result.score, held.score)).toBeGreaterThanOrEqual(0.8);
    });
  });
});

describe('assistant day in the life: model path (replayed structured extractions)', () => {
  let result: DriveResult;
  beforeAll(async () => {
    result = await driveScenario(first, { model: 'replay', stepMinutes: STEP_MINUTES });
    console.log(summary('model, day-in-the-life', result));
    console.log(`model calls: ${JSON.stringify(result.modelCalls)}`);
    console.log(formatScore('model, day-in-the-life', result.score));
  }, DRIVE_TIMEOUT_MS);

  it('went through the model: the replay server answered fact extractions for the observations', () => {
    expect(result.modelCalls.facts).toBeGreaterThan(0);
    expect(result.modelRequests.length).toBeGreaterThan(0);
    expect(result.modelCalls.unrecognised, 'every model call was one the replay recognises').toBe(0);
    // Goals were parsed and progress detected by the model too: the running entries say so.
    expect(result.modelCalls.goal).toBe(first.goals.length);
    expect(result.modelCalls.progress).toBeGreaterThan(0);
    const run = result.goals.find((goal) => goal.fixtureId === 'g-run-10k');
    expect(run?.entries.length).toBeGreaterThan(0);
    expect(run?.entries.every((entry) => entry.origin === 'model')).toBe(true);
  });

  dayInTheLifeAssertions(first, () => result);

  it('reports the detection rate (near 100 % with the expected extractions)', () => {
    expect(result.score.rate).toBeGreaterThanOrEqual(MODEL_RATE_FLOOR);
  });
});
