// Racing writers on one key: readers see one whole version or none, never a torn or mixed body;
// conditional writes decided in the metadata transaction have exactly one winner.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { once } from 'node:events';
import { newBucketRaw, startTestCofferForTest } from './helpers/coffer.js';
import type { TestCoffer } from './helpers/coffer.js';
import { bytesRequest, deterministicBytes, md5Hex } from './helpers/bytes.js';
import type { BytesResponse } from './helpers/bytes.js';
import { blobFiles, tmpFiles } from './helpers/files.js';
import { signHeaders, sha256Hex } from './helpers/raw.js';
import { openExchange } from './helpers/socket.js';

const KiB = 1024;
const INLINE_MAX = 64 * KiB;

function put(c: TestCoffer, path: string, body: Buffer, headers: Record<string, string> = {}): Promise<BytesResponse> {
  return bytesRequest(c.endpoint, { method: 'PUT', path, body, payloadHash: sha256Hex(body), headers });
}

/** Alternately inline-sized and blob-sized bodies, all different. */
function bodies(seed: string, n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => deterministicBytes(`${seed}-${i}`, i % 2 === 0 ? KiB + i : 100 * KiB + i * 13 * KiB));
}

/**
 * Racing conditional PUTs of `candidates` to `path` answered `results`: exactly one 200, every
 * other one 412 PreconditionFailed (it began after the winner committed) or 409 OperationAborted
 * (its condition held when it began), and the key holds the winner's body with no blob file left
 * of the losers'.
 */
async function assertOneWinner(c: TestCoffer, path: string, candidates: Buffer[], results: BytesResponse[]): Promise<void> {
  const winners = results.flatMap((r, i) => (r.status === 200 ? [i] : []));
  assert.equal(winners.length, 1, `statuses: ${results.map((r) => r.status).join(',')}`);
  for (const r of results) {
    if (r.status !== 200) assert.ok((r.status === 412 && r.code === 'PreconditionFailed') || (r.status === 409 && r.code === 'OperationAborted'), `${r.status} ${r.code}`);
  }
  const winner = candidates[winners[0]!]!;
  const got = await bytesRequest(c.endpoint, { method: 'GET', path });
  assert.ok(got.body.equals(winner), 'the stored body is the winner’s');
  assert.equal(got.headers.etag, `"${md5Hex(winner)}"`);
  // The losers' bodies were written to blobs before the condition failed; none may remain.
  assert.equal((await blobFiles(c.dataDir)).length, winner.length > INLINE_MAX ? 1 : 0);
}

