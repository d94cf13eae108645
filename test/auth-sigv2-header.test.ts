// Signature Version 2 in the Authorization header with COFFER_SIGV2=on: object and bucket
// operations as legacy clients (s3cmd with signature_v2) send them, and what S3 answers for each
// way such a request can be wrong. Objects are read back with the SDK (SigV4): both versions act
// as the same user.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { bodyBytes, bucketName, newBucket, readObject, testCofferForFile } from './helpers/coffer.js';
import { completeXml, xmlAll, xmlOne } from './helpers/multipart.js';
import { hmacSha1Base64, sigV2Headers, sigV2Request, stringToSign } from './helpers/sigv2.js';
import { rawRequest } from './helpers/raw.js';

const DOMAIN = 's3.coffer.test';
const c = testCofferForFile({ COFFER_SIGV2: 'on', COFFER_DOMAINS: DOMAIN });

const md5Base64 = (data: string | Buffer): string => createHash('md5').update(data).digest('base64');

test('a SigV2 PUT stores the object with its type and metadata, and the SDK reads it back', async () => {
  const b = await newBucket(c.s3, 'v2');
  const body = 'stored with signature version 2';
  const r = await sigV2Request(c.endpoint, {
    method: 'PUT',
    target: `/${b}/dir/my%20file.txt`,
    body,
    headers: { 'content-type': 'text/plain', 'content-md5': md5Base64(body), 'x-amz-meta-note': 'legacy client' },
  });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers.etag, `"${createHash('md5').update(body).digest('hex')}"`);

  const out = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'dir/my file.txt' }));
  assert.equal((await bodyBytes(out)).toString(), body);
  assert.equal(out.ContentType, 'text/plain');
  assert.deepEqual(out.Metadata, { note: 'legacy client' });
});

test('a SigV2 GET returns the object and a SigV2 HEAD its headers', async () => {
  const b = await newBucket(c.s3, 'v2');
  assert.equal((await sigV2Request(c.endpoint, { method: 'PUT', target: `/${b}/k`, body: 'hello v2' })).status, 200);
  const got = await sigV2Request(c.endpoint, { method: 'GET', target: `/${b}/k` });
  assert.equal(got.status, 200);
  assert.equal(got.body, 'hello v2');
  const head = await sigV2Request(c.endpoint, { method: 'HEAD', target: `/${b}/k` });
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], '8');
});

test('SigV2 ListObjects, ListObjectsV2 and ListBuckets list what the user has (list parameters are not signed)', async () => {
  const b = await newBucket(c.s3, 'v2');
  for (const key of ['a/1', 'a/2', 'b/1']) assert.equal((await sigV2Request(c.endpoint, { method: 'PUT', target: `/${b}/${key}`, body: key })).status, 200);
  const v1 = await sigV2Request(c.endpoint, { method: 'GET', target: `/${b}?prefix=a%2F&max-keys=10` });
  assert.equal(v1.status, 200, v1.body);
  assert.deepEqual(xmlAll(v1.body, 'Key'), ['a/1', 'a/2']);
  const v2 = await sigV2Request(c.endpoint, { method: 'GET', target: `/${b}?list-type=2&delimiter=%2F` });
  assert.equal(v2.status, 200, v2.body);
  assert.deepEqual(xmlAll(v2.body, 'Prefix').filter(Boolean), ['a/', 'b/']);
  const all = await sigV2Request(c.endpoint, { method: 'GET', target: '/' });
  assert.equal(all.status, 200, all.body);
  assert.ok(xmlAll(all.body, 'Name').includes(b));
});

test('a SigV2 DELETE removes the object and DeleteBucket the bucket', async () => {
  const b = await newBucket(c.s3, 'v2');
  await sigV2Request(c.endpoint, { method: 'PUT', target: `/${b}/gone`, body: 'x' });
  assert.equal((await sigV2Request(c.endpoint, { method: 'DELETE', target: `/${b}/gone` })).status, 204);
  assert.equal(await readObject(c.s3, b, 'gone'), undefined);
  assert.equal((await sigV2Request(c.endpoint, { method: 'DELETE', target: `/${b}` })).status, 204);
  const again = await sigV2Request(c.endpoint, { method: 'GET', target: `/${b}` });
  assert.equal(again.code, 'NoSuchBucket');
});

