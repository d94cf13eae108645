// What the archive and lifecycle jobs ask of a store: every bucket whoever owns it, a version's
// data rewritten in place (an archive transition, a restore's state), and timers on versions
// read back in due order.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OTHER_OWNER, bucketRecord, freshStore, objectRecord } from './fixtures.js';
import type { StoreFactory } from './fixtures.js';

export function archiveTests(open: StoreFactory): void {
  describe('archive and lifecycle', () => {
    test('listAllBuckets lists every owner’s buckets in name order, by prefix and after a name, with their configuration', async (t) => {
      const store = await freshStore(t, open, ['b2', 'a1']);
      const lifecycle = { rules: [{ id: 'r', enabled: true, filter: {}, filterForm: 'filter' as const, expiration: { days: 1 } }] };
      await store.transaction(async (tx) => {
        await tx.createBucket(bucketRecord('a2', { ownerId: OTHER_OWNER }));
        await tx.setBucketConfig('a2', 'lifecycle', lifecycle);
      });
      assert.deepEqual(
        (await store.listAllBuckets({ prefix: '', limit: 10 })).map((b) => b.name),
        ['a1', 'a2', 'b2'],
      );
      assert.deepEqual(
        (await store.listAllBuckets({ prefix: 'a', after: 'a1', limit: 10 })).map((b) => [b.name, b.config.lifecycle]),
        [['a2', lifecycle]],
      );
      assert.equal((await store.listAllBuckets({ prefix: '', limit: 1 })).length, 1);
    });

    test('updateObjectVersion rewrites one version in place, keeping it latest or not as it was; false for a missing version', async (t) => {
      const store = await freshStore(t, open);
      const v1 = objectRecord('b', 'k', { versionId: 'v1', inlineData: null, blobId: 'a'.repeat(32) });
      const v2 = objectRecord('b', 'k', { versionId: 'v2', inlineData: null, blobId: 'b'.repeat(32) });
      await store.transaction(async (tx) => {
        await tx.insertObjectVersion(v1);
        await tx.insertObjectVersion(v2);
      });
      const archived = {
        ...v1,
        isLatest: false,
        storageClass: 'GLACIER',
        blobId: 'c'.repeat(32),
        archive: { stored: { compression: 'br' as const, compressedSize: 7 }, restore: { inProgress: true, tier: 'Bulk' as const, days: 2, readyAt: 5 } },
      };
      assert.equal(await store.transaction((tx) => tx.updateObjectVersion(archived)), true);
      assert.deepEqual(await store.getObject('b', 'k', 'v1'), archived);
      assert.equal((await store.getObject('b', 'k'))?.versionId, 'v2');
      assert.deepEqual(
        (await store.listObjectVersions('b', { prefix: '', limit: 10 })).map((v) => [v.versionId, v.isLatest, v.storageClass]),
        [
          ['v2', true, 'STANDARD'],
          ['v1', false, 'GLACIER'],
        ],
      );
      assert.equal(await store.transaction((tx) => tx.updateObjectVersion({ ...v1, versionId: 'gone' })), false);
    });

    test('a version timer is set, moved and cleared; due timers read back soonest first, up to a limit', async (t) => {
      const store = await freshStore(t, open);
      await store.transaction(async (tx) => {
        await tx.setObjectTimer('b', 'k1', 'null', 'restore', 300);
        await tx.setObjectTimer('b', 'k2', 'null', 'restore-expiry', 100);
        await tx.setObjectTimer('b', 'k3', 'v', 'archive', 200);
        await tx.setObjectTimer('b', 'k4', 'null', 'restore', 10_000);
      });
      assert.deepEqual(
        (await store.listDueObjectTimers(1000, 10)).map((d) => [d.key, d.kind, d.dueAt]),
        [
          ['k2', 'restore-expiry', 100],
          ['k3', 'archive', 200],
          ['k1', 'restore', 300],
        ],
      );
      assert.deepEqual(await store.listDueObjectTimers(150, 10), [{ bucket: 'b', key: 'k2', versionId: 'null', kind: 'restore-expiry', dueAt: 100 }]);
      await store.transaction(async (tx) => {
        await tx.setObjectTimer('b', 'k2', 'null', 'restore-expiry', 5000);
        await tx.setObjectTimer('b', 'k3', 'v', 'archive', undefined);
      });
      assert.deepEqual(
        (await store.listDueObjectTimers(1000, 1)).map((d) => d.key),
        ['k1'],
      );
      assert.deepEqual(
        (await store.listDueObjectTimers(20_000, 10)).map((d) => d.key),
        ['k1', 'k2', 'k4'],
      );
    });
  });
}
