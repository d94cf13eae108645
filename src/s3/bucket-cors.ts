// Put/Get/DeleteBucketCors: `?cors` of a bucket.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html
import type { RequestContext, S3Result } from '../http/context.js';
import { readCheckedBody } from '../http/body.js';
import { parseCorsConfiguration, renderCorsConfiguration } from './cors-config.js';

export async function getBucketCors(ctx: RequestContext): Promise<S3Result> {
  const rules = await ctx.engine.getBucketCors(ctx.bucket!);
  return { status: 200, body: renderCorsConfiguration(rules) };
}

/**
 * PutBucketCors lists Content-MD5 as required; an x-amz-checksum-* header or trailer does as well
 * (the SDKs send one of them). "If the configuration exists, Amazon S3 replaces it."
 */
export async function putBucketCors(ctx: RequestContext): Promise<S3Result> {
  const text = await readCheckedBody(ctx);
  const rules = parseCorsConfiguration(text);
  await ctx.engine.putBucketCors(ctx.bucket!, rules);
  return { status: 200 };
}

/** DeleteBucketCors answers 204, whether or not the bucket had a configuration. */
export async function deleteBucketCors(ctx: RequestContext): Promise<S3Result> {
  await ctx.engine.deleteBucketCors(ctx.bucket!);
  return { status: 204 };
}
