// One way for object bytes. Every write of a body (PutObject, CopyObject, UploadPart,
// UploadPartCopy) and every read of a version's bytes (GetObject whole, by range or by part, and
// copy sources) goes through here, and through the stored-bytes transform of stored-bytes.ts:
// a transform (encryption, compression) plugs in at this one place.
//
// Writing: the body flows through the hashers, then the transform's encoder, into a blob (or, for
// small objects, into memory to be stored inline in the metadata row); then the lengths and
// digests the client announced are checked, before anything becomes visible. The blob is durable
// and pending when this returns; the caller commits it and settles it.
//
// Reading: blob files are opened before returning, so a concurrent overwrite that deletes them
// cannot cut the response short.
import { Readable } from 'node:stream';
import { S3Error } from '../errors.js';
import type { BlobStore, ByteRange, OpenedBlob } from '../blobs/blob-store.js';
import { HashingStream, digestBuffer } from '../checksums/index.js';
import type { ChecksumAlgorithm, HashingResult } from '../checksums/index.js';
import type { ObjectRecord, PartRef } from '../meta/types.js';
import { StallGuard, pipeAll } from '../streams.js';
import type { EngineDeps } from './deps.js';
import { storeOf } from './deps.js';
import { Collector, DEFAULT_IDLE_TIMEOUT_MS, OFFLOAD_MD5_BYTES, asBodyError, hashOptionsFor, readSmall, verifyBody } from './ingest.js';
import type { BodyInput } from './ingest.js';
import { storedBytesTransform } from './stored-bytes.js';
import type { StoredBytesLayers, StoredBytesTransform } from './stored-bytes.js';
import { ArchiveCompression } from './archive-compression.js';

export interface WrittenData {
  /** The client's bytes (what the object holds), whatever the stored size. */
  size: number;
  md5Hex: string;
  /** CRC64NVME always, plus the client's algorithm. base64 by algorithm. */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
  /** Where the stored bytes went. */
  bytes: { inlineData: Buffer } | { blobId: string };
}

export interface WriteOptions {
  /** A body up to this size that needs no decoding is stored inline; -1: always a blob. */
  inlineMaxBytes: number;
  /** How the bytes are stored (stored-bytes.ts), decided by the version or upload being written. */
  transform: StoredBytesTransform;
  /** 'archive': a blob on the archive volume (an archive storage class); else the blob store. */
  volume?: 'archive';
}

