// Reads outside a transaction see only committed, durable state: not the rows of a batch still
// open (even those a SAVEPOINT rolls back), and not a commit whose WAL sync has not returned.
// A transaction still sees its own writes. The syncs are held open with the store's test hook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from './sqlite-store.js';
import type { SqliteStoreOptions } from './sqlite-store.js';
import type { ObjectRecord } from '../types.js';
import { newObjectRecord } from '../records.js';

function record(key: string, body: string): ObjectRecord {
  return newObjectRecord({ bucket: 'b', key, ownerId: 'u', size: body.length, etag: body, bytes: { inlineData: Buffer.from(body) } });
}

/** Syncs that wait until the test lets each one go (or fails it), in the order they begin. */
class HeldSyncs {
  private readonly waiting: Array<{ release: () => void; fail: (e: Error) => void }> = [];
  private arrived: (() => void) | undefined;
  holding = false;

  readonly hook: NonNullable<SqliteStoreOptions['beforeWalSync']> = () => {
    if (!this.holding) return Promise.resolve();
    return new Promise<void>((release, fail) => {
      this.waiting.push({ release, fail });
      this.arrived?.();
    });
  };

  /** Resolves when `n` syncs are being held. */
  async held(n: number): Promise<void> {
    while (this.waiting.length < n) await new Promise<void>((r) => (this.arrived = r));
  }

  release(i: number): void {
    this.waiting[i]!.release();
  }

  fail(i: number, error: Error): void {
    this.waiting[i]!.fail(error);
  }

  /** Stop holding and let every held sync go, so a failed test still closes its store. */
  releaseAll(): void {
    this.holding = false;
    for (const w of this.waiting) w.release();
  }
}

async function withStore(t: { after(fn: () => Promise<void>): void }, syncs?: HeldSyncs): Promise<SqliteStore> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-isolation-'));
  // No checkpoint: one would wait for the held syncs before the next batch could begin.
  const store = SqliteStore.open(dir, 'coffer.sqlite', { checkpointIntervalMs: 3_600_000, beforeWalSync: syncs?.hook });
  t.after(async () => {
    syncs?.releaseAll();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  await store.transaction((tx) => tx.createBucket({ name: 'b', ownerId: 'u', region: 'us-east-1', createdAt: Date.now(), versioning: null, objectLockEnabled: false, config: {} }));
  return store;
}

const body = async (store: SqliteStore, key: string): Promise<string | undefined> => (await store.getObject('b', key))?.inlineData?.toString();
const keys = async (store: SqliteStore): Promise<string[]> => (await store.listObjects('b', { prefix: '', limit: 100 })).map((o) => o.key);

test('reads during a batch see none of its rows, and never those of a transaction that wrote and then failed', async (t) => {
  const store = await withStore(t);
  await store.transaction((tx) => tx.insertObjectVersion(record('k', 'v1'), 'null'));
  assert.equal(await body(store, 'k'), 'v1');

  const seenDuring: Array<string | undefined> = [];
  const listedDuring: string[][] = [];
  const ok = store.transaction(async (tx) => {
    await tx.insertObjectVersion(record('k', 'v2'), 'null');
    assert.equal((await tx.getObject('b', 'k'))?.inlineData?.toString(), 'v2', 'a transaction sees its own write');
  });
  const failed = store.transaction(async (tx) => {
    await tx.insertObjectVersion(record('doomed', 'x'), 'null');
    await tx.insertObjectVersion(record('k', 'v3'), 'null');
    assert.equal((await tx.getObject('b', 'k'))?.inlineData?.toString(), 'v3', 'and the writes before it in its batch');
    // Another request's reads, interleaved with this batch as its awaits let them run.
    seenDuring.push(await body(store, 'k'), await body(store, 'doomed'));
    listedDuring.push(await keys(store));
    throw new Error('refused after writing');
  });
  await ok;
  await assert.rejects(failed, /refused after writing/);

  assert.deepEqual(seenDuring, ['v1', undefined], 'reads during the batch see only what was durable before it');
  assert.deepEqual(listedDuring, [['k']]);
  // Neither those reads nor the cache keep anything of the rolled-back transaction.
  assert.equal(await body(store, 'k'), 'v2');
  assert.equal(await body(store, 'doomed'), undefined);
  assert.deepEqual(await keys(store), ['k']);
});

test('a commit whose WAL sync has not returned is not read, listed or cached; it is seen once the sync returns', async (t) => {
  const syncs = new HeldSyncs();
  const store = await withStore(t, syncs);
  await store.transaction((tx) => tx.insertObjectVersion(record('k', 'v1'), 'null'));
  assert.equal(await body(store, 'k'), 'v1', 'read once, so the cache holds it');
  syncs.holding = true;

  let acknowledged = false;
  const put = store.transaction((tx) => tx.insertObjectVersion(record('k', 'v2'), 'null')).then(() => (acknowledged = true));
  const added = store.transaction((tx) => tx.insertObjectVersion(record('new', 'n'), 'null'));
  await syncs.held(1);
  assert.equal(await body(store, 'k'), 'v1', 'committed, not yet durable: the old version is read');
  assert.equal(await body(store, 'new'), undefined);
  assert.deepEqual(await keys(store), ['k']);
  assert.equal(await store.bucketHasObjects('b'), true);

  // A second batch commits while the first one's sync is held; its sync returns first.
  const later = store.transaction((tx) => tx.insertObjectVersion(record('later', 'l'), 'null'));
  await syncs.held(2);
  syncs.release(1);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(await body(store, 'later'), undefined, 'a later batch is not published before an earlier one');
  assert.equal(await body(store, 'k'), 'v1');
  assert.equal(acknowledged, false);

  syncs.release(0);
  await Promise.all([put, added, later]);
  assert.equal(await body(store, 'k'), 'v2', 'the cache does not keep the version read during the sync');
  assert.equal(await body(store, 'new'), 'n');
  assert.equal(await body(store, 'later'), 'l');
  assert.deepEqual(await keys(store), ['k', 'later', 'new']);
});

test('a failed WAL sync fails its batch and every batch after it, and reads go on from the last durable commit', async (t) => {
  const syncs = new HeldSyncs();
  const store = await withStore(t, syncs);
  await store.transaction((tx) => tx.insertObjectVersion(record('k', 'v1'), 'null'));
  syncs.holding = true;

  const lost = store.transaction((tx) => tx.insertObjectVersion(record('k', 'v2'), 'null'));
  await syncs.held(1);
  const after = store.transaction((tx) => tx.insertObjectVersion(record('after', 'a'), 'null'));
  await syncs.held(2);
  // The later batch's own sync succeeds: it still built on frames that may be gone.
  syncs.release(1);
  syncs.fail(0, Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
  await assert.rejects(lost, /EIO/);
  await assert.rejects(after, /EIO/);

  assert.equal(await body(store, 'k'), 'v1', 'what the failed batch wrote is never read');
  assert.equal(await body(store, 'after'), undefined);
  assert.deepEqual(await keys(store), ['k']);
  // Nothing more is written by this process: a later sync could not vouch for the lost pages.
  await assert.rejects(
    store.transaction((tx) => tx.insertObjectVersion(record('x', 'x'), 'null')),
    /stopped writing after a failed sync/,
  );
  assert.equal(await body(store, 'k'), 'v1');
});
