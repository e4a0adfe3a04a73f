import type { CaptureKind, CaptureStatus, ObservationDetails } from '@familiar/protocol';
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

/**
 * The timeline of one installation: observations, captures and the blob references they hold, each scoped to
 * a user. Every method is async so that a PostgreSQL adapter can stand behind the same contract.
 * Adapters: SQLite (`sqlite-timeline-store.ts`) and an in-memory fake; both pass `timeline-store.contract.ts`.
 */
export interface TimelineStore {
  /**
   * Stores a batch all-or-nothing. An id already stored with the same content is a no-op; with other content
   * the whole batch fails with `id_conflict`. A `captureId` must name a capture of the same user.
   * Returns how many rows were new.
   */
  insertObservations(userId: string, observations: readonly NewObservation[]): Promise<{ inserted: number }>;
  getObservation(userId: string, id: string): Promise<StoredObservation | null>;
  listObservations(userId: string, options: ListObservationsOptions): Promise<ObservationPage>;
  countObservations(userId: string): Promise<number>;
  /** Full-text search over the user's observations with BM25 ranking; `terms` are plain words (any match). */
  searchObservations(
    userId: string,
    terms: readonly string[],
    limit: number,
    filter?: SearchFilter,
  ): Promise<SearchHit[]>;
  /** The user's observations written after `afterSeq`, in write order (the understanding pass follows this). */
  readSince(userId: string, afterSeq: number, limit: number): Promise<SequencedObservation[]>;
  /** Observations by write position (the user's only; unknown positions are skipped), in the order asked. */
  getBySeq(userId: string, seqs: readonly number[]): Promise<SequencedObservation[]>;
  /**
   * Forgets observations, and with them the captures no remaining observation derives from (for a time range,
   * also captures taken in it; for everything, all captures). Blob reference counts drop in the same transaction.
   */
  forget(userId: string, selector: ForgetSelector): Promise<ForgetResult>;

  /** Records a capture and takes a reference on its blob; an existing id with the same hash is a no-op. */
  insertCapture(userId: string, capture: NewCapture): Promise<{ capture: StoredCapture; created: boolean }>;
  getCapture(userId: string, id: string): Promise<StoredCapture | null>;
  listCaptures(
    userId: string,
    options?: { status?: CaptureStatus; limit?: number },
  ): Promise<StoredCapture[]>;
  setCaptureStatus(userId: string, id: string, status: CaptureStatus, error?: string | null): Promise<void>;
  /**
   * Points a capture at other media (the processed frame that replaces the raw one), moving the blob references in
   * one transaction; returns the old blob's hash when nothing references it any more (delete its file).
   */
  replaceCaptureMedia(
    userId: string,
    id: string,
    media: { sha256: string; size: number; mediaType: string },
  ): Promise<{ unreferencedBlob: string | null }>;
  /** Replaces an observation's perception details (not its text, so the search index is unchanged). */
  setObservationDetails(userId: string, id: string, details: ObservationDetails | null): Promise<void>;
  /** The blobs the user's captures reference. */
  listBlobs(userId: string): Promise<BlobRecord[]>;
  /** True while some capture of the user still references the blob. */
  isBlobReferenced(userId: string, sha256: string): Promise<boolean>;

  /** The last stored sequence number of each stream of a device. */
  streamPositions(deviceId: string): Promise<Record<string, number>>;
  /**
   * Stores streamed items in one transaction, each only if its `seq` is the next of its stream (earlier ones are
   * duplicates, later ones gaps), moving the stream's position with it. An item that fails on its own (an id
   * conflict) is `rejected` without undoing the others.
   */
  appendStreamItems(items: readonly StreamItem[]): Promise<StreamItemResult[]>;
  /**
   * Retention: deletes the user's perceived captures of a kind taken before `beforeMs` (their media goes, what was
   * perceived from them stays, unlinked from the capture). Pending captures are kept until perceived.
   */
  expireCaptures(
    userId: string,
    kind: CaptureKind,
    beforeMs: number,
  ): Promise<{ captures: number; unreferencedBlobs: string[] }>;
  /** Streams with audio chunks waiting to be sealed into captures. */
  pendingAudioStreams(): Promise<Array<{ userId: string; deviceId: string; streamId: string }>>;
  /** A stream's waiting audio chunks, oldest first. */
  audioChunks(deviceId: string, streamId: string, limit: number): Promise<AudioChunk[]>;
  /** Records an audio capture made of a stream's chunks and deletes those chunks, in one transaction. */
  sealAudioCapture(
    userId: string,
    capture: NewCapture,
    chunks: { deviceId: string; streamId: string; throughSeq: number },
  ): Promise<StoredCapture>;
}
