// PutObjectTagging, GetObjectTagging and DeleteObjectTagging, x-amz-tagging on PutObject, and
// the x-amz-tagging-count of GetObject and HeadObject.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteObjectTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { bucketName, newBucket, newBucketRaw, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import { objectPath } from './helpers/multipart.js';
import { crc32Base64 } from './helpers/digests.js';
import { S3_NS, objectTags, putTagging, taggingXml, unescapeXml } from './helpers/tagging.js';
import { startChildCofferForTest } from './helpers/child.js';

const c = testCofferForFile();

/** A fresh bucket holding `key` (body 'hello'), tagged a=1 through x-amz-tagging. */
async function tagged(key = 'object'): Promise<string> {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: 'hello', Tagging: 'a=1' }));
  return b;
}

test('the SDK puts, reads and deletes the tags of an object, which read back in key order', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'hello' }));
  const TagSet = [
    { Key: 'zeta', Value: '1' },
    { Key: 'alpha', Value: '' },
    { Key: 'b c+d-e=f.g_h:i/j@k', Value: '2 + 2 = 4' },
    { Key: 'ünï', Value: '文字' },
  ];
  const put = await c.s3.send(new PutObjectTaggingCommand({ Bucket: b, Key: 'k', Tagging: { TagSet } }));
  assert.equal(put.VersionId, undefined, 'an unversioned bucket names no version');
  const got = await c.s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'k' }));
  // By the UTF-8 bytes of the key: alpha, b c…, zeta, then ünï.
  assert.deepEqual(got.TagSet, [TagSet[1], TagSet[2], TagSet[0], TagSet[3]]);
  await c.s3.send(new DeleteObjectTaggingCommand({ Bucket: b, Key: 'k' }));
  const after = await c.s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'k' }));
  assert.deepEqual(after.TagSet, []);
});

test('GetObjectTagging of an untagged object is 200 with an empty TagSet in S3 namespace, and no version id', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'plain', Body: 'x' }));
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/plain`, query: { tagging: '' } });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/xml');
  assert.equal(r.body, `<?xml version="1.0" encoding="UTF-8"?>\n<Tagging xmlns="${S3_NS}"><TagSet></TagSet></Tagging>`);
  assert.equal(r.headers['x-amz-version-id'], undefined);
});

test('PutObjectTagging answers 200 without a body and replaces the whole tag set; DeleteObjectTagging answers 204', async () => {
  const b = await tagged();
  const put = await putTagging(
    c.endpoint,
    b,
    'object',
    taggingXml([
      ['x', '1'],
      ['y', '2'],
    ]),
  );
  assert.equal(put.status, 200);
  assert.equal(put.body, '');
  assert.deepEqual(await objectTags(c.endpoint, b, 'object'), [
    ['x', '1'],
    ['y', '2'],
  ]);
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/object`, query: { tagging: '' } });
  assert.equal(
    r.body,
    `<?xml version="1.0" encoding="UTF-8"?>\n<Tagging xmlns="${S3_NS}"><TagSet><Tag><Key>x</Key><Value>1</Value></Tag><Tag><Key>y</Key><Value>2</Value></Tag></TagSet></Tagging>`,
  );
  const del = await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}/object`, query: { tagging: '' } });
  assert.equal(del.status, 204);
  assert.deepEqual(await objectTags(c.endpoint, b, 'object'), []);
  // Deleting the tags of an untagged object is 204 as well.
  assert.equal((await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}/object`, query: { tagging: '' } })).status, 204);
});

test('an empty TagSet removes the tags; the object itself is untouched by tag writes', async () => {
  const b = await tagged();
  const before = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'object' }));
  assert.equal((await putTagging(c.endpoint, b, 'object', taggingXml([]))).status, 200);
  assert.deepEqual(await objectTags(c.endpoint, b, 'object'), []);
  const g = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'object' }));
  assert.equal(await g.Body!.transformToString(), 'hello');
  assert.equal(g.ETag, before.ETag);
  assert.equal(g.LastModified?.getTime(), before.LastModified?.getTime());
});

