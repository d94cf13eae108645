// Object ACLs: canned ACLs and grants on PutObject, CopyObject and CreateMultipartUpload,
// GetObjectAcl and PutObjectAcl (of one version with versionId), and what they let another user
// or an anonymous request do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectAclCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { newBucket, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import { ALL_USERS, AUTHENTICATED_USERS, aclXml, grantsOf, newUser, rootId, withBody } from './helpers/access.js';

const c = testCofferForFile();

async function anonymousGet(path: string): Promise<number> {
  return (await rawRequest(c.endpoint, { method: 'GET', path, anonymous: true })).status;
}

test('PutObject with x-amz-acl public-read is readable anonymously (GET and HEAD); without it, 403 AccessDenied', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'open', Body: 'hello', ACL: 'public-read' }));
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'closed', Body: 'secret' }));
  const open = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/open`, anonymous: true });
  assert.equal(open.status, 200);
  assert.equal(open.body, 'hello');
  assert.equal((await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/open`, anonymous: true })).status, 200);
  const closed = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/closed`, anonymous: true });
  assert.equal(closed.status, 403);
  assert.equal(closed.code, 'AccessDenied');
  assert.equal((await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/closed`, anonymous: true })).status, 403);
});

test('a key the caller may not list is 403, not 404; with a public-read bucket it is 404 NoSuchKey', async () => {
  const b = await newBucket(c.s3);
  assert.equal(await anonymousGet(`/${b}/missing`), 403);
  await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { acl: '' }, headers: { 'x-amz-acl': 'public-read' } });
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/missing`, anonymous: true });
  assert.equal(r.status, 404);
  assert.equal(r.code, 'NoSuchKey');
});

test('GetObjectAcl of a new object shows its owner with FULL_CONTROL; PutObjectAcl replaces it', async () => {
  const b = await newBucket(c.s3);
  const id = await rootId(c);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  const out = await c.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'k' }));
  assert.equal(out.Owner?.ID, id);
  assert.equal(out.Owner?.DisplayName, 'root');
  assert.deepEqual(grantsOf(out), [`${id} FULL_CONTROL`]);
  await c.s3.send(new PutObjectAclCommand({ Bucket: b, Key: 'k', ACL: 'authenticated-read' }));
  assert.deepEqual(grantsOf(await c.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'k' }))), [`${AUTHENTICATED_USERS} READ`, `${id} FULL_CONTROL`].sort());
  const alice = await newUser(c, 'alice');
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, credentials: alice.credentials })).status, 200);
  assert.equal(await anonymousGet(`/${b}/k`), 403);
});

test('PutObjectAcl with a document grants one user READ; that user reads, another does not', async () => {
  const b = await newBucket(c.s3);
  const id = await rootId(c);
  const alice = await newUser(c, 'alice');
  const bob = await newUser(c, 'bob');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'for alice' }));
  const r = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: `/${b}/k`,
    query: { acl: '' },
    ...withBody(
      aclXml(id, [
        [{ id }, 'FULL_CONTROL'],
        [{ id: alice.id }, 'READ'],
      ]),
    ),
  });
  assert.equal(r.status, 200, r.body);
  const read = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, credentials: alice.credentials });
  assert.equal(read.body, 'for alice');
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, credentials: bob.credentials })).status, 403);
  // READ is not READ_ACP: alice may not read the ACL.
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, query: { acl: '' }, credentials: alice.credentials })).status, 403);
});

test('PutObjectAcl on a missing key is 404 NoSuchKey to the owner; a header and a body together are 400 UnexpectedContent', async () => {
  const b = await newBucket(c.s3);
  const missing = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/nope`, query: { acl: '' }, headers: { 'x-amz-acl': 'private' } });
  assert.equal(missing.status, 404);
  assert.equal(missing.code, 'NoSuchKey');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  const id = await rootId(c);
  const both = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, query: { acl: '' }, body: aclXml(id, []), headers: { 'x-amz-acl': 'private' } });
  assert.equal(both.status, 400);
  assert.equal(both.code, 'UnexpectedContent');
  const malformed = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, query: { acl: '' }, ...withBody('<AccessControlPolicy>') });
  assert.equal(malformed.code, 'MalformedACLError');
});

test('GetObjectAcl and PutObjectAcl with versionId address one version of a versioned bucket', async () => {
  const b = await newBucket(c.s3);
  const id = await rootId(c);
  // Versioning is switched on in the store: PutBucketVersioning is another part of Coffer.
  await c.server.engine.deps.meta.transaction((tx) => tx.setBucketVersioning(b, 'Enabled'));
  c.server.engine.deps.cache.buckets.delete(b);
  const v1 = (await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'one' }))).VersionId!;
  const v2 = (await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'two' }))).VersionId!;
  const put = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, query: { acl: '', versionId: v1 }, headers: { 'x-amz-acl': 'public-read' } });
  assert.equal(put.status, 200, put.body);
  assert.equal(put.headers['x-amz-version-id'], v1);
  const acl1 = await c.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'k', VersionId: v1 }));
  assert.deepEqual(grantsOf(acl1), [`${ALL_USERS} READ`, `${id} FULL_CONTROL`].sort());
  assert.deepEqual(grantsOf(await c.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'k', VersionId: v2 }))), [`${id} FULL_CONTROL`]);
  // Anonymous may read version 1, not the latest.
  const r1 = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, query: { versionId: v1 }, anonymous: true });
  assert.equal(r1.status, 200);
  assert.equal(r1.body, 'one');
  assert.equal(await anonymousGet(`/${b}/k`), 403);
  const gone = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, query: { acl: '', versionId: `${v2.slice(0, -1)}${v2.endsWith('A') ? 'B' : 'A'}` } });
  assert.equal(gone.status, 404);
  assert.equal(gone.code, 'NoSuchVersion');
});

