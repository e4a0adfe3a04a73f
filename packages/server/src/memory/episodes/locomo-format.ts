import { z } from 'zod';
import { describeIssues, ValidationError } from '../../kernel/index.ts';

/** One turn of a LoCoMo session; an image a speaker shared survives only as its caption. */
export const LocomoTurnSchema = z.looseObject({
  speaker: z.string(),
  dia_id: z.string(),
  text: z.string(),
  blip_caption: z.string().optional(),
  img_url: z.array(z.string()).optional(),
  query: z.string().optional(),
});

/** One LoCoMo question with the ids of the turns that hold its answer. */
export const LocomoQuestionSchema = z.looseObject({
  question: z.string(),
  answer: z.union([z.string(), z.number()]).optional(),
  adversarial_answer: z.string().optional(),
  evidence: z.array(z.string()),
  category: z.number().int(),
});

const SESSION_KEY = /^session_(\d+)$/;
const SESSION_DATE_KEY = /^session_(\d+)_date_time$/;

/** A conversation: the two speakers, `session_<n>` turn lists and their `session_<n>_date_time` strings. */
export const LocomoConversationSchema = z
  .object({ speaker_a: z.string(), speaker_b: z.string() })
  .catchall(z.union([z.array(LocomoTurnSchema), z.string()]))
  .superRefine((conversation, context) => {
    for (const [key, value] of Object.entries(conversation)) {
      if (SESSION_KEY.test(key) && !Array.isArray(value)) {
        context.addIssue({ code: 'custom', path: [key], message: 'a session must be a list of turns' });
      }
      if (SESSION_DATE_KEY.test(key) && typeof value !== 'string') {
        context.addIssue({ code: 'custom', path: [key], message: 'a session date-time must be a string' });
      }
      if (SESSION_KEY.test(key) && typeof conversation[`${key}_date_time`] !== 'string') {
        context.addIssue({ code: 'custom', path: [key], message: `session ${key} has no ${key}_date_time` });
      }
    }
  });

/** A LoCoMo file (the `locomo10.json` schema): a list of samples, each a long conversation with its questions. */
export const LocomoFileSchema = z.array(
  z.looseObject({
    sample_id: z.string(),
    conversation: LocomoConversationSchema,
    qa: z.array(LocomoQuestionSchema),
  }),
);

/** A validated LoCoMo file. */
export type LocomoFile = z.infer<typeof LocomoFileSchema>;
/** One validated LoCoMo sample (conversation and questions). */
export type LocomoSample = LocomoFile[number];

/** Parses and validates the text of a LoCoMo file; a clear `ValidationError` when it is not one. */
export function parseLocomoFile(text: string): LocomoFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`a LoCoMo file must be JSON: ${(error as Error).message}`);
  }
  const parsed = LocomoFileSchema.safeParse(json);
  if (!parsed.success) throw new ValidationError('not a LoCoMo file', describeIssues(parsed.error.issues));
  return parsed.data;
}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const LOCOMO_DATE_TIME = /^\s*(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+([a-z]+),?\s+(\d{4})\s*$/i;

/**
 * A LoCoMo session time such as "1:56 pm on 8 May, 2023" as epoch milliseconds, read as UTC (the data carries no
 * zone). Throws a `ValidationError` for anything else.
 */
export function parseLocomoDateTime(text: string): number {
  const match = LOCOMO_DATE_TIME.exec(text);
  const month = match ? MONTHS.indexOf(match[5]!.toLowerCase()) : -1;
  if (!match || month < 0) throw new ValidationError(`not a LoCoMo date-time: "${text}"`);
  const hour12 = Number(match[1]);
  const minute = Number(match[2]);
  const day = Number(match[4]);
  const year = Number(match[6]);
  const at = Date.UTC(year, month, day, (hour12 % 12) + (match[3]!.toLowerCase() === 'pm' ? 12 : 0), minute);
  const check = new Date(at);
  if (
    hour12 < 1 ||
    hour12 > 12 ||
    minute > 59 ||
    check.getUTCDate() !== day ||
    check.getUTCMonth() !== month
  ) {
    throw new ValidationError(`not a valid LoCoMo date-time: "${text}"`);
  }
  return at;
}

/** One turn, flattened out of its session, with a timestamp. */
export interface LocomoTurn {
  diaId: string;
  session: number;
  /** Position in the session, from 0. */
  index: number;
  speaker: string;
  text: string;
  caption: string | null;
  /** The session's date-time plus `index` seconds. */
  at: number;
}

/** A session of a LoCoMo conversation that has turns. */
export interface LocomoSession {
  session: number;
  at: number;
  firstDiaId: string;
}

function sessionsOf(
  sample: LocomoSample,
): Array<{ session: number; at: number; turns: z.infer<typeof LocomoTurnSchema>[] }> {
  const sessions: Array<{ session: number; at: number; turns: z.infer<typeof LocomoTurnSchema>[] }> = [];
  for (const [key, value] of Object.entries(sample.conversation)) {
    const match = SESSION_KEY.exec(key);
    if (!match || !Array.isArray(value)) continue;
    const dateTime = sample.conversation[`${key}_date_time`];
    if (typeof dateTime !== 'string')
      throw new ValidationError(`${sample.sample_id}: ${key} has no date-time`);
    sessions.push({ session: Number(match[1]), at: parseLocomoDateTime(dateTime), turns: value });
  }
  return sessions.sort((a, b) => a.session - b.session);
}

/** Every turn of a sample, sessions in numeric order (session_2 before session_10), turns in order. */
export function locomoTurns(sample: LocomoSample): LocomoTurn[] {
  return sessionsOf(sample).flatMap(({ session, at, turns }) =>
    turns.map((turn, index) => ({
      diaId: turn.dia_id,
      session,
      index,
      speaker: turn.speaker,
      text: turn.text,
      caption: turn.blip_caption ?? null,
      at: at + index * 1000,
    })),
  );
}

/** The sessions of a sample that have turns, in numeric order, with their start and first turn id. */
export function locomoSessions(sample: LocomoSample): LocomoSession[] {
  return sessionsOf(sample).flatMap(({ session, at, turns }) =>
    turns[0] ? [{ session, at, firstDiaId: turns[0].dia_id }] : [],
  );
}

const EVIDENCE_ID = /^d:?(\d+):(\d+)$/i;

/**
 * Repairs LoCoMo evidence ids into canonical "D<session>:<turn>" form: splits "D8:6; D9:17" in two, reads
 * "D:11:26" as "D11:26" and "D30:05" as "D30:5"; drops what cannot be read and repeats.
 */
export function normaliseEvidence(ids: readonly string[]): string[] {
  const normalised: string[] = [];
  for (const id of ids) {
    for (const piece of id.split(/[;,\s]+/)) {
      const match = EVIDENCE_ID.exec(piece.trim());
      if (!match) continue;
      const canonical = `D${Number(match[1])}:${Number(match[2])}`;
      if (!normalised.includes(canonical)) normalised.push(canonical);
    }
  }
  return normalised;
}
