import type { BlobStore } from '../blobs/blob-store.js';
import type { MetadataStore } from '../meta/store.js';
import type { BucketRecord, ObjectRecord } from '../meta/types.js';
import type { EngineCache } from './cache.js';
import type { Md5Pool } from '../checksums/index.js';
import type { EncryptionKeys } from './encryption.js';

export interface EngineLimits {
  region: string;
  knownRegions: ReadonlySet<string>;
  maxBuckets: number;
  maxObjectSizeBytes: number;
  inlineMaxBytes: number;
}

/** Time in the archive and lifecycle features. */
export interface TieringSettings {
  /** A lifecycle day (and a restored copy's day), in ms: COFFER_LIFECYCLE_DAY_SECONDS. */
  dayMs: number;
  /** How long a restore takes per retrieval tier. */
  restoreDelaysMs: Record<'Expedited' | 'Standard' | 'Bulk', number>;
}

export interface EngineDeps {
  meta: MetadataStore;
  blobs: BlobStore;
  /** The archive volume (COFFER_ARCHIVE_DIR): compressed bytes of the archive storage classes. */
  archive: BlobStore;
  tiering: TieringSettings;
  limits: EngineLimits;
  cache: EngineCache;
  /** Worker threads for the MD5 of large bodies. */
  md5: Md5Pool;
  /** The keys that seal SSE-S3 and SSE-KMS data keys. */
  keys: EncryptionKeys;
}

/** A bucket's record through the cache (outside transactions only). */
export async function cachedBucket(deps: EngineDeps, name: string): Promise<BucketRecord | undefined> {
  const hit = deps.cache.buckets.get(name);
  if (hit !== undefined) return hit ?? undefined;
  const b = await deps.meta.getBucket(name);
  deps.cache.buckets.set(name, b ?? null);
  return b;
}

/**
 * A blob and the volume that holds it. The version's record says which: an archived version's
 * own blob (`archive.stored`) is on the archive volume; parts, restored copies and upload parts
 * are in the blob store. Ids are unique across both volumes, so the registry only needs the id.
 */
export interface BlobRef {
  id: string;
  volume?: 'archive';
}

/** The store of a volume: the archive volume, or the blob store. */
export function storeOf(deps: EngineDeps, volume: 'archive' | undefined): BlobStore {
  return volume === 'archive' ? deps.archive : deps.blobs;
}

/** Blobs an object version holds (its own, or its parts'), with the volume of each. */
export function blobRefsOf(records: Iterable<ObjectRecord | undefined>): BlobRef[] {
  const refs: BlobRef[] = [];
  for (const r of records) {
    if (!r) continue;
    if (r.blobId) refs.push(r.archive?.stored ? { id: r.blobId, volume: 'archive' } : { id: r.blobId });
    for (const p of r.parts ?? []) refs.push({ id: p.blobId });
    // A restored copy of an archived version is a blob of its own, in the blob store.
    if (r.archive?.restore?.blobId) refs.push({ id: r.archive.restore.blobId });
  }
  return refs;
}

/** Blob ids an object version holds, for the blob registry. */
export function blobsOf(records: Iterable<ObjectRecord | undefined>): string[] {
  return idsOf(blobRefsOf(records));
}

export function idsOf(refs: BlobRef[]): string[] {
  return refs.map((r) => r.id);
}

/** Blobs of the blob store by id (upload parts, restored copies). */
export function inBlobStore(ids: string[]): BlobRef[] {
  return ids.map((id) => ({ id }));
}

/** Remove blobs whose metadata is gone, each from its volume. A failure leaves an orphan for garbage collection. */
export async function deleteBlobs(deps: EngineDeps, refs: BlobRef[]): Promise<void> {
  await Promise.all(
    refs.map((r) =>
      storeOf(deps, r.volume)
        .delete(r.id)
        .catch(() => undefined),
    ),
  );
}

/** The writer of these blobs has committed them or given up: each volume stops holding them pending. */
export function settleBlobs(deps: EngineDeps, refs: BlobRef[]): void {
  for (const r of refs) storeOf(deps, r.volume).settle([r.id]);
}
