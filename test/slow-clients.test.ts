// Slow and idle clients against a Coffer in its own process: headers that trickle (slowloris),
// bodies that stall, 10,000 idle keep-alive connections, a header block over the limit, more
// connections than COFFER_MAX_CONNECTIONS, and thousands of requests pipelined on one connection.
// Coffer keeps serving other clients with flat memory, closes what exceeds its limits (with S3's
// error where a response is possible) and says so in its log.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { startChildCofferForTest, waitFor } from './helpers/child.js';
import type { ChildCoffer } from './helpers/child.js';
import { rawRequest, signHeaders } from './helpers/raw.js';
import { delay, openExchange } from './helpers/socket.js';

async function startChild(t: TestContext, env: Record<string, string>, openFilesLimit?: number): Promise<ChildCoffer> {
  const root = await mkdtemp(join(tmpdir(), 'coffer-slow-'));
  return startChildCofferForTest(t, root, join(root, 'data'), { env, openFilesLimit });
}

/** The child's resident memory, from the kernel. */
function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1]) * 1024;
}

interface Conn {
  socket: Socket;
  /** Everything received so far. */
  received(): string;
  closed: Promise<void>;
}

function open(endpoint: string): Promise<Conn> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (data += d));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
    socket.once('error', reject);
  });
}

/** A signed ListBuckets is answered 200 within `ms`: other clients are still served. */
async function servedWithin(c: ChildCoffer, ms: number): Promise<void> {
  const t0 = performance.now();
  const r = await rawRequest(c.endpoint, { method: 'GET', path: '/' });
  assert.equal(r.status, 200, r.body);
  assert.ok(performance.now() - t0 < ms, `ListBuckets took ${Math.round(performance.now() - t0)} ms`);
}

function statusCodes(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}

test('headers that trickle in past COFFER_HEADERS_TIMEOUT get 400 RequestTimeout and a closed connection, logged, while others are served', async (t) => {
  const c = await startChild(t, { COFFER_HEADERS_TIMEOUT: '1' });
  const slow = await Promise.all(Array.from({ length: 20 }, () => open(c.endpoint)));
  const started = performance.now();
  for (const s of slow) s.socket.write(`GET / HTTP/1.1\r\nHost: ${new URL(c.endpoint).host}\r\nX-Slow: `);
  // One byte every 100 ms: each arrives well inside any idle timeout, the whole never does.
  const trickle = setInterval(() => {
    for (const s of slow) if (!s.socket.destroyed) s.socket.write('a');
  }, 100);
  t.after(() => clearInterval(trickle));
  await delay(300);
  await servedWithin(c, 800);
  await Promise.all(slow.map((s) => s.closed));
  clearInterval(trickle);
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 900 && elapsed < 5000, `closed after ${Math.round(elapsed)} ms`);
  for (const s of slow) {
    assert.match(s.received(), /^HTTP\/1\.1 400 /);
    assert.match(s.received(), /<Code>RequestTimeout<\/Code>/);
    assert.match(s.received(), /<RequestId>[0-9A-F]+<\/RequestId>/);
  }
  await waitFor('the log line', async () => c.output().stdout.includes('request headers not received within COFFER_HEADERS_TIMEOUT'), 3000);
  await servedWithin(c, 800);
});

test('a connection that never sends a byte is closed after COFFER_HEADERS_TIMEOUT', async (t) => {
  const c = await startChild(t, { COFFER_HEADERS_TIMEOUT: '1' });
  const silent = await Promise.all(Array.from({ length: 10 }, () => open(c.endpoint)));
  const started = performance.now();
  await servedWithin(c, 800);
  await Promise.all(silent.map((s) => s.closed));
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 900 && elapsed < 5000, `closed after ${Math.round(elapsed)} ms`);
});

