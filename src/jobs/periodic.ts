// A job that runs `work` every `intervalMs`, never two runs at once in one process (a run longer
// than the interval delays the next); stop() waits for the run in progress.
import type { Job } from './expire-uploads.js';

export function startPeriodic(intervalMs: number, work: () => Promise<void>): Job {
  let running: Promise<void> | undefined;
  let stopped = false;
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = work().finally(() => {
      running = undefined;
    });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
