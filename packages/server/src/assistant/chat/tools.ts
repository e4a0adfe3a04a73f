import { jsonSchema, type ToolSet, tool } from 'ai';
import { type ZodType, z } from 'zod';
import type { AuditLog } from '../../audit/index.ts';
import { type Clock, describeIssues, FamiliarError, type IdGenerator } from '../../kernel/index.ts';
import { datamark } from '../../safety/index.ts';
import type { ActionStore, PendingAction, RiskTier } from '../types.ts';
import type { TurnTaint } from './taint.ts';
import type { ToolContext, ToolDefinition } from './tool-definition.ts';

/** How one tool call ended: it ran, it waits for the person's yes, it was refused by policy, or it failed. */
export type ToolCallStatus = 'ran' | 'awaiting_confirmation' | 'refused' | 'failed';

/** What the model is told a tool call gave: never a thrown error, always one of these. */
export type ToolResultForModel =
  | { status: 'ok'; result: unknown }
  | { status: 'awaiting_confirmation'; actionId: string; summary: string; note: string }
  | { status: 'refused'; reason: string }
  | { status: 'error'; error: string };

/** One call through the gate: the tool, its tier, how it ended, what the model is told, and the action it parked. */
export interface ToolCallOutcome {
  name: string;
  tier: RiskTier;
  source: string;
  status: ToolCallStatus;
  result: ToolResultForModel;
  /** The pending action an `external` call created, else null. */
  action: PendingAction | null;
}

/**
 * Whether the safety rules apply: `enforce` (always, in Familiar) or `off`, which runs every tool the model calls
 * except forbidden ones, with no tiers and no provenance rules. Only the red-team harness's `--no-defence` baseline
 * uses `off`, to show what the attacks would do without the rules; nothing a person or a device sends can choose it.
 */
export type ToolPolicy = 'enforce' | 'off';

/** Enforces risk tiers and the provenance rules on every tool call, whoever asked for it (a model or a chat rule). */
export interface ToolGate {
  /**
   * Validates the arguments with the tool's schema, then by tier: `read` runs (and what it returned is noted in the
   * turn's provenance); `local_write` runs unless the turn has read perceived content; `external` never runs but
   * becomes a pending action with the exact validated arguments; `forbidden` is refused. A call that waits because
   * of perceived content carries its origin ("this came from text seen at 14:02"). Never throws for bad arguments or
   * a failing tool: the outcome says what happened.
   */
  call(definition: ToolDefinition, args: unknown, context: ToolContext): Promise<ToolCallOutcome>;
}

/** What the gate needs: where pending actions go, the audit log, a clock, ids, and how long an action may wait. */
export interface ToolGateDeps {
  actions: ActionStore;
  audit: AuditLog;
  clock: Clock;
  newId: IdGenerator;
  /** How long an external action waits for the person before it expires (default one day). */
  actionTtlMs?: number;
  /** Told every outcome, in order (the chat reports them in its reply). */
  onOutcome?: (outcome: ToolCallOutcome) => void;
  /** What the turn has read so far; without it, no perceived content is known to be in the turn. */
  taint?: TurnTaint;
  /** Default `enforce`. */
  policy?: ToolPolicy;
}

/** The default time an external action waits for confirmation. */
export const DEFAULT_ACTION_TTL_MS = 24 * 60 * 60 * 1000;

/** The result of checking a tool's arguments against its schema. */
export type ArgumentCheck = { ok: true; value: unknown } | { ok: false; error: string };

/** Validates arguments with a tool's Zod schema; the error lists the problems by path (values are not repeated). */
export function validateToolArguments(definition: ToolDefinition, args: unknown): ArgumentCheck {
  const parsed = definition.input.safeParse(args);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    error: `invalid arguments for ${definition.name}: ${describeIssues(parsed.error.issues).join('; ')}`,
  };
}

