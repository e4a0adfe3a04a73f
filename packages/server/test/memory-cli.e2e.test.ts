import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createUlidGenerator } from '../src/kernel/index.ts';
import { runCli, runCliJson, tempHome } from './support/processes.ts';

const newId = createUlidGenerator();

/** A small conversation file in the LoCoMo format, written for this test (the real data is never copied here). */
function syntheticLocomo(): unknown[] {
  const turn = (session: number, index: number, speaker: string, text: string, caption?: string) => ({
    speaker,
    dia_id: `D${session}:${index}`,
    text,
    ...(caption ? { blip_caption: caption } : {}),
  });
  return [
    {
      sample_id: 'syn-1',
      conversation: {
        speaker_a: 'Iris',
        speaker_b: 'Omar',
        session_1_date_time: '9:15 am on 3 March, 2024',
        session_1: [
          turn(1, 1, 'Iris', 'Morning! I finally adopted a greyhound from the shelter.'),
          turn(1, 2, 'Omar', 'That is wonderful, what is her name?'),
          turn(1, 3, 'Iris', 'Her name is Pepper and she loves the beach.', 'a photo of a dog on a beach'),
        ],
        session_2_date_time: '6:40 pm on 19 April, 2024',
        session_2: [
          turn(2, 1, 'Omar', 'I started pottery classes on Thursdays.'),
          turn(2, 2, 'Iris', 'Nice! I am training for a half marathon in June.'),
          turn(2, 3, 'Omar', 'Good luck with the marathon training.'),
        ],
      },
      qa: [
        {
          question: 'What is the name of the dog Iris adopted?',
          answer: 'Pepper',
          evidence: ['D1:3'],
          category: 4,
        },
        {
          question: 'When does Omar go to pottery class?',
          answer: 'Thursdays',
          evidence: ['D2:1'],
          category: 4,
        },
        {
          question: 'What race is Iris training for and what pet does she have?',
          answer: 'half marathon; greyhound',
          evidence: ['D2:2; D1:1'],
          category: 1,
        },
        {
          question: 'What did Omar say about painting?',
          adversarial_answer: 'nothing',
          evidence: [],
          category: 5,
        },
      ],
    },
  ];
}

describe('memory from the command line', () => {
  it('runs the LoCoMo harness in a temporary home and writes rankings in the scorers’ format', async () => {
    const data = join(tempHome(), 'locomo-synthetic.json');
    writeFileSync(data, JSON.stringify(syntheticLocomo()));
    const outFile = join(tempHome(), 'results.json');
    const before = readdirSync(tmpdir()).filter((name) => name.startsWith('familiar-locomo-')).length;
    const result = await runCli('', ['bench', 'locomo', '--data', data, '--k', '25', '--out', outFile], {
      env: { FAMILIAR_HOME: '' },
      timeoutMs: 60_000,
    });
    expect(result.stderr).toContain('(temporary)');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('BM25 baseline (published)');
    expect(result.stdout).toMatch(/overall \(1–4\)\s+3\s/);
    const written = JSON.parse(readFileSync(outFile, 'utf8'));
    expect(written.questions).toHaveLength(4);
    expect(written.questions[0]).toMatchObject({
      sample_id: 'syn-1',
      qa_index: 0,
      question: 'What is the name of the dog Iris adopted?',
      category: 4,
    });
    expect(written.questions[0].ranked.slice(0, 3)).toContain('D1:3');
    expect(written.questions[1].ranked.slice(0, 2)).toContain('D2:1');
    for (const question of written.questions) {
      expect(new Set(question.ranked).size).toBe(question.ranked.length);
      for (const id of question.ranked) expect(id).toMatch(/^D\d+:\d+$/);
    }
    const after = readdirSync(tmpdir()).filter((name) => name.startsWith('familiar-locomo-')).length;
    expect(after).toBe(before);
  });

  it('refuses a file that is not LoCoMo, and a bad --k, changing nothing', async () => {
    const home = tempHome();
    const data = join(home, 'not-locomo.json');
    writeFileSync(data, JSON.stringify({ hello: 'world' }));
    const bad = await runCli(home, ['bench', 'locomo', '--data', data]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('not a LoCoMo-format file');
    const k = await runCli(home, ['bench', 'locomo', '--data', data, '--k', '3']);
    expect(k.code).not.toBe(0);
    expect(k.stderr).toContain('--k must be');
    expect(existsSync(join(home, 'familiar.db'))).toBe(false);
  });

  it('shows facts and episodes, and corrects and deletes them', async () => {
    const home = tempHome();
    await runCliJson(home, ['user', 'add', 'ada', '--timezone', 'UTC']);
    const file = join(home, 'notes.jsonl');
    const lines = [
      { id: newId(), modality: 'note', capturedAt: '2026-11-20T09:00:00Z', text: 'I live in Lisbon.' },
      {
        id: newId(),
        modality: 'note',
        capturedAt: '2026-11-20T09:05:00Z',
        text: 'I promise to call the plumber tomorrow.',
      },
      {
        id: newId(),
        modality: 'note',
        capturedAt: '2026-11-22T18:00:00Z',
        text: 'Dinner with the neighbours.',
      },
    ];
    writeFileSync(file, lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    await runCliJson(home, ['ingest', file]);
    const facts = await runCliJson<{
      facts: Array<{ id: string; kind: string; object: string; sources: string[] }>;
    }>(home, ['facts']);
    const lives = facts.facts.find((fact) => fact.object === 'Lisbon');
    expect(lives?.sources).toEqual([lines[0]!.id]);
    expect(facts.facts.some((fact) => fact.kind === 'commitment')).toBe(true);
    const human = await runCli(home, ['facts', 'show', lives!.id]);
    expect(human.stdout).toContain('I live in Lisbon.');

    const corrected = await runCliJson<{ fact: { object: string }; superseded: { status: string } }>(home, [
      'facts',
      'correct',
      lives!.id,
      '--object',
      'Porto',
    ]);
    expect(corrected).toMatchObject({ fact: { object: 'Porto' }, superseded: { status: 'superseded' } });
    const noChange = await runCli(home, ['facts', 'correct', lives!.id]);
    expect(noChange.code).not.toBe(0);
    expect(noChange.stderr).toContain('say what is right');

    const episodes = await runCliJson<{ episodes: Array<{ id: string; observationCount: number }> }>(home, [
      'episodes',
    ]);
    expect(episodes.episodes.map((episode) => episode.observationCount)).toEqual([1, 2]);
    const renamed = await runCliJson<{ title: string }>(home, [
      'episodes',
      'edit',
      episodes.episodes[0]!.id,
      '--title',
      'Dinner next door',
    ]);
    expect(renamed.title).toBe('Dinner next door');
    const forgotten = await runCliJson<{ deleted: { observations: number } }>(home, [
      'episodes',
      'delete',
      episodes.episodes[0]!.id,
    ]);
    expect(forgotten.deleted.observations).toBe(1);
    const left = await runCliJson<{ episodes: unknown[] }>(home, ['episodes']);
    expect(left.episodes).toHaveLength(1);
    const missing = await runCli(home, ['episodes', 'show', episodes.episodes[0]!.id]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('not found');
  });
});
