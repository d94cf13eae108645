// CompleteMultipartUpload bodies as every XML writer spells them. Go's encoding/xml (rclone,
// restic, Terraform, Velero, the Go SDKs) writes the quotes around each ETag as &#34;, others
// write &#x22; or &quot;: all name the same part. And the XML S3 refuses before completing
// anything: a DOCTYPE, an entity declaration, a reference to no character.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { newBucket, readObject, testCofferForFile } from './helpers/coffer.js';
import { deterministicBytes } from './helpers/bytes.js';
import { MIN_PART, RawMultipart, multipartEtag, xmlAll, xmlOne } from './helpers/multipart.js';
import type { RawResponse } from './helpers/raw.js';

const c = testCofferForFile();
const mp = new RawMultipart(c);

const FIRST = deterministicBytes('complete-xml/first', MIN_PART);

/** An upload of two parts (5 MiB and 1000 bytes); their quoted ETags. */
async function twoParts(bucket: string, key: string): Promise<{ id: string; etags: string[]; parts: Buffer[] }> {
  const id = await mp.createUpload(bucket, key);
  const parts = [FIRST, deterministicBytes(`${key}/2`, 1000)];
  const etags = [];
  for (const [i, p] of parts.entries()) etags.push(await mp.putPart(bucket, key, id, i + 1, p));
  return { id, etags, parts };
}

/** A Complete body as aws-sdk-go's encoder writes it (ETag before PartNumber), quotes spelled `quote`. */
function goStyleBody(etags: string[], quote: string): string {
  const parts = etags.map((e, i) => `<Part><ETag>${e.replace(/"/g, quote)}</ETag><PartNumber>${i + 1}</PartNumber></Part>`).join('');
  return `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts}</CompleteMultipartUpload>`;
}

function assertMalformed(r: RawResponse): void {
  assert.equal(r.status, 400, r.body);
  assert.equal(r.code, 'MalformedXML', r.body);
}

for (const quote of ['&#34;', '&#x22;', '&quot;']) {
  test(`Complete with each ETag's quotes written as ${quote} completes the object`, async () => {
    const b = await newBucket(c.s3, 'cmx');
    const { id, etags, parts } = await twoParts(b, 'big.bin');
    const r = await mp.complete(b, 'big.bin', id, goStyleBody(etags, quote));
    assert.equal(r.status, 200, r.body);
    assert.equal(xmlOne(r.body, 'ETag'), multipartEtag(parts).replace(/"/g, '&quot;'));
    assert.ok((await readObject(c.s3, b, 'big.bin'))?.equals(Buffer.concat(parts)), 'the object reads back whole');
  });
}

test('Complete with an ETag whose references spell a different ETag is 400 InvalidPart', async () => {
  const b = await newBucket(c.s3, 'cmx');
  const { id, etags } = await twoParts(b, 'k');
  // The first part's ETag with its last hex digit changed, that digit written as a reference.
  const hex = etags[0]!.slice(1, -1);
  const changed = hex.endsWith('0') ? '1' : '0';
  const wrong = `&#34;${hex.slice(0, -1)}&#${changed.charCodeAt(0)};&#34;`;
  const body =
    `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${wrong}</ETag></Part>` +
    `<Part><PartNumber>2</PartNumber><ETag>${etags[1]!}</ETag></Part></CompleteMultipartUpload>`;
  const r = await mp.complete(b, 'k', id, body);
  assert.equal(r.status, 400, r.body);
  assert.equal(r.code, 'InvalidPart');
});

test('Complete with a DOCTYPE is 400 MalformedXML and the upload stays open', async () => {
  const b = await newBucket(c.s3, 'cmx');
  const { id, etags, parts } = await twoParts(b, 'k');
  assertMalformed(await mp.complete(b, 'k', id, `<?xml version="1.0"?><!DOCTYPE CompleteMultipartUpload>${goStyleBody(etags, '&quot;')}`));
  const listed = await mp.listParts(b, 'k', id);
  assert.equal(listed.status, 200, 'the upload is still there');
  const ok = await mp.complete(b, 'k', id, goStyleBody(etags, '&#34;'));
  assert.equal(ok.status, 200, ok.body);
  assert.ok((await readObject(c.s3, b, 'k'))?.equals(Buffer.concat(parts)));
});

test('Complete with internal entity declarations ("billion laughs") is 400 MalformedXML, answered at once', async () => {
  const b = await newBucket(c.s3, 'cmx');
  const { id } = await twoParts(b, 'k');
  const levels = Array.from({ length: 9 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`).join('');
  const body =
    `<?xml version="1.0"?><!DOCTYPE CompleteMultipartUpload [<!ENTITY l0 "lol">${levels}]>` +
    '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&l9;</ETag></Part></CompleteMultipartUpload>';
  const started = Date.now();
  assertMalformed(await mp.complete(b, 'k', id, body));
  assert.ok(Date.now() - started < 2000, 'no expansion was attempted');
});

for (const [label, etag] of [
  ['&#xZZ;', '&#xZZ;abc&#xZZ;'],
  ['a reference to U+0000 (&#0;)', '&#0;abc'],
  ['an undeclared entity (&ldquo;)', '&ldquo;abc&rdquo;'],
] as const) {
  test(`Complete with ${label} in an ETag is 400 MalformedXML`, async () => {
    const b = await newBucket(c.s3, 'cmx');
    const { id } = await twoParts(b, 'k');
    assertMalformed(await mp.complete(b, 'k', id, `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`));
  });
}

test('Complete of a key XML must escape gives it back in Key, escaped, and percent-encoded in Location', async () => {
  const b = await newBucket(c.s3, 'cmx');
  const key = 'dir/a&b <c>"d\'\r😀';
  const created = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: key }));
  const part = await c.s3.send(new UploadPartCommand({ Bucket: b, Key: key, UploadId: created.UploadId, PartNumber: 1, Body: 'x' }));
  assert.equal(created.Key, key);
  const out = await c.s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: b,
      Key: key,
      UploadId: created.UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
    }),
  );
  assert.equal(out.Key, key);
  assert.equal(decodeURIComponent(new URL(out.Location!).pathname), `/${b}/${key}`);
  assert.equal((await readObject(c.s3, b, key))?.toString(), 'x');
  // And on the wire: the key escaped, the Location in plain ASCII.
  const id = await mp.createUpload(b, key);
  const etag = await mp.putPart(b, key, id, 1, Buffer.from('y'));
  const raw = await mp.complete(b, key, id, [{ partNumber: 1, etag }]);
  assert.equal(xmlOne(raw.body, 'Key'), 'dir/a&amp;b &lt;c&gt;&quot;d&apos;&#13;😀');
  const location = xmlAll(raw.body, 'Location')[0]!;
  // Only unreserved characters, '/' and percent-escapes: nothing XML has to escape.
  assert.match(location, /^http:\/\/[A-Za-z0-9._~:%/-]+$/);
  assert.equal(decodeURIComponent(new URL(location).pathname), `/${b}/${key}`);
});
