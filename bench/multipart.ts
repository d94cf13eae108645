// Multipart uploads, two ways:
// - a large object uploaded in parts over several connections to the Coffer child process,
//   timed from CreateMultipartUpload to the end of CompleteMultipartUpload;
// - the completion of S3's maximum of 10,000 parts, against an in-process Coffer whose parts are
//   recorded straight into its metadata store, without bytes: S3's 5 MiB minimum for every part
//   but the last makes 10,000 real parts 50 GB, more than a bench should write. What is timed is
//   the completion itself (parse, part checks, checksum combination, the object's metadata).
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BenchClient, randomishChunks, replyHeader } from './client.js';
import type { Credentials, Reply } from './client.js';
import { BODY_POOL, clientShare } from './load.js';
import type { Rate } from './load.js';
import { MIB } from './options.js';
import type { BenchOptions } from './options.js';
import { meter } from './processes.js';
import { createBucket } from './workloads.js';

export interface MultipartResults {
  objectBytes: number;
  partBytes: number;
  parts: number;
  concurrency: number;
  /** The whole upload, Create to the end of Complete, in MiB/s; verification failures count as errors. */
  upload: Rate;
  /** CreateMultipartUpload and every part, then the Complete call on its own. */
  partsSeconds: number;
  completeMs: number;
}

export interface ManyPartsResults {
  parts: number;
  partBytes: number;
  /** Recording the parts in one metadata transaction (setup, not a workload). */
  recordMs: number;
  /** A warm-up Complete of 100 such parts, so the timed one doesn't run cold code. */
  warmCompleteMs: number;
  completeMs: number;
  completeXmlBytes: number;
  /** RSS of this process (client and in-process server) over the Complete. */
  completeRssPeakMiB: number;
  completeRssStartMiB: number;
  headMs: number;
  listFirstPageMs: number;
  listLastPageMs: number;
  /** What did not check out (status, ETag suffix, size, part counts); empty when all did. */
  problems: string[];
}

interface PartEtag {
  partNumber: number;
  /** Quoted, as UploadPart returns it and Complete lists it. */
  etag: string;
}

function describe(r: Reply): string {
  const code = r.text !== undefined ? /<Code>([^<]*)<\/Code>/.exec(r.text)?.[1] : undefined;
  return `HTTP ${r.status}${code !== undefined ? ` ${code}` : ''}`;
}

function ok(what: string, r: Reply): Reply {
  if (r.status < 200 || r.status >= 300) throw new Error(`${what}: ${describe(r)}`);
  return r;
}

async function createUpload(client: BenchClient, path: string): Promise<string> {
  const r = ok(`CreateMultipartUpload ${path}`, await client.send('POST', path, { query: [['uploads', '']], text: true }));
  const id = /<UploadId>([^<]+)<\/UploadId>/.exec(r.text ?? '')?.[1];
  if (id === undefined) throw new Error(`CreateMultipartUpload ${path}: no UploadId in ${JSON.stringify(r.text?.slice(0, 200))}`);
  return id;
}

function completeXml(parts: PartEtag[]): Buffer {
  const xml = ['<CompleteMultipartUpload>'];
  for (const p of parts) xml.push(`<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${p.etag}</ETag></Part>`);
  xml.push('</CompleteMultipartUpload>');
  return Buffer.from(xml.join(''), 'utf8');
}

/** CompleteMultipartUpload → the new object's ETag, unquoted. S3 may answer 200 with an <Error> body. */
async function complete(client: BenchClient, path: string, uploadId: string, body: Buffer): Promise<string> {
  const r = ok(`CompleteMultipartUpload ${path}`, await client.send('POST', path, { query: [['uploadId', uploadId]], body, text: true }));
  const text = r.text ?? '';
  if (text.includes('<Error>')) throw new Error(`CompleteMultipartUpload ${path}: 200 with an error: ${text.slice(0, 300)}`);
  const etag = /<ETag>([^<]*)<\/ETag>/.exec(text)?.[1];
  if (etag === undefined) throw new Error(`CompleteMultipartUpload ${path}: no ETag in ${JSON.stringify(text.slice(0, 300))}`);
  return unquote(etag);
}

function unquote(etag: string): string {
  return etag.replace(/&quot;/g, '"').replace(/^"|"$/g, '');
}

