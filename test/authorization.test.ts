// Every route family is authorized once, before its handler: a user who does not own the bucket
// gets 403 AccessDenied and changes nothing, the owner gets the operation's own answer. Copies
// (CopyObject, UploadPartCopy) are also authorized on their source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, CreateMultipartUploadCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { bucketName, newBucket, readObject, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import type { RawRequest, RawResponse } from './helpers/raw.js';
import { contentMd5, taggingXml } from './helpers/tagging.js';
import { xmlOne } from './helpers/multipart.js';

const c = testCofferForFile();

interface Step extends RawRequest {
  /** What the owner gets for the same request. */
  ownerStatus: number;
}

async function otherUser(): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const u = await c.server.engine.createUser({ name: `other-${bucketName('u')}` });
  return { accessKeyId: u.accessKeyId, secretAccessKey: u.secretAccessKey };
}

function xmlBody(body: string): Pick<RawRequest, 'body' | 'headers'> {
  return { body, headers: { 'content-md5': contentMd5(body), 'content-type': 'application/xml' } };
}

function label(s: RawRequest): string {
  return `${s.method} ${s.path}${s.query ? '?' + Object.keys(s.query).join('&') : ''}`;
}

function assertDenied(r: RawResponse, what: string): void {
  assert.equal(r.status, 403, `${what}: ${r.body}`);
  if (!what.startsWith('HEAD')) {
    assert.equal(r.code, 'AccessDenied', what);
    assert.equal(r.message, 'Access Denied', what);
  }
}

/** Each step as another user (403 AccessDenied), then the same steps as the owner (their own status). */
async function deniedToOthersAllowedToOwner(steps: Step[]): Promise<void> {
  const credentials = await otherUser();
  for (const s of steps) assertDenied(await rawRequest(c.endpoint, { ...s, credentials }), label(s));
  for (const s of steps) {
    const r = await rawRequest(c.endpoint, s);
    assert.equal(r.status, s.ownerStatus, `owner ${label(s)}: ${r.body}`);
  }
}

test('bucket routes: another user gets 403 AccessDenied, the owner is served', async () => {
  const b = await newBucket(c.s3);
  const empty = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'kept' }));
  const del = '<Delete><Object><Key>k</Key></Object></Delete>';
  await deniedToOthersAllowedToOwner([
    { method: 'HEAD', path: `/${b}`, ownerStatus: 200 },
    { method: 'GET', path: `/${b}`, ownerStatus: 200 },
    { method: 'GET', path: `/${b}`, query: { 'list-type': '2' }, ownerStatus: 200 },
    { method: 'GET', path: `/${b}`, query: { location: '' }, ownerStatus: 200 },
    { method: 'GET', path: `/${b}`, query: { versioning: '' }, ownerStatus: 200 },
    { method: 'GET', path: `/${b}`, query: { uploads: '' }, ownerStatus: 200 },
    { method: 'POST', path: `/${b}`, query: { delete: '' }, ...xmlBody(del), ownerStatus: 200 },
    { method: 'DELETE', path: `/${empty}`, ownerStatus: 204 },
  ]);
  // The other user's DeleteObjects removed nothing; the owner's did.
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

test('object routes: another user gets 403 AccessDenied and changes nothing, the owner is served', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'original' }));
  const credentials = await otherUser();
  const put = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, body: 'overwritten', credentials });
  assertDenied(put, 'PUT');
  assert.equal((await readObject(c.s3, b, 'k'))?.toString(), 'original');
  await deniedToOthersAllowedToOwner([
    { method: 'GET', path: `/${b}/k`, ownerStatus: 200 },
    { method: 'HEAD', path: `/${b}/k`, ownerStatus: 200 },
    { method: 'GET', path: `/${b}/k`, query: { versionId: 'null' }, ownerStatus: 200 },
    { method: 'GET', path: `/${b}/k`, query: { attributes: '' }, headers: { 'x-amz-object-attributes': 'ETag' }, ownerStatus: 200 },
    { method: 'PUT', path: `/${b}/k2`, body: 'new', ownerStatus: 200 },
    { method: 'DELETE', path: `/${b}/k`, ownerStatus: 204 },
  ]);
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
  assert.equal((await readObject(c.s3, b, 'k2'))?.toString(), 'new');
});

