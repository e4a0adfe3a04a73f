import type { Capture, EpisodeSummary, FactWire, Observation, PersonWire } from '@familiar/protocol';
import { toIso } from '../kernel/index.ts';
import type { Episode } from './episode-store.ts';
import type { Fact } from './fact-store.ts';
import type { Person, StoredCapture, StoredObservation } from './types.ts';

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

/** The wire form of an episode. */
export function presentEpisode(episode: Episode): EpisodeSummary {
  return {
    id: episode.id,
    startedAt: toIso(episode.startedAt),
    endedAt: toIso(episode.endedAt),
    title: episode.title,
    summary: episode.summary,
    observationCount: episode.observationCount,
    edited: episode.edited,
  };
}

const isoOrNull = (ms: number | null) => (ms === null ? null : toIso(ms));

/** The wire form of a fact. */
export function presentFact(fact: Fact): FactWire {
  return {
    id: fact.id,
    kind: fact.kind,
    subject: fact.subject,
    predicate: fact.predicate,
    object: fact.object,
    slot: fact.slot,
    statement: fact.statement,
    validFrom: isoOrNull(fact.validFrom),
    validTo: isoOrNull(fact.validTo),
    observedAt: toIso(fact.observedAt),
    trust: fact.trust,
    confidence: fact.confidence,
    origin: fact.origin,
    status: fact.status,
    supersededBy: fact.supersededBy,
    personId: fact.personId,
    sources: fact.sources,
  };
}

/** The wire form of a person. */
export function presentPerson(person: Person): PersonWire {
  return {
    id: person.id,
    name: person.name,
    aliases: person.aliases,
    optedOut: person.optedOut,
    relationship: person.relationship,
    importantDates: person.importantDates,
    lastSeenAt: isoOrNull(person.lastSeenAt),
    lastHeardAt: isoOrNull(person.lastHeardAt),
    lastMentionedAt: isoOrNull(person.lastMentionedAt),
    createdAt: toIso(person.createdAt),
    updatedAt: toIso(person.updatedAt),
  };
}
