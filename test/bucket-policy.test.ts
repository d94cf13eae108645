// Put/Get/DeleteBucketPolicy and GetBucketPolicyStatus, S3's refusals of a bad policy, and
// policies deciding requests end to end: allow/deny × ACL × another user × anonymous.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GetBucketPolicyCommand, PutBucketPolicyCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { newBucket, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import type { RawRequest } from './helpers/raw.js';
import { newUser, policyJson, withBody } from './helpers/access.js';

const c = testCofferForFile();

function putPolicy(bucket: string, text: string, extra: Partial<RawRequest> = {}) {
  return rawRequest(c.endpoint, { method: 'PUT', path: `/${bucket}`, query: { policy: '' }, ...withBody(text, 'application/json'), ...extra });
}

const everyoneGets = (b: string) => ({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` });

test('PutBucketPolicy stores the policy, GetBucketPolicy returns it as sent, DeleteBucketPolicy removes it', async () => {
  const b = await newBucket(c.s3);
  const missing = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { policy: '' } });
  assert.equal(missing.status, 404);
  assert.equal(missing.code, 'NoSuchBucketPolicy');
  assert.equal(missing.message, 'The bucket policy does not exist');
  const text = policyJson(everyoneGets(b));
  await c.s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: text }));
  assert.equal((await c.s3.send(new GetBucketPolicyCommand({ Bucket: b }))).Policy, text);
  const del = await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}`, query: { policy: '' } });
  assert.equal(del.status, 204);
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { policy: '' } })).code, 'NoSuchBucketPolicy');
});

test('an invalid policy is 400 MalformedPolicy with S3 messages, and nothing is stored', async () => {
  const b = await newBucket(c.s3);
  const cases: Array<[string, string]> = [
    ['not json', "Policies must be valid JSON and the first byte must be '{'"],
    ['{"Statement": [', 'This policy contains invalid Json'],
    ['{"Version":"2012-10-17"}', 'Missing required field Statement'],
    [policyJson({ ...everyoneGets(b), Action: 's3:Fly' }), 'Policy has invalid action'],
    [policyJson({ ...everyoneGets(b), Resource: 'arn:aws:s3:::another-bucket/*' }), 'Policy has invalid resource'],
    [policyJson({ ...everyoneGets(b), Principal: { Robot: 'x' } }), 'Invalid principal in policy'],
    [policyJson({ ...everyoneGets(b), Effect: 'Perhaps' }), 'Invalid effect: Perhaps'],
    [policyJson({ ...everyoneGets(b), Condition: { StringSortOf: { 's3:prefix': 'a' } } }), 'Invalid Condition type : StringSortOf'],
  ];
  for (const [text, message] of cases) {
    const r = await putPolicy(b, text);
    assert.equal(r.status, 400, text);
    assert.equal(r.code, 'MalformedPolicy', text);
    // The raw helper leaves XML entities as sent.
    assert.equal(r.message?.replace(/&apos;/g, "'"), message, text);
  }
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { policy: '' } })).code, 'NoSuchBucketPolicy');
});

test('a policy over 20 KB is refused with 400 PolicyTooLarge; one just under is stored', async () => {
  const b = await newBucket(c.s3);
  const base = policyJson({ ...everyoneGets(b), Sid: '' });
  const fill = (n: number): string => base.replace('"Sid":""', `"Sid":"${'s'.repeat(n)}"`);
  const under = fill(20 * 1024 - base.length);
  assert.equal(Buffer.byteLength(under), 20 * 1024);
  assert.equal((await putPolicy(b, under)).status, 204);
  const over = await putPolicy(b, fill(20 * 1024 - base.length + 1));
  assert.equal(over.status, 400);
  assert.equal(over.code, 'PolicyTooLarge');
});

