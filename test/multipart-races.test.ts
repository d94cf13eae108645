// Multipart uploads under concurrency, and the clean-up of part blobs: Complete racing Complete,
// Abort or a part upload has one outcome and a consistent state; aborted and expired uploads
// leave no blob files behind.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortMultipartUpload.html
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { newBucketRaw, startTestCofferForTest, testCofferForFile } from './helpers/coffer.js';
import { deterministicBytes } from './helpers/bytes.js';
import { blobFiles, tmpFiles } from './helpers/files.js';
import { MIN_PART, RawMultipart, holdUploadPart, multipartEtag, xmlAll } from './helpers/multipart.js';
import type { PartSpec } from './helpers/multipart.js';
import { rawRequest } from './helpers/raw.js';
import type { RawResponse } from './helpers/raw.js';

const c = testCofferForFile();
const mp = new RawMultipart(c);

async function uploadParts(bucket: string, key: string, id: string, parts: Buffer[]): Promise<PartSpec[]> {
  const etags = await Promise.all(parts.map((p, i) => mp.putPart(bucket, key, id, i + 1, p)));
  return etags.map((etag, i) => ({ partNumber: i + 1, etag }));
}

async function expectObject(bucket: string, key: string, parts: Buffer[]): Promise<void> {
  const got = await mp.get(bucket, key);
  assert.equal(got.status, 200, `GET ${key}: ${got.status}`);
  assert.equal(got.headers.etag, multipartEtag(parts));
  assert.ok(got.body.equals(Buffer.concat(parts)), `${key} reads back whole`);
}

async function expectUploadGone(bucket: string, key: string, id: string): Promise<void> {
  const r = await mp.listParts(bucket, key, id);
  assert.equal(r.status, 404);
  assert.equal(r.code, 'NoSuchUpload');
  assert.deepEqual(
    xmlAll((await mp.listUploads(bucket)).body, 'UploadId').filter((u) => u === id),
    [],
  );
}

