import type { ZodType } from 'zod';
import type { PerceivedSource, RiskTier } from '../types.ts';

/** Who a tool runs for: whose data, who asked (for the audit log), and their timezone. */
export interface ToolContext {
  userId: string;
  /** `cli`, `device:<id>`, `server`. */
  actor: string;
  timezone: string;
  now: number;
}

/**
 * A tool the assistant may call, with its risk tier. `input` validates the arguments (the model's or a person's);
 * `summarize` says in one line exactly what running it would do, for the confirmation prompt of `external` tools.
 */
export interface ToolDefinition<Input = unknown> {
  /** Unique, `snake_case`; tools from MCP servers are named `<server>__<tool>`. */
  name: string;
  description: string;
  tier: RiskTier;
  input: ZodType<Input>;
  summarize(input: Input): string;
  run(input: Input, context: ToolContext): Promise<unknown>;
  /** Where it comes from: `builtin` or `mcp:<server>`. */
  source: string;
  /**
   * What a result of this tool holds, for the turn's provenance: the perceived moments in it (speech heard, text
   * seen, with their text) and whether it holds the person's private data. A tool without it is taken at its
   * worst: all of its output is perceived (what an MCP server returns comes from outside).
   */
  provenance?: (result: unknown) => ResultProvenance;
}

/** A perceived moment in a tool's result, with the text that reached the model. */
export interface PerceivedContent extends Omit<PerceivedSource, 'via'> {
  text: string;
}

/** What one tool result holds: its perceived moments, and whether it carries the person's private data. */
export interface ResultProvenance {
  perceived: PerceivedContent[];
  privateData: boolean;
}

/** A source of tools other than the built-in ones (MCP servers), opened lazily and closed with the app. */
export interface ToolSource {
  /** The tools it offers now (connecting on first use); a server that cannot be reached offers none and says why. */
  tools(): Promise<{ tools: ToolDefinition[]; problems: string[] }>;
  close(): Promise<void>;
}
