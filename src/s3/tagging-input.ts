// Tag sets as clients send them, and S3's rules for them (pure; throws S3Error on bad input).
// Two forms: the Tagging document (PutObjectTagging, PutBucketTagging, and the `tagging` field
// of a browser POST) and the x-amz-tagging header (PutObject, CopyObject, CreateMultipartUpload).
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html
import type { IncomingHttpHeaders } from 'node:http';
import { S3Error } from '../errors.js';
import type { Tag } from '../engine/records.js';
import { parseXml, textOf } from './xml.js';
import { isElement, onlyChildren } from './xml-schema.js';

export const MAX_OBJECT_TAGS = 10;
export const MAX_BUCKET_TAGS = 50;
export const MAX_TAG_KEY_LENGTH = 128;
export const MAX_TAG_VALUE_LENGTH = 256;

export type TaggedResource = 'object' | 'bucket';

/**
 * "Unicode letters or numbers, white space, and the following symbols: _ . : / = + @ -", the
 * pattern S3's API reference gives a tag's key and value: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_S3Tag.html
 */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Text that XML 1.0 can carry, so a refused key can be echoed in the error document. */
const XML_TEXT = /^[\t\n\r\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u;

function tagFields(fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => XML_TEXT.test(v)));
}

function invalidTag(message: string, fields: Record<string, string>): S3Error {
  return new S3Error('InvalidTag', { message, fields: tagFields(fields) });
}

/**
 * S3's rules for a tag set: at most 10 tags on an object and 50 on a bucket (400 BadRequest, as
 * S3 answers, not InvalidTag), keys of 1 to 128 characters and values of 0 to 256 from the set
 * above, no key twice, and no key in the reserved `aws:` prefix. Lengths count UTF-16 code units:
 * "Amazon S3 object tags are internally represented in UTF-16. Note that in UTF-16, characters
 * consume either 1 or 2 character positions."
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/CostAllocTagging.html
 */
export function validateTagSet(tags: readonly Tag[], resource: TaggedResource): Tag[] {
  if (resource === 'object' && tags.length > MAX_OBJECT_TAGS) {
    throw new S3Error('BadRequest', { message: 'Object tags cannot be greater than 10' });
  }
  if (resource === 'bucket' && tags.length > MAX_BUCKET_TAGS) {
    throw new S3Error('BadRequest', { message: 'Bucket tag count cannot be greater than 50' });
  }
  const seen = new Set<string>();
  for (const { key, value } of tags) {
    if (key.length < 1 || key.length > MAX_TAG_KEY_LENGTH || !TAG_TEXT.test(key)) {
      throw invalidTag('The TagKey you have provided is invalid', { TagKey: key });
    }
    if (value.length > MAX_TAG_VALUE_LENGTH || !TAG_TEXT.test(value)) {
      throw invalidTag('The TagValue you have provided is invalid', { TagKey: key, TagValue: value });
    }
    if (key.slice(0, 4).toLowerCase() === 'aws:') {
      // Tags S3 itself sets carry the prefix; a requester can neither add nor change them. On a
      // bucket a prefix in another case is refused with a message of its own.
      const message =
        resource === 'bucket' && !key.startsWith('aws:')
          ? 'Invalid Tag. Tags cannot start with "aws:"(case insensitive) unless they are System Tags that start with "aws:"(case sensitive)'
          : 'System tags cannot be added/updated by requester';
      throw invalidTag(message, { TagKey: key });
    }
    if (seen.has(key)) throw invalidTag('Cannot provide multiple Tags with the same key', { TagKey: key });
    seen.add(key);
  }
  // S3 keeps a tag set as a map and answers it in key order, whatever order it was sent in
  // (s3-tests' test_put_obj_with_tags sends `foo=bar&bar` and reads back bar, then foo).
  return [...tags].sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
}

