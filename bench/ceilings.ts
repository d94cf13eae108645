// What this machine allows at best: the disk with fsync, and HTTP over loopback to a server that
// does nothing. Each workload is printed beside the ceiling it can at most reach.
import { randomBytes } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BenchClient } from './client.js';
import type { Credentials } from './client.js';
import { SMALL_BODY, closedLoop, timedDownload, timedUpload } from './load.js';
import type { Rate } from './load.js';
import { MIB } from './options.js';
import type { BenchOptions } from './options.js';
import { startNullServer } from './processes.js';

export interface Ceilings {
  diskFsyncMiBs: number;
  /** How the disk figure splits: writes into the page cache, then the one fsync. */
  diskWriteSeconds: number;
  diskSyncSeconds: number;
  loopbackUpload: Rate;
  loopbackDownload: Rate;
  /** Keyed by concurrency. */
  nullPut: Map<number, Rate>;
  nullGet: Map<number, Rate>;
}

/** 1 MiB writes to a file in `dir`, then one fsync; the clock includes the fsync. */
export async function diskWriteFsync(dir: string, bytes: number): Promise<{ mibs: number; writeSeconds: number; syncSeconds: number }> {
  const path = join(dir, `coffer-bench-disk-${process.pid}`);
  const chunks = Array.from({ length: 8 }, () => randomBytes(MIB));
  const fh = await open(path, 'w');
  try {
    const t0 = performance.now();
    for (let i = 0, written = 0; written < bytes; i++) {
      const c = chunks[i % chunks.length]!;
      const n = Math.min(c.length, bytes - written);
      await fh.write(c, 0, n);
      written += n;
    }
    const t1 = performance.now();
    await fh.sync();
    const t2 = performance.now();
    return { mibs: bytes / MIB / ((t2 - t0) / 1000), writeSeconds: (t1 - t0) / 1000, syncSeconds: (t2 - t1) / 1000 };
  } finally {
    await fh.close();
    await rm(path, { force: true });
  }
}

/**
 * A ceiling is the best this machine can do, and other work on a shared machine only ever
 * lowers a figure, so each transfer ceiling keeps the best of a few tries.
 */
const CEILING_TRIES = 2;

async function best<T>(tries: number, run: () => Promise<T>, score: (t: T) => number): Promise<T> {
  let top = await run();
  for (let i = 1; i < tries; i++) {
    const next = await run();
    if (score(next) > score(top)) top = next;
  }
  return top;
}

export async function measureCeilings(o: BenchOptions, creds: Credentials, log: (s: string) => void): Promise<Ceilings> {
  log(`disk: writing ${o.ceilingBytes / MIB} MiB + fsync in ${o.baseDir}`);
  const disk = await best(
    CEILING_TRIES,
    () => diskWriteFsync(o.baseDir, o.ceilingBytes),
    (d) => d.mibs,
  );

  const server = await startNullServer();
  const client = new BenchClient(server.endpoint, creds);
  try {
    log('loopback: upload and download to the do-nothing server');
    const warm = Math.min(o.warmupBytes, o.ceilingBytes);
    await timedUpload(client, server.pid, '/null/warmup', warm);
    await timedDownload(client, server.pid, '/null/warmup', warm, [['bytes', String(warm)]]);
    const loopbackUpload = await best(
      CEILING_TRIES,
      () => timedUpload(client, server.pid, '/null/big', o.ceilingBytes),
      (r) => r.value,
    );
    const loopbackDownload = await best(
      CEILING_TRIES,
      () => timedDownload(client, server.pid, '/null/big', o.ceilingBytes, [['bytes', String(o.ceilingBytes)]]),
      (r) => r.value,
    );
    const nullPut = new Map<number, Rate>();
    const nullGet = new Map<number, Rate>();
    for (const c of o.concurrencies) {
      log(`do-nothing server: 4 KiB PUT and GET at concurrency ${c}`);
      nullPut.set(c, await closedLoop(client, server.pid, c, o.smallSeconds, o.warmupSeconds, (w, n) => client.send('PUT', `/null/put/${w}/${n}`, { body: SMALL_BODY })));
      nullGet.set(c, await closedLoop(client, server.pid, c, o.smallSeconds, o.warmupSeconds, (_w, n) => client.send('GET', `/null/get/${n % o.smallGetKeys}`)));
    }
    return { diskFsyncMiBs: disk.mibs, diskWriteSeconds: disk.writeSeconds, diskSyncSeconds: disk.syncSeconds, loopbackUpload, loopbackDownload, nullPut, nullGet };
  } finally {
    client.close();
    await server.stop();
  }
}
