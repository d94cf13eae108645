// GetObject and HeadObject handlers.
import { S3Error } from '../errors.js';
import type { RequestContext, S3Result } from '../http/context.js';
import { header } from '../http/context.js';
import type { ObjectRecord } from '../engine/records.js';
import type { RangeSpec } from '../engine/object-read.js';
import { partLayout } from '../engine/object-read.js';
import { parseReadConditions, parseResponseOverrides, refuseUnsupportedHeaders } from './object-headers.js';
import { checksumResponseHeaders, quoteEtag } from './object-put.js';
import { recentlyComputed } from '../memo.js';
import { parseSseCustomer, refuseSseWriteHeaders, sseResponseHeaders } from './sse-headers.js';
import { encodeMetadataValue } from './rfc2047.js';

/** `bytes=a-b`, `bytes=a-`, `bytes=-n`. Anything else is ignored, as S3 does (whole object). */
export function parseRange(value: string | undefined): RangeSpec | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*bytes=(\d*)-(\d*)\s*$/i.exec(value);
  if (!m) return undefined;
  const [, a, b] = m;
  if (a === '' && b === '') return undefined;
  if (a === '') return { suffix: Number(b) };
  const start = Number(a);
  if (b === '') return { start };
  const end = Number(b);
  if (end < start) return undefined;
  return { start, end };
}

/** Last-Modified strings of recently read objects: formatting a date costs more than a lookup. */
const httpDate = recentlyComputed(1024, (ms: number) => new Date(ms).toUTCString());

/** The stored content headers other than Content-Type, by the name they are sent under. */
const CONTENT_HEADER_NAMES: ReadonlyMap<string, string> = new Map([
  ['content-encoding', 'Content-Encoding'],
  ['content-disposition', 'Content-Disposition'],
  ['content-language', 'Content-Language'],
  ['cache-control', 'Cache-Control'],
  ['expires', 'Expires'],
]);

/**
 * A stored content header as header bytes. A request header arrives one character per byte, so
 * it goes back as it came; a POST form field is UTF-8 text and may hold characters a header
 * cannot carry as such (a browser's `filename="東京.txt"`): those go out as their UTF-8 bytes, as
 * the response-* overrides do (object-headers.ts).
 */
function headerBytes(value: string): string {
  return /[^\x00-\xff]/.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value;
}

export function objectHeaders(obj: ObjectRecord, versioned: boolean): Record<string, string | number | undefined> {
  const ch = obj.contentHeaders;
  const h: Record<string, string | number | undefined> = {
    ETag: quoteEtag(obj.etag),
    'Last-Modified': httpDate(obj.lastModified),
    'Accept-Ranges': 'bytes',
    'Content-Type': headerBytes(ch['content-type'] ?? 'binary/octet-stream'),
  };
  // Most objects have none of these: only the ones present become headers.
  for (const name in ch) {
    const header = CONTENT_HEADER_NAMES.get(name);
    if (header !== undefined) h[header] = headerBytes(ch[name]!);
  }
  if (obj.storageClass !== 'STANDARD') h['x-amz-storage-class'] = obj.storageClass;
  const restore = restoreHeader(obj);
  if (restore !== undefined) h['x-amz-restore'] = restore;
  if (versioned) h['x-amz-version-id'] = obj.versionId;
  for (const k in obj.userMetadata) h[`x-amz-meta-${k}`] = encodeMetadataValue(obj.userMetadata[k]!);
  // "The number of tags, if any, on the object": absent when it has none.
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#AmazonS3-GetObject-response-header-TagCount
  if (obj.tags !== undefined && obj.tags.length > 0) h['x-amz-tagging-count'] = obj.tags.length;
  // The version's Object Lock, as GetObject and HeadObject report it.
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html#AmazonS3-HeadObject-response-header-ObjectLockMode
  const lock = obj.lock;
  if (lock !== undefined) {
    if (lock.mode !== undefined) h['x-amz-object-lock-mode'] = lock.mode;
    if (lock.retainUntil !== undefined) h['x-amz-object-lock-retain-until-date'] = new Date(lock.retainUntil).toISOString();
    if (lock.legalHold !== undefined) h['x-amz-object-lock-legal-hold'] = lock.legalHold ? 'ON' : 'OFF';
  }
  return h;
}

