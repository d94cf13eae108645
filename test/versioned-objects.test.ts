// Objects in versioned and suspended buckets: a version id on every write, the 'null' version,
// delete markers, GET/HEAD/DELETE of a version, copies from a version, DeleteObjects with
// versions, tags per version and exact usage.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { bodyBytes, newBucket, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import { MIN_PART } from './helpers/multipart.js';

const c = testCofferForFile();

async function versionedBucket(status: 'Enabled' | 'Suspended' = 'Enabled'): Promise<string> {
  const b = await newBucket(c.s3, 'ver');
  await c.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
  if (status === 'Suspended') await c.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Suspended' } }));
  return b;
}

async function put(bucket: string, key: string, body: string | Buffer): Promise<string | undefined> {
  return (await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))).VersionId;
}

async function read(bucket: string, key: string, versionId?: string): Promise<string> {
  return (await bodyBytes(await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId })))).toString();
}

function usage(bucket: string): Promise<{ objectCount: number; bytes: number }> {
  return c.server.engine.deps.meta.getUsage(bucket);
}

test('every PUT to a versioned bucket makes a new version with its own id; each reads back by id and the newest is the latest', async () => {
  const b = await versionedBucket();
  const v1 = await put(b, 'k', 'one');
  const v2 = await put(b, 'k', 'two');
  assert.match(v1 ?? '', /^[0-9a-z]{9}[A-Za-z0-9_-]{16}$/);
  assert.notEqual(v1, v2);
  assert.equal(await read(b, 'k'), 'two');
  assert.equal(await read(b, 'k', v1), 'one');
  assert.equal(await read(b, 'k', v2), 'two');
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k', VersionId: v1 }));
  assert.equal(head.VersionId, v1);
  assert.equal(head.ContentLength, 3);
  const latest = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k` });
  assert.equal(latest.headers['x-amz-version-id'], v2);
});

test('CopyObject and CompleteMultipartUpload in a versioned bucket answer the new version id', async () => {
  const b = await versionedBucket();
  const src = await put(b, 'src', 'source');
  const copy = await c.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst', CopySource: `${b}/src` }));
  assert.match(copy.VersionId ?? '', /^[0-9a-z]{9}[A-Za-z0-9_-]{16}$/);
  assert.equal(copy.CopySourceVersionId, src);
  const up = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mpu' }));
  const part = await c.s3.send(new UploadPartCopyCommand({ Bucket: b, Key: 'mpu', UploadId: up.UploadId, PartNumber: 1, CopySource: `${b}/src` }));
  const done = await c.s3.send(
    new CompleteMultipartUploadCommand({ Bucket: b, Key: 'mpu', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.CopyPartResult?.ETag }] } }),
  );
  assert.ok(done.VersionId !== undefined && done.VersionId !== copy.VersionId);
  const versions = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b, Prefix: 'mpu' }));
  assert.deepEqual(
    versions.Versions?.map((v) => v.VersionId),
    [done.VersionId],
  );
});

test('CopyObject and UploadPartCopy read the version x-amz-copy-source names, not the latest', async () => {
  const b = await versionedBucket();
  const old = Buffer.alloc(MIN_PART, 'o');
  const v1 = await put(b, 'src', old);
  await put(b, 'src', 'newer');
  const copy = await c.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'copy', CopySource: `${b}/src?versionId=${v1}` }));
  assert.equal(copy.CopySourceVersionId, v1);
  assert.equal((await read(b, 'copy')).length, MIN_PART);
  const up = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'parts' }));
  const p1 = await c.s3.send(new UploadPartCopyCommand({ Bucket: b, Key: 'parts', UploadId: up.UploadId, PartNumber: 1, CopySource: `${b}/src?versionId=${v1}` }));
  assert.equal(p1.CopySourceVersionId, v1);
  const p2 = await c.s3.send(new UploadPartCopyCommand({ Bucket: b, Key: 'parts', UploadId: up.UploadId, PartNumber: 2, CopySource: `${b}/src` }));
  await c.s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: b,
      Key: 'parts',
      UploadId: up.UploadId,
      MultipartUpload: {
        Parts: [
          { PartNumber: 1, ETag: p1.CopyPartResult?.ETag },
          { PartNumber: 2, ETag: p2.CopyPartResult?.ETag },
        ],
      },
    }),
  );
  assert.equal(await read(b, 'parts'), old.toString() + 'newer');
});

test('a copy from a version that does not exist fails with 404 NoSuchVersion; from a delete marker with 400 InvalidRequest', async () => {
  const b = await versionedBucket();
  await put(b, 'src', 'x');
  const missing = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: `/${b}/copy`,
    headers: { 'x-amz-copy-source': `/${b}/src?versionId=0000000000000000000000000` },
  });
  assert.equal(missing.status, 404);
  assert.equal(missing.code, 'NoSuchVersion');
  const marker = await c.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'src' }));
  const fromMarker = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/copy`, headers: { 'x-amz-copy-source': `/${b}/src?versionId=${marker.VersionId}` } });
  assert.equal(fromMarker.status, 400);
  assert.equal(fromMarker.code, 'InvalidRequest');
  const fromLatest = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/copy`, headers: { 'x-amz-copy-source': `/${b}/src` } });
  assert.equal(fromLatest.status, 404);
  assert.equal(fromLatest.code, 'NoSuchKey');
});

test('DELETE without a version id stacks a delete marker: 204 with x-amz-delete-marker and its version id; older versions stay', async () => {
  const b = await versionedBucket();
  const v1 = await put(b, 'k', 'one');
  const r = await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}/k` });
  assert.equal(r.status, 204);
  assert.equal(r.headers['x-amz-delete-marker'], 'true');
  const markerId = r.headers['x-amz-version-id'] as string;
  assert.match(markerId, /^[0-9a-z]{9}[A-Za-z0-9_-]{16}$/);
  assert.notEqual(markerId, v1);
  assert.equal(await read(b, 'k', v1), 'one');
  const list = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b }));
  assert.deepEqual(
    list.DeleteMarkers?.map((m) => [m.Key, m.VersionId, m.IsLatest]),
    [['k', markerId, true]],
  );
  assert.deepEqual(
    list.Versions?.map((v) => [v.VersionId, v.IsLatest]),
    [[v1, false]],
  );
});

