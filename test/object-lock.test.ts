// Object Lock on a real Coffer: buckets created with lock, Put/GetObjectLockConfiguration with a
// default retention, Put/GetObjectRetention, Put/GetObjectLegalHold, lock headers on PUT, copy and
// multipart, and deletes refused while a version is locked.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { crc32 } from 'node:zlib';
import { bucketName, newBucket, testCofferForFile } from './helpers/coffer.js';
import { postForm, signedV4Fields } from './helpers/post-form.js';
import { rawRequest } from './helpers/raw.js';
import type { RawResponse } from './helpers/raw.js';
import { contentMd5 } from './helpers/tagging.js';

const c = testCofferForFile();
const DAY_MS = 24 * 60 * 60 * 1000;
const FAR = new Date('2099-01-01T00:00:00.000Z');
const NEAR = new Date('2098-01-01T00:00:00.000Z');

async function lockBucket(): Promise<string> {
  const b = bucketName('lock');
  await c.s3.send(new CreateBucketCommand({ Bucket: b, ObjectLockEnabledForBucket: true }));
  return b;
}

async function put(bucket: string, key: string, extra: Partial<ConstructorParameters<typeof PutObjectCommand>[0]> = {}): Promise<string> {
  return (await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'locked bytes', ...extra }))).VersionId!;
}

/** A signed request with the Content-MD5 S3 asks of every Object Lock body. */
function withMd5(method: string, path: string, query: Record<string, string>, body: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return rawRequest(c.endpoint, { method, path, query, body, headers: { 'content-md5': contentMd5(body), ...headers } });
}

function lockConfig(inner: string): string {
  return `<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</ObjectLockConfiguration>`;
}

function retentionXml(mode: string, date: Date | string): string {
  return `<Retention><Mode>${mode}</Mode><RetainUntilDate>${typeof date === 'string' ? date : date.toISOString()}</RetainUntilDate></Retention>`;
}

async function deleteVersion(bucket: string, key: string, versionId: string, bypass = false): Promise<RawResponse> {
  return rawRequest(c.endpoint, {
    method: 'DELETE',
    path: `/${bucket}/${key}`,
    query: { versionId },
    headers: bypass ? { 'x-amz-bypass-governance-retention': 'true' } : {},
  });
}

function assertLocked(r: RawResponse): void {
  assert.equal(r.status, 403, r.body);
  assert.equal(r.code, 'AccessDenied');
}

test('a bucket created with Object Lock has versioning Enabled and a lock configuration without a rule', async () => {
  const b = await lockBucket();
  assert.equal((await c.s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status, 'Enabled');
  const conf = await c.s3.send(new GetObjectLockConfigurationCommand({ Bucket: b }));
  assert.deepEqual(conf.ObjectLockConfiguration, { ObjectLockEnabled: 'Enabled' });
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { 'object-lock': '' } });
  assert.equal(r.body, `<?xml version="1.0" encoding="UTF-8"?>\n${lockConfig('<ObjectLockEnabled>Enabled</ObjectLockEnabled>')}`);
});

test('a default retention in Days or Years reads back and dates every new version from its write', async () => {
  const b = await lockBucket();
  await c.s3.send(
    new PutObjectLockConfigurationCommand({ Bucket: b, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 2 } } } }),
  );
  const conf = await c.s3.send(new GetObjectLockConfigurationCommand({ Bucket: b }));
  assert.deepEqual(conf.ObjectLockConfiguration?.Rule, { DefaultRetention: { Mode: 'GOVERNANCE', Days: 2 } });
  const before = Date.now();
  const v = await put(b, 'k');
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k', VersionId: v }));
  assert.equal(head.ObjectLockMode, 'GOVERNANCE');
  const until = head.ObjectLockRetainUntilDate!.getTime();
  assert.ok(until >= before + 2 * DAY_MS - 1000 && until <= Date.now() + 2 * DAY_MS, String(head.ObjectLockRetainUntilDate));
  await c.s3.send(
    new PutObjectLockConfigurationCommand({ Bucket: b, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Years: 1 } } } }),
  );
  const v2 = await put(b, 'k2');
  const head2 = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k2', VersionId: v2 }));
  assert.equal(head2.ObjectLockMode, 'COMPLIANCE');
  const year = new Date();
  year.setUTCFullYear(year.getUTCFullYear() + 1);
  assert.ok(Math.abs(head2.ObjectLockRetainUntilDate!.getTime() - year.getTime()) < 60_000);
  assertLocked(await deleteVersion(b, 'k', v));
  // A lock configuration without a rule removes the default: new versions are unlocked.
  await c.s3.send(new PutObjectLockConfigurationCommand({ Bucket: b, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } }));
  const v3 = await put(b, 'k3');
  assert.equal((await deleteVersion(b, 'k3', v3)).status, 204);
});

