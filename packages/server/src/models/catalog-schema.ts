import { z } from 'zod';

const IsoDateSchema = z.iso.date({ message: 'must be an ISO date such as 2026-11-29' });

/** How far one OSAID component is released: open, partly (or under restrictive terms), or not at all. */
export const OpennessLevelSchema = z.enum(['open', 'partial', 'closed']);

/** Where a model runs: inside the Familiar process, behind a local server (Ollama, llama.cpp), or a vendor cloud. */
export const RunsOnSchema = z.enum(['in-process', 'local-server', 'cloud']);

/** Which Model Openness Framework class an assessment gave (I is the most complete), or null when none did. */
export const MofClassSchema = z.enum(['I', 'II', 'III']).nullable();

/** One dated reference that backs a catalog fact; `note` says which fact when it is not obvious. */
export const CatalogSourceSchema = z.strictObject({
  url: z.url({ message: 'must be a full URL' }),
  retrieved: IsoDateSchema,
  note: z.string().min(1).optional(),
});

/**
 * What a model can do; `text` means it generates text, `contextTokens` is null when unknown. `guard` marks a safety
 * classifier (Llama Guard 3): it takes only "guard" calls and answers "safe" or "unsafe" with hazard categories.
 */
export const CapabilitiesSchema = z.strictObject({
  text: z.boolean(),
  vision: z.boolean(),
  tools: z.boolean(),
  json: z.boolean(),
  embedding: z.boolean(),
  contextTokens: z.number().int().positive().nullable(),
  guard: z.boolean().optional(),
});

/** List price in US dollars per million tokens, with where and when it was read; null entries are free or unknown. */
export const PriceSchema = z
  .strictObject({
    inputPerMTokUsd: z.number().nonnegative(),
    outputPerMTokUsd: z.number().nonnegative(),
    retrieved: IsoDateSchema,
    source: z.url({ message: 'must be a full URL' }),
  })
  .nullable();

/** The terms the weights (or the service) come under; `restrictions` lists use restrictions beyond the licence name. */
export const LicenceSchema = z.strictObject({
  name: z.string().min(1),
  spdx: z.string().min(1).nullable(),
  restrictions: z.array(z.string().min(1)),
});

/** Whether weights are downloadable, the three OSAID components, and any MOF class. */
export const OpennessSchema = z.strictObject({
  weights: z.boolean(),
  osaid: z.strictObject({
    dataInformation: OpennessLevelSchema,
    code: OpennessLevelSchema,
    parameters: OpennessLevelSchema,
  }),
  mofClass: MofClassSchema,
});

/** One model family as people run it; a user's configured model points at an entry by `id` (`vendor/name`). */
export const CatalogEntrySchema = z.strictObject({
  id: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._:-]*$/,
      'must look like "vendor/model-name" in lower case',
    ),
  family: z.string().min(1),
  provider: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a provider name such as openai, ollama or llama-cpp'),
  runsOn: RunsOnSchema,
  capabilities: CapabilitiesSchema,
  price: PriceSchema,
  licence: LicenceSchema,
  openness: OpennessSchema,
  sources: z.array(CatalogSourceSchema).min(1, 'needs at least one dated source'),
});

/** The versioned catalog file shipped with Familiar; model ids are unique. */
export const CatalogFileSchema = z
  .strictObject({
    version: z.number().int().positive(),
    updated: IsoDateSchema,
    models: z.array(CatalogEntrySchema),
  })
  .superRefine((file, context) => {
    const seen = new Set<string>();
    file.models.forEach((model, index) => {
      if (seen.has(model.id)) {
        context.addIssue({
          code: 'custom',
          path: ['models', index, 'id'],
          message: `duplicate id ${model.id}`,
        });
      }
      seen.add(model.id);
    });
  });

/** How far one OSAID component is released. */
export type OpennessLevel = z.infer<typeof OpennessLevelSchema>;
/** Where a model runs. */
export type RunsOn = z.infer<typeof RunsOnSchema>;
/** A dated reference backing a catalog fact. */
export type CatalogSource = z.infer<typeof CatalogSourceSchema>;
/** One validated catalog entry. */
export type CatalogEntry = z.infer<typeof CatalogEntrySchema>;
/** The validated catalog file. */
export type CatalogFile = z.infer<typeof CatalogFileSchema>;