test('a body that stalls past COFFER_REQUEST_TIMEOUT is 400 RequestTimeout with Connection: close, logged, while others are served', async (t) => {
  const c = await startChild(t, { COFFER_REQUEST_TIMEOUT: '1' });
  assert.equal((await rawRequest(c.endpoint, { method: 'PUT', path: '/stall' })).status, 200);
  const headers = await signHeaders(c.endpoint, { method: 'PUT', path: '/stall/k', headers: { 'content-length': '1000' }, payloadHash: 'UNSIGNED-PAYLOAD' });
  const stalled = Array.from({ length: 10 }, () => openExchange(c.endpoint, 'PUT', '/stall/k', headers));
  for (const ex of stalled) ex.write('only a few bytes');
  await delay(200);
  await servedWithin(c, 800);
  for (const ex of stalled) {
    const r = await ex.response;
    assert.ok(r, 'no response');
    assert.equal(r.status, 400);
    assert.equal(r.code, 'RequestTimeout');
    assert.equal(r.headers.connection, 'close');
  }
  await waitFor('the log line', async () => c.output().stdout.includes('the request body stalled for COFFER_REQUEST_TIMEOUT'), 3000);
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: '/stall/k' })).code, 'NoSuchKey');
});

test('a header block over the limit is 400 RequestHeaderSectionTooLarge, closed and logged, and the server goes on', async (t) => {
  const c = await startChild(t, {});
  for (const headers of [`X-Big: ${'a'.repeat(20 * 1024)}\r\n`, Array.from({ length: 1500 }, (_, i) => `X-H${i}: ${'v'.repeat(10)}\r\n`).join('')]) {
    const conn = await open(c.endpoint);
    conn.socket.write(`GET / HTTP/1.1\r\nHost: ${new URL(c.endpoint).host}\r\n${headers}\r\n`);
    await conn.closed;
    assert.match(conn.received(), /^HTTP\/1\.1 400 /);
    assert.match(conn.received(), /<Code>RequestHeaderSectionTooLarge<\/Code>/);
    assert.match(conn.received(), /<Message>Your request header section exceeds the maximum allowed size.<\/Message>/);
  }
  await waitFor('the log line', async () => c.output().stdout.includes('request header block too large'), 3000);
  await servedWithin(c, 2000);
});

