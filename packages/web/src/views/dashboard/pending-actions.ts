import type { PendingActionWire } from '@familiar/protocol';

/** Why an action waits beyond its tier, as `origin.reasons` names it. */
export type OriginReason = NonNullable<PendingActionWire['origin']>['reasons'][number];

/** One perceived moment behind an action, as `origin.sources` lists it. */
export type OriginSource = NonNullable<PendingActionWire['origin']>['sources'][number];

/** Each reason in words a person reads before deciding. */
export const ORIGIN_REASONS: Record<OriginReason, string> = {
  perceived_context:
    'Something your devices saw or heard (not typed by you) was read in the same conversation turn.',
  perceived_arguments: 'Its details repeat words that were seen or heard, not words you typed.',
  rule_of_two:
    'It would reach outside Familiar in a turn that also read your private data and perceived content.',
};

/**
 * The tool an action runs, split the way Familiar names tools: `<server>__<tool>` for a tool of an MCP server
 * (server null for a built-in tool). The exact name is kept for display next to the split one.
 */
export function describeTool(tool: string): { name: string; server: string | null; exact: string } {
  const split = tool.indexOf('__');
  if (split <= 0 || split + 2 >= tool.length) return { name: tool, server: null, exact: tool };
  return { name: tool.slice(split + 2), server: tool.slice(0, split), exact: tool };
}

// Control and format characters (zero-width spaces, right-to-left overrides…) draw nothing or reorder what follows:
// in text an attacker may have written, each is shown as its code point. Line breaks and tabs stay as they are.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/** The text with every invisible or reordering character shown as `⟨U+XXXX⟩`, so what is shown is what runs. */
export function revealInvisible(text: string): string {
  return text.replace(INVISIBLE, (char) =>
    char === '\n' || char === '\t'
      ? char
      : `⟨U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}⟩`,
  );
}

/** An argument's value as text: a string as it is, anything else as indented JSON; invisible characters revealed. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return revealInvisible(value);
  if (value === undefined) return 'undefined';
  return revealInvisible(JSON.stringify(value, null, 2) ?? String(value));
}

/** The arguments of an action in the order it stores them, each with its value as text. */
export function argumentLines(action: Pick<PendingActionWire, 'arguments'>): Array<[string, string]> {
  return Object.entries(action.arguments).map(([key, value]) => [revealInvisible(key), showValue(value)]);
}

const SENSES: Record<string, string> = {
  frame: 'text seen by a camera',
  photo: 'text seen by a camera',
  video: 'text seen by a camera',
  screen: 'text seen on a screen',
  utterance: 'speech heard',
  audio: 'speech heard',
  event: 'a calendar event',
};

/** One perceived moment in words: what it was and, when known, when it was captured (times formatted by `at`). */
export function describeSource(source: OriginSource, at: (iso: string) => string): string {
  const what =
    source.modality === null
      ? `the output of the tool ${source.via}`
      : (SENSES[source.modality] ?? `a ${source.modality} captured`);
  return source.capturedAt === null ? what : `${what} at ${at(source.capturedAt)}`;
}

/** The most characters of a result shown; the rest is said to be there. */
export const MAX_RESULT_SHOWN = 2_000;

function clip(text: string): string {
  return text.length <= MAX_RESULT_SHOWN
    ? text
    : `${text.slice(0, MAX_RESULT_SHOWN)}… (${text.length - MAX_RESULT_SHOWN} more characters)`;
}

function resultText(result: unknown): string | null {
  if (result === null || result === undefined) return null;
  if (typeof result === 'string') return result;
  if (typeof result === 'object' && 'error' in result && typeof result.error === 'string')
    return result.error;
  return JSON.stringify(result) ?? null;
}

/** How a decided action ended, in words: whether it ran, and its result or error. */
export interface ActionOutcome {
  /** `ok` when it ran, `failed` when it ran and failed, `not-run` when it never ran. */
  tone: 'ok' | 'failed' | 'not-run';
  headline: string;
  /** The tool's answer or error (invisible characters revealed, long ones cut and said to be). */
  detail: string | null;
}

/** The outcome of an action the person decided (or that ran out of time). */
export function outcomeOf(action: Pick<PendingActionWire, 'status' | 'result'>): ActionOutcome {
  const text = resultText(action.result);
  const detail = text === null ? null : clip(revealInvisible(text));
  switch (action.status) {
    case 'done':
      return { tone: 'ok', headline: 'Done: it ran once, with the arguments shown.', detail };
    case 'failed':
      return { tone: 'failed', headline: 'It ran and failed.', detail };
    case 'rejected':
      return { tone: 'not-run', headline: 'Rejected: it did not run and never will.', detail: null };
    case 'expired':
      return { tone: 'not-run', headline: 'Expired before you decided: it did not run.', detail: null };
    case 'confirmed':
      return { tone: 'ok', headline: 'Confirmed: it is running.', detail: null };
    case 'pending':
      return { tone: 'not-run', headline: 'Still waiting for your decision.', detail: null };
  }
}
