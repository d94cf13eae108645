// SSE-S3 (AES256): a data key per object, sealed by a master key (COFFER_MASTER_KEY, or a 0600 key
// file made in the data dir on first start); rotation keeps old keys readable. And what any
// encryption does to the stored bytes: range reads across frames, tampering, multipart, copies.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingServerSideEncryption.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { ROOT_ACCESS_KEY, ROOT_SECRET_KEY, bodyBytes, newBucket, startTestCoffer, startTestCofferForTest } from './helpers/coffer.js';
import { bytesRequest, deterministicBytes } from './helpers/bytes.js';
import { blobFiles } from './helpers/files.js';
import { adminRequest } from '../src/cli/admin-client.js';
import { FRAME_BYTES } from '../src/crypto/frames.js';
import { customerKey, sdkSseC, startSseCoffer } from './helpers/sse.js';

const run = promisify(execFile);

test('PutObject with x-amz-server-side-encryption: AES256 answers it on PUT, GET and HEAD; the ETag stays the MD5', async (t) => {
  const c = await startTestCofferForTest(t);
  const b = await newBucket(c.s3);
  const data = deterministicBytes('sse-s3', 200_000);
  const put = await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: data, ServerSideEncryption: 'AES256' }));
  assert.equal(put.ServerSideEncryption, 'AES256');
  assert.equal(put.ETag, `"${createHash('md5').update(data).digest('hex')}"`);
  const got = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
  assert.equal(got.ServerSideEncryption, 'AES256');
  assert.ok((await bodyBytes(got)).equals(data));
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }));
  assert.equal(head.ServerSideEncryption, 'AES256');
  assert.equal(head.ContentLength, data.length);
});

test('the stored blob of an encrypted object does not hold its plaintext; a plaintext object still does', async (t) => {
  const c = await startTestCofferForTest(t);
  const b = await newBucket(c.s3);
  const data = deterministicBytes('in the clear?', 300_000);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'enc', Body: data, ServerSideEncryption: 'AES256' }));
  const [blob] = await blobFiles(c.dataDir);
  const stored = await readFile(blob!);
  assert.ok(stored.length > data.length, 'frames add their nonces and tags');
  assert.equal(stored.indexOf(data.subarray(1000, 1064)), -1);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'plain', Body: data }));
  const blobs = await blobFiles(c.dataDir);
  const plain = await Promise.all(blobs.map((f) => readFile(f)));
  assert.ok(
    plain.some((p) => p.equals(data)),
    'the control: a plaintext blob holds the bytes as sent',
  );
});

test('range reads of an encrypted object across 64 KiB frame boundaries return exactly the bytes asked for', async (t) => {
  const c = await startTestCofferForTest(t);
  const b = await newBucket(c.s3);
  const size = 5 * FRAME_BYTES + 1234;
  const data = deterministicBytes('frames', size);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: data, ServerSideEncryption: 'AES256' }));
  const ranges = [
    `0-0`,
    `${FRAME_BYTES - 1}-${FRAME_BYTES}`,
    `${FRAME_BYTES - 100}-${3 * FRAME_BYTES + 100}`,
    `${2 * FRAME_BYTES}-${3 * FRAME_BYTES - 1}`,
    `${size - 10}-`,
    `-${FRAME_BYTES + 3}`,
  ];
  for (const r of ranges) {
    const got = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', Range: `bytes=${r}` }));
    const [s, e] = got.ContentRange!.replace('bytes ', '').split('/')[0]!.split('-').map(Number);
    const body = await bodyBytes(got);
    assert.ok(body.equals(data.subarray(s!, e! + 1)), r);
    assert.equal(body.length, e! - s! + 1);
  }
});

