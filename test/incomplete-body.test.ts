// A body shorter than it was announced (Content-Length, or x-amz-decoded-content-length for
// aws-chunked): the client sends part of it and then ends its side of the connection. After a
// half-close (FIN, socket.end()) it still reads, and gets 400 IncompleteBody; after a full close
// there is no one to answer, but the server cleans up all the same. Either way nothing of the
// partial body stays: no object, no part, no blob or temp file.
// https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { newBucket, readObject, testCofferForFile } from './helpers/coffer.js';
import { buildChunkedUpload } from './helpers/aws-chunked.js';
import { deterministicBytes } from './helpers/bytes.js';
import { waitFor } from './helpers/child.js';
import { crc32Base64, digestBase64 } from './helpers/digests.js';
import { blobAndTmpFiles } from './helpers/files.js';
import { RawMultipart, objectPath, xmlAll } from './helpers/multipart.js';
import { queryString, signHeaders } from './helpers/raw.js';
import type { RawResponse } from './helpers/raw.js';
import { delay, openExchange } from './helpers/socket.js';
import type { SocketExchange } from './helpers/socket.js';

const c = testCofferForFile();
const mp = new RawMultipart(c);

function assertIncompleteBody(r: RawResponse | undefined): void {
  assert.ok(r, 'no response before the connection closed');
  assert.equal(r.status, 400, r.body);
  assert.equal(r.code, 'IncompleteBody', r.body);
  assert.equal(r.message, 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
  assert.equal(/<RequestId>([^<]*)<\/RequestId>/.exec(r.body)?.[1], r.headers['x-amz-request-id']);
  assert.match(String(r.headers['content-type']), /^application\/xml/);
}

/** Every blob and temp file there is now and was not in `before`, once deletions have run. */
async function assertNoNewFiles(before: string[]): Promise<void> {
  const added = async (): Promise<string[]> => (await blobAndTmpFiles(c.dataDir)).filter((f) => !before.includes(f));
  // The cut request's temp file goes once its stream has closed and the unlink has run on the
  // thread pool, which queues behind other fsyncs on a loaded machine: allow it time.
  await waitFor("the partial body's files to go", async () => (await added()).length === 0, 10_000).catch(() => undefined);
  assert.deepEqual(await added(), []);
}

/** Headers of an UNSIGNED-PAYLOAD request announcing `length` bytes, and the exchange opened with them. */
async function openUnsigned(method: string, path: string, query: Record<string, string>, length: number, extra: Record<string, string> = {}): Promise<SocketExchange> {
  const headers = await signHeaders(c.endpoint, {
    method,
    path,
    query,
    headers: { 'content-length': String(length), ...extra },
    payloadHash: 'UNSIGNED-PAYLOAD',
  });
  return openExchange(c.endpoint, method, path + queryString(query), headers);
}

for (const [label, size] of [
  ['small (inline) object', 1000],
  ['200 KiB object', 200 * 1024],
] as const) {
  test(`PutObject of a ${label} whose client half-closes after part of the body is 400 IncompleteBody and stores nothing`, async () => {
    const b = await newBucket(c.s3, 'inc');
    const before = await blobAndTmpFiles(c.dataDir);
    const ex = await openUnsigned('PUT', `/${b}/k`, {}, size);
    ex.write(Buffer.alloc(size / 10, 'x'));
    // Let the server start on the body before the client ends its side.
    await delay(50);
    ex.end();
    assertIncompleteBody(await ex.response);
    assert.equal(await readObject(c.s3, b, 'k'), undefined);
    await assertNoNewFiles(before);
  });
}

test('UploadPart whose client half-closes after part of the body is 400 IncompleteBody, and no part is listed', async () => {
  const b = await newBucket(c.s3, 'inc');
  const id = await mp.createUpload(b, 'k');
  const before = await blobAndTmpFiles(c.dataDir);
  const ex = await openUnsigned('PUT', objectPath(b, 'k'), { partNumber: '1', uploadId: id }, 1024 * 1024);
  ex.write(deterministicBytes('inc/part', 300 * 1024));
  await delay(50);
  ex.end();
  assertIncompleteBody(await ex.response);
  const parts = await mp.listParts(b, 'k', id);
  assert.equal(parts.status, 200);
  assert.deepEqual(xmlAll(parts.body, 'PartNumber'), []);
  await assertNoNewFiles(before);
});

test('UploadPart whose client closes the connection mid-body leaves no part and no file, and the upload goes on', async () => {
  const b = await newBucket(c.s3, 'inc');
  const id = await mp.createUpload(b, 'k');
  const before = await blobAndTmpFiles(c.dataDir);
  const ex = await openUnsigned('PUT', objectPath(b, 'k'), { partNumber: '1', uploadId: id }, 1024 * 1024);
  ex.write(deterministicBytes('inc/gone', 300 * 1024));
  await delay(100);
  ex.destroy();
  assert.equal(await ex.response, undefined);
  await assertNoNewFiles(before);
  assert.deepEqual(xmlAll((await mp.listParts(b, 'k', id)).body, 'PartNumber'), []);
  const etag = await mp.putPart(b, 'k', id, 1, Buffer.from('whole'));
  const done = await mp.complete(b, 'k', id, [{ partNumber: 1, etag }]);
  assert.equal(done.status, 200, done.body);
  assert.equal((await readObject(c.s3, b, 'k'))?.toString(), 'whole');
});

/** An aws-chunked upload with a CRC32 trailer, cut after `sent` bytes of its framed body. */
async function openChunked(path: string, query: Record<string, string>, data: Buffer, sent: number): Promise<SocketExchange> {
  const { headers, body } = await buildChunkedUpload(c.endpoint, 'PUT', path, {
    mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    query,
    chunks: [data.subarray(0, 64 * 1024), data.subarray(64 * 1024)],
    trailers: [['x-amz-checksum-crc32', crc32Base64(data)]],
  });
  const ex = openExchange(c.endpoint, 'PUT', path + queryString(query), headers);
  ex.write(body.subarray(0, sent));
  return ex;
}

test('an aws-chunked PutObject whose client half-closes mid-chunk is 400 IncompleteBody and stores nothing', async () => {
  const b = await newBucket(c.s3, 'inc');
  const before = await blobAndTmpFiles(c.dataDir);
  const ex = await openChunked(`/${b}/k`, {}, deterministicBytes('inc/chunked', 150 * 1024), 100 * 1024);
  await delay(50);
  ex.end();
  assertIncompleteBody(await ex.response);
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
  await assertNoNewFiles(before);
});

test('an aws-chunked UploadPart whose client half-closes mid-chunk is 400 IncompleteBody, and no part is listed', async () => {
  const b = await newBucket(c.s3, 'inc');
  const id = await mp.createUpload(b, 'k');
  const before = await blobAndTmpFiles(c.dataDir);
  const ex = await openChunked(objectPath(b, 'k'), { partNumber: '1', uploadId: id }, deterministicBytes('inc/chunked-part', 150 * 1024), 70 * 1024);
  await delay(50);
  ex.end();
  assertIncompleteBody(await ex.response);
  assert.deepEqual(xmlAll((await mp.listParts(b, 'k', id)).body, 'PartNumber'), []);
  await assertNoNewFiles(before);
});

test('an aws-chunked PutObject whose client closes the connection mid-chunk leaves no object and no file', async () => {
  const b = await newBucket(c.s3, 'inc');
  const before = await blobAndTmpFiles(c.dataDir);
  const ex = await openChunked(`/${b}/k`, {}, deterministicBytes('inc/chunked-gone', 150 * 1024), 100 * 1024);
  await delay(100);
  ex.destroy();
  assert.equal(await ex.response, undefined);
  await assertNoNewFiles(before);
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

test('a DeleteObjects body cut short by a half-close is 400 IncompleteBody and deletes nothing', async () => {
  const b = await newBucket(c.s3, 'inc');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'a', Body: 'kept' }));
  const xml = '<Delete><Object><Key>a</Key></Object></Delete>';
  const ex = await openUnsigned('POST', `/${b}`, { delete: '' }, xml.length, { 'content-md5': digestBase64('md5', xml) });
  ex.write(xml.slice(0, 20));
  await delay(50);
  ex.end();
  assertIncompleteBody(await ex.response);
  assert.equal((await readObject(c.s3, b, 'a'))?.toString(), 'kept');
});

test('an aws-chunked UploadPart whose whole framing carries fewer bytes than x-amz-decoded-content-length is 400 IncompleteBody', async () => {
  const b = await newBucket(c.s3, 'inc');
  const id = await mp.createUpload(b, 'k');
  const before = await blobAndTmpFiles(c.dataDir);
  const data = deterministicBytes('inc/short-decoded', 100 * 1024);
  const query = { partNumber: '1', uploadId: id };
  const { headers, body } = await buildChunkedUpload(c.endpoint, 'PUT', objectPath(b, 'k'), {
    mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    query,
    chunks: [data.subarray(0, 64 * 1024), data.subarray(64 * 1024)],
    decodedLength: data.length + 1,
  });
  const ex = openExchange(c.endpoint, 'PUT', objectPath(b, 'k') + queryString(query), headers);
  ex.send(body);
  const r = await ex.response;
  assert.ok(r);
  assert.equal(r.status, 400, r.body);
  assert.equal(r.code, 'IncompleteBody');
  assert.deepEqual(xmlAll((await mp.listParts(b, 'k', id)).body, 'PartNumber'), []);
  await assertNoNewFiles(before);
});
