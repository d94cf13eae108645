// The lifecycle job applying rules on a real server with short days (COFFER_LIFECYCLE_DAY_SECONDS):
// Expiration by Days and by Date, filters by prefix, tags and size, Transition to the archive
// classes, AbortIncompleteMultipartUpload, x-amz-expiration on PUT, HEAD and GET, and a run over
// many objects. https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lifecycle-mgmt.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteBucketLifecycleCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { LifecycleRule, S3Client } from '@aws-sdk/client-s3';
import { newBucket, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import { eventually } from './helpers/archive.js';

// A lifecycle day of one second: Days 1 comes due within two.
const c = testCofferForFile({ COFFER_LIFECYCLE_DAY_SECONDS: '1', COFFER_RESTORE_SECONDS: 'Expedited=0.2,Standard=0.2' });

async function keys(s3: S3Client, bucket: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) out.push(o.Key!);
    token = page.NextContinuationToken;
  } while (token);
  return out;
}

async function lifecycle(bucket: string, Rules: LifecycleRule[], minSize?: 'varies_by_storage_class'): Promise<void> {
  await c.s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules }, TransitionDefaultMinimumObjectSize: minSize }));
}

test('Expiration Days removes the objects under the rule prefix once their day is due, and no others', async () => {
  const b = await newBucket(c.s3);
  for (const k of ['tmp/a', 'tmp/b', 'keep/a']) await c.s3.send(new PutObjectCommand({ Bucket: b, Key: k, Body: k }));
  await lifecycle(b, [{ ID: 'tmp', Filter: { Prefix: 'tmp/' }, Status: 'Enabled', Expiration: { Days: 1 } }]);
  await eventually(async () => (await keys(c.s3, b)).length === 1);
  assert.deepEqual(await keys(c.s3, b), ['keep/a']);
});

test('a Disabled rule does nothing', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  await lifecycle(b, [{ ID: 'off', Filter: {}, Status: 'Disabled', Expiration: { Days: 1 } }]);
  await new Promise((r) => setTimeout(r, 3000));
  assert.deepEqual(await keys(c.s3, b), ['k']);
});

test('Expiration Date in the past removes every object the rule selects', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'old', Body: 'x' }));
  await lifecycle(b, [{ ID: 'date', Filter: {}, Status: 'Enabled', Expiration: { Date: new Date('2020-01-01T00:00:00Z') } }]);
  await eventually(async () => (await keys(c.s3, b)).length === 0);
});

test('tag and size filters select the objects that expire (And of prefix, tags and size bounds)', async () => {
  const b = await newBucket(c.s3);
  const put = (Key: string, Body: string, Tagging?: string) => c.s3.send(new PutObjectCommand({ Bucket: b, Key, Body, Tagging }));
  await put('p/tagged-mid', 'x'.repeat(50), 'class=temp&team=a');
  await put('p/tagged-small', 'x', 'class=temp');
  await put('p/untagged-mid', 'x'.repeat(50));
  await put('q/tagged-mid', 'x'.repeat(50), 'class=temp');
  await lifecycle(b, [
    {
      ID: 'and',
      Filter: { And: { Prefix: 'p/', Tags: [{ Key: 'class', Value: 'temp' }], ObjectSizeGreaterThan: 10, ObjectSizeLessThan: 100 } },
      Status: 'Enabled',
      Expiration: { Days: 1 },
    },
  ]);
  await eventually(async () => !(await keys(c.s3, b)).includes('p/tagged-mid'));
  assert.deepEqual(await keys(c.s3, b), ['p/tagged-small', 'p/untagged-mid', 'q/tagged-mid']);
});

test('x-amz-expiration on PUT, HEAD and GET names the expiry date (rounded to a day boundary) and the rule', async () => {
  const b = await newBucket(c.s3);
  await lifecycle(b, [
    { ID: 'far', Filter: { Prefix: 'docs/' }, Status: 'Enabled', Expiration: { Days: 100000 } },
    { ID: 'other', Filter: { Prefix: 'else/' }, Status: 'Enabled', Expiration: { Days: 1 } },
  ]);
  const put = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/docs/a`, body: 'x' });
  const m = /^expiry-date="([^"]+)", rule-id="far"$/.exec(put.headers['x-amz-expiration'] as string);
  assert.ok(m, String(put.headers['x-amz-expiration']));
  const at = Date.parse(m[1]!);
  assert.equal(at % 1000, 0);
  assert.ok(at > Date.now() + 99_990_000 && at <= Date.now() + 100_002_000);
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'docs/a' }));
  assert.equal(head.Expiration, put.headers['x-amz-expiration']);
  const get = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'docs/a' }));
  assert.equal(get.Expiration, put.headers['x-amz-expiration']);
  // An object no rule selects has none.
  const none = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/misc`, body: 'x' });
  assert.equal(none.headers['x-amz-expiration'], undefined);
});

