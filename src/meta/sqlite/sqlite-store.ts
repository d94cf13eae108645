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
//
// Isolation: reads outside a transaction see only state that is committed and durable. They run
// on read-only connections, never on the writer, so a batch's rows (even those a SAVEPOINT later
// rolls back) are invisible until its COMMIT. A WAL reader sees the snapshot its read transaction
// began on: the serving reader always holds one on the last durable commit; right after each
// COMMIT another reader begins one on it, and reads move to that reader when the commit's
// fdatasync has returned (published()). Held read transactions also spare each read the locks
// of beginning one. A transaction reads on the writer and sees its own writes and those of the
// batches before it.
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

/** A connection and its prepared statements. */
class Connection {
  private readonly stmts = new Map<string, Statement>();
  constructor(readonly db: Db) {}

  stmt(sql: string): Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** Begin a read transaction: until end(), this connection reads the latest commit of now. */
  pin(): void {
    this.stmt('BEGIN').run();
    // BEGIN is deferred: the snapshot is taken by the first read.
    this.stmt('SELECT 1 FROM sqlite_schema LIMIT 1').get();
  }

  end(): void {
    this.stmt('COMMIT').run();
  }
}

/** The keys whose versions a batch changes, to be dropped from the cache when the batch is published. */
interface BatchChanges {
  /** The batch's commit number; Infinity while it is open. */
  commit: number;
  keys: Set<string>;
  /** Every key (a bucket was deleted). */
  all: boolean;
}

export interface SqliteStoreOptions {
  /** How often the WAL is copied into the database file (default 250 ms). */
  checkpointIntervalMs?: number;
  /**
   * Tests only: awaited before each batch's WAL fdatasync, so a test can hold a committed batch
   * between its COMMIT and its sync, or fail its sync.
   */
  beforeWalSync?: () => Promise<void>;
  /** Called with each transaction's latency in seconds, from queueing to its durable commit (metrics). */
  onTransaction?: (seconds: number) => void;
}

const MAX_BATCH = 512;
/** Memory for the latest versions of recently read keys, inline bytes included. */
const LATEST_CACHE_BYTES = 16 * 1024 * 1024;
/** How often the WAL is copied into the database file (SQLite's automatic checkpoints are off). */
const CHECKPOINT_INTERVAL_MS = 250;
/** Pages each connection keeps in memory (negative: KiB). */
const CACHE_SIZE = -65536;

export class SqliteStore implements MetadataStore {
  private readonly writer: Connection;
  /**
   * The connection reads go to: a reader outside transactions, the writer in the transaction view
   * (makeTx), so the read methods below serve both.
   */
  private sql: Connection;
  /** True in the transaction view only. */
  private readonly inTransaction: boolean = false;
  /** Readers with no read transaction open. */
  private readonly idle: Connection[] = [];
  /** A reader pinned right after each commit whose sync has not returned yet, oldest first. */
  private pins: Array<{ commit: number; conn: Connection }> = [];
  /** Commits made; commit numbers count from 1. */
  private commits = 0;
  /** Changes of the open batch and of committed batches not yet published, oldest first. */
  private unpublished: BatchChanges[] = [];
  private current: BatchChanges | undefined;
  /** Set when a sync failed: from then on this process writes nothing (see fail()). */
  private failure: Error | undefined;
  /** Holds the data dir against a second Coffer (see open()). */
  private readonly lock: Db;
  private readonly latest = new LatestObjectCache(LATEST_CACHE_BYTES);
  private queue: Pending[] = [];
  private scheduled = false;
  private flushing = false;
  private readonly tx: MetaTx;
  private readonly walPath: string;
  private wal: Promise<FileHandle> | undefined;
  private readonly path: string;
  private file: FileHandle | undefined;
  /** The last batch's sync and publication; rejects when it or any before it failed. */
  private syncChain: Promise<void> = Promise.resolve();
  /** The same, settled either way: what a checkpoint or close waits for. */
  private lastWalSync: Promise<void> = Promise.resolve();
  private lastCheckpoint = performance.now();
  private readonly checkpointIntervalMs: number;
  private readonly beforeWalSync: (() => Promise<void>) | undefined;
  /** A checkpoint wrote pages to the database file that are not yet synced. */
  private dbUnsynced = false;
  /** Order of versions, newest highest; continues from the database's largest at open. */
  private seq = 0;
  /** Told each transaction's latency, from being asked for to durable (or failed), in seconds. */
  private readonly onTransaction: ((seconds: number) => void) | undefined;

