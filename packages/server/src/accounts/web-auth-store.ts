import type { SqliteDatabase } from '../storage/index.ts';
import type { User } from './types.ts';

/** A person's passphrase as stored: a scrypt hash, its salt and the cost parameters it was made with (JSON). */
export interface PassphraseRecord {
  userId: string;
  /** Hex of the derived key. */
  hash: string;
  /** Hex of the random salt. */
  salt: string;
  /** The key-derivation parameters as JSON text (validated when read by the service). */
  params: string;
  updatedAt: number;
}

/** A browser session: only the SHA-256 of the cookie's value is stored, next to its CSRF token. */
export interface WebSession {
  idHash: string;
  userId: string;
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number;
}

/** A one-time pairing code: its SHA-256, the device it pairs and that device's token sealed with the code. */
export interface PairingCode {
  codeHash: string;
  userId: string;
  deviceId: string;
  sealedToken: string;
  expiresAt: number;
  usedAt: number | null;
}

/** What redeeming a pairing code hands back: whose device, and the sealed token only the code opens. */
export interface RedeemedPairing {
  userId: string;
  deviceId: string;
  sealedToken: string;
}

/**
 * The web app's credentials: passphrases, browser sessions and pairing codes. Every secret is kept hashed (or sealed);
 * expired sessions and used or expired codes never authenticate.
 */
export interface WebAuthStore {
  /** Sets (or replaces) the user's passphrase. */
  setPassphrase(record: PassphraseRecord): Promise<void>;
  getPassphrase(userId: string): Promise<PassphraseRecord | null>;
  createSession(session: WebSession): Promise<void>;
  /** The session with this hash and its user, when it has not expired at `now`. */
  findSession(idHash: string, now: number): Promise<{ session: WebSession; user: User } | null>;
  /** Slides a session's expiry: records its last use and its new expiry. */
  touchSession(idHash: string, lastUsedAt: number, expiresAt: number): Promise<void>;
  /** Deletes one session; true when there was one. */
  deleteSession(idHash: string): Promise<boolean>;
  /** Deletes every session of a user (a new passphrase logs every browser out); returns how many. */
  deleteUserSessions(userId: string): Promise<number>;
  /** Deletes sessions that expired before `now` and codes that expired or were used before `now`; returns how many rows. */
  pruneExpired(now: number): Promise<number>;
  createPairingCode(code: PairingCode): Promise<void>;
  /**
   * Marks the code used and returns what it pairs, once: a code that is unknown, used, expired at `now`, or whose device
   * was revoked answers null. Atomic, so two concurrent redemptions of one code never both succeed; the sealed token
   * is erased from the row as it is handed out.
   */
  redeemPairingCode(codeHash: string, now: number): Promise<RedeemedPairing | null>;
}

/** A `web_sessions` row. */
export interface WebSessionRow {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
  last_used_at: number;
}

/** A `user_passphrases` row (params as JSON text; PostgreSQL's JSONB comes back parsed and is re-serialised). */
export interface PassphraseRow {
  user_id: string;
  hash: string;
  salt: string;
  params: unknown;
  updated_at: number;
}

/** A session from its row. */
export const toWebSession = (row: WebSessionRow): WebSession => ({
  idHash: row.id_hash,
  userId: row.user_id,
  csrfToken: row.csrf_token,
  createdAt: Number(row.created_at),
  expiresAt: Number(row.expires_at),
  lastUsedAt: Number(row.last_used_at),
});

/** A passphrase record from its row. */
export const toPassphrase = (row: PassphraseRow): PassphraseRecord => ({
  userId: row.user_id,
  hash: row.hash,
  salt: row.salt,
  params: typeof row.params === 'string' ? row.params : JSON.stringify(row.params),
  updatedAt: Number(row.updated_at),
});

type SessionWithUserRow = WebSessionRow & { u_name: string; u_timezone: string; u_created_at: number };

/** Splits a session row joined with its user. */
export const toSessionWithUser = (row: SessionWithUserRow): { session: WebSession; user: User } => ({
  session: toWebSession(row),
  user: { id: row.user_id, name: row.u_name, timezone: row.u_timezone, createdAt: Number(row.u_created_at) },
});

