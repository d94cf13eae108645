// Signature Version 2 in the query string (the presigned URLs of boto3 and aws-cli v1 for a
// custom endpoint, and of `s3cmd signurl`) with COFFER_SIGV2=on.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html#RESTAuthenticationQueryStringAuth
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { newBucket, readObject, testCofferForFile } from './helpers/coffer.js';
import { xmlOne } from './helpers/multipart.js';
import { rawRequest } from './helpers/raw.js';
import type { RawResponse } from './helpers/raw.js';
import { epochSeconds, presignV2 } from './helpers/sigv2.js';

const DOMAIN = 's3.coffer.test';
const c = testCofferForFile({ COFFER_SIGV2: 'on', COFFER_DOMAINS: DOMAIN });

/** Fetch a presigned URL with no credentials, with `host` for virtual-hosted style. */
function send(url: string, init: { method?: string; body?: string; host?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  const headers = { ...(init.headers ?? {}), ...(init.host ? { host: init.host } : {}) };
  return rawRequest(c.endpoint, { method: init.method ?? 'GET', path: url.slice(c.endpoint.length), anonymous: true, unsignedHeaders: headers, body: init.body });
}

async function putObject(bucket: string, key: string, body: string): Promise<void> {
  await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

test('a presigned GET returns the object to a client without credentials', async () => {
  const b = await newBucket(c.s3, 'v2q');
  await putObject(b, 'photos/puppy ✓.jpg', 'woof');
  const url = presignV2(c.endpoint, { method: 'GET', target: `/${b}/photos/puppy%20%E2%9C%93.jpg` }, epochSeconds() + 60);
  assert.match(url, /\?AWSAccessKeyId=COFFERTESTROOT&Expires=\d+&Signature=[^&]+$/);
  const r = await send(url);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.body, 'woof');
});

test('the response-* overrides of a presigned GET are signed and applied', async () => {
  const b = await newBucket(c.s3, 'v2q');
  await putObject(b, 'report', 'pdf bytes');
  const target = `/${b}/report?response-content-disposition=${encodeURIComponent('attachment; filename="r 1.pdf"')}&response-content-type=application%2Fpdf`;
  const r = await send(presignV2(c.endpoint, { method: 'GET', target }, epochSeconds() + 60));
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers['content-disposition'], 'attachment; filename="r 1.pdf"');
  assert.equal(r.headers['content-type'], 'application/pdf');
  // The overrides are part of what is signed: changing one breaks the signature.
  const tampered = await send(presignV2(c.endpoint, { method: 'GET', target }, epochSeconds() + 60).replace('application%2Fpdf', 'text%2Fhtml'));
  assert.equal(tampered.code, 'SignatureDoesNotMatch');
});

test('a presigned PUT stores the body it is sent with, Content-Type signed', async () => {
  const b = await newBucket(c.s3, 'v2q');
  const url = presignV2(c.endpoint, { method: 'PUT', target: `/${b}/upload.txt`, headers: { 'content-type': 'text/plain' } }, epochSeconds() + 60);
  const r = await send(url, { method: 'PUT', body: 'uploaded through a URL', headers: { 'content-type': 'text/plain' } });
  assert.equal(r.status, 200, r.body);
  assert.equal((await readObject(c.s3, b, 'upload.txt'))?.toString(), 'uploaded through a URL');
  const unsigned = await send(url, { method: 'PUT', body: 'other', headers: { 'content-type': 'text/html' } });
  assert.equal(unsigned.code, 'SignatureDoesNotMatch');
});

test('a presigned GET in virtual-hosted style signs the bucket from Host', async () => {
  const b = await newBucket(c.s3, 'v2q');
  await putObject(b, 'k', 'virtual');
  const url = presignV2(c.endpoint, { method: 'GET', target: '/k', hostBucket: b }, epochSeconds() + 60);
  const r = await send(url, { host: `${b}.${DOMAIN}` });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.body, 'virtual');
});

test('an expired URL is 403 AccessDenied "Request has expired" with Expires and ServerTime', async () => {
  const b = await newBucket(c.s3, 'v2q');
  await putObject(b, 'k', 'late');
  const expires = epochSeconds() - 5;
  const r = await send(presignV2(c.endpoint, { method: 'GET', target: `/${b}/k` }, expires));
  assert.equal(r.status, 403);
  assert.equal(r.code, 'AccessDenied');
  assert.equal(r.message, 'Request has expired');
  assert.equal(xmlOne(r.body, 'Expires'), new Date(expires * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  assert.match(xmlOne(r.body, 'ServerTime') ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test('a URL signed with another secret is 403 SignatureDoesNotMatch, with an unknown key 403 InvalidAccessKeyId', async () => {
  const b = await newBucket(c.s3, 'v2q');
  await putObject(b, 'k', 'secret');
  const expires = epochSeconds() + 60;
  const wrong = await send(presignV2(c.endpoint, { method: 'GET', target: `/${b}/k`, credentials: { accessKeyId: c.accessKeyId, secretAccessKey: 'wrong' } }, expires));
  assert.equal(wrong.status, 403);
  assert.equal(wrong.code, 'SignatureDoesNotMatch');
  assert.equal(xmlOne(wrong.body, 'StringToSign'), `GET\n\n\n${expires}\n/${b}/k`);

  const unknown = await send(presignV2(c.endpoint, { method: 'GET', target: `/${b}/k`, credentials: { accessKeyId: 'NOSUCHKEY0000000', secretAccessKey: 'x' } }, expires));
  assert.equal(unknown.status, 403);
  assert.equal(unknown.code, 'InvalidAccessKeyId');
});

test('a URL without Expires is 403 AccessDenied naming the three parameters', async () => {
  const b = await newBucket(c.s3, 'v2q');
  const url = presignV2(c.endpoint, { method: 'GET', target: `/${b}/k` }, epochSeconds() + 60).replace(/&Expires=\d+/, '');
  const r = await send(url);
  assert.equal(r.status, 403);
  assert.equal(r.code, 'AccessDenied');
  assert.equal(r.message, 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters');
});

test('a presigned URL sent with an Authorization header as well is 400 InvalidArgument', async () => {
  const b = await newBucket(c.s3, 'v2q');
  const url = presignV2(c.endpoint, { method: 'GET', target: `/${b}/k` }, epochSeconds() + 60);
  const r = await send(url, { headers: { authorization: `AWS ${c.accessKeyId}:c2lnbmF0dXJl`, date: new Date().toUTCString() } });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidArgument');
  assert.match(r.message ?? '', /^Only one auth mechanism allowed/);
});
