import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { request } from 'node:http';
import { ListBucketsCommand, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { S3Client } from '@aws-sdk/client-s3';
import { ROOT_ACCESS_KEY, ROOT_SECRET_KEY, newBucket, testCofferForFile } from './helpers/coffer.js';
import { adminRequest } from '../src/cli/admin-client.js';

const run = promisify(execFile);
const c = testCofferForFile({ COFFER_DOMAINS: 's3.local.test' });

const root = () => ({ endpoint: c.endpoint, accessKeyId: ROOT_ACCESS_KEY, secretAccessKey: ROOT_SECRET_KEY, region: 'us-east-1' });

test('health endpoints answer without credentials', async () => {
  for (const p of ['/_coffer/health/live', '/_coffer/health/ready']) {
    const status = await new Promise<number>((resolve, reject) => {
      request(new URL(p, c.endpoint), (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    assert.equal(status, 200, p);
  }
});

test('admin API creates, lists and deletes users; the new user can use S3', async () => {
  const created = await adminRequest(root(), 'POST', '/_coffer/admin/v1/users', { name: 'alice', email: 'alice@example.com' });
  assert.equal(created.status, 201);
  const body = created.body as { accessKeyId: string; secretAccessKey: string; name: string; email: string };
  assert.equal(body.name, 'alice');
  assert.equal(body.email, 'alice@example.com');
  const s3 = c.client(body.accessKeyId, body.secretAccessKey);
  const b = await newBucket(s3);
  const listed = await adminRequest(root(), 'GET', '/_coffer/admin/v1/users');
  const users = (listed.body as { users: Array<{ name: string; accessKeyIds: string[] }> }).users;
  assert.ok(users.some((u) => u.name === 'alice' && u.accessKeyIds.includes(body.accessKeyId)));
  const dup = await adminRequest(root(), 'POST', '/_coffer/admin/v1/users', { name: 'alice' });
  assert.equal(dup.status, 409);
  // A user who owns buckets is kept; once they are gone the user can be deleted.
  assert.equal((await adminRequest(root(), 'DELETE', '/_coffer/admin/v1/users/alice')).status, 409);
  await c.server.engine.deleteBucket(b);
  assert.equal((await adminRequest(root(), 'DELETE', '/_coffer/admin/v1/users/alice')).status, 204);
  await assert.rejects(s3.send(new ListBucketsCommand({})), (e: Error) => e.name === 'InvalidAccessKeyId');
});

test('the admin API refuses non-admin users with AccessDenied', async () => {
  const u = await c.server.engine.createUser({ name: 'bob' });
  const r = await adminRequest({ ...root(), accessKeyId: u.accessKeyId, secretAccessKey: u.secretAccessKey }, 'GET', '/_coffer/admin/v1/users');
  assert.equal(r.status, 403);
});

test('coffer admin user create|list|delete drives the admin API', async () => {
  const env = { ...process.env, COFFER_ENDPOINT: c.endpoint, COFFER_ROOT_ACCESS_KEY: ROOT_ACCESS_KEY, COFFER_ROOT_SECRET_KEY: ROOT_SECRET_KEY };
  const created = await run(process.execPath, ['bin/coffer.js', 'admin', 'user', 'create', '--name', 'carol', '--email', 'c@example.com', '--json'], { env });
  const out = JSON.parse(created.stdout) as { accessKeyId: string };
  assert.match(out.accessKeyId, /^[A-Z0-9]{20}$/);
  const list = await run(process.execPath, ['bin/coffer.js', 'admin', 'user', 'list', '--json'], { env });
  assert.match(list.stdout, /"carol"/);
  await run(process.execPath, ['bin/coffer.js', 'admin', 'user', 'delete', 'carol'], { env });
  const after = await run(process.execPath, ['bin/coffer.js', 'admin', 'user', 'list', '--json'], { env });
  assert.doesNotMatch(after.stdout, /"carol"/);
});

test('virtual-hosted-style requests address the bucket by Host', async () => {
  const b = await newBucket(c.s3);
  const port = new URL(c.endpoint).port;
  // The SDK puts the bucket in the host name; route it to loopback ourselves.
  const vh = new S3Client({
    endpoint: `http://s3.local.test:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: ROOT_ACCESS_KEY, secretAccessKey: ROOT_SECRET_KEY },
  });
  vh.middlewareStack.add(
    (next) => async (args) => {
      const req = args.request as { hostname: string; headers: Record<string, string> };
      req.headers.host = `${req.hostname}:${port}`;
      req.hostname = '127.0.0.1';
      return next(args);
    },
    { step: 'finalizeRequest', name: 'loopback', priority: 'low' },
  );
  try {
    await vh.send(new PutObjectCommand({ Bucket: b, Key: 'dir/vh.txt', Body: 'virtual' }));
    const g = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'dir/vh.txt' }));
    assert.equal(await g.Body!.transformToString(), 'virtual');
  } finally {
    vh.destroy();
  }
});

test('the access key endpoints add, list, deactivate and delete keys, with {error, code} refusals', async () => {
  await adminRequest(root(), 'POST', '/_coffer/admin/v1/users', { name: 'heidi' });
  const added = await adminRequest(root(), 'POST', '/_coffer/admin/v1/users/heidi/keys', { accessKeyId: 'HEIDIKEY2', secretAccessKey: 'heidi-second-secret' });
  assert.equal(added.status, 201);
  assert.deepEqual(
    { ...(added.body as object), createdAt: undefined },
    { accessKeyId: 'HEIDIKEY2', secretAccessKey: 'heidi-second-secret', status: 'Active', createdAt: undefined },
  );
  const taken = await adminRequest(root(), 'POST', '/_coffer/admin/v1/users/heidi/keys', { accessKeyId: 'HEIDIKEY2' });
  assert.equal(taken.status, 409);
  assert.deepEqual(taken.body, { error: 'access key id already in use', code: 'AccessKeyInUse' });
  const off = await adminRequest(root(), 'PUT', '/_coffer/admin/v1/users/heidi/keys/HEIDIKEY2', { status: 'Inactive' });
  assert.equal(off.status, 200);
  assert.equal((off.body as { status: string }).status, 'Inactive');
  const bad = await adminRequest(root(), 'PUT', '/_coffer/admin/v1/users/heidi/keys/HEIDIKEY2', { status: 'Off' });
  assert.equal(bad.status, 400);
  const keys = (await adminRequest(root(), 'GET', '/_coffer/admin/v1/users/heidi/keys')).body as { accessKeys: Array<Record<string, unknown>> };
  assert.equal(keys.accessKeys.length, 2);
  assert.ok(
    keys.accessKeys.every((k) => k.secretAccessKey === undefined),
    'secrets are never listed',
  );
  assert.equal(keys.accessKeys.find((k) => k.accessKeyId === 'HEIDIKEY2')?.status, 'Inactive');
  assert.equal((await adminRequest(root(), 'DELETE', '/_coffer/admin/v1/users/heidi/keys/HEIDIKEY2')).status, 204);
  const gone = await adminRequest(root(), 'DELETE', '/_coffer/admin/v1/users/heidi/keys/HEIDIKEY2');
  assert.equal(gone.status, 404);
  assert.deepEqual(gone.body, { error: 'user heidi has no access key HEIDIKEY2', code: 'NoSuchAccessKey' });
  const nobody = await adminRequest(root(), 'GET', '/_coffer/admin/v1/users/nobody');
  assert.deepEqual([nobody.status, nobody.body], [404, { error: 'no user nobody', code: 'NoSuchUser' }]);
  const wrongMethod = await adminRequest(root(), 'PATCH', '/_coffer/admin/v1/users/heidi');
  assert.equal(wrongMethod.status, 405);
  const unknown = await adminRequest(root(), 'GET', '/_coffer/admin/v1/nothing-here');
  assert.deepEqual([unknown.status, (unknown.body as { code: string }).code], [404, 'NoSuchEndpoint']);
});

test('a disabled root key from COFFER_ROOT_* is active again after the next start', async () => {
  const engine = c.server.engine;
  await engine.setAccessKeyStatus('root', ROOT_ACCESS_KEY, 'Inactive');
  assert.equal(await engine.lookupAccessKey(ROOT_ACCESS_KEY), undefined);
  // What a start does with the keys in the environment.
  await engine.ensureRootUser(ROOT_ACCESS_KEY, ROOT_SECRET_KEY);
  assert.equal((await engine.lookupAccessKey(ROOT_ACCESS_KEY))?.user.name, 'root');
  assert.equal((await adminRequest(root(), 'GET', '/_coffer/admin/v1/users')).status, 200);
});
