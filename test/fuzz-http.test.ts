// Random raw HTTP requests against a real Coffer (fuzz/http-fuzz.ts): every one gets a whole
// answer, a success or S3's XML error with a code from the table at its status, never an
// InternalError or a connection closed without a response; the server goes on serving. npm run
// fuzz sends many more (COFFER_FUZZ_HTTP_RUNS).
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { httpProperty } from '../fuzz/http-fuzz.js';
import { newBucket, startTestCofferForTest } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import { startChildCofferForTest, waitFor } from './helpers/child.js';
import { delay, openExchange } from './helpers/socket.js';

const RUNS = Number(process.env.COFFER_FUZZ_HTTP_CI_RUNS ?? 1000);
const SEED = Number(process.env.COFFER_FUZZ_SEED ?? 20261207);

test(`${RUNS} random raw requests each get a whole answer, success or an S3 error from the table, never InternalError, and the server goes on`, async (t) => {
  // Short time-outs, so a body announced longer than sent is answered (RequestTimeout) quickly.
  const c = await startTestCofferForTest(t, { COFFER_REQUEST_TIMEOUT: '0.3', COFFER_HEADERS_TIMEOUT: '1' });
  const bucket = await newBucket(c.s3, 'fuzz');
  await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'object k' }));
  await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'dir/k2', Body: 'object dir/k2' }));
  const details = await fc.check(httpProperty({ endpoint: c.endpoint, accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, bucket }), {
    numRuns: RUNS,
    seed: SEED,
    endOnFailure: true,
  });
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  assert.equal(details.failed, false, `seed ${details.seed}, path ${details.counterexamplePath}: ${error}`);
  assert.equal(details.numRuns, RUNS);
  // The fuzz may have deleted what it found; the server still does everything anew.
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: '/' })).status, 200);
  const after = await newBucket(c.s3, 'after');
  await c.s3.send(new PutObjectCommand({ Bucket: after, Key: 'k', Body: 'still here' }));
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${after}/k` })).body, 'still here');
});

// Found by the fuzz above: the end of a connection in the middle of a second request's headers,
// after the first was answered, reached answerClientError with no response in flight (null),
// and the TypeError it threw ended the whole process.
test('a client that closes in the middle of its second request’s headers does not take the server down', async (t) => {
  // A server process of its own: the failure ended the process it ran in.
  const root = await mkdtemp(join(tmpdir(), 'coffer-fuzz-'));
  const c = await startChildCofferForTest(t, root, join(root, 'data'));
  const url = new URL(c.endpoint);
  for (const rest of ['GET /x HTTP/1.1\r\nHo', 'PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Le', 'G']) {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    socket.on('error', () => undefined);
    const closed = new Promise((r) => socket.once('close', r));
    let got = '';
    socket.setEncoding('latin1').on('data', (d: string) => (got += d));
    socket.write(`GET /_coffer/health/live HTTP/1.1\r\nHost: ${url.host}\r\n\r\n${rest}`);
    await waitFor('the first answer', async () => got.includes('"status":"ok"'), 5000);
    socket.end();
    await closed;
    // The process lives on and answers.
    await delay(100);
    assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: '/' })).status, 200, `after ${JSON.stringify(rest)}: ${c.output().stderr}`);
  }
});

// Found by the post-form fuzz target: busboy names a part without name= undefined, and reading
// its name threw inside busboy's event, which ended the process.
test('a POST form part without a name is refused with an S3 error and the server stays up', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'coffer-fuzz-'));
  const c = await startChildCofferForTest(t, root, join(root, 'data'));
  assert.equal((await rawRequest(c.endpoint, { method: 'PUT', path: '/post-nameless' })).status, 200);
  const boundary = 'nameless';
  const body = `--${boundary}\r\nContent-Disposition: form-data; filename="f.txt"\r\n\r\ncontent\r\n--${boundary}--\r\n`;
  const ex = openExchange(c.endpoint, 'POST', '/post-nameless', {
    host: new URL(c.endpoint).host,
    'content-type': `multipart/form-data; boundary=${boundary}`,
    'content-length': String(Buffer.byteLength(body)),
  });
  ex.send(body);
  const r = await ex.response;
  assert.ok(r, `no answer: ${c.output().stderr}`);
  assert.equal(r.status, 400, r.body);
  assert.equal(r.code, 'IncorrectNumberOfFilesInPostRequest');
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: '/' })).status, 200);
});
