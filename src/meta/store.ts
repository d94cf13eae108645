// The metadata store: what exists. Async and transactional so that SQLite (embedded) and
// PostgreSQL (scale-out) implement the same interface. Every write that must be atomic with a
// check (conditional PUT, bucket deletion, quotas) runs inside `transaction`.
import type {
  AccessControlList,
  AccessKeyRecord,
  AccessKeyStatus,
  BucketConfig,
  BucketRecord,
  BucketUsage,
  BucketUsageRow,
  CompletedUploadRecord,
  ListRange,
  ObjectLockState,
  ObjectRecord,
  PartRecord,
  Tag,
  UploadListRange,
  UploadRecord,
  UploadUsage,
  UsageDelta,
  UserRecord,
  VersionListRange,
  VersioningState,
} from './types.js';
import { S3Error } from '../errors.js';

export interface MetaReader {
  getUser(id: string): Promise<UserRecord | undefined>;
  getUserByName(name: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
  listAccessKeys(userId: string): Promise<AccessKeyRecord[]>;

  getBucket(name: string): Promise<BucketRecord | undefined>;
  /** Buckets owned by a user, in name order, names > `after`, starting with `prefix`. */
  listBuckets(ownerId: string, range: ListRange): Promise<BucketRecord[]>;
  countBuckets(ownerId: string): Promise<number>;
  /** True when the bucket holds any object version or delete marker (open uploads do not count). */
  bucketHasObjects(bucket: string): Promise<boolean>;
  getUsage(bucket: string): Promise<BucketUsage>;
  /** The parts of a bucket's unfinished uploads, counted as they are stored and released as they go. */
  getUploadUsage(bucket: string): Promise<UploadUsage>;
  /** Every bucket's usage and quota, in bucket name order, names > `after`. */
  listUsage(range: { after?: string; limit: number }): Promise<BucketUsageRow[]>;

  /** The latest version of a key (possibly a delete marker), or a given version. */
  getObject(bucket: string, key: string, versionId?: string): Promise<ObjectRecord | undefined>;
  /** Latest, non-delete-marker objects in key (UTF-8 byte) order within `range`, without inlineData and parts. */
  listObjects(bucket: string, range: ListRange): Promise<ObjectRecord[]>;
  /**
   * Every version and delete marker within `range`, in key (UTF-8 byte) order and each key's
   * versions newest first, without inlineData and parts. A version stopped being current when the
   * next newer one listed before it was written: that one's lastModified (what lifecycle's
   * NoncurrentDays counts from). Each page is a range of an index, however many versions a key has.
   */
  listObjectVersions(bucket: string, range: VersionListRange): Promise<ObjectRecord[]>;

  getUpload(uploadId: string): Promise<UploadRecord | undefined>;
  /** Uploads of a bucket in (key, initiated, upload id) order. */
  listUploads(bucket: string, range: UploadListRange): Promise<UploadRecord[]>;
  /** Uploads initiated before `cutoff`, oldest first, across buckets. */
  listUploadsInitiatedBefore(cutoff: number, limit: number): Promise<UploadRecord[]>;
  /** Parts with a number greater than `afterPartNumber`, ascending. */
  listParts(uploadId: string, afterPartNumber: number, limit: number): Promise<PartRecord[]>;

  getCompletedUpload(uploadId: string): Promise<CompletedUploadRecord | undefined>;

  /** Which of these blob ids are registered (referenced by committed metadata). */
  registeredBlobs(ids: string[]): Promise<Set<string>>;
}

export interface MetaTx extends MetaReader {
  createUser(user: UserRecord): Promise<void>;
  deleteUser(id: string): Promise<void>;
  createAccessKey(key: AccessKeyRecord): Promise<void>;
  deleteAccessKey(accessKeyId: string): Promise<void>;
  /** Activate or deactivate a key; false when there is no such key. */
  setAccessKeyStatus(accessKeyId: string, status: AccessKeyStatus): Promise<boolean>;

  createBucket(bucket: BucketRecord): Promise<void>;
  /**
   * Remove a bucket together with its open multipart uploads and their part rows; returns those
   * parts, whose blobs the caller unregisters in the same transaction and deletes after it.
   */
  deleteBucket(name: string): Promise<PartRecord[]>;
  setBucketVersioning(name: string, state: VersioningState): Promise<void>;
  /** Turn Object Lock on for a bucket (`objectLockEnabled`); it can never be turned off. */
  enableBucketObjectLock(name: string): Promise<void>;
  /** Replace a bucket's tag set; an empty list removes it. */
  setBucketTags(name: string, tags: Tag[]): Promise<void>;
  /** Replace one configuration document of a bucket; `undefined` removes it. */
  setBucketConfig<K extends keyof BucketConfig>(name: string, key: K, value: BucketConfig[K] | undefined): Promise<void>;

