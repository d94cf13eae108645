// Put/Get/DeleteBucketPolicy and GetBucketPolicyStatus: `?policy` and `?policyStatus` of a bucket.
// The policy is JSON, validated as S3 validates it (MalformedPolicy) and kept as it was sent.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicyStatus.html
import { S3Error } from '../errors.js';
import type { RequestContext, S3Result } from '../http/context.js';
import { readWholeBody } from '../http/body.js';
import { MAX_POLICY_BYTES, isPublicPolicy, parseBucketPolicy } from '../auth/policy.js';
import { authorizeNewPolicy } from './authorize.js';
import { isPublicAcl } from '../auth/acl.js';
import { renderXml } from './xml.js';

export async function putBucketPolicy(ctx: RequestContext): Promise<S3Result> {
  const { text } = await readWholeBody(ctx);
  if (text.trim() === '') throw new S3Error('MissingRequestBodyError');
  // "The maximum size of a policy is 20 KB." https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html
  if (Buffer.byteLength(text) > MAX_POLICY_BYTES) throw new S3Error('PolicyTooLarge');
  const document = parseBucketPolicy(text, ctx.bucket!);
  await authorizeNewPolicy(ctx, ctx.bucket!, document);
  await ctx.engine.putBucketPolicy(ctx.bucket!, { text, document });
  return { status: 204 };
}

export async function getBucketPolicy(ctx: RequestContext): Promise<S3Result> {
  const policy = await ctx.engine.getBucketPolicy(ctx.bucket!);
  return { status: 200, headers: { 'Content-Type': 'application/json' }, body: policy.text };
}

export async function deleteBucketPolicy(ctx: RequestContext): Promise<S3Result> {
  await ctx.engine.deleteBucketPolicy(ctx.bucket!);
  return { status: 204 };
}

/**
 * IsPublic: whether the bucket is public, by S3's definition: a public policy, or (as Ceph RGW
 * and s3-tests have it) a bucket ACL granting AllUsers or AuthenticatedUsers. A bucket with
 * neither is not public, policy or no policy.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
 */
export async function getBucketPolicyStatus(ctx: RequestContext): Promise<S3Result> {
  const { policy, acl } = await ctx.engine.bucketAccessDocuments(ctx.bucket!);
  const isPublic = (policy !== undefined && isPublicPolicy(policy.document)) || (acl !== undefined && isPublicAcl(acl.grants));
  // xsd:boolean's lower-case spelling: the SDKs read anything but `true` as false.
  return { status: 200, body: renderXml('PolicyStatus', { IsPublic: isPublic ? 'true' : 'false' }) };
}
