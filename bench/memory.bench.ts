/**
 * Memory retrieval at 10k, 100k and 1M observations, straight against SQLite (no server): the lexical retriever
 * `ask` uses and `searchObservations` alone; the lag from an insert to the observation being searchable and to it
 * being part of an episode (the understanding pass); vector search and fused retrieval at 100k with a 384-d
 * embedder. Timelines are generated (a seeded, Zipf-like everyday vocabulary) and cached in the temp dir, one file
 * per size. Run: `npm run bench:memory [-- --sizes 10000,100000] [--quick]`.
 */
import { copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { monotonicFactory } from 'ulidx';
import { type Clock, createSilentLogger, createUlidGenerator } from '../packages/server/src/kernel/index.ts';
import {
  createHashingEmbedder,
  createRetriever,
  createRuleFactExtractor,
  createSqliteEpisodeStore,
  createSqliteFactStore,
  createSqliteMemoryCursors,
  createSqlitePeopleStore,
  createSqliteTimelineStore,
  createSqliteVectorIndex,
  createUnderstanding,
  type NewObservation,
  queryTerms,
  type Retriever,
  type TimelineStore,
} from '../packages/server/src/memory/index.ts';
import { openSqliteDatabase, type SqliteDatabase } from '../packages/server/src/storage/index.ts';
import { formatNumber, type LatencySummary, markdownTable, seededRandom, summarise } from './stats.ts';

const TARGET_P95_MS = 50;
const TARGET_SIZE = 1_000_000;
/** Bump when the generator changes, so cached timelines of the old text are not reused. */
const DATA_VERSION = 1;
const FILL_BATCH = 5_000;
/** Each of the two other users holds this share of the measured user's count. */
const OTHER_USER_SHARE = 0.1;
const MEASURED_USER = 'bench';
const OTHER_USERS = ['alex', 'sam'] as const;
const TIMEZONE = 'UTC';
const TIMELINE_START = Date.UTC(2023, 0, 1);
const TIMELINE_SPAN_MS = 2 * 365 * 86_400_000;
/** The retriever's clock: an hour after the generated timeline ends, so "last week" falls inside it. */
const QUESTION_NOW = TIMELINE_START + TIMELINE_SPAN_MS + 3_600_000;

const { values: options } = parseArgs({
  options: {
    sizes: { type: 'string' },
    quick: { type: 'boolean', default: false },
    questions: { type: 'string' },
    warmup: { type: 'string' },
    trials: { type: 'string' },
    'memory-size': { type: 'string' },
    profile: { type: 'boolean', default: false },
    rebuild: { type: 'boolean', default: false },
  },
});

function positiveInteger(value: string | undefined, name: string, max: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > max) throw new Error(`--${name} must be 1…${max}`);
  return parsed;
}

const quick = options.quick ?? false;
const sizes = (options.sizes ?? (quick ? '10000' : '10000,100000,1000000'))
  .split(',')
  .map((value) => positiveInteger(value, 'sizes', 5_000_000))
  .sort((a, b) => a - b);
const questionCount = positiveInteger(options.questions ?? (quick ? '100' : '300'), 'questions', 100_000);
const warmupCount = positiveInteger(options.warmup ?? (quick ? '10' : '20'), 'warmup', 10_000);
const trialCount = positiveInteger(options.trials ?? (quick ? '30' : '100'), 'trials', 10_000);
const memorySize = positiveInteger(
  options['memory-size'] ?? (quick ? '10000' : '100000'),
  'memory-size',
  5_000_000,
);

// ---------------------------------------------------------------------------------------------------------------
// The synthetic life: word lists, a Zipf-like sampler, sentences, observations and questions.
// ---------------------------------------------------------------------------------------------------------------

const list = (text: string): string[] => text.trim().split(/\s+/);

/** Everyday nouns, roughly most common first. */
const NOUNS = list(`
  time day car phone house work meeting coffee dinner lunch money kids dog email keys food car week morning night
  office doctor appointment school friend mom dad sister brother wife husband son daughter boss team project
  report deadline bill rent lease contract invoice receipt ticket flight train bus bike wallet bag laptop charger
  book movie show song game party birthday gift present card cake wine beer tea water milk bread eggs cheese
  chicken pasta rice salad soup pizza sandwich breakfast groceries list plan idea question problem answer
  reason story news weather rain snow sun window door kitchen bedroom bathroom garden garage roof floor table
  chair couch bed lamp fridge oven stove sink shower towel shirt jacket shoes dress jeans hat umbrella glasses
  watch ring necklace camera picture photo video message call text letter package delivery order refund price
  discount sale store market bakery pharmacy bank hospital clinic dentist gym pool park beach lake river mountain
  forest trail road street highway bridge parking garage station airport hotel restaurant cafe bar pub museum
  library theater cinema church temple concert festival wedding funeral vacation holiday trip weekend summer
  winter spring autumn january february march april may june july august september october november december
  monday tuesday wednesday thursday friday saturday sunday hour minute second year month evening afternoon
  noon midnight presentation slide spreadsheet budget salary tax insurance mortgage loan account password
  login update software app website server bug feature release client customer vendor supplier manager
  colleague neighbor landlord plumber electrician mechanic nurse teacher coach lawyer accountant agent
  interview offer promotion review feedback goal habit routine workout run walk swim yoga class lesson course
  exam homework grade score match team league season player coach ball bat racket helmet gloves boots
  medicine pill vitamin headache cold fever cough allergy injury knee back shoulder tooth eye ear hair skin
  diet weight sleep dream nap alarm clock calendar schedule reminder note journal diary pen pencil notebook
  paper folder box drawer shelf closet basement attic yard fence gate mailbox key lock battery bulb cable
  plug printer ink screen keyboard mouse speaker headphones tv remote console controller charger adapter
  paint brush hammer nail screw drill saw ladder hose mower shovel bucket broom mop vacuum detergent soap
  shampoo toothpaste razor perfume candle flowers plant tree seeds soil fertilizer compost grill barbecue
  picnic blanket tent sleeping backpack map compass flashlight lantern fuel gas oil tire brake engine
  mirror seat belt trunk license registration permit passport visa luggage suitcase souvenir postcard
  recipe ingredient spice salt pepper sugar flour butter oil sauce garlic onion tomato potato carrot apple
  banana orange lemon strawberry grape melon peach pear cherry nut chocolate cookie candy snack juice soda
  smoothie cereal yogurt honey jam steak fish salmon tuna shrimp burger fries noodles curry tacos sushi
  dumplings pie muffin bagel croissant donut pancake waffle toast oatmeal
`);

