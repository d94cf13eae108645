// Garbage collection of blob files that no committed metadata references: what a crash between
// a blob's rename and its metadata commit leaves behind. Only files older than `minAgeMs` are
// considered, so a blob another gateway is about to commit is never taken.
import type { EngineDeps } from './deps.js';

const BATCH = 500;

export async function collectGarbage(deps: EngineDeps, minAgeMs: number): Promise<number> {
  const cutoff = Date.now() - minAgeMs;
  let removed = 0;
  let batch: string[] = [];
  const flush = async (): Promise<void> => {
    const registered = await deps.meta.registeredBlobs(batch);
    for (const id of batch) {
      if (registered.has(id)) continue;
      await deps.blobs.delete(id);
      removed++;
    }
    batch = [];
  };
  for await (const blob of deps.blobs.list()) {
    if (blob.mtimeMs > cutoff) continue;
    batch.push(blob.id);
    if (batch.length >= BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  return removed;
}
