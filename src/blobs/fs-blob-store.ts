// The bytes of objects and parts, one immutable file per blob under data/blobs/xx/yy/<id>.
// A blob is written to a temp file on the same volume (in this process's own temp directory),
// fsynced, renamed into place and its directory fsynced: only then does the metadata commit make
// it visible. A crash leaves at worst an unregistered file, which garbage collection removes.
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat, statfs, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Readable, Transform } from 'node:stream';
import { pipeAll } from '../streams.js';
import type { BlobInfo, BlobStore, ByteRange, OpenedBlob } from './blob-store.js';
import { ProcessTempDir } from './temp-dirs.js';

const BLOB_ID = /^[0-9a-f]{32}$/;

export function isBlobId(id: string): boolean {
  return BLOB_ID.test(id);
}

/** How long a reading of the volume's free space stands in for the next one. */
const FREE_SPACE_TTL_MS = 1000;

export class FsBlobStore implements BlobStore {
  readonly root: string;
  private readonly temp: ProcessTempDir;
  /**
   * Blobs this process has started to write and not yet settled (committed or given up), so
   * garbage collection in this process never takes them, however long their upload runs.
   */
  private readonly pending = new Set<string>();
  private readonly knownDirs = new Set<string>();
  private readonly minFreeBytes: number;
  /** The volume's free bytes when last read, less what writes admitted since have claimed. */
  private free: { bytes: number; readAt: number } | undefined;
  private reading: Promise<void> | undefined;

  /** Told how long each blob's final fdatasync took (the one a write waits for), in seconds. */
  private readonly onSync: ((seconds: number) => void) | undefined;

  constructor(dataDir: string, options: { minFreeBytes?: number; onSync?: (seconds: number) => void } = {}) {
    this.root = join(dataDir, 'blobs');
    this.temp = new ProcessTempDir(join(dataDir, 'tmp'));
    this.minFreeBytes = options.minFreeBytes ?? 0;
    this.onSync = options.onSync;
  }

  /**
   * Whether `bytes` more may be written to the data volume and still leave the reserve free (the
   * metadata of deletes must fit when uploads have filled the disk). Admitting claims the bytes
   * until the next reading of the volume's free space, so concurrent uploads do not all count the
   * same space. A reading older than a second is renewed in the background: no request waits for
   * statfs, which queues on the thread pool behind the fsyncs.
   */
  hasRoomFor(bytes: number): boolean {
    const free = this.free;
    if (free === undefined) return true;
    if (performance.now() - free.readAt > FREE_SPACE_TTL_MS) void this.readFreeSpace();
    if (free.bytes - bytes < this.minFreeBytes) return false;
    free.bytes -= bytes;
    return true;
  }

  /**
   * Read the volume's free space (one reading at a time). A volume that cannot say is not refused
   * for it: a write that finds the disk full still fails cleanly (InsufficientStorage).
   */
  private readFreeSpace(): Promise<void> {
    return (this.reading ??= statfs(this.root)
      .then(
        (s) => s.bavail * s.bsize,
        () => Number.POSITIVE_INFINITY,
      )
      .then((bytes) => {
        this.free = { bytes, readAt: performance.now() };
        this.reading = undefined;
      }));
  }

  /** Ready to write; says how many other processes use this data dir's volume now. */
  async init(): Promise<{ othersAlive: number }> {
    await mkdir(this.root, { recursive: true });
    const temp = await this.temp.open();
    // Without a reserve nothing is checked, and the volume is never read.
    if (this.minFreeBytes > 0) await this.readFreeSpace();
    return temp;
  }

  /** Remove this process's temp directory; writes must have ended. */
  async close(): Promise<void> {
    await this.temp.close();
  }

  /** Remove temp directories of processes that have gone since start-up. */
  async sweepTemp(): Promise<void> {
    await this.temp.sweep();
  }

  /** Whether `id` is being written, or written and not yet settled, by this process. */
  isPending(id: string): boolean {
    return this.pending.has(id);
  }

  /** The writer of these blobs has committed them or given up: they are no longer pending. */
  settle(ids: Iterable<string>): void {
    for (const id of ids) this.pending.delete(id);
  }

  newId(): string {
    return randomBytes(16).toString('hex');
  }

  /** The file of a blob. Ids are generated here and validated, so a key never becomes a path. */
  pathOf(id: string): string {
    if (!isBlobId(id)) throw new Error(`invalid blob id ${JSON.stringify(id)}`);
    return join(this.root, id.slice(0, 2), id.slice(2, 4), id);
  }

  /**
   * Stream `stages` (source first) into a new blob. Resolves once the blob is durable; the blob
   * is not referenced by anything yet, so the caller registers it in its metadata transaction
   * and then settles it (it is pending until then, and on failure until it is deleted).
   */
  async write(stages: Array<Readable | Transform>, signal?: AbortSignal): Promise<BlobInfo> {
    const id = this.newId();
    const tmp = join(this.temp.dir, `${id}.part`);
    const final = this.pathOf(id);
    this.pending.add(id);
    let handle: FileHandle;
    try {
      handle = await open(tmp, 'w', 0o600);
    } catch (err) {
      this.pending.delete(id);
      throw err;
    }
    const sink = new BlobSink(handle, this.onSync);
    let renamed = false;
    try {
      try {
        await pipeAll([...stages, sink], signal);
      } catch (err) {
        await sink.settled();
        await handle.close().catch(() => undefined);
        throw err;
      }
      await handle.close();
      const dir = join(final, '..');
      await this.ensureDir(dir);
      await rename(tmp, final);
      renamed = true;
      await fsyncDir(dir);
      return { id, size: sink.bytes };
    } catch (err) {
      // A failed write (a full disk, a client gone) leaves no file behind to fill the disk further.
      await unlink(renamed ? final : tmp).catch(() => undefined);
      this.pending.delete(id);
      throw err;
    }
  }

