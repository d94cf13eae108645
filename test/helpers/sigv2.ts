// Signature Version 2 for tests, written from the S3 guide on its own rather than shared with the
// code under test: headers for `Authorization: AWS AKID:sig` requests, and presigned URLs.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
import { createHmac } from 'node:crypto';
import { ROOT_CREDENTIALS, rawRequest } from './raw.js';
import type { RawResponse } from './raw.js';

/** The sub-resources these tests use that enter the CanonicalizedResource. */
const SUB_RESOURCES = new Set([
  'acl',
  'delete',
  'location',
  'partNumber',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'tagging',
  'response-content-type',
  'response-content-disposition',
  'response-cache-control',
  'response-expires',
]);

export interface V2Request {
  method: string;
  /** Path and query exactly as sent, e.g. `/b/k?partNumber=1&uploadId=xyz` (no bucket when it is in Host). */
  target: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Virtual-hosted style: the bucket named in Host, which the resource starts with. */
  hostBucket?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** When the request is signed (now by default). */
  date?: Date;
  /** Send the time as x-amz-date instead of Date. */
  amzDate?: boolean;
}

export function hmacSha1Base64(secret: string, data: string): string {
  return createHmac('sha1', secret).update(data, 'utf8').digest('base64');
}

/** '/bucket' if in Host, the path as sent, then the signed sub-resources sorted, values decoded. */
export function canonicalResource(target: string, hostBucket?: string): string {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const subs = (q < 0 ? [] : target.slice(q + 1).split('&'))
    .map((part) => {
      const eq = part.indexOf('=');
      return eq < 0 ? { name: part, text: part } : { name: part.slice(0, eq), text: `${part.slice(0, eq)}=${decodeURIComponent(part.slice(eq + 1))}` };
    })
    .filter((p) => SUB_RESOURCES.has(p.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const resource = (hostBucket ? `/${hostBucket}` : '') + path;
  return subs.length === 0 ? resource : `${resource}?${subs.map((s) => s.text).join('&')}`;
}

/** HTTP-Verb, Content-MD5, Content-Type, Date (or Expires), the x-amz-* headers, the resource. */
export function stringToSign(method: string, headers: Record<string, string>, date: string, resource: string): string {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v.trim()]));
  const amz = Object.keys(lower)
    .filter((k) => k.startsWith('x-amz-'))
    .sort()
    .map((k) => `${k}:${lower[k]}\n`)
    .join('');
  return `${method}\n${lower['content-md5'] ?? ''}\n${lower['content-type'] ?? ''}\n${date}\n${amz}${resource}`;
}

/** The request's headers with its Date (or x-amz-date) and `Authorization: AWS AKID:sig`. */
export function sigV2Headers(r: V2Request): Record<string, string> {
  const creds = r.credentials ?? ROOT_CREDENTIALS;
  const when = (r.date ?? new Date()).toUTCString();
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  if (r.amzDate) headers['x-amz-date'] = when;
  else headers.date = when;
  const toSign = stringToSign(r.method, headers, r.amzDate ? '' : when, canonicalResource(r.target, r.hostBucket));
  return { ...headers, authorization: `AWS ${creds.accessKeyId}:${hmacSha1Base64(creds.secretAccessKey, toSign)}` };
}

/** Send a SigV2 header-signed request (Host set to `<hostBucket>.<domain>` when given `domain`). */
export function sigV2Request(endpoint: string, r: V2Request, domain?: string): Promise<RawResponse> {
  const headers = sigV2Headers(r);
  if (r.hostBucket !== undefined && domain !== undefined) headers.host = `${r.hostBucket}.${domain}:${new URL(endpoint).port}`;
  return rawRequest(endpoint, { method: r.method, path: r.target, anonymous: true, unsignedHeaders: headers, body: r.body });
}

/** A SigV2 presigned URL for `r.target` on `endpoint`, valid until `expires` (epoch seconds). */
export function presignV2(endpoint: string, r: Omit<V2Request, 'date' | 'amzDate'>, expires: number): string {
  const creds = r.credentials ?? ROOT_CREDENTIALS;
  const signature = hmacSha1Base64(creds.secretAccessKey, stringToSign(r.method, r.headers ?? {}, String(expires), canonicalResource(r.target, r.hostBucket)));
  const auth = `AWSAccessKeyId=${encodeURIComponent(creds.accessKeyId)}&Expires=${expires}&Signature=${encodeURIComponent(signature)}`;
  return `${endpoint}${r.target}${r.target.includes('?') ? '&' : '?'}${auth}`;
}

export function epochSeconds(d: Date = new Date()): number {
  return Math.floor(d.getTime() / 1000);
}
