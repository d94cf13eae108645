// `npm run fuzz`: every target of fuzz/targets.ts on COFFER_FUZZ_RUNS inputs (a million by
// default) from COFFER_FUZZ_SEED (random by default, printed so a run can be repeated), one
// line per target with its rate. COFFER_FUZZ_ONLY=name,name runs only those targets. Exits 1
// when a target found an input that breaks it, after printing the input and its seed. Then
// COFFER_FUZZ_HTTP_RUNS (20,000 by default; 0 skips it) random raw requests go to a real Coffer
// started here (target `http`).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { startCoffer } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { httpProperty } from './http-fuzz.js';
import { runTarget } from './harness.js';
import type { FuzzTarget } from './harness.js';
import { TARGETS } from './targets.js';

function intFrom(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) {
    process.stderr.write(`${name} must be a whole number, got '${text}'\n`);
    process.exit(2);
  }
  return n;
}

const runs = intFrom('COFFER_FUZZ_RUNS', 1_000_000);
const seed = intFrom('COFFER_FUZZ_SEED', Math.floor(Math.random() * 2 ** 31));
const only = new Set(
  (process.env.COFFER_FUZZ_ONLY ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
const httpRuns = intFrom('COFFER_FUZZ_HTTP_RUNS', 20_000);
const chosen = TARGETS.filter((t) => only.size === 0 || only.has(t.name));
for (const name of only) if (name !== 'http' && !TARGETS.some((t) => t.name === name)) process.stderr.write(`no target named ${name}; targets: ${TARGETS.map((t) => t.name).join(', ')}\n`);

process.stdout.write(`fuzz: ${chosen.length} targets, ${runs} inputs each, COFFER_FUZZ_SEED=${seed}, node ${process.version}\n`);
let failed = 0;
const started = performance.now();
const report = async (target: FuzzTarget, n: number): Promise<void> => {
  const r = await runTarget(target, n, seed);
  const line = `${r.name.padEnd(24)} ${String(r.runs).padStart(9)} inputs  ${(r.ms / 1000).toFixed(1).padStart(7)} s  ${Math.round(r.perSecond).toLocaleString('en-US').padStart(9)} inputs/s  ${r.failure === undefined ? 'ok' : 'FAILED'}`;
  process.stdout.write(`${line}\n`);
  if (r.failure !== undefined) {
    failed++;
    process.stdout.write(`  ${target.about}\n  ${r.failure.replaceAll('\n', '\n  ')}\n`);
  }
};
for (const target of chosen) await report(target, runs);
if (httpRuns > 0 && (only.size === 0 || only.has('http'))) {
  // A real Coffer on a loopback port, with short time-outs so a body announced longer than it is
  // gets its RequestTimeout quickly.
  const dataDir = await mkdtemp(join(tmpdir(), 'coffer-fuzz-'));
  const credentials = { accessKeyId: 'COFFERFUZZROOT', secretAccessKey: 'coffer-fuzz-root-secret' };
  const config = loadConfig({
    COFFER_ADDRESS: '127.0.0.1:0',
    COFFER_DATA_DIR: dataDir,
    COFFER_ROOT_ACCESS_KEY: credentials.accessKeyId,
    COFFER_ROOT_SECRET_KEY: credentials.secretAccessKey,
    COFFER_REQUEST_TIMEOUT: '0.3',
    COFFER_HEADERS_TIMEOUT: '1',
  });
  const server = await startCoffer(config, pino({ level: 'silent' }));
  const s3 = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  const bucket = 'fuzz-http';
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'object k' }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'dir/k2', Body: 'object dir/k2' }));
  s3.destroy();
  await report(
    {
      name: 'http',
      about: 'random raw requests to a running Coffer get a whole answer, a success or an S3 error from the table, never InternalError',
      property: () => httpProperty({ endpoint: server.endpoint, ...credentials, bucket }),
    },
    httpRuns,
  );
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
}
process.stdout.write(`fuzz: ${failed === 0 ? 'every input held' : `${failed} target(s) failed`} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
process.exit(failed === 0 ? 0 : 1);
