import { readFileSync } from 'node:fs';
import type { ObservationInput } from '@familiar/protocol';
import type { z } from 'zod';
import type { Familiar } from '../app.ts';
import { FamiliarError, toIso } from '../kernel/index.ts';
import { LocomoFileSchema, locomoTurns, normaliseEvidence } from '../memory/index.ts';

/** One question's ranking, as the harness writes it (the shape the LoCoMo scorers read). */
export interface LocomoRanking {
  sample_id: string;
  qa_index: number;
  question: string;
  category: number;
  /** Top-k turn ids ("D1:3"), best first. */
  ranked: string[];
}

/** Evidence recall at one cut-off, per category and overall. */
export interface RecallRow {
  category: string;
  questions: number;
  recallAt5: number;
  recallAt10: number;
  recallAt25: number;
  /** Share of questions with every evidence turn in the top 10. */
  allInTop10: number;
}

/** What a run measured. */
export interface LocomoReport {
  conversations: number;
  turns: number;
  questions: number;
  rows: RecallRow[];
  ingestSeconds: number;
  understandSeconds: number;
  retrieveSeconds: number;
  /** Which retrieval paths ran (vector only with an embedder configured). */
  paths: string[];
}

const CATEGORY_NAMES: Record<number, string> = {
  1: 'multi-hop',
  2: 'temporal',
  3: 'open-domain',
  4: 'single-hop',
};

/** One conversation of a LoCoMo-format file. */
export type LocomoSample = z.infer<typeof LocomoFileSchema>[number];

/** Reads and validates a LoCoMo-format file; anything else is a clear error. */
export function readLocomoFile(path: string): LocomoSample[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new FamiliarError('validation_failed', `cannot read ${path} as JSON`, { cause });
  }
  const parsed = LocomoFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FamiliarError(
      'validation_failed',
      `${path} is not a LoCoMo-format file: ${issue?.path.join('.') || 'the top level'} ${issue?.message}`,
    );
  }
  return parsed.data;
}

/** The ISO form of a turn's time (the ingest path takes ISO timestamps). */
const iso = (ms: number) => toIso(ms);

/**
 * The LoCoMo retrieval harness: ingests each conversation of a LoCoMo-format file as its own user through the normal
 * ingest path (each turn an utterance at its session's date-time plus one second per turn, with its speaker; a shared
 * image a frame observation carrying its caption), asks every question through the retriever `ask` uses with the
 * question's clock at the last session's date-time, and scores evidence recall. Retrieval never sees answers or
 * evidence: they are read only when scoring.
 */
