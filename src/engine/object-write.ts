// PutObject and CopyObject: bytes first (durable, unreferenced), then one metadata transaction
// that checks the bucket and the write conditions, replaces or stacks versions and registers the
// blob. Replaced blobs are removed only after the commit.
import { randomBytes } from 'node:crypto';
import { S3Error } from '../errors.js';
import type { ChecksumAlgorithm } from '../checksums/index.js';
import type { MetaTx } from '../meta/store.js';
import type { BucketRecord, ObjectEncryption, ObjectLockState, ObjectRecord, Tag, UsageDelta } from '../meta/types.js';
import { checkCopySourceConditions, checkWriteConditions } from './conditions.js';
import type { ReadConditions, WriteConditions } from './conditions.js';
import { blobRefsOf, blobsOf, deleteBlobs, idsOf, settleBlobs } from './deps.js';
import type { BlobRef, EngineDeps } from './deps.js';
import { cachedBucket } from './deps.js';
import type { BodyInput } from './ingest.js';
import { copyObjectData, writeObjectData } from './object-data.js';
import type { WrittenData } from './object-data.js';
import { requireCopySource } from './object-read.js';
import { archiveStateOf, requireReadable, writeOptionsFor } from './archive.js';
import { expirationOf } from './lifecycle.js';
import { asksForEncryption, etagOf, newEncryption, openDataKey } from './encryption.js';
import type { NewEncryption, SseCustomerKey, SseRequest } from './encryption.js';
import { newObjectRecord } from '../meta/records.js';
import type { AccessControlList } from '../meta/types.js';
import { newObjectOwner, resolveAcl } from './access.js';
import type { AclInput } from './access.js';
import { bucketForWrite, refuseIfOverQuota } from './quota.js';
import { checkRemovable, lockForNewVersion, writeGetsRetention } from './object-lock.js';

export const MAX_KEY_BYTES = 1024;

export function newVersionId(): string {
  // Time-ordered prefix so version ids of one key sort roughly by age, then randomness.
  return Date.now().toString(36).padStart(9, '0') + randomBytes(12).toString('base64url');
}

export function validateKey(key: string): void {
  if (key.length === 0) throw new S3Error('InvalidArgument', { message: 'Object key must not be empty.' });
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw new S3Error('KeyTooLong', { fields: { Size: Buffer.byteLength(key), MaxSizeAllowed: MAX_KEY_BYTES } });
}

export interface ObjectAttributes {
  contentHeaders: Record<string, string>;
  userMetadata: Record<string, string>;
  storageClass: string;
}

export interface PutObjectInput extends ObjectAttributes {
  bucket: string;
  key: string;
  /** The writer; undefined for an anonymous request. Who owns the object follows the bucket's Object Ownership. */
  ownerId: string | undefined;
  /** x-amz-acl or x-amz-grant-* (or a browser POST's `acl` field): the new version's ACL. */
  acl?: AclInput;
  body: BodyInput;
  conditions: WriteConditions;
  /** x-amz-tagging: the new version's tag set. */
  tags?: Tag[];
  /** The encryption the request asks for (headers, or a POST form's fields); else the bucket's default. */
  sse?: SseRequest;
  /** x-amz-object-lock-*: the retention and legal hold asked for (the bucket's default retention applies otherwise). */
  lock?: ObjectLockState;
}

export interface PutObjectOutput {
  etag: string;
  versionId: string | undefined;
  size: number;
  checksumAlgorithm: string | undefined;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
  lastModified: number;
  /** The lifecycle expiration of the new version (x-amz-expiration), when a rule sets one. */
  expiration?: { at: number; ruleId: string };
  /** The new version's encryption, for the response headers. */
  encryption: ObjectEncryption | undefined;
}

/**
 * Make `record` the latest version of its key, inside a transaction. Returns the replaced blobs.
 * The usage change (checked against the bucket's quota) includes `released`: the upload parts a
 * completion turns into this version, whose bytes were counted when they were stored.
 */
