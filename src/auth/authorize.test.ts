import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACTIONS, ANONYMOUS, decide, decideNewAcl, decideNewPolicy, needsBucketOwner, needsObject, resourceArn } from './authorize.js';
import type { AccessRequest, ObjectFacts, Principal, RequestFacts, Resource } from './authorize.js';
import type { PolicyDocument } from '../access.js';
import { parseBucketPolicy } from './policy.js';

const OWNER: Principal = { type: 'user', userId: 'u-owner', admin: false };
const OTHER: Principal = { type: 'user', userId: 'u-other', admin: false };
const ADMIN: Principal = { type: 'user', userId: 'u-admin', admin: true };

const FACTS: RequestFacts = { sourceIp: '127.0.0.1', secureTransport: false, headers: {}, query: new URLSearchParams(), authType: 'header' };

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

// Bucket policies, ACLs, Object Ownership and Block Public Access: the evaluation table.

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTH_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';

function policyOf(...statements: Array<Record<string, unknown>>): PolicyDocument {
  return parseBucketPolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }), 'b');
}

const allowAllGet = { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' };
const denyAllGet = { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' };
const publicReadObject: ObjectFacts = { ownerId: 'u-owner', acl: { grants: [{ grantee: { type: 'Group', uri: ALL_USERS }, permission: 'READ' }] } };

test('GetObject: policy Allow/Deny/none × object ACL public/private × owner, another user, anonymous', () => {
  const rows: Array<[string, PolicyDocument | undefined, ObjectFacts, Principal, string]> = [
    ['no policy, private', undefined, { ownerId: 'u-owner' }, OTHER, '403 AccessDenied'],
    ['no policy, private', undefined, { ownerId: 'u-owner' }, ANONYMOUS, '403 AccessDenied'],
    ['no policy, private', undefined, { ownerId: 'u-owner' }, OWNER, 'allow'],
    ['no policy, public-read', undefined, publicReadObject, OTHER, 'allow'],
    ['no policy, public-read', undefined, publicReadObject, ANONYMOUS, 'allow'],
    ['allow, private', policyOf(allowAllGet), { ownerId: 'u-owner' }, OTHER, 'allow'],
    ['allow, private', policyOf(allowAllGet), { ownerId: 'u-owner' }, ANONYMOUS, 'allow'],
    ['deny, public-read', policyOf(denyAllGet), publicReadObject, OTHER, '403 AccessDenied'],
    ['deny, public-read', policyOf(denyAllGet), publicReadObject, ANONYMOUS, '403 AccessDenied'],
    ['deny, public-read', policyOf(denyAllGet), publicReadObject, OWNER, '403 AccessDenied'],
    ['allow+deny', policyOf(allowAllGet, denyAllGet), publicReadObject, OTHER, '403 AccessDenied'],
  ];
  for (const [what, policy, object, principal, expected] of rows) {
    const who = principal.type === 'anonymous' ? 'anonymous' : principal.userId;
    assert.equal(answer({ action: 's3:GetObject', principal, resource: { ...OBJECT, policy, object } }), expected, `${what} as ${who}`);
  }
});

test('an authenticated-read grant admits any signed-in user but not anonymous', () => {
  const object: ObjectFacts = { ownerId: 'u-owner', acl: { grants: [{ grantee: { type: 'Group', uri: AUTH_USERS }, permission: 'READ' }] } };
  assert.equal(answer({ action: 's3:GetObject', principal: OTHER, resource: { ...OBJECT, object } }), 'allow');
  assert.equal(answer({ action: 's3:GetObject', principal: ANONYMOUS, resource: { ...OBJECT, object } }), '403 AccessDenied');
});

test('bucket ACL grants: READ lists, WRITE puts and deletes, READ_ACP/WRITE_ACP read and write the ACL; FULL_CONTROL all', () => {
  const grant = (permission: 'READ' | 'WRITE' | 'READ_ACP' | 'WRITE_ACP' | 'FULL_CONTROL'): Resource => ({
    ...BUCKET,
    bucketAcl: { grants: [{ grantee: { type: 'CanonicalUser', id: 'u-other' }, permission }] },
  });
  assert.equal(answer({ action: 's3:ListBucket', principal: OTHER, resource: grant('READ') }), 'allow');
  assert.equal(answer({ action: 's3:ListBucket', principal: OTHER, resource: grant('WRITE') }), '403 AccessDenied');
  assert.equal(answer({ action: 's3:PutObject', principal: OTHER, resource: { ...grant('WRITE'), arn: 'arn:aws:s3:::b/k' } }), 'allow');
  assert.equal(answer({ action: 's3:GetBucketAcl', principal: OTHER, resource: grant('READ_ACP') }), 'allow');
  assert.equal(answer({ action: 's3:PutBucketAcl', principal: OTHER, resource: grant('READ_ACP') }), '403 AccessDenied');
  assert.equal(answer({ action: 's3:PutBucketAcl', principal: OTHER, resource: grant('WRITE_ACP') }), 'allow');
  for (const action of ['s3:ListBucket', 's3:GetBucketAcl', 's3:PutBucketAcl'])
    assert.equal(answer({ action, principal: OTHER, resource: grant('FULL_CONTROL') }), 'allow', action);
  // No ACL grants bucket configuration.
  assert.equal(answer({ action: 's3:PutBucketTagging', principal: OTHER, resource: grant('FULL_CONTROL') }), '403 AccessDenied');
});

test("an object's owner may read and change its ACL in another user's bucket, but reads it only by grant", () => {
  const theirs: ObjectFacts = { ownerId: 'u-other', acl: { grants: [] } };
  assert.equal(answer({ action: 's3:GetObjectAcl', principal: OTHER, resource: { ...OBJECT, object: theirs } }), 'allow');
  assert.equal(answer({ action: 's3:PutObjectAcl', principal: OTHER, resource: { ...OBJECT, object: theirs } }), 'allow');
  assert.equal(answer({ action: 's3:GetObject', principal: OTHER, resource: { ...OBJECT, object: theirs } }), '403 AccessDenied');
});

test('a missing object is 404 (allowed through) to whoever may list the bucket, 403 to anyone else', () => {
  assert.equal(answer({ action: 's3:GetObject', principal: OTHER, resource: { ...OBJECT, object: null } }), '403 AccessDenied');
  const listable: Resource = { ...OBJECT, object: null, bucketAcl: { grants: [{ grantee: { type: 'Group', uri: ALL_USERS }, permission: 'READ' }] } };
  assert.equal(answer({ action: 's3:GetObject', principal: ANONYMOUS, resource: listable }), 'allow');
  const listPolicy = policyOf({ Effect: 'Allow', Principal: { AWS: 'u-other' }, Action: 's3:ListBucket', Resource: 'arn:aws:s3:::b' });
  assert.equal(answer({ action: 's3:GetObject', principal: OTHER, resource: { ...OBJECT, object: null, policy: listPolicy } }), 'allow');
  assert.equal(answer({ action: 's3:GetObject', principal: ANONYMOUS, resource: { ...OBJECT, object: null, policy: listPolicy } }), '403 AccessDenied');
});

test('under BucketOwnerEnforced ACL grants count for nothing; policies still do', () => {
  const resource: Resource = { ...OBJECT, ownership: 'BucketOwnerEnforced', object: publicReadObject };
  assert.equal(answer({ action: 's3:GetObject', principal: ANONYMOUS, resource }), '403 AccessDenied');
  assert.equal(answer({ action: 's3:GetObject', principal: ANONYMOUS, resource: { ...resource, policy: policyOf(allowAllGet) } }), 'allow');
});

test('Block Public Access: IgnorePublicAcls drops public grants, RestrictPublicBuckets drops a public policy', () => {
  const pab = { blockPublicAcls: false, ignorePublicAcls: true, blockPublicPolicy: false, restrictPublicBuckets: false };
  assert.equal(answer({ action: 's3:GetObject', principal: ANONYMOUS, resource: { ...OBJECT, object: publicReadObject, publicAccessBlock: pab } }), '403 AccessDenied');
  const restrict = { ...pab, ignorePublicAcls: false, restrictPublicBuckets: true };
  assert.equal(answer({ action: 's3:GetObject', principal: ANONYMOUS, resource: { ...OBJECT, policy: policyOf(allowAllGet), publicAccessBlock: restrict } }), '403 AccessDenied');
  const toOther = policyOf({ ...allowAllGet, Principal: { AWS: 'u-other' } });
  assert.equal(answer({ action: 's3:GetObject', principal: OTHER, resource: { ...OBJECT, policy: toOther, publicAccessBlock: restrict } }), 'allow');
  assert.equal(decideNewAcl([{ grantee: { type: 'Group', uri: ALL_USERS }, permission: 'READ' }], { ...pab, blockPublicAcls: true }).allowed, false);
  assert.equal(decideNewAcl([{ grantee: { type: 'Group', uri: ALL_USERS }, permission: 'READ' }], pab).allowed, true);
  assert.equal(decideNewPolicy(policyOf(allowAllGet), { ...pab, blockPublicPolicy: true }).allowed, false);
  assert.equal(decideNewPolicy(toOther, { ...pab, blockPublicPolicy: true }).allowed, true);
});

test('the bucket owner keeps the bucket-policy operations against a Deny; others a policy allows get 405', () => {
  const denyAll = policyOf({ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'] });
  assert.equal(answer({ action: 's3:PutBucketPolicy', principal: OWNER, resource: { ...BUCKET, policy: denyAll } }), 'allow');
  assert.equal(answer({ action: 's3:DeleteBucketPolicy', principal: OWNER, resource: { ...BUCKET, policy: denyAll } }), 'allow');
  assert.equal(answer({ action: 's3:ListBucket', principal: OWNER, resource: { ...BUCKET, policy: denyAll } }), '403 AccessDenied');
  const allowAll = policyOf({ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'] });
  assert.equal(answer({ action: 's3:GetBucketPolicy', principal: OTHER, resource: { ...BUCKET, policy: allowAll } }), '405 MethodNotAllowed');
  assert.equal(answer({ action: 's3:GetBucketPolicy', principal: OTHER, resource: BUCKET }), '403 AccessDenied');
});

test('conditions read the request: source address, TLS, headers, prefix, user name and existing object tags', () => {
  const cond = (Condition: Record<string, unknown>, action = 's3:GetObject', Resource: string = 'arn:aws:s3:::b/*') =>
    policyOf({ Effect: 'Allow', Principal: '*', Action: action, Resource, Condition });
  const get = (policy: PolicyDocument, facts: Partial<RequestFacts> = {}, principal: Principal = OTHER, object?: ObjectFacts): string =>
    answer({ action: 's3:GetObject', principal, resource: { ...OBJECT, policy, object }, facts: { ...FACTS, ...facts } });
  assert.equal(get(cond({ IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } })), 'allow');
  assert.equal(get(cond({ IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } })), '403 AccessDenied');
  assert.equal(get(cond({ Bool: { 'aws:SecureTransport': 'true' } })), '403 AccessDenied');
  assert.equal(get(cond({ Bool: { 'aws:SecureTransport': 'true' } }), { secureTransport: true }), 'allow');
  assert.equal(get(cond({ StringLike: { 'aws:Referer': 'https://example.com/*' } }), { headers: { referer: 'https://example.com/page' } }), 'allow');
  assert.equal(get(cond({ StringEquals: { 'aws:username': 'other' } }), {}, { ...OTHER, name: 'other' } as Principal), 'allow');
  assert.equal(get(cond({ StringEquals: { 'aws:PrincipalType': 'Anonymous' } }), {}, ANONYMOUS), 'allow');
  assert.equal(get(cond({ StringEquals: { 's3:ExistingObjectTag/team': 'blue' } }), {}, OTHER, { ownerId: 'u-owner', tags: [{ key: 'team', value: 'blue' }] }), 'allow');
  assert.equal(get(cond({ StringEquals: { 's3:ExistingObjectTag/team': 'blue' } }), {}, OTHER, { ownerId: 'u-owner', tags: [{ key: 'team', value: 'red' }] }), '403 AccessDenied');
  assert.equal(get(cond({ StringEquals: { 's3:authType': 'REST-QUERY-STRING' } }), { authType: 'query' }), 'allow');
  assert.equal(get(cond({ StringEquals: { 's3:signatureversion': 'AWS4-HMAC-SHA256' } }), { signatureVersion: 'AWS4-HMAC-SHA256' }), 'allow');
  assert.equal(get(cond({ DateLessThan: { 'aws:CurrentTime': '2000-01-01T00:00:00Z' } })), '403 AccessDenied');
  const list = (Condition: Record<string, unknown>, query: string): string =>
    answer({
      action: 's3:ListBucket',
      principal: OTHER,
      resource: { ...BUCKET, policy: cond(Condition, 's3:ListBucket', 'arn:aws:s3:::b') },
      facts: { ...FACTS, query: new URLSearchParams(query) },
    });
  assert.equal(list({ StringEquals: { 's3:prefix': 'home/' } }, 'prefix=home/'), 'allow');
  assert.equal(list({ StringEquals: { 's3:prefix': 'home/' } }, 'prefix=other/'), '403 AccessDenied');
  assert.equal(list({ NumericLessThanEquals: { 's3:max-keys': '10' } }, 'max-keys=5'), 'allow');
  assert.equal(list({ StringEquals: { 's3:delimiter': '/' } }, ''), '403 AccessDenied');
  const put = (Condition: Record<string, unknown>, headers: Record<string, string>): string =>
    answer({ action: 's3:PutObject', principal: OTHER, resource: { ...OBJECT, policy: cond(Condition, 's3:PutObject') }, facts: { ...FACTS, headers } });
  assert.equal(put({ StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } }, { 'x-amz-acl': 'bucket-owner-full-control' }), 'allow');
  assert.equal(put({ StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } }, {}), '403 AccessDenied');
  assert.equal(put({ StringEquals: { 's3:x-amz-server-side-encryption': 'AES256' } }, { 'x-amz-server-side-encryption': 'AES256' }), 'allow');
  assert.equal(put({ StringEquals: { 's3:RequestObjectTag/team': 'blue' } }, { 'x-amz-tagging': 'team=blue' }), 'allow');
  assert.equal(put({ 'ForAllValues:StringEquals': { 's3:RequestObjectTagKeys': ['team'] } }, { 'x-amz-tagging': 'team=blue&cost=1' }), '403 AccessDenied');
});

test('policy principals name users by id, name, root ARN or user ARN; NotPrincipal excludes them', () => {
  const to = (Principal: unknown) => policyOf({ ...allowAllGet, Principal });
  const other: Principal = { type: 'user', userId: 'u-other', admin: false, name: 'olga' };
  for (const p of [
    { AWS: 'u-other' },
    { AWS: 'olga' },
    { AWS: 'arn:aws:iam::u-other:root' },
    { AWS: ['x', 'arn:aws:iam::123456789012:user/olga'] },
    { CanonicalUser: 'u-other' },
  ]) {
    assert.equal(answer({ action: 's3:GetObject', principal: other, resource: { ...OBJECT, policy: to(p) } }), 'allow', JSON.stringify(p));
    assert.equal(answer({ action: 's3:GetObject', principal: ANONYMOUS, resource: { ...OBJECT, policy: to(p) } }), '403 AccessDenied', JSON.stringify(p));
  }
  // Deny everyone but olga: she is still allowed by the Allow, anonymous is refused.
  const notOlga = policyOf(allowAllGet, { ...denyAllGet, Principal: undefined, NotPrincipal: { AWS: 'olga' } });
  assert.equal(answer({ action: 's3:GetObject', principal: other, resource: { ...OBJECT, policy: notOlga } }), 'allow');
  assert.equal(answer({ action: 's3:GetObject', principal: ANONYMOUS, resource: { ...OBJECT, policy: notOlga } }), '403 AccessDenied');
});

test('needsObject: only requests whose answer can depend on the object read it', () => {
  const bucket = { ownerId: 'u-owner' };
  assert.equal(needsObject('s3:GetObject', OWNER, bucket), false);
  assert.equal(needsObject('s3:GetObject', OTHER, bucket), true);
  assert.equal(needsObject('s3:GetObject', ANONYMOUS, bucket), true);
  assert.equal(needsObject('s3:PutObject', OTHER, bucket), false);
  assert.equal(needsObject('s3:ListBucket', OTHER, bucket), false);
  const tagPolicy = policyOf({ ...allowAllGet, Condition: { StringEquals: { 's3:ExistingObjectTag/a': 'b' } } });
  assert.equal(needsObject('s3:GetObject', OWNER, { ...bucket, policy: tagPolicy }), true);
  assert.equal(needsObject('s3:PutObject', OWNER, { ...bucket, policy: policyOf(allowAllGet) }), false);
});
