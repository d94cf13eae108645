// Usage (admin API buckets/{bucket}/usage and usage): bytes and objects stay exact through
// overwrites, deletes, copies, batch deletes and multipart uploads, with the parts of unfinished
// uploads reported apart. Checked against what the S3 API itself lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteObjectsCommand, ListMultipartUploadsCommand, ListObjectVersionsCommand, ListPartsCommand } from '@aws-sdk/client-s3';
import { adminRequest } from '../src/cli/admin-client.js';
import { ROOT_ACCESS_KEY, ROOT_SECRET_KEY, newBucketRaw, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import { MIN_PART, RawMultipart, objectPath } from './helpers/multipart.js';

const c = testCofferForFile();
const mpu = new RawMultipart(c);
const root = () => ({ endpoint: c.endpoint, accessKeyId: ROOT_ACCESS_KEY, secretAccessKey: ROOT_SECRET_KEY, region: 'us-east-1' });

interface UsageJson {
  bucket: string;
  objects: number;
  bytes: number;
  incompleteUploads: { parts: number; bytes: number };
  quota: unknown;
}

async function put(bucket: string, key: string, size: number): Promise<void> {
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: objectPath(bucket, key), body: Buffer.alloc(size, 3) });
  assert.equal(r.status, 200, r.body);
}

/** What the S3 API lists: every version but delete markers, and every part of every open upload. */
async function listed(bucket: string): Promise<Omit<UsageJson, 'quota'>> {
  const versions = await c.s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  const vs = versions.Versions ?? [];
  const uploads = (await c.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];
  let parts = 0;
  let partBytes = 0;
  for (const u of uploads) {
    for (const p of (await c.s3.send(new ListPartsCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }))).Parts ?? []) {
      parts++;
      partBytes += p.Size ?? 0;
    }
  }
  return { bucket, objects: vs.length, bytes: vs.reduce((n, v) => n + (v.Size ?? 0), 0), incompleteUploads: { parts, bytes: partBytes } };
}

