import type { BlobStore } from '../blobs/index.ts';
import type { JobHandler } from '../jobs/index.ts';
import { type Clock, derivedUlid, FamiliarError, type Logger } from '../kernel/index.ts';
import type { PeopleStore, StoredCapture, TimelineStore } from '../memory/index.ts';
import { excludeFrame } from '../safety/index.ts';
import type { Captioner, DecodedFrame, FrameTagger, FrameTags, TextReader, TextReading } from './ports.ts';
import type { VoiceprintStore } from './speakers/voiceprint-store.ts';
import { blurRegions } from './vision/face-blur.ts';
import { matchFace } from './vision/face-matcher.ts';
import { decodeFrame, encodeJpeg } from './vision/frame-decoder.ts';
import { createFrameDeduplicator } from './vision/perceptual-hash.ts';

/** The embedding model name face descriptors are stored under (beside voiceprints, never compared with them). */
export const FACE_DESCRIPTOR_MODEL = 'face:human-faceres';

/** Milliseconds each stage took for one frame. */
export interface StageTimings {
  decodeMs: number;
  dedupMs: number;
  ocrMs?: number;
  tagMs?: number;
  blurMs?: number;
  captionMs?: number;
}

/** What perceiving one frame did. */
export type FramePerceptionResult =
  | { outcome: 'kept'; observationId: string; text: string; timings: StageTimings }
  | { outcome: 'merged'; into: string | null; timings: StageTimings }
  | { outcome: 'excluded'; rule: string; timings: StageTimings };

const ms = (started: number) => Math.round((performance.now() - started) * 10) / 10;

/** "a laptop, a cup and a chair" from COCO labels (most confident first, at most five). */
function listObjects(tags: FrameTags): string[] {
  const labels: string[] = [];
  for (const object of [...tags.objects].sort((a, b) => b.score - a.score)) {
    if (object.label === 'person' || labels.includes(object.label)) continue;
    labels.push(object.label);
    if (labels.length === 5) break;
  }
  return labels;
}

function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/**
 * The caption used when no vision model is configured, built only from what the engines found, e.g.
 * "a laptop and a cup; 2 people (Ana); text: 'Quarterly review 3pm'".
 */
export function templateCaption(tags: FrameTags, people: readonly string[], reading: TextReading): string {
  const parts: string[] = [];
  const objects = listObjects(tags);
  if (objects.length > 0) parts.push(joinWords(objects.map((label) => `a ${label}`)));
  const faces = tags.faces.length;
  const persons = Math.max(faces, tags.objects.filter((o) => o.label === 'person').length);
  if (persons > 0)
    parts.push(
      `${persons} ${persons === 1 ? 'person' : 'people'}${people.length ? ` (${people.join(', ')})` : ''}`,
    );
  if (reading.text) parts.push(`text: '${reading.text.replace(/\s+/g, ' ').slice(0, 400)}'`);
  return parts.length > 0 ? parts.join('; ') : 'a frame with nothing recognised';
}

/**
 * Sees a frame: decodes it (≤ 1280 px), drops near-duplicates of the stream's last kept frame, reads text (gated),
 * drops frames an exclusion rule forbids, finds objects and faces, names only people enrolled with consent who did
 * not opt out, blurs every face, stores the blurred frame in place of the raw one, and writes one `frame`
 * observation whose text holds the caption and the text read, so `ask` can quote it.
 */
