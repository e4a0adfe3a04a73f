import { createHash } from 'node:crypto';
import type { NewObservation } from './types.ts';

/**
 * A hash of what the client chose for an observation, so a retry with the same id and content is a no-op
 * and the same id with other content is a conflict. Server-set fields (receipt time, device) are left out.
 */
export function observationContentHash(observation: NewObservation): string {
  const canonical = JSON.stringify([
    observation.modality,
    observation.deviceCapturedAt ?? observation.capturedAt,
    observation.text,
    observation.captureId,
    observation.provenance
      ? [
          observation.provenance.engine,
          observation.provenance.model ?? null,
          observation.provenance.version ?? null,
        ]
      : null,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
