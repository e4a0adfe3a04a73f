import type { CaptureKind } from '@familiar/protocol';
import {
  type CaptureStatus,
  type Modality,
  ObservationDetailsSchema,
  ProvenanceSchema,
  type Trust,
} from '@familiar/protocol';
import type { z } from 'zod';
import { ConflictError, FamiliarError, ValidationError } from '../kernel/index.ts';
import type { PostgresClient } from '../storage/index.ts';
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
  provenance: unknown;
  trust: string;
  device_captured_at: number | null;
  details: unknown;
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
  pcm: Uint8Array;
}

type SeqAndCapture = { seq: number; capture_id: string | null };

const OBSERVATION_COLUMNS =
  'o.id, o.user_id, o.device_id, o.modality, o.captured_at, o.received_at, o.text, o.capture_id, o.provenance, o.trust, o.device_captured_at, o.details';

const CAPTURE_COLUMNS =
  'id, user_id, device_id, kind, media_type, sha256, size, captured_at, received_at, status, error, device_captured_at, stream_id, stream_seq';

/** Rows per multi-row INSERT (13 parameters each, well under PostgreSQL's 65,535). */
const INSERT_CHUNK = 1_000;

/** A term in more than this share of all rows is left out of a search that has rarer terms (as on SQLite). */
const COMMON_TERM_SHARE = 0.05;
/** Below this many rows every term is kept. */
const COMMON_TERM_MIN_ROWS = 50_000;

/** Reads a JSONB value (already parsed by the driver) through its schema, so a damaged row is an error. */
function parseJsonValue<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> | null {
  if (value === null || value === undefined) return null;
  const result = schema.safeParse(value);
  if (!result.success)
    throw new FamiliarError('storage_failed', `stored JSON in ${where} does not match its schema`);
  return result.data;
}

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
    provenance: parseJsonValue(ProvenanceSchema, row.provenance, `observation ${row.id}`),
    trust: row.trust as Trust,
    deviceCapturedAt: row.device_captured_at,
    details: parseJsonValue(ObservationDetailsSchema, row.details, `observation ${row.id}`),
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

/** `$from, $from+1, …` placeholders for one row of `width` values. */
function placeholders(from: number, width: number): string {
  return `(${Array.from({ length: width }, (_, i) => `$${from + i}`).join(', ')})`;
}

/**
 * The PostgreSQL timeline (also PGlite): the same rows and semantics as the SQLite store, on the same migrations.
 * Full-text search uses the generated `text_search` tsvector (English stemming, GIN index). Differences from SQLite:
 * - Each term is matched as `phraseto_tsquery('english', term)` and the terms are ORed, like the quoted FTS5 terms
 *   (a term of several words is a phrase). English stop words are dropped by PostgreSQL, so a term that is only a
 *   stop word matches nothing (FTS5's porter tokenizer keeps them; `queryTerms` drops them before either store).
 * - PostgreSQL has no BM25. The score is a BM25-like sum over the terms a row holds: `ts_rank(…, 1)` of that term
 *   (term frequency with diminishing returns, divided by 1 + log of the row's length) times the term's IDF,
 *   `ln(1 + (N − n + 0.5) / (n + 0.5))`, with `n` the user's matching rows (within the time filter) and `N` the
 *   highest write position. Positive, higher is better; values differ from SQLite's, order agrees on clear cases.
 *   `ts_rank_cd` was not used: it counts every occurrence fully, so a row repeating one term ties with one that
 *   holds two different terms.
 * - Ties are broken by write position, newest first.
 * - Leaving out very common terms on a large index, and `maxTermShare`, follow the SQLite rule (cached counts).
 * - Writers run concurrently (READ COMMITTED), not one at a time: inserts use `ON CONFLICT DO NOTHING` and recheck,
 *   and stream appends take an advisory lock per stream, so the outcomes match SQLite's single writer.
 */
