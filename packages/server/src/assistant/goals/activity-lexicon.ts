/**
 * The words goals and progress are made of: activity verbs with their inflections, units and how they convert,
 * number words, and kin words that name the same person. Shared by the goal parser, the progress rules and the
 * matcher, so that "jogged 3 miles" and "run 100 km this year" meet in the same family and unit.
 */

/** How a word is used when it names an activity. */
export type ActivityForm =
  /** "run", "call": imperative or infinitive (a goal), or after "did"/"to". */
  | 'base'
  /** "ran", "phoned": something done. */
  | 'past'
  /** "swum", "ridden": done, after "have"/"had". */
  | 'participle'
  /** "running", "swimming": done only after "went" ("went swimming"). */
  | 'ing'
  /** "a run", "a call", "the gym": an event named by a noun. */
  | 'noun';

/** One activity word: the verb lemma it comes from and the ways it can be used. */
export interface ActivityWord {
  /** The verb lemma as written ("jog", "phone", "ring"); `activityFamily` gives the family ("run", "call"). */
  lemma: string;
  forms: readonly ActivityForm[];
}

const B: ActivityForm = 'base';
const P: ActivityForm = 'past';
const PP: ActivityForm = 'participle';
const ING: ActivityForm = 'ing';
const N: ActivityForm = 'noun';

/** Activity words by their lower-case spelling. */
export const ACTIVITY_WORDS: ReadonlyMap<string, ActivityWord> = new Map<string, ActivityWord>(
  (
    [
      ['run', 'run', [B, PP, N]],
      ['runs', 'run', [B, N]],
      ['ran', 'run', [P]],
      ['running', 'run', [ING]],
      ['jog', 'jog', [B, N]],
      ['jogs', 'jog', [B, N]],
      ['jogged', 'jog', [P, PP]],
      ['jogging', 'jog', [ING]],
      ['parkrun', 'run', [N]],
      ['marathon', 'run', [N]],
      ['walk', 'walk', [B, N]],
      ['walks', 'walk', [B, N]],
      ['walked', 'walk', [P, PP]],
      ['walking', 'walk', [ING]],
      ['hike', 'hike', [B, N]],
      ['hikes', 'hike', [B, N]],
      ['hiked', 'hike', [P, PP]],
      ['hiking', 'hike', [ING]],
      ['swim', 'swim', [B, N]],
      ['swims', 'swim', [B, N]],
      ['swam', 'swim', [P]],
      ['swum', 'swim', [PP]],
      ['swimming', 'swim', [ING]],
      ['cycle', 'cycle', [B]],
      ['cycled', 'cycle', [P, PP]],
      ['cycling', 'cycle', [ING]],
      ['bike', 'bike', [B, N]],
      ['biked', 'bike', [P, PP]],
      ['biking', 'bike', [ING]],
      ['ride', 'ride', [B, N]],
      ['rides', 'ride', [B, N]],
      ['rode', 'ride', [P]],
      ['ridden', 'ride', [PP]],
      ['riding', 'ride', [ING]],
      ['read', 'read', [B, P, PP]],
      ['reads', 'read', [B]],
      ['reading', 'read', [ING]],
      ['write', 'write', [B]],
      ['writes', 'write', [B]],
      ['wrote', 'write', [P]],
      ['written', 'write', [PP]],
      ['writing', 'write', [ING]],
      ['call', 'call', [B, N]],
      ['calls', 'call', [B, N]],
      ['called', 'call', [P, PP]],
      ['calling', 'call', [ING]],
      ['phone', 'phone', [B]],
      ['phoned', 'phone', [P, PP]],
      ['ring', 'ring', [B, N]],
      ['rang', 'ring', [P]],
      ['rung', 'ring', [PP]],
      ['blower', 'call', [N]],
      ['facetime', 'facetime', [B, N]],
      ['facetimed', 'facetime', [P, PP]],
      ['skype', 'skype', [B]],
      ['skyped', 'skype', [P, PP]],
      ['videocalled', 'call', [P, PP]],
      ['meditate', 'meditate', [B]],
      ['meditates', 'meditate', [B]],
      ['meditated', 'meditate', [P, PP]],
      ['meditating', 'meditate', [ING]],
      ['meditation', 'meditate', [N]],
      ['gym', 'gym', [N]],
      ['workout', 'gym', [N]],
      ['exercise', 'exercise', [B]],
      ['exercised', 'exercise', [P, PP]],
      ['yoga', 'yoga', [N]],
      ['pilates', 'pilates', [N]],
      ['lose', 'lose', [B]],
      ['lost', 'lose', [P, PP]],
    ] as const
  ).map(([word, lemma, forms]) => [word, { lemma, forms }]),
);

