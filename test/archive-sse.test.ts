// Archive storage classes with encryption at rest: archived bytes are compressed, then encrypted
// under the version's data key, so the archive volume holds no plaintext and a restore gives back
// the client's bytes. SSE-C versions stay in the blob store whatever their class: their key is
// never stored, so neither a transition nor a restore could open them (engine/archive.ts). They
// still behave as archived, as on S3: unreadable until restored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { GetObjectCommand, HeadObjectCommand, PutBucketLifecycleConfigurationCommand, PutObjectCommand, RestoreObjectCommand } from '@aws-sdk/client-s3';
import { bodyBytes, newBucket, rejectsNamed } from './helpers/coffer.js';
import { customerKey, sdkSseC, startSseCoffer } from './helpers/sse.js';
import { eventually, multipartUpload, restoreOf } from './helpers/archive.js';
import { archiveFiles } from './helpers/files.js';
import type { SseCoffer } from './helpers/sse.js';

const A = customerKey('archive customer key');

test('an SSE-S3 GLACIER object is stored compressed and encrypted on the archive volume, and restores to its bytes', async (t) => {
  const c = await startSseCoffer(t, { COFFER_RESTORE_SECONDS: 'Expedited=0.2' });
  const b = await newBucket(c.s3);
  const text = 'secret archived line\n'.repeat(20_000);
  const before = new Set(await archiveFiles(c.dataDir));
  const put = await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: text, StorageClass: 'GLACIER', ServerSideEncryption: 'AES256' }));
  assert.equal(put.ServerSideEncryption, 'AES256');
  const added = (await archiveFiles(c.dataDir)).filter((f) => !before.has(f));
  assert.equal(added.length, 1);
  const stored = await readFile(added[0]!);
  // Compressed first (a fraction of the text), encrypted after (no plaintext, not brotli's bytes).
  assert.ok(stored.length < text.length / 10, `${stored.length} stored bytes`);
  assert.equal(stored.includes('secret archived line'), false);
  await c.s3.send(new RestoreObjectCommand({ Bucket: b, Key: 'k', RestoreRequest: { Days: 1, GlacierJobParameters: { Tier: 'Expedited' } } }));
  await eventually(async () => (await restoreOf(c.s3, b, 'k'))?.startsWith('ongoing-request="false"') === true);
  const got = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
  assert.equal(got.ServerSideEncryption, 'AES256');
  assert.equal((await bodyBytes(got)).toString(), text);
  const range = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', Range: 'bytes=21-40' }));
  assert.equal((await bodyBytes(range)).toString(), 'secret archived line');
});

test('a lifecycle transition archives an SSE-S3 object encrypted and leaves an SSE-C object in place, readable with its key once restored', async (t) => {
  const c = await startSseCoffer(t, { COFFER_LIFECYCLE_DAY_SECONDS: '1', COFFER_RESTORE_SECONDS: 'Expedited=0.2' });
  const b = await newBucket(c.tls);
  const text = 'lifecycle line\n'.repeat(20_000);
  const before = (await archiveFiles(c.dataDir)).length;
  await c.tls.send(new PutObjectCommand({ Bucket: b, Key: 's3', Body: text, ServerSideEncryption: 'AES256' }));
  await c.tls.send(new PutObjectCommand({ Bucket: b, Key: 'ssec', Body: text, ...sdkSseC(A) }));
  await c.tls.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: b,
      LifecycleConfiguration: { Rules: [{ ID: 'cold', Filter: {}, Status: 'Enabled', Transitions: [{ Days: 1, StorageClass: 'GLACIER' }] }] },
    }),
  );
  await eventually(async () => (await c.tls.send(new HeadObjectCommand({ Bucket: b, Key: 's3' }))).StorageClass === 'GLACIER');
  await eventually(async () => (await c.tls.send(new HeadObjectCommand({ Bucket: b, Key: 'ssec', ...sdkSseC(A) }))).StorageClass === 'GLACIER');
  // Only the SSE-S3 object's bytes went to the archive volume.
  assert.equal((await archiveFiles(c.dataDir)).length, before + 1);
  await rejectsNamed(c.tls.send(new GetObjectCommand({ Bucket: b, Key: 'ssec', ...sdkSseC(A) })), 'InvalidObjectState');
  await restoreAndRead(c, b, 'ssec', text);
  await c.tls.send(new RestoreObjectCommand({ Bucket: b, Key: 's3', RestoreRequest: { Days: 1, GlacierJobParameters: { Tier: 'Expedited' } } }));
  await eventually(async () => (await restoreOf(c.tls, b, 's3'))?.startsWith('ongoing-request="false"') === true);
  assert.equal((await bodyBytes(await c.tls.send(new GetObjectCommand({ Bucket: b, Key: 's3' })))).toString(), text);
});

