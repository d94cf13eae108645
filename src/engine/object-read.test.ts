// Which bytes a GetObject answers: a part of a multipart object (partNumber), resolved from the
// record read once. https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_RequestSyntax
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newObjectRecord } from '../meta/records.js';
import { refusal } from '../../test/helpers/s3-errors.js';
import { resolvePart } from './object-read.js';

const MULTIPART = newObjectRecord({
  bucket: 'b',
  key: 'k',
  ownerId: 'o',
  size: 11,
  etag: 'e-3',
  bytes: {
    parts: [
      { partNumber: 1, blobId: 'a', size: 5, etag: 'p1' },
      { partNumber: 3, blobId: 'c', size: 6, etag: 'p3' },
      { partNumber: 4, blobId: 'd', size: 0, etag: 'p4' },
    ],
  },
});

test('part n of a multipart object is the nth listed part, at the sum of the sizes before it', () => {
  assert.deepEqual(resolvePart(MULTIPART, 1), { range: { start: 0, end: 4 }, part: MULTIPART.parts![0] });
  // Part numbers of the upload may skip: ?partNumber= counts the parts of the object.
  assert.deepEqual(resolvePart(MULTIPART, 2), { range: { start: 5, end: 10 }, part: MULTIPART.parts![1] });
});

test('an empty part has no byte range, but is still that part', () => {
  assert.deepEqual(resolvePart(MULTIPART, 3), { range: undefined, part: MULTIPART.parts![2] });
});

test('a simple object is its own part 1, whole; an empty one has no range', () => {
  const simple = newObjectRecord({ bucket: 'b', key: 'k', ownerId: 'o', size: 3, etag: 'e', bytes: { inlineData: Buffer.from('abc') } });
  assert.deepEqual(resolvePart(simple, 1), { range: { start: 0, end: 2 } });
  const empty = newObjectRecord({ bucket: 'b', key: 'k', ownerId: 'o', size: 0, etag: 'e', bytes: { inlineData: Buffer.alloc(0) } });
  assert.deepEqual(resolvePart(empty, 1), { range: undefined });
});

test('a part number past the last part is 416 InvalidPartNumber with the count the object has', () => {
  assert.deepEqual(
    refusal(() => resolvePart(MULTIPART, 4)),
    {
      code: 'InvalidPartNumber',
      message: 'The requested partnumber is not satisfiable',
      fields: { PartNumberRequested: 4, ActualPartCount: 3 },
    },
  );
  const simple = newObjectRecord({ bucket: 'b', key: 'k', ownerId: 'o', size: 3, etag: 'e', bytes: { blobId: 'x' } });
  assert.equal(refusal(() => resolvePart(simple, 2)).fields.ActualPartCount, 1);
});
