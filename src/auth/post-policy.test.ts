import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { S3Error } from '../errors.js';
import { authenticatePost, checkPostPolicy, parsePostPolicy } from './post-policy.js';
import type { PostPolicy } from './post-policy.js';

const b64 = (doc: unknown): string => Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc)).toString('base64');
const NOW = new Date('2030-01-01T00:00:00Z');
const LATER = '2030-01-02T00:00:00.000Z';

function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof S3Error) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'accepted';
}

function check(conditions: unknown[], fields: Record<string, string>, key = 'k'): string {
  const policy: PostPolicy = parsePostPolicy(b64({ expiration: LATER, conditions }));
  return refused(() => checkPostPolicy(policy, { fields: new Map(Object.entries(fields)), bucket: 'b', key }, NOW));
}

test('a policy reads its conditions: simple ones as eq, operators and field names without case', () => {
  const p = parsePostPolicy(b64({ expiration: LATER, conditions: [{ Bucket: 'b' }, ['StArTs-WiTh', '$KeY', 'u/'], ['content-length-range', '1', 10]] }));
  assert.deepEqual(p.conditions, [
    { op: 'eq', field: 'bucket', value: 'b' },
    { op: 'starts-with', field: 'key', value: 'u/' },
    { op: 'content-length-range', min: 1, max: 10 },
  ]);
  assert.equal(p.expiration.toISOString(), LATER);
});

test('malformed policies are InvalidPolicyDocument with the reason', () => {
  assert.equal(
    refused(() => parsePostPolicy(b64('[1,'))),
    'InvalidPolicyDocument: Invalid Policy: Invalid JSON.',
  );
  assert.equal(
    refused(() => parsePostPolicy(b64({ conditions: [] }))),
    'InvalidPolicyDocument: Invalid Policy: Policy missing expiration.',
  );
  assert.equal(
    refused(() => parsePostPolicy(b64({ expiration: LATER }))),
    'InvalidPolicyDocument: Invalid Policy: Policy missing conditions.',
  );
  assert.equal(
    refused(() => parsePostPolicy(b64({ expiration: 'tomorrow', conditions: [] }))),
    "InvalidPolicyDocument: Invalid Policy: Invalid 'expiration' value: 'tomorrow'",
  );
  assert.match(
    refused(() => parsePostPolicy(b64({ expiration: LATER, conditions: [{ a: '1', b: '2' }] }))),
    /Simple-Conditions must have exactly one property/,
  );
  assert.match(
    refused(() => parsePostPolicy(b64({ expiration: LATER, conditions: [['eq', 'key', 'k']] }))),
    /must start with "\$"/,
  );
  assert.match(
    refused(() => parsePostPolicy(b64({ expiration: LATER, conditions: [['content-length-range', 5, 1]] }))),
    /Invalid content-length-range/,
  );
});

test('conditions hold or fail as S3 evaluates them', () => {
  assert.equal(check([{ bucket: 'b' }, { key: 'k' }], {}), 'accepted');
  assert.equal(check([{ bucket: 'b' }, ['starts-with', '$key', 'u/']], {}, 'u/x'), 'accepted');
  assert.equal(check([{ bucket: 'b' }, ['starts-with', '$key', '']], {}, 'anything'), 'accepted');
  assert.equal(check([{ bucket: 'other' }], {}), 'AccessDenied: Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "other"]');
  // Content-Type may list several types, each with the prefix.
  assert.equal(check([{ bucket: 'b' }, ['starts-with', '$Content-Type', 'image/']], { 'content-type': 'image/png, image/gif' }), 'accepted');
  assert.match(check([{ bucket: 'b' }, ['starts-with', '$Content-Type', 'image/']], { 'content-type': 'image/png, text/html' }), /Policy Condition failed/);
  // A condition on a field the form lacks compares against the empty string.
  assert.match(check([{ bucket: 'b' }, ['starts-with', '$x-amz-meta-a', 'v']], {}), /Policy Condition failed/);
  assert.equal(check([{ bucket: 'b' }, ['eq', '$x-amz-meta-a', '']], {}), 'accepted');
});

test('every field but the exempt ones must be named by a condition, the bucket always', () => {
  assert.equal(check([{ key: 'k' }], {}), 'AccessDenied: Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "b"]');
  assert.equal(check([{ bucket: 'b' }], { 'x-amz-meta-a': '1', acl: 'private' }), 'AccessDenied: Invalid according to Policy: Extra input fields: x-amz-meta-a, acl');
  assert.equal(
    check([{ bucket: 'b' }], { policy: 'p', 'x-amz-signature': 's', signature: 's', awsaccesskeyid: 'a', 'x-ignore-x': '1', 'x-amz-checksum-crc32': 'AAAAAA==' }),
    'accepted',
  );
});

test('an expired policy is AccessDenied', () => {
  const p = parsePostPolicy(b64({ expiration: '2029-12-31T23:59:59Z', conditions: [{ bucket: 'b' }] }));
  assert.equal(
    refused(() => checkPostPolicy(p, { fields: new Map(), bucket: 'b', key: 'k' }, NOW)),
    'AccessDenied: Invalid according to Policy: Policy expired.',
  );
});

test('the content-length-range is returned for the file to be held to', () => {
  const p = parsePostPolicy(b64({ expiration: LATER, conditions: [{ bucket: 'b' }, ['content-length-range', 2, 9]] }));
  assert.deepEqual(checkPostPolicy(p, { fields: new Map(), bucket: 'b', key: 'k' }, NOW), { min: 2, max: 9 });
});

test('an unsigned form is anonymous; a SigV2 policy is refused unless SigV2 is on, and verified when it is', async () => {
  const lookup = async (id: string) => (id === 'AK' ? { accessKeyId: 'AK', secretAccessKey: 'secret', userId: 'u' } : undefined);
  assert.deepEqual(await authenticatePost({ fields: new Map([['key', 'k']]), bucket: 'b', key: 'k', now: NOW, lookup, sigV2: false }), {});
  const policy = b64({ expiration: LATER, conditions: [{ bucket: 'b' }, { key: 'k' }] });
  const signature = createHmac('sha1', 'secret').update(policy).digest('base64');
  const fields = new Map([
    ['key', 'k'],
    ['awsaccesskeyid', 'AK'],
    ['policy', policy],
    ['signature', signature],
  ]);
  await assert.rejects(authenticatePost({ fields, bucket: 'b', key: 'k', now: NOW, lookup, sigV2: false }), (e: unknown) => e instanceof S3Error && e.code === 'InvalidRequest');
  const ok = await authenticatePost({ fields, bucket: 'b', key: 'k', now: NOW, lookup, sigV2: true });
  assert.equal(ok.credential?.userId, 'u');
  fields.set('signature', createHmac('sha1', 'other').update(policy).digest('base64'));
  await assert.rejects(
    authenticatePost({ fields, bucket: 'b', key: 'k', now: NOW, lookup, sigV2: true }),
    (e: unknown) => e instanceof S3Error && e.code === 'SignatureDoesNotMatch',
  );
});
