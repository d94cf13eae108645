// What only the SQLite store has: checkpoints that keep the WAL from growing while writes go on,
// the in-memory cache of latest versions, the version order surviving a restart, and databases
// from before a migration. The MetadataStore contract itself (transactions, rollback, racing
// writers, versions, listings) is the conformance suite's: src/meta/conformance/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { SqliteStore } from './sqlite-store.js';
import { MIGRATIONS } from './migrations/index.js';
import type { ObjectRecord, PartRecord, UploadRecord } from '../types.js';
import { newObjectRecord } from '../records.js';

function record(key: string, data: Buffer): ObjectRecord {
  return newObjectRecord({ bucket: 'b', key, ownerId: 'u', size: data.length, etag: key, bytes: { inlineData: data } });
}

/** A database in `dir` as the migrations before `id` left it, for rows written by an older Coffer. */
function databaseBefore(dir: string, id: number): Database.Database {
  const old = new Database(join(dir, 'coffer.sqlite'));
  old.exec('CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  for (const m of MIGRATIONS.filter((m) => m.id < id)) {
    old.exec(m.sql);
    old.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.id, m.name, Date.now());
  }
  return old;
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-sqlite-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Open the store in `dir` for `fn`, and close it after. */
async function withOpen(dir: string, fn: (store: SqliteStore) => Promise<void>, checkpointIntervalMs?: number): Promise<void> {
  const store = SqliteStore.open(dir, 'coffer.sqlite', { checkpointIntervalMs });
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

async function withStore(fn: (store: SqliteStore, dir: string) => Promise<void>, checkpointIntervalMs?: number): Promise<void> {
  await withDir((dir) =>
    withOpen(
      dir,
      async (store) => {
        await store.transaction((tx) =>
          tx.createBucket({ name: 'b', ownerId: 'u', region: 'us-east-1', createdAt: Date.now(), versioning: null, objectLockEnabled: false, config: {} }),
        );
        await fn(store, dir);
      },
      checkpointIntervalMs,
    ),
  );
}

test('checkpoints during a stream of writes keep the WAL small, and every write stays readable', async () => {
  await withStore(async (store, dir) => {
    const rounds = 12;
    const perRound = 40;
    const data = randomBytes(4096);
    for (let r = 0; r < rounds; r++) {
      await Promise.all(Array.from({ length: perRound }, (_, i) => store.transaction((tx) => tx.insertObjectVersion(record(`r${r}-${i}`, data), 'null'))));
      await sleep(15);
    }
    // Without checkpoints the WAL holds every page written, over twice the bytes of the objects
    // (4.8 MB here); with them it restarts every few rounds.
    const written = rounds * perRound * data.length;
    const wal = (await stat(join(dir, 'coffer.sqlite-wal'))).size;
    assert.ok(wal < written, `WAL is ${wal} bytes after ${written} bytes of objects`);
    for (let r = 0; r < rounds; r++) {
      const o = await store.getObject('b', `r${r}-${perRound - 1}`);
      assert.ok(o?.inlineData?.equals(data), `round ${r} reads back`);
    }
  }, 10);
});

test('the cache of latest versions never serves a replaced, deleted or rolled-back version', async () => {
  await withStore(async (store) => {
    const v1 = randomBytes(64);
    const v2 = randomBytes(64);
    // A miss is remembered too: the first write must replace it.
    assert.equal(await store.getObject('b', 'k'), undefined);
    await store.transaction((tx) => tx.insertObjectVersion(record('k', v1), 'null'));
    assert.ok((await store.getObject('b', 'k'))?.inlineData?.equals(v1));
    assert.ok((await store.getObject('b', 'k'))?.inlineData?.equals(v1), 'a second read, from the cache');

    // A read made while a batch is open does not see its uncommitted row, nor remembers it.
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.insertObjectVersion(record('k', v2), 'null');
        assert.ok((await tx.getObject('b', 'k'))?.inlineData?.equals(v2), 'the transaction sees its own write');
        assert.ok((await store.getObject('b', 'k'))?.inlineData?.equals(v1), 'a read outside does not');
        throw new Error('refused');
      }),
      /refused/,
    );
    assert.ok((await store.getObject('b', 'k'))?.inlineData?.equals(v1), 'the rolled-back version is not served');

    await store.transaction((tx) => tx.insertObjectVersion(record('k', v2), 'null'));
    assert.ok((await store.getObject('b', 'k'))?.inlineData?.equals(v2), 'an overwrite is seen at once');
    await store.transaction((tx) => tx.deleteObjectVersion('b', 'k', 'null'));
    assert.equal(await store.getObject('b', 'k'), undefined, 'a delete is seen at once');
  });
});

