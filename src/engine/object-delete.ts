// DeleteObject and DeleteObjects. Deleting a missing key still succeeds: DeleteObject is
// idempotent. https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html
import { S3Error } from '../errors.js';
import type { MetaTx } from '../meta/store.js';
import type { ObjectRecord } from '../meta/types.js';
import { etagMatches, parseEtagList } from './conditions.js';
import { checkRemovable } from './object-lock.js';
import { blobRefsOf, deleteBlobs, idsOf } from './deps.js';
import type { BlobRef, EngineDeps } from './deps.js';
import { newVersionId } from './object-write.js';
import { newObjectRecord } from '../meta/records.js';

export interface DeleteTarget {
  key: string;
  versionId?: string;
  /** If-Match (DeleteObject) or the per-object ETag of DeleteObjects. */
  ifMatch?: string;
  /** x-amz-if-match-last-modified-time (DeleteObject) or LastModifiedTime (DeleteObjects), in ms. */
  ifMatchLastModifiedTime?: number;
  /** x-amz-if-match-size (DeleteObject) or Size (DeleteObjects), in bytes. */
  ifMatchSize?: number;
}

export interface DeleteOptions {
  /** x-amz-bypass-governance-retention, and the authorizer granted s3:BypassGovernanceRetention. */
  bypassGovernance?: boolean;
}

export interface DeleteResult {
  key: string;
  versionId?: string;
  deleteMarker?: boolean;
  deleteMarkerVersionId?: string;
}

function hasConditions(t: DeleteTarget): boolean {
  return t.ifMatch !== undefined || t.ifMatchLastModifiedTime !== undefined || t.ifMatchSize !== undefined;
}

/**
 * Conditional deletes, evaluated against the version the delete addresses (the current one
 * without a version id) inside the deleting transaction. A condition that does not hold is 412;
 * a key with no such version is 404 NoSuchKey for If-Match: * (an existence check), and otherwise
 * nothing to delete: 204, and no delete marker is stacked.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html#API_DeleteObject_RequestSyntax
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-deletes.html
 * Returns false when the delete has nothing to do.
 */
async function checkDeleteConditions(tx: MetaTx, bucket: string, t: DeleteTarget): Promise<boolean> {
  const current = await tx.getObject(bucket, t.key, t.versionId);
  if (!current || current.deleteMarker) {
    if (t.ifMatch !== undefined && parseEtagList(t.ifMatch).includes('*')) throw new S3Error('NoSuchKey', { fields: { Key: t.key } });
    return false;
  }
  if (t.ifMatch !== undefined && !etagMatches(t.ifMatch, current.etag)) throw new S3Error('PreconditionFailed', { fields: { Condition: 'If-Match' } });
  // Last-Modified has whole seconds on the wire: compare what the client could have seen.
  if (t.ifMatchLastModifiedTime !== undefined && Math.floor(current.lastModified / 1000) !== Math.floor(t.ifMatchLastModifiedTime / 1000)) {
    throw new S3Error('PreconditionFailed', { fields: { Condition: 'x-amz-if-match-last-modified-time' } });
  }
  if (t.ifMatchSize !== undefined && current.size !== t.ifMatchSize) throw new S3Error('PreconditionFailed', { fields: { Condition: 'x-amz-if-match-size' } });
  return true;
}

/**
 * One DeleteObject inside the caller's transaction: conditions, Object Lock, delete markers,
 * usage and the blob registry, exactly as the S3 operation does it. Background work that deletes
 * (lifecycle expiration of current or noncurrent versions) calls this too, so it obeys the same
 * locks. The blobs it freed are appended to `gone`: delete them after the commit.
 */
