// How Coffer refuses requests it cannot serve: framing (Content-Length, Transfer-Encoding), size
// limits, stalled and cut-off bodies, bodies where none belong, unknown sub-resources and methods,
// bad XML and bad URIs, and the shape every error response takes.
// https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { CreateMultipartUploadCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { startCoffer } from '../src/app.js';
import { bucketName, newBucket, readObject, testCofferForFile } from './helpers/coffer.js';
import { tmpFiles } from './helpers/files.js';
import { queryString, rawRequest, sha256Hex, signHeaders } from './helpers/raw.js';
import type { RawResponse } from './helpers/raw.js';
import { delay, holdsWithin, openExchange, responseWithin } from './helpers/socket.js';
import { buildChunkedUpload } from './helpers/aws-chunked.js';
import { crc32Base64, digestBase64 } from './helpers/digests.js';

const MAX_OBJECT_SIZE = 1024 * 1024;

const c = testCofferForFile({ COFFER_REQUEST_TIMEOUT: '1', COFFER_MAX_OBJECT_SIZE: String(MAX_OBJECT_SIZE) });

/**
 * The S3 error document: Code, Message, Resource and a RequestId equal to the x-amz-request-id
 * header, served as application/xml.
 */
function assertS3Error(r: RawResponse | undefined, status: number, code: string): asserts r is RawResponse {
  assert.ok(r, 'no response before the connection closed');
  assert.equal(r.status, status, r.body);
  assert.equal(r.code, code, r.body);
  assert.match(r.body, /^<\?xml version="1.0" encoding="UTF-8"\?>\s*<Error>/);
  assert.match(r.body, /<Message>[^<]+<\/Message>/);
  assert.match(r.body, /<Resource>[^<]*<\/Resource>/);
  const requestId = r.headers['x-amz-request-id'];
  assert.ok(typeof requestId === 'string' && requestId.length > 0, 'x-amz-request-id header');
  assert.equal(/<RequestId>([^<]*)<\/RequestId>/.exec(r.body)?.[1], requestId);
  assert.ok(typeof r.headers['x-amz-id-2'] === 'string', 'x-amz-id-2 header');
  assert.match(String(r.headers['content-type']), /^application\/xml/);
}

async function tempFiles(): Promise<string[]> {
  return tmpFiles(c.dataDir);
}

const DELETE_XML = '<Delete><Object><Key>a</Key></Object></Delete>';

