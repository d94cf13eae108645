// Starting and stopping. Start-up that cannot go on ends with one line saying why, exit code 1
// and nothing left running. One Coffer per embedded data dir: a second one started on the same
// files says so and exits without touching what the first one is writing. A stop signal lets the
// uploads in progress finish.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChildCoffer, startChildCofferForTest, waitFor } from './helpers/child.js';
import { bucketName, newBucketRaw } from './helpers/coffer.js';
import { sigV2Request } from './helpers/sigv2.js';
import { bytesRequest, deterministicBytes, finishPartialPut, md5Hex, startPartialPut } from './helpers/bytes.js';
import { tmpFiles } from './helpers/files.js';

test('a second Coffer on a data dir in use exits with a clear message and leaves the first one’s upload alone', { timeout: 30_000 }, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'coffer-lock-'));
  const dataDir = join(root, 'data');
  const first = await startChildCofferForTest(t, root, dataDir);
  const bucket = await newBucketRaw(first.endpoint, 'lock');

  // An upload half sent: its bytes sit in a temp file of the first server.
  const body = deterministicBytes('in-flight', 1024 * 1024);
  const put = await startPartialPut(first.endpoint, `/${bucket}/in-flight`, body, body.length / 2, false);
  await waitFor('the upload’s temp file', async () => (await tmpFiles(dataDir)).length === 1);

  await assert.rejects(startChildCoffer(dataDir), (err: Error) => {
    assert.match(err.message, /exited before listening \(code 1,/);
    assert.match(err.message, /coffer: the data directory .* is in use by another Coffer process/);
    assert.doesNotMatch(err.message, /at .*\.js:\d+/, 'a message, not a stack trace');
    return true;
  });

  // The first server finishes the upload from the temp file the second one did not clear.
  const res = await finishPartialPut(put, body.subarray(body.length / 2));
  assert.equal(res.statusCode, 200);
  const got = await bytesRequest(first.endpoint, { method: 'GET', path: `/${bucket}/in-flight` });
  assert.equal(md5Hex(got.body), md5Hex(body));
});

test('a port in use, TLS files that cannot be read, or a database URL this Coffer cannot serve stop the start-up with one line', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'coffer-start-'));
  const first = await startChildCofferForTest(t, root, join(root, 'a'));
  const cases = [
    { env: { COFFER_ADDRESS: new URL(first.endpoint).host }, code: 1, says: /coffer: cannot listen on 127\.0\.0\.1:\d+: the address is in use/ },
    {
      env: { COFFER_TLS_ADDRESS: '127.0.0.1:0', COFFER_TLS_CERT: join(root, 'missing.pem'), COFFER_TLS_KEY: join(root, 'missing.key') },
      code: 1,
      says: /coffer: cannot read COFFER_TLS_CERT .*missing\.pem: ENOENT/,
    },
    {
      // A configuration error (exit 2), found before anything is opened.
      env: { COFFER_DATABASE_URL: 'postgres://coffer@127.0.0.1/coffer' },
      code: 2,
      says: /coffer: COFFER_DATABASE_URL is set, but this Coffer has only the embedded SQLite metadata store/,
    },
  ];
  for (const { env, code, says } of cases) {
    await assert.rejects(startChildCoffer(join(root, 'b'), { env }), (err: Error) => {
      assert.match(err.message, new RegExp(`exited before listening \\(code ${code},`));
      assert.match(err.message, says);
      assert.doesNotMatch(err.message, /at .*\.js:\d+/, 'a message, not a stack trace');
      return true;
    });
  }
});

test('SIGTERM lets an upload in progress finish, then the server exits 0 and the object is there after a restart', { timeout: 30_000 }, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'coffer-stop-'));
  const dataDir = join(root, 'data');
  const child = await startChildCoffer(dataDir);
  t.after(() => child.kill('SIGKILL'));
  const bucket = await newBucketRaw(child.endpoint, 'stop');
  const body = deterministicBytes('stopping', 1024 * 1024);
  const put = await startPartialPut(child.endpoint, `/${bucket}/k`, body, body.length / 2, false);
  await waitFor('the upload’s temp file', async () => (await tmpFiles(dataDir)).length === 1);

  child.kill('SIGTERM');
  await waitFor('the stop notice', async () => child.output().stdout.includes('Stopping: waiting'));
  const res = await finishPartialPut(put, body.subarray(body.length / 2));
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers.connection, 'close');
  assert.deepEqual(await child.waitExit(), { code: 0, signal: null });

  const again = await startChildCofferForTest(t, root, dataDir);
  const got = await bytesRequest(again.endpoint, { method: 'GET', path: `/${bucket}/k` });
  assert.equal(md5Hex(got.body), md5Hex(body));
});

test('COFFER_SIGV2 other than on or off stops the start-up with one line and exit code 2', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'coffer-sigv2-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  await assert.rejects(startChildCoffer(join(root, 'data'), { env: { COFFER_SIGV2: 'yes' } }), (err: Error) => {
    assert.match(err.message, /exited before listening \(code 2,/);
    assert.match(err.message, /coffer: COFFER_SIGV2 must be on or off, got 'yes'/);
    assert.doesNotMatch(err.message, /at .*\.js:\d+/, 'a message, not a stack trace');
    return true;
  });
});

test('`coffer server --sigv2` accepts SigV2-signed requests, and `--sigv2 off` overrides COFFER_SIGV2=on', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'coffer-sigv2-'));
  const on = await startChildCofferForTest(t, root, join(root, 'a'), { args: ['--sigv2', '--log-level', 'warn'] });
  assert.equal((await sigV2Request(on.endpoint, { method: 'PUT', target: `/${bucketName('flag')}` })).status, 200);
  const off = await startChildCofferForTest(t, root, join(root, 'b'), { args: ['--sigv2', 'off'], env: { COFFER_SIGV2: 'on' } });
  const refused = await sigV2Request(off.endpoint, { method: 'PUT', target: `/${bucketName('flag')}` });
  assert.equal(refused.status, 400);
  assert.equal(refused.message, 'Please use AWS4-HMAC-SHA256.');
});
