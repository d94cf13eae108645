// PutBucketVersioning: Enabled or Suspended, never back to unversioned. A bucket with Object Lock
// keeps versioning Enabled for good.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html
import { S3Error } from '../errors.js';
import type { EngineDeps } from './deps.js';

export interface PutBucketVersioningInput {
  bucket: string;
  status: 'Enabled' | 'Suspended';
}

export async function putBucketVersioning(deps: EngineDeps, input: PutBucketVersioningInput): Promise<void> {
  await deps.meta.transaction(async (tx) => {
    const b = await tx.getBucket(input.bucket);
    if (!b) throw new S3Error('NoSuchBucket', { fields: { BucketName: input.bucket } });
    // "You cannot suspend versioning on a bucket that has Object Lock enabled."
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
    if (b.objectLockEnabled && input.status === 'Suspended') {
      throw new S3Error('InvalidBucketState', { message: 'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.' });
    }
    await tx.setBucketVersioning(input.bucket, input.status);
  });
  deps.cache.buckets.delete(input.bucket);
}