test('versioning and Object Lock routes: another user gets 403 AccessDenied and changes nothing, the owner is served', async () => {
  const b = bucketName();
  await c.s3.send(new CreateBucketCommand({ Bucket: b, ObjectLockEnabledForBucket: true }));
  const v = (await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }))).VersionId!;
  const lockConf = '<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>';
  const retention = '<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>2099-01-01T00:00:00Z</RetainUntilDate></Retention>';
  await deniedToOthersAllowedToOwner([
    { method: 'PUT', path: `/${b}`, query: { versioning: '' }, ...xmlBody('<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>'), ownerStatus: 200 },
    { method: 'PUT', path: `/${b}`, query: { 'object-lock': '' }, ...xmlBody(lockConf), ownerStatus: 200 },
    { method: 'GET', path: `/${b}`, query: { 'object-lock': '' }, ownerStatus: 200 },
    { method: 'PUT', path: `/${b}/k`, query: { retention: '' }, ...xmlBody(retention), ownerStatus: 200 },
    { method: 'GET', path: `/${b}/k`, query: { retention: '' }, ownerStatus: 200 },
    { method: 'PUT', path: `/${b}/k`, query: { 'legal-hold': '' }, ...xmlBody('<LegalHold><Status>OFF</Status></LegalHold>'), ownerStatus: 200 },
    { method: 'GET', path: `/${b}/k`, query: { 'legal-hold': '', versionId: v }, ownerStatus: 200 },
  ]);
  // Another user's bypass header changes nothing: the request itself is refused.
  const credentials = await otherUser();
  const bypass = await rawRequest(c.endpoint, {
    method: 'DELETE',
    path: `/${b}/k`,
    query: { versionId: v },
    headers: { 'x-amz-bypass-governance-retention': 'true' },
    credentials,
  });
  assertDenied(bypass, 'DELETE with bypass');
  assert.equal((await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/k`, query: { versionId: v } })).status, 200);
});

test('multipart routes: another user gets 403 AccessDenied, the owner uploads and completes', async () => {
  const b = await newBucket(c.s3);
  const { UploadId } = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp' }));
  const aborted = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'gone' }));
  const credentials = await otherUser();
  const part = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/mp`, query: { partNumber: '1', uploadId: UploadId! }, body: 'part', credentials });
  assertDenied(part, 'UploadPart');
  const owned = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/mp`, query: { partNumber: '1', uploadId: UploadId! }, body: 'part' });
  assert.equal(owned.status, 200, owned.body);
  const complete = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${owned.headers.etag as string}</ETag></Part></CompleteMultipartUpload>`;
  await deniedToOthersAllowedToOwner([
    { method: 'POST', path: `/${b}/new`, query: { uploads: '' }, ownerStatus: 200 },
    { method: 'GET', path: `/${b}/mp`, query: { uploadId: UploadId! }, ownerStatus: 200 },
    { method: 'DELETE', path: `/${b}/gone`, query: { uploadId: aborted.UploadId! }, ownerStatus: 204 },
    { method: 'POST', path: `/${b}/mp`, query: { uploadId: UploadId! }, body: complete, ownerStatus: 200 },
  ]);
  assert.equal((await readObject(c.s3, b, 'mp'))?.toString(), 'part');
});

test('tagging routes of objects and buckets: another user gets 403 AccessDenied, the owner is served', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  const tags = taggingXml([['a', '1']]);
  await deniedToOthersAllowedToOwner([
    { method: 'PUT', path: `/${b}/k`, query: { tagging: '' }, ...xmlBody(tags), ownerStatus: 200 },
    { method: 'GET', path: `/${b}/k`, query: { tagging: '' }, ownerStatus: 200 },
    { method: 'GET', path: `/${b}/k`, query: { tagging: '', versionId: 'null' }, ownerStatus: 200 },
    { method: 'DELETE', path: `/${b}/k`, query: { tagging: '' }, ownerStatus: 204 },
    { method: 'PUT', path: `/${b}`, query: { tagging: '' }, ...xmlBody(tags), ownerStatus: 204 },
    { method: 'GET', path: `/${b}`, query: { tagging: '' }, ownerStatus: 200 },
    { method: 'DELETE', path: `/${b}`, query: { tagging: '' }, ownerStatus: 204 },
  ]);
});

