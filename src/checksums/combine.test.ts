import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32, crc32c } from '@node-rs/crc32';
import { combineChecksumParts, combineCrc32, combineCrc32c, combineCrc64nvme } from './combine.js';
import { crc64nvmeUpdate } from './crc64nvme.js';
import { createHasher } from './hashers.js';
import { pseudoRandomBytes } from './test-data.js';

function crc64(data: Uint8Array): bigint {
  const state = Buffer.alloc(8);
  crc64nvmeUpdate(state, data);
  return state.readBigUInt64BE(0);
}

const data = pseudoRandomBytes(70_001, 99);
// Split points that leave empty, one-byte, odd and large right-hand parts.
const SPLITS = [0, 1, 7, 4096, 65_536, 69_999, 70_000, 70_001];

test('combineCrc32 of two parts equals CRC32 of the concatenation', () => {
  for (const s of SPLITS) {
    const a = data.subarray(0, s);
    const b = data.subarray(s);
    assert.equal(combineCrc32(crc32(a), crc32(b), b.length), crc32(data) >>> 0, `split ${s}`);
  }
});

test('combineCrc32c of two parts equals CRC32C of the concatenation', () => {
  for (const s of SPLITS) {
    const a = data.subarray(0, s);
    const b = data.subarray(s);
    assert.equal(combineCrc32c(crc32c(a), crc32c(b), b.length), crc32c(data) >>> 0, `split ${s}`);
  }
});

test('combineCrc64nvme of two parts equals CRC64NVME of the concatenation', () => {
  for (const s of SPLITS) {
    const a = data.subarray(0, s);
    const b = data.subarray(s);
    assert.equal(combineCrc64nvme(crc64(a), crc64(b), b.length), crc64(data), `split ${s}`);
  }
});

test('a 5 GiB part (more than 2^32 bits) shifts like two shorter parts in a row', () => {
  // 5 GiB can't be hashed in a unit test, so check the algebra instead: appending m then n bytes
  // must equal appending m + n bytes. This exercises the length arithmetic beyond 32 bits.
  const big = 5 * 1024 ** 3;
  const crcA = crc32(data);
  const oneStep = combineCrc32(crcA, 0, big);
  const twoSteps = combineCrc32(combineCrc32(crcA, 0, big - 12_345), 0, 12_345);
  assert.equal(oneStep, twoSteps);
  const c64 = crc64(data);
  assert.equal(combineCrc64nvme(c64, 0n, big), combineCrc64nvme(combineCrc64nvme(c64, 0n, big - 12_345), 0n, 12_345));
});

test('combineChecksumParts gives the full-object base64 checksum of a multipart upload', () => {
  const cuts = [0, 5_000, 5_001, 40_000, data.length];
  for (const a of ['CRC32', 'CRC32C', 'CRC64NVME'] as const) {
    const parts = [];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const part = data.subarray(cuts[i], cuts[i + 1]);
      const h = createHasher(a);
      h.update(part);
      parts.push({ checksum: h.digest().toString('base64'), size: part.length });
    }
    const whole = createHasher(a);
    whole.update(data);
    assert.equal(combineChecksumParts(a, parts), whole.digest().toString('base64'), a);
  }
});

test('combineChecksumParts of no parts is the checksum of an empty object', () => {
  assert.equal(combineChecksumParts('CRC32', []), 'AAAAAA==');
  assert.equal(combineChecksumParts('CRC64NVME', []), 'AAAAAAAAAAA=');
});

test('combineChecksumParts rejects a checksum of the wrong width', () => {
  assert.throws(() => combineChecksumParts('CRC64NVME', [{ checksum: 'AAAAAA==', size: 1 }]), RangeError);
});