export function createImagePerception(deps: {
  store: TimelineStore;
  blobs: BlobStore;
  people: PeopleStore;
  faces: VoiceprintStore;
  reader: TextReader;
  tagger: FrameTagger;
  captioner?: Captioner | null;
  clock: Clock;
  logger: Logger;
  dedupThreshold?: number;
  faceMatchThreshold?: number;
}) {
  const { store, blobs, people, faces, reader, tagger, clock, logger } = deps;
  const dedup = createFrameDeduplicator(
    deps.dedupThreshold === undefined ? {} : { threshold: deps.dedupThreshold },
  );
  const lastKept = new Map<string, string>();

  async function deleteCapture(userId: string, captureId: string): Promise<void> {
    const result = await store.forget(userId, { kind: 'ids', ids: [captureId] });
    for (const sha256 of result.unreferencedBlobs) {
      if (!(await store.isBlobReferenced(userId, sha256))) await blobs.delete(userId, sha256);
    }
  }

  async function namePeople(userId: string, tags: FrameTags): Promise<string[]> {
    const enrolled = await faces.list(userId, FACE_DESCRIPTOR_MODEL);
    if (enrolled.length === 0) return [];
    const names: string[] = [];
    for (const face of tags.faces) {
      if (!face.descriptor) continue;
      const match = matchFace(
        face.descriptor,
        enrolled
          .filter((e) => e.personId !== null)
          .map((e) => ({ personId: e.personId!, descriptor: e.vector })),
        ...(deps.faceMatchThreshold === undefined ? [] : [deps.faceMatchThreshold]),
      );
      if (!match) continue;
      const person = (await people.list(userId)).find((p) => p.id === match.personId);
      // An opted-out person is never named; their face stays blurred like every other.
      if (person && !person.optedOut && !names.includes(person.name)) names.push(person.name);
    }
    return names;
  }

  async function perceive(userId: string, capture: StoredCapture): Promise<FramePerceptionResult> {
    const timings: StageTimings = { decodeMs: 0, dedupMs: 0 };
    const bytes = await blobs.get(userId, capture.sha256);
    if (!bytes)
      throw new FamiliarError('storage_failed', `the media of capture ${capture.id} is missing from disk`);
    let started = performance.now();
    let frame: DecodedFrame;
    try {
      frame = await decodeFrame(bytes);
    } catch (error) {
      if (error instanceof FamiliarError)
        await store.setCaptureStatus(userId, capture.id, 'failed', error.message);
      throw error;
    }
    timings.decodeMs = ms(started);

    started = performance.now();
    const streamKey = `${userId}:${capture.deviceId ?? 'import'}:${capture.streamId ?? 'photos'}`;
    const decision = dedup.consider(streamKey, frame, capture.capturedAt);
    timings.dedupMs = ms(started);
    if (!decision.keep) {
      const into = lastKept.get(streamKey) ?? null;
      if (into && decision.representative) {
        const kept = await store.getObservation(userId, into);
        if (kept) {
          await store.setObservationDetails(userId, into, {
            ...kept.details,
            frames: { count: decision.representative.count, lastAt: decision.representative.lastAt },
          });
        }
      }
      await deleteCapture(userId, capture.id);
      return { outcome: 'merged', into, timings };
    }

    started = performance.now();
    const reading = await reader.read(frame);
    timings.ocrMs = ms(started);
    const exclusion = excludeFrame(reading.text);
    if (exclusion) {
      await deleteCapture(userId, capture.id);
      logger.info({ captureId: capture.id, rule: exclusion.rule }, 'frame dropped by an exclusion rule');
      return { outcome: 'excluded', rule: exclusion.rule, timings };
    }

    started = performance.now();
    const enrolledFaces = (await faces.list(userId, FACE_DESCRIPTOR_MODEL)).length;
    const tags = await tagger.tag(frame, { descriptors: enrolledFaces > 0 });
    timings.tagMs = ms(started);
    const names = await namePeople(userId, tags);

    started = performance.now();
    const protectedFrame =
      tags.faces.length > 0
        ? blurRegions(
            frame,
            tags.faces.map((face) => face.box),
          )
        : frame;
    const jpeg = await encodeJpeg(protectedFrame);
    const stored = await blobs.put(userId, jpeg);
    const { unreferencedBlob } = await store.replaceCaptureMedia(userId, capture.id, {
      sha256: stored.sha256,
      size: stored.size,
      mediaType: 'image/jpeg',
    });
    if (unreferencedBlob && !(await store.isBlobReferenced(userId, unreferencedBlob)))
      await blobs.delete(userId, unreferencedBlob);
    timings.blurMs = ms(started);

    let caption = templateCaption(tags, names, reading);
    if (deps.captioner) {
      started = performance.now();
      try {
        const described = (await deps.captioner.caption(jpeg)).trim();
        if (described)
          caption = reading.text
            ? `${described}; text: '${reading.text.replace(/\s+/g, ' ').slice(0, 400)}'`
            : described;
      } catch (error) {
        logger.warn({ err: error, captureId: capture.id }, 'captioning failed; the template caption is used');
      }
      timings.captionMs = ms(started);
    }

    const observationId = derivedUlid(capture.capturedAt, `frame:${capture.id}`);
    await store.insertObservations(userId, [
      {
        id: observationId,
        deviceId: capture.deviceId,
        modality: 'frame',
        capturedAt: capture.capturedAt,
        receivedAt: clock.now(),
        text: caption,
        captureId: capture.id,
        provenance: {
          engine: deps.captioner ? deps.captioner.name : 'familiar-template',
          model: `${reader.name}; ${tagger.name}`,
        },
        trust: 'perceived',
        details: {
          seen: { objects: listObjects(tags), faces: tags.faces.length, people: names },
          frames: { count: 1, lastAt: capture.capturedAt },
        },
      },
    ]);
    lastKept.set(streamKey, observationId);
    await store.setCaptureStatus(userId, capture.id, 'processed');
    return { outcome: 'kept', observationId, text: caption, timings };
  }

  const handle: JobHandler = async (job) => {
    const payload = job.payload as { captureId?: unknown };
    if (!job.userId || typeof payload?.captureId !== 'string') {
      return { status: 'failed', error: 'the job has no user or capture id', retryable: false };
    }
    const capture = await store.getCapture(job.userId, payload.captureId);
    if (!capture) return { status: 'skipped', reason: 'the capture no longer exists' };
    if (capture.kind !== 'image')
      return { status: 'skipped', reason: `capture ${capture.id} is not an image` };
    if (capture.status !== 'pending')
      return { status: 'skipped', reason: `capture ${capture.id} is already ${capture.status}` };
    try {
      return { status: 'success', result: await perceive(job.userId, capture) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const final = (error instanceof FamiliarError && !error.retryable) || job.attempts >= job.maxAttempts;
      if (final) await store.setCaptureStatus(job.userId, capture.id, 'failed', message).catch(() => {});
      if (error instanceof FamiliarError && !error.retryable)
        return { status: 'failed', error: message, retryable: false };
      throw error;
    }
  };

  return { handle, perceive };
}

/** The image perception service's type. */
export type ImagePerception = ReturnType<typeof createImagePerception>;
