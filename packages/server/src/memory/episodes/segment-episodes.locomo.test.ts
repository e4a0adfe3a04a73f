import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type LocomoSample,
  type LocomoTurn,
  locomoSessions,
  locomoTurns,
  parseLocomoFile,
} from './locomo-format.ts';
import { type EpisodeObservation, segmentEpisodes } from './segment-episodes.ts';

/** The LoCoMo dev file lives beside the repository (`<repo>/../shared`), never inside it (CC BY-NC licence). */
const LOCOMO_PATH = fileURLToPath(
  new URL('../../../../../../shared/bench/locomo/locomo-dev.json', import.meta.url),
);
const HOUR = 3_600_000;

if (!existsSync(LOCOMO_PATH)) {
  console.log(`skipping the LoCoMo boundary test: ${LOCOMO_PATH} is absent (see ../shared/bench/README.md)`);
}

function observationsOf(turns: readonly LocomoTurn[]): EpisodeObservation[] {
  return turns.map((turn) => ({
    id: turn.diaId,
    capturedAt: turn.at,
    deviceId: null,
    modality: 'utterance',
    text: turn.caption ? `${turn.text} ${turn.caption}` : turn.text,
    speaker: turn.speaker,
    place: null,
  }));
}

interface Score {
  predicted: number;
  truth: number;
  correct: number;
}

/** Boundary agreement: a predicted episode start is correct when it is the first turn of a session. */
function score(observations: readonly EpisodeObservation[], sessionStarts: ReadonlySet<string>): Score {
  const predicted = segmentEpisodes(observations).map((episode) => episode.observationIds[0]!);
  return {
    predicted: predicted.length,
    truth: sessionStarts.size,
    correct: predicted.filter((id) => sessionStarts.has(id)).length,
  };
}

function f1({ predicted, truth, correct }: Score) {
  const precision = predicted === 0 ? 0 : correct / predicted;
  const recall = truth === 0 ? 0 : correct / truth;
  return {
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
  };
}

function total(scores: readonly Score[]): Score {
  return scores.reduce(
    (sum, s) => ({
      predicted: sum.predicted + s.predicted,
      truth: sum.truth + s.truth,
      correct: sum.correct + s.correct,
    }),
    { predicted: 0, truth: 0, correct: 0 },
  );
}

function report(label: string, sample: LocomoSample, result: Score) {
  const { precision, recall, f1: value } = f1(result);
  console.log(
    `${label} ${sample.sample_id}: ${result.truth} sessions, ${result.predicted} episodes, precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}, F1 ${value.toFixed(3)}`,
  );
}

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe.skipIf(!existsSync(LOCOMO_PATH))(`LoCoMo session boundaries (${LOCOMO_PATH})`, () => {
  const samples = existsSync(LOCOMO_PATH) ? parseLocomoFile(readFileSync(LOCOMO_PATH, 'utf8')) : [];

  it('finds the sessions of each conversation with default options (F1 ≥ 0.9)', () => {
    const scores = samples.map((sample) => {
      const starts = new Set(locomoSessions(sample).map((session) => session.firstDiaId));
      const result = score(observationsOf(locomoTurns(sample)), starts);
      report('as dated', sample, result);
      return result;
    });
    const overall = f1(total(scores));
    console.log(`as dated, overall: F1 ${overall.f1.toFixed(3)} over ${samples.length} conversations`);
    expect(samples.length).toBeGreaterThan(0);
    expect(overall.f1).toBeGreaterThanOrEqual(0.9);
  });

  it('still splits sessions a few hours apart on the same day, on the gap', () => {
    const sameDayInData = samples.reduce((count, sample) => {
      const sessions = locomoSessions(sample);
      return count + sessions.filter((s, i) => i > 0 && utcDay(s.at) === utcDay(sessions[i - 1]!.at)).length;
    }, 0);
    console.log(`sessions on the same day as the previous one in the data: ${sameDayInData}`);

    // Re-date every session to start 2 hours after the previous one ended: most now share a day with the last.
    let sameDay = 0;
    const scores = samples.map((sample) => {
      const turns = locomoTurns(sample);
      let shift = 0;
      let previousEnd = Number.NEGATIVE_INFINITY;
      let session = -1;
      const redated = turns.map((turn) => {
        if (turn.session !== session) {
          const start = Number.isFinite(previousEnd) ? previousEnd + 2 * HOUR : turn.at;
          if (Number.isFinite(previousEnd) && utcDay(start) === utcDay(previousEnd)) sameDay++;
          shift = start - turn.at;
          session = turn.session;
        }
        previousEnd = turn.at + shift;
        return { ...turn, at: turn.at + shift };
      });
      const starts = new Set(locomoSessions(sample).map((s) => s.firstDiaId));
      const episodes = segmentEpisodes(observationsOf(redated));
      expect(episodes.slice(1).every((episode) => episode.reason === 'gap')).toBe(true);
      const result = score(observationsOf(redated), starts);
      report('2 h apart', sample, result);
      return result;
    });
    console.log(`sessions re-dated onto the same day as the previous one: ${sameDay}`);
    expect(sameDay).toBeGreaterThan(samples.length * 5);
    expect(f1(total(scores)).f1).toBe(1);
  });

  it('keeps each session whole when turns are paced like real talk', () => {
    // 2 s plus 60 ms per character a turn, so a session lasts minutes rather than seconds.
    const scores = samples.map((sample) => {
      let clock = 0;
      let session = -1;
      const paced = locomoTurns(sample).map((turn) => {
        if (turn.session !== session) {
          session = turn.session;
          clock = turn.at;
        } else {
          clock += 2000 + 60 * turn.text.length;
        }
        return { ...turn, at: clock };
      });
      const result = score(observationsOf(paced), new Set(locomoSessions(sample).map((s) => s.firstDiaId)));
      report('paced', sample, result);
      return result;
    });
    expect(f1(total(scores)).f1).toBeGreaterThanOrEqual(0.9);
  });
});
