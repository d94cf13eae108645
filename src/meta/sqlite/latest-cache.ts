// The latest version of recently read keys, so a hot small object is served without a SQLite
// read (which copies its inline bytes into a fresh buffer on every GET).
//
// Exact, not eventually consistent: the embedded database is locked by this process, its only
// writer; entries are filled only from reader connections, which see durable commits alone; and
// every write to a key's versions forgets the key inside the transaction that makes it and again
// when its batch is published (sqlite-store.ts), as a reader may refill it from the older
// snapshot in between.
import type { ObjectRecord } from '../types.js';

/** What an entry costs beyond its inline bytes: the record, its strings and the map slot. */
const ENTRY_OVERHEAD_BYTES = 512;

export class LatestObjectCache {
  readonly #entries = new Map<string, ObjectRecord | null>();
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** The record, null for "no such key", undefined when not cached. */
  get(bucket: string, key: string): ObjectRecord | null | undefined {
    return this.#entries.get(id(bucket, key));
  }

  /** Remember what a committed read found. Records are frozen: they are shared by every reader. */
  set(bucket: string, key: string, record: ObjectRecord | null): void {
    if (this.#maxBytes <= 0) return;
    const k = id(bucket, key);
    this.#drop(k);
    if (record !== null) {
      Object.freeze(record.contentHeaders);
      Object.freeze(record.userMetadata);
      Object.freeze(record.checksums);
      if (record.encryption) Object.freeze(record.encryption);
      if (record.lock) Object.freeze(record.lock);
      if (record.archive) Object.freeze(record.archive);
      if (record.tags) Object.freeze(record.tags);
      Object.freeze(record);
    }
    this.#entries.set(k, record);
    this.#bytes += cost(record);
    // Oldest first, in insertion order.
    for (const [oldest] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#drop(oldest);
    }
  }

  forget(bucket: string, key: string): void {
    this.#drop(id(bucket, key));
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  #drop(k: string): void {
    const old = this.#entries.get(k);
    if (old === undefined) return;
    this.#entries.delete(k);
    this.#bytes -= cost(old);
  }
}

function id(bucket: string, key: string): string {
  // Bucket names cannot contain '/', so the first one separates the two.
  return `${bucket}/${key}`;
}

function cost(record: ObjectRecord | null): number {
  return ENTRY_OVERHEAD_BYTES + (record?.inlineData?.length ?? 0);
}
