// One incremental interface over node:crypto hashes and the three CRCs, so HashingStream can
// feed them all in one loop.

import * as nodeCrypto from 'node:crypto';
import { createHash } from 'node:crypto';
import { crc32, crc32c } from '@node-rs/crc32';
import type { ChecksumAlgorithm } from './algorithms.js';
import { crc64nvmeUpdate } from './crc64nvme.js';
import type { Crc64NvmeUpdate } from './crc64nvme.js';

export interface Hasher {
  update(chunk: Buffer): void;
  /** Call once, after the last update. */
  digest(): Buffer;
}

/** CRC32 / CRC32C through @node-rs/crc32 (SIMD, native), which takes the previous CRC as its seed. */
class Crc32Hasher implements Hasher {
  private crc = 0;
  constructor(private readonly fn: typeof crc32) {}
  update(chunk: Buffer): void {
    this.crc = this.fn(chunk, this.crc);
  }
  /** S3 sends the 4-byte big-endian value, base64-encoded. */
  digest(): Buffer {
    const out = Buffer.allocUnsafe(4);
    out.writeUInt32BE(this.crc >>> 0, 0);
    return out;
  }
}

/** The state buffer is itself the big-endian digest, so update never allocates. */
export class Crc64NvmeHasher implements Hasher {
  private readonly state = Buffer.alloc(8);
  constructor(private readonly fn: Crc64NvmeUpdate = crc64nvmeUpdate) {}
  update(chunk: Buffer): void {
    this.fn(this.state, chunk);
  }
  digest(): Buffer {
    return Buffer.from(this.state);
  }
}

/**
 * MD5 (the ETag and Content-MD5), SHA256 (x-amz-content-sha256, or the flexible checksum) and
 * the flexible checksums. Digests are raw bytes; CRCs are big-endian as S3 encodes them.
 */
export function createHasher(a: ChecksumAlgorithm | 'MD5'): Hasher {
  switch (a) {
    case 'MD5':
      return createHash('md5');
    case 'SHA1':
      return createHash('sha1');
    case 'SHA256':
      return createHash('sha256');
    case 'CRC32':
      return new Crc32Hasher(crc32);
    case 'CRC32C':
      return new Crc32Hasher(crc32c);
    case 'CRC64NVME':
      return new Crc64NvmeHasher();
  }
}

/** crypto.hash (Node 20.12+) digests without building a Hash object: a third of the cost. */
const hashOnce = typeof nodeCrypto.hash === 'function' ? nodeCrypto.hash : undefined;

export function digestOnce(name: 'md5' | 'sha1' | 'sha256', data: string | Uint8Array, encoding: 'hex'): string;
export function digestOnce(name: 'md5' | 'sha1' | 'sha256', data: string | Uint8Array, encoding: 'buffer'): Buffer;
/** One whole input's digest; a string is hashed as UTF-8. */
export function digestOnce(name: 'md5' | 'sha1' | 'sha256', data: string | Uint8Array, encoding: 'hex' | 'buffer'): string | Buffer {
  if (hashOnce) return encoding === 'hex' ? hashOnce(name, data, 'hex') : hashOnce(name, data, 'buffer');
  const h = createHash(name).update(data);
  return encoding === 'hex' ? h.digest('hex') : h.digest();
}

const NODE_HASH_NAMES = { MD5: 'md5', SHA1: 'sha1', SHA256: 'sha256' } as const;

/** The digest of one whole buffer, as createHasher(a) fed only `data` would give it. */
export function oneShotDigest(a: ChecksumAlgorithm | 'MD5', data: Buffer): Buffer {
  if (a === 'MD5' || a === 'SHA1' || a === 'SHA256') return digestOnce(NODE_HASH_NAMES[a], data, 'buffer');
  const h = createHasher(a);
  h.update(data);
  return h.digest();
}
