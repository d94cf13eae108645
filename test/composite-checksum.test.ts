// A multipart object's COMPOSITE checksum is the checksum of its part checksums followed by
// "-<part count>", as S3 shows it on CompleteMultipartUpload (XML) and HeadObject/GetObject
// (x-amz-checksum-* with x-amz-checksum-mode: ENABLED); GetObjectAttributes gives it without the
// suffix, with each part's own checksum under ObjectParts. FULL_OBJECT checksums have no suffix.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
// (GetObjectAttributes without "-N", observed on AWS: https://github.com/floci-io/floci/issues/3083)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GetObjectAttributesCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { bodyBytes, newBucket, recordRequestHeaders, testCofferForFile } from './helpers/coffer.js';
import { bytesRequest, deterministicBytes } from './helpers/bytes.js';
import type { BytesResponse } from './helpers/bytes.js';
import { crc32Base64, crc64nvmeBase64, digestBase64 } from './helpers/digests.js';
import { MIN_PART, RawMultipart, compositeOf, xmlOne } from './helpers/multipart.js';
import type { PartSpec } from './helpers/multipart.js';

const c = testCofferForFile();
const mp = new RawMultipart(c);

const PARTS = [deterministicBytes('composite/1', MIN_PART), deterministicBytes('composite/2', MIN_PART), deterministicBytes('composite/3', 777)];
const WHOLE = Buffer.concat(PARTS);
const sha256 = (d: Buffer): string => digestBase64('sha256', d);
const COMPOSITE_SHA256 = compositeOf(sha256, PARTS.map(sha256));

/** A three-part upload with SHA256 part checksums (COMPOSITE), ready to complete; its parts. */
async function sha256Upload(bucket: string, key: string): Promise<{ id: string; parts: PartSpec[] }> {
  const id = await mp.createUpload(bucket, key, { 'x-amz-checksum-algorithm': 'SHA256' });
  const parts: PartSpec[] = [];
  for (const [i, p] of PARTS.entries()) {
    const etag = await mp.putPart(bucket, key, id, i + 1, p, { 'x-amz-checksum-sha256': sha256(p) });
    parts.push({ partNumber: i + 1, etag, checksums: { ChecksumSHA256: sha256(p) } });
  }
  return { id, parts };
}

test('Complete of a COMPOSITE upload gives the checksum of the part checksums with "-3" and ChecksumType COMPOSITE', async () => {
  const b = await newBucket(c.s3, 'cks');
  const { id, parts } = await sha256Upload(b, 'k');
  const r = await mp.complete(b, 'k', id, parts);
  assert.equal(r.status, 200, r.body);
  assert.equal(xmlOne(r.body, 'ChecksumSHA256'), `${COMPOSITE_SHA256}-3`);
  assert.equal(xmlOne(r.body, 'ChecksumType'), 'COMPOSITE');
});

test('HEAD and GET with x-amz-checksum-mode ENABLED send the COMPOSITE checksum with "-3" and x-amz-checksum-type COMPOSITE', async () => {
  const b = await newBucket(c.s3, 'cks');
  const { id, parts } = await sha256Upload(b, 'k');
  assert.equal((await mp.complete(b, 'k', id, parts)).status, 200);
  for (const method of ['HEAD', 'GET'] as const) {
    const r = method === 'GET' ? await mp.get(b, 'k', {}, { 'x-amz-checksum-mode': 'ENABLED' }) : await headRaw(b, 'k');
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-amz-checksum-sha256'], `${COMPOSITE_SHA256}-3`, method);
    assert.equal(r.headers['x-amz-checksum-type'], 'COMPOSITE', method);
  }
  // Without checksum mode, no checksum is sent.
  const plain = await mp.get(b, 'k');
  assert.equal(plain.headers['x-amz-checksum-sha256'], undefined);
});

function headRaw(bucket: string, key: string): Promise<BytesResponse> {
  return bytesRequest(c.endpoint, { method: 'HEAD', path: `/${bucket}/${key}`, headers: { 'x-amz-checksum-mode': 'ENABLED' } });
}

test('GetObjectAttributes gives the COMPOSITE checksum without "-N" and every part its own checksum', async () => {
  const b = await newBucket(c.s3, 'cks');
  const { id, parts } = await sha256Upload(b, 'k');
  assert.equal((await mp.complete(b, 'k', id, parts)).status, 200);
  const out = await c.s3.send(new GetObjectAttributesCommand({ Bucket: b, Key: 'k', ObjectAttributes: ['Checksum', 'ObjectParts'] }));
  assert.equal(out.Checksum?.ChecksumSHA256, COMPOSITE_SHA256);
  assert.equal(out.Checksum?.ChecksumType, 'COMPOSITE');
  assert.deepEqual(
    out.ObjectParts?.Parts?.map((p) => p.ChecksumSHA256),
    PARTS.map(sha256),
  );
});

