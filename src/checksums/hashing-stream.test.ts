import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { crc32 } from '@node-rs/crc32';
import { HashingStream } from './hashing-stream.js';
import { pseudoRandomBytes } from './test-data.js';

function sink(): { stream: Writable; received: Buffer[] } {
  const received: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      received.push(chunk);
      cb();
    },
  });
  return { stream, received };
}

const body = pseudoRandomBytes(300_001, 5);
const chunks = [body.subarray(0, 1), body.subarray(1, 65_537), body.subarray(65_537)];

test('bytes pass through unchanged, the same Buffers, and every digest is computed', async () => {
  const h = new HashingStream({ md5: true, sha256: true, checksums: ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] });
  const out = sink();
  await pipeline(Readable.from(chunks), h, out.stream);

  assert.equal(out.received.length, chunks.length);
  for (const [i, c] of out.received.entries()) assert.equal(c, chunks[i], 'the chunk object itself is pushed');
  const r = h.result();
  assert.equal(r.bytes, body.length);
  assert.equal(h.bytes, body.length);
  assert.deepEqual(r.md5, createHash('md5').update(body).digest());
  assert.deepEqual(r.sha256, createHash('sha256').update(body).digest());
  assert.equal(r.checksums.SHA256, createHash('sha256').update(body).digest('base64'));
  assert.equal(r.checksums.SHA1, createHash('sha1').update(body).digest('base64'));
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  assert.equal(r.checksums.CRC32, crc.toString('base64'));
  assert.equal(Object.keys(r.checksums).length, 5);
});

test('only the requested digests are in the result', async () => {
  const h = new HashingStream({ md5: false, sha256: false, checksums: ['CRC64NVME'] });
  await pipeline(Readable.from([Buffer.from('123456789')]), h, sink().stream);
  assert.deepEqual(h.result(), {
    bytes: 9,
    checksums: { CRC64NVME: Buffer.from('ae8b14860a799888', 'hex').toString('base64') },
  });
});

test('an empty body gives the empty-input checksums', async () => {
  const h = new HashingStream({ md5: true, sha256: false, checksums: ['CRC32', 'CRC64NVME'] });
  await pipeline(Readable.from([]), h, sink().stream);
  const r = h.result();
  assert.equal(r.bytes, 0);
  assert.equal(r.md5?.toString('base64'), '1B2M2Y8AsgTpgAmY7PhCfg==');
  assert.deepEqual(r.checksums, { CRC32: 'AAAAAA==', CRC64NVME: 'AAAAAAAAAAA=' });
});

test('a body of exactly maxBytes is accepted', async () => {
  const h = new HashingStream({ md5: true, sha256: false, checksums: [], maxBytes: body.length });
  await pipeline(Readable.from(chunks), h, sink().stream);
  assert.equal(h.result().bytes, body.length);
});

test('one byte over maxBytes fails the pipeline with the onTooLarge error, and nothing past the cap is passed on', async () => {
  const tooLarge = new Error('EntityTooLarge');
  const h = new HashingStream({
    md5: true,
    sha256: false,
    checksums: ['CRC64NVME'],
    maxBytes: body.length - 1,
    onTooLarge: () => tooLarge,
  });
  const out = sink();
  await assert.rejects(pipeline(Readable.from(chunks), h, out.stream), (err) => err === tooLarge);
  assert.equal(h.destroyed, true);
  const passed = out.received.reduce((n, c) => n + c.length, 0);
  assert.ok(passed <= body.length - 1, `${passed} bytes passed`);
  assert.throws(() => h.result());
});

test('without onTooLarge the error is a RangeError', async () => {
  const h = new HashingStream({ md5: false, sha256: false, checksums: [], maxBytes: 0 });
  await assert.rejects(pipeline(Readable.from([Buffer.from('x')]), h, sink().stream), RangeError);
});

test('result() before the end throws instead of returning partial digests', () => {
  const h = new HashingStream({ md5: true, sha256: false, checksums: [] });
  assert.throws(() => h.result(), /before the stream ended/);
});
