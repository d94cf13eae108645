// Object Ownership: Put/Get/DeleteBucketOwnershipControls, x-amz-object-ownership on
// CreateBucket, and who owns what another user writes under each setting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketOwnershipControlsCommand,
  GetObjectAclCommand,
  PutBucketOwnershipControlsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { bucketName, newBucket, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import type { RawRequest } from './helpers/raw.js';
import { newUser, policyJson, rootId, withBody } from './helpers/access.js';
import type { TestUser } from './helpers/access.js';

const c = testCofferForFile();

const ownershipXml = (o: string): string =>
  `<OwnershipControls xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ObjectOwnership>${o}</ObjectOwnership></Rule></OwnershipControls>`;

/** A bucket of root's that lets `user` write objects (through a policy, as ACL writes may be off). */
async function sharedBucket(user: TestUser, ownership?: 'BucketOwnerEnforced' | 'BucketOwnerPreferred' | 'ObjectWriter'): Promise<string> {
  const b = bucketName();
  await c.s3.send(new CreateBucketCommand({ Bucket: b, ObjectOwnership: ownership }));
  const policy = policyJson({ Effect: 'Allow', Principal: { AWS: user.id }, Action: 's3:*', Resource: [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`] });
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { policy: '' }, ...withBody(policy, 'application/json') });
  assert.equal(r.status, 204, r.body);
  return b;
}

/** The object's owner, read by `user` (whom the bucket policy lets read any object's ACL). */
async function ownerOf(user: TestUser, b: string, key: string): Promise<string | undefined> {
  return (await user.s3.send(new GetObjectAclCommand({ Bucket: b, Key: key }))).Owner?.ID;
}

test('a new bucket has no ownership controls: 404 OwnershipControlsNotFoundError', async () => {
  const b = await newBucket(c.s3);
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { ownershipControls: '' } });
  assert.equal(r.status, 404);
  assert.equal(r.code, 'OwnershipControlsNotFoundError');
});

test('PutBucketOwnershipControls sets each setting, Get reads it back, Delete removes it', async () => {
  const b = await newBucket(c.s3);
  for (const o of ['BucketOwnerPreferred', 'ObjectWriter', 'BucketOwnerEnforced'] as const) {
    await c.s3.send(new PutBucketOwnershipControlsCommand({ Bucket: b, OwnershipControls: { Rules: [{ ObjectOwnership: o }] } }));
    const out = await c.s3.send(new GetBucketOwnershipControlsCommand({ Bucket: b }));
    assert.equal(out.OwnershipControls?.Rules?.[0]?.ObjectOwnership, o);
  }
  const del = await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}`, query: { ownershipControls: '' } });
  assert.equal(del.status, 204);
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { ownershipControls: '' } })).code, 'OwnershipControlsNotFoundError');
});

test('a malformed ownership document or an unknown setting is 400 MalformedXML', async () => {
  const b = await newBucket(c.s3);
  for (const body of [ownershipXml('Everyone'), '<OwnershipControls><Rule/></OwnershipControls>', '<OwnershipControls>']) {
    const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { ownershipControls: '' }, ...withBody(body) });
    assert.equal(r.status, 400, body);
    assert.equal(r.code, 'MalformedXML', body);
  }
});

test('CreateBucket with x-amz-object-ownership sets it; BucketOwnerEnforced with a public ACL is 400 InvalidBucketAclWithObjectOwnership', async () => {
  const b = bucketName();
  await c.s3.send(new CreateBucketCommand({ Bucket: b, ObjectOwnership: 'BucketOwnerPreferred' }));
  assert.equal((await c.s3.send(new GetBucketOwnershipControlsCommand({ Bucket: b }))).OwnershipControls?.Rules?.[0]?.ObjectOwnership, 'BucketOwnerPreferred');
  const bad = await rawRequest(c.endpoint, { method: 'PUT', path: `/${bucketName()}`, headers: { 'x-amz-object-ownership': 'BucketOwnerEnforced', 'x-amz-acl': 'public-read' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.code, 'InvalidBucketAclWithObjectOwnership');
  const unknown = await rawRequest(c.endpoint, { method: 'PUT', path: `/${bucketName()}`, headers: { 'x-amz-object-ownership': 'Nobody' } });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.code, 'InvalidArgument');
});

test('BucketOwnerEnforced is refused while the bucket ACL grants others, accepted once it is private again', async () => {
  const b = bucketName();
  await c.s3.send(new CreateBucketCommand({ Bucket: b, ACL: 'public-read' }));
  const refused = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { ownershipControls: '' }, ...withBody(ownershipXml('BucketOwnerEnforced')) });
  assert.equal(refused.status, 400);
  assert.equal(refused.code, 'InvalidBucketAclWithObjectOwnership');
  await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { acl: '' }, headers: { 'x-amz-acl': 'private' } });
  const ok = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { ownershipControls: '' }, ...withBody(ownershipXml('BucketOwnerEnforced')) });
  assert.equal(ok.status, 200, ok.body);
});