/** Uploads `total` bytes in parts of `partBytes`, `concurrency` at a time, each on its own connection. */
async function uploadParts(client: BenchClient, path: string, uploadId: string, total: number, partBytes: number, concurrency: number): Promise<PartEtag[]> {
  const count = Math.ceil(total / partBytes);
  const parts: PartEtag[] = [];
  let next = 0;
  let failed = false;
  client.useConnections(concurrency);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count && !failed) {
        const i = next++;
        const size = Math.min(partBytes, total - i * partBytes);
        try {
          // Each part starts at a different chunk of the pool, so the parts' bytes differ.
          const r = ok(
            `UploadPart ${i + 1}`,
            await client.upload(path, size, randomishChunks(size, BODY_POOL, i), [
              ['partNumber', String(i + 1)],
              ['uploadId', uploadId],
            ]),
          );
          const etag = replyHeader(r, 'etag');
          if (etag === undefined) throw new Error(`UploadPart ${i + 1}: no ETag header`);
          parts[i] = { partNumber: i + 1, etag };
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    }),
  );
  return parts;
}

/** One whole multipart upload; aborted if a part or the Complete fails. */
async function multipartUpload(
  client: BenchClient,
  path: string,
  total: number,
  partBytes: number,
  concurrency: number,
): Promise<{ parts: number; etag: string; partsSeconds: number; completeMs: number }> {
  const t0 = performance.now();
  const uploadId = await createUpload(client, path);
  try {
    const parts = await uploadParts(client, path, uploadId, total, partBytes, concurrency);
    const body = completeXml(parts);
    const t1 = performance.now();
    const etag = await complete(client, path, uploadId, body);
    const t2 = performance.now();
    return { parts: parts.length, etag, partsSeconds: (t1 - t0) / 1000, completeMs: t2 - t1 };
  } catch (err) {
    client.useConnections(1);
    await client.send('DELETE', path, { query: [['uploadId', uploadId]] }).catch(() => undefined);
    throw err;
  }
}

/** HEAD `path` and compare its size and ETag with what was uploaded → what did not match. */
async function verifyHead(client: BenchClient, path: string, size: number, parts: number, etag: string | undefined): Promise<string[]> {
  const head = await client.send('HEAD', path);
  if (head.status !== 200) return [`HEAD ${path}: ${describe(head)}`];
  const problems: string[] = [];
  const length = Number(replyHeader(head, 'content-length'));
  if (length !== size) problems.push(`HEAD size ${length}, expected ${size}`);
  const got = unquote(replyHeader(head, 'etag') ?? '');
  if (!got.endsWith(`-${parts}`)) problems.push(`HEAD ETag ${got} does not end in -${parts}`);
  if (etag !== undefined && got !== etag) problems.push(`HEAD ETag ${got}, Complete answered ${etag}`);
  return problems;
}

export async function runMultipart(client: BenchClient, pid: number, o: BenchOptions, log: (s: string) => void): Promise<MultipartResults> {
  const bucket = 'bench-multipart';
  await createBucket(client, bucket);
  const total = o.multipartObjectBytes;
  const partBytes = o.multipartPartBytes;
  const conc = o.multipartConcurrency;
  const warm = Math.min(o.warmupBytes, total);
  await multipartUpload(client, `/${bucket}/warmup`, warm, partBytes, conc);
  client.useConnections(1);
  await client.send('DELETE', `/${bucket}/warmup`);

  const parts = Math.ceil(total / partBytes);
  log(`coffer: multipart upload of ${total / MIB} MiB in ${parts} parts of ${partBytes / MIB} MiB, ${conc} at a time`);
  const path = `/${bucket}/object`;
  const m = meter(pid);
  const c0 = process.cpuUsage();
  const up = await multipartUpload(client, path, total, partBytes, conc);
  const s = m.stop();
  client.useConnections(1);
  const problems = await verifyHead(client, path, total, parts, up.etag);
  // Leave the disk to the workloads that follow.
  await client.send('DELETE', path);
  return {
    objectBytes: total,
    partBytes,
    parts,
    concurrency: conc,
    upload: {
      value: total / MIB / s.seconds,
      errors: problems.length > 0 ? 1 : 0,
      serverCpu: s.cpuShare,
      serverMainThreadCpu: s.mainThreadCpuShare,
      clientCpu: clientShare(c0, s.seconds),
      peakRssMiB: s.peakRssMiB,
      startRssMiB: s.startRssMiB,
      ...(problems.length > 0 ? { firstError: problems.join('; ') } : {}),
    },
    partsSeconds: up.partsSeconds,
    completeMs: up.completeMs,
  };
}

/** The size S3 requires of every part but the last, so the recorded parts are all valid. */
const MIN_PART_BYTES = 5 * MIB;