test('x-amz-tagging-count is on GetObject and HeadObject of a tagged object, and absent on an untagged one', async () => {
  const b = await tagged();
  await putTagging(
    c.endpoint,
    b,
    'object',
    taggingXml([
      ['a', '1'],
      ['b', '2'],
      ['c', ''],
    ]),
  );
  const head = await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/object` });
  assert.equal(head.headers['x-amz-tagging-count'], '3');
  const get = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'object' }));
  assert.equal(get.TagCount, 3);
  const sdkHead = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'object' }));
  assert.equal(sdkHead.$metadata.httpStatusCode, 200);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'plain', Body: 'x' }));
  const plain = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/plain` });
  assert.equal(plain.headers['x-amz-tagging-count'], undefined);
  await c.s3.send(new DeleteObjectTaggingCommand({ Bucket: b, Key: 'object' }));
  assert.equal((await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/object` })).headers['x-amz-tagging-count'], undefined);
});

test('PutObject with x-amz-tagging stores the tags; an overwrite without it leaves none', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'v1', Tagging: 'project=coffer&team=storage%20ops&empty=' }));
  assert.deepEqual(await objectTags(c.endpoint, b, 'k'), [
    ['empty', ''],
    ['project', 'coffer'],
    ['team', 'storage ops'],
  ]);
  const raw = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/raw`, headers: { 'x-amz-tagging': 'foo=bar&bar&a+b=c%2Bd' }, body: 'x' });
  assert.equal(raw.status, 200);
  assert.deepEqual(await objectTags(c.endpoint, b, 'raw'), [
    ['a b', 'c+d'],
    ['bar', ''],
    ['foo', 'bar'],
  ]);
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'v2' }));
  assert.deepEqual(await objectTags(c.endpoint, b, 'k'), []);
});

test('a presigned PutObject applies the x-amz-tagging the presigner hoists into its query', async () => {
  const b = await newBucket(c.s3);
  const url = await getSignedUrl(c.s3, new PutObjectCommand({ Bucket: b, Key: 'presigned', Tagging: 'a=b&c=d' }), { expiresIn: 60 });
  assert.match(url, /[?&]x-amz-tagging=a%3Db%26c%3Dd(&|$)/);
  const res = await fetch(url, { method: 'PUT', body: 'hello' });
  assert.equal(res.status, 200, await res.text());
  assert.deepEqual(await objectTags(c.endpoint, b, 'presigned'), [
    ['a', 'b'],
    ['c', 'd'],
  ]);
});

test('PutObject with an x-amz-tagging S3 refuses stores nothing: InvalidArgument, InvalidTag or BadRequest', async () => {
  const b = await newBucket(c.s3);
  const eleven = Array.from({ length: 11 }, (_, i) => `k${i}=v`).join('&');
  const invalidHeader = "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.";
  const cases: Array<[string, string, string]> = [
    ['a=1&a=2', 'InvalidArgument', invalidHeader],
    ['=1', 'InvalidArgument', invalidHeader],
    ['a=%FF', 'InvalidArgument', invalidHeader],
    ['TagSet=[{Key=string,Value=string}]', 'InvalidArgument', invalidHeader],
    [eleven, 'BadRequest', 'Object tags cannot be greater than 10'],
    ['a%2Cb=1', 'InvalidTag', 'The TagKey you have provided is invalid'],
    [`k=${'v'.repeat(257)}`, 'InvalidTag', 'The TagValue you have provided is invalid'],
    ['aws%3Acost=1', 'InvalidTag', 'System tags cannot be added/updated by requester'],
  ];
  for (const [value, code, message] of cases) {
    const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/refused`, headers: { 'x-amz-tagging': value }, body: 'x' });
    assert.equal(r.status, 400, value);
    assert.equal(r.code, code, value);
    assert.equal(unescapeXml(r.message), message, value);
    assert.equal((await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/refused` })).status, 404, `${value}: nothing stored`);
  }
  const dup = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/refused`, headers: { 'x-amz-tagging': 'a=1&a=2' }, body: 'x' });
  assert.match(dup.body, /<ArgumentName>x-amz-tagging<\/ArgumentName><ArgumentValue>a=1&amp;a=2<\/ArgumentValue>/);
});

test('a Tagging document S3 refuses is a 400 with S3 code and message, and leaves the tags as they were', async () => {
  const b = await tagged();
  const text = (n: number): string => 'v'.repeat(n);
  const eleven = Array.from({ length: 11 }, (_, i): [string, string] => [`key-${i}`, '']);
  const cases: Array<[string, string, string, string, RegExp?]> = [
    ['11 tags', taggingXml(eleven), 'BadRequest', 'Object tags cannot be greater than 10'],
    [
      'a key twice',
      taggingXml([
        ['a', '1'],
        ['a', '2'],
      ]),
      'InvalidTag',
      'Cannot provide multiple Tags with the same key',
      /<TagKey>a<\/TagKey>/,
    ],
    ['a key of 129 characters', taggingXml([[text(129), '']]), 'InvalidTag', 'The TagKey you have provided is invalid', new RegExp(`<TagKey>${text(129)}</TagKey>`)],
    ['an empty key', taggingXml([['', 'v']]), 'InvalidTag', 'The TagKey you have provided is invalid'],
    ['a value of 257 characters', taggingXml([['k', text(257)]]), 'InvalidTag', 'The TagValue you have provided is invalid', /<TagKey>k<\/TagKey><TagValue>v+<\/TagValue>/],
    ['a key with a comma', taggingXml([['a,b', 'v']]), 'InvalidTag', 'The TagKey you have provided is invalid'],
    ['a value with an asterisk', taggingXml([['k', 'a*b']]), 'InvalidTag', 'The TagValue you have provided is invalid'],
    ['a key with an emoji', taggingXml([['😀', 'v']]), 'InvalidTag', 'The TagKey you have provided is invalid'],
    ['the key aws:cost', taggingXml([['aws:cost', 'v']]), 'InvalidTag', 'System tags cannot be added/updated by requester', /<TagKey>aws:cost<\/TagKey>/],
    ['the key AWS:cost', taggingXml([['AWS:cost', 'v']]), 'InvalidTag', 'System tags cannot be added/updated by requester'],
    ['a document with no end', '<Tagging><TagSet>', 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.'],
    ['a document without a TagSet', '<Tagging></Tagging>', 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.'],
    [
      'a tag without a Value',
      '<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>',
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema.',
    ],
    ['another root element', '<Tags><TagSet></TagSet></Tags>', 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.'],
  ];
  for (const [name, body, code, message, extra] of cases) {
    const r = await putTagging(c.endpoint, b, 'object', body);
    assert.equal(r.status, 400, name);
    assert.equal(r.code, code, name);
    assert.equal(r.message, message, name);
    if (extra) assert.match(r.body, extra, name);
  }
  const empty = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/object`, query: { tagging: '' }, body: '' });
  assert.equal(empty.status, 400);
  assert.equal(empty.code, 'MissingRequestBodyError');
  assert.deepEqual(await objectTags(c.endpoint, b, 'object'), [['a', '1']]);
});