test('a lock configuration with both Days and Years, another mode, or ObjectLockEnabled other than Enabled fails with 400 MalformedXML', async () => {
  const b = await lockBucket();
  for (const inner of [
    '<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days><Years>1</Years></DefaultRetention></Rule>',
    '<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>ABC</Mode><Days>1</Days></DefaultRetention></Rule>',
    '<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode></DefaultRetention></Rule>',
    '<ObjectLockEnabled>Disabled</ObjectLockEnabled>',
    '<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule>',
  ]) {
    const r = await withMd5('PUT', `/${b}`, { 'object-lock': '' }, lockConfig(inner));
    assert.equal(r.status, 400, inner);
    assert.equal(r.code, 'MalformedXML', inner);
  }
});

test('a default retention of zero or negative Days or Years fails with 400 InvalidRetentionPeriod', async () => {
  const b = await lockBucket();
  for (const period of ['<Days>0</Days>', '<Days>-1</Days>', '<Years>0</Years>', '<Years>101</Years>']) {
    const r = await withMd5(
      'PUT',
      `/${b}`,
      { 'object-lock': '' },
      lockConfig(`<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>COMPLIANCE</Mode>${period}</DefaultRetention></Rule>`),
    );
    assert.equal(r.status, 400, period);
    assert.equal(r.code, 'InvalidRetentionPeriod', period);
  }
});

test('PutObjectLockConfiguration, PutObjectRetention and PutObjectLegalHold without Content-MD5 or a checksum fail with 400 InvalidRequest', async () => {
  const b = await lockBucket();
  const v = await put(b, 'k');
  for (const [path, query, body] of [
    [`/${b}`, { 'object-lock': '' }, lockConfig('<ObjectLockEnabled>Enabled</ObjectLockEnabled>')],
    [`/${b}/k`, { retention: '', versionId: v }, retentionXml('GOVERNANCE', FAR)],
    [`/${b}/k`, { 'legal-hold': '' }, '<LegalHold><Status>ON</Status></LegalHold>'],
  ] as const) {
    const r = await rawRequest(c.endpoint, { method: 'PUT', path, query, body });
    assert.equal(r.status, 400, path);
    assert.equal(r.code, 'InvalidRequest');
    assert.equal(r.message, 'Missing required header for this request: Content-MD5');
  }
  assert.equal((await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }))).ObjectLockMode, undefined);
});

test('a lock configuration on a bucket without versioning fails with 409 InvalidBucketState; on a versioned one it turns lock on', async () => {
  const b = await newBucket(c.s3);
  const body = lockConfig('<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule>');
  const refused = await withMd5('PUT', `/${b}`, { 'object-lock': '' }, body);
  assert.equal(refused.status, 409);
  assert.equal(refused.code, 'InvalidBucketState');
  await c.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Suspended' } }));
  assert.equal((await withMd5('PUT', `/${b}`, { 'object-lock': '' }, body)).code, 'InvalidBucketState');
  await c.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
  assert.equal((await withMd5('PUT', `/${b}`, { 'object-lock': '' }, body)).status, 200);
  const conf = await c.s3.send(new GetObjectLockConfigurationCommand({ Bucket: b }));
  assert.equal(conf.ObjectLockConfiguration?.ObjectLockEnabled, 'Enabled');
  const suspend = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: `/${b}`,
    query: { versioning: '' },
    body: '<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>',
  });
  assert.equal(suspend.code, 'InvalidBucketState');
});

test('GetObjectLockConfiguration of a bucket without Object Lock fails with 404 ObjectLockConfigurationNotFoundError', async () => {
  const b = await newBucket(c.s3);
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { 'object-lock': '' } });
  assert.equal(r.status, 404);
  assert.equal(r.code, 'ObjectLockConfigurationNotFoundError');
  assert.equal(r.message, 'Object Lock configuration does not exist for this bucket');
});

