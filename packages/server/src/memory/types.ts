import type {
  CaptureKind,
  CaptureStatus,
  Modality,
  ObservationDetails,
  Provenance,
  Trust,
} from '@familiar/protocol';

/** An observation as the server keeps it (times in epoch milliseconds). */
export interface StoredObservation {
  id: string;
  userId: string;
  deviceId: string | null;
  modality: Modality;
  capturedAt: number;
  receivedAt: number;
  text: string;
  captureId: string | null;
  provenance: Provenance | null;
  trust: Trust;
  /** The device's own clock for `capturedAt` before skew correction (stream only), or null. */
  deviceCapturedAt: number | null;
  /** Word timings, speaker and span from perception, or null. */
  details: ObservationDetails | null;
}

/** What a write adds: everything but the owner, which the store call names. */
export type NewObservation = Omit<StoredObservation, 'userId' | 'deviceCapturedAt' | 'details'> & {
  deviceCapturedAt?: number | null;
  details?: ObservationDetails | null;
};

/** A raw media item as the server keeps it. */
export interface StoredCapture {
  id: string;
  userId: string;
  deviceId: string | null;
  kind: CaptureKind;
  mediaType: string;
  sha256: string;
  size: number;
  capturedAt: number;
  receivedAt: number;
  status: CaptureStatus;
  error: string | null;
  /** The device's own clock for `capturedAt` before skew correction (stream only), or null. */
  deviceCapturedAt: number | null;
  /** The device stream and sequence number it arrived on, or null when it came another way. */
  streamId: string | null;
  streamSeq: number | null;
}

/** What a capture write adds. */
export type NewCapture = Omit<
  StoredCapture,
  'userId' | 'status' | 'error' | 'deviceCapturedAt' | 'streamId' | 'streamSeq'
> & {
  status?: CaptureStatus;
  deviceCapturedAt?: number | null;
  streamId?: string | null;
  streamSeq?: number | null;
};

/** A chunk of 16 kHz mono PCM16 audio waiting to become part of an audio capture. */
export interface AudioChunk {
  userId: string;
  deviceId: string;
  streamId: string;
  seq: number;
  capturedAt: number;
  deviceCapturedAt: number;
  receivedAt: number;
  pcm: Uint8Array;
}

/** Where a device's streamed item goes, stored only if `seq` is the next one of its stream. */
export type StreamItem = { userId: string; deviceId: string; streamId: string; seq: number } & (
  | { kind: 'capture'; capture: NewCapture }
  | { kind: 'observation'; observation: NewObservation }
  | { kind: 'audio'; chunk: AudioChunk }
  /** Acknowledged but not kept (capture paused): only the stream position moves. */
  | { kind: 'discard' }
);

/** What became of one stream item. `rejected` items still advance the stream (resending would not help). */
export type StreamItemResult =
  | { status: 'stored' }
  | { status: 'duplicate' }
  | { status: 'gap'; expected: number }
  | { status: 'rejected'; code: string; message: string };

/** One content-addressed blob a user's captures point at, with how many captures use it. */
export interface BlobRecord {
  sha256: string;
  size: number;
  mediaType: string;
  refCount: number;
}

/** Which observations to forget. */
export type ForgetSelector =
  | { kind: 'ids'; ids: string[] }
  | { kind: 'range'; fromMs: number; toMs: number }
  /** Retention: the observations of one modality captured before `beforeMs` (their captures go once unused). */
  | { kind: 'expired'; modality: Modality; beforeMs: number }
  | { kind: 'everything' };

/** What a forget removed; `unreferencedBlobs` are the blob hashes no capture uses any more (delete their files). */
export interface ForgetResult {
  observations: number;
  captures: number;
  unreferencedBlobs: string[];
}

/** A page of the timeline, in time order (newest first unless asked otherwise). */
export interface ObservationPage {
  observations: StoredObservation[];
  nextCursor: string | null;
}

/** Filter and page for listing the timeline. */
export interface ListObservationsOptions {
  fromMs?: number;
  toMs?: number;
  modality?: Modality;
  limit: number;
  cursor?: string;
  order?: 'asc' | 'desc';
}

/** One full-text hit; higher `score` is a better match (BM25, scaled so that it is positive). */
export interface SearchHit {
  observation: StoredObservation;
  score: number;
  /** The observation's position in the installation's write order (stable while it exists). */
  seq: number;
}

/** Narrows a search to observations captured in [fromMs, toMs). */
export interface SearchFilter {
  fromMs?: number;
  toMs?: number;
  /**
   * On a large index (where the SQLite store starts leaving out common terms), leave out every term held by more than
   * this share of all rows, even when no term is left (then nothing is found). For optional extra searches, such as
   * kinds of a thing, where a common word would cost a full scoring pass and add little. Small stores ignore it.
   */
  maxTermShare?: number;
}

/** An observation with its position in the write order, for passes that follow the timeline as it grows. */
export interface SequencedObservation {
  seq: number;
  observation: StoredObservation;
}

/** A date that matters about a person: a birthday, an anniversary ("YYYY-MM-DD", or "--MM-DD" with no year). */
export interface ImportantDate {
  label: string;
  date: string;
}

/** A person the user knows: names, how they relate to the user, dates that matter, and when they last came up. */
export interface Person {
  id: string;
  userId: string;
  name: string;
  aliases: string[];
  optedOut: boolean;
  /** How they relate to the user ("sister", "manager"), or null. */
  relationship: string | null;
  importantDates: ImportantDate[];
  /** Last time a frame showed their (consented) face, heard their enrolled voice, or text mentioned them. */
  lastSeenAt: number | null;
  lastHeardAt: number | null;
  lastMentionedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** What adding a person names; what memory learns later starts empty. */
export type NewPerson = Omit<
  Person,
  'relationship' | 'importantDates' | 'lastSeenAt' | 'lastHeardAt' | 'lastMentionedAt'
> &
  Partial<Pick<Person, 'relationship' | 'importantDates' | 'lastSeenAt' | 'lastHeardAt' | 'lastMentionedAt'>>;