test('one flipped byte in a stored encrypted blob makes the GET fail instead of answering other bytes', async (t) => {
  const c = await startTestCofferForTest(t);
  const b = await newBucket(c.s3);
  const data = deterministicBytes('tamper', 3 * FRAME_BYTES);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: data, ServerSideEncryption: 'AES256' }));
  const [blob] = await blobFiles(c.dataDir);
  const stored = await readFile(blob!);
  stored[FRAME_BYTES + 28 + 5000] = stored[FRAME_BYTES + 28 + 5000]! ^ 0x40;
  await writeFile(blob!, stored);
  // The whole object: an error response when the bad frame is met before the answer starts
  // (it is here: the frames are read in one chunk), else a body cut short after the good frames.
  const whole = await bytesRequest(c.endpoint, { method: 'GET', path: `/${b}/k` }).then(
    (res) => res,
    () => undefined,
  );
  if (whole?.status === 500) assert.equal(whole.code, 'InternalError');
  else if (whole !== undefined) {
    assert.ok(whole.body.length < data.length, 'the body is cut short, not completed with other bytes');
    assert.ok(data.subarray(0, whole.body.length).equals(whole.body), 'what was sent is the true prefix');
  }
  // A range inside the tampered frame: nothing of it, and an error response.
  const inside = await bytesRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, headers: { range: `bytes=${FRAME_BYTES + 100}-${FRAME_BYTES + 200}` } });
  assert.equal(inside.status, 500);
  assert.equal(inside.code, 'InternalError');
  // A range in an untouched frame still reads.
  const ok = await bodyBytes(await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', Range: `bytes=${2 * FRAME_BYTES}-${2 * FRAME_BYTES + 99}` })));
  assert.ok(ok.equals(data.subarray(2 * FRAME_BYTES, 2 * FRAME_BYTES + 100)));
});

test('a flipped byte in a small encrypted object stored inline is 500 InternalError, not wrong data', async (t) => {
  const c = await startTestCofferForTest(t);
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'small secret', ServerSideEncryption: 'AES256' }));
  const obj = await c.server.engine.deps.meta.getObject(b, 'k');
  assert.ok(obj?.inlineData, 'stored inline');
  const bad = Buffer.from(obj.inlineData);
  bad[15] = bad[15]! ^ 1;
  await c.server.engine.deps.meta.transaction(async (tx) => {
    await tx.insertObjectVersion({ ...obj, inlineData: bad }, 'null', { onlyVersion: true });
  });
  const r = await bytesRequest(c.endpoint, { method: 'GET', path: `/${b}/k` });
  assert.equal(r.status, 500);
  assert.equal(r.code, 'InternalError');
});

test('a multipart upload with SSE-S3 encrypts every part; the object reads whole, by range across parts, and by part', async (t) => {
  const c = await startTestCofferForTest(t);
  const b = await newBucket(c.s3);
  const p1 = deterministicBytes('mp-1', 5 * 1024 * 1024 + 11);
  const p2 = deterministicBytes('mp-2', 70_000);
  const up = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp', ServerSideEncryption: 'AES256' }));
  assert.equal(up.ServerSideEncryption, 'AES256');
  const e1 = await c.s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId: up.UploadId, PartNumber: 1, Body: p1 }));
  assert.equal(e1.ServerSideEncryption, 'AES256');
  assert.equal(e1.ETag, `"${createHash('md5').update(p1).digest('hex')}"`, 'SSE-S3 part ETags are their MD5');
  const e2 = await c.s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId: up.UploadId, PartNumber: 2, Body: p2 }));
  const done = await c.s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: b,
      Key: 'mp',
      UploadId: up.UploadId,
      MultipartUpload: {
        Parts: [
          { PartNumber: 1, ETag: e1.ETag },
          { PartNumber: 2, ETag: e2.ETag },
        ],
      },
    }),
  );
  assert.equal(done.ServerSideEncryption, 'AES256');
  const all = Buffer.concat([p1, p2]);
  const got = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'mp' }));
  assert.equal(got.ServerSideEncryption, 'AES256');
  assert.ok((await bodyBytes(got)).equals(all));
  const s = p1.length - 1000;
  assert.ok((await bodyBytes(await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'mp', Range: `bytes=${s}-${s + 2000}` })))).equals(all.subarray(s, s + 2001)));
  assert.ok((await bodyBytes(await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'mp', PartNumber: 2 })))).equals(p2));
  for (const f of await blobFiles(c.dataDir)) assert.equal((await readFile(f)).indexOf(p2.subarray(0, 64)), -1, 'no part is stored in the clear');
});

