// Crash safety: a SIGKILL in the middle of a burst of PUTs, then a restart on the same files.
// DESIGN.md: a success response is sent only after the blob and the metadata are durable, and a
// crash leaves at worst orphan blobs, which start-up removes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import type { ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChildCoffer, waitFor } from './helpers/child.js';
import type { ChildCoffer } from './helpers/child.js';
import { newBucketRaw } from './helpers/coffer.js';
import { bytesRequest, deterministicBytes, md5Hex, startPartialPut } from './helpers/bytes.js';
import { filesUnder, tmpFiles } from './helpers/files.js';
import { sha256Hex } from './helpers/raw.js';

const KiB = 1024;
const INLINE_MAX = 64 * KiB;
const PUTS = 200;

interface Spec {
  key: string;
  size: number;
}

/** 3 of 5 objects are 1 KiB (inline in SQLite), the rest 200 KiB – 2 MiB blob files. */
function specs(): Spec[] {
  return Array.from({ length: PUTS }, (_, i) => ({
    key: `obj/${String(i).padStart(3, '0')}`,
    size: i % 5 < 3 ? KiB : 200 * KiB + ((i * 104_729) % (1848 * KiB)),
  }));
}

const bodyOf = (bucket: string, key: string, size: number): Buffer => deterministicBytes(`${bucket}/${key}`, size);

function parseListing(xml: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
    const key = /<Key>([^<]*)<\/Key>/.exec(m[1]!)?.[1];
    const size = /<Size>(\d+)<\/Size>/.exec(m[1]!)?.[1];
    assert.ok(key !== undefined && size !== undefined, `malformed <Contents>: ${m[1]}`);
    out.set(key, Number(size));
  }
  return out;
}

