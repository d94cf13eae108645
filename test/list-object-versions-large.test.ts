// A bucket of 100,000 versions and delete markers, paged through ListObjectVersions over HTTP,
// and a lifecycle run over it.
// The versions are written through the metadata store in a few transactions (100,000 PUTs would
// take minutes); the listing under test is the server's, page after page from the markers it
// answers. https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListObjectVersionsCommand, PutBucketLifecycleConfigurationCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { newBucket, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import { xmlOne } from './helpers/multipart.js';
import { newObjectRecord } from '../src/meta/records.js';
import type { ObjectRecord } from '../src/meta/types.js';

const c = testCofferForFile();

/** 2,000 keys of 45 versions, and one key of 10,000: 100,000 in all, every 10th a delete marker. */
const KEYS = 2000;
const PER_KEY = 45;
const HOT_VERSIONS = 10_000;
const TOTAL = KEYS * PER_KEY + HOT_VERSIONS;
const T0 = Date.UTC(2026, 0, 1);

/** A version id in the server's own format (time prefix, then 16 characters), unique per n. */
function versionId(n: number): string {
  return (T0 + n).toString(36).padStart(9, '0') + n.toString(36).padStart(16, '0');
}

function keyName(i: number): string {
  return `key-${String(i).padStart(5, '0')}`;
}

interface Expected {
  key: string;
  versionId: string;
  marker: boolean;
}

/** Write every version oldest first through the store; returns them in listing order. */
async function fill(bucket: string, keys = KEYS): Promise<Expected[]> {
  const ownerId = (await c.server.engine.getBucket(bucket))!.ownerId;
  const byKey = new Map<string, Expected[]>();
  const records: ObjectRecord[] = [];
  let n = 0;
  const add = (key: string, i: number): void => {
    const marker = i % 10 === 9;
    const id = versionId(n++);
    records.push(
      marker
        ? newObjectRecord({ bucket, key, ownerId, versionId: id, deleteMarker: true, lastModified: T0 + n })
        : newObjectRecord({
            bucket,
            key,
            ownerId,
            versionId: id,
            size: 1,
            etag: 'c4ca4238a0b923820dcc509a6f75849b',
            lastModified: T0 + n,
            bytes: { inlineData: Buffer.from('1') },
          }),
    );
    const list = byKey.get(key) ?? [];
    list.unshift({ key, versionId: id, marker });
    byKey.set(key, list);
  };
  // Versions of different keys interleave in time, as real writes do.
  for (let v = 0; v < PER_KEY; v++) for (let k = 0; k < keys; k++) add(keyName(k), v);
  for (let v = 0; v < HOT_VERSIONS; v++) add('hot', v);
  const meta = c.server.engine.deps.meta;
  for (let i = 0; i < records.length; i += 10_000) {
    const batch = records.slice(i, i + 10_000);
    await meta.transaction(async (tx) => {
      for (const r of batch) await tx.insertObjectVersion(r);
      const live = batch.filter((r) => !r.deleteMarker);
      await tx.addUsage(bucket, { objectCount: live.length, bytes: live.length });
    });
  }
  return [...byKey.keys()].sort().flatMap((k) => byKey.get(k)!);
}

/** [kind, key, version id, IsLatest] of each entry of a ListVersionsResult, in body order. */
function entries(xml: string): Array<[string, string, string, string]> {
  return [...xml.matchAll(/<(Version|DeleteMarker)><Key>([^<]*)<\/Key><VersionId>([^<]*)<\/VersionId><IsLatest>([^<]*)<\/IsLatest>/g)].map((m) => [m[1]!, m[2]!, m[3]!, m[4]!]);
}

