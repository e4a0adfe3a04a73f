import type { GuardRole, GuardTurn } from './guard.ts';
import { HAZARD_CATEGORIES, type HazardCategoryInfo } from './hazard-categories.ts';

const SPECIAL_TOKEN = /<\|[A-Za-z0-9_]+\|>/g;
const BLOCK_MARKER = /<\s*(BEGIN|END)\s+(CONVERSATION|UNSAFE\s+CONTENT\s+CATEGORIES)\s*>/gi;
const TURN_LABEL = /^([ \t]*)(user|agent)([ \t]*):/gim;

/**
 * A turn's text made safe to place inside the Llama Guard prompt: chat-template special tokens are removed, the
 * prompt's block markers are bracketed, and lines that start like a turn ("Agent:") are marked as quoted, so a
 * message cannot end the conversation early or fake a later, harmless turn for the classifier to judge instead.
 */
export function neutraliseGuardText(text: string): string {
  return text
    .replace(SPECIAL_TOKEN, ' ')
    .replace(BLOCK_MARKER, (_, edge: string, block: string) => `(${edge} ${block.replace(/\s+/g, ' ')})`)
    .replace(
      TURN_LABEL,
      (_, indent: string, label: string, space: string) => `${indent}${label} (quoted)${space}:`,
    )
    .trim();
}

/** The label the Llama Guard prompt gives a role: `User` for the person, `Agent` for the assistant. */
export function llamaGuardRoleLabel(role: GuardRole): 'User' | 'Agent' {
  return role === 'user' ? 'User' : 'Agent';
}

/**
 * The Llama Guard 3 prompt (the official template, as the model's user turn): the task line, the hazard categories
 * between `<BEGIN UNSAFE CONTENT CATEGORIES>` and `<END UNSAFE CONTENT CATEGORIES>`, the conversation as `User:` and
 * `Agent:` turns between `<BEGIN CONVERSATION>` and `<END CONVERSATION>`, and the instruction to answer "safe" or
 * "unsafe" with a comma-separated line of categories. The chat format around it (`<|start_header_id|>user…`) is the
 * model server's to add.
 */
export function buildLlamaGuardPrompt({
  role,
  conversation,
  categories = HAZARD_CATEGORIES,
}: {
  role: GuardRole;
  conversation: readonly GuardTurn[];
  categories?: readonly HazardCategoryInfo[];
}): string {
  const label = llamaGuardRoleLabel(role);
  const turns = conversation.map(
    (turn) => `${llamaGuardRoleLabel(turn.role)}: ${neutraliseGuardText(turn.content)}`,
  );
  return [
    `Task: Check if there is unsafe content in '${label}' messages in conversations according our safety policy with the below categories.`,
    '',
    '<BEGIN UNSAFE CONTENT CATEGORIES>',
    ...categories.map((category) => `${category.code}: ${category.promptName}.`),
    '<END UNSAFE CONTENT CATEGORIES>',
    '',
    '<BEGIN CONVERSATION>',
    '',
    turns.join('\n\n'),
    '',
    '<END CONVERSATION>',
    '',
    `Provide your safety assessment for ONLY THE LAST ${label} message in the above conversation:`,
    " - First line must read 'safe' or 'unsafe'.",
    ' - If unsafe, a second line must include a comma-separated list of violated categories.',
  ].join('\n');
}
