// Garbage collection of orphan blobs and temp files, with other writers at work. Blob collection
// may run while uploads are in flight (in this process or another one) and never takes a blob
// that is about to be committed; start-up removes what crashed processes left in data/tmp and
// leaves a live process's temp files alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { readlinkSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { BlobDoomedError } from '../src/meta/store.js';
import { newBucket, readObject, startTestCoffer, startTestCofferForTest } from './helpers/coffer.js';
import { deterministicBytes } from './helpers/bytes.js';
import { blobFiles, tmpFiles } from './helpers/files.js';

const MIB = 1024 * 1024;

test('blob collection running again and again while single and multipart uploads are in flight loses nothing', { timeout: 60_000 }, async (t) => {
  const c = await startTestCofferForTest(t);
  const bucket = await newBucket(c.s3, 'gc');
  // Many blob-sized objects a little over the inline limit, so that commits follow each other
  // closely and collection passes are short and frequent.
  const singles = Array.from({ length: 120 }, (_, i) => ({ key: `single-${i}`, body: deterministicBytes(`single-${i}`, 65 * 1024 + i) }));
  const { UploadId } = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'multi' }));
  const parts = Array.from({ length: 6 }, (_, i) => deterministicBytes(`part-${i}`, 5 * MIB));

  // Every writer stalls for a moment between its blob becoming durable and its commit, the
  // window in which a careless collector would take a blob that is about to be committed.
  const blobs = c.server.engine.deps.blobs;
  const write = blobs.write.bind(blobs);
  blobs.write = async (...args) => {
    const written = await write(...args);
    await new Promise((r) => setTimeout(r, 25));
    return written;
  };
  let uploading = true;
  let passes = 0;
  // Collection with no minimum age: only the pending-blob check and the doom transaction keep
  // the blobs being written and committed right now safe.
  const collector = (async () => {
    while (uploading) {
      await c.server.engine.collectGarbage(0);
      passes++;
    }
  })();
  const queue = [...singles];
  const uploads = Promise.all([
    Promise.all(
      parts.map(async (body, i) => {
        const out = await c.s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'multi', UploadId, PartNumber: i + 1, Body: body }));
        return out.ETag!;
      }),
    ),
    ...Array.from({ length: 16 }, async () => {
      for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
        await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: s.key, Body: s.body }));
      }
    }),
  ]);
  // The collector stops however the uploads end, so a failed upload fails the test, not hangs it.
  const [partEtags] = await uploads.finally(() => {
    uploading = false;
  });
  await collector;
  t.diagnostic(`${passes} collection passes during the uploads`);
  assert.ok(passes >= 2, 'collection ran while the uploads were in flight');

  await c.s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: 'multi',
      UploadId,
      MultipartUpload: { Parts: partEtags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
    }),
  );
  await c.server.engine.collectGarbage(0);
  for (const s of singles) assert.ok((await readObject(c.s3, bucket, s.key))?.equals(s.body), `${s.key} reads back whole`);
  assert.ok((await readObject(c.s3, bucket, 'multi'))?.equals(Buffer.concat(parts)), 'the multipart object reads back whole');
  assert.equal((await blobFiles(c.dataDir)).length, singles.length + parts.length, 'every committed blob is still on disk, and nothing else');
});