/** Restore an SSE-C GLACIER object: 202, then 409 while it runs, then readable with its key, and 200 for another restore. */
async function restoreAndRead(c: SseCoffer, bucket: string, key: string, text: string): Promise<void> {
  const request = { Bucket: bucket, Key: key, RestoreRequest: { Days: 1, GlacierJobParameters: { Tier: 'Expedited' as const } } };
  assert.equal((await c.tls.send(new RestoreObjectCommand(request))).$metadata.httpStatusCode, 202);
  await rejectsNamed(c.tls.send(new RestoreObjectCommand(request)), 'RestoreAlreadyInProgress');
  await eventually(async () => (await c.tls.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ...sdkSseC(A) }))).Restore?.startsWith('ongoing-request="false"') === true);
  const got = await c.tls.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...sdkSseC(A) }));
  assert.equal(got.StorageClass, 'GLACIER');
  assert.equal((await bodyBytes(got)).toString(), text);
  assert.equal((await c.tls.send(new RestoreObjectCommand(request))).$metadata.httpStatusCode, 200);
}

test('an SSE-C object PUT as GLACIER stays in the blob store, unreadable until restored, then readable with its key for the Days of the restore', async (t) => {
  const c = await startSseCoffer(t, { COFFER_RESTORE_SECONDS: 'Expedited=0.2', COFFER_LIFECYCLE_DAY_SECONDS: '2' });
  const b = await newBucket(c.tls);
  const before = (await archiveFiles(c.dataDir)).length;
  await c.tls.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'customer keyed', StorageClass: 'GLACIER', ...sdkSseC(A) }));
  assert.equal((await archiveFiles(c.dataDir)).length, before);
  assert.equal((await c.tls.send(new HeadObjectCommand({ Bucket: b, Key: 'k', ...sdkSseC(A) }))).StorageClass, 'GLACIER');
  await rejectsNamed(c.tls.send(new GetObjectCommand({ Bucket: b, Key: 'k', ...sdkSseC(A) })), 'InvalidObjectState');
  await restoreAndRead(c, b, 'k', 'customer keyed');
  // The Days are over: unreadable again, but its bytes (the only copy) are kept for the next restore.
  await eventually(async () => (await c.tls.send(new HeadObjectCommand({ Bucket: b, Key: 'k', ...sdkSseC(A) }))).Restore === undefined);
  await rejectsNamed(c.tls.send(new GetObjectCommand({ Bucket: b, Key: 'k', ...sdkSseC(A) })), 'InvalidObjectState');
  await restoreAndRead(c, b, 'k', 'customer keyed');
});

test('an SSE-C multipart upload completed into GLACIER stays in the blob store and, once restored, answers by its parts', async (t) => {
  const c = await startSseCoffer(t, { COFFER_RESTORE_SECONDS: 'Expedited=0.2' });
  const b = await newBucket(c.tls);
  const before = (await archiveFiles(c.dataDir)).length;
  const parts = [Buffer.alloc(5 * 1024 * 1024, 'p'), Buffer.from('customer tail')];
  await multipartUpload(c.tls, b, 'mp', parts, 'GLACIER', sdkSseC(A));
  await rejectsNamed(c.tls.send(new GetObjectCommand({ Bucket: b, Key: 'mp', ...sdkSseC(A) })), 'InvalidObjectState');
  await restoreAndRead(c, b, 'mp', Buffer.concat(parts).toString());
  // The archive job ran meanwhile (the restore is its work too) and moved nothing.
  assert.equal((await archiveFiles(c.dataDir)).length, before);
  const part2 = await c.tls.send(new GetObjectCommand({ Bucket: b, Key: 'mp', PartNumber: 2, ...sdkSseC(A) }));
  assert.equal(part2.PartsCount, 2);
  assert.equal((await bodyBytes(part2)).toString(), 'customer tail');
});
