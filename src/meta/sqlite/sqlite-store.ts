// MetadataStore on SQLite (better-sqlite3) in WAL mode. Transactions from concurrent requests are
// batched into one SQLite transaction (group commit): each runs inside its own SAVEPOINT, so one
// failing rolls back alone, and the whole batch pays one WAL fsync.
//
// The fsync runs off the event loop: SQLite commits with synchronous=NORMAL (WAL frames written,
// not synced), then the batch awaits an fdatasync of the -wal file on the thread pool before any
// of its transactions resolve. A commit is durable before its caller hears of it, exactly as with
// synchronous=FULL, but other requests keep running during the sync instead of waiting on it,
// and the next batch commits while it runs. Checkpoints, too, sync on the thread pool
// (checkpoint()). Reads of the latest version of hot keys are served from memory (latest-cache.ts).
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
  BucketQuota,
  BucketUsage,
  BucketUsageRow,
  CompletedUploadRecord,
  ListRange,
  ObjectRecord,
  PartRecord,
  UploadListRange,
  UploadRecord,
  UploadUsage,
  UserRecord,
  VersionListRange,
} from '../types.js';
import { MIGRATIONS } from './migrations/index.js';
import { LIST_COLUMNS, keyPrefixRange, toAccessKey, toBucket, toObject, toPart, toUpload, toUser } from './rows.js';
import type { Row } from './rows.js';
import { sqliteWrites } from './writes.js';
import { LatestObjectCache } from './latest-cache.js';
import { listObjectVersionRows } from './list-versions.js';
import { prefixUpperBound } from '../key-order.js';
import { StartupError } from '../../config.js';

interface Pending {
  fn: (tx: MetaTx) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

const MAX_BATCH = 512;
/** Memory for the latest versions of recently read keys, inline bytes included. */
const LATEST_CACHE_BYTES = 16 * 1024 * 1024;
/** How often the WAL is copied into the database file (SQLite's automatic checkpoints are off). */
const CHECKPOINT_INTERVAL_MS = 250;
export class SqliteStore implements MetadataStore {
  private readonly db: Db;
  private readonly stmts = new Map<string, Statement>();
  private readonly latest = new LatestObjectCache(LATEST_CACHE_BYTES);
  private queue: Pending[] = [];
  private scheduled = false;
  private flushing = false;
  private readonly tx: MetaTx;
  private readonly walPath: string;
  private wal: FileHandle | undefined;
  private readonly path: string;
  private file: FileHandle | undefined;
  private lastWalSync: Promise<void> = Promise.resolve();
  private lastCheckpoint = performance.now();
  private checkpointIntervalMs = CHECKPOINT_INTERVAL_MS;
  /** A checkpoint wrote pages to the database file that are not yet synced. */
  private dbUnsynced = false;
  /** Order of versions, newest highest; continues from the database's largest at open. */
  private seq = 0;
  /** Told each transaction's latency, from being asked for to durable (or failed), in seconds. */
  private onTransaction: ((seconds: number) => void) | undefined;

  private constructor(db: Db, path: string) {
    this.db = db;
    this.path = path;
    this.walPath = `${path}-wal`;
    this.tx = this.makeTx();
  }

  static open(dataDir: string, fileName = 'coffer.sqlite', options: { checkpointIntervalMs?: number; onTransaction?: (seconds: number) => void } = {}): SqliteStore {
    const path = join(dataDir, fileName);
    // A second Coffer on this data dir finds the first one's lock within a second.
    const db = new Database(path, { timeout: 1000 });
    try {
      return SqliteStore.setUp(db, path, options);
    } catch (err) {
      db.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY') {
        throw new StartupError(`the data directory ${dataDir} is in use by another Coffer process (its database ${path} is locked)`);
      }
      throw err;
    }
  }