test('GET and HEAD of a key whose latest version is a delete marker are 404 NoSuchKey with x-amz-delete-marker: true and the marker id', async () => {
  const b = await versionedBucket();
  await put(b, 'k', 'one');
  const marker = await c.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
  const get = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k` });
  assert.equal(get.status, 404);
  assert.equal(get.code, 'NoSuchKey');
  assert.equal(get.headers['x-amz-delete-marker'], 'true');
  assert.equal(get.headers['x-amz-version-id'], marker.VersionId);
  const head = await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/k` });
  assert.equal(head.status, 404);
  assert.equal(head.body, '');
  assert.equal(head.headers['x-amz-delete-marker'], 'true');
});

test('GET and HEAD of a delete marker by its version id are 405 MethodNotAllowed with Allow: DELETE and the marker headers', async () => {
  const b = await versionedBucket();
  await put(b, 'k', 'one');
  const marker = await c.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
  const get = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, query: { versionId: marker.VersionId! } });
  assert.equal(get.status, 405);
  assert.equal(get.code, 'MethodNotAllowed');
  assert.equal(get.message, 'The specified method is not allowed against this resource.');
  assert.equal(get.headers.allow, 'DELETE');
  assert.equal(get.headers['x-amz-delete-marker'], 'true');
  assert.equal(get.headers['x-amz-version-id'], marker.VersionId);
  assert.ok(Math.abs(Date.parse(get.headers['last-modified'] as string) - Date.now()) < 60_000, String(get.headers['last-modified']));
  const head = await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/k`, query: { versionId: marker.VersionId! } });
  assert.equal(head.status, 405);
  assert.equal(head.headers['x-amz-delete-marker'], 'true');
});

test('deleting a version by id is permanent and the next newest becomes latest; deleting the marker brings the object back', async () => {
  const b = await versionedBucket();
  const v1 = await put(b, 'k', 'one');
  const v2 = await put(b, 'k', 'two');
  const del = await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}/k`, query: { versionId: v2! } });
  assert.equal(del.status, 204);
  assert.equal(del.headers['x-amz-version-id'], v2);
  assert.equal(del.headers['x-amz-delete-marker'], undefined);
  assert.equal(await read(b, 'k'), 'one');
  const gone = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, query: { versionId: v2! } });
  assert.equal(gone.status, 404);
  assert.equal(gone.code, 'NoSuchVersion');
  const marker = await c.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
  const undo = await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}/k`, query: { versionId: marker.VersionId! } });
  assert.equal(undo.status, 204);
  assert.equal(undo.headers['x-amz-delete-marker'], 'true');
  assert.equal(undo.headers['x-amz-version-id'], marker.VersionId);
  assert.equal(await read(b, 'k'), 'one');
  assert.equal((await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }))).VersionId, v1);
});

test('a version id that is not one of ours is 400 InvalidArgument; a well-formed unknown one is 404 NoSuchVersion', async () => {
  const b = await versionedBucket();
  await put(b, 'k', 'one');
  const bad = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, query: { versionId: 'not-a-version' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.code, 'InvalidArgument');
  assert.equal(bad.message, 'Invalid version id specified');
  const unknown = await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/k`, query: { versionId: '0000000000000000000000000' } });
  assert.equal(unknown.status, 404);
});

