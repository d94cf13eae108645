// Take a request body into storage: stream it through the hashers into a blob (or, for small
// objects, into memory to be stored inline in the metadata row), then verify the lengths and
// digests the client announced before anything becomes visible.
import type { Readable, Transform } from 'node:stream';
import { StallGuard, pipeAll } from '../streams.js';
import { Writable } from 'node:stream';
import { S3Error } from '../errors.js';
import type { FsBlobStore } from '../blobs/fs-blob-store.js';
import { HashingStream, checksumHeaderName, digestBuffer } from '../checksums/index.js';
import type { HashingResult } from '../checksums/index.js';
import type { Md5Pool } from '../checksums/index.js';
import type { ChecksumAlgorithm } from '../checksums/index.js';

export interface BodyInput {
  /** Source first: the request, then decoders (aws-chunked). */
  stages: Array<Readable | Transform>;
  /** The source stalling this long fails the body with RequestTimeout. */
  idleTimeoutMs?: number;
  /** Bytes the object will have (Content-Length, or x-amz-decoded-content-length). */
  size: number;
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
  /** Aborts the body when the client goes away; a function so it is made only when used. */
  signal?: AbortSignal | (() => AbortSignal);
}

export interface IngestResult {
  size: number;
  md5Hex: string;
  /** CRC64NVME always, plus the client's algorithm. base64 by algorithm. */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
  blobId: string | null;
  inlineData: Buffer | null;
}

const DEFAULT_IDLE_TIMEOUT_MS = 20_000;

class Collector extends Writable {
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
function readSmall(src: Readable, maxBytes: number, onTooLarge: () => Error, idleTimeoutMs: number): Promise<Buffer> {
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
const OFFLOAD_MD5_BYTES = 8 * 1024 * 1024;

export async function ingestBody(blobs: FsBlobStore, body: BodyInput, inlineMaxBytes: number, md5Pool?: Md5Pool): Promise<IngestResult> {
  const algorithms: ChecksumAlgorithm[] = ['CRC64NVME'];
  if (body.checksumAlgorithm && body.checksumAlgorithm !== 'CRC64NVME') algorithms.push(body.checksumAlgorithm);
  const hashOptions = {
    md5: true,
    sha256: body.sha256Hex !== undefined,
    checksums: algorithms,
    maxBytes: body.size,
    onTooLarge: () => new S3Error('IncompleteBody', { message: 'The request body is longer than the Content-Length announced.' }),
  };
  const [source, ...decoders] = body.stages;
  if (!source) throw new Error('a body needs a source');
  // Refused before a byte is read: an upload never eats the space a delete needs to commit.
  if (!blobs.hasRoomFor(body.size)) throw new S3Error('InsufficientStorage');
  let blobId: string | null = null;
  let inlineData: Buffer | null = null;
  let hasher: { result(): HashingResult };
  try {
    if (body.size <= inlineMaxBytes && decoders.length === 0) {
      // The source's own 'close' tells a disconnect here; no abort signal is needed.
      const data = await readSmall(source, body.size, hashOptions.onTooLarge, body.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
      inlineData = data;
      const r = digestBuffer(data, hashOptions);
      hasher = { result: () => r };
    } else {
      const signal = typeof body.signal === 'function' ? body.signal() : body.signal;
      const stream = new HashingStream(hashOptions, md5Pool && body.size >= OFFLOAD_MD5_BYTES ? md5Pool.start() : undefined);
      hasher = stream;
      const stages = [source, new StallGuard(body.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS), ...decoders, stream];
      if (body.size <= inlineMaxBytes) {
        const sink = new Collector();
        await pipeAll([...stages, sink], signal);
        inlineData = Buffer.concat(sink.chunks);
      } else {
        blobId = (await blobs.write(stages, signal)).id;
      }
    }
  } catch (err) {
    throw asBodyError(err);
  }
  try {
    const r = hasher.result();
    if (r.bytes !== body.size) throw new S3Error('IncompleteBody');
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
    return { size: r.bytes, md5Hex: r.md5!.toString('hex'), checksums: r.checksums, blobId, inlineData };
  } catch (err) {
    if (blobId) await blobs.delete(blobId).catch(() => undefined);
    throw err;
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
