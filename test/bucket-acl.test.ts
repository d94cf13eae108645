// GetBucketAcl and PutBucketAcl, and the ACL of CreateBucket: canned ACLs, x-amz-grant-* headers
// and AccessControlPolicy documents with grantees by id, email and group, and every refusal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetBucketAclCommand, ListObjectsV2Command, PutBucketAclCommand } from '@aws-sdk/client-s3';
import { bucketName, newBucket, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import { ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY, aclXml, grantsOf, newUser, rootId, withBody } from './helpers/access.js';

const c = testCofferForFile();

test('a new bucket answers GetBucketAcl with its owner and the owner FULL_CONTROL, grantee typed CanonicalUser', async () => {
  const b = await newBucket(c.s3);
  const id = await rootId(c);
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { acl: '' } });
  assert.equal(r.status, 200, r.body);
  assert.match(r.body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<AccessControlPolicy xmlns="http:\/\/s3.amazonaws.com\/doc\/2006-03-01\/">/);
  assert.match(r.body, new RegExp(`<Owner><ID>${id}</ID><DisplayName>root</DisplayName></Owner>`));
  assert.match(
    r.body,
    new RegExp(
      `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${id}</ID><DisplayName>root</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant>`,
    ),
  );
  const out = await c.s3.send(new GetBucketAclCommand({ Bucket: b }));
  assert.deepEqual(grantsOf(out), [`${id} FULL_CONTROL`]);
});

test('every canned ACL on PutBucketAcl sets the grants S3 defines for it', async () => {
  const b = await newBucket(c.s3);
  const id = await rootId(c);
  const cases: Array<[string, string[]]> = [
    ['public-read', [`${ALL_USERS} READ`, `${id} FULL_CONTROL`]],
    ['public-read-write', [`${ALL_USERS} READ`, `${ALL_USERS} WRITE`, `${id} FULL_CONTROL`]],
    ['authenticated-read', [`${AUTHENTICATED_USERS} READ`, `${id} FULL_CONTROL`]],
    ['log-delivery-write', [`${LOG_DELIVERY} READ_ACP`, `${LOG_DELIVERY} WRITE`, `${id} FULL_CONTROL`]],
    ['bucket-owner-full-control', [`${id} FULL_CONTROL`]],
    ['private', [`${id} FULL_CONTROL`]],
  ];
  for (const [acl, grants] of cases) {
    await c.s3.send(new PutBucketAclCommand({ Bucket: b, ACL: acl as 'private' }));
    assert.deepEqual(grantsOf(await c.s3.send(new GetBucketAclCommand({ Bucket: b }))), [...grants].sort(), acl);
  }
});

test('CreateBucket with x-amz-acl public-read creates the bucket with that ACL', async () => {
  const b = bucketName();
  await c.s3.send(new CreateBucketCommand({ Bucket: b, ACL: 'public-read' }));
  const id = await rootId(c);
  assert.deepEqual(grantsOf(await c.s3.send(new GetBucketAclCommand({ Bucket: b }))), [`${ALL_USERS} READ`, `${id} FULL_CONTROL`].sort());
});

test('x-amz-grant-* headers grant by id, email address and group URI; an email resolves to its canonical id', async () => {
  const b = await newBucket(c.s3);
  const alice = await newUser(c, 'alice');
  const r = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: `/${b}`,
    query: { acl: '' },
    headers: { 'x-amz-grant-read': `id="${alice.id}", uri="${AUTHENTICATED_USERS}"`, 'x-amz-grant-write-acp': `emailAddress="${alice.email}"` },
  });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(grantsOf(await c.s3.send(new GetBucketAclCommand({ Bucket: b }))), [`${AUTHENTICATED_USERS} READ`, `${alice.id} READ`, `${alice.id} WRITE_ACP`].sort());
  // The grant works: alice may now list the bucket.
  await alice.s3.send(new ListObjectsV2Command({ Bucket: b }));
});

test('an AccessControlPolicy document sets the bucket ACL; alice then lists with READ', async () => {
  const b = await newBucket(c.s3);
  const id = await rootId(c);
  const alice = await newUser(c, 'alice');
  const doc = aclXml(id, [
    [{ id }, 'FULL_CONTROL'],
    [{ email: alice.email }, 'READ'],
  ]);
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { acl: '' }, ...withBody(doc) });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(grantsOf(await c.s3.send(new GetBucketAclCommand({ Bucket: b }))), [`${alice.id} READ`, `${id} FULL_CONTROL`].sort());
  const listed = await alice.s3.send(new ListObjectsV2Command({ Bucket: b }));
  assert.equal(listed.KeyCount, 0);
});

