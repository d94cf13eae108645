// A bucket's default encryption and blocked encryption types (?encryption), kept in its config.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketEncryption.html
import { S3Error } from '../errors.js';
import type { BucketEncryption } from '../meta/types.js';
import type { EngineDeps } from './deps.js';
import { freshBucket, setBucketConfigDocument } from './bucket-config.js';

/** The bucket's encryption configuration; a bucket without one is 404 ServerSideEncryptionConfigurationNotFoundError. */
export async function getBucketEncryption(deps: EngineDeps, bucketName: string): Promise<BucketEncryption> {
  const bucket = await freshBucket(deps, bucketName);
  if (!bucket.config.encryption) throw new S3Error('ServerSideEncryptionConfigurationNotFoundError', { fields: { BucketName: bucketName } });
  return bucket.config.encryption;
}

/** Replace (or, with undefined, delete) the bucket's encryption configuration. */
export async function putBucketEncryption(deps: EngineDeps, bucketName: string, config: BucketEncryption | undefined): Promise<void> {
  await setBucketConfigDocument(deps, bucketName, 'encryption', () => config);
}
