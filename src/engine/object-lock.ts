// Object Lock: a bucket's lock configuration and default retention, each version's retention and
// legal hold, and the rule every removal of a version obeys. Every check runs inside the metadata
// transaction that changes or removes the version, so a retention set concurrently is never missed.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
import { S3Error } from '../errors.js';
import type { MetaTx } from '../meta/store.js';
import type { BucketRecord, ObjectLockConfiguration, ObjectLockMode, ObjectLockState, ObjectRecord } from '../meta/types.js';
import type { EngineDeps } from './deps.js';
import { requireBucket } from './buckets.js';
import { requireBucketIn } from './bucket-config.js';
import { liveVersion, requireObject, validateVersionId } from './object-read.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Retention, legal hold and the bucket's lock all refuse with this one message. */
function lockedVersion(): S3Error {
  return new S3Error('AccessDenied', { message: 'Access Denied because object protected by object lock.' });
}

function missingLockConfiguration(): S3Error {
  // What S3 answers retention and legal-hold requests on a bucket without Object Lock.
  return new S3Error('InvalidRequest', { message: 'Bucket is missing Object Lock Configuration' });
}

/** Whether a version's retention still holds at `now`. */
export function retentionActive(lock: ObjectLockState | undefined, now: number): boolean {
  return lock?.mode !== undefined && lock.retainUntil !== undefined && lock.retainUntil > now;
}

/**
 * Refuse to remove (delete or overwrite) a locked version: a legal hold always, COMPLIANCE
 * retention always, GOVERNANCE retention unless the request may and does bypass it
 * (x-amz-bypass-governance-retention with s3:BypassGovernanceRetention).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html#object-lock-retention-modes
 */
export function checkRemovable(version: ObjectRecord, bypassGovernance: boolean, now: number): void {
  const lock = version.lock;
  if (lock === undefined || version.deleteMarker) return;
  if (lock.legalHold === true) throw lockedVersion();
  if (retentionActive(lock, now) && (lock.mode === 'COMPLIANCE' || !bypassGovernance)) throw lockedVersion();
}

/**
 * The lock a new version gets: the request's retention and legal hold, else the bucket's default
 * retention counted from the write. A request asking for a lock in a bucket without Object Lock
 * is refused. https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html
 */
export function lockForNewVersion(bucket: BucketRecord, requested: ObjectLockState | undefined, now: number): ObjectLockState | undefined {
  const asked = requested !== undefined && (requested.mode !== undefined || requested.legalHold !== undefined);
  if (!bucket.objectLockEnabled) {
    if (asked) throw missingLockConfiguration();
    return undefined;
  }
  const lock: ObjectLockState = {};
  if (requested?.mode !== undefined) {
    lock.mode = requested.mode;
    lock.retainUntil = requested.retainUntil;
  } else {
    const rule = bucket.config.objectLock?.defaultRetention;
    if (rule !== undefined) {
      lock.mode = rule.mode;
      lock.retainUntil = defaultRetainUntil(rule, now);
    }
  }
  if (requested?.legalHold !== undefined) lock.legalHold = requested.legalHold;
  return storedLock(lock);
}

/** A lock with neither retention nor legal hold is stored as none. */
function storedLock(lock: ObjectLockState): ObjectLockState | undefined {
  return lock.mode === undefined && lock.legalHold === undefined ? undefined : lock;
}

/** Whether writing to this bucket gives the new version a retention period (then S3 requires an integrity header). */
export function writeGetsRetention(bucket: BucketRecord | undefined, requested: ObjectLockState | undefined): boolean {
  return requested?.mode !== undefined || (bucket?.objectLockEnabled === true && bucket.config.objectLock?.defaultRetention !== undefined);
}

function defaultRetainUntil(rule: { days?: number; years?: number }, now: number): number {
  if (rule.years !== undefined) {
    const d = new Date(now);
    d.setUTCFullYear(d.getUTCFullYear() + rule.years);
    return d.getTime();
  }
  return now + (rule.days ?? 0) * DAY_MS;
}

export interface ObjectLockConfigurationOutput {
  enabled: true;
  configuration: ObjectLockConfiguration;
}

/**
 * PutObjectLockConfiguration. On a bucket created without Object Lock it turns lock on, which
 * S3 allows only while versioning is Enabled.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectLockConfiguration.html
 */
