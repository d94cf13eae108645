// Decodes an aws-chunked request body (Content-Encoding: aws-chunked) into the object bytes,
// verifying the chunk signature chain when the body is signed.
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html

import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { S3Error } from '../errors.js';
import { CHECKSUM_ALGORITHMS, checksumHeaderName, isValidChecksumValue } from '../checksums/index.js';
import { EMPTY_SHA256, hmac, safeEqual, sha256Hex } from './canonical.js';
import type { PayloadMode } from './sigv4.js';

export interface ChunkedDecodeOptions {
  mode: Extract<PayloadMode, { kind: 'streaming-signed' | 'streaming-unsigned-trailer' }>;
  /** x-amz-decoded-content-length, the object size. */
  decodedLength: number | undefined;
  /** Lowercase names from x-amz-trailer (e.g. ['x-amz-checksum-crc32']). */
  expectedTrailers: string[];
}

/** A chunk-size line or a trailer line longer than this is not a real client. */
export const MAX_LINE_BYTES = 4096;
/** "The chunk size must be at least 8 KB", except the last data chunk. */
export const MIN_CHUNK_SIZE_BYTES = 8192;

const TRAILER_SIGNATURE = 'x-amz-trailer-signature';

type State = 'size-line' | 'data' | 'data-crlf' | 'trailer-line' | 'done';

interface Signing {
  key: Buffer;
  /** `{amzDate}\n{scope}\n`, shared by every chunk's and the trailer's string to sign. */
  dateAndScope: string;
  previous: string;
}

function incomplete(detail?: string): S3Error {
  return new S3Error('IncompleteBody', detail === undefined ? {} : { message: detail });
}

function malformedTrailer(): S3Error {
  return new S3Error('MalformedTrailerError');
}

export class AwsChunkedDecoder extends Transform {
  /** After 'end': the trailing headers received (lowercase name → value). */
  readonly trailers: Record<string, string> = {};

  readonly #signing: Signing | undefined;
  readonly #withTrailer: boolean;
  readonly #decodedLength: number | undefined;
  readonly #expected: ReadonlySet<string>;

  #state: State = 'size-line';
  readonly #line = Buffer.allocUnsafe(MAX_LINE_BYTES);
  #lineLength = 0;
  /** Data bytes still to come in the current chunk. */
  #remaining = 0;
  #crlfSeen = 0;
  #chunkCount = 0;
  #lastDataChunkSize: number | undefined;
  #decodedBytes = 0;
  #chunkHash: Hash | undefined;
  #chunkSignature = '';
  #trailerSigned = false;

  constructor(opts: ChunkedDecodeOptions) {
    super();
    const { mode } = opts;
    this.#signing = mode.kind === 'streaming-signed' ? { key: mode.signingKey, dateAndScope: `${mode.amzDate}\n${mode.scope}\n`, previous: mode.seedSignature } : undefined;
    this.#withTrailer = mode.kind === 'streaming-unsigned-trailer' || mode.trailer;
    if (opts.decodedLength !== undefined && !(Number.isSafeInteger(opts.decodedLength) && opts.decodedLength >= 0)) {
      // The caller validates x-amz-decoded-content-length; NaN here would fail every body.
      throw new RangeError(`decodedLength must be a non-negative integer, got ${opts.decodedLength}`);
    }
    this.#decodedLength = opts.decodedLength;
    this.#expected = new Set(opts.expectedTrailers.map((n) => n.toLowerCase()));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#consume(chunk);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.#state === 'done') return callback();
    // Lenient: the closing blank line may be missing when nothing more was owed. The JS SDK ends
    // an unsigned body without trailers with just `0\r\n`.
    if (this.#state === 'trailer-line' && this.#lineLength === 0 && (this.#signing === undefined || !this.#withTrailer || this.#trailerSigned)) {
      try {
        this.#endTrailers();
        return callback();
      } catch (err) {
        return callback(err as Error);
      }
    }
    callback(incomplete());
  }

