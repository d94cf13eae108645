// Usage counters and the hard quota addUsage enforces inside the transaction (admin API
// buckets/{bucket}/quota and usage), and access keys that are deactivated without being deleted.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { QuotaExceededError } from '../store.js';
import type { MetadataStore } from '../store.js';
import { freshStore } from './fixtures.js';
import type { StoreFactory } from './fixtures.js';

async function withQuota(store: MetadataStore, bucket: string, hardQuotaBytes: number, maxObjects?: number): Promise<void> {
  await store.transaction((tx) => tx.setBucketConfig(bucket, 'quota', maxObjects === undefined ? { hardQuotaBytes } : { hardQuotaBytes, maxObjects }));
}

export function usageAndQuotaTests(open: StoreFactory): void {
  describe('usage and quotas', () => {
    test('a change that would grow bytes past the hard quota throws QuotaExceededError and changes nothing', async (t) => {
      const store = await freshStore(t, open);
      await withQuota(store, 'b', 100);
      await store.transaction((tx) => tx.addUsage('b', { objectCount: 1, bytes: 60 }));
      await assert.rejects(
        store.transaction((tx) => tx.addUsage('b', { objectCount: 1, bytes: 41 })),
        (err: unknown) => err instanceof QuotaExceededError && err.code === 'VaultQuotaExceeded' && err.limit === 'bytes',
      );
      assert.deepEqual(await store.getUsage('b'), { objectCount: 1, bytes: 60 });
      // Up to the quota exactly is allowed.
      await store.transaction((tx) => tx.addUsage('b', { objectCount: 1, bytes: 40 }));
      assert.deepEqual(await store.getUsage('b'), { objectCount: 2, bytes: 100 });
    });

    test('a refused change leaves the counters exact for a transaction that goes on after it', async (t) => {
      const store = await freshStore(t, open);
      await withQuota(store, 'b', 10);
      await store.transaction(async (tx) => {
        await assert.rejects(tx.addUsage('b', { objectCount: 1, bytes: 11 }), QuotaExceededError);
        await tx.addUsage('b', { objectCount: 1, bytes: 4 });
      });
      assert.deepEqual(await store.getUsage('b'), { objectCount: 1, bytes: 4 });
    });

    test('upload parts count against the byte quota with versions, and are reported apart', async (t) => {
      const store = await freshStore(t, open);
      await withQuota(store, 'b', 100);
      await store.transaction((tx) => tx.addUsage('b', { objectCount: 0, bytes: 0, uploadParts: 2, uploadBytes: 70 }));
      assert.deepEqual(await store.getUploadUsage('b'), { parts: 2, bytes: 70 });
      assert.deepEqual(await store.getUsage('b'), { objectCount: 0, bytes: 0 });
      await assert.rejects(
        store.transaction((tx) => tx.addUsage('b', { objectCount: 1, bytes: 31 })),
        QuotaExceededError,
      );
      // Completing moves the parts' bytes to the object in one change: it does not grow, so it fits.
      await store.transaction((tx) => tx.addUsage('b', { objectCount: 1, bytes: 70, uploadParts: -2, uploadBytes: -70 }));
      assert.deepEqual(await store.getUsage('b'), { objectCount: 1, bytes: 70 });
      assert.deepEqual(await store.getUploadUsage('b'), { parts: 0, bytes: 0 });
    });

    test('maxObjects refuses a change that adds an object past it, whatever its bytes', async (t) => {
      const store = await freshStore(t, open);
      await withQuota(store, 'b', 1000, 2);
      await store.transaction((tx) => tx.addUsage('b', { objectCount: 2, bytes: 2 }));
      await assert.rejects(
        store.transaction((tx) => tx.addUsage('b', { objectCount: 1, bytes: 0 })),
        (err: unknown) => err instanceof QuotaExceededError && err.limit === 'objects',
      );
      // An overwrite that adds bytes but no object is not refused for the object count.
      await store.transaction((tx) => tx.addUsage('b', { objectCount: 0, bytes: 5 }));
      assert.deepEqual(await store.getUsage('b'), { objectCount: 2, bytes: 7 });
    });

    test('over a quota lowered below the usage, shrinking changes apply and growing ones are refused', async (t) => {
      const store = await freshStore(t, open);
      await store.transaction((tx) => tx.addUsage('b', { objectCount: 5, bytes: 500 }));
      await withQuota(store, 'b', 100, 1);
      await store.transaction((tx) => tx.addUsage('b', { objectCount: -1, bytes: -100 }));
      await store.transaction((tx) => tx.addUsage('b', { objectCount: 0, bytes: -50, uploadParts: 1, uploadBytes: 10 }));
      await assert.rejects(
        store.transaction((tx) => tx.addUsage('b', { objectCount: 0, bytes: 1 })),
        QuotaExceededError,
      );
      assert.deepEqual(await store.getUsage('b'), { objectCount: 4, bytes: 350 });
      // Without a quota nothing is refused.
      await store.transaction((tx) => tx.setBucketConfig('b', 'quota', undefined));
      await store.transaction((tx) => tx.addUsage('b', { objectCount: 10, bytes: 1e12 }));
    });

    test('listUsage gives every bucket in name order with its quota, after a name, up to a limit', async (t) => {
      const store = await freshStore(t, open, ['c', 'a', 'b']);
      await withQuota(store, 'b', 9, 3);
      await store.transaction(async (tx) => {
        await tx.addUsage('a', { objectCount: 1, bytes: 1, uploadParts: 1, uploadBytes: 5 });
        await tx.addUsage('c', { objectCount: 3, bytes: 3 });
      });
      assert.deepEqual(await store.listUsage({ limit: 10 }), [
        { bucket: 'a', usage: { objectCount: 1, bytes: 1 }, uploads: { parts: 1, bytes: 5 }, quota: undefined },
        { bucket: 'b', usage: { objectCount: 0, bytes: 0 }, uploads: { parts: 0, bytes: 0 }, quota: { hardQuotaBytes: 9, maxObjects: 3 } },
        { bucket: 'c', usage: { objectCount: 3, bytes: 3 }, uploads: { parts: 0, bytes: 0 }, quota: undefined },
      ]);
      assert.deepEqual(
        (await store.listUsage({ after: 'a', limit: 1 })).map((r) => r.bucket),
        ['b'],
      );
    });
  });

  describe('access key status', () => {
    test('a key is Active as written, reads back Inactive once deactivated, and Active again', async (t) => {
      const store = await freshStore(t, open, []);
      const user = { id: '1'.repeat(64), name: 'alice', email: null, isAdmin: false, createdAt: 1 };
      await store.transaction(async (tx) => {
        await tx.createUser(user);
        await tx.createAccessKey({ accessKeyId: 'KEYA', secretAccessKey: 'secret-a', userId: user.id, createdAt: 2 });
      });
      assert.equal((await store.getAccessKey('KEYA'))?.status ?? 'Active', 'Active');
      assert.equal(await store.transaction((tx) => tx.setAccessKeyStatus('KEYA', 'Inactive')), true);
      assert.equal((await store.getAccessKey('KEYA'))?.status, 'Inactive');
      assert.equal((await store.listAccessKeys(user.id))[0]?.status, 'Inactive');
      await store.transaction((tx) => tx.setAccessKeyStatus('KEYA', 'Active'));
      assert.equal((await store.getAccessKey('KEYA'))?.status ?? 'Active', 'Active');
      assert.equal(await store.transaction((tx) => tx.setAccessKeyStatus('NOKEY', 'Inactive')), false);
    });
  });
}