test('GetObject decided by policy × ACL for another user and anonymous', async () => {
  const b = await newBucket(c.s3);
  const alice = await newUser(c, 'alice');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'private', Body: 'p' }));
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'public', Body: 'p', ACL: 'public-read' }));
  const status = async (key: string, who: 'alice' | 'anonymous'): Promise<number> =>
    (await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/${key}`, ...(who === 'alice' ? { credentials: alice.credentials } : { anonymous: true }) })).status;
  const table = async (label: string, expected: Record<string, number>): Promise<void> => {
    for (const [cell, want] of Object.entries(expected)) {
      const [key, who] = cell.split(' ') as [string, 'alice' | 'anonymous'];
      assert.equal(await status(key, who), want, `${label}: ${cell}`);
    }
  };
  await table('no policy', { 'private alice': 403, 'private anonymous': 403, 'public alice': 200, 'public anonymous': 200 });
  await putPolicy(b, policyJson({ ...everyoneGets(b), Principal: { AWS: alice.id } }));
  await table('allow alice', { 'private alice': 200, 'private anonymous': 403, 'public alice': 200, 'public anonymous': 200 });
  await putPolicy(b, policyJson(everyoneGets(b)));
  await table('allow everyone', { 'private alice': 200, 'private anonymous': 200, 'public alice': 200, 'public anonymous': 200 });
  await putPolicy(b, policyJson({ ...everyoneGets(b), Effect: 'Deny' }));
  await table('deny everyone', { 'private alice': 403, 'private anonymous': 403, 'public alice': 403, 'public anonymous': 403 });
  await putPolicy(b, policyJson({ ...everyoneGets(b), Effect: 'Deny', Principal: { AWS: alice.name } }));
  await table('deny alice', { 'private alice': 403, 'private anonymous': 403, 'public alice': 403, 'public anonymous': 200 });
});

test('an explicit Deny binds the bucket owner too, except on the bucket policy itself', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  await putPolicy(b, policyJson({ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`] }));
  const get = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k` });
  assert.equal(get.status, 403);
  assert.equal(get.code, 'AccessDenied');
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { policy: '' } })).status, 200);
  assert.equal((await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}`, query: { policy: '' } })).status, 204);
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k` })).status, 200);
});

test('a policy grants another user listing with a prefix condition and writing objects; the policy itself stays the owner’s (405)', async () => {
  const b = await newBucket(c.s3);
  const alice = await newUser(c, 'alice');
  await putPolicy(
    b,
    policyJson(
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${alice.id}:root` },
        Action: 's3:ListBucket',
        Resource: `arn:aws:s3:::${b}`,
        Condition: { StringLike: { 's3:prefix': 'home/*' } },
      },
      { Effect: 'Allow', Principal: { AWS: alice.id }, Action: ['s3:PutObject', 's3:GetBucketPolicy'], Resource: [`arn:aws:s3:::${b}/home/*`, `arn:aws:s3:::${b}`] },
    ),
  );
  const creds = { credentials: alice.credentials };
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { 'list-type': '2', prefix: 'home/a' }, ...creds })).status, 200);
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { 'list-type': '2', prefix: 'etc/' }, ...creds })).status, 403);
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { 'list-type': '2' }, ...creds })).status, 403);
  assert.equal((await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/home/a.txt`, body: 'a', ...creds })).status, 200);
  assert.equal((await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/etc/a.txt`, body: 'a', ...creds })).status, 403);
  // A key that is not there: 404 under the listable prefix, 403 elsewhere.
  assert.equal((await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/home/none`, ...creds })).status, 404);
  assert.equal((await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/etc/none`, ...creds })).status, 403);
  const policy = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { policy: '' }, ...creds });
  assert.equal(policy.status, 405);
  assert.equal(policy.code, 'MethodNotAllowed');
  const put = await putPolicy(b, policyJson(everyoneGets(b)), creds);
  assert.equal(put.status, 403);
  assert.equal(put.code, 'AccessDenied');
});