/** The names of an argument object's keys (what the audit log records: never the values). */
function argumentKeys(args: unknown): string[] {
  return args !== null && typeof args === 'object' && !Array.isArray(args) ? Object.keys(args).sort() : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A short reason for a failed tool run, for the model and the person. */
export function describeToolError(error: unknown): string {
  if (error instanceof FamiliarError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Creates the gate. */
export function createToolGate(deps: ToolGateDeps): ToolGate {
  const {
    actions,
    audit,
    clock,
    newId,
    actionTtlMs = DEFAULT_ACTION_TTL_MS,
    onOutcome,
    taint,
    policy = 'enforce',
  } = deps;

  async function finish(
    definition: ToolDefinition,
    args: unknown,
    context: ToolContext,
    outcome: Omit<ToolCallOutcome, 'name' | 'tier' | 'source'>,
  ): Promise<ToolCallOutcome> {
    const full: ToolCallOutcome = {
      name: definition.name,
      tier: definition.tier,
      source: definition.source,
      ...outcome,
    };
    await audit.record({
      userId: context.userId,
      at: clock.now(),
      actor: context.actor,
      action: 'assistant.tool',
      target: definition.name,
      details: {
        tool: definition.name,
        tier: definition.tier,
        source: definition.source,
        argumentKeys: argumentKeys(args),
        status: outcome.status,
        ...(outcome.action ? { actionId: outcome.action.id } : {}),
        ...(outcome.action?.origin
          ? {
              originReasons: outcome.action.origin.reasons,
              originObservations: outcome.action.origin.sources.flatMap((source) =>
                source.observationId ? [source.observationId] : [],
              ),
            }
          : {}),
        ...(policy === 'off' ? { policy: 'off' } : {}),
      },
    });
    onOutcome?.(full);
    return full;
  }

  return {
    async call(definition, args, context) {
      if (definition.tier === 'forbidden') {
        const reason = `${definition.name} is never allowed. ${definition.description}`;
        return finish(definition, args, context, {
          status: 'refused',
          result: { status: 'refused', reason },
          action: null,
        });
      }
      const checked = validateToolArguments(definition, args);
      if (!checked.ok) {
        return finish(definition, args, context, {
          status: 'failed',
          result: { status: 'error', error: checked.error },
          action: null,
        });
      }
      // Provenance rules: after perceived content, a write waits for the person; and a tool from outside Familiar
      // (even one its server calls read-only) may not carry the turn's private data out (the rule of two).
      const checksOrigin =
        definition.tier !== 'read' || (definition.source !== 'builtin' && Boolean(taint?.holdsPrivateData));
      const origin =
        policy === 'enforce' && checksOrigin
          ? (taint?.originFor(definition, checked.value, context.timezone) ?? null)
          : null;
      if (policy === 'enforce' && (definition.tier === 'external' || origin)) {
        if (!isRecord(checked.value)) {
          const error = `${definition.name} takes an object of arguments`;
          return finish(definition, args, context, {
            status: 'failed',
            result: { status: 'error', error },
            action: null,
          });
        }
        const now = clock.now();
        const action = await actions.add({
          id: newId(),
          userId: context.userId,
          tool: definition.name,
          arguments: checked.value,
          summary: definition.summarize(checked.value),
          requestedBy: `chat:${context.actor}`,
          origin,
          createdAt: now,
          expiresAt: now + actionTtlMs,
        });
        const why = origin
          ? ` It was asked for after reading perceived content (${origin.explanation}), so it needs the person's yes.`
          : '';
        return finish(definition, args, context, {
          status: 'awaiting_confirmation',
          result: {
            status: 'awaiting_confirmation',
            actionId: action.id,
            summary: action.summary,
            note: `This has NOT been done.${why} It waits for the person to confirm it on a device or with \`familiar confirm\`. Tell them what you proposed.`,
          },
          action,
        });
      }
      try {
        const result = await definition.run(checked.value, context);
        if (definition.tier === 'read') taint?.noteResult(definition, result);
        return finish(definition, args, context, {
          status: 'ran',
          result: { status: 'ok', result: result ?? null },
          action: null,
        });
      } catch (error) {
        return finish(definition, args, context, {
          status: 'failed',
          result: { status: 'error', error: describeToolError(error) },
          action: null,
        });
      }
    },
  };
}

/** Removes anything that could open or close the fence around a tool result, so its text cannot escape it. */
function stripFence(text: string): string {
  return text.replace(/<\s*\/?\s*(tool_result|memory|episode)\b[^>]*>?/gi, '');
}

/**
 * A tool result as the model sees it: JSON inside `<tool_result>` tags that its content cannot close. Results hold
 * perceived content (speech, screen text), which the system prompt says is data, never instructions. With
 * `datamarkAll` (a tool whose output is all perceived, like an MCP server's) the whole body is datamarked; built-in
 * tools datamark the perceived parts of their own results.
 */
export function fenceToolResult(
  name: string,
  result: ToolResultForModel,
  options: { datamarkAll?: boolean } = {},
): string {
  let body: string;
  try {
    body = JSON.stringify(result);
  } catch {
    body = JSON.stringify({ status: 'error', error: 'the tool returned a result that is not JSON' });
  }
  const fenced = stripFence(body);
  return `<tool_result tool="${name}">\n${options.datamarkAll ? datamark(fenced) : fenced}\n</tool_result>`;
}

/** The JSON Schema a model is shown for a tool's arguments (what the Zod schema accepts as input). */
function toJsonSchema(schema: ZodType<unknown>): Parameters<typeof jsonSchema>[0] {
  try {
    const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
      io: 'input',
      unrepresentable: 'any',
      target: 'draft-7',
    });
    return rest as Parameters<typeof jsonSchema>[0];
  } catch {
    return { type: 'object', additionalProperties: true };
  }
}

/**
 * The tools as the AI SDK takes them, each going through the gate. The SDK does not validate the arguments (the gate
 * does, so invalid ones become an error result the model can correct, and every call is audited).
 */
export function toAiTools(
  definitions: readonly ToolDefinition[],
  gate: ToolGate,
  context: ToolContext,
  options: { spotlight?: boolean } = {},
): ToolSet {
  const { spotlight = true } = options;
  const set: ToolSet = {};
  for (const definition of definitions) {
    if (Object.hasOwn(set, definition.name)) {
      throw new FamiliarError('invalid_config', `two tools are named ${definition.name}`);
    }
    set[definition.name] = tool<unknown, ToolResultForModel>({
      description: `[${definition.tier}] ${definition.description}`,
      inputSchema: jsonSchema<unknown>(toJsonSchema(definition.input)),
      execute: async (args) => (await gate.call(definition, args, context)).result,
      toModelOutput: ({ output }) => ({
        type: 'text',
        value: fenceToolResult(definition.name, output, {
          datamarkAll: spotlight && !definition.provenance && output.status === 'ok',
        }),
      }),
    });
  }
  return set;
}