test('a PUT without Content-Length or Transfer-Encoding is 411 MissingContentLength', async () => {
  const b = await newBucket(c.s3, 'err');
  const headers = await signHeaders(c.endpoint, { method: 'PUT', path: `/${b}/k` });
  const ex = openExchange(c.endpoint, 'PUT', `/${b}/k`, headers);
  assertS3Error(await ex.response, 411, 'MissingContentLength');
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

test('a request without a Host header gets an S3 error document, not a bare 400', async () => {
  const b = await newBucket(c.s3, 'err');
  // Signed over a Host header that is then left out: the signature cannot match.
  const { host: _host, ...signed } = await signHeaders(c.endpoint, { method: 'GET', path: `/${b}` });
  assertS3Error(await openExchange(c.endpoint, 'GET', `/${b}`, { ...signed, connection: 'close' }).response, 403, 'SignatureDoesNotMatch');
  assertS3Error(await openExchange(c.endpoint, 'GET', `/${b}`, { connection: 'close' }).response, 403, 'AccessDenied');
});

test('a PUT with plain Transfer-Encoding: chunked is 501 NotImplemented and stores nothing', async () => {
  const b = await newBucket(c.s3, 'err');
  const headers = await signHeaders(c.endpoint, { method: 'PUT', path: `/${b}/k`, body: 'hello' });
  const ex = openExchange(c.endpoint, 'PUT', `/${b}/k`, { ...headers, 'transfer-encoding': 'chunked' });
  ex.send('5\r\nhello\r\n0\r\n\r\n');
  const r = await ex.response;
  assertS3Error(r, 501, 'NotImplemented');
  assert.match(r.body, /<Header>Transfer-Encoding<\/Header>/);
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

for (const [label, size] of [
  ['small', 2000],
  ['200 KiB', 200 * 1024],
] as const) {
  test(`a ${label} body cut off before its Content-Length creates no object and leaves no temp file`, async () => {
    const b = await newBucket(c.s3, 'err');
    const headers = await signHeaders(c.endpoint, {
      method: 'PUT',
      path: `/${b}/k`,
      headers: { 'content-length': String(size) },
      payloadHash: 'UNSIGNED-PAYLOAD',
    });
    const ex = openExchange(c.endpoint, 'PUT', `/${b}/k`, headers);
    ex.write(Buffer.alloc(size / 2, 'x'));
    // Let the server start writing the body before the client goes away.
    await delay(100);
    ex.destroy();
    assert.equal(await ex.response, undefined);
    assert.ok(await holdsWithin(async () => (await tempFiles()).length === 0, 3000), 'temp file removed');
    assert.equal(await readObject(c.s3, b, 'k'), undefined);
  });
}

test('a client that goes away mid-body is not logged as an internal error', async () => {
  // A server of its own, to read its log.
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const dataDir = await mkdtemp(join(tmpdir(), 'coffer-test-'));
  const server = await startCoffer(
    loadConfig({ COFFER_ADDRESS: '127.0.0.1:0', COFFER_DATA_DIR: dataDir, COFFER_ROOT_ACCESS_KEY: c.accessKeyId, COFFER_ROOT_SECRET_KEY: c.secretAccessKey }),
    pino({ level: 'info' }, sink),
  );
  try {
    const b = bucketName('gone');
    assert.equal((await rawRequest(server.endpoint, { method: 'PUT', path: `/${b}` })).status, 200);
    const headers = await signHeaders(server.endpoint, {
      method: 'PUT',
      path: `/${b}/k`,
      headers: { 'content-length': String(200 * 1024) },
      payloadHash: 'UNSIGNED-PAYLOAD',
    });
    const ex = openExchange(server.endpoint, 'PUT', `/${b}/k`, headers);
    ex.write(Buffer.alloc(100 * 1024, 'x'));
    await delay(100);
    ex.destroy();
    assert.ok(await holdsWithin(async () => lines.some((l) => l['msg'] === 'request' && l['op'] === 'PutObject'), 3000));
    assert.deepEqual(
      lines.filter((l) => l['msg'] === 'internal error'),
      [],
    );
    const done = lines.find((l) => l['msg'] === 'request' && l['op'] === 'PutObject');
    assert.notEqual(done?.['status'], 500);
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

/** Fails if the server throws where nothing catches it (in production, that ends the process). */
async function withoutUncaughtErrors(fn: () => Promise<void>): Promise<void> {
  const uncaught: unknown[] = [];
  const listener = (err: unknown): void => void uncaught.push(err);
  process.on('uncaughtException', listener);
  try {
    await fn();
  } finally {
    process.off('uncaughtException', listener);
  }
  assert.deepEqual(uncaught.map(String), []);
}

// The time-out tests wait on the clock, so they run side by side. None of them makes a temp
// file, so the stall test's check for leftover temp files is not disturbed.
describe('request body time-outs (COFFER_REQUEST_TIMEOUT=1)', { concurrency: true }, () => {
  test('a body that stalls is answered 400 RequestTimeout (COFFER_REQUEST_TIMEOUT=1) and stores nothing', async () => {
    const b = await newBucket(c.s3, 'err');
    const headers = await signHeaders(c.endpoint, {
      method: 'PUT',
      path: `/${b}/k`,
      headers: { 'content-length': '100' },
      payloadHash: 'UNSIGNED-PAYLOAD',
    });
    const ex = openExchange(c.endpoint, 'PUT', `/${b}/k`, headers);
    ex.write('only ten b');
    const started = Date.now();
    const r = await responseWithin(ex.response, 5000);
    assertS3Error(r, 400, 'RequestTimeout');
    assert.ok(Date.now() - started >= 900, 'answered only after the timeout');
    assert.equal(r.headers['connection'], 'close');
    assert.equal(await readObject(c.s3, b, 'k'), undefined);
    assert.ok(await holdsWithin(async () => (await tempFiles()).length === 0, 3000), 'temp file removed');
  });

  test('a DeleteObjects body that stalls is answered 400 RequestTimeout', async () => {
    const b = await newBucket(c.s3, 'err');
    const headers = await signHeaders(c.endpoint, {
      method: 'POST',
      path: `/${b}`,
      query: { delete: '' },
      payloadHash: 'UNSIGNED-PAYLOAD',
      headers: { 'content-length': String(DELETE_XML.length), 'content-md5': digestBase64('md5', DELETE_XML) },
    });
    const ex = openExchange(c.endpoint, 'POST', `/${b}?delete=`, headers);
    ex.write(DELETE_XML.slice(0, 10));
    assertS3Error(await responseWithin(ex.response, 5000), 400, 'RequestTimeout');
  });

  test('a body that keeps trickling in is not timed out', async () => {
    const b = await newBucket(c.s3, 'err');
    const headers = await signHeaders(c.endpoint, {
      method: 'PUT',
      path: `/${b}/k`,
      headers: { 'content-length': '4' },
      payloadHash: 'UNSIGNED-PAYLOAD',
    });
    const ex = openExchange(c.endpoint, 'PUT', `/${b}/k`, headers);
    for (const ch of 'slow') {
      ex.write(ch);
      await delay(400);
    }
    const r = await responseWithin(ex.response, 3000);
    assert.equal(r.status, 200, r.body);
    assert.equal((await readObject(c.s3, b, 'k'))?.toString(), 'slow');
  });

  test('a PutObject refused before its body is read (KeyTooLong) leaves no body timer to fire later', async () => {
    const b = await newBucket(c.s3, 'err');
    await withoutUncaughtErrors(async () => {
      const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/${'k'.repeat(1025)}`, body: 'x' });
      assertS3Error(r, 400, 'KeyTooLong');
      // COFFER_REQUEST_TIMEOUT is 1 s here: a stall timer left armed would fire by now.
      await delay(1300);
    });
    const stillUp = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/still-up`, body: 'y' });
    assert.equal(stillUp.status, 200);
  });

  test('DeleteObjects refused before its body is read (MaxMessageLengthExceeded) leaves no body timer to fire later', async () => {
    const b = await newBucket(c.s3, 'err');
    await withoutUncaughtErrors(async () => {
      const headers = await signHeaders(c.endpoint, {
        method: 'POST',
        path: `/${b}`,
        query: { delete: '' },
        payloadHash: 'UNSIGNED-PAYLOAD',
        headers: { 'content-length': String(2 * 1024 * 1024), 'content-md5': digestBase64('md5', 'anything') },
      });
      const ex = openExchange(c.endpoint, 'POST', `/${b}?delete=`, headers);
      assertS3Error(await responseWithin(ex.response, 3000), 400, 'MaxMessageLengthExceeded');
      await delay(1300);
    });
  });
});

test('a Content-Length over COFFER_MAX_OBJECT_SIZE is 400 EntityTooLarge before the body is sent', async () => {
  const b = await newBucket(c.s3, 'err');
  const headers = await signHeaders(c.endpoint, {
    method: 'PUT',
    path: `/${b}/k`,
    headers: { 'content-length': String(MAX_OBJECT_SIZE + 1) },
    payloadHash: 'UNSIGNED-PAYLOAD',
  });
  const ex = openExchange(c.endpoint, 'PUT', `/${b}/k`, headers);
  const r = await responseWithin(ex.response, 3000);
  assertS3Error(r, 400, 'EntityTooLarge');
  assert.match(r.body, new RegExp(`<MaxSizeAllowed>${MAX_OBJECT_SIZE}</MaxSizeAllowed>`));
  // The unread body cannot be skipped, so the connection ends with this response.
  assert.equal(r.headers['connection'], 'close');
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

test('an UploadPart announcing more than 5 GiB is 400 EntityTooLarge before the body is sent', async () => {
  const b = await newBucket(c.s3, 'err');
  const created = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'big' }));
  const query = { partNumber: '1', uploadId: created.UploadId! };
  const path = `/${b}/big`;
  const headers = await signHeaders(c.endpoint, {
    method: 'PUT',
    path,
    query,
    headers: { 'content-length': String(5 * 1024 ** 3 + 1) },
    payloadHash: 'UNSIGNED-PAYLOAD',
  });
  const ex = openExchange(c.endpoint, 'PUT', `${path}${queryString(query)}`, headers);
  const r = await responseWithin(ex.response, 3000);
  assertS3Error(r, 400, 'EntityTooLarge');
  assert.match(r.body, /<MaxSizeAllowed>5368709120<\/MaxSizeAllowed>/);
});

test('with Expect: 100-continue, an upload over COFFER_MAX_OBJECT_SIZE is refused without a 100 Continue', async () => {
  const b = await newBucket(c.s3, 'err');
  const headers = await signHeaders(c.endpoint, {
    method: 'PUT',
    path: `/${b}/k`,
    payloadHash: 'UNSIGNED-PAYLOAD',
    headers: { 'content-length': String(MAX_OBJECT_SIZE + 1), expect: '100-continue' },
  });
  const ex = openExchange(c.endpoint, 'PUT', `/${b}/k`, headers);
  assertS3Error(await responseWithin(ex.response, 3000), 400, 'EntityTooLarge');
  assert.equal(ex.continued, false, 'the client was told to send a body that is refused');
});

test('an Expect header other than 100-continue is ignored, as S3 does, not refused with 417', async () => {
  const b = await newBucket(c.s3, 'err');
  for (const expect of ['200', '']) {
    const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, body: 'hello', headers: { expect } });
    assert.equal(r.status, 200, `Expect: '${expect}': ${r.body}`);
  }
  assert.equal((await readObject(c.s3, b, 'k'))?.toString(), 'hello');
});

test('with Expect: 100-continue, an accepted upload gets its 100 Continue and is stored', async () => {
  const b = await newBucket(c.s3, 'err');
  const headers = await signHeaders(c.endpoint, {
    method: 'PUT',
    path: `/${b}/k`,
    payloadHash: 'UNSIGNED-PAYLOAD',
    headers: { 'content-length': '5', expect: '100-continue' },
  });
  const ex = openExchange(c.endpoint, 'PUT', `/${b}/k`, headers);
  assert.ok(await holdsWithin(async () => ex.continued, 2000), 'no 100 Continue');
  ex.send('hello');
  const r = await responseWithin(ex.response, 3000);
  assert.equal(r.status, 200, r.body);
  assert.equal((await readObject(c.s3, b, 'k'))?.toString(), 'hello');
});

test('an x-amz-decoded-content-length over COFFER_MAX_OBJECT_SIZE is 400 EntityTooLarge before the body is sent', async () => {
  const b = await newBucket(c.s3, 'err');
  const { headers } = await buildChunkedUpload(c.endpoint, 'PUT', `/${b}/k`, {
    mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    chunks: [Buffer.alloc(10)],
    decodedLength: MAX_OBJECT_SIZE + 1,
    trailers: [['x-amz-checksum-crc32', crc32Base64(Buffer.alloc(10))]],
  });
  const ex = openExchange(c.endpoint, 'PUT', `/${b}/k`, headers);
  assertS3Error(await responseWithin(ex.response, 3000), 400, 'EntityTooLarge');
});

test('an object of exactly COFFER_MAX_OBJECT_SIZE is accepted', async () => {
  const b = await newBucket(c.s3, 'err');
  const body = Buffer.alloc(MAX_OBJECT_SIZE, 'm');
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, body });
  assert.equal(r.status, 200, r.body);
  assert.equal((await readObject(c.s3, b, 'k'))?.length, MAX_OBJECT_SIZE);
});

test('a GET with a body is 400 UnexpectedContent', async () => {
  const b = await newBucket(c.s3, 'err');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, body: 'unexpected' });
  assertS3Error(r, 400, 'UnexpectedContent');
});

