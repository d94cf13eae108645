// ListObjectVersions (GET /bucket?versions): the query → the engine's version scan →
// ListVersionsResult. https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html
import { S3Error } from '../errors.js';
import type { RequestContext, S3Result } from '../http/context.js';
import type { ListObjectVersionsInput } from '../engine/list-versions.js';
import { isVersionId } from '../engine/version-id.js';
import type { ObjectRecord } from '../engine/records.js';
import { MAX_KEYS, listedChecksum, ownerOf, restoreStatus, urlEncoder } from './list.js';
import { quoteEtag } from './object-put.js';
import { isoDate, renderXmlInOrder } from './xml.js';
import type { XmlObject, XmlValue } from './xml.js';

const INT32_MAX = 2 ** 31 - 1;

/**
 * max-keys as ListObjectVersions reads it: default and ceiling 1000. S3 answers a negative value
 * with a message of this operation's own and no ArgumentValue, and a value that is not a 32-bit
 * integer with the common one. An empty value is the default, as for the other listings.
 */
export function parseVersionsMaxKeys(value: string | null): number {
  if (value === null || value === '') return MAX_KEYS;
  const n = Number(value.trim());
  if (!/^-?\d+$/.test(value.trim()) || n > INT32_MAX || n < -INT32_MAX - 1) {
    throw new S3Error('InvalidArgument', { message: 'Provided max-keys not an integer or within integer range', fields: { ArgumentName: 'max-keys', ArgumentValue: value } });
  }
  if (n < 0) throw new S3Error('InvalidArgument', { message: 'max-keys cannot be negative', fields: { ArgumentName: 'max-keys' } });
  return Math.min(n, MAX_KEYS);
}

export interface ListObjectVersionsRequest {
  input: ListObjectVersionsInput;
  /** encoding-type=url was asked for. */
  encodeUrl: boolean;
  /** Applies encoding-type to a key, prefix, delimiter or key marker. */
  enc: (s: string) => string;
}

export function parseListObjectVersions(bucket: string, query: URLSearchParams): ListObjectVersionsRequest {
  const maxKeys = parseVersionsMaxKeys(query.get('max-keys'));
  const encodingType = query.get('encoding-type');
  const enc = urlEncoder(encodingType);
  // An empty marker is no marker, as the SDKs send it when a previous page had none.
  const keyMarker = query.get('key-marker') || undefined;
  const versionIdMarker = query.get('version-id-marker') || undefined;
  if (versionIdMarker !== undefined && keyMarker === undefined) {
    throw new S3Error('InvalidArgument', {
      message: 'A version-id marker cannot be specified without a key marker.',
      fields: { ArgumentName: 'version-id-marker', ArgumentValue: versionIdMarker },
    });
  }
  if (versionIdMarker !== undefined && !isVersionId(versionIdMarker)) {
    throw new S3Error('InvalidArgument', { message: 'Invalid version id specified', fields: { ArgumentName: 'version-id-marker', ArgumentValue: versionIdMarker } });
  }
  return {
    input: { bucket, prefix: query.get('prefix') ?? '', delimiter: query.get('delimiter') ?? '', maxKeys, keyMarker, versionIdMarker },
    encodeUrl: encodingType !== null,
    enc,
  };
}

async function entry(ctx: RequestContext, owners: Map<string, XmlObject>, o: ObjectRecord, enc: (s: string) => string): Promise<[string, XmlObject]> {
  const owner = await ownerOf(ctx, owners, o.ownerId);
  if (o.deleteMarker) {
    return ['DeleteMarker', { Key: enc(o.key), VersionId: o.versionId, IsLatest: o.isLatest, LastModified: isoDate(o.lastModified), Owner: owner }];
  }
  return [
    'Version',
    {
      Key: enc(o.key),
      VersionId: o.versionId,
      IsLatest: o.isLatest,
      LastModified: isoDate(o.lastModified),
      ETag: quoteEtag(o.etag),
      ...listedChecksum(o),
      Size: o.size,
      Owner: owner,
      StorageClass: o.storageClass,
      RestoreStatus: restoreStatus(ctx, o),
    },
  ];
}

export async function listObjectVersions(ctx: RequestContext): Promise<S3Result> {
  const { input, encodeUrl, enc } = parseListObjectVersions(ctx.bucket!, ctx.query);
  const out = await ctx.engine.listObjectVersions(input);
  const owners = new Map<string, XmlObject>();
  const entries: Array<[string, XmlObject]> = [];
  // Versions and delete markers stay interleaved in listing order, as S3 sends them.
  for (const o of out.versions) entries.push(await entry(ctx, owners, o, enc));
  const children: Array<[string, XmlValue]> = [
    ['Name', input.bucket],
    ['Prefix', enc(input.prefix)],
    ['KeyMarker', enc(input.keyMarker ?? '')],
    ['VersionIdMarker', input.versionIdMarker ?? ''],
    ['NextKeyMarker', out.nextKeyMarker !== undefined ? enc(out.nextKeyMarker) : undefined],
    ['NextVersionIdMarker', out.nextVersionIdMarker],
    ['MaxKeys', input.maxKeys],
    ['Delimiter', input.delimiter !== '' ? enc(input.delimiter) : undefined],
    ['EncodingType', encodeUrl ? 'url' : undefined],
    ['IsTruncated', out.isTruncated],
    ...entries,
    ...out.commonPrefixes.map((p): [string, XmlValue] => ['CommonPrefixes', { Prefix: enc(p) }]),
  ];
  return { status: 200, body: renderXmlInOrder('ListVersionsResult', children) };
}