test('retention and legal hold on a bucket without Object Lock fail with 400 InvalidRequest, as do lock headers on PUT', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  const checks = [
    await withMd5('PUT', `/${b}/k`, { retention: '' }, retentionXml('GOVERNANCE', FAR)),
    await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, query: { retention: '' } }),
    await withMd5('PUT', `/${b}/k`, { 'legal-hold': '' }, '<LegalHold><Status>ON</Status></LegalHold>'),
    await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, query: { 'legal-hold': '' } }),
    await withMd5('PUT', `/${b}/k2`, {}, 'x', { 'x-amz-object-lock-legal-hold': 'ON' }),
  ];
  for (const r of checks) {
    assert.equal(r.status, 400);
    assert.equal(r.code, 'InvalidRequest');
    assert.equal(r.message, 'Bucket is missing Object Lock Configuration');
  }
  assert.equal((await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/k2` })).status, 404);
});

test('PutObjectRetention sets a version’s retention, which GetObjectRetention and HEAD report', async () => {
  const b = await lockBucket();
  const v = await put(b, 'k');
  await c.s3.send(new PutObjectRetentionCommand({ Bucket: b, Key: 'k', VersionId: v, Retention: { Mode: 'GOVERNANCE', RetainUntilDate: NEAR } }));
  const got = await c.s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'k', VersionId: v }));
  assert.deepEqual(got.Retention, { Mode: 'GOVERNANCE', RetainUntilDate: NEAR });
  const head = await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/k` });
  assert.equal(head.headers['x-amz-object-lock-mode'], 'GOVERNANCE');
  assert.equal(head.headers['x-amz-object-lock-retain-until-date'], '2098-01-01T00:00:00.000Z');
  // Lengthening needs no bypass.
  await c.s3.send(new PutObjectRetentionCommand({ Bucket: b, Key: 'k', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: FAR } }));
  assert.deepEqual((await c.s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'k' }))).Retention?.RetainUntilDate, FAR);
});

test('GetObjectRetention and GetObjectLegalHold of a version without them fail with 404 NoSuchObjectLockConfiguration', async () => {
  const b = await lockBucket();
  await put(b, 'k');
  for (const q of ['retention', 'legal-hold']) {
    const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, query: { [q]: '' } });
    assert.equal(r.status, 404, q);
    assert.equal(r.code, 'NoSuchObjectLockConfiguration');
    assert.equal(r.message, 'The specified object does not have a ObjectLock configuration');
  }
});

test('a retention that is malformed or already past is refused: MalformedXML, InvalidArgument', async () => {
  const b = await lockBucket();
  await put(b, 'k');
  const badMode = await withMd5('PUT', `/${b}/k`, { retention: '' }, retentionXml('FOREVER', FAR));
  assert.equal(badMode.code, 'MalformedXML');
  const noDate = await withMd5('PUT', `/${b}/k`, { retention: '' }, '<Retention><Mode>GOVERNANCE</Mode></Retention>');
  assert.equal(noDate.code, 'MalformedXML');
  const past = await withMd5('PUT', `/${b}/k`, { retention: '' }, retentionXml('GOVERNANCE', new Date(Date.now() - 1000)));
  assert.equal(past.status, 400);
  assert.equal(past.code, 'InvalidArgument');
  assert.equal(past.message, 'The retain until date must be in the future!');
});

test('a GOVERNANCE retention is shortened, removed or made COMPLIANCE only with x-amz-bypass-governance-retention', async () => {
  const b = await lockBucket();
  await put(b, 'k', { ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: FAR });
  const path = `/${b}/k`;
  assertLocked(await withMd5('PUT', path, { retention: '' }, retentionXml('GOVERNANCE', NEAR)));
  assertLocked(await withMd5('PUT', path, { retention: '' }, retentionXml('COMPLIANCE', FAR)));
  assertLocked(await withMd5('PUT', path, { retention: '' }, '<Retention/>'));
  const bypass = { 'x-amz-bypass-governance-retention': 'true' };
  assert.equal((await withMd5('PUT', path, { retention: '' }, retentionXml('GOVERNANCE', NEAR), bypass)).status, 200);
  assert.deepEqual((await c.s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'k' }))).Retention?.RetainUntilDate, NEAR);
  assert.equal((await withMd5('PUT', path, { retention: '' }, '<Retention/>', bypass)).status, 200);
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path, query: { retention: '' } })).code, 'NoSuchObjectLockConfiguration');
});

