import type { PostgresClient } from '../storage/index.ts';
import {
  type PassphraseRow,
  toPassphrase,
  toSessionWithUser,
  type WebAuthStore,
  type WebSessionRow,
} from './web-auth-store.ts';

/**
 * The web app's credentials in PostgreSQL. A pairing code is redeemed by one conditional `UPDATE … RETURNING` in a
 * transaction that locks the row first, so two servers redeeming one code at once hand it out once.
 */
export function createPostgresWebAuthStore(client: PostgresClient): WebAuthStore {
  return {
    async setPassphrase(record) {
      await client.query(
        `INSERT INTO user_passphrases (user_id, hash, salt, params, updated_at) VALUES ($1, $2, $3, $4::jsonb, $5)
         ON CONFLICT (user_id) DO UPDATE SET hash = EXCLUDED.hash, salt = EXCLUDED.salt, params = EXCLUDED.params,
           updated_at = EXCLUDED.updated_at`,
        [record.userId, record.hash, record.salt, record.params, record.updatedAt],
      );
    },
    async getPassphrase(userId) {
      const { rows } = await client.query<PassphraseRow>(
        'SELECT user_id, hash, salt, params, updated_at FROM user_passphrases WHERE user_id = $1',
        [userId],
      );
      return rows[0] ? toPassphrase(rows[0]) : null;
    },
    async createSession(session) {
      await client.query(
        'INSERT INTO web_sessions (id_hash, user_id, csrf_token, created_at, expires_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [
          session.idHash,
          session.userId,
          session.csrfToken,
          session.createdAt,
          session.expiresAt,
          session.lastUsedAt,
        ],
      );
    },
    async findSession(idHash, now) {
      const { rows } = await client.query<
        WebSessionRow & { u_name: string; u_timezone: string; u_created_at: number }
      >(
        `SELECT s.id_hash, s.user_id, s.csrf_token, s.created_at, s.expires_at, s.last_used_at,
                u.name AS u_name, u.timezone AS u_timezone, u.created_at AS u_created_at
         FROM web_sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1 AND s.expires_at > $2`,
        [idHash, now],
      );
      return rows[0] ? toSessionWithUser(rows[0]) : null;
    },
    async touchSession(idHash, lastUsedAt, expiresAt) {
      await client.query('UPDATE web_sessions SET last_used_at = $1, expires_at = $2 WHERE id_hash = $3', [
        lastUsedAt,
        expiresAt,
        idHash,
      ]);
    },
    async deleteSession(idHash) {
      const { rows } = await client.query<{ id_hash: string }>(
        'DELETE FROM web_sessions WHERE id_hash = $1 RETURNING id_hash',
        [idHash],
      );
      return rows.length > 0;
    },
    async deleteUserSessions(userId) {
      const { rows } = await client.query<{ id_hash: string }>(
        'DELETE FROM web_sessions WHERE user_id = $1 RETURNING id_hash',
        [userId],
      );
      return rows.length;
    },
    async pruneExpired(now) {
      return client.transaction(async (tx) => {
        const sessions = await tx.query<{ id_hash: string }>(
          'DELETE FROM web_sessions WHERE expires_at <= $1 RETURNING id_hash',
          [now],
        );
        const codes = await tx.query<{ code_hash: string }>(
          'DELETE FROM pairing_codes WHERE expires_at <= $1 OR (used_at IS NOT NULL AND used_at <= $1) RETURNING code_hash',
          [now],
        );
        return sessions.rows.length + codes.rows.length;
      });
    },
    async createPairingCode(code) {
      await client.query(
        'INSERT INTO pairing_codes (code_hash, user_id, device_id, sealed_token, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [code.codeHash, code.userId, code.deviceId, code.sealedToken, code.expiresAt, code.usedAt],
      );
    },
    async redeemPairingCode(codeHash, now) {
      return client.transaction(async (tx) => {
        const { rows } = await tx.query<{ user_id: string; device_id: string; sealed_token: string }>(
          `SELECT p.user_id, p.device_id, p.sealed_token FROM pairing_codes p
           JOIN devices d ON d.id = p.device_id AND d.user_id = p.user_id
           WHERE p.code_hash = $1 AND p.used_at IS NULL AND p.expires_at > $2 AND d.revoked_at IS NULL
           FOR UPDATE OF p`,
          [codeHash, now],
        );
        const row = rows[0];
        if (!row) return null;
        const claimed = await tx.query<{ code_hash: string }>(
          `UPDATE pairing_codes SET used_at = $1, sealed_token = '' WHERE code_hash = $2 AND used_at IS NULL
           RETURNING code_hash`,
          [now, codeHash],
        );
        return claimed.rows.length === 1
          ? { userId: row.user_id, deviceId: row.device_id, sealedToken: row.sealed_token }
          : null;
      });
    },
  };
}
