// x-amz-tagging on CreateMultipartUpload: the upload keeps the tags and the object gets them
// when the upload completes; UploadPartCopy takes bytes, never the source's tags.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html#AmazonS3-CreateMultipartUpload-request-header-Tagging
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand, UploadPartCommand, UploadPartCopyCommand } from '@aws-sdk/client-s3';
import { newBucket, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import { RawMultipart } from './helpers/multipart.js';
import { objectTags } from './helpers/tagging.js';

const c = testCofferForFile();
const mpu = new RawMultipart(c);

test("the tags of CreateMultipartUpload are the object's once the upload completes, not before", async () => {
  const b = await newBucket(c.s3);
  const created = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'k', Tagging: 'stage=upload&owner=ops%20team' }));
  const part = await c.s3.send(new UploadPartCommand({ Bucket: b, Key: 'k', UploadId: created.UploadId, PartNumber: 1, Body: 'only part' }));
  const before = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, query: { tagging: '' } });
  assert.equal(before.status, 404, 'no object until Complete');
  await c.s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: 'k', UploadId: created.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
  assert.deepEqual(await objectTags(c.endpoint, b, 'k'), [
    ['owner', 'ops team'],
    ['stage', 'upload'],
  ]);
  assert.equal((await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/k` })).headers['x-amz-tagging-count'], '2');
});

test('an upload created without x-amz-tagging completes to an object without tags, replacing a tagged one', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'old', Tagging: 'old=1' }));
  const id = await mpu.createUpload(b, 'k');
  const etag = await mpu.putPart(b, 'k', id, 1, Buffer.from('new'));
  assert.equal((await mpu.complete(b, 'k', id, [{ partNumber: 1, etag }])).status, 200);
  assert.deepEqual(await objectTags(c.endpoint, b, 'k'), []);
});

test('CreateMultipartUpload with an x-amz-tagging S3 refuses creates no upload', async () => {
  const b = await newBucket(c.s3);
  for (const [value, code] of [
    ['a=1&a=2', 'InvalidArgument'],
    ['a%2Ab=1', 'InvalidTag'],
    [Array.from({ length: 11 }, (_, i) => `k${i}`).join('&'), 'BadRequest'],
  ] as const) {
    const r = await mpu.create(b, 'k', { 'x-amz-tagging': value });
    assert.equal(r.status, 400, value);
    assert.equal(r.code, code, value);
  }
  const listed = await mpu.listUploads(b);
  assert.doesNotMatch(listed.body, /<Upload>/);
});

test('UploadPartCopy copies bytes but not tags: the object has the tags of its own upload', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: 'source bytes', Tagging: 'from=source' }));
  const created = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'dst', Tagging: 'from=upload' }));
  const part = await c.s3.send(new UploadPartCopyCommand({ Bucket: b, Key: 'dst', UploadId: created.UploadId, PartNumber: 1, CopySource: `${b}/src` }));
  await c.s3.send(
    new CompleteMultipartUploadCommand({ Bucket: b, Key: 'dst', UploadId: created.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.CopyPartResult?.ETag }] } }),
  );
  assert.deepEqual(await objectTags(c.endpoint, b, 'dst'), [['from', 'upload']]);
  const plain = await mpu.createUpload(b, 'plain');
  const copied = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/plain`, query: { partNumber: '1', uploadId: plain }, headers: { 'x-amz-copy-source': `/${b}/src` } });
  assert.equal(copied.status, 200, copied.body);
  const etag = /<ETag>([^<]*)<\/ETag>/.exec(copied.body)![1]!.replace(/&quot;/g, '"');
  assert.equal((await mpu.complete(b, 'plain', plain, [{ partNumber: 1, etag }])).status, 200);
  assert.deepEqual(await objectTags(c.endpoint, b, 'plain'), []);
});