test('deleting the latest version makes the newest remaining one latest, across a restart', async () => {
  await withDir(async (dir) => {
    await withOpen(dir, async (store) => {
      await store.transaction((tx) =>
        tx.createBucket({ name: 'b', ownerId: 'u', region: 'us-east-1', createdAt: Date.now(), versioning: 'Enabled', objectLockEnabled: false, config: {} }),
      );
      // Version ids that sort against their age: only the order of writing may decide.
      for (const v of ['z1', 'a2']) await store.transaction((tx) => tx.insertObjectVersion({ ...record('k', Buffer.from(v)), versionId: v, etag: v }));
    });
    await withOpen(dir, async (store) => {
      await store.transaction((tx) => tx.insertObjectVersion({ ...record('k', Buffer.from('m3')), versionId: 'm3', etag: 'm3' }));
      assert.equal((await store.getObject('b', 'k'))?.etag, 'm3');
      await store.transaction((tx) => tx.deleteObjectVersion('b', 'k', 'm3'));
      assert.equal((await store.getObject('b', 'k'))?.etag, 'a2');
      await store.transaction((tx) => tx.deleteObjectVersion('b', 'k', 'a2'));
      assert.equal((await store.getObject('b', 'k'))?.etag, 'z1');
    });
  });
});

test('a database from before objects were keyed by seq keeps every version and its order', async () => {
  await withDir(async (dir) => {
    // The schema as migrations 1 and 2 left it, with rows in it.
    const old = databaseBefore(dir, 3);
    old.prepare("INSERT INTO buckets (name, owner_id, region, created_at) VALUES ('b', 'u', 'us-east-1', 0)").run();
    const insert = old.prepare(`INSERT INTO objects (bucket, key, version_id, seq, is_latest, size, etag, last_modified, owner_id, storage_class,
      content_headers, user_metadata, checksums, inline_data) VALUES ('b', 'k', ?, ?, ?, 1, ?, 0, 'u', 'STANDARD', '{}', '{}', '{"values":{}}', x'61')`);
    insert.run('v-old', 7, 0, 'old');
    insert.run('v-new', 9, 1, 'new');
    old.close();

    await withOpen(dir, async (store) => {
      assert.equal((await store.getObject('b', 'k'))?.etag, 'new');
      assert.equal((await store.getObject('b', 'k', 'v-old'))?.inlineData?.toString(), 'a');
      // The next version follows the migrated ones.
      await store.transaction((tx) => tx.insertObjectVersion({ ...record('k', Buffer.from('x')), versionId: 'v-next', etag: 'next' }));
      await store.transaction((tx) => tx.deleteObjectVersion('b', 'k', 'v-next'));
      assert.equal((await store.getObject('b', 'k'))?.etag, 'new');
      await store.transaction((tx) => tx.deleteObjectVersion('b', 'k', 'v-new'));
      assert.equal((await store.getObject('b', 'k'))?.etag, 'old');
    });
  });
});

/** (key, version id, latest, delete marker) of each listed version, for comparing listings. */
function listed(rows: ObjectRecord[]): string[] {
  return rows.map((r) => `${r.key} ${r.versionId}${r.isLatest ? ' latest' : ''}${r.deleteMarker ? ' marker' : ''}`);
}

