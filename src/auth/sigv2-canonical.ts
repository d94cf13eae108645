// The StringToSign of AWS Signature Version 2, as S3 builds it from a request.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
//
// Strings here are byte strings: one char per byte, as Node hands over the request line and header
// values (latin1), so a UTF-8 key or header value is signed as the bytes the client sent.

import { percentDecode } from './canonical.js';

/**
 * The query parameters that enter the CanonicalizedResource: the sub-resources the S3 guide lists
 * (acl, lifecycle, location, logging, notification, partNumber, policy, requestPayment, torrent,
 * uploadId, uploads, versionId, versioning, versions, website), `delete`, the response-* overrides,
 * and those S3 added later that the AWS SDKs sign (botocore's HmacV1Auth.QSAOfInterest and the
 * Java SDK's RestUtils.SIGNED_PARAMETERS): accelerate, analytics, cors, inventory, metrics,
 * object-lock, replication, restore, select, select-type, tagging. Any other parameter (prefix,
 * list-type, attributes, …) is not signed.
 */
export const SIGNED_SUB_RESOURCES: ReadonlySet<string> = new Set([
  'accelerate',
  'acl',
  'analytics',
  'cors',
  'delete',
  'inventory',
  'lifecycle',
  'location',
  'logging',
  'metrics',
  'notification',
  'object-lock',
  'partNumber',
  'policy',
  'replication',
  'requestPayment',
  'restore',
  'select',
  'select-type',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
]);

export interface StringToSignV2Parts {
  method: string;
  /** The Content-MD5 and Content-Type header values, '' when absent. */
  contentMd5: string;
  contentType: string;
  /** Header auth: the Date header, or '' when x-amz-date is sent. Query auth: the Expires value. */
  date: string;
  /** canonicalizedAmzHeaders(): every line ends with '\n'. */
  amzHeaders: string;
  /** canonicalizedResource() */
  resource: string;
}

/** HTTP-Verb \n Content-MD5 \n Content-Type \n Date \n CanonicalizedAmzHeaders CanonicalizedResource */
export function stringToSignV2(p: StringToSignV2Parts): string {
  return `${p.method}\n${p.contentMd5}\n${p.contentType}\n${p.date}\n${p.amzHeaders}${p.resource}`;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A header value as signed: obsolete line folding unfolded to one space, blanks around it trimmed.
 * Runs of blanks inside the value stay, as S3 and the SDK signers (botocore, s3cmd) keep them.
 * Only SP and HTAB count: a latin1 0xA0 is half of a UTF-8 character, not whitespace.
 */
function signedValue(value: string): string {
  return value.replace(/[ \t]*\r?\n[ \t]*/g, ' ').replace(/^[ \t]+|[ \t]+$/g, '');
}

/**
 * CanonicalizedAmzHeaders: every x-amz-* header, the name lower-cased, sorted by name, a header
 * sent several times as one line with its values joined by ',' in arrival order, each line ending
 * in '\n'. Read from rawHeaders because node's headers object drops or merges repeats.
 * `queryHeaders` are the x-amz-* parameters of a presigned URL, which S3 signs as headers
 * (botocore's presigner moves x-amz-security-token, x-amz-acl and the like there).
 */
export function canonicalizedAmzHeaders(rawHeaders: readonly string[], queryHeaders: ReadonlyArray<readonly [string, string]> = []): string {
  let values: Map<string, string[]> | undefined;
  const add = (name: string, value: string): void => {
    values ??= new Map();
    const list = values.get(name);
    if (list === undefined) values.set(name, [value]);
    else list.push(value);
  };
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i]!;
    if (raw.length < 6 || (raw.charCodeAt(0) | 0x20) !== 0x78) continue;
    const name = raw.toLowerCase();
    if (name.startsWith('x-amz-')) add(name, signedValue(rawHeaders[i + 1] ?? ''));
  }
  for (const [name, value] of queryHeaders) add(name, signedValue(value));
  if (values === undefined) return '';
  let out = '';
  for (const name of [...values.keys()].sort(byteOrder)) out += `${name}:${values.get(name)!.join(',')}\n`;
  return out;
}

/**
 * CanonicalizedResource: '/bucket' when the Host header names the bucket, then the path exactly as
 * sent (still percent-encoded, case kept), then the signed sub-resources sorted by name, each with
 * its decoded value if it has one: `/b/k?partNumber=2&uploadId=xyz`, `/b/?acl`.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html#ConstructingTheCanonicalizedResourceElement
 */
export function canonicalizedResource(rawPath: string, rawQuery: string, hostBucket?: string): string {
  const path = hostBucket === undefined ? rawPath : `/${hostBucket}${rawPath}`;
  if (rawQuery === '') return path;
  const signed: Array<[string, string | undefined]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = percentDecode(eq === -1 ? part : part.slice(0, eq)).toString('latin1');
    if (!SIGNED_SUB_RESOURCES.has(name)) continue;
    // `?uploads` signs as `uploads`, `?versionId=` as `versionId=`: the value only if one was sent.
    signed.push([name, eq === -1 ? undefined : percentDecode(part.slice(eq + 1)).toString('latin1')]);
  }
  if (signed.length === 0) return path;
  // A stable sort by name keeps repeated parameters in the order sent.
  signed.sort((a, b) => byteOrder(a[0], b[0]));
  return `${path}?${signed.map(([name, value]) => (value === undefined ? name : `${name}=${value}`)).join('&')}`;
}

/** A presigned URL's x-amz-* parameters, names lower-cased and values decoded, in order. */
export function amzQueryParameters(rawQuery: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (rawQuery === '') return out;
  for (const part of rawQuery.split('&')) {
    const eq = part.indexOf('=');
    const name = percentDecode(eq === -1 ? part : part.slice(0, eq))
      .toString('latin1')
      .toLowerCase();
    if (name.startsWith('x-amz-')) out.push([name, eq === -1 ? '' : percentDecode(part.slice(eq + 1)).toString('latin1')]);
  }
  return out;
}
