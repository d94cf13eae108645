import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { newBucket, newBucketRaw, startTestCoffer, startTestCofferForTest } from './helpers/coffer.js';
import type { TestCoffer } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import { deterministicBytes } from './helpers/bytes.js';
import type { BytesResponse } from './helpers/bytes.js';
import { MIN_PART, MiB, RawMultipart, multipartEtag } from './helpers/multipart.js';

let c: TestCoffer;
let b: string;
const big = Buffer.alloc(300 * 1024, 0);
for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 8)) & 0xff;
const md5 = (x: Buffer | string): string => createHash('md5').update(x).digest('hex');

before(async () => {
  c = await startTestCoffer();
  b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'big', Body: big }));
  await c.s3.send(
    new PutObjectCommand({
      Bucket: b,
      Key: 'small',
      Body: 'hello world',
      ContentType: 'text/plain',
      ContentEncoding: 'deflate, gzip',
      ContentDisposition: 'attachment; filename="h.txt"',
      ContentLanguage: 'en',
      CacheControl: 'max-age=60',
      Expires: new Date('2030-01-01T00:00:00Z'),
      Metadata: { color: 'blue', 'Mixed-Case': 'v' },
      StorageClass: 'STANDARD',
    }),
  );
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
    for (const [range, start, end] of [
      ['bytes=0-4', 0, 4],
      ['bytes=3-', 3, size - 1],
      ['bytes=-5', size - 5, size - 1],
      [`bytes=2-${size + 100}`, 2, size - 1],
    ] as const) {
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
  const out = await c.s3.send(
    new GetObjectCommand({
      Bucket: b,
      Key: 'small',
      ResponseContentType: 'application/x-test',
      ResponseContentDisposition: 'inline',
      ResponseCacheControl: 'no-cache',
      ResponseContentLanguage: 'fr',
      ResponseContentEncoding: 'gzip',
      ResponseExpires: new Date('2031-01-01T00:00:00Z'),
    }),
  );
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

test('metadata sent as raw UTF-8 bytes comes back RFC 2047-encoded, as S3 returns it, from GetObject and HeadObject', async () => {
  // 'Hello World' + 'é' as boto3 sends it (node's client too): the two UTF-8 bytes C3 A9, which a
  // header carries one character per byte. S3 answers with the UTF-8 of those two characters in
  // one B encoded-word (s3-tests' test_object_set_get_unicode_metadata).
  const put = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/meta-raw`, headers: { 'x-amz-meta-meta1': 'Hello World\u00e9' }, body: 'bar' });
  assert.equal(put.status, 200, put.body);
  for (const method of ['GET', 'HEAD']) {
    const r = await rawRequest(c.endpoint, { method, path: `/${b}/meta-raw` });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers['x-amz-meta-meta1'], '=?UTF-8?B?SGVsbG8gV29ybGTDg8Kp?=');
  }
});

test('RFC 2047 encoded-words in metadata are decoded when stored and a non-ASCII value is returned as one UTF-8 B word', async () => {
  await c.s3.send(
    new PutObjectCommand({
      Bucket: b,
      Key: 'meta-2047',
      Body: 'x',
      Metadata: {
        b: '=?UTF-8?B?Y2Fmw6k=?=',
        q: '=?utf-8?Q?caf=C3=A9_au_lait?=',
        latin: '=?ISO-8859-1?Q?caf=E9?=',
        ascii: '=?UTF-8?Q?plain?=',
        adjacent: '=?UTF-8?Q?a?= =?UTF-8?Q?b?= c',
        unknown: '=?KOI8-R?B?w8HG?=',
        plain: 'just text',
      },
    }),
  );
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'meta-2047' }));
  assert.deepEqual(head.Metadata, {
    b: '=?UTF-8?B?Y2Fmw6k=?=',
    q: '=?UTF-8?B?Y2Fmw6kgYXUgbGFpdA==?=',
    latin: '=?UTF-8?B?Y2Fmw6k=?=',
    ascii: 'plain',
    adjacent: 'ab c',
    unknown: '=?KOI8-R?B?w8HG?=',
    plain: 'just text',
  });
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

/** A multipart object of `parts` at `key`, completed; returns its quoted ETag. */
async function putMultipart(mp: RawMultipart, bucket: string, key: string, parts: Buffer[]): Promise<string> {
  const id = await mp.createUpload(bucket, key);
  return completeUpload(mp, bucket, key, id, await uploadAll(mp, bucket, key, id, parts));
}

async function uploadAll(mp: RawMultipart, bucket: string, key: string, id: string, parts: Buffer[]): Promise<Array<{ partNumber: number; etag: string }>> {
  const spec = [];
  for (const [i, p] of parts.entries()) spec.push({ partNumber: i + 1, etag: await mp.putPart(bucket, key, id, i + 1, p) });
  return spec;
}

async function completeUpload(mp: RawMultipart, bucket: string, key: string, id: string, spec: Array<{ partNumber: number; etag: string }>): Promise<string> {
  const done = await mp.complete(bucket, key, id, spec);
  assert.equal(done.status, 200, done.body);
  return /<ETag>([^<]*)<\/ETag>/.exec(done.body)![1]!.replace(/&quot;/g, '"');
}

/** A promise and the function that resolves it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

/** The answer to GET ?partNumber=n is part n of one version, whole: its bytes, ETag, Content-Range and part count. */
function assertPartOf(r: BytesResponse, n: number, version: { parts: Buffer[]; etag: string }): void {
  const start = version.parts.slice(0, n - 1).reduce((sum, p) => sum + p.length, 0);
  const part = version.parts[n - 1]!;
  const size = version.parts.reduce((sum, p) => sum + p.length, 0);
  assert.equal(r.status, 206);
  assert.equal(r.headers.etag, version.etag);
  assert.equal(r.headers['content-range'], `bytes ${start}-${start + part.length - 1}/${size}`);
  assert.equal(r.headers['content-length'], String(part.length));
  assert.equal(r.headers['x-amz-mp-parts-count'], String(version.parts.length));
  assert.ok(r.body.equals(part), `the body is part ${n} of the version with ETag ${version.etag}, byte for byte`);
}

// Two multipart layouts of one key: an overwrite between reading the object and reading its part
// must never serve the new object's bytes at the old part's offsets.
const OLD_PARTS = [deterministicBytes('old/1', MIN_PART), deterministicBytes('old/2', MIN_PART), Buffer.from('old tail')];
const NEW_PARTS = [deterministicBytes('new/1', MIN_PART + MiB), deterministicBytes('new/2', MIN_PART), Buffer.from('new tail')];

test("GetObject partNumber racing an overwrite with another part layout answers one version's part whole, never a mix", async (t) => {
  const s = await startTestCofferForTest(t);
  const mp = new RawMultipart(s.endpoint);
  const bucket = await newBucketRaw(s.endpoint, 'part-race');
  const oldEtag = await putMultipart(mp, bucket, 'k', OLD_PARTS);
  assert.equal(oldEtag, multipartEtag(OLD_PARTS));
  const next = await mp.createUpload(bucket, 'k');
  const nextSpec = await uploadAll(mp, bucket, 'k', next, NEW_PARTS);

  // The GET's first read of the object's metadata stalls until the overwrite has committed.
  const meta = s.server.engine.deps.meta;
  const getObject = meta.getObject.bind(meta);
  const reached = gate();
  const release = gate();
  let armed = true;
  meta.getObject = async (...args) => {
    const found = await getObject(...args);
    if (armed && args[1] === 'k') {
      armed = false;
      reached.open();
      await release.opened;
    }
    return found;
  };
  const reading = mp.get(bucket, 'k', { partNumber: '2' });
  await reached.opened;
  const newEtag = await completeUpload(mp, bucket, 'k', next, nextSpec);
  release.open();
  const r = await reading;
  t.diagnostic(`answered with the ${r.headers.etag === newEtag ? 'new' : 'old'} version's part`);
  assertPartOf(r, 2, r.headers.etag === newEtag ? { parts: NEW_PARTS, etag: newEtag } : { parts: OLD_PARTS, etag: oldEtag });
});

test('GetObject partNumber whose part is open when the object is overwritten still streams the old part whole', async (t) => {
  const s = await startTestCofferForTest(t);
  const mp = new RawMultipart(s.endpoint);
  const bucket = await newBucketRaw(s.endpoint, 'part-open');
  const oldEtag = await putMultipart(mp, bucket, 'k', OLD_PARTS);
  const next = await mp.createUpload(bucket, 'k');
  const nextSpec = await uploadAll(mp, bucket, 'k', next, NEW_PARTS);

  // The GET stalls once the part's blob is open; the overwrite then deletes that blob.
  const blobs = s.server.engine.deps.blobs;
  const open = blobs.open.bind(blobs);
  const reached = gate();
  const release = gate();
  let armed = true;
  blobs.open = async (id) => {
    const opened = await open(id);
    if (armed) {
      armed = false;
      reached.open();
      await release.opened;
    }
    return opened;
  };
  const reading = mp.get(bucket, 'k', { partNumber: '2' });
  await reached.opened;
  await completeUpload(mp, bucket, 'k', next, nextSpec);
  release.open();
  assertPartOf(await reading, 2, { parts: OLD_PARTS, etag: oldEtag });
  assertPartOf(await mp.get(bucket, 'k', { partNumber: '2' }), 2, { parts: NEW_PARTS, etag: multipartEtag(NEW_PARTS) });
});

test('GetObject partNumber of an empty last part answers Content-Length 0 and no bytes, not the whole object', async () => {
  const mp = new RawMultipart(c.endpoint);
  const parts = [deterministicBytes('empty-last/1', MIN_PART), Buffer.alloc(0)];
  await putMultipart(mp, b, 'empty-last', parts);
  const r = await mp.get(b, 'empty-last', { partNumber: '2' });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-length'], '0');
  assert.equal(r.headers['x-amz-mp-parts-count'], '2');
  assert.equal(r.body.length, 0);
  assertPartOf(await mp.get(b, 'empty-last', { partNumber: '1' }), 1, { parts, etag: multipartEtag(parts) });
});
