// CopyObject and tags: x-amz-tagging-directive COPY (the default) gives the copy the source's
// tags, REPLACE the tags of x-amz-tagging (none without it).
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html#AmazonS3-CopyObject-request-header-TaggingDirective
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CopyObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { newBucket, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import { objectTags, putTagging, taggingXml } from './helpers/tagging.js';

const c = testCofferForFile();

async function source(): Promise<string> {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: 'source', Tagging: 'color=blue&size=' }));
  return b;
}

test("CopyObject without a tagging directive gives the copy the source's tags, across buckets too", async () => {
  const b = await source();
  await c.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'copy', CopySource: `${b}/src` }));
  assert.deepEqual(await objectTags(c.endpoint, b, 'copy'), [
    ['color', 'blue'],
    ['size', ''],
  ]);
  const other = await newBucket(c.s3);
  await c.s3.send(new CopyObjectCommand({ Bucket: other, Key: 'copy', CopySource: `${b}/src`, TaggingDirective: 'COPY' }));
  assert.deepEqual(await objectTags(c.endpoint, other, 'copy'), [
    ['color', 'blue'],
    ['size', ''],
  ]);
  // The source's tags as they are at the copy, and the copy's own afterwards.
  await putTagging(c.endpoint, b, 'src', taggingXml([['color', 'red']]));
  assert.deepEqual(await objectTags(c.endpoint, b, 'copy'), [
    ['color', 'blue'],
    ['size', ''],
  ]);
});

test('COPY ignores x-amz-tagging; REPLACE takes it, and without it the copy has no tags', async () => {
  const b = await source();
  const copied = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/kept`, headers: { 'x-amz-copy-source': `/${b}/src`, 'x-amz-tagging': 'ignored=1' } });
  assert.equal(copied.status, 200, copied.body);
  assert.deepEqual(await objectTags(c.endpoint, b, 'kept'), [
    ['color', 'blue'],
    ['size', ''],
  ]);
  await c.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'replaced', CopySource: `${b}/src`, TaggingDirective: 'REPLACE', Tagging: 'shape=round&note=a%20b' }));
  assert.deepEqual(await objectTags(c.endpoint, b, 'replaced'), [
    ['note', 'a b'],
    ['shape', 'round'],
  ]);
  const cleared = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/cleared`, headers: { 'x-amz-copy-source': `/${b}/src`, 'x-amz-tagging-directive': 'REPLACE' } });
  assert.equal(cleared.status, 200, cleared.body);
  assert.deepEqual(await objectTags(c.endpoint, b, 'cleared'), []);
  assert.equal((await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/cleared` })).headers['x-amz-tagging-count'], undefined);
});

test('copying onto itself with REPLACE metadata and tagging directives replaces its tags', async () => {
  const b = await source();
  const r = await rawRequest(c.endpoint, {
    method: 'PUT',
    path: `/${b}/src`,
    headers: { 'x-amz-copy-source': `/${b}/src`, 'x-amz-metadata-directive': 'REPLACE', 'x-amz-tagging-directive': 'REPLACE', 'x-amz-tagging': 'v=2' },
  });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(await objectTags(c.endpoint, b, 'src'), [['v', '2']]);
});

test('an unknown tagging directive is 400 InvalidArgument "Unknown tagging directive." and copies nothing', async () => {
  const b = await source();
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/copy`, headers: { 'x-amz-copy-source': `/${b}/src`, 'x-amz-tagging-directive': 'MERGE' } });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidArgument');
  assert.equal(r.message, 'Unknown tagging directive.');
  assert.match(r.body, /<ArgumentName>x-amz-tagging-directive<\/ArgumentName><ArgumentValue>MERGE<\/ArgumentValue>/);
  assert.equal((await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/copy` })).status, 404);
});

test('REPLACE with an x-amz-tagging S3 refuses is a 400 and copies nothing', async () => {
  const b = await source();
  for (const [value, code] of [
    ['a=1&a=2', 'InvalidArgument'],
    ['k=a%3Bb', 'InvalidTag'],
    [Array.from({ length: 11 }, (_, i) => `k${i}=`).join('&'), 'BadRequest'],
  ] as const) {
    const r = await rawRequest(c.endpoint, {
      method: 'PUT',
      path: `/${b}/copy`,
      headers: { 'x-amz-copy-source': `/${b}/src`, 'x-amz-tagging-directive': 'REPLACE', 'x-amz-tagging': value },
    });
    assert.equal(r.status, 400, value);
    assert.equal(r.code, code, value);
  }
  assert.equal((await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/copy` })).status, 404);
});
