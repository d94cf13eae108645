// A request body as the engine takes it in: its source and decoders, what the client announced
// of it, how a small one is read off its socket, and the checks of its length and digests.
// object-data.ts streams it into storage with these.
import type { Readable, Transform } from 'node:stream';
import { Writable } from 'node:stream';
import { S3Error } from '../errors.js';
import { checksumHeaderName } from '../checksums/index.js';
import type { HashingResult, HashingStreamOptions } from '../checksums/index.js';
import type { ChecksumAlgorithm } from '../checksums/index.js';

export interface BodyInput {
  /** Source first: the request, then decoders (aws-chunked). */
  stages: Array<Readable | Transform>;
  /** The source stalling this long fails the body with RequestTimeout. */
  idleTimeoutMs?: number;
  /**
   * Bytes the object will have (Content-Length, or x-amz-decoded-content-length); with
   * `lengthRange`, the most it may have.
   */
  size: number;
  /**
   * Set when the length is learned only at the body's end (a browser POST's file, framed by its
   * form, not by Content-Length): the body must end with at least `min` bytes and `size` at most.
   */
  lengthRange?: { min: number; tooSmall: () => Error; tooLarge: () => Error };
  /** Decoded Content-MD5, when sent. */
  contentMd5?: Buffer;
  /** x-amz-content-sha256 when it is a digest of the payload. */
  sha256Hex?: string;
  /** The flexible checksum the client chose, and its value when sent as a header. */
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumValue?: string;
  /** A checksum sent as an aws-chunked trailer, read once the body has ended. */
  trailerChecksum?: () => string | undefined;
  /** Compute the checksum without a value to check it against (copies from our own store). */
  computeOnly?: boolean;
  /**
   * Called once, right before the first byte is read: the edge answers Expect: 100-continue
   * then, so a write refused from what it announced (a quota) is refused before its body is sent.
   */
  begin?: () => void;
  /** Aborts the body when the client goes away; a function so it is made only when used. */
  signal?: AbortSignal | (() => AbortSignal);
}

export const DEFAULT_IDLE_TIMEOUT_MS = 20_000;

/** Keeps what is written to it, for a small body that passed through decoders. */
export class Collector extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.chunks.push(chunk);
    cb();
  }
}

/**
 * Read a small body that needs no decoding straight off its source: no pipeline, no stages, one
 * timer, and its digests computed once it is whole. Small PUTs are the hot path of many
 * workloads, and a pipeline per request costs more than the bytes do. On failure the source is
 * left alone (the response closes the connection).
 */
export function readSmall(src: Readable, maxBytes: number, onTooLarge: () => Error, idleTimeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let ended = false;
    const timer = setTimeout(() => fail(new S3Error('RequestTimeout')), idleTimeoutMs);
    const onData = (chunk: Buffer): void => {
      timer.refresh();
      bytes += chunk.length;
      if (bytes > maxBytes) fail(onTooLarge());
      else chunks.push(chunk);
    };
    const onEnd = (): void => {
      ended = true;
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes));
    };
    const onClose = (): void => {
      if (!ended) fail(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    };
    function cleanup(): void {
      clearTimeout(timer);
      src.off('data', onData);
      src.off('end', onEnd);
      src.off('error', fail);
      src.off('close', onClose);
    }
    function fail(err: Error): void {
      cleanup();
      reject(err);
    }
    src.on('data', onData);
    src.once('end', onEnd);
    src.once('error', fail);
    src.once('close', onClose);
  });
}

/** Bodies at least this large hash their MD5 on a worker thread. */
export const OFFLOAD_MD5_BYTES = 8 * 1024 * 1024;

/** What the hashers compute of a body, and the limit past which it is longer than announced. */
export function hashOptionsFor(body: BodyInput): HashingStreamOptions & { onTooLarge: () => Error } {
  const algorithms: ChecksumAlgorithm[] = ['CRC64NVME'];
  if (body.checksumAlgorithm && body.checksumAlgorithm !== 'CRC64NVME') algorithms.push(body.checksumAlgorithm);
  return {
    md5: true,
    sha256: body.sha256Hex !== undefined,
    checksums: algorithms,
    maxBytes: body.size,
    onTooLarge: body.lengthRange?.tooLarge ?? (() => new S3Error('IncompleteBody', { message: 'The request body is longer than the Content-Length announced.' })),
  };
}

/**
 * Check the lengths and digests the client announced against what the body turned out to be;
 * throws the S3 error for the first that differs. Nothing may become visible before this passes.
 */
export function verifyBody(r: HashingResult, body: BodyInput): void {
  if (body.lengthRange) {
    if (r.bytes < body.lengthRange.min) throw body.lengthRange.tooSmall();
  } else if (r.bytes !== body.size) throw new S3Error('IncompleteBody');
  if (body.contentMd5 && !body.contentMd5.equals(r.md5!)) throw new S3Error('BadDigest');
  if (body.sha256Hex !== undefined && r.sha256!.toString('hex') !== body.sha256Hex.toLowerCase()) {
    throw new S3Error('XAmzContentSHA256Mismatch', {
      fields: { ClientComputedContentSHA256: body.sha256Hex, S3ComputedContentSHA256: r.sha256!.toString('hex') },
    });
  }
  if (body.checksumAlgorithm && !body.computeOnly) {
    const expected = body.checksumValue ?? body.trailerChecksum?.();
    const actual = r.checksums[body.checksumAlgorithm];
    if (expected === undefined) {
      throw new S3Error('InvalidRequest', {
        message: `x-amz-sdk-checksum-algorithm specified, but no corresponding ${checksumHeaderName(body.checksumAlgorithm)} header or trailer was sent.`,
      });
    }
    if (expected !== actual) {
      throw new S3Error('BadDigest', { message: `The ${body.checksumAlgorithm} you specified did not match the calculated checksum.` });
    }
  }
}

/** A body that ended early or broke off is IncompleteBody unless a stage said something more precise. */
export function asBodyError(err: unknown): unknown {
  if (err instanceof S3Error) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  // ABORT_ERR: the body's signal fired, which the edge does when the client goes away.
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'ABORT_ERR' || (err as Error | undefined)?.message === 'aborted') {
    return new S3Error('IncompleteBody', { cause: err });
  }
  return err;
}
