// Crash safety of multipart uploads: a SIGKILL while parts stream in, and while uploads complete,
// then a restart on the same files. A part is listed only whole, a completed object is whole or
// absent (its upload then intact), and no blob file is left that nothing references.
// DESIGN.md: a success response is sent only after the blob and the metadata are durable.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startChildCoffer } from './helpers/child.js';
import type { ChildCoffer } from './helpers/child.js';
import { newBucketRaw } from './helpers/coffer.js';
import { deterministicBytes, md5Hex } from './helpers/bytes.js';
import { blobFiles, tmpFiles } from './helpers/files.js';
import { MIN_PART, RawMultipart, holdUploadPart, multipartEtag, xmlAll } from './helpers/multipart.js';
import type { HeldUpload } from './helpers/multipart.js';

interface Crash {
  dataDir: string;
  child: ChildCoffer;
}

async function crashSetup(t: TestContext): Promise<Crash> {
  const root = await mkdtemp(join(tmpdir(), 'coffer-mpu-crash-'));
  const state: Crash = { dataDir: join(root, 'data'), child: undefined as unknown as ChildCoffer };
  state.child = await startChildCoffer(state.dataDir);
  t.after(async () => {
    state.child.kill('SIGKILL');
    await state.child.waitExit();
    await rm(root, { recursive: true, force: true });
  });
  return state;
}

async function killAndRestart(s: Crash): Promise<void> {
  s.child.kill('SIGKILL');
  const exit = await s.child.waitExit();
  assert.equal(exit.signal, 'SIGKILL');
  s.child = await startChildCoffer(s.dataDir);
}

interface ListedPart {
  partNumber: number;
  etag: string;
  size: number;
}

function parseParts(xml: string): ListedPart[] {
  return [...xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
    partNumber: Number(xmlAll(m[1]!, 'PartNumber')[0]),
    etag: xmlAll(m[1]!, 'ETag')[0]!.replace(/&quot;|"/g, ''),
    size: Number(xmlAll(m[1]!, 'Size')[0]),
  }));
}

test('a kill -9 during part uploads leaves only whole parts, every acknowledged one listed, and no orphan blob files', async (t) => {
  const s = await crashSetup(t);
  let mp = new RawMultipart(s.child.endpoint);
  const bucket = await newBucketRaw(s.child.endpoint, 'mpcrash');
  const id = await mp.createUpload(bucket, 'big');
  const bodyOf = (n: number, version = 0): Buffer => deterministicBytes(`crash/parts/${n}/${version}`, MIN_PART);

  // Part 1 exists before the storm and is replaced during it.
  await mp.putPart(bucket, 'big', id, 1, bodyOf(1));
  const acknowledged = new Map<number, string>();
  // Parts that can never finish: half their bytes are sent, then the server dies.
  const held: HeldUpload[] = [
    await holdUploadPart(s.child.endpoint, bucket, 'big', id, 9, bodyOf(9), MIN_PART / 2),
    await holdUploadPart(s.child.endpoint, bucket, 'big', id, 10, bodyOf(10), 1000),
  ];
  let onAck: () => void = () => undefined;
  const twoAcked = new Promise<void>((resolve) => (onAck = resolve));
  const storm = [{ n: 1, body: bodyOf(1, 1) }, ...[2, 3, 4, 5, 6, 7, 8].map((n) => ({ n, body: bodyOf(n) }))].map(({ n, body }) =>
    mp.uploadPart(bucket, 'big', id, n, body).then((r) => {
      if (r.status === 200) {
        acknowledged.set(n, r.headers.etag as string);
        if (acknowledged.size === 2) onAck();
      }
      return r;
    }),
  );
  // The server dies as soon as two parts of the storm are acknowledged, most others mid-stream.
  await Promise.race([twoAcked, Promise.allSettled(storm)]);
  assert.ok(acknowledged.size >= 2, `only ${acknowledged.size} parts were acknowledged before the kill`);
  await killAndRestart(s);
  await Promise.allSettled([...storm, ...held.map((h) => h.finish())]);
  for (const h of held) h.req.destroy();
  mp = new RawMultipart(s.child.endpoint);

  const listing = await mp.listParts(bucket, 'big', id);
  assert.equal(listing.status, 200, listing.body);
  const listed = parseParts(listing.body);
  const byNumber = new Map(listed.map((p) => [p.partNumber, p]));
  for (const [n, etag] of acknowledged) {
    assert.equal(`"${byNumber.get(n)?.etag}"`, etag, `acknowledged part ${n} is listed with its ETag`);
  }
  assert.ok(!byNumber.has(9) && !byNumber.has(10), 'a half-sent part is never listed');
  t.diagnostic(`acknowledged ${acknowledged.size}, listed after restart ${listed.length}`);
  const expected = new Map<number, Buffer>();
  for (const p of listed) {
    assert.equal(p.size, MIN_PART, `part ${p.partNumber} is whole`);
    // Part 1 is the original or its replacement, never a mixture.
    const candidates = p.partNumber === 1 ? [bodyOf(1), bodyOf(1, 1)] : [bodyOf(p.partNumber)];
    const body = candidates.find((b) => md5Hex(b) === p.etag);
    assert.ok(body, `part ${p.partNumber}'s ETag ${p.etag} matches bytes that were sent`);
    expected.set(p.partNumber, body);
  }
  assert.equal((await blobFiles(s.dataDir)).length, listed.length, 'one blob file per listed part, no orphans');
  assert.deepEqual(await tmpFiles(s.dataDir), []);

  const done = await mp.complete(
    bucket,
    'big',
    id,
    listed.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
  );
  assert.equal(done.status, 200, done.body);
  const parts = listed.map((p) => expected.get(p.partNumber)!);
  const got = await mp.get(bucket, 'big');
  assert.equal(got.status, 200);
  assert.equal(got.headers.etag, multipartEtag(parts));
  assert.ok(got.body.equals(Buffer.concat(parts)), 'the completed object reads back part by part');
  assert.equal((await blobFiles(s.dataDir)).length, listed.length);
});

