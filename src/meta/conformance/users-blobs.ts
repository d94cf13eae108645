// Users with their access keys, and the registry of blobs that committed metadata references
// (garbage collection removes only blob files the registry does not know).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessKeyRecord, UserRecord } from '../types.js';
import { freshStore } from './fixtures.js';
import type { StoreFactory } from './fixtures.js';

function user(name: string, n: number, overrides: Partial<UserRecord> = {}): UserRecord {
  return { id: String(n).repeat(64).slice(0, 64), name, email: null, isAdmin: false, createdAt: 1_700_000_000_000 + n, ...overrides };
}

function key(accessKeyId: string, userId: string, createdAt: number): AccessKeyRecord {
  return { accessKeyId, secretAccessKey: `secret-of-${accessKeyId}`, userId, createdAt };
}

export function userAndBlobTests(open: StoreFactory): void {
  describe('users and access keys', () => {
    test('users read back by id and by name, and list in name order', async (t) => {
      const store = await freshStore(t, open, []);
      const root = user('root', 1, { isAdmin: true, email: 'ops@example.com' });
      const alice = user('alice', 2);
      await store.transaction(async (tx) => {
        await tx.createUser(root);
        await tx.createUser(alice);
      });
      assert.deepEqual(await store.getUser(root.id), root);
      assert.deepEqual(await store.getUserByName('alice'), alice);
      assert.equal(await store.getUser('9'.repeat(64)), undefined);
      assert.equal(await store.getUserByName('bob'), undefined);
      assert.deepEqual(
        (await store.listUsers()).map((u) => u.name),
        ['alice', 'root'],
      );
    });

    test('a user name is unique: a second user with it is refused', async (t) => {
      const store = await freshStore(t, open, []);
      await store.transaction((tx) => tx.createUser(user('alice', 1)));
      await assert.rejects(store.transaction((tx) => tx.createUser(user('alice', 2))));
      assert.equal(await store.getUser(user('alice', 2).id), undefined);
    });

    test('access keys read back, list per user in creation order, and can be deleted', async (t) => {
      const store = await freshStore(t, open, []);
      const alice = user('alice', 1);
      const bob = user('bob', 2);
      await store.transaction(async (tx) => {
        await tx.createUser(alice);
        await tx.createUser(bob);
        await tx.createAccessKey(key('KEYSECOND', alice.id, 20));
        await tx.createAccessKey(key('KEYFIRST', alice.id, 10));
        await tx.createAccessKey(key('KEYBOB', bob.id, 5));
      });
      assert.deepEqual(await store.getAccessKey('KEYFIRST'), key('KEYFIRST', alice.id, 10));
      assert.deepEqual(
        (await store.listAccessKeys(alice.id)).map((k) => k.accessKeyId),
        ['KEYFIRST', 'KEYSECOND'],
      );
      await store.transaction((tx) => tx.deleteAccessKey('KEYFIRST'));
      assert.equal(await store.getAccessKey('KEYFIRST'), undefined);
      assert.deepEqual(
        (await store.listAccessKeys(alice.id)).map((k) => k.accessKeyId),
        ['KEYSECOND'],
      );
      // An access key id is unique across users.
      await assert.rejects(store.transaction((tx) => tx.createAccessKey(key('KEYBOB', alice.id, 30))));
      assert.equal((await store.getAccessKey('KEYBOB'))?.userId, bob.id);
    });

    test("deleting a user deletes its access keys and no one else's", async (t) => {
      const store = await freshStore(t, open, []);
      const alice = user('alice', 1);
      const bob = user('bob', 2);
      await store.transaction(async (tx) => {
        await tx.createUser(alice);
        await tx.createUser(bob);
        await tx.createAccessKey(key('KEYALICE', alice.id, 1));
        await tx.createAccessKey(key('KEYBOB', bob.id, 1));
      });
      await store.transaction((tx) => tx.deleteUser(alice.id));
      assert.equal(await store.getUser(alice.id), undefined);
      assert.equal(await store.getAccessKey('KEYALICE'), undefined);
      assert.deepEqual(await store.listAccessKeys(alice.id), []);
      assert.equal((await store.getAccessKey('KEYBOB'))?.userId, bob.id);
    });
  });

  describe('blob registry', () => {
    test('registered blobs are found, others are not, and unregistering removes them', async (t) => {
      const store = await freshStore(t, open, []);
      await store.transaction((tx) => tx.registerBlobs(['blob-1', 'blob-2', 'blob-3']));
      assert.deepEqual([...(await store.registeredBlobs(['blob-2', 'blob-9', 'blob-1']))].sort(), ['blob-1', 'blob-2']);
      await store.transaction((tx) => tx.unregisterBlobs(['blob-1', 'blob-9']));
      assert.deepEqual([...(await store.registeredBlobs(['blob-1', 'blob-2', 'blob-3']))].sort(), ['blob-2', 'blob-3']);
      assert.deepEqual([...(await store.registeredBlobs([]))], []);
    });

    test('registering a blob twice is harmless, and empty lists are no-ops', async (t) => {
      const store = await freshStore(t, open, []);
      await store.transaction(async (tx) => {
        await tx.registerBlobs(['blob-1']);
        await tx.registerBlobs(['blob-1']);
        await tx.registerBlobs([]);
        await tx.unregisterBlobs([]);
      });
      assert.deepEqual([...(await store.registeredBlobs(['blob-1']))], ['blob-1']);
      await store.transaction((tx) => tx.unregisterBlobs(['blob-1']));
      assert.deepEqual([...(await store.registeredBlobs(['blob-1']))], []);
    });
  });
}