test('conditions on the request: aws:SecureTransport, aws:SourceIp, aws:Referer, s3:x-amz-acl', async () => {
  const b = await newBucket(c.s3);
  const alice = await newUser(c, 'alice');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  const creds = { credentials: alice.credentials };
  const get = async (extra: Partial<RawRequest> = {}) => (await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, ...creds, ...extra })).status;
  await putPolicy(b, policyJson({ ...everyoneGets(b), Condition: { Bool: { 'aws:SecureTransport': 'true' } } }));
  assert.equal(await get(), 403, 'plain HTTP is not secure transport');
  await putPolicy(b, policyJson({ ...everyoneGets(b), Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } } }));
  assert.equal(await get(), 200);
  await putPolicy(b, policyJson({ ...everyoneGets(b), Condition: { NotIpAddress: { 'aws:SourceIp': '127.0.0.0/8' } } }));
  assert.equal(await get(), 403);
  await putPolicy(b, policyJson({ ...everyoneGets(b), Condition: { StringLike: { 'aws:Referer': 'https://example.com/*' } } }));
  assert.equal(await get({ headers: { referer: 'https://example.com/page' } }), 200);
  assert.equal(await get({ headers: { referer: 'https://elsewhere.example/' } }), 403);
  await putPolicy(
    b,
    policyJson({
      Effect: 'Allow',
      Principal: { AWS: alice.id },
      Action: 's3:PutObject',
      Resource: `arn:aws:s3:::${b}/*`,
      Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } },
    }),
  );
  assert.equal((await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/up`, body: 'x', ...creds })).status, 403);
  assert.equal((await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/up`, body: 'x', headers: { 'x-amz-acl': 'bucket-owner-full-control' }, ...creds })).status, 200);
});

test('GetBucketPolicyStatus: IsPublic for a public policy or a public ACL, not for a narrowed policy', async () => {
  const b = await newBucket(c.s3);
  const status = async (): Promise<string | undefined> => {
    const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { policyStatus: '' } });
    assert.equal(r.status, 200, r.body);
    return /<IsPublic>([^<]+)<\/IsPublic>/.exec(r.body)?.[1];
  };
  assert.equal(await status(), 'false');
  await putPolicy(b, policyJson({ ...everyoneGets(b), Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/24' } } }));
  assert.equal(await status(), 'false');
  await putPolicy(b, policyJson(everyoneGets(b)));
  assert.equal(await status(), 'true');
  await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}`, query: { policy: '' } });
  await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { acl: '' }, headers: { 'x-amz-acl': 'authenticated-read' } });
  assert.equal(await status(), 'true');
});

test('another user may not read, set or delete the policy of a bucket that grants them nothing', async () => {
  const b = await newBucket(c.s3);
  const alice = await newUser(c, 'alice');
  for (const method of ['GET', 'DELETE']) {
    const r = await rawRequest(c.endpoint, { method, path: `/${b}`, query: { policy: '' }, credentials: alice.credentials });
    assert.equal(r.status, 403, method);
    assert.equal(r.code, 'AccessDenied');
  }
  assert.equal((await putPolicy(b, policyJson(everyoneGets(b)), { credentials: alice.credentials })).code, 'AccessDenied');
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { policyStatus: '' }, credentials: alice.credentials })).code, 'AccessDenied');
});

test('s3:RequestObjectTag conditions read the x-amz-tagging header of PutObject and the body of PutObjectTagging', async () => {
  const b = await newBucket(c.s3);
  const alice = await newUser(c, 'alice');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  await putPolicy(
    b,
    policyJson({
      Effect: 'Allow',
      Principal: { AWS: alice.id },
      Action: ['s3:PutObject', 's3:PutObjectTagging'],
      Resource: `arn:aws:s3:::${b}/*`,
      Condition: { StringEquals: { 's3:RequestObjectTag/team': 'blue' } },
    }),
  );
  const creds = { credentials: alice.credentials };
  assert.equal((await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/new`, body: 'x', headers: { 'x-amz-tagging': 'team=red' }, ...creds })).status, 403);
  assert.equal((await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/new`, body: 'x', headers: { 'x-amz-tagging': 'team=blue' }, ...creds })).status, 200);
  const tagging = (team: string): string => `<Tagging><TagSet><Tag><Key>team</Key><Value>${team}</Value></Tag></TagSet></Tagging>`;
  const red = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, query: { tagging: '' }, ...withBody(tagging('red')), ...creds });
  assert.equal(red.status, 403);
  assert.equal(red.code, 'AccessDenied');
  assert.doesNotMatch((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, query: { tagging: '' } })).body, /red/);
  const blue = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, query: { tagging: '' }, ...withBody(tagging('blue')), ...creds });
  assert.equal(blue.status, 200, blue.body);
  assert.match((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, query: { tagging: '' } })).body, /<Value>blue<\/Value>/);
});