test('a kill -9 while 200 PUTs are in flight loses no acknowledged write and exposes no half-written object', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'coffer-crash-'));
  const dataDir = join(root, 'data');
  let child: ChildCoffer = await startChildCoffer(dataDir, { env: { COFFER_INLINE_MAX: String(INLINE_MAX) } });
  const partials: ClientRequest[] = [];
  t.after(async () => {
    for (const r of partials) r.destroy();
    child.kill('SIGKILL');
    await child.waitExit();
    await rm(root, { recursive: true, force: true });
  });

  const bucket = await newBucketRaw(child.endpoint, 'crash');

  // Uploads that never finish: their bytes sit in data/tmp (blob-sized) or in memory (inline)
  // when the process dies, and none of them may ever become an object.
  const stalled: Spec[] = [
    ...Array.from({ length: 4 }, (_, i) => ({ key: `stalled/blob-${i}`, size: 1024 * KiB })),
    ...Array.from({ length: 4 }, (_, i) => ({ key: `stalled/inline-${i}`, size: KiB })),
  ];
  for (const s of stalled) {
    partials.push(await startPartialPut(child.endpoint, `/${bucket}/${s.key}`, bodyOf(bucket, s.key, s.size), s.size / 2, false));
  }
  await waitFor('the stalled blob uploads to reach data/tmp', async () => (await tmpFiles(dataDir)).length >= 4);

  const all = specs();
  const bodies = new Map(all.map((s) => [s.key, bodyOf(bucket, s.key, s.size)]));
  const isBlob = (key: string): boolean => bodies.get(key)!.length > INLINE_MAX;
  const blobCount = all.filter((s) => isBlob(s.key)).length;
  const acked = new Map<string, string>();
  let ackedBlobs = 0;
  let settled = 0;
  let inflightAtKill = -1;
  let releaseLate!: () => void;
  const lateStart = new Promise<void>((resolve) => (releaseLate = resolve));
  const put = async (s: Spec): Promise<void> => {
    const body = bodies.get(s.key)!;
    try {
      const res = await bytesRequest(child.endpoint, {
        method: 'PUT',
        path: `/${bucket}/${s.key}`,
        body,
        payloadHash: sha256Hex(body),
        agent: false,
      });
      // Before the kill every answer must be a success; a 5xx here is a bug of its own.
      assert.equal(res.status, 200, `PUT ${s.key}: ${res.status} ${res.body.toString('utf8')}`);
      acked.set(s.key, String(res.headers.etag));
      if (isBlob(s.key)) {
        ackedBlobs++;
        releaseLate();
        // Small PUTs commit within milliseconds and blob PUTs in one burst after their fsyncs:
        // kill in the middle of that burst, with half of the blob PUTs answered.
        if (ackedBlobs === blobCount / 2) {
          inflightAtKill = PUTS - settled - 1;
          child.kill('SIGKILL');
        }
      }
    } catch (err) {
      // Connection reset by the kill: not acknowledged, so either outcome is allowed.
      if (err instanceof assert.AssertionError) throw err;
    } finally {
      settled++;
    }
  };
  // Half of the small PUTs go out with the blob PUTs, the other half once the first blob PUT is
  // answered, so that they share group commits with blob PUTs and some are cut off by the kill.
  const small = all.filter((s) => !isBlob(s.key));
  const late = small.slice(small.length / 2);
  const puts = all.filter((s) => !late.includes(s)).map(put);
  // (Released anyway once the first wave is over, so a failure cannot hang the test.)
  void Promise.allSettled(puts).then(() => releaseLate());
  puts.push(lateStart.then(() => Promise.all(late.map(put))).then(() => undefined));
  const results = await Promise.allSettled(puts);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  const exit = await child.waitExit();
  assert.equal(exit.signal, 'SIGKILL', 'the server was killed, not stopped');
  assert.ok(inflightAtKill > 0, `some PUTs were still in flight at the kill (${inflightAtKill})`);
  assert.ok(ackedBlobs >= blobCount / 2 && acked.size < PUTS, `acknowledged ${acked.size} of ${PUTS}, ${ackedBlobs} of ${blobCount} blob-sized`);
  for (const [key, etag] of acked) assert.equal(etag, `"${md5Hex(bodies.get(key)!)}"`, `ETag of ${key}`);
  t.diagnostic(`acknowledged ${acked.size} (${ackedBlobs} blob-sized), ${inflightAtKill} in flight at the kill`);

  // What a crash between a blob's rename and its metadata commit leaves: an unregistered file.
  const orphanId = 'abcd' + '0'.repeat(28);
  await mkdir(join(dataDir, 'blobs', 'ab', 'cd'), { recursive: true });
  await writeFile(join(dataDir, 'blobs', 'ab', 'cd', orphanId), 'orphan');
  await writeFile(join(dataDir, 'tmp', 'leftover.part'), 'torn');

  child = await startChildCoffer(dataDir, { env: { COFFER_INLINE_MAX: String(INLINE_MAX) } });

  const list = await bytesRequest(child.endpoint, { method: 'GET', path: `/${bucket}`, query: { 'list-type': '2' } });
  assert.equal(list.status, 200);
  const xml = list.body.toString('utf8');
  assert.match(xml, /<IsTruncated>false<\/IsTruncated>/);
  const listed = parseListing(xml);

  for (const key of acked.keys()) assert.ok(listed.has(key), `acknowledged ${key} is listed after the restart`);
  for (const s of stalled) {
    assert.ok(!listed.has(s.key), `the half-sent ${s.key} is not listed`);
    const head = await bytesRequest(child.endpoint, { method: 'HEAD', path: `/${bucket}/${s.key}` });
    assert.equal(head.status, 404, `the half-sent ${s.key} does not exist`);
  }
  const sizes = new Map(all.map((s) => [s.key, s.size]));
  const keys = [...listed.keys()];
  t.diagnostic(`${keys.length} objects after the restart (${keys.length - acked.size} committed but never acknowledged)`);
  for (const key of keys) {
    assert.ok(sizes.has(key), `listed key ${key} was written by this test`);
    assert.equal(listed.get(key), sizes.get(key), `listed size of ${key}`);
  }
  // Every object that exists, acknowledged or not, reads back whole and right.
  const queue = [...keys];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
        const res = await bytesRequest(child.endpoint, { method: 'GET', path: `/${bucket}/${key}` });
        assert.equal(res.status, 200, `GET ${key}`);
        const expected = bodies.get(key)!;
        assert.equal(res.body.length, expected.length, `length of ${key}`);
        assert.ok(res.body.equals(expected), `bytes of ${key}`);
        assert.equal(res.headers.etag, `"${md5Hex(expected)}"`, `ETag of ${key}`);
      }
    }),
  );

  // Start-up removed the dead process's temp directory (and a loose file of the layout older
  // versions used), leaving only the new process's own, empty one, and removed every blob file
  // no object references.
  assert.deepEqual(await tmpFiles(dataDir), []);
  assert.equal((await readdir(join(dataDir, 'tmp'))).length, 1, 'one temp directory: the running server’s');
  const blobFiles = await filesUnder(join(dataDir, 'blobs'));
  assert.ok(!blobFiles.some((f) => f.endsWith(orphanId)), 'the planted orphan blob was collected');
  const blobObjects = keys.filter((k) => sizes.get(k)! > INLINE_MAX).length;
  assert.equal(blobFiles.length, blobObjects, `blob files on disk (${blobFiles.length}) = blob-sized objects listed (${blobObjects})`);

  // The restarted server takes writes again.
  const again = Buffer.from('after the crash');
  const putAfter = await bytesRequest(child.endpoint, { method: 'PUT', path: `/${bucket}/after`, body: again });
  assert.equal(putAfter.status, 200);
  const got = await bytesRequest(child.endpoint, { method: 'GET', path: `/${bucket}/after` });
  assert.ok(got.body.equals(again));
});
