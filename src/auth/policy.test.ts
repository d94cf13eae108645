import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Error } from '../errors.js';
import { isPublicPolicy, parseBucketPolicy } from './policy.js';
import { wildcardMatch } from './policy-actions.js';

function refusal(text: string, bucket = 'b'): string {
  try {
    parseBucketPolicy(text, bucket);
  } catch (err) {
    if (err instanceof S3Error) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'accepted';
}

const statement = (s: Record<string, unknown>): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*', ...s }] });

test('a policy that is not JSON, or does not start with {, is MalformedPolicy with S3 messages', () => {
  assert.equal(refusal('[]'), "MalformedPolicy: Policies must be valid JSON and the first byte must be '{'");
  assert.equal(refusal('{"Version": '), 'MalformedPolicy: This policy contains invalid Json');
  assert.equal(refusal('{"Version":"2012-10-17"}'), 'MalformedPolicy: Missing required field Statement');
  assert.equal(refusal('{"Version":"2012-10-17","Statement":[]}'), 'MalformedPolicy: Could not parse the policy: Statement is empty!');
  assert.equal(refusal('{"Version":"2013-01-01","Statement":[]}'), 'MalformedPolicy: The policy must contain a valid version string');
  assert.equal(refusal('{"Versoin":"2012-10-17","Statement":[]}'), 'MalformedPolicy: Unknown field Versoin');
});

test('each statement needs Effect, Principal, Action and Resource, all valid for this bucket', () => {
  assert.equal(refusal(statement({ Effect: undefined })), 'MalformedPolicy: Missing required field Effect');
  assert.equal(refusal(statement({ Effect: 'Maybe' })), 'MalformedPolicy: Invalid effect: Maybe');
  assert.equal(refusal(statement({ Principal: undefined })), 'MalformedPolicy: Missing required field Principal');
  assert.equal(refusal(statement({ Principal: { Nobody: 'x' } })), 'MalformedPolicy: Invalid principal in policy');
  assert.equal(refusal(statement({ Action: undefined })), 'MalformedPolicy: Missing required field Action');
  assert.equal(refusal(statement({ Action: 's3:GetObjekt' })), 'MalformedPolicy: Policy has invalid action');
  assert.equal(refusal(statement({ Action: 'ec2:RunInstances' })), 'MalformedPolicy: Policy has invalid action');
  assert.equal(refusal(statement({ Resource: undefined })), 'MalformedPolicy: Missing required field Resource');
  assert.equal(refusal(statement({ Resource: 'arn:aws:s3:::other/*' })), 'MalformedPolicy: Policy has invalid resource');
  assert.equal(refusal(statement({ Resource: 'arn:aws:s3:::b' })), 'MalformedPolicy: Action does not apply to any resource(s) in statement');
  assert.equal(refusal(statement({ Condition: { StringEqualz: { 's3:prefix': 'a' } } })), 'MalformedPolicy: Invalid Condition type : StringEqualz');
  assert.equal(refusal(statement({ Bogus: 1 })), 'MalformedPolicy: Unknown field Bogus');
});

test('wildcards, NotAction, NotPrincipal, NotResource and every condition operator are accepted', () => {
  assert.equal(refusal(statement({ Action: ['s3:Get*', 's3:List*'], Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'] })), 'accepted');
  assert.equal(refusal(statement({ Action: undefined, NotAction: 's3:DeleteObject' })), 'accepted');
  assert.equal(refusal(statement({ Effect: 'Deny', Principal: undefined, NotPrincipal: { AWS: 'arn:aws:iam::alice:root' } })), 'accepted');
  assert.equal(refusal(statement({ Principal: undefined, NotPrincipal: { AWS: 'arn:aws:iam::alice:root' } })), 'MalformedPolicy: Invalid principal in policy');
  assert.equal(refusal(statement({ Resource: undefined, NotResource: 'arn:aws:s3:::b/private/*' })), 'accepted');
  assert.equal(
    refusal(
      statement({ Condition: { 'ForAnyValue:StringLikeIfExists': { 's3:prefix': ['a*'] }, NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' }, Null: { 's3:x-amz-acl': 'true' } } }),
    ),
    'accepted',
  );
  assert.deepEqual(parseBucketPolicy(statement({ Sid: 'one' }), 'b').statements[0]?.action, ['s3:GetObject']);
});

test('two statements with one Sid are refused', () => {
  const s = { Sid: 'same', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' };
  assert.match(refusal(JSON.stringify({ Statement: [s, s] })), /must be unique/);
});

test('a policy is public when an Allow names everyone without a narrowing condition', () => {
  const doc = (s: Record<string, unknown>) => parseBucketPolicy(statement(s), 'b');
  assert.equal(isPublicPolicy(doc({})), true);
  assert.equal(isPublicPolicy(doc({ Principal: { AWS: '*' } })), true);
  assert.equal(isPublicPolicy(doc({ Principal: { AWS: 'alice' } })), false);
  assert.equal(isPublicPolicy(doc({ Effect: 'Deny' })), false);
  assert.equal(isPublicPolicy(doc({ Condition: { IpAddress: { 'aws:SourceIp': '192.0.2.0/24' } } })), false);
  assert.equal(isPublicPolicy(doc({ Condition: { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } } })), true);
  assert.equal(isPublicPolicy(doc({ Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } } })), false);
  assert.equal(isPublicPolicy(doc({ Condition: { StringLike: { 'aws:SourceArn': 'arn:*' } } })), true);
  assert.equal(isPublicPolicy(doc({ Condition: { StringEquals: { 's3:prefix': 'x' } } })), true);
});

test('wildcards: * any run, ? one character; case-insensitive only when asked', () => {
  assert.equal(wildcardMatch('s3:get*', 's3:GetObject', true), true);
  assert.equal(wildcardMatch('s3:get*', 's3:GetObject', false), false);
  assert.equal(wildcardMatch('a*b*c', 'axxbyyc', false), true);
  assert.equal(wildcardMatch('a*b*c', 'axxbyy', false), false);
  assert.equal(wildcardMatch('k?y', 'key', false), true);
  assert.equal(wildcardMatch('*', '', false), true);
});
