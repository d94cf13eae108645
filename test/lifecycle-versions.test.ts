// Lifecycle rules on a versioned bucket: expiration of the current version stacks a delete
// marker, NoncurrentVersionExpiration (with NewerNoncurrentVersions) removes old versions,
// NoncurrentVersionTransition archives them, and ExpiredObjectDeleteMarker clears a delete marker
// left alone. https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
} from '@aws-sdk/client-s3';
import type { LifecycleRule } from '@aws-sdk/client-s3';
import { bucketName, newBucket, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import { enableVersioning, eventually } from './helpers/archive.js';

const c = testCofferForFile({ COFFER_LIFECYCLE_DAY_SECONDS: '1' });

async function versionedBucket(): Promise<string> {
  const b = await newBucket(c.s3);
  await enableVersioning(c.s3, b);
  return b;
}

/** [key, versionId, isLatest, kind] of every version, in listing order. */
async function versions(bucket: string): Promise<Array<[string, string, boolean, 'v' | 'm']>> {
  const out = await c.s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  const all = [...(out.Versions ?? []).map((v) => ({ ...v, kind: 'v' as const })), ...(out.DeleteMarkers ?? []).map((m) => ({ ...m, kind: 'm' as const }))];
  all.sort((a, b) => (a.Key! < b.Key! ? -1 : a.Key! > b.Key! ? 1 : b.LastModified!.getTime() - a.LastModified!.getTime()));
  return all.map((v) => [v.Key!, v.VersionId!, v.IsLatest!, v.kind]);
}

async function put(bucket: string, key: string, body: string | Buffer): Promise<string> {
  const out = await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  assert.ok(out.VersionId);
  return out.VersionId;
}

async function lifecycle(bucket: string, Rules: LifecycleRule[]): Promise<void> {
  await c.s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules }, TransitionDefaultMinimumObjectSize: 'varies_by_storage_class' }));
}

test('Expiration of a current version on a versioned bucket stacks a delete marker and keeps the version as noncurrent', async () => {
  const b = await versionedBucket();
  const v1 = await put(b, 'k', 'one');
  await lifecycle(b, [{ ID: 'exp', Filter: {}, Status: 'Enabled', Expiration: { Days: 1 } }]);
  await eventually(async () => (await versions(b)).length === 2);
  const [marker, old] = await versions(b);
  assert.deepEqual([marker![0], marker![2], marker![3]], ['k', true, 'm']);
  assert.deepEqual(old, ['k', v1, false, 'v']);
  const get = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k` });
  assert.equal(get.status, 404);
  assert.equal(get.headers['x-amz-delete-marker'], 'true');
  assert.deepEqual(await c.server.engine.deps.meta.getUsage(b), { objectCount: 1, bytes: 3 });
});

test('NoncurrentVersionExpiration removes noncurrent versions NoncurrentDays after they were replaced; the current one stays', async () => {
  const b = await versionedBucket();
  await put(b, 'k', 'one');
  await put(b, 'k', 'two');
  const v3 = await put(b, 'k', 'three');
  await put(b, 'other/x', 'x');
  await lifecycle(b, [{ ID: 'nc', Filter: { Prefix: 'k' }, Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 1 } }]);
  await eventually(async () => (await versions(b)).filter((v) => v[0] === 'k').length === 1);
  assert.deepEqual(
    (await versions(b)).map((v) => [v[0], v[1] === v3 || v[0] !== 'k', v[2]]),
    [
      ['k', true, true],
      ['other/x', true, true],
    ],
  );
  assert.deepEqual(await c.server.engine.deps.meta.getUsage(b), { objectCount: 2, bytes: 6 });
});

test('NewerNoncurrentVersions keeps that many of the newest noncurrent versions', async () => {
  const b = await versionedBucket();
  const ids = [];
  for (const body of ['1', '2', '3', '4', '5']) ids.push(await put(b, 'k', body));
  await lifecycle(b, [{ ID: 'keep2', Filter: {}, Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 2 } }]);
  await eventually(async () => (await versions(b)).length === 3);
  assert.deepEqual(
    (await versions(b)).map((v) => v[1]),
    [ids[4], ids[3], ids[2]],
  );
});

test('ExpiredObjectDeleteMarker removes a delete marker once it is the only version of its key', async () => {
  const b = await versionedBucket();
  await put(b, 'gone', 'x');
  await c.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'gone' }));
  await put(b, 'kept', 'y');
  await c.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'kept' }));
  await lifecycle(b, [
    { ID: 'nc', Filter: { Prefix: 'gone' }, Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
    { ID: 'markers', Filter: {}, Status: 'Enabled', Expiration: { ExpiredObjectDeleteMarker: true } },
  ]);
  // 'gone' loses its noncurrent version, then its lone marker; 'kept' keeps both.
  await eventually(async () => !(await versions(b)).some((v) => v[0] === 'gone'));
  assert.deepEqual(
    (await versions(b)).map((v) => [v[0], v[3]]),
    [
      ['kept', 'm'],
      ['kept', 'v'],
    ],
  );
});

test('NoncurrentVersionTransition moves noncurrent versions to GLACIER; the current version stays readable', async () => {
  const b = await versionedBucket();
  const v1 = await put(b, 'k', 'old bytes');
  await put(b, 'k', 'new bytes');
  await lifecycle(b, [{ ID: 'cold', Filter: {}, Status: 'Enabled', NoncurrentVersionTransitions: [{ NoncurrentDays: 1, StorageClass: 'GLACIER' }] }]);
  await eventually(async () => (await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k', VersionId: v1 }))).StorageClass === 'GLACIER');
  const old = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, query: { versionId: v1 } });
  assert.equal(old.status, 403);
  assert.equal(old.code, 'InvalidObjectState');
  const cur = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k` });
  assert.equal(cur.body, 'new bytes');
});

