// SigV4 in the Authorization header: what S3 answers for each way a signature can be wrong, and
// keys and queries whose canonical form is easy to get wrong.
// https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeleteBucketCommand, GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { newBucket, testCofferForFile } from './helpers/coffer.js';
import { hmacSha256, rawRequest, sha256Hex, signHeaders, signingKey } from './helpers/raw.js';
import type { RawResponse } from './helpers/raw.js';
import { openExchange } from './helpers/socket.js';

const c = testCofferForFile();

/** SigV4 UriEncode of one path segment: everything but A-Za-z0-9-._~ as %XY. */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

async function sdkError(p: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof S3ServiceException, `expected an S3 error, got ${String(err)}`);
    return err;
  }
  assert.fail('the request succeeded');
}

/** A GET of bucket `b` signed as usual, then sent unsigned with the headers `edit` makes of the signed ones. */
async function getBucketWithHeaders(b: string, edit: (signed: Record<string, string>) => Record<string, string>): Promise<RawResponse> {
  const headers = await signHeaders(c.endpoint, { method: 'GET', path: `/${b}` });
  return rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, anonymous: true, unsignedHeaders: edit(headers) });
}

test('a request signed with the root keys lists its bucket', async () => {
  const b = await newBucket(c.s3, 'auth');
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { 'list-type': '2' } });
  assert.equal(r.status, 200);
  assert.match(r.body, /<ListBucketResult/);
  assert.match(r.body, new RegExp(`<Name>${b}</Name>`));
});

test('an unknown access key is refused with 403 InvalidAccessKeyId', async () => {
  const b = await newBucket(c.s3, 'auth');
  const r = await rawRequest(c.endpoint, {
    method: 'GET',
    path: `/${b}`,
    credentials: { accessKeyId: 'NOSUCHKEY0000000', secretAccessKey: 'whatever' },
  });
  assert.equal(r.status, 403);
  assert.equal(r.code, 'InvalidAccessKeyId');
  assert.match(r.body, /<AWSAccessKeyId>NOSUCHKEY0000000<\/AWSAccessKeyId>/);

  const e = await sdkError(c.client('NOSUCHKEY0000000', 'whatever').send(new HeadBucketCommand({ Bucket: b })));
  assert.equal(e.$metadata.httpStatusCode, 403);
});

test('a wrong secret is refused with 403 SignatureDoesNotMatch', async () => {
  const b = await newBucket(c.s3, 'auth');
  const r = await rawRequest(c.endpoint, {
    method: 'GET',
    path: `/${b}`,
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: 'not-the-secret' },
  });
  assert.equal(r.status, 403);
  assert.equal(r.code, 'SignatureDoesNotMatch');
  // The string to sign helps a client debug; the signature and the secret never appear.
  assert.match(r.body, /<StringToSign>AWS4-HMAC-SHA256\n/);
  assert.doesNotMatch(r.body, /not-the-secret|coffer-test-root-secret/);

  const e = await sdkError(c.client(c.accessKeyId, 'not-the-secret').send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' })));
  assert.equal(e.name, 'SignatureDoesNotMatch');
  assert.equal(e.$metadata.httpStatusCode, 403);
});

test('a header changed after signing is refused with 403 SignatureDoesNotMatch', async () => {
  const b = await newBucket(c.s3, 'auth');
  const headers = await signHeaders(c.endpoint, { method: 'PUT', path: `/${b}/k`, body: 'abc', headers: { 'content-type': 'text/plain' } });
  headers['content-type'] = 'text/html';
  const ex = openExchange(c.endpoint, 'PUT', `/${b}/k`, { ...headers, 'content-length': '3' });
  ex.send('abc');
  const r = await ex.response;
  assert.equal(r?.status, 403);
  assert.equal(r?.code, 'SignatureDoesNotMatch');
  const e = await sdkError(c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' })));
  assert.equal(e.name, 'NoSuchKey');
});

test('an x-amz-* header that is not signed is refused with 403 AccessDenied', async () => {
  const b = await newBucket(c.s3, 'auth');
  const r = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: `/${b}/k`,
    body: 'abc',
    unsignedHeaders: { 'x-amz-meta-sneaky': '1' },
  });
  assert.equal(r.status, 403);
  assert.equal(r.code, 'AccessDenied');
  assert.match(r.body, /<HeadersNotSigned>x-amz-meta-sneaky<\/HeadersNotSigned>/);
});

