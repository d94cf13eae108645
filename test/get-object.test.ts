import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { bucketName, startTestCoffer } from './helpers/coffer.js';
import type { TestCoffer } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';

let c: TestCoffer;
let b: string;
const big = Buffer.alloc(300 * 1024, 0);
for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 8)) & 0xff;
const md5 = (x: Buffer | string): string => createHash('md5').update(x).digest('hex');

before(async () => {
  c = await startTestCoffer();
  b = bucketName();
  await c.s3.send(new CreateBucketCommand({ Bucket: b }));
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'big', Body: big }));
  await c.s3.send(new PutObjectCommand({
    Bucket: b, Key: 'small', Body: 'hello world',
    ContentType: 'text/plain', ContentEncoding: 'deflate, gzip', ContentDisposition: 'attachment; filename="h.txt"',
    ContentLanguage: 'en', CacheControl: 'max-age=60', Expires: new Date('2030-01-01T00:00:00Z'),
    Metadata: { color: 'blue', 'Mixed-Case': 'v' }, StorageClass: 'STANDARD',
  }));
});
after(() => c.close());

test('PutObject then GetObject returns the bytes, ETag and headers that were stored', async () => {
  const out = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'small' }));
  assert.equal(await out.Body!.transformToString(), 'hello world');
  assert.equal(out.ETag, `"${md5('hello world')}"`);
  assert.equal(out.ContentType, 'text/plain');
  assert.equal(out.ContentDisposition, 'attachment; filename="h.txt"');
  assert.equal(out.ContentLanguage, 'en');
  // Stored as sent: only aws-chunked framing is taken out of Content-Encoding.
  assert.equal(out.ContentEncoding, 'deflate, gzip');
  assert.equal(out.CacheControl, 'max-age=60');
  assert.equal(out.ContentLength, 11);
  assert.deepEqual(out.Metadata, { color: 'blue', 'mixed-case': 'v' });
  const big2 = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'big' }));
  assert.ok(Buffer.from(await big2.Body!.transformToByteArray()).equals(big));
  assert.equal(big2.ETag, `"${md5(big)}"`);
});

test('an object without Content-Type reads back as binary/octet-stream', async () => {
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/notype`, body: 'abc' });
  assert.equal(r.status, 200);
  const g = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/notype` });
  assert.equal(g.headers['content-type'], 'binary/octet-stream');
});

test('Range bytes=a-b, a- and -n return 206 with Content-Range, also across inline and blob objects', async () => {
  for (const key of ['small', 'big']) {
    const data = key === 'big' ? big : Buffer.from('hello world');
    const size = data.length;
    for (const [range, start, end] of [['bytes=0-4', 0, 4], ['bytes=3-', 3, size - 1], ['bytes=-5', size - 5, size - 1], [`bytes=2-${size + 100}`, 2, size - 1]] as const) {
      const out = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: key, Range: range }));
      assert.equal(out.ContentRange, `bytes ${start}-${end}/${size}`, `${key} ${range}`);
      assert.ok(Buffer.from(await out.Body!.transformToByteArray()).equals(data.subarray(start, end + 1)), `${key} ${range}`);
    }
  }
});

test('an unsatisfiable Range fails with 416 InvalidRange and Content-Range bytes */size', async () => {
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/small`, headers: { range: 'bytes=100-200' } });
  assert.equal(r.status, 416);
  assert.equal(r.statusMessage, 'Requested Range Not Satisfiable', 'the seed’s status line');
  assert.equal(r.code, 'InvalidRange');
  assert.equal(r.headers['content-range'], 'bytes */11');
  assert.match(r.body, /<ActualObjectSize>11<\/ActualObjectSize>/);
});

test('a malformed Range is ignored and the whole object returned', async () => {
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/small`, headers: { range: 'bytes=abc' } });
  assert.equal(r.status, 200);
  assert.equal(r.body, 'hello world');
});