export async function commitVersion(
  tx: MetaTx,
  bucket: BucketRecord,
  record: ObjectRecord,
  conditions: WriteConditions,
  released?: Pick<UsageDelta, 'uploadParts' | 'uploadBytes'>,
): Promise<BlobRef[]> {
  if (conditions.ifNoneMatchStar || conditions.ifMatch !== undefined) {
    const current = await tx.getObject(record.bucket, record.key);
    try {
      checkWriteConditions(current && !current.deleteMarker ? current : undefined, conditions);
    } catch (err) {
      // Held when the request began, not now: a concurrent write or delete of the key came first.
      if (conditions.heldAtStart && err instanceof S3Error) throw new S3Error('OperationAborted');
      throw err;
    }
  }
  // The lock is decided here, against the bucket as this transaction sees it.
  record.lock = lockForNewVersion(bucket, record.lock, record.lastModified);
  // Without versioning (or suspended), the 'null' version is overwritten in place.
  const replacing = bucket.versioning !== 'Enabled';
  if (replacing && bucket.objectLockEnabled) {
    // A locked version is never overwritten (a lock bucket keeps versioning Enabled, but its
    // 'null' version from before may carry a lock of its own).
    const current = await tx.getObject(record.bucket, record.key, 'null');
    if (current) checkRemovable(current, false, record.lastModified);
  }
  record.versionId = replacing ? 'null' : newVersionId();
  // A bucket that never had versioning holds only 'null' versions: nothing else to demote.
  const replaced = await tx.insertObjectVersion(record, replacing ? 'null' : undefined, { onlyVersion: bucket.versioning === null });
  if (record.ownerId !== bucket.ownerId && bucket.config.foreignObjects !== true) await tx.setBucketConfig(bucket.name, 'foreignObjects', true);
  const removed = replaced ? [replaced] : [];
  const added = blobsOf([record]);
  if (added.length > 0) await tx.registerBlobs(added);
  const gone = blobRefsOf(removed);
  if (gone.length > 0) await tx.unregisterBlobs(idsOf(gone));
  const removedLive = removed.filter((r) => !r.deleteMarker);
  await tx.addUsage(record.bucket, {
    objectCount: (record.deleteMarker ? 0 : 1) - removedLive.length,
    bytes: record.size - removedLive.reduce((n, r) => n + r.size, 0),
    ...released,
  });
  return gone;
}

/**
 * Conditional writes are checked when the request begins, a 412 before any byte is read, and
 * again in the transaction that commits. Conditions that held at the start but no longer do at
 * the commit lost a race with a concurrent write or delete of the key while the body streamed:
 * 409 OperationAborted, "Try again" (S3 answers such a race with a 409 Conflict; the seed's code
 * for a conflicting conditional operation is OperationAborted). A retry then gets the 412.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 */
async function checkConditionsAtStart(deps: EngineDeps, bucket: string, key: string, conditions: WriteConditions): Promise<WriteConditions> {
  if (!conditions.ifNoneMatchStar && conditions.ifMatch === undefined) return conditions;
  const current = await deps.meta.getObject(bucket, key);
  checkWriteConditions(current && !current.deleteMarker ? current : undefined, conditions);
  return { ...conditions, heldAtStart: true };
}

async function storeVersion(deps: EngineDeps, bucketName: string, record: ObjectRecord, conditions: WriteConditions): Promise<void> {
  let gone: BlobRef[] = [];
  const written = blobRefsOf([record]);
  try {
    await deps.meta.transaction(async (tx) => {
      const bucket = await tx.getBucket(bucketName);
      if (!bucket) throw new S3Error('NoSuchBucket', { fields: { BucketName: bucketName } });
      gone = await commitVersion(tx, bucket, record, conditions);
    });
  } catch (err) {
    await deleteBlobs(deps, written);
    throw err;
  } finally {
    // Settled on the volume that wrote them: an archive class's blob is pending on the archive volume.
    settleBlobs(deps, written);
  }
  // The bucket may have just been marked as holding another user's object.
  if (record.ownerId !== (await cachedBucket(deps, bucketName))?.ownerId) deps.cache.buckets.delete(bucketName);
  await deleteBlobs(deps, gone);
}

/** The owner and stored ACL of a new version, by the bucket's Object Ownership and the ACL asked for. */
export async function ownerAndAcl(
  deps: EngineDeps,
  bucket: BucketRecord,
  writerId: string | undefined,
  acl: AclInput | undefined,
): Promise<{ ownerId: string; acl: AccessControlList | undefined }> {
  const ownerId = newObjectOwner(bucket, writerId, acl);
  // Under BucketOwnerEnforced the only ACL allowed is the owner's own: nothing to store.
  const stored = bucket.config.ownership === 'BucketOwnerEnforced' ? undefined : await resolveAcl(deps.meta, acl, ownerId, bucket.ownerId);
  return { ownerId, acl: stored };
}

/**
 * The x-amz-version-id a write answers: the new version's id while versioning is Enabled. The
 * 'null' version of an unversioned or suspended bucket is not named (as s3-tests'
 * test_versioning_bucket_atomic_upload_return_version_id records of S3).
 */
