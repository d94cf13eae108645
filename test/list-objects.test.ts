import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, ListObjectsCommand, ListObjectsV2Command, PutObjectCommand, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { bucketName, startTestCoffer } from './helpers/coffer.js';
import type { TestCoffer } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';

let c: TestCoffer;
let b: string;
const keys = ['a/1', 'a/2', 'a/b/3', 'b', 'c/x/y', 'c/z', 'd e+f', 'é', '\uff61', '\u{1f600}', 'z'];
// S3 orders by UTF-8 bytes: U+FF61 (EF BD A1) before U+1F600 (F0 9F 98 80).
const sorted = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));

before(async () => {
  c = await startTestCoffer();
  b = bucketName();
  await c.s3.send(new CreateBucketCommand({ Bucket: b }));
  await Promise.all(keys.map((k) => c.s3.send(new PutObjectCommand({ Bucket: b, Key: k, Body: k }))));
});
after(() => c.close());

test('ListObjectsV2 lists every key in UTF-8 byte order with sizes and KeyCount', async () => {
  const out = await c.s3.send(new ListObjectsV2Command({ Bucket: b }));
  assert.deepEqual(
    out.Contents?.map((o) => o.Key),
    sorted,
  );
  assert.equal(out.KeyCount, keys.length);
  assert.equal(out.IsTruncated, false);
  assert.equal(out.Contents?.find((o) => o.Key === 'b')?.Size, 1);
});

test('ListObjectsV2 with a delimiter rolls keys up into CommonPrefixes', async () => {
  const out = await c.s3.send(new ListObjectsV2Command({ Bucket: b, Delimiter: '/' }));
  assert.deepEqual(
    out.CommonPrefixes?.map((p) => p.Prefix),
    ['a/', 'c/'],
  );
  assert.deepEqual(
    out.Contents?.map((o) => o.Key),
    sorted.filter((k) => !k.includes('/')),
  );
  const inner = await c.s3.send(new ListObjectsV2Command({ Bucket: b, Delimiter: '/', Prefix: 'a/' }));
  assert.deepEqual(
    inner.CommonPrefixes?.map((p) => p.Prefix),
    ['a/b/'],
  );
  assert.deepEqual(
    inner.Contents?.map((o) => o.Key),
    ['a/1', 'a/2'],
  );
});

test('ListObjectsV2 pages with max-keys and continuation tokens, common prefixes counted once', async () => {
  const seen: string[] = [];
  for await (const page of paginateListObjectsV2({ client: c.s3, pageSize: 2 }, { Bucket: b, Delimiter: '/' })) {
    assert.ok((page.KeyCount ?? 0) <= 2);
    const items = [...(page.Contents ?? []).map((o) => o.Key!), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!)];
    seen.push(...items.sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
  }
  const expected = ['a/', 'c/', ...sorted.filter((k) => !k.includes('/'))].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  assert.deepEqual(seen, expected);
});

test('ListObjectsV2 start-after, prefix, max-keys=0 and fetch-owner', async () => {
  const out = await c.s3.send(new ListObjectsV2Command({ Bucket: b, StartAfter: 'c/z' }));
  assert.deepEqual(
    out.Contents?.map((o) => o.Key),
    sorted.filter((k) => Buffer.compare(Buffer.from(k), Buffer.from('c/z')) > 0),
  );
  const pre = await c.s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'c/' }));
  assert.deepEqual(
    pre.Contents?.map((o) => o.Key),
    ['c/x/y', 'c/z'],
  );
  const zero = await c.s3.send(new ListObjectsV2Command({ Bucket: b, MaxKeys: 0 }));
  assert.equal(zero.KeyCount, 0);
  assert.equal(zero.IsTruncated, false);
  assert.equal(zero.NextContinuationToken, undefined);
  const zeroV1 = await c.s3.send(new ListObjectsCommand({ Bucket: b, MaxKeys: 0, Delimiter: '/' }));
  assert.deepEqual([zeroV1.Contents, zeroV1.CommonPrefixes, zeroV1.IsTruncated, zeroV1.NextMarker], [undefined, undefined, false, undefined]);
  const owner = await c.s3.send(new ListObjectsV2Command({ Bucket: b, FetchOwner: true, MaxKeys: 1 }));
  assert.match(owner.Contents?.[0]?.Owner?.ID ?? '', /^[0-9a-f]{64}$/);
  const noOwner = await c.s3.send(new ListObjectsV2Command({ Bucket: b, MaxKeys: 1 }));
  assert.equal(noOwner.Contents?.[0]?.Owner, undefined);
});

