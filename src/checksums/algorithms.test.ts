import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHECKSUM_ALGORITHMS, checksumHeaderName, isValidChecksumValue, parseChecksumAlgorithm, splitPartCount } from './algorithms.js';

test('the five S3 flexible checksum algorithms are listed', () => {
  assert.deepEqual([...CHECKSUM_ALGORITHMS], ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256']);
});

test('each algorithm travels in its x-amz-checksum-* header', () => {
  assert.equal(checksumHeaderName('CRC32'), 'x-amz-checksum-crc32');
  assert.equal(checksumHeaderName('CRC32C'), 'x-amz-checksum-crc32c');
  assert.equal(checksumHeaderName('CRC64NVME'), 'x-amz-checksum-crc64nvme');
  assert.equal(checksumHeaderName('SHA1'), 'x-amz-checksum-sha1');
  assert.equal(checksumHeaderName('SHA256'), 'x-amz-checksum-sha256');
});

test('algorithm names parse in any case, and unknown names do not', () => {
  assert.equal(parseChecksumAlgorithm('crc32'), 'CRC32');
  assert.equal(parseChecksumAlgorithm('Crc64Nvme'), 'CRC64NVME');
  assert.equal(parseChecksumAlgorithm('SHA256'), 'SHA256');
  assert.equal(parseChecksumAlgorithm('MD5'), undefined);
  assert.equal(parseChecksumAlgorithm('CRC64'), undefined);
  assert.equal(parseChecksumAlgorithm(''), undefined);
  assert.equal(parseChecksumAlgorithm(' crc32'), undefined);
});

test('checksum values must be strict base64 of the digest length', () => {
  assert.equal(isValidChecksumValue('CRC32', 'AAAAAA=='), true);
  assert.equal(isValidChecksumValue('CRC32C', 'yZRlqg=='), true);
  assert.equal(isValidChecksumValue('CRC64NVME', 'AAAAAAAAAAA='), true);
  assert.equal(isValidChecksumValue('SHA1', '2jmj7l5rSw0yVb/vlWAYkK/YBwk='), true);
  assert.equal(isValidChecksumValue('SHA256', '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='), true);

  assert.equal(isValidChecksumValue('CRC32', 'AAAAAAAAAAA='), false, '8 bytes for a CRC32');
  assert.equal(isValidChecksumValue('CRC64NVME', 'AAAAAA=='), false, '4 bytes for a CRC64');
  assert.equal(isValidChecksumValue('CRC32', 'AAAAAA'), false, 'missing padding');
  assert.equal(isValidChecksumValue('CRC32', 'AAAA AA='), false, 'space');
  assert.equal(isValidChecksumValue('CRC32', 'AAAA_A=='), false, 'base64url alphabet');
  assert.equal(isValidChecksumValue('CRC32', 'AAAAAB=='), false, 'non-canonical trailing bits');
  assert.equal(isValidChecksumValue('CRC32', ''), false);
  assert.equal(isValidChecksumValue('SHA256', '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU'), false);
});

test('splitPartCount separates a COMPOSITE checksum from its part count, and leaves other values whole', () => {
  assert.deepEqual(splitPartCount('uWBwRg==-3'), { checksum: 'uWBwRg==', partCount: 3 });
  assert.deepEqual(splitPartCount('uWBwRg==-10000'), { checksum: 'uWBwRg==', partCount: 10000 });
  for (const whole of ['uWBwRg==', 'uWBwRg==-0', 'uWBwRg==-03', 'uWBwRg==-10001', 'uWBwRg==-', 'uWBwRg==-3x']) {
    assert.deepEqual(splitPartCount(whole), { checksum: whole, partCount: undefined }, whole);
  }
});
