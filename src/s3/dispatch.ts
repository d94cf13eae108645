// The S3 side of a request: address → authenticate → route → authorize → handler.
import { S3Error } from '../errors.js';
import type { RequestContext, S3Result } from '../http/context.js';
import { header } from '../http/context.js';
import { resolveTarget } from '../http/addressing.js';
import type { RequestVerifier } from '../auth/sigv4.js';
import type { RateLimiter } from '../http/rate-limit.js';
import { matchRoute } from './router.js';
import type { On, Route } from './router.js';
import { refuseBody } from './body.js';
import * as bucket from './bucket.js';
import * as list from './list.js';
import { listObjectVersions } from './list-versions.js';
import * as put from './object-put.js';
import * as get from './object-get.js';
import * as del from './object-delete.js';
import * as mpu from './multipart.js';
import { getObjectAttributes } from './object-attributes.js';
import * as objectTagging from './object-tagging.js';
import * as bucketTagging from './bucket-tagging.js';

type Handler = (ctx: RequestContext) => Promise<S3Result>;

export const HANDLERS: Record<string, Handler> = {
  ListBuckets: bucket.listBuckets,
  CreateBucket: bucket.createBucket,
  HeadBucket: bucket.headBucket,
  DeleteBucket: bucket.deleteBucket,
  GetBucketLocation: bucket.getBucketLocation,
  GetBucketVersioning: bucket.getBucketVersioning,
  ListObjects: list.listObjects,
  ListObjectsV2: list.listObjectsV2,
  ListObjectVersions: listObjectVersions,
  DeleteObjects: del.deleteObjects,
  PutObject: put.putObject,
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
};

/**
 * Until ACLs and policies exist, a bucket is reachable by its owner only, and a bucket that
 * lives in another region this deployment knows is answered with a redirect there.
 */
async function authorize(ctx: RequestContext, route: Route): Promise<void> {
  if (route.on === 'service' || route.op === 'CreateBucket') return;
  const b = await ctx.engine.getBucket(ctx.bucket!);
  if (!b) throw new S3Error('NoSuchBucket', { fields: { BucketName: ctx.bucket! } });
  if (b.ownerId !== ctx.user!.id) throw new S3Error('AccessDenied');
  const expectedOwner = header(ctx, 'x-amz-expected-bucket-owner');
  if (expectedOwner !== undefined && expectedOwner !== b.ownerId) throw new S3Error('AccessDenied');
  if (b.region !== ctx.config.region) {
    const endpoint = ctx.config.regionEndpoints.get(b.region);
    if (endpoint) {
      throw new S3Error('TemporaryRedirect', {
        headers: { Location: endpoint + ctx.req.url, 'x-amz-bucket-region': b.region },
        fields: { Bucket: b.name, Endpoint: new URL(endpoint).host },
      });
    }
  }
}

export async function dispatchS3(ctx: RequestContext, verifier: RequestVerifier, limiter: RateLimiter): Promise<S3Result> {
  const target = resolveTarget(header(ctx, 'host'), ctx.rawPath, ctx.config.domains);
  ctx.bucket = target.bucket;
  ctx.key = target.key;
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
  const on: On = target.key !== undefined ? 'object' : target.bucket !== undefined ? 'bucket' : 'service';
  const route = matchRoute({ method: ctx.req.method ?? 'GET', on, query: ctx.query, queryEmpty: ctx.rawQuery === '', hasHeader: (n) => ctx.req.headers[n] !== undefined });
  ctx.op = route.op;
  if (auth.anonymous || !auth.credential) {
    // Anonymous access arrives with ACLs and bucket policies; until then it is refused. Like S3,
    // a bucket that does not exist is said so to anyone.
    if (route.on !== 'service' && route.op !== 'CreateBucket' && !(await ctx.engine.getBucket(ctx.bucket!))) {
      throw new S3Error('NoSuchBucket', { fields: { BucketName: ctx.bucket! } });
    }
    throw new S3Error('AccessDenied');
  }
  const user = (await ctx.engine.lookupAccessKey(auth.credential.accessKeyId))?.user;
  if (!user) throw new S3Error('InvalidAccessKeyId');
  ctx.user = user;
  await authorize(ctx, route);
  if (route.body === 'none') refuseBody(ctx);
  const handler = HANDLERS[route.op];
  if (!handler) throw new Error(`no handler for ${route.op}`);
  return handler(ctx);
}
