// The archive storage classes: what may be read of an archived version, RestoreObject, and the
// work the archive job does (complete restores, expire restored copies, move the bytes of
// archive-class versions to the archive volume). Each change is its own metadata transaction
// that reads the version again and applies only if it is still the one the work started from,
// so several processes doing the same work at once change it once, and a version overwritten
// or deleted meanwhile is left alone (the bytes written for it are removed).
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/restoring-objects.html
import { S3Error } from '../errors.js';
import type { ObjectEncryption, ObjectRecord, ObjectTimer } from '../meta/types.js';
import { blobRefsOf, deleteBlobs, idsOf, inBlobStore } from './deps.js';
import type { BlobRef, EngineDeps } from './deps.js';
import { archiveWriteOptions, copyObjectData } from './object-data.js';
import type { WriteOptions } from './object-data.js';
import { requireObject } from './object-read.js';
import { isArchiveClass } from './storage-class.js';
import { storedBytesTransform } from './stored-bytes.js';
import type { StoredBytesLayers } from './stored-bytes.js';
import { openDataKey } from './encryption.js';

export type RestoreTier = 'Expedited' | 'Standard' | 'Bulk';

/**
 * Whether an archived version has a restored copy to read: a finished restore, whose copy is a
 * blob of its own, or for SSE-C the bytes that never left the blob store (isCustomerKeyed).
 */
export function hasRestoredCopy(obj: ObjectRecord): boolean {
  const restore = obj.archive?.restore;
  return restore !== undefined && !restore.inProgress && (restore.blobId !== undefined || staysInBlobStore(obj));
}

/**
 * An archived version without a restored copy cannot be read (GET, CopyObject, UploadPartCopy):
 * 403 InvalidObjectState with its StorageClass.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html ("InvalidObjectState")
 */
export function requireReadable(obj: ObjectRecord): void {
  if (isArchiveClass(obj.storageClass) && !hasRestoredCopy(obj)) {
    throw new S3Error('InvalidObjectState', { fields: { StorageClass: obj.storageClass } });
  }
}

/**
 * SSE-C versions never go to the archive volume: their bytes stay in the blob store, encrypted
 * as written. Archived bytes are compressed inside the encryption (compressing ciphertext gains
 * nothing), so archiving them needs the data key, and so does restoring them; an SSE-C data key
 * opens only with the key the customer sends on each request, never stored, so neither a
 * background transition nor a restore could ever do it. They still behave as archived, as on
 * S3: unreadable until a RestoreObject has completed, readable for its Days; the restore only
 * changes the version's state, since its bytes are already where a restored copy would be.
 */
export function isCustomerKeyed(encryption: ObjectEncryption | undefined): boolean {
  return encryption?.algorithm === 'SSE-C';
}

/** An archive-class version whose bytes are, and stay, in the blob store (SSE-C: isCustomerKeyed). */
function staysInBlobStore(obj: ObjectRecord): boolean {
  return isCustomerKeyed(obj.encryption) && !obj.archive?.stored;
}

/** A time rounded up to the next day boundary (midnight UTC with 24-hour days), as S3 rounds lifecycle and restore dates. */
export function nextDayBoundary(ms: number, dayMs: number): number {
  return Math.ceil(ms / dayMs) * dayMs;
}

/** Whether two reads of a version are of the same bytes and state (nothing overwrote it since). */
export function sameVersion(a: ObjectRecord, b: ObjectRecord): boolean {
  return (
    a.versionId === b.versionId &&
    a.etag === b.etag &&
    a.lastModified === b.lastModified &&
    a.blobId === b.blobId &&
    a.storageClass === b.storageClass &&
    (a.parts?.[0]?.blobId ?? null) === (b.parts?.[0]?.blobId ?? null)
  );
}

/** How the bytes of a version of `storageClass` are written: archive classes compressed on the archive volume. */
export function writeOptionsFor(
  deps: EngineDeps,
  storageClass: string,
  layers: StoredBytesLayers,
  encryption: ObjectEncryption | undefined,
): WriteOptions & { compressedSize?: () => number } {
  // Compression first, then the version's encryption (its data key) around it.
  const inner = storedBytesTransform(layers);
  if (isArchiveClass(storageClass) && !isCustomerKeyed(encryption)) return archiveWriteOptions(inner);
  return { inlineMaxBytes: deps.limits.inlineMaxBytes, transform: inner };
}

/** The `archive` state of a version just written with `options` (undefined for the blob store). */
export function archiveStateOf(options: { compressedSize?: () => number }): ObjectRecord['archive'] {
  return options.compressedSize ? { stored: { compression: 'br', compressedSize: options.compressedSize() } } : undefined;
}

export interface RestoreObjectInput {
  bucket: string;
  key: string;
  versionId?: string;
  days: number;
  tier: RestoreTier;
}

/**
 * RestoreObject: 202 when a restore starts, 200 when a restored copy exists (its expiry is set
 * anew from Days), 409 RestoreAlreadyInProgress while one runs. An object not in an archive
 * class is 403 InvalidObjectState. https://docs.aws.amazon.com/AmazonS3/latest/API/API_RestoreObject.html
 */