test('listObjectVersions lists every version and delete marker by key bytes, each key newest first, and resumes exactly after a marker', async () => {
  await withStore(async (store) => {
    const put = (key: string, versionId: string, deleteMarker = false) =>
      store.transaction((tx) => tx.insertObjectVersion({ ...record(key, Buffer.from(versionId)), versionId, deleteMarker }));
    // Version ids that sort against their age: only the order of writing may decide.
    for (const v of ['z1', 'a2']) await put('k', v);
    await put('k', 'm3', true);
    await put('k', 'q4');
    for (const k of ['\u{1f600}', '\uff61', 'k/x', 'a']) await put(k, 'null');
    const all = ['a null latest', 'k q4 latest', 'k m3 marker', 'k a2', 'k z1', 'k/x null latest', '\uff61 null latest', '\u{1f600} null latest'];
    assert.deepEqual(listed(await store.listObjectVersions('b', { prefix: '', limit: 100 })), all);
    // Every page size walks the same sequence from the last version of the page before.
    for (const limit of [1, 2, 3]) {
      const seen: ObjectRecord[] = [];
      for (;;) {
        const last = seen[seen.length - 1];
        const page = await store.listObjectVersions('b', { prefix: '', keyMarker: last?.key, versionIdMarker: last?.versionId, limit });
        seen.push(...page);
        if (page.length < limit) break;
      }
      assert.deepEqual(listed(seen), all, `pages of ${limit}`);
    }
    assert.deepEqual(listed(await store.listObjectVersions('b', { prefix: '', keyMarker: 'k', limit: 100 })), all.slice(5), 'after every version of the key marker');
    assert.deepEqual(listed(await store.listObjectVersions('b', { prefix: 'k', limit: 100 })), all.slice(1, 6));
    assert.deepEqual(listed(await store.listObjectVersions('b', { prefix: 'k', keyMarker: 'k', versionIdMarker: 'a2', limit: 100 })), ['k z1', 'k/x null latest']);
    assert.deepEqual(listed(await store.listObjectVersions('b', { prefix: '', from: 'k/', limit: 100 })), all.slice(5), 'a seek');
    assert.deepEqual(
      listed(await store.listObjectVersions('b', { prefix: 'k/', keyMarker: 'k', versionIdMarker: 'q4', limit: 100 })),
      ['k/x null latest'],
      'a marker outside the prefix',
    );
  });
});

test('listObjectVersions resumes after a marker version deleted since the last page with the versions not newer than it', async () => {
  await withStore(async (store) => {
    const put = (key: string, versionId: string, lastModified: number) =>
      store.transaction((tx) => tx.insertObjectVersion({ ...record(key, Buffer.from('v')), versionId, lastModified }));
    for (let n = 1; n <= 4; n++) await put('k', `v${n}`, n * 1000);
    await put('l', 'v5', 5000);
    const first = await store.listObjectVersions('b', { prefix: '', limit: 2 });
    assert.deepEqual(
      first.map((r) => r.versionId),
      ['v4', 'v3'],
    );
    await store.transaction((tx) => tx.deleteObjectVersion('b', 'k', 'v3'));
    const rest = await store.listObjectVersions('b', { prefix: '', keyMarker: 'k', versionIdMarker: 'v3', versionIdMarkerTime: 3000, limit: 10 });
    assert.deepEqual(
      rest.map((r) => `${r.key} ${r.versionId}`),
      ['k v2', 'k v1', 'l v5'],
    );
    // Without a time to go by (a 'null' marker), every remaining version of the key: a repeat, never a gap.
    const all = await store.listObjectVersions('b', { prefix: '', keyMarker: 'k', versionIdMarker: 'v3', limit: 10 });
    assert.deepEqual(
      all.map((r) => `${r.key} ${r.versionId}`),
      ['k v4', 'k v2', 'k v1', 'l v5'],
    );
  });
});

