import { FamiliarError } from '../kernel/index.ts';
import type { PostgresClient } from '../storage/index.ts';
import { type AccountStore, type DeviceRow, toDevice, toUser, type UserRow } from './account-store.ts';
import type { Device } from './types.ts';

const DEVICE_COLUMNS = 'id, user_id, name, created_at, revoked_at, last_seen_at';

// Only a second user of the same name is `already_exists`, as on SQLite; an id collision stays a database error.
const isDuplicateName = (error: unknown) => {
  const { code, constraint } = error as { code?: string; constraint?: string };
  return code === '23505' && constraint === 'users_name_key';
};

const notFound = (id: string) => new FamiliarError('not_found', `device ${id} was not found`);

/**
 * Accounts in PostgreSQL; every read goes to the database, so tokens added or revoked elsewhere count at once. Names
 * sort by code point (`COLLATE "C"`), as SQLite sorts them, whatever the database's collation. Renaming and revoking
 * are one statement each; a second revoke keeps the first time.
 */
export function createPostgresAccountStore(client: PostgresClient): AccountStore {
  const oneDevice = async (sql: string, params: readonly unknown[], id: string): Promise<Device> => {
    const { rows } = await client.query<DeviceRow>(sql, params);
    const row = rows[0];
    if (!row) throw notFound(id);
    return toDevice(row);
  };
  return {
    async createUser(user) {
      try {
        await client.query('INSERT INTO users (id, name, timezone, created_at) VALUES ($1, $2, $3, $4)', [
          user.id,
          user.name,
          user.timezone,
          user.createdAt,
        ]);
      } catch (cause) {
        if (isDuplicateName(cause))
          throw new FamiliarError('already_exists', `user "${user.name}" already exists`, { cause });
        throw cause;
      }
      return user;
    },
    async getUser(id) {
      const { rows } = await client.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
      return rows[0] ? toUser(rows[0]) : null;
    },
    async getUserByName(name) {
      const { rows } = await client.query<UserRow>('SELECT * FROM users WHERE name = $1', [name]);
      return rows[0] ? toUser(rows[0]) : null;
    },
    async listUsers() {
      const { rows } = await client.query<UserRow>('SELECT * FROM users ORDER BY name COLLATE "C"');
      return rows.map(toUser);
    },
    async createDevice(device) {
      await client.query(
        'INSERT INTO devices (id, user_id, name, token_hash, created_at, revoked_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [
          device.id,
          device.userId,
          device.name,
          device.tokenHash,
          device.createdAt,
          device.revokedAt,
          device.lastSeenAt,
        ],
      );
      const { tokenHash: _hash, ...plain } = device;
      return plain;
    },
    async getDevice(userId, id) {
      const { rows } = await client.query<DeviceRow>(
        `SELECT ${DEVICE_COLUMNS} FROM devices WHERE user_id = $1 AND id = $2`,
        [userId, id],
      );
      return rows[0] ? toDevice(rows[0]) : null;
    },
    async listDevices(userId) {
      const { rows } = await client.query<DeviceRow>(
        `SELECT ${DEVICE_COLUMNS} FROM devices WHERE user_id = $1 ORDER BY created_at, id COLLATE "C"`,
        [userId],
      );
      return rows.map(toDevice);
    },
    async findByTokenHash(tokenHash) {
      const { rows } = await client.query<
        DeviceRow & { u_name: string; u_timezone: string; u_created_at: number }
      >(
        `SELECT d.id, d.user_id, d.name, d.created_at, d.revoked_at, d.last_seen_at,
                u.name AS u_name, u.timezone AS u_timezone, u.created_at AS u_created_at
         FROM devices d JOIN users u ON u.id = d.user_id WHERE d.token_hash = $1 AND d.revoked_at IS NULL`,
        [tokenHash],
      );
      const row = rows[0];
      if (!row) return null;
      return {
        device: toDevice(row),
        user: { id: row.user_id, name: row.u_name, timezone: row.u_timezone, createdAt: row.u_created_at },
      };
    },
    renameDevice(userId, id, name) {
      return oneDevice(
        `UPDATE devices SET name = $1 WHERE user_id = $2 AND id = $3 RETURNING ${DEVICE_COLUMNS}`,
        [name, userId, id],
        id,
      );
    },
    revokeDevice(userId, id, at) {
      return oneDevice(
        `UPDATE devices SET revoked_at = COALESCE(revoked_at, $1) WHERE user_id = $2 AND id = $3 RETURNING ${DEVICE_COLUMNS}`,
        [at, userId, id],
        id,
      );
    },
    async touchDevice(id, at) {
      await client.query('UPDATE devices SET last_seen_at = $1 WHERE id = $2', [at, id]);
    },
  };
}
