// The S3 side of a request: address → authenticate → route → authorize (once, and once more for a
// copy's source) → handler.
import { S3Error } from '../errors.js';
import type { RequestContext, S3Result } from '../http/context.js';
import { header } from '../http/context.js';
import { resolveTarget } from '../http/addressing.js';
import type { RequestVerifier } from '../auth/sigv4.js';
import type { RateLimiter } from '../http/rate-limit.js';
import { ROUTES, checkRouteTable, matchRoute } from './router.js';
import type { On } from './router.js';
import { authorizeCopySource, authorizeRequest, mayBypassGovernance } from './authorize.js';
import { principalOf } from '../http/request-facts.js';
import { parseCopySource } from './copy-source.js';
import type { BucketRecord } from '../engine/records.js';
import { refuseBody } from '../http/body.js';
import * as bucket from './bucket.js';
import * as list from './list.js';
import { listObjectVersions } from './list-versions.js';
import * as put from './object-put.js';
import * as get from './object-get.js';
import * as del from './object-delete.js';
import * as mpu from './multipart.js';
import { getObjectAttributes } from './object-attributes.js';
import { postObject } from './object-post.js';
import * as objectTagging from './object-tagging.js';
import * as bucketTagging from './bucket-tagging.js';
import { restoreObject } from './object-restore.js';
import * as lifecycle from './bucket-lifecycle.js';
import * as bucketCors from './bucket-cors.js';
import { applyCorsHeaders, corsPreflight } from './cors.js';
import * as acl from './acl.js';
import * as policy from './bucket-policy.js';
import * as bucketAccess from './bucket-access.js';
import * as bucketEncryption from './bucket-encryption.js';
import * as objectLock from './object-lock.js';

type Handler = (ctx: RequestContext) => Promise<S3Result>;

export const HANDLERS: Record<string, Handler> = {
  ListBuckets: bucket.listBuckets,
  CreateBucket: bucket.createBucket,
  HeadBucket: bucket.headBucket,
  DeleteBucket: bucket.deleteBucket,
  GetBucketLocation: bucket.getBucketLocation,
  GetBucketVersioning: bucket.getBucketVersioning,
  PutBucketVersioning: bucket.putBucketVersioning,
  PutObjectLockConfiguration: objectLock.putObjectLockConfiguration,
  GetObjectLockConfiguration: objectLock.getObjectLockConfiguration,
  PutObjectRetention: objectLock.putObjectRetention,
  GetObjectRetention: objectLock.getObjectRetention,
  PutObjectLegalHold: objectLock.putObjectLegalHold,
  GetObjectLegalHold: objectLock.getObjectLegalHold,
  ListObjects: list.listObjects,
  ListObjectsV2: list.listObjectsV2,
  ListObjectVersions: listObjectVersions,
  DeleteObjects: del.deleteObjects,
  PutObject: put.putObject,
  PostObject: postObject,
  CopyObject: put.copyObject,
  GetObject: get.getObject,
  HeadObject: get.getObject,
  DeleteObject: del.deleteObject,
  GetObjectAttributes: getObjectAttributes,
  CreateMultipartUpload: mpu.createMultipartUpload,
  UploadPart: mpu.uploadPart,
  UploadPartCopy: mpu.uploadPartCopy,
  CompleteMultipartUpload: mpu.completeMultipartUpload,
  AbortMultipartUpload: mpu.abortMultipartUpload,
  ListMultipartUploads: mpu.listMultipartUploads,
  ListParts: mpu.listParts,
  GetObjectTagging: objectTagging.getObjectTagging,
  PutObjectTagging: objectTagging.putObjectTagging,
  DeleteObjectTagging: objectTagging.deleteObjectTagging,
  GetBucketTagging: bucketTagging.getBucketTagging,
  PutBucketTagging: bucketTagging.putBucketTagging,
  DeleteBucketTagging: bucketTagging.deleteBucketTagging,
  RestoreObject: restoreObject,
  GetBucketLifecycleConfiguration: lifecycle.getBucketLifecycleConfiguration,
  PutBucketLifecycleConfiguration: lifecycle.putBucketLifecycleConfiguration,
  DeleteBucketLifecycle: lifecycle.deleteBucketLifecycle,
  GetBucketCors: bucketCors.getBucketCors,
  PutBucketCors: bucketCors.putBucketCors,
  DeleteBucketCors: bucketCors.deleteBucketCors,
  GetBucketAcl: acl.getBucketAcl,
  PutBucketAcl: acl.putBucketAcl,
  GetObjectAcl: acl.getObjectAcl,
  PutObjectAcl: acl.putObjectAcl,
  GetBucketPolicy: policy.getBucketPolicy,
  PutBucketPolicy: policy.putBucketPolicy,
  DeleteBucketPolicy: policy.deleteBucketPolicy,
  GetBucketPolicyStatus: policy.getBucketPolicyStatus,
  GetBucketOwnershipControls: bucketAccess.getBucketOwnershipControls,
  PutBucketOwnershipControls: bucketAccess.putBucketOwnershipControls,
  DeleteBucketOwnershipControls: bucketAccess.deleteBucketOwnershipControls,
  GetPublicAccessBlock: bucketAccess.getPublicAccessBlock,
  PutPublicAccessBlock: bucketAccess.putPublicAccessBlock,
  DeletePublicAccessBlock: bucketAccess.deletePublicAccessBlock,
  GetBucketEncryption: bucketEncryption.getBucketEncryption,
  PutBucketEncryption: bucketEncryption.putBucketEncryption,
  DeleteBucketEncryption: bucketEncryption.deleteBucketEncryption,
};

