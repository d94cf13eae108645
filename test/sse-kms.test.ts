// SSE-KMS with keys Coffer holds itself: COFFER_KMS_KEYS, keys made with `coffer admin kms
// create`, and the default aws/s3 key for a request that names none.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
import { completeInOrder } from './helpers/multipart.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { ROOT_ACCESS_KEY, ROOT_SECRET_KEY, bodyBytes, newBucket, testCofferForFile } from './helpers/coffer.js';
import { bytesRequest, deterministicBytes } from './helpers/bytes.js';
import { adminRequest } from '../src/cli/admin-client.js';
import { signHeaders } from './helpers/raw.js';
import { holdsWithin, openExchange, responseWithin } from './helpers/socket.js';

const run = promisify(execFile);
const c = testCofferForFile({ COFFER_KMS_KEYS: `testkey-1:${randomBytes(32).toString('base64')},testkey-2:${randomBytes(32).toString('hex')}` });
const root = () => ({ endpoint: c.endpoint, accessKeyId: ROOT_ACCESS_KEY, secretAccessKey: ROOT_SECRET_KEY, region: 'us-east-1' });

test('PutObject with aws:kms and a key from COFFER_KMS_KEYS answers aws:kms and the key id on PUT, GET and HEAD; the ETag is not the MD5', async () => {
  const b = await newBucket(c.s3);
  const data = deterministicBytes('kms', 123_456);
  const put = await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: data, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'testkey-1' }));
  assert.equal(put.ServerSideEncryption, 'aws:kms');
  assert.equal(put.SSEKMSKeyId, 'testkey-1');
  assert.match(put.ETag!, /^"[0-9a-f]{32}"$/);
  assert.notEqual(put.ETag, `"${createHash('md5').update(data).digest('hex')}"`);
  const got = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
  assert.equal(got.ServerSideEncryption, 'aws:kms');
  assert.equal(got.SSEKMSKeyId, 'testkey-1');
  assert.equal(got.ETag, put.ETag);
  assert.ok((await bodyBytes(got)).equals(data));
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }));
  assert.equal(head.SSEKMSKeyId, 'testkey-1');
});

test('an unknown KMS key id is 400 KMS.NotFoundException and stores nothing', async () => {
  const b = await newBucket(c.s3);
  const r = await bytesRequest(c.endpoint, {
    method: 'PUT',
    path: `/${b}/k`,
    headers: { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': 'no-such-key' },
    body: 'data',
  });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'KMS.NotFoundException');
  assert.match(r.body.toString(), /<Message>Invalid keyId no-such-key<\/Message>/);
  const g = await bytesRequest(c.endpoint, { method: 'GET', path: `/${b}/k` });
  assert.equal(g.code, 'NoSuchKey');
});

test('aws:kms without a key id uses the default key aws/s3, as S3 uses its AWS managed key', async () => {
  const b = await newBucket(c.s3);
  const put = await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'default key', ServerSideEncryption: 'aws:kms' }));
  assert.equal(put.ServerSideEncryption, 'aws:kms');
  assert.equal(put.SSEKMSKeyId, 'aws/s3');
  assert.equal((await bodyBytes(await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' })))).toString(), 'default key');
});

test('a key named by its ARN or alias resolves to the local key; the response names it as the request did', async () => {
  const b = await newBucket(c.s3);
  const arn = 'arn:aws:kms:us-east-1:123456789012:key/testkey-2';
  const put = await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'arn', Body: 'by arn', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: arn }));
  assert.equal(put.SSEKMSKeyId, arn);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'alias', Body: 'by alias', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/testkey-2' }));
  assert.equal((await bodyBytes(await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'arn' })))).toString(), 'by arn');
  assert.equal((await bodyBytes(await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'alias' })))).toString(), 'by alias');
});

test('an encryption context and bucket keys are accepted, kept and answered', async () => {
  const b = await newBucket(c.s3);
  const context = Buffer.from(JSON.stringify({ project: 'coffer' })).toString('base64');
  const put = await c.s3.send(
    new PutObjectCommand({
      Bucket: b,
      Key: 'k',
      Body: 'with context',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'testkey-1',
      SSEKMSEncryptionContext: context,
      BucketKeyEnabled: true,
    }),
  );
  assert.equal(put.SSEKMSEncryptionContext, context);
  assert.equal(put.BucketKeyEnabled, true);
  const got = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
  assert.equal(got.BucketKeyEnabled, true);
  assert.equal((await bodyBytes(got)).toString(), 'with context');
  const bad = await bytesRequest(c.endpoint, {
    method: 'PUT',
    path: `/${b}/bad`,
    headers: { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-context': 'not json!' },
    body: 'x',
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.code, 'InvalidArgument');
});

test('a KMS key id without aws:kms is 400 InvalidArgument', async () => {
  const b = await newBucket(c.s3);
  const cases: Array<Record<string, string>> = [
    { 'x-amz-server-side-encryption-aws-kms-key-id': 'testkey-1' },
    { 'x-amz-server-side-encryption': 'AES256', 'x-amz-server-side-encryption-aws-kms-key-id': 'testkey-1' },
  ];
  for (const headers of cases) {
    const r = await bytesRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, headers, body: 'x' });
    assert.equal(r.status, 400);
    assert.equal(r.code, 'InvalidArgument');
  }
});

