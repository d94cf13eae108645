// Background job: garbage collection of orphan blobs and of temp directories that crashed
// processes left (engine/gc.ts). Safe on many processes at once: a blob is doomed in a metadata
// transaction before its file goes, so a collector and a writer never both win.
import type { Logger } from 'pino';
import type { Engine } from '../engine/engine.js';
import type { Job, JobObserver } from './expire-uploads.js';
import { observed } from './expire-uploads.js';

/** How often the job runs. */
export const BLOB_GC_INTERVAL_MS = 3_600_000;
/**
 * Blobs younger than this are left alone. Another process writes a blob and commits it within
 * one request, so an unregistered blob this old is an orphan; a writer stalled longer gets its
 * commit refused rather than a deleted blob.
 */
export const BLOB_GC_MIN_AGE_MS = 3_600_000;

export function startBlobCollection(engine: Engine, log: Logger, observe?: JobObserver): Job {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = observed('collect-blobs', observe, () => engine.collectGarbage(BLOB_GC_MIN_AGE_MS))
      .then((n) => {
        if (n > 0) log.info({ collected: n }, 'removed orphan blobs');
      })
      .catch((err: unknown) => log.error({ err }, 'blob garbage collection failed'));
  }, BLOB_GC_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