/** Every route has a handler, and the table passes its own checks: refused at start-up otherwise. */
export function checkS3Routes(): void {
  checkRouteTable();
  for (const r of ROUTES) if (!HANDLERS[r.op]) throw new Error(`route ${r.op} has no handler`);
}

/**
 * A bucket that lives in another region this deployment knows is answered with a redirect there.
 * Addressed by its own host name (virtual-hosted style), the name should resolve to that region:
 * TemporaryRedirect, "while DNS updates", to the bucket's host in the other region. Addressed by
 * path, no DNS will ever help: Redirect, to the same path on the other region's endpoint.
 * GetBucketLocation is how a client finds the region, so it answers from any region.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/Redirects.html
 */
function redirectToRegion(ctx: RequestContext, b: BucketRecord, virtualHosted: boolean): void {
  if (b.region === ctx.config.region || ctx.op === 'GetBucketLocation') return;
  const endpoint = ctx.config.regionEndpoints.get(b.region);
  if (!endpoint) return;
  const there = new URL(endpoint);
  if (virtualHosted) there.hostname = `${b.name}.${there.hostname}`;
  const location = there.origin + there.pathname.replace(/\/$/, '') + ctx.req.url;
  throw new S3Error(virtualHosted ? 'TemporaryRedirect' : 'Redirect', {
    headers: { Location: location, 'x-amz-bucket-region': b.region },
    fields: { Bucket: b.name, Endpoint: there.host },
  });
}

/**
 * Requests that carry no credentials by their nature: a CORS preflight (browsers never send
 * them, https://fetch.spec.whatwg.org/#cors-preflight-fetch) and a browser POST upload (signed
 * by its policy fields). An Authorization header on one is refused. (A preflight's URL may well be
 * a presigned one: the browser asks about the URL it will fetch, query and all.)
 */
function refuseCredentials(ctx: RequestContext): void {
  if (header(ctx, 'authorization') !== undefined) throw new S3Error('CredentialsNotSupported');
}

export async function dispatchS3(ctx: RequestContext, verifier: RequestVerifier, limiter: RateLimiter): Promise<S3Result> {
  const target = resolveTarget(header(ctx, 'host'), ctx.rawPath, ctx.config.domains);
  ctx.bucket = target.bucket;
  ctx.key = target.key;
  // A preflight carries no credentials and is answered from the bucket's CORS rules alone.
  if (ctx.req.method === 'OPTIONS') {
    refuseCredentials(ctx);
    return corsPreflight(ctx);
  }
  // Before authentication: a refusal of a cross-origin request carries the CORS headers too, so
  // the page can read it.
  if (ctx.req.headers.origin !== undefined) await applyCorsHeaders(ctx);
  // The route is known before authentication, so a refused signature is counted and logged under
  // its operation; a request no route takes still fails authentication first.
  const on: On = target.key !== undefined ? 'object' : target.bucket !== undefined ? 'bucket' : 'service';
  const routeRequest = { method: ctx.req.method ?? 'GET', on, query: ctx.query, queryEmpty: ctx.rawQuery === '', hasHeader: (n: string) => ctx.req.headers[n] !== undefined };
  let matched: ReturnType<typeof matchRoute> | undefined;
  try {
    matched = matchRoute(routeRequest);
    ctx.op = matched.op;
  } catch {
    // Thrown again below, after authentication, as before.
  }
  // A browser form is signed by its own fields; credentials beside them are refused, not chosen between.
  if (matched?.postForm === true) refuseCredentials(ctx);
  const auth = await verifier.authenticate({
    method: ctx.req.method ?? 'GET',
    rawPath: ctx.rawPath,
    rawQuery: ctx.rawQuery,
    headers: ctx.req.headers,
    rawHeaders: ctx.req.rawHeaders,
    now: new Date(),
    hostBucket: target.virtualHosted === true ? target.bucket : undefined,
  });
  ctx.auth = auth;
  if (auth.credential) limiter.take(auth.credential.accessKeyId);
  const route = matched ?? matchRoute(routeRequest);
  if (!auth.anonymous && auth.credential) {
    const user = (await ctx.engine.lookupAccessKey(auth.credential.accessKeyId))?.user;
    if (!user) throw new S3Error('InvalidAccessKeyId');
    ctx.user = user;
  }
  const principal = principalOf(ctx);
  // A POST form is authorized by its handler, for the key and signer its fields name.
  const bucket = route.postForm === true ? undefined : await authorizeRequest(ctx, route, principal);
  if (bucket) redirectToRegion(ctx, bucket, target.virtualHosted === true);
  ctx.bypassGovernance = mayBypassGovernance(ctx, bucket, principal);
  if (route.body === 'none') refuseBody(ctx);
  if (route.copySource === true) await authorizeCopySource(ctx, parseCopySource(header(ctx, 'x-amz-copy-source') ?? ''), principal);
  const handler = HANDLERS[route.op];
  if (!handler) throw new Error(`no handler for ${route.op}`);
  return handler(ctx);
}