test('FULL_OBJECT checksums have no part count: the default CRC64NVME and CRC32 with x-amz-checksum-type FULL_OBJECT', async () => {
  const b = await newBucket(c.s3, 'cks');
  for (const [key, create, header, expected] of [
    ['crc64', {}, 'x-amz-checksum-crc64nvme', await crc64nvmeBase64(WHOLE)],
    ['crc32', { 'x-amz-checksum-algorithm': 'CRC32', 'x-amz-checksum-type': 'FULL_OBJECT' }, 'x-amz-checksum-crc32', crc32Base64(WHOLE)],
  ] as const) {
    const id = await mp.createUpload(b, key, create);
    const parts: PartSpec[] = [];
    for (const [i, p] of PARTS.entries()) parts.push({ partNumber: i + 1, etag: await mp.putPart(b, key, id, i + 1, p) });
    const done = await mp.complete(b, key, id, parts);
    assert.equal(done.status, 200, done.body);
    assert.equal(xmlOne(done.body, 'ChecksumType'), 'FULL_OBJECT');
    const head = await headRaw(b, key);
    assert.equal(head.headers[header], expected, key);
    assert.equal(head.headers['x-amz-checksum-type'], 'FULL_OBJECT', key);
  }
});

test('the SDK with default checksum settings GETs multipart objects: it skips a "-N" value and validates a full-object one', async () => {
  const b = await newBucket(c.s3, 'cks');
  const { id, parts } = await sha256Upload(b, 'composite');
  assert.equal((await mp.complete(b, 'composite', id, parts)).status, 200);
  const plainId = await mp.createUpload(b, 'full');
  const plainParts: PartSpec[] = [];
  for (const [i, p] of PARTS.entries()) plainParts.push({ partNumber: i + 1, etag: await mp.putPart(b, 'full', plainId, i + 1, p) });
  assert.equal((await mp.complete(b, 'full', plainId, plainParts)).status, 200);

  const s3 = c.client(c.accessKeyId, c.secretAccessKey);
  const sent = recordRequestHeaders(s3);
  const composite = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'composite' }));
  assert.equal(sent[0]?.['x-amz-checksum-mode'], 'ENABLED', 'the SDK asks for checksums by default');
  assert.equal(composite.ChecksumSHA256, `${COMPOSITE_SHA256}-3`);
  assert.ok((await bodyBytes(composite)).equals(WHOLE));
  const full = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'full' }));
  assert.equal(full.ChecksumCRC64NVME, await crc64nvmeBase64(WHOLE));
  assert.ok((await bodyBytes(full)).equals(WHOLE), "the body passed the SDK's CRC64NVME check");
  const ranged = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'composite', Range: `bytes=${MIN_PART - 5}-${MIN_PART + 4}` }));
  assert.ok((await bodyBytes(ranged)).equals(WHOLE.subarray(MIN_PART - 5, MIN_PART + 5)));
});

test('Complete takes a COMPOSITE x-amz-checksum header with its "-N" or without it, and refuses another part count with 400 BadDigest', async () => {
  const b = await newBucket(c.s3, 'cks');
  const headers = (value: string): Record<string, string> => ({ 'x-amz-checksum-sha256': value, 'x-amz-checksum-type': 'COMPOSITE' });
  const first = await sha256Upload(b, 'with-suffix');
  // A refused Complete leaves the upload open, so one upload serves the refusals and then succeeds.
  for (const wrong of [`${COMPOSITE_SHA256}-2`, `${sha256(Buffer.from('other'))}-3`, sha256(Buffer.from('other'))]) {
    const r = await mp.complete(b, 'with-suffix', first.id, first.parts, headers(wrong));
    assert.equal(r.status, 400, `${wrong}: ${r.body}`);
    assert.equal(r.code, 'BadDigest', wrong);
  }
  const ok = await mp.complete(b, 'with-suffix', first.id, first.parts, headers(`${COMPOSITE_SHA256}-3`));
  assert.equal(ok.status, 200, ok.body);
  assert.equal(xmlOne(ok.body, 'ChecksumSHA256'), `${COMPOSITE_SHA256}-3`);

  const second = await sha256Upload(b, 'without-suffix');
  const bare = await mp.complete(b, 'without-suffix', second.id, second.parts, headers(COMPOSITE_SHA256));
  assert.equal(bare.status, 200, bare.body);
  assert.equal(xmlOne(bare.body, 'ChecksumSHA256'), `${COMPOSITE_SHA256}-3`);
});
