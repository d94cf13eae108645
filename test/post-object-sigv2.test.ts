// POST Object with Signature Version 2 policies (AWSAccessKeyId, policy, signature), which
// COFFER_SIGV2=on accepts for legacy clients, as s3-tests' POST tests sign them.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/HTTPPOSTForms.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { newBucket, testCofferForFile } from './helpers/coffer.js';
import { postForm, signedV2Fields, signedV4Fields } from './helpers/post-form.js';

const c = testCofferForFile({ COFFER_SIGV2: 'on' });

test('a form signed with a SigV2 policy stores its file', async () => {
  const b = await newBucket(c.s3, 'postv2');
  const fields = signedV2Fields({ bucket: b, conditions: [['starts-with', '$key', 'foo'], { acl: 'private' }, ['content-length-range', 0, 1024]] });
  const r = await postForm(c.endpoint, b, [['key', 'foo.txt'], ['acl', 'private'], ...fields], { filename: 'foo.txt', content: 'bar' });
  assert.equal(r.status, 204, r.body);
  const out = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'foo.txt' }));
  assert.equal(await out.Body!.transformToString(), 'bar');
});

test('a SigV2 policy signed with another secret is 403 SignatureDoesNotMatch', async () => {
  const b = await newBucket(c.s3, 'postv2');
  const fields = signedV2Fields({ bucket: b, conditions: [{ key: 'k' }], credentials: { accessKeyId: c.accessKeyId, secretAccessKey: 'wrong-secret' } });
  const r = await postForm(c.endpoint, b, [['key', 'k'], ...fields]);
  assert.equal(r.status, 403, r.body);
  assert.equal(r.code, 'SignatureDoesNotMatch');
});

test('a SigV2 form without its signature is 400 InvalidArgument', async () => {
  const b = await newBucket(c.s3, 'postv2');
  const fields = signedV2Fields({ bucket: b, conditions: [{ key: 'k' }] }).filter(([n]) => n !== 'signature');
  const r = await postForm(c.endpoint, b, [['key', 'k'], ...fields]);
  assert.equal(r.status, 400, r.body);
  assert.equal(r.code, 'InvalidArgument');
  assert.match(r.body, /<ArgumentName>Signature<\/ArgumentName>/);
});

test('SigV4 policies still work with COFFER_SIGV2 on', async () => {
  const b = await newBucket(c.s3, 'postv2');
  const r = await postForm(c.endpoint, b, [['key', 'k'], ...signedV4Fields({ bucket: b, conditions: [{ key: 'k' }] })]);
  assert.equal(r.status, 204, r.body);
});
