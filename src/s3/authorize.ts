// The S3 side of authorization: turn a routed request (and a copy's source) into the questions
// the authorizer (src/auth/authorize.ts) answers, with what it needs from the store looked up
// here. Handlers never decide access; dispatch asks here once per request and once per copy source.
import type { RequestContext } from '../http/context.js';
import { header } from '../http/context.js';
import { principalOf, requestFacts } from '../http/request-facts.js';
import { authorize, decide, decideNewAcl, decideNewPolicy, needsBucketOwner, needsObject, policyTestsRequestTags, resourceArn } from '../auth/authorize.js';
import type { ObjectFacts, Principal, RequestFacts, Resource } from '../auth/authorize.js';
import type { BucketRecord } from '../engine/records.js';
import type { AclInput } from '../engine/access.js';
import type { PolicyDocument } from '../access.js';
import { groupGrantsOf } from './acl-input.js';
import { ROUTES } from './router.js';
import type { Route } from './router.js';
import type { CopySource } from './copy-source.js';

/** The route's action, or its version action when the request names a version. */
export function actionOf(ctx: RequestContext, route: Route): string {
  if (route.versionAction !== undefined && ctx.rawQuery !== '' && ctx.query.has('versionId')) return route.versionAction;
  return route.action;
}

/** What the authorizer reads of a bucket: everything rides on its cached record. */
function bucketResource(bucket: BucketRecord | undefined): Pick<Resource, 'bucketOwnerId' | 'bucketAcl' | 'policy' | 'ownership' | 'publicAccessBlock'> {
  if (!bucket) return { bucketOwnerId: null };
  const c = bucket.config;
  return { bucketOwnerId: bucket.ownerId, bucketAcl: c.acl, policy: c.policy?.document, ownership: c.ownership, publicAccessBlock: c.publicAccessBlock };
}

/** The object a request names, when the answer depends on it (needsObject): null when it is not there. */
async function objectFacts(
  ctx: RequestContext,
  action: string,
  principal: Principal,
  bucket: BucketRecord | undefined,
  key: string | undefined,
  versionId: string | undefined,
): Promise<ObjectFacts | null | undefined> {
  if (!bucket || key === undefined) return undefined;
  const c = bucket.config;
  if (!needsObject(action, principal, { ownerId: bucket.ownerId, policy: c.policy?.document, ownership: c.ownership, foreignObjects: c.foreignObjects })) return undefined;
  const o = await ctx.engine.objectForAccess(bucket.name, key, versionId);
  return o ? { ownerId: o.ownerId, acl: o.acl, tags: o.tags } : null;
}

/**
 * Ask about the request itself: the route's action on the bucket or object it names. Returns the
 * bucket's record when one was looked up (dispatch reads its region).
 */
export async function authorizeRequest(ctx: RequestContext, route: Route, principal: Principal, extraFacts: Partial<RequestFacts> = {}): Promise<BucketRecord | undefined> {
  const action = actionOf(ctx, route);
  const needsOwner = needsBucketOwner(action);
  const bucket = needsOwner ? await ctx.engine.getBucket(ctx.bucket!) : undefined;
  const versionId = ctx.rawQuery === '' ? undefined : (ctx.query.get('versionId') ?? undefined);
  const key = route.on === 'object' ? ctx.key : undefined;
  // A policy testing the tags in a PutObjectTagging body can only be answered once the body is
  // read: the handler asks then (authorizeRequestTags), and nothing is changed before it does.
  const policy = bucket?.config.policy?.document;
  if (TAGS_IN_BODY.has(route.op) && extraFacts.requestTags === undefined && policy !== undefined && policyTestsRequestTags(policy)) return bucket;
  authorize({
    action,
    principal,
    facts: { ...requestFacts(ctx), ...extraFacts },
    resource: {
      arn: resourceArn(ctx.bucket, key),
      bucket: ctx.bucket,
      key: ctx.key,
      versionId,
      ...(needsOwner ? bucketResource(bucket) : {}),
      object: await objectFacts(ctx, action, principal, bucket, key, versionId),
    },
    expectedBucketOwner: header(ctx, 'x-amz-expected-bucket-owner'),
  });
  return bucket;
}

