// The log: one access-log line per request with the fields of S3 server access logs, JSON when
// stdout is not a terminal, one readable line per request in one, and COFFER_LOG_LEVEL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { startCoffer } from '../src/app.js';
import { createLogger } from '../src/logging.js';
import { ROOT_ACCESS_KEY, ROOT_SECRET_KEY, bucketName } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import { waitFor } from './helpers/child.js';

const BIN = fileURLToPath(new URL('../../bin/coffer.js', import.meta.url));

/** A Coffer whose log lines (format and level as given) are collected. */
async function loggedCoffer(t: import('node:test').TestContext, env: Record<string, string>): Promise<{ endpoint: string; lines: string[] }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'coffer-test-'));
  const config = loadConfig({ COFFER_ADDRESS: '127.0.0.1:0', COFFER_DATA_DIR: dataDir, COFFER_ROOT_ACCESS_KEY: ROOT_ACCESS_KEY, COFFER_ROOT_SECRET_KEY: ROOT_SECRET_KEY, ...env });
  const lines: string[] = [];
  const server = await startCoffer(config, createLogger(config, { isTTY: false, write: (s: string) => lines.push(s) }));
  t.after(async () => {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  return { endpoint: server.endpoint, lines };
}

test('each request logs one JSON access-log line with bucket, key, operation, status, error code, bytes, time, request id and requester', async (t) => {
  const { endpoint, lines } = await loggedCoffer(t, { COFFER_LOG_FORMAT: 'json' });
  const b = bucketName('log');
  assert.equal((await rawRequest(endpoint, { method: 'PUT', path: `/${b}` })).status, 200);
  const put = await rawRequest(endpoint, { method: 'PUT', path: `/${b}/dir/k%20ey`, body: 'hello' });
  const missing = await rawRequest(endpoint, {
    method: 'GET',
    path: `/${b}/nope`,
    query: { 'response-cache-control': 'secret-looking' },
    headers: { 'user-agent': 'log-test/1.0' },
  });
  await waitFor('three request lines', async () => lines.filter((l) => l.includes('"msg":"request"')).length >= 3);
  const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.msg === 'request');
  const p = entries.find((e) => e.reqId === put.headers['x-amz-request-id'])!;
  assert.equal(p.op, 'PutObject');
  assert.equal(p.bucket, b);
  assert.equal(p.key, 'dir/k ey');
  assert.equal(p.method, 'PUT');
  assert.equal(p.status, 200);
  assert.equal(p.code, undefined);
  assert.equal(p.bytesIn, 5);
  assert.equal(p.bytesOut, 0);
  assert.equal(p.requester, 'root');
  assert.equal(p.accessKeyId, ROOT_ACCESS_KEY);
  assert.equal(p.remoteIp, '127.0.0.1');
  assert.equal(typeof p.time, 'number');
  assert.equal(typeof p.ms, 'number');
  const m = entries.find((e) => e.reqId === missing.headers['x-amz-request-id'])!;
  assert.equal(m.op, 'GetObject');
  assert.equal(m.status, 404);
  assert.equal(m.code, 'NoSuchKey');
  assert.equal(m.bytesOut, Buffer.byteLength(missing.body));
  // The query, where a presigned URL keeps its signature, is never logged.
  assert.ok(!lines.some((l) => l.includes('secret-looking')));
});

test('COFFER_LOG_FORMAT=pretty writes one readable line per request; COFFER_LOG_LEVEL=warn leaves requests out', async (t) => {
  const { endpoint, lines } = await loggedCoffer(t, { COFFER_LOG_FORMAT: 'pretty' });
  const b = bucketName('log');
  assert.equal((await rawRequest(endpoint, { method: 'PUT', path: `/${b}` })).status, 200);
  const put = await rawRequest(endpoint, { method: 'PUT', path: `/${b}/k`, body: 'hello' });
  const missing = await rawRequest(endpoint, { method: 'GET', path: `/${b}/nope` });
  await waitFor('the readable lines', async () => lines.some((l) => l.includes(missing.headers['x-amz-request-id'] as string)));
  const putLine = lines.find((l) => l.includes(put.headers['x-amz-request-id'] as string));
  assert.match(
    putLine!,
    new RegExp(
      `^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} 200 PutObject PUT /${b}/k in=5 B out=0 B \\d+ ms akid=${ROOT_ACCESS_KEY} id=[0-9A-F]{16} requester=root remoteIp=127\\.0\\.0\\.1\\n$`,
    ),
  );
  const missLine = lines.find((l) => l.includes(missing.headers['x-amz-request-id'] as string));
  assert.match(missLine!, new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} 404 NoSuchKey GetObject GET /${b}/nope in=0 B out=\\d+ B \\d+ ms akid=${ROOT_ACCESS_KEY} id=`));
  assert.equal(
    lines.every((l) => l.endsWith('\n') && l.indexOf('\n') === l.length - 1),
    true,
  );

  const quiet = await loggedCoffer(t, { COFFER_LOG_FORMAT: 'pretty', COFFER_LOG_LEVEL: 'warn' });
  assert.equal((await rawRequest(quiet.endpoint, { method: 'PUT', path: `/${bucketName('log')}` })).status, 200);
  assert.deepEqual(quiet.lines, []);
});

/** `coffer server` with a terminal for stdout (util-linux `script` gives it one), its output so far. */
function serverOnTerminal(t: import('node:test').TestContext, dataDir: string): { output: () => string } {
  const command = [process.execPath, BIN, 'server'].map((a) => `'${a}'`).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: {
      PATH: process.env.PATH,
      COFFER_ADDRESS: '127.0.0.1:0',
      COFFER_DATA_DIR: dataDir,
      COFFER_ROOT_ACCESS_KEY: ROOT_ACCESS_KEY,
      COFFER_ROOT_SECRET_KEY: ROOT_SECRET_KEY,
      NO_COLOR: '1',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  t.after(async () => {
    // The server goes with its terminal: closing the pty hangs it up.
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  });
  return { output: () => out };
}

test('coffer server in a terminal logs one readable line per request, not JSON', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'coffer-test-'));
  const server = serverOnTerminal(t, dataDir);
  await waitFor('the endpoint', async () => /Coffer S3 endpoint: http:\/\/\S+/.test(server.output()), 20_000);
  const endpoint = /Coffer S3 endpoint: (http:\/\/[^\s]+)/.exec(server.output())![1]!;
  const b = bucketName('tty');
  const r = await rawRequest(endpoint, { method: 'PUT', path: `/${b}` });
  assert.equal(r.status, 200);
  const id = r.headers['x-amz-request-id'] as string;
  await waitFor('the request line', async () => server.output().includes(id));
  const line = server
    .output()
    .split(/\r?\n/)
    .find((l) => l.includes(id))!;
  assert.match(line, new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} 200 CreateBucket PUT /${b} in=0 B out=0 B \\d+ ms akid=${ROOT_ACCESS_KEY} id=${id} `));
  assert.ok(!server.output().includes('"msg":"request"'), 'no JSON line on a terminal');
});
