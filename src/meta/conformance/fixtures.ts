// Records and helpers the conformance suite builds its stores from. Plain data: nothing here
// knows which store runs the suite.
import type { TestContext } from 'node:test';
import type { MetadataStore } from '../store.js';
import type { BucketRecord, ObjectRecord, PartRecord, UploadRecord } from '../types.js';
import { newObjectRecord } from '../records.js';

/** A fresh, empty, migrated store, and how to dispose of it (and of anything it left on disk). */
export interface OpenedStore {
  store: MetadataStore;
  close(): Promise<void>;
}

export type StoreFactory = () => Promise<OpenedStore>;

export const OWNER = 'a'.repeat(64);
export const OTHER_OWNER = 'b'.repeat(64);

/** A fresh store for one test, closed when the test ends, with the named buckets created. */
export async function freshStore(t: TestContext, open: StoreFactory, buckets: string[] = ['b']): Promise<MetadataStore> {
  const opened = await open();
  t.after(() => opened.close());
  for (const name of buckets) await opened.store.transaction((tx) => tx.createBucket(bucketRecord(name)));
  return opened.store;
}

export function bucketRecord(name: string, overrides: Partial<BucketRecord> = {}): BucketRecord {
  // A record without tags reads back with `tags: undefined`, so the defaults say so.
  return { name, ownerId: OWNER, region: 'us-east-1', createdAt: 1_700_000_000_000, versioning: null, objectLockEnabled: false, tags: undefined, config: {}, ...overrides };
}

/** A small inline object: the version 'null' of an unversioned bucket unless overridden. */
export function objectRecord(bucket: string, key: string, overrides: Partial<ObjectRecord> = {}): ObjectRecord {
  const data = overrides.inlineData ?? Buffer.from(`bytes of ${key}`);
  const record = newObjectRecord({
    bucket,
    key,
    ownerId: OWNER,
    size: data.length,
    etag: `etag-${key}`,
    lastModified: 1_700_000_000_000,
    bytes: { inlineData: data },
  });
  return { ...record, ...overrides };
}

export function deleteMarker(bucket: string, key: string, versionId: string): ObjectRecord {
  return newObjectRecord({ bucket, key, ownerId: OWNER, versionId, deleteMarker: true, lastModified: 1_700_000_000_000 });
}

export function uploadRecord(bucket: string, key: string, uploadId: string, initiated: number, overrides: Partial<UploadRecord> = {}): UploadRecord {
  return {
    uploadId,
    bucket,
    key,
    initiated,
    ownerId: OWNER,
    storageClass: 'STANDARD',
    contentHeaders: {},
    userMetadata: {},
    checksumAlgorithm: null,
    checksumType: null,
    tags: undefined,
    conditions: undefined,
    encryption: undefined,
    lock: undefined,
    acl: undefined,
    ...overrides,
  };
}

export function partRecord(uploadId: string, partNumber: number, overrides: Partial<PartRecord> = {}): PartRecord {
  return {
    uploadId,
    partNumber,
    blobId: `blob-${uploadId}-${partNumber}`,
    size: 5 * 1024 * 1024,
    etag: `md5-${partNumber}`,
    lastModified: 1_700_000_000_000 + partNumber,
    checksums: {},
    ...overrides,
  };
}

/** Put objects with these keys (version 'null', each its own transaction, in the order given). */
export async function putKeys(store: MetadataStore, bucket: string, keys: readonly string[]): Promise<void> {
  for (const key of keys) await store.transaction((tx) => tx.insertObjectVersion(objectRecord(bucket, key), 'null'));
}

/** Keys of a listing page. */
export function keysOf(rows: ReadonlyArray<{ key: string }>): string[] {
  return rows.map((r) => r.key);
}

/** An error a transaction throws on purpose, to tell it apart from a store's own failures. */
export class Refused extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'Refused';
  }
}

/** The outcomes of racing transactions: how many committed, and the values of those that did. */
export function tally<T>(results: Array<PromiseSettledResult<T>>): { won: T[]; refused: number; other: unknown[] } {
  const won: T[] = [];
  const other: unknown[] = [];
  let refused = 0;
  for (const r of results) {
    if (r.status === 'fulfilled') won.push(r.value);
    else if (r.reason instanceof Refused) refused++;
    else other.push(r.reason);
  }
  return { won, refused, other };
}
