import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS, isAuditAction } from './audit-actions.ts';

const SOURCE = join(import.meta.dirname, '..');

/** Every non-test TypeScript file of the server. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(entry.name) && !/\.(test|contract)\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** The action literals a file records: `action: '…'`, and the action argument of the record helpers. */
function recordedActions(text: string): string[] {
  const sites =
    /(?:\baction:\s*|\brecord\(\s*(?:actor|user),\s*|\bauditCli\(\s*familiar,\s*[^,]+,\s*|\bio\.audit\(\s*familiar,\s*[^,]+,\s*)([^\n]+)/g;
  const actions: string[] = [];
  for (const site of text.matchAll(sites)) {
    const expression = site[1]!.split(/,\s*(?:null|\{|[a-z]+\.id|id\b)/)[0]!;
    // Only what looks like an action: dotted lower-case words (a comparison's `'done'` is not one).
    for (const literal of expression.matchAll(/'([a-z][a-z-]*(?:\.[a-z][a-z-]*)+)'/g))
      actions.push(literal[1]!);
  }
  return actions;
}

describe('audit actions', () => {
  it('follow one scheme: lower-case `<domain>.<verb>` parts, dashes inside a part', () => {
    for (const action of Object.keys(AUDIT_ACTIONS))
      expect(action, action).toMatch(/^(?:ask|[a-z]+(?:-[a-z]+)*(?:\.[a-z]+(?:-[a-z]+)*)+)$/);
  });

  it('lists every action the server records, so `--action data.` finds every export', () => {
    const found = new Map<string, string>();
    for (const file of sourceFiles(SOURCE))
      for (const action of recordedActions(readFileSync(file, 'utf8'))) found.set(action, file);
    const unknown = [...found].filter(([action]) => !isAuditAction(action));
    expect(unknown, 'actions recorded but missing from AUDIT_ACTIONS').toEqual([]);
    // Not vacuous: the scan sees the actions of models, memory, consent, privacy, export and the CLI.
    for (const action of [
      'model.call',
      'memory.forget',
      'memory.retention',
      'consent.opt-out',
      'privacy.pause',
      'data.export',
      'data.import',
      'device.revoke',
      'voice.remove',
      'assistant.confirm',
      'models.open-only',
    ])
      expect(found.has(action), action).toBe(true);
  });
});
