// A bucket's configuration documents (ACL, policy, CORS, encryption, lifecycle, ownership...):
// read past the bucket cache, and replaced one at a time in a transaction that forgets the cached
// record after it. Each Get/Put<Document> operation is these two steps and its own S3 rules.
import { S3Error } from '../errors.js';
import type { MetaReader } from '../meta/store.js';
import type { BucketConfig, BucketRecord } from '../meta/types.js';
import type { EngineDeps } from './deps.js';

/** The bucket as `reader` (the store, or a transaction) sees it, or NoSuchBucket. */
export async function requireBucketIn(reader: MetaReader, name: string): Promise<BucketRecord> {
  const b = await reader.getBucket(name);
  if (!b) throw new S3Error('NoSuchBucket', { fields: { BucketName: name } });
  return b;
}

/** A bucket read past the cache: a document just written elsewhere is seen at once. */
export async function freshBucket(deps: EngineDeps, name: string): Promise<BucketRecord> {
  return requireBucketIn(deps.meta, name);
}

/**
 * Replace (with undefined, remove) one configuration document of a bucket and forget the cached
 * record. `value` sees the bucket inside the transaction, to refuse a document its state forbids.
 */
export async function setBucketConfigDocument<K extends keyof BucketConfig>(
  deps: EngineDeps,
  bucket: string,
  key: K,
  value: (b: BucketRecord) => BucketConfig[K] | undefined | Promise<BucketConfig[K] | undefined>,
): Promise<void> {
  await deps.meta.transaction(async (tx) => {
    const b = await requireBucketIn(tx, bucket);
    await tx.setBucketConfig(bucket, key, await value(b));
  });
  deps.cache.buckets.delete(bucket);
}