test('a kill -9 during completions leaves each upload either a whole object or an intact upload, never half', async (t) => {
  const s = await crashSetup(t);
  let mp = new RawMultipart(s.child.endpoint);
  const bucket = await newBucketRaw(s.child.endpoint, 'mpcrash');
  const UPLOADS = 6;
  const uploads = [];
  for (let i = 0; i < UPLOADS; i++) {
    const key = `obj/${i}`;
    const parts = [deterministicBytes(`crash/complete/${i}/1`, MIN_PART), deterministicBytes(`crash/complete/${i}/2`, 64 * 1024)];
    const id = await mp.createUpload(bucket, key);
    const etags = await Promise.all(parts.map((p, j) => mp.putPart(bucket, key, id, j + 1, p)));
    uploads.push({ key, id, parts, spec: etags.map((etag, j) => ({ partNumber: j + 1, etag })), acknowledged: false });
  }
  assert.equal((await blobFiles(s.dataDir)).length, 2 * UPLOADS);

  // Completes leave a millisecond apart; the server dies as soon as the first one answers.
  let onFirst: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (onFirst = resolve));
  const inFlight = uploads.map(async (u, i) => {
    await sleep(i);
    const r = await mp.complete(bucket, u.key, u.id, u.spec);
    if (r.status === 200) u.acknowledged = true;
    onFirst();
    return r;
  });
  await Promise.race([first, Promise.allSettled(inFlight)]);
  await killAndRestart(s);
  await Promise.allSettled(inFlight);
  mp = new RawMultipart(s.child.endpoint);

  assert.equal((await blobFiles(s.dataDir)).length, 2 * UPLOADS, 'every part blob is still referenced, none orphaned or lost');
  assert.deepEqual(await tmpFiles(s.dataDir), []);
  let completedBeforeKill = 0;
  for (const u of uploads) {
    const got = await mp.get(bucket, u.key);
    const listing = await mp.listParts(bucket, u.key, u.id);
    if (got.status === 200) {
      completedBeforeKill++;
      assert.equal(got.headers.etag, multipartEtag(u.parts), u.key);
      assert.ok(got.body.equals(Buffer.concat(u.parts)), `${u.key} is whole`);
      assert.equal(listing.status, 404, `${u.key}: the upload of a completed object is gone`);
      assert.equal(listing.code, 'NoSuchUpload');
    } else {
      assert.equal(got.status, 404, u.key);
      assert.equal(got.code, 'NoSuchKey');
      assert.ok(!u.acknowledged, `${u.key} was acknowledged but is missing after the restart`);
      assert.equal(listing.status, 200, `${u.key}: an upload that did not complete is intact`);
      assert.deepEqual(
        parseParts(listing.body).map((p) => [p.partNumber, p.size]),
        [
          [1, MIN_PART],
          [2, 64 * 1024],
        ],
      );
      const done = await mp.complete(bucket, u.key, u.id, u.spec);
      assert.equal(done.status, 200, done.body);
      const again = await mp.get(bucket, u.key);
      assert.ok(again.body.equals(Buffer.concat(u.parts)), `${u.key} completes whole after the restart`);
    }
  }
  t.diagnostic(`completed before the kill: ${completedBeforeKill} of ${UPLOADS}`);
  assert.ok(completedBeforeKill >= 1, 'the first acknowledged completion survived');
  assert.equal((await blobFiles(s.dataDir)).length, 2 * UPLOADS);
});
