// Background job: abort multipart uploads older than COFFER_UPLOAD_MAX_AGE, removing their parts.
// Each abort is its own transaction, so gateways running the job at once cannot conflict.
import type { Logger } from 'pino';
import type { Engine } from '../engine/engine.js';

export interface Job {
  stop(): Promise<void>;
}

/** Told of each run of a background job: its name, whether it succeeded, how long it took. */
export type JobObserver = (job: string, ok: boolean, seconds: number) => void;

/** Run `work` as one observed run of `job`. */
export async function observed<T>(job: string, observe: JobObserver | undefined, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const out = await work();
    observe?.(job, true, (performance.now() - started) / 1000);
    return out;
  } catch (err) {
    observe?.(job, false, (performance.now() - started) / 1000);
    throw err;
  }
}

export function startUploadExpiry(engine: Engine, maxAgeMs: number, log: Logger, observe?: JobObserver): Job {
  // Check a few times per max age, at least every second and at most hourly.
  const intervalMs = Math.min(3_600_000, Math.max(1000, Math.floor(maxAgeMs / 4)));
  let running: Promise<void> = Promise.resolve();
  const tick = (): void => {
    running = observed('expire-uploads', observe, () => engine.abortUploadsInitiatedBefore(Date.now() - maxAgeMs))
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