test('while suspended, writes replace the null version and keep the versions made while enabled; a delete stacks a null marker', async () => {
  const b = await versionedBucket();
  const v1 = await put(b, 'k', 'enabled');
  await c.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Suspended' } }));
  const n1 = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, body: 'null one' });
  assert.equal(n1.status, 200);
  assert.equal(n1.headers['x-amz-version-id'], undefined, 'the null version is not named by the PUT');
  assert.equal(await put(b, 'k', 'null two'), undefined);
  assert.equal((await c.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'copy', CopySource: `${b}/k?versionId=${v1}` }))).VersionId, undefined);
  await c.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'copy', VersionId: 'null' }));
  assert.equal(await read(b, 'k', 'null'), 'null two');
  assert.equal(await read(b, 'k', v1), 'enabled');
  let list = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b }));
  assert.deepEqual(
    list.Versions?.map((v) => [v.VersionId, v.IsLatest, v.Size]),
    [
      ['null', true, 8],
      [v1, false, 7],
    ],
  );
  const del = await c.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
  assert.equal(del.DeleteMarker, true);
  assert.equal(del.VersionId, 'null');
  list = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b }));
  assert.deepEqual(
    list.DeleteMarkers?.map((m) => m.VersionId),
    ['null'],
  );
  assert.deepEqual(
    list.Versions?.map((v) => v.VersionId),
    [v1],
  );
  assert.deepEqual(await usage(b), { objectCount: 1, bytes: 7 });
});

