/**
 * A sweep of retrieval options on a LoCoMo-format file: ingests once (like `familiar bench locomo`), then scores
 * evidence recall for each option set given as JSON on the command line. For ablations and tuning; the shipped
 * defaults are in packages/server/src/memory/retriever.ts. One line per option set: overall (categories 1–4) recall
 * at 5 / 10 / 25, the share of multi-hop questions with every evidence turn in the top 10, recall@10 per category
 * and per conversation (a crude cross-validation: a change that helps overall but hurts several conversations is
 * suspect), and mean milliseconds per question.
 *
 *   node --import tsx bench/locomo-sweep.ts '[{}, {"episodeWeight":0}, {"neighbourWeight":0}]' [data.json]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openFamiliar } from '../packages/server/src/app.ts';
import { loadConfig } from '../packages/server/src/config.ts';
import { type LocomoRanking, readLocomoFile, scoreRecall } from '../packages/server/src/evaluation/index.ts';
import { createLogger, toIso } from '../packages/server/src/kernel/index.ts';
import {
  createRetriever,
  createSqliteEpisodeStore,
  locomoTurns,
  normaliseEvidence,
} from '../packages/server/src/memory/index.ts';
import { openSqliteDatabase } from '../packages/server/src/storage/index.ts';

const home = mkdtempSync(join(tmpdir(), 'tune-'));
const familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: home }), {
  logger: createLogger({ level: 'warn' }),
});
const samples = readLocomoFile(process.argv[3] ?? '../shared/bench/locomo/locomo-dev.json');
const prepared = [];
for (const sample of samples) {
  const user = await familiar.accounts.addUser({ name: sample.sample_id, timezone: 'UTC' });
  const turnOf = new Map<string, string>();
  const inputs = [];
  const turns = locomoTurns(sample);
  for (const turn of turns) {
    const id = familiar.newId();
    turnOf.set(id, turn.diaId);
    inputs.push({
      id,
      modality: 'utterance' as const,
      capturedAt: toIso(turn.at),
      text: turn.text,
      speaker: turn.speaker,
    });
    if (turn.caption) {
      const f = familiar.newId();
      turnOf.set(f, turn.diaId);
      inputs.push({ id: f, modality: 'frame' as const, capturedAt: toIso(turn.at), text: turn.caption });
    }
  }
  for (let o = 0; o < inputs.length; o += 1000)
    await familiar.timeline.ingest(
      { userId: user.id, deviceId: null, label: 'x' },
      inputs.slice(o, o + 1000),
    );
  await familiar.understanding.catchUp({ id: user.id, timezone: 'UTC' });
  prepared.push({ sample, user, turnOf, now: Math.max(...turns.map((t) => t.at)) });
}
const db = openSqliteDatabase(join(home, 'familiar.db'));
const episodes = createSqliteEpisodeStore(db);
const grid = JSON.parse(process.argv[2] ?? '[{}]');
const percent = (share: number) => (share * 100).toFixed(1);
console.log(
  'options | R@5 R@10 R@25 | multi-hop all@10 | R@10 per category | R@10 per conversation | ms/question',
);
for (const options of grid) {
  const retriever = createRetriever({
    store: familiar.timelineStore,
    episodes: options.noEpisodes ? null : episodes,
    clock: familiar.clock,
    options,
  });
  const rankings: LocomoRanking[] = [];
  const evidence = new Map<string, string[]>();
  let retrieveMs = 0;
  for (const { sample, user, turnOf, now } of prepared) {
    for (const [i, qa] of sample.qa.entries()) {
      const started = performance.now();
      const found = await retriever.retrieve({ id: user.id, timezone: 'UTC' }, qa.question, {
        limit: 100,
        now,
      });
      retrieveMs += performance.now() - started;
      const ranked: string[] = [];
      for (const hit of found.hits) {
        const d = turnOf.get(hit.observation.id);
        if (d && !ranked.includes(d)) ranked.push(d);
      }
      rankings.push({
        sample_id: sample.sample_id,
        qa_index: i,
        question: qa.question,
        category: qa.category,
        ranked,
      });
      evidence.set(`${sample.sample_id}#${i}`, normaliseEvidence(qa.evidence));
    }
  }
  const evidenceOf = (r: LocomoRanking) => evidence.get(`${r.sample_id}#${r.qa_index}`) ?? [];
  const rows = scoreRecall(rankings, evidenceOf);
  const overall = rows.find((r) => r.category.startsWith('overall'));
  const multiHop = rows.find((r) => r.category === 'multi-hop');
  const perConversation = prepared.map(({ sample }) => {
    const own = scoreRecall(
      rankings.filter((r) => r.sample_id === sample.sample_id),
      evidenceOf,
    ).find((r) => r.category.startsWith('overall'));
    return `${sample.sample_id.replace('conv-', 'c')}:${percent(own?.recallAt10 ?? 0)}`;
  });
  console.log(
    JSON.stringify(options),
    '|',
    percent(overall?.recallAt5 ?? 0),
    percent(overall?.recallAt10 ?? 0),
    percent(overall?.recallAt25 ?? 0),
    '|',
    percent(multiHop?.allInTop10 ?? 0),
    '|',
    rows
      .filter((r) => !r.category.startsWith('overall'))
      .map((r) => `${r.category.slice(0, 5)}:${percent(r.recallAt10)}`)
      .join(' '),
    '|',
    perConversation.join(' '),
    '|',
    (retrieveMs / rankings.length).toFixed(2),
  );
}
await familiar.close();
