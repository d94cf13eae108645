// Short-lived caches of what nearly every request reads: the caller's access key and user, and
// the bucket's record. Writes through this engine invalidate their entries at once; the time
// limit bounds how long another gateway's change can go unseen (DESIGN.md: caches are
// short-lived, invalidated through PostgreSQL LISTEN/NOTIFY when that store arrives).
import type { AccessKeyRecord, BucketRecord, UserRecord } from '../meta/types.js';

export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; expires: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: K, now = Date.now()): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: K, value: V, now = Date.now()): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, expires: now + this.ttlMs });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

export interface EngineCache {
  /** access key id → key and user; `null` caches "no such key". */
  credentials: TtlCache<string, { key: AccessKeyRecord; user: UserRecord } | null>;
  buckets: TtlCache<string, BucketRecord | null>;
}

export function createEngineCache(ttlMs = 2000): EngineCache {
  return { credentials: new TtlCache(ttlMs), buckets: new TtlCache(ttlMs) };
}
