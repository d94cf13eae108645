import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CopyObjectCommand, CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { bucketName, startTestCoffer } from './helpers/coffer.js';
import type { TestCoffer } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';

let c: TestCoffer;
let b: string;
let b2: string;
const big = Buffer.alloc(200 * 1024, 7);

before(async () => {
  c = await startTestCoffer();
  b = bucketName();
  b2 = bucketName();
  await c.s3.send(new CreateBucketCommand({ Bucket: b }));
  await c.s3.send(new CreateBucketCommand({ Bucket: b2 }));
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'src key+ü', Body: 'source', ContentType: 'text/x-src', Metadata: { a: '1' } }));
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'big', Body: big }));
});
after(() => c.close());

test('CopyObject copies bytes and metadata (COPY directive), across buckets, with an URL-encoded source', async () => {
  const out = await c.s3.send(new CopyObjectCommand({ Bucket: b2, Key: 'dst', CopySource: `${b}/${encodeURIComponent('src key+ü')}` }));
  assert.ok(out.CopyObjectResult?.ETag);
  const g = await c.s3.send(new GetObjectCommand({ Bucket: b2, Key: 'dst' }));
  assert.equal(await g.Body!.transformToString(), 'source');
  assert.equal(g.ContentType, 'text/x-src');
  assert.deepEqual(g.Metadata, { a: '1' });
  const bigCopy = await c.s3.send(new CopyObjectCommand({ Bucket: b2, Key: 'big', CopySource: `${b}/big` }));
  const gb = await c.s3.send(new GetObjectCommand({ Bucket: b2, Key: 'big' }));
  assert.ok(Buffer.from(await gb.Body!.transformToByteArray()).equals(big));
  assert.equal(gb.ETag, bigCopy.CopyObjectResult?.ETag);
});

test('CopyObject with REPLACE takes the request metadata', async () => {
  await c.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'replaced', CopySource: `${b}/big`, MetadataDirective: 'REPLACE', ContentType: 'image/png', Metadata: { b: '2' } }));
  const h = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'replaced' }));
  assert.equal(h.ContentType, 'image/png');
  assert.deepEqual(h.Metadata, { b: '2' });
});

test('CopyObject onto itself needs REPLACE: 400 InvalidRequest without it', async () => {
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/big`, headers: { 'x-amz-copy-source': `/${b}/big` } });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidRequest');
  const ok = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: `/${b}/big`,
    headers: { 'x-amz-copy-source': `/${b}/big`, 'x-amz-metadata-directive': 'REPLACE', 'x-amz-meta-new': 'yes' },
  });
  assert.equal(ok.status, 200);
  assert.match(ok.body, /<CopyObjectResult/);
  const h = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'big' }));
  assert.deepEqual(h.Metadata, { new: 'yes' });
});

test('copy-source conditionals fail with 412 PreconditionFailed', async () => {
  const h = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'big' }));
  const base = { method: 'PUT', path: `/${b2}/cond` };
  const src = { 'x-amz-copy-source': `/${b}/big` };
  const past = new Date(Date.now() - 3600_000).toUTCString();
  const future = new Date(Date.now() + 3600_000).toUTCString();
  for (const headers of <Array<Record<string, string>>>[
    { 'x-amz-copy-source-if-match': '"nope"' },
    { 'x-amz-copy-source-if-none-match': h.ETag! },
    { 'x-amz-copy-source-if-unmodified-since': past },
    { 'x-amz-copy-source-if-modified-since': future },
  ]) {
    const r = await rawRequest(c.endpoint, { ...base, headers: { ...src, ...headers } });
    assert.equal(r.status, 412, JSON.stringify(headers));
    assert.equal(r.code, 'PreconditionFailed');
  }
  const ok = await rawRequest(c.endpoint, { ...base, headers: { ...src, 'x-amz-copy-source-if-match': h.ETag! } });
  assert.equal(ok.status, 200);
});

test('CopyObject from a missing key is 404 NoSuchKey, from a missing bucket 404 NoSuchBucket', async () => {
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/x`, headers: { 'x-amz-copy-source': `/${b}/missing` } });
  assert.equal(r.status, 404);
  assert.equal(r.code, 'NoSuchKey');
  const r2 = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/x`, headers: { 'x-amz-copy-source': `/${bucketName()}/k` } });
  assert.equal(r2.status, 404);
  assert.equal(r2.code, 'NoSuchBucket');
});

test('CopyObject from a bucket of another user is 403 AccessDenied', async () => {
  const u = await c.server.engine.createUser({ name: `copier${Date.now()}` });
  const s3 = c.client(u.accessKeyId, u.secretAccessKey);
  const mine = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket: mine }));
  const r = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: `/${mine}/stolen`,
    headers: { 'x-amz-copy-source': `/${b}/big` },
    credentials: { accessKeyId: u.accessKeyId, secretAccessKey: u.secretAccessKey },
  });
  assert.equal(r.status, 403);
  assert.equal(r.code, 'AccessDenied');
});
