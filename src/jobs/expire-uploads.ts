// Background job: abort multipart uploads older than COFFER_UPLOAD_MAX_AGE, removing their parts.
// Each abort is its own transaction, so gateways running the job at once cannot conflict.
import type { Logger } from 'pino';
import type { Engine } from '../engine/engine.js';

export interface Job {
  stop(): Promise<void>;
}

export function startUploadExpiry(engine: Engine, maxAgeMs: number, log: Logger): Job {
  // Check a few times per max age, at least every second and at most hourly.
  const intervalMs = Math.min(3_600_000, Math.max(1000, Math.floor(maxAgeMs / 4)));
  let running: Promise<void> = Promise.resolve();
  const tick = (): void => {
    running = engine
      .abortUploadsInitiatedBefore(Date.now() - maxAgeMs)
      .then((n) => {
        if (n > 0) log.info({ aborted: n }, 'aborted expired multipart uploads');
      })
      .catch((err: unknown) => log.error({ err }, 'multipart upload expiry failed'));
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
