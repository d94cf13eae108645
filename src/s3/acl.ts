// Get/PutBucketAcl and Get/PutObjectAcl: `?acl` of a bucket, or of an object (optionally one
// version). An ACL is set by x-amz-acl, by x-amz-grant-* headers, or by an AccessControlPolicy
// document, never by a header and a document at once.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAcl.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html
import { S3Error } from '../errors.js';
import type { RequestContext, S3Result } from '../http/context.js';
import { readWholeBody } from '../http/body.js';
import type { AclInput } from '../engine/access.js';
import type { AclGrant } from '../auth/acl.js';
import { parseAclDocument, parseAclHeaders, renderAcl } from './acl-input.js';
import { authorizeNewAcl } from './authorize.js';
import { objectTarget } from './object-target.js';

/** Display names of the owner and of every user an ACL grants to. */
async function displayNames(ctx: RequestContext, ownerId: string, grants: readonly AclGrant[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const ids = new Set([ownerId, ...grants.flatMap((g) => (g.grantee.type === 'CanonicalUser' ? [g.grantee.id] : []))]);
  for (const id of ids) {
    const user = await ctx.engine.getUser(id);
    if (user) names.set(id, user.name);
  }
  return names;
}

/**
 * The ACL a Put*Acl request sets: from its headers, or from its body. A header and a body
 * together are 400 UnexpectedContent; neither is MissingSecurityHeader, as S3 answers.
 */
async function requestedAcl(ctx: RequestContext): Promise<AclInput> {
  const fromHeaders = parseAclHeaders(ctx.req.headers);
  const { text } = await readWholeBody(ctx);
  if (fromHeaders !== undefined) {
    if (text.trim() !== '') throw new S3Error('UnexpectedContent');
    return fromHeaders;
  }
  if (text.trim() === '') throw new S3Error('MissingSecurityHeader', { fields: { MissingHeaderName: 'x-amz-acl' } });
  return parseAclDocument(text);
}

export async function getBucketAcl(ctx: RequestContext): Promise<S3Result> {
  const out = await ctx.engine.getBucketAcl(ctx.bucket!);
  return { status: 200, body: renderAcl(out.ownerId, out.acl.grants, await displayNames(ctx, out.ownerId, out.acl.grants)) };
}

export async function putBucketAcl(ctx: RequestContext): Promise<S3Result> {
  const acl = await requestedAcl(ctx);
  await authorizeNewAcl(ctx, ctx.bucket!, acl);
  await ctx.engine.putBucketAcl(ctx.bucket!, acl);
  return { status: 200 };
}

export async function getObjectAcl(ctx: RequestContext): Promise<S3Result> {
  const out = await ctx.engine.getObjectAcl(objectTarget(ctx));
  return {
    status: 200,
    headers: { 'x-amz-version-id': out.versionId },
    body: renderAcl(out.ownerId, out.acl.grants, await displayNames(ctx, out.ownerId, out.acl.grants)),
  };
}

export async function putObjectAcl(ctx: RequestContext): Promise<S3Result> {
  const acl = await requestedAcl(ctx);
  await authorizeNewAcl(ctx, ctx.bucket!, acl);
  const out = await ctx.engine.putObjectAcl(objectTarget(ctx), acl);
  return { status: 200, headers: { 'x-amz-version-id': out.versionId } };
}