/** Verbs as `base` or `base/past` where the past is not regular. */
const VERBS = list(`
  go/went get/got see/saw say/said make/made take/took come/came think/thought look want give/gave use find/found
  tell/told ask work call try need feel/felt leave/left put/put mean/meant keep/kept let/let start show hear/heard
  play run/ran move like live believe bring/brought happen write/wrote sit/sat stand/stood lose/lost pay/paid
  meet/met include continue learn change lead/led understand/understood watch follow stop create speak/spoke
  read/read spend/spent grow/grew open walk win/won offer remember love consider appear buy/bought wait serve
  send/sent expect build/built stay fall/fell cut/cut reach kill remain suggest raise pass sell/sold require
  report decide pull drive/drove park cook clean fix book order cancel return borrow lend/lent check finish
  plan visit text email print sign pick drop deliver pack unpack wash dry iron fold mow paint repair replace
  install download upload share post schedule reschedule invite forget/forgot miss hurry rest sleep/slept wake/woke
  eat/ate drink/drank swim/swam climb hike bake fry boil grill taste smell/smelt celebrate argue apologize
  complain recommend mention promise agree refuse explain describe discuss compare choose/chose prefer hope
  worry laugh cry/cried smile shout whisper sing/sang dance practice train stretch lift jog
`);

const ADJECTIVES = list(`
  good new old great big small long little important different large local bad right high young early late
  hard easy cheap expensive free busy quiet loud nice funny weird strange happy sad tired hungry sick healthy
  hot cold warm cool wet dry clean dirty fresh broken empty full open closed red blue green yellow black white
  brown grey pink purple orange heavy light dark bright short tall fast slow quick long far near safe dangerous
  simple complex final main whole real sure clear ready true wrong best worst favorite usual normal annoying
  boring exciting amazing terrible awful lovely beautiful ugly friendly rude polite angry calm nervous excited
  worried relaxed lazy careful crazy serious silly spicy sweet sour salty bitter crispy soft smooth rough
  sharp tiny huge narrow wide deep shallow thick thin fancy plain modern vintage organic frozen homemade
  delicious disgusting crowded empty sunny rainy windy cloudy foggy snowy icy humid chilly freezing
`);

/** Words people fill speech with: common in utterances, and so common terms in questions too. */
const FILLERS = list(`
  yeah okay so really just like actually basically honestly well right anyway maybe probably definitely
  totally literally pretty kind sort guess mean know think
`);

const FIRST_NAMES = list(`
  Priya Sam Alex Maria John Sarah David Emma Michael Olivia James Sophia Daniel Mia Chris Anna Tom Laura Mark
  Julia Ben Kate Leo Nina Omar Aisha Raj Mei Yuki Kenji Carlos Lucia Diego Sofia Ivan Olga Pierre Claire Hans
  Greta Ahmed Fatima Chen Wei Hiro Sakura Kwame Amara Tariq Leila Noah Liam Ava Ella Jack Grace Ruby Oscar Finn
  Zoe Max Lily Ethan Chloe Lucas Isla Mason Freya Jonah Tessa Felix Nora Arjun Ananya Vikram Kavya Rohan
  Meera Sanjay Divya Bruno Paula Marco Giulia Matteo Elena Andrei Irina Tomasz Kasia Sven Ingrid Lars Astrid
  Dmitri Esme Farid Ines Jonas Keiko Luis Ada Chiara Rafael Beatriz Yusuf Zainab Emeka Ngozi Kofi Abena
`);

const PLACES = list(`
  office home gym park station airport school hospital clinic pharmacy bakery supermarket market mall cafe
  restaurant bar pub library museum cinema theater church beach lake pool garage bank post-office hotel
  stadium campus warehouse studio salon barbershop laundromat playground zoo aquarium gallery harbor pier
  marina trailhead campsite farm vineyard brewery diner bistro canteen food-court rooftop basement lobby
  parking-lot parking-garage bus-stop train-station ferry-terminal gas-station car-wash dealership garden-centre
  hardware-store bookshop bookstore toy-store pet-shop vet dentist daycare kindergarten
`);

const TOWN_STARTS = list(`
  Ash Black Brad Brook Cald Chad Dun Ed Fair Glen Hart Hay Kings Lang Mar Mid New North Oak Pem Red Ross Stan
  Stock Thorn Wake West Whit Wood Win Ald Bar Bel Car Elm Fox Gold Hol Lind Mill Nor Pen Rich Sal Shel Sum
`);
const TOWN_ENDS = list(`ford ley ton well wood field worth by more ham shaw stone bridge brook dale wick`);

const SYLLABLE_ONSETS = list(`b c d f g h j k l m n p r s t v z br cr dr fl gr kl pl pr st tr sh ch th`);
const SYLLABLE_VOWELS = list(`a e i o u ai ea io ou`);
const SYLLABLE_CODAS = ['', '', '', 'n', 'r', 'l', 'x', 's', 'm', 'k', 't'];

const TIME_PHRASES = list(`
  yesterday today tonight tomorrow this-morning this-afternoon this-evening last-night last-week last-weekend
  next-week on-monday on-tuesday on-wednesday on-thursday on-friday on-saturday on-sunday after-lunch
  before-work after-work at-noon later soon
`).map((phrase) => phrase.replaceAll('-', ' '));
const DETERMINERS = list(`the the the a a my my our this that his her their some`);
const PREPOSITIONS = list(`at in near behind next-to outside inside by from for with about`).map((word) =>
  word.replaceAll('-', ' '),
);
const SUBJECT_PRONOUNS = list(`I I I I we we she he they you`);
const CONNECTORS = list(`and and but so because then and-then since although`).map((word) =>
  word.replaceAll('-', ' '),
);
const MONTHS = list(`January February March April May June July August September October November December`);

/** Samples items by rank with a Zipf–Mandelbrot law: p(rank) ∝ 1 / (rank + offset)^exponent. */
function zipfSampler<T>(items: readonly T[], exponent = 1.05, offset = 8): (random: () => number) => T {
  const cumulative = new Float64Array(items.length);
  let total = 0;
  for (let rank = 0; rank < items.length; rank += 1) {
    total += 1 / (rank + 1 + offset) ** exponent;
    cumulative[rank] = total;
  }
  return (random) => {
    const target = random() * total;
    let low = 0;
    let high = items.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return items[low]!;
  };
}

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)]!;

function regularPast(base: string): string {
  if (base.endsWith('e')) return `${base}d`;
  if (/[^aeiou]y$/.test(base)) return `${base.slice(0, -1)}ied`;
  if (/^[a-z]*[^aeiou][aeiou][bdgmnpt]$/.test(base) && base.length <= 4) return `${base}${base.at(-1)}ed`;
  return `${base}ed`;
}

function gerund(base: string): string {
  if (base.endsWith('ie')) return `${base.slice(0, -2)}ying`;
  if (base.endsWith('e') && !base.endsWith('ee')) return `${base.slice(0, -1)}ing`;
  if (/^[a-z]*[^aeiou][aeiou][bdgmnpt]$/.test(base) && base.length <= 4) return `${base}${base.at(-1)}ing`;
  return `${base}ing`;
}

interface Verb {
  base: string;
  past: string;
  ing: string;
}

