// Hard quotas (admin API buckets/{bucket}/quota): a PutObject, CopyObject, UploadPart or
// CompleteMultipartUpload that would take a bucket past its quota fails with 507
// VaultQuotaExceeded, decided in the transaction that commits it; parts count as they are
// stored and are released on abort; an announced size that cannot fit is refused before the
// body is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { adminRequest } from '../src/cli/admin-client.js';
import { ROOT_ACCESS_KEY, ROOT_SECRET_KEY, newBucketRaw, testCofferForFile } from './helpers/coffer.js';
import { rawRequest, signHeaders } from './helpers/raw.js';
import { RawMultipart, objectPath } from './helpers/multipart.js';
import { openExchange, delay } from './helpers/socket.js';
import { blobAndTmpFiles } from './helpers/files.js';

const c = testCofferForFile();
const mpu = new RawMultipart(c);
const root = () => ({ endpoint: c.endpoint, accessKeyId: ROOT_ACCESS_KEY, secretAccessKey: ROOT_SECRET_KEY, region: 'us-east-1' });

async function setQuota(bucket: string, quota: { hardQuotaBytes: number; maxObjects?: number }): Promise<void> {
  const r = await adminRequest(root(), 'PUT', `/_coffer/admin/v1/buckets/${bucket}/quota`, quota);
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

async function usage(bucket: string): Promise<{ objects: number; bytes: number; incompleteUploads: { parts: number; bytes: number } }> {
  const r = await adminRequest(root(), 'GET', `/_coffer/admin/v1/buckets/${bucket}/usage`);
  assert.equal(r.status, 200);
  return r.body as { objects: number; bytes: number; incompleteUploads: { parts: number; bytes: number } };
}

function put(bucket: string, key: string, size: number) {
  return rawRequest(c.endpoint, { method: 'PUT', path: objectPath(bucket, key), body: Buffer.alloc(size, 7) });
}

function assertQuotaExceeded(r: { status: number; code?: string; message?: string; body: string }, what: string): void {
  assert.equal(r.status, 507, `${what}: ${r.body}`);
  assert.equal(r.code, 'VaultQuotaExceeded', what);
  assert.equal(r.message, 'The capacity used on the target vault has exceeded a hard quota', what);
  assert.match(r.body, /<RequestId>[0-9A-F]+<\/RequestId>/);
}

test('a PutObject that would take the bucket past its byte quota fails with 507 VaultQuotaExceeded and stores nothing', async () => {
  const b = await newBucketRaw(c.endpoint, 'quota');
  await setQuota(b, { hardQuotaBytes: 1000 });
  assert.equal((await put(b, 'a', 600)).status, 200);
  assertQuotaExceeded(await put(b, 'b', 401), 'PUT past the quota');
  assert.equal((await rawRequest(c.endpoint, { method: 'HEAD', path: objectPath(b, 'b') })).status, 404);
  // Exactly up to the quota is allowed.
  assert.equal((await put(b, 'c', 400)).status, 200);
  assert.deepEqual(await usage(b), { bucket: b, objects: 2, bytes: 1000, incompleteUploads: { parts: 0, bytes: 0 }, quota: { hardQuotaBytes: 1000 } });
});

test('a blob-sized PutObject past the quota is refused too, and leaves no blob file behind', async () => {
  const b = await newBucketRaw(c.endpoint, 'quota');
  await setQuota(b, { hardQuotaBytes: 300 * 1024 });
  assert.equal((await put(b, 'big-1', 200 * 1024)).status, 200);
  const before = await blobAndTmpFiles(c.dataDir);
  assertQuotaExceeded(await put(b, 'big-2', 200 * 1024), 'second 200 KiB PUT');
  assert.equal((await usage(b)).bytes, 200 * 1024);
  assert.deepEqual(await blobAndTmpFiles(c.dataDir), before);
});

test('an overwrite that frees bytes fits at a full quota, and one that grows the bucket past it does not', async () => {
  const b = await newBucketRaw(c.endpoint, 'quota');
  await setQuota(b, { hardQuotaBytes: 100 });
  assert.equal((await put(b, 'k', 100)).status, 200);
  assert.equal((await put(b, 'k', 80)).status, 200);
  assert.equal((await put(b, 'k', 100)).status, 200);
  assertQuotaExceeded(await put(b, 'k', 101), 'overwrite growing past the quota');
  assert.equal((await usage(b)).bytes, 100);
});

test('maxObjects refuses a new key past the limit; overwriting a key still works', async () => {
  const b = await newBucketRaw(c.endpoint, 'quota');
  await setQuota(b, { hardQuotaBytes: 1_000_000, maxObjects: 2 });
  assert.equal((await put(b, 'one', 1)).status, 200);
  assert.equal((await put(b, 'two', 1)).status, 200);
  assertQuotaExceeded(await put(b, 'three', 1), 'third object');
  assert.equal((await put(b, 'two', 5)).status, 200);
  // A delete makes room again.
  assert.equal((await rawRequest(c.endpoint, { method: 'DELETE', path: objectPath(b, 'one') })).status, 204);
  assert.equal((await put(b, 'three', 1)).status, 200);
});

test('a CopyObject past the quota fails with 507 VaultQuotaExceeded', async () => {
  const b = await newBucketRaw(c.endpoint, 'quota');
  assert.equal((await put(b, 'src', 700)).status, 200);
  await setQuota(b, { hardQuotaBytes: 1000 });
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: objectPath(b, 'copy'), headers: { 'x-amz-copy-source': `/${b}/src` } });
  assertQuotaExceeded(r, 'CopyObject');
  // Copying onto the source itself replaces it: it fits.
  const self = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: objectPath(b, 'src'),
    headers: { 'x-amz-copy-source': `/${b}/src`, 'x-amz-metadata-directive': 'REPLACE', 'x-amz-meta-a': '1' },
  });
  assert.equal(self.status, 200, self.body);
});

