import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Error } from '../errors.js';
import { RateLimiter } from './rate-limit.js';

function outcomes(limiter: RateLimiter, key: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    try {
      limiter.take(key);
      out.push('ok');
    } catch (err) {
      assert.ok(err instanceof S3Error);
      out.push(err.code);
    }
  }
  return out;
}

test('a key gets a burst of one second’s requests, then SlowDown until tokens come back', () => {
  let now = 0;
  const limiter = new RateLimiter(2, () => now);
  assert.deepEqual(outcomes(limiter, 'a', 3), ['ok', 'ok', 'SlowDown']);
  now += 499;
  assert.deepEqual(outcomes(limiter, 'a', 1), ['SlowDown'], 'less than one token back after 499 ms at 2/s');
  now += 2;
  assert.deepEqual(outcomes(limiter, 'a', 2), ['ok', 'SlowDown']);
  now += 60_000;
  assert.deepEqual(outcomes(limiter, 'a', 3), ['ok', 'ok', 'SlowDown'], 'idle time never banks more than the burst');
});

test('keys are limited apart, and a limit of 0 lets everything through', () => {
  const now = 0;
  const limiter = new RateLimiter(1, () => now);
  assert.deepEqual(outcomes(limiter, 'a', 2), ['ok', 'SlowDown']);
  assert.deepEqual(outcomes(limiter, 'b', 1), ['ok']);
  assert.deepEqual(
    outcomes(new RateLimiter(0, () => now), 'a', 50).filter((o) => o !== 'ok'),
    [],
  );
});
