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

export interface EngineDeps {
  meta: MetadataStore;
  blobs: BlobStore;
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

/** Blob ids an object version holds (its own, or its parts'). */
export function blobsOf(records: Iterable<ObjectRecord | undefined>): string[] {
  const ids: string[] = [];
  for (const r of records) {
    if (!r) continue;
    if (r.blobId) ids.push(r.blobId);
    for (const p of r.parts ?? []) ids.push(p.blobId);
  }
  return ids;
}

/** Remove blobs whose metadata is gone. A failure leaves an orphan for garbage collection. */
export async function deleteBlobs(deps: EngineDeps, ids: string[]): Promise<void> {
  await Promise.all(ids.map((id) => deps.blobs.delete(id).catch(() => undefined)));
}
