// Temp files live in one directory per process, data/tmp/<owner>, so several Coffer processes
// on one machine, or gateways sharing a volume, never take each other's uploads in flight for
// leftovers. A process keeps its directory's mtime fresh (a heartbeat); a directory is stale when
// its owner is known to be gone (same machine and PID namespace, process not running) or when its
// heartbeat stopped long ago (another machine, or an owner we cannot ask). Stale directories are
// what crashed processes left: their files belong to requests that never got a response.
import { readlinkSync } from 'node:fs';
import { mkdir, readdir, rm, stat, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** How often a process renews its directory's mtime. */
export const TEMP_HEARTBEAT_MS = 30_000;
/** A directory whose heartbeat is this old belongs to a process that is gone. */
export const TEMP_STALE_MS = 10 * 60_000;

interface Owner {
  host: string;
  /** The PID namespace (Linux), so two containers with one hostname are not confused. */
  pidNamespace: string;
  pid: number;
}

const SEP = '~';

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9.-]/g, '_') || '_';
}

function currentPidNamespace(): string {
  try {
    // "pid:[4026531836]" on Linux; elsewhere there is none to read.
    return safeName(readlinkSync('/proc/self/ns/pid').replace(/\D/g, ''));
  } catch {
    return 'none';
  }
}

function parseOwner(name: string): Owner | undefined {
  const parts = name.split(SEP);
  if (parts.length !== 4) return undefined;
  const pid = Number(parts[2]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  return { host: parts[0]!, pidNamespace: parts[1]!, pid };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class ProcessTempDir {
  /** data/tmp/<owner> of this process. */
  readonly dir: string;
  private readonly me: Owner;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly root: string) {
    this.me = { host: safeName(hostname()), pidNamespace: currentPidNamespace(), pid: process.pid };
    const name = [this.me.host, this.me.pidNamespace, String(this.me.pid), randomBytes(4).toString('hex')].join(SEP);
    this.dir = join(root, name);
  }

  /** Create this process's directory and start its heartbeat; removes what crashed processes left. */
  async open(): Promise<{ othersAlive: number }> {
    await mkdir(this.dir, { recursive: true });
    const swept = await this.sweep();
    this.heartbeat = setInterval(() => {
      const now = new Date();
      utimes(this.dir, now, now).catch(() => undefined);
    }, TEMP_HEARTBEAT_MS);
    this.heartbeat.unref();
    return swept;
  }

  /** Stop the heartbeat and remove this process's directory (its files are gone with their requests). */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    await rm(this.dir, { recursive: true, force: true });
  }

  /**
   * Remove the directories of processes that are gone (and loose files of older versions, which
   * kept temp files directly in data/tmp); count the other processes that are alive.
   */
  async sweep(now = Date.now()): Promise<{ othersAlive: number }> {
    let othersAlive = 0;
    for (const entry of await readdir(this.root, { withFileTypes: true }).catch(() => [])) {
      const path = join(this.root, entry.name);
      if (path === this.dir) continue;
      const owner = entry.isDirectory() ? parseOwner(entry.name) : undefined;
      if (owner === undefined) {
        // Not a process directory: a loose temp file of an older Coffer, which is not running
        // (it would hold the data dir), or something that does not belong here.
        await rm(path, { recursive: true, force: true });
        continue;
      }
      const sameMachine = owner.host === this.me.host && owner.pidNamespace === this.me.pidNamespace && this.me.pidNamespace !== 'none';
      let stale: boolean;
      if (sameMachine) {
        stale = !isRunning(owner.pid) || owner.pid === this.me.pid;
      } else {
        const st = await stat(path).catch(() => undefined);
        if (!st) continue;
        stale = now - st.mtimeMs > TEMP_STALE_MS;
      }
      if (stale) await rm(path, { recursive: true, force: true });
      else othersAlive++;
    }
    return { othersAlive };
  }
}