/** Verb lemmas that belong together: progress in one counts toward a goal in another of the same family. */
const FAMILIES: Record<string, readonly string[]> = {
  run: ['run', 'jog', 'sprint', 'race', 'parkrun', 'marathon'],
  walk: ['walk', 'hike', 'stroll', 'trek', 'step'],
  swim: ['swim'],
  cycle: ['cycle', 'bike', 'ride'],
  read: ['read', 'book'],
  write: ['write'],
  call: ['call', 'phone', 'ring', 'facetime', 'skype', 'videocall'],
  meditate: ['meditate', 'meditation'],
  gym: ['gym', 'workout', 'exercise', 'train', 'lift'],
  yoga: ['yoga'],
  pilates: ['pilates'],
  lose: ['lose', 'weight'],
};

const FAMILY_OF = new Map<string, string>(
  Object.entries(FAMILIES).flatMap(([family, members]) => members.map((member) => [member, family] as const)),
);

/** The family an activity belongs to ("jog" → "run", "phone" → "call"); an unknown activity is its own family. */
export function activityFamily(activity: string): string {
  const lemma = activity.trim().toLowerCase();
  return FAMILY_OF.get(lemma) ?? lemma;
}

/** Every lemma of an activity's family, itself included (for cheap "could this text be about it" checks). */
export function familyMembers(activity: string): readonly string[] {
  const family = activityFamily(activity);
  return FAMILIES[family] ?? [family];
}

/** A unit as a goal or a progress entry holds it, and the factor that turns the spoken amount into it. */
export interface UnitReading {
  unit: string;
  factor: number;
}

const KM = (factor: number): UnitReading => ({ unit: 'km', factor });
const MINUTES = (factor: number): UnitReading => ({ unit: 'minutes', factor });

/** Spoken unit words and their canonical units. "pound(s)" is read as weight only by `normaliseUnit`'s caller. */
const UNIT_WORDS = new Map<string, UnitReading>([
  ['k', KM(1)],
  ['km', KM(1)],
  ['kms', KM(1)],
  ['kilometre', KM(1)],
  ['kilometres', KM(1)],
  ['kilometer', KM(1)],
  ['kilometers', KM(1)],
  ['klick', KM(1)],
  ['klicks', KM(1)],
  ['mi', KM(1.609344)],
  ['mile', KM(1.609344)],
  ['miles', KM(1.609344)],
  ['m', KM(0.001)],
  ['metre', KM(0.001)],
  ['metres', KM(0.001)],
  ['meter', KM(0.001)],
  ['meters', KM(0.001)],
  ['min', MINUTES(1)],
  ['mins', MINUTES(1)],
  ['minute', MINUTES(1)],
  ['minutes', MINUTES(1)],
  ['h', MINUTES(60)],
  ['hr', MINUTES(60)],
  ['hrs', MINUTES(60)],
  ['hour', MINUTES(60)],
  ['hours', MINUTES(60)],
  ['book', { unit: 'books', factor: 1 }],
  ['books', { unit: 'books', factor: 1 }],
  ['novel', { unit: 'books', factor: 1 }],
  ['novels', { unit: 'books', factor: 1 }],
  ['audiobook', { unit: 'books', factor: 1 }],
  ['audiobooks', { unit: 'books', factor: 1 }],
  ['page', { unit: 'pages', factor: 1 }],
  ['pages', { unit: 'pages', factor: 1 }],
  ['chapter', { unit: 'chapters', factor: 1 }],
  ['chapters', { unit: 'chapters', factor: 1 }],
  ['word', { unit: 'words', factor: 1 }],
  ['words', { unit: 'words', factor: 1 }],
  ['time', { unit: 'times', factor: 1 }],
  ['times', { unit: 'times', factor: 1 }],
  ['x', { unit: 'times', factor: 1 }],
  ['session', { unit: 'sessions', factor: 1 }],
  ['sessions', { unit: 'sessions', factor: 1 }],
  ['step', { unit: 'steps', factor: 1 }],
  ['steps', { unit: 'steps', factor: 1 }],
  ['kg', { unit: 'kg', factor: 1 }],
  ['kgs', { unit: 'kg', factor: 1 }],
  ['kilo', { unit: 'kg', factor: 1 }],
  ['kilos', { unit: 'kg', factor: 1 }],
  ['kilogram', { unit: 'kg', factor: 1 }],
  ['kilograms', { unit: 'kg', factor: 1 }],
  ['lb', { unit: 'kg', factor: 0.45359237 }],
  ['lbs', { unit: 'kg', factor: 0.45359237 }],
  ['pound', { unit: 'kg', factor: 0.45359237 }],
  ['pounds', { unit: 'kg', factor: 0.45359237 }],
  ['stone', { unit: 'kg', factor: 6.35029318 }],
]);

/** The canonical unit of a spoken unit word ("miles" → km × 1.609344), or null when it is not a known unit. */
export function normaliseUnit(word: string): UnitReading | null {
  return UNIT_WORDS.get(word.trim().toLowerCase()) ?? null;
}

/** Units that count occurrences: one entry of any amount is one time. */
export const OCCURRENCE_UNITS: ReadonlySet<string> = new Set(['times', 'sessions']);