async function pageThrough(bucket: string, query: Record<string, string>): Promise<{ listed: Array<[string, string, string, string]>; pages: number }> {
  const listed: Array<[string, string, string, string]> = [];
  let markers: Record<string, string> = {};
  for (let pages = 1; pages < 1000; pages++) {
    const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${bucket}`, query: { versions: '', ...query, ...markers } });
    assert.equal(r.status, 200, r.body.slice(0, 500));
    listed.push(...entries(r.body));
    if (xmlOne(r.body, 'IsTruncated') !== 'true') return { listed, pages };
    markers = { 'key-marker': xmlOne(r.body, 'NextKeyMarker')!, 'version-id-marker': xmlOne(r.body, 'NextVersionIdMarker')! };
  }
  assert.fail('the listing never ended');
}

test('100,000 versions and delete markers page through ListObjectVersions in order, each exactly once, the newest of each key latest', async () => {
  const b = await newBucket(c.s3, 'many');
  await c.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
  const expected = await fill(b);
  assert.equal(expected.length, TOTAL);

  const { listed, pages } = await pageThrough(b, { 'max-keys': '1000' });
  assert.equal(pages, TOTAL / 1000);
  assert.equal(listed.length, TOTAL);
  for (let i = 0; i < TOTAL; i++) {
    const [kind, key, id, latest] = listed[i]!;
    const want = expected[i]!;
    if (key !== want.key || id !== want.versionId) assert.fail(`entry ${i}: ${key} ${id}, expected ${want.key} ${want.versionId}`);
    assert.equal(kind, want.marker ? 'DeleteMarker' : 'Version');
    assert.equal(latest, String(i === 0 || listed[i - 1]![1] !== key));
  }
  const live = expected.filter((e) => !e.marker).length;
  assert.equal(live, 91_000);
  assert.deepEqual(await c.server.engine.deps.meta.getUsage(b), { objectCount: live, bytes: live });
});

test('the 10,000 versions of one key page through in pages of 999 from each NextVersionIdMarker; the SDK reads the last page', async () => {
  const b = await newBucket(c.s3, 'hot');
  await c.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
  const expected = await fill(b, 0);
  const { listed, pages } = await pageThrough(b, { prefix: 'hot', 'max-keys': '999' });
  assert.equal(pages, Math.ceil(HOT_VERSIONS / 999));
  assert.deepEqual(
    listed.map((e) => e[2]),
    expected.map((e) => e.versionId),
  );
  const last = await c.s3.send(
    new ListObjectVersionsCommand({ Bucket: b, Prefix: 'hot', KeyMarker: 'hot', VersionIdMarker: expected[HOT_VERSIONS - 3]!.versionId, MaxKeys: 1000 }),
  );
  assert.equal(last.IsTruncated, false);
  assert.deepEqual(
    [...(last.Versions ?? []), ...(last.DeleteMarkers ?? [])].map((v) => v.VersionId).sort(),
    expected
      .slice(HOT_VERSIONS - 2)
      .map((e) => e.versionId)
      .sort(),
  );
});

test('a lifecycle run over 100,000 versions removes exactly the noncurrent versions beyond NewerNoncurrentVersions, and usage follows', async () => {
  const b = await newBucket(c.s3, 'many');
  await c.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
  const expected = await fill(b);
  // Every version became noncurrent in January 2026, long over a day ago: each key keeps its 43 newest noncurrent versions.
  const KEEP = 43;
  await c.s3.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: b,
      LifecycleConfiguration: { Rules: [{ ID: 'keep-43', Filter: {}, Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: KEEP } }] },
    }),
  );
  await c.server.engine.runLifecycle();
  // In listing order each key's versions come newest first: its current one and KEEP noncurrent ones stay.
  const rank = new Map<string, number>();
  const kept = expected.filter((e) => {
    const n = rank.get(e.key) ?? 0;
    rank.set(e.key, n + 1);
    return n <= KEEP;
  });
  assert.equal(kept.length, KEYS * (KEEP + 1) + (KEEP + 1));
  const { listed } = await pageThrough(b, { 'max-keys': '1000' });
  assert.deepEqual(
    listed.map((e) => `${e[1]} ${e[2]}`),
    kept.map((e) => `${e.key} ${e.versionId}`),
  );
  const live = kept.filter((e) => !e.marker).length;
  assert.deepEqual(await c.server.engine.deps.meta.getUsage(b), { objectCount: live, bytes: live });
});
