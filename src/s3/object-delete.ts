// DeleteObject and DeleteObjects handlers.
import { S3Error } from '../errors.js';
import type { RequestContext, S3Result } from '../http/context.js';
import { header } from '../http/context.js';
import type { DeleteTarget } from '../engine/object-delete.js';
import { readCheckedBody } from '../http/body.js';
import { parseXml, renderXml, textOf } from './xml.js';

function invalidCondition(name: string, value: string): S3Error {
  return new S3Error('InvalidArgument', { message: `Invalid ${name} value.`, fields: { ArgumentName: name, ArgumentValue: value } });
}

/** A whole number of bytes (x-amz-if-match-size, Size), or undefined when absent. */
function parseSize(value: string | undefined, name: string, code: 'InvalidArgument' | 'MalformedXML'): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,16}$/.test(value.trim())) throw code === 'MalformedXML' ? new S3Error('MalformedXML') : invalidCondition(name, value);
  return Number(value.trim());
}

/**
 * The conditions of a conditional DeleteObject: If-Match, x-amz-if-match-last-modified-time (an
 * HTTP date) and x-amz-if-match-size, alone or together.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html#API_DeleteObject_RequestSyntax
 */
export function parseDeleteConditions(ctx: RequestContext): Pick<DeleteTarget, 'ifMatch' | 'ifMatchLastModifiedTime' | 'ifMatchSize'> {
  const time = header(ctx, 'x-amz-if-match-last-modified-time');
  let ifMatchLastModifiedTime: number | undefined;
  if (time !== undefined) {
    ifMatchLastModifiedTime = Date.parse(time);
    if (Number.isNaN(ifMatchLastModifiedTime)) throw invalidCondition('x-amz-if-match-last-modified-time', time);
  }
  return { ifMatch: header(ctx, 'if-match'), ifMatchLastModifiedTime, ifMatchSize: parseSize(header(ctx, 'x-amz-if-match-size'), 'x-amz-if-match-size', 'InvalidArgument') };
}

export async function deleteObject(ctx: RequestContext): Promise<S3Result> {
  const versionId = ctx.query.get('versionId') ?? undefined;
  const out = await ctx.engine.deleteObject(
    ctx.bucket!,
    ctx.user?.id,
    { key: ctx.key!, versionId, ...parseDeleteConditions(ctx) },
    { bypassGovernance: ctx.bypassGovernance === true },
  );
  return {
    status: 204,
    headers: {
      'x-amz-version-id': out.deleteMarkerVersionId ?? (versionId !== undefined ? out.versionId : undefined),
      'x-amz-delete-marker': out.deleteMarker ? 'true' : undefined,
    },
  };
}

const MAX_DELETE_KEYS = 1000;

/** A DeleteObjects body: the keys (1 to 1000) and Quiet, or MalformedXML. */
export function parseDeleteDocument(text: string): { quiet: boolean; targets: DeleteTarget[] } {
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
    // Per-object conditions: ETag, LastModifiedTime (ISO 8601) and Size.
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ObjectIdentifier.html
    const time = textOf(o, 'LastModifiedTime');
    let ifMatchLastModifiedTime: number | undefined;
    if (time !== undefined) {
      ifMatchLastModifiedTime = Date.parse(time.trim());
      if (Number.isNaN(ifMatchLastModifiedTime)) throw new S3Error('MalformedXML');
    }
    return {
      key,
      versionId: textOf(o, 'VersionId') || undefined,
      ifMatch: textOf(o, 'ETag'),
      ifMatchLastModifiedTime,
      ifMatchSize: parseSize(textOf(o, 'Size'), 'Size', 'MalformedXML'),
    };
  });
  return { quiet, targets };
}

/**
 * DeleteObjects needs an integrity check of its body: Content-MD5, or (what boto3 and the v3
 * SDKs now send instead) an x-amz-checksum-* header or trailer.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
 */
export async function deleteObjects(ctx: RequestContext): Promise<S3Result> {
  const text = await readCheckedBody(ctx);
  const { quiet, targets } = parseDeleteDocument(text);
  const outcomes = await ctx.engine.deleteObjects(ctx.bucket!, ctx.user?.id, targets, { bypassGovernance: ctx.bypassGovernance === true });
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
