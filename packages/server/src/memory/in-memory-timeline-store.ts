import { ConflictError, FamiliarError, ValidationError } from '../kernel/index.ts';
import { observationContentHash } from './content-hash.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { TimelineStore } from './timeline-store.ts';
import type {
  AudioChunk,
  BlobRecord,
  ForgetResult,
  SearchHit,
  StoredCapture,
  StoredObservation,
  StreamItemResult,
} from './types.ts';

function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

interface UserTimeline {
  observations: Map<string, { observation: StoredObservation; contentHash: string; seq: number }>;
  captures: Map<string, StoredCapture>;
  blobs: Map<string, BlobRecord>;
}

/**
 * The in-memory fake of the timeline, for unit tests of the services above it. It passes the same contract
 * suite as the SQLite store; its search is plain BM25 over lower-cased words (no stemming).
 */
export function createInMemoryTimelineStore(): TimelineStore {
  const users = new Map<string, UserTimeline>();
  const timeline = (userId: string): UserTimeline => {
    let found = users.get(userId);
    if (!found) {
      found = { observations: new Map(), captures: new Map(), blobs: new Map() };
      users.set(userId, found);
    }
    return found;
  };

  const releaseCapture = (data: UserTimeline, captureId: string): string | null => {
    const capture = data.captures.get(captureId);
    if (!capture) return null;
    data.captures.delete(captureId);
    const blob = data.blobs.get(capture.sha256);
    if (!blob) return null;
    blob.refCount -= 1;
    if (blob.refCount > 0) return null;
    data.blobs.delete(capture.sha256);
    return capture.sha256;
  };

  let nextSeq = 1;
  const positions = new Map<string, number>();
  const chunks = new Map<string, AudioChunk[]>();
  const streamKey = (deviceId: string, streamId: string) => `${deviceId}\u0000${streamId}`;

  const store: TimelineStore = {
    async insertObservations(userId, observations) {
      const data = timeline(userId);
      const staged = new Map<string, { observation: StoredObservation; contentHash: string; seq: number }>();
      for (const observation of observations) {
        const contentHash = observationContentHash(observation);
        const existing = staged.get(observation.id) ?? data.observations.get(observation.id);
        if (existing) {
          if (existing.contentHash === contentHash) continue;
          throw new ConflictError(`observation ${observation.id} already exists with different content`, {
            id: observation.id,
          });
        }
        if (observation.captureId !== null && !data.captures.has(observation.captureId)) {
          throw new ValidationError(`captureId ${observation.captureId} is not one of your captures`, {
            id: observation.id,
            captureId: observation.captureId,
          });
        }
        staged.set(observation.id, {
          observation: {
            ...observation,
            userId,
            deviceCapturedAt: observation.deviceCapturedAt ?? null,
            details: observation.details ?? null,
          },
          contentHash,
          seq: 0,
        });
      }
      for (const entry of staged.values()) entry.seq = nextSeq++;
      for (const [id, entry] of staged) data.observations.set(id, entry);
      return { inserted: staged.size };
    },
    async getObservation(userId, id) {
      const found = timeline(userId).observations.get(id.toUpperCase());
      return found ? { ...found.observation } : null;
    },
    async listObservations(userId, options) {
      const order = options.order ?? 'desc';
      const sign = order === 'desc' ? -1 : 1;
      let cursor = null;
      if (options.cursor) {
        cursor = decodeCursor(options.cursor);
        if (!cursor) throw new ValidationError('cursor is not valid: pass the nextCursor of a previous page');
      }
      const all = [...timeline(userId).observations.values()]
        .map((entry) => entry.observation)
        .filter((o) => options.fromMs === undefined || o.capturedAt >= options.fromMs)
        .filter((o) => options.toMs === undefined || o.capturedAt < options.toMs)
        .filter((o) => !options.modality || o.modality === options.modality)
        .filter((o) => {
          if (!cursor) return true;
          const byTime = Math.sign(o.capturedAt - cursor.capturedAt) * sign;
          return byTime > 0 || (byTime === 0 && (o.id > cursor.tiebreak ? 1 : -1) * sign > 0);
        })
        .sort((a, b) => (a.capturedAt - b.capturedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) * sign);
      const page = all.slice(0, options.limit).map((o) => ({ ...o }));
      const last = page.at(-1);
      return {
        observations: page,
        nextCursor:
          all.length > options.limit && last
            ? encodeCursor({ capturedAt: last.capturedAt, tiebreak: last.id })
            : null,
      };
    },
    async countObservations(userId) {
      return timeline(userId).observations.size;
    },
    async searchObservations(userId, terms, limit, filter = {}): Promise<SearchHit[]> {
      const wanted = new Set(terms.map((term) => term.toLowerCase()));
      if (wanted.size === 0) return [];
      const inRange = (at: number) =>
        (filter.fromMs === undefined || at >= filter.fromMs) &&
        (filter.toMs === undefined || at < filter.toMs);
      const documents = [...timeline(userId).observations.values()]
        .filter((entry) => inRange(entry.observation.capturedAt))
        .map((entry) => ({
          observation: entry.observation,
          tokens: words(entry.observation.text),
          seq: entry.seq,
        }));
      const averageLength =
        documents.reduce((sum, d) => sum + d.tokens.length, 0) / Math.max(documents.length, 1);
      const documentFrequency = new Map<string, number>();
      for (const document of documents) {
        for (const term of new Set(document.tokens)) {
          if (wanted.has(term)) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
        }
      }
      const k1 = 1.2;
      const b = 0.75;
      const hits: SearchHit[] = [];
      for (const document of documents) {
        let score = 0;
        for (const term of wanted) {
          const tf = document.tokens.filter((token) => token === term).length;
          if (tf === 0) continue;
          const df = documentFrequency.get(term) ?? 0;
          const idf = Math.log(1 + (documents.length - df + 0.5) / (df + 0.5));
          score +=
            (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * document.tokens.length) / (averageLength || 1)));
        }
        if (score > 0) hits.push({ observation: { ...document.observation }, score, seq: document.seq });
      }
      return hits.sort((a, b) => b.score - a.score).slice(0, limit);
    },
    async readSince(userId, afterSeq, limit) {
      return [...timeline(userId).observations.values()]
        .filter((entry) => entry.seq > afterSeq)
        .sort((a, b) => a.seq - b.seq)
        .slice(0, limit)
        .map((entry) => ({ seq: entry.seq, observation: { ...entry.observation } }));
    },
    async getBySeq(userId, seqs) {
      const bySeq = new Map([...timeline(userId).observations.values()].map((entry) => [entry.seq, entry]));
      return seqs.flatMap((seq) => {
        const entry = bySeq.get(seq);
        return entry ? [{ seq, observation: { ...entry.observation } }] : [];
      });
    },
    async forget(userId, selector): Promise<ForgetResult> {
      const data = timeline(userId);
      if (selector.kind === 'everything') {
        const result = {
          observations: data.observations.size,
          captures: data.captures.size,
          unreferencedBlobs: [...data.blobs.keys()],
        };
        users.delete(userId);
        for (const [key, list] of chunks)
          chunks.set(
            key,
            list.filter((chunk) => chunk.userId !== userId),
          );
        return result;
      }
      const forcedCaptures = new Set<string>();
      const doomed: StoredObservation[] = [];
      if (selector.kind === 'ids') {
        const ids = new Set(selector.ids.map((id) => id.toUpperCase()));
        for (const id of ids) if (data.captures.has(id)) forcedCaptures.add(id);
        for (const { observation } of data.observations.values()) {
          if (ids.has(observation.id)) doomed.push(observation);
        }
      } else if (selector.kind === 'expired') {
        for (const { observation } of data.observations.values()) {
          if (observation.modality === selector.modality && observation.capturedAt < selector.beforeMs)
            doomed.push(observation);
        }
      } else {
        for (const capture of data.captures.values()) {
          if (capture.capturedAt >= selector.fromMs && capture.capturedAt < selector.toMs)
            forcedCaptures.add(capture.id);
        }
        for (const { observation } of data.observations.values()) {
          if (observation.capturedAt >= selector.fromMs && observation.capturedAt < selector.toMs)
            doomed.push(observation);
        }
      }
      for (const { observation } of data.observations.values()) {
        if (observation.captureId !== null && forcedCaptures.has(observation.captureId))
          doomed.push(observation);
      }
      const candidates = new Set<string>(forcedCaptures);
      let observations = 0;
      for (const observation of doomed) {
        if (data.observations.delete(observation.id)) observations += 1;
        if (observation.captureId !== null) candidates.add(observation.captureId);
      }
      const unreferencedBlobs: string[] = [];
      let captures = 0;
      for (const captureId of candidates) {
        if (!data.captures.has(captureId)) continue;
        const stillUsed = [...data.observations.values()].some(
          (entry) => entry.observation.captureId === captureId,
        );
        if (!forcedCaptures.has(captureId) && stillUsed) continue;
        captures += 1;
        const blob = releaseCapture(data, captureId);
        if (blob) unreferencedBlobs.push(blob);
      }
      return { observations, captures, unreferencedBlobs };
    },
    async insertCapture(userId, capture) {
      const data = timeline(userId);
      const existing = data.captures.get(capture.id);
      if (existing) {
        if (existing.sha256 !== capture.sha256) {
          throw new ConflictError(`capture ${capture.id} already exists with different content`, {
            id: capture.id,
          });
        }
        return { capture: { ...existing }, created: false };
      }
      const stored: StoredCapture = {
        ...capture,
        userId,
        status: capture.status ?? 'pending',
        error: null,
        deviceCapturedAt: capture.deviceCapturedAt ?? null,
        streamId: capture.streamId ?? null,
        streamSeq: capture.streamSeq ?? null,
      };
      data.captures.set(capture.id, stored);
      const blob = data.blobs.get(capture.sha256);
      if (blob) blob.refCount += 1;
      else
        data.blobs.set(capture.sha256, {
          sha256: capture.sha256,
          size: capture.size,
          mediaType: capture.mediaType,
          refCount: 1,
        });
      return { capture: { ...stored }, created: true };
    },
    async getCapture(userId, id) {
      const found = timeline(userId).captures.get(id.toUpperCase());
      return found ? { ...found } : null;
    },
    async listCaptures(userId, options = {}) {
      return [...timeline(userId).captures.values()]
        .filter((capture) => !options.status || capture.status === options.status)
        .sort((a, b) => a.capturedAt - b.capturedAt || (a.id < b.id ? -1 : 1))
        .slice(0, options.limit ?? Number.POSITIVE_INFINITY)
        .map((capture) => ({ ...capture }));
    },
    async setCaptureStatus(userId, id, status, error = null) {
      const capture = timeline(userId).captures.get(id);
      if (capture) Object.assign(capture, { status, error });
    },
    async listBlobs(userId) {
      return [...timeline(userId).blobs.values()]
        .sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1))
        .map((b) => ({ ...b }));
    },
    async streamPositions(deviceId) {
      const result: Record<string, number> = {};
      for (const [key, seq] of positions) {
        const [device, stream] = key.split('\u0000') as [string, string];
        if (device === deviceId) result[stream] = seq;
      }
      return result;
    },
    async appendStreamItems(items): Promise<StreamItemResult[]> {
      const results: StreamItemResult[] = [];
      for (const item of items) {
        const key = streamKey(item.deviceId, item.streamId);
        const last = positions.get(key) ?? 0;
        if (item.seq <= last) {
          results.push({ status: 'duplicate' });
          continue;
        }
        if (item.seq > last + 1) {
          results.push({ status: 'gap', expected: last + 1 });
          continue;
        }
        let result: StreamItemResult = { status: 'stored' };
        try {
          if (item.kind === 'observation') await store.insertObservations(item.userId, [item.observation]);
          else if (item.kind === 'capture') await store.insertCapture(item.userId, item.capture);
          else if (item.kind === 'audio') chunks.set(key, [...(chunks.get(key) ?? []), { ...item.chunk }]);
        } catch (error) {
          if (!(error instanceof FamiliarError)) throw error;
          result = { status: 'rejected', code: error.code, message: error.message };
        }
        positions.set(key, item.seq);
        results.push(result);
      }
      return results;
    },
    async replaceCaptureMedia(userId, id, media) {
      const data = timeline(userId);
      const capture = data.captures.get(id);
      if (!capture) throw new ValidationError(`capture ${id} does not exist`);
      if (capture.sha256 === media.sha256) return { unreferencedBlob: null };
      const next = data.blobs.get(media.sha256);
      if (next) next.refCount += 1;
      else
        data.blobs.set(media.sha256, {
          sha256: media.sha256,
          size: media.size,
          mediaType: media.mediaType,
          refCount: 1,
        });
      const old = data.blobs.get(capture.sha256);
      const oldSha = capture.sha256;
      Object.assign(capture, media);
      if (!old) return { unreferencedBlob: null };
      old.refCount -= 1;
      if (old.refCount > 0) return { unreferencedBlob: null };
      data.blobs.delete(oldSha);
      return { unreferencedBlob: oldSha };
    },
    async setObservationDetails(userId, id, details) {
      const entry = timeline(userId).observations.get(id);
      if (entry) entry.observation.details = details;
    },
    async expireCaptures(userId, kind, beforeMs) {
      const data = timeline(userId);
      const expired = [...data.captures.values()]
        .filter(
          (c) =>
            c.kind === kind && c.capturedAt < beforeMs && (c.status === 'processed' || c.status === 'failed'),
        )
        .map((c) => c.id);
      const gone = new Set(expired);
      for (const entry of data.observations.values()) {
        if (entry.observation.captureId !== null && gone.has(entry.observation.captureId))
          entry.observation.captureId = null;
      }
      const unreferencedBlobs: string[] = [];
      for (const id of expired) {
        const blob = releaseCapture(data, id);
        if (blob) unreferencedBlobs.push(blob);
      }
      return { captures: expired.length, unreferencedBlobs };
    },
    async pendingAudioStreams() {
      return [...chunks.values()]
        .filter((list) => list.length > 0)
        .map((list) => ({
          userId: list[0]!.userId,
          deviceId: list[0]!.deviceId,
          streamId: list[0]!.streamId,
        }));
    },
    async audioChunks(deviceId, streamId, limit) {
      return (chunks.get(streamKey(deviceId, streamId)) ?? []).slice(0, limit).map((chunk) => ({ ...chunk }));
    },
    async sealAudioCapture(userId, capture, range) {
      const { capture: stored } = await store.insertCapture(userId, capture);
      const key = streamKey(range.deviceId, range.streamId);
      chunks.set(
        key,
        (chunks.get(key) ?? []).filter((chunk) => chunk.seq > range.throughSeq),
      );
      return stored;
    },
    async isBlobReferenced(userId, sha256) {
      return (timeline(userId).blobs.get(sha256)?.refCount ?? 0) > 0;
    },
  };
  return store;
}
