// Object versions: what insertObjectVersion and deleteObjectVersion promise the engine (the
// 'null' version replaced in place, versions stacked, the latest decided by the order of writing,
// delete markers), and that every field of a record comes back as it went in.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deleteMarker, freshStore, objectRecord } from './fixtures.js';
import type { StoreFactory } from './fixtures.js';
import type { ObjectRecord } from '../types.js';

const TiB = 1024 ** 4;

export function objectTests(open: StoreFactory): void {
  describe('object versions', () => {
    test('every field of an object record reads back as written: inline, single-blob and multipart', async (t) => {
      const store = await freshStore(t, open);
      const inline = objectRecord('b', 'inline', {
        inlineData: Buffer.from([0, 1, 2, 255, 0]),
        size: 5,
        contentHeaders: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache', expires: 'Thu, 01 Dec 1994 16:00:00 GMT' },
        userMetadata: { colour: 'bleu ciel', 'emoji-\u00e9': '\u{1f600}' },
        checksums: { algorithm: 'CRC32C', type: 'FULL_OBJECT', values: { CRC32C: 'yZRlqg==' } },
        encryption: { algorithm: 'aws:kms', kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/k-1', kmsContext: 'eyJhIjoiYiJ9', bucketKeyEnabled: true },
        lock: { mode: 'COMPLIANCE', retainUntil: 1_900_000_000_000, legalHold: true },
        archive: { archiveStatus: 'DEEP_ARCHIVE_ACCESS', restore: { inProgress: false, expiry: 1_712_400_000_000, tier: 'Bulk' } },
        acl: {
          grants: [
            { grantee: { type: 'CanonicalUser', id: 'a'.repeat(64) }, permission: 'FULL_CONTROL' },
            { grantee: { type: 'Group', uri: 'http://acs.amazonaws.com/groups/global/AllUsers' }, permission: 'READ' },
          ],
        },
        storageClass: 'STANDARD_IA',
        lastModified: 1_712_345_678_901,
        tags: [
          { key: 'project', value: 'blue sky' },
          { key: 'é/=+-_.:@', value: '' },
        ],
      });
      const blob = objectRecord('b', 'blob', {
        inlineData: null,
        blobId: 'blob-1',
        size: 5 * 1024 ** 3,
        etag: 'd41d8cd98f00b204e9800998ecf8427e',
        encryption: { algorithm: 'SSE-C', customerKeyMd5: 'ZjQ0ZmU4ZjQ0ZmU4ZjQ0Zg==' },
        lock: { legalHold: true },
      });
      // A 5 TiB multipart object: sizes beyond 32 bits must come back as numbers, not strings.
      const multipart = objectRecord('b', 'multipart', {
        inlineData: null,
        size: 5 * TiB,
        etag: '0123456789abcdef0123456789abcdef-2',
        checksums: { algorithm: 'SHA256', type: 'COMPOSITE', values: { SHA256: 'abc=-2' } },
        parts: [
          { partNumber: 1, blobId: 'p1', size: 5 * TiB - 1, etag: 'e1', checksums: { SHA256: 'one=' } },
          { partNumber: 2, blobId: 'p2', size: 1, etag: 'e2' },
        ],
      });
      for (const r of [inline, blob, multipart]) await store.transaction((tx) => tx.insertObjectVersion(r, 'null'));
      for (const r of [inline, blob, multipart]) {
        assert.deepEqual(await store.getObject('b', r.key), r, r.key);
        assert.deepEqual(await store.getObject('b', r.key, 'null'), r, `${r.key} by version id`);
      }
    });

    test('a key that was never written, or a version it never had, reads as undefined', async (t) => {
      const store = await freshStore(t, open);
      await store.transaction((tx) => tx.insertObjectVersion(objectRecord('b', 'k'), 'null'));
      assert.equal(await store.getObject('b', 'missing'), undefined);
      assert.equal(await store.getObject('b', 'k', 'v-unknown'), undefined);
      assert.equal(await store.getObject('nobucket', 'k'), undefined);
    });

    test('overwriting the null version replaces it and returns the replaced record, parts and all', async (t) => {
      const store = await freshStore(t, open);
      const first = objectRecord('b', 'k', {
        inlineData: null,
        size: 10,
        etag: 'first',
        parts: [
          { partNumber: 1, blobId: 'old-1', size: 6, etag: 'x' },
          { partNumber: 2, blobId: 'old-2', size: 4, etag: 'y' },
        ],
      });
      assert.equal(await store.transaction((tx) => tx.insertObjectVersion(first, 'null', { onlyVersion: true })), undefined);
      const second = objectRecord('b', 'k', { inlineData: null, blobId: 'new', size: 3, etag: 'second' });
      const replaced = await store.transaction((tx) => tx.insertObjectVersion(second, 'null', { onlyVersion: true }));
      // The engine unregisters the replaced blobs from this record, and adjusts usage by its size.
      assert.equal(replaced?.etag, 'first');
      assert.equal(replaced?.size, 10);
      assert.deepEqual(
        replaced?.parts?.map((p) => p.blobId),
        ['old-1', 'old-2'],
      );
      assert.deepEqual(await store.getObject('b', 'k'), second);
      assert.deepEqual(await store.getObject('b', 'k', 'null'), second);
    });

    test('in a versioned bucket each write stacks a version, the newest is latest and older ones stay readable', async (t) => {
      const store = await freshStore(t, open);
      await store.transaction((tx) => tx.setBucketVersioning('b', 'Enabled'));
      for (const v of ['v1', 'v2', 'v3']) {
        assert.equal(await store.transaction((tx) => tx.insertObjectVersion(objectRecord('b', 'k', { versionId: v, etag: v }))), undefined);
      }
      assert.equal((await store.getObject('b', 'k'))?.versionId, 'v3');
      for (const v of ['v1', 'v2', 'v3']) {
        const r = await store.getObject('b', 'k', v);
        assert.equal(r?.etag, v);
        assert.equal(r?.isLatest, v === 'v3', v);
      }
    });

    test('the latest version follows the order of writing, not the order of version ids', async (t) => {
      const store = await freshStore(t, open);
      // Version ids that sort against their age.
      for (const v of ['z1', 'a2', 'm3']) await store.transaction((tx) => tx.insertObjectVersion(objectRecord('b', 'k', { versionId: v, etag: v })));
      assert.equal((await store.getObject('b', 'k'))?.etag, 'm3');
      const removed = await store.transaction((tx) => tx.deleteObjectVersion('b', 'k', 'm3'));
      assert.equal(removed?.etag, 'm3');
      assert.equal((await store.getObject('b', 'k'))?.etag, 'a2');
      assert.equal((await store.getObject('b', 'k', 'a2'))?.isLatest, true);
      await store.transaction((tx) => tx.deleteObjectVersion('b', 'k', 'a2'));
      assert.equal((await store.getObject('b', 'k'))?.etag, 'z1');
      await store.transaction((tx) => tx.deleteObjectVersion('b', 'k', 'z1'));
      assert.equal(await store.getObject('b', 'k'), undefined);
    });

    test('deleting an older version leaves the latest alone; deleting a missing version returns undefined', async (t) => {
      const store = await freshStore(t, open);
      for (const v of ['v1', 'v2']) await store.transaction((tx) => tx.insertObjectVersion(objectRecord('b', 'k', { versionId: v, etag: v })));
      const removed = await store.transaction((tx) => tx.deleteObjectVersion('b', 'k', 'v1'));
      assert.equal(removed?.versionId, 'v1');
      assert.equal((await store.getObject('b', 'k'))?.etag, 'v2');
      assert.equal(await store.getObject('b', 'k', 'v1'), undefined);
      assert.equal(await store.transaction((tx) => tx.deleteObjectVersion('b', 'k', 'v1')), undefined);
      assert.equal(await store.transaction((tx) => tx.deleteObjectVersion('b', 'nothing', 'null')), undefined);
    });

    test('deleting a version returns the whole removed record, with its blob and parts', async (t) => {
      const store = await freshStore(t, open);
      const parted = objectRecord('b', 'k', {
        inlineData: null,
        size: 2,
        parts: [
          { partNumber: 1, blobId: 'b1', size: 1, etag: 'a' },
          { partNumber: 2, blobId: 'b2', size: 1, etag: 'b' },
        ],
      });
      await store.transaction((tx) => tx.insertObjectVersion(parted, 'null'));
      assert.deepEqual(await store.transaction((tx) => tx.deleteObjectVersion('b', 'k', 'null')), parted);
    });

    test('a delete marker becomes the latest version: getObject returns the marker, older versions stay readable', async (t) => {
      const store = await freshStore(t, open);
      await store.transaction((tx) => tx.insertObjectVersion(objectRecord('b', 'k', { versionId: 'v1', etag: 'v1' })));
      await store.transaction((tx) => tx.insertObjectVersion(deleteMarker('b', 'k', 'dm')));
      const latest = await store.getObject('b', 'k');
      assert.equal(latest?.deleteMarker, true);
      assert.equal(latest?.versionId, 'dm');
      assert.equal((await store.getObject('b', 'k', 'v1'))?.isLatest, false);
      // Removing the marker brings the version under it back.
      await store.transaction((tx) => tx.deleteObjectVersion('b', 'k', 'dm'));
      assert.equal((await store.getObject('b', 'k'))?.etag, 'v1');
    });

    test('a new null version demotes another latest version; a wrong onlyVersion hint is refused and changes nothing', async (t) => {
      const store = await freshStore(t, open);
      await store.transaction((tx) => tx.insertObjectVersion(objectRecord('b', 'k', { versionId: 'v1', etag: 'first' })));
      // As a PUT to a suspended bucket: no 'null' version to replace, and v1 stops being latest.
      const replaced = await store.transaction((tx) => tx.insertObjectVersion(objectRecord('b', 'k', { etag: 'second' }), 'null'));
      assert.equal(replaced, undefined);
      assert.equal((await store.getObject('b', 'k'))?.etag, 'second');
      assert.equal((await store.getObject('b', 'k', 'v1'))?.isLatest, false);
      // A caller wrongly claiming the key has no other version fails rather than leaving two latest versions.
      await assert.rejects(store.transaction((tx) => tx.insertObjectVersion(objectRecord('b', 'k', { versionId: 'v3', etag: 'third' }), undefined, { onlyVersion: true })));
      assert.equal((await store.getObject('b', 'k'))?.etag, 'second');
      assert.equal(await store.getObject('b', 'k', 'v3'), undefined);
    });

    test('in a suspended bucket a new null version replaces the old null version but keeps the other versions', async (t) => {
      const store = await freshStore(t, open);
      const write = (r: ObjectRecord, replace?: string): Promise<ObjectRecord | undefined> => store.transaction((tx) => tx.insertObjectVersion(r, replace));
      await write(objectRecord('b', 'k', { etag: 'null-1' }), 'null');
      await write(objectRecord('b', 'k', { versionId: 'v2', etag: 'v2' }));
      const replaced = await write(objectRecord('b', 'k', { etag: 'null-3' }), 'null');
      assert.equal(replaced?.etag, 'null-1');
      assert.equal(replaced?.isLatest, false);
      assert.equal((await store.getObject('b', 'k'))?.etag, 'null-3');
      assert.equal((await store.getObject('b', 'k', 'v2'))?.isLatest, false);
      // Deleting the latest brings back v2, not the replaced null version.
      await store.transaction((tx) => tx.deleteObjectVersion('b', 'k', 'null'));
      assert.equal((await store.getObject('b', 'k'))?.etag, 'v2');
    });

    test('the same key in two buckets holds two independent objects', async (t) => {
      const store = await freshStore(t, open, ['b', 'c']);
      await store.transaction((tx) => tx.insertObjectVersion(objectRecord('b', 'k', { etag: 'in-b' }), 'null'));
      await store.transaction((tx) => tx.insertObjectVersion(objectRecord('c', 'k', { etag: 'in-c' }), 'null'));
      await store.transaction((tx) => tx.deleteObjectVersion('b', 'k', 'null'));
      assert.equal(await store.getObject('b', 'k'), undefined);
      assert.equal((await store.getObject('c', 'k'))?.etag, 'in-c');
    });

    test('setObjectAcl replaces the ACL of one version, keeps its other extras, and removes it with undefined', async (t) => {
      const store = await freshStore(t, open);
      const lock = { legalHold: true };
      await store.transaction((tx) => tx.insertObjectVersion(objectRecord('b', 'k', { versionId: 'v1', lock })));
      await store.transaction((tx) => tx.insertObjectVersion(objectRecord('b', 'k', { versionId: 'v2' })));
      const acl = { grants: [{ grantee: { type: 'Group' as const, uri: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers' }, permission: 'READ' as const }] };
      assert.equal(await store.transaction((tx) => tx.setObjectAcl('b', 'k', 'v1', acl)), true);
      assert.deepEqual((await store.getObject('b', 'k', 'v1'))?.acl, acl);
      assert.deepEqual((await store.getObject('b', 'k', 'v1'))?.lock, lock);
      assert.equal((await store.getObject('b', 'k', 'v2'))?.acl, undefined);
      assert.equal((await store.getObject('b', 'k'))?.acl, undefined, 'the latest version (v2) has none');
      assert.equal(await store.transaction((tx) => tx.setObjectAcl('b', 'k', 'v1', undefined)), true);
      assert.equal((await store.getObject('b', 'k', 'v1'))?.acl, undefined);
      assert.deepEqual((await store.getObject('b', 'k', 'v1'))?.lock, lock);
      assert.equal(await store.transaction((tx) => tx.setObjectAcl('b', 'k', 'v9', acl)), false);
    });

    test("setObjectLock replaces one version's retention and legal hold, keeps its other extras, and reports a missing version", async (t) => {
      const store = await freshStore(t, open);
      const enc = { algorithm: 'AES256' as const };
      await store.transaction((tx) => tx.insertObjectVersion(objectRecord('b', 'k', { versionId: 'v1', encryption: enc })));
      await store.transaction((tx) => tx.insertObjectVersion(objectRecord('b', 'k', { versionId: 'v2' })));
      // Read first so a cached latest record must be forgotten by the write.
      await store.getObject('b', 'k');
      const lock = { mode: 'GOVERNANCE' as const, retainUntil: 1_900_000_000_000, legalHold: true };
      assert.equal(await store.transaction((tx) => tx.setObjectLock('b', 'k', 'v1', lock)), true);
      assert.equal(await store.transaction((tx) => tx.setObjectLock('b', 'k', 'v2', { legalHold: false })), true);
      assert.deepEqual((await store.getObject('b', 'k', 'v1'))?.lock, lock);
      assert.deepEqual((await store.getObject('b', 'k', 'v1'))?.encryption, enc);
      assert.deepEqual((await store.getObject('b', 'k'))?.lock, { legalHold: false });
      assert.equal(await store.transaction((tx) => tx.setObjectLock('b', 'k', 'v1', undefined)), true);
      assert.equal((await store.getObject('b', 'k', 'v1'))?.lock, undefined);
      assert.deepEqual((await store.getObject('b', 'k', 'v1'))?.encryption, enc);
      assert.equal(await store.transaction((tx) => tx.setObjectLock('b', 'k', 'nope', lock)), false);
    });

    test('the versions of one key with thousands of versions page newest first from any marker version', async (t) => {
      const store = await freshStore(t, open);
      const count = 3000;
      await store.transaction(async (tx) => {
        for (let i = 0; i < count; i++) await tx.insertObjectVersion(objectRecord('b', 'k', { versionId: `v${String(i).padStart(5, '0')}`, lastModified: 1000 + i }));
      });
      const seen: string[] = [];
      let marker: string | undefined;
      for (;;) {
        const page = await store.listObjectVersions('b', { prefix: '', keyMarker: marker === undefined ? undefined : 'k', versionIdMarker: marker, limit: 700 });
        if (page.length === 0) break;
        seen.push(...page.map((r) => r.versionId));
        marker = page[page.length - 1]!.versionId;
      }
      assert.equal(seen.length, count);
      assert.equal(seen[0], 'v02999');
      assert.equal(seen[count - 1], 'v00000');
      assert.deepEqual(seen, [...seen].sort().reverse());
    });
  });
}