/** The whole vocabulary: real word lists first, then long tails (prefixed verbs, towns, product names, numbers). */
function buildVocabulary() {
  const random = seededRandom(1);
  const verbs: Verb[] = VERBS.map((entry) => {
    const [base, past] = entry.split('/') as [string, string | undefined];
    return { base, past: past ?? regularPast(base), ing: gerund(base) };
  });
  const prefixed: Verb[] = [];
  for (const prefix of ['re', 'un', 'over', 'mis', 'out', 'pre', 'under', 'co'])
    for (const verb of verbs)
      if (verb.past === regularPast(verb.base))
        prefixed.push({ base: prefix + verb.base, past: prefix + verb.past, ing: prefix + verb.ing });
  const towns = TOWN_STARTS.flatMap((start) => TOWN_ENDS.map((end) => start + end));
  const surnames = [...towns].sort(() => random() - 0.5);
  const products = new Set<string>();
  while (products.size < 9_000) {
    const syllables = 2 + Math.floor(random() * 2);
    let name = '';
    for (let i = 0; i < syllables; i += 1)
      name += pick(SYLLABLE_ONSETS, random) + pick(SYLLABLE_VOWELS, random) + pick(SYLLABLE_CODAS, random);
    products.add(name[0]!.toUpperCase() + name.slice(1));
  }
  const productNames = [...products];
  const nouns = [...NOUNS, ...productNames.map((name) => name.toLowerCase())];
  return {
    noun: zipfSampler(nouns),
    commonNoun: zipfSampler(NOUNS),
    rareNoun: (r: () => number) => pick(productNames, r).toLowerCase(),
    product: zipfSampler(productNames, 1, 50),
    verb: zipfSampler([...verbs, ...prefixed]),
    commonVerb: zipfSampler(verbs),
    adjective: zipfSampler(ADJECTIVES),
    filler: zipfSampler(FILLERS, 1, 2),
    name: zipfSampler(FIRST_NAMES, 1, 4),
    surname: zipfSampler(surnames, 1, 20),
    place: zipfSampler(PLACES.map((place) => place.replaceAll('-', ' '))),
    town: zipfSampler(towns, 1, 10),
    distinctWords: new Set([
      ...NOUNS,
      ...productNames.map((name) => name.toLowerCase()),
      ...verbs.flatMap((verb) => [verb.base, verb.past, verb.ing]),
      ...prefixed.flatMap((verb) => [verb.base, verb.past, verb.ing]),
      ...ADJECTIVES,
      ...FILLERS,
      ...FIRST_NAMES.map((name) => name.toLowerCase()),
      ...towns.map((town) => town.toLowerCase()),
    ]).size,
  };
}

type Vocabulary = ReturnType<typeof buildVocabulary>;

/** Everyday utterances, notes, chats and frame captions about one seeded life. */
function createLife(vocabulary: Vocabulary, random: () => number) {
  const v = vocabulary;
  const number = () => {
    const roll = random();
    if (roll < 0.4) return String(1 + Math.floor(random() * 12));
    if (roll < 0.7) return String(Math.floor(random() * 100));
    if (roll < 0.9) return String(Math.floor(random() * 1_000));
    return String(10_000 + Math.floor(random() * 90_000));
  };
  const nounPhrase = () => {
    const adjective = random() < 0.35 ? `${v.adjective(random)} ` : '';
    const noun = random() < 0.04 ? v.product(random) : v.noun(random);
    const second = random() < 0.15 ? ` ${v.commonNoun(random)}` : '';
    return `${pick(DETERMINERS, random)} ${adjective}${noun}${second}`;
  };
  const person = () => (random() < 0.15 ? `${v.name(random)} ${v.surname(random)}` : v.name(random));
  const subject = () => {
    const roll = random();
    if (roll < 0.55) return pick(SUBJECT_PRONOUNS, random);
    if (roll < 0.85) return person();
    return `my ${v.commonNoun(random)}`;
  };
  const where = () => {
    const roll = random();
    if (roll < 0.45) return `at the ${v.place(random)}`;
    if (roll < 0.6) return `in ${v.town(random)}`;
    if (roll < 0.75) return `with ${person()}`;
    return `${pick(PREPOSITIONS, random)} ${nounPhrase()}`;
  };
  const clause = (): string => {
    const verb = v.verb(random);
    switch (Math.floor(random() * 12)) {
      case 0:
        return `I need to ${verb.base} ${nounPhrase()} ${random() < 0.5 ? pick(TIME_PHRASES, random) : where()}`;
      case 1:
        return `did you ${verb.base} ${nounPhrase()}`;
      case 2:
        return `${person()} said ${subject()} ${verb.past} ${nounPhrase()}`;
      case 3:
        return `we should ${verb.base} ${nounPhrase()} ${where()}`;
      case 4:
        return `the ${v.noun(random)} was ${random() < 0.3 ? 'too ' : ''}${v.adjective(random)}`;
      case 5:
        return `let's meet ${where()} at ${1 + Math.floor(random() * 12)}:${pick(['00', '15', '30', '45'], random)}`;
      case 6:
        return `it cost about ${number()} dollars for ${nounPhrase()}`;
      case 7:
        return `${subject()} ${random() < 0.5 ? 'was' : 'is'} ${v.verb(random).ing} ${nounPhrase()} ${where()}`;
      case 8:
        return `${v.filler(random)} ${v.filler(random)} ${subject()} ${verb.past} it`;
      default:
        return `${subject()} ${verb.past} ${nounPhrase()}${random() < 0.6 ? ` ${where()}` : ''}${random() < 0.3 ? ` ${pick(TIME_PHRASES, random)}` : ''}`;
    }
  };
  /** 5–40 words, most around a dozen: clauses joined until the drawn length is reached. */
  const sentence = () => {
    const wanted = Math.min(40, 5 + Math.floor(-Math.log(1 - random()) * 9));
    const parts = [clause()];
    let words = parts[0]!.split(' ').length;
    while (words < wanted) {
      const next = clause();
      parts.push(pick(CONNECTORS, random), next);
      words += next.split(' ').length + 1;
    }
    const text = parts.join(' ').split(' ').slice(0, 40).join(' ');
    return `${text[0]!.toUpperCase()}${text.slice(1)}${random() < 0.15 ? '?' : '.'}`;
  };
  const note = () => {
    switch (Math.floor(random() * 5)) {
      case 0:
        return `Remember to ${v.commonVerb(random).base} ${nounPhrase()} ${pick(TIME_PHRASES, random)}.`;
      case 1:
        return `Buy ${v.commonNoun(random)}, ${v.commonNoun(random)} and ${v.commonNoun(random)}.`;
      case 2:
        return `${v.name(random)}'s birthday is on ${pick(MONTHS, random)} ${1 + Math.floor(random() * 28)}.`;
      case 3:
        return `Call ${person()} about ${nounPhrase()}. Order number ${number()}.`;
      default:
        return sentence();
    }
  };
  const caption = () =>
    random() < 0.8
      ? `${random() < 0.5 ? 'A person' : `${v.name(random)}`} ${v.verb(random).ing} ${nounPhrase()} ${where()}`
      : `Text on screen: ${v.product(random)} ${v.noun(random)} ${number()} ${v.adjective(random)}`;

  /** A new observation at `capturedAt`. */
  return (id: string, capturedAt: number): NewObservation => {
    const roll = random();
    const base = { id, capturedAt, receivedAt: capturedAt + 1_000, captureId: null, deviceId: 'glasses' };
    if (roll < 0.55) {
      const text = sentence();
      const speakerRoll = random();
      const label = speakerRoll < 0.4 ? 'wearer' : speakerRoll < 0.55 ? 'unknown' : v.name(random);
      let at = 0;
      const words = text.split(' ').map((word) => {
        const startMs = at;
        at += 180 + Math.floor(random() * 300);
        return { word, startMs, endMs: at - 20, confidence: Math.round((0.6 + random() * 0.4) * 100) / 100 };
      });
      return {
        ...base,
        modality: 'utterance',
        text,
        provenance: { engine: 'pocketsphinx', model: 'en-us' },
        trust: 'perceived',
        details: {
          span: { startMs: 0, endMs: at },
          speaker: { label, personId: null },
          ...(random() < 0.7 ? { words } : {}),
        },
      };
    }
    if (roll < 0.75)
      return {
        ...base,
        modality: 'frame',
        text: caption(),
        provenance: { engine: 'captioner', model: 'florence-2-base' },
        trust: 'perceived',
        details: { frames: { count: 1 + Math.floor(random() * 20), lastAt: capturedAt + 5_000 } },
      };
    if (roll < 0.9)
      return {
        ...base,
        deviceId: 'phone',
        modality: 'note',
        text: note(),
        provenance: null,
        trust: 'authored',
      };
    if (roll < 0.97)
      return {
        ...base,
        deviceId: 'phone',
        modality: 'chat',
        text: sentence(),
        provenance: null,
        trust: 'authored',
        details: { speaker: { label: random() < 0.5 ? 'wearer' : v.name(random), personId: null } },
      };
    return {
      ...base,
      modality: 'location',
      text: `${v.place(random)}, ${v.town(random)}`,
      provenance: { engine: 'gps' },
      trust: 'perceived',
    };
  };
}