export async function restoreObject(deps: EngineDeps, input: RestoreObjectInput): Promise<{ status: 200 | 202 }> {
  await requireObject(deps, input.bucket, input.key, input.versionId);
  return deps.meta.transaction(async (tx) => {
    const obj = await tx.getObject(input.bucket, input.key, input.versionId);
    if (!obj || obj.deleteMarker) throw new S3Error('NoSuchKey', { fields: { Key: input.key } });
    if (!isArchiveClass(obj.storageClass)) {
      throw new S3Error('InvalidObjectState', { message: "Restore is not allowed for the object's current storage class", fields: { StorageClass: obj.storageClass } });
    }
    const restore = obj.archive?.restore;
    if (restore?.inProgress) throw new S3Error('RestoreAlreadyInProgress');
    const now = Date.now();
    if (restore && hasRestoredCopy(obj)) {
      // "After restoring an archived object, you can update the restoration period by reissuing
      // the request with a new period": the new expiry counts from now.
      const expiry = nextDayBoundary(now + input.days * deps.tiering.dayMs, deps.tiering.dayMs);
      await tx.updateObjectVersion({ ...obj, archive: { ...obj.archive, restore: { ...restore, days: input.days, expiry } } });
      await tx.setObjectTimer(obj.bucket, obj.key, obj.versionId, 'restore-expiry', expiry);
      return { status: 200 };
    }
    // A new restore (a renewal retrieves nothing): "Expedited retrievals [are] not available for the S3 Glacier Deep Archive storage class."
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/restoring-objects-retrieval-options.html
    if (input.tier === 'Expedited' && obj.storageClass === 'DEEP_ARCHIVE') {
      throw new S3Error('InvalidObjectState', { message: 'Expedited retrieval is not supported for the DEEP_ARCHIVE storage class', fields: { StorageClass: obj.storageClass } });
    }
    const readyAt = now + deps.tiering.restoreDelaysMs[input.tier];
    await tx.updateObjectVersion({ ...obj, archive: { ...obj.archive, restore: { inProgress: true, tier: input.tier, days: input.days, readyAt } } });
    await tx.setObjectTimer(obj.bucket, obj.key, obj.versionId, 'restore', readyAt);
    return { status: 202 };
  });
}

/** Due work of the archive job, a batch at a time; returns how many timers were handled. */
export async function runArchiveTimers(deps: EngineDeps, now = Date.now(), batch = 100): Promise<number> {
  let handled = 0;
  for (;;) {
    const due = await deps.meta.listDueObjectTimers(now, batch);
    if (due.length === 0) return handled;
    for (const timer of due) {
      if (timer.kind === 'restore') await completeRestore(deps, timer);
      else if (timer.kind === 'restore-expiry') await expireRestoredCopy(deps, timer);
      else await moveToArchive(deps, timer);
      handled++;
    }
    if (due.length < batch) return handled;
  }
}

async function clearTimer(deps: EngineDeps, t: ObjectTimer): Promise<void> {
  await deps.meta.transaction((tx) => tx.setObjectTimer(t.bucket, t.key, t.versionId, t.kind, undefined));
}

/** The restore finishes: the archived bytes are decompressed into a restored copy in the blob store. */
async function completeRestore(deps: EngineDeps, t: ObjectTimer): Promise<void> {
  const obj = await deps.meta.getObject(t.bucket, t.key, t.versionId);
  if (!obj?.archive?.restore?.inProgress) return clearTimer(deps, t);
  if (staysInBlobStore(obj)) {
    await finishRestore(deps, t, obj, undefined);
    return;
  }
  // The restored copy is stored as the archived bytes were, under the version's data key.
  const layers = await openDataKey(deps.keys, obj.encryption, undefined, 'read');
  const written = await copyObjectData(
    deps,
    { ...obj, archive: { ...obj.archive, restore: undefined } },
    undefined,
    {},
    {
      inlineMaxBytes: -1,
      transform: storedBytesTransform(layers),
    },
    layers,
  );
  const blobId = 'blobId' in written.bytes ? written.bytes.blobId : undefined;
  if (blobId === undefined) throw new Error('a restored copy was stored inline');
  let committed = false;
  try {
    committed = await finishRestore(deps, t, obj, blobId);
  } finally {
    deps.blobs.settle([blobId]);
    if (!committed) await deleteBlobs(deps, inBlobStore([blobId]));
  }
}

/**
 * The restore is done: the version, if unchanged, gets its restored copy (`blobId`, or none for
 * SSE-C bytes that never left the blob store) and the copy's expiry. Returns whether it did.
 */
