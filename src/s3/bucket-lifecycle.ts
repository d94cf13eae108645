// Put/Get/DeleteBucketLifecycleConfiguration: `?lifecycle` of a bucket.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html
import { S3Error } from '../errors.js';
import type { RequestContext, S3Result } from '../http/context.js';
import { header } from '../http/context.js';
import { readCheckedBody } from '../http/body.js';
import { parseLifecycleConfiguration, renderLifecycleConfiguration } from './lifecycle-input.js';

const MIN_SIZE_HEADER = 'x-amz-transition-default-minimum-object-size';
const MIN_SIZE_VALUES: ReadonlySet<string> = new Set(['all_storage_classes_128K', 'varies_by_storage_class']);

export async function getBucketLifecycleConfiguration(ctx: RequestContext): Promise<S3Result> {
  const config = await ctx.engine.getBucketLifecycle(ctx.bucket!);
  return { status: 200, headers: { [MIN_SIZE_HEADER]: config.transitionDefaultMinimumObjectSize }, body: renderLifecycleConfiguration(config) };
}

/**
 * The body must carry Content-MD5 or an x-amz-checksum-*, as S3 requires ("Content-MD5 … is
 * required for all requests"); the configuration replaces the bucket's whole one.
 * x-amz-transition-default-minimum-object-size chooses whether objects under 128 KB transition.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html
 */
export async function putBucketLifecycleConfiguration(ctx: RequestContext): Promise<S3Result> {
  const minSize = header(ctx, MIN_SIZE_HEADER) ?? 'all_storage_classes_128K';
  if (!MIN_SIZE_VALUES.has(minSize)) {
    throw new S3Error('InvalidRequest', { message: `Invalid value for ${MIN_SIZE_HEADER}: ${minSize}` });
  }
  const text = await readCheckedBody(ctx);
  const config = parseLifecycleConfiguration(text);
  await ctx.engine.putBucketLifecycle(ctx.bucket!, { ...config, transitionDefaultMinimumObjectSize: minSize as 'all_storage_classes_128K' | 'varies_by_storage_class' });
  return { status: 200, headers: { [MIN_SIZE_HEADER]: minSize } };
}

/** DeleteBucketLifecycle answers 204, whether or not the bucket had a configuration. */
export async function deleteBucketLifecycle(ctx: RequestContext): Promise<S3Result> {
  await ctx.engine.putBucketLifecycle(ctx.bucket!, undefined);
  return { status: 204 };
}