/** Routes whose request tags are in the body, not in x-amz-tagging. */
const TAGS_IN_BODY: ReadonlySet<string> = new Set(['PutObjectTagging']);

/**
 * PutObjectTagging's tag set is in its body, read after the request was first asked about: when
 * the bucket policy tests s3:RequestObjectTag/… or s3:RequestObjectTagKeys, the request is asked
 * again with those tags. https://docs.aws.amazon.com/AmazonS3/latest/userguide/tagging-and-policies.html
 */
export async function authorizeRequestTags(ctx: RequestContext, tags: readonly { key: string; value: string }[]): Promise<void> {
  const policy = (await ctx.engine.getBucket(ctx.bucket!))?.config.policy?.document;
  if (policy === undefined || !policyTestsRequestTags(policy)) return;
  const route = ROUTES.find((r) => r.op === ctx.op);
  if (route === undefined) throw new Error(`no route for ${ctx.op}`);
  await authorizeRequest(ctx, route, principalOf(ctx), { requestTags: tags });
}

/**
 * Ask whether the ACL a request sets may be set on this bucket or its objects (Block Public
 * Access's BlockPublicAcls), once the handler has parsed it from headers, a document or a form.
 */
export async function authorizeNewAcl(ctx: RequestContext, bucketName: string, acl: AclInput | undefined): Promise<void> {
  if (acl === undefined) return;
  const bucket = await ctx.engine.getBucket(bucketName);
  const d = decideNewAcl(groupGrantsOf(acl), bucket?.config.publicAccessBlock);
  if (!d.allowed) throw d.error;
}

/** Ask whether a bucket policy may be set (Block Public Access's BlockPublicPolicy). */
export async function authorizeNewPolicy(ctx: RequestContext, bucketName: string, policy: PolicyDocument): Promise<void> {
  const bucket = await ctx.engine.getBucket(bucketName);
  const d = decideNewPolicy(policy, bucket?.config.publicAccessBlock);
  if (!d.allowed) throw d.error;
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
  const action = copySourceAction(source);
  authorize({
    action,
    principal,
    facts: requestFacts(ctx),
    resource: {
      arn: resourceArn(source.bucket, source.key),
      bucket: source.bucket,
      key: source.key,
      versionId: source.versionId,
      ...bucketResource(bucket),
      object: await objectFacts(ctx, action, principal, bucket, source.key, source.versionId),
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
    resource: { arn: resourceArn(ctx.bucket, key), bucket: ctx.bucket, key, ...bucketResource(bucket) },
    expectedBucketOwner: header(ctx, 'x-amz-expected-bucket-owner'),
  });
  return bucket;
}

/**
 * Whether x-amz-bypass-governance-retention is honoured: sent as true, and s3:BypassGovernanceRetention
 * granted on the object (on every object of the bucket for DeleteObjects, whose keys are in the
 * body). Without the permission the header is ignored, so a GOVERNANCE lock still holds.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html#object-lock-managing-bypass
 */
export function mayBypassGovernance(ctx: RequestContext, bucket: BucketRecord | undefined, principal: Principal): boolean {
  if (header(ctx, 'x-amz-bypass-governance-retention')?.trim().toLowerCase() !== 'true') return false;
  const key = ctx.key ?? '*';
  return decide({
    action: 's3:BypassGovernanceRetention',
    principal,
    facts: requestFacts(ctx),
    resource: { arn: resourceArn(ctx.bucket, key), bucket: ctx.bucket, key, ...bucketResource(bucket) },
    expectedBucketOwner: header(ctx, 'x-amz-expected-bucket-owner'),
  }).allowed;
}
