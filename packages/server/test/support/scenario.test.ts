import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  detectionRatio,
  epochToLocalTime,
  type FoundDetections,
  formatScore,
  loadScenario,
  parseScenario,
  perfectDetections,
  ScenarioError,
  scoreDetections,
} from './scenario.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/assistant/${name}`, import.meta.url));
const FIRST = fixture('day-in-the-life.yaml');
const PARAPHRASES = fixture('paraphrases.yaml');

/** The first fixture's text with one substring replaced (which must occur exactly once). */
function broken(search: string, replacement: string): string {
  const text = readFileSync(FIRST, 'utf8');
  expect(text.split(search).length - 1).toBe(1);
  return text.replace(search, replacement);
}

function problemsOf(text: string): string[] {
  try {
    parseScenario(text, 'broken.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as Error).message).toContain('broken.yaml');
    return (error as ScenarioError).problems;
  }
  throw new Error('expected the scenario to be rejected');
}

describe('loadScenario', () => {
  it('loads the day-in-the-life fixture with times in Europe/London', () => {
    const scenario = loadScenario(FIRST);
    expect(scenario.timezone).toBe('Europe/London');
    expect(scenario.days).toEqual(['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06']);
    expect(scenario.observations.length).toBeGreaterThanOrEqual(80);
    expect(scenario.observations.length).toBeLessThanOrEqual(120);
    // March 2026 is GMT in London, so local time equals UTC.
    expect(scenario.startsAt).toBe(Date.UTC(2026, 2, 2));
    expect(scenario.endsAt).toBe(Date.UTC(2026, 2, 7));
    const first = scenario.observations[0]!;
    expect(first.at).toBe(Date.UTC(2026, 2, 2, 6, 58));
    expect(epochToLocalTime(first.at, scenario.timezone)).toBe(first.local);
    for (const goal of scenario.goals) expect(goal.at).toBeLessThan(first.at);
    expect(scenario.goals.map((goal) => goal.id)).toEqual(['g-run-10k', 'g-read-12', 'g-call-mum']);
    const modalities = new Set(scenario.observations.map((observation) => observation.modality));
    expect([...modalities].sort()).toEqual(['chat', 'event', 'frame', 'location', 'note', 'utterance']);
    expect(scenario.observations.find((o) => o.modality === 'note')?.speaker).toBeUndefined();
  });

  it('converts expectations: due times, quiet-hours notification, nudge days and digest times', () => {
    const scenario = loadScenario(FIRST);
    const bins = scenario.expect.commitments.find((entry) => entry.words.includes('bins'))!;
    expect(bins.dueAt).toBe(Date.UTC(2026, 2, 3, 23, 0));
    expect(bins.dueDay).toBe('2026-03-03');
    const deck = scenario.expect.commitments.find((entry) => entry.from === 'd1-10')!;
    expect(deck).toMatchObject({
      dueDay: '2026-03-03',
      dueAt: null,
      completedBy: 'd2-16',
      status: 'pending',
    });
    const quiet = scenario.expect.notifications.find((entry) => entry.about === bins.from)!;
    expect(quiet.notBefore).toBe(Date.UTC(2026, 2, 4, 7, 0));
    expect(quiet.notBeforeLocal).toBe('2026-03-04 07:00');
    const anniversary = scenario.expect.dates.find((entry) => entry.label === 'anniversary')!;
    expect(anniversary).toMatchObject({ date: '03-10', nudgeOn: '2026-03-03' });
    expect(anniversary.nudgeDayStart).toBe(Date.UTC(2026, 2, 3));
    expect(scenario.expect.digest[0]).toMatchObject({ day: '2026-03-02', at: Date.UTC(2026, 2, 2, 21, 0) });
    expect(scenario.expect.commitments.find((entry) => entry.from === 'd2-09')?.status).toBe('to_confirm');
  });

  it('loads the paraphrases with the same ids, times, speakers and expectations in other words', () => {
    const first = loadScenario(FIRST);
    const second = loadScenario(PARAPHRASES);
    const skeleton = (o: (typeof first.observations)[number]) => ({
      id: o.id,
      at: o.at,
      modality: o.modality,
      speaker: o.speaker,
    });
    expect(second.observations.map(skeleton)).toEqual(first.observations.map(skeleton));
    expect(second.goals).toEqual(first.goals);
    expect(second.settings).toEqual(first.settings);
    expect(second.people).toEqual(first.people);
    expect(second.expect.progress).toEqual(first.expect.progress);
    expect(second.expect.dates).toEqual(first.expect.dates);
    expect(second.expect.notifications).toEqual(first.expect.notifications);
    expect(second.expect.mustNotCount).toEqual(first.expect.mustNotCount);
    const withoutWords = ({ words: _words, ...rest }: (typeof first.expect.commitments)[number]) => rest;
    expect(second.expect.commitments.map(withoutWords)).toEqual(first.expect.commitments.map(withoutWords));
    expect(second.expect.digest.map((entry) => entry.day)).toEqual(
      first.expect.digest.map((entry) => entry.day),
    );
    // Every observation is re-worded.
    first.observations.forEach((observation, i) => {
      expect(second.observations[i]!.text, observation.id).not.toBe(observation.text);
    });
  });

  it('loads the blind held-out paraphrases with the same skeleton and expectations as the first fixture', () => {
    const first = loadScenario(FIRST);
    const heldOut = loadScenario(fixture('paraphrases-heldout.yaml'));
    const skeleton = (o: (typeof first.observations)[number]) => ({
      id: o.id,
      at: o.at,
      modality: o.modality,
      speaker: o.speaker,
    });
    expect(heldOut.observations.map(skeleton)).toEqual(first.observations.map(skeleton));
    expect(heldOut.goals).toEqual(first.goals);
    expect(heldOut.settings).toEqual(first.settings);
    expect(heldOut.people).toEqual(first.people);
    expect(heldOut.expect.progress).toEqual(first.expect.progress);
    expect(heldOut.expect.dates).toEqual(first.expect.dates);
    expect(heldOut.expect.notifications).toEqual(first.expect.notifications);
    expect(heldOut.expect.mustNotCount).toEqual(first.expect.mustNotCount);
    const withoutWords = ({ words: _words, ...rest }: (typeof first.expect.commitments)[number]) => rest;
    expect(heldOut.expect.commitments.map(withoutWords)).toEqual(first.expect.commitments.map(withoutWords));
    expect(heldOut.expect.digest.map((entry) => entry.day)).toEqual(
      first.expect.digest.map((entry) => entry.day),
    );
    // Every observation is re-worded, and each commitment's words appear in the observation it comes from.
    first.observations.forEach((observation, i) => {
      expect(heldOut.observations[i]!.text, observation.id).not.toBe(observation.text);
    });
    for (const entry of heldOut.expect.commitments) {
      const text = heldOut.observations.find((o) => o.id === entry.from)!.text.toLowerCase();
      for (const word of entry.words) expect(text, entry.from).toContain(word.toLowerCase());
    }
  });

  it('loads the second development paraphrases with the same skeleton and expectations as the first fixture', () => {
    const first = loadScenario(FIRST);
    const dev2 = loadScenario(fixture('paraphrases-dev2.yaml'));
    const skeleton = (o: (typeof first.observations)[number]) => ({
      id: o.id,
      at: o.at,
      modality: o.modality,
      speaker: o.speaker,
    });
    expect(dev2.observations.map(skeleton)).toEqual(first.observations.map(skeleton));
    expect(dev2.timezone).toBe(first.timezone);
    expect(dev2.days).toEqual(first.days);
    expect(dev2.wearer).toEqual(first.wearer);
    expect(dev2.goals).toEqual(first.goals);
    expect(dev2.settings).toEqual(first.settings);
    expect(dev2.people).toEqual(first.people);
    expect(dev2.expect.progress).toEqual(first.expect.progress);
    expect(dev2.expect.dates).toEqual(first.expect.dates);
    expect(dev2.expect.notifications).toEqual(first.expect.notifications);
    expect(dev2.expect.mustNotCount).toEqual(first.expect.mustNotCount);
    const withoutWords = ({ words: _words, ...rest }: (typeof first.expect.commitments)[number]) => rest;
    expect(dev2.expect.commitments.map(withoutWords)).toEqual(first.expect.commitments.map(withoutWords));
    const withoutMentions = ({ mentions: _mentions, ...rest }: (typeof first.expect.digest)[number]) => rest;
    expect(dev2.expect.digest.map(withoutMentions)).toEqual(first.expect.digest.map(withoutMentions));
    // Every observation is re-worded, and each commitment's words appear in the observation it comes from.
    first.observations.forEach((observation, i) => {
      expect(dev2.observations[i]!.text, observation.id).not.toBe(observation.text);
    });
    for (const entry of dev2.expect.commitments) {
      const text = dev2.observations.find((o) => o.id === entry.from)!.text.toLowerCase();
      for (const word of entry.words) expect(text, entry.from).toContain(word.toLowerCase());
    }
  });

  it('reports a bad field with its path', () => {
    const problems = problemsOf(
      broken('{ id: d1-02, at: "2026-03-02 07:40"', '{ id: d1-02, at: "2026-03-02 7:40"'),
    );
    expect(problems).toEqual([expect.stringContaining('observations[1](d1-02).at: expected a local time')]);
  });

  it('reports an unknown modality, an unknown key and a missing field', () => {
    const problems = problemsOf(
      broken(
        'modality: location, text: "Home, Walthamstow, London" }\n  - { id: d1-02',
        'modality: smell, text: "Home, Walthamstow, London" }\n  - { id: d1-02',
      )
        .replace('dateLeadDays: 7', 'dateLeadDays: 7\n  colour: blue')
        .replace('    unit: books\n', ''),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('observations[0](d1-01).modality'),
        expect.stringContaining('settings'),
        expect.stringContaining('goals[1](g-read-12).unit'),
      ]),
    );
  });

  it('reports broken references, duplicate ids and times out of order', () => {
    expect(problemsOf(broken('completedBy: d2-16', 'completedBy: d2-99'))).toEqual([
      'expect.commitments[0].completedBy: no observation has the id "d2-99"',
    ]);
    expect(problemsOf(broken('{ goal: g-call-mum, from: d3-16', '{ goal: g-call-dad, from: d3-16'))).toEqual([
      'expect.progress[3].goal: no goal has the id "g-call-dad"',
    ]);
    expect(problemsOf(broken('{ id: d1-03,', '{ id: d1-02,'))).toEqual([
      'observations[2](d1-02).id: duplicate observation id',
    ]);
    expect(problemsOf(broken('at: "2026-03-02 07:52"', 'at: "2026-03-02 07:30"'))).toEqual([
      expect.stringMatching(/^observations\[2\]\(d1-03\)\.at: 2026-03-02 07:30 is not after/),
    ]);
    expect(
      problemsOf(broken('speaker: Chris, text: "There\'s coffee', 'speaker: Kris, text: "There\'s coffee')),
    ).toEqual([expect.stringContaining('observations[2](d1-03).speaker: "Kris"')]);
    expect(problemsOf(broken('about: Jo, label: birthday', 'about: Joe, label: birthday'))).toEqual([
      'expect.dates[1].about: "Joe" is not self or a person\'s name',
    ]);
    expect(problemsOf(broken('nudgeOn: "2026-03-05"', 'nudgeOn: "2026-03-04"'))).toEqual([
      expect.stringContaining('expect.dates[1].nudgeOn: 2026-03-04 should be 2026-03-05'),
    ]);
  });

  it('reports invalid YAML', () => {
    const problems = problemsOf('name: [unclosed\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^not valid YAML/);
  });
});

