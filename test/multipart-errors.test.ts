// Multipart upload errors over raw signed HTTP: exact statuses and codes.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html#API_CompleteMultipartUpload_Errors
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { newBucketRaw, testCofferForFile } from './helpers/coffer.js';
import { deterministicBytes } from './helpers/bytes.js';
import { crc32Base64, digestBase64 } from './helpers/digests.js';
import { MIN_PART, RawMultipart, xmlAll } from './helpers/multipart.js';
import { rawRequest } from './helpers/raw.js';
import type { RawResponse } from './helpers/raw.js';

const c = testCofferForFile();
const mp = new RawMultipart(c);

function expectError(r: { status: number; code?: string; body: string | Buffer }, status: number, code: string): void {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status}: ${r.body.toString()}`);
  assert.equal(r.code, code);
}

const BIG = deterministicBytes('multipart-errors/big', MIN_PART);
const SMALL = Buffer.from('a small part');

/** A bucket and an upload with parts 1 and 2 (5 MiB and small) uploaded. */
async function uploadWithTwoParts(createHeaders: Record<string, string> = {}, partHeaders: (n: number, b: Buffer) => Record<string, string> = () => ({})) {
  const bucket = await newBucketRaw(c.endpoint, 'mpe');
  const key = 'obj';
  const id = await mp.createUpload(bucket, key, createHeaders);
  const e1 = await mp.putPart(bucket, key, id, 1, BIG, partHeaders(1, BIG));
  const e2 = await mp.putPart(bucket, key, id, 2, SMALL, partHeaders(2, SMALL));
  return { bucket, key, id, etags: [e1, e2] };
}

async function listedParts(bucket: string, key: string, id: string): Promise<string[]> {
  const r = await mp.listParts(bucket, key, id);
  assert.equal(r.status, 200, r.body);
  return xmlAll(r.body, 'PartNumber');
}

test('Complete with parts out of ascending order fails with 400 InvalidPartOrder', async () => {
  const { bucket, key, id, etags } = await uploadWithTwoParts();
  expectError(
    await mp.complete(bucket, key, id, [
      { partNumber: 2, etag: etags[1]! },
      { partNumber: 1, etag: etags[0]! },
    ]),
    400,
    'InvalidPartOrder',
  );
  expectError(
    await mp.complete(bucket, key, id, [
      { partNumber: 1, etag: etags[0]! },
      { partNumber: 1, etag: etags[0]! },
    ]),
    400,
    'InvalidPartOrder',
  );
  // The upload is untouched and completes once the list is in order.
  assert.deepEqual(await listedParts(bucket, key, id), ['1', '2']);
  assert.equal(
    (
      await mp.complete(bucket, key, id, [
        { partNumber: 1, etag: etags[0]! },
        { partNumber: 2, etag: etags[1]! },
      ])
    ).status,
    200,
  );
});

test('Complete naming a part that was never uploaded, or with a wrong ETag, fails with 400 InvalidPart', async () => {
  const { bucket, key, id, etags } = await uploadWithTwoParts();
  expectError(
    await mp.complete(bucket, key, id, [
      { partNumber: 1, etag: etags[0]! },
      { partNumber: 3, etag: etags[1]! },
    ]),
    400,
    'InvalidPart',
  );
  expectError(
    await mp.complete(bucket, key, id, [
      { partNumber: 1, etag: etags[0]! },
      { partNumber: 2, etag: '"0123456789abcdef0123456789abcdef"' },
    ]),
    400,
    'InvalidPart',
  );
  // Quoted or bare, the right ETags are accepted.
  const done = await mp.complete(bucket, key, id, [
    { partNumber: 1, etag: etags[0]!.replace(/"/g, '') },
    { partNumber: 2, etag: etags[1]! },
  ]);
  assert.equal(done.status, 200, done.body);
});

test('Complete with a non-last part under 5 MiB fails with 400 EntityTooSmall', async () => {
  const bucket = await newBucketRaw(c.endpoint, 'mpe');
  const id = await mp.createUpload(bucket, 'small');
  const e1 = await mp.putPart(bucket, 'small', id, 1, Buffer.alloc(MIN_PART - 1, 1));
  const e2 = await mp.putPart(bucket, 'small', id, 2, SMALL);
  expectError(
    await mp.complete(bucket, 'small', id, [
      { partNumber: 1, etag: e1 },
      { partNumber: 2, etag: e2 },
    ]),
    400,
    'EntityTooSmall',
  );
  // The last part may be of any size: the small part alone is a valid object.
  const only = await mp.complete(bucket, 'small', id, [{ partNumber: 2, etag: e2 }]);
  assert.equal(only.status, 200, only.body);
});

test('UploadPart, Complete, Abort and ListParts on an unknown upload id fail with 404 NoSuchUpload', async () => {
  const bucket = await newBucketRaw(c.endpoint, 'mpe');
  const other = await mp.createUpload(bucket, 'other-key');
  const aborted = await mp.createUpload(bucket, 'obj');
  assert.equal((await mp.abort(bucket, 'obj', aborted)).status, 204);
  // A made-up id, an id of another key, an aborted id.
  for (const id of [randomBytes(32).toString('base64url'), 'not-an-upload-id', other, aborted]) {
    const tries: Array<[string, RawResponse | { status: number; code?: string; body: Buffer }]> = [
      ['UploadPart', await mp.uploadPart(bucket, 'obj', id, 1, SMALL)],
      ['Complete', await mp.complete(bucket, 'obj', id, [{ partNumber: 1, etag: '"0123456789abcdef0123456789abcdef"' }])],
      ['Abort', await mp.abort(bucket, 'obj', id)],
      ['ListParts', await mp.listParts(bucket, 'obj', id)],
    ];
    for (const [op, r] of tries) {
      assert.equal(r.status, 404, `${op} ${id}: ${r.body.toString()}`);
      assert.equal(r.code, 'NoSuchUpload', `${op} ${id}`);
    }
  }
  // The other key's upload is still there.
  assert.equal((await mp.listParts(bucket, 'other-key', other)).status, 200);
});

test('UploadPart with partNumber 0, 10001 or not a number fails with 400 InvalidArgument', async () => {
  const bucket = await newBucketRaw(c.endpoint, 'mpe');
  const id = await mp.createUpload(bucket, 'obj');
  for (const n of ['0', '10001', '-1', 'one', '']) {
    const r = await mp.uploadPart(bucket, 'obj', id, n, SMALL);
    expectError(r, 400, 'InvalidArgument');
  }
  assert.deepEqual(await listedParts(bucket, 'obj', id), []);
  // The bounds themselves are valid part numbers.
  assert.equal((await mp.uploadPart(bucket, 'obj', id, 10000, SMALL)).status, 200);
  assert.equal((await mp.uploadPart(bucket, 'obj', id, 1, SMALL)).status, 200);
  assert.deepEqual(await listedParts(bucket, 'obj', id), ['1', '10000']);
});

test('Complete with a malformed, empty or part-less body fails with 400 MalformedXML', async () => {
  const { bucket, key, id, etags } = await uploadWithTwoParts();
  for (const body of [
    '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>',
    'not xml at all',
    '',
    '<CompleteMultipartUpload></CompleteMultipartUpload>',
    `<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>${etags[0]}</ETag></Part></CompleteMultipartUpload>`,
    `<CompleteMultipartUpload><Part><ETag>${etags[0]}</ETag></Part></CompleteMultipartUpload>`,
  ]) {
    expectError(await mp.complete(bucket, key, id, body), 400, 'MalformedXML');
  }
  assert.deepEqual(await listedParts(bucket, key, id), ['1', '2']);
});

test('Complete with If-None-Match: * fails with 412 when the key exists and succeeds when it does not', async () => {
  const bucket = await newBucketRaw(c.endpoint, 'mpe');
  const first = await mp.createUpload(bucket, 'k');
  const e1 = await mp.putPart(bucket, 'k', first, 1, SMALL);
  const created = await mp.complete(bucket, 'k', first, [{ partNumber: 1, etag: e1 }], { 'if-none-match': '*' });
  assert.equal(created.status, 200, created.body);

  const second = await mp.createUpload(bucket, 'k');
  const e2 = await mp.putPart(bucket, 'k', second, 1, Buffer.from('other bytes'));
  expectError(await mp.complete(bucket, 'k', second, [{ partNumber: 1, etag: e2 }], { 'if-none-match': '*' }), 412, 'PreconditionFailed');
  const got = await mp.get(bucket, 'k');
  assert.ok(got.body.equals(SMALL), 'the existing object is untouched');
});

test('If-None-Match: * given at CreateMultipartUpload still applies when the upload completes', async () => {
  const bucket = await newBucketRaw(c.endpoint, 'mpe');
  const guarded = await mp.createUpload(bucket, 'k', { 'if-none-match': '*' });
  const e1 = await mp.putPart(bucket, 'k', guarded, 1, Buffer.from('guarded bytes'));
  // Someone else writes the key while the upload is open.
  const first = await mp.createUpload(bucket, 'k');
  const e0 = await mp.putPart(bucket, 'k', first, 1, SMALL);
  assert.equal((await mp.complete(bucket, 'k', first, [{ partNumber: 1, etag: e0 }])).status, 200);
  expectError(await mp.complete(bucket, 'k', guarded, [{ partNumber: 1, etag: e1 }]), 412, 'PreconditionFailed');
  const got = await mp.get(bucket, 'k');
  assert.ok(got.body.equals(SMALL), 'the existing object is untouched');
});

test('Complete with If-Match fails with 412 on an ETag mismatch and 404 NoSuchKey on a missing key', async () => {
  const bucket = await newBucketRaw(c.endpoint, 'mpe');
  const put = await rawRequest(c.endpoint, { method: 'PUT', path: `/${bucket}/k`, body: 'version one' });
  assert.equal(put.status, 200);
  const id = await mp.createUpload(bucket, 'k');
  const e1 = await mp.putPart(bucket, 'k', id, 1, SMALL);
  const parts = [{ partNumber: 1, etag: e1 }];
  expectError(await mp.complete(bucket, 'k', id, parts, { 'if-match': '"0123456789abcdef0123456789abcdef"' }), 412, 'PreconditionFailed');
  assert.equal((await mp.get(bucket, 'k')).body.toString(), 'version one');
  const ok = await mp.complete(bucket, 'k', id, parts, { 'if-match': put.headers.etag as string });
  assert.equal(ok.status, 200, ok.body);
  assert.ok((await mp.get(bucket, 'k')).body.equals(SMALL));

  const missing = await mp.createUpload(bucket, 'absent');
  const e2 = await mp.putPart(bucket, 'absent', missing, 1, SMALL);
  expectError(await mp.complete(bucket, 'absent', missing, [{ partNumber: 1, etag: e2 }], { 'if-match': e2 }), 404, 'NoSuchKey');
});

test('CreateMultipartUpload with an impossible checksum algorithm and type fails with 400 InvalidRequest', async () => {
  const bucket = await newBucketRaw(c.endpoint, 'mpe');
  const cases: Array<Record<string, string>> = [
    { 'x-amz-checksum-algorithm': 'CRC64NVME', 'x-amz-checksum-type': 'COMPOSITE' },
    { 'x-amz-checksum-algorithm': 'SHA256', 'x-amz-checksum-type': 'FULL_OBJECT' },
    { 'x-amz-checksum-algorithm': 'SHA1', 'x-amz-checksum-type': 'FULL_OBJECT' },
    { 'x-amz-checksum-type': 'FULL_OBJECT' },
    { 'x-amz-checksum-algorithm': 'CRC32', 'x-amz-checksum-type': 'PARTIAL' },
    { 'x-amz-checksum-algorithm': 'MD4' },
  ];
  for (const headers of cases) {
    expectError(await mp.create(bucket, 'obj', headers), 400, 'InvalidRequest');
  }
  const listed = await mp.listUploads(bucket);
  assert.deepEqual(xmlAll(listed.body, 'UploadId'), []);
  const ok = await mp.create(bucket, 'obj', { 'x-amz-checksum-algorithm': 'CRC32C', 'x-amz-checksum-type': 'FULL_OBJECT' });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['x-amz-checksum-type'], 'FULL_OBJECT');
});

test("UploadPart with a checksum algorithm other than the upload's fails with 400 InvalidRequest", async () => {
  const bucket = await newBucketRaw(c.endpoint, 'mpe');
  const id = await mp.createUpload(bucket, 'obj', { 'x-amz-checksum-algorithm': 'SHA256' });
  expectError(await mp.uploadPart(bucket, 'obj', id, 1, SMALL, { 'x-amz-checksum-crc32': crc32Base64(SMALL) }), 400, 'InvalidRequest');
  assert.deepEqual(await listedParts(bucket, 'obj', id), []);
});

const sha = (b: Buffer): Record<string, string> => ({ 'x-amz-checksum-sha256': digestBase64('sha256', b) });

test("Complete whose x-amz-checksum-type differs from the upload's fails with 400 BadDigest", async () => {
  // "If the checksum type doesn't match the checksum type that was specified for the object
  // during the CreateMultipartUpload request, it'll result in a BadDigest error."
  const { bucket, key, id, etags } = await uploadWithTwoParts({ 'x-amz-checksum-algorithm': 'SHA256' }, (_, b) => sha(b));
  const parts = [BIG, SMALL].map((b, i) => ({ partNumber: i + 1, etag: etags[i]!, checksums: { ChecksumSHA256: digestBase64('sha256', b) } }));
  expectError(await mp.complete(bucket, key, id, parts, { 'x-amz-checksum-type': 'FULL_OBJECT' }), 400, 'BadDigest');
  const ok = await mp.complete(bucket, key, id, parts, { 'x-amz-checksum-type': 'COMPOSITE' });
  assert.equal(ok.status, 200, ok.body);
  assert.equal(xmlAll(ok.body, 'ChecksumType')[0], 'COMPOSITE');
});

test('Complete with a wrong whole-object checksum fails with 400 BadDigest', async () => {
  const bucket = await newBucketRaw(c.endpoint, 'mpe');
  const id = await mp.createUpload(bucket, 'obj', { 'x-amz-checksum-algorithm': 'CRC32', 'x-amz-checksum-type': 'FULL_OBJECT' });
  const etag = await mp.putPart(bucket, 'obj', id, 1, SMALL, { 'x-amz-checksum-crc32': crc32Base64(SMALL) });
  const parts = [{ partNumber: 1, etag, checksums: { ChecksumCRC32: crc32Base64(SMALL) } }];
  expectError(await mp.complete(bucket, 'obj', id, parts, { 'x-amz-checksum-crc32': crc32Base64('something else') }), 400, 'BadDigest');
  const ok = await mp.complete(bucket, 'obj', id, parts, { 'x-amz-checksum-crc32': crc32Base64(SMALL) });
  assert.equal(ok.status, 200, ok.body);
});

test('with an additional checksum, Complete part numbers must start at 1 and be consecutive, else 400 InvalidPartOrder', async () => {
  // "when a additional checksum ... is applied to each part, the PartNumber must start at 1 and
  // the part numbers must be consecutive" (CompletedPart, PartNumber).
  const bucket = await newBucketRaw(c.endpoint, 'mpe');
  const id = await mp.createUpload(bucket, 'obj', { 'x-amz-checksum-algorithm': 'SHA256' });
  const bodies = new Map([
    [1, BIG],
    [2, BIG],
    [3, SMALL],
  ]);
  const etags = new Map<number, string>();
  for (const [n, b] of bodies) etags.set(n, await mp.putPart(bucket, 'obj', id, n, b, sha(b)));
  const part = (n: number) => ({ partNumber: n, etag: etags.get(n)!, checksums: { ChecksumSHA256: digestBase64('sha256', bodies.get(n)!) } });
  expectError(await mp.complete(bucket, 'obj', id, [part(1), part(3)]), 400, 'InvalidPartOrder');
  expectError(await mp.complete(bucket, 'obj', id, [part(2), part(3)]), 400, 'InvalidPartOrder');
  const ok = await mp.complete(bucket, 'obj', id, [part(1), part(2), part(3)]);
  assert.equal(ok.status, 200, ok.body);
});

test('Complete of a COMPOSITE upload with a part checksum missing fails with 400 InvalidRequest, a wrong one with 400 InvalidPart', async () => {
  const { bucket, key, id, etags } = await uploadWithTwoParts({ 'x-amz-checksum-algorithm': 'SHA256' }, (_, b) => sha(b));
  const sums = [BIG, SMALL].map((b) => digestBase64('sha256', b));
  expectError(
    await mp.complete(bucket, key, id, [
      { partNumber: 1, etag: etags[0]!, checksums: { ChecksumSHA256: sums[0]! } },
      { partNumber: 2, etag: etags[1]! },
    ]),
    400,
    'InvalidRequest',
  );
  expectError(
    await mp.complete(bucket, key, id, [
      { partNumber: 1, etag: etags[0]!, checksums: { ChecksumSHA256: sums[0]! } },
      { partNumber: 2, etag: etags[1]!, checksums: { ChecksumSHA256: sums[0]! } },
    ]),
    400,
    'InvalidPart',
  );
  const ok = await mp.complete(
    bucket,
    key,
    id,
    [0, 1].map((i) => ({ partNumber: i + 1, etag: etags[i]!, checksums: { ChecksumSHA256: sums[i]! } })),
  );
  assert.equal(ok.status, 200, ok.body);
});
