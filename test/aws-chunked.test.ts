// PutObject with an aws-chunked body (Content-Encoding: aws-chunked): signed chunks, unsigned
// chunks with a checksum trailer, signed trailers. The framing must never reach the object, and a
// body that fails its checks must leave no object behind.
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { pseudoRandomBytes } from '../src/checksums/test-data.js';
import { newBucket, readObject, recordRequestHeaders, testCofferForFile } from './helpers/coffer.js';
import { buildChunkedUpload, httpChunked } from './helpers/aws-chunked.js';
import type { ChunkedUpload } from './helpers/aws-chunked.js';
import { crc32Base64, crc32cBase64, digestBase64 } from './helpers/digests.js';
import { blobAndTmpFiles } from './helpers/files.js';
import { openExchange } from './helpers/socket.js';
import { signHeaders } from './helpers/raw.js';
import type { RawResponse } from './helpers/raw.js';

const c = testCofferForFile();

async function upload(bucket: string, key: string, u: ChunkedUpload): Promise<RawResponse> {
  const path = `/${bucket}/${key}`;
  const { headers, body } = await buildChunkedUpload(c.endpoint, 'PUT', path, u);
  const ex = openExchange(c.endpoint, 'PUT', path, headers);
  ex.send(u.transferEncodingChunked ? httpChunked(body) : body);
  const r = await ex.response;
  assert.ok(r, 'the server closed the connection without a response');
  return r;
}

/**
 * `u` uploaded to a fresh bucket must be refused with `status` and `code`, leaving neither an
 * object nor a blob or temp file.
 */
async function assertRefusedStoringNothing(u: ChunkedUpload, status: number, code: string): Promise<void> {
  const b = await newBucket(c.s3, 'chunk');
  const before = await blobAndTmpFiles(c.dataDir);
  const r = await upload(b, 'k', u);
  assert.equal(r.status, status);
  assert.equal(r.code, code);
  assert.equal(await readObject(c.s3, b, 'k'), undefined, 'the object must not exist');
  assert.deepEqual(
    (await blobAndTmpFiles(c.dataDir)).filter((f) => !before.includes(f)),
    [],
  );
}

const A = pseudoRandomBytes(64 * 1024, 1);
const B = pseudoRandomBytes(64 * 1024, 2);
const TAIL = pseudoRandomBytes(1000, 3);
const WHOLE = Buffer.concat([A, B, TAIL]);

test('the SDK streams a Readable body as aws-chunked with a CRC32 trailer, stored without its framing', async () => {
  const b = await newBucket(c.s3, 'chunk');
  const s3 = c.client(c.accessKeyId, c.secretAccessKey);
  const sent = recordRequestHeaders(s3);
  const out = await s3.send(
    new PutObjectCommand({
      Bucket: b,
      Key: 'streamed',
      Body: Readable.from([A, B, TAIL]),
      ContentLength: WHOLE.length,
    }),
  );
  assert.equal(sent[0]?.['content-encoding'], 'aws-chunked');
  assert.equal(sent[0]?.['x-amz-trailer'], 'x-amz-checksum-crc32');
  assert.equal(out.ChecksumCRC32, crc32Base64(WHOLE));

  assert.deepEqual(await readObject(c.s3, b, 'streamed'), WHOLE);
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'streamed', ChecksumMode: 'ENABLED' }));
  assert.equal(head.ContentLength, WHOLE.length);
  assert.equal(head.ContentEncoding, undefined);
  assert.equal(head.ChecksumCRC32, crc32Base64(WHOLE));
});

test('the SDK streams with a SHA256 trailer when asked', async () => {
  const b = await newBucket(c.s3, 'chunk');
  const out = await c.s3.send(
    new PutObjectCommand({
      Bucket: b,
      Key: 'sha',
      Body: Readable.from([A, TAIL]),
      ContentLength: A.length + TAIL.length,
      ChecksumAlgorithm: 'SHA256',
    }),
  );
  assert.equal(out.ChecksumSHA256, digestBase64('sha256', Buffer.concat([A, TAIL])));
  assert.deepEqual(await readObject(c.s3, b, 'sha'), Buffer.concat([A, TAIL]));
});