test('conditional GET: If-Match / If-None-Match / If-(Un)Modified-Since with S3 precedence', async () => {
  const etag = `"${md5('hello world')}"`;
  const past = new Date(Date.now() - 3600_000).toUTCString();
  const future = new Date(Date.now() + 3600_000).toUTCString();
  const get = (headers: Record<string, string>) => rawRequest(c.endpoint, { method: 'GET', path: `/${b}/small`, headers });
  assert.equal((await get({ 'if-match': etag })).status, 200);
  const pf = await get({ 'if-match': '"nope"' });
  assert.equal(pf.status, 412);
  assert.equal(pf.code, 'PreconditionFailed');
  assert.equal((await get({ 'if-none-match': etag })).status, 304);
  assert.equal((await get({ 'if-none-match': '"other"' })).status, 200);
  assert.equal((await get({ 'if-modified-since': future })).status, 304);
  assert.equal((await get({ 'if-modified-since': past })).status, 200);
  assert.equal((await get({ 'if-unmodified-since': past })).status, 412);
  assert.equal((await get({ 'if-unmodified-since': future })).status, 200);
  // If-Match true wins over If-Unmodified-Since false; If-None-Match false wins over If-Modified-Since true.
  assert.equal((await get({ 'if-match': etag, 'if-unmodified-since': past })).status, 200);
  assert.equal((await get({ 'if-none-match': etag, 'if-modified-since': past })).status, 304);
  const notModified = await get({ 'if-none-match': etag });
  assert.equal(notModified.body, '');
  assert.equal(notModified.headers.etag, etag);
});

test('response-* query parameters override the stored headers', async () => {
  const out = await c.s3.send(new GetObjectCommand({
    Bucket: b, Key: 'small', ResponseContentType: 'application/x-test', ResponseContentDisposition: 'inline',
    ResponseCacheControl: 'no-cache', ResponseContentLanguage: 'fr', ResponseContentEncoding: 'gzip', ResponseExpires: new Date('2031-01-01T00:00:00Z'),
  }));
  assert.equal(out.ContentType, 'application/x-test');
  assert.equal(out.ContentDisposition, 'inline');
  assert.equal(out.CacheControl, 'no-cache');
  assert.equal(out.ContentLanguage, 'fr');
  assert.equal(out.ContentEncoding, 'gzip');
  await out.Body!.transformToString();
});

test('a response-* override with a control character is 400 InvalidArgument; one beyond Latin-1 is sent as UTF-8 bytes', async () => {
  const bad = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/small`, query: { 'response-content-type': 'text/plain\r\nx-injected: 1' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.code, 'InvalidArgument');
  assert.equal(bad.headers['x-injected'], undefined);
  const name = 'attachment; filename="€uro.txt"';
  const ok = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/small`, query: { 'response-content-disposition': name } });
  assert.equal(ok.status, 200);
  assert.equal(Buffer.from(ok.headers['content-disposition'] as string, 'latin1').toString('utf8'), name);
});

test('HeadObject returns size and metadata; a missing key is 404 with no body', async () => {
  const h = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'big' }));
  assert.equal(h.ContentLength, big.length);
  const r = await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/missing` });
  assert.equal(r.status, 404);
  assert.equal(r.body, '');
  const g = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/missing` });
  assert.equal(g.code, 'NoSuchKey');
});

test('GetObject partNumber=1 of a simple object is the whole object; partNumber=2 is 416 InvalidPartNumber', async () => {
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/small`, query: { partNumber: '1' } });
  assert.equal(r.status, 206);
  assert.equal(r.body, 'hello world');
  const r2 = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/small`, query: { partNumber: '2' } });
  assert.equal(r2.status, 416);
  assert.equal(r2.code, 'InvalidPartNumber');
});

test('metadata over 2 KB fails with 400 MetadataTooLarge; a key over 1024 bytes with KeyTooLong', async () => {
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/meta`, body: 'x', headers: { 'x-amz-meta-big': 'v'.repeat(2100) } });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'MetadataTooLarge');
  const k = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/${'k'.repeat(1025)}`, body: 'x' });
  assert.equal(k.status, 400);
  assert.equal(k.code, 'KeyTooLong');
});

test('conditional PutObject: If-None-Match * on an existing key is 412, If-Match with a wrong ETag is 412', async () => {
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/small`, body: 'new', headers: { 'if-none-match': '*' } });
  assert.equal(r.status, 412);
  assert.equal(r.code, 'PreconditionFailed');
  const r2 = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/small`, body: 'new', headers: { 'if-match': '"0000"' } });
  assert.equal(r2.status, 412);
  const ok = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/fresh-${Date.now()}`, body: 'new', headers: { 'if-none-match': '*' } });
  assert.equal(ok.status, 200);
  const g = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/small` });
  assert.equal(g.body, 'hello world');
});

test('an invalid storage class fails with 400 InvalidStorageClass', async () => {
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/sc`, body: 'x', headers: { 'x-amz-storage-class': 'PLATINUM' } });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidStorageClass');
});