test('concurrent PUTs and DELETEs of one key: every GET returns one whole written body with its ETag, or NoSuchKey', async (t) => {
  const c = await startTestCofferForTest(t);
  const bucket = await newBucketRaw(c.endpoint, 'race');
  const path = `/${bucket}/contended`;
  const versions = bodies('overwrite', 24);
  const byEtag = new Map(versions.map((b, i) => [`"${md5Hex(b)}"`, i]));
  assert.equal((await put(c, path, versions[0]!)).status, 200);

  let whole = 0;
  let missing = 0;
  const get = async (): Promise<void> => {
    const res = await bytesRequest(c.endpoint, { method: 'GET', path });
    if (res.status === 404) {
      assert.equal(res.code, 'NoSuchKey');
      missing++;
      return;
    }
    assert.equal(res.status, 200, `GET: ${res.status} ${res.code}`);
    const etag = String(res.headers.etag);
    const i = byEtag.get(etag);
    assert.ok(i !== undefined, `ETag ${etag} is one of the written bodies'`);
    assert.equal(Number(res.headers['content-length']), versions[i]!.length, 'Content-Length of the version the ETag names');
    assert.ok(res.body.equals(versions[i]!), `body is exactly version ${i} (got ${res.body.length} bytes)`);
    whole++;
  };
  const ops: Array<() => Promise<void>> = [];
  for (let i = 1; i < versions.length; i++) {
    ops.push(async () => {
      const res = await put(c, path, versions[i]!);
      assert.equal(res.status, 200);
      assert.equal(res.headers.etag, `"${md5Hex(versions[i]!)}"`);
    });
    ops.push(get, get, get);
    if (i % 4 === 0) {
      ops.push(async () => {
        assert.equal((await bytesRequest(c.endpoint, { method: 'DELETE', path })).status, 204);
      });
    }
  }
  // Three waves, each fully concurrent, so reads overlap writes that are mid-body and mid-commit.
  for (let wave = 0; wave < 3; wave++) await Promise.all(ops.map((op) => op()));
  t.diagnostic(`${whole} whole bodies, ${missing} NoSuchKey`);
  assert.ok(whole > 0, 'some GETs found the object');

  // The replaced and deleted versions left no blob files behind: at most the current one remains.
  const final = await bytesRequest(c.endpoint, { method: 'GET', path });
  const current = final.status === 200 ? versions[byEtag.get(String(final.headers.etag))!]! : undefined;
  if (current) assert.ok(final.body.equals(current));
  else assert.equal(final.code, 'NoSuchKey');
  const expectedFiles = current && current.length > INLINE_MAX ? 1 : 0;
  assert.equal((await blobFiles(c.dataDir)).length, expectedFiles, 'blob files of replaced versions were removed');
  assert.deepEqual(await tmpFiles(c.dataDir), []);
});

test('a GET streaming a large object while it is overwritten and then deleted still returns all of the old bytes', async (t) => {
  const c = await startTestCofferForTest(t);
  const bucket = await newBucketRaw(c.endpoint, 'race');
  const path = `/${bucket}/big`;
  // Much larger than the socket buffers, so most of it is still read from the file after the unlink.
  const old = deterministicBytes('old', 24 * 1024 * KiB);
  assert.equal((await put(c, path, old)).status, 200);

  const url = new URL(c.endpoint);
  const headers = await signHeaders(c.endpoint, { method: 'GET', path });
  const req = request({ host: url.hostname, port: url.port, path, headers });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  assert.equal(res.statusCode, 200);
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve) => {
    res.on('data', (b: Buffer) => {
      chunks.push(b);
      res.pause();
      resolve();
    });
  });

  const replacement = deterministicBytes('new', 300 * KiB);
  assert.equal((await put(c, path, replacement)).status, 200);
  const now = await bytesRequest(c.endpoint, { method: 'GET', path });
  assert.ok(now.body.equals(replacement), 'a new GET sees the replacement');
  assert.equal((await bytesRequest(c.endpoint, { method: 'DELETE', path })).status, 204);
  assert.deepEqual(await blobFiles(c.dataDir), [], 'both blob files are unlinked');
  const received = chunks.reduce((n, b) => n + b.length, 0);
  assert.ok(received < old.length / 2, `the first GET had received only ${received} bytes before the overwrite`);

  res.removeAllListeners('data');
  res.on('data', (b: Buffer) => chunks.push(b));
  res.resume();
  await once(res, 'end');
  const got = Buffer.concat(chunks);
  assert.equal(got.length, old.length);
  assert.ok(got.equals(old), 'the streamed body is the old object, whole');
  assert.equal(res.headers.etag, `"${md5Hex(old)}"`);
});

test('twenty concurrent PUTs with If-None-Match: * on a fresh key: one 200, nineteen 412 or 409 refusals', async (t) => {
  const c = await startTestCofferForTest(t);
  const bucket = await newBucketRaw(c.endpoint, 'race');
  const path = `/${bucket}/once`;
  const candidates = bodies('inm', 20);
  const results = await Promise.all(candidates.map((b) => put(c, path, b, { 'if-none-match': '*' })));
  await assertOneWinner(c, path, candidates, results);
});