test('an object written before versioning keeps VersionId null and stays a version after it is enabled', async () => {
  const b = await newBucket(c.s3);
  assert.equal(await put(b, 'k', 'before'), undefined);
  await c.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
  const v2 = await put(b, 'k', 'after');
  assert.equal(await read(b, 'k', 'null'), 'before');
  const list = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b }));
  assert.deepEqual(
    list.Versions?.map((v) => v.VersionId),
    [v2, 'null'],
  );
  const head = await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/k`, query: { versionId: 'null' } });
  assert.equal(head.headers['x-amz-version-id'], 'null');
});

test('DeleteObjects removes named versions and stacks markers for keys without one, reporting each', async () => {
  const b = await versionedBucket();
  const a1 = await put(b, 'a', 'a1');
  const a2 = await put(b, 'a', 'a2');
  await put(b, 'b', 'b1');
  const out = await c.s3.send(
    new DeleteObjectsCommand({
      Bucket: b,
      Delete: {
        Objects: [{ Key: 'a', VersionId: a1 }, { Key: 'b' }, { Key: 'a', VersionId: '0000000000000000000000000' }],
      },
    }),
  );
  assert.equal(out.Errors, undefined);
  const byKey = (out.Deleted ?? []).map((d) => [d.Key, d.VersionId, d.DeleteMarker, d.DeleteMarkerVersionId !== undefined]);
  assert.deepEqual(byKey, [
    ['a', a1, undefined, false],
    ['b', (out.Deleted ?? [])[1]?.DeleteMarkerVersionId, true, true],
    ['a', '0000000000000000000000000', undefined, false],
  ]);
  assert.equal(await read(b, 'a'), 'a2');
  const markerId = (out.Deleted ?? [])[1]!.DeleteMarkerVersionId!;
  const again = await c.s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: [{ Key: 'b', VersionId: markerId }] } }));
  assert.deepEqual(
    again.Deleted?.map((d) => [d.Key, d.VersionId, d.DeleteMarker, d.DeleteMarkerVersionId]),
    [['b', markerId, true, markerId]],
  );
  assert.equal(await read(b, 'b'), 'b1');
  assert.equal(await read(b, 'a', a2), 'a2');
});

test('tags belong to one version: tagging a version leaves the others and the latest untouched', async () => {
  const b = await versionedBucket();
  const v1 = (await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'one', Tagging: 'gen=1' }))).VersionId;
  const v2 = await put(b, 'k', 'two');
  const t1 = await c.s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'k', VersionId: v1 }));
  assert.equal(t1.VersionId, v1);
  assert.deepEqual(t1.TagSet, [{ Key: 'gen', Value: '1' }]);
  assert.deepEqual((await c.s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'k' }))).TagSet, []);
  const put2 = await c.s3.send(new PutObjectTaggingCommand({ Bucket: b, Key: 'k', VersionId: v1, Tagging: { TagSet: [{ Key: 'gen', Value: 'old' }] } }));
  assert.equal(put2.VersionId, v1);
  assert.deepEqual((await c.s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'k', VersionId: v1 }))).TagSet, [{ Key: 'gen', Value: 'old' }]);
  const latest = await c.s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'k' }));
  assert.equal(latest.VersionId, v2);
  assert.deepEqual(latest.TagSet, []);
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k', VersionId: v1 }));
  assert.equal(head.TagCount, 1);
});

test('usage counts every version that is not a delete marker and all their bytes, and drops exactly what a version delete removes', async () => {
  const b = await versionedBucket();
  assert.deepEqual(await usage(b), { objectCount: 0, bytes: 0 });
  const v1 = await put(b, 'k', '12345');
  await put(b, 'k', '1234567');
  await put(b, 'other', '123');
  assert.deepEqual(await usage(b), { objectCount: 3, bytes: 15 });
  const marker = await c.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
  assert.deepEqual(await usage(b), { objectCount: 3, bytes: 15 }, 'a delete marker frees nothing');
  await c.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: v1 }));
  assert.deepEqual(await usage(b), { objectCount: 2, bytes: 10 });
  await c.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: marker.VersionId }));
  assert.deepEqual(await usage(b), { objectCount: 2, bytes: 10 });
  await c.s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: [{ Key: 'other', VersionId: 'null' }, { Key: 'other' }] } }));
  assert.deepEqual(await usage(b), { objectCount: 2, bytes: 10 }, 'the null version never existed; the marker frees nothing');
});

test('a bucket holding only old versions or delete markers is not empty: DeleteBucket fails with 409 BucketNotEmpty', async () => {
  const b = await versionedBucket();
  await put(b, 'k', 'x');
  await c.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
  const r = await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}` });
  assert.equal(r.status, 409);
  assert.equal(r.code, 'BucketNotEmpty');
});