test('a SigV2 Authorization header is refused with 400 InvalidRequest "Please use AWS4-HMAC-SHA256."', async () => {
  const b = await newBucket(c.s3, 'auth');
  const r = await rawRequest(c.endpoint, {
    method: 'GET',
    path: `/${b}`,
    anonymous: true,
    unsignedHeaders: { authorization: `AWS ${c.accessKeyId}:frJIUN8DYpKDtOLCwo//yllqDzg=`, date: new Date().toUTCString() },
  });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidRequest');
  assert.equal(r.message, 'Please use AWS4-HMAC-SHA256.');
});

test('a SigV2 presigned query is refused with 400 InvalidRequest "Please use AWS4-HMAC-SHA256."', async () => {
  const b = await newBucket(c.s3, 'auth');
  const r = await rawRequest(c.endpoint, {
    method: 'GET',
    path: `/${b}/k`,
    anonymous: true,
    query: { AWSAccessKeyId: c.accessKeyId, Expires: String(Math.floor(Date.now() / 1000) + 60), Signature: 'frJIUN8DYpKDtOLCwo//yllqDzg=' },
  });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidRequest');
  assert.equal(r.message, 'Please use AWS4-HMAC-SHA256.');
});

test('a request signed 20 minutes ago is refused with 403 RequestTimeTooSkewed', async () => {
  const b = await newBucket(c.s3, 'auth');
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, signingDate: new Date(Date.now() - 20 * 60 * 1000) });
  assert.equal(r.status, 403);
  assert.equal(r.code, 'RequestTimeTooSkewed');
  assert.match(r.body, /<MaxAllowedSkewMilliseconds>900000<\/MaxAllowedSkewMilliseconds>/);
});

test('a request signed 20 minutes in the future is refused with 403 RequestTimeTooSkewed', async () => {
  const b = await newBucket(c.s3, 'auth');
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, signingDate: new Date(Date.now() + 20 * 60 * 1000) });
  assert.equal(r.status, 403);
  assert.equal(r.code, 'RequestTimeTooSkewed');
});

test('a request signed 10 minutes ago is within the allowed skew', async () => {
  const b = await newBucket(c.s3, 'auth');
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, signingDate: new Date(Date.now() - 10 * 60 * 1000) });
  assert.equal(r.status, 200);
});

test('a session token Coffer never issued is refused with 403 InvalidSecurity', async () => {
  const b = await newBucket(c.s3, 'auth');
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, headers: { 'x-amz-security-token': 'FwoGZXIvYXdzEXAMPLE' } });
  assert.equal(r.status, 403);
  assert.equal(r.code, 'InvalidSecurity');

  const withToken = c.client(c.accessKeyId, c.secretAccessKey, 'FwoGZXIvYXdzEXAMPLE');
  try {
    const e = await sdkError(withToken.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' })));
    assert.equal(e.name, 'InvalidSecurity');
    assert.equal(e.$metadata.httpStatusCode, 403);
  } finally {
    withToken.destroy();
  }
});

