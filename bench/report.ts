// Turns the measurements into the printed table: each workload beside its ceiling, the ratio,
// the target and PASS/MISS. A missed target is reported, never thrown: the bench measures.
import { cpus } from 'node:os';
import type { Ceilings } from './ceilings.js';
import type { Rate } from './load.js';
import type { BenchOptions } from './options.js';
import { MIB } from './options.js';
import type { ManyPartsResults, MultipartResults } from './multipart.js';
import type { BigResults, ListResults, SmallResults } from './workloads.js';
import type { VersionResults } from './versions.js';

export const TARGETS = {
  /** PUT of 1 GiB ≥ 60% of min(disk with fsync, MD5). */
  bigPut: 0.6,
  /** GET of 1 GiB ≥ 70% of the loopback download. */
  bigGet: 0.7,
  /** The 1 GiB PUT and GET encrypted at rest (SSE-S3) ≥ 80% of the same transfer in plaintext. */
  encrypted: 0.8,
  /** Multipart upload of 1 GiB (16 MiB parts, 4 in flight) ≥ 60% of min(disk with fsync, MD5), like the single PUT. */
  multipartPut: 0.6,
  /** CompleteMultipartUpload of 10,000 parts, in ms. */
  manyPartsCompleteMs: 1000,
  /** 4 KiB PUT at concurrency 64 ≥ 40% of the do-nothing server's rate. */
  smallPut64: 0.4,
  /** 4 KiB GET at concurrency 64 ≥ 50% of the do-nothing server's rate. */
  smallGet64: 0.5,
  maxRssMiB: 200,
} as const;

export interface Results {
  ceilings?: Ceilings;
  hashes?: Record<string, number>;
  big?: BigResults;
  multipart?: MultipartResults;
  manyParts?: ManyPartsResults;
  small?: SmallResults;
  list?: ListResults;
  versions?: VersionResults;
  /** Section → error message, for sections that threw. */
  failures: Map<string, string>;
}

type Cell = string;
type Status = 'PASS' | 'MISS' | 'ERROR' | '';

interface Row {
  cells: [Cell, Cell, Cell, Cell, Cell, Cell, Status];
}

const HEADER: Row['cells'] = ['workload', 'result', 'ceiling', 'ratio', 'target', 'CPU srv/cli', ''];

const int = (v: number): string => Math.round(v).toLocaleString('en-US');
const pct = (v: number): string => `${Math.round(v * 100)}%`;
const cpu = (r: Rate): string => `${pct(r.serverCpu)}/${pct(r.clientCpu)}`;
const errs = (r: Rate): string => (r.errors > 0 ? ` (${r.errors} errors: ${r.firstError ?? '?'})` : '');

/** A row whose target is a share of a ceiling; `min` undefined means informational. */
function ratioRow(name: string, r: Rate | undefined, unit: string, ceiling: number | undefined, ceilingLabel: string, min?: number): Row {
  if (r === undefined) return { cells: [name, 'not run', '', '', '', '', ''] };
  const result = `${int(r.value)} ${unit}${errs(r)}`;
  const c = ceiling === undefined ? 'not run' : `${int(ceiling)} ${unit} ${ceilingLabel}`;
  const ratio = ceiling === undefined || ceiling === 0 ? undefined : r.value / ceiling;
  const target = min === undefined ? '' : `≥ ${pct(min)}`;
  let status: Status = '';
  if (r.errors > 0) status = 'ERROR';
  else if (min !== undefined && ratio !== undefined) status = ratio >= min ? 'PASS' : 'MISS';
  return { cells: [name, result, c, ratio === undefined ? '' : pct(ratio), target, cpu(r), status] };
}

function rssRow(name: string, r: Rate | undefined): Row {
  if (r === undefined) return { cells: [name, 'not run', '', '', '', '', ''] };
  const status: Status = r.peakRssMiB < TARGETS.maxRssMiB ? 'PASS' : 'MISS';
  return { cells: [name, `${int(r.peakRssMiB)} MiB (${int(r.startRssMiB)} MiB before)`, '', '', `< ${TARGETS.maxRssMiB} MiB`, '', status] };
}