export function createPostgresTimelineStore(
  client: PostgresClient,
  options: { commonTermShare?: number; commonTermMinRows?: number } = {},
): TimelineStore {
  const { commonTermShare = COMMON_TERM_SHARE, commonTermMinRows = COMMON_TERM_MIN_ROWS } = options;

  /**
   * Stores a batch in the open transaction `tx`: conflicts and unknown captures are checked in batch order (the
   * first problem fails the batch, as on SQLite), then the new rows go in with `ON CONFLICT DO NOTHING`, so a
   * concurrent writer of the same id ends up as a no-op or a conflict, never a constraint error.
   */
  async function insertObservationRows(
    tx: PostgresClient,
    userId: string,
    observations: readonly NewObservation[],
  ): Promise<number> {
    if (observations.length === 0) return 0;
    const ids = [...new Set(observations.map((observation) => observation.id))];
    const stored = new Map(
      (
        await tx.query<{ id: string; content_hash: string }>(
          'SELECT id, content_hash FROM observations WHERE user_id = $1 AND id = ANY($2::text[])',
          [userId, ids],
        )
      ).rows.map((row) => [row.id, row.content_hash]),
    );
    const captureIds = [
      ...new Set(observations.map((observation) => observation.captureId).filter((id) => id !== null)),
    ];
    const knownCaptures = new Set(
      captureIds.length === 0
        ? []
        : (
            await tx.query<{ id: string }>(
              'SELECT id FROM captures WHERE user_id = $1 AND id = ANY($2::text[])',
              [userId, captureIds],
            )
          ).rows.map((row) => row.id),
    );
    const fresh: Array<{ observation: NewObservation; contentHash: string }> = [];
    for (const observation of observations) {
      const contentHash = observationContentHash(observation);
      const existing = stored.get(observation.id);
      if (existing !== undefined) {
        if (existing === contentHash) continue;
        throw new ConflictError(`observation ${observation.id} already exists with different content`, {
          id: observation.id,
        });
      }
      if (observation.captureId !== null && !knownCaptures.has(observation.captureId)) {
        throw new ValidationError(`captureId ${observation.captureId} is not one of your captures`, {
          id: observation.id,
          captureId: observation.captureId,
        });
      }
      stored.set(observation.id, contentHash);
      fresh.push({ observation, contentHash });
    }
    let inserted = 0;
    for (let start = 0; start < fresh.length; start += INSERT_CHUNK) {
      const chunk = fresh.slice(start, start + INSERT_CHUNK);
      const params: unknown[] = [];
      const rows = chunk.map(({ observation, contentHash }) => {
        const row = placeholders(params.length + 1, 13);
        params.push(
          userId,
          observation.id,
          observation.deviceId,
          observation.modality,
          observation.capturedAt,
          observation.receivedAt,
          observation.text,
          observation.captureId,
          observation.provenance ? JSON.stringify(observation.provenance) : null,
          observation.trust,
          contentHash,
          observation.deviceCapturedAt ?? null,
          observation.details ? JSON.stringify(observation.details) : null,
        );
        return row;
      });
      const result = await tx.query<{ id: string }>(
        `INSERT INTO observations (user_id, id, device_id, modality, captured_at, received_at, text, capture_id, provenance, trust, content_hash, device_captured_at, details)
         VALUES ${rows.join(', ')}
         ON CONFLICT (user_id, id) DO NOTHING RETURNING id`,
        params,
      );
      inserted += result.rows.length;
      if (result.rows.length === chunk.length) continue;
      // A concurrent transaction stored some of these ids first: the same content is a no-op, other content a conflict.
      const written = new Set(result.rows.map((row) => row.id));
      const raced = chunk.filter(({ observation }) => !written.has(observation.id));
      const theirs = new Map(
        (
          await tx.query<{ id: string; content_hash: string }>(
            'SELECT id, content_hash FROM observations WHERE user_id = $1 AND id = ANY($2::text[])',
            [userId, raced.map(({ observation }) => observation.id)],
          )
        ).rows.map((row) => [row.id, row.content_hash]),
      );
      for (const { observation, contentHash } of raced) {
        if (theirs.get(observation.id) !== contentHash)
          throw new ConflictError(`observation ${observation.id} already exists with different content`, {
            id: observation.id,
          });
      }
    }
    return inserted;
  }

  async function getCaptureRow(tx: PostgresClient, userId: string, id: string): Promise<CaptureRow | null> {
    const result = await tx.query<CaptureRow>(
      `SELECT ${CAPTURE_COLUMNS} FROM captures WHERE user_id = $1 AND id = $2`,
      [userId, id],
    );
    return result.rows[0] ?? null;
  }

  async function referenceBlob(
    tx: PostgresClient,
    userId: string,
    blob: { sha256: string; size: number; mediaType: string },
    at: number,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO blobs (user_id, sha256, size, media_type, ref_count, created_at) VALUES ($1, $2, $3, $4, 1, $5)
       ON CONFLICT (user_id, sha256) DO UPDATE SET ref_count = blobs.ref_count + 1`,
      [userId, blob.sha256, blob.size, blob.mediaType, at],
    );
  }

  /** Drops one reference on a blob; returns its hash when nothing references it any more (the row is deleted). */
  async function releaseBlob(tx: PostgresClient, userId: string, sha256: string): Promise<string | null> {
    const released = await tx.query<{ ref_count: number }>(
      'UPDATE blobs SET ref_count = ref_count - 1 WHERE user_id = $1 AND sha256 = $2 RETURNING ref_count',
      [userId, sha256],
    );
    const row = released.rows[0];
    if (row && row.ref_count <= 0) {
      await tx.query('DELETE FROM blobs WHERE user_id = $1 AND sha256 = $2', [userId, sha256]);
      return sha256;
    }
    return null;
  }

  /** Inserts one capture and takes a reference on its blob; the existing row when the id is already there. */
  async function insertCaptureRow(
    tx: PostgresClient,
    userId: string,
    capture: NewCapture,
  ): Promise<{ capture: StoredCapture; created: boolean }> {
    const inserted = await tx.query<CaptureRow>(
      `INSERT INTO captures (user_id, id, device_id, kind, media_type, sha256, size, captured_at, received_at, status, error, device_captured_at, stream_id, stream_seq)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, $12, $13)
       ON CONFLICT (user_id, id) DO NOTHING RETURNING ${CAPTURE_COLUMNS}`,
      [
        userId,
        capture.id,
        capture.deviceId,
        capture.kind,
        capture.mediaType,
        capture.sha256,
        capture.size,
        capture.capturedAt,
        capture.receivedAt,
        capture.status ?? 'pending',
        capture.deviceCapturedAt ?? null,
        capture.streamId ?? null,
        capture.streamSeq ?? null,
      ],
    );
    const row = inserted.rows[0];
    if (row) {
      await referenceBlob(tx, userId, capture, capture.receivedAt);
      return { capture: toCapture(row), created: true };
    }
    const existing = await getCaptureRow(tx, userId, capture.id);
    if (!existing || existing.sha256 !== capture.sha256) {
      throw new ConflictError(`capture ${capture.id} already exists with different content`, {
        id: capture.id,
      });
    }
    return { capture: toCapture(existing), created: false };
  }

  /** Deletes a capture and drops its blob reference; returns the blob hash when nothing references it any more. */
  async function deleteCaptureRow(
    tx: PostgresClient,
    userId: string,
    captureId: string,
  ): Promise<string | null> {
    const deleted = await tx.query<{ sha256: string }>(
      'DELETE FROM captures WHERE user_id = $1 AND id = $2 RETURNING sha256',
      [userId, captureId],
    );
    const row = deleted.rows[0];
    return row ? releaseBlob(tx, userId, row.sha256) : null;
  }

  async function appendOne(tx: PostgresClient, item: StreamItem): Promise<void> {
    if (item.kind === 'observation') await insertObservationRows(tx, item.userId, [item.observation]);
    else if (item.kind === 'capture') await insertCaptureRow(tx, item.userId, item.capture);
    else if (item.kind === 'audio') {
      const chunk = item.chunk;
      await tx.query(
        `INSERT INTO audio_chunks (user_id, device_id, stream_id, seq, captured_at, device_captured_at, received_at, pcm)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          chunk.userId,
          chunk.deviceId,
          chunk.streamId,
          chunk.seq,
          chunk.capturedAt,
          chunk.deviceCapturedAt,
          chunk.receivedAt,
          Buffer.from(chunk.pcm.buffer, chunk.pcm.byteOffset, chunk.pcm.byteLength),
        ],
      );
    }
  }

  async function forgetIn(
    tx: PostgresClient,
    userId: string,
    selector: ForgetSelector,
  ): Promise<ForgetResult> {
    if (selector.kind === 'everything') {
      const unreferencedBlobs = (
        await tx.query<{ sha256: string }>('DELETE FROM blobs WHERE user_id = $1 RETURNING sha256', [userId])
      ).rows
        .map((row) => row.sha256)
        .sort();
      const observations = (await tx.query('DELETE FROM observations WHERE user_id = $1', [userId])).rowCount;
      const captures = (await tx.query('DELETE FROM captures WHERE user_id = $1', [userId])).rowCount;
      await tx.query('DELETE FROM audio_chunks WHERE user_id = $1', [userId]);
      return { observations, captures, unreferencedBlobs };
    }
    let rows: SeqAndCapture[];
    let capturesToDelete: string[];
    if (selector.kind === 'ids') {
      const ids = selector.ids.map((id) => id.toUpperCase());
      rows = (
        await tx.query<SeqAndCapture>(
          'SELECT seq, capture_id FROM observations WHERE user_id = $1 AND id = ANY($2::text[])',
          [userId, ids],
        )
      ).rows;
      capturesToDelete = (
        await tx.query<{ id: string }>(
          'SELECT id FROM captures WHERE user_id = $1 AND id = ANY($2::text[])',
          [userId, ids],
        )
      ).rows.map((row) => row.id);
    } else if (selector.kind === 'expired') {
      rows = (
        await tx.query<SeqAndCapture>(
          'SELECT seq, capture_id FROM observations WHERE user_id = $1 AND modality = $2 AND captured_at < $3',
          [userId, selector.modality, selector.beforeMs],
        )
      ).rows;
      capturesToDelete = [];
    } else {
      rows = (
        await tx.query<SeqAndCapture>(
          'SELECT seq, capture_id FROM observations WHERE user_id = $1 AND captured_at >= $2 AND captured_at < $3',
          [userId, selector.fromMs, selector.toMs],
        )
      ).rows;
      capturesToDelete = (
        await tx.query<{ id: string }>(
          'SELECT id FROM captures WHERE user_id = $1 AND captured_at >= $2 AND captured_at < $3',
          [userId, selector.fromMs, selector.toMs],
        )
      ).rows.map((row) => row.id);
    }
    if (capturesToDelete.length > 0) {
      const derived = await tx.query<SeqAndCapture>(
        'SELECT seq, capture_id FROM observations WHERE user_id = $1 AND capture_id = ANY($2::text[])',
        [userId, capturesToDelete],
      );
      rows = rows.concat(derived.rows);
    }
    const seqs = [...new Set(rows.map((row) => row.seq))];
    const observations =
      seqs.length > 0
        ? (await tx.query('DELETE FROM observations WHERE seq = ANY($1::bigint[])', [seqs])).rowCount
        : 0;
    const candidates = new Set(rows.map((row) => row.capture_id).filter((id): id is string => id !== null));
    const forced = new Set(capturesToDelete);
    const unreferencedBlobs: string[] = [];
    let captures = 0;
    for (const captureId of new Set([...candidates, ...forced])) {
      if (!forced.has(captureId)) {
        const stillUsed = await tx.query(
          'SELECT 1 AS one FROM observations WHERE user_id = $1 AND capture_id = $2 LIMIT 1',
          [userId, captureId],
        );
        if (stillUsed.rows.length > 0) continue;
      }
      const deleted = await tx.query<{ sha256: string }>(
        'DELETE FROM captures WHERE user_id = $1 AND id = $2 RETURNING sha256',
        [userId, captureId],
      );
      const row = deleted.rows[0];
      if (!row) continue;
      captures += 1;
      const blob = await releaseBlob(tx, userId, row.sha256);
      if (blob) unreferencedBlobs.push(blob);
    }
    return { observations, captures, unreferencedBlobs };
  }

  /**
   * How many rows hold each term, cached and recounted once the table has grown by a tenth; the same rule as the
   * SQLite store for leaving out very common terms on a large index (and for `maxTermShare`).
   */
  const documentCounts = new Map<string, { documents: number; atRows: number }>();
  async function selectiveTerms(terms: readonly string[], maxTermShare?: number): Promise<readonly string[]> {
    if (terms.length < 2 && maxTermShare === undefined) return terms;
    const rows =
      (await client.query<{ n: number | null }>('SELECT max(seq) AS n FROM observations')).rows[0]?.n ?? 0;
    if (rows < commonTermMinRows) return terms;
    const share: Array<{ term: string; share: number }> = [];
    for (const term of terms) {
      let cached = documentCounts.get(term);
      if (!cached || rows > cached.atRows * 1.1) {
        const counted = await client.query<{ n: number }>(
          "SELECT count(*) AS n FROM observations WHERE text_search @@ phraseto_tsquery('english', $1)",
          [term],
        );
        cached = { documents: counted.rows[0]?.n ?? 0, atRows: rows };
        if (documentCounts.size > 10_000) documentCounts.clear();
        documentCounts.set(term, cached);
      }
      share.push({ term, share: cached.documents / rows });
    }
    if (maxTermShare !== undefined)
      return share.filter((entry) => entry.share <= maxTermShare).map((entry) => entry.term);
    const selective = share.filter((entry) => entry.share <= commonTermShare).map((entry) => entry.term);
    return selective.length > 0 ? selective : terms;
  }

  async function search(
    userId: string,
    terms: readonly string[],
    limit: number,
    filter: SearchFilter,
  ): Promise<SearchHit[]> {
    const params: unknown[] = [userId, limit];
    const queries = terms.map((term) => {
      params.push(term);
      return `phraseto_tsquery('english', $${params.length})`;
    });
    const where = ['o.user_id = $1', `o.text_search @@ (${queries.join(' || ')})`];
    if (filter.fromMs !== undefined) {
      params.push(filter.fromMs);
      where.push(`o.captured_at >= $${params.length}`);
    }
    if (filter.toMs !== undefined) {
      params.push(filter.toMs);
      where.push(`o.captured_at < $${params.length}`);
    }
    const columns = queries.flatMap((query, i) => [
      `ts_rank(o.text_search, ${query}, 1) AS rank_${i}`,
      `(o.text_search @@ ${query}) AS has_${i}`,
    ]);
    const counts = queries.map(
      (_, i) => `(count(*) FILTER (WHERE has_${i}) OVER ())::float8 AS documents_${i}`,
    );
    const score = queries
      .map(
        (_, i) =>
          `rank_${i} * ln(1 + (greatest(total.n, documents_${i}) - documents_${i} + 0.5) / (documents_${i} + 0.5))`,
      )
      .join(' + ');
    const result = await client.query<ObservationRow & { seq: number; score: number }>(
      `WITH matched AS (
         SELECT o.seq, ${columns.join(', ')} FROM observations o WHERE ${where.join(' AND ')}
       ), counted AS (
         SELECT matched.*, ${counts.join(', ')} FROM matched
       ), total AS (
         SELECT coalesce(max(seq), 0)::float8 AS n FROM observations
       ), best AS (
         SELECT counted.seq, (${score})::float8 AS score FROM counted, total ORDER BY score DESC, seq DESC LIMIT $2
       )
       SELECT best.seq, best.score, ${OBSERVATION_COLUMNS} FROM best JOIN observations o ON o.seq = best.seq
       ORDER BY best.score DESC, best.seq DESC`,
      params,
    );
    return result.rows.map((row) => ({ observation: toObservation(row), score: row.score, seq: row.seq }));
  }

  return {
    async insertObservations(userId, observations) {
      if (observations.length === 0) return { inserted: 0 };
      const inserted = await client.transaction((tx) => insertObservationRows(tx, userId, observations));
      return { inserted };
    },
    async getObservation(userId, id) {
      const result = await client.query<ObservationRow>(
        `SELECT ${OBSERVATION_COLUMNS} FROM observations o WHERE o.user_id = $1 AND o.id = $2`,
        [userId, id.toUpperCase()],
      );
      const row = result.rows[0];
      return row ? toObservation(row) : null;
    },
    async listObservations(userId, options: ListObservationsOptions): Promise<ObservationPage> {
      const order = options.order ?? 'desc';
      const params: unknown[] = [userId];
      const where = ['o.user_id = $1'];
      const add = (value: unknown) => {
        params.push(value);
        return `$${params.length}`;
      };
      if (options.fromMs !== undefined) where.push(`o.captured_at >= ${add(options.fromMs)}`);
      if (options.toMs !== undefined) where.push(`o.captured_at < ${add(options.toMs)}`);
      if (options.modality) where.push(`o.modality = ${add(options.modality)}`);
      if (options.cursor) {
        const cursor = decodeCursor(options.cursor);
        if (!cursor) throw new ValidationError('cursor is not valid: pass the nextCursor of a previous page');
        const op = order === 'desc' ? '<' : '>';
        // A row comparison walks the (user_id, captured_at, id) index in one range.
        where.push(
          `(o.captured_at, o.id) ${op} (${add(cursor.capturedAt)}::bigint, ${add(cursor.tiebreak)}::text)`,
        );
      }
      const direction = order === 'desc' ? 'DESC' : 'ASC';
      const rows = (
        await client.query<ObservationRow>(
          `SELECT ${OBSERVATION_COLUMNS} FROM observations o WHERE ${where.join(' AND ')}
           ORDER BY o.captured_at ${direction}, o.id ${direction} LIMIT ${add(options.limit + 1)}`,
          params,
        )
      ).rows;
      const page = rows.slice(0, options.limit).map(toObservation);
      const last = page.at(-1);
      const nextCursor =
        rows.length > options.limit && last
          ? encodeCursor({ capturedAt: last.capturedAt, tiebreak: last.id })
          : null;
      return { observations: page, nextCursor };
    },
    async countObservations(userId) {
      const result = await client.query<{ n: number }>(
        'SELECT count(*) AS n FROM observations WHERE user_id = $1',
        [userId],
      );
      return result.rows[0]?.n ?? 0;
    },
    async searchObservations(userId, terms, limit, filter: SearchFilter = {}): Promise<SearchHit[]> {
      if (terms.length === 0 || limit < 1) return [];
      const kept = await selectiveTerms(terms, filter.maxTermShare);
      if (kept.length === 0) return [];
      return search(userId, kept, limit, filter);
    },
    async readSince(userId, afterSeq, limit): Promise<SequencedObservation[]> {
      const result = await client.query<ObservationRow & { seq: number }>(
        `SELECT o.seq, ${OBSERVATION_COLUMNS} FROM observations o WHERE o.user_id = $1 AND o.seq > $2 ORDER BY o.seq LIMIT $3`,
        [userId, afterSeq, limit],
      );
      return result.rows.map((row) => ({ seq: row.seq, observation: toObservation(row) }));
    },
    async getBySeq(userId, seqs): Promise<SequencedObservation[]> {
      if (seqs.length === 0) return [];
      const result = await client.query<ObservationRow & { seq: number }>(
        `SELECT o.seq, ${OBSERVATION_COLUMNS} FROM observations o WHERE o.seq = ANY($2::bigint[]) AND o.user_id = $1`,
        [userId, [...new Set(seqs)]],
      );
      const rows = new Map(result.rows.map((row) => [row.seq, row]));
      return seqs.flatMap((seq) => {
        const row = rows.get(seq);
        return row ? [{ seq, observation: toObservation(row) }] : [];
      });
    },
    async forget(userId, selector) {
      return client.transaction((tx) => forgetIn(tx, userId, selector));
    },
    async insertCapture(userId, capture) {
      return client.transaction((tx) => insertCaptureRow(tx, userId, capture));
    },
    async getCapture(userId, id) {
      const row = await getCaptureRow(client, userId, id.toUpperCase());
      return row ? toCapture(row) : null;
    },
    async listCaptures(userId, options = {}) {
      const limit = options.limit ?? 1_000_000;
      const result = options.status
        ? await client.query<CaptureRow>(
            `SELECT ${CAPTURE_COLUMNS} FROM captures WHERE user_id = $1 AND status = $2 ORDER BY captured_at, id LIMIT $3`,
            [userId, options.status, limit],
          )
        : await client.query<CaptureRow>(
            `SELECT ${CAPTURE_COLUMNS} FROM captures WHERE user_id = $1 ORDER BY captured_at, id LIMIT $2`,
            [userId, limit],
          );
      return result.rows.map(toCapture);
    },
    async setCaptureStatus(userId, id, status, error = null) {
      await client.query('UPDATE captures SET status = $1, error = $2 WHERE user_id = $3 AND id = $4', [
        status,
        error,
        userId,
        id,
      ]);
    },
    async replaceCaptureMedia(userId, id, media) {
      return client.transaction(async (tx) => {
        const existing = await tx.query<{ sha256: string }>(
          'SELECT sha256 FROM captures WHERE user_id = $1 AND id = $2 FOR UPDATE',
          [userId, id],
        );
        const row = existing.rows[0];
        if (!row) throw new ValidationError(`capture ${id} does not exist`);
        if (row.sha256 === media.sha256) return { unreferencedBlob: null };
        await referenceBlob(tx, userId, media, Date.now());
        await tx.query(
          'UPDATE captures SET sha256 = $1, size = $2, media_type = $3 WHERE user_id = $4 AND id = $5',
          [media.sha256, media.size, media.mediaType, userId, id],
        );
        return { unreferencedBlob: await releaseBlob(tx, userId, row.sha256) };
      });
    },
    async setObservationDetails(userId, id, details) {
      await client.query('UPDATE observations SET details = $1 WHERE user_id = $2 AND id = $3', [
        details ? JSON.stringify(details) : null,
        userId,
        id,
      ]);
    },
    async listBlobs(userId): Promise<BlobRecord[]> {
      const result = await client.query<{
        sha256: string;
        size: number;
        media_type: string;
        ref_count: number;
      }>('SELECT sha256, size, media_type, ref_count FROM blobs WHERE user_id = $1 ORDER BY sha256', [
        userId,
      ]);
      return result.rows.map((row) => ({
        sha256: row.sha256,
        size: row.size,
        mediaType: row.media_type,
        refCount: row.ref_count,
      }));
    },
    async isBlobReferenced(userId, sha256) {
      const result = await client.query(
        'SELECT 1 AS one FROM blobs WHERE user_id = $1 AND sha256 = $2 AND ref_count > 0',
        [userId, sha256],
      );
      return result.rows.length > 0;
    },
    async streamPositions(deviceId) {
      const result = await client.query<{ stream_id: string; last_seq: number }>(
        'SELECT stream_id, last_seq FROM device_streams WHERE device_id = $1',
        [deviceId],
      );
      return Object.fromEntries(result.rows.map((row) => [row.stream_id, row.last_seq]));
    },
    async appendStreamItems(items): Promise<StreamItemResult[]> {
      if (items.length === 0) return [];
      return client.transaction(async (tx) => {
        // One writer per stream at a time (SQLite gets this from its single writer): transaction-scoped advisory
        // locks, taken in one order so that two batches never wait on each other in a cycle.
        const streams = [...new Set(items.map((item) => `${item.deviceId}:${item.streamId}`))].sort();
        for (const stream of streams)
          await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [stream]);
        const positions = new Map<string, number>();
        const now = Date.now();
        const results: StreamItemResult[] = [];
        for (const item of items) {
          const key = `${item.deviceId}\u0000${item.streamId}`;
          let last = positions.get(key);
          if (last === undefined) {
            const found = await tx.query<{ last_seq: number }>(
              'SELECT last_seq FROM device_streams WHERE device_id = $1 AND stream_id = $2',
              [item.deviceId, item.streamId],
            );
            last = found.rows[0]?.last_seq ?? 0;
          }
          if (item.seq <= last) {
            results.push({ status: 'duplicate' });
            continue;
          }
          if (item.seq > last + 1) {
            results.push({ status: 'gap', expected: last + 1 });
            continue;
          }
          let result: StreamItemResult = { status: 'stored' };
          // A savepoint per item, so a rejected item undoes only itself.
          await tx.query('SAVEPOINT stream_item');
          try {
            await appendOne(tx, item);
            await tx.query('RELEASE SAVEPOINT stream_item');
          } catch (error) {
            await tx.query('ROLLBACK TO SAVEPOINT stream_item');
            if (!(error instanceof FamiliarError)) throw error;
            result = { status: 'rejected', code: error.code, message: error.message };
          }
          await tx.query(
            `INSERT INTO device_streams (device_id, stream_id, last_seq, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (device_id, stream_id) DO UPDATE SET last_seq = excluded.last_seq, updated_at = excluded.updated_at`,
            [item.deviceId, item.streamId, item.seq, now],
          );
          positions.set(key, item.seq);
          results.push(result);
        }
        return results;
      });
    },
    async expireCaptures(userId, kind, beforeMs) {
      return client.transaction(async (tx) => {
        const expired = (
          await tx.query<{ id: string }>(
            `SELECT id FROM captures WHERE user_id = $1 AND kind = $2 AND captured_at < $3 AND status IN ('processed', 'failed')`,
            [userId, kind, beforeMs],
          )
        ).rows.map((row) => row.id);
        if (expired.length === 0) return { captures: 0, unreferencedBlobs: [] as string[] };
        await tx.query(
          'UPDATE observations SET capture_id = NULL WHERE user_id = $1 AND capture_id = ANY($2::text[])',
          [userId, expired],
        );
        const unreferencedBlobs: string[] = [];
        for (const id of expired) {
          const blob = await deleteCaptureRow(tx, userId, id);
          if (blob) unreferencedBlobs.push(blob);
        }
        return { captures: expired.length, unreferencedBlobs };
      });
    },
    async pendingAudioStreams() {
      const result = await client.query<{ user_id: string; device_id: string; stream_id: string }>(
        'SELECT DISTINCT user_id, device_id, stream_id FROM audio_chunks ORDER BY device_id, stream_id',
      );
      return result.rows.map((row) => ({
        userId: row.user_id,
        deviceId: row.device_id,
        streamId: row.stream_id,
      }));
    },
    async audioChunks(deviceId, streamId, limit): Promise<AudioChunk[]> {
      const result = await client.query<AudioChunkRow>(
        `SELECT user_id, device_id, stream_id, seq, captured_at, device_captured_at, received_at, pcm
         FROM audio_chunks WHERE device_id = $1 AND stream_id = $2 ORDER BY seq LIMIT $3`,
        [deviceId, streamId, limit],
      );
      return result.rows.map((row) => ({
        userId: row.user_id,
        deviceId: row.device_id,
        streamId: row.stream_id,
        seq: row.seq,
        capturedAt: row.captured_at,
        deviceCapturedAt: row.device_captured_at,
        receivedAt: row.received_at,
        pcm: new Uint8Array(row.pcm),
      }));
    },
    async sealAudioCapture(userId, capture, chunks) {
      return client.transaction(async (tx) => {
        const stored = (await insertCaptureRow(tx, userId, capture)).capture;
        await tx.query('DELETE FROM audio_chunks WHERE device_id = $1 AND stream_id = $2 AND seq <= $3', [
          chunks.deviceId,
          chunks.streamId,
          chunks.throughSeq,
        ]);
        return stored;
      });
    },
  };
}