test('Transition to GLACIER moves the bytes to the archive volume: GET is then InvalidObjectState and HEAD says GLACIER', async () => {
  const b = await newBucket(c.s3);
  const archiveRoot = join(c.dataDir, 'archive', 'blobs');
  const count = async (): Promise<number> => {
    let n = 0;
    for (const a of await readdir(archiveRoot).catch(() => [])) for (const d of await readdir(join(archiveRoot, a))) n += (await readdir(join(archiveRoot, a, d))).length;
    return n;
  };
  const before = await count();
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'small', Body: 'tiny' }));
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'big', Body: Buffer.alloc(200 * 1024, 'z') }));
  await lifecycle(b, [{ ID: 'cold', Filter: {}, Status: 'Enabled', Transitions: [{ Days: 1, StorageClass: 'GLACIER' }] }]);
  await eventually(async () => (await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'big' }))).StorageClass === 'GLACIER');
  assert.equal(await count(), before + 1);
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/big` });
  assert.equal(r.status, 403);
  assert.equal(r.code, 'InvalidObjectState');
  // By default objects under 128 KB do not transition.
  await new Promise((res) => setTimeout(res, 2000));
  assert.equal((await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'small' }))).StorageClass, undefined);
});

test('with varies_by_storage_class small objects transition too, to DEEP_ARCHIVE after GLACIER', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'small', Body: 'tiny' }));
  await lifecycle(
    b,
    [
      {
        ID: 'cold',
        Filter: {},
        Status: 'Enabled',
        Transitions: [
          { Days: 1, StorageClass: 'GLACIER' },
          { Days: 3, StorageClass: 'DEEP_ARCHIVE' },
        ],
      },
    ],
    'varies_by_storage_class',
  );
  await eventually(async () => (await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'small' }))).StorageClass === 'GLACIER');
  await eventually(async () => (await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'small' }))).StorageClass === 'DEEP_ARCHIVE');
  // Restored (Standard: DEEP_ARCHIVE has no Expedited tier), the bytes read back whole.
  assert.equal(
    (
      await rawRequest(c.endpoint, {
        method: 'POST',
        path: `/${b}/small`,
        query: { restore: '' },
        body: '<RestoreRequest><Days>5</Days><GlacierJobParameters><Tier>Standard</Tier></GlacierJobParameters></RestoreRequest>',
      })
    ).status,
    202,
  );
  await eventually(async () => (await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/small` })).body === 'tiny');
});

test('AbortIncompleteMultipartUpload aborts uploads under the prefix DaysAfterInitiation after they began', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'up/a' }));
  await c.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'keep/a' }));
  await lifecycle(b, [{ ID: 'abort', Filter: { Prefix: 'up/' }, Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }]);
  await eventually(async () => ((await c.s3.send(new ListMultipartUploadsCommand({ Bucket: b }))).Uploads ?? []).length === 1);
  assert.deepEqual(
    (await c.s3.send(new ListMultipartUploadsCommand({ Bucket: b }))).Uploads?.map((u) => u.Key),
    ['keep/a'],
  );
});

test('a lifecycle run expires 2100 objects across three listing pages, and the bucket usage follows', async (t) => {
  const b = await newBucket(c.s3);
  const n = 2100;
  const p0 = Date.now();
  for (let i = 0; i < n; i += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, j) => c.s3.send(new PutObjectCommand({ Bucket: b, Key: `many/${String(i + j).padStart(5, '0')}`, Body: 'x' }))));
  }
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'stay', Body: 'x' }));
  t.diagnostic(`put ${n} objects in ${Date.now() - p0} ms`);
  await lifecycle(b, [{ ID: 'many', Filter: { Prefix: 'many/' }, Status: 'Enabled', Expiration: { Days: 1 } }]);
  const t0 = Date.now();
  // The usage counter, not a listing of thousands of keys, is polled.
  await eventually(async () => (await c.server.engine.deps.meta.getUsage(b)).objectCount === 1, 60_000);
  t.diagnostic(`expired ${n} objects in ${Date.now() - t0} ms after the rule was put`);
  assert.deepEqual(await keys(c.s3, b), ['stay']);
  assert.deepEqual(await c.server.engine.deps.meta.getUsage(b), { objectCount: 1, bytes: 1 });
});

test('several lifecycle runs at once (as several processes would) expire each object once: usage ends at exactly zero', async () => {
  const b = await newBucket(c.s3);
  for (let i = 0; i < 300; i += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, j) => c.s3.send(new PutObjectCommand({ Bucket: b, Key: `k${i + j}`, Body: 'abc' }))));
  }
  await lifecycle(b, [{ ID: 'all', Filter: {}, Status: 'Enabled', Expiration: { Date: new Date('2020-01-01T00:00:00Z') } }]);
  const runs = await Promise.all([1, 2, 3, 4].map(() => c.server.engine.runLifecycle()));
  const expired = runs.reduce((n, r) => n + r.expired, 0);
  // The background job may have taken some; together never more than there were.
  assert.ok(expired <= 300, `${expired}`);
  await eventually(async () => (await keys(c.s3, b)).length === 0);
  assert.deepEqual(await c.server.engine.deps.meta.getUsage(b), { objectCount: 0, bytes: 0 });
});

test('a rule removed before its run is not applied: the run re-checks the configuration in each transaction', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  await lifecycle(b, [{ ID: 'all', Filter: {}, Status: 'Enabled', Expiration: { Days: 1000 } }]);
  // Far in the future for this run, the rule would expire it; the bucket no longer has it.
  await c.s3.send(new DeleteBucketLifecycleCommand({ Bucket: b }));
  const r = await c.server.engine.runLifecycle(Date.now() + 2000 * 1000);
  assert.equal(r.expired, 0);
  assert.deepEqual(await keys(c.s3, b), ['k']);
});

test('CompleteMultipartUpload and CopyObject answer x-amz-expiration too', async () => {
  const b = await newBucket(c.s3);
  await lifecycle(b, [{ ID: 'r1', Filter: {}, Status: 'Enabled', Expiration: { Days: 100000 } }]);
  const { UploadId } = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp' }));
  const part = await c.s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId, PartNumber: 1, Body: 'x' }));
  const done = await c.s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: 'mp', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
  assert.match(done.Expiration ?? '', /^expiry-date="[^"]+ GMT", rule-id="r1"$/);
  const copy = await c.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'copy', CopySource: `${b}/mp` }));
  assert.match(copy.Expiration ?? '', /^expiry-date="[^"]+ GMT", rule-id="r1"$/);
});
