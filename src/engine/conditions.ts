// Conditional requests, as S3 evaluates them (RFC 7232 section 6 order):
// If-Match, then If-Unmodified-Since (ignored when If-Match is present), then If-None-Match,
// then If-Modified-Since (ignored when If-None-Match is present).
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_RequestSyntax
import { S3Error } from '../errors.js';

export interface ReadConditions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: Date;
  ifUnmodifiedSince?: Date;
}

export interface Versioned {
  etag: string;
  lastModified: number;
}

/** Split an If-Match / If-None-Match list into unquoted ETags ('*' stays '*'). */
export function parseEtagList(value: string): string[] {
  return value
    .split(',')
    .map((v) =>
      v
        .trim()
        .replace(/^W\//, '')
        .replace(/^"(.*)"$/, '$1'),
    )
    .filter((v) => v.length > 0);
}

export function etagMatches(list: string, etag: string): boolean {
  return parseEtagList(list).some((v) => v === '*' || v === etag);
}

/** HTTP dates have one-second resolution: compare whole seconds. */
function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** Throws PreconditionFailed (412) or NotModified (304) for GET/HEAD. */
export function checkReadConditions(obj: Versioned, c: ReadConditions): void {
  if (c.ifMatch !== undefined) {
    if (!etagMatches(c.ifMatch, obj.etag)) throw new S3Error('PreconditionFailed', { fields: { Condition: 'If-Match' } });
  } else if (c.ifUnmodifiedSince !== undefined && seconds(obj.lastModified) > seconds(c.ifUnmodifiedSince.getTime())) {
    throw new S3Error('PreconditionFailed', { fields: { Condition: 'If-Unmodified-Since' } });
  }
  // A 304 still names the version it is about.
  const notModified = (): S3Error => new S3Error('NotModified', { headers: { ETag: `"${obj.etag}"`, 'Last-Modified': new Date(obj.lastModified).toUTCString() } });
  if (c.ifNoneMatch !== undefined) {
    if (etagMatches(c.ifNoneMatch, obj.etag)) throw notModified();
  } else if (c.ifModifiedSince !== undefined && seconds(obj.lastModified) <= seconds(c.ifModifiedSince.getTime())) {
    throw notModified();
  }
}

/**
 * x-amz-copy-source-if-*: the same tests, but every failure is 412.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
 */
export function checkCopySourceConditions(obj: Versioned, c: ReadConditions): void {
  try {
    checkReadConditions(obj, c);
  } catch (err) {
    if (err instanceof S3Error && err.code === 'NotModified') throw new S3Error('PreconditionFailed');
    throw err;
  }
}

export interface WriteConditions {
  /** If-None-Match: '*' only. */
  ifNoneMatchStar?: boolean;
  ifMatch?: string;
  /** Set by the engine: the conditions held against the version current when the request began. */
  heldAtStart?: boolean;
}

/**
 * Conditional writes, decided inside the metadata transaction.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 */
export function checkWriteConditions(current: Versioned | undefined, c: WriteConditions): void {
  if (c.ifNoneMatchStar && current) throw new S3Error('PreconditionFailed', { fields: { Condition: 'If-None-Match' } });
  if (c.ifMatch !== undefined) {
    if (!current) throw new S3Error('NoSuchKey');
    if (!etagMatches(c.ifMatch, current.etag)) throw new S3Error('PreconditionFailed', { fields: { Condition: 'If-Match' } });
  }
}