describe('scoreDetections', () => {
  const scenario = loadScenario(FIRST);

  it('scores a perfect run as 100 % with nothing extra', () => {
    const score = scoreDetections(scenario, perfectDetections(scenario));
    // 6 progress + 8 commitments × (found + status) + 3 completions + 3 dates.
    expect(score).toEqual({ expected: 28, detected: 28, rate: 1, misses: [], falsePositives: [] });
    expect(formatScore('day-in-the-life', score)).toContain('28/28 detections (100.0 %)');
  });

  it('scores an empty run as 0 %', () => {
    const score = scoreDetections(scenario, { progress: [], commitments: [], dates: [], wronglyCounted: [] });
    expect(score.detected).toBe(0);
    expect(score.rate).toBe(0);
    expect(score.misses).toHaveLength(28);
  });

  it('allows 5 % on amounts and loose labels, and reports misses and false positives', () => {
    const found = perfectDetections(scenario);
    found.progress[0]!.amount = 5.2; // within 5 % of 5
    found.progress[2]!.amount = 4.5; // not within 5 % of 5.02
    found.progress.push({ goal: 'g-run-10k', from: 'd4-04', amount: 10 }); // Sam's run
    found.progress.push({ goal: 'g-call-mum', from: 'd1-03', amount: 1 }); // not expected
    found.dates[0]!.label = 'Wedding Anniversary';
    found.dates[1]!.date = '2026-03-12';
    found.dates[2]!.date = '06-21';
    found.dates.push({ from: 'd2-14', label: 'trip', date: '04-10' });
    found.wronglyCounted.push('d2-01');
    const score = scoreDetections(scenario, found);
    expect(score.expected).toBe(28);
    expect(score.detected).toBe(26);
    expect(score.misses).toEqual([
      'progress g-run-10k from d3-02: 5.02 (found 4.5)',
      'date from d4-10: birthday 06-20 (found birthday 06-21)',
    ]);
    expect(score.falsePositives).toEqual([
      'progress g-run-10k from d4-04 (must not count)',
      'progress g-call-mum from d1-03: 1 (not expected)',
      'counted d2-01 (must not count)',
      'date from d2-14: trip 04-10 (not expected)',
    ]);
  });

  it('scores commitment kind, words and due, status and completion as separate detections', () => {
    const found = perfectDetections(scenario) as FoundDetections;
    const byFrom = (id: string) => found.commitments.find((item) => item.from === id)!;
    byFrom('d1-10').due = Date.UTC(2026, 2, 3, 23, 59); // any time on the due day is fine
    byFrom('d1-10').status = 'done'; // done is fine when a completion is expected
    byFrom('d1-10').title = 'Send Sam the DECK';
    byFrom('d2-23').due = Date.UTC(2026, 2, 4, 7, 0); // the due time, not the delivery time, is expected
    byFrom('d2-09').status = 'pending'; // an unknown speaker's promise is to confirm
    byFrom('d4-11').completedBy = null;
    byFrom('d3-13').completedBy = 'd3-14'; // completion where none is expected
    byFrom('d5-13').kind = 'commitment';
    found.commitments.push({
      from: 'd1-22',
      kind: 'commitment',
      title: 'go somewhere nice',
      due: null,
      status: 'to_confirm',
      completedBy: null,
    });
    const score = scoreDetections(scenario, found);
    expect(score.detected).toBe(24);
    expect(score.misses).toEqual([
      'commitment from d2-09 (commitment: contract) status to_confirm: found pending',
      'commitment from d2-23 (reminder: bins) due 2026-03-03 23:00: wrong due 2026-03-04 07:00',
      'commitment from d4-11 (commitment: plumber) completed by d5-08: found none',
      'commitment from d5-13 (reminder: lasagne) due 2026-03-06 19:00: wrong kind commitment',
    ]);
    expect(score.falsePositives).toEqual([
      'commitment from d3-13 (reminder: milk) completed by d3-14 (no completion expected)',
      'commitment from d1-22: commitment "go somewhere nice" (not expected)',
    ]);
  });

  it('keeps the best of several candidates and compares two fixtures', () => {
    const found = perfectDetections(scenario);
    const deck = found.commitments.find((item) => item.from === 'd1-10')!;
    found.commitments.unshift({ ...deck, title: 'charts', due: null });
    expect(scoreDetections(scenario, found).detected).toBe(28);

    const paraphrases = loadScenario(PARAPHRASES);
    const reference = scoreDetections(scenario, perfectDetections(scenario));
    const partial = perfectDetections(paraphrases);
    partial.progress = partial.progress.slice(1);
    partial.dates = [];
    const heldOut = scoreDetections(paraphrases, partial);
    expect(heldOut.detected).toBe(24);
    expect(detectionRatio(reference, heldOut)).toBeCloseTo(24 / 28);
  });
});