/**
 * x-amz-restore of an archived version with a restore requested: `ongoing-request="true"` while it
 * runs, then `ongoing-request="false", expiry-date="…"` while the restored copy lasts.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html#AmazonS3-HeadObject-response-header-Restore
 */
export function restoreHeader(obj: ObjectRecord): string | undefined {
  const r = obj.archive?.restore;
  if (!r) return undefined;
  if (r.inProgress) return 'ongoing-request="true"';
  return r.expiry === undefined ? 'ongoing-request="false"' : `ongoing-request="false", expiry-date="${new Date(r.expiry).toUTCString()}"`;
}

/**
 * x-amz-expiration: "the expiry-date and rule-id key-value pairs" of the lifecycle rule that
 * expires the object. https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#AmazonS3-GetObject-response-header-Expiration
 */
export function expirationHeader(expiration: { at: number; ruleId: string } | undefined): string | undefined {
  if (!expiration) return undefined;
  return `expiry-date="${new Date(expiration.at).toUTCString()}", rule-id="${encodeURIComponent(expiration.ruleId)}"`;
}

function parsePartNumber(value: string | null): number | undefined {
  if (value === null) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 10000) {
    throw new S3Error('InvalidArgument', {
      message: 'Part number must be an integer between 1 and 10000, inclusive',
      fields: { ArgumentName: 'partNumber', ArgumentValue: value },
    });
  }
  return Number(value);
}

export async function getObject(ctx: RequestContext): Promise<S3Result> {
  const headOnly = ctx.req.method === 'HEAD';
  refuseUnsupportedHeaders(ctx.req.headers);
  refuseSseWriteHeaders(ctx.req.headers);
  const sseCustomer = parseSseCustomer(ctx.req.headers, ctx.secure);
  const hasQuery = ctx.rawQuery !== '';
  const partNumber = hasQuery ? parsePartNumber(ctx.query.get('partNumber')) : undefined;
  const range = parseRange(header(ctx, 'range'));
  if (partNumber !== undefined && range !== undefined) {
    throw new S3Error('InvalidRequest', { message: 'Cannot specify both Range header and partNumber query parameter' });
  }
  const versionId = hasQuery ? (ctx.query.get('versionId') ?? undefined) : undefined;
  const conditions = parseReadConditions(ctx.req.headers);
  const bucket = await ctx.engine.getBucket(ctx.bucket!);
  const versioned = bucket?.versioning != null;
  // A part of a multipart object, or the whole of a simple object as its only part: the engine
  // resolves it from the same read of the object as the bytes.
  const out = await ctx.engine.getObject({ bucket: ctx.bucket!, key: ctx.key!, versionId, range, partNumber, conditions, headOnly, sseCustomer });
  const obj = out.object;
  const parts = partLayout(obj);
  const headers = objectHeaders(obj, versioned || obj.versionId !== 'null');
  // Only a bucket with lifecycle rules has anything to say, and only of its current versions.
  if (bucket?.config.lifecycle && obj.isLatest) headers['x-amz-expiration'] = expirationHeader(ctx.engine.expirationOf(bucket, obj));
  if (obj.encryption) Object.assign(headers, sseResponseHeaders(obj.encryption));
  if (header(ctx, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED') {
    // A range has no checksum of its own; a part of a multipart object has the part's.
    if (out.part?.checksums && obj.checksums.algorithm) Object.assign(headers, checksumResponseHeaders(obj.checksums.algorithm, out.part.checksums, obj.checksums.type));
    else if (!out.range || (partNumber !== undefined && !parts)) Object.assign(headers, checksumResponseHeaders(obj.checksums.algorithm, obj.checksums.values, obj.checksums.type));
  }
  if (hasQuery) Object.assign(headers, parseResponseOverrides(ctx.query));
  // "This value is only returned if you specify partNumber in your request and the object was
  // uploaded as a multipart upload." https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
  if (partNumber !== undefined && parts) headers['x-amz-mp-parts-count'] = parts.length;
  let status = 200;
  if (out.range) {
    status = 206;
    headers['Content-Range'] = `bytes ${out.range.start}-${out.range.end}/${obj.size}`;
    headers['Content-Length'] = out.range.end - out.range.start + 1;
  } else {
    headers['Content-Length'] = out.part ? out.part.size : obj.size;
  }
  return { status, headers, body: out.body };
}
