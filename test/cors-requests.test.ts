// Cross-origin requests against a bucket's CORS rules: the OPTIONS preflight and the
// Access-Control-* headers of actual responses, errors included.
// https://docs.aws.amazon.com/AmazonS3/latest/API/RESTOPTIONSobject.html
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PutBucketCorsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { CORSRule } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { bucketName, newBucket, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import type { RawResponse } from './helpers/raw.js';
import { unescapeXml } from './helpers/tagging.js';

const c = testCofferForFile();

async function corsBucket(CORSRules: CORSRule[]): Promise<string> {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutBucketCorsCommand({ Bucket: b, CORSConfiguration: { CORSRules } }));
  return b;
}

function preflight(path: string, headers: Record<string, string>, query?: Record<string, string>): Promise<RawResponse> {
  return rawRequest(c.endpoint, { method: 'OPTIONS', path, headers, query, anonymous: true });
}

const NOT_ALLOWED =
  "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";

test('a preflight carrying credentials (an Authorization header) is 400 CredentialsNotSupported', async () => {
  const b = await newBucket(c.s3);
  const headers = { origin: 'https://app.example', 'access-control-request-method': 'PUT' };
  const signed = await rawRequest(c.endpoint, { method: 'OPTIONS', path: `/${b}/k`, headers });
  assert.equal(signed.status, 400, signed.body);
  assert.equal(signed.code, 'CredentialsNotSupported');
  assert.equal(signed.message, 'This request does not support credentials.');
});

test('a preflight without Origin is 400 BadRequest', async () => {
  const b = await newBucket(c.s3);
  const r = await preflight(`/${b}/k`, { 'access-control-request-method': 'GET' });
  assert.equal(r.status, 400, r.body);
  assert.equal(r.code, 'BadRequest');
  assert.equal(r.message, 'Insufficient information. Origin request header needed.');
});

test('a preflight without Access-Control-Request-Method, or with one S3 does not know, is 400 BadRequest', async () => {
  const b = await corsBucket([{ AllowedMethods: ['GET'], AllowedOrigins: ['*'] }]);
  const none = await preflight(`/${b}/k`, { origin: 'https://a.example' });
  assert.equal(none.status, 400, none.body);
  assert.equal(none.code, 'BadRequest');
  assert.equal(none.message, 'Invalid Access-Control-Request-Method: null');
  const odd = await preflight(`/${b}/k`, { origin: 'https://a.example', 'access-control-request-method': 'PATCH' });
  assert.equal(odd.message, 'Invalid Access-Control-Request-Method: PATCH');
});

test('a preflight to a bucket without CORS rules is 403 AccessForbidden: CORS is not enabled', async () => {
  const b = await newBucket(c.s3);
  const r = await preflight(`/${b}/k`, { origin: 'https://a.example', 'access-control-request-method': 'PUT' });
  assert.equal(r.status, 403, r.body);
  assert.equal(r.code, 'AccessForbidden');
  assert.equal(r.message, 'CORSResponse: CORS is not enabled for this bucket.');
  assert.match(r.body, /<Method>PUT<\/Method><ResourceType>OBJECT<\/ResourceType>/);
  assert.equal(r.headers['access-control-allow-origin'], undefined);
});

test('a preflight to a bucket that does not exist is 404 NoSuchBucket', async () => {
  const r = await preflight(`/${bucketName('nope')}`, { origin: 'https://a.example', 'access-control-request-method': 'GET' });
  assert.equal(r.status, 404, r.body);
  assert.equal(r.code, 'NoSuchBucket');
});

test('a preflight a rule allows is 200 with the origin, methods, requested headers, max-age, exposed headers and Vary', async () => {
  const b = await corsBucket([
    {
      AllowedOrigins: ['https://app.example'],
      AllowedMethods: ['PUT', 'POST'],
      AllowedHeaders: ['content-type', 'x-amz-*'],
      ExposeHeaders: ['ETag', 'x-amz-version-id'],
      MaxAgeSeconds: 600,
    },
  ]);
  const r = await preflight(`/${b}/up.txt`, {
    origin: 'https://app.example',
    'access-control-request-method': 'PUT',
    'access-control-request-headers': 'Content-Type, X-Amz-Meta-Who',
  });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.body, '');
  assert.equal(r.headers['access-control-allow-origin'], 'https://app.example');
  assert.equal(r.headers['access-control-allow-credentials'], 'true');
  assert.equal(r.headers['access-control-allow-methods'], 'PUT, POST');
  assert.equal(r.headers['access-control-allow-headers'], 'Content-Type, X-Amz-Meta-Who');
  assert.equal(r.headers['access-control-expose-headers'], 'ETag, x-amz-version-id');
  assert.equal(r.headers['access-control-max-age'], '600');
  assert.equal(r.headers.vary, 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method');
});

