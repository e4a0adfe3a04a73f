import { FamiliarError, ValidationError } from '../../kernel/index.ts';
import type { SqliteDatabase } from '../../storage/index.ts';

/** One enrolled voice: an embedding of a sample, made by one model. */
export interface Voiceprint {
  id: string;
  userId: string;
  /** The person in the people registry; null for the wearer (the user). */
  personId: string | null;
  /** `wearer`, or the person's name when enrolled (for listings; identification reads the current registry). */
  label: string;
  /** The embedder's name: vectors of another model are not comparable. */
  model: string;
  dimension: number;
  vector: Float32Array;
  createdAt: number;
}

/** Enrolled voices, per user. Vectors are biometric data: they never leave this store except for matching. */
export interface VoiceprintStore {
  /** Stores a voiceprint; a vector whose length is not `dimension` is refused and nothing is stored. */
  add(voiceprint: Voiceprint): Promise<Voiceprint>;
  /** The user's voiceprints, oldest first; only those made by `model` when it is given. */
  list(userId: string, model?: string): Promise<Voiceprint[]>;
  /** Removes one of the user's voiceprints; false when the user has none with this id. */
  remove(userId: string, id: string): Promise<boolean>;
  /** Removes every voiceprint of one person of the user; returns how many. */
  removeForPerson(userId: string, personId: string): Promise<number>;
  /** Removes every voiceprint of the user, the wearer's included (forget everything); returns how many. */
  removeAll(userId: string): Promise<number>;
}

/** Float32 little-endian bytes of a vector, whatever the machine's byte order. */
export function encodeVector(vector: Float32Array): Uint8Array {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < vector.length; i += 1) view.setFloat32(i * 4, vector[i]!, true);
  return bytes;
}

/** Reads back what `encodeVector` wrote; null when the byte count does not match `dimension`. */
export function decodeVector(bytes: Uint8Array, dimension: number): Float32Array | null {
  if (bytes.byteLength !== dimension * 4) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vector = new Float32Array(dimension);
  for (let i = 0; i < dimension; i += 1) vector[i] = view.getFloat32(i * 4, true);
  return vector;
}

/** Refuses a voiceprint whose vector does not match its dimension or holds non-finite numbers. */
export function checkVoiceprint(voiceprint: Voiceprint): void {
  const { dimension, vector } = voiceprint;
  if (!Number.isInteger(dimension) || dimension < 1 || vector.length !== dimension)
    throw new ValidationError(
      `a voiceprint of dimension ${dimension} needs a vector of that length, not ${vector.length}`,
    );
  if (!vector.every(Number.isFinite)) throw new ValidationError('a voiceprint vector must be finite numbers');
}

/** A `voiceprints` row, as both SQL adapters read it. */
export interface VoiceprintRow {
  id: string;
  user_id: string;
  person_id: string | null;
  label: string;
  model: string;
  dimension: number;
  vector: Uint8Array;
  created_at: number;
}

/** A voiceprint from its row; a vector whose bytes do not match its dimension is `storage_failed`. */
export function toVoiceprint(row: VoiceprintRow): Voiceprint {
  const vector = decodeVector(row.vector, row.dimension);
  if (!vector)
    throw new FamiliarError(
      'storage_failed',
      `voiceprint ${row.id} is damaged: ${row.vector.byteLength} bytes for ${row.dimension} dimensions`,
    );
  return {
    id: row.id,
    userId: row.user_id,
    personId: row.person_id,
    label: row.label,
    model: row.model,
    dimension: row.dimension,
    vector,
    createdAt: row.created_at,
  };
}

/** Voiceprints in SQLite; deleting a person from the people registry deletes their voiceprints with them. */
export function createSqliteVoiceprintStore(db: SqliteDatabase): VoiceprintStore {
  const insert = db.prepare(
    'INSERT INTO voiceprints (id, user_id, person_id, label, model, dimension, vector, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const listAll = db.prepare<[string], VoiceprintRow>(
    'SELECT * FROM voiceprints WHERE user_id = ? ORDER BY created_at, id',
  );
  const listByModel = db.prepare<[string, string], VoiceprintRow>(
    'SELECT * FROM voiceprints WHERE user_id = ? AND model = ? ORDER BY created_at, id',
  );
  const removeOne = db.prepare('DELETE FROM voiceprints WHERE user_id = ? AND id = ?');
  const removePerson = db.prepare('DELETE FROM voiceprints WHERE user_id = ? AND person_id = ?');
  return {
    async add(voiceprint) {
      checkVoiceprint(voiceprint);
      try {
        insert.run(
          voiceprint.id,
          voiceprint.userId,
          voiceprint.personId,
          voiceprint.label,
          voiceprint.model,
          voiceprint.dimension,
          encodeVector(voiceprint.vector),
          voiceprint.createdAt,
        );
      } catch (cause) {
        const code = (cause as { code?: string }).code;
        if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
          throw new FamiliarError('already_exists', `voiceprint ${voiceprint.id} already exists`, { cause });
        if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY')
          throw new FamiliarError('not_found', 'the user or person of this voiceprint does not exist', {
            cause,
          });
        throw cause;
      }
      return voiceprint;
    },
    async list(userId, model) {
      const rows = model === undefined ? listAll.all(userId) : listByModel.all(userId, model);
      return rows.map(toVoiceprint);
    },
    async remove(userId, id) {
      return removeOne.run(userId, id).changes > 0;
    },
    async removeForPerson(userId, personId) {
      return removePerson.run(userId, personId).changes;
    },
    async removeAll(userId) {
      return db.prepare('DELETE FROM voiceprints WHERE user_id = ?').run(userId).changes;
    },
  };
}

/** The in-memory fake of the voiceprint store (it knows no people, so nothing cascades). */
export function createInMemoryVoiceprintStore(): VoiceprintStore {
  const voiceprints = new Map<string, Voiceprint>();
  const copy = (voiceprint: Voiceprint): Voiceprint => ({
    ...voiceprint,
    vector: Float32Array.from(voiceprint.vector),
  });
  return {
    async add(voiceprint) {
      checkVoiceprint(voiceprint);
      if (voiceprints.has(voiceprint.id))
        throw new FamiliarError('already_exists', `voiceprint ${voiceprint.id} already exists`);
      voiceprints.set(voiceprint.id, copy(voiceprint));
      return voiceprint;
    },
    async list(userId, model) {
      return [...voiceprints.values()]
        .filter((v) => v.userId === userId && (model === undefined || v.model === model))
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
        .map(copy);
    },
    async remove(userId, id) {
      const found = voiceprints.get(id);
      if (!found || found.userId !== userId) return false;
      voiceprints.delete(id);
      return true;
    },
    async removeForPerson(userId, personId) {
      let removed = 0;
      for (const [id, voiceprint] of voiceprints) {
        if (voiceprint.userId === userId && voiceprint.personId === personId) {
          voiceprints.delete(id);
          removed += 1;
        }
      }
      return removed;
    },
    async removeAll(userId) {
      let removed = 0;
      for (const [id, voiceprint] of voiceprints) {
        if (voiceprint.userId === userId) {
          voiceprints.delete(id);
          removed += 1;
        }
      }
      return removed;
    },
  };
}
