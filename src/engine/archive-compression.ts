// The archive tier's transform of stored bytes: brotli compression, composed with the transform
// the version has anyway (its encryption), compression first: encrypted bytes do not compress.
// Writing: client bytes → brotli → inner encode stages → archive blob. Reading: the whole stored
// unit through the inner transform, then brotli, then the range asked for (a compressed stream has
// no random access; archived bytes are read whole by a restore, not by range requests).
import { Readable, Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { brotliCompressSync, brotliDecompressSync, constants, createBrotliCompress, createBrotliDecompress } from 'node:zlib';
import type { ByteRange } from '../blobs/blob-store.js';
import type { StoredBytesTransform } from './stored-bytes.js';

/**
 * Quality 5 of 11: archives are written by a background transition as often as by a PUT, so
 * speed matters; 5 is where brotli's speed falls off while text still shrinks several-fold.
 */
const BROTLI_QUALITY = 5;

function brotliOptions(sizeHint?: number) {
  return {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      ...(sizeHint !== undefined ? { [constants.BROTLI_PARAM_SIZE_HINT]: sizeHint } : {}),
    },
  };
}

/** Counts the bytes that pass. */
class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

/** Passes bytes [start, end] of what flows through (inclusive), drops the rest. */
export class ByteSlice extends Transform {
  private offset = 0;
  constructor(
    private readonly first: number,
    private readonly last: number,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const first = this.offset;
    this.offset += chunk.length;
    const from = Math.max(this.first - first, 0);
    const to = Math.min(this.last - first + 1, chunk.length);
    cb(null, to > from ? chunk.subarray(from, to) : undefined);
  }
}

/**
 * Compression in front of `inner`. `compressedSize` is the size of the compressed stream of a unit
 * already stored (what the inner transform holds as its plain bytes); after a write through
 * encodeStages or encodeBuffer, `writtenCompressedSize` tells the size of the unit just written.
 */
export class ArchiveCompression implements StoredBytesTransform {
  private counter: ByteCounter | undefined;
  private bufferSize: number | undefined;

  constructor(
    private readonly inner: StoredBytesTransform,
    private readonly compressedSize = 0,
  ) {}

  get writtenCompressedSize(): number {
    return this.counter?.bytes ?? this.bufferSize ?? 0;
  }

  encodeStages(): Transform[] {
    this.counter = new ByteCounter();
    return [createBrotliCompress(brotliOptions()), this.counter, ...this.inner.encodeStages()];
  }

  encodeBuffer(plain: Buffer): Buffer {
    const compressed = brotliCompressSync(plain, brotliOptions(plain.length));
    this.bufferSize = compressed.length;
    return this.inner.encodeBuffer(compressed);
  }

  decodeRange(range: ByteRange, _size: number, readStored: (stored: ByteRange) => Readable): Readable {
    if (range.end < range.start) return Readable.from([], { objectMode: false });
    const whole = { start: 0, end: this.compressedSize - 1 };
    const compressed = this.inner.decodeRange(whole, this.compressedSize, readStored);
    const out = new ByteSlice(range.start, range.end);
    const decompress = createBrotliDecompress();
    // Errors of any stage end the stream the caller holds; its destruction releases the blob.
    compressed.once('error', (err) => out.destroy(err));
    decompress.once('error', (err) => out.destroy(err));
    out.once('close', () => {
      compressed.destroy();
      decompress.destroy();
    });
    return compressed.pipe(decompress).pipe(out);
  }

  decodeBuffer(stored: Buffer, range: ByteRange): Buffer {
    const compressed = this.inner.decodeBuffer(stored, { start: 0, end: this.compressedSize - 1 });
    return brotliDecompressSync(compressed).subarray(range.start, range.end + 1);
  }
}