/** Kinds of question, so a slow kind shows up on its own. */
type QuestionKind = 'person' | 'common words' | 'rare word' | 'many words' | 'time phrase';

interface Question {
  text: string;
  kind: QuestionKind;
}

/** Questions a person asks of their memory, drawn from the same vocabulary as the timeline. */
function createQuestions(vocabulary: Vocabulary, count: number, seed: number): Question[] {
  const v = vocabulary;
  const random = seededRandom(seed);
  const fixed = [
    'where did I park the car',
    'when did I last go running',
    'what did Priya say about the lease',
    'where are my keys',
    'what did we have for dinner',
    'when is the dentist appointment',
    'who did I meet at the cafe',
    'what was the wifi password',
  ];
  const templates: Array<() => Question> = [
    () => ({ text: `what did ${v.name(random)} say about the ${v.commonNoun(random)}`, kind: 'person' }),
    () => ({ text: `when did I last see ${v.name(random)}`, kind: 'person' }),
    () => ({ text: `what is ${v.name(random)}'s ${v.commonNoun(random)}`, kind: 'person' }),
    () => ({
      text: `did ${v.name(random)} ${v.commonVerb(random).base} the ${v.noun(random)}`,
      kind: 'person',
    }),
    () => ({
      text: `where did I ${v.commonVerb(random).base} the ${v.commonNoun(random)}`,
      kind: 'common words',
    }),
    () => ({ text: `when did I last go ${v.commonVerb(random).ing}`, kind: 'common words' }),
    () => ({ text: `what happened with the ${v.commonNoun(random)}`, kind: 'common words' }),
    () => ({ text: `${v.commonNoun(random)}`, kind: 'common words' }),
    () => ({ text: `how much was the ${v.adjective(random)} ${v.commonNoun(random)}`, kind: 'common words' }),
    () => ({ text: `what was the ${v.product(random)} order number`, kind: 'rare word' }),
    () => ({ text: `when did I talk to ${v.name(random)} ${v.surname(random)}`, kind: 'rare word' }),
    () => ({ text: `what do I know about ${v.rareNoun(random)}`, kind: 'rare word' }),
    () => ({ text: `what did I do in ${v.town(random)}`, kind: 'rare word' }),
    () => ({
      text: `what did ${v.name(random)} think about the ${v.adjective(random)} ${v.noun(random)} at the ${v.place(random)} in ${v.town(random)}`,
      kind: 'many words',
    }),
    () => ({
      text: `I ${v.verb(random).past} the ${v.noun(random)} and the ${v.commonNoun(random)} with ${v.name(random)}, what was the ${v.adjective(random)} ${v.noun(random)}`,
      kind: 'many words',
    }),
    () => ({ text: `what did ${v.name(random)} say last week`, kind: 'time phrase' }),
    () => ({
      text: `what did I ${v.commonVerb(random).base} in ${pick(MONTHS, random)}`,
      kind: 'time phrase',
    }),
    () => ({ text: `where did we have ${v.commonNoun(random)} yesterday`, kind: 'time phrase' }),
    () => ({
      text: `what did I ${v.commonVerb(random).base} last month about the ${v.noun(random)}`,
      kind: 'time phrase',
    }),
  ];
  const questions: Question[] = [];
  for (let i = 0; i < count; i += 1) {
    const text = fixed[i];
    if (text !== undefined && seed === 42) {
      const kind: QuestionKind = /Priya/.test(text) ? 'person' : 'common words';
      questions.push({ text, kind });
    } else questions.push(pick(templates, random)());
  }
  return questions;
}

// ---------------------------------------------------------------------------------------------------------------
// Timelines: generated once per size and cached in the temp dir.
// ---------------------------------------------------------------------------------------------------------------

interface Timeline {
  path: string;
  /** Seconds the build took, or null when the cached file was reused. */
  buildSeconds: number | null;
  rows: number;
  megabytes: number;
}

function cachePath(size: number): string {
  return join(tmpdir(), `familiar-memory-bench-v${DATA_VERSION}-${size}.sqlite`);
}

function userGenerator(vocabulary: Vocabulary, seed: number, count: number) {
  const random = seededRandom(seed);
  const nextId = monotonicFactory(random);
  const observe = createLife(vocabulary, random);
  const meanGapMs = TIMELINE_SPAN_MS / count;
  let capturedAt = TIMELINE_START;
  return (batch: number): NewObservation[] =>
    Array.from({ length: batch }, () => {
      // Bursts (a conversation, a walk) and pauses between them; the mean gap spreads `count` over two years.
      const scale = random() < 0.9 ? 0.2 : 8.2;
      capturedAt += Math.max(1_000, Math.round(-Math.log(1 - random()) * scale * meanGapMs));
      return observe(nextId(capturedAt), capturedAt);
    });
}

