// SigV4 in the query string (presigned URLs), made by the AWS SDK's own presigner.
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { bodyBytes, newBucket, testCofferForFile } from './helpers/coffer.js';

const c = testCofferForFile();

/** A GetObject URL presigned by the root client, valid for 60 s unless `options` say otherwise. */
function presignGet(bucket: string, key: string, options: Parameters<typeof getSignedUrl>[2] = {}): Promise<string> {
  return getSignedUrl(c.s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 60, ...options });
}

interface Reply {
  status: number;
  body: string;
  code: string | undefined;
  message: string | undefined;
  headers: Headers;
}

async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, init);
  const body = await res.text();
  return {
    status: res.status,
    body,
    code: /<Code>([^<]*)<\/Code>/.exec(body)?.[1],
    message: /<Message>([^<]*)<\/Message>/.exec(body)?.[1],
    headers: res.headers,
  };
}

async function objectExists(bucket: string, key: string): Promise<boolean> {
  try {
    await c.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    if (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404) return false;
    throw err;
  }
}

test('a presigned GET returns the object to a client without credentials', async () => {
  const b = await newBucket(c.s3, 'presign');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'dir/the file ✓', Body: 'presigned body' }));
  const url = await presignGet(b, 'dir/the file ✓');
  assert.match(url, /X-Amz-Signature=[0-9a-f]{64}/);
  const r = await call(url);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.body, 'presigned body');
});

test('presigned GETs work for keys with reserved and non-ASCII characters', async () => {
  const b = await newBucket(c.s3, 'presign');
  for (const key of ['plus+sign', "sub-delims!*'()", '100% pure', 'tilde~/ключ', 'q?x=1&y=2#frag']) {
    await c.s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: `body of ${key}` }));
    const url = await presignGet(b, key);
    const r = await call(url);
    assert.equal(r.status, 200, `${key}: ${r.body}`);
    assert.equal(r.body, `body of ${key}`);
  }
});

test('a presigned URL carrying a session token Coffer never issued is 403 InvalidSecurity', async () => {
  const b = await newBucket(c.s3, 'presign');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  const withToken = c.client(c.accessKeyId, c.secretAccessKey, 'FwoGZXIvYXdzEXAMPLE');
  try {
    const url = await getSignedUrl(withToken, new GetObjectCommand({ Bucket: b, Key: 'k' }), { expiresIn: 60 });
    assert.match(url, /X-Amz-Security-Token=/);
    const r = await call(url);
    assert.equal(r.status, 403);
    assert.equal(r.code, 'InvalidSecurity');
  } finally {
    withToken.destroy();
  }
});

test('a presigned GET applies its signed response-* overrides', async () => {
  const b = await newBucket(c.s3, 'presign');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', ContentType: 'text/plain' }));
  const url = await getSignedUrl(
    c.s3,
    new GetObjectCommand({ Bucket: b, Key: 'k', ResponseContentType: 'application/json', ResponseContentDisposition: 'attachment; filename="a b.txt"' }),
    { expiresIn: 60 },
  );
  const r = await call(url);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.equal(r.headers.get('content-disposition'), 'attachment; filename="a b.txt"');
});

test('a presigned PUT stores the body sent with it', async () => {
  const b = await newBucket(c.s3, 'presign');
  // The SDK bakes the CRC32 of an empty body into the URL (x-amz-checksum-crc32=AAAAAA==); S3
  // ignores checksum parameters in a presigned query, so the upload must still succeed.
  const url = await getSignedUrl(c.s3, new PutObjectCommand({ Bucket: b, Key: 'up/load.bin' }), { expiresIn: 60 });
  assert.match(url, /x-amz-checksum-crc32=AAAAAA%3D%3D/);
  const body = Buffer.from('uploaded through a presigned URL '.repeat(100));
  const r = await call(url, { method: 'PUT', body });
  assert.equal(r.status, 200, r.body);
  const got = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'up/load.bin' }));
  assert.deepEqual(await bodyBytes(got), body);
});

test('a presigned PUT with a signed Content-Type stores that type', async () => {
  const b = await newBucket(c.s3, 'presign');
  const url = await getSignedUrl(c.s3, new PutObjectCommand({ Bucket: b, Key: 'typed', ContentType: 'image/png' }), {
    expiresIn: 60,
    signableHeaders: new Set(['content-type']),
  });
  const ok = await call(url, { method: 'PUT', body: 'png', headers: { 'content-type': 'image/png' } });
  assert.equal(ok.status, 200, ok.body);
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'typed' }));
  assert.equal(head.ContentType, 'image/png');
  // The same URL with another Content-Type no longer matches its signature.
  const wrong = await call(url, { method: 'PUT', body: 'gif', headers: { 'content-type': 'image/gif' } });
  assert.equal(wrong.status, 403);
  assert.equal(wrong.code, 'SignatureDoesNotMatch');
});

