// Throughput of each body hash, in MiB/s, over `totalBytes` fed in 1 MiB chunks: MD5 bounds PUT
// speed, and CRC64NVME (stored for every object, as S3 does) must stay far above it.
// Run alone: `node dist/bench/hash-speed.js [MiB]`; the main bench imports measureHashSpeeds().

import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { crc32, crc32c } from '@node-rs/crc32';
import { HashingStream, crc64nvmeImplementation, crc64nvmeNativeLoaded, crc64nvmeUpdate, crc64nvmeUpdateJs } from '../src/checksums/index.js';

const CHUNK_BYTES = 1024 * 1024;
const MIB = 1024 * 1024;

// Eight distinct chunks rather than one, so the bench doesn't run from a hot L2.
function makeChunks(): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < 8; i++) {
    const c = Buffer.allocUnsafe(CHUNK_BYTES);
    for (let j = 0; j < CHUNK_BYTES; j += 4) c.writeUInt32LE(Math.imul(j + 1, 2654435761 + i) >>> 0, j);
    chunks.push(c);
  }
  return chunks;
}

async function timeIt(totalBytes: number, run: () => void | Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return Math.round(totalBytes / MIB / seconds);
}

/** MD5 alone, MiB/s: the hash ceiling of a PUT, for runs that skip the full hash table. */
export async function measureMd5(totalBytes: number): Promise<number> {
  const chunks = makeChunks();
  const n = Math.max(1, Math.round(totalBytes / CHUNK_BYTES));
  const h = createHash('md5');
  const speed = await timeIt(n * CHUNK_BYTES, () => {
    for (let i = 0; i < n; i++) h.update(chunks[i & 7]!);
  });
  h.digest();
  return speed;
}

export async function measureHashSpeeds(totalBytes: number): Promise<Record<string, number>> {
  const chunks = makeChunks();
  const n = Math.max(1, Math.round(totalBytes / CHUNK_BYTES));
  const bytes = n * CHUNK_BYTES;
  const each = (f: (c: Buffer) => void) => () => {
    for (let i = 0; i < n; i++) f(chunks[i & 7]!);
  };
  const out: Record<string, number> = {};

  for (const alg of ['md5', 'sha256', 'sha1'] as const) {
    const h = createHash(alg);
    out[alg.toUpperCase()] = await timeIt(
      bytes,
      each((c) => h.update(c)),
    );
    h.digest();
  }
  let crc = 0;
  out['CRC32'] = await timeIt(
    bytes,
    each((c) => (crc = crc32(c, crc))),
  );
  out['CRC32C'] = await timeIt(
    bytes,
    each((c) => (crc = crc32c(c, crc))),
  );

  const state = Buffer.alloc(8);
  if (crc64nvmeNativeLoaded()) {
    out[`CRC64NVME native (${crc64nvmeImplementation()})`] = await timeIt(
      bytes,
      each((c) => crc64nvmeUpdate(state, c)),
    );
  }
  out['CRC64NVME js fallback'] = await timeIt(
    bytes,
    each((c) => crc64nvmeUpdateJs(state, c)),
  );

  // A devDependency: absent in a production install, where this line is simply skipped.
  try {
    const { Crc64Nvme } = await import('@aws-sdk/crc64-nvme');
    const sdk = new Crc64Nvme();
    out['CRC64NVME @aws-sdk/crc64-nvme'] = await timeIt(bytes, async () => {
      each((c) => sdk.update(c))();
      await sdk.digest();
    });
  } catch {
    // not installed
  }

  // The PUT stage itself: S3's defaults (MD5 ETag + CRC64NVME), a signed payload on top, and
  // every checksum at once.
  const streams: Array<[string, ConstructorParameters<typeof HashingStream>[0]]> = [
    ['HashingStream MD5+CRC64NVME', { md5: true, sha256: false, checksums: ['CRC64NVME'] }],
    ['HashingStream MD5+SHA256+CRC64NVME', { md5: true, sha256: true, checksums: ['CRC64NVME'] }],
    ['HashingStream MD5+SHA256+all checksums', { md5: true, sha256: true, checksums: ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] }],
  ];
  for (const [name, opts] of streams) {
    out[name] = await timeIt(bytes, async () => {
      const src = Readable.from(
        (function* () {
          for (let i = 0; i < n; i++) yield chunks[i & 7]!;
        })(),
      );
      const sink = new Writable({ write: (_c, _e, cb) => cb() });
      await pipeline(src, new HashingStream(opts), sink);
    });
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const mib = Number(process.argv[2] ?? 256);
  const speeds = await measureHashSpeeds(mib * MIB);
  console.log(`hash speeds over ${mib} MiB in 1 MiB chunks (MiB/s):`);
  for (const [name, v] of Object.entries(speeds)) console.log(`  ${name.padEnd(40)} ${v}`);
}
