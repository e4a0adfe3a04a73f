import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { FamiliarError } from '../kernel/index.ts';

/** The file in FAMILIAR_HOME that says a key rotation has started and not finished. */
export const ROTATION_MARKER_FILE = 'key-rotation.json';

const RotationMarkerSchema = z.object({
  version: z.literal(1),
  /** Key id of the key being replaced, or null when the data was in plain text. */
  from: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .nullable(),
  to: z.string().regex(/^[0-9a-f]{16}$/),
  startedAt: z.number().int(),
});

/** A key rotation in progress: from which key to which (key ids, never keys). */
export type RotationMarker = z.infer<typeof RotationMarkerSchema>;

/** The rotation that was started and not finished in `home`, or null. */
export function readRotationMarker(home: string): RotationMarker | null {
  const path = join(home, ROTATION_MARKER_FILE);
  if (!existsSync(path)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    raw = null;
  }
  const parsed = RotationMarkerSchema.safeParse(raw);
  if (!parsed.success)
    throw new FamiliarError(
      'invalid_config',
      `${path} is damaged; run \`familiar key rotate\` again with the same old and new keys to finish the rotation`,
    );
  return parsed.data;
}

/** Records, durably, that a rotation has started (written to a temporary file, fsynced and renamed). */
export function writeRotationMarker(home: string, marker: RotationMarker): void {
  const path = join(home, ROTATION_MARKER_FILE);
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(marker)}\n`, { mode: 0o600 });
  const handle = openSync(temporary, 'r');
  try {
    fsyncSync(handle);
  } finally {
    closeSync(handle);
  }
  renameSync(temporary, path);
  const directory = openSync(home, 'r');
  try {
    fsyncSync(directory);
  } finally {
    closeSync(directory);
  }
}

/** Marks the rotation finished. */
export function clearRotationMarker(home: string): void {
  rmSync(join(home, ROTATION_MARKER_FILE), { force: true });
}

/**
 * Refuses to open the data while a rotation is unfinished: part of it is under the old key and part under the new,
 * and a server writing in between would mix them further.
 */
export function assertNoRotationInProgress(home: string): void {
  if (readRotationMarker(home))
    throw new FamiliarError(
      'invalid_config',
      'a key rotation was started and did not finish: run `familiar key rotate` again with the same old and new keys to finish it',
    );
}