test('a blob that collection doomed cannot be committed afterwards, so a stalled writer fails instead of losing data', async (t) => {
  const c = await startTestCofferForTest(t);
  const { blobs, meta } = c.server.engine.deps;
  // A writer that stalled between writing its blob and committing it: the blob is on disk and
  // no longer pending here, as a blob of another process never is.
  const { id } = await blobs.write([Readable.from([deterministicBytes('stalled', 100 * 1024)])]);
  blobs.settle([id]);
  assert.equal(await c.server.engine.collectGarbage(0), 1);
  assert.deepEqual(await blobFiles(c.dataDir), []);
  await assert.rejects(
    meta.transaction((tx) => tx.registerBlobs([id])),
    (err: unknown) => err instanceof BlobDoomedError && err.blobId === id,
  );
  // A blob committed before collection is never doomed.
  const kept = await blobs.write([Readable.from([deterministicBytes('kept', 100 * 1024)])]);
  await meta.transaction((tx) => tx.registerBlobs([kept.id]));
  blobs.settle([kept.id]);
  assert.equal(await c.server.engine.collectGarbage(0), 0);
  assert.deepEqual(await meta.transaction((tx) => tx.doomBlobs([kept.id])), []);
  assert.equal((await blobFiles(c.dataDir)).length, 1);
});

/** The temp directory name of a process on this machine: host~pid namespace~pid~random. */
function tempDirName(host: string, pid: number): string {
  const ns = readlinkSync('/proc/self/ns/pid').replace(/\D/g, '');
  return [host.replace(/[^A-Za-z0-9.-]/g, '_'), ns, String(pid), 'abcdef01'].join('~');
}

test('start-up removes the temp files of processes that are gone and keeps those of a live one, and then spares young orphan blobs', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'coffer-tmpdirs-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const tmp = join(dataDir, 'tmp');
  const deadPid = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  const dirs = {
    deadHere: tempDirName(hostname(), Number(deadPid)),
    liveElsewhere: 'gateway-2~4026531836~4242~0badcafe',
    silentElsewhere: 'gateway-3~4026531836~4343~deadbeef',
  };
  for (const d of Object.values(dirs)) {
    await mkdir(join(tmp, d), { recursive: true });
    await writeFile(join(tmp, d, '0123456789abcdef0123456789abcdef.part'), 'half an upload');
  }
  // A gateway on another machine that stopped renewing its directory eleven minutes ago.
  const old = new Date(Date.now() - 11 * 60_000);
  await utimes(join(tmp, dirs.silentElsewhere), old, old);
  // A loose temp file of the layout older versions used.
  await writeFile(join(tmp, 'fedcba9876543210fedcba9876543210.part'), 'torn');
  // A fresh orphan blob: another process may be about to commit it.
  const young = 'abcd' + '1'.repeat(28);
  await mkdir(join(dataDir, 'blobs', 'ab', 'cd'), { recursive: true });
  await writeFile(join(dataDir, 'blobs', 'ab', 'cd', young), 'maybe about to be committed');

  const c = await startTestCoffer({ COFFER_DATA_DIR: dataDir });
  let closed = false;
  t.after(() => (closed ? undefined : c.close()));
  const left = await readdir(tmp);
  assert.ok(left.includes(dirs.liveElsewhere), 'a live gateway’s temp directory is kept');
  assert.ok(!left.includes(dirs.deadHere), 'the directory of a process of this machine that has exited is removed');
  assert.ok(!left.includes(dirs.silentElsewhere), 'a directory whose heartbeat stopped long ago is removed');
  assert.ok(!left.includes('fedcba9876543210fedcba9876543210.part'), 'the loose file of an older version is removed');
  assert.equal(left.length, 2, `the live gateway's and the server's own: ${left.join(', ')}`);
  assert.deepEqual(
    (await tmpFiles(dataDir)).map((f) => f.slice(tmp.length + 1)),
    [`${dirs.liveElsewhere}/0123456789abcdef0123456789abcdef.part`],
  );
  assert.equal((await blobFiles(dataDir)).length, 1, 'with another process alive, start-up leaves a young unregistered blob alone');

  // The server works, and its own temp directory goes with it when it stops.
  const bucket = await newBucket(c.s3, 'tmpdirs');
  await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: deterministicBytes('k', 200 * 1024) }));
  assert.equal((await readObject(c.s3, bucket, 'k'))?.length, 200 * 1024);
  closed = true;
  await c.close();
  assert.deepEqual(await readdir(tmp), [dirs.liveElsewhere]);
});
