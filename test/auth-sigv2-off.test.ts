// Without COFFER_SIGV2 (the default) Coffer is SigV4-only: every SigV2 request, well signed or
// not, is refused with 400 InvalidRequest "Please use AWS4-HMAC-SHA256." before anything is done.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newBucket, readObject, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import type { RawResponse } from './helpers/raw.js';
import { epochSeconds, presignV2, sigV2Request } from './helpers/sigv2.js';

const DOMAIN = 's3.coffer.test';
const c = testCofferForFile({ COFFER_DOMAINS: DOMAIN });

function assertUseSigV4(r: RawResponse, what: string): void {
  assert.equal(r.status, 400, `${what}: ${r.body}`);
  assert.equal(r.code, 'InvalidRequest', what);
  assert.equal(r.message, 'Please use AWS4-HMAC-SHA256.', what);
}

test('well-signed SigV2 GET, PUT, DELETE, list and sub-resource requests are refused, and the PUT stores nothing', async () => {
  const b = await newBucket(c.s3, 'v2off');
  const requests = [
    { method: 'PUT', target: `/${b}/k`, body: 'not stored' },
    { method: 'GET', target: `/${b}/k` },
    { method: 'DELETE', target: `/${b}/k` },
    { method: 'GET', target: `/${b}?prefix=a` },
    { method: 'GET', target: '/' },
    { method: 'POST', target: `/${b}/k?uploads` },
    { method: 'GET', target: `/${b}/k?uploadId=abc` },
  ];
  for (const r of requests) assertUseSigV4(await sigV2Request(c.endpoint, r), `${r.method} ${r.target}`);
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

test('a SigV2 presigned URL is refused, expired or not', async () => {
  const b = await newBucket(c.s3, 'v2off');
  for (const expires of [epochSeconds() + 60, epochSeconds() - 60]) {
    const url = presignV2(c.endpoint, { method: 'GET', target: `/${b}/k` }, expires);
    assertUseSigV4(await rawRequest(c.endpoint, { method: 'GET', path: url.slice(c.endpoint.length), anonymous: true }), `Expires ${expires}`);
  }
});

test('a wrong SigV2 signature, an unknown key, a skewed date and a virtual-hosted request are all refused the same way', async () => {
  const b = await newBucket(c.s3, 'v2off');
  assertUseSigV4(await sigV2Request(c.endpoint, { method: 'GET', target: `/${b}`, credentials: { accessKeyId: c.accessKeyId, secretAccessKey: 'wrong' } }), 'wrong secret');
  assertUseSigV4(await sigV2Request(c.endpoint, { method: 'GET', target: `/${b}`, credentials: { accessKeyId: 'NOSUCHKEY0000000', secretAccessKey: 'x' } }), 'unknown key');
  assertUseSigV4(await sigV2Request(c.endpoint, { method: 'GET', target: `/${b}`, date: new Date(Date.now() - 60 * 60_000) }), 'skewed');
  assertUseSigV4(await sigV2Request(c.endpoint, { method: 'GET', target: '/', hostBucket: b }, DOMAIN), 'virtual-hosted');
});
