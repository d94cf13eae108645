// Shedding load: COFFER_RATE_LIMIT answers an access key over its rate with 503 SlowDown, and
// COFFER_MAX_INFLIGHT answers requests beyond the limit in progress with 503 ServiceUnavailable.
// Both carry the seed's message, and both let requests through again once the load is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCofferForTest } from './helpers/coffer.js';
import { deterministicBytes, finishPartialPut, startPartialPut } from './helpers/bytes.js';
import { rawRequest } from './helpers/raw.js';

const listBuckets = { method: 'GET', path: '/' };

test('over COFFER_RATE_LIMIT an access key gets 503 SlowDown, another key does not, and the key recovers', async (t) => {
  // The limiter's clock stands still until the test moves it, so the counts are exact.
  let now = 1_000_000;
  const c = await startTestCofferForTest(t, { COFFER_RATE_LIMIT: '3' }, { clock: () => now });
  const other = await c.server.engine.createUser({ name: 'second-key' });
  // The burst is one second's worth: 3 requests pass, every later one in that second is refused.
  const burst = [];
  for (let i = 0; i < 6; i++) burst.push(await rawRequest(c.endpoint, listBuckets));
  assert.deepEqual(
    burst.map((r) => r.status),
    [200, 200, 200, 503, 503, 503],
  );
  for (const r of burst.slice(3)) {
    assert.equal(r.statusMessage, 'Slow Down', 'the seed’s status line');
    assert.equal(r.code, 'SlowDown');
    assert.equal(r.message, 'Reduce your request rate.');
  }
  // Limits are per access key.
  const credentials = { accessKeyId: other.accessKeyId, secretAccessKey: other.secretAccessKey };
  assert.equal((await rawRequest(c.endpoint, { ...listBuckets, credentials })).status, 200);
  // Tokens come back at the configured rate: one every 333 ms.
  now += 340;
  assert.equal((await rawRequest(c.endpoint, listBuckets)).status, 200);
  assert.equal((await rawRequest(c.endpoint, listBuckets)).status, 503);
  now += 1000;
  const refilled = [];
  for (let i = 0; i < 4; i++) refilled.push((await rawRequest(c.endpoint, listBuckets)).status);
  assert.deepEqual(refilled, [200, 200, 200, 503], 'a full second refills the burst and no more');
});

test('beyond COFFER_MAX_INFLIGHT requests get 503 ServiceUnavailable until the one in progress ends', async (t) => {
  const c = await startTestCofferForTest(t, { COFFER_MAX_INFLIGHT: '1' });
  assert.equal((await rawRequest(c.endpoint, { method: 'PUT', path: '/inflight-bucket' })).status, 200);
  const body = deterministicBytes('slow', 256 * 1024);
  const put = await startPartialPut(c.endpoint, '/inflight-bucket/slow', body, 1000, false);
  // The upload is in progress once its request has reached the handler.
  const deadline = Date.now() + 10_000;
  while (c.server.inflight < 1) {
    assert.ok(Date.now() < deadline, 'the upload never started');
    await new Promise((r) => setTimeout(r, 10));
  }

  const shed = await rawRequest(c.endpoint, listBuckets);
  assert.equal(shed.status, 503);
  assert.equal(shed.statusMessage, 'Service Unavailable');
  assert.equal(shed.code, 'ServiceUnavailable');
  assert.equal(shed.message, 'Reduce your request rate.');

  const res = await finishPartialPut(put, body.subarray(1000));
  assert.equal(res.statusCode, 200);
  assert.equal((await rawRequest(c.endpoint, listBuckets)).status, 200);
});