test('an anonymous request to a private bucket is refused with 403 AccessDenied', async () => {
  const b = await newBucket(c.s3, 'auth');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'secret' }));
  const get = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, anonymous: true });
  assert.equal(get.status, 403);
  assert.equal(get.code, 'AccessDenied');
  assert.doesNotMatch(get.body, /secret/);
  const put = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k2`, anonymous: true, body: 'x' });
  assert.equal(put.status, 403);
  assert.equal(put.code, 'AccessDenied');
});

test('an anonymous request to a bucket that does not exist is 404 NoSuchBucket, as S3 tells anyone', async () => {
  const b = await newBucket(c.s3, 'auth');
  await c.s3.send(new DeleteBucketCommand({ Bucket: b }));
  for (const [method, path] of [
    ['GET', `/${b}/k`],
    ['DELETE', `/${b}/k`],
    ['GET', `/${b}`],
  ] as const) {
    const r = await rawRequest(c.endpoint, { method, path, anonymous: true });
    assert.equal(r.status, 404, `${method} ${path}`);
    assert.equal(r.code, 'NoSuchBucket', `${method} ${path}`);
  }
  // Creating a bucket still takes credentials, and listing buckets has no bucket to miss.
  assert.equal((await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, anonymous: true })).code, 'AccessDenied');
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: '/', anonymous: true })).code, 'AccessDenied');
});

test('an empty Authorization header is an anonymous request: 403 AccessDenied', async () => {
  const b = await newBucket(c.s3, 'auth');
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, anonymous: true, body: 'x', unsignedHeaders: { authorization: '' } });
  assert.equal(r.status, 403);
  assert.equal(r.code, 'AccessDenied');
});

test('an Authorization header without a Signature is 400 AuthorizationHeaderMalformed', async () => {
  const b = await newBucket(c.s3, 'auth');
  const r = await getBucketWithHeaders(b, (h) => ({ ...h, authorization: (h['authorization'] ?? '').replace(/, Signature=[0-9a-f]+$/, '') }));
  assert.equal(r.status, 400);
  assert.equal(r.code, 'AuthorizationHeaderMalformed');
});

test('a Credential without its scope is 400 AuthorizationHeaderMalformed', async () => {
  const b = await newBucket(c.s3, 'auth');
  const r = await getBucketWithHeaders(b, (h) => ({
    ...h,
    authorization: (h['authorization'] ?? '').replace(/Credential=[^,]+/, `Credential=${c.accessKeyId}`),
  }));
  assert.equal(r.status, 400);
  assert.equal(r.code, 'AuthorizationHeaderMalformed');
});

test('a Credential dated another day than x-amz-date is 400 AuthorizationHeaderMalformed', async () => {
  const b = await newBucket(c.s3, 'auth');
  const r = await getBucketWithHeaders(b, (h) => ({
    ...h,
    authorization: (h['authorization'] ?? '').replace(/(Credential=[^/]+\/)\d{8}/, '$119990101'),
  }));
  assert.equal(r.status, 400);
  assert.equal(r.code, 'AuthorizationHeaderMalformed');
});

test('a signed request without x-amz-date or Date is refused with 403 AccessDenied', async () => {
  const b = await newBucket(c.s3, 'auth');
  const r = await getBucketWithHeaders(b, ({ 'x-amz-date': _dropped, ...rest }) => rest);
  assert.equal(r.status, 403);
  assert.equal(r.code, 'AccessDenied');
});

test('a header-signed request without x-amz-content-sha256 is 400 InvalidRequest', async () => {
  const b = await newBucket(c.s3, 'auth');
  const r = await getBucketWithHeaders(b, ({ 'x-amz-content-sha256': _dropped, ...rest }) => rest);
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidRequest');
});

test('a request dated by the Date header alone (no x-amz-date) verifies', async () => {
  // Signed by hand: the SDK signer always adds x-amz-date. The string to sign carries the
  // Date header's time in ISO 8601 basic form.
  const b = await newBucket(c.s3, 'auth');
  const now = new Date();
  const amzDate = now
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  const day = amzDate.slice(0, 8);
  const host = new URL(c.endpoint).host;
  const dateHeader = now.toUTCString();
  const emptySha = sha256Hex('');
  const canonical = ['GET', `/${b}`, '', `date:${dateHeader}`, `host:${host}`, `x-amz-content-sha256:${emptySha}`, '', 'date;host;x-amz-content-sha256', emptySha].join('\n');
  const scope = `${day}/us-east-1/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
  const signature = hmacSha256(signingKey(c.secretAccessKey, day, 'us-east-1'), toSign).toString('hex');
  const authorization = `AWS4-HMAC-SHA256 Credential=${c.accessKeyId}/${scope}, SignedHeaders=date;host;x-amz-content-sha256, Signature=${signature}`;
  const r = await rawRequest(c.endpoint, {
    method: 'GET',
    path: `/${b}`,
    anonymous: true,
    unsignedHeaders: { date: dateHeader, 'x-amz-content-sha256': emptySha, authorization },
  });
  assert.equal(r.status, 200, r.body);
  assert.match(r.body, /<ListBucketResult/);
});

