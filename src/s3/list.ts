// ListObjects (v1) and ListObjectsV2 handlers.
import { S3Error } from '../errors.js';
import type { RequestContext, S3Result } from '../http/context.js';
import { header } from '../http/context.js';
import type { ObjectRecord } from '../engine/records.js';
import { decodeContinuationToken, encodeContinuationToken } from '../engine/list.js';
import { quoteEtag } from './object-put.js';
import { isoDate, renderXml } from './xml.js';
import type { XmlObject } from './xml.js';

export const MAX_KEYS = 1000;

export function parseMaxKeys(value: string | null, name = 'max-keys', max = MAX_KEYS): number {
  if (value === null) return max;
  if (!/^-?\d+$/.test(value.trim()) || Number(value) < 0) {
    throw new S3Error('InvalidArgument', { message: `Provided ${name} not an integer or within integer range`, fields: { ArgumentName: name, ArgumentValue: value } });
  }
  return Math.min(Number(value), max);
}

/**
 * encoding-type=url: names percent-encoded, '/' kept. AWS has been measured writing a space as
 * '+'; we write '%20', which every decoder reads as a space (unquote_plus as well as
 * decodeURIComponent, which leaves '+' alone) and which s3-tests expects
 * (test_bucket_list_encoding_basic, v1 and v2).
 */
export function encoder(ctx: RequestContext): (s: string) => string {
  return urlEncoder(ctx.query.get('encoding-type'));
}

/** The encoder for an encoding-type value (null: none), or InvalidArgument. */
export function urlEncoder(type: string | null): (s: string) => string {
  if (type === null) return (s) => s;
  if (type.toLowerCase() !== 'url') {
    throw new S3Error('InvalidArgument', { message: 'Invalid Encoding Method specified in Request', fields: { ArgumentName: 'encoding-type', ArgumentValue: type } });
  }
  return percentEncodeName;
}

/** A name percent-encoded as S3 writes it: every byte but the unreserved ones and '/'. */
export function percentEncodeName(s: string): string {
  return encodeURIComponent(s)
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Owner / Initiator element of a listing; `cache` keeps one lookup per user per response. */
export async function ownerOf(ctx: RequestContext, cache: Map<string, XmlObject>, id: string): Promise<XmlObject> {
  let o = cache.get(id);
  if (!o) {
    const user = await ctx.engine.getUser(id);
    o = { ID: id, DisplayName: user?.name ?? '' };
    cache.set(id, o);
  }
  return o;
}

/**
 * ChecksumAlgorithm and ChecksumType of a listed object. Like S3, Coffer computes a CRC64NVME of
 * every object (ingest.ts), so an object stored without another checksum reports that one.
 */
export function listedChecksum(o: ObjectRecord): { ChecksumAlgorithm: string; ChecksumType: string } {
  return { ChecksumAlgorithm: o.checksums.algorithm ?? 'CRC64NVME', ChecksumType: o.checksums.type ?? 'FULL_OBJECT' };
}

/**
 * RestoreStatus of a listed object, sent when the request asks for it with
 * `x-amz-optional-object-attributes: RestoreStatus` and the object has a restore requested.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_RestoreStatus.html
 */
export function restoreStatus(ctx: RequestContext, o: ObjectRecord): XmlObject | undefined {
  const r = o.archive?.restore;
  if (!r || !(header(ctx, 'x-amz-optional-object-attributes') ?? '').split(',').some((a) => a.trim() === 'RestoreStatus')) return undefined;
  return { IsRestoreInProgress: r.inProgress, RestoreExpiryDate: !r.inProgress && r.expiry !== undefined ? isoDate(r.expiry) : undefined };
}

async function contents(ctx: RequestContext, objects: ObjectRecord[], enc: (s: string) => string, withOwner: boolean): Promise<XmlObject[]> {
  const owners = new Map<string, XmlObject>();
  const out: XmlObject[] = [];
  for (const o of objects) {
    out.push({
      Key: enc(o.key),
      LastModified: isoDate(o.lastModified),
      ETag: quoteEtag(o.etag),
      ...listedChecksum(o),
      Size: o.size,
      Owner: withOwner ? await ownerOf(ctx, owners, o.ownerId) : undefined,
      StorageClass: o.storageClass,
      RestoreStatus: restoreStatus(ctx, o),
    });
  }
  return out;
}

function listParams(ctx: RequestContext): { prefix: string; delimiter: string; maxKeys: number; enc: (s: string) => string } {
  return {
    prefix: ctx.query.get('prefix') ?? '',
    delimiter: ctx.query.get('delimiter') ?? '',
    maxKeys: parseMaxKeys(ctx.query.get('max-keys')),
    enc: encoder(ctx),
  };
}

export async function listObjectsV2(ctx: RequestContext): Promise<S3Result> {
  const { prefix, delimiter, maxKeys, enc } = listParams(ctx);
  const token = ctx.query.get('continuation-token');
  const startAfter = ctx.query.get('start-after');
  const after = token !== null ? decodeContinuationToken(token) : (startAfter ?? undefined);
  const out = await ctx.engine.listObjects({ bucket: ctx.bucket!, prefix, delimiter, maxKeys, after });
  const body = renderXml('ListBucketResult', {
    Name: ctx.bucket!,
    Prefix: enc(prefix),
    Delimiter: delimiter !== '' ? enc(delimiter) : undefined,
    MaxKeys: maxKeys,
    EncodingType: ctx.query.has('encoding-type') ? 'url' : undefined,
    KeyCount: out.objects.length + out.commonPrefixes.length,
    IsTruncated: out.isTruncated,
    ContinuationToken: token ?? undefined,
    NextContinuationToken: out.isTruncated && out.last !== undefined ? encodeContinuationToken(out.last) : undefined,
    StartAfter: startAfter !== null ? enc(startAfter) : undefined,
    Contents: await contents(ctx, out.objects, enc, ctx.query.get('fetch-owner') === 'true'),
    CommonPrefixes: out.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
  });
  return { status: 200, body };
}

export async function listObjects(ctx: RequestContext): Promise<S3Result> {
  const { prefix, delimiter, maxKeys, enc } = listParams(ctx);
  const marker = ctx.query.get('marker') ?? '';
  const out = await ctx.engine.listObjects({ bucket: ctx.bucket!, prefix, delimiter, maxKeys, after: marker || undefined });
  const body = renderXml('ListBucketResult', {
    Name: ctx.bucket!,
    Prefix: enc(prefix),
    Marker: enc(marker),
    // NextMarker is sent only with a delimiter; without one clients continue from the last key.
    NextMarker: out.isTruncated && delimiter !== '' && out.last !== undefined ? enc(out.last) : undefined,
    MaxKeys: maxKeys,
    Delimiter: delimiter !== '' ? enc(delimiter) : undefined,
    EncodingType: ctx.query.has('encoding-type') ? 'url' : undefined,
    IsTruncated: out.isTruncated,
    Contents: await contents(ctx, out.objects, enc, true),
    CommonPrefixes: out.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
  });
  return { status: 200, body };
}
