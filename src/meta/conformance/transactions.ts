// Transactions: atomic, isolated, and the only arbiter between racing writers. The engine decides
// conditional writes (If-None-Match: *, If-Match), bucket deletion and bucket quotas by reading
// and then writing inside one transaction (src/engine/object-write.ts, buckets.ts); these tests
// make the same read-then-write moves and require exactly one winner whenever the reads of the
// losers would be made stale by the winner's write. A store may run transactions one at a time
// (SQLite) or concurrently and retry one that conflicts (PostgreSQL SERIALIZABLE): both pass.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetaTx } from '../store.js';
import { OWNER, Refused, bucketRecord, freshStore, keysOf, objectRecord, partRecord, putKeys, tally, uploadRecord } from './fixtures.js';
import type { StoreFactory } from './fixtures.js';

const RACERS = 8;

/** As PutObject with If-None-Match: * decides inside its transaction. */
async function putIfAbsent(tx: MetaTx, key: string, etag: string): Promise<string> {
  const current = await tx.getObject('b', key);
  if (current && !current.deleteMarker) throw new Refused('PreconditionFailed: the key exists');
  await tx.insertObjectVersion(objectRecord('b', key, { etag }), 'null');
  return etag;
}

/** As PutObject with If-Match decides inside its transaction. */
async function putIfMatch(tx: MetaTx, key: string, expected: string, etag: string): Promise<string> {
  const current = await tx.getObject('b', key);
  if (!current || current.deleteMarker) throw new Refused('NoSuchKey');
  if (current.etag !== expected) throw new Refused('PreconditionFailed: the ETag moved on');
  await tx.insertObjectVersion(objectRecord('b', key, { etag }), 'null');
  return etag;
}

