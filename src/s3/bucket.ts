// Bucket handlers: CreateBucket, HeadBucket, DeleteBucket, ListBuckets, GetBucketLocation.
import { S3Error } from '../errors.js';
import type { RequestContext, S3Result } from '../http/context.js';
import { header } from '../http/context.js';
import { readWholeBody } from '../http/body.js';
import { refuseUnsupportedHeaders } from './object-headers.js';
import { parseMaxKeys } from './list.js';
import { isoDate, parseXml, renderXml, textOf } from './xml.js';
import { parseAclHeaders } from './acl-input.js';
import { parseObjectOwnershipHeader } from './bucket-access.js';

export async function createBucket(ctx: RequestContext): Promise<S3Result> {
  refuseUnsupportedHeaders(ctx.req.headers);
  if (header(ctx, 'x-amz-bucket-object-lock-enabled')?.toLowerCase() === 'true') {
    throw new S3Error('NotImplemented', { fields: { Header: 'x-amz-bucket-object-lock-enabled' } });
  }
  const { text } = await readWholeBody(ctx);
  let locationConstraint: string | undefined;
  if (text.trim() !== '') {
    const doc = parseXml(text);
    const conf = doc.CreateBucketConfiguration;
    if (conf === undefined) throw new S3Error('MalformedXML');
    const lc = textOf(conf, 'LocationConstraint');
    if (lc !== undefined && lc.trim() !== '') locationConstraint = lc.trim();
  }
  const acl = parseAclHeaders(ctx.req.headers);
  const ownership = parseObjectOwnershipHeader(header(ctx, 'x-amz-object-ownership'));
  // A new bucket has no Block Public Access settings yet: any ACL may be given.
  await ctx.engine.createBucket({ bucket: ctx.bucket!, ownerId: ctx.user!.id, locationConstraint, acl, ownership });
  return { status: 200, headers: { Location: `/${ctx.bucket!}` } };
}

export async function headBucket(ctx: RequestContext): Promise<S3Result> {
  const b = await ctx.engine.headBucket(ctx.bucket!);
  return { status: 200, headers: { 'x-amz-bucket-region': b.region, 'x-amz-access-point-alias': 'false' } };
}

export async function deleteBucket(ctx: RequestContext): Promise<S3Result> {
  await ctx.engine.deleteBucket(ctx.bucket!);
  return { status: 204 };
}

export async function getBucketLocation(ctx: RequestContext): Promise<S3Result> {
  const b = await ctx.engine.headBucket(ctx.bucket!);
  // us-east-1 is reported as an empty LocationConstraint, as S3 does.
  return { status: 200, body: renderXml('LocationConstraint', { '#text': b.region === 'us-east-1' ? '' : b.region }) };
}

export async function listBuckets(ctx: RequestContext): Promise<S3Result> {
  const maxBuckets = parseMaxKeys(ctx.query.get('max-buckets'), 'max-buckets', 10000);
  if (ctx.query.has('max-buckets') && maxBuckets < 1) {
    throw new S3Error('InvalidArgument', { message: 'Provided max-buckets not an integer or within integer range', fields: { ArgumentName: 'max-buckets' } });
  }
  const prefix = ctx.query.get('prefix') ?? '';
  const regionFilter = ctx.query.get('bucket-region');
  const out = await ctx.engine.listBuckets({
    ownerId: ctx.user!.id,
    prefix,
    continuationToken: ctx.query.get('continuation-token') ?? undefined,
    maxBuckets,
  });
  const buckets = out.buckets.filter((b) => regionFilter === null || b.region === regionFilter);
  return {
    status: 200,
    body: renderXml('ListAllMyBucketsResult', {
      Owner: { ID: ctx.user!.id, DisplayName: ctx.user!.name },
      Buckets: { Bucket: buckets.map((b) => ({ Name: b.name, CreationDate: isoDate(b.createdAt), BucketRegion: b.region })) },
      ContinuationToken: out.continuationToken,
      Prefix: ctx.query.has('prefix') ? prefix : undefined,
    }),
  };
}

export async function getBucketVersioning(ctx: RequestContext): Promise<S3Result> {
  const b = await ctx.engine.headBucket(ctx.bucket!);
  // A bucket that never had versioning configured answers an empty configuration.
  return { status: 200, body: renderXml('VersioningConfiguration', { Status: b.versioning ?? undefined }) };
}
