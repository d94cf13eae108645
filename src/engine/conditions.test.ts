// Conditional requests as S3 evaluates them. Reads (GetObject, HeadObject) follow RFC 7232
// section 6: If-Match, else If-Unmodified-Since; then If-None-Match, else If-Modified-Since.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (If-Match, If-None-Match,
// If-Modified-Since, If-Unmodified-Since), API_CopyObject.html (x-amz-copy-source-if-*),
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Error } from '../errors.js';
import { checkCopySourceConditions, checkReadConditions, checkWriteConditions, etagMatches, parseEtagList } from './conditions.js';
import type { ReadConditions, Versioned, WriteConditions } from './conditions.js';

// Last modified at 12:00:00.500: HTTP dates carry whole seconds.
const OBJECT: Versioned = { etag: '0cc175b9c0f1b6a831c399e269772661', lastModified: Date.UTC(2024, 0, 15, 12, 0, 0, 500) };
const ETAG = `"${OBJECT.etag}"`;
const OTHER = '"92eb5ffee6ae2fec3ad71c777531578f"';
const BEFORE = new Date(Date.UTC(2024, 0, 15, 11, 59, 59));
const SAME_SECOND = new Date(Date.UTC(2024, 0, 15, 12, 0, 0));
const AFTER = new Date(Date.UTC(2024, 0, 15, 12, 0, 1));

/** The status (and code) a check answers: 200 when it lets the request through. */
function outcome(check: () => void): string {
  try {
    check();
    return '200';
  } catch (err) {
    if (!(err instanceof S3Error)) throw err;
    return `${err.status} ${err.code}`;
  }
}

const read = (c: ReadConditions): string => outcome(() => checkReadConditions(OBJECT, c));
const copy = (c: ReadConditions): string => outcome(() => checkCopySourceConditions(OBJECT, c));
const write = (current: Versioned | undefined, c: WriteConditions): string => outcome(() => checkWriteConditions(current, c));

test("If-Match passes on the object's ETag, quoted or not, in a list or as *, and fails 412 otherwise", () => {
  assert.equal(read({ ifMatch: ETAG }), '200');
  assert.equal(read({ ifMatch: OBJECT.etag }), '200');
  assert.equal(read({ ifMatch: `${OTHER}, ${ETAG}` }), '200');
  assert.equal(read({ ifMatch: '*' }), '200');
  assert.equal(read({ ifMatch: OTHER }), '412 PreconditionFailed');
});

test('If-Unmodified-Since fails 412 only when the object changed after that second', () => {
  assert.equal(read({ ifUnmodifiedSince: BEFORE }), '412 PreconditionFailed');
  assert.equal(read({ ifUnmodifiedSince: SAME_SECOND }), '200');
  assert.equal(read({ ifUnmodifiedSince: AFTER }), '200');
});

test("If-None-Match answers 304 on the object's ETag or *, and passes otherwise", () => {
  assert.equal(read({ ifNoneMatch: ETAG }), '304 NotModified');
  assert.equal(read({ ifNoneMatch: `${OTHER}, ${ETAG}` }), '304 NotModified');
  assert.equal(read({ ifNoneMatch: '*' }), '304 NotModified');
  assert.equal(read({ ifNoneMatch: OTHER }), '200');
});

test('If-Modified-Since answers 304 unless the object changed after that second', () => {
  assert.equal(read({ ifModifiedSince: BEFORE }), '200');
  assert.equal(read({ ifModifiedSince: SAME_SECOND }), '304 NotModified');
  assert.equal(read({ ifModifiedSince: AFTER }), '304 NotModified');
});

test('If-Match true and If-Unmodified-Since false: S3 returns 200 and the data', () => {
  assert.equal(read({ ifMatch: ETAG, ifUnmodifiedSince: BEFORE }), '200');
});

test('If-Match false and If-Unmodified-Since true: 412', () => {
  assert.equal(read({ ifMatch: OTHER, ifUnmodifiedSince: AFTER }), '412 PreconditionFailed');
});

test('If-None-Match false and If-Modified-Since true: S3 returns 304 Not Modified', () => {
  assert.equal(read({ ifNoneMatch: ETAG, ifModifiedSince: BEFORE }), '304 NotModified');
});