test('signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) are verified and stored decoded', async () => {
  const b = await newBucket(c.s3, 'chunk');
  const r = await upload(b, 'signed', { mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', chunks: [A, B, TAIL] });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers['etag'], `"${Buffer.from(digestBase64('md5', WHOLE), 'base64').toString('hex')}"`);
  assert.deepEqual(await readObject(c.s3, b, 'signed'), WHOLE);
});

test('signed chunks sent with Transfer-Encoding: chunked instead of Content-Length are stored decoded', async () => {
  const b = await newBucket(c.s3, 'chunk');
  const r = await upload(b, 'te', { mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', chunks: [A, TAIL], transferEncodingChunked: true });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(await readObject(c.s3, b, 'te'), Buffer.concat([A, TAIL]));
});

test('a single signed chunk smaller than 8 KiB is allowed, being the last', async () => {
  const b = await newBucket(c.s3, 'chunk');
  const r = await upload(b, 'small', { mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', chunks: [TAIL] });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(await readObject(c.s3, b, 'small'), TAIL);
});

test('an empty signed streaming body stores an empty object', async () => {
  const b = await newBucket(c.s3, 'chunk');
  const r = await upload(b, 'empty', { mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', chunks: [] });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(await readObject(c.s3, b, 'empty'), Buffer.alloc(0));
});

test('Content-Encoding "aws-chunked,gzip" stores Content-Encoding gzip', async () => {
  const b = await newBucket(c.s3, 'chunk');
  const r = await upload(b, 'gz', {
    mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    chunks: [TAIL],
    headers: { 'content-encoding': 'aws-chunked,gzip' },
  });
  assert.equal(r.status, 200, r.body);
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'gz' }));
  assert.equal(head.ContentEncoding, 'gzip');
});

test('Content-MD5 and a checksum header are checked against the decoded payload, not the framing', async () => {
  const b = await newBucket(c.s3, 'chunk');
  const ok = await upload(b, 'md5', {
    mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    chunks: [A, TAIL],
    headers: { 'content-md5': digestBase64('md5', Buffer.concat([A, TAIL])), 'x-amz-checksum-crc32': crc32Base64(Buffer.concat([A, TAIL])) },
  });
  assert.equal(ok.status, 200, ok.body);
  assert.deepEqual(await readObject(c.s3, b, 'md5'), Buffer.concat([A, TAIL]));

  const { body: framed } = await buildChunkedUpload(c.endpoint, 'PUT', `/${b}/x`, { mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', chunks: [A, TAIL] });
  const wrongMd5 = await upload(b, 'framed-md5', {
    mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    chunks: [A, TAIL],
    headers: { 'content-md5': digestBase64('md5', framed) },
  });
  assert.equal(wrongMd5.status, 400);
  assert.equal(wrongMd5.code, 'BadDigest');
  assert.equal(await readObject(c.s3, b, 'framed-md5'), undefined);

  const wrongCrc = await upload(b, 'framed-crc', {
    mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    chunks: [A, TAIL],
    headers: { 'x-amz-checksum-crc32': crc32Base64(framed) },
  });
  assert.equal(wrongCrc.status, 400);
  assert.equal(wrongCrc.code, 'BadDigest');
  assert.equal(await readObject(c.s3, b, 'framed-crc'), undefined);
});

test('unsigned chunks with an x-amz-checksum-crc32 trailer are stored and the checksum kept', async () => {
  const b = await newBucket(c.s3, 'chunk');
  const r = await upload(b, 'trailer', {
    mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    chunks: [A, B, TAIL],
    trailers: [['x-amz-checksum-crc32', crc32Base64(WHOLE)]],
  });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers['x-amz-checksum-crc32'], crc32Base64(WHOLE));
  assert.deepEqual(await readObject(c.s3, b, 'trailer'), WHOLE);
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'trailer', ChecksumMode: 'ENABLED' }));
  assert.equal(head.ChecksumCRC32, crc32Base64(WHOLE));
});

test('signed chunks with a signed x-amz-checksum-crc32c trailer are verified and stored', async () => {
  const b = await newBucket(c.s3, 'chunk');
  const r = await upload(b, 'signed-trailer', {
    mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
    chunks: [A, TAIL],
    trailers: [['x-amz-checksum-crc32c', crc32cBase64(Buffer.concat([A, TAIL]))]],
  });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(await readObject(c.s3, b, 'signed-trailer'), Buffer.concat([A, TAIL]));
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'signed-trailer', ChecksumMode: 'ENABLED' }));
  assert.equal(head.ChecksumCRC32C, crc32cBase64(Buffer.concat([A, TAIL])));
});

