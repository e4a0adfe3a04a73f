/**
 * A generalisation check of LoCoMo retrieval: how far recall spreads across the conversations of a LoCoMo-format
 * file, and whether each retrieval method's gain holds on every conversation or comes from one of them.
 *
 *   node --import tsx bench/locomo-conversations.ts                                  # the ablation list below
 *   node --import tsx bench/locomo-conversations.ts '[{"coverageWeight":0}]' [data.json]
 *
 * The data goes through the LoCoMo harness once (`runLocomo`, as `familiar bench locomo --k 50`: the normal ingest
 * path, memory catching up, every question through the retriever `ask` uses). While the harness asks a question,
 * each option set given (by default: each method of the ablation table in docs/benchmarks.md switched off) is asked
 * the same question through `createRetriever` on the same store and episodes, so the data is loaded once and every
 * configuration sees the same index. A hit is mapped back to its turn by its capture time (the harness puts each turn
 * at its session's date-time plus one second per turn); the reference's rankings are checked against the harness's
 * own, so the mapping cannot drift silently.
 *
 * Prints Markdown on stdout (progress on stderr): per conversation, the questions of categories 1–4, recall@10 (with
 * its standard error over that conversation's questions), multi-hop all-evidence@10, and across conversations their
 * min / max / standard deviation (n − 1); for each option set the same, and on how many conversations the method it
 * switches off helps recall@10 (the reference above the option set), hurts it, or leaves it equal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openFamiliar } from '../packages/server/src/app.ts';
import { loadConfig } from '../packages/server/src/config.ts';
import {
  type LocomoRanking,
  type LocomoSample,
  readLocomoFile,
  runLocomo,
  scoreRecall,
} from '../packages/server/src/evaluation/index.ts';
import { createLogger } from '../packages/server/src/kernel/index.ts';
import {
  createRetriever,
  createSqliteEpisodeStore,
  locomoTurns,
  normaliseEvidence,
  type RetrievalSettings,
  RetrievalSettingsSchema,
} from '../packages/server/src/memory/index.ts';
import { openSqliteDatabase } from '../packages/server/src/storage/index.ts';

/** The ablation table of docs/benchmarks.md (each method switched off), then the first version's parts. */
const ABLATIONS: Array<{ label: string; settings: RetrievalSettings }> = [
  { label: 'no WordNet kinds (`narrowerWeight: 0`)', settings: { narrowerWeight: 0 } },
  { label: "time as a hard filter (`timeScope: 'filter'`)", settings: { timeScope: 'filter' } },
  {
    label: 'anchor episode left out of before/after (`anchorEpisodeIncluded: false`)',
    settings: { anchorEpisodeIncluded: false },
  },
  { label: 'no term coverage (`coverageWeight: 0`)', settings: { coverageWeight: 0 } },
  { label: 'no spreading of list questions (`severalDecay: 1`)', settings: { severalDecay: 1 } },
  {
    label: 'neighbours ±1 at 0.4 instead of ±2 at 0.6',
    settings: { neighbourReach: 1, neighbourWeight: 0.4 },
  },
  {
    label: 'all six off',
    settings: {
      narrowerWeight: 0,
      timeScope: 'filter',
      anchorEpisodeIncluded: false,
      coverageWeight: 0,
      severalDecay: 1,
      neighbourReach: 1,
      neighbourWeight: 0.4,
    },
  },
  { label: 'no neighbouring turns (`neighbourWeight: 0`)', settings: { neighbourWeight: 0 } },
  { label: 'no episode scores (`episodeWeight: 0`)', settings: { episodeWeight: 0 } },
  { label: 'no speaker boost (`speakerBoost: 1`)', settings: { speakerBoost: 1 } },
  { label: 'no recency prior (`recencyWeight: 0`)', settings: { recencyWeight: 0 } },
  { label: "reciprocal rank fusion (`fusion: 'rrf'`)", settings: { fusion: 'rrf' } },
];

const K = 50;
const progress = (message: string) => process.stderr.write(`${message}\n`);

function optionSets(argument: string | undefined): Array<{ label: string; settings: RetrievalSettings }> {
  if (argument === undefined) return ABLATIONS;
  const raw: unknown = JSON.parse(argument);
  if (!Array.isArray(raw)) throw new Error('the first argument is a JSON array of retrieval settings');
  return raw.map((entry) => {
    const parsed = RetrievalSettingsSchema.safeParse(entry);
    if (!parsed.success)
      throw new Error(`not retrieval settings: ${JSON.stringify(entry)}: ${parsed.error.issues[0]?.message}`);
    return { label: `\`${JSON.stringify(parsed.data)}\``, settings: parsed.data };
  });
}

const configurations = optionSets(process.argv[2]);
const samples = readLocomoFile(process.argv[3] ?? '../shared/bench/locomo/locomo-dev.json');