/** The cached timeline of `size` observations (plus the other users'), building it first when missing. */
async function timelineOf(vocabulary: Vocabulary, size: number): Promise<Timeline> {
  const path = cachePath(size);
  const otherCount = Math.round(size * OTHER_USER_SHARE);
  const rows = size + otherCount * OTHER_USERS.length;
  if (options.rebuild) rmSync(path, { force: true });
  if (existsSync(path)) return { path, buildSeconds: null, rows, megabytes: statSync(path).size / 2 ** 20 };
  const building = `${path}.building`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(building + suffix, { force: true });
  const started = performance.now();
  const db = openSqliteDatabase(building, { synchronous: 'NORMAL' });
  try {
    const insertUser = db.prepare('INSERT INTO users (id, name, timezone, created_at) VALUES (?, ?, ?, ?)');
    for (const id of [MEASURED_USER, ...OTHER_USERS]) insertUser.run(id, id, TIMEZONE, TIMELINE_START);
    const store = createSqliteTimelineStore(db);
    const measured = userGenerator(vocabulary, 1_000 + size, size);
    const others = OTHER_USERS.map((id, index) => ({
      id,
      next: userGenerator(vocabulary, 2_000 + size + index, otherCount),
    }));
    let written = 0;
    let lastReport = performance.now();
    while (written < size) {
      const count = Math.min(FILL_BATCH, size - written);
      await store.insertObservations(MEASURED_USER, measured(count));
      const share = Math.round((count * otherCount) / size);
      for (const other of others) await store.insertObservations(other.id, other.next(share));
      written += count;
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        process.stderr.write(`    ${formatNumber(written)} / ${formatNumber(size)} written\n`);
      }
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  renameSync(building, path);
  for (const suffix of ['-wal', '-shm']) rmSync(building + suffix, { force: true });
  return {
    path,
    buildSeconds: (performance.now() - started) / 1000,
    rows,
    megabytes: statSync(path).size / 2 ** 20,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring.
// ---------------------------------------------------------------------------------------------------------------

const fixedClock: Clock = { now: () => QUESTION_NOW };
const benchUser = { id: MEASURED_USER, timezone: TIMEZONE };

async function timeEach<T>(items: readonly T[], run: (item: T) => Promise<unknown>): Promise<number[]> {
  const durations: number[] = [];
  for (const item of items) {
    const started = performance.now();
    await run(item);
    durations.push(performance.now() - started);
  }
  return durations;
}

interface LatencyRow {
  label: string;
  latency: LatencySummary;
  /** Share of questions with at least one hit, or null when not counted. */
  answered: number | null;
}

async function measureRetriever(
  retriever: Retriever,
  questions: readonly Question[],
  warmup: readonly Question[],
): Promise<{ durations: number[]; answered: number; topIds: string[][] }> {
  for (const question of warmup) await retriever.retrieve(benchUser, question.text, { limit: 10 });
  let answered = 0;
  const topIds: string[][] = [];
  const durations = await timeEach(questions, async (question) => {
    const retrieval = await retriever.retrieve(benchUser, question.text, { limit: 10 });
    if (retrieval.hits.length > 0) answered += 1;
    topIds.push(retrieval.hits.map((hit) => hit.observation.id));
  });
  return { durations, answered: answered / questions.length, topIds };
}

async function measureSearch(
  store: TimelineStore,
  questions: readonly Question[],
  limit: number,
): Promise<{ durations: number[]; answered: number }> {
  let answered = 0;
  const durations = await timeEach(questions, async (question) => {
    const hits = await store.searchObservations(MEASURED_USER, queryTerms(question.text), limit);
    if (hits.length > 0) answered += 1;
  });
  return { durations, answered: answered / questions.length };
}

const ms = (value: number) => formatNumber(value, 1);
const percent = (value: number) => `${formatNumber(value * 100)}%`;

function latencyTable(first: string, rows: ReadonlyArray<{ key: string } & LatencyRow>): string {
  return markdownTable(
    [first, 'measured', 'n', 'mean ms', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'with hits'],
    rows.map((row) => [
      row.key,
      row.label,
      String(row.latency.count),
      ms(row.latency.mean),
      ms(row.latency.p50),
      ms(row.latency.p95),
      ms(row.latency.p99),
      ms(row.latency.max),
      row.answered === null ? '' : percent(row.answered),
    ]),
  );
}

const printed: string[] = [];
function section(title: string, body: string): void {
  const text = `### ${title}\n\n${body}`;
  printed.push(text);
  process.stdout.write(`\n${text}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Lexical retrieval at each size.
// ---------------------------------------------------------------------------------------------------------------

const QUESTION_KINDS: readonly QuestionKind[] = [
  'person',
  'common words',
  'rare word',
  'many words',
  'time phrase',
];

async function lexicalSection(
  vocabulary: Vocabulary,
  questions: readonly Question[],
  warmup: readonly Question[],
): Promise<void> {
  const builds: string[][] = [];
  const rows: Array<{ key: string } & LatencyRow> = [];
  const kindRows: string[][] = [];
  let profile: [string, string] | null = null;
  for (const size of sizes) {
    process.stderr.write(`  timeline of ${formatNumber(size)} observations…\n`);
    const timeline = await timelineOf(vocabulary, size);
    process.stderr.write(
      timeline.buildSeconds === null
        ? `    reused ${timeline.path}\n`
        : `    built in ${formatNumber(timeline.buildSeconds, 1)} s (${formatNumber(timeline.rows / timeline.buildSeconds)} rows/s)\n`,
    );
    builds.push([
      formatNumber(size),
      formatNumber(timeline.rows),
      formatNumber(timeline.megabytes),
      timeline.buildSeconds === null ? 'cached' : formatNumber(timeline.buildSeconds, 1),
    ]);
    const db = openSqliteDatabase(timeline.path);
    try {
      const store = createSqliteTimelineStore(db);
      const retriever = createRetriever({ store, episodes: createSqliteEpisodeStore(db), clock: fixedClock });
      const retrieved = await measureRetriever(retriever, questions, warmup);
      const wide = await measureSearch(store, questions, 200);
      const narrow = await measureSearch(store, questions, 10);
      const key = formatNumber(size);
      rows.push(
        {
          key,
          label: 'retriever (limit 10)',
          latency: summarise(retrieved.durations),
          answered: retrieved.answered,
        },
        {
          key,
          label: 'searchObservations (200)',
          latency: summarise(wide.durations),
          answered: wide.answered,
        },
        {
          key,
          label: 'searchObservations (10)',
          latency: summarise(narrow.durations),
          answered: narrow.answered,
        },
      );
      for (const kind of QUESTION_KINDS) {
        const of = (durations: readonly number[]) =>
          summarise(durations.filter((_, index) => questions[index]!.kind === kind));
        const retrieverKind = of(retrieved.durations);
        const searchKind = of(wide.durations);
        kindRows.push([
          key,
          kind,
          String(retrieverKind.count),
          ms(retrieverKind.p50),
          ms(retrieverKind.p95),
          ms(searchKind.p50),
          ms(searchKind.p95),
        ]);
      }
      const p95 = summarise(retrieved.durations).p95;
      process.stderr.write(`    retriever p95 ${ms(p95)} ms\n`);
      if (size === sizes.at(-1) && (options.profile || (size >= TARGET_SIZE && p95 > TARGET_P95_MS)))
        profile = await profileLexical(db, store, questions, retrieved, size);
    } finally {
      db.close();
    }
  }
  section(
    'Timelines',
    `${markdownTable(['measured user', 'rows (3 users)', 'MiB', 'build s'], builds)}\n\nThe measured user holds the stated count; two other users hold ${formatNumber(OTHER_USER_SHARE * 100)} % of it each, interleaved in write order. Built through \`store.insertObservations\` in batches of ${formatNumber(FILL_BATCH)} (synchronous=NORMAL while building), cached in ${tmpdir()}.`,
  );
  const largest = rows.filter(
    (row) => row.key === formatNumber(TARGET_SIZE) && row.label.startsWith('retriever'),
  );
  const verdict =
    largest.length === 0
      ? `not measured at ${formatNumber(TARGET_SIZE)}`
      : largest[0]!.latency.p95 <= TARGET_P95_MS
        ? `met (p95 ${ms(largest[0]!.latency.p95)} ms)`
        : `MISSED (p95 ${ms(largest[0]!.latency.p95)} ms)`;
  section(
    'Lexical retrieval',
    `${latencyTable('observations', rows)}\n\nTarget: lexical retriever p95 ≤ ${TARGET_P95_MS} ms at ${formatNumber(TARGET_SIZE)} observations: ${verdict}. ${questionCount} questions after ${warmupCount} warm-up, one after another, in-process; \`searchObservations\` with the question's terms (\`queryTerms\`) and the retriever's 200 candidates, or 10. No episodes exist in these timelines (the understanding pass has not run), so the retriever's episode lookups find nothing.`,
  );
  section(
    'Lexical retrieval by kind of question',
    markdownTable(
      ['observations', 'kind', 'n', 'retriever p50', 'retriever p95', 'search(200) p50', 'search(200) p95'],
      kindRows,
    ),
  );
  if (profile) section(...profile);
}

/** Where the time of a lexical search goes at the largest size, and what cheap changes would save. */
async function profileLexical(
  db: SqliteDatabase,
  store: TimelineStore,
  questions: readonly Question[],
  baseline: { durations: readonly number[]; topIds: readonly string[][] },
  size: number,
): Promise<[string, string]> {
  process.stderr.write('    profiling the lexical path…\n');
  const total = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM observations').get()?.n ?? 1;
  const ftsQuery = (terms: readonly string[]) =>
    terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(' OR ');
  const countMatches = db.prepare<[string], { n: number }>(
    'SELECT count(*) AS n FROM observations_fts WHERE observations_fts MATCH ?',
  );
  const documentFrequency = new Map<string, number>();
  const frequencyOf = (term: string) => {
    let known = documentFrequency.get(term);
    if (known === undefined) {
      known = countMatches.get(ftsQuery([term]))?.n ?? 0;
      documentFrequency.set(term, known);
    }
    return known;
  };
  const termLists = questions.map((question) => queryTerms(question.text));
  const matching = termLists.map((terms) =>
    terms.length === 0 ? 0 : (countMatches.get(ftsQuery(terms))?.n ?? 0),
  );
  for (const terms of termLists) for (const term of terms) frequencyOf(term);

  // The parts of the no-time-filter path (`searchRanked`), timed on their own.
  const rankOnly = db.prepare<[string, number], { seq: number; rank: number }>(
    'SELECT rowid AS seq, rank FROM observations_fts WHERE observations_fts MATCH ? ORDER BY rank LIMIT ?',
  );
  const rawRows = db.prepare<[string, string], { seq: number }>(
    `SELECT o.seq, o.id, o.user_id, o.device_id, o.modality, o.captured_at, o.received_at, o.text, o.capture_id, o.provenance, o.trust, o.device_captured_at, o.details
     FROM json_each(?) AS wanted CROSS JOIN observations o ON o.seq = wanted.value WHERE o.user_id = ?`,
  );
  const withTerms = termLists.filter((terms) => terms.length > 0);
  const ranked = withTerms.map((terms) => rankOnly.all(ftsQuery(terms), 400).map((row) => row.seq));
  const timeSync = (run: (index: number) => void) =>
    summarise(
      withTerms.map((_, index) => {
        const started = performance.now();
        run(index);
        return performance.now() - started;
      }),
    );
  const parts: Array<[string, LatencySummary]> = [
    ['count(*) of MATCH (no scoring)', timeSync((i) => countMatches.get(ftsQuery(withTerms[i]!)))],
    [
      'MATCH … ORDER BY rank LIMIT 400 (BM25 scores every match)',
      timeSync((i) => rankOnly.all(ftsQuery(withTerms[i]!), 400)),
    ],
    [
      'read those 400 rows by seq (SQL only)',
      timeSync((i) => rawRows.all(JSON.stringify(ranked[i]), MEASURED_USER)),
    ],
  ];
  const getBySeq = await timeEach(ranked, (seqs) => store.getBySeq(MEASURED_USER, seqs));
  parts.push(['read them + JSON/Zod parse (store.getBySeq)', summarise(getBySeq)]);

  // The time-filtered path: today's `searchInRange` lets the planner walk the user's rows in the time range and run
  // the MATCH once per row. The proposed query bounds the FTS scan by the seq range of those rows and joins after.
  const seqRange = db.prepare<[string, number, number], { lo: number | null; hi: number | null }>(
    'SELECT min(seq) AS lo, max(seq) AS hi FROM observations WHERE user_id = ? AND captured_at >= ? AND captured_at < ?',
  );
  const rangedSearch = db.prepare<
    [string, number, number, string, number, number, number],
    { seq: number; score: number }
  >(
    `SELECT o.seq AS seq, -bm25(observations_fts) AS score
     FROM observations_fts CROSS JOIN observations o ON o.seq = observations_fts.rowid
     WHERE observations_fts MATCH ? AND observations_fts.rowid BETWEEN ? AND ?
       AND o.user_id = ? AND o.captured_at >= ? AND o.captured_at < ?
     ORDER BY bm25(observations_fts) LIMIT ?`,
  );
  const variant = (prune: (terms: readonly string[]) => string[], rangeFix: boolean): TimelineStore => ({
    ...store,
    async searchObservations(userId, terms, limit, filter = {}) {
      const kept = prune(terms);
      if (!rangeFix || (filter.fromMs === undefined && filter.toMs === undefined))
        return store.searchObservations(userId, kept, limit, filter);
      if (kept.length === 0 || limit < 1) return [];
      const fromMs = filter.fromMs ?? Number.MIN_SAFE_INTEGER;
      const toMs = filter.toMs ?? Number.MAX_SAFE_INTEGER;
      const range = seqRange.get(userId, fromMs, toMs);
      if (!range || range.lo === null || range.hi === null) return [];
      const hits = rangedSearch.all(ftsQuery(kept), range.lo, range.hi, userId, fromMs, toMs, limit);
      const rows = new Map(
        (
          await store.getBySeq(
            userId,
            hits.map((hit) => hit.seq),
          )
        ).map((entry) => [entry.seq, entry.observation]),
      );
      return hits.flatMap((hit) => {
        const observation = rows.get(hit.seq);
        return observation ? [{ observation, score: hit.score, seq: hit.seq }] : [];
      });
    },
  });
  const keepAll = (terms: readonly string[]) => [...terms];
  const dropCommon = (threshold: number) => (terms: readonly string[]) => {
    const rare = terms.filter((term) => frequencyOf(term) / total <= threshold);
    return rare.length > 0 ? rare : [...terms];
  };
  const episodes = createSqliteEpisodeStore(db);
  const isTimed = questions.map((question) => question.kind === 'time phrase');
  const variantRow = (label: string, durations: readonly number[], topIds: readonly string[][]) => {
    const overlap =
      topIds.reduce((sum, ids, index) => {
        const before = new Set(baseline.topIds[index] ?? []);
        if (before.size === 0) return sum + (ids.length === 0 ? 1 : 0);
        return sum + ids.filter((id) => before.has(id)).length / before.size;
      }, 0) / topIds.length;
    const all = summarise(durations);
    const untimed = summarise(durations.filter((_, index) => !isTimed[index]));
    const timed = summarise(durations.filter((_, index) => isTimed[index]));
    return [label, ms(all.p50), ms(all.p95), ms(all.p99), ms(untimed.p95), ms(timed.p95), percent(overlap)];
  };
  const variantRows = [variantRow('today’s store (as measured above)', baseline.durations, baseline.topIds)];
  const variants: Array<[string, TimelineStore]> = [
    ['time filter: seq range + CROSS JOIN + bm25()', variant(keepAll, true)],
    ['… and drop terms in > 5 % of rows when a rarer one exists', variant(dropCommon(0.05), true)],
    ['… and drop terms in > 2 % of rows when a rarer one exists', variant(dropCommon(0.02), true)],
    ['… and drop terms in > 1 % of rows when a rarer one exists', variant(dropCommon(0.01), true)],
  ];
  for (const [label, variantStore] of variants) {
    process.stderr.write(`    retriever with ${label}\n`);
    const result = await measureRetriever(
      createRetriever({ store: variantStore, episodes, clock: fixedClock }),
      questions,
      [],
    );
    variantRows.push(variantRow(label, result.durations, result.topIds));
  }

  const matchSummary = summarise(matching);
  const commonTerms = [...documentFrequency]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([term, count]) => `${term} ${formatNumber((count / total) * 100, 1)} %`);
  return [
    `Where the lexical time goes at ${formatNumber(size)}`,
    `${markdownTable(
      ['step of a search without a time filter', 'n', 'p50 ms', 'p95 ms', 'p99 ms'],
      parts.map(([label, latency]) => [
        label,
        String(latency.count),
        ms(latency.p50),
        ms(latency.p95),
        ms(latency.p99),
      ]),
    )}\n\nRows matching a question (any term, all users): median ${formatNumber(matchSummary.p50)}, p95 ${formatNumber(matchSummary.p95)}, max ${formatNumber(matchSummary.max)} of ${formatNumber(total)}. Commonest question terms (share of rows): ${commonTerms.join(', ')}.\n\n${markdownTable(
      ['retriever with', 'p50 ms', 'p95 ms', 'p99 ms', 'p95 no time', 'p95 time phrase', 'top-10 kept'],
      variantRows,
    )}\n\nVariants wrap the SQLite store (same retriever, same questions). The time-filter variant reads the seq range of the user's rows in the range (\`SELECT min(seq), max(seq) FROM observations WHERE user_id = ? AND captured_at >= ? AND captured_at < ?\`, on \`observations_time_idx\`), then runs \`SELECT o.seq, -bm25(observations_fts) … FROM observations_fts CROSS JOIN observations o ON o.seq = observations_fts.rowid WHERE observations_fts MATCH ? AND observations_fts.rowid BETWEEN ? AND ? AND o.user_id = ? AND o.captured_at >= ? AND o.captured_at < ? ORDER BY bm25(observations_fts) LIMIT ?\` and reads the rows with \`getBySeq\`. Term pruning uses document frequencies from a map filled before timing (production would keep one, e.g. from an \`fts5vocab\` table, refreshed now and then). "top-10 kept": share of today's top 10 still in the top 10.`,
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Ingest to searchable, and to part of an episode. 3. Vector search and fused retrieval.
// ---------------------------------------------------------------------------------------------------------------

function randomUnitVector(random: () => number, dimension: number): Float32Array {
  const vector = new Float32Array(dimension);
  let norm = 0;
  for (let i = 0; i < dimension; i += 1) {
    // Box–Muller: normal coordinates make the direction uniform on the sphere.
    const value = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    vector[i] = value;
    norm += value * value;
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < dimension; i += 1) vector[i] = vector[i]! / norm;
  return vector;
}

async function memorySection(
  vocabulary: Vocabulary,
  questions: readonly Question[],
  warmup: readonly Question[],
): Promise<void> {
  process.stderr.write(
    `  understanding and vectors on a copy of the ${formatNumber(memorySize)} timeline…\n`,
  );
  const timeline = await timelineOf(vocabulary, memorySize);
  const scratch = join(tmpdir(), `familiar-memory-bench-scratch-${process.pid}.sqlite`);
  copyFileSync(timeline.path, scratch);
  const db = openSqliteDatabase(scratch);
  try {
    const store = createSqliteTimelineStore(db);
    const episodes = createSqliteEpisodeStore(db);
    const people = createSqlitePeopleStore(db);
    const newId = createUlidGenerator();
    const clock: Clock = { now: () => Date.now() };
    for (const name of FIRST_NAMES.slice(0, 20))
      await people.add({
        id: newId(),
        userId: MEASURED_USER,
        name,
        aliases: [],
        optedOut: false,
        createdAt: TIMELINE_START,
        updatedAt: TIMELINE_START,
      });
    const understanding = createUnderstanding({
      store,
      facts: createSqliteFactStore(db),
      episodes,
      people,
      cursors: createSqliteMemoryCursors(db),
      extractor: createRuleFactExtractor(),
      indexer: null,
      clock,
      newId,
      logger: createSilentLogger(),
    });

    process.stderr.write('    catching up the backlog…\n');
    const backlogStarted = performance.now();
    const backlog = await understanding.catchUp(benchUser);
    const backlogSeconds = (performance.now() - backlogStarted) / 1000;
    process.stderr.write(`    caught up in ${formatNumber(backlogSeconds, 1)} s\n`);

    const random = seededRandom(77);
    const observe = createLife(vocabulary, random);
    const nextId = monotonicFactory(random);
    let capturedAt = (
      db.prepare('SELECT max(captured_at) AS at FROM observations WHERE user_id = ?').get(MEASURED_USER) as {
        at: number;
      }
    ).at;
    const insert: number[] = [];
    const firstSearch: number[] = [];
    const searchable: number[] = [];
    const understood: number[] = [];
    let searchesNeeded = 0;
    let inEpisode = 0;
    for (let trial = 0; trial < trialCount; trial += 1) {
      capturedAt += 20_000 + Math.floor(random() * 100_000);
      const marker = `freshprobe${trial}q${DATA_VERSION}`;
      const observation = observe(nextId(capturedAt), capturedAt);
      observation.text = `${observation.text} ${marker}`;
      observation.receivedAt = Date.now();
      const started = performance.now();
      await store.insertObservations(MEASURED_USER, [observation]);
      const inserted = performance.now();
      let seq: number | null = null;
      for (let attempt = 1; attempt <= 1_000 && seq === null; attempt += 1) {
        const hits = await store.searchObservations(MEASURED_USER, [marker], 10);
        if (attempt === 1) firstSearch.push(performance.now() - inserted);
        seq = hits.find((hit) => hit.observation.id === observation.id)?.seq ?? null;
        searchesNeeded = Math.max(searchesNeeded, attempt);
      }
      const found = performance.now();
      if (seq === null) throw new Error(`observation ${observation.id} never became searchable`);
      insert.push(inserted - started);
      searchable.push(found - started);
      await understanding.catchUp(benchUser);
      understood.push(performance.now() - found);
      if ((await episodes.episodeOf(MEASURED_USER, [seq])).has(seq)) inEpisode += 1;
    }
    const lagRow = (label: string, durations: readonly number[]) => {
      const latency = summarise(durations);
      return [
        label,
        String(latency.count),
        ms(latency.mean),
        ms(latency.p50),
        ms(latency.p95),
        ms(latency.p99),
      ];
    };
    section(
      `Ingest to searchable, and to an episode (${formatNumber(memorySize)} observations)`,
      `${markdownTable(
        ['step', 'n', 'mean ms', 'p50 ms', 'p95 ms', 'p99 ms'],
        [
          lagRow('insert one observation (store, synchronous=FULL commit)', insert),
          lagRow('first searchObservations after the commit', firstSearch),
          lagRow('insert → found by searchObservations', searchable),
          lagRow('understanding catchUp after the insert', understood),
        ],
      )}\n\nSearches needed until found: at most ${searchesNeeded} (FTS5 triggers run in the insert's transaction). After catchUp, ${formatNumber(inEpisode)} of ${formatNumber(trialCount)} new observations were in an episode. Backlog first: catchUp of ${formatNumber(backlog.observations)} observations took ${formatNumber(backlogSeconds, 1)} s (${formatNumber(backlog.observations / backlogSeconds)} observations/s; rule fact extractor, 20 known people, no embedder): ${formatNumber(backlog.facts.created)} facts, ${formatNumber(backlog.episodes)} episodes written.`,
    );

    // 3. Vectors: random unit vectors for every observation of the measured user, stored under the embedder's id.
    const embedder = createHashingEmbedder({ dimension: 384 });
    const vectors = createSqliteVectorIndex(db);
    const seqs = db
      .prepare('SELECT seq FROM observations WHERE user_id = ? ORDER BY seq')
      .pluck()
      .all(MEASURED_USER) as number[];
    process.stderr.write(`    storing ${formatNumber(seqs.length)} random 384-d vectors…\n`);
    const vectorRandom = seededRandom(384);
    const fillStarted = performance.now();
    for (let start = 0; start < seqs.length; start += FILL_BATCH)
      await vectors.upsert(
        MEASURED_USER,
        embedder.id,
        seqs
          .slice(start, start + FILL_BATCH)
          .map((seq) => ({ seq, vector: randomUnitVector(vectorRandom, 384) })),
      );
    const fillSeconds = (performance.now() - fillStarted) / 1000;
    const queryVectors = await embedder.embed(questions.map((question) => question.text));
    const embedDurations = await timeEach(questions, (question) => embedder.embed([question.text]));
    const searchAt = async (k: number) => {
      for (const query of queryVectors.slice(0, warmupCount))
        await vectors.search(MEASURED_USER, embedder.id, query, k);
      return timeEach(queryVectors, (query) => vectors.search(MEASURED_USER, embedder.id, query, k));
    };
    const nearest10 = await searchAt(10);
    const nearest200 = await searchAt(200);
    const lexicalOnly = await measureRetriever(
      createRetriever({ store, episodes, clock: fixedClock }),
      questions,
      warmup,
    );
    const fused = await measureRetriever(
      createRetriever({ store, episodes, vectors, embedder, clock: fixedClock }),
      questions,
      warmup,
    );
    const key = formatNumber(seqs.length);
    section(
      `Vector search and fused retrieval (${key} vectors, 384-d)`,
      `${latencyTable('vectors', [
        { key, label: 'hashing embedder, one question', latency: summarise(embedDurations), answered: null },
        { key, label: 'index.search k=10', latency: summarise(nearest10), answered: null },
        {
          key,
          label: 'index.search k=200 (what the retriever asks)',
          latency: summarise(nearest200),
          answered: null,
        },
        {
          key,
          label: 'retriever, lexical only (episodes built)',
          latency: summarise(lexicalOnly.durations),
          answered: lexicalOnly.answered,
        },
        {
          key,
          label: 'retriever, lexical + vector fused',
          latency: summarise(fused.durations),
          answered: fused.answered,
        },
      ])}\n\nVectors: ${formatNumber(seqs.length)} random unit vectors written with \`index.upsert\` in batches of ${formatNumber(FILL_BATCH)} (${formatNumber(fillSeconds, 1)} s, ${formatNumber(seqs.length / fillSeconds)} vectors/s), not embeddings of the texts, so only the latency means anything, not the ranking. Queries are embedded with \`createHashingEmbedder({ dimension: 384 })\`. Search is sqlite-vec's brute-force \`vec_distance_cosine\` over the user's vectors.`,
    );
  } finally {
    db.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(scratch + suffix, { force: true });
  }
}

async function main(): Promise<void> {
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${formatNumber(totalmem() / 2 ** 30, 1)} GiB, Node ${process.version}`;
  const vocabulary = buildVocabulary();
  process.stderr.write(
    `memory bench: timelines of ${sizes.map((size) => formatNumber(size)).join(', ')} observations, ` +
      `${questionCount} questions after ${warmupCount} warm-up, ${trialCount} freshness trials at ` +
      `${formatNumber(memorySize)}; vocabulary of ${formatNumber(vocabulary.distinctWords)} words (plus numbers); ${machine}\n`,
  );
  const questions = createQuestions(vocabulary, questionCount, 42);
  const warmup = createQuestions(vocabulary, warmupCount, 4242);
  const started = performance.now();
  await lexicalSection(vocabulary, questions, warmup);
  await memorySection(vocabulary, questions, warmup);
  const minutes = (performance.now() - started) / 60_000;
  process.stdout.write(
    `\n---- for docs/benchmarks.md ----\n\n## Memory retrieval (\`npm run bench:memory\`)\n\n` +
      `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}; the run took ${formatNumber(minutes, 1)} min. ` +
      `Synthetic timelines: everyday utterances (with speakers and word timings), frame captions, notes, chats and places over two years, 5–40 words each, Zipf-like vocabulary of ${formatNumber(vocabulary.distinctWords)} words plus names and numbers; ${questionCount} questions of five kinds (a person, common words, a rare word, many words, a time phrase).\n\n` +
      `${printed.join('\n\n')}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`memory bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
