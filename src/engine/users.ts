// Users and their access keys. A user's id is its canonical user id (Owner/ID in S3 responses).
import { randomBytes } from 'node:crypto';
import type { EngineDeps } from './deps.js';
import type { AccessKeyRecord, AccessKeyStatus, UserRecord } from '../meta/types.js';

/** A refusal of the admin API: its HTTP status, a sentence, and a stable code scripts can test. */
export class UserError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
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

/** The keys asked for, checked, or new ones. */
function newKeyPair(input: { accessKeyId?: string; secretAccessKey?: string }): { accessKeyId: string; secretAccessKey: string } {
  const accessKeyId = input.accessKeyId ?? generateAccessKeyId();
  const secretAccessKey = input.secretAccessKey ?? generateSecretKey();
  if (!/^[A-Za-z0-9]{3,128}$/.test(accessKeyId)) throw new UserError(400, 'accessKeyId must be 3-128 letters or digits', 'InvalidAccessKey');
  if (secretAccessKey.length < 8 || secretAccessKey.length > 128) throw new UserError(400, 'secretAccessKey must be 8-128 characters', 'InvalidAccessKey');
  return { accessKeyId, secretAccessKey };
}

export async function createUser(deps: EngineDeps, input: CreateUserInput): Promise<CreatedUser> {
  if (!NAME.test(input.name)) throw new UserError(400, 'name must be 1-64 characters of letters, digits and ._@+=,-', 'InvalidUserName');
  const { accessKeyId, secretAccessKey } = newKeyPair(input);
  const now = Date.now();
  const user: UserRecord = {
    id: randomBytes(32).toString('hex'),
    name: input.name,
    email: input.email ?? null,
    isAdmin: input.admin === true,
    createdAt: now,
  };
  await deps.meta.transaction(async (tx) => {
    if (await tx.getUserByName(user.name)) throw new UserError(409, `user ${user.name} already exists`, 'UserAlreadyExists');
    if (await tx.getAccessKey(accessKeyId)) throw new UserError(409, 'access key id already in use', 'AccessKeyInUse');
    await tx.createUser(user);
    await tx.createAccessKey({ accessKeyId, secretAccessKey, userId: user.id, createdAt: now });
  });
  deps.cache.credentials.delete(accessKeyId);
  return { user, accessKeyId, secretAccessKey };
}

export async function deleteUser(deps: EngineDeps, name: string): Promise<void> {
  await deps.meta.transaction(async (tx) => {
    const user = await tx.getUserByName(name);
    if (!user) throw new UserError(404, `no user ${name}`, 'NoSuchUser');
    if ((await tx.countBuckets(user.id)) > 0) throw new UserError(409, `user ${name} still owns buckets`, 'UserOwnsBuckets');
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
  // A deactivated key signs nothing: to the client it is as unknown as a deleted one.
  const user = key && key.status !== 'Inactive' ? await deps.meta.getUser(key.userId) : undefined;
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
      // The keys in the environment are the way back in: a start re-activates them.
      if (existing.status === 'Inactive') await deps.meta.transaction((tx) => tx.setAccessKeyStatus(accessKeyId, 'Active'));
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

/** A user and their access keys, secrets left out. */
export interface UserDetails {
  user: UserRecord;
  accessKeys: Array<Omit<AccessKeyRecord, 'secretAccessKey'>>;
}

async function requireUser(deps: EngineDeps, name: string): Promise<UserRecord> {
  const user = await deps.meta.getUserByName(name);
  if (!user) throw new UserError(404, `no user ${name}`, 'NoSuchUser');
  return user;
}

function withoutSecret(k: AccessKeyRecord): Omit<AccessKeyRecord, 'secretAccessKey'> {
  return { accessKeyId: k.accessKeyId, userId: k.userId, createdAt: k.createdAt, status: k.status ?? 'Active' };
}

export async function getUserDetails(deps: EngineDeps, name: string): Promise<UserDetails> {
  const user = await requireUser(deps, name);
  return { user, accessKeys: (await deps.meta.listAccessKeys(user.id)).map(withoutSecret) };
}

/** Give a user another access key (a user may hold several, to rotate them). */
export async function addAccessKey(deps: EngineDeps, name: string, input: { accessKeyId?: string; secretAccessKey?: string }): Promise<AccessKeyRecord> {
  const { accessKeyId, secretAccessKey } = newKeyPair(input);
  const key = await deps.meta.transaction(async (tx) => {
    const user = await tx.getUserByName(name);
    if (!user) throw new UserError(404, `no user ${name}`, 'NoSuchUser');
    if (await tx.getAccessKey(accessKeyId)) throw new UserError(409, 'access key id already in use', 'AccessKeyInUse');
    const record: AccessKeyRecord = { accessKeyId, secretAccessKey, userId: user.id, createdAt: Date.now(), status: 'Active' };
    await tx.createAccessKey(record);
    return record;
  });
  deps.cache.credentials.delete(accessKeyId);
  return key;
}

/** The key of `name` with this id, inside a transaction; 404 when the user or the key is not there. */
async function requireOwnKey(tx: Pick<EngineDeps['meta'], 'getUserByName' | 'getAccessKey'>, name: string, accessKeyId: string): Promise<AccessKeyRecord> {
  const user = await tx.getUserByName(name);
  if (!user) throw new UserError(404, `no user ${name}`, 'NoSuchUser');
  const key = await tx.getAccessKey(accessKeyId);
  if (!key || key.userId !== user.id) throw new UserError(404, `user ${name} has no access key ${accessKeyId}`, 'NoSuchAccessKey');
  return key;
}

/** Activate or deactivate a key; an Inactive key answers InvalidAccessKeyId until activated again. */
export async function setAccessKeyStatus(deps: EngineDeps, name: string, accessKeyId: string, status: AccessKeyStatus): Promise<Omit<AccessKeyRecord, 'secretAccessKey'>> {
  const key = await deps.meta.transaction(async (tx) => {
    const k = await requireOwnKey(tx, name, accessKeyId);
    await tx.setAccessKeyStatus(accessKeyId, status);
    return { ...k, status };
  });
  deps.cache.credentials.delete(accessKeyId);
  return withoutSecret(key);
}

export async function deleteAccessKey(deps: EngineDeps, name: string, accessKeyId: string): Promise<void> {
  await deps.meta.transaction(async (tx) => {
    await requireOwnKey(tx, name, accessKeyId);
    await tx.deleteAccessKey(accessKeyId);
  });
  deps.cache.credentials.delete(accessKeyId);
}
