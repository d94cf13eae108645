// ListObjectVersions (GET /bucket?versions) on a real Coffer, through the SDK and raw signed
// requests. https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { ListObjectVersionsCommandOutput } from '@aws-sdk/client-s3';
import { bucketName, newBucket, rejectsNamed, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import type { RawResponse } from './helpers/raw.js';
import { MIN_PART, multipartEtag, xmlAll, xmlOne } from './helpers/multipart.js';
import { deterministicBytes } from './helpers/bytes.js';

const c = testCofferForFile();

async function put(bucket: string, key: string, body = key): Promise<string | undefined> {
  return (await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(body) }))).VersionId;
}

async function putAll(bucket: string, keys: string[]): Promise<void> {
  for (const k of keys) await put(bucket, k);
}

function listVersions(bucket: string, query: Record<string, string> = {}): Promise<RawResponse> {
  return rawRequest(c.endpoint, { method: 'GET', path: `/${bucket}`, query: { versions: '', ...query } });
}

async function enableVersioning(bucket: string): Promise<void> {
  await c.s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}

/** "Version key id" / "DeleteMarker key id" of each entry, in the order of the XML body. */
function entries(xml: string): string[] {
  return [...xml.matchAll(/<(Version|DeleteMarker)><Key>([^<]*)<\/Key><VersionId>([^<]*)<\/VersionId>/g)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
}

/** Every page of a raw listing with `max-keys`, each resumed from the last page's Next markers. */
async function rawPages(bucket: string, maxKeys: number, query: Record<string, string> = {}): Promise<string[]> {
  const bodies: string[] = [];
  let markers: Record<string, string> = {};
  for (let i = 0; i < 100; i++) {
    const r = await listVersions(bucket, { ...query, ...markers, 'max-keys': String(maxKeys) });
    assert.equal(r.status, 200, r.body);
    bodies.push(r.body);
    if (xmlOne(r.body, 'IsTruncated') !== 'true') {
      assert.equal(xmlOne(r.body, 'NextKeyMarker'), undefined, 'no NextKeyMarker on the last page');
      return bodies;
    }
    const nextKey = xmlOne(r.body, 'NextKeyMarker');
    assert.ok(nextKey !== undefined, 'a truncated page names where the next starts');
    const nextVersion = xmlOne(r.body, 'NextVersionIdMarker');
    markers = nextVersion === undefined ? { 'key-marker': nextKey } : { 'key-marker': nextKey, 'version-id-marker': nextVersion };
  }
  assert.fail('the listing never ended');
}

function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

test('ListObjectVersions of an empty bucket is an empty ListVersionsResult that is not truncated', async () => {
  const b = await newBucket(c.s3);
  const out = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b }));
  assert.equal(out.Name, b);
  assert.deepEqual([out.Versions, out.DeleteMarkers, out.CommonPrefixes, out.NextKeyMarker], [undefined, undefined, undefined, undefined]);
  assert.equal(out.IsTruncated, false);
  assert.equal(out.MaxKeys, 1000);
  const r = await listVersions(b);
  assert.equal(r.status, 200);
  assert.equal(
    r.body,
    '<?xml version="1.0" encoding="UTF-8"?>\n<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      `<Name>${b}</Name><Prefix></Prefix><KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker>` +
      '<MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListVersionsResult>',
  );
});

