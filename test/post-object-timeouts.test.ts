// POST Object and COFFER_REQUEST_TIMEOUT: a form that stalls is RequestTimeout, before its file or
// inside it; an upload that keeps sending is never cut off, however long it takes in all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand, HeadObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { newBucket, testCofferForFile } from './helpers/coffer.js';
import { formBody, openPost, signedV4Fields } from './helpers/post-form.js';
import type { PostResponse } from './helpers/post-form.js';

const c = testCofferForFile({ COFFER_REQUEST_TIMEOUT: '0.5' });

/** Send `pieces` with `gapMs` between them (the content length is their sum); the status and body. */
function postSlowly(bucket: string, pieces: Buffer[], gapMs: number, totalLength = pieces.reduce((n, p) => n + p.length, 0)): Promise<PostResponse> {
  const { req, response } = openPost(c.endpoint, bucket, { 'content-length': String(totalLength) });
  void (async () => {
    for (const p of pieces) {
      if (req.destroyed) return;
      req.write(p);
      await sleep(gapMs);
    }
    req.end();
  })();
  return response;
}

test('an upload that keeps sending for longer than the timeout in all is stored whole', async () => {
  const b = await newBucket(c.s3, 'postslow');
  const whole = formBody([['key', 'k'], ...signedV4Fields({ bucket: b, conditions: [{ key: 'k' }] })], [{ content: Buffer.alloc(64 * 1024, 7) }]);
  const pieces: Buffer[] = [];
  for (let i = 0; i < whole.length; i += 8 * 1024) pieces.push(whole.subarray(i, i + 8 * 1024));
  // 9 pieces 200 ms apart: about 1.8 s in all, never 0.5 s without a byte.
  const r = await postSlowly(b, pieces, 200);
  assert.equal(r.status, 204, r.body);
  const got = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
  assert.equal((await got.Body!.transformToByteArray()).length, 64 * 1024);
});

test('a form that stalls before its file is 400 RequestTimeout', async () => {
  const b = await newBucket(c.s3, 'postslow');
  const whole = formBody([['key', 'k'], ...signedV4Fields({ bucket: b, conditions: [{ key: 'k' }] })], [{ content: 'x' }]);
  const r = await postSlowly(b, [whole.subarray(0, 40), whole.subarray(40)], 2000);
  assert.equal(r.status, 400, r.body);
  assert.match(r.body, /<Code>RequestTimeout<\/Code>/);
});

test('a form that stalls inside its file is 400 RequestTimeout and stores nothing', async () => {
  const b = await newBucket(c.s3, 'postslow');
  const whole = formBody([['key', 'k'], ...signedV4Fields({ bucket: b, conditions: [{ key: 'k' }] })], [{ content: Buffer.alloc(300 * 1024, 1) }]);
  const r = await postSlowly(b, [whole.subarray(0, whole.length - 1000), whole.subarray(whole.length - 1000)], 2000);
  assert.equal(r.status, 400, r.body);
  assert.match(r.body, /<Code>RequestTimeout<\/Code>/);
  await assert.rejects(c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' })), (e: unknown) => e instanceof S3ServiceException && e.$metadata.httpStatusCode === 404);
});
