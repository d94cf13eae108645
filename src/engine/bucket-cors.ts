// A bucket's CORS configuration: one document in its BucketConfig (`cors`), read with the bucket.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html
import { S3Error } from '../errors.js';
import type { CorsRule } from '../meta/types.js';
import type { EngineDeps } from './deps.js';
import { cachedBucket } from './deps.js';
import { freshBucket, setBucketConfigDocument } from './bucket-config.js';

/** The bucket's CORS rules; a bucket without them is 404 NoSuchCORSConfiguration. */
export async function getBucketCors(deps: EngineDeps, bucketName: string): Promise<CorsRule[]> {
  const bucket = await freshBucket(deps, bucketName);
  const rules = bucket.config.cors;
  if (!rules || rules.length === 0) throw new S3Error('NoSuchCORSConfiguration', { fields: { BucketName: bucketName } });
  return rules;
}

/**
 * Replace the bucket's CORS configuration ("replaces it, if it already exists"), or remove it
 * (DeleteBucketCors, `rules` undefined).
 */
export async function putBucketCors(deps: EngineDeps, bucketName: string, rules: CorsRule[] | undefined): Promise<void> {
  await setBucketConfigDocument(deps, bucketName, 'cors', () => rules);
}

/**
 * The rules that answer a cross-origin request to the bucket, through the bucket cache (every
 * request that carries an Origin asks): undefined when the bucket does not exist.
 */
export async function corsRulesOf(deps: EngineDeps, bucketName: string): Promise<{ rules: CorsRule[] | undefined } | undefined> {
  const bucket = await cachedBucket(deps, bucketName);
  return bucket && { rules: bucket.config.cors };
}