test('encoding-type=url encodes keys and prefixes', async () => {
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { 'list-type': '2', 'encoding-type': 'url', prefix: 'd' } });
  assert.equal(r.status, 200);
  // A space as %20 and a '+' as %2B: the two stay apart once decoded, whatever the decoder.
  assert.match(r.body, /<Key>d%20e%2Bf<\/Key>/);
  assert.match(r.body, /<EncodingType>url<\/EncodingType>/);
  const bad = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { 'list-type': '2', 'encoding-type': 'base64' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.code, 'InvalidArgument');
});

test('ListObjects v1 pages with Marker and NextMarker', async () => {
  const p1 = await c.s3.send(new ListObjectsCommand({ Bucket: b, MaxKeys: 3, Delimiter: '/' }));
  assert.equal(p1.IsTruncated, true);
  assert.deepEqual([...(p1.CommonPrefixes ?? []).map((p) => p.Prefix), ...(p1.Contents ?? []).map((o) => o.Key)].sort(), ['a/', 'b', 'c/']);
  assert.equal(p1.NextMarker, 'c/');
  const p2 = await c.s3.send(new ListObjectsCommand({ Bucket: b, Marker: p1.NextMarker, Delimiter: '/' }));
  assert.deepEqual(
    p2.Contents?.map((o) => o.Key),
    sorted.filter((k) => !k.includes('/') && k > 'c'),
  );
  assert.equal(p2.CommonPrefixes, undefined);
  const nodelim = await c.s3.send(new ListObjectsCommand({ Bucket: b, MaxKeys: 2 }));
  assert.equal(nodelim.IsTruncated, true);
  assert.equal(nodelim.NextMarker, undefined);
  assert.ok(nodelim.Contents?.[0]?.Owner?.ID);
});

test('invalid max-keys fails with 400 InvalidArgument; a bad continuation token too', async () => {
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { 'list-type': '2', 'max-keys': 'abc' } });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidArgument');
  const t = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { 'list-type': '2', 'continuation-token': '!!!' } });
  assert.equal(t.status, 400);
  assert.equal(t.code, 'InvalidArgument');
});

test('a delimiter listing seeks past a large common prefix instead of walking it', async () => {
  const bb = bucketName();
  await c.s3.send(new CreateBucketCommand({ Bucket: bb }));
  const many = Array.from({ length: 300 }, (_, i) => `dir/${String(i).padStart(4, '0')}`);
  for (let i = 0; i < many.length; i += 50) await Promise.all(many.slice(i, i + 50).map((k) => c.s3.send(new PutObjectCommand({ Bucket: bb, Key: k, Body: '' }))));
  await c.s3.send(new PutObjectCommand({ Bucket: bb, Key: 'zzz', Body: '' }));
  // Count the rows the store hands the engine: a seek reads one row per common prefix.
  const meta = c.server.engine.deps.meta;
  const original = meta.listObjects.bind(meta);
  let rows = 0;
  meta.listObjects = async (bucket, range) => {
    const r = await original(bucket, range);
    rows += r.length;
    return r;
  };
  try {
    const out = await c.s3.send(new ListObjectsV2Command({ Bucket: bb, Delimiter: '/' }));
    assert.deepEqual(
      out.CommonPrefixes?.map((p) => p.Prefix),
      ['dir/'],
    );
    assert.deepEqual(
      out.Contents?.map((o) => o.Key),
      ['zzz'],
    );
  } finally {
    meta.listObjects = original;
  }
  assert.ok(rows < 50, `read ${rows} rows`);
});
