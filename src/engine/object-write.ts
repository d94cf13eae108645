// PutObject and CopyObject: bytes first (durable, unreferenced), then one metadata transaction
// that checks the bucket and the write conditions, replaces or stacks versions and registers the
// blob. Replaced blobs are removed only after the commit.
import { randomBytes } from 'node:crypto';
import { S3Error } from '../errors.js';
import type { ChecksumAlgorithm } from '../checksums/index.js';
import type { MetaTx } from '../meta/store.js';
import type { BucketRecord, ObjectRecord, Tag, UsageDelta } from '../meta/types.js';
import { checkCopySourceConditions, checkWriteConditions } from './conditions.js';
import type { ReadConditions, WriteConditions } from './conditions.js';
import { blobsOf, deleteBlobs } from './deps.js';
import type { EngineDeps } from './deps.js';
import { cachedBucket } from './deps.js';
import type { BodyInput } from './ingest.js';
import { copyObjectData, writeObjectData } from './object-data.js';
import type { WrittenData } from './object-data.js';
import { requireObject } from './object-read.js';
import { storedBytesTransform } from './stored-bytes.js';
import { newObjectRecord } from '../meta/records.js';
import type { AccessControlList } from '../meta/types.js';
import { newObjectOwner, resolveAcl } from './access.js';
import type { AclInput } from './access.js';
import { bucketForWrite, refuseIfOverQuota } from './quota.js';

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
}

export interface PutObjectOutput {
  etag: string;
  versionId: string | undefined;
  size: number;
  checksumAlgorithm: string | undefined;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
  lastModified: number;
}

/**
 * Make `record` the latest version of its key, inside a transaction. Returns replaced blob ids.
 * The usage change (checked against the bucket's quota) includes `released`: the upload parts a
 * completion turns into this version, whose bytes were counted when they were stored.
 */
export async function commitVersion(
  tx: MetaTx,
  bucket: BucketRecord,
  record: ObjectRecord,
  conditions: WriteConditions,
  released?: Pick<UsageDelta, 'uploadParts' | 'uploadBytes'>,
): Promise<string[]> {
  if (conditions.ifNoneMatchStar || conditions.ifMatch !== undefined) {
    const current = await tx.getObject(record.bucket, record.key);
    checkWriteConditions(current && !current.deleteMarker ? current : undefined, conditions);
  }
  // Without versioning (or suspended), the 'null' version is overwritten in place.
  const replacing = bucket.versioning !== 'Enabled';
  record.versionId = replacing ? 'null' : newVersionId();
  // A bucket that never had versioning holds only 'null' versions: nothing else to demote.
  const replaced = await tx.insertObjectVersion(record, replacing ? 'null' : undefined, { onlyVersion: bucket.versioning === null });
  if (record.ownerId !== bucket.ownerId && bucket.config.foreignObjects !== true) await tx.setBucketConfig(bucket.name, 'foreignObjects', true);
  const removed = replaced ? [replaced] : [];
  const added = blobsOf([record]);
  if (added.length > 0) await tx.registerBlobs(added);
  const gone = blobsOf(removed);
  if (gone.length > 0) await tx.unregisterBlobs(gone);
  const removedLive = removed.filter((r) => !r.deleteMarker);
  await tx.addUsage(record.bucket, {
    objectCount: (record.deleteMarker ? 0 : 1) - removedLive.length,
    bytes: record.size - removedLive.reduce((n, r) => n + r.size, 0),
    ...released,
  });
  return gone;
}

