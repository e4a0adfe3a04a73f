import { type CaptureKind, captureKindFor, type ObservationInput, trustFor } from '@familiar/protocol';
import type { AuditLog } from '../audit/index.ts';
import type { BlobStore } from '../blobs/index.ts';
import type { JobQueue, NewJob } from '../jobs/index.ts';
import {
  type Clock,
  FamiliarError,
  fromIso,
  type IdGenerator,
  type Logger,
  NotFoundError,
} from '../kernel/index.ts';
import type { PeopleStore } from './people-store.ts';
import type { TimelineStore } from './timeline-store.ts';
import type {
  ForgetResult,
  ForgetSelector,
  ListObservationsOptions,
  NewObservation,
  StoredCapture,
} from './types.ts';

/** Who acts on a timeline: the user, and the device (or the local CLI) acting for them. */
export interface Actor {
  userId: string;
  deviceId: string | null;
  /** For the audit log: `cli`, `device:<id>`, `server`. */
  label: string;
}

/** The job type that asks perception to read a new capture of a kind; perception registers a handler per kind. */
export function perceiveJobType(kind: CaptureKind): string {
  return `perceive.${kind}`;
}

/** The job that asks perception to read a capture, deduplicated per capture. */
export function perceiveJob(userId: string, captureId: string, kind: CaptureKind): NewJob {
  return {
    type: perceiveJobType(kind),
    userId,
    payload: { captureId },
    dedupeKey: `perceive:${userId}:${captureId}`,
  };
}