test('copies between encryption types: plaintext → SSE-S3 → plaintext, SSE-S3 onto itself as SSE-S3 again', async (t) => {
  const c = await startSseCoffer(t);
  const b = await newBucket(c.tls);
  const data = deterministicBytes('copies', 150_000);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'plain', Body: data }));
  const enc = await c.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'enc', CopySource: `${b}/plain`, ServerSideEncryption: 'AES256' }));
  assert.equal(enc.ServerSideEncryption, 'AES256');
  const back = await c.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'back', CopySource: `${b}/enc` }));
  assert.equal(back.ServerSideEncryption, undefined, 'a copy does not take its source encryption');
  assert.ok((await bodyBytes(await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'back' })))).equals(data));
  // Changing only the encryption is a change: S3 allows such a copy onto itself.
  const self = await c.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'plain', CopySource: `${b}/plain`, ServerSideEncryption: 'AES256' }));
  assert.equal(self.ServerSideEncryption, 'AES256');
  const k = customerKey('copy key');
  await c.tls.send(new CopyObjectCommand({ Bucket: b, Key: 'ssec', CopySource: `${b}/enc`, ...sdkSseC(k) }));
  assert.ok((await bodyBytes(await c.tls.send(new GetObjectCommand({ Bucket: b, Key: 'ssec', ...sdkSseC(k) })))).equals(data));
});

test('x-amz-server-side-encryption on a GET or HEAD is 400 InvalidArgument', async (t) => {
  const c = await startTestCofferForTest(t);
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', ServerSideEncryption: 'AES256' }));
  const r = await bytesRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, headers: { 'x-amz-server-side-encryption': 'AES256' } });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidArgument');
  const h = await bytesRequest(c.endpoint, { method: 'HEAD', path: `/${b}/k`, headers: { 'x-amz-server-side-encryption': 'AES256' } });
  assert.equal(h.status, 400);
});

test('an unknown x-amz-server-side-encryption value is 400 InvalidArgument', async (t) => {
  const c = await startTestCofferForTest(t);
  const b = await newBucket(c.s3);
  const r = await bytesRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, headers: { 'x-amz-server-side-encryption': 'AES512' }, body: 'x' });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidArgument');
});

