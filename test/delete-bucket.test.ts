// DeleteBucket and unfinished multipart uploads: S3 deletes a bucket whose only content is
// unfinished uploads, and the uploads with it; objects still keep a bucket (409 BucketNotEmpty).
// A part upload racing the deletion lands before it (and goes with the bucket) or fails; nothing
// of either survives in metadata or on disk.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateBucketCommand, ListMultipartUploadsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { newBucket, readObject, testCofferForFile } from './helpers/coffer.js';
import { deterministicBytes } from './helpers/bytes.js';
import { waitFor } from './helpers/child.js';
import { blobFiles } from './helpers/files.js';
import { RawMultipart, holdUploadPart, xmlAll } from './helpers/multipart.js';
import { rawRequest } from './helpers/raw.js';

const c = testCofferForFile();
const mp = new RawMultipart(c);

async function deleteBucket(bucket: string): Promise<{ status: number; code?: string }> {
  return rawRequest(c.endpoint, { method: 'DELETE', path: `/${bucket}` });
}

async function assertNoNewBlobFiles(before: string[]): Promise<void> {
  const added = async (): Promise<string[]> => (await blobFiles(c.dataDir)).filter((f) => !before.includes(f));
  await waitFor('part files to be removed', async () => (await added()).length === 0, 3000).catch(() => undefined);
  assert.deepEqual(await added(), []);
}

test('DeleteBucket with only unfinished multipart uploads is 204, and the uploads, their parts and their files go with it', async () => {
  const b = await newBucket(c.s3, 'delb');
  const before = await blobFiles(c.dataDir);
  const ids: string[] = [];
  for (const key of ['a', 'dir/b']) {
    const id = await mp.createUpload(b, key);
    ids.push(id);
    await mp.putPart(b, key, id, 1, deterministicBytes(`${key}/1`, 100 * 1024));
    await mp.putPart(b, key, id, 2, deterministicBytes(`${key}/2`, 1000));
  }
  assert.equal((await blobFiles(c.dataDir)).length, before.length + 4, 'four part files');

  const r = await deleteBucket(b);
  assert.equal(r.status, 204, r.code);
  assert.equal((await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}` })).status, 404);
  await assertNoNewBlobFiles(before);

  // The name is free again, and nothing of the old uploads is in the new bucket.
  await c.s3.send(new CreateBucketCommand({ Bucket: b }));
  const listed = await c.s3.send(new ListMultipartUploadsCommand({ Bucket: b }));
  assert.equal(listed.Uploads?.length ?? 0, 0);
  for (const [i, key] of ['a', 'dir/b'].entries()) {
    const parts = await mp.listParts(b, key, ids[i]!);
    assert.equal(parts.status, 404);
    assert.equal(parts.code, 'NoSuchUpload');
  }
});

test('DeleteBucket with an object and an unfinished upload is 409 BucketNotEmpty and keeps both', async () => {
  const b = await newBucket(c.s3, 'delb');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'obj', Body: 'kept' }));
  const id = await mp.createUpload(b, 'mpu');
  await mp.putPart(b, 'mpu', id, 1, Buffer.from('part'));
  const r = await deleteBucket(b);
  assert.equal(r.status, 409);
  assert.equal(r.code, 'BucketNotEmpty');
  assert.equal((await readObject(c.s3, b, 'obj'))?.toString(), 'kept');
  assert.deepEqual(xmlAll((await mp.listParts(b, 'mpu', id)).body, 'PartNumber'), ['1']);
});

test('a part still streaming when its bucket is deleted fails with 404 and leaves no part and no file', async () => {
  const b = await newBucket(c.s3, 'delb');
  const before = await blobFiles(c.dataDir);
  const id = await mp.createUpload(b, 'k');
  const body = deterministicBytes('race/held', 512 * 1024);
  const held = await holdUploadPart(c.endpoint, b, 'k', id, 1, body, 256 * 1024);
  const r = await deleteBucket(b);
  assert.equal(r.status, 204, r.code);
  const late = await held.finish();
  assert.equal(late.status, 404, late.body.toString());
  assert.ok(late.code === 'NoSuchUpload' || late.code === 'NoSuchBucket', late.code);
  await assertNoNewBlobFiles(before);
  await c.s3.send(new CreateBucketCommand({ Bucket: b }));
  assert.equal((await mp.listParts(b, 'k', id)).code, 'NoSuchUpload');
});

test('part uploads racing DeleteBucket each land before it or fail with 404; no part or file outlives the bucket', async () => {
  const b = await newBucket(c.s3, 'delb');
  const before = await blobFiles(c.dataDir);
  const id = await mp.createUpload(b, 'k');
  const uploads = Array.from({ length: 8 }, (_, i) => mp.uploadPart(b, 'k', id, i + 1, deterministicBytes(`race/${i}`, 64 * 1024 * (i + 1))));
  await new Promise((r) => setTimeout(r, 5));
  const deleted = await deleteBucket(b);
  assert.equal(deleted.status, 204, deleted.code);
  for (const r of await Promise.all(uploads)) {
    if (r.status === 200) continue;
    assert.equal(r.status, 404, r.body.toString());
    assert.ok(r.code === 'NoSuchUpload' || r.code === 'NoSuchBucket', r.code);
  }
  await assertNoNewBlobFiles(before);
  await c.s3.send(new CreateBucketCommand({ Bucket: b }));
  assert.equal((await c.s3.send(new ListMultipartUploadsCommand({ Bucket: b }))).Uploads?.length ?? 0, 0);
  assert.equal((await mp.listParts(b, 'k', id)).code, 'NoSuchUpload');
});