test('twenty concurrent PUTs with If-Match on the current ETag: one 200, nineteen 412 or 409 refusals', async (t) => {
  const c = await startTestCofferForTest(t);
  const bucket = await newBucketRaw(c.endpoint, 'race');
  const path = `/${bucket}/cas`;
  const base = deterministicBytes('base', 200 * KiB);
  const first = await put(c, path, base);
  assert.equal(first.status, 200);
  const etag = String(first.headers.etag);

  const candidates = bodies('if-match', 20);
  const results = await Promise.all(candidates.map((b) => put(c, path, b, { 'if-match': etag })));
  await assertOneWinner(c, path, candidates, results);
});

/** A signed PUT of `body` to `path` with `headers`, its first `sent` bytes on the wire and the rest held back. */
async function heldPut(c: TestCoffer, path: string, body: Buffer, headers: Record<string, string>, sent: number) {
  const signed = await signHeaders(c.endpoint, { method: 'PUT', path, body, payloadHash: sha256Hex(body), headers });
  const ex = openExchange(c.endpoint, 'PUT', path, { ...signed, 'content-length': String(body.length) });
  ex.write(body.subarray(0, sent));
  return {
    finish: () => {
      ex.send(body.subarray(sent));
      return ex.response;
    },
  };
}

test('a conditional PUT whose condition held when it began but not when it commits is 409 OperationAborted; a retry gets 412', async (t) => {
  const c = await startTestCofferForTest(t);
  const bucket = await newBucketRaw(c.endpoint, 'race');
  const body = deterministicBytes('late', 300 * KiB);

  // If-None-Match: * on a fresh key; another writer creates the key while the body streams.
  const created = await heldPut(c, `/${bucket}/fresh`, body, { 'if-none-match': '*' }, 100 * KiB);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((await put(c, `/${bucket}/fresh`, Buffer.from('first'))).status, 200);
  const lost = await created.finish();
  assert.deepEqual([lost?.status, lost?.code], [409, 'OperationAborted']);
  assert.equal(lost?.message, 'A conflicting conditional operation is currently in progress against this resource. Try again.');
  assert.deepEqual((await bytesRequest(c.endpoint, { method: 'GET', path: `/${bucket}/fresh` })).body.toString(), 'first');
  const retry = await put(c, `/${bucket}/fresh`, body, { 'if-none-match': '*' });
  assert.deepEqual([retry.status, retry.code], [412, 'PreconditionFailed']);

  // If-Match on the current ETag; the object is deleted while the body streams.
  const first = await put(c, `/${bucket}/cas`, Buffer.from('v1'));
  const replacing = await heldPut(c, `/${bucket}/cas`, body, { 'if-match': String(first.headers.etag) }, 100 * KiB);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((await bytesRequest(c.endpoint, { method: 'DELETE', path: `/${bucket}/cas` })).status, 204);
  const gone = await replacing.finish();
  assert.deepEqual([gone?.status, gone?.code], [409, 'OperationAborted']);
  assert.equal((await bytesRequest(c.endpoint, { method: 'GET', path: `/${bucket}/cas` })).status, 404);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(await tmpFiles(c.dataDir), [], 'the refused bodies left no file');
});

test('a conditional PUT whose condition fails when it begins is refused before its body is read', async (t) => {
  const c = await startTestCofferForTest(t);
  const bucket = await newBucketRaw(c.endpoint, 'race');
  assert.equal((await put(c, `/${bucket}/k`, Buffer.from('there'))).status, 200);
  const body = deterministicBytes('never', 300 * KiB);
  // Only the headers are sent: the answer comes without the body.
  const signed = await signHeaders(c.endpoint, { method: 'PUT', path: `/${bucket}/k`, body, payloadHash: sha256Hex(body), headers: { 'if-none-match': '*' } });
  const ex = openExchange(c.endpoint, 'PUT', `/${bucket}/k`, { ...signed, 'content-length': String(body.length) });
  const r = await ex.response;
  ex.destroy();
  assert.deepEqual([r?.status, r?.code], [412, 'PreconditionFailed']);
});
