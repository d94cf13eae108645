// Put/Get/DeletePublicAccessBlock and the four switches: BlockPublicAcls refuses public ACLs,
// IgnorePublicAcls disregards them, BlockPublicPolicy refuses public policies,
// RestrictPublicBuckets confines a public policy to the owner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GetPublicAccessBlockCommand, PutObjectCommand, PutPublicAccessBlockCommand } from '@aws-sdk/client-s3';
import { newBucket, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import type { RawRequest } from './helpers/raw.js';
import { ALL_USERS, aclXml, newUser, policyJson, rootId, withBody } from './helpers/access.js';

const c = testCofferForFile();

type Switches = { BlockPublicAcls?: boolean; IgnorePublicAcls?: boolean; BlockPublicPolicy?: boolean; RestrictPublicBuckets?: boolean };

async function block(b: string, s: Switches): Promise<void> {
  await c.s3.send(new PutPublicAccessBlockCommand({ Bucket: b, PublicAccessBlockConfiguration: s }));
}

test('a bucket without a public access block is 404 NoSuchPublicAccessBlockConfiguration; Put, Get and Delete work', async () => {
  const b = await newBucket(c.s3);
  const none = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { publicAccessBlock: '' } });
  assert.equal(none.status, 404);
  assert.equal(none.code, 'NoSuchPublicAccessBlockConfiguration');
  await block(b, { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: true });
  const out = await c.s3.send(new GetPublicAccessBlockCommand({ Bucket: b }));
  assert.deepEqual(out.PublicAccessBlockConfiguration, { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: true, RestrictPublicBuckets: false });
  assert.equal((await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}`, query: { publicAccessBlock: '' } })).status, 204);
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { publicAccessBlock: '' } })).code, 'NoSuchPublicAccessBlockConfiguration');
});

test('a malformed public access block document is 400 MalformedXML', async () => {
  const b = await newBucket(c.s3);
  for (const body of [
    '<PublicAccessBlockConfiguration><BlockPublicAcls>maybe</BlockPublicAcls></PublicAccessBlockConfiguration>',
    '<Other/>',
    '<PublicAccessBlockConfiguration>',
  ]) {
    const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { publicAccessBlock: '' }, ...withBody(body) });
    assert.equal(r.status, 400, body);
    assert.equal(r.code, 'MalformedXML', body);
  }
});

test('BlockPublicAcls refuses public canned ACLs, public grants and public ACL documents with 403 AccessDenied; private ones pass', async () => {
  const b = await newBucket(c.s3);
  const id = await rootId(c);
  await block(b, { BlockPublicAcls: true });
  const refusals: RawRequest[] = [
    { method: 'PUT', path: `/${b}/k`, body: 'x', headers: { 'x-amz-acl': 'public-read' } },
    { method: 'PUT', path: `/${b}/k`, body: 'x', headers: { 'x-amz-grant-read': `uri="${ALL_USERS}"` } },
    { method: 'POST', path: `/${b}/k`, query: { uploads: '' }, headers: { 'x-amz-acl': 'public-read-write' } },
    { method: 'PUT', path: `/${b}`, query: { acl: '' }, headers: { 'x-amz-acl': 'authenticated-read' } },
    { method: 'PUT', path: `/${b}`, query: { acl: '' }, ...withBody(aclXml(id, [[{ uri: ALL_USERS }, 'READ']])) },
  ];
  for (const r of refusals) {
    const res = await rawRequest(c.endpoint, r);
    assert.equal(res.status, 403, `${r.method} ${r.path} ${JSON.stringify(r.headers)}`);
    assert.equal(res.code, 'AccessDenied');
  }
  assert.equal((await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/k` })).status, 404);
  assert.equal((await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, body: 'x', headers: { 'x-amz-acl': 'private' } })).status, 200);
  const copy = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/copy`, headers: { 'x-amz-copy-source': `/${b}/k`, 'x-amz-acl': 'public-read' } });
  assert.equal(copy.status, 403);
  const objectAcl = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, query: { acl: '' }, headers: { 'x-amz-acl': 'public-read' } });
  assert.equal(objectAcl.status, 403);
});

test('IgnorePublicAcls makes existing public grants count for nothing, and lifting it restores them', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', ACL: 'public-read' }));
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, anonymous: true })).status, 200);
  await block(b, { IgnorePublicAcls: true });
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, anonymous: true })).status, 403);
  // The ACL itself is kept.
  assert.match((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, query: { acl: '' } })).body, /AllUsers/);
  await block(b, { IgnorePublicAcls: false });
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, anonymous: true })).status, 200);
});

test('BlockPublicPolicy refuses a public policy with 403 AccessDenied and takes a non-public one', async () => {
  const b = await newBucket(c.s3);
  const alice = await newUser(c, 'alice');
  await block(b, { BlockPublicPolicy: true });
  const statement = { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` };
  const pub = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { policy: '' }, ...withBody(policyJson(statement), 'application/json') });
  assert.equal(pub.status, 403);
  assert.equal(pub.code, 'AccessDenied');
  const narrowed = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: `/${b}`,
    query: { policy: '' },
    ...withBody(policyJson({ ...statement, Principal: { AWS: alice.id } }), 'application/json'),
  });
  assert.equal(narrowed.status, 204, narrowed.body);
});

test('RestrictPublicBuckets confines a public policy: anonymous and other users are refused, the owner is not', async () => {
  const b = await newBucket(c.s3);
  const alice = await newUser(c, 'alice');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  const policy = policyJson({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` });
  await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { policy: '' }, ...withBody(policy, 'application/json') });
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, anonymous: true })).status, 200);
  await block(b, { RestrictPublicBuckets: true });
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, anonymous: true })).status, 403);
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, credentials: alice.credentials })).status, 403);
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k` })).status, 200);
});

test('another user may not read or change the public access block', async () => {
  const b = await newBucket(c.s3);
  const alice = await newUser(c, 'alice');
  for (const method of ['GET', 'DELETE']) {
    const r = await rawRequest(c.endpoint, { method, path: `/${b}`, query: { publicAccessBlock: '' }, credentials: alice.credentials });
    assert.equal(r.status, 403, method);
    assert.equal(r.code, 'AccessDenied');
  }
});
