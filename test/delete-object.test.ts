import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { CreateBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { bucketName, startTestCoffer } from './helpers/coffer.js';
import type { TestCoffer } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';

let c: TestCoffer;
let b: string;

before(async () => {
  c = await startTestCoffer();
  b = bucketName();
  await c.s3.send(new CreateBucketCommand({ Bucket: b }));
});
after(() => c.close());

test('DeleteObject removes the key and is idempotent (204 for a missing key)', async () => {
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'gone', Body: Buffer.alloc(100_000, 1) }));
  const r = await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}/gone` });
  assert.equal(r.status, 204);
  const g = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/gone` });
  assert.equal(g.code, 'NoSuchKey');
  const again = await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}/gone` });
  assert.equal(again.status, 204);
});

test('DeleteObject with If-Match: 412 when the ETag differs, deleted when it matches', async () => {
  const put = await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'cond', Body: 'v' }));
  const bad = await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}/cond`, headers: { 'if-match': '"abc"' } });
  assert.equal(bad.status, 412);
  assert.equal(bad.code, 'PreconditionFailed');
  await c.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'cond', IfMatch: put.ETag }));
  const g = await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/cond` });
  assert.equal(g.status, 404);
});

test('DeleteObjects (SDK default checksums) deletes many keys and reports each', async () => {
  const keys = Array.from({ length: 25 }, (_, i) => `many/${i}`);
  await Promise.all(keys.map((k) => c.s3.send(new PutObjectCommand({ Bucket: b, Key: k, Body: k }))));
  const out = await c.s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: [...keys.map((Key) => ({ Key })), { Key: 'never-existed' }] } }));
  assert.equal(out.Deleted?.length, 26);
  assert.equal(out.Errors, undefined);
  const list = await c.s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'many/' }));
  assert.equal(list.KeyCount, 0);
});

test('DeleteObjects Quiet reports only errors; a per-key ETag mismatch is a per-key PreconditionFailed', async () => {
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'q1', Body: '1' }));
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'q2', Body: '2' }));
  const out = await c.s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Quiet: true, Objects: [{ Key: 'q1' }, { Key: 'q2', ETag: '"wrong"' }] } }));
  assert.equal(out.Deleted, undefined);
  assert.equal(out.Errors?.length, 1);
  assert.equal(out.Errors?.[0]?.Key, 'q2');
  assert.equal(out.Errors?.[0]?.Code, 'PreconditionFailed');
  const g = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/q2` });
  assert.equal(g.body, '2');
});

const deleteBody = '<Delete><Object><Key>x</Key></Object></Delete>';
const b64md5 = (s: string): string => createHash('md5').update(s).digest('base64');

test('DeleteObjects without Content-MD5 or a checksum fails with 400 InvalidRequest', async () => {
  const r = await rawRequest(c.endpoint, { method: 'POST', path: `/${b}`, query: { delete: '' }, body: deleteBody });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidRequest');
});

test('DeleteObjects accepts Content-MD5, and rejects a wrong one with 400 BadDigest', async () => {
  const ok = await rawRequest(c.endpoint, { method: 'POST', path: `/${b}`, query: { delete: '' }, body: deleteBody, headers: { 'content-md5': b64md5(deleteBody) } });
  assert.equal(ok.status, 200);
  const bad = await rawRequest(c.endpoint, { method: 'POST', path: `/${b}`, query: { delete: '' }, body: deleteBody, headers: { 'content-md5': b64md5('other') } });
  assert.equal(bad.status, 400);
  assert.equal(bad.code, 'BadDigest');
});

test('DeleteObjects with malformed XML, no body or over 1000 keys fails with S3 errors', async () => {
  const md5h = (s: string) => ({ 'content-md5': b64md5(s) });
  const mal = '<Delete><Object><Key>x</Key></Delete>';
  const r = await rawRequest(c.endpoint, { method: 'POST', path: `/${b}`, query: { delete: '' }, body: mal, headers: md5h(mal) });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'MalformedXML');
  const empty = await rawRequest(c.endpoint, { method: 'POST', path: `/${b}`, query: { delete: '' }, body: '', headers: md5h('') });
  assert.equal(empty.status, 400);
  assert.equal(empty.code, 'MissingRequestBodyError');
  const many = `<Delete>${'<Object><Key>k</Key></Object>'.repeat(1001)}</Delete>`;
  const tooMany = await rawRequest(c.endpoint, { method: 'POST', path: `/${b}`, query: { delete: '' }, body: many, headers: md5h(many) });
  assert.equal(tooMany.status, 400);
  assert.equal(tooMany.code, 'MalformedXML');
});
