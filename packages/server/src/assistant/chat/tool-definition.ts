import type { ZodType } from 'zod';
import type { RiskTier } from '../types.ts';

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
}

/** A source of tools other than the built-in ones (MCP servers), opened lazily and closed with the app. */
export interface ToolSource {
  /** The tools it offers now (connecting on first use); a server that cannot be reached offers none and says why. */
  tools(): Promise<{ tools: ToolDefinition[]; problems: string[] }>;
  close(): Promise<void>;
}
