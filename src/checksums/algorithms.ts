// The S3 flexible-checksum algorithms and their header values.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = Object.freeze(['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256']);

/** Digest length in bytes: a CRC is its big-endian value, a SHA its raw digest. */
export const CHECKSUM_DIGEST_BYTES = {
  CRC32: 4,
  CRC32C: 4,
  CRC64NVME: 8,
  SHA1: 20,
  SHA256: 32,
} as const satisfies Record<ChecksumAlgorithm, number>;

/** 'x-amz-checksum-crc32', ...: the request/response header that carries the base64 value. */
export function checksumHeaderName(a: ChecksumAlgorithm): string {
  return `x-amz-checksum-${a.toLowerCase()}`;
}

/**
 * Reads x-amz-checksum-algorithm / x-amz-sdk-checksum-algorithm. AWS accepts any case ("crc32"
 * from some SDKs); undefined means the caller answers InvalidRequest.
 */
export function parseChecksumAlgorithm(v: string): ChecksumAlgorithm | undefined {
  const upper = v.toUpperCase();
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(upper) ? (upper as ChecksumAlgorithm) : undefined;
}

// Padded standard base64 only: Buffer.from(s, 'base64') ignores junk, so check the shape first.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Whether `base64` is strict, padded base64 of exactly the algorithm's digest length (4, 4, 8,
 * 20, 32 bytes). S3 answers InvalidRequest "Value for x-amz-checksum-... header is invalid."
 * otherwise.
 */
export function isValidChecksumValue(a: ChecksumAlgorithm, base64: string): boolean {
  const bytes = CHECKSUM_DIGEST_BYTES[a];
  // Padded base64 of n bytes is always 4 * ceil(n / 3) characters.
  if (base64.length !== 4 * Math.ceil(bytes / 3) || !BASE64.test(base64)) return false;
  // Non-canonical encodings (unused low bits set, e.g. "AAAAAB==") decode to the same bytes as
  // another string; requiring a round trip makes stored and compared values one spelling each.
  return Buffer.from(base64, 'base64').toString('base64') === base64;
}

/** "-N" after a COMPOSITE checksum: the part count, 1 to 10,000 (no leading zero). */
const PART_COUNT_SUFFIX = /-([1-9][0-9]{0,4})$/;

/**
 * A multipart object's COMPOSITE checksum is the checksum of its part checksums followed by
 * "-<part count>" (`uWBw…sf4=-3`), as S3 shows it on CompleteMultipartUpload, HeadObject and
 * GetObject; FULL_OBJECT checksums have no suffix. Splits a value into the checksum proper and
 * the part count, if it has one.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
export function splitPartCount(value: string): { checksum: string; partCount: number | undefined } {
  const m = PART_COUNT_SUFFIX.exec(value);
  if (!m || Number(m[1]) > 10_000) return { checksum: value, partCount: undefined };
  return { checksum: value.slice(0, m.index), partCount: Number(m[1]) };
}
