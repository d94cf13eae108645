// Buckets: naming rules, creation (one namespace shared by all users), deletion, listing.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
import { S3Error } from '../errors.js';
import type { BucketConfig, BucketRecord, ObjectOwnership } from '../meta/types.js';
import { resolveAcl } from './access.js';
import type { AclInput } from './access.js';
import type { EngineDeps } from './deps.js';
import { cachedBucket, deleteBlobs, inBlobStore } from './deps.js';

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

export function isValidBucketName(name: string): boolean {
  return (
    BUCKET_NAME.test(name) &&
    !name.includes('..') &&
    !name.includes('.-') &&
    !name.includes('-.') &&
    !IPV4.test(name) &&
    !RESERVED_PREFIXES.some((p) => name.startsWith(p)) &&
    !RESERVED_SUFFIXES.some((s) => name.endsWith(s))
  );
}

export interface CreateBucketInput {
  bucket: string;
  ownerId: string;
  /** x-amz-acl or x-amz-grant-*: the bucket's ACL. */
  acl?: AclInput;
  /** x-amz-object-ownership; absent leaves none set (the bucket behaves as ObjectWriter). */
  ownership?: ObjectOwnership;
  /** The LocationConstraint, when the body named one. */
  locationConstraint?: string;
  objectLockEnabled?: boolean;
}

/** The region where re-creating your own bucket succeeds. */
const LEGACY_REGION = 'us-east-1';

export async function createBucket(deps: EngineDeps, input: CreateBucketInput): Promise<BucketRecord> {
  if (!isValidBucketName(input.bucket)) throw new S3Error('InvalidBucketName', { fields: { BucketName: input.bucket } });
  const region = input.locationConstraint ?? deps.limits.region;
  if (!deps.limits.knownRegions.has(region)) {
    throw new S3Error('InvalidLocationConstraint', { fields: { LocationConstraint: region } });
  }
  if (
    input.ownership === 'BucketOwnerEnforced' &&
    input.acl !== undefined &&
    !('canned' in input.acl && (input.acl.canned === 'private' || input.acl.canned === 'bucket-owner-full-control'))
  ) {
    throw new S3Error('InvalidBucketAclWithObjectOwnership');
  }
  const acl = await resolveAcl(deps.meta, input.acl, input.ownerId, input.ownerId);
  const config: BucketConfig = {};
  if (acl !== undefined) config.acl = acl;
  if (input.ownership !== undefined) config.ownership = input.ownership;
  const record: BucketRecord = {
    name: input.bucket,
    ownerId: input.ownerId,
    region,
    createdAt: Date.now(),
    versioning: input.objectLockEnabled ? 'Enabled' : null,
    objectLockEnabled: input.objectLockEnabled === true,
    config,
  };
  const created = await deps.meta.transaction(async (tx) => {
    const existing = await tx.getBucket(input.bucket);
    if (existing) {
      // S3's legacy rule: in us-east-1, creating a bucket you already own there succeeds "and
      // resets the bucket access control lists (ACLs)"; in every other region it is
      // BucketAlreadyOwnedByYou. https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html
      if (existing.ownerId === input.ownerId && existing.region === LEGACY_REGION && region === LEGACY_REGION) {
        if (existing.config.acl !== acl) await tx.setBucketConfig(input.bucket, 'acl', acl);
        return { ...existing, config: { ...existing.config, acl } };
      }
      throw new S3Error(existing.ownerId === input.ownerId ? 'BucketAlreadyOwnedByYou' : 'BucketAlreadyExists', {
        fields: { BucketName: input.bucket },
      });
    }
    if ((await tx.countBuckets(input.ownerId)) >= deps.limits.maxBuckets) throw new S3Error('TooManyBuckets');
    await tx.createBucket(record);
    return record;
  });
  deps.cache.buckets.delete(input.bucket);
  return created;
}

/**
 * Object versions and delete markers keep a bucket from being deleted; unfinished multipart
 * uploads do not: S3 deletes the bucket and them with it (observed on AWS, recorded in
 * https://github.com/ceph/ceph/pull/15630 and https://github.com/scality/cloudserver/pull/1591).
 * The check and the removal are one transaction, so a part that commits first is removed with
 * its upload, and one that commits after finds its upload gone (NoSuchUpload): no part row or
 * object ever outlives the bucket. Part blobs are deleted after the commit; a crash in between
 * leaves unregistered files, which garbage collection removes.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html
 */
export async function deleteBucket(deps: EngineDeps, bucket: string): Promise<void> {
  let blobs: string[] = [];
  await deps.meta.transaction(async (tx) => {
    if (!(await tx.getBucket(bucket))) throw new S3Error('NoSuchBucket', { fields: { BucketName: bucket } });
    if (await tx.bucketHasObjects(bucket)) throw new S3Error('BucketNotEmpty', { fields: { BucketName: bucket } });
    blobs = (await tx.deleteBucket(bucket)).map((p) => p.blobId);
    if (blobs.length > 0) await tx.unregisterBlobs(blobs);
  });
  deps.cache.buckets.delete(bucket);
  await deleteBlobs(deps, inBlobStore(blobs));
}

export async function requireBucket(deps: EngineDeps, bucket: string): Promise<BucketRecord> {
  const b = await cachedBucket(deps, bucket);
  if (!b) throw new S3Error('NoSuchBucket', { fields: { BucketName: bucket } });
  return b;
}

export interface ListBucketsInput {
  ownerId: string;
  prefix: string;
  continuationToken?: string;
  maxBuckets: number;
}

export interface ListBucketsOutput {
  buckets: BucketRecord[];
  continuationToken?: string;
}

export async function listBuckets(deps: EngineDeps, input: ListBucketsInput): Promise<ListBucketsOutput> {
  let after: string | undefined;
  if (input.continuationToken !== undefined) {
    after = Buffer.from(input.continuationToken, 'base64url').toString('utf8');
    if (!isValidBucketName(after)) throw new S3Error('InvalidArgument', { message: 'The continuation token provided is incorrect' });
  }
  const rows = await deps.meta.listBuckets(input.ownerId, { prefix: input.prefix, after, limit: input.maxBuckets + 1 });
  const buckets = rows.slice(0, input.maxBuckets);
  const last = buckets[buckets.length - 1];
  return {
    buckets,
    continuationToken: rows.length > input.maxBuckets && last ? Buffer.from(last.name).toString('base64url') : undefined,
  };
}
