// Buckets: one namespace for everyone, the settings a bucket record carries, what keeps a bucket
// from being deleted (DeleteBucket answers BucketNotEmpty while any version, delete marker or open
// multipart upload remains), and the usage counters quotas are checked against.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OTHER_OWNER, bucketRecord, deleteMarker, freshStore, objectRecord, uploadRecord } from './fixtures.js';
import type { StoreFactory } from './fixtures.js';

export function bucketTests(open: StoreFactory): void {
  describe('buckets', () => {
    test('a bucket reads back with every field as created; an unknown name reads as undefined', async (t) => {
      const store = await freshStore(t, open, []);
      const locked = bucketRecord('locked', { region: 'eu-west-3', createdAt: 1_712_000_000_000, versioning: 'Enabled', objectLockEnabled: true });
      await store.transaction((tx) => tx.createBucket(locked));
      assert.deepEqual(await store.getBucket('locked'), locked);
      assert.equal(await store.getBucket('other'), undefined);
    });

    test('a bucket name is taken for every owner: creating it again fails and leaves the first bucket as it was', async (t) => {
      const store = await freshStore(t, open);
      await assert.rejects(store.transaction((tx) => tx.createBucket(bucketRecord('b', { ownerId: OTHER_OWNER, region: 'eu-west-1' }))));
      await assert.rejects(store.transaction((tx) => tx.createBucket(bucketRecord('b'))));
      assert.deepEqual(await store.getBucket('b'), bucketRecord('b'));
    });

    test('a configuration document is set, replaced and removed alone, leaving the others and the bucket as they were', async (t) => {
      const store = await freshStore(t, open, []);
      await store.transaction((tx) => tx.createBucket(bucketRecord('b', { config: { quota: { hardQuotaBytes: 10 } } })));
      assert.deepEqual((await store.getBucket('b'))?.config, { quota: { hardQuotaBytes: 10 } });
      await store.transaction((tx) => tx.setBucketConfig('b', 'quota', { hardQuotaBytes: 5, maxObjects: 2 }));
      assert.deepEqual(await store.getBucket('b'), bucketRecord('b', { config: { quota: { hardQuotaBytes: 5, maxObjects: 2 } } }));
      await store.transaction((tx) => tx.setBucketConfig('b', 'quota', undefined));
      assert.deepEqual(await store.getBucket('b'), bucketRecord('b'));
      // A failed transaction leaves no trace of its change.
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.setBucketConfig('b', 'quota', { hardQuotaBytes: 1 });
          throw new Error('abort');
        }),
      );
      assert.deepEqual((await store.getBucket('b'))?.config, {});
    });

    test('a CORS configuration (a list of rules) is stored beside the quota and removed without touching it', async (t) => {
      const store = await freshStore(t, open, []);
      await store.transaction((tx) => tx.createBucket(bucketRecord('b', { config: { quota: { hardQuotaBytes: 10 } } })));
      const cors = [
        { id: 'r1', allowedMethods: ['GET', 'PUT'], allowedOrigins: ['https://*.example'], allowedHeaders: ['*'], exposeHeaders: ['ETag'], maxAgeSeconds: 60 },
        { allowedMethods: ['GET'], allowedOrigins: ['*'], allowedHeaders: [], exposeHeaders: [] },
      ];
      await store.transaction((tx) => tx.setBucketConfig('b', 'cors', cors));
      assert.deepEqual((await store.getBucket('b'))?.config, { quota: { hardQuotaBytes: 10 }, cors });
      await store.transaction((tx) => tx.setBucketConfig('b', 'cors', undefined));
      assert.deepEqual((await store.getBucket('b'))?.config, { quota: { hardQuotaBytes: 10 } });
    });

    test('versioning moves from unset to Enabled to Suspended and reads back each time', async (t) => {
      const store = await freshStore(t, open);
      assert.equal((await store.getBucket('b'))?.versioning, null);
      await store.transaction((tx) => tx.setBucketVersioning('b', 'Enabled'));
      assert.equal((await store.getBucket('b'))?.versioning, 'Enabled');
      await store.transaction((tx) => tx.setBucketVersioning('b', 'Suspended'));
      assert.equal((await store.getBucket('b'))?.versioning, 'Suspended');
    });

    test('a bucket has objects when it holds an object version or a delete marker; an open upload alone does not count', async (t) => {
      const store = await freshStore(t, open, ['empty', 'object', 'marker', 'upload']);
      await store.transaction(async (tx) => {
        await tx.insertObjectVersion(objectRecord('object', 'k'), 'null');
        await tx.insertObjectVersion(deleteMarker('marker', 'k', 'dm'));
        await tx.createUpload(uploadRecord('upload', 'k', 'up', 1));
      });
      assert.equal(await store.bucketHasObjects('empty'), false);
      assert.equal(await store.bucketHasObjects('object'), true);
      assert.equal(await store.bucketHasObjects('marker'), true);
      // DeleteBucket removes a bucket whose only content is unfinished uploads, as S3 does.
      assert.equal(await store.bucketHasObjects('upload'), false);
      // A delete marker alone does not list, yet still counts: DeleteBucket must refuse.
      assert.deepEqual(await store.listObjects('marker', { prefix: '', limit: 10 }), []);
      await store.transaction(async (tx) => {
        await tx.deleteObjectVersion('object', 'k', 'null');
        await tx.deleteObjectVersion('marker', 'k', 'dm');
        await tx.deleteUpload('up');
      });
      for (const name of ['object', 'marker', 'upload']) assert.equal(await store.bucketHasObjects(name), false, name);
    });

    test('a deleted bucket is gone, and a bucket created again under its name starts with no usage', async (t) => {
      const store = await freshStore(t, open);
      await store.transaction((tx) => tx.addUsage('b', { objectCount: 3, bytes: 300 }));
      await store.transaction((tx) => tx.deleteBucket('b'));
      assert.equal(await store.getBucket('b'), undefined);
      assert.equal(await store.countBuckets(bucketRecord('b').ownerId), 0);
      await store.transaction((tx) => tx.createBucket(bucketRecord('b', { ownerId: OTHER_OWNER })));
      assert.equal((await store.getBucket('b'))?.ownerId, OTHER_OWNER);
      assert.deepEqual(await store.getUsage('b'), { objectCount: 0, bytes: 0 });
    });

    test('usage starts at zero and adds up deltas, negative ones included, per bucket', async (t) => {
      const store = await freshStore(t, open, ['b', 'c']);
      assert.deepEqual(await store.getUsage('b'), { objectCount: 0, bytes: 0 });
      await store.transaction(async (tx) => {
        await tx.addUsage('b', { objectCount: 2, bytes: 5 * 1024 ** 4 });
        await tx.addUsage('b', { objectCount: 1, bytes: 10 });
      });
      await store.transaction((tx) => tx.addUsage('b', { objectCount: -1, bytes: -(5 * 1024 ** 4) }));
      await store.transaction((tx) => tx.addUsage('c', { objectCount: 7, bytes: 7 }));
      assert.deepEqual(await store.getUsage('b'), { objectCount: 2, bytes: 10 });
      assert.deepEqual(await store.getUsage('c'), { objectCount: 7, bytes: 7 });
      // A bucket that does not exist has used nothing.
      assert.deepEqual(await store.getUsage('nobucket'), { objectCount: 0, bytes: 0 });
    });

    test('enableBucketObjectLock turns Object Lock on for that bucket alone, and it reads back on', async (t) => {
      const store = await freshStore(t, open, ['b', 'c']);
      assert.equal((await store.getBucket('b'))?.objectLockEnabled, false);
      await store.transaction((tx) => tx.enableBucketObjectLock('b'));
      assert.equal((await store.getBucket('b'))?.objectLockEnabled, true);
      assert.equal((await store.getBucket('c'))?.objectLockEnabled, false);
    });
  });
}
