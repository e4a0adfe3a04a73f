import type { Capture, Observation } from '@familiar/protocol';
import { toIso } from '../kernel/index.ts';
import type { StoredCapture, StoredObservation } from './types.ts';

/** The wire form of a stored observation. */
export function presentObservation(observation: StoredObservation): Observation {
  return {
    id: observation.id,
    userId: observation.userId,
    deviceId: observation.deviceId,
    modality: observation.modality,
    capturedAt: toIso(observation.capturedAt),
    receivedAt: toIso(observation.receivedAt),
    text: observation.text,
    captureId: observation.captureId,
    provenance: observation.provenance,
    trust: observation.trust,
    deviceCapturedAt: observation.deviceCapturedAt === null ? null : toIso(observation.deviceCapturedAt),
    details: observation.details,
  };
}

/** The wire form of a stored capture. */
export function presentCapture(capture: StoredCapture): Capture {
  return {
    id: capture.id,
    userId: capture.userId,
    deviceId: capture.deviceId,
    kind: capture.kind,
    mediaType: capture.mediaType,
    size: capture.size,
    sha256: capture.sha256,
    capturedAt: toIso(capture.capturedAt),
    receivedAt: toIso(capture.receivedAt),
    status: capture.status,
    error: capture.error,
    deviceCapturedAt: capture.deviceCapturedAt === null ? null : toIso(capture.deviceCapturedAt),
    streamId: capture.streamId,
    streamSeq: capture.streamSeq,
  };
}
