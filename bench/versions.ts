// The versioned workloads: 4 KiB PUTs into a bucket with versioning Enabled (each one stacks a
// version on one of a few keys, so keys gather thousands of versions), then ListObjectVersions
// over all of them, page by page from the markers each page answers.
//
// Beside each versioned rate stand the same PUTs into an unversioned bucket, run in slices that
// alternate with the versioned ones, so all three see the same load: onto new keys (what the
// small section measures) and onto the same 100 keys (each overwrite replaces its key's one
// version in place). The small section runs a minute or more earlier; on a machine shared with
// other work the load changes in between, and one run compared that way showed versioned PUT at
// half the unversioned rate at every concurrency, while counts on the server showed the two at
// par: one WAL fdatasync per request at concurrency 1, about one per 5 requests at 16 and one
// per 25 at 64 for both, versioned writing fewer WAL bytes per request (17 KB against 22 KB at
// 16) and running 5-11% more instructions per request.
import type { BenchClient } from './client.js';
import { randomBytes } from 'node:crypto';
import { closedLoop } from './load.js';
import type { Rate } from './load.js';
import type { BenchOptions } from './options.js';
import { SMALL_OBJECT_BYTES } from './options.js';
import { createBucket } from './workloads.js';

export interface VersionResults {
  /** PUT 4 KiB into the versioned bucket, by concurrency. */
  put: Map<number, Rate>;
  /** The same PUTs into an unversioned bucket, in slices alternating with those of `put`: onto new keys, and onto `put`'s keys. */
  unversionedNewKeys: Map<number, Rate>;
  unversionedSameKeys: Map<number, Rate>;
  /** Keys the PUTs stack their versions on. */
  keys: number;
  versionsListed: number;
  listSeconds: number;
  listPages: number;
  /** The last page of the listing, which starts deep inside one key's versions. */
  lastPageMs: number;
}

const BUCKET = 'bench-versions';
/** The unversioned bucket of the reference PUTs. */
const REFERENCE_BUCKET = 'bench-versions-off';
const VERSIONED_KEYS = 100;
/** Slices of each kind per concurrency; the kinds take turns. */
const SLICES = 2;
/**
 * Bodies the PUTs take in turn. With one body for all, an overwrite in place would store the
 * very bytes already there, and SQLite skips rewriting unchanged overflow pages: the reference
 * would write less than any real overwrite does. 16 does not divide 100, so each key's next
 * version gets another body than its last.
 */
const BODIES = Array.from({ length: 16 }, () => randomBytes(SMALL_OBJECT_BYTES));

/** One rate of equally long slices: their mean rate and CPU, their errors and RSS peak together. */
function combined(slices: Rate[]): Rate {
  const mean = (f: (r: Rate) => number): number => slices.reduce((n, r) => n + f(r), 0) / slices.length;
  const firstError = slices.find((r) => r.firstError !== undefined)?.firstError;
  return {
    value: mean((r) => r.value),
    errors: slices.reduce((n, r) => n + r.errors, 0),
    serverCpu: mean((r) => r.serverCpu),
    clientCpu: mean((r) => r.clientCpu),
    peakRssMiB: Math.max(...slices.map((r) => r.peakRssMiB)),
    startRssMiB: slices[0]!.startRssMiB,
    ...(firstError !== undefined ? { firstError } : {}),
  };
}

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
  await createBucket(client, REFERENCE_BUCKET);
  const body = Buffer.from('<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>');
  const on = await client.send('PUT', `/${BUCKET}`, { query: [['versioning', '']], body, text: true });
  if (on.status !== 200) throw new Error(`PutBucketVersioning: HTTP ${on.status} ${on.text ?? ''}`);
  const put = new Map<number, Rate>();
  const unversionedNewKeys = new Map<number, Rate>();
  const unversionedSameKeys = new Map<number, Rate>();
  const slice = o.smallSeconds / SLICES;
  for (const c of o.concurrencies) {
    log(`coffer: versioned 4 KiB PUT at concurrency ${c} onto ${VERSIONED_KEYS} keys, in turns with unversioned PUTs onto new keys and onto the same keys`);
    const kinds = [
      { rates: [] as Rate[], path: (_w: number, n: number) => `/${BUCKET}/k${n % VERSIONED_KEYS}` },
      { rates: [] as Rate[], path: (w: number, n: number) => `/${REFERENCE_BUCKET}/new-c${c}/${w}/${n}` },
      { rates: [] as Rate[], path: (_w: number, n: number) => `/${REFERENCE_BUCKET}/k${n % VERSIONED_KEYS}` },
    ];
    for (let i = 0; i < SLICES; i++) {
      for (const k of kinds) {
        // Each slice counts its requests from 0 again; the slice number keeps new keys new.
        k.rates.push(await closedLoop(client, pid, c, slice, o.warmupSeconds, (w, n) => client.send('PUT', k.path(w, n + i * 1e9), { body: BODIES[n % BODIES.length]! })));
      }
    }
    put.set(c, combined(kinds[0]!.rates));
    unversionedNewKeys.set(c, combined(kinds[1]!.rates));
    unversionedSameKeys.set(c, combined(kinds[2]!.rates));
  }
  client.useConnections(1);
  log('coffer: ListObjectVersions of every version');
  const listed = await listAllVersions(client);
  return {
    put,
    unversionedNewKeys,
    unversionedSameKeys,
    keys: VERSIONED_KEYS,
    versionsListed: listed.versions,
    listSeconds: listed.seconds,
    listPages: listed.pages,
    lastPageMs: listed.lastPageMs,
  };
}
