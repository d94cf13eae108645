import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACTIONS, ANONYMOUS, decide, needsBucketOwner, resourceArn } from './authorize.js';
import type { AccessRequest, Principal, Resource } from './authorize.js';

const OWNER: Principal = { type: 'user', userId: 'u-owner', admin: false };
const OTHER: Principal = { type: 'user', userId: 'u-other', admin: false };
const ADMIN: Principal = { type: 'user', userId: 'u-admin', admin: true };

const FACTS = { sourceIp: '127.0.0.1', secureTransport: false, headers: {}, query: new URLSearchParams(), authType: 'header' as const };

const BUCKET: Resource = { arn: 'arn:aws:s3:::b', bucket: 'b', bucketOwnerId: 'u-owner' };
const OBJECT: Resource = { arn: 'arn:aws:s3:::b/k', bucket: 'b', key: 'k', bucketOwnerId: 'u-owner' };
const MISSING: Resource = { arn: 'arn:aws:s3:::gone', bucket: 'gone', bucketOwnerId: null };

/** 'allow', or the refusal as "status Code". */
function answer(r: Partial<AccessRequest> & Pick<AccessRequest, 'action' | 'principal'>): string {
  const d = decide({ resource: OBJECT, facts: FACTS, ...r });
  return d.allowed ? 'allow' : `${d.error.status} ${d.error.code}`;
}

const BUCKET_ACTIONS = Object.keys(ACTIONS).filter((a) => ACTIONS[a]!.on.includes('bucket') && ACTIONS[a]!.creates !== true);
const OBJECT_ACTIONS = Object.keys(ACTIONS).filter((a) => ACTIONS[a]!.on.includes('object'));

test('the bucket owner may perform every bucket and object action on their bucket', () => {
  for (const action of BUCKET_ACTIONS) assert.equal(answer({ action, principal: OWNER, resource: BUCKET }), 'allow', action);
  for (const action of OBJECT_ACTIONS) assert.equal(answer({ action, principal: OWNER, resource: OBJECT }), 'allow', action);
});

test('another user is 403 AccessDenied for every bucket and object action on the bucket', () => {
  for (const action of BUCKET_ACTIONS) assert.equal(answer({ action, principal: OTHER, resource: BUCKET }), '403 AccessDenied', action);
  for (const action of OBJECT_ACTIONS) assert.equal(answer({ action, principal: OTHER, resource: OBJECT }), '403 AccessDenied', action);
});

test('an admin user has no rights on buckets of other users', () => {
  assert.equal(answer({ action: 's3:GetObject', principal: ADMIN }), '403 AccessDenied');
  assert.equal(answer({ action: 's3:DeleteBucket', principal: ADMIN, resource: BUCKET }), '403 AccessDenied');
});

test('an anonymous request is 403 AccessDenied, on the service, a bucket, an object or a new bucket', () => {
  assert.equal(answer({ action: 's3:ListAllMyBuckets', principal: ANONYMOUS, resource: { arn: '*' } }), '403 AccessDenied');
  assert.equal(answer({ action: 's3:CreateBucket', principal: ANONYMOUS, resource: { arn: 'arn:aws:s3:::new', bucket: 'new' } }), '403 AccessDenied');
  assert.equal(answer({ action: 's3:ListBucket', principal: ANONYMOUS, resource: BUCKET }), '403 AccessDenied');
  assert.equal(answer({ action: 's3:GetObject', principal: ANONYMOUS }), '403 AccessDenied');
});

test('a missing bucket is 404 NoSuchBucket to its would-be owner, another user and anonymous alike', () => {
  for (const principal of [OWNER, OTHER, ANONYMOUS]) {
    const d = decide({ action: 's3:GetObject', principal, resource: MISSING, facts: FACTS });
    assert.ok(!d.allowed);
    assert.equal(d.error.code, 'NoSuchBucket');
    assert.equal(d.error.fields.BucketName, 'gone');
  }
});

test('any user may list their buckets and create a bucket, whoever owns that name', () => {
  assert.equal(answer({ action: 's3:ListAllMyBuckets', principal: OTHER, resource: { arn: '*' } }), 'allow');
  assert.equal(answer({ action: 's3:CreateBucket', principal: OTHER, resource: { arn: 'arn:aws:s3:::b', bucket: 'b' } }), 'allow');
  assert.equal(needsBucketOwner('s3:CreateBucket'), false);
  assert.equal(needsBucketOwner('s3:ListAllMyBuckets'), false);
});

test('an expected bucket owner other than the owner is 403 AccessDenied, the owner itself passes', () => {
  assert.equal(answer({ action: 's3:GetObject', principal: OWNER, expectedBucketOwner: 'u-else' }), '403 AccessDenied');
  assert.equal(answer({ action: 's3:GetObject', principal: OWNER, expectedBucketOwner: 'u-owner' }), 'allow');
});

test('a copy source is asked as s3:GetObject, or s3:GetObjectVersion with a version, on the source object', () => {
  const source: Resource = { arn: resourceArn('theirs', 'k'), bucket: 'theirs', key: 'k', bucketOwnerId: 'u-other' };
  assert.equal(answer({ action: 's3:GetObject', principal: OWNER, resource: source }), '403 AccessDenied');
  assert.equal(answer({ action: 's3:GetObjectVersion', principal: OWNER, resource: { ...source, versionId: 'v1' } }), '403 AccessDenied');
  assert.equal(answer({ action: 's3:GetObjectVersion', principal: OTHER, resource: { ...source, versionId: 'v1' } }), 'allow');
  assert.equal(answer({ action: 's3:GetObject', principal: OTHER, resource: source, expectedBucketOwner: 'u-owner' }), '403 AccessDenied');
});

test('the admin API is for admin users only', () => {
  const admin: Resource = { arn: 'arn:coffer:admin' };
  assert.equal(answer({ action: 'coffer:Admin', principal: ADMIN, resource: admin }), 'allow');
  assert.equal(answer({ action: 'coffer:Admin', principal: OWNER, resource: admin }), '403 AccessDenied');
  assert.equal(answer({ action: 'coffer:Admin', principal: ANONYMOUS, resource: admin }), '403 AccessDenied');
});

test('an action the authorizer does not know, or a bucket action asked without the owner, is a bug, never an allow', () => {
  assert.throws(() => decide({ action: 's3:Nothing', principal: OWNER, resource: OBJECT, facts: FACTS }), /unknown action/);
  assert.throws(() => decide({ action: 's3:GetObject', principal: OWNER, resource: { arn: 'arn:aws:s3:::b/k' }, facts: FACTS }), /without its bucket's owner/);
});

test('resources are named by their ARN', () => {
  assert.equal(resourceArn(undefined), '*');
  assert.equal(resourceArn('b'), 'arn:aws:s3:::b');
  assert.equal(resourceArn('b', 'a/b c'), 'arn:aws:s3:::b/a/b c');
});