export function writtenVersionId(record: ObjectRecord): string | undefined {
  return record.versionId === 'null' ? undefined : record.versionId;
}

function recordFrom(
  input: { bucket: string; key: string; ownerId: string; tags?: Tag[]; acl?: AccessControlList; lock?: ObjectLockState } & ObjectAttributes,
  body: WrittenData,
  algorithm: string | undefined,
  sse: NewEncryption | undefined,
): ObjectRecord {
  return newObjectRecord({
    bucket: input.bucket,
    key: input.key,
    ownerId: input.ownerId,
    size: body.size,
    etag: etagOf(sse?.encryption, { dataKey: sse?.dataKey }, body.md5Hex),
    encryption: sse?.encryption,
    storageClass: input.storageClass,
    contentHeaders: input.contentHeaders,
    userMetadata: input.userMetadata,
    checksums: { algorithm, type: algorithm ? 'FULL_OBJECT' : undefined, values: body.checksums },
    bytes: body.bytes,
    tags: input.tags,
    acl: input.acl,
    lock: input.lock,
  });
}

async function expirationAfterWrite(deps: EngineDeps, record: ObjectRecord): Promise<{ at: number; ruleId: string } | undefined> {
  const bucket = await cachedBucket(deps, record.bucket);
  return bucket?.config.lifecycle ? expirationOf(bucket, record, deps.tiering.dayMs) : undefined;
}

/** Bytes a new version of `key` frees: the 'null' version it replaces, unless versioning keeps it. */
async function replacedSize(deps: EngineDeps, bucket: BucketRecord, key: string): Promise<number> {
  if (bucket.versioning === 'Enabled') return 0;
  const current = await deps.meta.getObject(bucket.name, key, 'null');
  return current && !current.deleteMarker ? current.size : 0;
}

