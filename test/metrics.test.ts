// /_coffer/metrics: Prometheus text, read by the Prometheus project's own parser after known
// traffic, every counter moving by exactly what was sent; readable by an admin's SigV4, the
// bearer token COFFER_METRICS_TOKEN, or anyone with COFFER_METRICS_PUBLIC=on.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { adminRequest } from '../src/cli/admin-client.js';
import { ROOT_ACCESS_KEY, ROOT_SECRET_KEY, newBucketRaw, startTestCofferForTest, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import { RawMultipart, holdUploadPart, objectPath } from './helpers/multipart.js';
import { parsePrometheus, prometheusParser, sampleValue, scrape } from './helpers/prometheus.js';
import type { Sample } from './helpers/prometheus.js';

const TOKEN = 'metrics-token-for-the-tests-0123';
const BEARER = { authorization: `Bearer ${TOKEN}` };
const c = testCofferForFile({ COFFER_METRICS_TOKEN: TOKEN });
const python = prometheusParser();

/** The parser, or a skipped test where it is not installed (CI installs it: a missing one fails there). */
function parser(t: TestContext): string | undefined {
  if (python) return python;
  if (process.env.CI === 'true') assert.fail('python3-prometheus-client is not installed');
  t.skip('python3-prometheus-client is not installed (apt-get install python3-prometheus-client)');
  return undefined;
}

async function samples(py: string, endpoint = c.endpoint, headers: Record<string, string> = BEARER): Promise<Sample[]> {
  const r = await scrape(endpoint, headers);
  assert.equal(r.status, 200, r.body);
  return parsePrometheus(py, r.body);
}

function put(endpoint: string, bucket: string, key: string, size: number) {
  return rawRequest(endpoint, { method: 'PUT', path: objectPath(bucket, key), body: Buffer.alloc(size, 1) });
}

test('without credentials /_coffer/metrics is 403 AccessDenied; the bearer token and an admin signature read it, a non-admin does not', async () => {
  const anonymous = await scrape(c.endpoint);
  assert.equal(anonymous.status, 403);
  assert.match(anonymous.body, /<Code>AccessDenied<\/Code>/);
  const wrong = await scrape(c.endpoint, { authorization: `Bearer ${TOKEN}x` });
  assert.equal(wrong.status, 403);
  assert.match(wrong.body, /<Code>AccessDenied<\/Code>/);
  const bearer = await scrape(c.endpoint, BEARER);
  assert.equal(bearer.status, 200);
  assert.equal(bearer.contentType, 'text/plain; version=0.0.4; charset=utf-8');
  assert.match(bearer.body, /^# HELP coffer_requests_total /m);
  const admin = await rawRequest(c.endpoint, { method: 'GET', path: '/_coffer/metrics' });
  assert.equal(admin.status, 200);
  assert.match(admin.body, /^process_cpu_user_seconds_total /m);
  const u = await c.server.engine.createUser({ name: 'metrics-reader' });
  const other = await rawRequest(c.endpoint, { method: 'GET', path: '/_coffer/metrics', credentials: { accessKeyId: u.accessKeyId, secretAccessKey: u.secretAccessKey } });
  assert.equal(other.status, 403);
  assert.equal(other.code, 'AccessDenied');
});

test('COFFER_METRICS_PUBLIC=on opens /_coffer/metrics to unsigned requests', async (t) => {
  const open = await startTestCofferForTest(t, { COFFER_METRICS_PUBLIC: 'on' });
  const r = await scrape(open.endpoint);
  assert.equal(r.status, 200);
  assert.match(r.body, /^coffer_requests_in_flight /m);
});

test('after known traffic, requests, status classes, bytes, latencies and errors move by exactly what was sent', async (t) => {
  const py = parser(t);
  if (!py) return;
  const b = await newBucketRaw(c.endpoint, 'metrics');
  const before = await samples(py);
  for (const size of [100, 200, 300]) assert.equal((await put(c.endpoint, b, `k${size}`, size)).status, 200);
  let sentGet = 0;
  for (let i = 0; i < 2; i++) {
    const g = await rawRequest(c.endpoint, { method: 'GET', path: objectPath(b, 'k300') });
    assert.equal(g.status, 200);
    sentGet += Buffer.byteLength(g.body);
  }
  const missing = await rawRequest(c.endpoint, { method: 'GET', path: objectPath(b, 'nope') });
  assert.equal(missing.code, 'NoSuchKey');
  sentGet += Buffer.byteLength(missing.body);
  // Refused before the handler: still counted under its operation.
  const unsigned = await rawRequest(c.endpoint, { method: 'PUT', path: objectPath(b, 'anon'), body: 'x', anonymous: true });
  assert.equal(unsigned.status, 403);
  const after = await samples(py);
  const delta = (name: string, labels: Record<string, string> = {}): number => sampleValue(after, name, labels) - sampleValue(before, name, labels);

  assert.equal(sentGet, 600 + Buffer.byteLength(missing.body));
  assert.equal(delta('coffer_requests_total', { operation: 'PutObject', status_class: '2xx' }), 3);
  assert.equal(delta('coffer_requests_total', { operation: 'PutObject', status_class: '4xx' }), 1);
  assert.equal(delta('coffer_requests_total', { operation: 'GetObject', status_class: '2xx' }), 2);
  assert.equal(delta('coffer_requests_total', { operation: 'GetObject', status_class: '4xx' }), 1);
  assert.equal(delta('coffer_requests_total', { operation: 'GetObject', status_class: '5xx' }), 0);
  assert.equal(delta('coffer_received_bytes_total', { operation: 'PutObject' }), 600);
  assert.equal(delta('coffer_sent_bytes_total', { operation: 'GetObject' }), sentGet);
  assert.equal(delta('coffer_errors_total', { code: 'NoSuchKey' }), 1);
  assert.equal(delta('coffer_errors_total', { code: 'AccessDenied' }), 1);
  assert.equal(delta('coffer_request_duration_seconds_count', { operation: 'PutObject' }), 4);
  assert.equal(delta('coffer_request_duration_seconds_count', { operation: 'GetObject' }), 3);
  assert.equal(delta('coffer_request_duration_seconds_bucket', { operation: 'GetObject', le: '+Inf' }), 3);
  assert.ok(delta('coffer_request_duration_seconds_sum', { operation: 'PutObject' }) > 0);
  // Each PUT commits one metadata transaction (CreateBucket came before the first scrape).
  assert.ok(delta('coffer_meta_transaction_duration_seconds_count') >= 3);
  // Only operation names label requests: no bucket or key appears in any label.
  for (const s of after) for (const v of Object.values(s.labels)) assert.ok(!v.includes(b), `${s.name} carries the bucket name`);
});

test('a blob written is one blob fsync observed; inline objects are none', async (t) => {
  const py = parser(t);
  if (!py) return;
  const b = await newBucketRaw(c.endpoint, 'metrics');
  const before = await samples(py);
  assert.equal((await put(c.endpoint, b, 'inline', 1000)).status, 200);
  assert.equal((await put(c.endpoint, b, 'blob', 200 * 1024)).status, 200);
  const after = await samples(py);
  assert.equal(sampleValue(after, 'coffer_blob_fsync_duration_seconds_count') - sampleValue(before, 'coffer_blob_fsync_duration_seconds_count'), 1);
});

test('requests in flight count the ones being served, the scrape included', async (t) => {
  const py = parser(t);
  if (!py) return;
  const b = await newBucketRaw(c.endpoint, 'metrics');
  const id = await new RawMultipart(c).createUpload(b, 'held');
  const held = await holdUploadPart(c.endpoint, b, 'held', id, 1, Buffer.alloc(1000, 1), 10);
  try {
    // The held part is in flight once the server has its headers.
    let inflight = 0;
    for (let i = 0; i < 50 && inflight < 2; i++) {
      inflight = sampleValue(await samples(py), 'coffer_requests_in_flight');
      if (inflight < 2) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(inflight, 2);
  } finally {
    assert.equal((await held.finish()).status, 200);
  }
  assert.equal(sampleValue(await samples(py), 'coffer_requests_in_flight'), 1);
});

test('bucket usage and quota series: totals without bucket labels, one series per bucket with COFFER_METRICS_BUCKET_LABELS=on', async (t) => {
  const py = parser(t);
  if (!py) return;
  const labelled = await startTestCofferForTest(t, { COFFER_METRICS_PUBLIC: 'on', COFFER_METRICS_BUCKET_LABELS: 'on' });
  const b1 = await newBucketRaw(labelled.endpoint, 'usage');
  const b2 = await newBucketRaw(labelled.endpoint, 'usage');
  assert.equal((await put(labelled.endpoint, b1, 'a', 100)).status, 200);
  assert.equal((await put(labelled.endpoint, b1, 'b', 50)).status, 200);
  assert.equal((await put(labelled.endpoint, b2, 'a', 7)).status, 200);
  const id = await new RawMultipart(labelled).createUpload(b2, 'open');
  await new RawMultipart(labelled).putPart(b2, 'open', id, 1, Buffer.alloc(30, 1));
  const root = { endpoint: labelled.endpoint, accessKeyId: ROOT_ACCESS_KEY, secretAccessKey: ROOT_SECRET_KEY, region: 'us-east-1' };
  assert.equal((await adminRequest(root, 'PUT', `/_coffer/admin/v1/buckets/${b1}/quota`, { hardQuotaBytes: 150, maxObjects: 9 })).status, 200);
  const s = await samples(py, labelled.endpoint, {});
  assert.equal(sampleValue(s, 'coffer_bucket_bytes', { bucket: b1 }), 150);
  assert.equal(sampleValue(s, 'coffer_bucket_objects', { bucket: b1 }), 2);
  assert.equal(sampleValue(s, 'coffer_bucket_bytes', { bucket: b2 }), 7);
  assert.equal(sampleValue(s, 'coffer_bucket_incomplete_upload_bytes', { bucket: b2 }), 30);
  assert.equal(sampleValue(s, 'coffer_bucket_quota_bytes', { bucket: b1 }), 150);
  assert.equal(sampleValue(s, 'coffer_bucket_quota_objects', { bucket: b1 }), 9);
  assert.equal(s.filter((x) => x.name === 'coffer_bucket_quota_bytes').length, 1);
  assert.equal(sampleValue(s, 'coffer_buckets'), 2);
  assert.equal(sampleValue(s, 'coffer_buckets_with_quota'), 1);
  assert.equal(sampleValue(s, 'coffer_buckets_at_quota'), 1);

  // Without the opt-in: one series per metric, the sum over buckets, and no bucket label anywhere.
  const plain = await startTestCofferForTest(t, { COFFER_METRICS_PUBLIC: 'on' });
  const p1 = await newBucketRaw(plain.endpoint, 'usage');
  const p2 = await newBucketRaw(plain.endpoint, 'usage');
  assert.equal((await put(plain.endpoint, p1, 'a', 11)).status, 200);
  assert.equal((await put(plain.endpoint, p2, 'a', 22)).status, 200);
  const ps = await samples(py, plain.endpoint, {});
  assert.equal(sampleValue(ps, 'coffer_bucket_bytes'), 33);
  assert.equal(sampleValue(ps, 'coffer_bucket_objects'), 2);
  assert.ok(ps.every((x) => x.labels.bucket === undefined));
});

test('shed and rate-limited requests are counted apart, each under its error code too', async (t) => {
  const py = parser(t);
  if (!py) return;
  let now = 1_000_000;
  const limited = await startTestCofferForTest(t, { COFFER_METRICS_PUBLIC: 'on', COFFER_RATE_LIMIT: '2' }, { clock: () => now });
  const b = await newBucketRaw(limited.endpoint, 'limit');
  now += 10_000;
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await rawRequest(limited.endpoint, { method: 'GET', path: `/${b}`, query: { 'list-type': '2' } })).status);
  assert.deepEqual(statuses, [200, 200, 503, 503, 503]);
  const ls = await samples(py, limited.endpoint, {});
  assert.equal(sampleValue(ls, 'coffer_requests_rate_limited_total'), 3);
  assert.equal(sampleValue(ls, 'coffer_errors_total', { code: 'SlowDown' }), 3);
  assert.equal(sampleValue(ls, 'coffer_requests_total', { operation: 'ListObjectsV2', status_class: '5xx' }), 3);

  const busy = await startTestCofferForTest(t, { COFFER_METRICS_PUBLIC: 'on', COFFER_MAX_INFLIGHT: '1' });
  const bb = await newBucketRaw(busy.endpoint, 'shed');
  const id = await new RawMultipart(busy).createUpload(bb, 'held');
  const held = await holdUploadPart(busy.endpoint, bb, 'held', id, 1, Buffer.alloc(1000, 1), 10);
  let shed: number | undefined;
  for (let i = 0; i < 50 && shed !== 503; i++) {
    shed = (await rawRequest(busy.endpoint, { method: 'HEAD', path: `/${bb}` })).status;
    if (shed !== 503) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(shed, 503);
  assert.equal((await held.finish()).status, 200);
  const bs = await samples(py, busy.endpoint, {});
  assert.equal(sampleValue(bs, 'coffer_requests_shed_total'), 1);
  assert.equal(sampleValue(bs, 'coffer_errors_total', { code: 'ServiceUnavailable' }), 1);
});

test('background job runs, and Node process metrics, are exported', async (t) => {
  const py = parser(t);
  if (!py) return;
  const s = await samples(py);
  // Upload expiry runs once at start.
  assert.ok(sampleValue(s, 'coffer_job_runs_total', { job: 'expire-uploads', outcome: 'ok' }) >= 1);
  assert.equal(sampleValue(s, 'coffer_job_runs_total', { job: 'expire-uploads', outcome: 'error' }), 0);
  for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
    assert.ok(
      s.some((x) => x.name === name),
      name,
    );
  }
});