test('two concurrent Completes of one upload both answer 200 with the same ETag, and make one whole object', async () => {
  const bucket = await newBucketRaw(c.endpoint, 'mpr');
  const parts = [0, 1, 2].map((i) => deterministicBytes(`race/complete/${i}`, MIN_PART));
  const id = await mp.createUpload(bucket, 'k');
  const spec = await uploadParts(bucket, 'k', id, parts);
  const before = (await blobFiles(c.dataDir)).length;
  const results = await Promise.all([mp.complete(bucket, 'k', id, spec), mp.complete(bucket, 'k', id, spec)]);
  assert.deepEqual(
    results.map((r) => r.status),
    [200, 200],
    results.map((r) => r.body).join('\n'),
  );
  for (const r of results) assert.equal(xmlAll(r.body, 'ETag')[0], multipartEtag(parts).replace(/"/g, '&quot;'));
  await expectObject(bucket, 'k', parts);
  await expectUploadGone(bucket, 'k', id);
  assert.equal((await blobFiles(c.dataDir)).length, before, 'the object owns the three part blobs, nothing more or less');
  // A retry after the fact (the first response was lost) is answered the same way...
  const retry = await mp.complete(bucket, 'k', id, spec);
  assert.equal(retry.status, 200);
  assert.equal(xmlAll(retry.body, 'ETag')[0], multipartEtag(parts).replace(/"/g, '&quot;'));
  // ...but only for the bucket and key it was made for.
  const elsewhere = await mp.complete(bucket, 'other', id, spec);
  assert.equal(elsewhere.status, 404);
  assert.equal(elsewhere.code, 'NoSuchUpload');
});

test('Complete racing Abort has one outcome: the whole object and no upload, or no object and no upload', async (t) => {
  const bucket = await newBucketRaw(c.endpoint, 'mpr');
  const outcomes = new Set<string>();
  for (let round = 0; round < 8; round++) {
    const key = `k${round}`;
    const parts = [deterministicBytes(`race/abort/${round}/1`, MIN_PART), deterministicBytes(`race/abort/${round}/2`, 70_000)];
    const id = await mp.createUpload(bucket, key);
    const spec = await uploadParts(bucket, key, id, parts);
    const before = (await blobFiles(c.dataDir)).length;
    // Alternate which request leaves first.
    const [completed, aborted] =
      round % 2 === 0
        ? await Promise.all([mp.complete(bucket, key, id, spec), mp.abort(bucket, key, id)])
        : await Promise.all([mp.abort(bucket, key, id), mp.complete(bucket, key, id, spec)]).then(([a, b]) => [b, a] as const);
    if (completed.status === 200) {
      assert.equal(aborted.status, 404, aborted.body);
      assert.equal(aborted.code, 'NoSuchUpload');
      await expectObject(bucket, key, parts);
      assert.equal((await blobFiles(c.dataDir)).length, before);
      outcomes.add('completed');
    } else {
      assert.equal(completed.status, 404, completed.body);
      assert.equal(completed.code, 'NoSuchUpload');
      assert.equal(aborted.status, 204, aborted.body);
      const got = await mp.get(bucket, key);
      assert.equal(got.status, 404);
      assert.equal(got.code, 'NoSuchKey');
      assert.equal((await blobFiles(c.dataDir)).length, before - parts.length, "the aborted parts' blobs are removed");
      outcomes.add('aborted');
    }
    await expectUploadGone(bucket, key, id);
  }
  t.diagnostic(`outcomes seen: ${[...outcomes].join(', ')}`);
});

test('a part upload still streaming when the upload completes gets 404 NoSuchUpload and leaves the object whole', async () => {
  const bucket = await newBucketRaw(c.endpoint, 'mpr');
  const parts = [deterministicBytes('race/part/1', MIN_PART), deterministicBytes('race/part/2', 100_000)];
  const id = await mp.createUpload(bucket, 'k');
  const spec = await uploadParts(bucket, 'k', id, parts);
  const before = (await blobFiles(c.dataDir)).length;
  // A replacement of part 2 and a new part 3, both half sent.
  const replacement = deterministicBytes('race/part/2-replacement', 300_000);
  const held = [await holdUploadPart(c.endpoint, bucket, 'k', id, 2, replacement, 150_000), await holdUploadPart(c.endpoint, bucket, 'k', id, 3, replacement, 150_000)];
  await sleep(50); // let the server accept the requests and start streaming them
  const done = await mp.complete(bucket, 'k', id, spec);
  assert.equal(done.status, 200, done.body);
  for (const h of held) {
    const r = await h.finish();
    assert.equal(r.status, 404, r.body.toString());
    assert.equal(r.code, 'NoSuchUpload');
  }
  await expectObject(bucket, 'k', parts);
  assert.equal((await blobFiles(c.dataDir)).length, before, "the late parts' blobs are removed");
  assert.deepEqual(await tmpFiles(c.dataDir), []);
});

test('part uploads racing Complete at full speed never change the completed object', async () => {
  const bucket = await newBucketRaw(c.endpoint, 'mpr');
  const before = (await blobFiles(c.dataDir)).length;
  for (let round = 0; round < 4; round++) {
    const key = `k${round}`;
    const parts = [deterministicBytes(`race/fast/${round}/1`, MIN_PART), deterministicBytes(`race/fast/${round}/2`, 50_000)];
    const id = await mp.createUpload(bucket, key);
    const spec = await uploadParts(bucket, key, id, parts);
    const other = deterministicBytes(`race/fast/${round}/other`, 50_000);
    const [done, replaced, extra] = await Promise.all([mp.complete(bucket, key, id, spec), mp.uploadPart(bucket, key, id, 2, other), mp.uploadPart(bucket, key, id, 3, other)]);
    if (done.status === 200) {
      // Completed with the original part 2 (its ETag was listed): the object is exactly that.
      await expectObject(bucket, key, parts);
      await expectUploadGone(bucket, key, id);
    } else {
      // The replacement of part 2 won: the listed ETag no longer matches.
      assert.equal(done.status, 400, done.body);
      assert.equal(done.code, 'InvalidPart');
      assert.equal(replaced.status, 200);
      assert.equal((await mp.get(bucket, key)).status, 404);
      const retry = await mp.complete(bucket, key, id, [spec[0]!, { partNumber: 2, etag: replaced.headers.etag as string }]);
      assert.equal(retry.status, 200, retry.body);
      await expectObject(bucket, key, [parts[0]!, other]);
    }
    for (const r of [replaced, extra]) assert.ok(r.status === 200 || (r.status === 404 && r.code === 'NoSuchUpload'), `part upload: ${r.status}`);
  }
  // Every blob left belongs to one of the four objects (two parts each).
  assert.equal((await blobFiles(c.dataDir)).length, before + 8);
  assert.deepEqual(await tmpFiles(c.dataDir), []);
});

test('AbortMultipartUpload removes the part blob files from <dataDir>/blobs', async () => {
  const bucket = await newBucketRaw(c.endpoint, 'mpr');
  const id = await mp.createUpload(bucket, 'k');
  const before = (await blobFiles(c.dataDir)).length;
  await uploadParts(
    bucket,
    'k',
    id,
    [1, 2, 3].map((i) => deterministicBytes(`abort/${i}`, 200_000)),
  );
  assert.equal((await blobFiles(c.dataDir)).length, before + 3);
  const r = await mp.abort(bucket, 'k', id);
  assert.equal(r.status, 204);
  assert.equal((await blobFiles(c.dataDir)).length, before);
  await expectUploadGone(bucket, 'k', id);
  const again: RawResponse = await mp.abort(bucket, 'k', id);
  assert.equal(again.status, 404);
  assert.equal(again.code, 'NoSuchUpload');
});

test('deleting or overwriting a multipart object removes its part blob files', async () => {
  const bucket = await newBucketRaw(c.endpoint, 'mpr');
  const before = (await blobFiles(c.dataDir)).length;
  for (const key of ['deleted', 'overwritten']) {
    const id = await mp.createUpload(bucket, key);
    const spec = await uploadParts(bucket, key, id, [deterministicBytes(`${key}/1`, MIN_PART), Buffer.from('tail')]);
    assert.equal((await mp.complete(bucket, key, id, spec)).status, 200);
  }
  assert.equal((await blobFiles(c.dataDir)).length, before + 4);
  const del = await rawRequest(c.endpoint, { method: 'DELETE', path: `/${bucket}/deleted` });
  assert.equal(del.status, 204);
  assert.equal((await blobFiles(c.dataDir)).length, before + 2);
  // A small PUT is stored inline: the overwritten object's two part files go and none comes.
  const put = await rawRequest(c.endpoint, { method: 'PUT', path: `/${bucket}/overwritten`, body: 'small replacement' });
  assert.equal(put.status, 200);
  assert.equal((await blobFiles(c.dataDir)).length, before);
});

test('a GET that started before its multipart object is overwritten still reads the old bytes whole', async () => {
  const bucket = await newBucketRaw(c.endpoint, 'mpr');
  const parts = [deterministicBytes('read/1', MIN_PART), deterministicBytes('read/2', MIN_PART), Buffer.from('end')];
  const id = await mp.createUpload(bucket, 'k');
  const spec = await uploadParts(bucket, 'k', id, parts);
  assert.equal((await mp.complete(bucket, 'k', id, spec)).status, 200);
  const reading = await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
  const chunks = (reading.Body as Readable)[Symbol.asyncIterator]();
  // Take one chunk, then leave the rest of the response unread while the object is replaced.
  const got: Buffer[] = [];
  const first = await chunks.next();
  assert.equal(first.done, false);
  got.push(first.value as Buffer);
  const before = (await blobFiles(c.dataDir)).length;
  const put = await rawRequest(c.endpoint, { method: 'PUT', path: `/${bucket}/k`, body: 'replacement' });
  assert.equal(put.status, 200);
  assert.equal((await blobFiles(c.dataDir)).length, before - 3, 'the old part files are unlinked while the GET is open');
  for (let r = await chunks.next(); !r.done; r = await chunks.next()) got.push(r.value as Buffer);
  assert.ok(Buffer.concat(got).equals(Buffer.concat(parts)), 'the reader got the old object whole');
  assert.equal((await mp.get(bucket, 'k')).body.toString(), 'replacement');
});

test('with COFFER_UPLOAD_MAX_AGE=1 the expiry job aborts old uploads and removes their parts, leaving completed objects alone', async (t) => {
  const s = await startTestCofferForTest(t, { COFFER_UPLOAD_MAX_AGE: '1' });
  const m = new RawMultipart(s.endpoint);
  const bucket = await newBucketRaw(s.endpoint, 'mpx');
  const id = await m.createUpload(bucket, 'stale');
  await m.putPart(bucket, 'stale', id, 1, deterministicBytes('expire/part', 100_000));
  const kept = await m.createUpload(bucket, 'kept');
  const keptEtag = await m.putPart(bucket, 'kept', kept, 1, Buffer.from('completed in time'));
  assert.equal((await m.complete(bucket, 'kept', kept, [{ partNumber: 1, etag: keptEtag }])).status, 200);
  assert.deepEqual(xmlAll((await m.listUploads(bucket)).body, 'UploadId'), [id]);
  // Parts are always blob files: the pending part and the completed object's part.
  assert.equal((await blobFiles(s.dataDir)).length, 2);

  const deadline = Date.now() + 6000;
  while (xmlAll((await m.listUploads(bucket)).body, 'UploadId').length > 0) {
    assert.ok(Date.now() < deadline, 'the upload was not expired within 6 s');
    await sleep(200);
  }
  const parts = await m.listParts(bucket, 'stale', id);
  assert.equal(parts.status, 404);
  assert.equal(parts.code, 'NoSuchUpload');
  assert.equal((await blobFiles(s.dataDir)).length, 1, "only the completed object's part blob is left");
  const got = await m.get(bucket, 'kept');
  assert.equal(got.status, 200);
  assert.equal(got.body.toString(), 'completed in time');
});
