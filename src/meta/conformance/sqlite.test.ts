// The conformance suite on the embedded SQLite store, each test in a store of its own temp dir.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../sqlite/sqlite-store.js';
import { metadataStoreSuite } from './metadata-store-suite.js';

metadataStoreSuite('SQLite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-meta-conformance-'));
  const store = SqliteStore.open(dir);
  return {
    store,
    async close() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