/** The timeline service: the one door for writing, reading and forgetting a person's observations and media. */
export function createTimeline(deps: {
  store: TimelineStore;
  blobs: BlobStore;
  people: PeopleStore;
  audit: AuditLog;
  jobs: JobQueue;
  clock: Clock;
  newId: IdGenerator;
  logger: Logger;
  /** What memory derived from the timeline (facts, episodes), told when observations are forgotten. */
  derived?: { afterForget(userId: string): Promise<void>; forgetAll(userId: string): Promise<void> };
}) {
  const { store, blobs, people, audit, jobs, clock, newId, logger, derived } = deps;

  const record = (
    actor: Actor,
    action: string,
    target: string | null,
    details: Record<string, unknown> | null,
  ) => audit.record({ userId: actor.userId, at: clock.now(), actor: actor.label, action, target, details });

  /** Deletes blob files no capture references any more (checked again, in case the same bytes just came back). */
  async function deleteUnreferencedBlobs(userId: string, hashes: readonly string[]): Promise<void> {
    for (const sha256 of hashes) {
      if (await store.isBlobReferenced(userId, sha256)) continue;
      try {
        await blobs.delete(userId, sha256);
      } catch (error) {
        logger.error({ err: error, sha256 }, 'could not delete a forgotten blob file');
      }
    }
  }

  return {
    /** Stores a batch of client observations all-or-nothing; the server sets trust, device and receipt time. */
    async ingest(
      actor: Actor,
      inputs: readonly ObservationInput[],
    ): Promise<{ ids: string[]; inserted: number }> {
      const receivedAt = clock.now();
      const speakers = new Map<string, string | null>();
      for (const name of new Set(inputs.flatMap((input) => (input.speaker ? [input.speaker] : [])))) {
        speakers.set(name, (await people.find(actor.userId, name))?.id ?? null);
      }
      const observations: NewObservation[] = inputs.map((input) => ({
        id: input.id,
        deviceId: actor.deviceId,
        modality: input.modality,
        capturedAt: fromIso(input.capturedAt),
        receivedAt,
        text: input.text,
        captureId: input.captureId ?? null,
        provenance: input.provenance ?? null,
        trust: trustFor(input.modality),
        details: input.speaker
          ? { speaker: { label: input.speaker, personId: speakers.get(input.speaker) ?? null } }
          : null,
      }));
      const { inserted } = await store.insertObservations(actor.userId, observations);
      await record(actor, 'observations.write', null, { count: observations.length, inserted });
      return { ids: observations.map((o) => o.id), inserted };
    },

    /** Restores observations exactly as exported (trust and times kept); used by `familiar import` only. */
    async restore(userId: string, observations: readonly NewObservation[]) {
      return store.insertObservations(userId, observations);
    },

    async list(actor: Actor, options: ListObservationsOptions) {
      const page = await store.listObservations(actor.userId, options);
      await record(actor, 'observations.list', null, { count: page.observations.length });
      return page;
    },

    async get(actor: Actor, id: string) {
      const observation = await store.getObservation(actor.userId, id);
      if (!observation) throw new NotFoundError('observation', id);
      await record(actor, 'observations.read', observation.id, null);
      return observation;
    },

    async count(userId: string) {
      return store.countObservations(userId);
    },

    /** Forgets observations (and captures, blobs, index entries); an unknown id is `not_found` and changes nothing. */
    async forget(actor: Actor, selector: ForgetSelector): Promise<ForgetResult> {
      if (selector.kind === 'ids') {
        for (const id of selector.ids) {
          const known =
            (await store.getObservation(actor.userId, id)) ?? (await store.getCapture(actor.userId, id));
          if (!known) throw new NotFoundError('observation', id);
        }
      }
      const result = await store.forget(actor.userId, selector);
      if (selector.kind === 'everything') {
        await derived?.forgetAll(actor.userId);
        await people.removeAll(actor.userId);
        await jobs.cancelForUser(actor.userId);
      } else {
        await derived?.afterForget(actor.userId);
      }
      await deleteUnreferencedBlobs(actor.userId, result.unreferencedBlobs);
      const counts = {
        observations: result.observations,
        captures: result.captures,
        blobs: result.unreferencedBlobs.length,
      };
      if (selector.kind === 'expired') {
        // Retention runs every hour for every modality: only a purge that removed something is worth a record.
        if (result.observations + result.captures > 0)
          await record(actor, 'memory.retention', null, {
            modality: selector.modality,
            before: selector.beforeMs,
            ...counts,
          });
        return result;
      }
      await record(
        actor,
        'memory.forget',
        selector.kind === 'ids' ? selector.ids.join(',').slice(0, 500) : null,
        {
          selector: selector.kind,
          ...(selector.kind === 'range' ? { from: selector.fromMs, to: selector.toMs } : {}),
          ...counts,
        },
      );
      return result;
    },

    /**
     * Stores raw media as a pending capture and queues it for perception. The job is queued first (deduplicated by
     * capture), so a crash can leave a job without a capture (its handler must skip it, as it must for a capture
     * forgotten before perception ran) but never a capture nobody reads.
     */
    async addCapture(
      actor: Actor,
      input: { bytes: Uint8Array; mediaType: string; capturedAt: number; id?: string },
    ): Promise<{ capture: StoredCapture; created: boolean }> {
      const kind: CaptureKind | null = captureKindFor(input.mediaType);
      if (!kind) {
        throw new FamiliarError(
          'unsupported_media_type',
          `media type "${input.mediaType}" is not audio, image or video`,
        );
      }
      if (input.bytes.byteLength === 0) throw new FamiliarError('validation_failed', 'the media is empty');
      const id = input.id ?? newId();
      await jobs.enqueue(perceiveJob(actor.userId, id, kind));
      const { sha256, size } = await blobs.put(actor.userId, input.bytes);
      const result = await store.insertCapture(actor.userId, {
        id,
        deviceId: actor.deviceId,
        kind,
        mediaType: input.mediaType.split(';')[0]!.trim().toLowerCase(),
        sha256,
        size,
        capturedAt: input.capturedAt,
        receivedAt: clock.now(),
      });
      if (result.created) await record(actor, 'capture.write', id, { kind, size });
      else if (result.capture.status === 'failed') {
        // Sent again after perception gave up on it: its job was queued again above, so it is pending again.
        await store.setCaptureStatus(actor.userId, id, 'pending', null);
        return { ...result, capture: { ...result.capture, status: 'pending' as const, error: null } };
      }
      return result;
    },

    /** Restores a capture as exported (status kept); used by `familiar import` only. */
    async restoreCapture(userId: string, capture: StoredCapture, bytes: Uint8Array) {
      await blobs.put(userId, bytes);
      const result = await store.insertCapture(userId, { ...capture, status: capture.status });
      if (capture.status !== 'pending' || capture.error)
        await store.setCaptureStatus(userId, capture.id, capture.status, capture.error);
      return result;
    },

    async getCapture(actor: Actor, id: string) {
      const capture = await store.getCapture(actor.userId, id);
      if (!capture) throw new NotFoundError('capture', id);
      return capture;
    },

    async listCaptures(userId: string) {
      return store.listCaptures(userId);
    },

    /** The capture's bytes, audited as a media read. */
    async readCaptureMedia(actor: Actor, id: string): Promise<{ capture: StoredCapture; bytes: Uint8Array }> {
      const capture = await store.getCapture(actor.userId, id);
      if (!capture) throw new NotFoundError('capture', id);
      const bytes = await blobs.get(actor.userId, capture.sha256);
      if (!bytes)
        throw new FamiliarError('storage_failed', `the media of capture ${id} is missing from disk`);
      await record(actor, 'capture.media.read', capture.id, null);
      return { capture, bytes };
    },

    /**
     * Deletes blob files that no capture references: what a crash between a forget's commit and its file deletions
     * leaves behind. Files younger than `minAgeMs` are left alone, since an upload writes its file before its row.
     */
    async sweepOrphanBlobs(userIds: readonly string[], minAgeMs = 10 * 60_000): Promise<number> {
      let removed = 0;
      for (const userId of userIds) {
        for (const blob of await blobs.list(userId)) {
          if (clock.now() - blob.modifiedAt < minAgeMs) continue;
          if (await store.isBlobReferenced(userId, blob.sha256)) continue;
          await blobs.delete(userId, blob.sha256);
          removed += 1;
        }
      }
      if (removed > 0) logger.info({ removed }, 'removed media files left behind by an interrupted forget');
      return removed;
    },

    /**
     * Retention: deletes the raw media of a kind older than `days` (once perceived) for every given user; what was
     * perceived from it (transcripts, readings) stays. Each deletion is in the user's audit log.
     */
    async expireMedia(userIds: readonly string[], kind: CaptureKind, days: number): Promise<number> {
      const before = clock.now() - days * 86_400_000;
      let total = 0;
      for (const userId of userIds) {
        const { captures, unreferencedBlobs } = await store.expireCaptures(userId, kind, before);
        if (captures === 0) continue;
        await deleteUnreferencedBlobs(userId, unreferencedBlobs);
        await audit.record({
          userId,
          at: clock.now(),
          actor: 'system',
          action: 'memory.retention',
          target: null,
          details: { kind, days, captures, blobs: unreferencedBlobs.length },
        });
        total += captures;
      }
      return total;
    },

    /** Queues perception for pending captures that have no job (a crash between storing and queueing). */
    async requeuePendingCaptures(userIds: readonly string[]): Promise<void> {
      for (const userId of userIds) {
        const pending = await store.listCaptures(userId, { status: 'pending' });
        await jobs.enqueueMany(pending.map((capture) => perceiveJob(userId, capture.id, capture.kind)));
      }
    },

    async readBlob(userId: string, sha256: string) {
      return blobs.get(userId, sha256);
    },
  };
}

/** The timeline service's type. */
export type Timeline = ReturnType<typeof createTimeline>;