test('upload parts count against the quota as they are stored, and abort releases them', async () => {
  const b = await newBucketRaw(c.endpoint, 'quota');
  await setQuota(b, { hardQuotaBytes: 1000 });
  const id = await mpu.createUpload(b, 'mp');
  await mpu.putPart(b, 'mp', id, 1, Buffer.alloc(600, 1));
  assert.deepEqual((await usage(b)).incompleteUploads, { parts: 1, bytes: 600 });
  assertQuotaExceeded(await put(b, 'other', 401), 'PUT while parts hold 600 bytes');
  const part2 = await mpu.uploadPart(b, 'mp', id, 2, Buffer.alloc(401, 2));
  assert.equal(part2.status, 507, part2.body.toString());
  assert.match(part2.body.toString(), /<Code>VaultQuotaExceeded<\/Code>/);
  // Uploading part 1 again replaces it: its old bytes are not counted twice.
  await mpu.putPart(b, 'mp', id, 1, Buffer.alloc(900, 1));
  assert.deepEqual((await usage(b)).incompleteUploads, { parts: 1, bytes: 900 });
  assert.equal((await mpu.abort(b, 'mp', id)).status, 204);
  assert.deepEqual((await usage(b)).incompleteUploads, { parts: 0, bytes: 0 });
  assert.equal((await put(b, 'other', 1000)).status, 200);
});

test('CompleteMultipartUpload moves counted parts to the object: it fits at a full quota, unused parts are released', async () => {
  const b = await newBucketRaw(c.endpoint, 'quota');
  await setQuota(b, { hardQuotaBytes: 1000 });
  const id = await mpu.createUpload(b, 'mp');
  const etag = await mpu.putPart(b, 'mp', id, 1, Buffer.alloc(700, 1));
  await mpu.putPart(b, 'mp', id, 2, Buffer.alloc(300, 2));
  const done = await mpu.complete(b, 'mp', id, [{ partNumber: 1, etag }]);
  assert.equal(done.status, 200, done.body);
  assert.deepEqual(await usage(b), { bucket: b, objects: 1, bytes: 700, incompleteUploads: { parts: 0, bytes: 0 }, quota: { hardQuotaBytes: 1000 } });
});