test('a DELETE with a body is 400 UnexpectedContent and deletes nothing', async () => {
  const b = await newBucket(c.s3, 'err');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'kept' }));
  const r = await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}/k`, body: 'unexpected' });
  assertS3Error(r, 400, 'UnexpectedContent');
  assert.equal((await readObject(c.s3, b, 'k'))?.toString(), 'kept');
});

test('a GET with "Content-Length: 0" is served', async () => {
  const b = await newBucket(c.s3, 'err');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  const r = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, headers: { 'content-length': '0' } });
  assert.equal(r.status, 200, r.body);
});

test('an unknown sub-resource (?torrent) is 501 NotImplemented', async () => {
  const b = await newBucket(c.s3, 'err');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  assertS3Error(await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/k`, query: { torrent: '' } }), 501, 'NotImplemented');
});

test('a POST on an object without a sub-resource is 405 MethodNotAllowed with an Allow header', async () => {
  const b = await newBucket(c.s3, 'err');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
  const r = await rawRequest(c.endpoint, { method: 'POST', path: `/${b}/k` });
  assertS3Error(r, 405, 'MethodNotAllowed');
  const allow = String(r.headers['allow'] ?? '')
    .split(',')
    .map((m) => m.trim());
  for (const m of ['DELETE', 'GET', 'HEAD', 'PUT']) assert.ok(allow.includes(m), `Allow: ${allow.join(', ')} lacks ${m}`);
  assert.ok(!allow.includes('POST'));
  assert.match(r.body, /<Method>POST<\/Method>/);
  assert.match(r.body, /<ResourceType>OBJECT<\/ResourceType>/);
});