test('10 tags of 128-character keys and 256-character values are accepted', async () => {
  const b = await tagged();
  const ten = Array.from({ length: 10 }, (_, i): [string, string] => [`${i}`.padEnd(128, 'k'), `${i}`.padEnd(256, 'v')]);
  assert.equal((await putTagging(c.endpoint, b, 'object', taggingXml(ten))).status, 200);
  assert.deepEqual(await objectTags(c.endpoint, b, 'object'), ten);
});

test('PutObjectTagging checks a Content-MD5 or x-amz-checksum-crc32 it is sent, and needs neither', async () => {
  const b = await tagged();
  const body = taggingXml([['checked', 'yes']]);
  const wrongMd5 = await putTagging(c.endpoint, b, 'object', body, { 'content-md5': 'AAAAAAAAAAAAAAAAAAAAAA==' });
  assert.equal(wrongMd5.status, 400);
  assert.equal(wrongMd5.code, 'BadDigest');
  const badMd5 = await putTagging(c.endpoint, b, 'object', body, { 'content-md5': 'not-md5' });
  assert.equal(badMd5.status, 400);
  assert.equal(badMd5.code, 'InvalidDigest');
  const wrongCrc = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/object`, query: { tagging: '' }, headers: { 'x-amz-checksum-crc32': crc32Base64('other') }, body });
  assert.equal(wrongCrc.status, 400);
  assert.equal(wrongCrc.code, 'BadDigest');
  assert.deepEqual(await objectTags(c.endpoint, b, 'object'), [['a', '1']]);
  const crc = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/object`, query: { tagging: '' }, headers: { 'x-amz-checksum-crc32': crc32Base64(body) }, body });
  assert.equal(crc.status, 200, crc.body);
  const none = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/object`, query: { tagging: '' }, body: taggingXml([['plain', 'yes']]) });
  assert.equal(none.status, 200, none.body);
  assert.deepEqual(await objectTags(c.endpoint, b, 'object'), [['plain', 'yes']]);
});

test('tagging a key or bucket that does not exist is 404 NoSuchKey or NoSuchBucket', async () => {
  const b = await tagged();
  for (const method of ['GET', 'PUT', 'DELETE']) {
    const r = await rawRequest(c.endpoint, {
      method,
      path: `/${b}/missing`,
      query: { tagging: '' },
      ...(method === 'PUT' ? { body: taggingXml([['a', '1']]) } : {}),
    });
    assert.equal(r.status, 404, method);
    assert.equal(r.code, 'NoSuchKey', method);
    assert.match(r.body, /<Key>missing<\/Key>/);
  }
  const nb = bucketName();
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${nb}/object`, query: { tagging: '' } });
  assert.equal(r.status, 404);
  assert.equal(r.code, 'NoSuchBucket');
});

