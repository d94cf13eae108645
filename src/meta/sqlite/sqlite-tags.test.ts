// Tag sets in the SQLite store: an object version's tags are written with the version and
// replaced on their own; a bucket's and an upload's tags are kept on their rows; all of them
// survive reopening the store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from './sqlite-store.js';
import type { ObjectRecord, Tag } from '../types.js';
import { newObjectRecord } from '../records.js';

function record(key: string, tags?: Tag[]): ObjectRecord {
  return newObjectRecord({ bucket: 'b', key, ownerId: 'u', size: 1, etag: key, bytes: { inlineData: Buffer.from('x') }, tags });
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-sqlite-tags-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function withOpen(dir: string, fn: (store: SqliteStore) => Promise<void>): Promise<void> {
  const store = SqliteStore.open(dir);
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

const TWO: Tag[] = [
  { key: 'z', value: '1' },
  { key: '10', value: '' },
];

test('a version keeps the tags it was written with, in order, and setObjectTags replaces them, across a restart', async () => {
  await withDir(async (dir) => {
    await withOpen(dir, async (store) => {
      await store.transaction((tx) => tx.createBucket({ name: 'b', ownerId: 'u', region: 'us-east-1', createdAt: 0, versioning: null, objectLockEnabled: false, config: {} }));
      await store.transaction((tx) => tx.insertObjectVersion(record('tagged', TWO), 'null'));
      await store.transaction((tx) => tx.insertObjectVersion(record('plain'), 'null'));
      assert.deepEqual((await store.getObject('b', 'tagged'))?.tags, TWO);
      assert.equal((await store.getObject('b', 'plain'))?.tags, undefined);
      // Read once so the latest version is cached: the tag write must replace what is cached.
      assert.equal(await store.transaction((tx) => tx.setObjectTags('b', 'plain', 'null', [{ key: 'a', value: 'b' }])), true);
      assert.deepEqual((await store.getObject('b', 'plain'))?.tags, [{ key: 'a', value: 'b' }]);
    });
    await withOpen(dir, async (store) => {
      assert.deepEqual((await store.getObject('b', 'tagged'))?.tags, TWO);
      assert.deepEqual((await store.getObject('b', 'plain', 'null'))?.tags, [{ key: 'a', value: 'b' }]);
      await store.transaction((tx) => tx.setObjectTags('b', 'tagged', 'null', []));
      assert.equal((await store.getObject('b', 'tagged'))?.tags, undefined, 'an empty set removes the tags');
      // An overwrite without tags leaves none.
      await store.transaction((tx) => tx.insertObjectVersion(record('plain'), 'null'));
      assert.equal((await store.getObject('b', 'plain'))?.tags, undefined);
    });
  });
});

test('setObjectTags on a version that does not exist changes nothing and says so', async () => {
  await withDir((dir) =>
    withOpen(dir, async (store) => {
      await store.transaction((tx) => tx.createBucket({ name: 'b', ownerId: 'u', region: 'us-east-1', createdAt: 0, versioning: null, objectLockEnabled: false, config: {} }));
      await store.transaction((tx) => tx.insertObjectVersion(record('k'), 'null'));
      assert.equal(await store.transaction((tx) => tx.setObjectTags('b', 'k', 'v-other', TWO)), false);
      assert.equal(await store.transaction((tx) => tx.setObjectTags('b', 'missing', 'null', TWO)), false);
      assert.equal((await store.getObject('b', 'k'))?.tags, undefined);
    }),
  );
});

test('a bucket and an upload keep their tag sets across a restart; an empty bucket set removes it', async () => {
  await withDir(async (dir) => {
    await withOpen(dir, async (store) => {
      await store.transaction(async (tx) => {
        await tx.createBucket({ name: 'b', ownerId: 'u', region: 'us-east-1', createdAt: 0, versioning: null, objectLockEnabled: false, config: {} });
        await tx.setBucketTags('b', TWO);
        await tx.createUpload({
          uploadId: 'u1',
          bucket: 'b',
          key: 'k',
          initiated: 0,
          ownerId: 'u',
          storageClass: 'STANDARD',
          contentHeaders: {},
          userMetadata: {},
          checksumAlgorithm: null,
          checksumType: null,
          tags: [{ key: 'up', value: 'load' }],
        });
      });
    });
    await withOpen(dir, async (store) => {
      assert.deepEqual((await store.getBucket('b'))?.tags, TWO);
      assert.deepEqual((await store.getUpload('u1'))?.tags, [{ key: 'up', value: 'load' }]);
      await store.transaction((tx) => tx.setBucketTags('b', []));
      assert.equal((await store.getBucket('b'))?.tags, undefined);
    });
  });
});
