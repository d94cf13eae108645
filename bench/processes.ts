// The servers under test run as child processes; their memory and CPU are read from /proc.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MIB } from './options.js';

export interface ChildServer {
  pid: number;
  endpoint: string;
  /** The last 32–64 KiB the server wrote to stderr (its warnings and errors). */
  stderr(): string;
  stop(): Promise<void>;
}

/** Start `node <args>` and wait for the line `ready` matches; its first group is the endpoint. */
export async function startChild(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<ChildServer> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Should the bench die on an uncaught error, its servers go with it rather than linger.
  const reap = (): void => void child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.off('exit', reap));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
    // The server's warnings (COFFER_LOG_LEVEL=warn) would otherwise interleave with the table.
    if (stderr.length > 64 * 1024) stderr = stderr.slice(-32 * 1024);
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (s: string): void => {
      out += s;
      const m = ready.exec(out);
      if (m?.[1] !== undefined) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(m[1]);
      }
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}) before ready:\n${out}${stderr}`)));
    child.once('error', reject);
  });
  return { pid: child.pid!, endpoint, stderr: () => stderr, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

export function startNullServer(): Promise<ChildServer> {
  const script = fileURLToPath(new URL('./null-server.js', import.meta.url));
  return startChild([script], process.env, /null server: (http:\/\/\S+)/);
}

export interface CofferOptions {
  dataDir: string;
  accessKeyId: string;
  secretAccessKey: string;
  nodeArgs: string[];
}

export function startCofferProcess(o: CofferOptions): Promise<ChildServer> {
  const bin = fileURLToPath(new URL('../../bin/coffer.js', import.meta.url));
  return startChild(
    [...o.nodeArgs, bin, 'server'],
    {
      ...process.env,
      COFFER_ADDRESS: '127.0.0.1:0',
      COFFER_DATA_DIR: o.dataDir,
      COFFER_ROOT_ACCESS_KEY: o.accessKeyId,
      COFFER_ROOT_SECRET_KEY: o.secretAccessKey,
      COFFER_LOG_LEVEL: process.env.COFFER_LOG_LEVEL ?? 'warn',
    },
    /Coffer S3 endpoint: (http:\/\/\S+)/,
  );
}

function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : undefined;
}

/** CPU seconds (user + system) the process has used; with `thread`, that thread's alone. */
function cpuSeconds(pid: number, thread?: number): number {
  const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5), counted in USER_HZ ticks, 100 on Linux.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface Meter {
  /** Peak RSS in MiB over the span: the kernel's high-water mark if it could be reset, else the sampled max. */
  peakRssMiB: number;
  startRssMiB: number;
  /** CPU the process used over the span, as a share of one core. */
  cpuShare: number;
  /**
   * The same for its main thread alone (the event loop: JavaScript, hashing, socket reads),
   * without libuv's pool threads (file writes, fsync) and node's other threads.
   */
  mainThreadCpuShare: number;
  seconds: number;
}

/**
 * Measures one process over a span: RSS sampled every 20 ms, plus the exact peak when the
 * kernel's high-water mark can be reset (writing 5 to /proc/<pid>/clear_refs, Linux ≥ 4.0).
 */
export function meter(pid: number): { stop(): Meter } {
  let hwmReset = false;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    hwmReset = true;
  } catch {
    // not permitted here; the samples will do
  }
  const start = statusKiB(pid, 'VmRSS') ?? 0;
  let sampled = start;
  const timer = setInterval(() => {
    try {
      sampled = Math.max(sampled, statusKiB(pid, 'VmRSS') ?? 0);
    } catch {
      // the process has gone; the caller sees its failure elsewhere
    }
  }, 20);
  const cpu0 = cpuSeconds(pid);
  // The main thread's id is the process id.
  const main0 = cpuSeconds(pid, pid);
  const t0 = performance.now();
  return {
    stop(): Meter {
      clearInterval(timer);
      const seconds = (performance.now() - t0) / 1000;
      sampled = Math.max(sampled, statusKiB(pid, 'VmRSS') ?? 0);
      const peak = hwmReset ? Math.max(sampled, statusKiB(pid, 'VmHWM') ?? 0) : sampled;
      return {
        peakRssMiB: (peak * 1024) / MIB,
        startRssMiB: (start * 1024) / MIB,
        cpuShare: (cpuSeconds(pid) - cpu0) / seconds,
        mainThreadCpuShare: (cpuSeconds(pid, pid) - main0) / seconds,
        seconds,
      };
    },
  };
}