test('SigV2 CreateBucket and a multipart upload sign their sub-resources: ?uploads, ?partNumber&uploadId, ?uploadId', async () => {
  const b = bucketName('v2');
  assert.equal((await sigV2Request(c.endpoint, { method: 'PUT', target: `/${b}` })).status, 200);
  const created = await sigV2Request(c.endpoint, { method: 'POST', target: `/${b}/big?uploads` });
  assert.equal(created.status, 200, created.body);
  const uploadId = xmlOne(created.body, 'UploadId')!;

  const listed = await sigV2Request(c.endpoint, { method: 'GET', target: `/${b}?uploads` });
  assert.equal(listed.status, 200, listed.body);
  assert.deepEqual(xmlAll(listed.body, 'UploadId'), [uploadId]);

  const part = await sigV2Request(c.endpoint, { method: 'PUT', target: `/${b}/big?partNumber=1&uploadId=${uploadId}`, body: 'only part' });
  assert.equal(part.status, 200, part.body);
  const parts = await sigV2Request(c.endpoint, { method: 'GET', target: `/${b}/big?uploadId=${uploadId}` });
  assert.equal(parts.status, 200, parts.body);
  assert.deepEqual(xmlAll(parts.body, 'PartNumber'), ['1']);

  const done = await sigV2Request(c.endpoint, {
    method: 'POST',
    target: `/${b}/big?uploadId=${uploadId}`,
    headers: { 'content-type': 'application/xml' },
    body: completeXml([{ partNumber: 1, etag: String(part.headers.etag) }]),
  });
  assert.equal(done.status, 200, done.body);
  assert.equal((await readObject(c.s3, b, 'big'))?.toString(), 'only part');
});

test('x-amz-date may stand in for Date: the Date line is empty and x-amz-date is signed', async () => {
  const b = await newBucket(c.s3, 'v2');
  const r = await sigV2Request(c.endpoint, { method: 'PUT', target: `/${b}/k`, body: 'dated', amzDate: true, headers: { 'x-amz-meta-a': 'b' } });
  assert.equal(r.status, 200, r.body);
  assert.equal((await readObject(c.s3, b, 'k'))?.toString(), 'dated');
});

test('virtual-hosted style signs the bucket from Host as the start of the resource', async () => {
  const b = await newBucket(c.s3, 'v2');
  assert.equal((await sigV2Request(c.endpoint, { method: 'PUT', target: '/vh/key', hostBucket: b, body: 'virtual' }, DOMAIN)).status, 200);
  const got = await sigV2Request(c.endpoint, { method: 'GET', target: '/vh/key', hostBucket: b }, DOMAIN);
  assert.equal(got.status, 200, got.body);
  assert.equal(got.body, 'virtual');
  const listed = await sigV2Request(c.endpoint, { method: 'GET', target: '/?prefix=vh', hostBucket: b }, DOMAIN);
  assert.equal(listed.status, 200, listed.body);
  assert.deepEqual(xmlAll(listed.body, 'Key'), ['vh/key']);
  // Signed as if path style: the resource lacks the bucket.
  const headers = sigV2Headers({ method: 'GET', target: '/vh/key' });
  const wrong = await rawRequest(c.endpoint, { method: 'GET', path: '/vh/key', anonymous: true, unsignedHeaders: { ...headers, host: `${b}.${DOMAIN}` } });
  assert.equal(wrong.code, 'SignatureDoesNotMatch');
  assert.match(wrong.body, new RegExp(`<StringToSign>GET\n\n\n[^\n]+\n/${b}/vh/key</StringToSign>`));
});