export async function putObject(deps: EngineDeps, input: PutObjectInput): Promise<PutObjectOutput> {
  validateKey(input.key);
  if (input.body.size > deps.limits.maxObjectSizeBytes)
    throw new S3Error('EntityTooLarge', { fields: { ProposedSize: input.body.size, MaxSizeAllowed: deps.limits.maxObjectSizeBytes } });
  // Fail before reading the body when the bucket is missing or the body cannot fit under its
  // quota (a body of unknown length, a POST's, for the least it may be); the transaction checks both again.
  const bucket = await bucketForWrite(deps, input.bucket);
  checkLockRequest(bucket, input.lock);
  const conditions = await checkConditionsAtStart(deps, input.bucket, input.key, input.conditions);
  // "The Content-MD5 or x-amz-sdk-checksum-algorithm header is required for any request to upload
  // an object with a retention period configured using Amazon S3 Object Lock."
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
  if (writeGetsRetention(bucket, input.lock) && input.body.contentMd5 === undefined && input.body.checksumAlgorithm === undefined) {
    throw new S3Error('InvalidRequest', { message: 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters' });
  }
  await refuseIfOverQuota(deps, bucket, input.body.lengthRange ? input.body.lengthRange.min : input.body.size, () => replacedSize(deps, bucket, input.key));
  const owned = await ownerAndAcl(deps, bucket, input.ownerId, input.acl);
  const sse = await newEncryption(deps.keys, bucket, input.sse);
  // Archive classes go to the archive volume, compressed inside the encryption (archive.ts).
  const options = writeOptionsFor(deps, input.storageClass, { dataKey: sse?.dataKey }, sse?.encryption);
  const body = await writeObjectData(deps, input.body, options);
  const record = recordFrom({ ...input, ...owned }, body, input.body.checksumAlgorithm, sse);
  record.archive = archiveStateOf(options);
  await storeVersion(deps, input.bucket, record, conditions);
  return {
    etag: record.etag,
    versionId: writtenVersionId(record),
    size: record.size,
    checksumAlgorithm: input.body.checksumAlgorithm,
    checksums: body.checksums,
    lastModified: record.lastModified,
    expiration: await expirationAfterWrite(deps, record),
    encryption: record.encryption,
  };
}

/** A lock asked of a bucket without Object Lock is refused before any byte is read (the transaction decides again). */
export function checkLockRequest(bucket: BucketRecord, lock: ObjectLockState | undefined): void {
  lockForNewVersion(bucket, lock, Date.now());
}

export interface CopyObjectInput {
  bucket: string;
  key: string;
  /** The writer; undefined for an anonymous request. */
  ownerId: string | undefined;
  /** The copy's ACL (never the source's): x-amz-acl or x-amz-grant-*. */
  acl?: AclInput;
  source: { bucket: string; key: string; versionId?: string };
  sourceConditions: ReadConditions;
  conditions: WriteConditions;
  /** REPLACE: use `attributes`; COPY: keep the source's metadata and content headers. */
  metadataDirective: 'COPY' | 'REPLACE';
  attributes: ObjectAttributes;
  /** REPLACE: the copy gets `tags` (none when absent); COPY: the source's tags. */
  taggingDirective: 'COPY' | 'REPLACE';
  tags?: Tag[];
  /** Storage class sent explicitly with the request (a change that allows copying onto itself). */
  storageClassChanged: boolean;
  checksumAlgorithm?: ChecksumAlgorithm;
  /** x-amz-object-lock-* of the copy: a copy never takes the source's lock. */
  lock?: ObjectLockState;
  signal?: AbortSignal;
  /** The copy's encryption, as for PutObject: a copy does not take the source's. */
  sse?: SseRequest;
  /** x-amz-copy-source-server-side-encryption-customer-*: the key of an SSE-C source. */
  sourceCustomer?: SseCustomerKey;
}

export interface CopyObjectOutput extends PutObjectOutput {
  sourceVersionId: string | undefined;
}

export async function copyObject(deps: EngineDeps, input: CopyObjectInput): Promise<CopyObjectOutput> {
  validateKey(input.key);
  const sourceBucket = await cachedBucket(deps, input.source.bucket);
  if (!sourceBucket) throw new S3Error('NoSuchBucket', { fields: { BucketName: input.source.bucket } });
  const bucket = await bucketForWrite(deps, input.bucket);
  checkLockRequest(bucket, input.lock);
  const owned = await ownerAndAcl(deps, bucket, input.ownerId, input.acl);
  const source = await requireCopySource(deps, input.source);
  const sourceLayers = await openDataKey(deps.keys, source.encryption, input.sourceCustomer, 'copy-source');
  checkCopySourceConditions(source, input.sourceConditions);
  // An archived source is copied from its restored copy, or not at all.
  requireReadable(source);
  const sameObject = input.source.bucket === input.bucket && input.source.key === input.key;
  if (sameObject && input.metadataDirective === 'COPY' && !input.storageClassChanged && !input.checksumAlgorithm && !asksForEncryption(input.sse)) {
    throw new S3Error('InvalidRequest', {
      message:
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    });
  }
  if (source.size > deps.limits.maxObjectSizeBytes)
    throw new S3Error('InvalidRequest', { message: 'The specified copy source is larger than the maximum allowable size for a copy source: ' + deps.limits.maxObjectSizeBytes });
  await refuseIfOverQuota(deps, bucket, source.size, () => replacedSize(deps, bucket, input.key));
  const conditions = await checkConditionsAtStart(deps, input.bucket, input.key, input.conditions);
  const algorithm = input.checksumAlgorithm ?? (source.checksums.algorithm as ChecksumAlgorithm | undefined);
  const sse = await newEncryption(deps.keys, bucket, input.sse);
  // Read through the source's transform, stored through the copy's: a new x-amz-storage-class
  // moves the bytes between the blob store and the archive volume.
  const options = writeOptionsFor(deps, input.attributes.storageClass, { dataKey: sse?.dataKey }, sse?.encryption);
  const body = await copyObjectData(deps, source, undefined, { checksumAlgorithm: algorithm, signal: input.signal }, options, sourceLayers);
  // A copy does not take the source's encryption, Object Lock or archive state: they come from
  // the request and the target bucket. https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
  const attrs: ObjectAttributes =
    input.metadataDirective === 'REPLACE'
      ? input.attributes
      : { contentHeaders: source.contentHeaders, userMetadata: source.userMetadata, storageClass: input.attributes.storageClass };
  // The computed checksum is the expected one: the bytes came from our own store.
  // "The default value is COPY": the copy keeps the source version's tags.
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html#AmazonS3-CopyObject-request-header-TaggingDirective
  const tags = input.taggingDirective === 'REPLACE' ? input.tags : source.tags;
  const record = recordFrom({ bucket: input.bucket, key: input.key, ...owned, ...attrs, tags, lock: input.lock }, body, algorithm, sse);
  record.archive = archiveStateOf(options);
  await storeVersion(deps, input.bucket, record, conditions);
  return {
    etag: record.etag,
    versionId: writtenVersionId(record),
    size: record.size,
    checksumAlgorithm: algorithm,
    checksums: body.checksums,
    lastModified: record.lastModified,
    expiration: await expirationAfterWrite(deps, record),
    encryption: record.encryption,
    sourceVersionId: sourceBucket.versioning !== null ? source.versionId : undefined,
  };
}
