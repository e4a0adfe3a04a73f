import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { seededRandom } from './stats.ts';

/** Where the LoCoMo dev split lives: the shared benchmark folder beside the repository, never inside it. */
export const DEFAULT_LOCOMO_PATH = fileURLToPath(
  new URL('../../shared/bench/locomo/locomo-dev.json', import.meta.url),
);

const TurnSchema = z.object({
  speaker: z.string(),
  text: z.string(),
  blip_caption: z.string().optional(),
});

const LocomoSchema = z.array(
  z.object({
    conversation: z.record(z.string(), z.unknown()),
    qa: z.array(z.object({ question: z.string() })),
  }),
);

/** Text to fill a timeline with, and questions to ask of it. */
export interface BenchCorpus {
  /** `locomo` when the LoCoMo file was read, `synthetic` when it was absent and a seeded generator stands in. */
  source: 'locomo' | 'synthetic';
  /** A new observation text; deterministic for a given `random`. */
  nextText(random: () => number): string;
  questions: string[];
}

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)]!;

/** LoCoMo dialogue: each observation is one to three consecutive turns of a session, as a person heard them. */
function locomoCorpus(path: string): BenchCorpus {
  const parsed = LocomoSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path} does not look like LoCoMo: ${parsed.error.message}`);
  const sessions: string[][] = [];
  const questions: string[] = [];
  for (const sample of parsed.data) {
    for (const [key, value] of Object.entries(sample.conversation)) {
      if (!/^session_\d+$/.test(key)) continue;
      const turns = z.array(TurnSchema).safeParse(value);
      if (!turns.success || turns.data.length === 0) continue;
      sessions.push(
        turns.data.map(
          (turn) =>
            `${turn.speaker}: ${turn.text}${turn.blip_caption ? ` [shared a photo: ${turn.blip_caption}]` : ''}`,
        ),
      );
    }
    questions.push(...sample.qa.map((qa) => qa.question));
  }
  if (sessions.length === 0 || questions.length === 0) throw new Error(`${path} holds no turns or questions`);
  return {
    source: 'locomo',
    nextText(random) {
      const session = pick(sessions, random);
      const start = Math.floor(random() * session.length);
      const length = 1 + Math.floor(random() * 3);
      return session.slice(start, start + length).join('\n');
    },
    questions,
  };
}

const NAMES = [
  'Ada',
  'Bruno',
  'Chloe',
  'Dmitri',
  'Esme',
  'Farid',
  'Grace',
  'Hiro',
  'Ines',
  'Jonas',
  'Keiko',
  'Luis',
];
const PLACES = ['the bakery', 'the office', 'the park', 'the station', 'the gym', 'the library', 'the beach'];
const VERBS = ['talked about', 'bought', 'fixed', 'painted', 'planned', 'lost', 'found', 'cooked', 'booked'];
const THINGS = [
  'a bicycle',
  'the quarterly report',
  'a birthday cake',
  'concert tickets',
  'a new laptop',
  'the garden fence',
  'a pottery class',
  'the dentist appointment',
  'a camping trip',
  'a vintage camera',
  'the tax return',
  'a puppy',
];
const WHEN = ['this morning', 'yesterday', 'last weekend', 'after lunch', 'on Tuesday', 'before the meeting'];

/** A seeded stand-in when LoCoMo is absent: short first-person sentences about people, places and things. */
function syntheticCorpus(): BenchCorpus {
  const sentence = (random: () => number) =>
    `${pick(NAMES, random)} ${pick(VERBS, random)} ${pick(THINGS, random)} at ${pick(PLACES, random)} ${pick(WHEN, random)}.`;
  const questionRandom = seededRandom(7);
  const questions = Array.from(
    { length: 300 },
    () => `What did ${pick(NAMES, questionRandom)} say about ${pick(THINGS, questionRandom)}?`,
  );
  return {
    source: 'synthetic',
    nextText(random) {
      const count = 1 + Math.floor(random() * 3);
      return Array.from({ length: count }, () => sentence(random)).join(' ');
    },
    questions,
  };
}

/** Reads LoCoMo from `path` (FAMILIAR_BENCH_LOCOMO overrides it), or falls back to the synthetic generator. */
export function loadCorpus(path = process.env.FAMILIAR_BENCH_LOCOMO ?? DEFAULT_LOCOMO_PATH): BenchCorpus {
  return existsSync(path) ? locomoCorpus(path) : syntheticCorpus();
}