test('a COMPLIANCE retention can only be lengthened: shortening or a change of mode is 403 AccessDenied even with the bypass', async () => {
  const b = await lockBucket();
  const v = await put(b, 'k', { ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: NEAR });
  const path = `/${b}/k`;
  const bypass = { 'x-amz-bypass-governance-retention': 'true' };
  assertLocked(await withMd5('PUT', path, { retention: '' }, retentionXml('COMPLIANCE', new Date(NEAR.getTime() - DAY_MS)), bypass));
  assertLocked(await withMd5('PUT', path, { retention: '' }, retentionXml('GOVERNANCE', NEAR), bypass));
  assertLocked(await withMd5('PUT', path, { retention: '' }, '<Retention/>', bypass));
  assert.equal((await withMd5('PUT', path, { retention: '' }, retentionXml('COMPLIANCE', FAR))).status, 200);
  assertLocked(await deleteVersion(b, 'k', v, true));
});

test('a version under GOVERNANCE retention is deleted by version id only with the bypass; a delete marker on top is allowed', async () => {
  const b = await lockBucket();
  const v = await put(b, 'k', { ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: FAR });
  assertLocked(await deleteVersion(b, 'k', v));
  const marker = await c.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
  assert.equal(marker.DeleteMarker, true);
  assertLocked(await deleteVersion(b, 'k', v));
  assert.equal((await deleteVersion(b, 'k', v, true)).status, 204);
  assert.equal((await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/k`, query: { versionId: v } })).status, 404);
});

test('a legal hold blocks deleting a version even with the bypass until it is turned OFF', async () => {
  const b = await lockBucket();
  const v = await put(b, 'k');
  await c.s3.send(new PutObjectLegalHoldCommand({ Bucket: b, Key: 'k', LegalHold: { Status: 'ON' } }));
  assert.equal((await c.s3.send(new GetObjectLegalHoldCommand({ Bucket: b, Key: 'k', VersionId: v }))).LegalHold?.Status, 'ON');
  assert.equal((await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/k` })).headers['x-amz-object-lock-legal-hold'], 'ON');
  assertLocked(await deleteVersion(b, 'k', v, true));
  await c.s3.send(new PutObjectLegalHoldCommand({ Bucket: b, Key: 'k', VersionId: v, LegalHold: { Status: 'OFF' } }));
  assert.equal((await c.s3.send(new GetObjectLegalHoldCommand({ Bucket: b, Key: 'k' }))).LegalHold?.Status, 'OFF');
  assert.equal((await deleteVersion(b, 'k', v)).status, 204);
});

test('a legal hold Status other than ON or OFF fails with 400 MalformedXML', async () => {
  const b = await lockBucket();
  await put(b, 'k');
  const r = await withMd5('PUT', `/${b}/k`, { 'legal-hold': '' }, '<LegalHold><Status>abc</Status></LegalHold>');
  assert.equal(r.status, 400);
  assert.equal(r.code, 'MalformedXML');
});

test('a retention that has run out no longer protects its version', async () => {
  const b = await lockBucket();
  const v = await put(b, 'k', { ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date(Date.now() + 1500) });
  assertLocked(await deleteVersion(b, 'k', v));
  await new Promise((r) => setTimeout(r, 1600));
  assert.equal((await deleteVersion(b, 'k', v)).status, 204);
});

test('DeleteObjects refuses each locked version with AccessDenied and deletes the others; the bypass lets GOVERNANCE go', async () => {
  const b = await lockBucket();
  const locked = await put(b, 'locked');
  const free = await put(b, 'free');
  await c.s3.send(new PutObjectRetentionCommand({ Bucket: b, Key: 'locked', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: FAR } }));
  const out = await c.s3.send(
    new DeleteObjectsCommand({
      Bucket: b,
      Delete: {
        Objects: [
          { Key: 'locked', VersionId: locked },
          { Key: 'free', VersionId: free },
        ],
      },
    }),
  );
  assert.deepEqual(
    out.Errors?.map((e) => [e.Key, e.VersionId, e.Code]),
    [['locked', locked, 'AccessDenied']],
  );
  assert.deepEqual(
    out.Deleted?.map((d) => [d.Key, d.VersionId]),
    [['free', free]],
  );
  const bypassed = await c.s3.send(new DeleteObjectsCommand({ Bucket: b, BypassGovernanceRetention: true, Delete: { Objects: [{ Key: 'locked', VersionId: locked }] } }));
  assert.equal(bypassed.Errors, undefined);
  assert.deepEqual(
    bypassed.Deleted?.map((d) => d.VersionId),
    [locked],
  );
});

