/**
 * Redaction before cloud models: per category of the evaluation corpus (test/fixtures/redaction/corpus.yaml, written
 * before the redactor) how many items the redactor replaces completely, how many must-not-change texts it alters,
 * and how long redacting and restoring take per 1 KB prompt, with the corpus's 13 people and with 500.
 * Run: `npm run bench:redaction [-- --iterations 2000]`.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  createPersonalDataFinder,
  createRedactionVault,
  REDACTION_CATEGORIES,
  redactionTermsFor,
} from '../packages/server/src/models/redaction/index.ts';
import { leakedValues, loadRedactionCorpus } from '../packages/server/test/fixtures/redaction/corpus.ts';
import { formatNumber, markdownTable, seededRandom, summarise } from './stats.ts';

const { values: options } = parseArgs({ options: { iterations: { type: 'string', default: '2000' } } });
const iterations = Number(options.iterations);
if (!Number.isInteger(iterations) || iterations < 10 || iterations > 1_000_000) {
  throw new Error('--iterations must be a whole number from 10 to 1,000,000');
}

const corpus = loadRedactionCorpus();
const people = redactionTermsFor(corpus.people);
const find = createPersonalDataFinder({ people });

// Detection on the corpus.
const detectionRows: string[][] = [];
let totalItems = 0;
let totalReplaced = 0;
for (const category of REDACTION_CATEGORIES) {
  const items = corpus.categories[category] ?? [];
  let replaced = 0;
  let values = 0;
  let valuesReplaced = 0;
  for (const item of items) {
    const vault = createRedactionVault({ find });
    const redacted = vault.redact(item.text);
    const leaked = leakedValues(redacted, item.values);
    if (leaked.length === 0) replaced += 1;
    else process.stderr.write(`leaked (${category}): ${item.text}\n`);
    if (vault.restore(redacted) !== item.text) throw new Error(`restore changed: ${item.text}`);
    values += item.values.length;
    valuesReplaced += item.values.length - leaked.length;
  }
  totalItems += items.length;
  totalReplaced += replaced;
  detectionRows.push([
    category,
    String(items.length),
    String(replaced),
    `${formatNumber((100 * replaced) / items.length, 1)} %`,
    `${valuesReplaced}/${values}`,
  ]);
}
detectionRows.push([
  'all',
  String(totalItems),
  String(totalReplaced),
  `${formatNumber((100 * totalReplaced) / totalItems, 1)} %`,
  '',
]);
const changed = corpus.mustNotChange.filter((text) => createRedactionVault({ find }).redact(text) !== text);
for (const text of changed) process.stderr.write(`false positive: ${text}\n`);

// Throughput: prompts of about 1 KB, half corpus sentences with personal data, half ordinary text.
const random = seededRandom(7);
const personal = REDACTION_CATEGORIES.flatMap((category) =>
  (corpus.categories[category] ?? []).map((item) => item.text),
);
const ordinary = corpus.mustNotChange;
function prompt(): string {
  let text = '';
  while (Buffer.byteLength(text) < 1024) {
    const pool = random() < 0.5 ? personal : ordinary;
    text += `${pool[Math.floor(random() * pool.length)] ?? ''} `;
  }
  return text.slice(0, 1024);
}
const prompts = Array.from({ length: 200 }, prompt);
const cleanPrompts = Array.from({ length: 200 }, () => {
  let text = '';
  while (text.length < 1024) text += `${ordinary[Math.floor(random() * ordinary.length)] ?? ''} `;
  return text.slice(0, 1024);
});

/** 500 made-up people with aliases, as a large people list. */
function manyPeople(count: number): string[] {
  const first = [
    'Aiko',
    'Bram',
    'Chiara',
    'Dmitri',
    'Esme',
    'Farid',
    'Greta',
    'Hamza',
    'Ines',
    'Jonas',
    'Kofi',
    'Lena',
    'Mateo',
    'Nia',
    'Oskar',
    'Pia',
    'Quentin',
    'Rania',
    'Soren',
    'Talia',
    'Umar',
    'Vera',
    'Wiktor',
    'Ximena',
    'Yusuf',
    'Zara',
  ];
  const last = [
    'Abara',
    'Berg',
    'Costa',
    'Dvorak',
    'Eze',
    'Fischer',
    'Gallo',
    'Haddad',
    'Ito',
    'Jansen',
    'Kowalski',
    'Lindqvist',
    'Moreau',
    'Nakamura',
    'Okoro',
    'Petrov',
    'Quinn',
    'Rossi',
    'Silva',
    'Tanaka',
  ];
  const list: { name: string; aliases: string[] }[] = [];
  for (let index = 0; index < count; index += 1) {
    const given = first[index % first.length] ?? 'Ana';
    const family = last[Math.floor(index / first.length) % last.length] ?? 'Souza';
    list.push({ name: `${given} ${family}`, aliases: [`${given} ${family[0]}.`] });
  }
  return redactionTermsFor([...corpus.people, ...list]);
}

function measure(label: string, terms: readonly string[], inputs: readonly string[]): string[] {
  const setup: number[] = [];
  const redactTimes: number[] = [];
  const restoreTimes: number[] = [];
  for (let index = 0; index < iterations; index += 1) {
    const input = inputs[index % inputs.length] ?? '';
    let started = performance.now();
    const vault = createRedactionVault({ find: createPersonalDataFinder({ people: terms }) });
    setup.push((performance.now() - started) * 1000);
    started = performance.now();
    const redacted = vault.redact(input);
    redactTimes.push((performance.now() - started) * 1000);
    started = performance.now();
    vault.restore(redacted);
    restoreTimes.push((performance.now() - started) * 1000);
  }
  const summary = (values: number[]) => {
    const { p50, p95 } = summarise(values.slice(Math.min(50, values.length - 1)));
    return `${formatNumber(p50, 0)} / ${formatNumber(p95, 0)}`;
  };
  return [label, String(terms.length), summary(setup), summary(redactTimes), summary(restoreTimes)];
}

const throughputRows = [
  measure('1 KB, half personal data', people, prompts),
  measure('1 KB, ordinary text only', people, cleanPrompts),
  measure('1 KB, half personal data, 500 people', manyPeople(500), prompts),
];

console.log(
  `Redaction before cloud models — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'})\n`,
);
console.log(markdownTable(['category', 'items', 'replaced', '% replaced', 'values replaced'], detectionRows));
console.log(
  `\nmust-not-change texts altered (false positives): ${changed.length} of ${corpus.mustNotChange.length}\n`,
);
console.log(
  markdownTable(
    ['prompt', 'people terms', 'finder build µs p50 / p95', 'redact µs p50 / p95', 'restore µs p50 / p95'],
    throughputRows,
  ),
);
console.log(
  `\n${iterations} iterations per row (the first 50 left out as warm-up); a fresh vault and finder each time; the runner builds a vault per call and caches the finder per people list.`,
);
