import type { StreamMediaType } from '@familiar/protocol';
import type { BlobStore } from '../blobs/index.ts';
import type { JobQueue } from '../jobs/index.ts';
import type { Clock, IdGenerator, Logger } from '../kernel/index.ts';
import {
  type NewObservation,
  perceiveJob,
  type StreamItem,
  type StreamItemResult,
  type TimelineStore,
} from '../memory/index.ts';

/** One message from a device, ready to store. */
export type StreamWrite = { userId: string; deviceId: string; streamId: string; seq: number } & (
  | {
      kind: 'frame';
      bytes: Uint8Array;
      mediaType: StreamMediaType;
      capturedAt: number;
      deviceCapturedAt: number;
    }
  | { kind: 'audio'; pcm: Uint8Array; capturedAt: number; deviceCapturedAt: number }
  | { kind: 'observation'; observation: NewObservation }
  | { kind: 'discard' }
);

/** What became of a write; `id` names the stored capture or observation. */
export type StreamWriteResult = StreamItemResult & { id?: string };

/** Bytes a write holds in memory until it is stored. */
export function writeBytes(write: StreamWrite): number {
  if (write.kind === 'frame') return write.bytes.byteLength;
  if (write.kind === 'audio') return write.pcm.byteLength;
  if (write.kind === 'observation') return write.observation.text.length * 2 + 256;
  return 64;
}

interface Pending {
  write: StreamWrite;
  resolve: (result: StreamWriteResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for the device stream: writes from every connected device queue here and are stored in batches,
 * one transaction (and one fsync) per batch, frame files written and fsynced first. A write's promise resolves only
 * once it is durable, which is when the connection acknowledges it.
 */
export function createStreamWriter(deps: {
  store: TimelineStore;
  blobs: BlobStore;
  jobs: JobQueue;
  clock: Clock;
  newId: IdGenerator;
  logger: Logger;
  maxBatchItems?: number;
  maxBatchBytes?: number;
  /** Told about each audio chunk once it is stored (the segmenter seals chunks into captures). */
  onAudioStored?: (write: Extract<StreamWrite, { kind: 'audio' }>) => void;
}) {
  const {
    store,
    blobs,
    jobs,
    clock,
    newId,
    logger,
    maxBatchItems = 256,
    maxBatchBytes = 32 * 1024 * 1024,
  } = deps;
  const queue: Pending[] = [];
  let queuedBytes = 0;
  let running: Promise<void> | null = null;
  let batches = 0;
  /** [time, items] of recent batches, for the throughput estimate. */
  const recent: Array<[number, number]> = [];

  async function flushBatch(batch: Pending[]): Promise<void> {
    const receivedAt = clock.now();
    const items: StreamItem[] = [];
    const ids: Array<string | undefined> = [];
    const frames = batch.filter((p) => p.write.kind === 'frame');
    const stored = await Promise.all(
      frames.map((p) =>
        blobs.put(p.write.userId, (p.write as Extract<StreamWrite, { kind: 'frame' }>).bytes),
      ),
    );
    const blobOf = new Map(frames.map((p, i) => [p, stored[i]!]));
    for (const pending of batch) {
      const { write } = pending;
      const base = {
        userId: write.userId,
        deviceId: write.deviceId,
        streamId: write.streamId,
        seq: write.seq,
      };
      if (write.kind === 'frame') {
        const id = newId();
        const blob = blobOf.get(pending)!;
        ids.push(id);
        items.push({
          ...base,
          kind: 'capture',
          capture: {
            id,
            deviceId: write.deviceId,
            kind: 'image',
            mediaType: write.mediaType,
            sha256: blob.sha256,
            size: blob.size,
            capturedAt: write.capturedAt,
            receivedAt,
            deviceCapturedAt: write.deviceCapturedAt,
            streamId: write.streamId,
            streamSeq: write.seq,
          },
        });
      } else if (write.kind === 'audio') {
        ids.push(undefined);
        items.push({
          ...base,
          kind: 'audio',
          chunk: {
            ...base,
            capturedAt: write.capturedAt,
            deviceCapturedAt: write.deviceCapturedAt,
            receivedAt,
            pcm: write.pcm,
          },
        });
      } else if (write.kind === 'observation') {
        ids.push(write.observation.id);
        items.push({ ...base, kind: 'observation', observation: { ...write.observation, receivedAt } });
      } else {
        ids.push(undefined);
        items.push({ ...base, kind: 'discard' });
      }
    }
    const results = await store.appendStreamItems(items);
    const newCaptures = items.flatMap((item, i) =>
      item.kind === 'capture' && results[i]?.status === 'stored'
        ? [{ userId: item.userId, id: item.capture.id }]
        : [],
    );
    await jobs.enqueueMany(newCaptures.map((c) => perceiveJob(c.userId, c.id, 'image')));
    batch.forEach((pending, i) => {
      const result = results[i]!;
      if (result.status === 'stored' && pending.write.kind === 'audio') deps.onAudioStored?.(pending.write);
      const id = result.status === 'stored' ? ids[i] : undefined;
      pending.resolve(id ? { ...result, id } : result);
    });
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch: Pending[] = [];
      let bytes = 0;
      while (
        queue.length > 0 &&
        batch.length < maxBatchItems &&
        (batch.length === 0 || bytes < maxBatchBytes)
      ) {
        const next = queue.shift()!;
        bytes += writeBytes(next.write);
        batch.push(next);
      }
      queuedBytes -= bytes;
      try {
        await flushBatch(batch);
        batches += 1;
        const now = clock.now();
        recent.push([now, batch.length]);
        while (recent.length > 0 && now - recent[0]![0] > 5_000) recent.shift();
      } catch (error) {
        logger.error({ err: error, items: batch.length }, 'could not store a batch from the device stream');
        for (const pending of batch) pending.reject(error);
      }
    }
  }

  function kick(): void {
    if (running) return;
    running = drain().finally(() => {
      running = null;
      if (queue.length > 0) kick();
    });
  }

  return {
    /** Queues a write; resolves once it is durably stored (or known as a duplicate, gap or rejection). */
    write(write: StreamWrite): Promise<StreamWriteResult> {
      return new Promise((resolve, reject) => {
        queue.push({ write, resolve, reject });
        queuedBytes += writeBytes(write);
        kick();
      });
    },
    /** Resolves when everything queued so far is stored. */
    async idle(): Promise<void> {
      while (running) await running;
    },
    stats: () => ({ queued: queue.length, queuedBytes, batches }),
    /** Items stored per second over the last five seconds (0 when idle). */
    throughput(): number {
      const now = clock.now();
      const items = recent.filter(([at]) => now - at <= 5_000).reduce((sum, [, n]) => sum + n, 0);
      return items / 5;
    },
  };
}

/** The stream writer's type. */
export type StreamWriter = ReturnType<typeof createStreamWriter>;
