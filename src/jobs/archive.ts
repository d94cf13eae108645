// Background job: the archive's due work (engine/archive.ts): restores that complete after their
// tier's delay, restored copies whose Days are over, archive-class versions whose bytes still have
// to move to the archive volume. Every change is its own transaction that re-reads the version,
// so processes running the job at once change each version once.
import type { Logger } from 'pino';
import type { Engine } from '../engine/engine.js';
import type { Job } from './expire-uploads.js';
import { startPeriodic } from './periodic.js';

export function startArchiveJobs(engine: Engine, log: Logger): Job {
  const { restoreDelaysMs, dayMs } = engine.tiering;
  // A few checks per shortest delay, so a restore completes close to its time; at least every minute.
  const shortest = Math.min(dayMs, ...Object.values(restoreDelaysMs));
  const intervalMs = Math.min(60_000, Math.max(100, Math.floor(shortest / 4)));
  return startPeriodic(intervalMs, async () => {
    try {
      const n = await engine.runArchiveTimers();
      if (n > 0) log.debug({ handled: n }, 'archive work done');
    } catch (err) {
      log.error({ err }, 'archive job failed');
    }
  });
}