async function deleteObjects(bucket: string, body: string, md5 = digestBase64('md5', body)): Promise<RawResponse> {
  return rawRequest(c.endpoint, {
    method: 'POST',
    path: `/${bucket}`,
    query: { delete: '' },
    body,
    headers: { 'content-md5': md5 },
  });
}

test('DeleteObjects with XML that is not well-formed is 400 MalformedXML', async () => {
  const b = await newBucket(c.s3, 'err');
  assertS3Error(await deleteObjects(b, '<Delete><Object><Key>a</Key></Object>'), 400, 'MalformedXML');
});

test('DeleteObjects with well-formed XML off the schema is 400 MalformedXML', async () => {
  const b = await newBucket(c.s3, 'err');
  assertS3Error(await deleteObjects(b, '<Delete><Thing>a</Thing></Delete>'), 400, 'MalformedXML');
  assertS3Error(await deleteObjects(b, '<Delete><Object><Key>a</Key></Object><Quiet>maybe</Quiet></Delete>'), 400, 'MalformedXML');
});

test('DeleteObjects with an empty body is 400 MissingRequestBodyError', async () => {
  const b = await newBucket(c.s3, 'err');
  assertS3Error(await deleteObjects(b, ''), 400, 'MissingRequestBodyError');
});

test('DeleteObjects with a body over 1 MiB is 400 MaxMessageLengthExceeded before the body is sent', async () => {
  const b = await newBucket(c.s3, 'err');
  const headers = await signHeaders(c.endpoint, {
    method: 'POST',
    path: `/${b}`,
    query: { delete: '' },
    payloadHash: 'UNSIGNED-PAYLOAD',
    headers: { 'content-length': String(1024 * 1024 + 1), 'content-md5': digestBase64('md5', 'anything') },
  });
  const ex = openExchange(c.endpoint, 'POST', `/${b}?delete=`, headers);
  assertS3Error(await responseWithin(ex.response, 3000), 400, 'MaxMessageLengthExceeded');
});

