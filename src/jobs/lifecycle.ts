// Background job: apply every bucket's lifecycle rules (engine/lifecycle.ts) a few times per
// lifecycle day (COFFER_LIFECYCLE_DAY_SECONDS), at most hourly. Each change is its own transaction
// that re-checks its rule, so processes running the job at once never apply one twice.
import type { Logger } from 'pino';
import type { Engine } from '../engine/engine.js';
import type { Job } from './expire-uploads.js';
import { startPeriodic } from './periodic.js';

export function startLifecycle(engine: Engine, log: Logger): Job {
  const intervalMs = Math.min(3_600_000, Math.max(250, Math.floor(engine.tiering.dayMs / 4)));
  return startPeriodic(intervalMs, async () => {
    try {
      const r = await engine.runLifecycle();
      if (r.expired + r.transitioned + r.abortedUploads > 0) log.info(r, 'lifecycle rules applied');
    } catch (err) {
      log.error({ err }, 'lifecycle run failed');
    }
  });
}
