// PutBucketCors, GetBucketCors and DeleteBucketCors, and S3's checks of the configuration.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteBucketCorsCommand, GetBucketCorsCommand, PutBucketCorsCommand } from '@aws-sdk/client-s3';
import { bucketName, newBucket, rejectsNamed, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import type { RawResponse } from './helpers/raw.js';
import { contentMd5, unescapeXml } from './helpers/tagging.js';

const c = testCofferForFile();

function putCors(bucket: string, xml: string, headers: Record<string, string> = { 'content-md5': contentMd5(xml) }): Promise<RawResponse> {
  return rawRequest(c.endpoint, { method: 'PUT', path: `/${bucket}`, query: { cors: '' }, body: xml, headers });
}

const rule = (inner: string): string => `<CORSConfiguration><CORSRule>${inner}</CORSRule></CORSConfiguration>`;

test('the SDK puts, reads and deletes a CORS configuration; rules and their elements read back in order', async () => {
  const b = await newBucket(c.s3);
  const CORSRules = [
    {
      ID: 'uploads',
      AllowedHeaders: ['content-type', 'x-amz-*'],
      AllowedMethods: ['PUT', 'POST'],
      AllowedOrigins: ['https://app.example.com', 'https://*.example.org'],
      ExposeHeaders: ['ETag', 'x-amz-version-id'],
      MaxAgeSeconds: 3000,
    },
    { AllowedMethods: ['GET'], AllowedOrigins: ['*'] },
  ];
  await c.s3.send(new PutBucketCorsCommand({ Bucket: b, CORSConfiguration: { CORSRules } }));
  const got = await c.s3.send(new GetBucketCorsCommand({ Bucket: b }));
  assert.deepEqual(got.CORSRules, CORSRules);
  await c.s3.send(new DeleteBucketCorsCommand({ Bucket: b }));
  await rejectsNamed(c.s3.send(new GetBucketCorsCommand({ Bucket: b })), 'NoSuchCORSConfiguration');
});

test('GetBucketCors without a configuration is 404 NoSuchCORSConfiguration', async () => {
  const b = await newBucket(c.s3);
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { cors: '' } });
  assert.equal(r.status, 404, r.body);
  assert.equal(r.code, 'NoSuchCORSConfiguration');
  assert.equal(r.message, 'The CORS configuration does not exist');
  assert.match(r.body, new RegExp(`<BucketName>${b}</BucketName>`));
});

test('PutBucketCors replaces the whole configuration', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutBucketCorsCommand({ Bucket: b, CORSConfiguration: { CORSRules: [{ AllowedMethods: ['GET'], AllowedOrigins: ['a'] }] } }));
  await c.s3.send(new PutBucketCorsCommand({ Bucket: b, CORSConfiguration: { CORSRules: [{ AllowedMethods: ['PUT'], AllowedOrigins: ['b'] }] } }));
  const got = await c.s3.send(new GetBucketCorsCommand({ Bucket: b }));
  assert.deepEqual(got.CORSRules, [{ AllowedMethods: ['PUT'], AllowedOrigins: ['b'] }]);
});