/** Store a body: hashed, encoded, durable, verified. On any failure nothing is left behind. */
export async function writeObjectData(deps: EngineDeps, body: BodyInput, options: WriteOptions): Promise<WrittenData> {
  const hashOptions = hashOptionsFor(body);
  const [source, ...decoders] = body.stages;
  if (!source) throw new Error('a body needs a source');
  // Refused before a byte is read: an upload never eats the space a delete needs to commit.
  const store = storeOf(deps, options.volume);
  // A body of unknown length is checked for the least it may be; a full disk mid-write still
  // fails it with InsufficientStorage.
  if (!store.hasRoomFor(body.lengthRange ? body.lengthRange.min : body.size)) throw new S3Error('InsufficientStorage');
  body.begin?.();
  const { transform } = options;
  let plain: Buffer | undefined;
  let stored: WrittenData['bytes'] | undefined;
  let hasher: { result(): HashingResult };
  try {
    // A body of unknown length is read whole only when even its most fits inline.
    if (body.size <= options.inlineMaxBytes && decoders.length === 0) {
      // The source's own 'close' tells a disconnect here; no abort signal is needed.
      plain = await readSmall(source, body.size, hashOptions.onTooLarge, body.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
      const r = digestBuffer(plain, hashOptions);
      hasher = { result: () => r };
    } else {
      const signal = typeof body.signal === 'function' ? body.signal() : body.signal;
      const stream = new HashingStream(hashOptions, body.size >= OFFLOAD_MD5_BYTES ? deps.md5.start() : undefined);
      hasher = stream;
      // The hashers see the client's bytes; the transform's encoder comes after them.
      const stages = [source, new StallGuard(body.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS), ...decoders, stream, ...transform.encodeStages()];
      if (body.size <= options.inlineMaxBytes) {
        const sink = new Collector();
        await pipeAll([...stages, sink], signal);
        stored = { inlineData: Buffer.concat(sink.chunks) };
      } else {
        stored = { blobId: (await store.write(stages, signal)).id };
      }
    }
  } catch (err) {
    throw asBodyError(err);
  }
  let hashed: HashingResult;
  try {
    hashed = hasher.result();
    verifyBody(hashed, body);
  } catch (err) {
    if (stored !== undefined && 'blobId' in stored) await store.delete(stored.blobId).catch(() => undefined);
    throw err;
  }
  stored ??= { inlineData: transform.encodeBuffer(plain!) };
  return { size: hashed.bytes, md5Hex: hashed.md5!.toString('hex'), checksums: hashed.checksums, bytes: stored };
}

/** Write options for a part: always a blob, since completing an upload lists its parts' blobs. */
export function partWriteOptions(transform: StoredBytesTransform): WriteOptions {
  return { inlineMaxBytes: -1, transform };
}

/** The blob of data written with partWriteOptions. */
export function partBlobId(written: WrittenData): string {
  if (!('blobId' in written.bytes)) throw new Error('a part was stored inline');
  return written.bytes.blobId;
}

/**
 * Write options of an archive class: always a blob, on the archive volume, compressed in front of
 * the version's own transform. `compressedSize()` tells, after the write, what the version's
 * `archive.stored` records.
 */
export function archiveWriteOptions(inner: StoredBytesTransform): WriteOptions & { compressedSize(): number } {
  const transform = new ArchiveCompression(inner);
  return { inlineMaxBytes: -1, transform, volume: 'archive', compressedSize: () => transform.writtenCompressedSize };
}

/** What reading a version's bytes needs of its record. */
export type StoredObject = Pick<ObjectRecord, 'size' | 'inlineData' | 'blobId' | 'parts' | 'encryption' | 'archive'>;

/**
 * Copy `range` (default all) of a stored version into new stored data (CopyObject,
 * UploadPartCopy): read through the source's transform (`sourceLayers`), written through the target's.
 * `body` says what to compute of the bytes; they come from our own store, so nothing is checked.
 */
export async function copyObjectData(
  deps: EngineDeps,
  source: StoredObject,
  range: ByteRange | undefined,
  body: Pick<BodyInput, 'checksumAlgorithm' | 'signal'>,
  options: WriteOptions,
  sourceLayers: StoredBytesLayers = {},
): Promise<WrittenData> {
  const stream = toStream(await readObjectData(deps, source, range, sourceLayers));
  const size = range ? range.end - range.start + 1 : source.size;
  return writeObjectData(deps, { ...body, stages: [stream], size, computeOnly: true }, options).catch((err: unknown) => {
    stream.destroy();
    throw err;
  });
}

/**
 * The client's bytes `range` (default all) of a version: a Buffer, at once, when it is stored
 * inline (sent as is, without a stream: small GETs are the hot path), else a stream of its blob or
 * of the parts that cover the range, once they are open.
 */
export function readObjectData(deps: EngineDeps, obj: StoredObject, range?: ByteRange, layers: StoredBytesLayers = {}): Buffer | Promise<Readable> {
  // The engine opens an encrypted version's key (encryption.ts) before its bytes are asked for.
  if (obj.encryption !== undefined && layers.dataKey === undefined) throw new Error('an encrypted version was read without its data key');
  const transform = storedBytesTransform(layers);
  const r = range ?? { start: 0, end: obj.size - 1 };
  const archive = obj.archive;
  // An archived version reads from its restored copy while it has one (engine/archive.ts decides
  // whether it may be read at all), else from the archive volume, decompressed (a restore). Both
  // hold bytes under the version's own data key: compression sits inside the encryption.
  let opened: Promise<Readable>;
  if (archive?.restore?.blobId) opened = openStored(deps.blobs, transform, { size: obj.size, blobId: archive.restore.blobId, parts: null }, r);
  else if (archive?.stored && obj.blobId) opened = openStored(deps.archive, new ArchiveCompression(transform, archive.stored.compressedSize), obj, r);
  else if (obj.inlineData) return transform.decodeBuffer(obj.inlineData, r);
  else opened = openStored(deps.blobs, transform, obj, r);
  return layers.dataKey === undefined ? opened : opened.then(firstBytes);
}

/**
 * `stream` once its first bytes are ready, or its error: a first frame that fails authentication
 * is then an error response (500) rather than a connection cut after a 200.
 */
function firstBytes(stream: Readable): Promise<Readable> {
  return new Promise((resolve, reject) => {
    const ready = (): void => {
      stream.off('error', failed);
      resolve(stream);
    };
    const failed = (err: Error): void => {
      stream.off('readable', ready);
      reject(err);
    };
    stream.once('readable', ready);
    stream.once('error', failed);
  });
}

async function openStored(store: BlobStore, transform: StoredBytesTransform, obj: Pick<StoredObject, 'size' | 'blobId' | 'parts'>, r: ByteRange): Promise<Readable> {
  if (obj.size === 0 || r.end < r.start) return Readable.from([], { objectMode: false });
  if (obj.blobId) {
    const blob = await store.open(obj.blobId);
    return decodeBlob(transform, blob, r, obj.size);
  }
  return readParts(store, transform, obj.parts ?? [], r);
}

function toStream(data: Buffer | Readable): Readable {
  return Buffer.isBuffer(data) ? Readable.from([data], { objectMode: false }) : data;
}

function decodeBlob(transform: StoredBytesTransform, blob: OpenedBlob, range: ByteRange, size: number): Readable {
  try {
    return transform.decodeRange(range, size, (stored) => blob.read(stored));
  } catch (err) {
    void blob.close().catch(() => undefined);
    throw err;
  }
}

/** The parts that cover [start, end], each with the range of it to read, in order. */
function partSlices(parts: PartRef[], range: ByteRange): Array<{ part: PartRef; range: ByteRange }> {
  const out: Array<{ part: PartRef; range: ByteRange }> = [];
  let offset = 0;
  for (const part of parts) {
    const first = offset;
    const last = offset + part.size - 1;
    offset += part.size;
    if (part.size === 0 || last < range.start || first > range.end) continue;
    out.push({ part, range: { start: Math.max(range.start, first) - first, end: Math.min(range.end, last) - first } });
  }
  return out;
}

/** A multipart object's bytes: every covering part opened now, then read one after the other. */
async function readParts(store: BlobStore, transform: StoredBytesTransform, parts: PartRef[], range: ByteRange): Promise<Readable> {
  const slices = partSlices(parts, range);
  const opening = await Promise.allSettled(slices.map((s) => store.open(s.part.blobId)));
  const failed = opening.find((o) => o.status === 'rejected');
  if (failed) {
    for (const o of opening) if (o.status === 'fulfilled') void o.value.close().catch(() => undefined);
    throw failed.reason;
  }
  const blobs = opening.map((o) => (o as PromiseFulfilledResult<OpenedBlob>).value);
  // Blobs from `next` on have not been read: closing the stream early releases them.
  let next = 0;
  async function* concat(): AsyncGenerator<Buffer> {
    while (next < slices.length) {
      const i = next++;
      for await (const chunk of decodeBlob(transform, blobs[i]!, slices[i]!.range, slices[i]!.part.size)) yield chunk as Buffer;
    }
  }
  const stream = Readable.from(concat(), { objectMode: false });
  stream.once('close', () => {
    for (let i = next; i < blobs.length; i++) void blobs[i]!.close().catch(() => undefined);
  });
  return stream;
}
