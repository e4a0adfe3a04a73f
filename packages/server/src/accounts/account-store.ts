import { FamiliarError } from '../kernel/index.ts';
import type { SqliteDatabase } from '../storage/index.ts';
import type { Device, User } from './types.ts';

/** Users and their devices; device tokens are kept only as SHA-256 hashes. */
export interface AccountStore {
  createUser(user: User): Promise<User>;
  getUser(id: string): Promise<User | null>;
  getUserByName(name: string): Promise<User | null>;
  listUsers(): Promise<User[]>;
  createDevice(device: Device & { tokenHash: string }): Promise<Device>;
  getDevice(userId: string, id: string): Promise<Device | null>;
  listDevices(userId: string): Promise<Device[]>;
  /** The live (not revoked) device holding this token hash, with its user. */
  findByTokenHash(tokenHash: string): Promise<{ device: Device; user: User } | null>;
  renameDevice(userId: string, id: string, name: string): Promise<Device>;
  revokeDevice(userId: string, id: string, at: number): Promise<Device>;
  touchDevice(id: string, at: number): Promise<void>;
}

/** A `users` row, as both SQL adapters read it. */
export interface UserRow {
  id: string;
  name: string;
  timezone: string;
  created_at: number;
}

/** A `devices` row (without its token hash), as both SQL adapters read it. */
export interface DeviceRow {
  id: string;
  user_id: string;
  name: string;
  created_at: number;
  revoked_at: number | null;
  last_seen_at: number | null;
}

/** A user from its row. */
export const toUser = (row: UserRow): User => ({
  id: row.id,
  name: row.name,
  timezone: row.timezone,
  createdAt: row.created_at,
});
/** A device from its row. */
export const toDevice = (row: DeviceRow): Device => ({
  id: row.id,
  userId: row.user_id,
  name: row.name,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
  lastSeenAt: row.last_seen_at,
});

const isUniqueViolation = (error: unknown) =>
  (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';

/** Accounts in SQLite; every read goes to the database, so tokens added or revoked elsewhere count at once. */
export function createSqliteAccountStore(db: SqliteDatabase): AccountStore {
  const s = {
    userById: db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?'),
    userByName: db.prepare<[string], UserRow>('SELECT * FROM users WHERE name = ?'),
    users: db.prepare<[], UserRow>('SELECT * FROM users ORDER BY name'),
    device: db.prepare<[string, string], DeviceRow>('SELECT * FROM devices WHERE user_id = ? AND id = ?'),
    devices: db.prepare<[string], DeviceRow>(
      'SELECT * FROM devices WHERE user_id = ? ORDER BY created_at, id',
    ),
    byToken: db.prepare<[string], DeviceRow & { u_name: string; u_timezone: string; u_created_at: number }>(
      `SELECT d.*, u.name AS u_name, u.timezone AS u_timezone, u.created_at AS u_created_at
       FROM devices d JOIN users u ON u.id = d.user_id WHERE d.token_hash = ? AND d.revoked_at IS NULL`,
    ),
  };
  const mustGetDevice = (userId: string, id: string): DeviceRow => {
    const row = s.device.get(userId, id);
    if (!row) throw new FamiliarError('not_found', `device ${id} was not found`);
    return row;
  };
  return {
    async createUser(user) {
      try {
        db.prepare('INSERT INTO users (id, name, timezone, created_at) VALUES (?, ?, ?, ?)').run(
          user.id,
          user.name,
          user.timezone,
          user.createdAt,
        );
      } catch (cause) {
        if (isUniqueViolation(cause))
          throw new FamiliarError('already_exists', `user "${user.name}" already exists`, { cause });
        throw cause;
      }
      return user;
    },
    async getUser(id) {
      const row = s.userById.get(id);
      return row ? toUser(row) : null;
    },
    async getUserByName(name) {
      const row = s.userByName.get(name);
      return row ? toUser(row) : null;
    },
    async listUsers() {
      return s.users.all().map(toUser);
    },
    async createDevice(device) {
      db.prepare(
        'INSERT INTO devices (id, user_id, name, token_hash, created_at, revoked_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(
        device.id,
        device.userId,
        device.name,
        device.tokenHash,
        device.createdAt,
        device.revokedAt,
        device.lastSeenAt,
      );
      const { tokenHash: _hash, ...plain } = device;
      return plain;
    },
    async getDevice(userId, id) {
      const row = s.device.get(userId, id);
      return row ? toDevice(row) : null;
    },
    async listDevices(userId) {
      return s.devices.all(userId).map(toDevice);
    },
    async findByTokenHash(tokenHash) {
      const row = s.byToken.get(tokenHash);
      if (!row) return null;
      return {
        device: toDevice(row),
        user: { id: row.user_id, name: row.u_name, timezone: row.u_timezone, createdAt: row.u_created_at },
      };
    },
    async renameDevice(userId, id, name) {
      mustGetDevice(userId, id);
      db.prepare('UPDATE devices SET name = ? WHERE user_id = ? AND id = ?').run(name, userId, id);
      return toDevice(mustGetDevice(userId, id));
    },
    async revokeDevice(userId, id, at) {
      const row = mustGetDevice(userId, id);
      if (row.revoked_at === null) {
        db.prepare('UPDATE devices SET revoked_at = ? WHERE user_id = ? AND id = ?').run(at, userId, id);
      }
      return toDevice(mustGetDevice(userId, id));
    },
    async touchDevice(id, at) {
      db.prepare('UPDATE devices SET last_seen_at = ? WHERE id = ?').run(at, id);
    },
  };
}

/** The in-memory fake of the account store. */
export function createInMemoryAccountStore(): AccountStore {
  const users = new Map<string, User>();
  const devices = new Map<string, Device & { tokenHash: string }>();
  const plain = ({ tokenHash: _hash, ...device }: Device & { tokenHash: string }): Device => ({ ...device });
  const mustGet = (userId: string, id: string) => {
    const device = devices.get(id);
    if (!device || device.userId !== userId)
      throw new FamiliarError('not_found', `device ${id} was not found`);
    return device;
  };
  return {
    async createUser(user) {
      if ([...users.values()].some((u) => u.name === user.name)) {
        throw new FamiliarError('already_exists', `user "${user.name}" already exists`);
      }
      users.set(user.id, { ...user });
      return user;
    },
    async getUser(id) {
      return users.get(id) ?? null;
    },
    async getUserByName(name) {
      return [...users.values()].find((u) => u.name === name) ?? null;
    },
    async listUsers() {
      return [...users.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    },
    async createDevice(device) {
      devices.set(device.id, { ...device });
      return plain(device);
    },
    async getDevice(userId, id) {
      const device = devices.get(id);
      return device && device.userId === userId ? plain(device) : null;
    },
    async listDevices(userId) {
      return [...devices.values()].filter((d) => d.userId === userId).map(plain);
    },
    async findByTokenHash(tokenHash) {
      const device = [...devices.values()].find((d) => d.tokenHash === tokenHash && d.revokedAt === null);
      const user = device ? users.get(device.userId) : undefined;
      return device && user ? { device: plain(device), user } : null;
    },
    async renameDevice(userId, id, name) {
      const device = mustGet(userId, id);
      device.name = name;
      return plain(device);
    },
    async revokeDevice(userId, id, at) {
      const device = mustGet(userId, id);
      device.revokedAt ??= at;
      return plain(device);
    },
    async touchDevice(id, at) {
      const device = devices.get(id);
      if (device) device.lastSeenAt = at;
    },
  };
}
