// Storage classes and the archive volume: the classes S3 accepts on PUT, GLACIER and DEEP_ARCHIVE
// bytes compressed on COFFER_ARCHIVE_DIR, reads of archived objects refused with
// InvalidObjectState, and CopyObject moving an object between classes.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-class-intro.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, RestoreObjectCommand } from '@aws-sdk/client-s3';
import { bodyBytes, newBucket, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import { eventually, multipartUpload, restoreOf } from './helpers/archive.js';
import { archiveFiles } from './helpers/files.js';

const c = testCofferForFile({ COFFER_RESTORE_SECONDS: 'Expedited=0.2,Standard=0.2,Bulk=0.2' });

test('every storage class of a general purpose bucket is accepted on PUT and reported by HEAD and listings', async () => {
  const b = await newBucket(c.s3);
  for (const sc of ['STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE'] as const) {
    await c.s3.send(new PutObjectCommand({ Bucket: b, Key: sc, Body: 'x', StorageClass: sc }));
    const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: sc }));
    assert.equal(head.StorageClass, sc === 'STANDARD' ? undefined : sc);
  }
  const list = await c.s3.send(new ListObjectsV2Command({ Bucket: b }));
  assert.deepEqual(
    list.Contents?.map((o) => [o.Key, o.StorageClass]),
    ['DEEP_ARCHIVE', 'GLACIER', 'GLACIER_IR', 'INTELLIGENT_TIERING', 'ONEZONE_IA', 'REDUCED_REDUNDANCY', 'STANDARD', 'STANDARD_IA'].map((k) => [k, k]),
  );
});

test('a storage class of another kind of bucket (OUTPOSTS, EXPRESS_ONEZONE) is 400 InvalidStorageClass', async () => {
  const b = await newBucket(c.s3);
  for (const sc of ['OUTPOSTS', 'EXPRESS_ONEZONE', 'SNOW']) {
    const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, body: 'x', headers: { 'x-amz-storage-class': sc } });
    assert.equal(r.status, 400);
    assert.equal(r.code, 'InvalidStorageClass');
    assert.match(r.body, new RegExp(`<StorageClassRequested>${sc}</StorageClassRequested>`));
  }
});

test('a GLACIER object is stored compressed on the archive volume, durable before the PUT answers', async () => {
  const b = await newBucket(c.s3);
  const before = new Set(await archiveFiles(c.dataDir));
  const text = 'archive me '.repeat(20_000);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'cold', Body: text, StorageClass: 'GLACIER' }));
  const added = (await archiveFiles(c.dataDir)).filter((f) => !before.has(f));
  assert.equal(added.length, 1);
  const stored = await readFile(added[0]!);
  assert.ok(stored.length < text.length / 10, `compressed to ${stored.length} bytes`);
  assert.equal(brotliDecompressSync(stored).toString(), text);
  // Nothing of it went to the blob store.
  assert.equal((await stat(added[0]!)).size, stored.length);
});