test('a noncurrent version under Object Lock retention or legal hold is not removed by lifecycle; without its hold it goes', async () => {
  const b = bucketName('lock');
  await c.s3.send(new CreateBucketCommand({ Bucket: b, ObjectLockEnabledForBucket: true }));
  const lockedPut = await c.s3.send(
    new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'locked', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: new Date(Date.now() + 3_600_000) }),
  );
  const heldPut = await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'held', ObjectLockLegalHoldStatus: 'ON' }));
  const locked = lockedPut.VersionId!;
  const held = heldPut.VersionId!;
  const free = await put(b, 'k', 'free');
  await put(b, 'k', 'current');
  await lifecycle(b, [{ ID: 'nc', Filter: {}, Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 1 } }]);
  await eventually(async () => !(await versions(b)).some((v) => v[1] === free));
  await c.server.engine.runLifecycle(Date.now() + 10_000);
  assert.deepEqual((await versions(b)).map((v) => v[1]).slice(1), [held, locked]);
  // The hold lifted, the next run removes the version as DeleteObject would.
  await c.s3.send(new PutObjectLegalHoldCommand({ Bucket: b, Key: 'k', VersionId: held, LegalHold: { Status: 'OFF' } }));
  await c.server.engine.runLifecycle(Date.now() + 10_000);
  assert.deepEqual((await versions(b)).map((v) => v[1]).slice(1), [locked]);
});

test('a locked null version outlives lifecycle: Expiration stacks a marker on it, NoncurrentVersionExpiration leaves it, and versioning cannot be suspended to replace it', async () => {
  // The 'null' version was written before versioning and Object Lock were turned on.
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'null bytes' }));
  await enableVersioning(c.s3, b);
  await c.s3.send(new PutObjectLockConfigurationCommand({ Bucket: b, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } }));
  await c.s3.send(new PutObjectRetentionCommand({ Bucket: b, Key: 'k', VersionId: 'null', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date(Date.now() + 3_600_000) } }));
  await lifecycle(b, [{ ID: 'both', Filter: {}, Status: 'Enabled', Expiration: { Days: 1 }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } }]);
  await eventually(async () => (await versions(b)).length === 2);
  await c.server.engine.runLifecycle(Date.now() + 10_000);
  const [marker, kept] = await versions(b);
  assert.deepEqual([marker![2], marker![3]], [true, 'm']);
  assert.deepEqual(kept, ['k', 'null', false, 'v']);
  const suspend = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: `/${b}`,
    query: { versioning: '' },
    body: '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Suspended</Status></VersioningConfiguration>',
  });
  assert.equal(suspend.status, 409);
  assert.equal(suspend.code, 'InvalidBucketState');
  const read = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, query: { versionId: 'null' } });
  assert.equal(read.body, 'null bytes');
});