test('a rule for any origin answers * and allows no credentials', async () => {
  const b = await corsBucket([{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }]);
  const r = await preflight(`/${b}`, { origin: 'https://anything.example', 'access-control-request-method': 'GET' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers['access-control-allow-origin'], '*');
  assert.equal(r.headers['access-control-allow-credentials'], undefined);
});

test('origins match with one wildcard anywhere in them, and the first matching rule answers', async () => {
  const b = await corsBucket([
    { AllowedMethods: ['GET'], AllowedOrigins: ['*suffix'] },
    { AllowedMethods: ['GET'], AllowedOrigins: ['start*end'] },
    { AllowedMethods: ['GET'], AllowedOrigins: ['prefix*'] },
    { AllowedMethods: ['PUT'], AllowedOrigins: ['*.put'] },
  ]);
  const cases: Array<[string, string, number]> = [
    ['foo.suffix', 'GET', 200],
    ['foo.bar', 'GET', 403],
    ['foo.suffix.get', 'GET', 403],
    ['startend', 'GET', 200],
    ['start12end', 'GET', 200],
    ['0start12end', 'GET', 403],
    ['prefix', 'GET', 200],
    ['prefix.suffix', 'GET', 200],
    ['bla.prefix', 'GET', 403],
    ['foo.put', 'GET', 403],
    ['foo.put', 'PUT', 200],
  ];
  for (const [origin, method, status] of cases) {
    const r = await preflight(`/${b}`, { origin, 'access-control-request-method': method });
    assert.equal(r.status, status, `${origin} ${method}: ${r.body}`);
    if (status === 200) {
      assert.equal(r.headers['access-control-allow-origin'], origin);
      assert.equal(r.headers['access-control-allow-methods'], method);
    } else {
      assert.equal(r.code, 'AccessForbidden');
      assert.equal(unescapeXml(r.message), NOT_ALLOWED);
      assert.match(r.body, new RegExp(`<Method>${method}</Method><ResourceType>BUCKET</ResourceType>`));
      assert.equal(r.headers['access-control-allow-origin'], undefined);
    }
  }
});

test('a preflight asking for a header no rule allows is 403 AccessForbidden; header wildcards match without case', async () => {
  const b = await corsBucket([{ AllowedOrigins: ['*'], AllowedMethods: ['GET'], AllowedHeaders: ['x-amz-meta-header1', 'X-Custom-*'] }]);
  const denied = await preflight(`/${b}/k`, { origin: 'o', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-amz-meta-header2' });
  assert.equal(denied.status, 403, denied.body);
  assert.equal(denied.code, 'AccessForbidden');
  const allowed = await preflight(`/${b}/k`, { origin: 'o', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-custom-one,X-AMZ-META-HEADER1' });
  assert.equal(allowed.status, 200, allowed.body);
});

test("a preflight for a presigned URL is answered from the rules, the URL's signature aside", async () => {
  const b = await corsBucket([{ AllowedOrigins: ['example'], AllowedMethods: ['GET'] }]);
  const url = new URL(await getSignedUrl(c.s3, new GetObjectCommand({ Bucket: b, Key: 'foo' }), { expiresIn: 600 }));
  const query = Object.fromEntries(url.searchParams);
  const bare = await preflight(url.pathname, {}, query);
  assert.equal(bare.status, 400, bare.body);
  const r = await preflight(url.pathname, { origin: 'example', 'access-control-request-method': 'GET' }, query);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers['access-control-allow-origin'], 'example');
});

test('an actual request from an allowed origin carries the grant and Vary; one without Origin carries none', async () => {
  const b = await corsBucket([{ AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET', 'HEAD'], ExposeHeaders: ['ETag'] }]);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, headers: { origin: 'https://app.example' } });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers['access-control-allow-origin'], 'https://app.example');
  assert.equal(r.headers['access-control-allow-methods'], 'GET, HEAD');
  assert.equal(r.headers['access-control-expose-headers'], 'ETag');
  assert.equal(r.headers['access-control-allow-credentials'], 'true');
  assert.equal(r.headers.vary, 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method');
  const plain = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k` });
  assert.equal(plain.headers['access-control-allow-origin'], undefined);
});

test('errors of a cross-origin request carry the CORS headers too: NoSuchKey, and AccessDenied before authentication', async () => {
  const b = await corsBucket([{ AllowedOrigins: ['*suffix'], AllowedMethods: ['GET'] }]);
  const missing = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/nothing`, headers: { origin: 'foo.suffix' } });
  assert.equal(missing.status, 404, missing.body);
  assert.equal(missing.headers['access-control-allow-origin'], 'foo.suffix');
  assert.equal(missing.headers['access-control-allow-methods'], 'GET');
  const anonymous = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/nothing`, headers: { origin: 'foo.suffix' }, anonymous: true });
  assert.equal(anonymous.status, 403, anonymous.body);
  assert.equal(anonymous.code, 'AccessDenied');
  assert.equal(anonymous.headers['access-control-allow-origin'], 'foo.suffix');
});

test('an actual request is matched by its method, or by Access-Control-Request-Method when it sends one', async () => {
  const b = await corsBucket([
    { AllowedOrigins: ['*suffix'], AllowedMethods: ['GET'] },
    { AllowedOrigins: ['*.put'], AllowedMethods: ['PUT'] },
  ]);
  const put = (origin: string, extra: Record<string, string> = {}) =>
    rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, headers: { origin, ...extra }, body: '', anonymous: true });
  const byHeader = await put('foo.suffix', { 'access-control-request-method': 'GET' });
  assert.equal(byHeader.status, 403);
  assert.equal(byHeader.headers['access-control-allow-origin'], 'foo.suffix');
  assert.equal(byHeader.headers['access-control-allow-methods'], 'GET');
  const unmatched = await put('foo.suffix');
  assert.equal(unmatched.headers['access-control-allow-origin'], undefined);
  assert.equal(unmatched.headers.vary, 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method');
  const own = await put('foo.put');
  assert.equal(own.headers['access-control-allow-origin'], 'foo.put');
  assert.equal(own.headers['access-control-allow-methods'], 'PUT');
});