test('GET of an archived object that is not restored is 403 InvalidObjectState with its StorageClass; HEAD answers', async () => {
  const b = await newBucket(c.s3);
  for (const sc of ['GLACIER', 'DEEP_ARCHIVE'] as const) {
    await c.s3.send(new PutObjectCommand({ Bucket: b, Key: sc, Body: 'cold bytes', StorageClass: sc }));
    const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/${sc}` });
    assert.equal(r.status, 403);
    assert.equal(r.code, 'InvalidObjectState');
    assert.equal(r.message, 'The operation is not valid for the current state of the object.');
    assert.match(r.body, new RegExp(`<StorageClass>${sc}</StorageClass>`));
    const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: sc }));
    assert.equal(head.ContentLength, 10);
    assert.equal(head.StorageClass, sc);
    assert.equal(head.Restore, undefined);
  }
});

test('copying an archived object that is not restored is 403 InvalidObjectState, as is UploadPartCopy from it', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'cold', Body: 'x', StorageClass: 'GLACIER' }));
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/copy`, headers: { 'x-amz-copy-source': `/${b}/cold` } });
  assert.equal(r.status, 403);
  assert.equal(r.code, 'InvalidObjectState');
  const create = await rawRequest(c.endpoint, { method: 'POST', path: `/${b}/mp`, query: { uploads: '' } });
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(create.body)![1]!;
  const part = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/mp`, query: { partNumber: '1', uploadId }, headers: { 'x-amz-copy-source': `/${b}/cold` } });
  assert.equal(part.status, 403);
  assert.equal(part.code, 'InvalidObjectState');
});

test('CopyObject with a new x-amz-storage-class moves an object into the archive and, once restored, back out', async () => {
  const b = await newBucket(c.s3);
  const text = 'move between classes '.repeat(5000);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: text }));
  const before = (await archiveFiles(c.dataDir)).length;
  await c.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'k', CopySource: `${b}/k`, StorageClass: 'GLACIER' }));
  assert.equal((await archiveFiles(c.dataDir)).length, before + 1);
  assert.equal((await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }))).StorageClass, 'GLACIER');
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k` })).code, 'InvalidObjectState');
  // Restored, it copies back to STANDARD: the permanent way out of the archive.
  const restore = await rawRequest(c.endpoint, { method: 'POST', path: `/${b}/k`, query: { restore: '' }, body: '<RestoreRequest><Days>1</Days></RestoreRequest>' });
  assert.equal(restore.status, 202);
  for (let i = 0; i < 100; i++) {
    const h = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }));
    if (h.Restore?.includes('ongoing-request="false"')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await c.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'k', CopySource: `${b}/k`, StorageClass: 'STANDARD' }));
  const got = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
  assert.equal(got.StorageClass, undefined);
  assert.equal((await bodyBytes(got)).toString(), text);
  // The archived bytes went with the archived version.
  assert.equal((await archiveFiles(c.dataDir)).length, before);
});

test('a multipart upload completed into GLACIER has its bytes moved to the archive volume by the archive job, keeping its parts', async () => {
  const b = await newBucket(c.s3);
  const before = (await archiveFiles(c.dataDir)).length;
  const parts = [Buffer.alloc(5 * 1024 * 1024, 'a'), Buffer.from('tail')];
  await multipartUpload(c.s3, b, 'mp', parts, 'GLACIER');
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/mp` })).code, 'InvalidObjectState');
  for (let i = 0; i < 100 && (await archiveFiles(c.dataDir)).length === before; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal((await archiveFiles(c.dataDir)).length, before + 1);
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'mp' }));
  assert.equal(head.ContentLength, 5 * 1024 * 1024 + 4);
  assert.equal(head.StorageClass, 'GLACIER');
  assert.match(head.ETag ?? '', /-2"$/);
  // The archived bytes are one blob, but the object still answers by its parts.
  const part2 = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'mp', PartNumber: 2 }));
  assert.equal(part2.PartsCount, 2);
  assert.equal(part2.ContentLength, 4);
  await c.s3.send(new RestoreObjectCommand({ Bucket: b, Key: 'mp', RestoreRequest: { Days: 1, GlacierJobParameters: { Tier: 'Standard' } } }));
  await eventually(async () => (await restoreOf(c.s3, b, 'mp'))?.startsWith('ongoing-request="false"') === true);
  const got = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'mp', PartNumber: 2 }));
  assert.equal(got.PartsCount, 2);
  assert.equal(got.ContentRange, `bytes ${5 * 1024 * 1024}-${5 * 1024 * 1024 + 3}/${5 * 1024 * 1024 + 4}`);
  assert.equal((await bodyBytes(got)).toString(), 'tail');
});

test('garbage collection removes an orphan file on the archive volume and keeps the archived bytes objects point at', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'kept', Body: 'keep me', StorageClass: 'GLACIER' }));
  const orphanDir = join(c.dataDir, 'archive', 'blobs', 'ab', 'cd');
  await mkdir(orphanDir, { recursive: true });
  const orphan = join(orphanDir, `abcd${'0'.repeat(28)}`);
  await writeFile(orphan, 'left by a crash');
  const files = await archiveFiles(c.dataDir);
  const removed = await c.server.engine.collectGarbage(0);
  assert.ok(removed >= 1);
  const after = await archiveFiles(c.dataDir);
  assert.ok(!after.includes(orphan));
  assert.deepEqual(after.sort(), files.filter((f) => f !== orphan).sort());
  assert.equal((await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'kept' }))).ContentLength, 7);
});
