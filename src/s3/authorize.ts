// The S3 side of authorization: turn a routed request (and a copy's source) into the questions
// the authorizer (src/auth/authorize.ts) answers, with what it needs from the store looked up
// here. Handlers never decide access; dispatch asks here once per request and once per copy source.
import type { RequestContext } from '../http/context.js';
import { header } from '../http/context.js';
import { requestFacts } from '../http/request-facts.js';
import { authorize, needsBucketOwner, resourceArn } from '../auth/authorize.js';
import type { Principal } from '../auth/authorize.js';
import type { BucketRecord } from '../engine/records.js';
import type { Route } from './router.js';
import type { CopySource } from './copy-source.js';

/** The route's action, or its version action when the request names a version. */
export function actionOf(ctx: RequestContext, route: Route): string {
  if (route.versionAction !== undefined && ctx.rawQuery !== '' && ctx.query.has('versionId')) return route.versionAction;
  return route.action;
}

/**
 * Ask about the request itself: the route's action on the bucket or object it names. Returns the
 * bucket's record when one was looked up (dispatch reads its region).
 */
export async function authorizeRequest(ctx: RequestContext, route: Route, principal: Principal): Promise<BucketRecord | undefined> {
  const action = actionOf(ctx, route);
  const needsOwner = needsBucketOwner(action);
  const bucket = needsOwner ? await ctx.engine.getBucket(ctx.bucket!) : undefined;
  authorize({
    action,
    principal,
    facts: requestFacts(ctx),
    resource: {
      arn: resourceArn(ctx.bucket, route.on === 'object' ? ctx.key : undefined),
      bucket: ctx.bucket,
      key: ctx.key,
      versionId: ctx.rawQuery === '' ? undefined : (ctx.query.get('versionId') ?? undefined),
      bucketOwnerId: needsOwner ? (bucket?.ownerId ?? null) : undefined,
    },
    expectedBucketOwner: header(ctx, 'x-amz-expected-bucket-owner'),
  });
  return bucket;
}

/**
 * The action a copy needs on the object it reads (CopyObject, UploadPartCopy): s3:GetObject on it, or
 * s3:GetObjectVersion when a version is named.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html
 */
export function copySourceAction(source: CopySource): string {
  return source.versionId !== undefined ? 's3:GetObjectVersion' : 's3:GetObject';
}

/** Ask about the object a copy reads, as its own resource (a source bucket that is missing is NoSuchBucket). */
export async function authorizeCopySource(ctx: RequestContext, source: CopySource, principal: Principal): Promise<void> {
  const bucket = await ctx.engine.getBucket(source.bucket);
  authorize({
    action: copySourceAction(source),
    principal,
    facts: requestFacts(ctx),
    resource: {
      arn: resourceArn(source.bucket, source.key),
      bucket: source.bucket,
      key: source.key,
      versionId: source.versionId,
      bucketOwnerId: bucket?.ownerId ?? null,
    },
    expectedBucketOwner: header(ctx, 'x-amz-source-expected-bucket-owner'),
  });
}

/**
 * POST Object: s3:PutObject on the key the form names, asked as the policy's signer (anonymously
 * for an unsigned form) once the fields before the file are read, before a byte of it is stored.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
 */
export async function authorizePostObject(ctx: RequestContext, key: string, principal: Principal): Promise<BucketRecord | undefined> {
  const bucket = await ctx.engine.getBucket(ctx.bucket!);
  authorize({
    action: 's3:PutObject',
    principal,
    facts: { ...requestFacts(ctx), authType: principal.type === 'anonymous' ? 'anonymous' : 'post' },
    resource: { arn: resourceArn(ctx.bucket, key), bucket: ctx.bucket, key, bucketOwnerId: bucket?.ownerId ?? null },
    expectedBucketOwner: header(ctx, 'x-amz-expected-bucket-owner'),
  });
  return bucket;
}