  /**
   * Insert a version and make it the latest. With `replaceVersionId` (the 'null' version of an
   * unversioned or suspended bucket), that version is removed first and returned.
   * `onlyVersion`: the caller knows the key can have no version but `replaceVersionId` (its bucket
   * never had versioning), so no other version has to stop being the latest. A wrong hint fails
   * on the one-latest-version constraint rather than leaving two.
   */
  insertObjectVersion(record: ObjectRecord, replaceVersionId?: string, options?: { onlyVersion?: boolean }): Promise<ObjectRecord | undefined>;
  /** Replace the tag set of one version (an empty list removes it); false when there is no such version. */
  setObjectTags(bucket: string, key: string, versionId: string, tags: Tag[]): Promise<boolean>;
  /** Replace the ACL of one version (`undefined`: back to its owner's FULL_CONTROL alone); false when there is no such version. */
  setObjectAcl(bucket: string, key: string, versionId: string, acl: AccessControlList | undefined): Promise<boolean>;
  /**
   * Replace the Object Lock state (retention, legal hold) of one version; `undefined` removes it.
   * False when there is no such version. The version's other fields are untouched.
   */
  setObjectLock(bucket: string, key: string, versionId: string, lock: ObjectLockState | undefined): Promise<boolean>;
  /**
   * Remove one version; if it was the latest, the next newest becomes latest. Returns the removed
   * record (its blobs for the caller to unregister, its size for usage), undefined if there was none.
   * The caller checks Object Lock first (engine/object-lock.ts checkRemovable).
   */
  deleteObjectVersion(bucket: string, key: string, versionId: string): Promise<ObjectRecord | undefined>;
  /**
   * Change a bucket's usage counters. A change that grows what a limit of the bucket's quota
   * (BucketConfig.quota) counts past that limit changes nothing and throws QuotaExceededError:
   * the check and the change are one step of the transaction, so racing writes never overshoot.
   * Bytes count versions and upload parts together; objects count versions. A change that does
   * not grow a limit's count always applies, even over a quota lowered below the usage.
   */
  addUsage(bucket: string, delta: UsageDelta): Promise<void>;

  createUpload(upload: UploadRecord): Promise<void>;
  /** Remove an upload and its part rows; returns the parts it had. */
  deleteUpload(uploadId: string): Promise<PartRecord[]>;
  /** Insert or replace a part; returns the part it replaced. */
  putPart(part: PartRecord): Promise<PartRecord | undefined>;

  recordCompletedUpload(record: CompletedUploadRecord): Promise<void>;
  /** Forget completions older than `cutoff`; returns how many. */
  forgetCompletedUploadsBefore(cutoff: number): Promise<number>;

  /** Blobs committed metadata now references. Fails (the transaction with it) if one is doomed. */
  registerBlobs(ids: string[]): Promise<void>;
  unregisterBlobs(ids: string[]): Promise<void>;
  /**
   * Garbage collection: of these blob ids, mark those that are not registered as doomed, so they
   * can never be registered, and return them; their files may then be deleted.
   */
  doomBlobs(ids: string[]): Promise<string[]>;
}

export interface MetadataStore extends MetaReader {
  /** Run `fn` atomically. `fn` must await only tx methods: no other I/O inside a transaction. */
  transaction<T>(fn: (tx: MetaTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A commit named a blob that garbage collection had already doomed; its transaction fails. */
export class BlobDoomedError extends Error {
  constructor(readonly blobId: string) {
    super(`blob ${blobId} was collected as garbage before its metadata was committed`);
  }
}

/**
 * A write would take its bucket past its quota. It is the S3 error itself (VaultQuotaExceeded, 507),
 * so every path that grows a bucket answers it without a translation of its own.
 */
export class QuotaExceededError extends S3Error {
  constructor(
    readonly bucket: string,
    readonly limit: 'bytes' | 'objects',
  ) {
    super('VaultQuotaExceeded', { fields: { BucketName: bucket } });
  }
}
