// Bucket handlers: CreateBucket, HeadBucket, DeleteBucket, ListBuckets, GetBucketLocation,
// Get/PutBucketVersioning.
import { S3Error } from '../errors.js';
import type { RequestContext, S3Result } from '../http/context.js';
import { header } from '../http/context.js';
import { readWholeBody } from '../http/body.js';
import { refuseUnsupportedHeaders } from './object-headers.js';
import { parseMaxKeys } from './list.js';
import { isoDate, parseXml, renderXml, textOf } from './xml.js';
import { parseAclHeaders } from './acl-input.js';
import { parseObjectOwnershipHeader } from './bucket-access.js';

/** The LocationConstraint of a CreateBucket body (none when the body is empty), or MalformedXML. */
export function parseCreateBucketConfiguration(text: string): string | undefined {
  if (text.trim() === '') return undefined;
  const doc = parseXml(text);
  const conf = doc.CreateBucketConfiguration;
  if (conf === undefined) throw new S3Error('MalformedXML');
  const lc = textOf(conf, 'LocationConstraint');
  return lc !== undefined && lc.trim() !== '' ? lc.trim() : undefined;
}

export async function createBucket(ctx: RequestContext): Promise<S3Result> {
  refuseUnsupportedHeaders(ctx.req.headers);
  // A bucket created with Object Lock has versioning Enabled from the start, for good.
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html#AmazonS3-CreateBucket-request-header-ObjectLockEnabledForBucket
  const objectLockEnabled = header(ctx, 'x-amz-bucket-object-lock-enabled')?.trim().toLowerCase() === 'true';
  const { text } = await readWholeBody(ctx);
  const locationConstraint = parseCreateBucketConfiguration(text);
  const acl = parseAclHeaders(ctx.req.headers);
  const ownership = parseObjectOwnershipHeader(header(ctx, 'x-amz-object-ownership'));
  // A new bucket has no Block Public Access settings yet: any ACL may be given.
  await ctx.engine.createBucket({ bucket: ctx.bucket!, ownerId: ctx.user!.id, locationConstraint, acl, ownership, objectLockEnabled });
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

/**
 * A VersioningConfiguration document: Status Enabled or Suspended (absent: unchanged), MfaDelete
 * Disabled or absent. MFA Delete needs an MFA device on the account, which Coffer does not have,
 * so asking for it is refused rather than ignored.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html
 */
export function parseVersioningConfiguration(text: string): { status?: 'Enabled' | 'Suspended' } {
  const doc = parseXml(text);
  const conf = doc.VersioningConfiguration;
  if (conf === undefined || Array.isArray(conf) || (typeof conf === 'string' && conf.trim() !== '')) throw new S3Error('MalformedXML');
  const status = textOf(conf, 'Status')?.trim();
  if (status !== undefined && status !== 'Enabled' && status !== 'Suspended') throw new S3Error('MalformedXML');
  const mfa = textOf(conf, 'MfaDelete')?.trim();
  if (mfa !== undefined && mfa !== 'Enabled' && mfa !== 'Disabled') throw new S3Error('MalformedXML');
  if (mfa === 'Enabled') throw mfaDeleteRefused();
  return { status };
}

function mfaDeleteRefused(): S3Error {
  return new S3Error('NotImplemented', { message: 'MFA Delete is not supported: this server has no MFA devices, so versioning cannot require MFA to delete.' });
}

export async function putBucketVersioning(ctx: RequestContext): Promise<S3Result> {
  if (header(ctx, 'x-amz-mfa') !== undefined) throw mfaDeleteRefused();
  const { text } = await readWholeBody(ctx);
  const { status } = parseVersioningConfiguration(text);
  if (status !== undefined) await ctx.engine.putBucketVersioning({ bucket: ctx.bucket!, status });
  else await ctx.engine.headBucket(ctx.bucket!);
  return { status: 200 };
}