export function transactionTests(open: StoreFactory): void {
  describe('transactions', () => {
    test('a transaction resolves to what its function returns, and its writes are visible once it commits', async (t) => {
      const store = await freshStore(t, open);
      const value = await store.transaction(async (tx) => {
        await tx.insertObjectVersion(objectRecord('b', 'k'), 'null');
        return { answer: 42 };
      });
      assert.deepEqual(value, { answer: 42 });
      assert.equal((await store.getObject('b', 'k'))?.etag, 'etag-k');
    });

    test('a transaction reads its own uncommitted writes', async (t) => {
      const store = await freshStore(t, open);
      await store.transaction(async (tx) => {
        await tx.insertObjectVersion(objectRecord('b', 'k', { etag: 'mine' }), 'null');
        assert.equal((await tx.getObject('b', 'k'))?.etag, 'mine');
        assert.deepEqual(keysOf(await tx.listObjects('b', { prefix: '', limit: 10 })), ['k']);
        assert.equal(await tx.bucketHasObjects('b'), true);
        await tx.createUpload(uploadRecord('b', 'u', 'up1', 1));
        await tx.putPart(partRecord('up1', 1));
        assert.equal((await tx.listParts('up1', 0, 10)).length, 1);
      });
    });

    test('a transaction that throws rejects with that very error and leaves nothing behind', async (t) => {
      const store = await freshStore(t, open);
      // State the failed transaction will try to change.
      await store.transaction(async (tx) => {
        await tx.insertObjectVersion(objectRecord('b', 'kept', { etag: 'before' }), 'null');
        await tx.addUsage('b', { objectCount: 1, bytes: 10 });
        await tx.createUpload(uploadRecord('b', 'open', 'up-kept', 1));
        await tx.putPart(partRecord('up-kept', 1, { etag: 'part-before' }));
        await tx.registerBlobs(['blob-kept']);
      });
      const thrown = new Refused('refused after writing');
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.createUser({ id: 'c'.repeat(64), name: 'ghost', email: null, isAdmin: false, createdAt: 1 });
          await tx.createAccessKey({ accessKeyId: 'GHOSTKEY', secretAccessKey: 'secret-secret', userId: 'c'.repeat(64), createdAt: 1 });
          await tx.createBucket(bucketRecord('ghost-bucket'));
          await tx.setBucketVersioning('b', 'Enabled');
          await tx.insertObjectVersion(objectRecord('b', 'new'), 'null');
          await tx.insertObjectVersion(objectRecord('b', 'kept', { etag: 'after' }), 'null');
          await tx.addUsage('b', { objectCount: 5, bytes: 500 });
          await tx.putPart(partRecord('up-kept', 1, { etag: 'part-after' }));
          await tx.putPart(partRecord('up-kept', 2));
          await tx.createUpload(uploadRecord('b', 'ghost', 'up-ghost', 2));
          await tx.recordCompletedUpload({ uploadId: 'up-done', bucket: 'b', key: 'k', completedAt: 3, result: { etag: 'x' } });
          await tx.registerBlobs(['blob-ghost']);
          await tx.unregisterBlobs(['blob-kept']);
          throw thrown;
        }),
        (err) => err === thrown,
      );

      assert.equal(await store.getUserByName('ghost'), undefined);
      assert.equal(await store.getAccessKey('GHOSTKEY'), undefined);
      assert.equal(await store.getBucket('ghost-bucket'), undefined);
      assert.equal((await store.getBucket('b'))?.versioning, null);
      assert.equal(await store.getObject('b', 'new'), undefined);
      assert.equal((await store.getObject('b', 'kept'))?.etag, 'before');
      assert.deepEqual(await store.getUsage('b'), { objectCount: 1, bytes: 10 });
      assert.deepEqual(
        (await store.listParts('up-kept', 0, 10)).map((p) => p.etag),
        ['part-before'],
      );
      assert.equal(await store.getUpload('up-ghost'), undefined);
      assert.equal(await store.getCompletedUpload('up-done'), undefined);
      assert.deepEqual([...(await store.registeredBlobs(['blob-kept', 'blob-ghost']))], ['blob-kept']);
    });

    test('a failed transaction leaves the store usable: the next one commits', async (t) => {
      const store = await freshStore(t, open);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.insertObjectVersion(objectRecord('b', 'a'), 'null');
          throw new Refused('no');
        }),
        Refused,
      );
      await putKeys(store, 'b', ['b']);
      assert.deepEqual(keysOf(await store.listObjects('b', { prefix: '', limit: 10 })), ['b']);
    });

    test('of concurrent transactions, one that throws rolls back alone and the others commit', async (t) => {
      const store = await freshStore(t, open);
      const results = await Promise.allSettled([
        store.transaction((tx) => tx.insertObjectVersion(objectRecord('b', 'a'), 'null')),
        store.transaction(async (tx) => {
          await tx.insertObjectVersion(objectRecord('b', 'b'), 'null');
          throw new Refused('refused');
        }),
        store.transaction((tx) => tx.insertObjectVersion(objectRecord('b', 'c'), 'null')),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      assert.deepEqual(keysOf(await store.listObjects('b', { prefix: '', limit: 10 })), ['a', 'c']);
    });

    test('a write that breaks a store constraint rejects the transaction and undoes its earlier writes', async (t) => {
      const store = await freshStore(t, open);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.insertObjectVersion(objectRecord('b', 'first'), 'null');
          await tx.createBucket(bucketRecord('b')); // the name is taken
        }),
      );
      assert.equal(await store.getObject('b', 'first'), undefined);
    });
  });

  describe('racing writers', () => {
    test('of writers racing to create a key with If-None-Match: *, exactly one wins and its object is the one stored', async (t) => {
      const store = await freshStore(t, open);
      const results = await Promise.allSettled(Array.from({ length: RACERS }, (_, i) => store.transaction((tx) => putIfAbsent(tx, 'k', `writer-${i}`))));
      const { won, refused, other } = tally(results);
      assert.deepEqual(other, []);
      assert.equal(won.length, 1, `winners: ${won.join(', ')}`);
      assert.equal(refused, RACERS - 1);
      assert.equal((await store.getObject('b', 'k'))?.etag, won[0]);
    });

    test('of writers racing to replace one ETag with If-Match, exactly one wins', async (t) => {
      const store = await freshStore(t, open);
      await store.transaction((tx) => tx.insertObjectVersion(objectRecord('b', 'k', { etag: 'e0' }), 'null'));
      const results = await Promise.allSettled(Array.from({ length: RACERS }, (_, i) => store.transaction((tx) => putIfMatch(tx, 'k', 'e0', `writer-${i}`))));
      const { won, refused, other } = tally(results);
      assert.deepEqual(other, []);
      assert.equal(won.length, 1, `winners: ${won.join(', ')}`);
      assert.equal(refused, RACERS - 1);
      assert.equal((await store.getObject('b', 'k'))?.etag, won[0]);
    });

    test('of requests racing to create one bucket name, exactly one creates it', async (t) => {
      const store = await freshStore(t, open, []);
      const results = await Promise.allSettled(
        Array.from({ length: RACERS }, (_, i) =>
          store.transaction(async (tx) => {
            if (await tx.getBucket('contested')) throw new Refused('BucketAlreadyExists');
            const owner = String(i).repeat(64);
            await tx.createBucket(bucketRecord('contested', { ownerId: owner }));
            return owner;
          }),
        ),
      );
      const { won, refused, other } = tally(results);
      assert.deepEqual(other, []);
      assert.equal(won.length, 1);
      assert.equal(refused, RACERS - 1);
      assert.equal((await store.getBucket('contested'))?.ownerId, won[0]);
    });

    test('a bucket quota counted inside the transaction holds against racing creators', async (t) => {
      const store = await freshStore(t, open, []);
      const max = 3;
      const results = await Promise.allSettled(
        Array.from({ length: RACERS }, (_, i) =>
          store.transaction(async (tx) => {
            if ((await tx.countBuckets(OWNER)) >= max) throw new Refused('TooManyBuckets');
            await tx.createBucket(bucketRecord(`bucket-${i}`));
            return i;
          }),
        ),
      );
      const { won, refused, other } = tally(results);
      assert.deepEqual(other, []);
      assert.equal(won.length, max);
      assert.equal(refused, RACERS - max);
      assert.equal(await store.countBuckets(OWNER), max);
    });

    for (const first of ['DeleteBucket', 'PutObject'] as const) {
      test(`a DeleteBucket racing a PutObject into the empty bucket (${first} sent first): exactly one succeeds, never an object in a deleted bucket`, async (t) => {
        const store = await freshStore(t, open);
        const deleteBucket = (): Promise<string> =>
          store.transaction(async (tx) => {
            if (await tx.bucketHasObjects('b')) throw new Refused('BucketNotEmpty');
            await tx.deleteBucket('b');
            return 'DeleteBucket';
          });
        const putObject = (): Promise<string> =>
          store.transaction(async (tx) => {
            if (!(await tx.getBucket('b'))) throw new Refused('NoSuchBucket');
            await tx.insertObjectVersion(objectRecord('b', 'k'), 'null');
            return 'PutObject';
          });
        const racers = first === 'DeleteBucket' ? [deleteBucket(), putObject()] : [putObject(), deleteBucket()];
        const { won, refused, other } = tally(await Promise.allSettled(racers));
        assert.deepEqual(other, []);
        assert.equal(won.length, 1);
        assert.equal(refused, 1);
        const bucket = await store.getBucket('b');
        const object = await store.getObject('b', 'k');
        if (won[0] === 'DeleteBucket') {
          assert.equal(bucket, undefined);
          assert.equal(object, undefined);
        } else {
          assert.ok(bucket);
          assert.equal(object?.etag, 'etag-k');
        }
      });
    }

    test('a part uploaded while its upload is aborted either lands before the abort, and is returned by it, or finds no upload', async (t) => {
      const store = await freshStore(t, open);
      await store.transaction((tx) => tx.createUpload(uploadRecord('b', 'k', 'up', 1)));
      // Assigned, not appended to: a store may run a transaction's function again after a conflict.
      let returned: string[] = [];
      const upload = store.transaction(async (tx) => {
        if (!(await tx.getUpload('up'))) throw new Refused('NoSuchUpload');
        await tx.putPart(partRecord('up', 7));
        return 'UploadPart';
      });
      const abort = store.transaction(async (tx) => {
        returned = (await tx.deleteUpload('up')).map((p) => p.blobId);
        return 'AbortMultipartUpload';
      });
      const results = await Promise.allSettled([upload, abort]);
      assert.equal(results[1].status, 'fulfilled');
      // The part's blob is never left unaccounted for: the abort returned it, or it was never written.
      if (results[0].status === 'fulfilled') {
        assert.deepEqual(returned, ['blob-up-7']);
      } else {
        assert.ok(results[0].reason instanceof Refused, String(results[0].reason));
        assert.deepEqual(returned, []);
      }
      assert.equal(await store.getUpload('up'), undefined);
      assert.deepEqual(await store.listParts('up', 0, 10), []);
    });
  });
}