/**
 * `<Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>`: Tagging and TagSet are
 * required, and so are each tag's Key and Value; an empty TagSet is an empty tag set. Anything
 * else is MalformedXML. https://docs.aws.amazon.com/AmazonS3/latest/API/API_Tagging.html
 */
export function parseTaggingDocument(text: string, resource: TaggedResource): Tag[] {
  const doc = parseXml(text, new Set(['Tag']));
  onlyChildren(doc, ['Tagging']);
  const root = doc.Tagging;
  if (!isElement(root)) throw new S3Error('MalformedXML');
  onlyChildren(root, ['TagSet']);
  const set = root.TagSet;
  if (set === undefined || Array.isArray(set)) throw new S3Error('MalformedXML');
  const tags: Tag[] = [];
  if (typeof set === 'string') {
    if (set.trim() !== '') throw new S3Error('MalformedXML');
  } else if (set !== null && typeof set === 'object') {
    onlyChildren(set as Record<string, unknown>, ['Tag']);
    for (const t of ((set as Record<string, unknown>).Tag ?? []) as unknown[]) {
      if (t === null || typeof t !== 'object') throw new S3Error('MalformedXML');
      onlyChildren(t as Record<string, unknown>, ['Key', 'Value']);
      const key = textOf(t, 'Key');
      const value = textOf(t, 'Value');
      if (key === undefined || value === undefined) throw new S3Error('MalformedXML');
      tags.push({ key, value });
    }
  } else {
    throw new S3Error('MalformedXML');
  }
  return validateTagSet(tags, resource);
}

/**
 * x-amz-tagging: the tag set "encoded as URL Query parameters", e.g. `tag1=value1&tag2=value2`.
 * A name without `=` has the empty value, and `+` is a space, as in a form. A name that is empty,
 * given twice or not UTF-8, or a pair with a second `=`, is S3's InvalidArgument; the decoded
 * tags then meet the rules of every object tag set.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html#AmazonS3-PutObject-request-header-Tagging
 */
export function parseTaggingHeader(value: string): Tag[] {
  const invalid = (): S3Error =>
    new S3Error('InvalidArgument', {
      message: "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.",
      fields: tagFields({ ArgumentName: 'x-amz-tagging', ArgumentValue: value }),
    });
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      throw invalid();
    }
  };
  const tags: Tag[] = [];
  const seen = new Set<string>();
  for (const pair of value.split('&')) {
    if (pair === '') continue;
    const parts = pair.split('=');
    if (parts.length > 2) throw invalid();
    const key = decode(parts[0]!);
    if (key === '' || seen.has(key)) throw invalid();
    seen.add(key);
    tags.push({ key, value: decode(parts[1] ?? '') });
  }
  return validateTagSet(tags, 'object');
}

/**
 * The tags of a request's x-amz-tagging header, or undefined when there is none. `presignedQuery`:
 * the query of a presigned URL, where the SDK presigners hoist x-amz-* headers and S3 reads it.
 */
export function parseTaggingHeaderOf(headers: IncomingHttpHeaders, presignedQuery?: URLSearchParams): Tag[] | undefined {
  const v = headers['x-amz-tagging'] ?? presignedQuery?.get('x-amz-tagging') ?? undefined;
  if (v === undefined) return undefined;
  return parseTaggingHeader(Array.isArray(v) ? v.join('&') : v);
}

/** x-amz-tagging-directive on CopyObject: COPY (the default) keeps the source's tags. */
export function parseTaggingDirective(headers: IncomingHttpHeaders): 'COPY' | 'REPLACE' {
  const raw = headers['x-amz-tagging-directive'];
  const v = (Array.isArray(raw) ? raw.join(',') : raw) ?? 'COPY';
  const directive = v.toUpperCase();
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw new S3Error('InvalidArgument', { message: 'Unknown tagging directive.', fields: tagFields({ ArgumentName: 'x-amz-tagging-directive', ArgumentValue: v }) });
  }
  return directive;
}