test('versionId: null addresses the object of an unversioned bucket; another well-formed id is 404 NoSuchVersion, a malformed one 400 InvalidArgument', async () => {
  const b = await tagged();
  assert.deepEqual(await objectTags(c.endpoint, b, 'object', { versionId: 'null' }), [['a', '1']]);
  assert.equal((await putTagging(c.endpoint, b, 'object', taggingXml([['v', 'null']]), {}, { versionId: 'null' })).status, 200);
  assert.deepEqual(await objectTags(c.endpoint, b, 'object'), [['v', 'null']]);
  const unknown = '000000000AAAAAAAAAAAAAAAA';
  for (const method of ['GET', 'PUT', 'DELETE']) {
    const r = await rawRequest(c.endpoint, {
      method,
      path: `/${b}/object`,
      query: { tagging: '', versionId: unknown },
      ...(method === 'PUT' ? { body: taggingXml([['x', '1']]) } : {}),
    });
    assert.equal(r.status, 404, method);
    assert.equal(r.code, 'NoSuchVersion', method);
    const bad = await rawRequest(c.endpoint, {
      method,
      path: `/${b}/object`,
      query: { tagging: '', versionId: 'not a version' },
      ...(method === 'PUT' ? { body: taggingXml([['x', '1']]) } : {}),
    });
    assert.equal(bad.status, 400, method);
    assert.equal(bad.code, 'InvalidArgument', method);
    assert.equal(bad.message, 'Invalid version id specified');
  }
  assert.deepEqual(await objectTags(c.endpoint, b, 'object'), [['v', 'null']]);
});

test('in a bucket with versioning, tags belong to one version, and the version id is named in each answer', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
  const v1 = (await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'one', Tagging: 'gen=1' }))).VersionId!;
  const v2 = (await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'two' }))).VersionId!;
  assert.notEqual(v1, v2);
  const latest = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, query: { tagging: '' } });
  assert.equal(latest.headers['x-amz-version-id'], v2);
  assert.deepEqual(await objectTags(c.endpoint, b, 'k'), []);
  assert.deepEqual(await objectTags(c.endpoint, b, 'k', { versionId: v1 }), [['gen', '1']]);
  const put = await putTagging(c.endpoint, b, 'k', taggingXml([['gen', 'one']]), {}, { versionId: v1 });
  assert.equal(put.status, 200);
  assert.equal(put.headers['x-amz-version-id'], v1);
  const out = await c.s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'k', VersionId: v1 }));
  assert.equal(out.VersionId, v1);
  assert.deepEqual(out.TagSet, [{ Key: 'gen', Value: 'one' }]);
  assert.deepEqual(await objectTags(c.endpoint, b, 'k'), [], 'the latest version keeps its own (empty) tag set');
  const del = await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}/k`, query: { tagging: '', versionId: v1 } });
  assert.equal(del.status, 204);
  assert.equal(del.headers['x-amz-version-id'], v1);
  assert.deepEqual(await objectTags(c.endpoint, b, 'k', { versionId: v1 }), []);
});

test('tags acknowledged before a kill -9 are there after the restart', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'coffer-tags-'));
  const dataDir = join(root, 'data');
  let child = await startChildCofferForTest(t, root, dataDir);
  const b = await newBucketRaw(child.endpoint, 'tags');
  const put = await rawRequest(child.endpoint, { method: 'PUT', path: objectPath(b, 'k'), headers: { 'x-amz-tagging': 'on=put' }, body: 'x' });
  assert.equal(put.status, 200);
  await rawRequest(child.endpoint, { method: 'PUT', path: objectPath(b, 'retagged'), body: 'y' });
  assert.equal((await putTagging(child.endpoint, b, 'retagged', taggingXml([['on', 'tagging']]))).status, 200);
  child.kill('SIGKILL');
  await child.waitExit();
  child = await startChildCofferForTest(t, root, dataDir);
  assert.deepEqual(await objectTags(child.endpoint, b, 'k'), [['on', 'put']]);
  assert.deepEqual(await objectTags(child.endpoint, b, 'retagged'), [['on', 'tagging']]);
  assert.equal((await rawRequest(child.endpoint, { method: 'HEAD', path: objectPath(b, 'k') })).headers['x-amz-tagging-count'], '1');
});
