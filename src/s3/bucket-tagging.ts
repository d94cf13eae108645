// Put/Get/DeleteBucketTagging: `?tagging` of a bucket.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketTagging.html
import type { RequestContext, S3Result } from '../http/context.js';
import { readCheckedBody } from '../http/body.js';
import { renderTagging } from './object-tagging.js';
import { parseTaggingDocument } from './tagging-input.js';

export async function getBucketTagging(ctx: RequestContext): Promise<S3Result> {
  const tags = await ctx.engine.getBucketTagging(ctx.bucket!);
  return { status: 200, body: renderTagging(tags) };
}

/**
 * PutBucketTagging requires an integrity check of its body, as DeleteObjects does: Content-MD5
 * or an x-amz-checksum-* header or trailer. It answers 204, as S3 does (its sample response).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketTagging.html
 */
export async function putBucketTagging(ctx: RequestContext): Promise<S3Result> {
  const text = await readCheckedBody(ctx);
  const tags = parseTaggingDocument(text, 'bucket');
  await ctx.engine.putBucketTagging(ctx.bucket!, tags);
  return { status: 204 };
}

/** DeleteBucketTagging answers 204, whether or not the bucket had tags. */
export async function deleteBucketTagging(ctx: RequestContext): Promise<S3Result> {
  await ctx.engine.deleteBucketTagging(ctx.bucket!);
  return { status: 204 };
}
