import {
  createPersonalDataFinder,
  createRedactionVault,
  type RedactablePerson,
  type RedactionCounts,
  type RedactionVault,
  redactionTermsFor,
} from '../models/index.ts';

/** Fields whose values are Familiar's own (ids, times, kinds), never personal data: they pass unchanged. */
const STRUCTURAL_KEY =
  /^(id|ref|.*Id|.*Ids|.*At|due|deadline|modality|trust|kind|status|origin|cadence|cursor|nextCursor|from|to)$/;

/**
 * Redaction of what the MCP server hands to other agents, by the rule Familiar applies to cloud models: an MCP
 * client may well be one (a desktop assistant), so e-mail addresses, phone, card and account numbers, street
 * addresses, names from the person's people list and precise locations leave as placeholders (`[EMAIL_1]`,
 * `[PERSON_2]`). One vault per session keeps a value's placeholder stable, so a placeholder the agent sends back
 * in a later call's arguments ("get_person [PERSON_1]") is read as the value it stands for.
 */
export interface McpRedactor {
  /** A tool's result with personal data in its string values replaced, and how many values of each kind were. */
  redact(data: Record<string, unknown>): { data: Record<string, unknown>; counts: RedactionCounts };
  /** A call's arguments with the placeholders this session issued put back. */
  restore<T>(args: T): T;
}

function diff(after: RedactionCounts, before: RedactionCounts): RedactionCounts {
  const counts: RedactionCounts = {};
  for (const [category, value] of Object.entries(after) as Array<[keyof RedactionCounts, number]>) {
    const added = value - (before[category] ?? 0);
    if (added > 0) counts[category] = added;
  }
  return counts;
}

function mapStrings(value: unknown, key: string | null, change: (text: string) => string): unknown {
  if (typeof value === 'string') return key !== null && STRUCTURAL_KEY.test(key) ? value : change(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, key, change));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([name, item]) => [name, mapStrings(item, name, change)]),
    );
  return value;
}

/** A redactor over one vault, finding names from `people` (their names and aliases). */
export function createMcpRedactor(people: readonly RedactablePerson[]): McpRedactor {
  const vault: RedactionVault = createRedactionVault({
    find: createPersonalDataFinder({ people: redactionTermsFor(people) }),
  });
  return {
    redact(data) {
      const before = vault.counts();
      const redacted = mapStrings(data, null, (text) => vault.redact(text)) as Record<string, unknown>;
      return { data: redacted, counts: diff(vault.counts(), before) };
    },
    restore(args) {
      return mapStrings(args, null, (text) => vault.restore(text)) as typeof args;
    },
  };
}
