// PutBucketVersioning and GetBucketVersioning on a real Coffer.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { CreateBucketCommand, GetBucketVersioningCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { bucketName, newBucket, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import type { RawResponse } from './helpers/raw.js';

const c = testCofferForFile();

function putVersioning(bucket: string, body: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return rawRequest(c.endpoint, { method: 'PUT', path: `/${bucket}`, query: { versioning: '' }, body, headers });
}

function versioningXml(inner: string): string {
  return `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</VersioningConfiguration>`;
}

test('a new bucket has no versioning status; Enabled and then Suspended read back through the SDK', async () => {
  const b = await newBucket(c.s3);
  assert.equal((await c.s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status, undefined);
  await c.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
  assert.equal((await c.s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status, 'Enabled');
  await c.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Suspended' } }));
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { versioning: '' } });
  assert.equal(r.status, 200);
  assert.equal(r.body, `<?xml version="1.0" encoding="UTF-8"?>\n${versioningXml('<Status>Suspended</Status>')}`);
});

test('a raw PutBucketVersioning answers 200 with no body; MfaDelete Disabled is accepted', async () => {
  const b = await newBucket(c.s3);
  const r = await putVersioning(b, versioningXml('<Status>Enabled</Status><MfaDelete>Disabled</MfaDelete>'));
  assert.equal(r.status, 200);
  assert.equal(r.body, '');
  assert.equal((await c.s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status, 'Enabled');
});

test('an empty body fails with 400 MissingRequestBodyError "Request body is empty."', async () => {
  const b = await newBucket(c.s3);
  const r = await putVersioning(b, '');
  assert.equal(r.status, 400);
  assert.equal(r.code, 'MissingRequestBodyError');
  assert.equal(r.message, 'Request body is empty.');
});

test('XML that is not well-formed, another root, or a Status other than Enabled or Suspended fails with 400 MalformedXML and changes nothing', async () => {
  const b = await newBucket(c.s3);
  for (const body of [
    '<VersioningConfiguration><Status>Enabled</Status>',
    '<Other><Status>Enabled</Status></Other>',
    versioningXml('<Status>On</Status>'),
    versioningXml('<MfaDelete>Maybe</MfaDelete>'),
  ]) {
    const r = await putVersioning(b, body);
    assert.equal(r.status, 400, body);
    assert.equal(r.code, 'MalformedXML', body);
    assert.equal(r.message, 'The XML you provided was not well-formed or did not validate against our published schema.');
  }
  assert.equal((await c.s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status, undefined);
});

test('MFA Delete is refused with 501 NotImplemented saying so, whether asked in the body or with x-amz-mfa', async () => {
  const b = await newBucket(c.s3);
  const inBody = await putVersioning(b, versioningXml('<Status>Enabled</Status><MfaDelete>Enabled</MfaDelete>'));
  assert.equal(inBody.status, 501);
  assert.equal(inBody.code, 'NotImplemented');
  assert.match(inBody.message ?? '', /MFA Delete is not supported/);
  const withHeader = await putVersioning(b, versioningXml('<Status>Enabled</Status>'), { 'x-amz-mfa': 'arn:aws:iam::1:mfa/root 123456' });
  assert.equal(withHeader.status, 501);
  assert.equal(withHeader.code, 'NotImplemented');
  assert.equal((await c.s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status, undefined);
});

test('suspending versioning on a bucket with Object Lock fails with 409 InvalidBucketState; Enabled again is fine', async () => {
  const b = bucketName();
  await c.s3.send(new CreateBucketCommand({ Bucket: b, ObjectLockEnabledForBucket: true }));
  const r = await putVersioning(b, versioningXml('<Status>Suspended</Status>'));
  assert.equal(r.status, 409);
  assert.equal(r.code, 'InvalidBucketState');
  assert.equal((await putVersioning(b, versioningXml('<Status>Enabled</Status>'))).status, 200);
  assert.equal((await c.s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status, 'Enabled');
});

test('PutBucketVersioning on a bucket that does not exist fails with 404 NoSuchBucket', async () => {
  const r = await putVersioning(bucketName(), versioningXml('<Status>Enabled</Status>'));
  assert.equal(r.status, 404);
  assert.equal(r.code, 'NoSuchBucket');
});

test('a Content-MD5 that does not match the body fails with 400 BadDigest', async () => {
  const b = await newBucket(c.s3);
  const md5 = createHash('md5').update('something else').digest('base64');
  const r = await putVersioning(b, versioningXml('<Status>Enabled</Status>'), { 'content-md5': md5 });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'BadDigest');
});