/** Capture time → turn id, per conversation; the harness gives each turn (and its image) a distinct time. */
const turnAt = new Map<string, Map<number, string>>();
for (const sample of samples) {
  const byTime = new Map<number, string>();
  for (const turn of locomoTurns(sample)) {
    const seen = byTime.get(turn.at);
    if (seen !== undefined && seen !== turn.diaId)
      throw new Error(`${sample.sample_id}: turns ${seen} and ${turn.diaId} share a capture time`);
    byTime.set(turn.at, turn.diaId);
  }
  turnAt.set(sample.sample_id, byTime);
}

const home = mkdtempSync(join(tmpdir(), 'familiar-locomo-conversations-'));
try {
  const familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: home }), {
    logger: createLogger({ level: 'warn' }),
  });
  const db = openSqliteDatabase(join(home, 'familiar.db'));
  const episodes = createSqliteEpisodeStore(db);
  const retrievers = configurations.map(({ settings }) =>
    createRetriever({ store: familiar.timelineStore, episodes, clock: familiar.clock, options: settings }),
  );
  // A retriever with the defaults, built like the option sets: its rankings must equal the harness's.
  const check = createRetriever({ store: familiar.timelineStore, episodes, clock: familiar.clock });
  /** Per call of the harness (in its order): each option set's hits, as capture times, and the check's. */
  const asked: Array<{ question: string; captured: number[][]; checked: number[] }> = [];
  const retrieveMs = configurations.map(() => 0);
  const recording: typeof familiar.retriever = {
    ...familiar.retriever,
    async retrieve(user, question, request) {
      const captured: number[][] = [];
      for (const [index, retriever] of retrievers.entries()) {
        const started = performance.now();
        const found = await retriever.retrieve(user, question, request);
        retrieveMs[index] = (retrieveMs[index] ?? 0) + performance.now() - started;
        captured.push(found.hits.map((hit) => hit.observation.capturedAt));
      }
      const checked = (await check.retrieve(user, question, request)).hits.map(
        (hit) => hit.observation.capturedAt,
      );
      asked.push({ question, captured, checked });
      return familiar.retriever.retrieve(user, question, request);
    },
  };
  const started = performance.now();
  const { rankings, report } = await runLocomo(
    { ...familiar, retriever: recording },
    { samples, k: K, onProgress: progress },
  );
  progress(
    `harness and ${configurations.length} option sets: ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  await familiar.close();
  db.close();

  if (asked.length !== rankings.length) throw new Error('the harness asked a different number of questions');
  const evidence = new Map<string, string[]>();
  for (const sample of samples)
    for (const [index, qa] of sample.qa.entries())
      evidence.set(`${sample.sample_id}#${index}`, normaliseEvidence(qa.evidence));
  const evidenceOf = (ranking: LocomoRanking) =>
    evidence.get(`${ranking.sample_id}#${ranking.qa_index}`) ?? [];

  /** The rankings an option set gives (`index`, or the check), in the harness's form (top K distinct turns). */
  const rankingsOf = (index: number | 'check'): LocomoRanking[] =>
    rankings.map((ranking, call) => {
      const entry = asked[call];
      if (entry?.question !== ranking.question)
        throw new Error('the harness asked questions in another order');
      const byTime = turnAt.get(ranking.sample_id);
      const ranked: string[] = [];
      for (const at of (index === 'check' ? entry.checked : entry.captured[index]) ?? []) {
        const diaId = byTime?.get(at);
        if (diaId && !ranked.includes(diaId)) ranked.push(diaId);
        if (ranked.length === K) break;
      }
      return { ...ranking, ranked };
    });

  /** Recall@10 of each question of categories 1–4 that has evidence (what the overall row averages). */
  const recallsAt10 = (ranked: LocomoRanking[]) =>
    ranked
      .filter((ranking) => ranking.category >= 1 && ranking.category <= 4 && evidenceOf(ranking).length > 0)
      .map((ranking) => {
        const wanted = evidenceOf(ranking);
        const top = new Set(ranking.ranked.slice(0, 10));
        return wanted.filter((id) => top.has(id)).length / wanted.length;
      });
  /** Standard error of a mean over questions. */
  const standardError = (values: number[]) => deviation(values) / Math.sqrt(Math.max(values.length, 1));
  interface Score {
    questions: number;
    recallAt10: number;
    /** Standard error of the mean recall@10 over the questions. */
    recallError: number;
    multiHop: number;
    multiHopQuestions: number;
  }
  const scoreOf = (ranked: LocomoRanking[]): Score => {
    const rows = scoreRecall(ranked, evidenceOf);
    const overall = rows.find((row) => row.category.startsWith('overall'));
    const multiHop = rows.find((row) => row.category === 'multi-hop');
    return {
      questions: overall?.questions ?? 0,
      recallAt10: overall?.recallAt10 ?? 0,
      recallError: standardError(recallsAt10(ranked)),
      multiHop: multiHop?.allInTop10 ?? 0,
      multiHopQuestions: multiHop?.questions ?? 0,
    };
  };
  const perConversation = (ranked: LocomoRanking[]) =>
    samples.map((sample: LocomoSample) => ({
      sample: sample.sample_id,
      ...scoreOf(ranked.filter((ranking) => ranking.sample_id === sample.sample_id)),
    }));
  const overallOf = scoreOf;

  const checked = rankingsOf('check');
  const differing = rankings.filter(
    (ranking, call) => ranking.ranked.join() !== checked[call]?.ranked.join(),
  );
  if (differing.length > 0)
    throw new Error(
      `${differing.length} questions rank differently outside the harness: the turn mapping drifted`,
    );

  // The reference is the harness's own ranking (the retriever `ask` uses, with the defaults).
  const reference = perConversation(rankings);
  const referenceOverall = overallOf(rankings);
  const harnessOverall = report.rows.find((row) => row.category.startsWith('overall'));
  if (Math.abs((harnessOverall?.recallAt10 ?? -1) - referenceOverall.recallAt10) > 1e-12)
    throw new Error('scoring differs from the harness report');

  const percent = (share: number) => (share * 100).toFixed(1);
  const points = (share: number) => `${share >= 0 ? '+' : '−'}${Math.abs(share * 100).toFixed(1)}`;
  const spread = (values: number[]) =>
    `${percent(Math.min(...values))}–${percent(Math.max(...values))}, sd ${percent(deviation(values))}`;
  const names = samples.map((sample) => sample.sample_id);

  console.log(
    `\nDefaults (the harness's rankings, the retriever \`ask\` uses): ${report.questions} questions, ` +
      `${report.rows.find((row) => row.category.startsWith('overall'))?.questions} with evidence in categories 1–4\n`,
  );
  /** "21.9 (7 of 32) ± 7.3": all-evidence@10 of multi-hop, with its binomial standard error. */
  const multiHopCell = (score: Score) => {
    const n = score.multiHopQuestions;
    const error = Math.sqrt((score.multiHop * (1 - score.multiHop)) / Math.max(n, 1));
    return `${percent(score.multiHop)} (${Math.round(score.multiHop * n)} of ${n}) ± ${percent(error)}`;
  };
  console.log('| conversation | questions (1–4) | R@10 ± s.e. | multi-hop all@10 (questions) ± s.e. |');
  console.log('|---|--:|--:|--:|');
  for (const row of reference)
    console.log(
      `| ${row.sample} | ${row.questions} | ${percent(row.recallAt10)} ± ${percent(row.recallError)} | ` +
        `${multiHopCell(row)} |`,
    );
  console.log(
    `| **all** | ${referenceOverall.questions} | **${percent(referenceOverall.recallAt10)}** ± ` +
      `${percent(referenceOverall.recallError)} | **${multiHopCell(referenceOverall)}** |`,
  );
  console.log(
    `| across conversations (min–max, sd) | | ${spread(reference.map((row) => row.recallAt10))} | ` +
      `${spread(reference.map((row) => row.multiHop))} |`,
  );

  console.log(
    `\nOption sets, each against the defaults. R@10 and multi-hop all@10 per conversation (${names.join(', ')}); ` +
      'Δ = defaults − option set, i.e. what the switched-off method adds; helps/hurts/same counts conversations ' +
      'by R@10.\n',
  );
  console.log(
    `| option set | R@10 (all) | Δ R@10 | R@10 per conversation | spread R@10 | Δ R@10 per conversation | helps / hurts / same | multi-hop all@10 (all) | multi-hop per conversation | ms/question |`,
  );
  console.log('|---|--:|--:|---|---|---|:-:|--:|---|--:|');
  console.log(
    `| **defaults** | **${percent(referenceOverall.recallAt10)}** | | ${reference.map((row) => percent(row.recallAt10)).join(' / ')} | ` +
      `${spread(reference.map((row) => row.recallAt10))} | | | **${percent(referenceOverall.multiHop)}** | ` +
      `${reference.map((row) => percent(row.multiHop)).join(' / ')} | |`,
  );
  for (const [index, { label }] of configurations.entries()) {
    const ranked = rankingsOf(index);
    const scores = perConversation(ranked);
    const overall = overallOf(ranked);
    const deltas = scores.map((row, at) => (reference[at]?.recallAt10 ?? 0) - row.recallAt10);
    // Equal within rounding of the table (0.05 points) counts as the same.
    const helps = deltas.filter((delta) => delta > 0.0005).length;
    const hurts = deltas.filter((delta) => delta < -0.0005).length;
    console.log(
      `| ${label} | ${percent(overall.recallAt10)} | ${points(referenceOverall.recallAt10 - overall.recallAt10)} | ` +
        `${scores.map((row) => percent(row.recallAt10)).join(' / ')} | ${spread(scores.map((row) => row.recallAt10))} | ` +
        `${deltas.map(points).join(' / ')} | ${helps} / ${hurts} / ${deltas.length - helps - hurts} | ` +
        `${percent(overall.multiHop)} | ${scores.map((row) => percent(row.multiHop)).join(' / ')} | ` +
        `${((retrieveMs[index] ?? 0) / rankings.length).toFixed(1)} |`,
    );
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}

/** Sample standard deviation (n − 1); 0 for fewer than two values. */
function deviation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1));
}
