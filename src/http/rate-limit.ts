// Per-access-key token buckets: COFFER_RATE_LIMIT requests per second, with a one-second burst.
import { S3Error } from '../errors.js';

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  /** `clock` gives milliseconds; tests pass one they move by hand instead of sleeping. */
  constructor(
    private readonly perSecond: number,
    private readonly clock: () => number = Date.now,
  ) {}

  take(key: string): void {
    if (this.perSecond <= 0) return;
    const now = this.clock();
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.perSecond, at: now };
      this.buckets.set(key, b);
      if (this.buckets.size > 100_000) this.buckets.clear();
    }
    b.tokens = Math.min(this.perSecond, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    if (b.tokens < 1) throw new S3Error('SlowDown');
    b.tokens -= 1;
  }
}