/**
 * The factor that turns an amount in `from` into `to` (both canonical or spoken units), or null when they measure
 * different things. `times` and `sessions` are the same count.
 */
export function unitFactor(from: string, to: string): number | null {
  const a = normaliseUnit(from) ?? { unit: from.trim().toLowerCase(), factor: 1 };
  const b = normaliseUnit(to) ?? { unit: to.trim().toLowerCase(), factor: 1 };
  const same = a.unit === b.unit || (OCCURRENCE_UNITS.has(a.unit) && OCCURRENCE_UNITS.has(b.unit));
  return same ? a.factor / b.factor : null;
}

/** Number words people say instead of digits. */
export const NUMBER_WORDS: ReadonlyMap<string, number> = new Map([
  ['a', 1],
  ['an', 1],
  ['one', 1],
  ['two', 2],
  ['three', 3],
  ['four', 4],
  ['five', 5],
  ['six', 6],
  ['seven', 7],
  ['eight', 8],
  ['nine', 9],
  ['ten', 10],
  ['eleven', 11],
  ['twelve', 12],
  ['thirteen', 13],
  ['fourteen', 14],
  ['fifteen', 15],
  ['sixteen', 16],
  ['seventeen', 17],
  ['eighteen', 18],
  ['nineteen', 19],
  ['twenty', 20],
  ['thirty', 30],
  ['forty', 40],
  ['fifty', 50],
  ['sixty', 60],
  ['seventy', 70],
  ['eighty', 80],
  ['ninety', 90],
  ['hundred', 100],
  ['dozen', 12],
  ['half', 0.5],
  ['couple', 2],
]);

/** Reads "7.5", "7,5" (decimal comma) and "10,000" (thousands). NaN when it is not a number. */
export function readNumber(token: string): number {
  if (/^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(token)) return Number(token.replaceAll(',', ''));
  if (/^\d+,\d{1,2}$/.test(token)) return Number(token.replace(',', '.'));
  return /^\d+(?:\.\d+)?$/.test(token) ? Number(token) : Number.NaN;
}

/** Distances named by a race ("a marathon", "my parkrun"), in km. */
export const RACE_DISTANCES: ReadonlyMap<string, number> = new Map([
  ['marathon', 42.195],
  ['halfmarathon', 21.0975],
  ['parkrun', 5],
  ['ultramarathon', 50],
]);

/** Groups of words that name the same person ("mum", "mom", "mother"). */
const KIN_GROUPS: readonly (readonly string[])[] = [
  ['mum', 'mom', 'mother', 'mam', 'mummy', 'mommy', 'mama', 'mamma', 'ma'],
  ['dad', 'father', 'papa', 'daddy', 'pa', 'pop', 'pops'],
  ['grandma', 'gran', 'granny', 'nan', 'nana', 'nanna', 'grandmother', 'grandmom', 'granma', 'nanny'],
  ['grandpa', 'grandad', 'granddad', 'grandfather', 'gramps', 'grandpop'],
  ['sister', 'sis'],
  ['brother', 'bro'],
  ['aunt', 'auntie', 'aunty'],
  ['grandparents', 'grandparent'],
  ['parents', 'folks'],
  ['wife', 'missus'],
  ['husband', 'hubby'],
];

const KIN_OF = new Map<string, readonly string[]>(
  KIN_GROUPS.flatMap((group) => group.map((word) => [word, group] as const)),
);

/** The word and the other words that name the same person ("mom" → mum, mom, mother, …). */
export function aboutVariants(word: string): readonly string[] {
  const lower = word.toLowerCase();
  return KIN_OF.get(lower) ?? [lower];
}

/** Words that carry no content of their own: never taken as what a goal or an activity is about. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an the my our your his her their its this that these those some any every each all both either no not ' +
    "i me we us you he him she they them it myself i'm i've i'll i'd im ive " +
    'to of in on at by for from with without about into onto over under after before until till up down out off ' +
    'and or but so then than as if when while because also just only even still already again too very really ' +
    'am is are was were be been being have has had do does did done doing get got gotten go goes went gone going ' +
    'will would should could can may might must shall want wanna gonna like need try trying ' +
    'today tonight yesterday tomorrow morning afternoon evening night week weekend month year day days weeks months ' +
    'years now later earlier ago last next first finally around about per least most more less much many lot lots ' +
    'long short quick quickly good great nice lovely big little whole full proper properly regular regularly easy ' +
    'hard new half total overall altogether least once twice thrice times time session sessions ' +
    'second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth'
  ).split(' '),
);

/** Adverbs that can sit between a subject and its verb ("I just ran", "finally finished"). */
export const ADVERBS: ReadonlySet<string> = new Set(
  (
    'just finally also already then really actually quickly briefly happily only even still eventually again ' +
    'managed somehow literally totally properly definitely'
  ).split(' '),
);