test('deleteBucket removes the bucket with its uploads and parts, returns those parts, and leaves other buckets alone', async () => {
  await withStore(async (store) => {
    const upload = (uploadId: string, bucket: string): UploadRecord => ({
      uploadId,
      bucket,
      key: 'k',
      initiated: Date.now(),
      ownerId: 'u',
      storageClass: 'STANDARD',
      contentHeaders: {},
      userMetadata: {},
      checksumAlgorithm: null,
      checksumType: null,
    });
    const part = (uploadId: string, partNumber: number): PartRecord => ({
      uploadId,
      partNumber,
      blobId: `${uploadId}-${partNumber}`,
      size: 1,
      etag: 'e',
      lastModified: Date.now(),
      checksums: {},
    });
    await store.transaction(async (tx) => {
      await tx.createBucket({ name: 'other', ownerId: 'u', region: 'us-east-1', createdAt: Date.now(), versioning: null, objectLockEnabled: false, config: {} });
      for (const [id, bucket] of [
        ['u1', 'b'],
        ['u2', 'b'],
        ['u3', 'other'],
      ] as const) {
        await tx.createUpload(upload(id, bucket));
        await tx.putPart(part(id, 1));
        await tx.putPart(part(id, 2));
      }
    });
    assert.equal(await store.bucketHasObjects('b'), false, 'uploads are not objects');
    const parts = await store.transaction((tx) => tx.deleteBucket('b'));
    assert.deepEqual(parts.map((p) => p.blobId).sort(), ['u1-1', 'u1-2', 'u2-1', 'u2-2']);
    assert.equal(await store.getBucket('b'), undefined);
    assert.equal(await store.getUpload('u1'), undefined);
    assert.deepEqual(await store.listParts('u2', 0, 10), []);
    assert.equal((await store.listParts('u3', 0, 10)).length, 2);
    assert.deepEqual(
      (await store.listUploads('other', { prefix: '', limit: 10 })).map((u) => u.uploadId),
      ['u3'],
    );
  });
});

test('bucketHasObjects counts object versions and delete markers', async () => {
  await withStore(async (store) => {
    assert.equal(await store.bucketHasObjects('b'), false);
    await store.transaction((tx) => tx.insertObjectVersion({ ...record('k', Buffer.alloc(0)), deleteMarker: true, versionId: 'v1' }));
    assert.equal(await store.bucketHasObjects('b'), true);
  });
});

test('a database from before upload usage was counted counts the parts of its open uploads, and its keys stay active', async () => {
  await withDir(async (dir) => {
    // The schema as migrations before 12 left it, with two open uploads with parts and a key.
    const old = databaseBefore(dir, 12);
    for (const b of ['b', 'c']) {
      old.prepare("INSERT INTO buckets (name, owner_id, region, created_at) VALUES (?, 'u', 'us-east-1', 0)").run(b);
      old.prepare('INSERT INTO bucket_usage (bucket, object_count, bytes) VALUES (?, 1, 10)').run(b);
    }
    const upload = old.prepare(
      "INSERT INTO multipart_uploads (upload_id, bucket, key, initiated, owner_id, storage_class, content_headers, user_metadata) VALUES (?, ?, 'k', 0, 'u', 'STANDARD', '{}', '{}')",
    );
    const part = old.prepare("INSERT INTO multipart_parts (upload_id, part_number, blob_id, size, etag, last_modified, checksums) VALUES (?, ?, ?, ?, 'e', 0, '{}')");
    upload.run('up-1', 'b');
    upload.run('up-2', 'b');
    part.run('up-1', 1, 'blob-1', 100);
    part.run('up-1', 2, 'blob-2', 20);
    part.run('up-2', 1, 'blob-3', 3);
    old.prepare("INSERT INTO users (id, name, created_at) VALUES ('u', 'alice', 0)").run();
    old.prepare("INSERT INTO access_keys (access_key_id, secret, user_id, created_at) VALUES ('KEY', 'secret', 'u', 0)").run();
    old.close();

    await withOpen(dir, async (store) => {
      assert.deepEqual(await store.getUploadUsage('b'), { parts: 3, bytes: 123 });
      assert.deepEqual(await store.getUploadUsage('c'), { parts: 0, bytes: 0 });
      assert.deepEqual(await store.getUsage('b'), { objectCount: 1, bytes: 10 });
      assert.equal((await store.getAccessKey('KEY'))?.status, undefined);
    });
  });
});
