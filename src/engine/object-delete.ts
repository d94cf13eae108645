// DeleteObject and DeleteObjects. Deleting a missing key still succeeds: DeleteObject is
// idempotent. https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html
import { S3Error } from '../errors.js';
import type { MetaTx } from '../meta/store.js';
import type { ObjectRecord } from '../meta/types.js';
import { etagMatches } from './conditions.js';
import { blobsOf, deleteBlobs } from './deps.js';
import type { EngineDeps } from './deps.js';
import { newVersionId } from './object-write.js';
import { newObjectRecord } from '../meta/records.js';

export interface DeleteTarget {
  key: string;
  versionId?: string;
  /** If-Match (DeleteObject) or the per-object ETag of DeleteObjects. */
  ifMatch?: string;
}

export interface DeleteResult {
  key: string;
  versionId?: string;
  deleteMarker?: boolean;
  deleteMarkerVersionId?: string;
}

async function deleteOne(tx: MetaTx, bucket: string, ownerId: string | undefined, t: DeleteTarget, gone: string[]): Promise<DeleteResult> {
  const b = await tx.getBucket(bucket);
  if (!b) throw new S3Error('NoSuchBucket', { fields: { BucketName: bucket } });
  if (t.ifMatch !== undefined) {
    const current = await tx.getObject(bucket, t.key, t.versionId);
    if (!current || current.deleteMarker) throw new S3Error('NoSuchKey', { fields: { Key: t.key } });
    if (!etagMatches(t.ifMatch, current.etag)) throw new S3Error('PreconditionFailed', { fields: { Condition: 'If-Match' } });
  }
  const removed: ObjectRecord[] = [];
  let result: DeleteResult;
  if (t.versionId !== undefined) {
    // Removing a specific version is permanent; a missing version is not an error.
    const r = await tx.deleteObjectVersion(bucket, t.key, t.versionId);
    if (r) removed.push(r);
    result = { key: t.key, versionId: t.versionId, deleteMarker: r?.deleteMarker || undefined };
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
  const ids = blobsOf(removed);
  if (ids.length > 0) await tx.unregisterBlobs(ids);
  const live = removed.filter((r) => !r.deleteMarker);
  if (live.length > 0) await tx.addUsage(bucket, { objectCount: -live.length, bytes: -live.reduce((n, r) => n + r.size, 0) });
  gone.push(...ids);
  return result;
}

export async function deleteObject(deps: EngineDeps, bucket: string, ownerId: string | undefined, target: DeleteTarget): Promise<DeleteResult> {
  const gone: string[] = [];
  const result = await deps.meta.transaction((tx) => deleteOne(tx, bucket, ownerId, target, gone));
  await deleteBlobs(deps, gone);
  return result;
}

export type DeleteOutcome = { ok: DeleteResult } | { key: string; versionId?: string; error: S3Error };

/** Up to 1000 keys in one transaction; each key succeeds or fails on its own. */
export async function deleteObjects(deps: EngineDeps, bucket: string, ownerId: string | undefined, targets: DeleteTarget[]): Promise<DeleteOutcome[]> {
  const gone: string[] = [];
  const outcomes = await deps.meta.transaction(async (tx) => {
    const out: DeleteOutcome[] = [];
    for (const t of targets) {
      try {
        out.push({ ok: await deleteOne(tx, bucket, ownerId, t, gone) });
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
