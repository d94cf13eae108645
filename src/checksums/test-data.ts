// Reproducible pseudo-random bytes for the checksum tests: a failure names its seed and length.

/** xorshift32 (Marsaglia 2003); quality is irrelevant, determinism is the point. */
export function pseudoRandomBytes(length: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