test('an expired presigned URL is refused with 403 AccessDenied', async () => {
  const b = await newBucket(c.s3, 'presign');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  const url = await presignGet(b, 'k', { signingDate: new Date(Date.now() - 5 * 60 * 1000) });
  const r = await call(url);
  assert.equal(r.status, 403);
  assert.equal(r.code, 'AccessDenied');
  assert.equal(r.message, 'Request has expired');
  assert.match(r.body, /<X-Amz-Expires>60<\/X-Amz-Expires>/);
});

test('a presigned URL signed a day ago but valid for a week is still accepted', async () => {
  const b = await newBucket(c.s3, 'presign');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'old url' }));
  // Unlike a header signature, a presigned URL is not subject to the 15-minute skew.
  const url = await presignGet(b, 'k', { expiresIn: 604800, signingDate: new Date(Date.now() - 24 * 3600 * 1000) });
  const r = await call(url);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.body, 'old url');
});

test('X-Amz-Expires over a week is 400 AuthorizationQueryParametersError', async () => {
  const b = await newBucket(c.s3, 'presign');
  const url = new URL(await presignGet(b, 'k', { expiresIn: 604800 }));
  url.searchParams.set('X-Amz-Expires', '604801');
  const r = await call(url.toString());
  assert.equal(r.status, 400);
  assert.equal(r.code, 'AuthorizationQueryParametersError');
});

test('a presigned URL missing X-Amz-Date is 400 AuthorizationQueryParametersError', async () => {
  const b = await newBucket(c.s3, 'presign');
  const url = new URL(await presignGet(b, 'k'));
  url.searchParams.delete('X-Amz-Date');
  const r = await call(url.toString());
  assert.equal(r.status, 400);
  assert.equal(r.code, 'AuthorizationQueryParametersError');
});

test('a tampered presigned signature is refused with 403 SignatureDoesNotMatch', async () => {
  const b = await newBucket(c.s3, 'presign');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  const url = new URL(await presignGet(b, 'k'));
  const sig = url.searchParams.get('X-Amz-Signature') ?? '';
  url.searchParams.set('X-Amz-Signature', (sig[0] === '0' ? '1' : '0') + sig.slice(1));
  const r = await call(url.toString());
  assert.equal(r.status, 403);
  assert.equal(r.code, 'SignatureDoesNotMatch');
});

test('a presigned GET turned into a PUT is refused and stores nothing', async () => {
  const b = await newBucket(c.s3, 'presign');
  const url = await presignGet(b, 'k');
  const r = await call(url, { method: 'PUT', body: 'sneaky' });
  assert.equal(r.status, 403);
  assert.equal(r.code, 'SignatureDoesNotMatch');
  assert.equal(await objectExists(b, 'k'), false);
});

test('a presigned URL with a query parameter added after signing is refused', async () => {
  const b = await newBucket(c.s3, 'presign');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  const url = new URL(await presignGet(b, 'k'));
  url.searchParams.set('response-content-type', 'text/html');
  const r = await call(url.toString());
  assert.equal(r.status, 403);
  assert.equal(r.code, 'SignatureDoesNotMatch');
});

test('a presigned URL for another key does not open this one', async () => {
  const b = await newBucket(c.s3, 'presign');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'private', Body: 'x' }));
  const url = new URL(await presignGet(b, 'public'));
  url.pathname = url.pathname.replace(/public$/, 'private');
  const r = await call(url.toString());
  assert.equal(r.status, 403);
  assert.equal(r.code, 'SignatureDoesNotMatch');
});

test('a presigned URL with an Authorization header as well is 400 InvalidArgument', async () => {
  const b = await newBucket(c.s3, 'presign');
  const url = await presignGet(b, 'k');
  const r = await call(url, { headers: { authorization: 'AWS4-HMAC-SHA256 Credential=x' } });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidArgument');
});

test('a presigned URL for an unknown access key is 403 InvalidAccessKeyId', async () => {
  const b = await newBucket(c.s3, 'presign');
  const stranger = c.client('NOSUCHKEY0000000', 'whatever');
  const url = await getSignedUrl(stranger, new GetObjectCommand({ Bucket: b, Key: 'k' }), { expiresIn: 60 });
  const r = await call(url);
  assert.equal(r.status, 403);
  assert.equal(r.code, 'InvalidAccessKeyId');
});
