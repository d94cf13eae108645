// The seam where a transform of the stored bytes plugs in: what is stored may differ from what the
// client sent (encrypted for SSE, compressed in an archive tier), and object-data.ts passes every
// write and every read of object bytes through the one transform a version or upload names.
// Digests (ETag, checksums) are always of the client's bytes: they are computed before encoding.
import type { Readable, Transform } from 'node:stream';
import type { ByteRange } from '../blobs/blob-store.js';
import type { ObjectEncryption } from '../meta/types.js';

export interface StoredBytesTransform {
  /**
   * Stages the client's bytes pass through, after the hashers, on their way into storage; what
   * comes out is stored. Each call gives fresh stages for one stored unit (an object or a part).
   */
  encodeStages(): Transform[];
  /** The same for a body already whole in memory (a small object stored inline). */
  encodeBuffer(plain: Buffer): Buffer;
  /**
   * The client's bytes `range` of a stored unit holding `size` of them, from its stored bytes:
   * `readStored` streams a range of those, so a transform whose blocks are independent
   * (chunked encryption) reads only the blocks that cover `range`.
   */
  decodeRange(range: ByteRange, size: number, readStored: (stored: ByteRange) => Readable): Readable;
  /** The same for bytes stored inline: `range` of the client's bytes from the whole stored buffer. */
  decodeBuffer(stored: Buffer, range: ByteRange): Buffer;
}

/** Bytes stored as the client sent them. */
export const IDENTITY_TRANSFORM: StoredBytesTransform = {
  encodeStages: () => [],
  encodeBuffer: (plain) => plain,
  decodeRange: (range, _size, readStored) => readStored(range),
  decodeBuffer: (stored, range) => (range.start === 0 && range.end === stored.length - 1 ? stored : stored.subarray(range.start, range.end + 1)),
};

/**
 * The transform of the bytes stored under `encryption` (a version's, or an upload's for its
 * parts): the one place that decides it. Nothing sets an encryption yet, so every version's bytes
 * are stored as sent; SSE adds its envelope here, and an archive tier its compression beside it.
 */
export function storedBytesTransform(_encryption: ObjectEncryption | undefined): StoredBytesTransform {
  return IDENTITY_TRANSFORM;
}