  #consume(buf: Buffer): void {
    let pos = 0;
    while (pos < buf.length) {
      switch (this.#state) {
        case 'size-line':
        case 'trailer-line': {
          const nl = buf.indexOf(0x0a, pos);
          const end = nl === -1 ? buf.length : nl + 1;
          if (this.#lineLength + (end - pos) > MAX_LINE_BYTES) {
            throw this.#state === 'size-line' ? incomplete() : malformedTrailer();
          }
          buf.copy(this.#line, this.#lineLength, pos, end);
          this.#lineLength += end - pos;
          pos = end;
          if (nl !== -1) this.#onLine();
          break;
        }
        case 'data': {
          const n = Math.min(this.#remaining, buf.length - pos);
          const data = buf.subarray(pos, pos + n);
          this.#chunkHash?.update(data);
          this.push(data);
          this.#remaining -= n;
          pos += n;
          if (this.#remaining === 0) {
            if (this.#signing !== undefined) this.#verifyChunk(this.#chunkHash?.digest('hex') ?? EMPTY_SHA256);
            this.#state = 'data-crlf';
            this.#crlfSeen = 0;
          }
          break;
        }
        case 'data-crlf': {
          if (buf[pos] !== (this.#crlfSeen === 0 ? 0x0d : 0x0a)) throw incomplete();
          pos++;
          if (++this.#crlfSeen === 2) this.#state = 'size-line';
          break;
        }
        case 'done':
          throw incomplete('The request body has data after the final chunk.');
      }
    }
  }

  /** A full line is buffered, ending in LF; it must end in CRLF. */
  #onLine(): void {
    const len = this.#lineLength;
    this.#lineLength = 0;
    if (len < 2 || this.#line[len - 2] !== 0x0d) {
      throw this.#state === 'size-line' ? incomplete() : malformedTrailer();
    }
    const text = this.#line.toString('latin1', 0, len - 2);
    if (this.#state === 'size-line') this.#onSizeLine(text);
    else this.#onTrailerLine(text);
  }

  /** `hex-size;chunk-signature=sig` when signed, `hex-size` otherwise. */
  #onSizeLine(text: string): void {
    const semi = text.indexOf(';');
    const hex = semi === -1 ? text : text.slice(0, semi);
    if (!/^[0-9a-fA-F]{1,13}$/.test(hex)) throw incomplete();
    const size = parseInt(hex, 16);
    this.#chunkCount++;

    if (this.#signing !== undefined) {
      const ext = semi === -1 ? '' : text.slice(semi + 1);
      const m = /^chunk-signature=([0-9a-f]{64})$/.exec(ext);
      if (m === null) throw incomplete();
      this.#chunkSignature = m[1] ?? '';
    }

    if (size > 0 && this.#lastDataChunkSize !== undefined && this.#lastDataChunkSize < MIN_CHUNK_SIZE_BYTES) {
      throw new S3Error('InvalidChunkSizeError', {
        fields: { Chunk: this.#chunkCount - 1, BadChunkSize: this.#lastDataChunkSize },
      });
    }
    if (this.#decodedLength !== undefined && this.#decodedBytes + size > this.#decodedLength) {
      throw incomplete('The chunks carry more bytes than x-amz-decoded-content-length.');
    }

    if (size > 0) {
      this.#lastDataChunkSize = size;
      this.#decodedBytes += size;
      this.#remaining = size;
      this.#chunkHash = this.#signing === undefined ? undefined : createHash('sha256');
      this.#state = 'data';
      return;
    }

    // The final, empty chunk: signed like the others, then the trailer section (or a blank line).
    if (this.#signing !== undefined) this.#verifyChunk(EMPTY_SHA256);
    if (this.#decodedLength !== undefined && this.#decodedBytes !== this.#decodedLength) throw incomplete();
    this.#state = 'trailer-line';
  }

  #verifyChunk(dataSha256: string): void {
    const s = this.#signing;
    if (s === undefined) return;
    const stringToSign = `AWS4-HMAC-SHA256-PAYLOAD\n${s.dateAndScope}${s.previous}\n${EMPTY_SHA256}\n${dataSha256}`;
    const expected = hmac(s.key, stringToSign).toString('hex');
    if (!safeEqual(expected, this.#chunkSignature)) throw new S3Error('SignatureDoesNotMatch');
    s.previous = expected;
  }

  /** `name:value` lines after the final chunk, a signature line when signed, then a blank line. */
  #onTrailerLine(text: string): void {
    if (text === '') {
      this.#endTrailers();
      return;
    }
    if (!this.#withTrailer || this.#trailerSigned) throw malformedTrailer();
    const colon = text.indexOf(':');
    if (colon <= 0) throw malformedTrailer();
    const name = text.slice(0, colon).trim().toLowerCase();
    const value = text.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');

    if (name === TRAILER_SIGNATURE && this.#signing !== undefined) {
      this.#verifyTrailer(value);
      this.#trailerSigned = true;
      return;
    }
    if (!this.#expected.has(name) || Object.hasOwn(this.trailers, name)) throw malformedTrailer();
    this.trailers[name] = value;
  }

  /**
   * The trailer's string to sign hashes each trailing header as `name:value\n` (the CRT's
   * canonical form, sorted by name like canonical headers).
   */
  #verifyTrailer(signature: string): void {
    const s = this.#signing;
    if (s === undefined) return;
    const canonical = Object.keys(this.trailers)
      .sort()
      .map((name) => `${name}:${this.trailers[name] ?? ''}\n`)
      .join('');
    const stringToSign = `AWS4-HMAC-SHA256-TRAILER\n${s.dateAndScope}${s.previous}\n${sha256Hex(Buffer.from(canonical, 'latin1'))}`;
    const expected = hmac(s.key, stringToSign).toString('hex');
    if (!safeEqual(expected, signature)) throw new S3Error('SignatureDoesNotMatch');
    s.previous = expected;
  }

  #endTrailers(): void {
    if (this.#signing !== undefined && this.#withTrailer && !this.#trailerSigned) throw malformedTrailer();
    for (const name of this.#expected) if (!Object.hasOwn(this.trailers, name)) throw malformedTrailer();
    // Once the section is complete (and its signature verified), a checksum trailer's value is
    // checked for shape as the header's is, with S3's own message for trailers.
    for (const a of CHECKSUM_ALGORITHMS) {
      const name = checksumHeaderName(a);
      const value = this.trailers[name];
      if (value !== undefined && !isValidChecksumValue(a, value)) {
        throw new S3Error('InvalidRequest', { message: `Value for ${name} trailing header is invalid.` });
      }
    }
    this.#state = 'done';
  }
}
