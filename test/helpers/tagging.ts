// Tagging documents and tag reads over raw signed HTTP, for the tagging tests.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rawRequest } from './raw.js';
import type { RawResponse } from './raw.js';
import { objectPath, xmlAll } from './multipart.js';

export const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** A Tagging document with these [key, value] pairs, in S3's namespace. */
export function taggingXml(pairs: Array<[string, string]>): string {
  const tags = pairs.map(([k, v]) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`).join('');
  return `<Tagging xmlns="${S3_NS}"><TagSet>${tags}</TagSet></Tagging>`;
}

export function contentMd5(body: string): string {
  return createHash('md5').update(body).digest('base64');
}

/** PUT ?tagging of an object (or, with key undefined, of a bucket) with a Content-MD5. */
export function putTagging(
  endpoint: string,
  bucket: string,
  key: string | undefined,
  body: string,
  headers: Record<string, string> = {},
  query: Record<string, string> = {},
): Promise<RawResponse> {
  return rawRequest(endpoint, {
    method: 'PUT',
    path: key === undefined ? `/${bucket}` : objectPath(bucket, key),
    query: { tagging: '', ...query },
    headers: { 'content-md5': contentMd5(body), ...headers },
    body,
  });
}

/** The text of an XML element as written, with the five predefined entities decoded. */
export function unescapeXml(text: string | undefined): string | undefined {
  const entities: Record<string, string> = { '&apos;': "'", '&quot;': '"', '&lt;': '<', '&gt;': '>', '&amp;': '&' };
  return text?.replace(/&(apos|quot|lt|gt|amp);/g, (e) => entities[e]!);
}

/** The [key, value] pairs of a Tagging document, in order. */
export function pairsOf(xml: string): Array<[string, string]> {
  const keys = xmlAll(xml.replace(/<Value\/>/g, '<Value></Value>'), 'Key');
  const values = xmlAll(xml.replace(/<Value\/>/g, '<Value></Value>'), 'Value');
  assert.equal(keys.length, values.length, xml);
  return keys.map((k, i) => [k, values[i]!]);
}

/** GetObjectTagging over raw HTTP, which must answer 200; the tags as pairs. */
export async function objectTags(endpoint: string, bucket: string, key: string, query: Record<string, string> = {}): Promise<Array<[string, string]>> {
  const r = await rawRequest(endpoint, { method: 'GET', path: objectPath(bucket, key), query: { tagging: '', ...query } });
  assert.equal(r.status, 200, r.body);
  return pairsOf(r.body);
}
