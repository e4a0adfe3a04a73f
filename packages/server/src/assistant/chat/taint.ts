import { formatMoment } from '../../kernel/index.ts';
import { undatamark } from '../../safety/index.ts';
import type { ActionOrigin, ActionOriginReason, PerceivedSource } from '../types.ts';
import type { PerceivedContent, ResultProvenance, ToolDefinition } from './tool-definition.ts';

/** A perceived moment the turn has read, with the tool that read it. */
export interface TaintSource extends PerceivedContent {
  via: string;
}

/**
 * What one assistant turn has read: the perceived moments that reached the model and whether it holds the person's
 * private data. The tool gate asks it, before every call that writes or reaches outside, whether the call needs the
 * person's confirmation and where the request may have come from. Deterministic and independent of the model: a
 * model that obeys every instruction it reads still cannot act on perceived text without the person's yes.
 */
export interface TurnTaint {
  /** The perceived moments read so far, in the order they arrived. */
  readonly sources: readonly TaintSource[];
  /** Whether the turn holds the person's private data (their memory, their earlier messages). */
  readonly holdsPrivateData: boolean;
  /** Records what a tool's result holds (read tools only; other results come after the decision). */
  noteResult(definition: ToolDefinition, result: unknown): void;
  /** Records that the turn holds private data (the conversation so far). */
  notePrivateData(): void;
  /**
   * Why a call to this tool with these arguments must wait for the person beyond its tier, and where it came from;
   * null when nothing perceived is in the turn. Tiers still apply on top (`external` always waits).
   */
  originFor(definition: ToolDefinition, args: unknown, timezone: string): ActionOrigin | null;
}

/** The provenance of a tool without its own: everything it returned is perceived output of that tool. */
function worstCase(result: unknown): ResultProvenance {
  const text = typeof result === 'string' ? result : safeJson(result);
  return {
    perceived: text ? [{ observationId: null, modality: null, capturedAt: null, text }] : [],
    privateData: false,
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return String(value);
  }
}

/** The text with URL escapes decoded too, so "%20"-encoded perceived words in a URL are still recognised. */
function decodeEscapes(text: string): string {
  const decoded = text.replace(/\+/g, ' ').replace(/(%[0-9a-f]{2})+/gi, (escapes) => {
    try {
      return decodeURIComponent(escapes);
    } catch {
      return escapes;
    }
  });
  return decoded === text ? text : `${text}\n${decoded}`;
}

/** Lower-case words (letters and digits), with datamarks read as spaces. */
function words(text: string): string[] {
  return undatamark(text)
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0);
}

const SHINGLE = 4;

function shingles(list: readonly string[]): Set<string> {
  const found = new Set<string>();
  for (let index = 0; index + SHINGLE <= list.length; index++)
    found.add(list.slice(index, index + SHINGLE).join(' '));
  return found;
}

/** Long tokens that carry meaning on their own: URLs, e-mail addresses, numbers and words of 12 characters or more. */
function distinctiveTokens(text: string): Set<string> {
  const found = new Set<string>();
  for (const token of undatamark(text).toLowerCase().split(/\s+/)) {
    const trimmed = token.replace(/^[("'<[]+|[)"'>\].,;:!?]+$/g, '');
    if (/^(https?:\/\/|www\.)\S{4,}/.test(trimmed) || /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/.test(trimmed))
      found.add(trimmed);
    else if (trimmed.length >= 12 && /^[\p{L}\p{N}_.-]+$/u.test(trimmed)) found.add(trimmed);
  }
  return found;
}

/** Whether arguments repeat a perceived text: four words in a row, or a URL, address or long token of it. */
export function repeatsPerceivedText(argumentsText: string, perceivedText: string): boolean {
  const argumentWords = words(argumentsText);
  if (argumentWords.length >= SHINGLE) {
    const perceived = shingles(words(perceivedText));
    for (const shingle of shingles(argumentWords)) if (perceived.has(shingle)) return true;
  }
  const perceivedTokens = distinctiveTokens(perceivedText);
  if (perceivedTokens.size === 0) return false;
  const lowered = undatamark(argumentsText).toLowerCase();
  for (const token of perceivedTokens) if (lowered.includes(token)) return true;
  return false;
}

/** "text seen by a camera at Mon 2 Mar 14:02", "speech heard at …", "the output of the tool mail__search". */
export function describeSource(source: PerceivedSource, timezone: string): string {
  const at = source.capturedAt === null ? '' : ` at ${formatMoment(source.capturedAt, timezone)}`;
  switch (source.modality) {
    case null:
      return `the output of the tool ${source.via}`;
    case 'frame':
    case 'photo':
    case 'video':
    case 'screen':
      return `text seen by a camera${at}`;
    case 'utterance':
    case 'audio':
      return `speech heard${at}`;
    case 'event':
      return `a calendar event${at}`;
    default:
      return `a ${source.modality} captured${at}`;
  }
}

/** Creates the provenance record of one turn. */
export function createTurnTaint(): TurnTaint {
  const sources: TaintSource[] = [];
  let holdsPrivateData = false;

  return {
    get sources() {
      return sources;
    },
    get holdsPrivateData() {
      return holdsPrivateData;
    },
    noteResult(definition, result) {
      const provenance = definition.provenance ? definition.provenance(result) : worstCase(result);
      if (provenance.privateData) holdsPrivateData = true;
      for (const content of provenance.perceived) {
        const duplicate = sources.some(
          (seen) => seen.observationId !== null && seen.observationId === content.observationId,
        );
        if (!duplicate) sources.push({ ...content, via: definition.name });
      }
    },
    notePrivateData() {
      holdsPrivateData = true;
    },
    originFor(definition, args, timezone) {
      if (sources.length === 0) return null;
      const argumentsText = decodeEscapes(safeJson(args));
      const repeated = sources.filter((source) => repeatsPerceivedText(argumentsText, source.text));
      const reasons: ActionOriginReason[] = ['perceived_context'];
      if (repeated.length > 0) reasons.push('perceived_arguments');
      const reachesOutside = definition.tier === 'external' || definition.source !== 'builtin';
      if (holdsPrivateData && reachesOutside) reasons.push('rule_of_two');
      const ordered = [...repeated, ...sources.filter((source) => !repeated.includes(source))];
      const listed: PerceivedSource[] = ordered.map(({ observationId, modality, capturedAt, via }) => ({
        observationId,
        modality,
        capturedAt,
        via,
      }));
      const first = listed[0] as PerceivedSource;
      const more =
        listed.length > 1
          ? ` (and ${listed.length - 1} more perceived moment${listed.length > 2 ? 's' : ''})`
          : '';
      const explanation =
        repeated.length > 0
          ? `This came from ${describeSource(first, timezone)}${more}, not from you: its words are in the request. Confirm only if you want it.`
          : `This was asked for while reading ${describeSource(first, timezone)}${more}, so it may not come from you. Confirm only if you want it.`;
      return { reasons, sources: listed.slice(0, 50), explanation };
    },
  };
}
