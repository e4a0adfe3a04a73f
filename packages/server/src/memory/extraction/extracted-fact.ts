import { z } from 'zod';

/** The kinds of fact an extractor may return. */
export const FactKindSchema = z
  .enum(['person', 'place', 'thing', 'date', 'commitment', 'preference', 'relationship', 'attribute'])
  .describe('What sort of fact this is.');

/** One kind of fact: person, place, thing, date, commitment, preference, relationship or attribute. */
export type FactKind = z.infer<typeof FactKindSchema>;

/**
 * One fact taken from a piece of text, as a subject–predicate–object triple with its evidence. The same schema
 * validates the JSON a language model returns, so every field says what it means.
 */
export const ExtractedFactSchema = z
  .object({
    kind: FactKindSchema,
    subject: z
      .string()
      .min(1)
      .describe("Who or what the fact is about: 'self' for the speaker or wearer, else a name as written."),
    predicate: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/)
      .describe(
        'A snake_case verb: met, mentioned, visited, went_to, lives_in, works_at, likes, dislikes, allergic_to, will (a commitment), plans, birthday, anniversary, has_relationship, is, has.',
      ),
    object: z.string().min(1).describe('The value, e.g. "coffee", "Lisbon", "send the report", "sister".'),
    slot: z
      .string()
      .min(1)
      .nullable()
      .describe(
        'Contradiction key: two facts with the same slot and a different predicate or object contradict, e.g. "self|lives_in", "self|preference:coffee", "caroline|relationship". Null for many-valued facts (met, mentioned, visited, will).',
      ),
    statement: z
      .string()
      .min(1)
      .describe('One short readable sentence, e.g. "You will send the report (due Fri 4 Dec)".'),
    span: z.string().min(1).describe('The exact substring of the input the fact came from.'),
    validFrom: z
      .number()
      .int()
      .nullable()
      .describe('Epoch milliseconds of the date the fact is about (event date, due date), or null.'),
    validTo: z.number().int().nullable().describe('Epoch milliseconds when the fact stops holding, or null.'),
    confidence: z.number().min(0).max(1).describe('How sure the extractor is, from 0 to 1.'),
  })
  .describe('A fact extracted from what a person said or wrote.');

/** A fact extracted from text; see `ExtractedFactSchema` for the meaning of each field. */
export type ExtractedFact = z.infer<typeof ExtractedFactSchema>;
