// RestoreObject: 202 when a restore starts, 409 RestoreAlreadyInProgress while it runs, 200 once a
// restored copy exists; the copy is readable after the tier's delay and for Days (a day is
// COFFER_LIFECYCLE_DAY_SECONDS), then goes. https://docs.aws.amazon.com/AmazonS3/latest/API/API_RestoreObject.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, ListObjectsV2Command, PutObjectCommand, RestoreObjectCommand } from '@aws-sdk/client-s3';
import { bodyBytes, newBucket, startTestCofferForTest, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import { eventually, restoreOf } from './helpers/archive.js';

// Expedited restores take 0.3 s, Standard 1 s, Bulk an hour; a day lasts 2 s.
const c = testCofferForFile({ COFFER_RESTORE_SECONDS: 'Expedited=0.3,Standard=1,Bulk=3600', COFFER_LIFECYCLE_DAY_SECONDS: '2' });

const restoreXml = (days: string, tier = 'Expedited'): string =>
  `<RestoreRequest xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Days>${days}</Days><GlacierJobParameters><Tier>${tier}</Tier></GlacierJobParameters></RestoreRequest>`;

async function restore(bucket: string, key: string, body: string, query: Record<string, string> = {}) {
  return rawRequest(c.endpoint, { method: 'POST', path: `/${bucket}/${key}`, query: { restore: '', ...query }, body });
}

test('RestoreObject answers 202, then 409 RestoreAlreadyInProgress while the restore runs, with ongoing-request="true" on HEAD', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'cold', StorageClass: 'GLACIER' }));
  const first = await restore(b, 'k', restoreXml('1', 'Bulk'));
  assert.equal(first.status, 202);
  assert.equal(first.body, '');
  assert.equal(await restoreOf(c.s3, b, 'k'), 'ongoing-request="true"');
  const again = await restore(b, 'k', restoreXml('1', 'Bulk'));
  assert.equal(again.status, 409);
  assert.equal(again.code, 'RestoreAlreadyInProgress');
  assert.equal(again.message, 'Object restore is already in progress');
  // Still not readable.
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k` })).code, 'InvalidObjectState');
});

test('after the tier delay the restored copy is readable, HEAD shows its expiry-date, and a new RestoreObject answers 200', async () => {
  const b = await newBucket(c.s3);
  const text = 'restored bytes '.repeat(10_000);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: text, StorageClass: 'DEEP_ARCHIVE' }));
  const sdk = await c.s3.send(new RestoreObjectCommand({ Bucket: b, Key: 'k', RestoreRequest: { Days: 5, GlacierJobParameters: { Tier: 'Standard' } } }));
  assert.equal(sdk.$metadata.httpStatusCode, 202);
  await eventually(async () => (await restoreOf(c.s3, b, 'k'))?.startsWith('ongoing-request="false"') === true);
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }));
  assert.equal(head.StorageClass, 'DEEP_ARCHIVE');
  const m = /^ongoing-request="false", expiry-date="([^"]+)"$/.exec(head.Restore!);
  assert.ok(m, head.Restore);
  const expiry = Date.parse(m[1]!);
  // Days 5 of 2 s each, from completion, rounded up to a day boundary.
  assert.ok(expiry > Date.now() + 7_000 && expiry <= Date.now() + 12_000, `${expiry - Date.now()} ms`);
  assert.equal(expiry % 2000, 0);
  const got = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', Range: 'bytes=15-29' }));
  assert.equal((await bodyBytes(got)).toString(), 'restored bytes ');
  assert.equal(got.StorageClass, 'DEEP_ARCHIVE');
  assert.equal((await bodyBytes(await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' })))).toString(), text);
  const renewed = await restore(b, 'k', restoreXml('1'));
  assert.equal(renewed.status, 200);
  const shorter = Date.parse(/expiry-date="([^"]+)"/.exec((await restoreOf(c.s3, b, 'k'))!)![1]!);
  assert.ok(shorter < expiry, 'Days of the new request replace the old period');
});

test('the restored copy goes when its Days are over: GET is InvalidObjectState again and x-amz-restore is gone', async (t) => {
  // A Coffer of its own, so no other test's restored copies come and go in its blob count.
  const c = await startTestCofferForTest(t, { COFFER_RESTORE_SECONDS: 'Expedited=0.3', COFFER_LIFECYCLE_DAY_SECONDS: '2' });
  const restore = (bucket: string, key: string, body: string) => rawRequest(c.endpoint, { method: 'POST', path: `/${bucket}/${key}`, query: { restore: '' }, body });
  const blobFiles = async (): Promise<number> => {
    let n = 0;
    const root = join(c.dataDir, 'blobs');
    for (const a of await readdir(root)) for (const b of await readdir(join(root, a))) n += (await readdir(join(root, a, b))).length;
    return n;
  };
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'brief', StorageClass: 'GLACIER' }));
  const blobsBefore = await blobFiles();
  assert.equal((await restore(b, 'k', restoreXml('1'))).status, 202);
  await eventually(async () => (await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k` })).status === 200);
  assert.equal(await blobFiles(), blobsBefore + 1, 'the restored copy is a blob of its own');
  await eventually(async () => (await restoreOf(c.s3, b, 'k')) === undefined, 10_000);
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k` });
  assert.equal(r.status, 403);
  assert.equal(r.code, 'InvalidObjectState');
  assert.equal(await blobFiles(), blobsBefore);
});

test('RestoreObject of an object that is not archived is 403 InvalidObjectState; of a missing key 404 NoSuchKey', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'hot', Body: 'x', StorageClass: 'STANDARD_IA' }));
  const r = await restore(b, 'hot', restoreXml('1'));
  assert.equal(r.status, 403);
  assert.equal(r.code, 'InvalidObjectState');
  assert.equal(r.message?.replace('&apos;', "'"), "Restore is not allowed for the object's current storage class");
  const missing = await restore(b, 'nope', restoreXml('1'));
  assert.equal(missing.status, 404);
  assert.equal(missing.code, 'NoSuchKey');
});

test('an Expedited restore of a DEEP_ARCHIVE object is 403 InvalidObjectState; Standard and Bulk start', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'deep', Body: 'x', StorageClass: 'DEEP_ARCHIVE' }));
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'deep2', Body: 'x', StorageClass: 'DEEP_ARCHIVE' }));
  const r = await restore(b, 'deep', restoreXml('1', 'Expedited'));
  assert.equal(r.status, 403);
  assert.equal(r.code, 'InvalidObjectState');
  assert.match(r.body, /<StorageClass>DEEP_ARCHIVE<\/StorageClass>/);
  assert.equal(await restoreOf(c.s3, b, 'deep'), undefined, 'no restore started');
  assert.equal((await restore(b, 'deep', restoreXml('1', 'Standard'))).status, 202);
  assert.equal((await restore(b, 'deep2', restoreXml('1', 'Bulk'))).status, 202);
});

test('a RestoreRequest off S3 schema is 400 MalformedXML, an empty body MissingRequestBodyError, Days below 1 InvalidArgument', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', StorageClass: 'GLACIER' }));
  for (const body of [
    '<RestoreRequest><GlacierJobParameters><Tier>Bulk</Tier></GlacierJobParameters></RestoreRequest>',
    restoreXml('one'),
    restoreXml('1', 'Fastest'),
    '<RestoreRequest><Days>1</Days><Colour>blue</Colour></RestoreRequest>',
    '<RestoreRequest><Days>1</Days>',
    '<Restore><Days>1</Days></Restore>',
    // A top-level Tier belongs to a SELECT request.
    '<RestoreRequest><Days>1</Days><Tier>Bulk</Tier></RestoreRequest>',
  ]) {
    const r = await restore(b, 'k', body);
    assert.equal(r.status, 400, body);
    assert.equal(r.code, 'MalformedXML', body);
  }
  const empty = await restore(b, 'k', '');
  assert.equal(empty.status, 400);
  assert.equal(empty.code, 'MissingRequestBodyError');
  const zero = await restore(b, 'k', restoreXml('0'));
  assert.equal(zero.status, 400);
  assert.equal(zero.code, 'InvalidArgument');
  // Nothing was started by the refused requests.
  assert.equal(await restoreOf(c.s3, b, 'k'), undefined);
});

test('a restore of a version names it with versionId; a version id that is none of ours is 400 InvalidArgument', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', StorageClass: 'GLACIER' }));
  const r = await restore(b, 'k', restoreXml('1', 'Bulk'), { versionId: 'null' });
  assert.equal(r.status, 202);
  const unknown = await restore(b, 'k', restoreXml('1'), { versionId: 'not-a-version' });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.code, 'InvalidArgument');
});

test('listings show RestoreStatus when x-amz-optional-object-attributes asks for it, and only then', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'cold', Body: 'x', StorageClass: 'GLACIER' }));
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'plain', Body: 'x' }));
  assert.equal((await restore(b, 'cold', restoreXml('3', 'Bulk'))).status, 202);
  const asked = await c.s3.send(new ListObjectsV2Command({ Bucket: b, OptionalObjectAttributes: ['RestoreStatus'] }));
  assert.deepEqual(
    asked.Contents?.map((o) => [o.Key, o.StorageClass, o.RestoreStatus]),
    [
      ['cold', 'GLACIER', { IsRestoreInProgress: true }],
      ['plain', 'STANDARD', undefined],
    ],
  );
  const versions = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b, OptionalObjectAttributes: ['RestoreStatus'] }));
  assert.deepEqual(versions.Versions?.[0]?.RestoreStatus, { IsRestoreInProgress: true });
  const plain = await c.s3.send(new ListObjectsV2Command({ Bucket: b }));
  assert.equal(plain.Contents?.[0]?.RestoreStatus, undefined);
});

test('a completed restore lists with IsRestoreInProgress false and its RestoreExpiryDate', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'cold', Body: 'x', StorageClass: 'GLACIER' }));
  assert.equal((await restore(b, 'cold', restoreXml('3'))).status, 202);
  await eventually(async () => (await restoreOf(c.s3, b, 'cold'))?.startsWith('ongoing-request="false"') === true);
  const listed = await c.s3.send(new ListObjectsV2Command({ Bucket: b, OptionalObjectAttributes: ['RestoreStatus'] }));
  const status = listed.Contents?.[0]?.RestoreStatus;
  assert.equal(status?.IsRestoreInProgress, false);
  const expiry = /expiry-date="([^"]+)"/.exec((await restoreOf(c.s3, b, 'cold'))!)![1]!;
  assert.equal(status?.RestoreExpiryDate?.getTime(), Date.parse(expiry));
});

test('archive work run by several processes at once completes a restore once: one restored copy', async (t) => {
  const c = await startTestCofferForTest(t, { COFFER_RESTORE_SECONDS: 'Bulk=0.2' });
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'once', StorageClass: 'GLACIER' }));
  const root = join(c.dataDir, 'blobs');
  const blobs = async (): Promise<number> => {
    let n = 0;
    for (const a of await readdir(root)) for (const d of await readdir(join(root, a))) n += (await readdir(join(root, a, d))).length;
    return n;
  };
  const before = await blobs();
  const r = await rawRequest(c.endpoint, { method: 'POST', path: `/${b}/k`, query: { restore: '' }, body: restoreXml('2', 'Bulk') });
  assert.equal(r.status, 202);
  await new Promise((res) => setTimeout(res, 250));
  await Promise.all([1, 2, 3, 4].map(() => c.server.engine.runArchiveTimers()));
  await eventually(async () => (await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k` })).body === 'once');
  // Copies written by the runs that lost are removed once their commit finds the restore done.
  await eventually(async () => (await blobs()) === before + 1);
});
