import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChecksumAlgorithm } from './algorithms.js';
import { createHasher } from './hashers.js';

function digest(a: ChecksumAlgorithm | 'MD5', ...chunks: string[]): Buffer {
  const h = createHasher(a);
  for (const c of chunks) h.update(Buffer.from(c));
  return h.digest();
}

test('"123456789" gives each algorithm its catalogue check value', () => {
  // CRC check values: https://reveng.sourceforge.io/crc-catalogue/
  assert.equal(digest('CRC32', '123456789').toString('hex'), 'cbf43926');
  assert.equal(digest('CRC32C', '123456789').toString('hex'), 'e3069283');
  assert.equal(digest('CRC64NVME', '123456789').toString('hex'), 'ae8b14860a799888');
  assert.equal(digest('SHA1', '123456789').toString('hex'), 'f7c3bc1d808e04732adf679965ccc34ca7ae3441');
  assert.equal(digest('SHA256', '123456789').toString('hex'), '15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225');
  assert.equal(digest('MD5', '123456789').toString('hex'), '25f9e794323b453885f5181f1b624d0b');
});

test('an empty body has the base64 checksums S3 returns for it', () => {
  assert.equal(digest('CRC32').toString('base64'), 'AAAAAA==');
  assert.equal(digest('CRC32C').toString('base64'), 'AAAAAA==');
  assert.equal(digest('CRC64NVME').toString('base64'), 'AAAAAAAAAAA=');
  assert.equal(digest('SHA1').toString('base64'), '2jmj7l5rSw0yVb/vlWAYkK/YBwk=');
  assert.equal(digest('SHA256').toString('base64'), '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  assert.equal(digest('MD5').toString('base64'), '1B2M2Y8AsgTpgAmY7PhCfg==');
});

test('CRC digests are the big-endian value, leading zero bytes included', () => {
  assert.equal(digest('CRC32', 'k25').toString('hex'), '00006d81');
  assert.equal(digest('CRC32', 'k25').toString('base64'), 'AABtgQ==');
  assert.equal(digest('CRC32C', 'k1956').toString('hex'), '000972f3');
  assert.equal(digest('CRC32', 'The quick brown fox jumps over the lazy dog').toString('base64'), 'QU+jOQ==');
});

test('updates in pieces digest like one update', () => {
  for (const a of ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256', 'MD5'] as const) {
    assert.deepEqual(digest(a, '12', '', '3456', '789'), digest(a, '123456789'), a);
  }
});