/** The web app's credentials in SQLite; a code is redeemed in one `BEGIN IMMEDIATE` transaction. */
export function createSqliteWebAuthStore(db: SqliteDatabase): WebAuthStore {
  const s = {
    passphrase: db.prepare<[string], PassphraseRow>('SELECT * FROM user_passphrases WHERE user_id = ?'),
    session: db.prepare<[string, number], SessionWithUserRow>(
      `SELECT s.*, u.name AS u_name, u.timezone AS u_timezone, u.created_at AS u_created_at
       FROM web_sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ? AND s.expires_at > ?`,
    ),
    code: db.prepare<[string, number], { user_id: string; device_id: string; sealed_token: string }>(
      `SELECT p.user_id, p.device_id, p.sealed_token FROM pairing_codes p
       JOIN devices d ON d.id = p.device_id AND d.user_id = p.user_id
       WHERE p.code_hash = ? AND p.used_at IS NULL AND p.expires_at > ? AND d.revoked_at IS NULL`,
    ),
  };
  const redeem = db.transaction((codeHash: string, now: number): RedeemedPairing | null => {
    const row = s.code.get(codeHash, now);
    if (!row) return null;
    const changed = db
      .prepare(
        "UPDATE pairing_codes SET used_at = ?, sealed_token = '' WHERE code_hash = ? AND used_at IS NULL",
      )
      .run(now, codeHash).changes;
    return changed === 1
      ? { userId: row.user_id, deviceId: row.device_id, sealedToken: row.sealed_token }
      : null;
  });
  return {
    async setPassphrase(record) {
      db.prepare(
        `INSERT INTO user_passphrases (user_id, hash, salt, params, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, salt = excluded.salt, params = excluded.params,
           updated_at = excluded.updated_at`,
      ).run(record.userId, record.hash, record.salt, record.params, record.updatedAt);
    },
    async getPassphrase(userId) {
      const row = s.passphrase.get(userId);
      return row ? toPassphrase(row) : null;
    },
    async createSession(session) {
      db.prepare(
        'INSERT INTO web_sessions (id_hash, user_id, csrf_token, created_at, expires_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(
        session.idHash,
        session.userId,
        session.csrfToken,
        session.createdAt,
        session.expiresAt,
        session.lastUsedAt,
      );
    },
    async findSession(idHash, now) {
      const row = s.session.get(idHash, now);
      return row ? toSessionWithUser(row) : null;
    },
    async touchSession(idHash, lastUsedAt, expiresAt) {
      db.prepare('UPDATE web_sessions SET last_used_at = ?, expires_at = ? WHERE id_hash = ?').run(
        lastUsedAt,
        expiresAt,
        idHash,
      );
    },
    async deleteSession(idHash) {
      return db.prepare('DELETE FROM web_sessions WHERE id_hash = ?').run(idHash).changes > 0;
    },
    async deleteUserSessions(userId) {
      return db.prepare('DELETE FROM web_sessions WHERE user_id = ?').run(userId).changes;
    },
    async pruneExpired(now) {
      return db.transaction(
        () =>
          db.prepare('DELETE FROM web_sessions WHERE expires_at <= ?').run(now).changes +
          db
            .prepare(
              'DELETE FROM pairing_codes WHERE expires_at <= ? OR (used_at IS NOT NULL AND used_at <= ?)',
            )
            .run(now, now).changes,
      )();
    },
    async createPairingCode(code) {
      db.prepare(
        'INSERT INTO pairing_codes (code_hash, user_id, device_id, sealed_token, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(code.codeHash, code.userId, code.deviceId, code.sealedToken, code.expiresAt, code.usedAt);
    },
    async redeemPairingCode(codeHash, now) {
      return redeem.immediate(codeHash, now);
    },
  };
}

/** The in-memory fake of the web-auth store; it needs the account store to join users and devices. */
export function createInMemoryWebAuthStore(accounts: {
  getUser(id: string): Promise<User | null>;
  getDevice(userId: string, id: string): Promise<{ revokedAt: number | null } | null>;
}): WebAuthStore & { readonly sessions: ReadonlyMap<string, WebSession> } {
  const passphrases = new Map<string, PassphraseRecord>();
  const sessions = new Map<string, WebSession>();
  const codes = new Map<string, PairingCode>();
  const mustExist = async (userId: string) => {
    if (!(await accounts.getUser(userId)))
      throw new Error(`FOREIGN KEY constraint failed: no user ${userId}`);
  };
  return {
    sessions,
    async setPassphrase(record) {
      await mustExist(record.userId);
      passphrases.set(record.userId, { ...record });
    },
    async getPassphrase(userId) {
      const record = passphrases.get(userId);
      return record ? { ...record } : null;
    },
    async createSession(session) {
      await mustExist(session.userId);
      if (sessions.has(session.idHash)) throw new Error('UNIQUE constraint failed: web_sessions.id_hash');
      sessions.set(session.idHash, { ...session });
    },
    async findSession(idHash, now) {
      const session = sessions.get(idHash);
      if (!session || session.expiresAt <= now) return null;
      const user = await accounts.getUser(session.userId);
      return user ? { session: { ...session }, user } : null;
    },
    async touchSession(idHash, lastUsedAt, expiresAt) {
      const session = sessions.get(idHash);
      if (session) Object.assign(session, { lastUsedAt, expiresAt });
    },
    async deleteSession(idHash) {
      return sessions.delete(idHash);
    },
    async deleteUserSessions(userId) {
      let removed = 0;
      for (const [key, session] of sessions)
        if (session.userId === userId && sessions.delete(key)) removed += 1;
      return removed;
    },
    async pruneExpired(now) {
      let removed = 0;
      for (const [key, session] of sessions)
        if (session.expiresAt <= now && sessions.delete(key)) removed += 1;
      for (const [key, code] of codes)
        if ((code.expiresAt <= now || (code.usedAt !== null && code.usedAt <= now)) && codes.delete(key))
          removed += 1;
      return removed;
    },
    async createPairingCode(code) {
      await mustExist(code.userId);
      if (codes.has(code.codeHash)) throw new Error('UNIQUE constraint failed: pairing_codes.code_hash');
      codes.set(code.codeHash, { ...code });
    },
    async redeemPairingCode(codeHash, now) {
      const found = codes.get(codeHash);
      const device = found ? await accounts.getDevice(found.userId, found.deviceId) : null;
      // Checked and claimed with no await in between, so a concurrent redemption sees the code used.
      const code = codes.get(codeHash);
      if (!code || code.usedAt !== null || code.expiresAt <= now) return null;
      if (!device || device.revokedAt !== null) return null;
      const sealedToken = code.sealedToken;
      code.usedAt = now;
      code.sealedToken = '';
      return { userId: code.userId, deviceId: code.deviceId, sealedToken };
    },
  };
}
