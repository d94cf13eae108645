// The blob store: immutable byte runs (the bytes of objects and parts) by id. What the engine
// asks of it, so that another store (a volume of another kind, an archive tier) plugs in beside
// the filesystem one (fs-blob-store.ts) without the engine changing.
import type { Readable, Transform } from 'node:stream';

export interface BlobInfo {
  id: string;
  size: number;
}

export interface ByteRange {
  /** Inclusive first byte. */
  start: number;
  /** Inclusive last byte. */
  end: number;
}

/**
 * A blob opened for reading. Opening holds the bytes: a blob deleted after it was opened (its
 * version overwritten) still reads whole, so a response never breaks off halfway.
 */
export interface OpenedBlob {
  /** Stream `range` (default all) of the blob, once; the stream releases the blob when it ends or is destroyed. */
  read(range?: ByteRange): Readable;
  /** Release a blob that will not be read. */
  close(): Promise<void>;
}

export interface BlobStore {
  /** Ready to write; says how many other processes use this store now. */
  init(): Promise<{ othersAlive: number }>;
  /** Writes must have ended. */
  close(): Promise<void>;

  /**
   * Whether `bytes` more fit and still leave the store's reserve free. Admitting claims the
   * bytes, so concurrent writers do not all count the same space. Answers at once.
   */
  hasRoomFor(bytes: number): boolean;
  /**
   * Stream `stages` (source first) into a new blob, with backpressure; the signal aborts it.
   * Resolves once the blob is durable. It is then pending: garbage collection leaves it alone
   * until the caller, having registered it in its metadata transaction (or given up), settles it.
   */
  write(stages: Array<Readable | Transform>, signal?: AbortSignal): Promise<BlobInfo>;
  /** Open a blob for reading; ENOENT when there is no such blob (any more). */
  open(id: string): Promise<OpenedBlob>;
  /** Remove a blob (a missing one is no error); it is no longer pending. */
  delete(id: string): Promise<void>;

  /** Whether `id` is being written, or written and not yet settled, by this process. */
  isPending(id: string): boolean;
  /** The writer of these blobs has committed them or given up: they are no longer pending. */
  settle(ids: Iterable<string>): void;
  /** Every blob with its age, for garbage collection. */
  list(): AsyncIterable<{ id: string; mtimeMs: number }>;
  /** Remove what writers that have gone (crashed processes) left half-written. */
  sweepTemp(): Promise<void>;
}
