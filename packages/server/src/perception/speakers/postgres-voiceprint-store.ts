import { FamiliarError } from '../../kernel/index.ts';
import type { PostgresClient } from '../../storage/index.ts';
import {
  checkVoiceprint,
  encodeVector,
  toVoiceprint,
  type VoiceprintRow,
  type VoiceprintStore,
} from './voiceprint-store.ts';

/**
 * Voiceprints and face prints in PostgreSQL (table `voiceprints`, vectors as Float32 little-endian BYTEA, as in
 * SQLite); deleting a person from the people registry deletes their prints with them (foreign key).
 */
export function createPostgresVoiceprintStore(client: PostgresClient): VoiceprintStore {
  return {
    async add(voiceprint) {
      checkVoiceprint(voiceprint);
      const bytes = encodeVector(voiceprint.vector);
      try {
        await client.query(
          `INSERT INTO voiceprints (id, user_id, person_id, label, model, dimension, vector, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            voiceprint.id,
            voiceprint.userId,
            voiceprint.personId,
            voiceprint.label,
            voiceprint.model,
            voiceprint.dimension,
            Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
            voiceprint.createdAt,
          ],
        );
      } catch (cause) {
        const code = (cause as { code?: unknown })?.code;
        if (code === '23505')
          throw new FamiliarError('already_exists', `voiceprint ${voiceprint.id} already exists`, { cause });
        if (code === '23503')
          throw new FamiliarError('not_found', 'the user or person of this voiceprint does not exist', {
            cause,
          });
        throw cause;
      }
      return voiceprint;
    },
    async list(userId, model) {
      const { rows } =
        model === undefined
          ? await client.query<VoiceprintRow>(
              'SELECT * FROM voiceprints WHERE user_id = $1 ORDER BY created_at, id COLLATE "C"',
              [userId],
            )
          : await client.query<VoiceprintRow>(
              'SELECT * FROM voiceprints WHERE user_id = $1 AND model = $2 ORDER BY created_at, id COLLATE "C"',
              [userId, model],
            );
      return rows.map(toVoiceprint);
    },
    async remove(userId, id) {
      return (
        (await client.query('DELETE FROM voiceprints WHERE user_id = $1 AND id = $2', [userId, id]))
          .rowCount > 0
      );
    },
    async removeForPerson(userId, personId) {
      return (
        await client.query('DELETE FROM voiceprints WHERE user_id = $1 AND person_id = $2', [
          userId,
          personId,
        ])
      ).rowCount;
    },
    async removeAll(userId) {
      return (await client.query('DELETE FROM voiceprints WHERE user_id = $1', [userId])).rowCount;
    },
  };
}
