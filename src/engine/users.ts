// Users and their access keys. A user's id is its canonical user id (Owner/ID in S3 responses).
import { randomBytes } from 'node:crypto';
import type { EngineDeps } from './deps.js';
import type { AccessKeyRecord, UserRecord } from '../meta/types.js';

export class UserError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface CreateUserInput {
  name: string;
  email?: string;
  admin?: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
}

export interface CreatedUser {
  user: UserRecord;
  accessKeyId: string;
  secretAccessKey: string;
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function generateAccessKeyId(): string {
  const bytes = randomBytes(20);
  let out = 'CF';
  for (let i = 0; i < 18; i++) out += KEY_ALPHABET[bytes[i]! % 32];
  return out;
}

export function generateSecretKey(): string {
  return randomBytes(30).toString('base64').replace(/\+/g, 'A').replace(/\//g, 'B');
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@+=,-]{0,63}$/;

export async function createUser(deps: EngineDeps, input: CreateUserInput): Promise<CreatedUser> {
  if (!NAME.test(input.name)) throw new UserError(400, 'name must be 1-64 characters of letters, digits and ._@+=,-');
  const accessKeyId = input.accessKeyId ?? generateAccessKeyId();
  const secretAccessKey = input.secretAccessKey ?? generateSecretKey();
  if (!/^[A-Za-z0-9]{3,128}$/.test(accessKeyId)) throw new UserError(400, 'accessKeyId must be 3-128 letters or digits');
  if (secretAccessKey.length < 8 || secretAccessKey.length > 128) throw new UserError(400, 'secretAccessKey must be 8-128 characters');
  const now = Date.now();
  const user: UserRecord = {
    id: randomBytes(32).toString('hex'),
    name: input.name,
    email: input.email ?? null,
    isAdmin: input.admin === true,
    createdAt: now,
  };
  await deps.meta.transaction(async (tx) => {
    if (await tx.getUserByName(user.name)) throw new UserError(409, `user ${user.name} already exists`);
    if (await tx.getAccessKey(accessKeyId)) throw new UserError(409, 'access key id already in use');
    await tx.createUser(user);
    await tx.createAccessKey({ accessKeyId, secretAccessKey, userId: user.id, createdAt: now });
  });
  deps.cache.credentials.delete(accessKeyId);
  return { user, accessKeyId, secretAccessKey };
}

export async function deleteUser(deps: EngineDeps, name: string): Promise<void> {
  await deps.meta.transaction(async (tx) => {
    const user = await tx.getUserByName(name);
    if (!user) throw new UserError(404, `no user ${name}`);
    if ((await tx.countBuckets(user.id)) > 0) throw new UserError(409, `user ${name} still owns buckets`);
    await tx.deleteUser(user.id);
  });
  deps.cache.credentials.clear();
}

export async function listUsers(deps: EngineDeps): Promise<Array<UserRecord & { accessKeyIds: string[] }>> {
  const users = await deps.meta.listUsers();
  return Promise.all(users.map(async (u) => ({ ...u, accessKeyIds: (await deps.meta.listAccessKeys(u.id)).map((k) => k.accessKeyId) })));
}

export async function lookupAccessKey(deps: EngineDeps, accessKeyId: string): Promise<{ key: AccessKeyRecord; user: UserRecord } | undefined> {
  const hit = deps.cache.credentials.get(accessKeyId);
  if (hit !== undefined) return hit ?? undefined;
  const key = await deps.meta.getAccessKey(accessKeyId);
  const user = key && (await deps.meta.getUser(key.userId));
  const found = key && user ? { key, user } : undefined;
  deps.cache.credentials.set(accessKeyId, found ?? null);
  return found;
}

/**
 * Make sure the root admin exists. With keys from the environment, they are added if absent;
 * without, a first start generates keys and returns them so they can be printed once.
 */
export async function ensureRootUser(deps: EngineDeps, accessKeyId?: string, secretAccessKey?: string): Promise<CreatedUser | undefined> {
  deps.cache.credentials.clear();
  if (accessKeyId && secretAccessKey) {
    const existing = await deps.meta.getAccessKey(accessKeyId);
    if (existing) {
      if (existing.secretAccessKey !== secretAccessKey) {
        await deps.meta.transaction(async (tx) => {
          await tx.deleteAccessKey(accessKeyId);
          await tx.createAccessKey({ ...existing, secretAccessKey });
        });
      }
      return undefined;
    }
    const root = await deps.meta.getUserByName('root');
    if (root) {
      await deps.meta.transaction((tx) => tx.createAccessKey({ accessKeyId, secretAccessKey, userId: root.id, createdAt: Date.now() }));
      return undefined;
    }
    return createUser(deps, { name: 'root', admin: true, accessKeyId, secretAccessKey });
  }
  if ((await deps.meta.listUsers()).length > 0) return undefined;
  return createUser(deps, { name: 'root', admin: true });
}
