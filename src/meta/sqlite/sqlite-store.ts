// MetadataStore on SQLite (better-sqlite3) in WAL mode. Transactions from concurrent requests are
// batched into one SQLite transaction (group commit): each runs inside its own SAVEPOINT, so one
// failing rolls back alone, and the whole batch pays one WAL fsync.
//
// The fsync runs off the event loop: SQLite commits with synchronous=NORMAL (WAL frames written,
// not synced), then the batch awaits an fdatasync of the -wal file on the thread pool before any
// of its transactions resolve. A commit is durable before its caller hears of it, exactly as with
// synchronous=FULL, but other requests keep running during the sync instead of waiting on it.
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import { join } from 'node:path';
import { closeSync, fdatasyncSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { MetaTx, MetadataStore } from '../store.js';
import type {
  AccessKeyRecord,
  BucketRecord,
  BucketUsage,
  CompletedUploadRecord,
  ListRange,
  ObjectRecord,
  PartRecord,
  UploadListRange,
  UploadRecord,
  UserRecord,
  VersioningState,
} from '../types.js';
import { MIGRATIONS } from './migrations/index.js';
import { prefixUpperBound } from '../key-order.js';

type Row = Record<string, unknown>;

interface Pending {
  fn: (tx: MetaTx) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

const MAX_BATCH = 512;

const LIST_COLUMNS = [
  'bucket', 'key', 'version_id', 'is_latest', 'delete_marker', 'size', 'etag', 'last_modified', 'owner_id',
  'storage_class', 'content_headers', 'user_metadata', 'checksums', 'blob_id', 'extra',
].join(', ');

/** What replacing a version needs to know of the old one: everything but its inline bytes. */
const REPLACE_COLUMNS = `${LIST_COLUMNS}, parts`;

function toUser(r: Row): UserRecord {
  return {
    id: r.id as string,
    name: r.name as string,
    email: (r.email as string | null) ?? null,
    isAdmin: r.is_admin === 1,
    createdAt: r.created_at as number,
  };
}

function toBucket(r: Row): BucketRecord {
  return {
    name: r.name as string,
    ownerId: r.owner_id as string,
    region: r.region as string,
    createdAt: r.created_at as number,
    versioning: (r.versioning as VersioningState) ?? null,
    objectLockEnabled: r.object_lock === 1,
  };
}

function toObject(r: Row): ObjectRecord {
  return {
    bucket: r.bucket as string,
    key: r.key as string,
    versionId: r.version_id as string,
    isLatest: r.is_latest === 1,
    deleteMarker: r.delete_marker === 1,
    size: r.size as number,
    etag: r.etag as string,
    lastModified: r.last_modified as number,
    ownerId: r.owner_id as string,
    storageClass: r.storage_class as string,
    contentHeaders: JSON.parse(r.content_headers as string) as Record<string, string>,
    userMetadata: JSON.parse(r.user_metadata as string) as Record<string, string>,
    checksums: JSON.parse(r.checksums as string) as ObjectRecord['checksums'],
    inlineData: (r.inline_data as Buffer | null) ?? null,
    blobId: (r.blob_id as string | null) ?? null,
    parts: r.parts == null ? null : (JSON.parse(r.parts as string) as ObjectRecord['parts']),
    extra: JSON.parse(r.extra as string) as Record<string, unknown>,
  };
}

function toUpload(r: Row): UploadRecord {
  return {
    uploadId: r.upload_id as string,
    bucket: r.bucket as string,
    key: r.key as string,
    initiated: r.initiated as number,
    ownerId: r.owner_id as string,
    storageClass: r.storage_class as string,
    contentHeaders: JSON.parse(r.content_headers as string) as Record<string, string>,
    userMetadata: JSON.parse(r.user_metadata as string) as Record<string, string>,
    checksumAlgorithm: (r.checksum_algorithm as string | null) ?? null,
    checksumType: (r.checksum_type as UploadRecord['checksumType']) ?? null,
    extra: JSON.parse(r.extra as string) as Record<string, unknown>,
  };
}

function toPart(r: Row): PartRecord {
  return {
    uploadId: r.upload_id as string,
    partNumber: r.part_number as number,
    blobId: r.blob_id as string,
    size: r.size as number,
    etag: r.etag as string,
    lastModified: r.last_modified as number,
    checksums: JSON.parse(r.checksums as string) as Record<string, string>,
  };
}

/** A key prefix as an index range: key >= prefix AND key < the first string after it. */
function keyPrefixRange(prefix: string, conds: string[], params: unknown[]): void {
  if (prefix === '') return;
  conds.push('key >= ?');
  params.push(prefix);
  const upper = prefixUpperBound(prefix);
  if (upper !== undefined) {
    conds.push('key < ?');
    params.push(upper);
  }
}

export class SqliteStore implements MetadataStore {
  private readonly db: Db;
  private readonly stmts = new Map<string, Statement>();
  private queue: Pending[] = [];
  private scheduled = false;
  private flushing = false;
  private readonly tx: MetaTx;
  private readonly walPath: string;
  private wal: FileHandle | undefined;
  /** Order of versions, newest highest; continues from the database's largest at open. */
  private seq = 0;

  private constructor(db: Db, path: string) {
    this.db = db;
    this.walPath = `${path}-wal`;
    this.tx = this.makeTx();
  }

  static open(dataDir: string, fileName = 'coffer.sqlite'): SqliteStore {
    const path = join(dataDir, fileName);
    const db = new Database(path);
    // One process owns the embedded database: an exclusive lock keeps a second Coffer off the
    // same data dir, and spares every transaction the shared-memory WAL index and its fcntl locks
    // (a point read costs a third less).
    db.pragma('locking_mode = EXCLUSIVE');
    // 8 KiB pages hold a 4 KiB inline object in its row instead of an overflow page. Takes effect
    // when the file is created.
    db.pragma('page_size = 8192');
    db.pragma('journal_mode = WAL');
    // NORMAL: commits do not sync; every batch fdatasyncs the WAL itself (see above). Checkpoints
    // still sync the WAL before copying it and the database after.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // Keep hot pages in memory: point reads of small inline objects otherwise go to the kernel.
    db.pragma('cache_size = -65536');
    const store = new SqliteStore(db, path);
    store.migrate();
    store.seq = (db.prepare('SELECT coalesce(max(seq), 0) AS m FROM objects').get() as { m: number }).m;
    // Migrations committed without a sync of their own.
    const fd = openSync(store.walPath, 'r+');
    try {
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return store;
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    const done = new Set((this.db.prepare('SELECT id FROM schema_migrations').all() as Row[]).map((r) => r.id as number));
    for (const m of MIGRATIONS) {
      if (done.has(m.id)) continue;
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)').run(m.id, m.name, Date.now());
      }).immediate();
    }
  }

  private stmt(sql: string): Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  private get(sql: string, ...params: unknown[]): Row | undefined {
    return this.stmt(sql).get(...params) as Row | undefined;
  }

  private all(sql: string, ...params: unknown[]): Row[] {
    return this.stmt(sql).all(...params) as Row[];
  }

  private run(sql: string, ...params: unknown[]): number {
    return this.stmt(sql).run(...params).changes;
  }

  // ---- reads ----

  async getUser(id: string): Promise<UserRecord | undefined> {
    const r = this.get('SELECT * FROM users WHERE id = ?', id);
    return r && toUser(r);
  }

  async getUserByName(name: string): Promise<UserRecord | undefined> {
    const r = this.get('SELECT * FROM users WHERE name = ?', name);
    return r && toUser(r);
  }

  async listUsers(): Promise<UserRecord[]> {
    return this.all('SELECT * FROM users ORDER BY name').map(toUser);
  }

  async getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    const r = this.get('SELECT * FROM access_keys WHERE access_key_id = ?', accessKeyId);
    return r && { accessKeyId: r.access_key_id as string, secretAccessKey: r.secret as string, userId: r.user_id as string, createdAt: r.created_at as number };
  }

  async listAccessKeys(userId: string): Promise<AccessKeyRecord[]> {
    return this.all('SELECT * FROM access_keys WHERE user_id = ? ORDER BY created_at', userId).map((r) => ({
      accessKeyId: r.access_key_id as string,
      secretAccessKey: r.secret as string,
      userId: r.user_id as string,
      createdAt: r.created_at as number,
    }));
  }

  async getBucket(name: string): Promise<BucketRecord | undefined> {
    const r = this.get('SELECT * FROM buckets WHERE name = ?', name);
    return r && toBucket(r);
  }

  async listBuckets(ownerId: string, range: ListRange): Promise<BucketRecord[]> {
    const lower = range.after ?? '';
    const upper = prefixUpperBound(range.prefix);
    const rows = upper === undefined
      ? this.all('SELECT * FROM buckets WHERE owner_id = ? AND name > ? AND name >= ? ORDER BY name LIMIT ?', ownerId, lower, range.prefix, range.limit)
      : this.all('SELECT * FROM buckets WHERE owner_id = ? AND name > ? AND name >= ? AND name < ? ORDER BY name LIMIT ?', ownerId, lower, range.prefix, upper, range.limit);
    return rows.map(toBucket);
  }

  async countBuckets(ownerId: string): Promise<number> {
    return this.get('SELECT count(*) AS n FROM buckets WHERE owner_id = ?', ownerId)!.n as number;
  }

  async bucketHasContent(bucket: string): Promise<boolean> {
    return (
      this.get('SELECT 1 AS x FROM objects WHERE bucket = ? LIMIT 1', bucket) !== undefined ||
      this.get('SELECT 1 AS x FROM multipart_uploads WHERE bucket = ? LIMIT 1', bucket) !== undefined
    );
  }

  async getUsage(bucket: string): Promise<BucketUsage> {
    const r = this.get('SELECT object_count, bytes FROM bucket_usage WHERE bucket = ?', bucket);
    return { objectCount: (r?.object_count as number) ?? 0, bytes: (r?.bytes as number) ?? 0 };
  }

  async getObject(bucket: string, key: string, versionId?: string): Promise<ObjectRecord | undefined> {
    const r = versionId === undefined
      ? this.get('SELECT * FROM objects WHERE bucket = ? AND key = ? AND is_latest = 1', bucket, key)
      : this.get('SELECT * FROM objects WHERE bucket = ? AND key = ? AND version_id = ?', bucket, key, versionId);
    return r && toObject(r);
  }

  async listObjects(bucket: string, range: ListRange): Promise<ObjectRecord[]> {
    const conds = ['bucket = ?', 'is_latest = 1'];
    const params: unknown[] = [bucket];
    keyPrefixRange(range.prefix, conds, params);
    if (range.after !== undefined) {
      conds.push('key > ?');
      params.push(range.after);
    }
    if (range.from !== undefined) {
      conds.push('key >= ?');
      params.push(range.from);
    }
    params.push(range.limit);
    // Listings need neither the bytes of inline objects nor the part lists of multipart ones.
    const sql = `SELECT ${LIST_COLUMNS} FROM objects INDEXED BY objects_latest WHERE ${conds.join(' AND ')} AND delete_marker = 0 ORDER BY key LIMIT ?`;
    return this.all(sql, ...params).map(toObject);
  }

  async getUpload(uploadId: string): Promise<UploadRecord | undefined> {
    const r = this.get('SELECT * FROM multipart_uploads WHERE upload_id = ?', uploadId);
    return r && toUpload(r);
  }

  async listUploads(bucket: string, range: UploadListRange): Promise<UploadRecord[]> {
    const conds = ['bucket = ?'];
    const params: unknown[] = [bucket];
    keyPrefixRange(range.prefix, conds, params);
    if (range.keyMarker !== undefined) {
      if (range.uploadIdMarker !== undefined) {
        // Same key: only uploads after the marker upload, in (initiated, upload id) order.
        conds.push('(key > ? OR (key = ? AND (initiated, upload_id) > (SELECT initiated, upload_id FROM multipart_uploads WHERE upload_id = ?)))');
        params.push(range.keyMarker, range.keyMarker, range.uploadIdMarker);
      } else {
        conds.push('key > ?');
        params.push(range.keyMarker);
      }
    }
    if (range.from !== undefined) {
      conds.push('key >= ?');
      params.push(range.from);
    }
    params.push(range.limit);
    return this.all(`SELECT * FROM multipart_uploads WHERE ${conds.join(' AND ')} ORDER BY key, initiated, upload_id LIMIT ?`, ...params).map(toUpload);
  }

  async listUploadsInitiatedBefore(cutoff: number, limit: number): Promise<UploadRecord[]> {
    return this.all('SELECT * FROM multipart_uploads WHERE initiated < ? ORDER BY initiated LIMIT ?', cutoff, limit).map(toUpload);
  }

  async listParts(uploadId: string, afterPartNumber: number, limit: number): Promise<PartRecord[]> {
    return this.all('SELECT * FROM multipart_parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?', uploadId, afterPartNumber, limit).map(toPart);
  }

  async getCompletedUpload(uploadId: string): Promise<CompletedUploadRecord | undefined> {
    const r = this.get('SELECT * FROM completed_uploads WHERE upload_id = ?', uploadId);
    return r && {
      uploadId: r.upload_id as string,
      bucket: r.bucket as string,
      key: r.key as string,
      completedAt: r.completed_at as number,
      result: JSON.parse(r.result as string) as Record<string, unknown>,
    };
  }

  async registeredBlobs(ids: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const id of ids) if (this.get('SELECT 1 AS x FROM blobs WHERE blob_id = ?', id)) found.add(id);
    return found;
  }

  // ---- transactions (group commit) ----

  transaction<T>(fn: (tx: MetaTx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    this.flushing = true;
    const batch = this.queue.splice(0, MAX_BATCH);
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.stmt('BEGIN IMMEDIATE').run();
      for (const item of batch) {
        this.stmt('SAVEPOINT req').run();
        try {
          const value = await item.fn(this.tx);
          this.stmt('RELEASE req').run();
          outcomes.push({ ok: true, value });
        } catch (error) {
          this.stmt('ROLLBACK TO req').run();
          this.stmt('RELEASE req').run();
          outcomes.push({ ok: false, error });
        }
      }
      this.stmt('COMMIT').run();
      await this.syncWal();
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const item of batch) item.reject(error);
      this.finishFlush();
      return;
    }
    batch.forEach((item, i) => {
      const o = outcomes[i]!;
      if (o.ok) item.resolve(o.value);
      else item.reject(o.error);
    });
    this.finishFlush();
  }

  /** Make every committed WAL frame durable. */
  private async syncWal(): Promise<void> {
    this.wal ??= await open(this.walPath, 'r+');
    await this.wal.datasync();
  }

  private finishFlush(): void {
    this.flushing = false;
    if (this.queue.length > 0) this.schedule();
  }

  private makeTx(): MetaTx {
    const s = this;
    const tx: MetaTx = {
      getUser: (id) => s.getUser(id),
      getUserByName: (n) => s.getUserByName(n),
      listUsers: () => s.listUsers(),
      getAccessKey: (k) => s.getAccessKey(k),
      listAccessKeys: (u) => s.listAccessKeys(u),
      getBucket: (n) => s.getBucket(n),
      listBuckets: (o, r) => s.listBuckets(o, r),
      countBuckets: (o) => s.countBuckets(o),
      bucketHasContent: (b) => s.bucketHasContent(b),
      getUsage: (b) => s.getUsage(b),
      getObject: (b, k, v) => s.getObject(b, k, v),
      listObjects: (b, r) => s.listObjects(b, r),
      registeredBlobs: (ids) => s.registeredBlobs(ids),
      getUpload: (id) => s.getUpload(id),
      listUploads: (b, r) => s.listUploads(b, r),
      listUploadsInitiatedBefore: (c, l) => s.listUploadsInitiatedBefore(c, l),
      listParts: (id, after, l) => s.listParts(id, after, l),
      getCompletedUpload: (id) => s.getCompletedUpload(id),

      async recordCompletedUpload(c) {
        s.run('INSERT OR REPLACE INTO completed_uploads (upload_id, bucket, key, completed_at, result) VALUES (?, ?, ?, ?, ?)',
          c.uploadId, c.bucket, c.key, c.completedAt, JSON.stringify(c.result));
      },
      async forgetCompletedUploadsBefore(cutoff) {
        return s.run('DELETE FROM completed_uploads WHERE completed_at < ?', cutoff);
      },

      async createUpload(u) {
        s.run(
          `INSERT INTO multipart_uploads (upload_id, bucket, key, initiated, owner_id, storage_class, content_headers, user_metadata,
             checksum_algorithm, checksum_type, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          u.uploadId, u.bucket, u.key, u.initiated, u.ownerId, u.storageClass, JSON.stringify(u.contentHeaders),
          JSON.stringify(u.userMetadata), u.checksumAlgorithm, u.checksumType, JSON.stringify(u.extra),
        );
      },
      async deleteUpload(id) {
        const parts = s.all('SELECT * FROM multipart_parts WHERE upload_id = ?', id).map(toPart);
        s.run('DELETE FROM multipart_parts WHERE upload_id = ?', id);
        s.run('DELETE FROM multipart_uploads WHERE upload_id = ?', id);
        return parts;
      },
      async putPart(p) {
        const old = s.get('SELECT * FROM multipart_parts WHERE upload_id = ? AND part_number = ?', p.uploadId, p.partNumber);
        s.run(
          `INSERT OR REPLACE INTO multipart_parts (upload_id, part_number, blob_id, size, etag, last_modified, checksums)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
          p.uploadId, p.partNumber, p.blobId, p.size, p.etag, p.lastModified, JSON.stringify(p.checksums),
        );
        return old && toPart(old);
      },

      async createUser(u) {
        s.run('INSERT INTO users (id, name, email, is_admin, created_at) VALUES (?, ?, ?, ?, ?)', u.id, u.name, u.email, u.isAdmin ? 1 : 0, u.createdAt);
      },
      async deleteUser(id) {
        s.run('DELETE FROM users WHERE id = ?', id);
      },
      async createAccessKey(k) {
        s.run('INSERT INTO access_keys (access_key_id, secret, user_id, created_at) VALUES (?, ?, ?, ?)', k.accessKeyId, k.secretAccessKey, k.userId, k.createdAt);
      },
      async deleteAccessKey(id) {
        s.run('DELETE FROM access_keys WHERE access_key_id = ?', id);
      },
      async createBucket(b) {
        s.run('INSERT INTO buckets (name, owner_id, region, created_at, versioning, object_lock) VALUES (?, ?, ?, ?, ?, ?)', b.name, b.ownerId, b.region, b.createdAt, b.versioning, b.objectLockEnabled ? 1 : 0);
        s.run('INSERT INTO bucket_usage (bucket) VALUES (?)', b.name);
      },
      async deleteBucket(name) {
        s.run('DELETE FROM buckets WHERE name = ?', name);
      },
      async setBucketVersioning(name, state) {
        s.run('UPDATE buckets SET versioning = ? WHERE name = ?', state, name);
      },
      async insertObjectVersion(o, replaceVersionId) {
        let removed: ObjectRecord | undefined;
        if (replaceVersionId !== undefined) {
          const r = s.get(`SELECT ${REPLACE_COLUMNS} FROM objects WHERE bucket = ? AND key = ? AND version_id = ?`, o.bucket, o.key, replaceVersionId);
          removed = r && toObject(r);
          if (removed?.isLatest && replaceVersionId === o.versionId) {
            // Overwriting the latest version under its own id (the common unversioned PUT): the row
            // changes in place and no index entry moves.
            s.run(
              `UPDATE objects SET delete_marker = ?, size = ?, etag = ?, last_modified = ?, owner_id = ?, storage_class = ?,
                 content_headers = ?, user_metadata = ?, checksums = ?, inline_data = ?, blob_id = ?, parts = ?, extra = ?
               WHERE bucket = ? AND key = ? AND version_id = ?`,
              o.deleteMarker ? 1 : 0, o.size, o.etag, o.lastModified, o.ownerId, o.storageClass, JSON.stringify(o.contentHeaders),
              JSON.stringify(o.userMetadata), JSON.stringify(o.checksums), o.inlineData, o.blobId,
              o.parts === null ? null : JSON.stringify(o.parts), JSON.stringify(o.extra), o.bucket, o.key, o.versionId,
            );
            return removed;
          }
          if (removed) s.run('DELETE FROM objects WHERE bucket = ? AND key = ? AND version_id = ?', o.bucket, o.key, replaceVersionId);
        }
        // Another version is latest unless the one just removed was.
        if (!removed?.isLatest) s.run('UPDATE objects SET is_latest = 0 WHERE bucket = ? AND key = ? AND is_latest = 1', o.bucket, o.key);
        s.seq++;
        s.run(
          `INSERT INTO objects (bucket, key, version_id, seq, is_latest, delete_marker, size, etag, last_modified, owner_id,
             storage_class, content_headers, user_metadata, checksums, inline_data, blob_id, parts, extra)
           VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          o.bucket, o.key, o.versionId, s.seq, o.deleteMarker ? 1 : 0, o.size, o.etag, o.lastModified, o.ownerId,
          o.storageClass, JSON.stringify(o.contentHeaders), JSON.stringify(o.userMetadata), JSON.stringify(o.checksums),
          o.inlineData, o.blobId, o.parts === null ? null : JSON.stringify(o.parts), JSON.stringify(o.extra),
        );
        return removed;
      },
      async deleteObjectVersion(bucket, key, versionId) {
        const r = s.get('SELECT * FROM objects WHERE bucket = ? AND key = ? AND version_id = ?', bucket, key, versionId);
        if (!r) return undefined;
        s.run('DELETE FROM objects WHERE bucket = ? AND key = ? AND version_id = ?', bucket, key, versionId);
        if (r.is_latest === 1) {
          s.run(
            'UPDATE objects SET is_latest = 1 WHERE rowid = (SELECT rowid FROM objects WHERE bucket = ? AND key = ? ORDER BY seq DESC LIMIT 1)',
            bucket, key,
          );
        }
        return toObject(r);
      },
      async addUsage(bucket, d) {
        s.run('UPDATE bucket_usage SET object_count = object_count + ?, bytes = bytes + ? WHERE bucket = ?', d.objectCount, d.bytes, bucket);
      },
      async registerBlobs(ids) {
        const now = Date.now();
        for (const id of ids) s.run('INSERT OR IGNORE INTO blobs (blob_id, created_at) VALUES (?, ?)', id, now);
      },
      async unregisterBlobs(ids) {
        for (const id of ids) s.run('DELETE FROM blobs WHERE blob_id = ?', id);
      },
    };
    return tx;
  }

  async close(): Promise<void> {
    while (this.flushing || this.queue.length > 0) await new Promise((r) => setImmediate(r));
    await this.wal?.close();
    this.wal = undefined;
    this.db.close();
  }
}
