// The workloads, run against a real Coffer in a child process with signed requests.
import { createHash } from 'node:crypto';
import type { BenchClient } from './client.js';
import { SMALL_BODY, closedLoop, fixedWork, timedDownload, timedUpload } from './load.js';
import type { Rate } from './load.js';
import type { BenchOptions } from './options.js';

export interface BigResults {
  put: Rate;
  get: Rate;
  /** The same object in a bucket whose default encryption is SSE-S3. */
  encryptedPut: Rate;
  encryptedGet: Rate;
}

export interface SmallResults {
  put: Map<number, Rate>;
  get: Map<number, Rate>;
}

export interface ListResults {
  keys: number;
  insertOpsPerSec: number;
  insertErrors: number;
  insertFirstError?: string;
  fullSeconds: number;
  fullPages: number;
  fullKeysSeen: number;
  delimiterSeconds: number;
  delimiterPages: number;
  prefixesSeen: number;
  expectedPrefixes: number;
}

export async function createBucket(client: BenchClient, bucket: string): Promise<void> {
  const r = await client.send('PUT', `/${bucket}`);
  if (r.status !== 200) throw new Error(`CreateBucket ${bucket}: HTTP ${r.status} ${r.text ?? ''}`);
}

export async function runBig(client: BenchClient, pid: number, o: BenchOptions, log: (s: string) => void): Promise<BigResults> {
  await createBucket(client, 'bench-big');
  const warm = Math.min(o.warmupBytes, o.bigObjectBytes);
  await timedUpload(client, pid, '/bench-big/warmup', warm);
  await timedDownload(client, pid, '/bench-big/warmup', warm);
  await client.send('DELETE', '/bench-big/warmup');
  log(`coffer: single-stream PUT of ${o.bigObjectBytes / 2 ** 20} MiB`);
  const put = await timedUpload(client, pid, '/bench-big/object', o.bigObjectBytes);
  log('coffer: single-stream GET');
  const get = await timedDownload(client, pid, '/bench-big/object', o.bigObjectBytes);
  // Leave the disk to the workloads that follow.
  await client.send('DELETE', '/bench-big/object');
  // The same transfers encrypted at rest (SSE-S3 by the bucket's default), in the same run.
  await createBucket(client, 'bench-encrypted');
  const config = Buffer.from(
    '<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>',
  );
  const r = await client.send('PUT', '/bench-encrypted', {
    query: [['encryption', '']],
    body: config,
    headers: { 'content-md5': createHash('md5').update(config).digest('base64') },
  });
  if (r.status !== 200) throw new Error(`PutBucketEncryption: HTTP ${r.status} ${r.text ?? ''}`);
  await timedUpload(client, pid, '/bench-encrypted/warmup', warm);
  await timedDownload(client, pid, '/bench-encrypted/warmup', warm);
  await client.send('DELETE', '/bench-encrypted/warmup');
  log(`coffer: single-stream PUT of ${o.bigObjectBytes / 2 ** 20} MiB, SSE-S3`);
  const encryptedPut = await timedUpload(client, pid, '/bench-encrypted/object', o.bigObjectBytes);
  log('coffer: single-stream GET, SSE-S3');
  const encryptedGet = await timedDownload(client, pid, '/bench-encrypted/object', o.bigObjectBytes);
  await client.send('DELETE', '/bench-encrypted/object');
  return { put, get, encryptedPut, encryptedGet };
}

export async function runSmall(client: BenchClient, pid: number, o: BenchOptions, log: (s: string) => void): Promise<SmallResults> {
  await createBucket(client, 'bench-small');
  const seeded = await fixedWork(client, 16, o.smallGetKeys, (i) => client.send('PUT', `/bench-small/get/${i}`, { body: SMALL_BODY }));
  if (seeded.errors > 0) throw new Error(`seeding 4 KiB objects: ${seeded.errors} failed, first ${seeded.firstError}`);
  const put = new Map<number, Rate>();
  const get = new Map<number, Rate>();
  for (const c of o.concurrencies) {
    log(`coffer: 4 KiB PUT and GET at concurrency ${c}`);
    put.set(c, await closedLoop(client, pid, c, o.smallSeconds, o.warmupSeconds, (w, n) => client.send('PUT', `/bench-small/put-c${c}/${w}/${n}`, { body: SMALL_BODY })));
    get.set(c, await closedLoop(client, pid, c, o.smallSeconds, o.warmupSeconds, (_w, n) => client.send('GET', `/bench-small/get/${n % o.smallGetKeys}`)));
  }
  return { put, get };
}

const KEYS_PER_DIR = 100;

function listKey(i: number, dirs: number): string {
  return `d${String(i % dirs).padStart(5, '0')}/k${String(i).padStart(7, '0')}`;
}

const XML_ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'" };

/** Lists every page of a ListObjectsV2 with max-keys 1000 → pages, keys, common prefixes, seconds. */
async function listAll(client: BenchClient, bucket: string, extra: Array<[string, string]>): Promise<{ pages: number; keys: number; prefixes: number; seconds: number }> {
  let token: string | undefined;
  let pages = 0;
  let keys = 0;
  let prefixes = 0;
  const t0 = performance.now();
  for (;;) {
    const query: Array<[string, string]> = [['list-type', '2'], ['max-keys', '1000'], ...extra];
    if (token !== undefined) query.push(['continuation-token', token]);
    const r = await client.send('GET', `/${bucket}`, { query, text: true });
    if (r.status !== 200) throw new Error(`ListObjectsV2: HTTP ${r.status} ${r.text ?? ''}`);
    const text = r.text ?? '';
    pages++;
    keys += text.split('<Key>').length - 1;
    prefixes += text.split('<CommonPrefixes>').length - 1;
    const next = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(text)?.[1];
    if (!text.includes('<IsTruncated>true</IsTruncated>') || next === undefined) break;
    token = next.replace(/&(amp|lt|gt|quot|apos);/g, (e) => XML_ENTITIES[e] ?? e);
  }
  return { pages, keys, prefixes, seconds: (performance.now() - t0) / 1000 };
}

export async function runList(client: BenchClient, o: BenchOptions, log: (s: string) => void): Promise<ListResults> {
  await createBucket(client, 'bench-list');
  const dirs = Math.ceil(o.listKeys / KEYS_PER_DIR);
  log(`coffer: inserting ${o.listKeys} empty objects at concurrency ${o.listInsertConcurrency}`);
  const empty = Buffer.alloc(0);
  const insert = await fixedWork(client, o.listInsertConcurrency, o.listKeys, (i) => client.send('PUT', `/bench-list/${listKey(i, dirs)}`, { body: empty }));
  client.useConnections(1);
  log('coffer: full listing, then a delimiter listing');
  const full = await listAll(client, 'bench-list', []);
  const delimited = await listAll(client, 'bench-list', [['delimiter', '/']]);
  return {
    keys: o.listKeys,
    insertOpsPerSec: (o.listKeys - insert.errors) / insert.seconds,
    insertErrors: insert.errors,
    ...(insert.firstError !== undefined ? { insertFirstError: insert.firstError } : {}),
    fullSeconds: full.seconds,
    fullPages: full.pages,
    fullKeysSeen: full.keys,
    delimiterSeconds: delimited.seconds,
    delimiterPages: delimited.pages,
    prefixesSeen: delimited.prefixes,
    expectedPrefixes: dirs,
  };
}
