// The files the client scenarios upload, and the oracles their downloads are checked against:
// written and hashed as streams, so a 40 MB file never sits whole in the test's memory.
import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const CHUNK_BYTES = 1024 * 1024;

export interface LocalFile {
  path: string;
  size: number;
  sha256: string;
}

/** `size` pseudo-random bytes fully determined by `seed` (an AES-256-CTR keystream), as chunks. */
function* deterministicChunks(seed: string, size: number): Generator<Buffer> {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  for (let left = size; left > 0; left -= CHUNK_BYTES) yield cipher.update(Buffer.alloc(Math.min(CHUNK_BYTES, left)));
}

/** Write `size` deterministic bytes to `path` (fsynced, so a client reads exactly them). */
export async function writeDeterministicFile(path: string, seed: string, size: number): Promise<LocalFile> {
  const hash = createHash('sha256');
  function* hashed(): Generator<Buffer> {
    for (const chunk of deterministicChunks(seed, size)) {
      hash.update(chunk);
      yield chunk;
    }
  }
  await pipeline(Readable.from(hashed()), createWriteStream(path, { flush: true }));
  return { path, size, sha256: hash.digest('hex') };
}

/** SHA-256 (hex) of a byte stream. */
export async function sha256Of(source: NodeJS.ReadableStream | Readable): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(
    source,
    new Writable({
      write(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done();
      },
    }),
  );
  return hash.digest('hex');
}

export function sha256OfFile(path: string): Promise<string> {
  return sha256Of(createReadStream(path));
}

/** Bytes `first`..`last` (inclusive, as in an HTTP Range) of a local file. */
export async function readFileRange(path: string, first: number, last: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const out = Buffer.alloc(last - first + 1);
    const { bytesRead } = await fh.read(out, 0, out.length, first);
    return out.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * The ETag S3 gives the file uploaded in parts of `partSize` bytes: the MD5 of the concatenated
 * part MD5s, a dash and the part count; the plain MD5 when it goes up in one PUT (no part size).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity-upload.html
 */
export async function expectedEtag(path: string, partSize: number | undefined): Promise<string> {
  const whole = createHash('md5');
  const parts: Buffer[] = [];
  let part = createHash('md5');
  let inPart = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    whole.update(chunk);
    if (partSize === undefined) continue;
    for (let at = 0; at < chunk.length; ) {
      const take = Math.min(partSize - inPart, chunk.length - at);
      part.update(chunk.subarray(at, at + take));
      inPart += take;
      at += take;
      if (inPart === partSize) {
        parts.push(part.digest());
        part = createHash('md5');
        inPart = 0;
      }
    }
  }
  if (partSize === undefined) return whole.digest('hex');
  if (inPart > 0) parts.push(part.digest());
  return `${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-${parts.length}`;
}
