// PutObject integrity checks: flexible checksums (x-amz-checksum-*), Content-MD5 and the signed
// x-amz-content-sha256, and reading checksums back with ChecksumMode ENABLED.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import type { ChecksumAlgorithm } from '@aws-sdk/client-s3';
import { bodyBytes, newBucket, readObject, recordRequestHeaders, testCofferForFile } from './helpers/coffer.js';
import { crc32Base64, crc32cBase64, crc64nvmeBase64, digestBase64 } from './helpers/digests.js';
import { blobAndTmpFiles } from './helpers/files.js';
import { rawRequest, sha256Hex } from './helpers/raw.js';

const c = testCofferForFile();

const BODY = Buffer.from('The quick brown fox jumps over the lazy dog, checksummed.\n'.repeat(20));
/** Bigger than the 64 KiB inline threshold, so it goes through a blob file. */
const BIG = Buffer.alloc(200 * 1024, 'coffer-checksum ');

test('the digest oracles match the catalogue check values', async () => {
  assert.equal(Buffer.from(crc32Base64('123456789'), 'base64').toString('hex'), 'cbf43926');
  assert.equal(Buffer.from(crc32cBase64('123456789'), 'base64').toString('hex'), 'e3069283');
  assert.equal(Buffer.from(await crc64nvmeBase64('123456789'), 'base64').toString('hex'), 'ae8b14860a799888');
});

test('the SDK default PutObject sends a CRC32 header and gets it back', async () => {
  const b = await newBucket(c.s3, 'ck');
  const s3 = c.client(c.accessKeyId, c.secretAccessKey);
  const sent = recordRequestHeaders(s3);
  const out = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'default', Body: BODY }));
  assert.equal(sent[0]?.['x-amz-checksum-crc32'], crc32Base64(BODY));
  assert.equal(out.ChecksumCRC32, crc32Base64(BODY));
  assert.equal(out.ETag, `"${Buffer.from(digestBase64('md5', BODY), 'base64').toString('hex')}"`);

  const got = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'default', ChecksumMode: 'ENABLED' }));
  assert.equal(got.ChecksumCRC32, crc32Base64(BODY));
  assert.equal(got.ChecksumType, 'FULL_OBJECT');
  assert.deepEqual(await bodyBytes(got), BODY);
});

const EXPLICIT: Array<[ChecksumAlgorithm, string, (b: Buffer) => string | Promise<string>]> = [
  ['CRC32C', 'x-amz-checksum-crc32c', crc32cBase64],
  ['SHA1', 'x-amz-checksum-sha1', (d) => digestBase64('sha1', d)],
  ['SHA256', 'x-amz-checksum-sha256', (d) => digestBase64('sha256', d)],
  ['CRC64NVME', 'x-amz-checksum-crc64nvme', crc64nvmeBase64],
];

for (const [algorithm, headerName, oracle] of EXPLICIT) {
  for (const [label, body] of [
    ['small', BODY],
    ['200 KiB', BIG],
  ] as const) {
    test(`PutObject with ChecksumAlgorithm ${algorithm} (${label}) stores it and GetObject/HeadObject return it`, async () => {
      const b = await newBucket(c.s3, 'ck');
      const expected = await oracle(body);
      const out = await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: body, ChecksumAlgorithm: algorithm }));
      const field = `Checksum${algorithm}` as const;
      assert.equal(out[field], expected);

      const got = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', ChecksumMode: 'ENABLED' }));
      assert.equal(got[field], expected);
      assert.equal(got.ChecksumType, 'FULL_OBJECT');
      assert.deepEqual(await bodyBytes(got), body);

      const head = await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/k`, headers: { 'x-amz-checksum-mode': 'ENABLED' } });
      assert.equal(head.status, 200);
      assert.equal(head.headers[headerName], expected);
      assert.equal(head.headers['x-amz-checksum-type'], 'FULL_OBJECT');
    });
  }
}

test('GetObject without ChecksumMode returns no checksum headers', async () => {
  const b = await newBucket(c.s3, 'ck');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: BODY, ChecksumAlgorithm: 'SHA256' }));
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k` });
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-amz-checksum-sha256'], undefined);
  assert.equal(r.headers['x-amz-checksum-type'], undefined);
});

