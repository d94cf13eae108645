// The versioned workloads: 4 KiB PUTs into a bucket with versioning Enabled (each one stacks a
// version on one of a few keys, so keys gather thousands of versions), then ListObjectVersions
// over all of them, page by page from the markers each page answers.
import type { BenchClient } from './client.js';
import { SMALL_BODY, closedLoop } from './load.js';
import type { Rate } from './load.js';
import type { BenchOptions } from './options.js';
import { createBucket } from './workloads.js';

export interface VersionResults {
  /** PUT 4 KiB into the versioned bucket, by concurrency. */
  put: Map<number, Rate>;
  /** Keys the PUTs stack their versions on. */
  keys: number;
  versionsListed: number;
  listSeconds: number;
  listPages: number;
  /** The last page of the listing, which starts deep inside one key's versions. */
  lastPageMs: number;
}

const BUCKET = 'bench-versions';
const VERSIONED_KEYS = 100;

/** Every page of ?versions with max-keys 1000 → versions and markers seen, pages, seconds, the last page's time. */
async function listAllVersions(client: BenchClient): Promise<{ versions: number; pages: number; seconds: number; lastPageMs: number }> {
  let markers: Array<[string, string]> = [];
  let versions = 0;
  let pages = 0;
  let lastPageMs = 0;
  const t0 = performance.now();
  for (;;) {
    const p0 = performance.now();
    const r = await client.send('GET', `/${BUCKET}`, { query: [['versions', ''], ['max-keys', '1000'], ...markers], text: true });
    lastPageMs = performance.now() - p0;
    if (r.status !== 200) throw new Error(`ListObjectVersions: HTTP ${r.status} ${r.text ?? ''}`);
    const text = r.text ?? '';
    pages++;
    versions += text.split('<VersionId>').length - 1;
    if (!text.includes('<IsTruncated>true</IsTruncated>')) break;
    const key = /<NextKeyMarker>([^<]*)<\/NextKeyMarker>/.exec(text)?.[1];
    const version = /<NextVersionIdMarker>([^<]*)<\/NextVersionIdMarker>/.exec(text)?.[1];
    if (key === undefined || version === undefined) throw new Error('a truncated page without its markers');
    markers = [
      ['key-marker', key],
      ['version-id-marker', version],
    ];
  }
  return { versions, pages, seconds: (performance.now() - t0) / 1000, lastPageMs };
}

export async function runVersions(client: BenchClient, pid: number, o: BenchOptions, log: (s: string) => void): Promise<VersionResults> {
  await createBucket(client, BUCKET);
  const body = Buffer.from('<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>');
  const on = await client.send('PUT', `/${BUCKET}`, { query: [['versioning', '']], body, text: true });
  if (on.status !== 200) throw new Error(`PutBucketVersioning: HTTP ${on.status} ${on.text ?? ''}`);
  const put = new Map<number, Rate>();
  for (const c of o.concurrencies) {
    log(`coffer: versioned 4 KiB PUT at concurrency ${c} onto ${VERSIONED_KEYS} keys`);
    put.set(c, await closedLoop(client, pid, c, o.smallSeconds, o.warmupSeconds, (_w, n) => client.send('PUT', `/${BUCKET}/k${n % VERSIONED_KEYS}`, { body: SMALL_BODY })));
  }
  client.useConnections(1);
  log('coffer: ListObjectVersions of every version');
  const listed = await listAllVersions(client);
  return { put, keys: VERSIONED_KEYS, versionsListed: listed.versions, listSeconds: listed.seconds, listPages: listed.pages, lastPageMs: listed.lastPageMs };
}
