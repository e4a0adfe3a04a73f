import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  type Clock,
  FamiliarError,
  type IdGenerator,
  isValidTimeZone,
  systemTimeZone,
  UnauthorizedError,
  ValidationError,
} from '../kernel/index.ts';
import type { AccountStore } from './account-store.ts';
import type { Device, User } from './types.ts';
import type { WebSession } from './web-auth-store.ts';

/**
 * Who is calling: a user and the device whose token they presented (null for the local CLI and for a browser signed
 * in with a session cookie, whose session is then given).
 */
export interface Principal {
  user: User;
  device: Device | null;
  session?: WebSession;
}

const NameSchema = z
  .string()
  .trim()
  .min(1, 'a name is required')
  .max(64, 'a name has at most 64 characters')
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._'-]*$/u, 'use letters, digits, spaces, dots, dashes and apostrophes');

/** Hashes a device token for storage and lookup (tokens are 256-bit random, so a plain SHA-256 suffices). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The accounts service: users, devices and token authentication. */
export function createAccounts({
  store,
  clock,
  newId,
}: {
  store: AccountStore;
  clock: Clock;
  newId: IdGenerator;
}) {
  const lastTouched = new Map<string, number>();

  async function addUser(input: { name: string; timezone?: string }): Promise<User> {
    const name = NameSchema.safeParse(input.name);
    if (!name.success) throw new ValidationError(`invalid user name: ${name.error.issues[0]?.message}`);
    const timezone = input.timezone ?? systemTimeZone();
    if (!isValidTimeZone(timezone)) {
      throw new ValidationError(
        `"${timezone}" is not an IANA time zone (for example Europe/Paris or America/New_York)`,
      );
    }
    return store.createUser({ id: newId(), name: name.data, timezone, createdAt: clock.now() });
  }

  /** Finds the user by name, or the only user when no name is given. */
  async function resolveUser(name?: string): Promise<User> {
    if (name !== undefined) {
      const user = await store.getUserByName(name);
      if (!user)
        throw new FamiliarError(
          'not_found',
          `no user named "${name}": add one with \`familiar user add ${name}\``,
        );
      return user;
    }
    const users = await store.listUsers();
    if (users.length === 1) return users[0]!;
    if (users.length === 0) {
      throw new FamiliarError('not_found', 'there are no users yet: add one with `familiar user add <name>`');
    }
    throw new FamiliarError(
      'ambiguous_user',
      `there are ${users.length} users: say which with --user <name>`,
      {
        details: { users: users.map((u) => u.name) },
      },
    );
  }

  async function addDevice(input: {
    userName?: string;
    name: string;
  }): Promise<{ device: Device; token: string }> {
    const user = await resolveUser(input.userName);
    const name = NameSchema.safeParse(input.name);
    if (!name.success) throw new ValidationError(`invalid device name: ${name.error.issues[0]?.message}`);
    const token = `fam_${randomBytes(32).toString('base64url')}`;
    const device = await store.createDevice({
      id: newId(),
      userId: user.id,
      name: name.data,
      tokenHash: hashToken(token),
      createdAt: clock.now(),
      revokedAt: null,
      lastSeenAt: null,
    });
    return { device, token };
  }

  /** Looks a device by id or by its name among the user's devices. */
  async function findDevice(user: User, idOrName: string): Promise<Device> {
    const byId = await store.getDevice(user.id, idOrName.toUpperCase());
    if (byId) return byId;
    const named = (await store.listDevices(user.id)).filter(
      (d) => d.name === idOrName && d.revokedAt === null,
    );
    if (named.length === 1) return named[0]!;
    if (named.length > 1)
      throw new FamiliarError('ambiguous_user', `several devices are named "${idOrName}": use the id`);
    throw new FamiliarError('not_found', `no device "${idOrName}" for user ${user.name}`);
  }

  return {
    addUser,
    resolveUser,
    addDevice,
    listUsers: () => store.listUsers(),
    getUser: (id: string) => store.getUser(id),
    async listDevices(userName?: string) {
      return store.listDevices((await resolveUser(userName)).id);
    },
    async renameDevice(userName: string | undefined, idOrName: string, newName: string) {
      const user = await resolveUser(userName);
      const name = NameSchema.safeParse(newName);
      if (!name.success) throw new ValidationError(`invalid device name: ${name.error.issues[0]?.message}`);
      return store.renameDevice(user.id, (await findDevice(user, idOrName)).id, name.data);
    },
    async revokeDevice(userName: string | undefined, idOrName: string) {
      const user = await resolveUser(userName);
      return store.revokeDevice(user.id, (await findDevice(user, idOrName)).id, clock.now());
    },
    /** Checks a bearer token; unknown and revoked tokens get the same answer. */
    async authenticate(token: string | undefined): Promise<Principal> {
      if (!token || !token.startsWith('fam_') || token.length > 200) throw new UnauthorizedError();
      const found = await store.findByTokenHash(hashToken(token));
      if (!found) throw new UnauthorizedError('this device token is not valid (unknown or revoked)');
      const now = clock.now();
      if (now - (lastTouched.get(found.device.id) ?? 0) > 60_000) {
        lastTouched.set(found.device.id, now);
        await store.touchDevice(found.device.id, now);
      }
      return found;
    },
  };
}

/** The accounts service's type. */
export type Accounts = ReturnType<typeof createAccounts>;