test('CopyObject gives the copy the ACL of its own request, never the source ACL', async () => {
  const b = await newBucket(c.s3);
  const id = await rootId(c);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: 'x', ACL: 'public-read' }));
  await c.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'plain', CopySource: `${b}/src` }));
  assert.deepEqual(grantsOf(await c.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'plain' }))), [`${id} FULL_CONTROL`]);
  await c.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'auth', CopySource: `${b}/src`, ACL: 'authenticated-read' }));
  assert.deepEqual(grantsOf(await c.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'auth' }))), [`${AUTHENTICATED_USERS} READ`, `${id} FULL_CONTROL`].sort());
});

test('CreateMultipartUpload with public-read gives the completed object that ACL', async () => {
  const b = await newBucket(c.s3);
  const { UploadId } = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp', ACL: 'public-read' }));
  const part = await c.s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId, PartNumber: 1, Body: 'part one' }));
  await c.s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: 'mp', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/mp`, anonymous: true });
  assert.equal(r.status, 200);
  assert.equal(r.body, 'part one');
});

test('another user with WRITE on the bucket owns what they write; bucket-owner-full-control grants the bucket owner', async () => {
  const b = await newBucket(c.s3);
  const id = await rootId(c);
  const alice = await newUser(c, 'alice');
  await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { acl: '' }, headers: { 'x-amz-grant-write': `id="${alice.id}"` } });
  await alice.s3.send(new PutObjectCommand({ Bucket: b, Key: 'hers', Body: 'x' }));
  const hers = await alice.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'hers' }));
  assert.equal(hers.Owner?.ID, alice.id);
  assert.deepEqual(grantsOf(hers), [`${alice.id} FULL_CONTROL`]);
  await alice.s3.send(new PutObjectCommand({ Bucket: b, Key: 'shared', Body: 'x', ACL: 'bucket-owner-full-control' }));
  assert.deepEqual(grantsOf(await alice.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'shared' }))), [`${alice.id} FULL_CONTROL`, `${id} FULL_CONTROL`].sort());
  // She may not read the bucket's listing with WRITE alone.
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, credentials: alice.credentials })).status, 403);
});

test('a public-read-write bucket takes anonymous PUT, multipart and DELETE; the objects are the bucket owner', async () => {
  const b = await newBucket(c.s3);
  const id = await rootId(c);
  assert.equal((await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/anon`, body: 'x', anonymous: true })).status, 403);
  await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { acl: '' }, headers: { 'x-amz-acl': 'public-read-write' } });
  const put = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/anon`, body: 'from nobody', anonymous: true });
  assert.equal(put.status, 200, put.body);
  assert.equal((await c.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'anon' }))).Owner?.ID, id);
  const created = await rawRequest(c.endpoint, { method: 'POST', path: `/${b}/mp`, query: { uploads: '' }, anonymous: true });
  assert.equal(created.status, 200, created.body);
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.body)![1]!;
  const part = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/mp`, query: { partNumber: '1', uploadId }, body: 'p1', anonymous: true });
  assert.equal(part.status, 200, part.body);
  const complete = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.headers.etag as string}</ETag></Part></CompleteMultipartUpload>`;
  const done = await rawRequest(c.endpoint, { method: 'POST', path: `/${b}/mp`, query: { uploadId }, body: complete, anonymous: true });
  assert.equal(done.status, 200, done.body);
  const list = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { 'list-type': '2' }, anonymous: true });
  assert.equal(list.status, 200);
  assert.match(list.body, /<Key>anon<\/Key>/);
  assert.match(list.body, /<Key>mp<\/Key>/);
  assert.equal((await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}/anon`, anonymous: true })).status, 204);
  // Reading still needs an object grant: the bucket's READ lists, it does not read objects.
  assert.equal(await anonymousGet(`/${b}/mp`), 403);
});

test('PutObject with grant headers: an email grant resolves; an unknown email is 400 UnresolvableGrantByEmailAddress and stores nothing', async () => {
  const b = await newBucket(c.s3);
  const alice = await newUser(c, 'alice');
  const ok = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, body: 'x', headers: { 'x-amz-grant-read': `emailAddress="${alice.email}"` } });
  assert.equal(ok.status, 200, ok.body);
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, credentials: alice.credentials })).status, 200);
  const bad = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k2`, body: 'x', headers: { 'x-amz-grant-read': 'emailAddress="nobody@nowhere.invalid"' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.code, 'UnresolvableGrantByEmailAddress');
  assert.equal((await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/k2` })).status, 404);
});

test("the bucket owner may not read another user's object without a grant, may with bucket-owner-read, and may always delete it", async () => {
  const b = await newBucket(c.s3);
  const alice = await newUser(c, 'alice');
  await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { acl: '' }, headers: { 'x-amz-grant-write': `id="${alice.id}"` } });
  await alice.s3.send(new PutObjectCommand({ Bucket: b, Key: 'hers', Body: 'x' }));
  await alice.s3.send(new PutObjectCommand({ Bucket: b, Key: 'shown', Body: 'shown', ACL: 'bucket-owner-read' }));
  const denied = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/hers` });
  assert.equal(denied.status, 403);
  assert.equal(denied.code, 'AccessDenied');
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/hers`, query: { acl: '' } })).status, 403);
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/shown` })).body, 'shown');
  assert.equal((await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}/hers` })).status, 204);
  // The owner's own objects in that bucket stay theirs.
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'mine', Body: 'mine' }));
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/mine` })).body, 'mine');
});
