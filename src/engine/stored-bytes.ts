// The seam where a transform of the stored bytes plugs in: what is stored may differ from what the
// client sent (encrypted for SSE, compressed in an archive tier), and object-data.ts passes every
// write and every read of object bytes through the one transform a version or upload names.
// Digests (ETag, checksums) are always of the client's bytes: they are computed before encoding.
import { pipeline } from 'node:stream';
import type { Readable, Transform } from 'node:stream';
import type { ByteRange } from '../blobs/blob-store.js';
import { FRAME_BYTES, FRAME_OVERHEAD_BYTES, FrameDecryptor, FrameEncryptor, decryptBuffer, encryptBuffer, storedRangeOf } from '../crypto/frames.js';

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
 * What a stored unit's bytes went through, outermost last: the data key of its encryption (chunked
 * AES-256-GCM, src/crypto/frames.ts). An archive tier's compression goes beside it, applied before
 * the encryption (compressed bytes do not compress again once encrypted).
 */
export interface StoredBytesLayers {
  dataKey?: Buffer;
}

/** Bytes encrypted in authenticated frames under a data key. */
function encryptedTransform(key: Buffer): StoredBytesTransform {
  return {
    encodeStages: () => [new FrameEncryptor(key)],
    encodeBuffer: (plain) => encryptBuffer(key, plain),
    decodeRange: (range, size, readStored) => {
      const where = storedRangeOf(range.start, range.end, size);
      const decoder = new FrameDecryptor(key, where.firstFrame, range.start, range.end, size);
      // pipeline destroys the stored stream when the reader stops early, and fails the decoder
      // when the stored stream breaks.
      pipeline(readStored({ start: where.start, end: where.end }), decoder, () => undefined);
      return decoder;
    },
    decodeBuffer: (stored, range) => decryptBuffer(key, stored, range.start, range.end, plainSizeOf(stored.length)),
  };
}

/** Client bytes of `storedBytes` of frames. */
function plainSizeOf(storedBytes: number): number {
  const frames = Math.ceil(storedBytes / (FRAME_BYTES + FRAME_OVERHEAD_BYTES));
  return storedBytes - frames * FRAME_OVERHEAD_BYTES;
}

/**
 * The transform of the bytes stored under `layers` (a version's, or an upload's for its parts):
 * the one place that decides it. The engine opens the data key first (encryption.ts), after
 * checking what the request presented for it.
 */
export function storedBytesTransform(layers: StoredBytesLayers = {}): StoredBytesTransform {
  return layers.dataKey ? encryptedTransform(layers.dataKey) : IDENTITY_TRANSFORM;
}
