import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetBucketLocationCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  DeleteObjectCommand,
} from '@aws-sdk/client-s3';
import { bucketName, newBucket, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';

const c = testCofferForFile({ COFFER_MAX_BUCKETS: '30', COFFER_REGION_ENDPOINTS: 'eu-west-1=http://eu.example.test:9000', COFFER_DOMAINS: 's3.local.test' });

test('CreateBucket then HeadBucket reports the region', async () => {
  const b = await newBucket(c.s3);
  const head = await c.s3.send(new HeadBucketCommand({ Bucket: b }));
  assert.equal(head.BucketRegion, 'us-east-1');
});

test('CreateBucket of a bucket you own: 200 and nothing changes in us-east-1, 409 BucketAlreadyOwnedByYou elsewhere', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'kept', Body: 'x' }));
  const again = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}` });
  assert.equal(again.status, 200, again.body);
  const list = await c.s3.send(new ListObjectsV2Command({ Bucket: b }));
  assert.deepEqual(
    list.Contents?.map((o) => o.Key),
    ['kept'],
  );

  const eu = bucketName();
  const conf = '<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>';
  assert.equal((await rawRequest(c.endpoint, { method: 'PUT', path: `/${eu}`, body: conf })).status, 200);
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${eu}`, body: conf });
  assert.equal(r.status, 409);
  assert.equal(r.code, 'BucketAlreadyOwnedByYou');
});

test('CreateBucket of a name another user owns fails with 409 BucketAlreadyExists', async () => {
  const b = await newBucket(c.s3);
  const u = await c.server.engine.createUser({ name: `u${Date.now()}` });
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, credentials: { accessKeyId: u.accessKeyId, secretAccessKey: u.secretAccessKey } });
  assert.equal(r.status, 409);
  assert.equal(r.code, 'BucketAlreadyExists');
});

test('CreateBucket with a bad name fails with 400 InvalidBucketName', async () => {
  for (const name of ['ab', 'UPPER-case', 'a..b', '192.168.1.1', '-start', 'end-', 'xn--abc', 'a'.repeat(64)]) {
    const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${name}` });
    assert.equal(r.status, 400, name);
    assert.equal(r.code, 'InvalidBucketName', name);
  }
});

test('CreateBucket with an unknown LocationConstraint fails with 400 InvalidLocationConstraint', async () => {
  const body = '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>mars-north-1</LocationConstraint></CreateBucketConfiguration>';
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${bucketName()}`, body });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidLocationConstraint');
});

test('CreateBucket in another known region: GetBucketLocation reports it from here, a path-style request is a 307 Redirect there', async () => {
  const b = bucketName();
  await c.s3.send(new CreateBucketCommand({ Bucket: b, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
  assert.equal((await c.s3.send(new GetBucketLocationCommand({ Bucket: b }))).LocationConstraint, 'eu-west-1');
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/some/key`, query: { versionId: 'null' } });
  assert.equal(r.status, 307);
  assert.equal(r.statusMessage, 'Moved Temporarily', 'the seed’s status line');
  assert.equal(r.code, 'Redirect');
  assert.equal(r.message, 'Temporary redirect.');
  assert.equal(r.headers.location, `http://eu.example.test:9000/${b}/some/key?versionId=null`);
  assert.equal(r.headers['x-amz-bucket-region'], 'eu-west-1');
});

test('a virtual-hosted request for a bucket in another known region is a 307 TemporaryRedirect to its host there', async () => {
  const b = bucketName();
  await c.s3.send(new CreateBucketCommand({ Bucket: b, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
  const port = new URL(c.endpoint).port;
  const r = await rawRequest(c.endpoint, { method: 'GET', path: '/k', headers: { host: `${b}.s3.local.test:${port}` } });
  assert.equal(r.status, 307);
  assert.equal(r.code, 'TemporaryRedirect');
  assert.equal(r.message, 'You are being redirected to the bucket while DNS updates.');
  assert.equal(r.headers.location, `http://${b}.eu.example.test:9000/k`);
  assert.match(r.body, new RegExp(`<Endpoint>${b}.eu.example.test:9000</Endpoint>`));
});

test('GetBucketVersioning of a bucket that never had versioning has no Status', async () => {
  const b = await newBucket(c.s3);
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { versioning: '' } });
  assert.equal(r.status, 200);
  assert.match(r.body, /<VersioningConfiguration xmlns="http:\/\/s3.amazonaws.com\/doc\/2006-03-01\/"><\/VersioningConfiguration>/);
});

test('GetBucketLocation of a us-east-1 bucket is empty', async () => {
  const b = await newBucket(c.s3);
  const out = await c.s3.send(new GetBucketLocationCommand({ Bucket: b }));
  assert.equal(out.LocationConstraint ?? '', '');
});

test('DeleteBucket on a bucket with objects fails with 409 BucketNotEmpty, then succeeds once empty', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  const r = await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}` });
  assert.equal(r.status, 409);
  assert.equal(r.code, 'BucketNotEmpty');
  await c.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
  await c.s3.send(new DeleteBucketCommand({ Bucket: b }));
  const head = await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}` });
  assert.equal(head.status, 404);
  assert.equal(head.body, '');
});