/** A row whose target is a time limit. */
function timeRow(name: string, ms: number | undefined, maxMs: number, problems: string[] = []): Row {
  if (ms === undefined) return { cells: [name, 'not run', '', '', '', '', ''] };
  const result = `${millis(ms)}${problems.length > 0 ? ` (${problems.join('; ')})` : ''}`;
  const status: Status = problems.length > 0 ? 'ERROR' : ms < maxMs ? 'PASS' : 'MISS';
  return { cells: [name, result, '', '', `< ${maxMs >= 1000 ? `${maxMs / 1000} s` : `${maxMs} ms`}`, '', status] };
}

function millis(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${int(ms)} ms`;
}

/**
 * What most likely held a transfer back, from CPU shares (the server hashes and runs HTTP on its
 * main thread; file writes and fsync run on libuv's pool) and the disk ceiling.
 */
function limitOf(r: Rate, diskMiBs: number | undefined): string {
  const main = r.serverMainThreadCpu;
  const mainShare = main !== undefined ? `server main thread ${pct(main)}` : `server ${pct(r.serverCpu)}`;
  if (main !== undefined && main >= 0.9) return `server main thread (${pct(main)}): hashing, HTTP`;
  if (r.clientCpu >= 0.9) return `client CPU (${pct(r.clientCpu)})`;
  if (r.serverCpu + r.clientCpu >= 0.85 * cpus().length) return `all ${cpus().length} cores (server ${pct(r.serverCpu)} + client ${pct(r.clientCpu)})`;
  if (diskMiBs !== undefined && r.value >= 0.8 * diskMiBs) return `disk with fsync (${mainShare})`;
  return `no core saturated (${mainShare}, all threads ${pct(r.serverCpu)}): I/O waits`;
}

function info(name: string, result: string, ceiling = ''): Row {
  return { cells: [name, result, ceiling, '', '', '', ''] };
}

function render(rows: Row[]): string {
  const widths = HEADER.map((_, i) => Math.max(...[HEADER, ...rows.map((r) => r.cells)].map((c) => c[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(HEADER), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(r.cells))].join('\n');
}

export function report(o: BenchOptions, res: Results, crc64: string): string {
  const out: string[] = [];
  const c = res.ceilings;
  const gib = (bytes: number): string => (bytes >= 1024 * MIB ? `${bytes / 1024 / MIB} GiB` : `${bytes / MIB} MiB`);

  out.push(`CRC64NVME implementation in use: ${crc64}`);
  if (res.hashes) {
    out.push('', `Hash speeds over ${gib(o.hashBytes)} in 1 MiB chunks, one core (MiB/s):`);
    for (const [name, v] of Object.entries(res.hashes)) out.push(`  ${name.padEnd(42)} ${int(v).padStart(7)}`);
  }
  if (c) {
    out.push('', 'Ceilings (transfers: best of 2 tries):');
    out.push(
      `  disk write ${gib(o.ceilingBytes)} in 1 MiB writes + fsync (${o.baseDir})`.padEnd(64) +
        `${int(c.diskFsyncMiBs)} MiB/s  (writes ${c.diskWriteSeconds.toFixed(2)} s, fsync ${c.diskSyncSeconds.toFixed(2)} s)`,
    );
    out.push(`  loopback upload ${gib(o.ceilingBytes)} to a do-nothing server`.padEnd(64) + `${int(c.loopbackUpload.value)} MiB/s${errs(c.loopbackUpload)}`);
    out.push(`  loopback download ${gib(o.ceilingBytes)} from a do-nothing server`.padEnd(64) + `${int(c.loopbackDownload.value)} MiB/s${errs(c.loopbackDownload)}`);
    for (const n of o.concurrencies) {
      const p = c.nullPut.get(n);
      const g = c.nullGet.get(n);
      out.push(
        `  do-nothing server, 4 KiB PUT / GET @${n}`.padEnd(64) + `${int(p?.value ?? 0)} / ${int(g?.value ?? 0)} ops/s  (CPU srv/cli ${p ? cpu(p) : '?'} / ${g ? cpu(g) : '?'})`,
      );
    }
  }

  const md5 = res.hashes?.['MD5'];
  const putCeiling = c && md5 !== undefined ? Math.min(c.diskFsyncMiBs, md5) : undefined;
  const putLabel = c && md5 !== undefined ? (c.diskFsyncMiBs <= md5 ? 'min(disk+fsync, MD5) = disk' : 'min(disk+fsync, MD5) = MD5') : '';
  const rows: Row[] = [];
  const b = res.big;
  rows.push(ratioRow(`PUT ${gib(o.bigObjectBytes)}, one stream`, b?.put, 'MiB/s', putCeiling, putLabel, TARGETS.bigPut));
  rows.push(rssRow('  server RSS peak during PUT', b?.put));
  rows.push(ratioRow(`GET ${gib(o.bigObjectBytes)}, one stream`, b?.get, 'MiB/s', c?.loopbackDownload.value, 'loopback download', TARGETS.bigGet));
  rows.push(rssRow('  server RSS peak during GET', b?.get));
  rows.push(ratioRow(`PUT ${gib(o.bigObjectBytes)}, one stream, SSE-S3`, b?.encryptedPut, 'MiB/s', b?.put.value, 'plaintext PUT', TARGETS.encrypted));
  rows.push(rssRow('  server RSS peak during SSE-S3 PUT', b?.encryptedPut));
  rows.push(ratioRow(`GET ${gib(o.bigObjectBytes)}, one stream, SSE-S3`, b?.encryptedGet, 'MiB/s', b?.get.value, 'plaintext GET', TARGETS.encrypted));
  rows.push(rssRow('  server RSS peak during SSE-S3 GET', b?.encryptedGet));
  const mp = res.multipart;
  const mpParts = Math.ceil(o.multipartObjectBytes / o.multipartPartBytes);
  rows.push(
    ratioRow(
      `multipart ${gib(o.multipartObjectBytes)}, ${mpParts} × ${gib(o.multipartPartBytes)} parts @${o.multipartConcurrency}`,
      mp?.upload,
      'MiB/s',
      putCeiling,
      putLabel,
      TARGETS.multipartPut,
    ),
  );
  rows.push(rssRow('  server RSS peak during multipart', mp?.upload));
  if (mp) {
    rows.push(info(`  CompleteMultipartUpload of ${mp.parts} parts`, `${millis(mp.completeMs)} (Create + parts ${mp.partsSeconds.toFixed(2)} s)`));
    rows.push(info('  likely limit', limitOf(mp.upload, c?.diskFsyncMiBs)));
  }
  const mn = res.manyParts;
  rows.push(timeRow(`Complete ${int(o.manyParts)} parts (recorded directly, no bytes †)`, mn?.completeMs, TARGETS.manyPartsCompleteMs, mn?.problems));
  if (mn) {
    rows.push(info(`  HEAD of that ${int(mn.parts)}-part object`, millis(mn.headMs)));
    rows.push(info(`  ListParts max-parts 1000, ${int(mn.parts)}-part upload`, `first page ${millis(mn.listFirstPageMs)}, last page ${millis(mn.listLastPageMs)}`));
    rows.push(info('  RSS of bench + in-process server over Complete', `${int(mn.completeRssPeakMiB)} MiB peak (${int(mn.completeRssStartMiB)} MiB before)`));
    rows.push(
      info(
        `  setup: ${int(mn.parts)} part rows in one transaction`,
        `${millis(mn.recordMs)} (Complete XML ${int(mn.completeXmlBytes / 1024)} KiB; warm-up Complete of 100: ${millis(mn.warmCompleteMs)})`,
      ),
    );
  }
  const s = res.small;
  for (const n of o.concurrencies) {
    rows.push(ratioRow(`PUT 4 KiB @${n}`, s?.put.get(n), 'ops/s', c?.nullPut.get(n)?.value, 'do-nothing', n === 64 ? TARGETS.smallPut64 : undefined));
  }
  for (const n of o.concurrencies) {
    rows.push(ratioRow(`GET 4 KiB @${n}`, s?.get.get(n), 'ops/s', c?.nullGet.get(n)?.value, 'do-nothing', n === 64 ? TARGETS.smallGet64 : undefined));
  }
  const l = res.list;
  if (l) {
    const insertErr = l.insertErrors > 0 ? ` (${l.insertErrors} errors: ${l.insertFirstError ?? '?'})` : '';
    rows.push(info(`insert ${int(l.keys)} keys @${o.listInsertConcurrency} (empty PUTs)`, `${int(l.insertOpsPerSec)} ops/s${insertErr}`));
    const keysOk = l.fullKeysSeen === l.keys ? '' : ` (saw ${int(l.fullKeysSeen)} keys!)`;
    rows.push(info(`ListObjectsV2 all ${int(l.keys)} keys, max-keys 1000`, `${l.fullSeconds.toFixed(2)} s, ${l.fullPages} pages, ${int(l.keys / l.fullSeconds)} keys/s${keysOk}`));
    const prefOk = l.prefixesSeen === l.expectedPrefixes ? '' : ` (expected ${int(l.expectedPrefixes)}!)`;
    rows.push(
      info(
        `ListObjectsV2 delimiter '/' over ${int(l.keys)} keys`,
        `${(l.delimiterSeconds * 1000).toFixed(0)} ms, ${int(l.prefixesSeen)} prefixes in ${l.delimiterPages} page(s)${prefOk}`,
      ),
    );
  } else {
    rows.push(info('ListObjectsV2', 'not run'));
  }
  const v = res.versions;
  for (const n of o.concurrencies) {
    // Each against unversioned PUTs run in turns with it (versions.ts), not the small section's earlier run.
    const newKeys = v?.unversionedNewKeys.get(n);
    const sameKeys = v?.unversionedSameKeys.get(n);
    rows.push(ratioRow(`versioned PUT 4 KiB @${n} (${v?.keys ?? '?'} keys)`, v?.put.get(n), 'ops/s', newKeys?.value, `unversioned, new keys (${newKeys ? cpu(newKeys) : ''})`));
    rows.push(ratioRow('  the same, against overwrites in place', v?.put.get(n), 'ops/s', sameKeys?.value, `unversioned, same keys (${sameKeys ? cpu(sameKeys) : ''})`));
  }
  if (v) {
    rows.push(
      info(
        `ListObjectVersions all ${int(v.versionsListed)} versions, max-keys 1000`,
        `${v.listSeconds.toFixed(2)} s, ${v.listPages} pages, ${int(v.versionsListed / v.listSeconds)} versions/s, last page ${v.lastPageMs.toFixed(0)} ms`,
      ),
    );
  }
  out.push('', render(rows));
  if (mn) {
    out.push(
      `† S3 requires every part but the last to be ≥ 5 MiB, so ${int(o.manyParts)} real parts would be ${int((o.manyParts * 5 * MIB) / 1e9)} GB. ` +
        "Their rows were written straight into an in-process server's metadata store (5 MiB each, no bytes on disk); " +
        'Complete, HEAD and ListParts went over HTTP.',
    );
  }

  const statuses = rows.map((r) => r.cells[6]).filter((st) => st !== '');
  out.push(
    '',
    `targets: ${statuses.filter((st) => st === 'PASS').length} PASS, ${statuses.filter((st) => st === 'MISS').length} MISS, ${statuses.filter((st) => st === 'ERROR').length} ERROR`,
  );
  for (const [section, msg] of res.failures) out.push(`section ${section} failed: ${msg}`);
  return out.join('\n');
}
