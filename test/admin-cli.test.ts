// `coffer admin`: the thin client of the admin API, run as the installed binary. Users, several
// access keys per user (add, list, disable, enable, delete; a disabled or deleted key answers
// InvalidAccessKeyId), quotas and usage, with --json for scripts and tables for people, and one
// clear line when the endpoint or the keys are wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { ROOT_ACCESS_KEY, ROOT_SECRET_KEY, newBucketRaw, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import { objectPath } from './helpers/multipart.js';

const c = testCofferForFile();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `coffer admin <args>` as a user runs it, with the root keys unless `env` says otherwise. */
function admin(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const base: NodeJS.ProcessEnv = { ...process.env, COFFER_ENDPOINT: c.endpoint, COFFER_ROOT_ACCESS_KEY: ROOT_ACCESS_KEY, COFFER_ROOT_SECRET_KEY: ROOT_SECRET_KEY };
  delete base.AWS_ACCESS_KEY_ID;
  delete base.AWS_SECRET_ACCESS_KEY;
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/coffer.js', 'admin', ...args], { env: { ...base, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function ok(args: string[]): Promise<string> {
  const r = await admin(args);
  assert.equal(r.code, 0, `coffer admin ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function canList(accessKeyId: string, secretAccessKey: string): Promise<true | string> {
  try {
    await c.client(accessKeyId, secretAccessKey).send(new ListBucketsCommand({}));
    return true;
  } catch (err) {
    return (err as Error).name;
  }
}

test('a user holds several access keys; a disabled key answers InvalidAccessKeyId until enabled, a deleted one for good', async () => {
  const created = JSON.parse(await ok(['user', 'create', '--name', 'dave', '--email', 'dave@example.com', '--json'])) as { accessKeyId: string; secretAccessKey: string };
  const added = JSON.parse(await ok(['key', 'add', 'dave', '--json'])) as { accessKeyId: string; secretAccessKey: string; status: string };
  assert.equal(added.status, 'Active');
  assert.notEqual(added.accessKeyId, created.accessKeyId);
  assert.equal(await canList(created.accessKeyId, created.secretAccessKey), true);
  assert.equal(await canList(added.accessKeyId, added.secretAccessKey), true);
  const listed = JSON.parse(await ok(['key', 'list', 'dave', '--json'])) as { accessKeys: Array<{ accessKeyId: string; status: string }> };
  assert.deepEqual(
    listed.accessKeys.map((k) => [k.accessKeyId, k.status]),
    [
      [created.accessKeyId, 'Active'],
      [added.accessKeyId, 'Active'],
    ],
  );

  assert.match(await ok(['key', 'disable', 'dave', created.accessKeyId]), new RegExp(`Access key ${created.accessKeyId} of dave is disabled`));
  assert.equal(await canList(created.accessKeyId, created.secretAccessKey), 'InvalidAccessKeyId');
  const raw = await rawRequest(c.endpoint, { method: 'GET', path: '/', credentials: created });
  assert.equal(raw.status, 403);
  assert.equal(raw.code, 'InvalidAccessKeyId');
  assert.equal(await canList(added.accessKeyId, added.secretAccessKey), true);
  const table = await ok(['key', 'list', 'dave']);
  assert.match(table, /^ACCESS KEY ID +STATUS +CREATED$/m);
  assert.match(table, new RegExp(`^${created.accessKeyId} +Inactive +\\d{4}-`, 'm'));

  await ok(['key', 'enable', 'dave', created.accessKeyId]);
  assert.equal(await canList(created.accessKeyId, created.secretAccessKey), true);

  assert.match(await ok(['key', 'delete', 'dave', created.accessKeyId]), /Deleted access key/);
  assert.equal(await canList(created.accessKeyId, created.secretAccessKey), 'InvalidAccessKeyId');
  const shown = JSON.parse(await ok(['user', 'show', 'dave', '--json'])) as { name: string; email: string; accessKeys: Array<{ accessKeyId: string }> };
  assert.equal(shown.email, 'dave@example.com');
  assert.deepEqual(
    shown.accessKeys.map((k) => k.accessKeyId),
    [added.accessKeyId],
  );
  // Another user's key cannot be managed under this user's name.
  const other = await c.server.engine.createUser({ name: 'erin' });
  const foreign = await admin(['key', 'disable', 'dave', other.accessKeyId]);
  assert.equal(foreign.code, 1);
  assert.equal(foreign.stderr, `coffer admin: user dave has no access key ${other.accessKeyId} (NoSuchAccessKey)\n`);
  assert.equal(await canList(other.accessKeyId, other.secretAccessKey), true);

  assert.match(await ok(['user', 'delete', 'dave']), /Deleted user dave\./);
  assert.equal(await canList(added.accessKeyId, added.secretAccessKey), 'InvalidAccessKeyId');
});

test('user list and show print tables for people', async () => {
  await ok(['user', 'create', '--name', 'frank', '--admin', '--access-key-id', 'FRANKKEY0001', '--secret-access-key', 'frank-secret-key']);
  const list = await ok(['user', 'list']);
  assert.match(list, /^NAME +ADMIN +EMAIL +ACCESS KEYS +CREATED$/m);
  assert.match(list, /^frank +yes +- +FRANKKEY0001 +\d{4}-\d\d-\d\dT/m);
  assert.match(list, /^root +yes +/m);
  const show = await ok(['user', 'show', 'frank']);
  assert.match(show, /^name: +frank$/m);
  assert.match(show, /^admin: +yes$/m);
  assert.match(show, /^FRANKKEY0001 +Active +/m);
});

test('quota set, show and clear, and usage, through the CLI', async () => {
  const b = await newBucketRaw(c.endpoint, 'cli');
  assert.equal(await ok(['quota', 'set', b, '--bytes', '1KiB', '--objects', '5']), `Quota of ${b}: 1.0 KiB (1024 bytes), 5 objects.\n`);
  assert.deepEqual(JSON.parse(await ok(['quota', 'show', b, '--json'])), { hardQuotaBytes: 1024, maxObjects: 5 });
  assert.equal((await rawRequest(c.endpoint, { method: 'PUT', path: objectPath(b, 'k'), body: Buffer.alloc(512) })).status, 200);
  const refused = await rawRequest(c.endpoint, { method: 'PUT', path: objectPath(b, 'k2'), body: Buffer.alloc(513) });
  assert.equal(refused.code, 'VaultQuotaExceeded');
  const one = await ok(['usage', b]);
  assert.match(one, /^BUCKET +OBJECTS +BYTES +UPLOAD PARTS +QUOTA +USED$/m);
  assert.match(one, new RegExp(`^${b} +1 +512 B +0 / 0 B +1\\.0 KiB / 5 obj +50\\.0%$`, 'm'));
  const all = JSON.parse(await ok(['usage', '--json'])) as { buckets: Array<{ bucket: string; bytes: number }>; total: { buckets: number } };
  assert.equal(all.buckets.find((r) => r.bucket === b)?.bytes, 512);
  assert.match(await ok(['usage']), /^\d+ buckets, \d+ objects, .*; unfinished uploads: \d+ parts, /m);
  assert.equal(await ok(['quota', 'clear', b]), `${b} has no quota now.\n`);
  const none = await admin(['quota', 'show', b]);
  assert.equal(none.code, 1);
  assert.equal(none.stderr, `coffer admin: bucket ${b} has no quota (NoSuchQuota)\n`);
  const badSize = await admin(['quota', 'set', b, '--bytes', 'lots']);
  assert.equal(badSize.code, 2);
  assert.match(badSize.stderr, /'lots' is not a size/);
});

test('a wrong endpoint, unknown keys, a wrong secret or a non-admin user each get one clear line and exit 1', async () => {
  const refused = await admin(['user', 'list'], { COFFER_ENDPOINT: 'http://127.0.0.1:1' });
  assert.equal(refused.code, 1);
  assert.equal(
    refused.stderr,
    'coffer admin: cannot reach Coffer at http://127.0.0.1:1: connection refused. Is the server running there? Set COFFER_ENDPOINT (or --endpoint) to its address.\n',
  );
  const unknown = await admin(['user', 'list'], { COFFER_ROOT_ACCESS_KEY: 'NOSUCHKEY', COFFER_ROOT_SECRET_KEY: 'whatever-secret' });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^coffer admin: the server at http:\/\/127\.0\.0\.1:\d+ does not know access key NOSUCHKEY \(InvalidAccessKeyId\)/);
  const badSecret = await admin(['user', 'list'], { COFFER_ROOT_SECRET_KEY: 'not-the-secret' });
  assert.equal(badSecret.code, 1);
  assert.match(badSecret.stderr, /\(SignatureDoesNotMatch\): check COFFER_ROOT_SECRET_KEY/);
  const u = await c.server.engine.createUser({ name: 'grace' });
  const notAdmin = await admin(['user', 'list'], { COFFER_ROOT_ACCESS_KEY: u.accessKeyId, COFFER_ROOT_SECRET_KEY: u.secretAccessKey });
  assert.equal(notAdmin.code, 1);
  assert.equal(notAdmin.stderr, `coffer admin: access key ${u.accessKeyId} belongs to a user who is not an admin (AccessDenied)\n`);
  const noKeys = await admin(['user', 'list'], { COFFER_ROOT_ACCESS_KEY: '', COFFER_ROOT_SECRET_KEY: '' });
  assert.equal(noKeys.code, 1);
  assert.match(noKeys.stderr, /^coffer admin: no keys: set COFFER_ROOT_ACCESS_KEY/);
  const notCoffer = await admin(['user', 'list'], { COFFER_ENDPOINT: 'ftp://example.com' });
  assert.equal(notCoffer.code, 2);
  // The endpoint can also be given as a flag.
  assert.equal((await admin(['user', 'list', '--endpoint', c.endpoint, '--json'], { COFFER_ENDPOINT: 'http://127.0.0.1:1' })).code, 0);
});

test('an unknown command or a missing argument prints the usage and exits 2', async () => {
  const unknown = await admin(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  assert.match(unknown.stderr, /coffer admin key disable USER ACCESS_KEY_ID/);
  const missing = await admin(['key', 'delete', 'dave']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing the access key id: coffer admin key delete USER ACCESS_KEY_ID/);
  const badOption = await admin(['user', 'list', '--bogus']);
  assert.equal(badOption.code, 2);
  const help = await admin(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^ {2}coffer admin quota set BUCKET --bytes SIZE \[--objects N\]$/m);
});