test('each object of an unversioned bucket is one version, VersionId null and latest, in UTF-8 byte order with its ETag, size, owner and checksum', async () => {
  const b = await newBucket(c.s3);
  const keys = ['b', 'a/1', 'é', '\uff61', '\u{1f600}', 'z'];
  await putAll(b, keys);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'sha', Body: 'sha body', ChecksumAlgorithm: 'SHA256' }));
  // Without a checksum header the object still has the CRC64NVME every object gets.
  assert.equal((await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/raw`, body: 'raw' })).status, 200);
  const out = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b }));
  const objects = (await c.s3.send(new ListObjectsV2Command({ Bucket: b, FetchOwner: true }))).Contents ?? [];
  // U+FF61 (EF BD A1) sorts before U+1F600 (F0 9F 98 80) by bytes, after it by UTF-16 units.
  assert.deepEqual(
    out.Versions?.map((v) => v.Key),
    [...keys, 'sha', 'raw'].sort(byUtf8),
  );
  assert.equal(out.DeleteMarkers, undefined);
  for (const v of out.Versions ?? []) {
    const o = objects.find((x) => x.Key === v.Key)!;
    assert.equal(v.VersionId, 'null');
    assert.equal(v.IsLatest, true);
    assert.equal(v.ETag, o.ETag);
    assert.equal(v.Size, Buffer.byteLength(v.Key === 'sha' ? 'sha body' : v.Key!), v.Key);
    assert.equal(v.StorageClass, 'STANDARD');
    assert.deepEqual(v.LastModified, o.LastModified);
    assert.deepEqual(v.Owner, o.Owner);
    assert.match(v.Owner?.ID ?? '', /^[0-9a-f]{64}$/);
    // The SDK sends a CRC32 of each body unless told another algorithm.
    assert.deepEqual(v.ChecksumAlgorithm, [v.Key === 'sha' ? 'SHA256' : v.Key === 'raw' ? 'CRC64NVME' : 'CRC32'], v.Key);
    assert.equal(v.ChecksumType, 'FULL_OBJECT');
  }
});

test('prefix and delimiter roll keys up into CommonPrefixes', async () => {
  const b = await newBucket(c.s3);
  await putAll(b, ['a/1', 'a/2', 'a/b/3', 'b', 'c/x/y', 'c/z', 'd']);
  const top = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b, Delimiter: '/' }));
  assert.deepEqual(
    top.CommonPrefixes?.map((p) => p.Prefix),
    ['a/', 'c/'],
  );
  assert.deepEqual(
    top.Versions?.map((v) => v.Key),
    ['b', 'd'],
  );
  assert.equal(top.Delimiter, '/');
  const inner = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b, Prefix: 'a/', Delimiter: '/' }));
  assert.equal(inner.Prefix, 'a/');
  assert.deepEqual(
    inner.CommonPrefixes?.map((p) => p.Prefix),
    ['a/b/'],
  );
  assert.deepEqual(
    inner.Versions?.map((v) => v.Key),
    ['a/1', 'a/2'],
  );
  const prefixed = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b, Prefix: 'c/' }));
  assert.deepEqual(
    prefixed.Versions?.map((v) => v.Key),
    ['c/x/y', 'c/z'],
  );
});

test('max-keys=1 and 2 page through every key with NextKeyMarker and NextVersionIdMarker, and the last page is not truncated', async () => {
  const b = await newBucket(c.s3);
  const keys = ['k0', 'k1', 'k2', 'k3', 'k4'];
  await putAll(b, keys);
  for (const maxKeys of [1, 2]) {
    const seen: string[] = [];
    let page: ListObjectVersionsCommandOutput | undefined;
    let pages = 0;
    do {
      page = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b, MaxKeys: maxKeys, KeyMarker: page?.NextKeyMarker, VersionIdMarker: page?.NextVersionIdMarker }));
      pages++;
      const got = page.Versions?.map((v) => v.Key!) ?? [];
      assert.ok(got.length <= maxKeys);
      assert.equal(page.MaxKeys, maxKeys);
      if (page.IsTruncated) {
        assert.equal(page.NextKeyMarker, got[got.length - 1]);
        assert.equal(page.NextVersionIdMarker, 'null');
      } else {
        assert.deepEqual([page.NextKeyMarker, page.NextVersionIdMarker], [undefined, undefined]);
      }
      seen.push(...got);
    } while (page.IsTruncated && pages < 20);
    assert.deepEqual(seen, keys, `max-keys=${maxKeys}`);
    assert.equal(pages, Math.ceil(keys.length / maxKeys), 'no empty page after the last key');
  }
});

test('key-marker alone starts after every version of that key and is echoed as KeyMarker', async () => {
  const b = await newBucket(c.s3);
  await putAll(b, ['k0', 'k1', 'k2']);
  const out = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b, KeyMarker: 'k0' }));
  assert.equal(out.KeyMarker, 'k0');
  assert.deepEqual(
    out.Versions?.map((v) => v.Key),
    ['k1', 'k2'],
  );
  const between = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b, KeyMarker: 'k1a' }));
  assert.deepEqual(
    between.Versions?.map((v) => v.Key),
    ['k2'],
  );
});

test('with a delimiter, pages end on common prefixes without a NextVersionIdMarker, and a key-marker inside a prefix leaves the prefix out', async () => {
  const b = await newBucket(c.s3);
  await putAll(b, ['a/1', 'a/2', 'b', 'c/1', 'd']);
  const pages = await rawPages(b, 1, { delimiter: '/' });
  const items = pages.map((body) => [...xmlAll(body, 'Key'), ...xmlAll(body, 'Prefix').slice(1)].join(','));
  assert.deepEqual(items, ['a/', 'b', 'c/', 'd']);
  assert.equal(xmlOne(pages[0]!, 'NextKeyMarker'), 'a/');
  assert.equal(xmlOne(pages[0]!, 'NextVersionIdMarker'), undefined);
  assert.equal(xmlOne(pages[1]!, 'NextVersionIdMarker'), 'null');
  // "CommonPrefixes is filtered out from results if it is not lexicographically greater than the key-marker."
  const inside = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b, Delimiter: '/', KeyMarker: 'a/1' }));
  assert.equal(inside.CommonPrefixes?.map((p) => p.Prefix).join(','), 'c/');
  assert.deepEqual(
    inside.Versions?.map((v) => v.Key),
    ['b', 'd'],
  );
});

test('several versions of one key list newest first with delete markers in place, and paging resumes exactly after the marker version', async () => {
  const b = await newBucket(c.s3);
  await enableVersioning(b);
  const a = await put(b, 'a');
  const docs = [await put(b, 'doc', 'one'), await put(b, 'doc', 'two'), await put(b, 'doc', 'three')];
  const marker = (await c.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'doc' }))).VersionId!;
  const latest = await put(b, 'doc', 'four');
  const z = await put(b, 'z');
  const expected = [
    `Version a ${a}`,
    `Version doc ${latest}`,
    `DeleteMarker doc ${marker}`,
    `Version doc ${docs[2]}`,
    `Version doc ${docs[1]}`,
    `Version doc ${docs[0]}`,
    `Version z ${z}`,
  ];

  const whole = await listVersions(b);
  assert.deepEqual(entries(whole.body), expected);
  const out = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b }));
  assert.deepEqual(
    out.Versions?.filter((v) => v.Key === 'doc').map((v) => [v.VersionId, v.IsLatest, v.Size]),
    [
      [latest, true, 4],
      [docs[2], false, 5],
      [docs[1], false, 3],
      [docs[0], false, 3],
    ],
  );
  assert.deepEqual(
    out.DeleteMarkers?.map((m) => [m.Key, m.VersionId, m.IsLatest]),
    [['doc', marker, false]],
  );
  assert.match(out.DeleteMarkers?.[0]?.Owner?.ID ?? '', /^[0-9a-f]{64}$/);

  for (const maxKeys of [1, 2, 3]) {
    const pages = await rawPages(b, maxKeys);
    assert.deepEqual(pages.flatMap(entries), expected, `max-keys=${maxKeys}`);
    assert.equal(pages.length, Math.ceil(expected.length / maxKeys));
  }
  const resumed = await listVersions(b, { 'key-marker': 'doc', 'version-id-marker': docs[2]! });
  assert.deepEqual(entries(resumed.body), expected.slice(4));
  assert.equal(xmlOne(resumed.body, 'VersionIdMarker'), docs[2]);
});

test('encoding-type=url encodes Key, Prefix, Delimiter, KeyMarker, NextKeyMarker and CommonPrefixes', async () => {
  const b = await newBucket(c.s3);
  const keys = ['sp ace/one', 'sp ace/two', 'plus+amp&.txt', 'é q'];
  await putAll(b, keys);
  const spaced = await listVersions(b, { 'encoding-type': 'url', delimiter: ' ' });
  assert.equal(spaced.status, 200);
  assert.equal(xmlOne(spaced.body, 'EncodingType'), 'url');
  assert.equal(xmlOne(spaced.body, 'Delimiter'), '%20');
  assert.deepEqual(xmlAll(spaced.body, 'Key'), ['plus%2Bamp%26.txt']);
  assert.deepEqual(xmlAll(spaced.body, 'Prefix').slice(1), ['sp%20', '%C3%A9%20']);

  const first = await listVersions(b, { 'encoding-type': 'url', prefix: 'sp ace/', 'max-keys': '1' });
  assert.equal(xmlOne(first.body, 'Prefix'), 'sp%20ace/');
  assert.deepEqual(xmlAll(first.body, 'Key'), ['sp%20ace/one']);
  assert.equal(xmlOne(first.body, 'NextKeyMarker'), 'sp%20ace/one');
  // The client decodes NextKeyMarker and sends it back as key-marker.
  const second = await listVersions(b, { 'encoding-type': 'url', prefix: 'sp ace/', 'key-marker': 'sp ace/one', 'version-id-marker': 'null' });
  assert.equal(xmlOne(second.body, 'KeyMarker'), 'sp%20ace/one');
  assert.deepEqual(xmlAll(second.body, 'Key'), ['sp%20ace/two']);

  const plain = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b }));
  assert.deepEqual(
    plain.Versions?.map((v) => v.Key),
    [...keys].sort(byUtf8),
  );
  assert.equal(plain.EncodingType, undefined);
});

test('max-keys over 1000 is clamped to 1000; max-keys=0 answers no versions and is not truncated', async () => {
  const b = await newBucket(c.s3);
  await putAll(b, ['k0', 'k1']);
  const many = await listVersions(b, { 'max-keys': '5000' });
  assert.equal(xmlOne(many.body, 'MaxKeys'), '1000');
  assert.equal(xmlAll(many.body, 'Key').length, 2);
  const zero = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b, MaxKeys: 0 }));
  assert.deepEqual([zero.Versions, zero.IsTruncated, zero.NextKeyMarker, zero.MaxKeys], [undefined, false, undefined, 0]);
});

test('a max-keys that is not an integer fails with 400 InvalidArgument naming it', async () => {
  const b = await newBucket(c.s3);
  for (const bad of ['abc', '99999999999']) {
    const r = await listVersions(b, { 'max-keys': bad });
    assert.equal(r.status, 400);
    assert.equal(r.code, 'InvalidArgument');
    assert.equal(r.message, 'Provided max-keys not an integer or within integer range');
    assert.equal(xmlOne(r.body, 'ArgumentName'), 'max-keys');
    assert.equal(xmlOne(r.body, 'ArgumentValue'), bad);
  }
});

test('a negative max-keys fails with 400 InvalidArgument "max-keys cannot be negative"', async () => {
  const b = await newBucket(c.s3);
  const r = await listVersions(b, { 'max-keys': '-1' });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidArgument');
  assert.equal(r.message, 'max-keys cannot be negative');
});

test('version-id-marker without key-marker fails with 400 InvalidArgument', async () => {
  const b = await newBucket(c.s3);
  await put(b, 'k');
  const r = await listVersions(b, { 'version-id-marker': 'null' });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidArgument');
  assert.equal(r.message, 'A version-id marker cannot be specified without a key marker.');
  assert.equal(xmlOne(r.body, 'ArgumentName'), 'version-id-marker');
  assert.equal(xmlOne(r.body, 'ArgumentValue'), 'null');
});

test('a version-id-marker that is no version id fails with 400 InvalidArgument "Invalid version id specified"', async () => {
  const b = await newBucket(c.s3);
  const r = await listVersions(b, { 'key-marker': 'k', 'version-id-marker': 'no-such-version' });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidArgument');
  assert.equal(r.message, 'Invalid version id specified');
});

test('an encoding-type other than url fails with 400 InvalidArgument', async () => {
  const b = await newBucket(c.s3);
  const r = await listVersions(b, { 'encoding-type': 'base64' });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidArgument');
  assert.equal(r.message, 'Invalid Encoding Method specified in Request');
});

test('ListObjectVersions of a bucket that does not exist fails with 404 NoSuchBucket', async () => {
  const missing = bucketName('gone');
  const r = await listVersions(missing);
  assert.equal(r.status, 404);
  assert.equal(r.code, 'NoSuchBucket');
  await rejectsNamed(c.s3.send(new ListObjectVersionsCommand({ Bucket: missing })), 'NoSuchBucket');
});

test('a multipart object is listed with its -N ETag and its whole size', async () => {
  const b = await newBucket(c.s3);
  const parts = [deterministicBytes('p1', MIN_PART), deterministicBytes('p2', 1000)];
  const { UploadId } = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'big' }));
  const etags: string[] = [];
  for (const [i, body] of parts.entries()) {
    etags.push((await c.s3.send(new UploadPartCommand({ Bucket: b, Key: 'big', UploadId, PartNumber: i + 1, Body: body }))).ETag!);
  }
  await c.s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: b,
      Key: 'big',
      UploadId,
      MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
    }),
  );
  const out = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b }));
  assert.equal(out.Versions?.length, 1);
  assert.equal(out.Versions?.[0]?.ETag, multipartEtag(parts));
  assert.match(out.Versions?.[0]?.ETag ?? '', /-2"$/);
  assert.equal(out.Versions?.[0]?.Size, MIN_PART + 1000);
});

/**
 * The clean-up s3-tests runs after every test (s3tests/functional/__init__.py, nuke_bucket): list
 * a page of versions, delete exactly those with DeleteObjects, list the next page from the Next
 * markers — which name a version just deleted — and finally delete the bucket.
 */
async function nukeBucket(bucket: string, batchSize: number): Promise<number> {
  let deleted = 0;
  let markers: { KeyMarker?: string; VersionIdMarker?: string } = {};
  for (let truncated = true; truncated; ) {
    const listing = await c.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: batchSize, ...markers }));
    markers = { KeyMarker: listing.NextKeyMarker, VersionIdMarker: listing.NextVersionIdMarker };
    truncated = listing.IsTruncated === true;
    const objects = [...(listing.Versions ?? []), ...(listing.DeleteMarkers ?? [])].map((o) => ({ Key: o.Key!, VersionId: o.VersionId! }));
    if (objects.length === 0) continue;
    const out = await c.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
    assert.equal(out.Errors, undefined, JSON.stringify(out.Errors));
    deleted += objects.length;
  }
  await c.s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  return deleted;
}

test('the s3-tests clean-up lists versions, deletes each with VersionId null, and then deletes the bucket', async () => {
  const b = await newBucket(c.s3);
  await putAll(b, ['a', 'b/c', 'd e', 'f', 'g']);
  assert.equal(await nukeBucket(b, 2), 5);
  await rejectsNamed(c.s3.send(new HeadBucketCommand({ Bucket: b })), 'NotFound');
});

test('the s3-tests clean-up removes every version and delete marker of a versioned bucket, page after page', async () => {
  const b = await newBucket(c.s3);
  await enableVersioning(b);
  for (let i = 0; i < 4; i++) await put(b, 'doc', `v${i}`);
  await c.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'doc' }));
  await put(b, 'other');
  await c.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'other' }));
  assert.equal(await nukeBucket(b, 2), 7);
});

test('a delimiter listing of versions seeks past a large common prefix instead of walking it', async () => {
  const b = await newBucket(c.s3);
  const many = Array.from({ length: 300 }, (_, i) => `dir/${String(i).padStart(4, '0')}`);
  for (let i = 0; i < many.length; i += 50) await Promise.all(many.slice(i, i + 50).map((k) => put(b, k, '')));
  await put(b, 'zzz', '');
  // Count the rows the store hands the engine: a seek reads one row per common prefix.
  const meta = c.server.engine.deps.meta;
  const original = meta.listObjectVersions.bind(meta);
  let rows = 0;
  meta.listObjectVersions = async (bucket, range) => {
    const r = await original(bucket, range);
    rows += r.length;
    return r;
  };
  try {
    const out = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b, Delimiter: '/' }));
    assert.deepEqual(
      out.CommonPrefixes?.map((p) => p.Prefix),
      ['dir/'],
    );
    assert.deepEqual(
      out.Versions?.map((v) => v.Key),
      ['zzz'],
    );
  } finally {
    meta.listObjectVersions = original;
  }
  assert.ok(rows < 50, `read ${rows} rows`);
});
