// The archive tier's compression as a stored-bytes transform: what it writes is brotli of the
// client's bytes passed through the inner transform, and any range reads back from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Transform } from 'node:stream';
import { brotliDecompressSync } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import type { ByteRange } from '../blobs/blob-store.js';
import { ArchiveCompression, ByteSlice } from './archive-compression.js';
import { IDENTITY_TRANSFORM } from './stored-bytes.js';
import type { StoredBytesTransform } from './stored-bytes.js';

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Stand-in for an encryption that plugs in inside the compression: XOR with 0x5a, byte for byte. */
const XOR: StoredBytesTransform = {
  encodeStages: () => [
    new Transform({
      transform(chunk: Buffer, _e, cb) {
        cb(null, Buffer.from(chunk.map((b) => b ^ 0x5a)));
      },
    }),
  ],
  encodeBuffer: (plain) => Buffer.from(plain.map((b) => b ^ 0x5a)),
  decodeRange: (range, _size, readStored) =>
    readStored(range).pipe(
      new Transform({
        transform(chunk: Buffer, _e, cb) {
          cb(null, Buffer.from(chunk.map((b) => b ^ 0x5a)));
        },
      }),
    ),
  decodeBuffer: (stored, range) => Buffer.from(stored.subarray(range.start, range.end + 1).map((b) => b ^ 0x5a)),
};

const plain = Buffer.from(Array.from({ length: 50_000 }, (_, i) => `line ${i % 97}\n`).join(''));

async function storeThrough(t: ArchiveCompression): Promise<Buffer> {
  const out: Buffer[] = [];
  const sink = new Transform({
    transform(chunk: Buffer, _e, cb) {
      out.push(chunk);
      cb();
    },
  });
  await pipeline([Readable.from([plain.subarray(0, 1000), plain.subarray(1000)]), ...t.encodeStages(), sink]);
  return Buffer.concat(out);
}

test('the stored bytes are brotli of the client bytes, and writtenCompressedSize is their size', async () => {
  const t = new ArchiveCompression(IDENTITY_TRANSFORM);
  const stored = await storeThrough(t);
  assert.ok(stored.length < plain.length / 5);
  assert.equal(t.writtenCompressedSize, stored.length);
  assert.deepEqual(brotliDecompressSync(stored), plain);
});

test('compression comes before the inner transform, and any range reads back through both', async () => {
  const writer = new ArchiveCompression(XOR);
  const stored = await storeThrough(writer);
  // The inner transform saw compressed bytes: undoing it gives brotli of the plain bytes.
  assert.deepEqual(brotliDecompressSync(XOR.decodeBuffer(stored, { start: 0, end: stored.length - 1 })), plain);
  const reader = new ArchiveCompression(XOR, writer.writtenCompressedSize);
  const readStored = (r: ByteRange): Readable => Readable.from([stored.subarray(r.start, r.end + 1)]);
  for (const range of [
    { start: 0, end: plain.length - 1 },
    { start: 0, end: 0 },
    { start: 12_345, end: 40_000 },
    { start: plain.length - 3, end: plain.length - 1 },
  ]) {
    assert.deepEqual(await collect(reader.decodeRange(range, plain.length, readStored)), plain.subarray(range.start, range.end + 1));
  }
});

test('a buffer encodes and decodes the same way as a stream', () => {
  const t = new ArchiveCompression(XOR);
  const stored = t.encodeBuffer(plain);
  const reader = new ArchiveCompression(XOR, t.writtenCompressedSize);
  assert.deepEqual(reader.decodeBuffer(stored, { start: 5, end: 99 }), plain.subarray(5, 100));
});

test('ByteSlice passes only the inclusive range across chunk boundaries', async () => {
  const out = await collect(Readable.from([Buffer.from('abcd'), Buffer.from('efgh'), Buffer.from('ij')]).pipe(new ByteSlice(3, 8)));
  assert.equal(out.toString(), 'defghi');
});
