// The MetadataStore conformance suite: the contract of src/meta/store.ts, written once against
// the interface, for every store to pass. A store runs it from a one-line test file beside this
// one (sqlite.test.ts; a PostgreSQL store adds postgres.test.ts) by handing over a factory that
// opens a fresh, empty, migrated store.
//
// It lives in src/meta/, not test/: it tests the store interface directly, with no server, as a
// unit test beside the code it covers (STYLE.md), and test/ holds the end-to-end tests that start
// a Coffer. Tests of one store's own machinery (SQLite's batching, checkpoints, cache and old
// databases) stay beside that store, in src/meta/sqlite/sqlite-store.test.ts.
import { describe } from 'node:test';
import { bucketTests } from './buckets.js';
import { listingTests } from './listing.js';
import { multipartTests } from './multipart.js';
import { objectTests } from './objects.js';
import { transactionTests } from './transactions.js';
import { userAndBlobTests } from './users-blobs.js';
import { usageAndQuotaTests } from './usage-quota.js';
import type { StoreFactory } from './fixtures.js';

export type { OpenedStore, StoreFactory } from './fixtures.js';

/** Register every conformance test, each on a fresh store from `open`. */
export function metadataStoreSuite(storeName: string, open: StoreFactory): void {
  describe(`MetadataStore conformance: ${storeName}`, () => {
    transactionTests(open);
    objectTests(open);
    listingTests(open);
    multipartTests(open);
    bucketTests(open);
    userAndBlobTests(open);
    usageAndQuotaTests(open);
  });
}