test('CompleteMultipartUpload past maxObjects fails with 507 VaultQuotaExceeded and keeps the upload', async () => {
  const b = await newBucketRaw(c.endpoint, 'quota');
  await setQuota(b, { hardQuotaBytes: 1_000_000, maxObjects: 1 });
  assert.equal((await put(b, 'first', 1)).status, 200);
  const id = await mpu.createUpload(b, 'mp');
  const etag = await mpu.putPart(b, 'mp', id, 1, Buffer.alloc(10, 1));
  assertQuotaExceeded(await mpu.complete(b, 'mp', id, [{ partNumber: 1, etag }]), 'Complete');
  assert.equal((await mpu.listParts(b, 'mp', id)).status, 200);
  assert.deepEqual((await usage(b)).incompleteUploads, { parts: 1, bytes: 10 });
});

test('an announced Content-Length that cannot fit is refused before the body: no 100 Continue, 507 at once', async () => {
  const b = await newBucketRaw(c.endpoint, 'quota');
  await setQuota(b, { hardQuotaBytes: 1000 });
  const size = 50 * 1024 * 1024;
  const headers = await signHeaders(c.endpoint, {
    method: 'PUT',
    path: objectPath(b, 'huge'),
    headers: { 'content-length': String(size), expect: '100-continue' },
    payloadHash: 'UNSIGNED-PAYLOAD',
  });
  const ex = openExchange(c.endpoint, 'PUT', objectPath(b, 'huge'), headers);
  // Not a byte of the body is sent: the answer must not wait for it.
  const r = await Promise.race([ex.response, delay(5000)]);
  ex.destroy();
  assert.ok(r, 'answered without the body');
  assert.equal(r.status, 507);
  assert.equal(r.code, 'VaultQuotaExceeded');
  assert.equal(ex.continued, false, 'no 100 Continue for a refused upload');
  assert.equal((await usage(b)).bytes, 0);
});

test('an UploadPart whose announced size cannot fit is refused before its body: no 100 Continue', async () => {
  const b = await newBucketRaw(c.endpoint, 'quota');
  await setQuota(b, { hardQuotaBytes: 1000 });
  const id = await mpu.createUpload(b, 'mp');
  const query = { partNumber: '1', uploadId: id };
  const headers = await signHeaders(c.endpoint, {
    method: 'PUT',
    path: objectPath(b, 'mp'),
    query,
    headers: { 'content-length': String(6 * 1024 * 1024), expect: '100-continue' },
    payloadHash: 'UNSIGNED-PAYLOAD',
  });
  const ex = openExchange(c.endpoint, 'PUT', `${objectPath(b, 'mp')}?partNumber=1&uploadId=${encodeURIComponent(id)}`, headers);
  const r = await Promise.race([ex.response, delay(5000)]);
  ex.destroy();
  assert.ok(r, 'answered without the body');
  assert.equal(r.status, 507);
  assert.equal(r.code, 'VaultQuotaExceeded');
  assert.equal(ex.continued, false);
  assert.deepEqual((await usage(b)).incompleteUploads, { parts: 0, bytes: 0 });
});

test('16 racing uploads that together exceed the quota never take the bucket past it', async () => {
  const b = await newBucketRaw(c.endpoint, 'quota');
  const size = 96 * 1024;
  const quota = 5 * size + size / 2;
  await setQuota(b, { hardQuotaBytes: quota });
  const before = (await blobAndTmpFiles(c.dataDir)).length;
  // Each body is a blob (over the inline size): all 16 stream in at once, then race to commit.
  const results = await Promise.all(Array.from({ length: 16 }, (_, i) => put(b, `race-${i}`, size)));
  const ok = results.filter((r) => r.status === 200).length;
  for (const r of results) if (r.status !== 200) assertQuotaExceeded(r, 'a racing upload');
  assert.equal(ok, 5, 'exactly as many as fit');
  const u = await usage(b);
  assert.equal(u.bytes, ok * size);
  assert.ok(u.bytes <= quota);
  const listed = await c.s3.send(new ListObjectsV2Command({ Bucket: b }));
  assert.equal(listed.KeyCount, ok);
  assert.equal(
    (listed.Contents ?? []).reduce((n, o) => n + (o.Size ?? 0), 0),
    ok * size,
  );
  // The refused uploads' blobs are gone: what is on disk is what is committed.
  assert.equal((await blobAndTmpFiles(c.dataDir)).length, before + ok);
});

