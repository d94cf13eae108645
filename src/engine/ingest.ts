// Take a request body into storage: stream it through the hashers into a blob (or, for small
// objects, into memory to be stored inline in the metadata row), then verify the lengths and
// digests the client announced before anything becomes visible.
import type { Readable, Transform } from 'node:stream';
import { pipeAll } from '../streams.js';
import { Writable } from 'node:stream';
import { S3Error } from '../errors.js';
import type { FsBlobStore } from '../blobs/fs-blob-store.js';
import { HashingStream, checksumHeaderName } from '../checksums/index.js';
import type { ChecksumAlgorithm } from '../checksums/index.js';

export interface BodyInput {
  /** Source first: the request, then decoders (timeouts, aws-chunked). */
  stages: Array<Readable | Transform>;
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
  signal?: AbortSignal;
}

export interface IngestResult {
  size: number;
  md5Hex: string;
  /** CRC64NVME always, plus the client's algorithm. base64 by algorithm. */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
  blobId: string | null;
  inlineData: Buffer | null;
}

class Collector extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.chunks.push(chunk);
    cb();
  }
}

export async function ingestBody(blobs: FsBlobStore, body: BodyInput, inlineMaxBytes: number): Promise<IngestResult> {
  const algorithms: ChecksumAlgorithm[] = ['CRC64NVME'];
  if (body.checksumAlgorithm && body.checksumAlgorithm !== 'CRC64NVME') algorithms.push(body.checksumAlgorithm);
  const hasher = new HashingStream({
    md5: true,
    sha256: body.sha256Hex !== undefined,
    checksums: algorithms,
    maxBytes: body.size,
    onTooLarge: () => new S3Error('IncompleteBody', { message: 'The request body is longer than the Content-Length announced.' }),
  });
  const stages = [...body.stages, hasher];
  let blobId: string | null = null;
  let inlineData: Buffer | null = null;
  try {
    if (body.size <= inlineMaxBytes) {
      const sink = new Collector();
      await pipeAll([...stages, sink], body.signal);
      inlineData = Buffer.concat(sink.chunks);
    } else {
      blobId = (await blobs.write(stages, body.signal)).id;
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
