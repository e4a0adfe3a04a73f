import { PLACEHOLDER_LABELS, REDACTION_CATEGORIES, type RedactionCategory } from './categories.ts';
import type { PersonalDataFinder } from './find-personal-data.ts';

const CATEGORY_BY_LABEL = new Map(
  REDACTION_CATEGORIES.map((category) => [PLACEHOLDER_LABELS[category], category] as const),
);
const LABELS = [...CATEGORY_BY_LABEL.keys()];
/** `[EMAIL_1]`, `[person_2]` …: what a placeholder looks like (a model may change the label's case). */
const PLACEHOLDER = new RegExp(String.raw`\[(${LABELS.join('|')})_(\d{1,6})\]`, 'gi');

/** How many distinct values of each category a call replaced (categories with none are left out). */
export type RedactionCounts = Partial<Record<RedactionCategory, number>>;

/** The values one call replaced and their placeholders: redacts what goes to the model and restores what comes back. */
export interface RedactionVault {
  /** Marks the placeholder-like text already in a prompt as taken, so no new placeholder can be mistaken for it. */
  reserve(text: string): void;
  /** Replaces personal data with placeholders; the same value always gets the same placeholder in this vault. */
  redact(text: string): string;
  /** Puts the original text back for every placeholder this vault issued; `encode` shapes each value (e.g. for JSON). */
  restore(text: string, encode?: (value: string) => string): string;
  /** Distinct values replaced so far, per category. */
  counts(): RedactionCounts;
}

const canonical = (label: string, number: string) => `[${label.toUpperCase()}_${Number(number)}]`;

/** Creates an empty vault that finds personal data with `find`. */
export function createRedactionVault({ find }: { find: PersonalDataFinder }): RedactionVault {
  const placeholderByValue = new Map<string, string>();
  const valueByPlaceholder = new Map<string, string>();
  const categoryByPlaceholder = new Map<string, RedactionCategory>();
  const taken = new Set<string>();
  const next = new Map<RedactionCategory, number>();

  function reserve(text: string): void {
    for (const match of text.matchAll(PLACEHOLDER)) taken.add(canonical(match[1] ?? '', match[2] ?? '0'));
  }

  function placeholderFor(value: string, category: RedactionCategory): string {
    const known = placeholderByValue.get(value);
    if (known) return known;
    let number = next.get(category) ?? 1;
    let placeholder = `[${PLACEHOLDER_LABELS[category]}_${number}]`;
    while (taken.has(placeholder) || valueByPlaceholder.has(placeholder)) {
      number += 1;
      placeholder = `[${PLACEHOLDER_LABELS[category]}_${number}]`;
    }
    next.set(category, number + 1);
    placeholderByValue.set(value, placeholder);
    valueByPlaceholder.set(placeholder, value);
    categoryByPlaceholder.set(placeholder, category);
    return placeholder;
  }

  function redact(text: string): string {
    if (text.length === 0) return text;
    reserve(text);
    const spans = find(text);
    // A literal token that spells a placeholder this vault already issued is itself replaced, so that restoring
    // cannot turn it into someone's data.
    for (const match of text.matchAll(PLACEHOLDER)) {
      if (!valueByPlaceholder.has(canonical(match[1] ?? '', match[2] ?? '0'))) continue;
      const start = match.index;
      const end = start + match[0].length;
      if (spans.some((span) => span.start < end && start < span.end)) continue;
      const category = CATEGORY_BY_LABEL.get((match[1] ?? '').toUpperCase()) ?? 'person';
      spans.push({ category, start, end });
    }
    if (spans.length === 0) return text;
    spans.sort((a, b) => a.start - b.start);
    let out = '';
    let at = 0;
    for (const span of spans) {
      out += text.slice(at, span.start) + placeholderFor(text.slice(span.start, span.end), span.category);
      at = span.end;
    }
    return out + text.slice(at);
  }

  function restore(text: string, encode: (value: string) => string = (value) => value): string {
    if (valueByPlaceholder.size === 0 || !text.includes('[')) return text;
    return text.replace(PLACEHOLDER, (whole, label: string, number: string) => {
      const value = valueByPlaceholder.get(canonical(label, number));
      return value === undefined ? whole : encode(value);
    });
  }

  function counts(): RedactionCounts {
    const result: RedactionCounts = {};
    for (const category of categoryByPlaceholder.values()) result[category] = (result[category] ?? 0) + 1;
    return result;
  }

  return { reserve, redact, restore, counts };
}

/** The longest placeholder-like text a stream may hold back: `[LOCATION_999999`. */
const PARTIAL = /\[([A-Za-z]{0,8})(?:_(\d{0,6}))?$/;

/**
 * Restores placeholders in a text that arrives in pieces: the end of a piece that could be the start of a placeholder
 * (`[EMA`, `[EMAIL_1`) is held back until the next piece says what it is, or until `flush`.
 */
export interface PlaceholderStreamRestorer {
  push(piece: string): string;
  flush(): string;
}

/** Creates a restorer for one stream of text pieces (one text or tool-input id). */
export function createPlaceholderStreamRestorer(
  vault: RedactionVault,
  encode?: (value: string) => string,
): PlaceholderStreamRestorer {
  let pending = '';
  return {
    push(piece) {
      pending += piece;
      const open = pending.lastIndexOf('[');
      let cut = pending.length;
      if (open !== -1) {
        const partial = PARTIAL.exec(pending.slice(open));
        const letters = (partial?.[1] ?? '').toUpperCase();
        const couldGrow =
          partial !== null &&
          (partial[2] === undefined
            ? LABELS.some((label) => label.startsWith(letters))
            : CATEGORY_BY_LABEL.has(letters));
        if (couldGrow) cut = open;
      }
      const ready = pending.slice(0, cut);
      pending = pending.slice(cut);
      return vault.restore(ready, encode);
    },
    flush() {
      const rest = pending;
      pending = '';
      return vault.restore(rest, encode);
    },
  };
}