test('under BucketOwnerEnforced the bucket owner owns every write; any ACL but bucket-owner-full-control is 400 AccessControlListNotSupported', async () => {
  const alice = await newUser(c, 'alice');
  const b = await sharedBucket(alice, 'BucketOwnerEnforced');
  const id = await rootId(c);
  await alice.s3.send(new PutObjectCommand({ Bucket: b, Key: 'plain', Body: 'x' }));
  assert.equal(await ownerOf(alice, b, 'plain'), id);
  await alice.s3.send(new PutObjectCommand({ Bucket: b, Key: 'bofc', Body: 'x', ACL: 'bucket-owner-full-control' }));
  assert.equal(await ownerOf(alice, b, 'bofc'), id);
  const refusals: RawRequest[] = [
    { method: 'PUT', path: `/${b}/private`, body: 'x', headers: { 'x-amz-acl': 'private' } },
    { method: 'POST', path: `/${b}/mp`, query: { uploads: '' }, headers: { 'x-amz-acl': 'public-read' } },
    { method: 'PUT', path: `/${b}/copy`, headers: { 'x-amz-copy-source': `/${b}/plain`, 'x-amz-acl': 'private' } },
    { method: 'PUT', path: `/${b}`, query: { acl: '' }, headers: { 'x-amz-acl': 'private' } },
    { method: 'PUT', path: `/${b}/plain`, query: { acl: '' }, headers: { 'x-amz-acl': 'private' } },
  ];
  for (const r of refusals) {
    const res = await rawRequest(c.endpoint, { ...r, credentials: alice.credentials });
    assert.equal(res.status, 400, `${r.method} ${r.path}: ${res.body}`);
    assert.equal(res.code, 'AccessControlListNotSupported');
    assert.equal(res.message, 'The bucket does not allow ACLs');
  }
  assert.equal((await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/private` })).status, 404);
  // Reading ACLs still works, and shows the bucket owner's FULL_CONTROL.
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/plain`, query: { acl: '' } })).status, 200);
});

test('under BucketOwnerPreferred a write with bucket-owner-full-control is the bucket owner, any other the writer', async () => {
  const alice = await newUser(c, 'alice');
  const b = await sharedBucket(alice, 'BucketOwnerPreferred');
  const id = await rootId(c);
  await alice.s3.send(new PutObjectCommand({ Bucket: b, Key: 'plain', Body: 'x' }));
  assert.equal(await ownerOf(alice, b, 'plain'), alice.id);
  await alice.s3.send(new PutObjectCommand({ Bucket: b, Key: 'bofc', Body: 'x', ACL: 'bucket-owner-full-control' }));
  assert.equal(await ownerOf(alice, b, 'bofc'), id);
  await alice.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'copy', CopySource: `${b}/plain`, ACL: 'bucket-owner-full-control' }));
  assert.equal(await ownerOf(alice, b, 'copy'), id);
  const mp = await alice.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp', ACL: 'bucket-owner-full-control' }));
  const parts = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/mp`, query: { uploadId: mp.UploadId! } });
  assert.match(parts.body, new RegExp(`<Owner><ID>${id}</ID>`));
});

test('under ObjectWriter (and with no setting) the writer owns what they write, whatever the ACL', async () => {
  const alice = await newUser(c, 'alice');
  for (const ownership of ['ObjectWriter', undefined] as const) {
    const b = await sharedBucket(alice, ownership);
    await alice.s3.send(new PutObjectCommand({ Bucket: b, Key: 'bofc', Body: 'x', ACL: 'bucket-owner-full-control' }));
    assert.equal(await ownerOf(alice, b, 'bofc'), alice.id, String(ownership));
  }
});

test('another user may not read or change ownership controls', async () => {
  const b = await newBucket(c.s3);
  const alice = await newUser(c, 'alice');
  for (const method of ['GET', 'PUT', 'DELETE']) {
    const r = await rawRequest(c.endpoint, {
      method,
      path: `/${b}`,
      query: { ownershipControls: '' },
      credentials: alice.credentials,
      ...(method === 'PUT' ? withBody(ownershipXml('ObjectWriter')) : {}),
    });
    assert.equal(r.status, 403, method);
    assert.equal(r.code, 'AccessDenied');
  }
});