test('ListObjectVersions and version reads: another user gets 403 AccessDenied, the owner lists', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'v1' }));
  // An unversioned bucket's objects are the version "null".
  await deniedToOthersAllowedToOwner([
    { method: 'GET', path: `/${b}`, query: { versions: '' }, ownerStatus: 200 },
    { method: 'HEAD', path: `/${b}/k`, query: { versionId: 'null' }, ownerStatus: 200 },
    { method: 'DELETE', path: `/${b}/k`, query: { versionId: 'null' }, ownerStatus: 204 },
  ]);
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

test("CopyObject from another user's bucket into one's own is 403 AccessDenied and writes nothing; from one's own it copies", async () => {
  const theirs = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: theirs, Key: 'secret', Body: 'secret bytes' }));
  const credentials = await otherUser();
  const s3 = c.client(credentials.accessKeyId, credentials.secretAccessKey);
  const mine = await newBucket(s3);
  for (const source of [`/${theirs}/secret`, `${theirs}/secret?versionId=null`]) {
    assertDenied(await rawRequest(c.endpoint, { method: 'PUT', path: `/${mine}/stolen`, headers: { 'x-amz-copy-source': source }, credentials }), source);
  }
  assert.equal(await readObject(s3, mine, 'stolen'), undefined);
  // A missing source bucket is NoSuchBucket, as before any access question.
  const missing = await rawRequest(c.endpoint, { method: 'PUT', path: `/${mine}/x`, headers: { 'x-amz-copy-source': `/${bucketName('none')}/k` }, credentials });
  assert.equal(missing.status, 404);
  assert.equal(missing.code, 'NoSuchBucket');
  await s3.send(new PutObjectCommand({ Bucket: mine, Key: 'own', Body: 'own bytes' }));
  const copied = await rawRequest(c.endpoint, { method: 'PUT', path: `/${mine}/copy`, headers: { 'x-amz-copy-source': `/${mine}/own` }, credentials });
  assert.equal(copied.status, 200, copied.body);
  assert.equal((await readObject(s3, mine, 'copy'))?.toString(), 'own bytes');
});

test("UploadPartCopy from another user's bucket is 403 AccessDenied; from one's own it copies the part", async () => {
  const theirs = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: theirs, Key: 'secret', Body: 'secret bytes' }));
  const credentials = await otherUser();
  const s3 = c.client(credentials.accessKeyId, credentials.secretAccessKey);
  const mine = await newBucket(s3);
  await s3.send(new PutObjectCommand({ Bucket: mine, Key: 'own', Body: 'own bytes' }));
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: mine, Key: 'mp' }));
  const query = { partNumber: '1', uploadId: UploadId! };
  for (const source of [`/${theirs}/secret`, `/${theirs}/secret?versionId=null`]) {
    const r = await rawRequest(c.endpoint, {
      method: 'PUT',
      path: `/${mine}/mp`,
      query,
      headers: { 'x-amz-copy-source': source, 'x-amz-copy-source-range': 'bytes=0-3' },
      credentials,
    });
    assertDenied(r, source);
  }
  const parts = await rawRequest(c.endpoint, { method: 'GET', path: `/${mine}/mp`, query: { uploadId: UploadId! }, credentials });
  assert.equal(xmlOne(parts.body, 'PartNumber'), undefined, 'no part was stored');
  const own = await rawRequest(c.endpoint, { method: 'PUT', path: `/${mine}/mp`, query, headers: { 'x-amz-copy-source': `/${mine}/own` }, credentials });
  assert.equal(own.status, 200, own.body);
  assert.ok(xmlOne(own.body, 'ETag'));
});