  private constructor(lock: Db, db: Db, path: string, options: SqliteStoreOptions) {
    this.lock = lock;
    this.writer = new Connection(db);
    this.sql = this.writer;
    this.path = path;
    this.walPath = `${path}-wal`;
    this.checkpointIntervalMs = options.checkpointIntervalMs ?? CHECKPOINT_INTERVAL_MS;
    this.beforeWalSync = options.beforeWalSync;
    this.onTransaction = options.onTransaction;
    this.tx = this.makeTx();
  }

  static open(dataDir: string, fileName = 'coffer.sqlite', options: SqliteStoreOptions = {}): SqliteStore {
    const path = join(dataDir, fileName);
    // One process owns the embedded database. Its connections share the WAL index in the -shm
    // file (a reader must see the writer's commits), so the database itself cannot be locked
    // exclusively; a lock file next to it is, with an exclusive lock held for the life of the
    // process. A second Coffer on this data dir finds it within a second.
    const lock = new Database(`${path}.lock`, { timeout: 1000 });
    try {
      // Nothing is stored in it: no journal either.
      lock.pragma('journal_mode = MEMORY');
      lock.pragma('locking_mode = EXCLUSIVE');
      lock.prepare('BEGIN EXCLUSIVE').run();
      lock.prepare('COMMIT').run();
    } catch (err) {
      lock.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY') {
        throw new StartupError(`the data directory ${dataDir} is in use by another Coffer process (its database ${path} is locked)`);
      }
      throw err;
    }
    let db: Db | undefined;
    try {
      db = new Database(path, { timeout: 1000 });
      return SqliteStore.setUp(lock, db, path, options);
    } catch (err) {
      db?.close();
      lock.close();
      throw err;
    }
  }

  private static setUp(lock: Db, db: Db, path: string, options: SqliteStoreOptions): SqliteStore {
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
    db.pragma(`cache_size = ${CACHE_SIZE}`);
    const store = new SqliteStore(lock, db, path, options);
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
    store.sql = store.openReader();
    store.sql.pin();
    return store;
  }

  /** A read-only connection: it sees the last commit when its read transaction begins. */
  private openReader(): Connection {
    const db = new Database(this.path, { readonly: true, timeout: 5000 });
    db.pragma(`cache_size = ${CACHE_SIZE}`);
    return new Connection(db);
  }

  private migrate(): void {
    const db = this.writer.db;
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    const done = new Set((db.prepare('SELECT id FROM schema_migrations').all() as Row[]).map((r) => r.id as number));
    for (const m of MIGRATIONS) {
      if (done.has(m.id)) continue;
      db.transaction(() => {
        db.exec(m.sql);
        db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)').run(m.id, m.name, Date.now());
      }).immediate();
    }
  }

  private get(sql: string, ...params: unknown[]): Row | undefined {
    return this.sql.stmt(sql).get(...params) as Row | undefined;
  }

  private all(sql: string, ...params: unknown[]): Row[] {
    return this.sql.stmt(sql).all(...params) as Row[];
  }

  private run(sql: string, ...params: unknown[]): number {
    return this.sql.stmt(sql).run(...params).changes;
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
    // The cache holds durable versions; a transaction sees the unpublished batches' writes too,
    // so for a key they changed it reads its own connection.
    const hit = this.inTransaction && this.changedSincePublished(bucket, key) ? undefined : this.latest.get(bucket, key);
    if (hit !== undefined) return hit ?? undefined;
    const r = this.get('SELECT * FROM objects WHERE bucket = ? AND key = ? AND is_latest = 1', bucket, key);
    const record = r && toObject(r);
    // Only what a reader found is remembered: the writer sees rows that may yet roll back.
    if (!this.inTransaction) this.latest.set(bucket, key, record ?? null);
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
    if (this.failure) return Promise.reject(this.failure);
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
    const changes: BatchChanges = { commit: Number.POSITIVE_INFINITY, keys: new Set(), all: false };
    let synced: Promise<void>;
    let committed = false;
    try {
      if (this.failure) throw this.failure;
      if (this.dbUnsynced || performance.now() - this.lastCheckpoint >= this.checkpointIntervalMs) await this.checkpoint();
      this.writer.stmt('BEGIN IMMEDIATE').run();
      this.current = changes;
      this.unpublished.push(changes);
      for (const item of batch) {
        this.writer.stmt('SAVEPOINT req').run();
        try {
          const value = await item.fn(this.tx);
          this.writer.stmt('RELEASE req').run();
          outcomes.push({ ok: true, value });
        } catch (error) {
          this.writer.stmt('ROLLBACK TO req').run();
          this.writer.stmt('RELEASE req').run();
          outcomes.push({ ok: false, error });
        }
      }
      this.current = undefined;
      this.writer.stmt('COMMIT').run();
      committed = true;
      synced = this.afterCommit(changes);
    } catch (error) {
      // Committed but neither synced nor published: its callers hear of a failure, so it must
      // never be shown, nor a later commit built on it.
      if (committed) this.fail(error);
      this.current = undefined;
      if (this.writer.db.inTransaction) this.writer.db.exec('ROLLBACK');
      this.unpublished = this.unpublished.filter((c) => c !== changes);
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

  /**
   * Number the commit just made, pin a reader to it, and start its sync. The next batch may
   * commit while this one's frames sync (its own sync covers both), but batches are published in
   * commit order, and none after a failed sync ever is: a later fdatasync that returns success
   * says nothing of the pages an earlier one failed to write.
   */
  private afterCommit(changes: BatchChanges): Promise<void> {
    const commit = ++this.commits;
    changes.commit = commit;
    const conn = this.idle.pop() ?? this.openReader();
    conn.pin();
    this.pins.push({ commit, conn });
    const own = this.syncWal();
    // Settled through the chain below; this only keeps a failure after an earlier one from going unhandled.
    own.catch(() => undefined);
    this.syncChain = this.syncChain
      .then(() => own)
      .then(
        () => this.published(commit),
        (error: unknown) => {
          this.fail(error);
          throw error;
        },
      );
    this.lastWalSync = this.syncChain.catch(() => undefined);
    return this.syncChain;
  }

  /**
   * Commit `commit` is durable: reads move on to the reader pinned at it (later commits may have
   * been made since), and the readers of older commits are released. Cache entries of keys the
   * published batches changed are dropped again, as they may have been refilled from the older
   * snapshot meanwhile.
   */
  private published(commit: number): void {
    const later: typeof this.pins = [];
    for (const p of this.pins) {
      if (p.commit > commit) later.push(p);
      else if (p.commit < commit) this.release(p.conn);
      else {
        this.release(this.sql);
        this.sql = p.conn;
      }
    }
    this.pins = later;
    while (this.unpublished.length > 0 && this.unpublished[0]!.commit <= commit) {
      const c = this.unpublished.shift()!;
      if (c.all) this.latest.clear();
      else for (const k of c.keys) this.latest.forget(...splitCacheKey(k));
    }
  }

  private release(conn: Connection): void {
    conn.end();
    this.idle.push(conn);
  }

  /**
   * A sync failed. After a failed fsync the kernel may have dropped the dirty pages and marked
   * them clean, so no later sync can make them durable, and the WAL's in-memory index already
   * counts the frames as committed: this connection would build on them and a checkpoint would
   * copy them into the database file. So this process stops writing: the failed batch and every
   * batch committed after it fail, every later transaction fails at once, no checkpoint runs, and
   * reads go on from the last durable commit, which the serving reader stays pinned to (rows
   * committed since are never shown). A restart recovers from the WAL on disk; its frames of the
   * failed batches may or may not be there, as with any commit whose outcome was an error.
   */
  private fail(error: unknown): void {
    if (this.failure) return;
    const why = error instanceof Error ? error.message : String(error);
    this.failure = new Error(`the metadata store stopped writing after a failed sync (${why}); restart Coffer once the disk is healthy`, { cause: error });
  }

  /** Whether an open or unpublished batch changed this key's versions. */
  private changedSincePublished(bucket: string, key: string): boolean {
    const k = cacheKey(bucket, key);
    for (const c of this.unpublished) if (c.all || c.keys.has(k)) return true;
    return false;
  }

  /** Make every committed WAL frame durable. */
  private async syncWal(): Promise<void> {
    if (this.beforeWalSync) await this.beforeWalSync();
    // Syncs run concurrently: the first opens the file for all.
    this.wal ??= open(this.walPath, 'r+');
    await (await this.wal).datasync();
  }

  /**
   * Copy the WAL into the database file without stalling the event loop on fsync. SQLite's own
   * checkpoint syncs the WAL, writes the pages and syncs the database file, all on this thread.
   * Here the WAL is already durable (every batch syncs it; the last sync is awaited first), the
   * pages are written with synchronous=OFF, and the database file is fdatasynced on the thread
   * pool. That sync finishes before the next write transaction begins, because that transaction
   * may restart the WAL over the frames the pages came from; if it fails, none begins again
   * (fail()), as a second fdatasync could report success for pages the first one lost.
   */
  private async checkpoint(): Promise<void> {
    if (!this.dbUnsynced) {
      this.lastCheckpoint = performance.now();
      await this.lastWalSync;
      if (this.failure) throw this.failure;
      const db = this.writer.db;
      db.pragma('synchronous = OFF');
      try {
        db.pragma('wal_checkpoint(PASSIVE)');
      } finally {
        db.pragma('synchronous = NORMAL');
      }
      this.dbUnsynced = true;
    }
    try {
      this.file ??= await open(this.path, 'r+');
      await this.file.datasync();
    } catch (error) {
      this.fail(error);
      throw error;
    }
    this.dbUnsynced = false;
    // A reader that begins now on a fully copied WAL reads the database file alone, so it does
    // not keep the next commit from restarting the WAL at its beginning (which the reader pinned
    // since the last commit would: the WAL would only grow).
    this.sql.end();
    this.sql.pin();
  }

  private finishFlush(): void {
    this.flushing = false;
    if (this.queue.length > 0) this.schedule();
  }

  private makeTx(): MetaTx {
    // biome-ignore lint/complexity/noUselessThisAlias: the writes below reach the store itself, not the view
    const store = this;
    // The store's read methods, reading on the writer: a transaction sees its own writes.
    const s = Object.create(this, { sql: { get: () => store.writer }, inTransaction: { value: true } }) as SqliteStore;
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
        nextSeq: () => ++store.seq,
        forgetKey: (b, k) => {
          store.latest.forget(b, k);
          store.current?.keys.add(cacheKey(b, k));
        },
        forgetAll: () => {
          store.latest.clear();
          if (store.current) store.current.all = true;
        },
      }),
    };
    return tx;
  }

  async close(): Promise<void> {
    while (this.flushing || this.queue.length > 0) await new Promise((r) => setImmediate(r));
    await this.lastWalSync;
    await (await this.wal?.catch(() => undefined))?.close();
    this.wal = undefined;
    await this.file?.close();
    this.file = undefined;
    // The last connection to close checkpoints the WAL into the database file and syncs it. After
    // a failed sync that must not happen (fail()): the writer closes first while the pinned
    // reader holds its read lock, and a read-only connection never checkpoints.
    if (this.failure) this.writer.db.close();
    for (const p of this.pins) p.conn.db.close();
    this.pins = [];
    for (const c of this.idle) c.db.close();
    this.idle.length = 0;
    this.sql.db.close();
    if (!this.failure) this.writer.db.close();
    this.lock.close();
  }
}

function cacheKey(bucket: string, key: string): string {
  // Bucket names cannot contain '/', so the first one separates the two.
  return `${bucket}/${key}`;
}

function splitCacheKey(k: string): [string, string] {
  const i = k.indexOf('/');
  return [k.slice(0, i), k.slice(i + 1)];
}
