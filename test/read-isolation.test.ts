// A GET, HEAD or listing never shows an object whose PUT has not been acknowledged: not while
// its metadata commit waits for the WAL sync, and not ever when that sync fails. The server's
// metadata store holds or fails its next sync through a test-only start option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newBucketRaw, startTestCofferForTest } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import type { RawResponse } from './helpers/raw.js';
import { xmlAll } from './helpers/multipart.js';

/** The next WAL sync waits until released (or fails); later ones run freely. */
class NextSync {
  private gate: { release: () => void; fail: (e: Error) => void } | undefined;
  private armed = false;
  private arrived: (() => void) | undefined;
  private reached = false;

  readonly hook = (): Promise<void> => {
    if (!this.armed) return Promise.resolve();
    this.armed = false;
    return new Promise<void>((release, fail) => {
      this.gate = { release, fail };
      this.reached = true;
      this.arrived?.();
    });
  };

  arm(): void {
    this.armed = true;
    this.reached = false;
  }

  async held(): Promise<void> {
    if (!this.reached) await new Promise<void>((r) => (this.arrived = r));
  }

  release(): void {
    this.gate!.release();
  }

  fail(error: Error): void {
    this.gate!.fail(error);
  }

  /** Let a held sync go, so a failed test still closes its server. */
  releaseAll(): void {
    this.armed = false;
    this.gate?.release();
  }
}

async function state(endpoint: string, bucket: string, key: string): Promise<{ get: string; head: number; listed: string[] }> {
  const get = await rawRequest(endpoint, { method: 'GET', path: `/${bucket}/${key}` });
  const head = await rawRequest(endpoint, { method: 'HEAD', path: `/${bucket}/${key}` });
  const list = await rawRequest(endpoint, { method: 'GET', path: `/${bucket}`, query: { 'list-type': '2' } });
  return { get: get.status === 200 ? get.body : `${get.status} ${get.code}`, head: head.status, listed: xmlAll(list.body, 'Key') };
}

test('an object whose PUT waits on its metadata sync is not served until the PUT is acknowledged', async (t) => {
  const syncs = new NextSync();
  t.after(() => syncs.releaseAll());
  const c = await startTestCofferForTest(t, {}, { beforeWalSync: syncs.hook });
  const bucket = await newBucketRaw(c.endpoint, 'isolation');
  assert.equal((await rawRequest(c.endpoint, { method: 'PUT', path: `/${bucket}/old`, body: 'v1' })).status, 200);
  assert.equal((await state(c.endpoint, bucket, 'old')).get, 'v1', 'read once, so it is cached');

  syncs.arm();
  let acknowledged: RawResponse | undefined;
  const fresh = rawRequest(c.endpoint, { method: 'PUT', path: `/${bucket}/fresh`, body: 'new object' }).then((r) => (acknowledged = r));
  await syncs.held();
  assert.deepEqual(await state(c.endpoint, bucket, 'fresh'), { get: '404 NoSuchKey', head: 404, listed: ['old'] });
  assert.equal(acknowledged, undefined);
  syncs.release();
  assert.equal((await fresh).status, 200);
  assert.deepEqual(await state(c.endpoint, bucket, 'fresh'), { get: 'new object', head: 200, listed: ['fresh', 'old'] });

  syncs.arm();
  const overwrite = rawRequest(c.endpoint, { method: 'PUT', path: `/${bucket}/old`, body: 'v2' });
  await syncs.held();
  assert.equal((await state(c.endpoint, bucket, 'old')).get, 'v1', 'the acknowledged version until the overwrite is');
  syncs.release();
  assert.equal((await overwrite).status, 200);
  assert.equal((await state(c.endpoint, bucket, 'old')).get, 'v2');
});

test('a PUT whose metadata sync fails answers 500 InternalError and is never served; writes then fail and reads go on', async (t) => {
  const syncs = new NextSync();
  t.after(() => syncs.releaseAll());
  const c = await startTestCofferForTest(t, {}, { beforeWalSync: syncs.hook });
  const bucket = await newBucketRaw(c.endpoint, 'isolation');
  assert.equal((await rawRequest(c.endpoint, { method: 'PUT', path: `/${bucket}/k`, body: 'v1' })).status, 200);

  syncs.arm();
  const lost = rawRequest(c.endpoint, { method: 'PUT', path: `/${bucket}/k`, body: 'v2' });
  const lostNew = rawRequest(c.endpoint, { method: 'PUT', path: `/${bucket}/n`, body: 'n' });
  await syncs.held();
  assert.equal((await state(c.endpoint, bucket, 'k')).get, 'v1');
  syncs.fail(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
  for (const res of [await lost, await lostNew]) {
    assert.equal(res.status, 500, res.body);
    assert.equal(res.code, 'InternalError');
  }
  assert.deepEqual(await state(c.endpoint, bucket, 'k'), { get: 'v1', head: 200, listed: ['k'] });
  assert.equal((await state(c.endpoint, bucket, 'n')).get, '404 NoSuchKey');
  const refused = await rawRequest(c.endpoint, { method: 'PUT', path: `/${bucket}/later`, body: 'x' });
  assert.equal(refused.status, 500);
  assert.equal(refused.code, 'InternalError');
  assert.equal((await state(c.endpoint, bucket, 'k')).get, 'v1');
});