test('DeleteObjects whose Content-MD5 does not match is 400 BadDigest and deletes nothing', async () => {
  const b = await newBucket(c.s3, 'err');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'a', Body: 'kept' }));
  assertS3Error(await deleteObjects(b, DELETE_XML, digestBase64('md5', 'other')), 400, 'BadDigest');
  assert.equal((await readObject(c.s3, b, 'a'))?.toString(), 'kept');
});

test('DeleteObjects whose body does not match x-amz-content-sha256 is 400 XAmzContentSHA256Mismatch', async () => {
  const b = await newBucket(c.s3, 'err');
  await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'a', Body: 'kept' }));
  const r = await rawRequest(c.endpoint, {
    method: 'POST',
    path: `/${b}`,
    query: { delete: '' },
    body: DELETE_XML,
    payloadHash: sha256Hex('other'),
    headers: { 'content-md5': digestBase64('md5', DELETE_XML) },
  });
  assertS3Error(r, 400, 'XAmzContentSHA256Mismatch');
  assert.equal((await readObject(c.s3, b, 'a'))?.toString(), 'kept');
});

for (const [label, segment] of [
  ['invalid UTF-8', '%FF%FE'],
  ['a bad escape', 'a%zz'],
  ['a truncated escape', 'a%2'],
] as const) {
  test(`a path with ${label} (${segment}) is 400 InvalidURI`, async () => {
    const b = await newBucket(c.s3, 'err');
    assertS3Error(await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/${segment}` }), 400, 'InvalidURI');
  });
}

test('a /_coffer/ path with a bad escape is 400 InvalidURI, not an internal error', async () => {
  assertS3Error(await rawRequest(c.endpoint, { method: 'GET', path: '/_coffer/health/%zz', anonymous: true }), 400, 'InvalidURI');
});

for (const [label, headers] of [
  ['a Content-Length that is not a number', { 'content-length': 'abc' }],
  ['both Content-Length and Transfer-Encoding', { 'content-length': '5', 'transfer-encoding': 'chunked' }],
  ['a header name with a space', { 'bad header': 'x', 'content-length': '5' }],
] as const) {
  test(`a request node cannot parse (${label}) is 400 BadRequest with the S3 error document`, async () => {
    const b = await newBucket(c.s3, 'err');
    const ex = openExchange(c.endpoint, 'PUT', `/${b}/k`, { host: new URL(c.endpoint).host, ...headers });
    ex.send('hello');
    const r = await responseWithin(ex.response, 3000);
    assert.equal(r.status, 400);
    assert.equal(r.code, 'BadRequest', r.body);
    assert.match(r.body, /<Message>[^<]+<\/Message>/);
    assert.equal(/<RequestId>([^<]*)<\/RequestId>/.exec(r.body)?.[1], r.headers['x-amz-request-id']);
    assert.equal(r.headers['connection'], 'close');
    assert.equal(await readObject(c.s3, b, 'k'), undefined);
  });
}

test('a body longer than its Content-Length gets the answer to the request it completes (BadDigest), then the connection closes', async () => {
  const b = await newBucket(c.s3, 'err');
  // Content-MD5 of 'bar' under Content-Length: 2; the 'r' that follows cannot start a request.
  const headers = await signHeaders(c.endpoint, {
    method: 'PUT',
    path: `/${b}/k`,
    headers: { 'content-length': '2', 'content-md5': digestBase64('md5', 'bar') },
    payloadHash: 'UNSIGNED-PAYLOAD',
  });
  const ex = openExchange(c.endpoint, 'PUT', `/${b}/k`, headers);
  ex.send('bar');
  const r = await responseWithin(ex.response, 3000);
  assertS3Error(r, 400, 'BadDigest');
  assert.equal(r.headers['connection'], 'close');
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

test('a request followed on its connection by bytes that are not HTTP is answered, then the connection closes', async () => {
  const b = await newBucket(c.s3, 'err');
  const headers = await signHeaders(c.endpoint, { method: 'PUT', path: `/${b}/k`, headers: { 'content-length': '5' }, body: 'hello' });
  const ex = openExchange(c.endpoint, 'PUT', `/${b}/k`, headers);
  ex.send('hello\x00garbage\r\n\r\n');
  const r = await responseWithin(ex.response, 3000);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers['connection'], 'close');
  assert.equal((await readObject(c.s3, b, 'k'))?.toString(), 'hello');
});

test('broken HTTP chunk framing in the middle of an aws-chunked upload is 400 BadRequest and stores nothing', async () => {
  const b = await newBucket(c.s3, 'err');
  const data = Buffer.alloc(100 * 1024, 'd');
  const { headers, body } = await buildChunkedUpload(c.endpoint, 'PUT', `/${b}/k`, {
    mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    chunks: [data],
    trailers: [['x-amz-checksum-crc32', crc32Base64(data)]],
    transferEncodingChunked: true,
  });
  const ex = openExchange(c.endpoint, 'PUT', `/${b}/k`, headers);
  ex.write(Buffer.concat([Buffer.from(`${(64 * 1024).toString(16)}\r\n`), body.subarray(0, 64 * 1024), Buffer.from('\r\n')]));
  await delay(50);
  ex.send('not-hex\r\n');
  const r = await responseWithin(ex.response, 3000);
  assert.equal(r.status, 400);
  assert.equal(r.code, 'BadRequest', r.body);
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
  assert.ok(await holdsWithin(async () => (await tempFiles()).length === 0, 3000), 'temp file removed');
});

test('a HEAD error has its status and request id but no body', async () => {
  const b = await newBucket(c.s3, 'err');
  const missingKey = await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/nope` });
  assert.equal(missingKey.status, 404);
  assert.equal(missingKey.body, '');
  assert.ok(typeof missingKey.headers['x-amz-request-id'] === 'string');

  const missingBucket = await rawRequest(c.endpoint, { method: 'HEAD', path: `/${bucketName('none')}` });
  assert.equal(missingBucket.status, 404);
  assert.equal(missingBucket.body, '');

  const forbidden = await rawRequest(c.endpoint, { method: 'HEAD', path: `/${b}/nope`, anonymous: true });
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.body, '');
  assert.ok(typeof forbidden.headers['x-amz-request-id'] === 'string');
});

test('errors from each layer carry the full S3 error document', async () => {
  const b = await newBucket(c.s3, 'err');
  // Routing, auth, engine and body errors each come from a different place.
  assertS3Error(await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/nope` }), 404, 'NoSuchKey');
  assertS3Error(await rawRequest(c.endpoint, { method: 'GET', path: `/${bucketName('none')}` }), 404, 'NoSuchBucket');
  assertS3Error(await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, anonymous: true }), 403, 'AccessDenied');
  assertS3Error(await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}/k`, body: 'x', headers: { 'content-md5': 'bad' } }), 400, 'InvalidDigest');
  const noSuchKey = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/dir/no%20such` });
  assert.match(noSuchKey.body, /<Key>dir\/no such<\/Key>|<Resource>\/[^<]+\/dir\/no(%20| )such<\/Resource>/);
});

test('two requests get different request ids', async () => {
  const b = await newBucket(c.s3, 'err');
  const one = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/nope` });
  const two = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}/nope` });
  assert.notEqual(one.headers['x-amz-request-id'], two.headers['x-amz-request-id']);
});
