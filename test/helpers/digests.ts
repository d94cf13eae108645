// Independent digests for the checksum tests: node:zlib's CRC32, a table CRC32C written here,
// the AWS SDK's CRC64NVME, node:crypto's hashes. None of them is the code under test.
import { createHash } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';

function be32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32Base64(data: Buffer | string): string {
  return be32(zlibCrc32(data)).toString('base64');
}

/** CRC-32C (Castagnoli), reflected, init and xor-out 0xFFFFFFFF. */
export function crc32cBase64(data: Buffer | string): string {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC32C_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return be32(c ^ 0xffffffff).toString('base64');
}

export async function crc64nvmeBase64(data: Buffer | string): Promise<string> {
  const c = new Crc64Nvme();
  c.update(typeof data === 'string' ? Buffer.from(data) : data);
  return Buffer.from(await c.digest()).toString('base64');
}

export function digestBase64(algorithm: 'md5' | 'sha1' | 'sha256', data: Buffer | string): string {
  return createHash(algorithm).update(data).digest('base64');
}
