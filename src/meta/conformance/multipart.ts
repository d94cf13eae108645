// Multipart uploads and their parts: the rows CreateMultipartUpload, UploadPart, ListParts,
// ListMultipartUploads, Complete and Abort keep, and the completions remembered so a retried
// CompleteMultipartUpload answers the same.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { UploadListRange } from '../types.js';
import { freshStore, partRecord, uploadRecord } from './fixtures.js';
import type { StoreFactory } from './fixtures.js';

export function multipartTests(open: StoreFactory): void {
  describe('multipart uploads', () => {
    test('an upload reads back with every field as created; an unknown upload id reads as undefined', async (t) => {
      const store = await freshStore(t, open);
      const upload = uploadRecord('b', 'k/\u00e9', 'up-1', 1_712_000_000_000, {
        storageClass: 'STANDARD_IA',
        contentHeaders: { 'content-type': 'video/mp4' },
        userMetadata: { a: '1' },
        checksumAlgorithm: 'CRC64NVME',
        checksumType: 'FULL_OBJECT',
        conditions: { ifNoneMatchStar: true, ifMatch: '"e1"' },
        encryption: { algorithm: 'AES256' },
        lock: { mode: 'GOVERNANCE', retainUntil: 1_800_000_000_000 },
        acl: { grants: [{ grantee: { type: 'Group', uri: 'http://acs.amazonaws.com/groups/global/AllUsers' }, permission: 'READ' }] },
      });
      await store.transaction((tx) => tx.createUpload(upload));
      assert.deepEqual(await store.getUpload('up-1'), upload);
      assert.equal(await store.getUpload('up-2'), undefined);
    });

    test('putPart returns nothing for a new part number and the replaced part when one is uploaded again', async (t) => {
      const store = await freshStore(t, open);
      await store.transaction((tx) => tx.createUpload(uploadRecord('b', 'k', 'up', 1)));
      const first = partRecord('up', 3, { blobId: 'first', checksums: { CRC32: 'AAAAAA==' } });
      assert.equal(await store.transaction((tx) => tx.putPart(first)), undefined);
      const second = partRecord('up', 3, { blobId: 'second', size: 1, etag: 'again' });
      assert.deepEqual(await store.transaction((tx) => tx.putPart(second)), first);
      assert.deepEqual(await store.listParts('up', 0, 10), [second]);
    });

    test('parts list by part number as a number, after a marker, up to a limit', async (t) => {
      const store = await freshStore(t, open);
      await store.transaction((tx) => tx.createUpload(uploadRecord('b', 'k', 'up', 1)));
      // Written out of order; 10 and 10000 must not sort before 2 as text would.
      for (const n of [10, 2, 10000, 1, 9]) await store.transaction((tx) => tx.putPart(partRecord('up', n)));
      const numbers = async (after: number, limit: number): Promise<number[]> => (await store.listParts('up', after, limit)).map((p) => p.partNumber);
      assert.deepEqual(await numbers(0, 100), [1, 2, 9, 10, 10000]);
      assert.deepEqual(await numbers(2, 2), [9, 10]);
      assert.deepEqual(await numbers(10, 100), [10000]);
      assert.deepEqual(await numbers(10000, 100), []);
    });

    test('parts belong to their upload: another upload of the same key lists none of them', async (t) => {
      const store = await freshStore(t, open);
      await store.transaction(async (tx) => {
        await tx.createUpload(uploadRecord('b', 'k', 'up-a', 1));
        await tx.createUpload(uploadRecord('b', 'k', 'up-b', 2));
        await tx.putPart(partRecord('up-a', 1));
      });
      assert.deepEqual(await store.listParts('up-b', 0, 10), []);
    });

    test('deleting an upload returns its parts and removes the upload and every part row', async (t) => {
      const store = await freshStore(t, open);
      await store.transaction(async (tx) => {
        await tx.createUpload(uploadRecord('b', 'k', 'up', 1));
        for (const n of [1, 2, 3]) await tx.putPart(partRecord('up', n));
      });
      const parts = await store.transaction((tx) => tx.deleteUpload('up'));
      assert.deepEqual(parts.map((p) => p.blobId).sort(), ['blob-up-1', 'blob-up-2', 'blob-up-3']);
      assert.equal(await store.getUpload('up'), undefined);
      assert.deepEqual(await store.listParts('up', 0, 10), []);
      assert.equal(await store.bucketHasObjects('b'), false);
      // Deleting it again finds nothing to return.
      assert.deepEqual(await store.transaction((tx) => tx.deleteUpload('up')), []);
    });

    test('uploads list by key in byte order, then by initiation time, then by upload id', async (t) => {
      const store = await freshStore(t, open, ['b', 'c']);
      await store.transaction(async (tx) => {
        await tx.createUpload(uploadRecord('b', '\u{1f600}', 'u-emoji', 1));
        await tx.createUpload(uploadRecord('b', '\uff61', 'u-halfwidth', 1));
        await tx.createUpload(uploadRecord('b', 'k', 'u-late', 300));
        await tx.createUpload(uploadRecord('b', 'k', 'u-early', 100));
        await tx.createUpload(uploadRecord('b', 'k', 'u-same-b', 200));
        await tx.createUpload(uploadRecord('b', 'k', 'u-same-a', 200));
        await tx.createUpload(uploadRecord('c', 'k', 'u-other-bucket', 1));
      });
      const all = await store.listUploads('b', { prefix: '', limit: 100 });
      assert.deepEqual(
        all.map((u) => u.uploadId),
        ['u-early', 'u-same-a', 'u-same-b', 'u-late', 'u-halfwidth', 'u-emoji'],
      );
    });

    test('upload listings page by key marker, and by key and upload id marker', async (t) => {
      const store = await freshStore(t, open);
      await store.transaction(async (tx) => {
        await tx.createUpload(uploadRecord('b', 'a', 'u-a', 5));
        await tx.createUpload(uploadRecord('b', 'k', 'u-1', 100));
        await tx.createUpload(uploadRecord('b', 'k', 'u-2', 200));
        await tx.createUpload(uploadRecord('b', 'k', 'u-3', 300));
        await tx.createUpload(uploadRecord('b', 'k/sub', 'u-sub', 1));
        await tx.createUpload(uploadRecord('b', 'z', 'u-z', 1));
      });
      const ids = async (range: Omit<UploadListRange, 'limit'>, limit = 100): Promise<string[]> => (await store.listUploads('b', { ...range, limit })).map((u) => u.uploadId);
      // key-marker alone: uploads of keys after it, none of the marker key's own.
      assert.deepEqual(await ids({ prefix: '', keyMarker: 'k' }), ['u-sub', 'u-z']);
      // With upload-id-marker: the marker key's uploads after that upload, then the keys after.
      assert.deepEqual(await ids({ prefix: '', keyMarker: 'k', uploadIdMarker: 'u-1' }), ['u-2', 'u-3', 'u-sub', 'u-z']);
      assert.deepEqual(await ids({ prefix: '', keyMarker: 'k', uploadIdMarker: 'u-2' }, 2), ['u-3', 'u-sub']);
      // A prefix bounds the listing, and `from` seeks (inclusive) within it.
      assert.deepEqual(await ids({ prefix: 'k' }), ['u-1', 'u-2', 'u-3', 'u-sub']);
      assert.deepEqual(await ids({ prefix: 'k', from: 'k/' }), ['u-sub']);
      assert.deepEqual(await ids({ prefix: '', from: 'k0' }), ['u-z']);
    });

    test('an upload id marker that no longer exists continues with the ids that sort after it', async (t) => {
      const store = await freshStore(t, open);
      await store.transaction(async (tx) => {
        await tx.createUpload(uploadRecord('b', 'k', 'id-c', 100));
        await tx.createUpload(uploadRecord('b', 'k', 'id-a', 200));
        await tx.createUpload(uploadRecord('b', 'k', 'id-b', 300));
        await tx.createUpload(uploadRecord('b', 'l', 'id-l', 1));
      });
      // 'id-aa' was completed or aborted since the previous page ended on it.
      const rows = await store.listUploads('b', { prefix: '', keyMarker: 'k', uploadIdMarker: 'id-aa', limit: 100 });
      // In the listing's own order: the key's uploads by initiation time, then the keys after it.
      assert.deepEqual(
        rows.map((u) => u.uploadId),
        ['id-c', 'id-b', 'id-l'],
      );
    });

    test('uploads initiated before a cutoff list oldest first across buckets, up to a limit', async (t) => {
      const store = await freshStore(t, open, ['b', 'c']);
      await store.transaction(async (tx) => {
        await tx.createUpload(uploadRecord('b', 'x', 'mid', 200));
        await tx.createUpload(uploadRecord('c', 'y', 'oldest', 100));
        await tx.createUpload(uploadRecord('b', 'z', 'newest', 300));
        await tx.createUpload(uploadRecord('c', 'w', 'at-cutoff', 400));
      });
      const ids = async (cutoff: number, limit: number): Promise<string[]> => (await store.listUploadsInitiatedBefore(cutoff, limit)).map((u) => u.uploadId);
      assert.deepEqual(await ids(400, 10), ['oldest', 'mid', 'newest']);
      assert.deepEqual(await ids(400, 2), ['oldest', 'mid']);
      assert.deepEqual(await ids(100, 10), []);
    });

    test('a completed upload is remembered until forgotten by age', async (t) => {
      const store = await freshStore(t, open);
      const done = { uploadId: 'up-1', bucket: 'b', key: 'k', completedAt: 1000, result: { etag: 'abc-2', versionId: null, nested: { n: 1 } } };
      await store.transaction(async (tx) => {
        await tx.recordCompletedUpload(done);
        await tx.recordCompletedUpload({ ...done, uploadId: 'up-2', completedAt: 2000 });
        await tx.recordCompletedUpload({ ...done, uploadId: 'up-3', completedAt: 3000 });
      });
      assert.deepEqual(await store.getCompletedUpload('up-1'), done);
      assert.equal(await store.getCompletedUpload('up-9'), undefined);
      // Strictly older than the cutoff goes.
      assert.equal(await store.transaction((tx) => tx.forgetCompletedUploadsBefore(2000)), 1);
      assert.equal(await store.getCompletedUpload('up-1'), undefined);
      assert.equal((await store.getCompletedUpload('up-2'))?.completedAt, 2000);
      assert.equal(await store.transaction((tx) => tx.forgetCompletedUploadsBefore(10_000)), 2);
      assert.equal(await store.transaction((tx) => tx.forgetCompletedUploadsBefore(10_000)), 0);
    });
  });
}
