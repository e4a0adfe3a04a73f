/**
 * A sweep of retrieval options on a LoCoMo-format file: ingests once (like `familiar bench locomo`), then scores
 * evidence recall for each option set given as JSON on the command line. For ablations and tuning; the shipped
 * defaults are in packages/server/src/memory/retriever.ts.
 *
 *   node --import tsx bench/locomo-sweep.ts '[{}, {"episodeWeight":0}, {"neighbourWeight":0}]' [data.json]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
for (const options of grid) {
  const retriever = createRetriever({
    store: familiar.timelineStore,
    episodes: options.noEpisodes ? null : episodes,
    clock: familiar.clock,
    options,
  });
  const rankings: LocomoRanking[] = [];
  const evidence = new Map<string, string[]>();
  for (const { sample, user, turnOf, now } of prepared) {
    for (const [i, qa] of sample.qa.entries()) {
      const found = await retriever.retrieve({ id: user.id, timezone: 'UTC' }, qa.question, {
        limit: 100,
        now,
      });
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
  const rows = scoreRecall(rankings, (r) => evidence.get(`${r.sample_id}#${r.qa_index}`) ?? []);
  const o = rows.find((r) => r.category.startsWith('overall'))!;
  console.log(
    JSON.stringify(options),
    (o.recallAt5 * 100).toFixed(1),
    (o.recallAt10 * 100).toFixed(1),
    (o.recallAt25 * 100).toFixed(1),
    rows.map((r) => `${r.category.slice(0, 5)}:${(r.recallAt10 * 100).toFixed(0)}`).join(' '),
  );
}
await familiar.close();
