// Conditional deletes: If-Match, x-amz-if-match-last-modified-time and x-amz-if-match-size on
// DeleteObject, and the ETag, LastModifiedTime and Size of DeleteObjects entries, decided inside
// the deleting transaction. https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-deletes.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteObjectCommand, DeleteObjectsCommand, HeadObjectCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { newBucket, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import type { RawResponse } from './helpers/raw.js';
import { contentMd5 } from './helpers/tagging.js';

const c = testCofferForFile();

interface Written {
  etag: string;
  lastModified: Date;
  versionId?: string;
}

async function put(bucket: string, key: string, body: string): Promise<Written> {
  const out = await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: out.VersionId }));
  return { etag: out.ETag!, lastModified: head.LastModified!, versionId: out.VersionId };
}

function del(bucket: string, key: string, headers: Record<string, string>, query: Record<string, string> = {}): Promise<RawResponse> {
  return rawRequest(c.endpoint, { method: 'DELETE', path: `/${bucket}/${key}`, headers, query });
}

async function exists(bucket: string, key: string): Promise<boolean> {
  return (await rawRequest(c.endpoint, { method: 'HEAD', path: `/${bucket}/${key}` })).status === 200;
}

test('If-Match with another ETag is 412 PreconditionFailed and keeps the object; the right ETag deletes it', async () => {
  const b = await newBucket(c.s3);
  const w = await put(b, 'k', 'body');
  const bad = await del(b, 'k', { 'if-match': '"0123456789abcdef0123456789abcdef"' });
  assert.equal(bad.status, 412);
  assert.equal(bad.code, 'PreconditionFailed');
  assert.equal(bad.message, 'At least one of the preconditions you specified did not hold.');
  assert.equal(await exists(b, 'k'), true);
  await c.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', IfMatch: w.etag }));
  assert.equal(await exists(b, 'k'), false);
});

test('If-Match: * deletes an object that exists and is 404 NoSuchKey for one that does not', async () => {
  const b = await newBucket(c.s3);
  await put(b, 'k', 'body');
  assert.equal((await del(b, 'k', { 'if-match': '*' })).status, 204);
  const missing = await del(b, 'k', { 'if-match': '*' });
  assert.equal(missing.status, 404);
  assert.equal(missing.code, 'NoSuchKey');
});

test('an ETag, time or size condition on a key that does not exist deletes nothing and answers 204', async () => {
  const b = await newBucket(c.s3);
  assert.equal((await del(b, 'never', { 'if-match': '"0123456789abcdef0123456789abcdef"' })).status, 204);
  assert.equal((await del(b, 'never', { 'x-amz-if-match-size': '3' })).status, 204);
});

test('x-amz-if-match-last-modified-time deletes only when it is the object’s Last-Modified', async () => {
  const b = await newBucket(c.s3);
  const w = await put(b, 'k', 'body');
  const earlier = new Date(w.lastModified.getTime() - 60_000).toUTCString();
  const bad = await del(b, 'k', { 'x-amz-if-match-last-modified-time': earlier });
  assert.equal(bad.status, 412);
  assert.equal(bad.code, 'PreconditionFailed');
  assert.equal(await exists(b, 'k'), true);
  await c.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', IfMatchLastModifiedTime: w.lastModified }));
  assert.equal(await exists(b, 'k'), false);
});

test('x-amz-if-match-size deletes only an object of that size', async () => {
  const b = await newBucket(c.s3);
  await put(b, 'k', 'four');
  const bad = await del(b, 'k', { 'x-amz-if-match-size': '5' });
  assert.equal(bad.status, 412);
  assert.equal(await exists(b, 'k'), true);
  await c.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', IfMatchSize: 4 }));
  assert.equal(await exists(b, 'k'), false);
});

test('all the conditions sent must hold: a right ETag with a wrong size is 412', async () => {
  const b = await newBucket(c.s3);
  const w = await put(b, 'k', 'four');
  const r = await del(b, 'k', { 'if-match': w.etag, 'x-amz-if-match-size': '3', 'x-amz-if-match-last-modified-time': w.lastModified.toUTCString() });
  assert.equal(r.status, 412);
  assert.equal(await exists(b, 'k'), true);
  assert.equal((await del(b, 'k', { 'if-match': w.etag, 'x-amz-if-match-size': '4', 'x-amz-if-match-last-modified-time': w.lastModified.toUTCString() })).status, 204);
});