async function usage(bucket: string): Promise<UsageJson> {
  const r = await adminRequest(root(), 'GET', `/_coffer/admin/v1/buckets/${bucket}/usage`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as UsageJson;
}

test('usage is exact after a mixed workload of puts, overwrites, deletes, copies and multipart uploads', async () => {
  const b = await newBucketRaw(c.endpoint, 'usage');
  const other = await newBucketRaw(c.endpoint, 'usage');
  await put(b, 'small', 100);
  await put(b, 'grows', 2000);
  await put(b, 'blob', 100 * 1024);
  await put(b, 'small', 50);
  await put(b, 'grows', 3000);
  await put(b, 'empty', 0);
  assert.equal((await rawRequest(c.endpoint, { method: 'DELETE', path: objectPath(b, 'blob') })).status, 204);
  assert.equal((await rawRequest(c.endpoint, { method: 'DELETE', path: objectPath(b, 'never-was') })).status, 204);
  const copy = await rawRequest(c.endpoint, { method: 'PUT', path: objectPath(b, 'copied'), headers: { 'x-amz-copy-source': `/${b}/grows` } });
  assert.equal(copy.status, 200, copy.body);
  const copyOut = await rawRequest(c.endpoint, { method: 'PUT', path: objectPath(other, 'from-b'), headers: { 'x-amz-copy-source': `/${b}/small` } });
  assert.equal(copyOut.status, 200, copyOut.body);
  await put(b, 'batch-1', 10);
  await put(b, 'batch-2', 20);
  const batch = await c.s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: [{ Key: 'batch-1' }, { Key: 'batch-2' }, { Key: 'batch-none' }] } }));
  assert.equal(batch.Deleted?.length, 3);
  // A completed upload of two parts (one left out of the object), then overwritten by a PUT.
  const done = await mpu.createUpload(b, 'mp-done');
  const p1 = await mpu.putPart(b, 'mp-done', done, 1, Buffer.alloc(MIN_PART, 1));
  const p2 = await mpu.putPart(b, 'mp-done', done, 2, Buffer.alloc(1000, 2));
  await mpu.putPart(b, 'mp-done', done, 3, Buffer.alloc(777, 3));
  assert.equal(
    (
      await mpu.complete(b, 'mp-done', done, [
        { partNumber: 1, etag: p1 },
        { partNumber: 2, etag: p2 },
      ])
    ).status,
    200,
  );
  const replaced = await mpu.createUpload(b, 'mp-replaced');
  const r1 = await mpu.putPart(b, 'mp-replaced', replaced, 1, Buffer.alloc(4000, 4));
  assert.equal((await mpu.complete(b, 'mp-replaced', replaced, [{ partNumber: 1, etag: r1 }])).status, 200);
  await put(b, 'mp-replaced', 5);
  // An aborted upload, and one left open with a part uploaded twice.
  const aborted = await mpu.createUpload(b, 'mp-aborted');
  await mpu.putPart(b, 'mp-aborted', aborted, 1, Buffer.alloc(3000, 5));
  assert.equal((await mpu.abort(b, 'mp-aborted', aborted)).status, 204);
  const open = await mpu.createUpload(b, 'mp-open');
  await mpu.putPart(b, 'mp-open', open, 1, Buffer.alloc(100, 6));
  await mpu.putPart(b, 'mp-open', open, 2, Buffer.alloc(200, 7));
  await mpu.putPart(b, 'mp-open', open, 1, Buffer.alloc(150, 8));

  const expected = await listed(b);
  assert.deepEqual(expected, {
    bucket: b,
    objects: 6,
    bytes: 50 + 3000 + 0 + 3000 + (MIN_PART + 1000) + 5,
    incompleteUploads: { parts: 2, bytes: 350 },
  });
  assert.deepEqual(await usage(b), { ...expected, quota: null });
  assert.deepEqual(await usage(other), { ...(await listed(other)), quota: null });
  assert.equal((await usage(other)).bytes, 50);

  // The all-buckets report has each bucket's row and totals that add them up.
  const all = await adminRequest(root(), 'GET', '/_coffer/admin/v1/usage');
  assert.equal(all.status, 200);
  const report = all.body as { buckets: UsageJson[]; total: { buckets: number; objects: number; bytes: number; incompleteUploads: { parts: number; bytes: number } } };
  const mine = report.buckets.filter((r) => r.bucket === b || r.bucket === other);
  assert.deepEqual(
    mine.map((r) => r.bucket),
    [b, other].sort(),
  );
  assert.deepEqual(
    report.buckets.find((r) => r.bucket === b),
    { ...expected, quota: null },
  );
  assert.equal(report.total.buckets, report.buckets.length);
  assert.equal(
    report.total.bytes,
    report.buckets.reduce((n, r) => n + r.bytes, 0),
  );
  assert.equal(
    report.total.incompleteUploads.bytes,
    report.buckets.reduce((n, r) => n + r.incompleteUploads.bytes, 0),
  );
});

test('a deleted bucket leaves the usage report, and the usage of a bucket that does not exist is 404 NoSuchBucket', async () => {
  const b = await newBucketRaw(c.endpoint, 'usage');
  await put(b, 'x', 10);
  assert.equal((await rawRequest(c.endpoint, { method: 'DELETE', path: objectPath(b, 'x') })).status, 204);
  assert.equal((await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}` })).status, 204);
  const all = (await adminRequest(root(), 'GET', '/_coffer/admin/v1/usage')).body as { buckets: UsageJson[] };
  assert.equal(
    all.buckets.some((r) => r.bucket === b),
    false,
  );
  const gone = await adminRequest(root(), 'GET', `/_coffer/admin/v1/buckets/${b}/usage`);
  assert.equal(gone.status, 404);
  assert.deepEqual(gone.body, { error: `no bucket ${b}`, code: 'NoSuchBucket' });
});