export async function putObjectLockConfiguration(deps: EngineDeps, bucketName: string, configuration: ObjectLockConfiguration): Promise<void> {
  await deps.meta.transaction(async (tx) => {
    const b = await requireBucketIn(tx, bucketName);
    if (!b.objectLockEnabled) {
      if (b.versioning !== 'Enabled') {
        throw new S3Error('InvalidBucketState', { message: "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration" });
      }
      await tx.enableBucketObjectLock(bucketName);
    }
    await tx.setBucketConfig(bucketName, 'objectLock', configuration);
  });
  deps.cache.buckets.delete(bucketName);
}

export async function getObjectLockConfiguration(deps: EngineDeps, bucketName: string): Promise<ObjectLockConfigurationOutput> {
  const b = await requireBucket(deps, bucketName);
  if (!b.objectLockEnabled) throw new S3Error('ObjectLockConfigurationNotFoundError', { fields: { BucketName: bucketName } });
  return { enabled: true, configuration: b.config.objectLock ?? {} };
}

export interface ObjectLockTarget {
  bucket: string;
  key: string;
  versionId?: string;
}

export interface ObjectLockOutput {
  /** The version changed or read, when the bucket shows version ids. */
  versionId: string;
  lock: ObjectLockState | undefined;
}

/** The version addressed, in a bucket with Object Lock, inside a transaction. */
async function lockedBucketVersion(tx: MetaTx, t: ObjectLockTarget): Promise<ObjectRecord> {
  const b = await requireBucketIn(tx, t.bucket);
  if (!b.objectLockEnabled) throw missingLockConfiguration();
  return liveVersion(await tx.getObject(t.bucket, t.key, t.versionId), t.key, t.versionId);
}

export interface PutObjectRetentionInput extends ObjectLockTarget {
  /** The new retention; undefined removes it (an empty Retention element). */
  retention: { mode: ObjectLockMode; retainUntil: number } | undefined;
  bypassGovernance: boolean;
}

/**
 * PutObjectRetention. A COMPLIANCE retention can only be lengthened; a GOVERNANCE one can be
 * lengthened, and shortened, removed or turned into COMPLIANCE only with the bypass.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectRetention.html
 */
export async function putObjectRetention(deps: EngineDeps, input: PutObjectRetentionInput): Promise<ObjectLockOutput> {
  validateVersionId(input.versionId);
  const now = Date.now();
  if (input.retention !== undefined && input.retention.retainUntil <= now) {
    throw new S3Error('InvalidArgument', { message: 'The retain until date must be in the future!', fields: { ArgumentName: 'RetainUntilDate' } });
  }
  return deps.meta.transaction(async (tx) => {
    const obj = await lockedBucketVersion(tx, input);
    const old = obj.lock;
    if (retentionActive(old, now)) {
      const next = input.retention;
      const keepsOrExtends = next !== undefined && next.mode === old!.mode && next.retainUntil >= old!.retainUntil!;
      if (!keepsOrExtends && (old!.mode === 'COMPLIANCE' || !input.bypassGovernance)) throw lockedVersion();
    }
    const lock: ObjectLockState = { legalHold: old?.legalHold };
    if (input.retention !== undefined) {
      lock.mode = input.retention.mode;
      lock.retainUntil = input.retention.retainUntil;
    }
    const stored = storedLock(lock);
    await tx.setObjectLock(obj.bucket, obj.key, obj.versionId, stored);
    return { versionId: obj.versionId, lock: stored };
  });
}

/** PutObjectLegalHold: ON or OFF, independent of retention. https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectLegalHold.html */
export async function putObjectLegalHold(deps: EngineDeps, input: ObjectLockTarget & { legalHold: boolean }): Promise<ObjectLockOutput> {
  validateVersionId(input.versionId);
  return deps.meta.transaction(async (tx) => {
    const obj = await lockedBucketVersion(tx, input);
    const lock: ObjectLockState = { ...obj.lock, legalHold: input.legalHold };
    await tx.setObjectLock(obj.bucket, obj.key, obj.versionId, lock);
    return { versionId: obj.versionId, lock };
  });
}

/**
 * GetObjectRetention / GetObjectLegalHold: the version's lock, or NoSuchObjectLockConfiguration
 * when it has none of the kind asked for.
 */
export async function getObjectLock(deps: EngineDeps, input: ObjectLockTarget & { part: 'retention' | 'legalHold' }): Promise<ObjectLockOutput> {
  const b = await requireBucket(deps, input.bucket);
  if (!b.objectLockEnabled) throw missingLockConfiguration();
  const obj = await requireObject(deps, input.bucket, input.key, input.versionId);
  const has = input.part === 'retention' ? obj.lock?.mode !== undefined : obj.lock?.legalHold !== undefined;
  if (!has) throw new S3Error('NoSuchObjectLockConfiguration');
  return { versionId: obj.versionId, lock: obj.lock };
}
