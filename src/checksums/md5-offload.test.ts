import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HashingStream } from './hashing-stream.js';
import { Md5Pool } from './md5-offload.js';

function chunksOf(data: Buffer, size = 65536): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

const sink = (): Writable => new Writable({ write: (_c, _e, cb) => cb() });

test('an MD5 computed on the worker equals the MD5 of the bytes, with the other digests unchanged', async () => {
  const pool = new Md5Pool();
  try {
    const data = randomBytes(20 * 1024 * 1024 + 12345);
    const stream = new HashingStream({ md5: true, sha256: false, checksums: ['CRC64NVME'] }, pool.start());
    const plain = new HashingStream({ md5: true, sha256: false, checksums: ['CRC64NVME'] });
    await pipeline(Readable.from(chunksOf(data)), stream, sink());
    await pipeline(Readable.from(chunksOf(data)), plain, sink());
    assert.equal(stream.result().md5!.toString('hex'), createHash('md5').update(data).digest('hex'));
    assert.deepEqual(stream.result().checksums, plain.result().checksums);
    assert.equal(stream.result().bytes, data.length);
  } finally {
    await pool.close();
  }
});

test('bodies hashed at the same time on one worker keep their own MD5', async () => {
  const pool = new Md5Pool();
  try {
    const bodies = [randomBytes(9 * 1024 * 1024), randomBytes(3 * 1024 * 1024), randomBytes(12 * 1024 * 1024)];
    const streams = bodies.map(() => new HashingStream({ md5: true, sha256: false, checksums: [] }, pool.start()));
    await Promise.all(bodies.map((b, i) => pipeline(Readable.from(chunksOf(b, 50_000)), streams[i]!, sink())));
    for (const [i, b] of bodies.entries()) assert.equal(streams[i]!.result().md5!.toString('hex'), createHash('md5').update(b).digest('hex'));
  } finally {
    await pool.close();
  }
});

test('a body abandoned half way leaves the worker able to hash the next one', async () => {
  const pool = new Md5Pool();
  try {
    const broken = new HashingStream({ md5: true, sha256: false, checksums: [] }, pool.start());
    const source = new Readable({ read() {} });
    const done = pipeline(source, broken, sink());
    source.push(randomBytes(3 * 1024 * 1024));
    source.destroy(new Error('client went away'));
    await assert.rejects(done, /client went away/);
    const data = randomBytes(2 * 1024 * 1024);
    const next = new HashingStream({ md5: true, sha256: false, checksums: [] }, pool.start());
    await pipeline(Readable.from(chunksOf(data)), next, sink());
    assert.equal(next.result().md5!.toString('hex'), createHash('md5').update(data).digest('hex'));
  } finally {
    await pool.close();
  }
});