  /** Open a blob for reading; the open file keeps the bytes readable even if the blob is deleted. */
  async open(id: string): Promise<OpenedBlob> {
    return new FsOpenedBlob(await open(this.pathOf(id), 'r'));
  }

  async delete(id: string): Promise<void> {
    await unlink(this.pathOf(id)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    this.pending.delete(id);
  }

  /** Every blob file with its age, for garbage collection. */
  async *list(): AsyncGenerator<{ id: string; mtimeMs: number }> {
    for (const a of await readdirSafe(this.root)) {
      for (const b of await readdirSafe(join(this.root, a))) {
        for (const id of await readdirSafe(join(this.root, a, b))) {
          if (!isBlobId(id)) continue;
          const st = await stat(join(this.root, a, b, id)).catch(() => undefined);
          if (st) yield { id, mtimeMs: st.mtimeMs };
        }
      }
    }
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    // The new directory entries must be durable too before a blob inside them is committed.
    await fsyncDir(join(dir, '..'));
    await fsyncDir(join(dir, '..', '..'));
    this.knownDirs.add(dir);
  }
}

/** An open blob file; the stream of its bytes closes the file when it ends or is destroyed. */
class FsOpenedBlob implements OpenedBlob {
  constructor(private readonly handle: FileHandle) {}

  read(range?: ByteRange): Readable {
    return createReadStream('', {
      fd: this.handle,
      start: range?.start,
      end: range?.end,
      highWaterMark: 1024 * 1024,
    });
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/**
 * Flush written bytes to disk in the background once this many have piled up. Measured in one
 * bench session, alternating: 1 GiB multipart in 16 MiB parts at 4 went from 209-225 MiB/s
 * (16 MiB) to 272-277 MiB/s (4 MiB); a single-stream 1 GiB PUT stayed at 330-370 MiB/s. Parts
 * of 16 MiB or less (aws-cli sends 8 MiB) otherwise got no background sync at all.
 */
const BACKGROUND_SYNC_BYTES = 4 * 1024 * 1024;

/**
 * Bytes a blob write holds before the socket waits: each upload in flight can hold this much.
 * Measured alternating in one session (server RSS peaks are noisy): 64 concurrent 16 MiB uploads
 * peaked at 284-456 MiB with 4 MiB, 292-367 MiB with 2 MiB and 258-348 MiB with 1 MiB, all at
 * 200-230 MiB/s. 1 MiB cost 1 GiB multipart at 4 streams about 5% (234-237 against 244-252
 * MiB/s); 2 MiB cost it nothing (258-259 against 259-263). Single-stream PUT: no difference.
 */
const SINK_BUFFER_BYTES = 2 * 1024 * 1024;

/**
 * Writes a blob's temp file: each batch of buffered chunks in one writev, and an fdatasync in the
 * background every BACKGROUND_SYNC_BYTES, so the disk writes while the body is still arriving
 * and the final sync (before the stream finishes) only covers the tail.
 */
class BlobSink extends Writable {
  bytes = 0;
  private unsynced = 0;
  private syncing: Promise<void> | undefined;
  private syncError: Error | undefined;

  constructor(
    private readonly handle: FileHandle,
    private readonly onSync: ((seconds: number) => void) | undefined,
  ) {
    super({ highWaterMark: SINK_BUFFER_BYTES });
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    // Any failure, a full disk included, fails this stream once; nothing is thrown past it.
    this.append(chunks.map((c) => c.chunk)).then(
      () => cb(),
      (err: Error) => cb(err),
    );
  }

  /** Write all of `buffers` at the end of the file: a short write (a nearly full disk) continues where it stopped. */
  private async append(buffers: Buffer[]): Promise<void> {
    let pending = buffers;
    while (pending.length > 0) {
      const { bytesWritten } = await this.handle.writev(pending, this.bytes);
      if (bytesWritten <= 0) throw new Error(`a blob write made no progress at byte ${this.bytes}`);
      this.bytes += bytesWritten;
      this.unsynced += bytesWritten;
      pending = dropBytes(pending, bytesWritten);
    }
    if (this.unsynced >= BACKGROUND_SYNC_BYTES && !this.syncing) {
      this.unsynced = 0;
      // A failed background sync is remembered and reported by _final, never left unhandled.
      this.syncing = this.handle.datasync().then(
        () => {
          this.syncing = undefined;
        },
        (err: Error) => {
          this.syncError ??= err;
          this.syncing = undefined;
        },
      );
    }
  }

  override _final(cb: (err?: Error | null) => void): void {
    // Durable before 'finish': the caller renames and commits only after this.
    Promise.resolve(this.syncing)
      .then(async () => {
        if (this.syncError) throw this.syncError;
        const started = performance.now();
        await this.handle.datasync();
        this.onSync?.((performance.now() - started) / 1000);
      })
      .then(() => cb(), cb);
  }

  /** Wait for a background sync still using the handle. */
  async settled(): Promise<void> {
    await this.syncing;
  }
}

/** `buffers` without their first `n` bytes. */
function dropBytes(buffers: Buffer[], n: number): Buffer[] {
  let i = 0;
  let left = n;
  while (i < buffers.length && left >= buffers[i]!.length) left -= buffers[i++]!.length;
  const rest = buffers.slice(i);
  if (left > 0 && rest.length > 0) rest[0] = rest[0]!.subarray(left);
  return rest;
}

async function readdirSafe(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

export async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}
