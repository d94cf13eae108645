// Put/Get/DeleteObjectTagging: `?tagging` of an object, optionally of one version.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html
import type { RequestContext, S3Result } from '../http/context.js';
import type { Tag } from '../engine/records.js';
import { readWholeBody } from '../http/body.js';
import { parseTaggingDocument } from './tagging-input.js';
import { authorizeRequestTags } from './authorize.js';
import { renderXml } from './xml.js';
import { objectTarget } from './object-target.js';

/** The Tagging document of GetObjectTagging and GetBucketTagging, in S3's namespace. */
export function renderTagging(tags: readonly Tag[]): string {
  return renderXml('Tagging', { TagSet: { Tag: tags.map((t) => ({ Key: t.key, Value: t.value })) } });
}

export async function getObjectTagging(ctx: RequestContext): Promise<S3Result> {
  const out = await ctx.engine.getObjectTagging(objectTarget(ctx));
  return { status: 200, headers: { 'x-amz-version-id': out.versionId }, body: renderTagging(out.tags) };
}

/**
 * The body's Content-MD5 or x-amz-checksum-* is checked when sent but not required: S3 takes
 * PutObjectTagging without either (observed, https://github.com/versity/versitygw/issues/1662).
 * "If you send this request with an empty tag set, Amazon S3 deletes the existing tag set."
 */
export async function putObjectTagging(ctx: RequestContext): Promise<S3Result> {
  const { text } = await readWholeBody(ctx);
  const tags = parseTaggingDocument(text, 'object');
  await authorizeRequestTags(ctx, tags);
  const out = await ctx.engine.putObjectTagging({ ...objectTarget(ctx), tags });
  return { status: 200, headers: { 'x-amz-version-id': out.versionId } };
}

export async function deleteObjectTagging(ctx: RequestContext): Promise<S3Result> {
  const out = await ctx.engine.deleteObjectTagging(objectTarget(ctx));
  return { status: 204, headers: { 'x-amz-version-id': out.versionId } };
}