test('a grant to an email address no user has is 400 UnresolvableGrantByEmailAddress', async () => {
  const b = await newBucket(c.s3);
  const id = await rootId(c);
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { acl: '' }, ...withBody(aclXml(id, [[{ email: 'nobody@nowhere.invalid' }, 'READ']])) });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'UnresolvableGrantByEmailAddress');
  assert.equal(r.message, 'The email address you provided does not match any account on record.');
  const h = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { acl: '' }, headers: { 'x-amz-grant-read': 'emailAddress="nobody@nowhere.invalid"' } });
  assert.equal(h.code, 'UnresolvableGrantByEmailAddress');
});

test('a grant to a canonical id no user has is 400 InvalidArgument; to an unknown group URI too', async () => {
  const b = await newBucket(c.s3);
  const id = await rootId(c);
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { acl: '' }, ...withBody(aclXml(id, [[{ id: 'f'.repeat(64) }, 'READ']])) });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidArgument');
  const g = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: `/${b}`,
    query: { acl: '' },
    ...withBody(aclXml(id, [[{ uri: 'http://acs.amazonaws.com/groups/global/Nobody' }, 'READ']])),
  });
  assert.equal(g.status, 400);
  assert.equal(g.code, 'InvalidArgument');
});

test('a malformed or off-schema ACL document is 400 MalformedACLError with the seed message', async () => {
  const b = await newBucket(c.s3);
  const id = await rootId(c);
  const bodies = [
    '<AccessControlPolicy><AccessControlList><Grant>',
    '<NotAnAcl/>',
    aclXml(id, [[{ id }, 'EVERYTHING']]),
    `<AccessControlPolicy><AccessControlList><Grant><Grantee><Nobody>x</Nobody></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`,
    `<AccessControlPolicy><Owner><ID>${id}</ID></Owner></AccessControlPolicy>`,
  ];
  for (const body of bodies) {
    const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { acl: '' }, ...withBody(body) });
    assert.equal(r.status, 400, body);
    assert.equal(r.code, 'MalformedACLError', body);
    assert.equal(r.message, 'The XML you provided was not well-formed or did not validate against our published schema.');
  }
});

test('a canned ACL header together with an ACL document is 400 UnexpectedContent', async () => {
  const b = await newBucket(c.s3);
  const id = await rootId(c);
  const body = aclXml(id, [[{ id }, 'FULL_CONTROL']]);
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { acl: '' }, body, headers: { 'x-amz-acl': 'public-read' } });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'UnexpectedContent');
  assert.equal(r.message, 'This request does not support content.');
  assert.deepEqual(grantsOf(await c.s3.send(new GetBucketAclCommand({ Bucket: b }))), [`${id} FULL_CONTROL`]);
});

test('a canned ACL with grant headers is 400 InvalidRequest; an unknown canned ACL is 400 InvalidArgument', async () => {
  const b = await newBucket(c.s3);
  const both = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { acl: '' }, headers: { 'x-amz-acl': 'private', 'x-amz-grant-read': `uri="${ALL_USERS}"` } });
  assert.equal(both.status, 400);
  assert.equal(both.code, 'InvalidRequest');
  const unknown = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { acl: '' }, headers: { 'x-amz-acl': 'world-writable' } });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.code, 'InvalidArgument');
});

test('an ACL document naming an owner other than the bucket owner is 403 AccessDenied', async () => {
  const b = await newBucket(c.s3);
  const alice = await newUser(c, 'alice');
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { acl: '' }, ...withBody(aclXml(alice.id, [[{ id: alice.id }, 'FULL_CONTROL']])) });
  assert.equal(r.status, 403);
  assert.equal(r.code, 'AccessDenied');
});

test('PutBucketAcl without a header or a body is 400 MissingSecurityHeader', async () => {
  const b = await newBucket(c.s3);
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { acl: '' } });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'MissingSecurityHeader');
});

test('another user may read or write the bucket ACL only with READ_ACP or WRITE_ACP', async () => {
  const b = await newBucket(c.s3);
  const alice = await newUser(c, 'alice');
  const denied = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { acl: '' }, credentials: alice.credentials });
  assert.equal(denied.status, 403);
  assert.equal(denied.code, 'AccessDenied');
  await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { acl: '' }, headers: { 'x-amz-grant-read-acp': `id="${alice.id}"` } });
  const read = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { acl: '' }, credentials: alice.credentials });
  assert.equal(read.status, 200, read.body);
  const write = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { acl: '' }, headers: { 'x-amz-acl': 'public-read' }, credentials: alice.credentials });
  assert.equal(write.status, 403);
  assert.equal(write.code, 'AccessDenied');
});