test('16 racing UploadParts that together exceed the quota never take the bucket past it', async () => {
  const b = await newBucketRaw(c.endpoint, 'quota');
  const size = 64 * 1024;
  await setQuota(b, { hardQuotaBytes: 7 * size });
  const id = await mpu.createUpload(b, 'mp');
  const results = await Promise.all(Array.from({ length: 16 }, (_, i) => mpu.uploadPart(b, 'mp', id, i + 1, Buffer.alloc(size, i))));
  assert.equal(results.filter((r) => r.status === 200).length, 7);
  assert.equal(results.filter((r) => r.status === 507).length, 9);
  assert.deepEqual((await usage(b)).incompleteUploads, { parts: 7, bytes: 7 * size });
});

test('the quota admin API sets, shows and clears a quota, and refuses malformed ones with 400', async () => {
  const b = await newBucketRaw(c.endpoint, 'quota');
  const path = `/_coffer/admin/v1/buckets/${b}/quota`;
  const none = await adminRequest(root(), 'GET', path);
  assert.equal(none.status, 404);
  assert.deepEqual(none.body, { error: `bucket ${b} has no quota`, code: 'NoSuchQuota' });
  const set = await adminRequest(root(), 'PUT', path, { hardQuotaBytes: 5000, maxObjects: 3 });
  assert.equal(set.status, 200);
  assert.deepEqual(set.body, { hardQuotaBytes: 5000, maxObjects: 3 });
  assert.deepEqual((await adminRequest(root(), 'GET', path)).body, { hardQuotaBytes: 5000, maxObjects: 3 });
  for (const bad of [{}, { hardQuotaBytes: -1 }, { hardQuotaBytes: 1.5 }, { hardQuotaBytes: '10' }, { hardQuotaBytes: 1, maxObjects: -2 }, { hardQuotaBytes: 1, extra: true }]) {
    const r = await adminRequest(root(), 'PUT', path, bad);
    assert.equal(r.status, 400, JSON.stringify(bad));
    assert.equal((r.body as { code: string }).code, 'InvalidQuota');
  }
  assert.equal((await adminRequest(root(), 'DELETE', path)).status, 204);
  assert.equal((await adminRequest(root(), 'GET', path)).status, 404);
  // A cleared quota stops refusing.
  assert.equal((await put(b, 'free', 10_000)).status, 200);
  const missing = await adminRequest(root(), 'PUT', '/_coffer/admin/v1/buckets/no-such-bucket-here/quota', { hardQuotaBytes: 1 });
  assert.equal(missing.status, 404);
  assert.equal((missing.body as { code: string }).code, 'NoSuchBucket');
});

test('a quota lowered below the usage refuses growth but lets deletes and smaller overwrites through', async () => {
  const b = await newBucketRaw(c.endpoint, 'quota');
  assert.equal((await put(b, 'a', 500)).status, 200);
  assert.equal((await put(b, 'b', 500)).status, 200);
  await setQuota(b, { hardQuotaBytes: 100 });
  assertQuotaExceeded(await put(b, 'c', 1), 'growth over a lowered quota');
  assert.equal((await put(b, 'a', 10)).status, 200);
  assert.equal((await rawRequest(c.endpoint, { method: 'DELETE', path: objectPath(b, 'b') })).status, 204);
  assert.equal((await usage(b)).bytes, 10);
  assert.equal((await put(b, 'c', 90)).status, 200);
});
