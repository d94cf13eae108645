// A data volume that fills up: uploads are refused with 507 InsufficientStorage while the
// free-space reserve still lets deletes commit, and a disk write that fails part-way answers an
// error, keeps the server up and leaves no file behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { childClient, startChildCoffer, startChildCofferForTest } from './helpers/child.js';
import { newBucketRaw } from './helpers/coffer.js';
import { bytesRequest, deterministicBytes, md5Hex } from './helpers/bytes.js';
import { tmpFiles } from './helpers/files.js';
import { MiB, RawMultipart, xmlAll } from './helpers/multipart.js';
import { rawRequest } from './helpers/raw.js';

const KiB = 1024;

test('below the free-space reserve uploads get 507 InsufficientStorage; reads, deletes and Complete still work', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'coffer-full-'));
  const dataDir = join(root, 'data');
  // Objects and a multipart upload with one part, written while there is room.
  const roomy = await startChildCoffer(dataDir);
  const bucket = await newBucketRaw(roomy.endpoint, 'full');
  const small = deterministicBytes('small', 10 * KiB);
  const big = deterministicBytes('big', 300 * KiB);
  for (const [key, body] of [
    ['small', small],
    ['big', big],
  ] as const) {
    assert.equal((await rawRequest(roomy.endpoint, { method: 'PUT', path: `/${bucket}/${key}`, body })).status, 200);
  }
  const roomyMp = new RawMultipart(roomy.endpoint);
  const uploadId = await roomyMp.createUpload(bucket, 'mp');
  const etag = await roomyMp.putPart(bucket, 'mp', uploadId, 1, small);
  roomy.kill('SIGTERM');
  await roomy.waitExit();

  // The same data on a volume whose free space is all reserve.
  const full = await startChildCofferForTest(t, root, dataDir, { env: { COFFER_MIN_FREE_SPACE: String(Number.MAX_SAFE_INTEGER) } });
  const refusals = [
    { what: 'PutObject', r: { method: 'PUT', path: `/${bucket}/new`, body: small } },
    { what: 'PutObject, empty', r: { method: 'PUT', path: `/${bucket}/empty`, body: '' } },
    { what: 'UploadPart', r: { method: 'PUT', path: `/${bucket}/mp`, query: { partNumber: '2', uploadId }, body: small } },
    { what: 'CopyObject', r: { method: 'PUT', path: `/${bucket}/copy`, headers: { 'x-amz-copy-source': `/${bucket}/small` } } },
  ];
  for (const { what, r } of refusals) {
    const res = await rawRequest(full.endpoint, r);
    assert.equal(res.status, 507, `${what}: ${res.body}`);
    assert.equal(res.code, 'InsufficientStorage', what);
  }
  // The SDK surfaces it by name, without retrying it as a server fault.
  const s3 = childClient(t, full);
  await assert.rejects(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'sdk', Body: small })), (err: unknown) => {
    assert.ok(err instanceof S3ServiceException);
    assert.equal(err.name, 'InsufficientStorage');
    assert.equal(err.$metadata.httpStatusCode, 507);
    assert.equal(err.$metadata.attempts, 1);
    return true;
  });

  const got = await bytesRequest(full.endpoint, { method: 'GET', path: `/${bucket}/small` });
  assert.equal(got.status, 200);
  assert.equal(md5Hex(got.body), md5Hex(small));
  assert.equal((await rawRequest(full.endpoint, { method: 'DELETE', path: `/${bucket}/big` })).status, 204);
  const completed = await new RawMultipart(full.endpoint).complete(bucket, 'mp', uploadId, [{ partNumber: 1, etag }]);
  assert.equal(completed.status, 200, completed.body);
  const listed = await rawRequest(full.endpoint, { method: 'GET', path: `/${bucket}`, query: { 'list-type': '2' } });
  assert.deepEqual(xmlAll(listed.body, 'Key'), ['mp', 'small']);
});

test('a blob write that stops short (the file size limit reached) answers 500, keeps the server up and leaves no temp file', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'coffer-efbig-'));
  const dataDir = join(root, 'data');
  // 1 MiB per file: room for the SQLite files of a few small writes, not for a 3 MiB blob.
  const child = await startChildCofferForTest(t, root, dataDir, { fileSizeLimitKiB: 1024 });
  const bucket = await newBucketRaw(child.endpoint, 'efbig');

  const tooBig = await rawRequest(child.endpoint, { method: 'PUT', path: `/${bucket}/big`, body: deterministicBytes('big', 3 * MiB) });
  assert.equal(tooBig.status, 500, tooBig.body);
  assert.equal(tooBig.code, 'InternalError');
  const mp = new RawMultipart(child.endpoint);
  const uploadId = await mp.createUpload(bucket, 'mp');
  const tooBigPart = await mp.uploadPart(bucket, 'mp', uploadId, 1, deterministicBytes('part', 2 * MiB));
  assert.equal(tooBigPart.status, 500, tooBigPart.body.toString());

  // Still serving, and nothing half-written is visible or left on disk.
  const body = deterministicBytes('after', 200 * KiB);
  assert.equal((await rawRequest(child.endpoint, { method: 'PUT', path: `/${bucket}/after`, body })).status, 200);
  const got = await bytesRequest(child.endpoint, { method: 'GET', path: `/${bucket}/after` });
  assert.equal(md5Hex(got.body), md5Hex(body));
  assert.equal((await rawRequest(child.endpoint, { method: 'HEAD', path: `/${bucket}/big` })).status, 404);
  const parts = await mp.listParts(bucket, 'mp', uploadId);
  assert.doesNotMatch(parts.body, /<Part>/);
  assert.deepEqual(await tmpFiles(dataDir), []);
});
