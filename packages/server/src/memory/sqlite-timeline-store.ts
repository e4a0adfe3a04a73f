import type { CaptureKind } from '@familiar/protocol';
import {
  type CaptureStatus,
  type Modality,
  ObservationDetailsSchema,
  ProvenanceSchema,
  type Trust,
} from '@familiar/protocol';
import { ConflictError, FamiliarError, ValidationError } from '../kernel/index.ts';
import { parseJsonColumn, type SqliteDatabase } from '../storage/index.ts';
import { observationContentHash } from './content-hash.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { TimelineStore } from './timeline-store.ts';
import type {
  AudioChunk,
  BlobRecord,
  ForgetResult,
  ForgetSelector,
  ListObservationsOptions,
  NewCapture,
  NewObservation,
  ObservationPage,
  SearchFilter,
  SearchHit,
  SequencedObservation,
  StoredCapture,
  StoredObservation,
  StreamItem,
  StreamItemResult,
} from './types.ts';

interface ObservationRow {
  id: string;
  user_id: string;
  device_id: string | null;
  modality: string;
  captured_at: number;
  received_at: number;
  text: string;
  capture_id: string | null;
  provenance: string | null;
  trust: string;
  device_captured_at: number | null;
  details: string | null;
}

interface CaptureRow {
  id: string;
  user_id: string;
  device_id: string | null;
  kind: string;
  media_type: string;
  sha256: string;
  size: number;
  captured_at: number;
  received_at: number;
  status: string;
  error: string | null;
  device_captured_at: number | null;
  stream_id: string | null;
  stream_seq: number | null;
}

interface AudioChunkRow {
  user_id: string;
  device_id: string;
  stream_id: string;
  seq: number;
  captured_at: number;
  device_captured_at: number;
  received_at: number;
  pcm: Buffer;
}

const OBSERVATION_COLUMNS =
  'o.id, o.user_id, o.device_id, o.modality, o.captured_at, o.received_at, o.text, o.capture_id, o.provenance, o.trust, o.device_captured_at, o.details';

function toObservation(row: ObservationRow): StoredObservation {
  return {
    id: row.id,
    userId: row.user_id,
    deviceId: row.device_id,
    modality: row.modality as Modality,
    capturedAt: row.captured_at,
    receivedAt: row.received_at,
    text: row.text,
    captureId: row.capture_id,
    provenance: parseJsonColumn(ProvenanceSchema, row.provenance, `observation ${row.id}`),
    trust: row.trust as Trust,
    deviceCapturedAt: row.device_captured_at,
    details: parseJsonColumn(ObservationDetailsSchema, row.details, `observation ${row.id}`),
  };
}

function toCapture(row: CaptureRow): StoredCapture {
  return {
    id: row.id,
    userId: row.user_id,
    deviceId: row.device_id,
    kind: row.kind as CaptureKind,
    mediaType: row.media_type,
    sha256: row.sha256,
    size: row.size,
    capturedAt: row.captured_at,
    receivedAt: row.received_at,
    status: row.status as CaptureStatus,
    error: row.error,
    deviceCapturedAt: row.device_captured_at,
    streamId: row.stream_id,
    streamSeq: row.stream_seq,
  };
}

/** Quotes words for an FTS5 MATCH expression that matches any of them. */
function ftsQuery(terms: readonly string[]): string {
  return terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(' OR ');
}

/** A term in more than this share of all indexed rows is left out of a search that has rarer terms. */
const COMMON_TERM_SHARE = 0.05;
/** Below this many rows every term is kept (scoring them all is cheap). */
const COMMON_TERM_MIN_ROWS = 50_000;

/** How many index hits per wanted hit the fast search path ranks before it falls back to filtering by user. */
const SEARCH_WINDOW_FACTOR = 2;

