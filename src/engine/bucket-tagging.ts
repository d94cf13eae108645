// A bucket's tag set, kept on the bucket's row.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketTagging.html
import { S3Error } from '../errors.js';
import type { Tag } from '../meta/types.js';
import type { EngineDeps } from './deps.js';

/** A bucket's tag set; a bucket without one is 404 NoSuchTagSet. */
export async function getBucketTagging(deps: EngineDeps, bucketName: string): Promise<Tag[]> {
  // Read past the bucket cache: a tag set just written elsewhere is seen at once.
  const bucket = await deps.meta.getBucket(bucketName);
  if (!bucket) throw new S3Error('NoSuchBucket', { fields: { BucketName: bucketName } });
  if (!bucket.tags || bucket.tags.length === 0) throw new S3Error('NoSuchTagSet', { fields: { BucketName: bucketName } });
  return bucket.tags;
}

/**
 * Replace a bucket's tag set. "When this operation sets the tags for a bucket, it will overwrite
 * any current tags the bucket already has." An empty set (or DeleteBucketTagging) leaves none.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketTagging.html
 */
export async function putBucketTagging(deps: EngineDeps, bucketName: string, tags: Tag[]): Promise<void> {
  await deps.meta.transaction(async (tx) => {
    if (!(await tx.getBucket(bucketName))) throw new S3Error('NoSuchBucket', { fields: { BucketName: bucketName } });
    await tx.setBucketTags(bucketName, tags);
  });
  deps.cache.buckets.delete(bucketName);
}