test('If-None-Match true and If-Modified-Since false: the date is ignored and the object served', () => {
  // RFC 7232 section 3.3: If-Modified-Since is ignored when If-None-Match is present.
  assert.equal(read({ ifNoneMatch: OTHER, ifModifiedSince: AFTER }), '200');
});

test('a failed If-Match or If-Unmodified-Since wins over a matching If-None-Match: 412, not 304', () => {
  // RFC 7232 section 6: steps 1 and 2 come before step 3.
  assert.equal(read({ ifMatch: OTHER, ifNoneMatch: ETAG }), '412 PreconditionFailed');
  assert.equal(read({ ifUnmodifiedSince: BEFORE, ifNoneMatch: ETAG }), '412 PreconditionFailed');
  assert.equal(read({ ifUnmodifiedSince: BEFORE, ifModifiedSince: AFTER }), '412 PreconditionFailed');
});

test('when If-Match and If-Unmodified-Since hold, a matching If-None-Match still answers 304', () => {
  assert.equal(read({ ifMatch: ETAG, ifUnmodifiedSince: AFTER, ifNoneMatch: ETAG }), '304 NotModified');
  assert.equal(read({ ifMatch: ETAG, ifUnmodifiedSince: AFTER, ifNoneMatch: OTHER, ifModifiedSince: BEFORE }), '200');
});

test('the errors name the condition that failed, and a 304 carries the ETag and Last-Modified of the object', () => {
  assert.throws(
    () => checkReadConditions(OBJECT, { ifMatch: OTHER }),
    (err: unknown) => err instanceof S3Error && err.fields.Condition === 'If-Match',
  );
  assert.throws(
    () => checkReadConditions(OBJECT, { ifUnmodifiedSince: BEFORE }),
    (err: unknown) => err instanceof S3Error && err.fields.Condition === 'If-Unmodified-Since',
  );
  assert.throws(
    () => checkReadConditions(OBJECT, { ifNoneMatch: ETAG }),
    (err: unknown) => {
      assert.ok(err instanceof S3Error);
      assert.deepEqual(err.headers, { ETag: ETAG, 'Last-Modified': 'Mon, 15 Jan 2024 12:00:00 GMT' });
      return true;
    },
  );
});

test('copy source conditions answer 412 where a GET would answer 304', () => {
  // CopyObject: x-amz-copy-source-if-none-match false and -if-modified-since true is 412.
  assert.equal(copy({ ifNoneMatch: ETAG }), '412 PreconditionFailed');
  assert.equal(copy({ ifModifiedSince: AFTER }), '412 PreconditionFailed');
  assert.equal(copy({ ifNoneMatch: ETAG, ifModifiedSince: BEFORE }), '412 PreconditionFailed');
  // -if-match true and -if-unmodified-since false: the copy goes ahead.
  assert.equal(copy({ ifMatch: ETAG, ifUnmodifiedSince: BEFORE }), '200');
  assert.equal(copy({ ifMatch: OTHER }), '412 PreconditionFailed');
  assert.equal(copy({ ifNoneMatch: OTHER, ifModifiedSince: BEFORE }), '200');
});

test('a write with If-None-Match: * succeeds only where no object exists', () => {
  assert.equal(write(undefined, { ifNoneMatchStar: true }), '200');
  assert.equal(write(OBJECT, { ifNoneMatchStar: true }), '412 PreconditionFailed');
  assert.equal(write(OBJECT, {}), '200');
});

test('a write with If-Match needs the object to exist (404 NoSuchKey) with that ETag (412)', () => {
  assert.equal(write(OBJECT, { ifMatch: ETAG }), '200');
  assert.equal(write(OBJECT, { ifMatch: OTHER }), '412 PreconditionFailed');
  assert.equal(write(undefined, { ifMatch: ETAG }), '404 NoSuchKey');
});

test('ETag lists are split on commas, unquoted and stripped of W/, keeping *', () => {
  assert.deepEqual(parseEtagList('"a", b ,W/"c", *,,'), ['a', 'b', 'c', '*']);
  assert.equal(etagMatches('"x", "y"', 'y'), true);
  assert.equal(etagMatches('"x", "y"', 'z'), false);
  assert.equal(etagMatches('', 'z'), false);
});