export async function deleteInTransaction(
  tx: MetaTx,
  bucket: string,
  ownerId: string | undefined,
  t: DeleteTarget,
  options: DeleteOptions,
  gone: BlobRef[],
): Promise<DeleteResult> {
  const b = await tx.getBucket(bucket);
  if (!b) throw new S3Error('NoSuchBucket', { fields: { BucketName: bucket } });
  if (hasConditions(t) && !(await checkDeleteConditions(tx, bucket, t))) return { key: t.key, versionId: t.versionId };
  // The version this delete removes for good (a version id, or the 'null' version an unversioned
  // or suspended bucket replaces) must not be locked. A delete marker stacked on a locked version
  // removes nothing and is allowed. https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
  const removes = t.versionId ?? (b.versioning === 'Enabled' ? undefined : 'null');
  if (b.objectLockEnabled && removes !== undefined) {
    const version = await tx.getObject(bucket, t.key, removes);
    if (version) checkRemovable(version, options.bypassGovernance === true, Date.now());
  }
  const removed: ObjectRecord[] = [];
  let result: DeleteResult;
  if (t.versionId !== undefined) {
    // Removing a specific version is permanent; a missing version is not an error.
    const r = await tx.deleteObjectVersion(bucket, t.key, t.versionId);
    if (r) removed.push(r);
    // Removing a delete marker names it as the marker's version too, as S3 answers.
    result = r?.deleteMarker ? { key: t.key, versionId: t.versionId, deleteMarker: true, deleteMarkerVersionId: t.versionId } : { key: t.key, versionId: t.versionId };
  } else if (b.versioning === null) {
    const r = await tx.deleteObjectVersion(bucket, t.key, 'null');
    if (r) removed.push(r);
    result = { key: t.key };
  } else {
    // Versioned: the delete stacks a delete marker ('null' while suspended, replacing the null version).
    // An anonymous request's delete marker is the bucket owner's, as its objects are.
    const marker = newObjectRecord({ bucket, key: t.key, ownerId: ownerId ?? b.ownerId, versionId: b.versioning === 'Enabled' ? newVersionId() : 'null', deleteMarker: true });
    // While suspended, the marker takes the place of the 'null' version.
    const r = await tx.insertObjectVersion(marker, b.versioning === 'Suspended' ? 'null' : undefined);
    if (r) removed.push(r);
    result = { key: t.key, deleteMarker: true, deleteMarkerVersionId: marker.versionId, versionId: marker.versionId };
  }
  const refs = blobRefsOf(removed);
  if (refs.length > 0) await tx.unregisterBlobs(idsOf(refs));
  const live = removed.filter((r) => !r.deleteMarker);
  if (live.length > 0) await tx.addUsage(bucket, { objectCount: -live.length, bytes: -live.reduce((n, r) => n + r.size, 0) });
  gone.push(...refs);
  return result;
}

export async function deleteObject(deps: EngineDeps, bucket: string, ownerId: string | undefined, target: DeleteTarget, options: DeleteOptions = {}): Promise<DeleteResult> {
  const gone: BlobRef[] = [];
  const result = await deps.meta.transaction((tx) => deleteInTransaction(tx, bucket, ownerId, target, options, gone));
  await deleteBlobs(deps, gone);
  return result;
}

export type DeleteOutcome = { ok: DeleteResult } | { key: string; versionId?: string; error: S3Error };

/** Up to 1000 keys in one transaction; each key succeeds or fails on its own. */
export async function deleteObjects(deps: EngineDeps, bucket: string, ownerId: string | undefined, targets: DeleteTarget[], options: DeleteOptions = {}): Promise<DeleteOutcome[]> {
  const gone: BlobRef[] = [];
  const outcomes = await deps.meta.transaction(async (tx) => {
    const out: DeleteOutcome[] = [];
    for (const t of targets) {
      try {
        out.push({ ok: await deleteInTransaction(tx, bucket, ownerId, t, options, gone) });
      } catch (err) {
        if (!(err instanceof S3Error)) throw err;
        out.push({ key: t.key, versionId: t.versionId, error: err });
      }
    }
    return out;
  });
  await deleteBlobs(deps, gone);
  return outcomes;
}