async function finishRestore(deps: EngineDeps, t: ObjectTimer, obj: ObjectRecord, blobId: string | undefined): Promise<boolean> {
  return deps.meta.transaction(async (tx) => {
    const cur = await tx.getObject(t.bucket, t.key, t.versionId);
    await tx.setObjectTimer(t.bucket, t.key, t.versionId, 'restore', undefined);
    const restore = cur?.archive?.restore;
    if (!cur || !sameVersion(cur, obj) || !restore?.inProgress) return false;
    const expiry = nextDayBoundary(Date.now() + (restore.days ?? 1) * deps.tiering.dayMs, deps.tiering.dayMs);
    await tx.updateObjectVersion({ ...cur, archive: { ...cur.archive, restore: { inProgress: false, tier: restore.tier, days: restore.days, expiry, blobId } } });
    if (blobId !== undefined) await tx.registerBlobs([blobId]);
    await tx.setObjectTimer(t.bucket, t.key, t.versionId, 'restore-expiry', expiry);
    return true;
  });
}

/** The restored copy's Days are over: it goes, and the version is archived only again. */
async function expireRestoredCopy(deps: EngineDeps, t: ObjectTimer): Promise<void> {
  let gone: string[] = [];
  await deps.meta.transaction(async (tx) => {
    const cur = await tx.getObject(t.bucket, t.key, t.versionId);
    const restore = cur?.archive?.restore;
    if (!cur || !restore || !hasRestoredCopy(cur) || restore.expiry === undefined || restore.expiry > Date.now()) {
      // Gone, or the copy's period was renewed (its timer was moved with it).
      if (!cur || !restore || !hasRestoredCopy(cur)) await tx.setObjectTimer(t.bucket, t.key, t.versionId, 'restore-expiry', undefined);
      return;
    }
    gone = restore.blobId !== undefined ? [restore.blobId] : [];
    await tx.updateObjectVersion({ ...cur, archive: { ...cur.archive, restore: undefined } });
    if (gone.length > 0) await tx.unregisterBlobs(gone);
    await tx.setObjectTimer(t.bucket, t.key, t.versionId, 'restore-expiry', undefined);
  });
  await deleteBlobs(deps, inBlobStore(gone));
}

async function moveToArchive(deps: EngineDeps, t: ObjectTimer): Promise<void> {
  const obj = await deps.meta.getObject(t.bucket, t.key, t.versionId);
  if (!obj || obj.deleteMarker || !isArchiveClass(obj.storageClass) || obj.archive?.stored) return clearTimer(deps, t);
  await transitionVersion(deps, obj, obj.storageClass);
  await clearTimer(deps, t);
}

/**
 * Move a version to `storageClass` in place (a lifecycle transition, or the archiving of an
 * archive-class version whose bytes are still in the blob store): to an archive class its bytes
 * are copied, compressed, to the archive volume, then the version points at them in a transaction
 * that checks it is unchanged; the old bytes go after the commit. Returns whether it moved.
 */
export async function transitionVersion(deps: EngineDeps, obj: ObjectRecord, storageClass: string): Promise<boolean> {
  if (obj.deleteMarker) return false;
  if (obj.archive?.stored || !isArchiveClass(storageClass) || isCustomerKeyed(obj.encryption)) {
    // Already on the archive volume (GLACIER → DEEP_ARCHIVE), a class of the blob store, or
    // SSE-C bytes, which stay in the blob store (isCustomerKeyed): only the class changes. An archived version is never moved back by a transition.
    if (obj.archive?.stored && !isArchiveClass(storageClass)) return false;
    return deps.meta.transaction(async (tx) => {
      const cur = await tx.getObject(obj.bucket, obj.key, obj.versionId);
      if (!cur || !sameVersion(cur, obj)) return false;
      return tx.updateObjectVersion({ ...cur, storageClass });
    });
  }
  const layers = await openDataKey(deps.keys, obj.encryption, undefined, 'read');
  const options = archiveWriteOptions(storedBytesTransform(layers));
  const written = await copyObjectData(deps, obj, undefined, {}, options, layers);
  const blobId = 'blobId' in written.bytes ? written.bytes.blobId : undefined;
  if (blobId === undefined) throw new Error('archived bytes were stored inline');
  let gone: BlobRef[] = [];
  let moved = false;
  try {
    await deps.meta.transaction(async (tx) => {
      const cur = await tx.getObject(obj.bucket, obj.key, obj.versionId);
      if (!cur || !sameVersion(cur, obj) || cur.archive?.stored) return;
      gone = blobRefsOf([cur]);
      const archived: ObjectRecord = {
        ...cur,
        storageClass,
        inlineData: null,
        blobId,
        parts: null,
        archive: {
          stored: { compression: 'br', compressedSize: options.compressedSize(), parts: cur.parts?.map(({ blobId: _, ...layout }) => layout) },
        },
      };
      await tx.updateObjectVersion(archived);
      await tx.registerBlobs([blobId]);
      if (gone.length > 0) await tx.unregisterBlobs(idsOf(gone));
      moved = true;
    });
  } finally {
    deps.archive.settle([blobId]);
    if (!moved) await deleteBlobs(deps, [{ id: blobId, volume: 'archive' }]);
  }
  await deleteBlobs(deps, gone);
  return moved;
}