test('a Content-MD5 that does not match the body is 400 BadDigest and stores nothing', async () => {
  const b = await newBucket(c.s3, 'v2');
  const r = await sigV2Request(c.endpoint, { method: 'PUT', target: `/${b}/k`, body: 'actual', headers: { 'content-md5': md5Base64('claimed') } });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'BadDigest');
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

test('a wrong secret is 403 SignatureDoesNotMatch showing the StringToSign, not the signature', async () => {
  const b = await newBucket(c.s3, 'v2');
  const date = new Date();
  const r = await sigV2Request(c.endpoint, {
    method: 'PUT',
    target: `/${b}/k?acl`,
    body: 'x',
    date,
    headers: { 'content-type': 'text/plain', 'x-amz-acl': 'private' },
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: 'not-the-secret' },
  });
  assert.equal(r.status, 403);
  assert.equal(r.code, 'SignatureDoesNotMatch');
  assert.equal(xmlOne(r.body, 'AWSAccessKeyId'), c.accessKeyId);
  assert.equal(xmlOne(r.body, 'StringToSign'), `PUT\n\ntext/plain\n${date.toUTCString()}\nx-amz-acl:private\n/${b}/k?acl`);
  assert.doesNotMatch(r.body, /SignatureProvided/);
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

test('an unknown access key is 403 InvalidAccessKeyId', async () => {
  const b = await newBucket(c.s3, 'v2');
  const r = await sigV2Request(c.endpoint, { method: 'GET', target: `/${b}`, credentials: { accessKeyId: 'NOSUCHKEY0000000', secretAccessKey: 'x' } });
  assert.equal(r.status, 403);
  assert.equal(r.code, 'InvalidAccessKeyId');
  assert.equal(xmlOne(r.body, 'AWSAccessKeyId'), 'NOSUCHKEY0000000');
});

test('a request signed 20 minutes ago is 403 RequestTimeTooSkewed; one without Date or x-amz-date is 403 AccessDenied', async () => {
  const b = await newBucket(c.s3, 'v2');
  const skewed = await sigV2Request(c.endpoint, { method: 'GET', target: `/${b}`, date: new Date(Date.now() - 20 * 60_000) });
  assert.equal(skewed.status, 403);
  assert.equal(skewed.code, 'RequestTimeTooSkewed');
  assert.equal(xmlOne(skewed.body, 'MaxAllowedSkewMilliseconds'), '900000');

  const { date: _date, ...undated } = sigV2Headers({ method: 'GET', target: `/${b}` });
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, anonymous: true, unsignedHeaders: undated });
  assert.equal(r.status, 403);
  assert.equal(r.code, 'AccessDenied');
  assert.equal(r.message, 'AWS authentication requires a valid Date or x-amz-date header');
});

test('a malformed AWS Authorization header is 400 InvalidArgument', async () => {
  const b = await newBucket(c.s3, 'v2');
  const r = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: `/${b}/k`,
    anonymous: true,
    body: 'x',
    unsignedHeaders: { authorization: 'AWS HAHAHA', date: new Date().toUTCString() },
  });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidArgument');
  assert.equal(r.message, 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature');
  assert.equal(xmlOne(r.body, 'ArgumentName'), 'Authorization');
});

test('an aws-chunked body needs SigV4: 400 InvalidRequest "Please use AWS4-HMAC-SHA256." and nothing stored', async () => {
  const b = await newBucket(c.s3, 'v2');
  const r = await sigV2Request(c.endpoint, {
    method: 'PUT',
    target: `/${b}/k`,
    body: '3\r\nabc\r\n0\r\n\r\n',
    headers: { 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '3' },
  });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidRequest');
  assert.equal(r.message, 'Please use AWS4-HMAC-SHA256.');
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

test('a SigV2 key acts as its user: another user is refused the root’s bucket with 403 AccessDenied', async () => {
  const b = await newBucket(c.s3, 'v2');
  const other = await c.server.engine.createUser({ name: `other-${b}` });
  const r = await sigV2Request(c.endpoint, { method: 'GET', target: `/${b}`, credentials: other });
  assert.equal(r.status, 403);
  assert.equal(r.code, 'AccessDenied');
  const own = await sigV2Request(c.endpoint, { method: 'PUT', target: `/${bucketName('mine')}`, credentials: other });
  assert.equal(own.status, 200, own.body);
});

test("a path-style bucket request signed with the bucket's /bucket/ resource, as boto3's signature_version='s3' signs it, is accepted", async () => {
  const b = bucketName('v2slash');
  const date = new Date().toUTCString();
  const sign = (resource: string) => `AWS ${c.accessKeyId}:${hmacSha1Base64(c.secretAccessKey, stringToSign('PUT', {}, date, resource))}`;
  const created = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, anonymous: true, unsignedHeaders: { date, authorization: sign(`/${b}/`) } });
  assert.equal(created.status, 200, created.body);
  // Any other resource still fails.
  const wrong = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { cors: '' }, anonymous: true, unsignedHeaders: { date, authorization: sign(`/${b}//`) } });
  assert.equal(wrong.status, 403, wrong.body);
  assert.equal(wrong.code, 'SignatureDoesNotMatch');
});