export async function runManyParts(o: BenchOptions, baseDir: string, creds: Credentials, log: (s: string) => void): Promise<ManyPartsResults> {
  // Loaded here, not at the top: only this section runs Coffer in the bench process.
  const { startCoffer } = await import('../src/app.js');
  const { loadConfig } = await import('../src/config.js');
  const { pino } = await import('pino');
  const dir = await mkdtemp(join(baseDir, 'coffer-bench-parts-'));
  const config = loadConfig({
    COFFER_ADDRESS: '127.0.0.1:0',
    COFFER_DATA_DIR: dir,
    COFFER_ROOT_ACCESS_KEY: creds.accessKeyId,
    COFFER_ROOT_SECRET_KEY: creds.secretAccessKey,
    COFFER_LOG_LEVEL: process.env.COFFER_LOG_LEVEL ?? 'warn',
  });
  // Its log goes to stderr, away from the table on stdout.
  const server = await startCoffer(config, pino({ level: config.logLevel }, pino.destination({ dest: 2, sync: true })));
  const client = new BenchClient(server.endpoint, creds);
  try {
    const n = o.manyParts;
    const bucket = 'bench-parts';
    await createBucket(client, bucket);
    const paths = { warm: `/${bucket}/warm`, timed: `/${bucket}/many`, listed: `/${bucket}/listed` };
    const ids = { warm: await createUpload(client, paths.warm), timed: await createUpload(client, paths.timed), listed: await createUpload(client, paths.listed) };

    // What UploadPart records for a part whose bytes are already a durable blob, minus the bytes.
    const meta = server.engine.deps.meta;
    const record = async (uploadId: string, count: number): Promise<PartEtag[]> => {
      const parts: PartEtag[] = [];
      await meta.transaction(async (tx) => {
        for (let partNumber = 1; partNumber <= count; partNumber++) {
          const blobId = randomBytes(16).toString('hex');
          const etag = randomBytes(16).toString('hex');
          await tx.putPart({ uploadId, partNumber, blobId, size: MIN_PART_BYTES, etag, lastModified: Date.now(), checksums: { CRC64NVME: randomBytes(8).toString('base64') } });
          await tx.registerBlobs([blobId]);
          parts.push({ partNumber, etag: `"${etag}"` });
        }
      });
      return parts;
    };
    log(`in-process coffer: recording ${n} parts directly in its metadata store (no bytes), then completing over HTTP`);
    const warmParts = await record(ids.warm, Math.min(100, n));
    const t0 = performance.now();
    const timedParts = await record(ids.timed, n);
    const recordMs = performance.now() - t0;
    await record(ids.listed, n);

    const problems: string[] = [];
    let t = performance.now();
    await complete(client, paths.warm, ids.warm, completeXml(warmParts));
    const warmCompleteMs = performance.now() - t;

    const body = completeXml(timedParts);
    const m = meter(process.pid);
    t = performance.now();
    const etag = await complete(client, paths.timed, ids.timed, body);
    const completeMs = performance.now() - t;
    const rss = m.stop();
    if (!etag.endsWith(`-${n}`)) problems.push(`Complete ETag ${etag} does not end in -${n}`);

    // HEAD the warm-up object first, so the timed HEAD runs warm code too.
    problems.push(...(await verifyHead(client, paths.warm, warmParts.length * MIN_PART_BYTES, warmParts.length, undefined)));
    t = performance.now();
    problems.push(...(await verifyHead(client, paths.timed, n * MIN_PART_BYTES, n, etag)));
    const headMs = performance.now() - t;

    const listPage = async (marker: number, expected: number): Promise<number> => {
      const query: Array<[string, string]> = [
        ['uploadId', ids.listed],
        ['max-parts', '1000'],
        ['part-number-marker', String(marker)],
      ];
      const start = performance.now();
      const r = ok('ListParts', await client.send('GET', paths.listed, { query, text: true }));
      const ms = performance.now() - start;
      const seen = (r.text ?? '').split('<Part>').length - 1;
      if (seen !== expected) problems.push(`ListParts after part ${marker}: ${seen} parts, expected ${expected}`);
      return ms;
    };
    await listPage(0, Math.min(1000, n)); // warm-up
    const listFirstPageMs = await listPage(0, Math.min(1000, n));
    const lastMarker = Math.max(0, n - 1000);
    const listLastPageMs = await listPage(lastMarker, n - lastMarker);

    return {
      parts: n,
      partBytes: MIN_PART_BYTES,
      recordMs,
      warmCompleteMs,
      completeMs,
      completeXmlBytes: body.length,
      completeRssPeakMiB: rss.peakRssMiB,
      completeRssStartMiB: rss.startRssMiB,
      headMs,
      listFirstPageMs,
      listLastPageMs,
      problems,
    };
  } finally {
    client.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}