test('PUT with lock headers locks the new version; the headers need Content-MD5 or a checksum and come as a pair', async () => {
  const b = await lockBucket();
  await put(b, 'k', { ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: FAR, ObjectLockLegalHoldStatus: 'ON' });
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }));
  assert.deepEqual([head.ObjectLockMode, head.ObjectLockRetainUntilDate, head.ObjectLockLegalHoldStatus], ['GOVERNANCE', FAR, 'ON']);
  const lockHeaders = { 'x-amz-object-lock-mode': 'GOVERNANCE', 'x-amz-object-lock-retain-until-date': FAR.toISOString() };
  const noDigest = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/raw`, body: 'x', headers: lockHeaders });
  assert.equal(noDigest.status, 400);
  assert.equal(noDigest.code, 'InvalidRequest');
  assert.match(noDigest.message ?? '', /Content-MD5 OR x-amz-checksum- HTTP header is required/);
  assert.equal((await withMd5('PUT', `/${b}/raw`, {}, 'x', lockHeaders)).status, 200);
  const half = await withMd5('PUT', `/${b}/half`, {}, 'x', { 'x-amz-object-lock-mode': 'GOVERNANCE' });
  assert.equal(half.status, 400);
  assert.equal(half.code, 'InvalidArgument');
  const badMode = await withMd5('PUT', `/${b}/bad`, {}, 'x', { ...lockHeaders, 'x-amz-object-lock-mode': 'FOREVER' });
  assert.equal(badMode.code, 'InvalidArgument');
  const badDate = await withMd5('PUT', `/${b}/bad`, {}, 'x', { ...lockHeaders, 'x-amz-object-lock-retain-until-date': 'soon' });
  assert.equal(badDate.code, 'InvalidArgument');
  const badHold = await withMd5('PUT', `/${b}/bad`, {}, 'x', { 'x-amz-object-lock-legal-hold': 'maybe' });
  assert.equal(badHold.code, 'InvalidArgument');
});

test('a bucket default retention needs Content-MD5 or a checksum on PUT; the SDK’s default CRC32 is enough', async () => {
  const b = await lockBucket();
  await c.s3.send(
    new PutObjectLockConfigurationCommand({ Bucket: b, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } } }),
  );
  const raw = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/raw`, body: 'x' });
  assert.equal(raw.status, 400);
  assert.equal(raw.code, 'InvalidRequest');
  await put(b, 'sdk');
  assert.equal((await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'sdk' }))).ObjectLockMode, 'GOVERNANCE');
});

test('a copy takes the lock its request asks for (or the bucket default), never the source’s', async () => {
  const b = await lockBucket();
  await put(b, 'src', { ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: FAR, ObjectLockLegalHoldStatus: 'ON' });
  await c.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'plain', CopySource: `${b}/src` }));
  const plain = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'plain' }));
  assert.deepEqual([plain.ObjectLockMode, plain.ObjectLockLegalHoldStatus], [undefined, undefined]);
  await c.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'held', CopySource: `${b}/src`, ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: NEAR }));
  const held = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'held' }));
  assert.deepEqual([held.ObjectLockMode, held.ObjectLockRetainUntilDate], ['GOVERNANCE', NEAR]);
  const other = await newBucket(c.s3);
  const refused = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: `/${other}/copy`,
    headers: { 'x-amz-copy-source': `/${b}/src`, 'x-amz-object-lock-legal-hold': 'ON' },
  });
  assert.equal(refused.code, 'InvalidRequest');
});

test('CreateMultipartUpload lock headers lock the completed object', async () => {
  const b = await lockBucket();
  const up = await c.s3.send(
    new CreateMultipartUploadCommand({ Bucket: b, Key: 'mpu', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: FAR, ObjectLockLegalHoldStatus: 'ON' }),
  );
  const part = await c.s3.send(new UploadPartCommand({ Bucket: b, Key: 'mpu', UploadId: up.UploadId, PartNumber: 1, Body: 'only part' }));
  const done = await c.s3.send(
    new CompleteMultipartUploadCommand({ Bucket: b, Key: 'mpu', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
  );
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'mpu' }));
  assert.deepEqual([head.ObjectLockMode, head.ObjectLockRetainUntilDate, head.ObjectLockLegalHoldStatus], ['GOVERNANCE', FAR, 'ON']);
  assertLocked(await deleteVersion(b, 'mpu', done.VersionId!, true));
  const other = await newBucket(c.s3);
  const refused = await rawRequest(c.endpoint, { method: 'POST', path: `/${other}/mpu`, query: { uploads: '' }, headers: { 'x-amz-object-lock-legal-hold': 'ON' } });
  assert.equal(refused.code, 'InvalidRequest');
});