test('a missing bucket is 404 NoSuchBucket', async () => {
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${bucketName()}` });
  assert.equal(r.status, 404);
  assert.equal(r.code, 'NoSuchBucket');
});

test('another user gets AccessDenied on a bucket they do not own', async () => {
  const b = await newBucket(c.s3);
  const u = await c.server.engine.createUser({ name: `other${Date.now()}` });
  const creds = { accessKeyId: u.accessKeyId, secretAccessKey: u.secretAccessKey };
  for (const [method, path] of [
    ['GET', `/${b}`],
    ['PUT', `/${b}/k`],
    ['DELETE', `/${b}`],
    ['HEAD', `/${b}`],
  ] as const) {
    const r = await rawRequest(c.endpoint, { method, path, credentials: creds });
    assert.equal(r.status, 403, `${method} ${path}`);
    if (method !== 'HEAD') assert.equal(r.code, 'AccessDenied');
  }
  const list = await c.client(u.accessKeyId, u.secretAccessKey).send(new ListBucketsCommand({}));
  assert.equal(list.Buckets?.length ?? 0, 0);
});

test('ListBuckets pages with max-buckets and continuation-token and filters by prefix', async () => {
  const u = await c.server.engine.createUser({ name: `lister${Date.now()}` });
  const s3 = c.client(u.accessKeyId, u.secretAccessKey);
  const names = ['lb-a-1', 'lb-a-2', 'lb-a-3', 'lb-b-1'].map((n) => `${n}-${process.pid}`);
  for (const n of names) await s3.send(new CreateBucketCommand({ Bucket: n }));
  const page1 = await s3.send(new ListBucketsCommand({ MaxBuckets: 2 }));
  assert.deepEqual(
    page1.Buckets?.map((b) => b.Name),
    names.slice(0, 2),
  );
  assert.ok(page1.ContinuationToken);
  const page2 = await s3.send(new ListBucketsCommand({ MaxBuckets: 2, ContinuationToken: page1.ContinuationToken }));
  assert.deepEqual(
    page2.Buckets?.map((b) => b.Name),
    names.slice(2),
  );
  assert.equal(page2.ContinuationToken, undefined);
  const pref = await s3.send(new ListBucketsCommand({ Prefix: 'lb-b' }));
  assert.deepEqual(
    pref.Buckets?.map((b) => b.Name),
    [names[3]],
  );
  assert.equal(page1.Owner?.DisplayName, u.user.name);
});

test('CreateBucket beyond COFFER_MAX_BUCKETS fails with 400 TooManyBuckets', async () => {
  const u = await c.server.engine.createUser({ name: `many${Date.now()}` });
  const creds = { accessKeyId: u.accessKeyId, secretAccessKey: u.secretAccessKey };
  for (let i = 0; i < 30; i++) {
    const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/many-${process.pid}-${i}`, credentials: creds });
    assert.equal(r.status, 200);
  }
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/many-${process.pid}-x`, credentials: creds });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'TooManyBuckets');
});

test('every response carries request ids and Server', async () => {
  const r = await rawRequest(c.endpoint, { method: 'GET', path: '/' });
  assert.equal(r.status, 200);
  assert.match(String(r.headers['x-amz-request-id']), /^[0-9A-F]{16}$/);
  assert.ok(r.headers['x-amz-id-2']);
  assert.equal(r.headers.server, 'Coffer');
  const e = await rawRequest(c.endpoint, { method: 'GET', path: `/${bucketName()}` });
  assert.match(e.body, new RegExp(`<RequestId>${String(e.headers['x-amz-request-id'])}</RequestId>`));
});