export async function runLocomo(
  familiar: Familiar,
  options: { samples: LocomoSample[]; k: number; onProgress?: (message: string) => void },
): Promise<{ rankings: LocomoRanking[]; report: LocomoReport }> {
  const { samples } = options;
  const progress = options.onProgress ?? (() => {});
  const rankings: LocomoRanking[] = [];
  let turns = 0;
  let ingestMs = 0;
  let understandMs = 0;
  let retrieveMs = 0;
  const paths = new Set<string>();
  const prepared: Array<{
    sample: LocomoSample;
    user: { id: string; timezone: string };
    turnOf: Map<string, string>;
    now: number;
  }> = [];

  for (const sample of samples) {
    const user = await familiar.accounts.addUser({ name: `locomo-${sample.sample_id}`, timezone: 'UTC' });
    const actor = { userId: user.id, deviceId: null, label: 'bench' };
    const sampleTurns = locomoTurns(sample);
    turns += sampleTurns.length;
    const turnOf = new Map<string, string>();
    const inputs: ObservationInput[] = [];
    for (const turn of sampleTurns) {
      const id = familiar.newId();
      turnOf.set(id, turn.diaId);
      inputs.push({
        id,
        modality: 'utterance',
        capturedAt: iso(turn.at),
        text: turn.text,
        speaker: turn.speaker,
      });
      if (turn.caption) {
        const frameId = familiar.newId();
        turnOf.set(frameId, turn.diaId);
        inputs.push({ id: frameId, modality: 'frame', capturedAt: iso(turn.at), text: turn.caption });
      }
    }
    let started = performance.now();
    for (let offset = 0; offset < inputs.length; offset += 1000)
      await familiar.timeline.ingest(actor, inputs.slice(offset, offset + 1000));
    ingestMs += performance.now() - started;
    started = performance.now();
    await familiar.understanding.catchUp({ id: user.id, timezone: user.timezone });
    understandMs += performance.now() - started;

    prepared.push({ sample, user, turnOf, now: Math.max(...sampleTurns.map((turn) => turn.at)) });
    progress(`${sample.sample_id}: ${sampleTurns.length} turns ingested, ${sample.qa.length} questions`);
  }
  // Questions are asked once every conversation is in, so each sees the same full-text statistics.
  for (const { sample, user, turnOf, now } of prepared) {
    const started = performance.now();
    for (const [qaIndex, qa] of sample.qa.entries()) {
      const found = await familiar.retriever.retrieve({ id: user.id, timezone: user.timezone }, qa.question, {
        limit: options.k * 2,
        now,
      });
      for (const path of found.paths) paths.add(path);
      const ranked: string[] = [];
      for (const hit of found.hits) {
        const diaId = turnOf.get(hit.observation.id);
        if (diaId && !ranked.includes(diaId)) ranked.push(diaId);
        if (ranked.length === options.k) break;
      }
      rankings.push({
        sample_id: sample.sample_id,
        qa_index: qaIndex,
        question: qa.question,
        category: qa.category,
        ranked,
      });
    }
    retrieveMs += performance.now() - started;
  }

  const evidenceOf = new Map<string, string[]>();
  for (const sample of samples)
    for (const [qaIndex, qa] of sample.qa.entries())
      evidenceOf.set(`${sample.sample_id}#${qaIndex}`, normaliseEvidence(qa.evidence));
  return {
    rankings,
    report: {
      conversations: samples.length,
      turns,
      questions: rankings.length,
      rows: scoreRecall(
        rankings,
        (ranking) => evidenceOf.get(`${ranking.sample_id}#${ranking.qa_index}`) ?? [],
      ),
      ingestSeconds: ingestMs / 1000,
      understandSeconds: understandMs / 1000,
      retrieveSeconds: retrieveMs / 1000,
      paths: [...paths],
    },
  };
}

/**
 * Evidence recall@k (the share of a question's evidence turns among its top k), averaged per category 1–4 and over
 * all of them; questions with no evidence are left out. Category 5 (adversarial) has no evidence to find.
 */
export function scoreRecall(
  rankings: readonly LocomoRanking[],
  evidence: (ranking: LocomoRanking) => readonly string[],
): RecallRow[] {
  const groups = new Map<string, Array<{ ranked: readonly string[]; wanted: readonly string[] }>>();
  for (const ranking of rankings) {
    const name = CATEGORY_NAMES[ranking.category];
    const wanted = evidence(ranking);
    if (!name || wanted.length === 0) continue;
    for (const key of [name, 'overall (1–4)']) {
      const group = groups.get(key) ?? [];
      group.push({ ranked: ranking.ranked, wanted });
      groups.set(key, group);
    }
  }
  const recall = (
    items: ReadonlyArray<{ ranked: readonly string[]; wanted: readonly string[] }>,
    k: number,
  ) =>
    items.reduce((sum, item) => {
      const top = new Set(item.ranked.slice(0, k));
      return sum + item.wanted.filter((id) => top.has(id)).length / item.wanted.length;
    }, 0) / Math.max(items.length, 1);
  const order = [...Object.values(CATEGORY_NAMES), 'overall (1–4)'];
  return order
    .filter((name) => groups.has(name))
    .map((name) => {
      const items = groups.get(name)!;
      return {
        category: name,
        questions: items.length,
        recallAt5: recall(items, 5),
        recallAt10: recall(items, 10),
        recallAt25: recall(items, 25),
        allInTop10:
          items.filter((item) => item.wanted.every((id) => item.ranked.slice(0, 10).includes(id))).length /
          items.length,
      };
    });
}