test('an object uploaded with no checksum reads back with a CRC64NVME', async () => {
  const b = await newBucket(c.s3, 'ck');
  const put = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/plain`, body: BODY });
  assert.equal(put.status, 200, put.body);
  const expected = await crc64nvmeBase64(BODY);
  assert.equal(put.headers['x-amz-checksum-crc64nvme'], expected);

  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'plain', ChecksumMode: 'ENABLED' }));
  assert.equal(head.ChecksumCRC64NVME, expected);
  assert.equal(head.ChecksumType, 'FULL_OBJECT');
  assert.equal(head.ChecksumCRC32, undefined);
});

test('a PUT whose x-amz-checksum-crc32 does not match is 400 BadDigest and keeps the old object', async () => {
  const b = await newBucket(c.s3, 'ck');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'first version' }));
  const r = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: `/${b}/k`,
    body: BODY,
    headers: { 'x-amz-checksum-crc32': crc32Base64('something else') },
  });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'BadDigest');
  assert.equal((await readObject(c.s3, b, 'k'))?.toString(), 'first version');
});

test('a 200 KiB PUT with a wrong x-amz-checksum-sha256 is 400 BadDigest and leaves no blob or temp file', async () => {
  const b = await newBucket(c.s3, 'ck');
  const before = await blobAndTmpFiles(c.dataDir);
  const r = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: `/${b}/big`,
    body: BIG,
    headers: { 'x-amz-checksum-sha256': digestBase64('sha256', 'not it') },
  });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'BadDigest');
  assert.equal(await readObject(c.s3, b, 'big'), undefined);
  assert.deepEqual(
    (await blobAndTmpFiles(c.dataDir)).filter((f) => !before.includes(f)),
    [],
  );
});

test('the SDK reports BadDigest for a precomputed checksum that does not match', async () => {
  const b = await newBucket(c.s3, 'ck');
  await assert.rejects(
    c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: BODY, ChecksumSHA1: digestBase64('sha1', 'other') })),
    (err: unknown) => err instanceof S3ServiceException && err.name === 'BadDigest' && err.$metadata.httpStatusCode === 400,
  );
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

for (const [name, value] of [
  ['x-amz-checksum-crc32', 'not base64!'],
  ['x-amz-checksum-crc32', digestBase64('sha256', 'x')],
  ['x-amz-checksum-sha256', crc32Base64('x')],
  ['x-amz-checksum-crc64nvme', ''],
] as const) {
  test(`a malformed ${name} "${value}" is 400 InvalidRequest`, async () => {
    const b = await newBucket(c.s3, 'ck');
    const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, body: BODY, headers: { [name]: value } });
    assert.equal(r.status, 400);
    assert.equal(r.code, 'InvalidRequest');
    assert.equal(await readObject(c.s3, b, 'k'), undefined);
  });
}

test('two different x-amz-checksum-* headers are 400 InvalidRequest', async () => {
  const b = await newBucket(c.s3, 'ck');
  const r = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: `/${b}/k`,
    body: BODY,
    headers: { 'x-amz-checksum-crc32': crc32Base64(BODY), 'x-amz-checksum-crc32c': crc32cBase64(BODY) },
  });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidRequest');
});

test('x-amz-sdk-checksum-algorithm without its checksum header or trailer is 400 InvalidRequest', async () => {
  const b = await newBucket(c.s3, 'ck');
  const r = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: `/${b}/k`,
    body: BODY,
    headers: { 'x-amz-sdk-checksum-algorithm': 'CRC32' },
  });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidRequest');
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

test('an x-amz-sdk-checksum-algorithm naming another algorithm than the header sent is 400 InvalidRequest', async () => {
  const b = await newBucket(c.s3, 'ck');
  const r = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: `/${b}/k`,
    body: BODY,
    headers: { 'x-amz-sdk-checksum-algorithm': 'SHA256', 'x-amz-checksum-crc32': crc32Base64(BODY) },
  });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidRequest');
});

test('a lower-case x-amz-sdk-checksum-algorithm is accepted', async () => {
  const b = await newBucket(c.s3, 'ck');
  const r = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: `/${b}/k`,
    body: BODY,
    headers: { 'x-amz-sdk-checksum-algorithm': 'crc32c', 'x-amz-checksum-crc32c': crc32cBase64(BODY) },
  });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers['x-amz-checksum-crc32c'], crc32cBase64(BODY));
});

test('a matching Content-MD5 is accepted and the ETag is the MD5', async () => {
  const b = await newBucket(c.s3, 'ck');
  const md5 = digestBase64('md5', BODY);
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, body: BODY, headers: { 'content-md5': md5 } });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers['etag'], `"${Buffer.from(md5, 'base64').toString('hex')}"`);
});

test('a Content-MD5 that does not match is 400 BadDigest and stores nothing', async () => {
  const b = await newBucket(c.s3, 'ck');
  const r = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: `/${b}/k`,
    body: BODY,
    headers: { 'content-md5': digestBase64('md5', 'other') },
  });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'BadDigest');
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

test('a 200 KiB PUT with a wrong Content-MD5 is 400 BadDigest and stores nothing', async () => {
  const b = await newBucket(c.s3, 'ck');
  const r = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: `/${b}/k`,
    body: BIG,
    headers: { 'content-md5': digestBase64('md5', 'other') },
  });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'BadDigest');
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

for (const value of ['not-an-md5', 'AAAA', digestBase64('sha1', 'x'), '']) {
  test(`a malformed Content-MD5 "${value}" is 400 InvalidDigest`, async () => {
    const b = await newBucket(c.s3, 'ck');
    const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, body: BODY, headers: { 'content-md5': value } });
    assert.equal(r.status, 400);
    assert.equal(r.code, 'InvalidDigest');
    assert.equal(await readObject(c.s3, b, 'k'), undefined);
  });
}

test('a body that does not match its signed x-amz-content-sha256 is 400 XAmzContentSHA256Mismatch', async () => {
  const b = await newBucket(c.s3, 'ck');
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, body: BODY, payloadHash: sha256Hex('a different body') });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'XAmzContentSHA256Mismatch');
  assert.match(r.body, new RegExp(`<ClientComputedContentSHA256>${sha256Hex('a different body')}</ClientComputedContentSHA256>`));
  assert.match(r.body, new RegExp(`<S3ComputedContentSHA256>${sha256Hex(BODY)}</S3ComputedContentSHA256>`));
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

test('a 200 KiB body that does not match its x-amz-content-sha256 is 400 XAmzContentSHA256Mismatch', async () => {
  const b = await newBucket(c.s3, 'ck');
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, body: BIG, payloadHash: sha256Hex(BODY) });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'XAmzContentSHA256Mismatch');
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

test('an x-amz-content-sha256 that is neither a digest nor a known keyword is 400 InvalidArgument', async () => {
  const b = await newBucket(c.s3, 'ck');
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, body: BODY, payloadHash: 'SOMETHING-ELSE' });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidArgument');
});

test('UNSIGNED-PAYLOAD stores the body without a payload digest', async () => {
  const b = await newBucket(c.s3, 'ck');
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, body: BODY, payloadHash: 'UNSIGNED-PAYLOAD' });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(await readObject(c.s3, b, 'k'), BODY);
});
