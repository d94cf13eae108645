// CRC of a concatenation from the CRCs of its parts, without re-reading bytes: what a
// FULL_OBJECT checksum for a multipart upload needs.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html#full-object-checksums
//
// crc(A‖B) = crc(A)·x^(8·len(B)) mod P ⊕ crc(B). That holds with pre- and post-inversion because
// init and xorout are equal (all ones) for all three CRCs. The multiplication is zlib's
// crc32_combine_gen/multmodp, in the reflected bit order (https://github.com/madler/zlib/blob/develop/crc32.c).

import { CHECKSUM_DIGEST_BYTES } from './algorithms.js';

const CRC32_POLY = 0xedb88320; // reflected 0x04c11db7
const CRC32C_POLY = 0x82f63b78; // reflected 0x1edc6f41 (Castagnoli)
const CRC64NVME_POLY = 0x9a6c9329ac4bc9b5n; // reflected 0xad93d23594c93659

/** a·b mod P for reflected 32-bit polynomials (bit 31 is x^0). */
function multModP32(a: number, b: number, poly: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ poly : b >>> 1;
  }
  return p >>> 0;
}

/** x^(8·n) mod P, by squaring: x^(2^k) for each set bit of the bit count. */
function xPow8nModP32(n: number, poly: number): number {
  let p = 0x80000000; // x^0
  let x2k = 0x40000000; // x^1, squared each round
  let bits = n * 8;
  while (bits > 0) {
    if (bits % 2 === 1) p = multModP32(x2k, p, poly);
    x2k = multModP32(x2k, x2k, poly);
    bits = Math.floor(bits / 2); // a part may exceed 2^32 bits, beyond >>> arithmetic
  }
  return p;
}

function multModP64(a: bigint, b: bigint): bigint {
  let m = 1n << 63n;
  let p = 0n;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1n)) === 0n) break;
    }
    m >>= 1n;
    b = b & 1n ? (b >> 1n) ^ CRC64NVME_POLY : b >> 1n;
  }
  return p;
}

function xPow8nModP64(n: number): bigint {
  let p = 1n << 63n;
  let x2k = 1n << 62n;
  let bits = BigInt(n) * 8n;
  while (bits > 0n) {
    if (bits & 1n) p = multModP64(x2k, p);
    x2k = multModP64(x2k, x2k);
    bits >>= 1n;
  }
  return p;
}

function checkLength(lenB: number): void {
  if (!Number.isSafeInteger(lenB) || lenB < 0) throw new RangeError(`invalid length ${lenB}`);
}

/** CRC32 of A‖B from crc32(A), crc32(B) and B's length in bytes. */
export function combineCrc32(crcA: number, crcB: number, lenB: number): number {
  checkLength(lenB);
  return (multModP32(xPow8nModP32(lenB, CRC32_POLY), crcA >>> 0, CRC32_POLY) ^ crcB) >>> 0;
}

/** CRC32C of A‖B from crc32c(A), crc32c(B) and B's length in bytes. */
export function combineCrc32c(crcA: number, crcB: number, lenB: number): number {
  checkLength(lenB);
  return (multModP32(xPow8nModP32(lenB, CRC32C_POLY), crcA >>> 0, CRC32C_POLY) ^ crcB) >>> 0;
}

/** CRC64NVME of A‖B; BigInt is fine here, as this runs once per part, not per byte. */
export function combineCrc64nvme(crcA: bigint, crcB: bigint, lenB: number): bigint {
  checkLength(lenB);
  return multModP64(xPow8nModP64(lenB), BigInt.asUintN(64, crcA)) ^ BigInt.asUintN(64, crcB);
}

export type CombinableChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME';

/**
 * The full-object checksum (base64, as in x-amz-checksum-*) of parts given in order as their own
 * base64 checksums and sizes. Only CRCs combine; S3 offers FULL_OBJECT for exactly these three.
 */
export function combineChecksumParts(a: CombinableChecksumAlgorithm, parts: ReadonlyArray<{ checksum: string; size: number }>): string {
  const width = CHECKSUM_DIGEST_BYTES[a];
  const decode = (b64: string): Buffer => {
    const buf = Buffer.from(b64, 'base64');
    if (buf.length !== width) throw new RangeError(`not a ${a} checksum: ${b64}`);
    return buf;
  };
  if (a === 'CRC64NVME') {
    // All parts but the last usually share one size: compute x^(8·size) mod P once per size.
    const shifts = new Map<number, bigint>();
    let crc = 0n;
    for (const part of parts) {
      checkLength(part.size);
      let shift = shifts.get(part.size);
      if (shift === undefined) {
        shift = xPow8nModP64(part.size);
        shifts.set(part.size, shift);
      }
      crc = multModP64(shift, crc) ^ decode(part.checksum).readBigUInt64BE(0);
    }
    const out = Buffer.allocUnsafe(8);
    out.writeBigUInt64BE(crc, 0);
    return out.toString('base64');
  }
  const poly = a === 'CRC32' ? CRC32_POLY : CRC32C_POLY;
  const shifts = new Map<number, number>();
  let crc = 0;
  for (const part of parts) {
    checkLength(part.size);
    let shift = shifts.get(part.size);
    if (shift === undefined) {
      shift = xPow8nModP32(part.size, poly);
      shifts.set(part.size, shift);
    }
    crc = (multModP32(shift, crc >>> 0, poly) ^ decode(part.checksum).readUInt32BE(0)) >>> 0;
  }
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32BE(crc, 0);
  return out.toString('base64');
}