/** The SQLite timeline: rows, FTS5 index (kept in step by triggers, in the same transaction) and blob references. */
export function createSqliteTimelineStore(
  db: SqliteDatabase,
  options: { commonTermShare?: number; commonTermMinRows?: number } = {},
): TimelineStore {
  const { commonTermShare = COMMON_TERM_SHARE, commonTermMinRows = COMMON_TERM_MIN_ROWS } = options;
  const statements = {
    contentHashOf: db.prepare<[string, string], { content_hash: string }>(
      'SELECT content_hash FROM observations WHERE user_id = ? AND id = ?',
    ),
    captureExists: db.prepare<[string, string], { one: number }>(
      'SELECT 1 AS one FROM captures WHERE user_id = ? AND id = ?',
    ),
    insertObservation: db.prepare(
      `INSERT INTO observations (user_id, id, device_id, modality, captured_at, received_at, text, capture_id, provenance, trust, content_hash, device_captured_at, details)
       VALUES (@userId, @id, @deviceId, @modality, @capturedAt, @receivedAt, @text, @captureId, @provenance, @trust, @contentHash, @deviceCapturedAt, @details)`,
    ),
    getObservation: db.prepare<[string, string], ObservationRow>(
      `SELECT ${OBSERVATION_COLUMNS} FROM observations o WHERE o.user_id = ? AND o.id = ?`,
    ),
    countObservations: db.prepare<[string], { n: number }>(
      'SELECT count(*) AS n FROM observations WHERE user_id = ?',
    ),
    search: db.prepare<[string, string, number], ObservationRow & { score: number; seq: number }>(
      `SELECT o.seq, ${OBSERVATION_COLUMNS}, -bm25(observations_fts) AS score
       FROM observations_fts JOIN observations o ON o.seq = observations_fts.rowid
       WHERE observations_fts MATCH ? AND o.user_id = ?
       ORDER BY bm25(observations_fts) LIMIT ?`,
    ),
    // A time-filtered search bounds the index walk by the write positions the range holds (an index-only lookup),
    // so FTS5 scores only rows in that stretch; joining on time instead made SQLite run MATCH once per row.
    seqRange: db.prepare<[string, number, number], { lo: number | null; hi: number | null }>(
      'SELECT min(seq) AS lo, max(seq) AS hi FROM observations WHERE user_id = ? AND captured_at >= ? AND captured_at < ?',
    ),
    searchInRange: db.prepare<
      [string, number, number, string, number, number, number],
      ObservationRow & { score: number; seq: number }
    >(
      `SELECT o.seq, ${OBSERVATION_COLUMNS}, -bm25(observations_fts) AS score
       FROM observations_fts CROSS JOIN observations o ON o.seq = observations_fts.rowid
       WHERE observations_fts MATCH ? AND observations_fts.rowid BETWEEN ? AND ?
         AND o.user_id = ? AND o.captured_at >= ? AND o.captured_at < ?
       ORDER BY bm25(observations_fts) LIMIT ?`,
    ),
    termDocuments: db.prepare<[string], { n: number }>(
      'SELECT count(*) AS n FROM observations_fts WHERE observations_fts MATCH ?',
    ),
    lastSeq: db.prepare<[], { n: number | null }>('SELECT max(seq) AS n FROM observations'),
    readSince: db.prepare<[string, number, number], ObservationRow & { seq: number }>(
      `SELECT o.seq, ${OBSERVATION_COLUMNS} FROM observations o WHERE o.user_id = ? AND o.seq > ? ORDER BY o.seq LIMIT ?`,
    ),
    rankIndex: db.prepare<[string, number], { seq: number; rank: number }>(
      `SELECT rowid AS seq, bm25(observations_fts) AS rank FROM observations_fts
       WHERE observations_fts MATCH ? ORDER BY rank LIMIT ?`,
    ),
    // CROSS JOIN keeps the planner on primary-key lookups: with `user_id = ? AND seq IN (…)` it scans the user's rows.
    observationsBySeq: db.prepare<[string, string], ObservationRow & { seq: number }>(
      `SELECT o.seq, ${OBSERVATION_COLUMNS} FROM json_each(?) AS wanted CROSS JOIN observations o ON o.seq = wanted.value
       WHERE o.user_id = ?`,
    ),
    getCapture: db.prepare<[string, string], CaptureRow>(
      'SELECT * FROM captures WHERE user_id = ? AND id = ?',
    ),
    insertCapture: db.prepare(
      `INSERT INTO captures (user_id, id, device_id, kind, media_type, sha256, size, captured_at, received_at, status, error, device_captured_at, stream_id, stream_seq)
       VALUES (@userId, @id, @deviceId, @kind, @mediaType, @sha256, @size, @capturedAt, @receivedAt, @status, NULL, @deviceCapturedAt, @streamId, @streamSeq)`,
    ),
    referenceBlob: db.prepare(
      `INSERT INTO blobs (user_id, sha256, size, media_type, ref_count, created_at) VALUES (?, ?, ?, ?, 1, ?)
       ON CONFLICT (user_id, sha256) DO UPDATE SET ref_count = ref_count + 1`,
    ),
    releaseBlob: db.prepare<[string, string], { ref_count: number }>(
      'UPDATE blobs SET ref_count = ref_count - 1 WHERE user_id = ? AND sha256 = ? RETURNING ref_count',
    ),
    dropBlob: db.prepare('DELETE FROM blobs WHERE user_id = ? AND sha256 = ?'),
    deleteCapture: db.prepare<[string, string], { sha256: string }>(
      'DELETE FROM captures WHERE user_id = ? AND id = ? RETURNING sha256',
    ),
    setCaptureStatus: db.prepare('UPDATE captures SET status = ?, error = ? WHERE user_id = ? AND id = ?'),
    listBlobs: db.prepare<[string], { sha256: string; size: number; media_type: string; ref_count: number }>(
      'SELECT sha256, size, media_type, ref_count FROM blobs WHERE user_id = ? ORDER BY sha256',
    ),
    blobReferenced: db.prepare<[string, string], { one: number }>(
      'SELECT 1 AS one FROM blobs WHERE user_id = ? AND sha256 = ? AND ref_count > 0',
    ),
    observationsById: db.prepare<[string, string], { seq: number; capture_id: string | null }>(
      'SELECT seq, capture_id FROM observations WHERE user_id = ? AND id IN (SELECT value FROM json_each(?))',
    ),
    capturesById: db.prepare<[string, string], { id: string }>(
      'SELECT id FROM captures WHERE user_id = ? AND id IN (SELECT value FROM json_each(?))',
    ),
    observationsOfCaptures: db.prepare<[string, string], { seq: number; capture_id: string | null }>(
      'SELECT seq, capture_id FROM observations WHERE user_id = ? AND capture_id IN (SELECT value FROM json_each(?))',
    ),
    observationsInRange: db.prepare<[string, number, number], { seq: number; capture_id: string | null }>(
      'SELECT seq, capture_id FROM observations WHERE user_id = ? AND captured_at >= ? AND captured_at < ?',
    ),
    capturesInRange: db.prepare<[string, number, number], { id: string }>(
      'SELECT id FROM captures WHERE user_id = ? AND captured_at >= ? AND captured_at < ?',
    ),
    deleteObservationsBySeq: db.prepare(
      'DELETE FROM observations WHERE seq IN (SELECT value FROM json_each(?))',
    ),
    captureStillUsed: db.prepare<[string, string], { one: number }>(
      'SELECT 1 AS one FROM observations WHERE user_id = ? AND capture_id = ? LIMIT 1',
    ),
    deleteAllObservations: db.prepare('DELETE FROM observations WHERE user_id = ?'),
    deleteAllCaptures: db.prepare('DELETE FROM captures WHERE user_id = ?'),
    allBlobs: db.prepare<[string], { sha256: string }>('SELECT sha256 FROM blobs WHERE user_id = ?'),
    deleteAllBlobs: db.prepare('DELETE FROM blobs WHERE user_id = ?'),
    deleteAllAudioChunks: db.prepare('DELETE FROM audio_chunks WHERE user_id = ?'),
    streamPosition: db.prepare<[string, string], { last_seq: number }>(
      'SELECT last_seq FROM device_streams WHERE device_id = ? AND stream_id = ?',
    ),
    streamPositions: db.prepare<[string], { stream_id: string; last_seq: number }>(
      'SELECT stream_id, last_seq FROM device_streams WHERE device_id = ?',
    ),
    moveStream: db.prepare(
      `INSERT INTO device_streams (device_id, stream_id, last_seq, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (device_id, stream_id) DO UPDATE SET last_seq = excluded.last_seq, updated_at = excluded.updated_at`,
    ),
    insertAudioChunk: db.prepare(
      `INSERT INTO audio_chunks (user_id, device_id, stream_id, seq, captured_at, device_captured_at, received_at, pcm)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    pendingAudioStreams: db.prepare<[], { user_id: string; device_id: string; stream_id: string }>(
      'SELECT DISTINCT user_id, device_id, stream_id FROM audio_chunks ORDER BY device_id, stream_id',
    ),
    audioChunks: db.prepare<[string, string, number], AudioChunkRow>(
      'SELECT * FROM audio_chunks WHERE device_id = ? AND stream_id = ? ORDER BY seq LIMIT ?',
    ),
    deleteAudioChunks: db.prepare(
      'DELETE FROM audio_chunks WHERE device_id = ? AND stream_id = ? AND seq <= ?',
    ),
  };

  /** Inserts one observation; false when the same id and content is already there (a no-op). */
  function insertObservationRow(
    userId: string,
    observation: NewObservation,
    knownCaptures: Set<string>,
  ): boolean {
    const contentHash = observationContentHash(observation);
    const existing = statements.contentHashOf.get(userId, observation.id);
    if (existing) {
      if (existing.content_hash === contentHash) return false;
      throw new ConflictError(`observation ${observation.id} already exists with different content`, {
        id: observation.id,
      });
    }
    if (observation.captureId !== null && !knownCaptures.has(observation.captureId)) {
      if (!statements.captureExists.get(userId, observation.captureId)) {
        throw new ValidationError(`captureId ${observation.captureId} is not one of your captures`, {
          id: observation.id,
          captureId: observation.captureId,
        });
      }
      knownCaptures.add(observation.captureId);
    }
    statements.insertObservation.run({
      userId,
      id: observation.id,
      deviceId: observation.deviceId,
      modality: observation.modality,
      capturedAt: observation.capturedAt,
      receivedAt: observation.receivedAt,
      text: observation.text,
      captureId: observation.captureId,
      provenance: observation.provenance ? JSON.stringify(observation.provenance) : null,
      trust: observation.trust,
      contentHash,
      deviceCapturedAt: observation.deviceCapturedAt ?? null,
      details: observation.details ? JSON.stringify(observation.details) : null,
    });
    return true;
  }

  /** Inserts one capture and takes a reference on its blob; the existing row when the id is already there. */
  function insertCaptureRow(
    userId: string,
    capture: NewCapture,
  ): { capture: StoredCapture; created: boolean } {
    const existing = statements.getCapture.get(userId, capture.id);
    if (existing) {
      if (existing.sha256 !== capture.sha256) {
        throw new ConflictError(`capture ${capture.id} already exists with different content`, {
          id: capture.id,
        });
      }
      return { capture: toCapture(existing), created: false };
    }
    statements.referenceBlob.run(userId, capture.sha256, capture.size, capture.mediaType, capture.receivedAt);
    statements.insertCapture.run({
      userId,
      id: capture.id,
      deviceId: capture.deviceId,
      kind: capture.kind,
      mediaType: capture.mediaType,
      sha256: capture.sha256,
      size: capture.size,
      capturedAt: capture.capturedAt,
      receivedAt: capture.receivedAt,
      status: capture.status ?? 'pending',
      deviceCapturedAt: capture.deviceCapturedAt ?? null,
      streamId: capture.streamId ?? null,
      streamSeq: capture.streamSeq ?? null,
    });
    return { capture: toCapture(statements.getCapture.get(userId, capture.id)!), created: true };
  }

  const insertBatch = db.transaction((userId: string, observations: readonly NewObservation[]) => {
    let inserted = 0;
    const knownCaptures = new Set<string>();
    for (const observation of observations)
      if (insertObservationRow(userId, observation, knownCaptures)) inserted += 1;
    return inserted;
  });

  /** One stream item inside its own savepoint, so a rejected item undoes only itself. */
  const appendOne = db.transaction((item: StreamItem) => {
    if (item.kind === 'observation') insertObservationRow(item.userId, item.observation, new Set());
    else if (item.kind === 'capture') insertCaptureRow(item.userId, item.capture);
    else if (item.kind === 'audio') {
      const chunk = item.chunk;
      statements.insertAudioChunk.run(
        chunk.userId,
        chunk.deviceId,
        chunk.streamId,
        chunk.seq,
        chunk.capturedAt,
        chunk.deviceCapturedAt,
        chunk.receivedAt,
        Buffer.from(chunk.pcm.buffer, chunk.pcm.byteOffset, chunk.pcm.byteLength),
      );
    }
  });

  const appendStreamTransaction = db.transaction((items: readonly StreamItem[]): StreamItemResult[] => {
    const positions = new Map<string, number>();
    const now = Date.now();
    return items.map((item) => {
      const key = `${item.deviceId}\u0000${item.streamId}`;
      const last =
        positions.get(key) ?? statements.streamPosition.get(item.deviceId, item.streamId)?.last_seq ?? 0;
      if (item.seq <= last) return { status: 'duplicate' } as const;
      if (item.seq > last + 1) return { status: 'gap', expected: last + 1 } as const;
      let result: StreamItemResult = { status: 'stored' };
      try {
        appendOne(item);
      } catch (error) {
        if (!(error instanceof FamiliarError)) throw error;
        result = { status: 'rejected', code: error.code, message: error.message };
      }
      statements.moveStream.run(item.deviceId, item.streamId, item.seq, now);
      positions.set(key, item.seq);
      return result;
    });
  });

  const expireTransaction = db.transaction((userId: string, kind: string, beforeMs: number) => {
    const expired = db
      .prepare<[string, string, number], { id: string }>(
        `SELECT id FROM captures WHERE user_id = ? AND kind = ? AND captured_at < ? AND status IN ('processed', 'failed')`,
      )
      .all(userId, kind, beforeMs)
      .map((row) => row.id);
    if (expired.length === 0) return { captures: 0, unreferencedBlobs: [] as string[] };
    db.prepare(
      'UPDATE observations SET capture_id = NULL WHERE user_id = ? AND capture_id IN (SELECT value FROM json_each(?))',
    ).run(userId, JSON.stringify(expired));
    const unreferencedBlobs: string[] = [];
    for (const id of expired) {
      const blob = deleteCaptureRow(userId, id);
      if (blob) unreferencedBlobs.push(blob);
    }
    return { captures: expired.length, unreferencedBlobs };
  });

  const sealAudioTransaction = db.transaction(
    (
      userId: string,
      capture: NewCapture,
      chunks: { deviceId: string; streamId: string; throughSeq: number },
    ) => {
      const stored = insertCaptureRow(userId, capture).capture;
      statements.deleteAudioChunks.run(chunks.deviceId, chunks.streamId, chunks.throughSeq);
      return stored;
    },
  );

  /**
   * The user's `limit` best BM25 hits. Ranking the shared index alone and reading back only the top rows is exact
   * whenever the user's rows fill the window or the window holds every match (always so on a one-user install),
   * and avoids reading an `observations` row per match (a third of a 100k timeline for a common name). Otherwise
   * it falls back to the query that filters by user before ranking. Scores are the same: BM25 statistics are those
   * of the whole index either way.
   */
  function searchRanked(userId: string, match: string, limit: number): SearchHit[] {
    const window = limit * SEARCH_WINDOW_FACTOR;
    const ranked = statements.rankIndex.all(match, window);
    const rows = new Map(
      statements.observationsBySeq
        .all(JSON.stringify(ranked.map((hit) => hit.seq)), userId)
        .map((row) => [row.seq, row]),
    );
    const hits: SearchHit[] = [];
    for (const { seq, rank } of ranked) {
      const row = rows.get(seq);
      if (!row) continue;
      hits.push({ observation: toObservation(row), score: -rank, seq });
      if (hits.length === limit) return hits;
    }
    if (ranked.length < window) return hits;
    return statements.search.all(match, userId, limit).map((row) => ({
      observation: toObservation(row),
      score: row.score,
      seq: row.seq,
    }));
  }

  /**
   * How many indexed rows hold each term, cached: recounted once the index has grown by a tenth. BM25 scores every
   * row that matches any term, so a question with one very common word ("meet", "time") would score a large share
   * of the index; when it also has rarer words, the common one is left out (it changes the top 10 little and keeps
   * p95 low at a million observations; see docs/benchmarks.md).
   */
  const documentCounts = new Map<string, { documents: number; atRows: number }>();
  function selectiveTerms(terms: readonly string[], maxTermShare?: number): readonly string[] {
    if (terms.length < 2 && maxTermShare === undefined) return terms;
    const rows = statements.lastSeq.get()?.n ?? 0;
    if (rows < commonTermMinRows) return terms;
    const share = terms.map((term) => {
      let cached = documentCounts.get(term);
      if (!cached || rows > cached.atRows * 1.1) {
        cached = { documents: statements.termDocuments.get(ftsQuery([term]))?.n ?? 0, atRows: rows };
        if (documentCounts.size > 10_000) documentCounts.clear();
        documentCounts.set(term, cached);
      }
      return { term, share: cached.documents / rows };
    });
    if (maxTermShare !== undefined)
      return share.filter((entry) => entry.share <= maxTermShare).map((entry) => entry.term);
    const selective = share.filter((entry) => entry.share <= commonTermShare).map((entry) => entry.term);
    return selective.length > 0 ? selective : terms;
  }

  /** Deletes a capture and drops its blob reference; returns the blob hash when nothing references it any more. */
  function deleteCaptureRow(userId: string, captureId: string): string | null {
    const deleted = statements.deleteCapture.get(userId, captureId);
    if (!deleted) return null;
    const released = statements.releaseBlob.get(userId, deleted.sha256);
    if (released && released.ref_count <= 0) {
      statements.dropBlob.run(userId, deleted.sha256);
      return deleted.sha256;
    }
    return null;
  }

  const forgetTransaction = db.transaction((userId: string, selector: ForgetSelector): ForgetResult => {
    if (selector.kind === 'everything') {
      const unreferencedBlobs = statements.allBlobs.all(userId).map((row) => row.sha256);
      const observations = statements.deleteAllObservations.run(userId).changes;
      const captures = statements.deleteAllCaptures.run(userId).changes;
      statements.deleteAllBlobs.run(userId);
      statements.deleteAllAudioChunks.run(userId);
      return { observations, captures, unreferencedBlobs };
    }
    let rows: Array<{ seq: number; capture_id: string | null }>;
    let capturesToDelete: string[];
    if (selector.kind === 'ids') {
      const ids = JSON.stringify(selector.ids.map((id) => id.toUpperCase()));
      rows = statements.observationsById.all(userId, ids);
      capturesToDelete = statements.capturesById.all(userId, ids).map((row) => row.id);
    } else if (selector.kind === 'expired') {
      rows = db
        .prepare<[string, string, number], { seq: number; capture_id: string | null }>(
          'SELECT seq, capture_id FROM observations WHERE user_id = ? AND modality = ? AND captured_at < ?',
        )
        .all(userId, selector.modality, selector.beforeMs);
      capturesToDelete = [];
    } else {
      rows = statements.observationsInRange.all(userId, selector.fromMs, selector.toMs);
      capturesToDelete = statements.capturesInRange
        .all(userId, selector.fromMs, selector.toMs)
        .map((row) => row.id);
    }
    if (capturesToDelete.length > 0) {
      rows = rows.concat(statements.observationsOfCaptures.all(userId, JSON.stringify(capturesToDelete)));
    }
    const seqs = [...new Set(rows.map((row) => row.seq))];
    const observations =
      seqs.length > 0 ? statements.deleteObservationsBySeq.run(JSON.stringify(seqs)).changes : 0;
    const candidates = new Set(rows.map((row) => row.capture_id).filter((id): id is string => id !== null));
    const forced = new Set(capturesToDelete);
    const unreferencedBlobs: string[] = [];
    let captures = 0;
    for (const captureId of new Set([...candidates, ...forced])) {
      if (!forced.has(captureId) && statements.captureStillUsed.get(userId, captureId)) continue;
      const exists = statements.getCapture.get(userId, captureId);
      if (!exists) continue;
      captures += 1;
      const blob = deleteCaptureRow(userId, captureId);
      if (blob) unreferencedBlobs.push(blob);
    }
    return { observations, captures, unreferencedBlobs };
  });

  const insertCaptureTransaction = db.transaction(insertCaptureRow);

  const replaceMediaTransaction = db.transaction(
    (userId: string, id: string, media: { sha256: string; size: number; mediaType: string }) => {
      const existing = statements.getCapture.get(userId, id);
      if (!existing) throw new ValidationError(`capture ${id} does not exist`);
      if (existing.sha256 === media.sha256) return { unreferencedBlob: null };
      statements.referenceBlob.run(userId, media.sha256, media.size, media.mediaType, Date.now());
      db.prepare('UPDATE captures SET sha256 = ?, size = ?, media_type = ? WHERE user_id = ? AND id = ?').run(
        media.sha256,
        media.size,
        media.mediaType,
        userId,
        id,
      );
      const released = statements.releaseBlob.get(userId, existing.sha256);
      if (released && released.ref_count <= 0) {
        statements.dropBlob.run(userId, existing.sha256);
        return { unreferencedBlob: existing.sha256 };
      }
      return { unreferencedBlob: null };
    },
  );

  return {
    async insertObservations(userId, observations) {
      return { inserted: insertBatch.immediate(userId, observations) };
    },
    async getObservation(userId, id) {
      const row = statements.getObservation.get(userId, id.toUpperCase());
      return row ? toObservation(row) : null;
    },
    async listObservations(userId, options: ListObservationsOptions): Promise<ObservationPage> {
      const order = options.order ?? 'desc';
      const where = ['o.user_id = ?'];
      const params: Array<string | number> = [userId];
      if (options.fromMs !== undefined) {
        where.push('o.captured_at >= ?');
        params.push(options.fromMs);
      }
      if (options.toMs !== undefined) {
        where.push('o.captured_at < ?');
        params.push(options.toMs);
      }
      if (options.modality) {
        where.push('o.modality = ?');
        params.push(options.modality);
      }
      if (options.cursor) {
        const cursor = decodeCursor(options.cursor);
        if (!cursor) throw new ValidationError('cursor is not valid: pass the nextCursor of a previous page');
        const op = order === 'desc' ? '<' : '>';
        where.push(`(o.captured_at ${op} ? OR (o.captured_at = ? AND o.id ${op} ?))`);
        params.push(cursor.capturedAt, cursor.capturedAt, cursor.tiebreak);
      }
      const direction = order === 'desc' ? 'DESC' : 'ASC';
      const rows = db
        .prepare<Array<string | number>, ObservationRow>(
          `SELECT ${OBSERVATION_COLUMNS} FROM observations o WHERE ${where.join(' AND ')}
           ORDER BY o.captured_at ${direction}, o.id ${direction} LIMIT ?`,
        )
        .all(...params, options.limit + 1);
      const page = rows.slice(0, options.limit).map(toObservation);
      const last = page.at(-1);
      const nextCursor =
        rows.length > options.limit && last
          ? encodeCursor({ capturedAt: last.capturedAt, tiebreak: last.id })
          : null;
      return { observations: page, nextCursor };
    },
    async countObservations(userId) {
      return statements.countObservations.get(userId)?.n ?? 0;
    },
    async searchObservations(userId, terms, limit, filter: SearchFilter = {}): Promise<SearchHit[]> {
      if (terms.length === 0 || limit < 1) return [];
      const kept = selectiveTerms(terms, filter.maxTermShare);
      if (kept.length === 0) return [];
      const match = ftsQuery(kept);
      if (filter.fromMs === undefined && filter.toMs === undefined) return searchRanked(userId, match, limit);
      const fromMs = filter.fromMs ?? Number.MIN_SAFE_INTEGER;
      const toMs = filter.toMs ?? Number.MAX_SAFE_INTEGER;
      const range = statements.seqRange.get(userId, fromMs, toMs);
      if (!range || range.lo === null || range.hi === null) return [];
      return statements.searchInRange
        .all(match, range.lo, range.hi, userId, fromMs, toMs, limit)
        .map((row) => ({ observation: toObservation(row), score: row.score, seq: row.seq }));
    },
    async readSince(userId, afterSeq, limit): Promise<SequencedObservation[]> {
      return statements.readSince
        .all(userId, afterSeq, limit)
        .map((row) => ({ seq: row.seq, observation: toObservation(row) }));
    },
    async getBySeq(userId, seqs): Promise<SequencedObservation[]> {
      if (seqs.length === 0) return [];
      const rows = new Map(
        statements.observationsBySeq.all(JSON.stringify(seqs), userId).map((row) => [row.seq, row]),
      );
      return seqs.flatMap((seq) => {
        const row = rows.get(seq);
        return row ? [{ seq, observation: toObservation(row) }] : [];
      });
    },
    async forget(userId, selector) {
      return forgetTransaction.immediate(userId, selector);
    },
    async insertCapture(userId, capture) {
      return insertCaptureTransaction.immediate(userId, capture);
    },
    async getCapture(userId, id) {
      const row = statements.getCapture.get(userId, id.toUpperCase());
      return row ? toCapture(row) : null;
    },
    async listCaptures(userId, options = {}) {
      const rows = options.status
        ? db
            .prepare<[string, string, number], CaptureRow>(
              'SELECT * FROM captures WHERE user_id = ? AND status = ? ORDER BY captured_at, id LIMIT ?',
            )
            .all(userId, options.status, options.limit ?? 1_000_000)
        : db
            .prepare<[string, number], CaptureRow>(
              'SELECT * FROM captures WHERE user_id = ? ORDER BY captured_at, id LIMIT ?',
            )
            .all(userId, options.limit ?? 1_000_000);
      return rows.map(toCapture);
    },
    async setCaptureStatus(userId, id, status, error = null) {
      statements.setCaptureStatus.run(status, error, userId, id);
    },
    async listBlobs(userId): Promise<BlobRecord[]> {
      return statements.listBlobs.all(userId).map((row) => ({
        sha256: row.sha256,
        size: row.size,
        mediaType: row.media_type,
        refCount: row.ref_count,
      }));
    },
    async streamPositions(deviceId) {
      return Object.fromEntries(
        statements.streamPositions.all(deviceId).map((row) => [row.stream_id, row.last_seq]),
      );
    },
    async appendStreamItems(items) {
      if (items.length === 0) return [];
      return appendStreamTransaction.immediate(items);
    },
    async replaceCaptureMedia(userId, id, media) {
      return replaceMediaTransaction.immediate(userId, id, media);
    },
    async setObservationDetails(userId, id, details) {
      db.prepare('UPDATE observations SET details = ? WHERE user_id = ? AND id = ?').run(
        details ? JSON.stringify(details) : null,
        userId,
        id,
      );
    },
    async expireCaptures(userId, kind, beforeMs) {
      return expireTransaction.immediate(userId, kind, beforeMs);
    },
    async pendingAudioStreams() {
      return statements.pendingAudioStreams
        .all()
        .map((row) => ({ userId: row.user_id, deviceId: row.device_id, streamId: row.stream_id }));
    },
    async audioChunks(deviceId, streamId, limit): Promise<AudioChunk[]> {
      return statements.audioChunks.all(deviceId, streamId, limit).map((row) => ({
        userId: row.user_id,
        deviceId: row.device_id,
        streamId: row.stream_id,
        seq: row.seq,
        capturedAt: row.captured_at,
        deviceCapturedAt: row.device_captured_at,
        receivedAt: row.received_at,
        pcm: new Uint8Array(row.pcm.buffer, row.pcm.byteOffset, row.pcm.byteLength),
      }));
    },
    async sealAudioCapture(userId, capture, chunks) {
      return sealAudioTransaction.immediate(userId, capture, chunks);
    },
    async isBlobReferenced(userId, sha256) {
      return statements.blobReferenced.get(userId, sha256) !== undefined;
    },
  };
}
