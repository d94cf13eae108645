// Garbage collection of blob files that no committed metadata references: what a crash between
// a blob's rename and its metadata commit leaves behind. Safe while this process and others
// write: blobs this process is still writing or committing are skipped, files younger than
// `minAgeMs` are left alone, and each candidate is doomed in a metadata transaction before its
// file is deleted, so a writer that stalled past the age still cannot commit a deleted blob (its
// commit fails instead).
import type { BlobStore } from '../blobs/blob-store.js';
import type { EngineDeps } from './deps.js';

const BATCH = 500;

/** Collects garbage: temp directories of processes that are gone, then orphan blobs. */
export async function collectGarbage(deps: EngineDeps, minAgeMs: number): Promise<number> {
  let removed = 0;
  // The archive volume's blobs are registered in the same table as the blob store's.
  for (const store of [deps.blobs, deps.archive]) removed += await collectStore(store, deps, minAgeMs);
  return removed;
}

async function collectStore(store: BlobStore, deps: EngineDeps, minAgeMs: number): Promise<number> {
  await store.sweepTemp();
  const cutoff = Date.now() - minAgeMs;
  let removed = 0;
  let batch: string[] = [];
  const flush = async (): Promise<void> => {
    const candidates = batch.filter((id) => !store.isPending(id));
    batch = [];
    if (candidates.length === 0) return;
    const doomed = await deps.meta.transaction((tx) => tx.doomBlobs(candidates));
    for (const id of doomed) {
      await store.delete(id);
      removed++;
    }
  };
  for await (const blob of store.list()) {
    if (blob.mtimeMs > cutoff || store.isPending(blob.id)) continue;
    batch.push(blob.id);
    if (batch.length >= BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  return removed;
}