  private static setUp(db: Db, path: string, options: { checkpointIntervalMs?: number; onTransaction?: (seconds: number) => void }): SqliteStore {
    // One process owns the embedded database: an exclusive lock keeps a second Coffer off the
    // same data dir, and spares every transaction the shared-memory WAL index and its fcntl locks
    // (a point read costs a third less).
    db.pragma('locking_mode = EXCLUSIVE');
    // 4 KiB pages: a small PUT dirties a leaf page of each index and every dirty page is copied
    // into the WAL and checksummed at commit, so the page size is most of a commit's cost. A 4 KiB
    // inline object then spills into an overflow page, which costs less than the doubled index
    // pages did (SQLite CPU per 4 KiB PUT fell by about a quarter). Takes effect when the file is
    // created.
    db.pragma('page_size = 4096');
    db.pragma('journal_mode = WAL');
    // NORMAL: commits do not sync; every batch fdatasyncs the WAL itself (see above), and
    // checkpoint() syncs the database file.
    db.pragma('synchronous = NORMAL');
    // Checkpoints run from flush(), with their fsync off the event loop (see checkpoint()).
    db.pragma('wal_autocheckpoint = 0');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // Keep hot pages in memory: point reads of small inline objects otherwise go to the kernel.
    db.pragma('cache_size = -65536');
    const store = new SqliteStore(db, path);
    store.checkpointIntervalMs = options.checkpointIntervalMs ?? CHECKPOINT_INTERVAL_MS;
    store.onTransaction = options.onTransaction;
    store.migrate();
    // seq is the row id: its largest value is read from the end of the table.
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
      this.db
        .transaction(() => {
          this.db.exec(m.sql);
          this.db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)').run(m.id, m.name, Date.now());
        })
        .immediate();
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
    return r && toAccessKey(r);
  }

  async listAccessKeys(userId: string): Promise<AccessKeyRecord[]> {
    return this.all('SELECT * FROM access_keys WHERE user_id = ? ORDER BY created_at', userId).map(toAccessKey);
  }

  async getBucket(name: string): Promise<BucketRecord | undefined> {
    const r = this.get('SELECT * FROM buckets WHERE name = ?', name);
    return r && toBucket(r);
  }

  async listBuckets(ownerId: string, range: ListRange): Promise<BucketRecord[]> {
    const lower = range.after ?? '';
    const upper = prefixUpperBound(range.prefix);
    const rows =
      upper === undefined
        ? this.all('SELECT * FROM buckets WHERE owner_id = ? AND name > ? AND name >= ? ORDER BY name LIMIT ?', ownerId, lower, range.prefix, range.limit)
        : this.all('SELECT * FROM buckets WHERE owner_id = ? AND name > ? AND name >= ? AND name < ? ORDER BY name LIMIT ?', ownerId, lower, range.prefix, upper, range.limit);
    return rows.map(toBucket);
  }

  async countBuckets(ownerId: string): Promise<number> {
    return this.get('SELECT count(*) AS n FROM buckets WHERE owner_id = ?', ownerId)!.n as number;
  }

  async bucketHasObjects(bucket: string): Promise<boolean> {
    return this.get('SELECT 1 AS x FROM objects WHERE bucket = ? LIMIT 1', bucket) !== undefined;
  }

  async getUsage(bucket: string): Promise<BucketUsage> {
    const r = this.get('SELECT object_count, bytes FROM bucket_usage WHERE bucket = ?', bucket);
    return { objectCount: (r?.object_count as number) ?? 0, bytes: (r?.bytes as number) ?? 0 };
  }

  async getUploadUsage(bucket: string): Promise<UploadUsage> {
    const r = this.get('SELECT upload_parts, upload_bytes FROM bucket_usage WHERE bucket = ?', bucket);
    return { parts: (r?.upload_parts as number) ?? 0, bytes: (r?.upload_bytes as number) ?? 0 };
  }

  async listUsage(range: { after?: string; limit: number }): Promise<BucketUsageRow[]> {
    const rows = this.all(
      `SELECT u.*, json_extract(b.config, '$.quota') AS quota FROM bucket_usage u JOIN buckets b ON b.name = u.bucket
         WHERE u.bucket > ? ORDER BY u.bucket LIMIT ?`,
      range.after ?? '',
      range.limit,
    );
    return rows.map((r) => ({
      bucket: r.bucket as string,
      usage: { objectCount: r.object_count as number, bytes: r.bytes as number },
      uploads: { parts: r.upload_parts as number, bytes: r.upload_bytes as number },
      quota: r.quota === null ? undefined : (JSON.parse(r.quota as string) as BucketQuota),
    }));
  }

  async getObject(bucket: string, key: string, versionId?: string): Promise<ObjectRecord | undefined> {
    if (versionId !== undefined) {
      const r = this.get('SELECT * FROM objects WHERE bucket = ? AND key = ? AND version_id = ?', bucket, key, versionId);
      return r && toObject(r);
    }
    const hit = this.latest.get(bucket, key);
    if (hit !== undefined) return hit ?? undefined;
    const r = this.get('SELECT * FROM objects WHERE bucket = ? AND key = ? AND is_latest = 1', bucket, key);
    const record = r && toObject(r);
    // Inside a batch this connection sees rows that may yet roll back: not to be remembered.
    if (!this.db.inTransaction) this.latest.set(bucket, key, record ?? null);
    return record;
  }

  async listObjects(bucket: string, range: ListRange): Promise<ObjectRecord[]> {
    const conds = ['bucket = ?', 'is_latest = 1'];
    const params: unknown[] = [bucket];
    keyPrefixRange(range.prefix, range.from, conds, params);
    if (range.after !== undefined) {
      conds.push('key > ?');
      params.push(range.after);
    }
    params.push(range.limit);
    // Listings need neither the bytes of inline objects nor the part lists of multipart ones.
    const sql = `SELECT ${LIST_COLUMNS} FROM objects INDEXED BY objects_latest WHERE ${conds.join(' AND ')} AND delete_marker = 0 ORDER BY key LIMIT ?`;
    return this.all(sql, ...params).map(toObject);
  }

  async listObjectVersions(bucket: string, range: VersionListRange): Promise<ObjectRecord[]> {
    return listObjectVersionRows((sql, ...p) => this.all(sql, ...p), bucket, range);
  }

  async getUpload(uploadId: string): Promise<UploadRecord | undefined> {
    const r = this.get('SELECT * FROM multipart_uploads WHERE upload_id = ?', uploadId);
    return r && toUpload(r);
  }

  async listUploads(bucket: string, range: UploadListRange): Promise<UploadRecord[]> {
    const conds = ['bucket = ?'];
    const params: unknown[] = [bucket];
    keyPrefixRange(range.prefix, range.from, conds, params);
    if (range.keyMarker !== undefined) {
      if (range.uploadIdMarker !== undefined) {
        // Same key: only uploads after the marker upload, in (initiated, upload id) order. A
        // marker upload completed or aborted since has no place in that order: then, as S3
        // documents the marker, the uploads whose id sorts after it.
        // (The comparison with a marker that is gone is NULL, and coalesce falls through.)
        conds.push('(key > ? OR (key = ? AND coalesce((initiated, upload_id) > (SELECT initiated, upload_id FROM multipart_uploads WHERE upload_id = ?), upload_id > ?)))');
        params.push(range.keyMarker, range.keyMarker, range.uploadIdMarker, range.uploadIdMarker);
      } else {
        conds.push('key > ?');
        params.push(range.keyMarker);
      }
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
    return (
      r && {
        uploadId: r.upload_id as string,
        bucket: r.bucket as string,
        key: r.key as string,
        completedAt: r.completed_at as number,
        result: JSON.parse(r.result as string) as Record<string, unknown>,
      }
    );
  }

  async registeredBlobs(ids: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const id of ids) if (this.get('SELECT 1 AS x FROM blobs WHERE blob_id = ?', id)) found.add(id);
    return found;
  }

  // ---- transactions (group commit) ----

  transaction<T>(fn: (tx: MetaTx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const observe = this.onTransaction;
      if (observe === undefined) this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      else {
        const queuedAt = performance.now();
        const done = (): void => observe((performance.now() - queuedAt) / 1000);
        this.queue.push({
          fn,
          resolve: (v) => {
            done();
            resolve(v as T);
          },
          reject: (e) => {
            done();
            reject(e);
          },
        });
      }
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
    let synced: Promise<void>;
    try {
      if (this.dbUnsynced || performance.now() - this.lastCheckpoint >= this.checkpointIntervalMs) await this.checkpoint();
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
      // The next batch may run its transaction while this one's frames sync: its own sync
      // covers both, and none of its callers hears back before that.
      synced = this.syncWal();
      this.lastWalSync = synced.catch(() => undefined);
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.finishFlush();
      for (const item of batch) item.reject(error);
      return;
    }
    this.finishFlush();
    try {
      await synced;
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const o = outcomes[i]!;
      if (o.ok) item.resolve(o.value);
      else item.reject(o.error);
    });
  }

  /** Make every committed WAL frame durable. */
  private async syncWal(): Promise<void> {
    this.wal ??= await open(this.walPath, 'r+');
    await this.wal.datasync();
  }

  /**
   * Copy the WAL into the database file without stalling the event loop on fsync. SQLite's own
   * checkpoint syncs the WAL, writes the pages and syncs the database file, all on this thread.
   * Here the WAL is already durable (every batch syncs it; the last sync is awaited first), the
   * pages are written with synchronous=OFF, and the database file is fdatasynced on the thread
   * pool. That sync finishes before the next write transaction begins, because that transaction
   * may restart the WAL over the frames the pages came from.
   */
  private async checkpoint(): Promise<void> {
    if (!this.dbUnsynced) {
      this.lastCheckpoint = performance.now();
      await this.lastWalSync;
      this.db.pragma('synchronous = OFF');
      try {
        this.db.pragma('wal_checkpoint(PASSIVE)');
      } finally {
        this.db.pragma('synchronous = NORMAL');
      }
      // Until the sync below succeeds, no write may begin: a failed sync fails the batch that
      // waits on it, and the next batch tries again.
      this.dbUnsynced = true;
    }
    this.file ??= await open(this.path, 'r+');
    await this.file.datasync();
    this.dbUnsynced = false;
  }

  private finishFlush(): void {
    this.flushing = false;
    if (this.queue.length > 0) this.schedule();
  }

  private makeTx(): MetaTx {
    // biome-ignore lint/complexity/noUselessThisAlias: a one-letter name keeps the delegating table below one short line per method
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
      bucketHasObjects: (b) => s.bucketHasObjects(b),
      getUsage: (b) => s.getUsage(b),
      getUploadUsage: (b) => s.getUploadUsage(b),
      listUsage: (r) => s.listUsage(r),
      getObject: (b, k, v) => s.getObject(b, k, v),
      listObjects: (b, r) => s.listObjects(b, r),
      listObjectVersions: (b, r) => s.listObjectVersions(b, r),
      registeredBlobs: (ids) => s.registeredBlobs(ids),
      getUpload: (id) => s.getUpload(id),
      listUploads: (b, r) => s.listUploads(b, r),
      listUploadsInitiatedBefore: (c, l) => s.listUploadsInitiatedBefore(c, l),
      listParts: (id, after, l) => s.listParts(id, after, l),
      getCompletedUpload: (id) => s.getCompletedUpload(id),

      ...sqliteWrites({
        get: (sql, ...p) => s.get(sql, ...p),
        all: (sql, ...p) => s.all(sql, ...p),
        run: (sql, ...p) => s.run(sql, ...p),
        nextSeq: () => ++s.seq,
        forgetKey: (b, k) => s.latest.forget(b, k),
        forgetAll: () => s.latest.clear(),
      }),
    };
    return tx;
  }

  async close(): Promise<void> {
    while (this.flushing || this.queue.length > 0) await new Promise((r) => setImmediate(r));
    await this.lastWalSync;
    await this.wal?.close();
    this.wal = undefined;
    await this.file?.close();
    this.file = undefined;
    this.db.close();
  }
}