for (const [label, index] of [
  ['first', 0],
  ['second', 1],
  ['final empty', 3],
] as const) {
  test(`a bad signature on the ${label} chunk is 403 SignatureDoesNotMatch and stores nothing`, async () => {
    await assertRefusedStoringNothing({ mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', chunks: [A, B, TAIL], corruptSignatureOf: index }, 403, 'SignatureDoesNotMatch');
  });
}

test('a bad trailer signature is 403 SignatureDoesNotMatch and stores nothing', async () => {
  await assertRefusedStoringNothing(
    {
      mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
      chunks: [A, B, TAIL],
      trailers: [['x-amz-checksum-crc32', crc32Base64(WHOLE)]],
      corruptTrailerSignature: true,
    },
    403,
    'SignatureDoesNotMatch',
  );
});

test('a chunk of data swapped after signing is 403 SignatureDoesNotMatch', async () => {
  const b = await newBucket(c.s3, 'chunk');
  const path = `/${b}/k`;
  const { headers, body } = await buildChunkedUpload(c.endpoint, 'PUT', path, { mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', chunks: [A, TAIL] });
  const at = body.indexOf(A.subarray(0, 32));
  body[at + 100] = (body[at + 100] ?? 0) ^ 0xff;
  const ex = openExchange(c.endpoint, 'PUT', path, headers);
  ex.send(body);
  const r = await ex.response;
  assert.equal(r?.status, 403);
  assert.equal(r?.code, 'SignatureDoesNotMatch');
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

test('a data chunk under 8 KiB before the last is 403 InvalidChunkSizeError and stores nothing', async () => {
  await assertRefusedStoringNothing({ mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', chunks: [A, TAIL, B] }, 403, 'InvalidChunkSizeError');
});

test('a trailer other than the one x-amz-trailer announced is 400 MalformedTrailerError', async () => {
  await assertRefusedStoringNothing(
    {
      mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      chunks: [A, B, TAIL],
      declaredTrailers: ['x-amz-checksum-crc32'],
      trailers: [['x-amz-checksum-crc32c', crc32cBase64(WHOLE)]],
    },
    400,
    'MalformedTrailerError',
  );
});

test('an announced trailer that never comes is 400 MalformedTrailerError', async () => {
  const b = await newBucket(c.s3, 'chunk');
  const r = await upload(b, 'k', {
    mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    chunks: [TAIL],
    declaredTrailers: ['x-amz-checksum-crc32'],
    trailers: [],
  });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'MalformedTrailerError');
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

test('a trailer checksum that does not match the data is 400 BadDigest and stores nothing', async () => {
  await assertRefusedStoringNothing(
    {
      mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      chunks: [A, B, TAIL],
      trailers: [['x-amz-checksum-crc32', crc32Base64('other data')]],
    },
    400,
    'BadDigest',
  );
});

test('a signed trailer checksum that does not match the data is 400 BadDigest', async () => {
  const b = await newBucket(c.s3, 'chunk');
  const r = await upload(b, 'k', {
    mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
    chunks: [TAIL],
    trailers: [['x-amz-checksum-sha256', digestBase64('sha256', 'other')]],
  });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'BadDigest');
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

test('a malformed trailer checksum value is 400 InvalidRequest', async () => {
  const b = await newBucket(c.s3, 'chunk');
  const r = await upload(b, 'k', {
    mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    chunks: [TAIL],
    trailers: [['x-amz-checksum-crc32', 'not a checksum']],
  });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidRequest');
  assert.equal(r.message, 'Value for x-amz-checksum-crc32 trailing header is invalid.');
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

test('chunks carrying fewer bytes than x-amz-decoded-content-length are 400 IncompleteBody', async () => {
  const b = await newBucket(c.s3, 'chunk');
  const r = await upload(b, 'k', { mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', chunks: [A, TAIL], decodedLength: A.length + TAIL.length + 1 });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'IncompleteBody');
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

test('chunks carrying more bytes than x-amz-decoded-content-length are refused and store nothing', async () => {
  const b = await newBucket(c.s3, 'chunk');
  const r = await upload(b, 'k', { mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', chunks: [A, TAIL], decodedLength: A.length });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'IncompleteBody');
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

test('an aws-chunked upload without x-amz-decoded-content-length is 411 MissingContentLength', async () => {
  const b = await newBucket(c.s3, 'chunk');
  const path = `/${b}/k`;
  const built = await buildChunkedUpload(c.endpoint, 'PUT', path, {
    mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    chunks: [TAIL],
    trailers: [['x-amz-checksum-crc32', crc32Base64(TAIL)]],
  });
  // Signed again without the header, so that only its absence is wrong.
  const headers = { ...built.headers };
  delete headers['x-amz-decoded-content-length'];
  const { authorization: _a, 'x-amz-date': _d, ...unsigned } = headers;
  const resigned = await signHeaders(c.endpoint, { method: 'PUT', path, headers: unsigned, payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' });
  const ex = openExchange(c.endpoint, 'PUT', path, resigned);
  ex.send(built.body);
  const r = await ex.response;
  assert.equal(r?.status, 411);
  assert.equal(r?.code, 'MissingContentLength');
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

test('a chunk-size line that is not hex is refused and stores nothing', async () => {
  const b = await newBucket(c.s3, 'chunk');
  const path = `/${b}/k`;
  const { headers, body } = await buildChunkedUpload(c.endpoint, 'PUT', path, {
    mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    chunks: [TAIL],
    trailers: [['x-amz-checksum-crc32', crc32Base64(TAIL)]],
  });
  const broken = Buffer.from(body.toString('latin1').replace(/^3e8\r\n/, 'zz8\r\n'), 'latin1');
  const ex = openExchange(c.endpoint, 'PUT', path, headers);
  ex.send(broken);
  const r = await ex.response;
  assert.equal(r?.status, 400);
  assert.equal(r?.code, 'IncompleteBody');
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});

test('signed streaming from an anonymous client is refused', async () => {
  const b = await newBucket(c.s3, 'chunk');
  const { headers, body } = await buildChunkedUpload(c.endpoint, 'PUT', `/${b}/k`, { mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', chunks: [TAIL] });
  const { authorization: _a, ...anonymous } = headers;
  const ex = openExchange(c.endpoint, 'PUT', `/${b}/k`, anonymous);
  ex.send(body);
  const r = await ex.response;
  assert.equal(r?.status, 400);
  assert.equal(r?.code, 'InvalidRequest');
  assert.equal(await readObject(c.s3, b, 'k'), undefined);
});
