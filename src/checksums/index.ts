// S3 checksums computed while a body streams: MD5 (ETag), SHA-256 (payload signing) and the
// flexible checksums CRC32, CRC32C, CRC64NVME, SHA1, SHA256.

export {
  CHECKSUM_ALGORITHMS,
  CHECKSUM_DIGEST_BYTES,
  checksumHeaderName,
  isValidChecksumValue,
  parseChecksumAlgorithm,
  splitPartCount,
} from './algorithms.js';
export type { ChecksumAlgorithm } from './algorithms.js';
export { Crc64NvmeHasher, createHasher, digestOnce } from './hashers.js';
export type { Hasher } from './hashers.js';
export { DigestSet, HashingStream, digestBuffer } from './hashing-stream.js';
export type { HashingResult, HashingStreamOptions } from './hashing-stream.js';
export {
  crc64nvmeImplementation,
  crc64nvmeNativeLoaded,
  crc64nvmeUpdate,
  crc64nvmeUpdateJs,
} from './crc64nvme.js';
export type { Crc64NvmeUpdate } from './crc64nvme.js';
export {
  combineChecksumParts,
  combineCrc32,
  combineCrc32c,
  combineCrc64nvme,
} from './combine.js';
export type { CombinableChecksumAlgorithm } from './combine.js';
export { Md5Pool } from './md5-offload.js';
export type { OffloadedMd5 } from './md5-offload.js';
