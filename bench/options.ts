// What the bench measures and how much, from COFFER_BENCH_* variables, so a developer can run a
// tenth of it (COFFER_BENCH_SCALE=0.1) or one section (COFFER_BENCH_ONLY=small) while the full
// run stays the default.
import { tmpdir } from 'node:os';

export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;
export const SMALL_OBJECT_BYTES = 4 * 1024;

export const SECTIONS = ['ceilings', 'hashes', 'big', 'multipart', 'small', 'list', 'versions'] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions {
  scale: number;
  /** Disk-with-fsync ceiling and the loopback ceilings. */
  ceilingBytes: number;
  hashBytes: number;
  /** The single-stream PUT/GET object. */
  bigObjectBytes: number;
  /** An untimed transfer before each timed one, so neither side runs cold code. */
  warmupBytes: number;
  /** Length of each small-request run, after warmupSeconds. */
  smallSeconds: number;
  warmupSeconds: number;
  /** Distinct 4 KiB objects the GET workload reads from. */
  smallGetKeys: number;
  concurrencies: number[];
  /** The multipart upload: its total size, part size and parts in flight. */
  multipartObjectBytes: number;
  multipartPartBytes: number;
  multipartConcurrency: number;
  /** Parts recorded directly in the metadata store for the completion-time test (S3's maximum). */
  manyParts: number;
  listKeys: number;
  listInsertConcurrency: number;
  sections: Set<Section>;
  /** Parent of the Coffer data dir and of the disk-ceiling file (one filesystem). */
  baseDir: string;
  /** Extra node flags for the Coffer child, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
  serverNodeArgs: string[];
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return v;
}

/** Whole MiB, at least one: the transfer code moves 1 MiB chunks. */
function mib(bytes: number): number {
  return Math.max(1, Math.round(bytes / MIB)) * MIB;
}

export function readOptions(env: NodeJS.ProcessEnv): BenchOptions {
  const scale = num(env, 'COFFER_BENCH_SCALE', 1);
  const only = (env.COFFER_BENCH_ONLY ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const s of only) {
    if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`COFFER_BENCH_ONLY: unknown section ${s} (known: ${SECTIONS.join(', ')})`);
  }
  return {
    scale,
    ceilingBytes: mib(num(env, 'COFFER_BENCH_CEILING_MIB', 1024 * scale) * MIB),
    hashBytes: mib(num(env, 'COFFER_BENCH_HASH_MIB', 256 * scale) * MIB),
    bigObjectBytes: mib(num(env, 'COFFER_BENCH_OBJECT_MIB', 1024 * scale) * MIB),
    warmupBytes: 64 * MIB,
    smallSeconds: Math.max(0.5, num(env, 'COFFER_BENCH_SECONDS', 4 * scale)),
    warmupSeconds: Math.max(0.2, 0.5 * Math.min(1, scale)),
    smallGetKeys: 1000,
    concurrencies: (env.COFFER_BENCH_CONCURRENCY ?? '1,16,64').split(',').map((c) => {
      const n = Number(c.trim());
      if (!Number.isInteger(n) || n < 1) throw new Error(`COFFER_BENCH_CONCURRENCY: bad value ${JSON.stringify(c)}`);
      return n;
    }),
    multipartObjectBytes: mib(num(env, 'COFFER_BENCH_MULTIPART_MIB', 1024 * scale) * MIB),
    multipartPartBytes: 16 * MIB,
    multipartConcurrency: Math.round(num(env, 'COFFER_BENCH_MULTIPART_CONCURRENCY', 4)),
    manyParts: Math.min(10_000, Math.max(2, Math.round(num(env, 'COFFER_BENCH_MANY_PARTS', 10_000)))),
    listKeys: Math.max(1000, Math.round(num(env, 'COFFER_BENCH_LIST_KEYS', 100_000 * scale))),
    listInsertConcurrency: 64,
    sections: new Set<Section>(only.length > 0 ? (only as Section[]) : SECTIONS),
    baseDir: env.COFFER_BENCH_DIR || tmpdir(),
    serverNodeArgs: (env.COFFER_BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter((s) => s !== ''),
  };
}
