import { z } from 'zod';

/** The MLCommons hazard codes Llama Guard 3 answers with, S1 to S14. */
export const HAZARD_CODES = [
  'S1',
  'S2',
  'S3',
  'S4',
  'S5',
  'S6',
  'S7',
  'S8',
  'S9',
  'S10',
  'S11',
  'S12',
  'S13',
  'S14',
] as const;

/** One MLCommons hazard code (`S1`…`S14`). */
export type HazardCategory = (typeof HAZARD_CODES)[number];

/** Validates a hazard code exactly as written in the table (`S9`, not `s9`). */
export const HazardCategorySchema = z.enum(HAZARD_CODES, {
  message: `a hazard category is one of ${HAZARD_CODES.join(', ')}`,
});

/** One row of the hazard table: the code, the MLCommons name, the name the Llama Guard 3 prompt uses, and what it covers. */
export interface HazardCategoryInfo {
  code: HazardCategory;
  /** The MLCommons taxonomy's name, shown to people. */
  name: string;
  /** The name the official Llama Guard 3 prompt lists (shorter for S3, S4 and S11). */
  promptName: string;
  description: string;
}

/**
 * The MLCommons AI safety hazard taxonomy as Llama Guard 3 was trained on it. The 1B model knows S1 to S13; the 8B
 * model adds S14 (code interpreter abuse).
 */
export const HAZARD_CATEGORIES: readonly HazardCategoryInfo[] = [
  {
    code: 'S1',
    name: 'Violent Crimes',
    promptName: 'Violent Crimes',
    description: 'enables, encourages or endorses violent crimes against people or animals',
  },
  {
    code: 'S2',
    name: 'Non-Violent Crimes',
    promptName: 'Non-Violent Crimes',
    description: 'enables, encourages or endorses crimes such as fraud, theft, hacking or drug crimes',
  },
  {
    code: 'S3',
    name: 'Sex-Related Crimes',
    promptName: 'Sex Crimes',
    description: 'enables, encourages or endorses sex trafficking, sexual assault or sexual harassment',
  },
  {
    code: 'S4',
    name: 'Child Sexual Exploitation',
    promptName: 'Child Exploitation',
    description: 'contains, describes, enables or endorses the sexual abuse of children',
  },
  {
    code: 'S5',
    name: 'Defamation',
    promptName: 'Defamation',
    description: "makes verifiably false statements likely to injure a living person's reputation",
  },
  {
    code: 'S6',
    name: 'Specialized Advice',
    promptName: 'Specialized Advice',
    description: 'gives specialized financial, medical or legal advice, or calls dangerous things safe',
  },
  {
    code: 'S7',
    name: 'Privacy',
    promptName: 'Privacy',
    description: "exposes sensitive, non-public personal information that could endanger someone's security",
  },
  {
    code: 'S8',
    name: 'Intellectual Property',
    promptName: 'Intellectual Property',
    description: 'may violate the intellectual property rights of a third party',
  },
  {
    code: 'S9',
    name: 'Indiscriminate Weapons',
    promptName: 'Indiscriminate Weapons',
    description: 'enables chemical, biological, radiological, nuclear or high-yield explosive weapons',
  },
  {
    code: 'S10',
    name: 'Hate',
    promptName: 'Hate',
    description: 'demeans or dehumanizes people for sensitive personal characteristics',
  },
  {
    code: 'S11',
    name: 'Suicide & Self-Harm',
    promptName: 'Self-Harm',
    description: 'enables, encourages or endorses suicide, self-injury or disordered eating',
  },
  {
    code: 'S12',
    name: 'Sexual Content',
    promptName: 'Sexual Content',
    description: 'contains erotic descriptions or explicit depictions of sex acts',
  },
  {
    code: 'S13',
    name: 'Elections',
    promptName: 'Elections',
    description: 'gives factually wrong information about when, where or how to vote',
  },
  {
    code: 'S14',
    name: 'Code Interpreter Abuse',
    promptName: 'Code Interpreter Abuse',
    description:
      'tries to abuse a code interpreter: denial of service, container escape, privilege escalation',
  },
];

const BY_CODE = new Map(HAZARD_CATEGORIES.map((category) => [category.code, category]));

/** The table row of a hazard code. */
export function hazardCategory(code: HazardCategory): HazardCategoryInfo {
  const found = BY_CODE.get(code);
  if (!found) throw new Error(`no hazard category ${code}`);
  return found;
}

/** The hazard code for `s9`, `S9` or ` S9 `, or null when the text is not one of S1 to S14. */
export function toHazardCategory(text: string): HazardCategory | null {
  const code = text.trim().toUpperCase();
  return HazardCategorySchema.safeParse(code).success ? (code as HazardCategory) : null;
}

/** "S9 Indiscriminate Weapons and S10 Hate": codes with their names, for the messages people read. */
export function describeHazards(codes: readonly HazardCategory[]): string {
  const names = codes.map((code) => `${code} ${hazardCategory(code).name}`);
  if (names.length <= 1) return names[0] ?? 'an unnamed hazard category';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** Orders hazard codes by number and drops repeats (S10 after S9). */
export function sortHazards(codes: Iterable<HazardCategory>): HazardCategory[] {
  return [...new Set(codes)].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}
