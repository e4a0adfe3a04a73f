import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { z } from 'zod';
import { describeIssues } from './errors.ts';

/**
 * Reads a JSONL file line by line through a schema. Blank lines are skipped; each bad line becomes a problem
 * `line N: …` (reading stops after `maxProblems` of them), so a caller can refuse the whole file with every reason.
 */
export async function readJsonLines<T extends z.ZodType>(
  path: string,
  schema: T,
  maxProblems = 20,
): Promise<{ rows: Array<z.infer<T>>; problems: string[] }> {
  const rows: Array<z.infer<T>> = [];
  const problems: string[] = [];
  let lineNumber = 0;
  for await (const line of createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push(`line ${lineNumber}: not valid JSON`);
      if (problems.length >= maxProblems) break;
      continue;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) rows.push(parsed.data);
    else problems.push(...describeIssues(parsed.error.issues).map((issue) => `line ${lineNumber}: ${issue}`));
    if (problems.length >= maxProblems) break;
  }
  return { rows, problems };
}
