// The two shapes of load: one large transfer, and many small requests from a fixed number of
// workers, each sending its next request when the last one is answered (closed loop).
import { randomBytes } from 'node:crypto';
import type { BenchClient, Reply } from './client.js';
import { randomishChunks } from './client.js';
import { MIB, SMALL_OBJECT_BYTES } from './options.js';
import { meter } from './processes.js';

export interface Rate {
  /** Successful operations (or MiB) per second. */
  value: number;
  errors: number;
  /** Server CPU as a share of one core, and the client's, over the run. */
  serverCpu: number;
  /** The server's main thread alone (its event loop), where it was measured. */
  serverMainThreadCpu?: number;
  clientCpu: number;
  peakRssMiB: number;
  startRssMiB: number;
  firstError?: string;
}

/** Eight random 1 MiB chunks that every large body is cut from. */
export const BODY_POOL = Array.from({ length: 8 }, () => randomBytes(MIB));
export const SMALL_BODY = randomBytes(SMALL_OBJECT_BYTES);

function describe(r: Reply): string {
  const code = r.text !== undefined ? /<Code>([^<]*)<\/Code>/.exec(r.text)?.[1] : undefined;
  return `${r.status === 0 ? 'no reply' : `HTTP ${r.status}`}${code !== undefined ? ` ${code}` : ''}`;
}

/** Times one PUT of `bytes` streamed from memory → MiB/s, with the server's peak RSS. */
export async function timedUpload(client: BenchClient, serverPid: number, path: string, bytes: number): Promise<Rate> {
  client.useConnections(1);
  const m = meter(serverPid);
  const c0 = process.cpuUsage();
  const reply = await client.upload(path, bytes, randomishChunks(bytes, BODY_POOL));
  return transferRate(reply, bytes, m.stop(), c0);
}

/** Times one GET, discarding the body → MiB/s. */
export async function timedDownload(client: BenchClient, serverPid: number, path: string, bytes: number, query: Array<[string, string]> = []): Promise<Rate> {
  client.useConnections(1);
  const m = meter(serverPid);
  const c0 = process.cpuUsage();
  const reply = await client.download(path, query);
  const rate = transferRate(reply, bytes, m.stop(), c0);
  if (reply.bytes !== bytes && rate.errors === 0) return { ...rate, errors: 1, firstError: `got ${reply.bytes} of ${bytes} bytes` };
  return rate;
}

function transferRate(reply: Reply, bytes: number, m: ReturnType<ReturnType<typeof meter>['stop']>, c0: NodeJS.CpuUsage): Rate {
  const ok = reply.status === 200;
  return {
    value: ok ? bytes / MIB / m.seconds : 0,
    errors: ok ? 0 : 1,
    serverCpu: m.cpuShare,
    clientCpu: clientShare(c0, m.seconds),
    peakRssMiB: m.peakRssMiB,
    startRssMiB: m.startRssMiB,
    ...(ok ? {} : { firstError: describe(reply) }),
  };
}

/** The bench process's CPU since `c0`, as a share of one core over `seconds`. */
export function clientShare(c0: NodeJS.CpuUsage, seconds: number): number {
  const d = process.cpuUsage(c0);
  return (d.user + d.system) / 1e6 / seconds;
}

/** A request that failed below HTTP (reset, refused) counts as an error, status 0. */
function failed(err: unknown): Reply {
  return { status: 0, bytes: 0, text: `<Code>${err instanceof Error ? err.message : String(err)}</Code>` };
}

/** `op(worker, n)` sends one request; the reply must be 2xx to count. */
export type Op = (worker: number, n: number) => Promise<Reply>;

/**
 * `concurrency` workers, each on its own keep-alive connection, send requests back to back for
 * `seconds` after a warm-up of `warmupSeconds` (connections opened, JIT warm) → ops/s.
 */
export async function closedLoop(client: BenchClient, serverPid: number, concurrency: number, seconds: number, warmupSeconds: number, op: Op): Promise<Rate> {
  client.useConnections(concurrency);
  const counters = { n: 0, ok: 0, errors: 0, firstError: undefined as string | undefined };
  const run = async (worker: number, until: number, count: boolean): Promise<void> => {
    while (performance.now() < until) {
      const reply = await op(worker, counters.n++).catch(failed);
      if (!count) continue;
      if (reply.status >= 200 && reply.status < 300) counters.ok++;
      else {
        counters.errors++;
        counters.firstError ??= describe(reply);
      }
    }
  };
  const workers = (until: number, count: boolean): Promise<unknown[]> => Promise.all(Array.from({ length: concurrency }, (_, w) => run(w, until, count)));

  await workers(performance.now() + warmupSeconds * 1000, false);
  const m = meter(serverPid);
  const c0 = process.cpuUsage();
  await workers(performance.now() + seconds * 1000, true);
  const s = m.stop();
  return {
    value: counters.ok / s.seconds,
    errors: counters.errors,
    serverCpu: s.cpuShare,
    clientCpu: clientShare(c0, s.seconds),
    peakRssMiB: s.peakRssMiB,
    startRssMiB: s.startRssMiB,
    ...(counters.firstError !== undefined ? { firstError: counters.firstError } : {}),
  };
}

/** Runs `total` operations over `concurrency` workers (a fixed amount of work, not a fixed time). */
export async function fixedWork(
  client: BenchClient,
  concurrency: number,
  total: number,
  op: (i: number) => Promise<Reply>,
): Promise<{ seconds: number; errors: number; firstError?: string }> {
  client.useConnections(concurrency);
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const reply = await op(next++).catch(failed);
        if (reply.status < 200 || reply.status >= 300) {
          errors++;
          firstError ??= describe(reply);
        }
      }
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, errors, ...(firstError !== undefined ? { firstError } : {}) };
}