test('the master key file is made on first start with mode 0600; a restart reads what it sealed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-keys-'));
  try {
    const first = await startTestCoffer({ COFFER_DATA_DIR: dir });
    const b = await newBucket(first.s3);
    const data = deterministicBytes('restart', 100_000);
    await first.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: data, ServerSideEncryption: 'AES256' }));
    await first.close();
    const st = await stat(join(dir, 'sse-keys.json'));
    assert.equal(st.mode & 0o777, 0o600);
    const second = await startTestCoffer({ COFFER_DATA_DIR: dir });
    try {
      assert.ok((await bodyBytes(await second.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' })))).equals(data));
    } finally {
      await second.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('coffer admin rotate makes a new master key for new objects; objects sealed by the old one still read, after a restart too', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-rotate-'));
  try {
    const c = await startTestCoffer({ COFFER_DATA_DIR: dir });
    const b = await newBucket(c.s3);
    await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'old', Body: 'sealed by the first key', ServerSideEncryption: 'AES256' }));
    const env = { ...process.env, COFFER_ENDPOINT: c.endpoint, COFFER_ROOT_ACCESS_KEY: ROOT_ACCESS_KEY, COFFER_ROOT_SECRET_KEY: ROOT_SECRET_KEY };
    const rotated = JSON.parse((await run(process.execPath, ['bin/coffer.js', 'admin', 'rotate', '--json'], { env })).stdout) as { masterKeyId: string };
    assert.match(rotated.masterKeyId, /^mk-[0-9a-f]{16}$/);
    await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'new', Body: 'sealed by the second key', ServerSideEncryption: 'AES256' }));
    const oldRec = await c.server.engine.deps.meta.getObject(b, 'old');
    const newRec = await c.server.engine.deps.meta.getObject(b, 'new');
    assert.notEqual(oldRec!.encryption!.masterKeyId, newRec!.encryption!.masterKeyId);
    assert.equal(newRec!.encryption!.masterKeyId, rotated.masterKeyId);
    await c.close();
    const again = await startTestCoffer({ COFFER_DATA_DIR: dir });
    try {
      assert.equal((await bodyBytes(await again.s3.send(new GetObjectCommand({ Bucket: b, Key: 'old' })))).toString(), 'sealed by the first key');
      assert.equal((await bodyBytes(await again.s3.send(new GetObjectCommand({ Bucket: b, Key: 'new' })))).toString(), 'sealed by the second key');
    } finally {
      await again.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('with COFFER_MASTER_KEY the key comes from the environment; objects sealed by the key file before stay readable; rotate is refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-envkey-'));
  try {
    const first = await startTestCoffer({ COFFER_DATA_DIR: dir });
    const b = await newBucket(first.s3);
    await first.s3.send(new PutObjectCommand({ Bucket: b, Key: 'file-key', Body: 'one', ServerSideEncryption: 'AES256' }));
    await first.close();
    const env = await startTestCoffer({ COFFER_DATA_DIR: dir, COFFER_MASTER_KEY: randomBytes(32).toString('base64') });
    try {
      await env.s3.send(new PutObjectCommand({ Bucket: b, Key: 'env-key', Body: 'two', ServerSideEncryption: 'AES256' }));
      assert.match((await env.server.engine.deps.meta.getObject(b, 'env-key'))!.encryption!.masterKeyId!, /^env-/);
      assert.equal((await bodyBytes(await env.s3.send(new GetObjectCommand({ Bucket: b, Key: 'file-key' })))).toString(), 'one');
      const root = { endpoint: env.endpoint, accessKeyId: ROOT_ACCESS_KEY, secretAccessKey: ROOT_SECRET_KEY, region: 'us-east-1' };
      const r = await adminRequest(root, 'POST', '/_coffer/admin/v1/master-key/rotate');
      assert.equal(r.status, 409);
      assert.match(JSON.stringify(r.body), /COFFER_MASTER_KEY/);
    } finally {
      await env.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('SSE-S3 and SSE-KMS work the same over the HTTPS listener as over HTTP, and read back on either', async (t) => {
  const c = await startSseCoffer(t, { COFFER_KMS_KEYS: `tls-key:${randomBytes(32).toString('base64')}` });
  const b = await newBucket(c.tls);
  const data = deterministicBytes('over tls', 100_000);
  const s3 = await c.tls.send(new PutObjectCommand({ Bucket: b, Key: 's3', Body: data, ServerSideEncryption: 'AES256' }));
  assert.equal(s3.ServerSideEncryption, 'AES256');
  const kms = await c.tls.send(new PutObjectCommand({ Bucket: b, Key: 'kms', Body: data, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'tls-key' }));
  assert.equal(kms.SSEKMSKeyId, 'tls-key');
  for (const client of [c.s3, c.tls]) {
    for (const key of ['s3', 'kms']) {
      const got = await client.send(new GetObjectCommand({ Bucket: b, Key: key, Range: 'bytes=65530-65545' }));
      assert.ok((await bodyBytes(got)).equals(data.subarray(65530, 65546)), key);
    }
  }
});