test('a part of an upload that will be locked (its headers, or the bucket default) needs Content-MD5 or a checksum; the SDK’s default CRC32 is enough', async () => {
  const b = await lockBucket();
  const partPath = (key: string, uploadId: string) => ({ path: `/${b}/${key}`, query: { partNumber: '1', uploadId } });
  const headed = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'headed', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: FAR }));
  const bare = await rawRequest(c.endpoint, { method: 'PUT', ...partPath('headed', headed.UploadId!), body: 'part' });
  assert.equal(bare.status, 400);
  assert.equal(bare.code, 'InvalidRequest');
  const { path, query } = partPath('headed', headed.UploadId!);
  assert.equal((await withMd5('PUT', path, query, 'part')).status, 200);

  // No lock asked for, and no default retention: a bare part is fine.
  const plain = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'plain' }));
  assert.equal((await rawRequest(c.endpoint, { method: 'PUT', ...partPath('plain', plain.UploadId!), body: 'part' })).status, 200);
  await c.s3.send(
    new PutObjectLockConfigurationCommand({ Bucket: b, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } } }),
  );
  const defaulted = await rawRequest(c.endpoint, { method: 'PUT', ...partPath('plain', plain.UploadId!), body: 'part' });
  assert.equal(defaulted.status, 400);
  assert.equal(defaulted.code, 'InvalidRequest');
  const sdk = await c.s3.send(new UploadPartCommand({ Bucket: b, Key: 'plain', UploadId: plain.UploadId, PartNumber: 1, Body: 'part' }));
  assert.ok(sdk.ChecksumCRC32);
});

test('a browser POST takes the lock fields as PUT takes the headers: a legal hold alone, a retention only with a checksum', async () => {
  const b = await lockBucket();
  const post = (key: string, fields: Array<[string, string]>, content: string) =>
    postForm(c.endpoint, b, [['key', key], ...fields, ...signedV4Fields({ bucket: b, conditions: [{ key }, ...fields.map(([n, v]) => ({ [n]: v }))] })], { content });
  const held = await post('held', [['x-amz-object-lock-legal-hold', 'ON']], 'held bytes');
  assert.equal(held.status, 204, held.body);
  assert.equal((await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'held' }))).ObjectLockLegalHoldStatus, 'ON');
  const retention: Array<[string, string]> = [
    ['x-amz-object-lock-mode', 'COMPLIANCE'],
    ['x-amz-object-lock-retain-until-date', FAR.toISOString()],
  ];
  const bare = await post('kept', retention, 'kept bytes');
  assert.equal(bare.status, 400, bare.body);
  assert.equal(bare.code, 'InvalidRequest');
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(crc32('kept bytes'));
  const checked = await post('kept', [...retention, ['x-amz-checksum-crc32', sum.toString('base64')]], 'kept bytes');
  assert.equal(checked.status, 204, checked.body);
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'kept' }));
  assert.deepEqual([head.ObjectLockMode, head.ObjectLockRetainUntilDate], ['COMPLIANCE', FAR]);
  assertLocked(await deleteVersion(b, 'kept', head.VersionId!, true));
});

test('another user may bypass GOVERNANCE retention only when a policy grants s3:BypassGovernanceRetention', async () => {
  const b = await lockBucket();
  const v = await put(b, 'k', { ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: FAR });
  const alice = await c.server.engine.createUser({ name: `alice-${bucketName('u')}` });
  const credentials = { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey };
  const grant = async (actions: string[]) =>
    c.s3.send(
      new PutBucketPolicyCommand({
        Bucket: b,
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: alice.user.id }, Action: actions, Resource: `arn:aws:s3:::${b}/*` }] }),
      }),
    );
  const deleteWithBypass = () =>
    rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}/k`, query: { versionId: v }, headers: { 'x-amz-bypass-governance-retention': 'true' }, credentials });
  // May delete versions, not bypass: the header is ignored and the lock holds.
  await grant(['s3:DeleteObjectVersion']);
  assertLocked(await deleteWithBypass());
  assert.equal((await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/k`, query: { versionId: v } })).status, 200);
  await grant(['s3:DeleteObjectVersion', 's3:BypassGovernanceRetention']);
  assert.equal((await deleteWithBypass()).status, 204);
  assert.equal((await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/k`, query: { versionId: v } })).status, 404);
});
