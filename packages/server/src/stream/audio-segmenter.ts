import { encodeWav } from '@familiar/device-sdk';
import type { BlobStore } from '../blobs/index.ts';
import type { JobQueue } from '../jobs/index.ts';
import type { IdGenerator, Logger } from '../kernel/index.ts';
import { type AudioChunk, perceiveJob, type TimelineStore } from '../memory/index.ts';
import { pcmDurationMs } from './wav.ts';

/** A silence in the stream longer than this starts a new audio capture. */
const GAP_MS = 1000;
const CHUNKS_PER_READ = 4000;

/**
 * Turns a stream's stored audio chunks into audio captures (WAV, at most `segmentMs` long, split where the audio
 * has a gap), each queued for perception. Chunks are deleted in the same transaction that records the capture, so
 * a crash at any point loses nothing: leftover chunks are sealed at the next start.
 */
export function createAudioSegmenter(deps: {
  store: TimelineStore;
  blobs: BlobStore;
  jobs: JobQueue;
  clock: { now(): number };
  newId: IdGenerator;
  logger: Logger;
  segmentMs?: number;
  idleMs?: number;
}) {
  const { store, blobs, jobs, newId, logger, segmentMs = 30_000, idleMs = 2_000 } = deps;
  const buffered = new Map<
    string,
    { userId: string; deviceId: string; streamId: string; ms: number; timer?: NodeJS.Timeout }
  >();
  const sealing = new Map<string, Promise<void>>();
  const key = (deviceId: string, streamId: string) => `${deviceId}\u0000${streamId}`;

  async function sealSegment(userId: string, chunks: AudioChunk[]): Promise<void> {
    const first = chunks[0]!;
    const last = chunks.at(-1)!;
    const pcm = new Uint8Array(chunks.reduce((sum, c) => sum + c.pcm.byteLength, 0));
    let offset = 0;
    for (const chunk of chunks) {
      pcm.set(chunk.pcm, offset);
      offset += chunk.pcm.byteLength;
    }
    const wav = encodeWav(new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 2), 16_000);
    const blob = await blobs.put(userId, wav);
    const id = newId();
    await store.sealAudioCapture(
      userId,
      {
        id,
        deviceId: first.deviceId,
        kind: 'audio',
        mediaType: 'audio/wav',
        sha256: blob.sha256,
        size: blob.size,
        capturedAt: first.capturedAt,
        receivedAt: last.receivedAt,
        deviceCapturedAt: first.deviceCapturedAt,
        streamId: first.streamId,
        streamSeq: first.seq,
      },
      { deviceId: first.deviceId, streamId: first.streamId, throughSeq: last.seq },
    );
    await jobs.enqueue(perceiveJob(userId, id, 'audio'));
  }

  /** Seals what a stream has; with `all` false, keeps a last segment shorter than `segmentMs` for more audio. */
  async function sealStream(userId: string, deviceId: string, streamId: string, all: boolean): Promise<void> {
    for (;;) {
      const chunks = await store.audioChunks(deviceId, streamId, CHUNKS_PER_READ);
      if (chunks.length === 0) return;
      const segment: AudioChunk[] = [];
      let ms = 0;
      let complete = false;
      for (const chunk of chunks) {
        const previous = segment.at(-1);
        if (
          previous &&
          chunk.capturedAt > previous.capturedAt + pcmDurationMs(previous.pcm.byteLength) + GAP_MS
        ) {
          complete = true;
          break;
        }
        segment.push(chunk);
        ms += pcmDurationMs(chunk.pcm.byteLength);
        if (ms >= segmentMs) {
          complete = true;
          break;
        }
      }
      if (!complete && !all) return;
      await sealSegment(userId, segment);
    }
  }

  /** Seals a stream, one sealing at a time per stream. */
  function seal(userId: string, deviceId: string, streamId: string, all: boolean): Promise<void> {
    const k = key(deviceId, streamId);
    const previous = sealing.get(k) ?? Promise.resolve();
    const next = previous
      .then(() => sealStream(userId, deviceId, streamId, all))
      .catch((error) =>
        logger.error({ err: error, deviceId, streamId }, 'could not seal audio into a capture'),
      );
    sealing.set(k, next);
    next.finally(() => {
      if (sealing.get(k) === next) sealing.delete(k);
    });
    return next;
  }

  return {
    /** Told about each stored chunk: seals full segments, and the rest once the stream has been quiet `idleMs`. */
    chunkStored(chunk: { userId: string; deviceId: string; streamId: string; pcm: Uint8Array }): void {
      const k = key(chunk.deviceId, chunk.streamId);
      const entry = buffered.get(k) ?? {
        userId: chunk.userId,
        deviceId: chunk.deviceId,
        streamId: chunk.streamId,
        ms: 0,
      };
      entry.ms += pcmDurationMs(chunk.pcm.byteLength);
      if (entry.timer) clearTimeout(entry.timer);
      entry.timer = setTimeout(() => {
        buffered.delete(k);
        void seal(entry.userId, entry.deviceId, entry.streamId, true);
      }, idleMs);
      entry.timer.unref();
      buffered.set(k, entry);
      if (entry.ms >= segmentMs) {
        entry.ms = 0;
        void seal(entry.userId, entry.deviceId, entry.streamId, false);
      }
    },
    /** Seals one stream's audio now (a device disconnected or paused). */
    async flush(userId: string, deviceId: string, streamId: string): Promise<void> {
      const k = key(deviceId, streamId);
      const entry = buffered.get(k);
      if (entry?.timer) clearTimeout(entry.timer);
      buffered.delete(k);
      await seal(userId, deviceId, streamId, true);
    },
    /**
     * Seals the streams this process received (shutdown). With several servers on one database, the other servers'
     * streams are theirs to seal; what is left is sealed at the next start.
     */
    async flushBuffered(): Promise<void> {
      const entries = [...buffered.values()];
      buffered.clear();
      for (const entry of entries) {
        if (entry.timer) clearTimeout(entry.timer);
        await seal(entry.userId, entry.deviceId, entry.streamId, true);
      }
      await Promise.all(sealing.values());
    },
    /** Seals everything waiting in the store: at start (chunks a crash left). */
    async flushAll(): Promise<void> {
      for (const entry of buffered.values()) if (entry.timer) clearTimeout(entry.timer);
      buffered.clear();
      for (const stream of await store.pendingAudioStreams())
        await seal(stream.userId, stream.deviceId, stream.streamId, true);
      await Promise.all(sealing.values());
    },
  };
}

/** The audio segmenter's type. */
export type AudioSegmenter = ReturnType<typeof createAudioSegmenter>;
