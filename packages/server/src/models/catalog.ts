import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeIssues, FamiliarError } from '../kernel/index.ts';
import { type CatalogEntry, CatalogEntrySchema, CatalogFileSchema } from './catalog-schema.ts';

const CATALOG_FILE = new URL('./catalog.json', import.meta.url);

/**
 * SPDX ids of OSI-approved licences that model weights are commonly released under. A licence missing from this
 * list counts as not open; add to it only after checking https://opensource.org/licenses.
 */
const OSI_APPROVED_SPDX: ReadonlySet<string> = new Set([
  'Apache-2.0',
  'MIT',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'ISC',
  'MPL-2.0',
  'GPL-2.0-only',
  'GPL-3.0-only',
  'LGPL-3.0-only',
  'AGPL-3.0-only',
  'EPL-2.0',
  'UPL-1.0',
]);

let builtIn: readonly CatalogEntry[] | undefined;

function readBuiltInCatalog(): readonly CatalogEntry[] {
  if (builtIn) return builtIn;
  const path = fileURLToPath(CATALOG_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new FamiliarError('internal', `the model catalog ${path} could not be read as JSON`, { cause });
  }
  const parsed = CatalogFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error.issues);
    throw new FamiliarError('internal', `the model catalog ${path} is invalid: ${issues.join('; ')}`, {
      details: { issues },
    });
  }
  builtIn = parsed.data.models;
  return builtIn;
}

function entryLabel(raw: unknown, index: number): string {
  const id =
    typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string'
      ? (raw as { id: string }).id
      : undefined;
  return id === undefined ? `models.catalog[${index}]` : `models.catalog[${index}] (${JSON.stringify(id)})`;
}

/**
 * The shipped catalog, validated once and cached, with the user's `models.catalog` entries from
 * `familiar.config.json` on top: a user entry replaces the built-in entry with the same id, any other is appended.
 * Each call returns fresh copies, so callers may change what they get. A bad user entry throws `invalid_config`
 * naming its index, id and the failing field.
 */
export function loadCatalog({ extra = [] }: { extra?: readonly unknown[] } = {}): CatalogEntry[] {
  const byId = new Map<string, CatalogEntry>(readBuiltInCatalog().map((entry) => [entry.id, entry]));
  const userIds = new Set<string>();
  extra.forEach((raw, index) => {
    const parsed = CatalogEntrySchema.safeParse(raw);
    const label = entryLabel(raw, index);
    if (!parsed.success) {
      const issues = describeIssues(parsed.error.issues);
      throw new FamiliarError(
        'invalid_config',
        `${label} is not a valid model catalog entry: ${issues.join('; ')}`,
        {
          details: { index, issues },
        },
      );
    }
    if (userIds.has(parsed.data.id)) {
      throw new FamiliarError(
        'invalid_config',
        `${label} repeats the id ${parsed.data.id}; give each entry in models.catalog its own id`,
        { details: { index, id: parsed.data.id } },
      );
    }
    userIds.add(parsed.data.id);
    byId.set(parsed.data.id, parsed.data);
  });
  return [...byId.values()].map((entry) => structuredClone(entry));
}

/** True when the weights can be downloaded and run locally, whatever licence they come under. */
export function hasOpenWeights(entry: CatalogEntry): boolean {
  return entry.openness.weights;
}

/**
 * True for open weights under an OSI-approved licence with no use restrictions (no acceptable-use policy, user
 * cap, field-of-use or regional carve-out). So OLMo 2, Apache-2.0 Qwen and Mistral 7B are open; Llama, Gemma and
 * DeepSeek V3 have open weights but are not open; closed API models are neither.
 */
export function isOpenModel(entry: CatalogEntry): boolean {
  return (
    hasOpenWeights(entry) &&
    entry.licence.spdx !== null &&
    OSI_APPROVED_SPDX.has(entry.licence.spdx) &&
    entry.licence.restrictions.length === 0
  );
}

/** One model as `describeModels` presents it: the catalog facts plus whether the user has configured it. */
export interface ModelDescription {
  id: string;
  provider: string;
  runsOn: CatalogEntry['runsOn'];
  configured: boolean;
  capabilities: CatalogEntry['capabilities'];
  price: CatalogEntry['price'];
  licence: CatalogEntry['licence'];
  openness: CatalogEntry['openness'];
  sources: CatalogEntry['sources'];
}

/** The `{ models: [...] }` JSON the API and CLI show for the catalog; `configured` says which ones the user set up. */
export function describeModels(
  entries: readonly CatalogEntry[],
  configured: (entry: CatalogEntry) => boolean,
): { models: ModelDescription[] } {
  return {
    models: entries.map((entry) => ({
      id: entry.id,
      provider: entry.provider,
      runsOn: entry.runsOn,
      configured: configured(entry),
      capabilities: entry.capabilities,
      price: entry.price,
      licence: entry.licence,
      openness: entry.openness,
      sources: entry.sources,
    })),
  };
}