test('an expected bucket owner other than the owner is 403 AccessDenied, for the bucket and for a copy source', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  const rootId = (await c.server.engine.lookupAccessKey(c.accessKeyId))!.user.id;
  assertDenied(await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, headers: { 'x-amz-expected-bucket-owner': 'someone-else' } }), 'GET');
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, headers: { 'x-amz-expected-bucket-owner': rootId } })).status, 200);
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html#API_CopyObject_RequestSyntax
  const copy = (owner: string): Promise<RawResponse> =>
    rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/copy`, headers: { 'x-amz-copy-source': `/${b}/k`, 'x-amz-source-expected-bucket-owner': owner } });
  assertDenied(await copy('someone-else'), 'PUT copy');
  assert.equal((await copy(rootId)).status, 200);
});

test('an anonymous request is 403 AccessDenied on an existing bucket and 404 NoSuchBucket on a missing one', async () => {
  const b = await newBucket(c.s3);
  assertDenied(await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, anonymous: true }), 'GET');
  assertDenied(await rawRequest(c.endpoint, { method: 'GET', path: '/', anonymous: true }), 'GET /');
  assertDenied(await rawRequest(c.endpoint, { method: 'PUT', path: `/${bucketName()}`, anonymous: true }), 'PUT bucket');
  const missing = await rawRequest(c.endpoint, { method: 'GET', path: `/${bucketName('none')}/k`, anonymous: true });
  assert.equal(missing.status, 404);
  assert.equal(missing.code, 'NoSuchBucket');
});

test('access-control routes (ACL, policy, ownership controls, public access block): another user gets 403 AccessDenied, the owner is served', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: { AWS: 'nobody' }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` }] });
  const ownership = '<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>';
  const pab = '<PublicAccessBlockConfiguration><BlockPublicAcls>false</BlockPublicAcls></PublicAccessBlockConfiguration>';
  await deniedToOthersAllowedToOwner([
    { method: 'GET', path: `/${b}`, query: { acl: '' }, ownerStatus: 200 },
    { method: 'PUT', path: `/${b}`, query: { acl: '' }, headers: { 'x-amz-acl': 'private' }, ownerStatus: 200 },
    { method: 'GET', path: `/${b}/k`, query: { acl: '' }, ownerStatus: 200 },
    { method: 'GET', path: `/${b}/k`, query: { acl: '', versionId: 'null' }, ownerStatus: 200 },
    { method: 'PUT', path: `/${b}/k`, query: { acl: '' }, headers: { 'x-amz-acl': 'private' }, ownerStatus: 200 },
    { method: 'PUT', path: `/${b}`, query: { policy: '' }, ...xmlBody(policy), ownerStatus: 204 },
    { method: 'GET', path: `/${b}`, query: { policy: '' }, ownerStatus: 200 },
    { method: 'GET', path: `/${b}`, query: { policyStatus: '' }, ownerStatus: 200 },
    { method: 'DELETE', path: `/${b}`, query: { policy: '' }, ownerStatus: 204 },
    { method: 'PUT', path: `/${b}`, query: { ownershipControls: '' }, ...xmlBody(ownership), ownerStatus: 200 },
    { method: 'GET', path: `/${b}`, query: { ownershipControls: '' }, ownerStatus: 200 },
    { method: 'DELETE', path: `/${b}`, query: { ownershipControls: '' }, ownerStatus: 204 },
    { method: 'PUT', path: `/${b}`, query: { publicAccessBlock: '' }, ...xmlBody(pab), ownerStatus: 200 },
    { method: 'GET', path: `/${b}`, query: { publicAccessBlock: '' }, ownerStatus: 200 },
    { method: 'DELETE', path: `/${b}`, query: { publicAccessBlock: '' }, ownerStatus: 204 },
  ]);
});

test('anonymous requests to the access-control routes of a private bucket are 403 AccessDenied', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  for (const query of ['acl', 'policy', 'policyStatus', 'ownershipControls', 'publicAccessBlock']) {
    assertDenied(await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { [query]: '' }, anonymous: true }), `GET ?${query}`);
  }
  assertDenied(await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, query: { acl: '' }, anonymous: true }), 'GET object ?acl');
  assertDenied(await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, query: { acl: '' }, headers: { 'x-amz-acl': 'public-read' }, anonymous: true }), 'PUT object ?acl');
});
