// `npm run bench`: ceilings of this machine (disk with fsync, hashes, loopback HTTP, a do-nothing
// server's request rate), then the same client against a real Coffer in a child process, printed
// as one table of workload beside ceiling. Sizes scale with COFFER_BENCH_SCALE (see options.ts).
// It exits 0 when targets are missed (that is a measurement) and 1 only when a workload failed.
import { cpus, loadavg } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crc64nvmeImplementation } from '../src/checksums/index.js';
import { measureCeilings } from './ceilings.js';
import { BenchClient } from './client.js';
import type { Credentials } from './client.js';
import { measureHashSpeeds, measureMd5 } from './hash-speed.js';
import { runManyParts, runMultipart } from './multipart.js';
import { readOptions } from './options.js';
import type { Section } from './options.js';
import { startCofferProcess } from './processes.js';
import { report } from './report.js';
import type { Results } from './report.js';
import { runBig, runList, runSmall } from './workloads.js';
import { runVersions } from './versions.js';

const CREDS: Credentials = { accessKeyId: 'COFFERBENCHROOT', secretAccessKey: 'coffer-bench-root-secret' };

const o = readOptions(process.env);
const t0 = performance.now();
const loadBefore = loadavg()[0]!;
const log = (s: string): void => {
  process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${s}\n`);
};

const workDir = await mkdtemp(join(o.baseDir, 'coffer-bench-'));
const results: Results = { failures: new Map() };
const want = (s: Section): boolean => o.sections.has(s);

async function section(name: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    results.failures.set(name, msg);
    log(`${name} failed: ${err instanceof Error && err.stack ? err.stack : msg}`);
  }
}

try {
  if (want('hashes')) {
    await section('hashes', async () => {
      log(`hashes: ${o.hashBytes / 2 ** 20} MiB each`);
      results.hashes = await measureHashSpeeds(o.hashBytes);
    });
  }
  if (want('ceilings')) {
    await section('ceilings', async () => {
      // MD5 bounds every PUT as much as the disk does: measured here when the hash table isn't.
      if (!want('hashes') && (want('big') || want('multipart'))) {
        log(`hashes: MD5 over ${o.hashBytes / 2 ** 20} MiB`);
        results.hashes = { MD5: await measureMd5(o.hashBytes) };
      }
      results.ceilings = await measureCeilings({ ...o, baseDir: workDir }, CREDS, log);
    });
  }
  if (want('big') || want('multipart') || want('small') || want('list') || want('versions')) {
    await section('coffer', async () => {
      const coffer = await startCofferProcess({ dataDir: join(workDir, 'data'), ...CREDS, nodeArgs: o.serverNodeArgs });
      log(`coffer: pid ${coffer.pid} at ${coffer.endpoint}`);
      const client = new BenchClient(coffer.endpoint, CREDS);
      try {
        if (want('big')) await section('big', async () => void (results.big = await runBig(client, coffer.pid, o, log)));
        if (want('multipart')) await section('multipart', async () => void (results.multipart = await runMultipart(client, coffer.pid, o, log)));
        if (want('small')) await section('small', async () => void (results.small = await runSmall(client, coffer.pid, o, log)));
        if (want('list')) await section('list', async () => void (results.list = await runList(client, o, log)));
        if (want('versions')) await section('versions', async () => void (results.versions = await runVersions(client, coffer.pid, o, log)));
      } finally {
        client.close();
        await coffer.stop();
        const errors = coffer.stderr().trim();
        if (errors !== '') log(`coffer wrote to stderr:\n${errors.split('\n').slice(-20).join('\n')}`);
      }
    });
  }
  if (want('multipart')) {
    // In this process, not the child: the parts are recorded straight into its metadata store.
    await section('many-parts', async () => void (results.manyParts = await runManyParts(o, workDir, CREDS, log)));
  }
} finally {
  await rm(workDir, { recursive: true, force: true });
}

const inline = process.env.COFFER_INLINE_MAX ? `COFFER_INLINE_MAX=${process.env.COFFER_INLINE_MAX}` : 'COFFER_INLINE_MAX default (64 KiB)';
process.stdout.write(
  `\nCoffer bench: scale ${o.scale}, ${cpus().length} CPUs (client, server and do-nothing server share them), ` +
    `node ${process.version}, ${inline}, ${((performance.now() - t0) / 1000).toFixed(0)} s\n` +
    // Other work on the machine skews every figure; the 1-minute load average shows how much.
    `load average (1 min) ${loadBefore.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end\n` +
    `CPU srv/cli = server and client CPU over the run, as a share of one core.\n` +
    report(o, results, `${crc64nvmeImplementation()} (as loaded in the bench process; the server loads the same build)`) +
    '\n',
);
if (results.failures.size > 0) process.exitCode = 1;