const AWKWARD_KEYS = [
  'with space/and  two',
  'unicode/✓ ключ 日本語 é',
  'plus+sign',
  'percent%20literal%',
  'tilde~key',
  "sub-delims!*'()",
  'ampersand&equals=semicolon;colon:at@dollar$comma,',
  'brackets[]{}<>^`|\\"#?',
];

test('awkward keys round-trip through the SDK and list back byte for byte', async () => {
  const b = await newBucket(c.s3, 'auth');
  for (const key of AWKWARD_KEYS) {
    await c.s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: `body of ${key}` }));
  }
  for (const key of AWKWARD_KEYS) {
    const got = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: key }));
    assert.equal(await got.Body?.transformToString(), `body of ${key}`, key);
  }
  const listed = await c.s3.send(new ListObjectsV2Command({ Bucket: b }));
  assert.deepEqual(
    (listed.Contents ?? []).map((o) => o.Key),
    [...AWKWARD_KEYS].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))),
  );
});

test('awkward keys written by raw signed requests are read back through the SDK', async () => {
  const b = await newBucket(c.s3, 'auth');
  for (const key of AWKWARD_KEYS) {
    const path = `/${b}/${key.split('/').map(uriEncode).join('/')}`;
    const r = await rawRequest(c.endpoint, { method: 'PUT', path, body: `raw ${key}` });
    assert.equal(r.status, 200, `${key}: ${r.body}`);
    const got = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: key }));
    assert.equal(await got.Body?.transformToString(), `raw ${key}`, key);
  }
});

test('a key sent with unreserved characters left unencoded signs the same as encoded', async () => {
  const b = await newBucket(c.s3, 'auth');
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/a~b-c_d.e`, body: 'plain' });
  assert.equal(r.status, 200);
  const got = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'a~b-c_d.e' }));
  assert.equal(await got.Body?.transformToString(), 'plain');
});

test('an encoded slash in a key is part of the key, signed as %2F', async () => {
  const b = await newBucket(c.s3, 'auth');
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/dir%2Ffile`, body: 'slash' });
  assert.equal(r.status, 200, r.body);
  const got = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'dir/file' }));
  assert.equal(await got.Body?.transformToString(), 'slash');
});

test('repeated query names and empty values are signed in canonical order', async () => {
  const b = await newBucket(c.s3, 'auth');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'p/one', Body: '1' }));
  const r = await rawRequest(c.endpoint, {
    method: 'GET',
    path: `/${b}`,
    query: { 'list-type': '2', prefix: 'p/', 'start-after': '', 'x-extra': ['b', 'a', ''], 'fetch-owner': 'false' },
  });
  assert.equal(r.status, 200, r.body);
  assert.match(r.body, /<Key>p\/one<\/Key>/);
});

test('a query name without "=" is signed as "name="', async () => {
  const b = await newBucket(c.s3, 'auth');
  // The signer signs location= ; the wire carries just ?location.
  const headers = await signHeaders(c.endpoint, { method: 'GET', path: `/${b}`, query: { location: '' } });
  const ex = openExchange(c.endpoint, 'GET', `/${b}?location`, headers);
  ex.send();
  const r = await ex.response;
  assert.equal(r?.status, 200, r?.body);
  assert.match(r?.body ?? '', /<LocationConstraint/);
});

test('query values with reserved characters are signed with their SigV4 encoding', async () => {
  const b = await newBucket(c.s3, 'auth');
  const prefix = "a b+c/✓!*'()&=";
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: `${prefix}x`, Body: '1' }));
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'other', Body: '1' }));
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { 'list-type': '2', prefix } });
  assert.equal(r.status, 200, r.body);
  assert.match(r.body, /<KeyCount>1<\/KeyCount>/);
});

test('a header value with runs of spaces is signed in its folded form', async () => {
  const b = await newBucket(c.s3, 'auth');
  const r = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: `/${b}/meta`,
    body: 'm',
    headers: { 'x-amz-meta-note': '  two   inner  spaces ' },
  });
  assert.equal(r.status, 200, r.body);
});