test('beyond COFFER_MAX_CONNECTIONS new connections are closed at once and logged; closing some lets new ones in', async (t) => {
  const c = await startChild(t, { COFFER_MAX_CONNECTIONS: '40' });
  const held = await Promise.all(Array.from({ length: 40 }, () => open(c.endpoint)));
  // Each held connection is a served keep-alive client, so all 40 are counted.
  for (const h of held) h.socket.write('GET /_coffer/health/live HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor('40 answers', async () => held.every((h) => h.received().includes('200 OK')), 10_000);
  const over = await Promise.all(Array.from({ length: 5 }, () => open(c.endpoint)));
  for (const o of over) o.socket.write('GET /_coffer/health/live HTTP/1.1\r\nHost: x\r\n\r\n');
  await Promise.all(over.map((o) => o.closed));
  for (const o of over) assert.equal(o.received(), '', 'closed without an answer');
  await waitFor('the log line', async () => c.output().stdout.includes('COFFER_MAX_CONNECTIONS connections are open'), 3000);
  for (const h of held.slice(0, 10)) h.socket.destroy();
  await delay(100);
  await servedWithin(c, 2000);
  for (const h of held) h.socket.destroy();
});

test('with an open-file limit below COFFER_MAX_CONNECTIONS the server warns at start, and a flood past the limit leaves it serving', async (t) => {
  const c = await startChild(t, {}, 200);
  assert.match(c.output().stdout, /the open-file limit \(ulimit -n\) is below COFFER_MAX_CONNECTIONS/);
  // The kernel refuses what does not fit; the connections that got in are served.
  const flood = (await Promise.allSettled(Array.from({ length: 300 }, () => open(c.endpoint)))).flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  for (const f of flood) f.socket.write('GET /_coffer/health/live HTTP/1.1\r\nHost: x\r\n\r\n');
  await delay(1000);
  assert.ok(
    flood.some((f) => f.received().includes('200 OK')),
    'some of the flood is served',
  );
  for (const f of flood) f.socket.destroy();
  await waitFor('the server to answer again', async () => (await rawRequest(c.endpoint, { method: 'GET', path: '/' }).catch(() => undefined))?.status === 200, 10_000);
});

test('with the open-file limit above COFFER_MAX_CONNECTIONS nothing is said about it', async (t) => {
  const c = await startChild(t, { COFFER_MAX_CONNECTIONS: '100' }, 1000);
  await servedWithin(c, 2000);
  assert.doesNotMatch(c.output().stdout, /open-file limit/);
});

test('10,000 idle keep-alive connections stay open at about 15 KiB each, other clients are served, and memory stays flat while they wait', async (t) => {
  const c = await startChild(t, {});
  const host = new URL(c.endpoint).host;
  // Warm up first, so what is measured is the connections, not the first requests' code paths.
  for (let i = 0; i < 50; i++) await servedWithin(c, 5000);
  const before = rssBytes(c.pid);
  const idle: Conn[] = [];
  t.after(() => {
    for (const i of idle) i.socket.destroy();
  });
  for (let batch = 0; batch < 20; batch++) {
    const opened = await Promise.all(Array.from({ length: 500 }, () => open(c.endpoint)));
    // Each makes one request and then sits idle on its keep-alive connection.
    for (const o of opened) o.socket.write(`GET /_coffer/health/live HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    idle.push(...opened);
  }
  await waitFor('10,000 answers', async () => idle.every((i) => i.received().includes('200 OK')), 60_000);
  const withIdle = rssBytes(c.pid);
  for (let i = 0; i < 200; i++) await servedWithin(c, 2000);
  const afterServing = rssBytes(c.pid);
  assert.equal(idle.filter((i) => i.socket.destroyed).length, 0, 'every idle connection is still open');
  const perConnection = (withIdle - before) / idle.length;
  t.diagnostic(
    `RSS ${Math.round(before / 2 ** 20)} MiB → ${Math.round(withIdle / 2 ** 20)} MiB with 10,000 idle connections (${Math.round(perConnection)} B each) → ${Math.round(afterServing / 2 ** 20)} MiB after 200 more requests`,
  );
  // Node's socket and parser state: about 14 KiB each on Node 24.
  assert.ok(perConnection < 32 * 1024, `${Math.round(perConnection)} bytes per idle connection`);
  assert.ok(afterServing - withIdle < 32 * 2 ** 20, 'serving more requests beside them does not grow memory');
});

test('rounds of 5,000 requests pipelined on one connection are all answered in order within a small heap, while others are served', async (t) => {
  // The JavaScript heap is capped at 64 MiB: memory that grew with each request would end the
  // process long before the 20,000th.
  const c = await startChild(t, { NODE_OPTIONS: '--max-old-space-size=64' });
  const host = new URL(c.endpoint).host;
  // Alternating: a health check (200) and an anonymous HEAD of a missing bucket (403 or 404), so
  // the answers' order shows.
  const round = Array.from({ length: 5000 }, (_, i) =>
    i % 2 === 0 ? `GET /_coffer/health/live HTTP/1.1\r\nHost: ${host}\r\n\r\n` : `HEAD /no-such-bucket-${i} HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
  ).join('');
  const rss: number[] = [];
  for (let r = 0; r < 4; r++) {
    const conn = await open(c.endpoint);
    conn.socket.write(round);
    await servedWithin(c, 3000);
    await waitFor('5,000 answers', async () => statusCodes(conn.received()).length >= 5000, 60_000);
    const codes = statusCodes(conn.received());
    assert.equal(codes.length, 5000);
    assert.ok(
      codes.every((s, i) => (i % 2 === 0 ? s === 200 : s === 403 || s === 404)),
      'answers in request order',
    );
    conn.socket.destroy();
    rss.push(rssBytes(c.pid));
  }
  t.diagnostic(`RSS after each round of 5,000 pipelined requests: ${rss.map((b) => `${Math.round(b / 2 ** 20)} MiB`).join(', ')}`);
  // Outside the heap, node's buffers settle at a working size (about 220 MiB after 100,000
  // requests on Node 24, then flat): far below what 20,000 requests' worth of leaks would take.
  assert.ok(rss[3]! < 384 * 2 ** 20, `RSS ${Math.round(rss[3]! / 2 ** 20)} MiB`);
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: '/' })).status, 200);
});
