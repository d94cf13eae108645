// The hashing stage of a PUT body pipeline, like MinIO's hash.Reader: bytes pass through
// unchanged while every digest the request needs is computed in one go, and the size cap is
// enforced before a byte past it reaches the disk.

import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import type { ChecksumAlgorithm } from './algorithms.js';
import { createHasher, oneShotDigest } from './hashers.js';
import type { Hasher } from './hashers.js';
import type { OffloadedMd5 } from './md5-offload.js';

export interface HashingStreamOptions {
  /** MD5 for the ETag (and Content-MD5). */
  md5: boolean;
  /** SHA-256 for x-amz-content-sha256 payload verification. */
  sha256: boolean;
  /** Flexible checksums; the caller adds CRC64NVME itself, since S3 stores it for every object. */
  checksums: readonly ChecksumAlgorithm[];
  /** More bytes than this destroys the stream with onTooLarge()'s error. */
  maxBytes?: number;
  onTooLarge?: () => Error;
}

export interface HashingResult {
  bytes: number;
  md5?: Buffer;
  sha256?: Buffer;
  /** Base64 of the digest, as in the x-amz-checksum-* headers. */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

/**
 * The digests a body needs, fed chunk by chunk. Used by HashingStream in a pipeline, and directly
 * where a small body is read without one.
 */
export class DigestSet {
  readonly #hashers: Hasher[] = [];
  readonly #md5: Hasher | undefined;
  readonly #sha256: Hasher | undefined;
  readonly #checksums: ReadonlyArray<readonly [ChecksumAlgorithm, Hasher]>;
  readonly #maxBytes: number;
  readonly #onTooLarge: () => Error;
  #bytes = 0;
  #result: HashingResult | undefined;

  constructor(opts: HashingStreamOptions) {
    const maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
    this.#maxBytes = maxBytes;
    this.#onTooLarge = opts.onTooLarge ?? (() => new RangeError(`body exceeds ${maxBytes} bytes`));
    const add = (h: Hasher): Hasher => {
      this.#hashers.push(h);
      return h;
    };
    this.#md5 = opts.md5 ? add(createHasher('MD5')) : undefined;
    this.#sha256 = opts.sha256 ? add(createHasher('SHA256')) : undefined;
    const checksums: Array<readonly [ChecksumAlgorithm, Hasher]> = [];
    for (const a of new Set(opts.checksums)) {
      // A signed payload with x-amz-checksum-sha256 needs one SHA-256, not two.
      const h = a === 'SHA256' && this.#sha256 ? this.#sha256 : add(createHasher(a));
      checksums.push([a, h]);
    }
    this.#checksums = checksums;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Hash a chunk; returns the error to fail with when the chunk would pass maxBytes. */
  update(chunk: Buffer): Error | undefined {
    const bytes = this.#bytes + chunk.length;
    if (bytes > this.#maxBytes) return this.#onTooLarge();
    this.#bytes = bytes;
    const hashers = this.#hashers;
    for (let i = 0; i < hashers.length; i++) hashers[i]!.update(chunk);
    return undefined;
  }

  finish(): HashingResult {
    const byAlgorithm = new Map<ChecksumAlgorithm | 'MD5', Hasher>(this.#checksums);
    if (this.#md5) byAlgorithm.set('MD5', this.#md5);
    // A signed payload's SHA-256 is also the SHA256 checksum's hasher (see the constructor).
    if (this.#sha256) byAlgorithm.set('SHA256', this.#sha256);
    const opts = { md5: this.#md5 !== undefined, sha256: this.#sha256 !== undefined, checksums: this.#checksums.map(([a]) => a) };
    this.#result = assembleResult(this.#bytes, opts, (a) => byAlgorithm.get(a)!.digest());
    return this.#result;
  }

  /** The digests, once finish() has run. */
  result(): HashingResult {
    if (!this.#result) throw new Error('digests read before the body ended');
    return this.#result;
  }
}

/**
 * The same digests as a DigestSet fed `data` in one chunk, for a body already in memory: small
 * PUTs, where building a hasher per digest costs more than hashing 4 KiB does.
 */
export function digestBuffer(data: Buffer, opts: HashingStreamOptions): HashingResult {
  return assembleResult(data.length, opts, (a) => oneShotDigest(a, data));
}

/**
 * The result a body's digests make, each computed once by `digest`: a node:crypto Hash throws on
 * a second digest(), and SHA256 may be both the payload hash and the checksum.
 */
function assembleResult(bytes: number, opts: Pick<HashingStreamOptions, 'md5' | 'sha256' | 'checksums'>, digest: (a: ChecksumAlgorithm | 'MD5') => Buffer): HashingResult {
  const done = new Map<ChecksumAlgorithm | 'MD5', Buffer>();
  const digestOf = (a: ChecksumAlgorithm | 'MD5'): Buffer => {
    let d = done.get(a);
    if (!d) {
      d = digest(a);
      done.set(a, d);
    }
    return d;
  };
  const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
  for (const a of opts.checksums) checksums[a] = digestOf(a).toString('base64');
  const result: HashingResult = { bytes, checksums };
  if (opts.md5) result.md5 = digestOf('MD5');
  if (opts.sha256) result.sha256 = digestOf('SHA256');
  return result;
}

export class HashingStream extends Transform {
  readonly #digests: DigestSet;
  readonly #md5: OffloadedMd5 | undefined;

  /** With `md5Offload`, the MD5 is computed there (a worker thread) instead of on this thread. */
  constructor(opts: HashingStreamOptions, md5Offload?: OffloadedMd5) {
    super();
    this.#md5 = opts.md5 ? md5Offload : undefined;
    this.#digests = new DigestSet(this.#md5 ? { ...opts, md5: false } : opts);
  }

  get bytes(): number {
    return this.#digests.bytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    // An error through the callback destroys the stream, and pipeline() tears down the rest.
    const err = this.#digests.update(chunk);
    if (err) {
      callback(err);
      return;
    }
    // Far ahead of the MD5 worker: hold the chunk (and so the socket) until it catches up.
    const wait = this.#md5?.update(chunk);
    if (wait) void wait.then(() => callback(null, chunk));
    else callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const result = this.#digests.finish();
    if (!this.#md5) {
      callback();
      return;
    }
    this.#md5.digest().then((md5) => {
      result.md5 = md5;
      callback();
    }, callback);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.#md5?.drop();
    callback(err);
  }

  /** The digests, once the stream has ended (its 'finish' or 'end' has fired). */
  result(): HashingResult {
    try {
      return this.#digests.result();
    } catch {
      throw new Error('HashingStream.result() called before the stream ended');
    }
  }
}
