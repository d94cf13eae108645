// PutBucketTagging, GetBucketTagging and DeleteBucketTagging.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketTagging.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, DeleteBucketCommand, DeleteBucketTaggingCommand, GetBucketTaggingCommand, PutBucketTaggingCommand } from '@aws-sdk/client-s3';
import { bucketName, newBucket, rejectsNamed, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import { crc32Base64 } from './helpers/digests.js';
import { S3_NS, contentMd5, pairsOf, putTagging, taggingXml } from './helpers/tagging.js';

const c = testCofferForFile();

async function bucketTags(bucket: string): Promise<Array<[string, string]>> {
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${bucket}`, query: { tagging: '' } });
  assert.equal(r.status, 200, r.body);
  return pairsOf(r.body);
}

test('the SDK puts, reads and deletes the tags of a bucket, which read back in key order', async () => {
  const b = await newBucket(c.s3);
  const TagSet = [
    { Key: 'team', Value: 'storage' },
    { Key: 'cost-center', Value: '42' },
    { Key: 'empty', Value: '' },
  ];
  await c.s3.send(new PutBucketTaggingCommand({ Bucket: b, Tagging: { TagSet } }));
  assert.deepEqual((await c.s3.send(new GetBucketTaggingCommand({ Bucket: b }))).TagSet, [TagSet[1], TagSet[2], TagSet[0]]);
  await c.s3.send(new DeleteBucketTaggingCommand({ Bucket: b }));
  await rejectsNamed(c.s3.send(new GetBucketTaggingCommand({ Bucket: b })), 'NoSuchTagSet');
});

test('GetBucketTagging of a bucket without tags is 404 NoSuchTagSet "The TagSet does not exist"', async () => {
  const b = await newBucket(c.s3);
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { tagging: '' } });
  assert.equal(r.status, 404);
  assert.equal(r.code, 'NoSuchTagSet');
  assert.equal(r.message, 'The TagSet does not exist');
  assert.match(r.body, new RegExp(`<BucketName>${b}</BucketName>`));
});

test('PutBucketTagging answers 204 and replaces the whole set; GetBucketTagging answers the Tagging document', async () => {
  const b = await newBucket(c.s3);
  const first = await putTagging(
    c.endpoint,
    b,
    undefined,
    taggingXml([
      ['a', '1'],
      ['b', '2'],
    ]),
  );
  assert.equal(first.status, 204);
  assert.equal(first.body, '');
  assert.equal((await putTagging(c.endpoint, b, undefined, taggingXml([['c', '3']]))).status, 204);
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { tagging: '' } });
  assert.equal(r.status, 200);
  assert.equal(r.body, `<?xml version="1.0" encoding="UTF-8"?>\n<Tagging xmlns="${S3_NS}"><TagSet><Tag><Key>c</Key><Value>3</Value></Tag></TagSet></Tagging>`);
});

test('DeleteBucketTagging answers 204, with or without tags; an empty TagSet leaves no tag set either', async () => {
  const b = await newBucket(c.s3);
  assert.equal((await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}`, query: { tagging: '' } })).status, 204);
  await putTagging(c.endpoint, b, undefined, taggingXml([['a', '1']]));
  assert.equal((await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}`, query: { tagging: '' } })).status, 204);
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { tagging: '' } })).code, 'NoSuchTagSet');
  await putTagging(c.endpoint, b, undefined, taggingXml([['a', '1']]));
  assert.equal((await putTagging(c.endpoint, b, undefined, taggingXml([]))).status, 204);
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { tagging: '' } })).code, 'NoSuchTagSet');
});

test('a bucket takes 50 tags of 128-character keys and 256-character values; 51 is 400 BadRequest', async () => {
  const b = await newBucket(c.s3);
  const fifty = Array.from({ length: 50 }, (_, i): [string, string] => [`${i}`.padEnd(128, 'k'), `${i}`.padEnd(256, 'v')]);
  assert.equal((await putTagging(c.endpoint, b, undefined, taggingXml(fifty))).status, 204);
  assert.deepEqual(
    await bucketTags(b),
    [...fifty].sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  const r = await putTagging(c.endpoint, b, undefined, taggingXml([...fifty, ['one-more', '']]));
  assert.equal(r.status, 400);
  assert.equal(r.code, 'BadRequest');
  assert.equal(r.message, 'Bucket tag count cannot be greater than 50');
  assert.equal((await bucketTags(b)).length, 50);
});

test('bucket tags follow the key and value rules; a refused set leaves the tags as they were', async () => {
  const b = await newBucket(c.s3);
  await putTagging(c.endpoint, b, undefined, taggingXml([['keep', 'me']]));
  const cases: Array<[string, string, string, string]> = [
    [
      'a key twice',
      taggingXml([
        ['a', '1'],
        ['a', '2'],
      ]),
      'InvalidTag',
      'Cannot provide multiple Tags with the same key',
    ],
    ['a key of 129 characters', taggingXml([['k'.repeat(129), '']]), 'InvalidTag', 'The TagKey you have provided is invalid'],
    ['an empty key', taggingXml([['', 'v']]), 'InvalidTag', 'The TagKey you have provided is invalid'],
    ['a value of 257 characters', taggingXml([['k', 'v'.repeat(257)]]), 'InvalidTag', 'The TagValue you have provided is invalid'],
    ['a key with a semicolon', taggingXml([['a;b', 'v']]), 'InvalidTag', 'The TagKey you have provided is invalid'],
    ['the key aws:cloudformation:stack-name', taggingXml([['aws:cloudformation:stack-name', 'v']]), 'InvalidTag', 'System tags cannot be added/updated by requester'],
    ['a document without a TagSet', '<Tagging/>', 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.'],
    [
      'a tag without a Key',
      '<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>',
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema.',
    ],
  ];
  for (const [name, body, code, message] of cases) {
    const r = await putTagging(c.endpoint, b, undefined, body);
    assert.equal(r.status, 400, name);
    assert.equal(r.code, code, name);
    assert.equal(r.message, message, name);
  }
  assert.deepEqual(await bucketTags(b), [['keep', 'me']]);
});

test('PutBucketTagging needs Content-MD5 or an x-amz-checksum-*, and checks the one it is sent', async () => {
  const b = await newBucket(c.s3);
  const body = taggingXml([['a', '1']]);
  const none = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { tagging: '' }, body });
  assert.equal(none.status, 400);
  assert.equal(none.code, 'InvalidRequest');
  assert.equal(none.message, 'Missing required header for this request: Content-MD5');
  const wrong = await putTagging(c.endpoint, b, undefined, body, { 'content-md5': 'AAAAAAAAAAAAAAAAAAAAAA==' });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.code, 'BadDigest');
  const wrongCrc = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { tagging: '' }, headers: { 'x-amz-checksum-crc32': crc32Base64('x') }, body });
  assert.equal(wrongCrc.code, 'BadDigest');
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { tagging: '' } })).code, 'NoSuchTagSet');
  const crc = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { tagging: '' }, headers: { 'x-amz-checksum-crc32': crc32Base64(body) }, body });
  assert.equal(crc.status, 204, crc.body);
  assert.deepEqual(await bucketTags(b), [['a', '1']]);
});

test('bucket tagging of a bucket that does not exist is 404 NoSuchBucket; a re-created bucket starts without tags', async () => {
  const missing = bucketName();
  for (const method of ['GET', 'PUT', 'DELETE']) {
    const r =
      method === 'PUT'
        ? await putTagging(c.endpoint, missing, undefined, taggingXml([['a', '1']]))
        : await rawRequest(c.endpoint, { method, path: `/${missing}`, query: { tagging: '' } });
    assert.equal(r.status, 404, method);
    assert.equal(r.code, 'NoSuchBucket', method);
  }
  const b = await newBucket(c.s3);
  await putTagging(c.endpoint, b, undefined, taggingXml([['a', '1']]));
  await c.s3.send(new DeleteBucketCommand({ Bucket: b }));
  await c.s3.send(new CreateBucketCommand({ Bucket: b }));
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { tagging: '' } })).code, 'NoSuchTagSet');
});

test('the tagging of a bucket owned by another user is 403 AccessDenied', async () => {
  const b = await newBucket(c.s3);
  const u = await c.server.engine.createUser({ name: `tagger${Date.now()}` });
  const credentials = { accessKeyId: u.accessKeyId, secretAccessKey: u.secretAccessKey };
  for (const method of ['GET', 'DELETE']) {
    const r = await rawRequest(c.endpoint, { method, path: `/${b}`, query: { tagging: '' }, credentials });
    assert.equal(r.status, 403, method);
    assert.equal(r.code, 'AccessDenied', method);
  }
  const body = taggingXml([['a', '1']]);
  const put = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { tagging: '' }, headers: { 'content-md5': contentMd5(body) }, body, credentials });
  assert.equal(put.status, 403);
  assert.equal(put.code, 'AccessDenied');
});