test('a multipart upload with SSE-KMS: parts and object encrypted under the upload key, part headers answered', async () => {
  const b = await newBucket(c.s3);
  const p1 = deterministicBytes('kms-mp-1', 5 * 1024 * 1024);
  const p2 = deterministicBytes('kms-mp-2', 1000);
  const up = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'testkey-2' }));
  assert.equal(up.SSEKMSKeyId, 'testkey-2');
  const e1 = await c.s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId: up.UploadId, PartNumber: 1, Body: p1 }));
  assert.equal(e1.ServerSideEncryption, 'aws:kms');
  const e2 = await c.s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId: up.UploadId, PartNumber: 2, Body: p2 }));
  const done = await completeInOrder(c.s3, b, 'mp', up.UploadId, [e1.ETag, e2.ETag]);
  assert.equal(done.SSEKMSKeyId, 'testkey-2');
  const got = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'mp' }));
  assert.equal(got.ServerSideEncryption, 'aws:kms');
  assert.ok((await bodyBytes(got)).equals(Buffer.concat([p1, p2])));
});

test('coffer admin kms create makes a key writes can name at once; kms list shows it; a second create of it is refused', async () => {
  const env = { ...process.env, COFFER_ENDPOINT: c.endpoint, COFFER_ROOT_ACCESS_KEY: ROOT_ACCESS_KEY, COFFER_ROOT_SECRET_KEY: ROOT_SECRET_KEY };
  const created = JSON.parse((await run(process.execPath, ['bin/coffer.js', 'admin', 'kms', 'create', 'made-by-cli', '--json'], { env })).stdout) as { keyId: string };
  assert.equal(created.keyId, 'made-by-cli');
  const listed = JSON.parse((await run(process.execPath, ['bin/coffer.js', 'admin', 'kms', 'list', '--json'], { env })).stdout) as { keys: Array<{ keyId: string }> };
  assert.deepEqual(
    listed.keys.map((k) => k.keyId),
    ['aws/s3', 'made-by-cli', 'testkey-1', 'testkey-2'],
  );
  const again = await adminRequest(root(), 'POST', '/_coffer/admin/v1/kms/keys', { keyId: 'made-by-cli' });
  assert.equal(again.status, 409);
  const random = await adminRequest(root(), 'POST', '/_coffer/admin/v1/kms/keys', {});
  assert.equal(random.status, 201);
  assert.match((random.body as { keyId: string }).keyId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const b = await newBucket(c.s3);
  const put = await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'new key', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'made-by-cli' }));
  assert.equal(put.SSEKMSKeyId, 'made-by-cli');
  assert.equal((await bodyBytes(await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' })))).toString(), 'new key');
});

test('the admin key endpoints are for admin users only', async () => {
  const u = (await adminRequest(root(), 'POST', '/_coffer/admin/v1/users', { name: `kms-user-${Date.now()}` })).body as { accessKeyId: string; secretAccessKey: string };
  const as = { ...root(), accessKeyId: u.accessKeyId, secretAccessKey: u.secretAccessKey };
  assert.equal((await adminRequest(as, 'GET', '/_coffer/admin/v1/kms/keys')).status, 403);
  assert.equal((await adminRequest(as, 'POST', '/_coffer/admin/v1/master-key/rotate')).status, 403);
});

test('with Expect: 100-continue, a PUT naming an unknown KMS key and an UploadPart to no upload are refused without a 100 Continue', async () => {
  const b = await newBucket(c.s3);
  const put = await signHeaders(c.endpoint, {
    method: 'PUT',
    path: `/${b}/k`,
    payloadHash: 'UNSIGNED-PAYLOAD',
    headers: {
      'content-length': String(8 * 1024 * 1024),
      expect: '100-continue',
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id': 'nope',
    },
  });
  const ex = openExchange(c.endpoint, 'PUT', `/${b}/k`, put);
  assert.equal((await responseWithin(ex.response, 3000)).status, 400);
  assert.equal(ex.continued, false, 'the client was told to send a body that is refused');
  const part = await signHeaders(c.endpoint, {
    method: 'PUT',
    path: `/${b}/k`,
    query: { partNumber: '1', uploadId: 'a'.repeat(43) },
    payloadHash: 'UNSIGNED-PAYLOAD',
    headers: { 'content-length': String(8 * 1024 * 1024), expect: '100-continue' },
  });
  const ex2 = openExchange(c.endpoint, 'PUT', `/${b}/k?partNumber=1&uploadId=${'a'.repeat(43)}`, part);
  assert.equal((await responseWithin(ex2.response, 3000)).status, 404);
  assert.equal(ex2.continued, false);
  // An accepted upload still gets its 100 Continue.
  const ok = await signHeaders(c.endpoint, {
    method: 'PUT',
    path: `/${b}/ok`,
    payloadHash: 'UNSIGNED-PAYLOAD',
    headers: { 'content-length': '5', expect: '100-continue', 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': 'testkey-1' },
  });
  const ex3 = openExchange(c.endpoint, 'PUT', `/${b}/ok`, ok);
  assert.ok(await holdsWithin(async () => ex3.continued, 2000), 'no 100 Continue');
  ex3.send('hello');
  assert.equal((await responseWithin(ex3.response, 3000)).status, 200);
  assert.equal((await bodyBytes(await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'ok' })))).toString(), 'hello');
});
