// DeleteObject and DeleteObjects handlers.
import { S3Error } from '../errors.js';
import type { RequestContext, S3Result } from '../http/context.js';
import { header } from '../http/context.js';
import type { DeleteTarget } from '../engine/object-delete.js';
import { readWholeBody } from '../http/body.js';
import { parseXml, renderXml, textOf } from './xml.js';

export async function deleteObject(ctx: RequestContext): Promise<S3Result> {
  const versionId = ctx.query.get('versionId') ?? undefined;
  const out = await ctx.engine.deleteObject(ctx.bucket!, ctx.user?.id, { key: ctx.key!, versionId, ifMatch: header(ctx, 'if-match') });
  return {
    status: 204,
    headers: {
      'x-amz-version-id': out.deleteMarkerVersionId ?? (versionId !== undefined ? out.versionId : undefined),
      'x-amz-delete-marker': out.deleteMarker ? 'true' : undefined,
    },
  };
}

const MAX_DELETE_KEYS = 1000;

/**
 * DeleteObjects needs an integrity check of its body: Content-MD5, or (what boto3 and the v3
 * SDKs now send instead) an x-amz-checksum-* header or trailer.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
 */
export async function deleteObjects(ctx: RequestContext): Promise<S3Result> {
  const { text, integrityChecked } = await readWholeBody(ctx);
  if (!integrityChecked) {
    throw new S3Error('InvalidRequest', { message: 'Missing required header for this request: Content-MD5' });
  }
  const doc = parseXml(text, new Set(['Object']));
  const del = doc.Delete as Record<string, unknown> | undefined;
  if (!del || typeof del !== 'object') throw new S3Error('MalformedXML');
  const objects = (del.Object ?? []) as unknown[];
  if (!Array.isArray(objects) || objects.length === 0) throw new S3Error('MalformedXML');
  if (objects.length > MAX_DELETE_KEYS)
    throw new S3Error('MalformedXML', { message: 'The XML you provided was not well-formed or did not validate against our published schema (at most 1000 keys).' });
  const quietText = textOf(del, 'Quiet');
  if (quietText !== undefined && !['true', 'false'].includes(quietText.trim().toLowerCase())) throw new S3Error('MalformedXML');
  const quiet = quietText?.trim().toLowerCase() === 'true';
  const targets: DeleteTarget[] = objects.map((o) => {
    const key = textOf(o, 'Key');
    if (key === undefined || key === '') throw new S3Error('MalformedXML');
    return { key, versionId: textOf(o, 'VersionId') || undefined, ifMatch: textOf(o, 'ETag') };
  });
  const outcomes = await ctx.engine.deleteObjects(ctx.bucket!, ctx.user?.id, targets);
  const deleted = [];
  const errors = [];
  for (const o of outcomes) {
    if ('ok' in o) {
      if (quiet) continue;
      deleted.push({
        Key: o.ok.key,
        VersionId: o.ok.versionId,
        DeleteMarker: o.ok.deleteMarker ? 'true' : undefined,
        DeleteMarkerVersionId: o.ok.deleteMarkerVersionId,
      });
    } else {
      errors.push({ Key: o.key, VersionId: o.versionId, Code: o.error.code, Message: o.error.message });
    }
  }
  return { status: 200, body: renderXml('DeleteResult', { Deleted: deleted, Error: errors }) };
}
