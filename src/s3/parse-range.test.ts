// The Range header of GetObject and HeadObject, from header text to the bytes served: parseRange
// (src/s3/object-get.ts) reads the header, resolveRange (src/engine/object-read.ts) applies it to
// the object's size. Tested together because S3's answer to each form depends on both.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (Range; "Amazon S3 doesn't
// support retrieving multiple ranges of data per GET request"), RFC 9110 section 14.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Error } from '../errors.js';
import { resolveRange } from '../engine/object-read.js';
import { parseRange } from './object-get.js';

/** What a GET with this Range header answers for an object of `size` bytes. */
function served(header: string | undefined, size: number): string {
  const spec = parseRange(header);
  if (spec === undefined) return `200 whole object`;
  try {
    const r = resolveRange(spec, size);
    return `206 bytes ${r.start}-${r.end}/${size}`;
  } catch (err) {
    if (!(err instanceof S3Error)) throw err;
    return `${err.status} ${err.code} Content-Range: ${err.headers['Content-Range']}`;
  }
}

test('no Range header serves the whole object', () => {
  assert.equal(served(undefined, 10), '200 whole object');
});

test('bytes=first-last serves those bytes, both ends included', () => {
  assert.equal(served('bytes=0-9', 10), '206 bytes 0-9/10');
  assert.equal(served('bytes=0-0', 10), '206 bytes 0-0/10');
  assert.equal(served('bytes=2-5', 10), '206 bytes 2-5/10');
  assert.equal(served('bytes=9-9', 10), '206 bytes 9-9/10');
});

test('bytes=first- serves from first to the end of the object', () => {
  assert.equal(served('bytes=5-', 10), '206 bytes 5-9/10');
  assert.equal(served('bytes=0-', 10), '206 bytes 0-9/10');
  assert.equal(served('bytes=9-', 10), '206 bytes 9-9/10');
});

test('bytes=-n serves the last n bytes, or the whole object as a range when it is shorter than n', () => {
  assert.equal(served('bytes=-5', 10), '206 bytes 5-9/10');
  assert.equal(served('bytes=-1', 10), '206 bytes 9-9/10');
  assert.equal(served('bytes=-10', 10), '206 bytes 0-9/10');
  // RFC 9110 section 14.1.2: a suffix longer than the representation selects all of it.
  assert.equal(served('bytes=-100', 10), '206 bytes 0-9/10');
});

test('a last byte beyond the end is clamped to the last byte of the object', () => {
  assert.equal(served('bytes=5-100', 10), '206 bytes 5-9/10');
  assert.equal(served('bytes=0-10', 10), '206 bytes 0-9/10');
  assert.equal(served('bytes=0-99999999999999999999', 10), '206 bytes 0-9/10');
});

test('a range that starts at or beyond the end is 416 InvalidRange with Content-Range: bytes */size', () => {
  assert.equal(served('bytes=10-', 10), '416 InvalidRange Content-Range: bytes */10');
  assert.equal(served('bytes=10-20', 10), '416 InvalidRange Content-Range: bytes */10');
  assert.equal(served('bytes=1000-1001', 10), '416 InvalidRange Content-Range: bytes */10');
});

test('bytes=-0 asks for no bytes at all: 416 InvalidRange', () => {
  // RFC 9110 section 14.1.1: a suffix-range is satisfiable only with a non-zero suffix-length.
  assert.equal(served('bytes=-0', 10), '416 InvalidRange Content-Range: bytes */10');
});

test('any range of an empty object is 416 InvalidRange, as S3 answers', () => {
  // S3 refuses ranges of 0-byte objects (what MinIO matched in minio/minio#6557 and #17713).
  assert.equal(served('bytes=0-', 0), '416 InvalidRange Content-Range: bytes */0');
  assert.equal(served('bytes=0-0', 0), '416 InvalidRange Content-Range: bytes */0');
  assert.equal(served('bytes=-1', 0), '416 InvalidRange Content-Range: bytes */0');
});

test('the 416 error names the range requested and the object size', () => {
  const spec = parseRange('bytes=20-30');
  assert.ok(spec);
  assert.throws(
    () => resolveRange(spec, 10),
    (err: unknown) => {
      assert.ok(err instanceof S3Error);
      assert.equal(err.code, 'InvalidRange');
      assert.equal(err.status, 416);
      assert.deepEqual(err.fields, { RangeRequested: 'bytes=20-30', ActualObjectSize: 10 });
      assert.deepEqual(err.headers, { 'Content-Range': 'bytes */10' });
      return true;
    },
  );
});

test('a syntactically invalid Range header is ignored and the whole object served', () => {
  // RFC 9110 section 14.2: a server MAY ignore the Range header; an invalid one is treated as absent.
  for (const header of ['bytes=5-2', 'bytes=-', 'bytes=abc', 'bytes=1-2-3', 'bytes=a-5', 'items=0-1', '0-1', 'bytes 0-1', '']) {
    assert.equal(served(header, 10), '200 whole object', header);
  }
});

test('several ranges in one header are ignored and the whole object served', () => {
  // S3 does not serve multipart/byteranges responses.
  assert.equal(served('bytes=0-1,3-4', 10), '200 whole object');
  assert.equal(served('bytes=0-1, -2', 10), '200 whole object');
});

test('the range unit is matched without regard to case, and surrounding spaces are ignored', () => {
  // RFC 9110 section 14.1: range units are compared case-insensitively.
  assert.equal(served('Bytes=0-1', 10), '206 bytes 0-1/10');
  assert.equal(served(' bytes=0-1 ', 10), '206 bytes 0-1/10');
});
