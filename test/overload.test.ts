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
  const c = await startTestCofferForTest(t, { COFFER_RATE_LIMIT: '3' });
  const other = await c.server.engine.createUser({ name: 'second-key' });
  // The burst is one second's worth: 3 requests pass, the next ones are refused (a slow machine
  // earns a token back every 333 ms, so the count of refusals leaves room for that).
  const burst = [];
  for (let i = 0; i < 12; i++) burst.push(await rawRequest(c.endpoint, listBuckets));
  assert.deepEqual(burst.slice(0, 3).map((r) => r.status), [200, 200, 200]);
  const refused = burst.filter((r) => r.status !== 200);
  assert.ok(refused.length >= 5, `${refused.length} of 12 refused`);
  for (const r of refused) {
    assert.equal(r.status, 503);
    assert.equal(r.statusMessage, 'Slow Down', 'the seed’s status line');
    assert.equal(r.code, 'SlowDown');
    assert.equal(r.message, 'Reduce your request rate.');
  }
  // Limits are per access key.
  const credentials = { accessKeyId: other.accessKeyId, secretAccessKey: other.secretAccessKey };
  assert.equal((await rawRequest(c.endpoint, { ...listBuckets, credentials })).status, 200);
  // Tokens come back at the configured rate.
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal((await rawRequest(c.endpoint, listBuckets)).status, 200);
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