async function storeVersion(deps: EngineDeps, bucketName: string, record: ObjectRecord, conditions: WriteConditions): Promise<{ versioned: boolean }> {
  let gone: string[] = [];
  let versioned = false;
  try {
    await deps.meta.transaction(async (tx) => {
      const bucket = await tx.getBucket(bucketName);
      if (!bucket) throw new S3Error('NoSuchBucket', { fields: { BucketName: bucketName } });
      versioned = bucket.versioning !== null;
      gone = await commitVersion(tx, bucket, record, conditions);
    });
  } catch (err) {
    await deleteBlobs(deps, blobsOf([record]));
    throw err;
  } finally {
    deps.blobs.settle(blobsOf([record]));
  }
  // The bucket may have just been marked as holding another user's object.
  if (record.ownerId !== (await cachedBucket(deps, bucketName))?.ownerId) deps.cache.buckets.delete(bucketName);
  await deleteBlobs(deps, gone);
  return { versioned };
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

function recordFrom(
  input: { bucket: string; key: string; ownerId: string; tags?: Tag[]; acl?: AccessControlList } & ObjectAttributes,
  body: WrittenData,
  algorithm: string | undefined,
): ObjectRecord {
  return newObjectRecord({
    bucket: input.bucket,
    key: input.key,
    ownerId: input.ownerId,
    size: body.size,
    etag: body.md5Hex,
    storageClass: input.storageClass,
    contentHeaders: input.contentHeaders,
    userMetadata: input.userMetadata,
    checksums: { algorithm, type: algorithm ? 'FULL_OBJECT' : undefined, values: body.checksums },
    bytes: body.bytes,
    tags: input.tags,
    acl: input.acl,
  });
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
  await refuseIfOverQuota(deps, bucket, input.body.lengthRange ? input.body.lengthRange.min : input.body.size, () => replacedSize(deps, bucket, input.key));
  const owned = await ownerAndAcl(deps, bucket, input.ownerId, input.acl);
  // Nothing sets a new version's encryption yet.
  const body = await writeObjectData(deps, input.body, { inlineMaxBytes: deps.limits.inlineMaxBytes, transform: storedBytesTransform(undefined) });
  const record = recordFrom({ ...input, ...owned }, body, input.body.checksumAlgorithm);
  const { versioned } = await storeVersion(deps, input.bucket, record, input.conditions);
  return {
    etag: record.etag,
    versionId: versioned ? record.versionId : undefined,
    size: record.size,
    checksumAlgorithm: input.body.checksumAlgorithm,
    checksums: body.checksums,
    lastModified: record.lastModified,
  };
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
  signal?: AbortSignal;
}

export interface CopyObjectOutput extends PutObjectOutput {
  sourceVersionId: string | undefined;
}

export async function copyObject(deps: EngineDeps, input: CopyObjectInput): Promise<CopyObjectOutput> {
  validateKey(input.key);
  const sourceBucket = await cachedBucket(deps, input.source.bucket);
  if (!sourceBucket) throw new S3Error('NoSuchBucket', { fields: { BucketName: input.source.bucket } });
  const bucket = await bucketForWrite(deps, input.bucket);
  const owned = await ownerAndAcl(deps, bucket, input.ownerId, input.acl);
  const source = await requireObject(deps, input.source.bucket, input.source.key, input.source.versionId);
  checkCopySourceConditions(source, input.sourceConditions);
  const sameObject = input.source.bucket === input.bucket && input.source.key === input.key;
  if (sameObject && input.metadataDirective === 'COPY' && !input.storageClassChanged && !input.checksumAlgorithm) {
    throw new S3Error('InvalidRequest', {
      message:
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    });
  }
  if (source.size > deps.limits.maxObjectSizeBytes)
    throw new S3Error('InvalidRequest', { message: 'The specified copy source is larger than the maximum allowable size for a copy source: ' + deps.limits.maxObjectSizeBytes });
  await refuseIfOverQuota(deps, bucket, source.size, () => replacedSize(deps, bucket, input.key));
  const algorithm = input.checksumAlgorithm ?? (source.checksums.algorithm as ChecksumAlgorithm | undefined);
  // Read through the source's transform, stored through the copy's.
  const body = await copyObjectData(
    deps,
    source,
    undefined,
    { checksumAlgorithm: algorithm, signal: input.signal },
    {
      inlineMaxBytes: deps.limits.inlineMaxBytes,
      transform: storedBytesTransform(undefined),
    },
  );
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
  const record = recordFrom({ bucket: input.bucket, key: input.key, ...owned, ...attrs, tags }, body, algorithm);
  const { versioned } = await storeVersion(deps, input.bucket, record, input.conditions);
  return {
    etag: record.etag,
    versionId: versioned ? record.versionId : undefined,
    size: record.size,
    checksumAlgorithm: algorithm,
    checksums: body.checksums,
    lastModified: record.lastModified,
    sourceVersionId: sourceBucket.versioning !== null ? source.versionId : undefined,
  };
}
