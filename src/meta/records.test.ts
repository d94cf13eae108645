// The one factory of ObjectRecord: defaults of a new version, where its bytes go, and the
// shape every record shares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newObjectRecord } from './records.js';

test('a new version defaults to the latest null version, STANDARD, now, with no metadata and no optional fields', () => {
  const before = Date.now();
  const r = newObjectRecord({ bucket: 'b', key: 'k', ownerId: 'o', size: 1, etag: 'e', bytes: { inlineData: Buffer.from('x') } });
  assert.ok(r.lastModified >= before && r.lastModified <= Date.now());
  assert.deepEqual(r, {
    bucket: 'b',
    key: 'k',
    versionId: 'null',
    isLatest: true,
    deleteMarker: false,
    size: 1,
    etag: 'e',
    lastModified: r.lastModified,
    ownerId: 'o',
    storageClass: 'STANDARD',
    contentHeaders: {},
    userMetadata: {},
    checksums: { values: {} },
    inlineData: Buffer.from('x'),
    blobId: null,
    parts: null,
    tags: undefined,
    encryption: undefined,
    lock: undefined,
    archive: undefined,
    acl: undefined,
  });
});

test('the bytes go to exactly one of inlineData, blobId and parts; a delete marker has none', () => {
  const blob = newObjectRecord({ bucket: 'b', key: 'k', ownerId: 'o', bytes: { blobId: 'id' } });
  assert.deepEqual([blob.inlineData, blob.blobId, blob.parts], [null, 'id', null]);
  const parts = [{ partNumber: 1, blobId: 'p', size: 1, etag: 'e' }];
  const multipart = newObjectRecord({ bucket: 'b', key: 'k', ownerId: 'o', bytes: { parts } });
  assert.deepEqual([multipart.inlineData, multipart.blobId, multipart.parts], [null, null, parts]);
  const marker = newObjectRecord({ bucket: 'b', key: 'k', ownerId: 'o', versionId: 'v1', deleteMarker: true });
  assert.deepEqual([marker.deleteMarker, marker.size, marker.etag, marker.inlineData, marker.blobId, marker.parts], [true, 0, '', null, null, null]);
});

test('every record has the same keys in the same order, whatever it was made from', () => {
  const plain = newObjectRecord({ bucket: 'b', key: 'k', ownerId: 'o' });
  const full = newObjectRecord({
    bucket: 'b',
    key: 'k',
    ownerId: 'o',
    tags: [{ key: 't', value: 'v' }],
    encryption: { algorithm: 'AES256' },
    lock: { legalHold: true },
    archive: { restore: { inProgress: true } },
    bytes: { blobId: 'x' },
  });
  assert.deepEqual(Object.keys(full), Object.keys(plain));
  assert.deepEqual([full.encryption, full.lock, full.archive], [{ algorithm: 'AES256' }, { legalHold: true }, { restore: { inProgress: true } }]);
});
