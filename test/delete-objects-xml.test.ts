// DeleteObjects bodies as XML writers spell them: keys with entities and character references
// (decoded before a key is looked up), keys that must be escaped on the way back (Deleted, Error,
// Quiet), and the XML S3 refuses: a DOCTYPE, entity declarations, references to nothing.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html#object-key-xml-related-constraints
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { newBucket, readObject, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import type { RawResponse } from './helpers/raw.js';
import { digestBase64 } from './helpers/digests.js';
import { xmlAll } from './helpers/multipart.js';

const c = testCofferForFile();

function deleteObjects(bucket: string, body: string | Buffer): Promise<RawResponse> {
  return rawRequest(c.endpoint, {
    method: 'POST',
    path: `/${bucket}`,
    query: { delete: '' },
    body,
    headers: { 'content-md5': digestBase64('md5', body) },
  });
}

async function putAll(bucket: string, keys: string[]): Promise<void> {
  await Promise.all(keys.map((Key) => c.s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }))));
}

async function listed(bucket: string): Promise<string[]> {
  const out = await c.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

function assertMalformed(r: RawResponse): void {
  assert.equal(r.status, 400, r.body);
  assert.equal(r.code, 'MalformedXML', r.body);
}

test('DeleteObjects with keys written as &amp;, &lt;, &#38; and &#x1F600; deletes exactly those keys and names them back escaped', async () => {
  const b = await newBucket(c.s3, 'dox');
  // 'a&amp;b' is a key of its own (spelled &amp;amp; in XML): a reader that did not decode would take it.
  await putAll(b, ['a&b', '<x', '&c', '😀', 'a&amp;b']);
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    '<Object><Key>a&amp;b</Key></Object><Object><Key>&lt;x</Key></Object>' +
    '<Object><Key>&#38;c</Key></Object><Object><Key>&#x1F600;</Key></Object></Delete>';
  const r = await deleteObjects(b, body);
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(xmlAll(r.body, 'Key'), ['a&amp;b', '&lt;x', '&amp;c', '😀']);
  assert.deepEqual(await listed(b), ['a&amp;b']);
});

test('DeleteObjects through the SDK round-trips keys with markup, quotes, CR, LF and astral characters', async () => {
  const b = await newBucket(c.s3, 'dox');
  // The SDK writes CR and LF as &#x0D; and &#x0A;, quotes as &quot; and &apos;.
  const keys = ['q"uote', "it's", 'a<b>c', 'amp&', 'cr\rkey', 'lf\nkey', 'crlf\r\nkey', 'tab\tkey', 'Übergröße/😀', ' spaced '];
  await putAll(b, [...keys, 'kept']);
  const out = await c.s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: keys.map((Key) => ({ Key })) } }));
  assert.deepEqual((out.Deleted ?? []).map((d) => d.Key).sort(), [...keys].sort());
  assert.equal(out.Errors, undefined);
  assert.deepEqual(await listed(b), ['kept']);
});

test('DeleteObjects in Quiet mode lists only the errors, each naming its key escaped', async () => {
  const b = await newBucket(c.s3, 'dox');
  const failing = 'q&"<k>\'\r😀';
  await putAll(b, ['gone&soon', failing]);
  const out = await c.s3.send(
    new DeleteObjectsCommand({
      Bucket: b,
      Delete: { Quiet: true, Objects: [{ Key: 'gone&soon' }, { Key: failing, ETag: '"0123456789abcdef0123456789abcdef"' }] },
    }),
  );
  assert.equal(out.Deleted, undefined);
  assert.equal(out.Errors?.length, 1);
  assert.equal(out.Errors?.[0]?.Key, failing);
  assert.equal(out.Errors?.[0]?.Code, 'PreconditionFailed');
  assert.equal((await readObject(c.s3, b, failing))?.toString(), failing);

  const raw = await deleteObjects(b, `<Delete><Quiet>true</Quiet><Object><Key>q&amp;&#34;&lt;k&gt;&apos;&#13;&#x1F600;</Key><ETag>&#34;0&#34;</ETag></Object></Delete>`);
  assert.equal(raw.status, 200, raw.body);
  assert.deepEqual(xmlAll(raw.body, 'Key'), ['q&amp;&quot;&lt;k&gt;&apos;&#13;😀']);
  assert.equal(xmlAll(raw.body, 'Deleted').length, 0);
});

test('DeleteObjects with a DOCTYPE is 400 MalformedXML and deletes nothing', async () => {
  const b = await newBucket(c.s3, 'dox');
  await putAll(b, ['a']);
  assertMalformed(await deleteObjects(b, '<?xml version="1.0"?>\n<!DOCTYPE Delete>\n<Delete><Object><Key>a</Key></Object></Delete>'));
  assert.deepEqual(await listed(b), ['a']);
});

test('DeleteObjects with an internal entity declaration ("billion laughs") is 400 MalformedXML, answered at once', async () => {
  const b = await newBucket(c.s3, 'dox');
  await putAll(b, ['lol']);
  const levels = Array.from({ length: 9 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`).join('');
  const body = `<?xml version="1.0"?><!DOCTYPE Delete [<!ENTITY l0 "lol">${levels}]><Delete><Object><Key>&l9;</Key></Object></Delete>`;
  const started = Date.now();
  assertMalformed(await deleteObjects(b, body));
  assert.ok(Date.now() - started < 2000, 'no expansion was attempted');
  assert.deepEqual(await listed(b), ['lol']);
});

for (const [label, key] of [
  ['a reference to a control character (&#x1;)', 'a&#x1;'],
  ['a hex reference that is not hex (&#xZZ;)', '&#xZZ;'],
  ['an entity XML does not predefine (&nbsp;)', 'a&nbsp;b'],
  ['a bare ampersand', 'a&b'],
] as const) {
  test(`DeleteObjects with ${label} in a key is 400 MalformedXML`, async () => {
    const b = await newBucket(c.s3, 'dox');
    assertMalformed(await deleteObjects(b, `<Delete><Object><Key>${key}</Key></Object></Delete>`));
  });
}

test('DeleteObjects with a body that is not UTF-8 is 400 MalformedXML', async () => {
  const b = await newBucket(c.s3, 'dox');
  await putAll(b, ['\uFFFD']);
  const body = Buffer.concat([Buffer.from('<Delete><Object><Key>'), Buffer.from([0xff, 0xfe]), Buffer.from('</Key></Object></Delete>')]);
  assertMalformed(await deleteObjects(b, body));
  assert.deepEqual(await listed(b), ['\uFFFD']);
});