test('a size or time that cannot be read fails with 400 InvalidArgument', async () => {
  const b = await newBucket(c.s3);
  await put(b, 'k', 'four');
  const cases: Array<Record<string, string>> = [{ 'x-amz-if-match-size': 'four' }, { 'x-amz-if-match-size': '-1' }, { 'x-amz-if-match-last-modified-time': 'yesterday' }];
  for (const headers of cases) {
    const r = await del(b, 'k', headers);
    assert.equal(r.status, 400, JSON.stringify(headers));
    assert.equal(r.code, 'InvalidArgument');
  }
  assert.equal(await exists(b, 'k'), true);
});

test('DeleteObjects checks each entry’s ETag, LastModifiedTime and Size, failing only that entry with PreconditionFailed', async () => {
  const b = await newBucket(c.s3);
  const a = await put(b, 'a', 'aaa');
  const bw = await put(b, 'b', 'bbb');
  await put(b, 'c', 'ccc');
  await put(b, 'd', 'ddd');
  const out = await c.s3.send(
    new DeleteObjectsCommand({
      Bucket: b,
      Delete: {
        Objects: [
          { Key: 'a', ETag: a.etag, Size: 3, LastModifiedTime: a.lastModified },
          { Key: 'b', LastModifiedTime: new Date(bw.lastModified.getTime() + 5000) },
          { Key: 'c', Size: 4 },
          { Key: 'd', ETag: '"0123456789abcdef0123456789abcdef"' },
        ],
      },
    }),
  );
  assert.deepEqual(
    out.Deleted?.map((d) => d.Key),
    ['a'],
  );
  assert.deepEqual(
    out.Errors?.map((e) => [e.Key, e.Code]),
    [
      ['b', 'PreconditionFailed'],
      ['c', 'PreconditionFailed'],
      ['d', 'PreconditionFailed'],
    ],
  );
  assert.deepEqual(await Promise.all(['a', 'b', 'c', 'd'].map((k) => exists(b, k))), [false, true, true, true]);
});

test('a DeleteObjects entry with a Size that is not a number fails the request with 400 MalformedXML', async () => {
  const b = await newBucket(c.s3);
  const body = '<Delete><Object><Key>a</Key><Size>big</Size></Object></Delete>';
  const r = await rawRequest(c.endpoint, {
    method: 'POST',
    path: `/${b}`,
    query: { delete: '' },
    body,
    headers: { 'content-md5': contentMd5(body) },
  });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'MalformedXML');
});

test('in a versioned bucket the conditions test the current version: a mismatch stacks no delete marker, a match does', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
  const old = await put(b, 'k', 'old');
  const cur = await put(b, 'k', 'current');
  const stale = await del(b, 'k', { 'if-match': old.etag });
  assert.equal(stale.status, 412);
  let list = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b }));
  assert.equal(list.DeleteMarkers, undefined);
  const ok = await del(b, 'k', { 'if-match': cur.etag, 'x-amz-if-match-size': '7' });
  assert.equal(ok.status, 204);
  assert.equal(ok.headers['x-amz-delete-marker'], 'true');
  list = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b }));
  assert.equal(list.DeleteMarkers?.length, 1);
  // Now the current version is a delete marker: an ETag condition has no object to hold for.
  const onMarker = await del(b, 'k', { 'if-match': '*' });
  assert.equal(onMarker.status, 404);
  assert.equal(onMarker.code, 'NoSuchKey');
});

test('with a version id the conditions test that version, and a match removes it for good', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
  const old = await put(b, 'k', 'old');
  await put(b, 'k', 'current');
  const wrong = await del(b, 'k', { 'x-amz-if-match-size': '7' }, { versionId: old.versionId! });
  assert.equal(wrong.status, 412);
  const right = await del(b, 'k', { 'if-match': old.etag, 'x-amz-if-match-size': '3' }, { versionId: old.versionId! });
  assert.equal(right.status, 204);
  const list = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b }));
  assert.equal(list.Versions?.length, 1);
  assert.equal(list.DeleteMarkers, undefined);
});

test('a delete conditional on the old ETag racing an overwrite never removes the new version', async () => {
  const b = await newBucket(c.s3);
  const first = await put(b, 'k', 'first');
  // Whichever commits first, the overwrite survives: a delete before it removes the first
  // version, and a delete after it finds another ETag (412). Deciding the condition outside the
  // deleting transaction would let the delete remove the overwrite.
  for (let i = 0; i < 20; i++) {
    await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'first' }));
    const [d] = await Promise.all([del(b, 'k', { 'if-match': first.etag }), c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: `second ${i}` }))]);
    assert.ok(d.status === 204 || d.status === 412, String(d.status));
    const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k` });
    assert.equal(r.body, `second ${i}`);
  }
});