test('DeleteBucketCors answers 204 with or without a configuration', async () => {
  const b = await newBucket(c.s3);
  const r = await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}`, query: { cors: '' } });
  assert.equal(r.status, 204, r.body);
});

test('the CORS operations on a bucket that does not exist are 404 NoSuchBucket', async () => {
  const b = bucketName('nocors');
  for (const method of ['GET', 'DELETE']) {
    const r = await rawRequest(c.endpoint, { method, path: `/${b}`, query: { cors: '' } });
    assert.equal(r.code, 'NoSuchBucket', `${method}: ${r.body}`);
  }
  const put = await putCors(b, rule('<AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin>'));
  assert.equal(put.code, 'NoSuchBucket', put.body);
});

test('PutBucketCors without Content-MD5 or a checksum is 400 InvalidRequest', async () => {
  const b = await newBucket(c.s3);
  const r = await putCors(b, rule('<AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin>'), {});
  assert.equal(r.status, 400, r.body);
  assert.equal(r.code, 'InvalidRequest');
  assert.equal(r.message, 'Missing required header for this request: Content-MD5');
});

test('an AllowedMethod S3 does not support is 400 InvalidRequest naming it', async () => {
  const b = await newBucket(c.s3);
  const r = await putCors(b, rule('<AllowedMethod>PATCH</AllowedMethod><AllowedOrigin>*</AllowedOrigin>'));
  assert.equal(r.status, 400, r.body);
  assert.equal(r.code, 'InvalidRequest');
  assert.equal(r.message, 'Found unsupported HTTP method in CORS config. Unsupported method is PATCH');
});

test('an origin or allowed header with two wildcards is 400 InvalidRequest', async () => {
  const b = await newBucket(c.s3);
  const origin = await putCors(b, rule('<AllowedMethod>GET</AllowedMethod><AllowedOrigin>http://*.*.com</AllowedOrigin>'));
  assert.equal(origin.code, 'InvalidRequest', origin.body);
  assert.equal(unescapeXml(origin.message), 'AllowedOrigin "http://*.*.com" can not have more than one wildcard.');
  const hdr = await putCors(b, rule('<AllowedHeader>x-*-*</AllowedHeader><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin>'));
  assert.equal(hdr.code, 'InvalidRequest', hdr.body);
  assert.equal(unescapeXml(hdr.message), 'AllowedHeader "x-*-*" can not have more than one wildcard.');
});

test('more than 100 rules is 400 InvalidRequest; 100 are accepted', async () => {
  const b = await newBucket(c.s3);
  const rules = (n: number): string =>
    `<CORSConfiguration>${'<CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>'.repeat(n)}</CORSConfiguration>`;
  const ok = await putCors(b, rules(100));
  assert.equal(ok.status, 200, ok.body);
  const r = await putCors(b, rules(101));
  assert.equal(r.status, 400, r.body);
  assert.equal(r.code, 'InvalidRequest');
  assert.equal(r.message, 'The number of CORS rules should not exceed allowed limit of 100 rules.');
});

test('a rule without AllowedMethod or AllowedOrigin, a MaxAgeSeconds that is no integer, no rule, or bad XML is 400 MalformedXML', async () => {
  const b = await newBucket(c.s3);
  const bodies = [
    rule('<AllowedOrigin>*</AllowedOrigin>'),
    rule('<AllowedMethod>GET</AllowedMethod>'),
    rule('<AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin><MaxAgeSeconds>soon</MaxAgeSeconds>'),
    rule('<AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin><MaxAgeSeconds>-1</MaxAgeSeconds>'),
    rule('<AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin><Other>x</Other>'),
    '<CORSConfiguration></CORSConfiguration>',
    '<CORSConfiguration><CORSRule>',
  ];
  for (const xml of bodies) {
    const r = await putCors(b, xml);
    assert.equal(r.status, 400, `${xml}: ${r.body}`);
    assert.equal(r.code, 'MalformedXML', xml);
  }
  await rejectsNamed(c.s3.send(new GetBucketCorsCommand({ Bucket: b })), 'NoSuchCORSConfiguration');
});

test("another user may not read, put or delete a bucket's CORS configuration", async () => {
  const b = await newBucket(c.s3);
  const u = await c.server.engine.createUser({ name: bucketName('corsuser') });
  const credentials = { accessKeyId: u.accessKeyId, secretAccessKey: u.secretAccessKey };
  const xml = rule('<AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin>');
  for (const r of [
    await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { cors: '' }, credentials }),
    await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { cors: '' }, body: xml, headers: { 'content-md5': contentMd5(xml) }, credentials }),
    await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}`, query: { cors: '' }, credentials }),
  ]) {
    assert.equal(r.status, 403, r.body);
    assert.equal(r.code, 'AccessDenied');
  }
});
