// SSE-C: objects encrypted with a key the client sends on every request, over HTTPS only.
// Every row of the seed's SSE-C contract, each with its own message.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { bodyBytes, newBucket } from './helpers/coffer.js';
import { deterministicBytes } from './helpers/bytes.js';
import { customerKey, messageOf, sdkSseC, sseCHeaders, sseRequest, startSseCoffer } from './helpers/sse.js';
import type { SseCoffer } from './helpers/sse.js';

const A = customerKey('customer key A');
const B = customerKey('customer key B');

let c: SseCoffer;
before(async () => {
  c = await startSseCoffer(undefined);
});
after(() => c.close());

async function putSseC(b: string, key: string, body: Buffer, k = A): Promise<string> {
  const out = await c.tls.send(new PutObjectCommand({ Bucket: b, Key: key, Body: body, ...sdkSseC(k) }));
  return out.ETag!;
}

test('PutObject with SSE-C over HTTPS stores the object; GET with the key returns it, with the algorithm and key MD5 headers', async () => {
  const b = await newBucket(c.tls, 'ssec');
  const data = deterministicBytes('ssec-put', 300_000);
  const put = await c.tls.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: data, ...sdkSseC(A) }));
  assert.equal(put.SSECustomerAlgorithm, 'AES256');
  assert.equal(put.SSECustomerKeyMD5, A.md5);
  // "Objects ... encrypted by SSE-C or SSE-KMS, have ETags that are not an MD5 digest of their object data."
  assert.match(put.ETag!, /^"[0-9a-f]{32}"$/);
  assert.notEqual(put.ETag, `"${createHash('md5').update(data).digest('hex')}"`);
  const got = await c.tls.send(new GetObjectCommand({ Bucket: b, Key: 'k', ...sdkSseC(A) }));
  assert.ok((await bodyBytes(got)).equals(data));
  assert.equal(got.SSECustomerAlgorithm, 'AES256');
  assert.equal(got.SSECustomerKeyMD5, A.md5);
  assert.equal(got.ETag, put.ETag);
  const head = await c.tls.send(new HeadObjectCommand({ Bucket: b, Key: 'k', ...sdkSseC(A) }));
  assert.equal(head.ContentLength, data.length);
  assert.equal(head.SSECustomerKeyMD5, A.md5);
});

test('a small SSE-C object (stored inline) reads back whole and by range', async () => {
  const b = await newBucket(c.tls, 'ssec');
  await putSseC(b, 'small', Buffer.from('hello, encrypted world'));
  const got = await c.tls.send(new GetObjectCommand({ Bucket: b, Key: 'small', Range: 'bytes=7-15', ...sdkSseC(A) }));
  assert.equal((await bodyBytes(got)).toString(), 'encrypted');
});

test('GetObject of an SSE-C object without the key is 400 InvalidRequest with the seed message', async () => {
  const b = await newBucket(c.tls, 'ssec');
  await putSseC(b, 'k', Buffer.from('secret'));
  const r = await sseRequest(c.tlsEndpoint, { method: 'GET', path: `/${b}/k` });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidRequest');
  assert.equal(messageOf(r), 'The object was stored using a form of Server-Side Encryption. The correct parameters must be provided to retrieve the object.');
});

test('HeadObject of an SSE-C object without the key is 400', async () => {
  const b = await newBucket(c.tls, 'ssec');
  await putSseC(b, 'k', Buffer.from('secret'));
  const r = await sseRequest(c.tlsEndpoint, { method: 'HEAD', path: `/${b}/k` });
  assert.equal(r.status, 400);
  assert.equal(r.body.length, 0);
});

test('GetObject and HeadObject with the wrong SSE-C key are 403 AccessDenied, as S3 answers', async () => {
  const b = await newBucket(c.tls, 'ssec');
  await putSseC(b, 'k', Buffer.from('secret'));
  const r = await sseRequest(c.tlsEndpoint, { method: 'GET', path: `/${b}/k`, headers: sseCHeaders(B) });
  assert.equal(r.status, 403);
  assert.equal(r.code, 'AccessDenied');
  assert.equal(messageOf(r), 'Access Denied');
  const h = await sseRequest(c.tlsEndpoint, { method: 'HEAD', path: `/${b}/k`, headers: sseCHeaders(B) });
  assert.equal(h.status, 403);
});

test('SSE-C headers on an object stored without SSE-C are 400 InvalidRequest: parameters not applicable', async () => {
  const b = await newBucket(c.tls, 'ssec');
  await c.tls.send(new PutObjectCommand({ Bucket: b, Key: 'plain', Body: 'plain' }));
  await c.tls.send(new PutObjectCommand({ Bucket: b, Key: 'sse-s3', Body: 'x', ServerSideEncryption: 'AES256' }));
  for (const key of ['plain', 'sse-s3']) {
    const r = await sseRequest(c.tlsEndpoint, { method: 'GET', path: `/${b}/${key}`, headers: sseCHeaders(A) });
    assert.equal(r.status, 400, key);
    assert.equal(r.code, 'InvalidRequest');
    assert.equal(messageOf(r), 'The encryption parameters are not applicable to this object.');
  }
});

test('SSE-C over plain HTTP is 400 InvalidArgument: it must be made over a secure connection (PUT and GET)', async () => {
  const b = await newBucket(c.tls, 'ssec');
  for (const method of ['PUT', 'GET']) {
    const r = await sseRequest(c.endpoint, { method, path: `/${b}/k`, headers: sseCHeaders(A), body: method === 'PUT' ? 'data' : undefined });
    assert.equal(r.status, 400, method);
    assert.equal(r.code, 'InvalidArgument');
    assert.equal(messageOf(r), 'Requests specifying Server-Side Encryption with Customer-Provided Keys must be made over a secure connection.');
  }
  const got = await sseRequest(c.tlsEndpoint, { method: 'GET', path: `/${b}/k`, headers: sseCHeaders(A) });
  assert.equal(got.code, 'NoSuchKey', 'nothing was stored');
});

/** A PUT over HTTPS with these SSE-C headers: status, code and message. */
async function putWith(headers: Record<string, string>): Promise<{ status: number; code?: string; message?: string }> {
  const b = await newBucket(c.tls, 'ssec');
  const r = await sseRequest(c.tlsEndpoint, { method: 'PUT', path: `/${b}/k`, headers, body: 'data' });
  return { status: r.status, code: r.code, message: messageOf(r) };
}

test('an SSE-C algorithm without a key is 400 InvalidArgument: must provide an appropriate secret key', async () => {
  assert.deepEqual(await putWith({ 'x-amz-server-side-encryption-customer-algorithm': 'AES256' }), {
    status: 400,
    code: 'InvalidArgument',
    message: 'Requests specifying Server-Side Encryption with Customer-Provided Keys must provide an appropriate secret key.',
  });
});

test('an SSE-C key without its MD5 is 400 InvalidArgument: must provide the client calculated MD5', async () => {
  assert.deepEqual(await putWith({ 'x-amz-server-side-encryption-customer-algorithm': 'AES256', 'x-amz-server-side-encryption-customer-key': A.key }), {
    status: 400,
    code: 'InvalidArgument',
    message: 'Requests specifying Server-Side Encryption with Customer-Provided Keys must provide the client calculated MD5 of the secret key.',
  });
});

test('an SSE-C key MD5 that is not base64 is 400 InvalidArgument: improperly encoded', async () => {
  assert.deepEqual(await putWith({ ...sseCHeaders(A), 'x-amz-server-side-encryption-customer-key-md5': 'not*base64!' }), {
    status: 400,
    code: 'InvalidArgument',
    message: 'The MD5 hash of the secret key was improperly encoded. The MD5 hash must be Base64 encoded.',
  });
});

test('an SSE-C key MD5 that does not match the key is 400 InvalidArgument: did not match', async () => {
  assert.deepEqual(await putWith({ ...sseCHeaders(A), 'x-amz-server-side-encryption-customer-key-md5': B.md5 }), {
    status: 400,
    code: 'InvalidArgument',
    message: 'The calculated MD5 hash of the key did not match the hash that was provided.',
  });
});

test('an SSE-C key that is not 256 bits is 400 InvalidArgument: the secret key was invalid', async () => {
  const short = Buffer.alloc(16, 7);
  const headers = {
    'x-amz-server-side-encryption-customer-algorithm': 'AES256',
    'x-amz-server-side-encryption-customer-key': short.toString('base64'),
    'x-amz-server-side-encryption-customer-key-md5': createHash('md5').update(short).digest('base64'),
  };
  assert.deepEqual(await putWith(headers), { status: 400, code: 'InvalidArgument', message: 'The secret key was invalid for the specified algorithm.' });
});

test('an SSE-C algorithm other than AES256 is 400 InvalidEncryptionAlgorithmError', async () => {
  assert.deepEqual(await putWith({ ...sseCHeaders(A), 'x-amz-server-side-encryption-customer-algorithm': 'AES128' }), {
    status: 400,
    code: 'InvalidEncryptionAlgorithmError',
    message: 'The Encryption request you specified is not valid. Supported value: AES256.',
  });
});

test('an SSE-C key without the algorithm header is 400 InvalidArgument', async () => {
  const { 'x-amz-server-side-encryption-customer-algorithm': _, ...rest } = sseCHeaders(A);
  assert.deepEqual(await putWith(rest), {
    status: 400,
    code: 'InvalidArgument',
    message: 'Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.',
  });
});

test('SSE-C together with x-amz-server-side-encryption is 400 InvalidArgument', async () => {
  const r = await putWith({ ...sseCHeaders(A), 'x-amz-server-side-encryption': 'AES256' });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidArgument');
});

test('CopyObject from an SSE-C source without the source key is 400 InvalidRequest; with it, the copy is made', async () => {
  const b = await newBucket(c.tls, 'ssec');
  const data = deterministicBytes('ssec-copy', 200_000);
  await putSseC(b, 'src', data);
  const r = await sseRequest(c.tlsEndpoint, { method: 'PUT', path: `/${b}/dst`, headers: { 'x-amz-copy-source': `/${b}/src` } });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidRequest');
  assert.equal(messageOf(r), 'The object was stored using a form of Server-Side Encryption. The correct parameters must be provided to retrieve the object.');
  const wrong = await sseRequest(c.tlsEndpoint, { method: 'PUT', path: `/${b}/dst`, headers: { 'x-amz-copy-source': `/${b}/src`, ...sseCHeaders(B, 'x-amz-copy-source-') } });
  assert.equal(wrong.status, 403);
  // SSE-C → plaintext, SSE-S3, and SSE-C under another key.
  await c.tls.send(
    new CopyObjectCommand({
      Bucket: b,
      Key: 'plain',
      CopySource: `${b}/src`,
      CopySourceSSECustomerAlgorithm: 'AES256',
      CopySourceSSECustomerKey: A.key,
      CopySourceSSECustomerKeyMD5: A.md5,
    }),
  );
  assert.ok((await bodyBytes(await c.tls.send(new GetObjectCommand({ Bucket: b, Key: 'plain' })))).equals(data));
  const s3 = await c.tls.send(
    new CopyObjectCommand({
      Bucket: b,
      Key: 'sse-s3',
      CopySource: `${b}/src`,
      ServerSideEncryption: 'AES256',
      CopySourceSSECustomerAlgorithm: 'AES256',
      CopySourceSSECustomerKey: A.key,
      CopySourceSSECustomerKeyMD5: A.md5,
    }),
  );
  assert.equal(s3.ServerSideEncryption, 'AES256');
  assert.ok((await bodyBytes(await c.tls.send(new GetObjectCommand({ Bucket: b, Key: 'sse-s3' })))).equals(data));
  const rekeyed = await c.tls.send(
    new CopyObjectCommand({
      Bucket: b,
      Key: 'src',
      CopySource: `${b}/src`,
      ...sdkSseC(B),
      CopySourceSSECustomerAlgorithm: 'AES256',
      CopySourceSSECustomerKey: A.key,
      CopySourceSSECustomerKeyMD5: A.md5,
    }),
  );
  assert.equal(rekeyed.SSECustomerKeyMD5, B.md5);
  assert.ok((await bodyBytes(await c.tls.send(new GetObjectCommand({ Bucket: b, Key: 'src', ...sdkSseC(B) })))).equals(data));
  const old = await sseRequest(c.tlsEndpoint, { method: 'GET', path: `/${b}/src`, headers: sseCHeaders(A) });
  assert.equal(old.status, 403, 'the old key no longer opens the object');
});

test('a plaintext object copied to SSE-C reads back only with the key', async () => {
  const b = await newBucket(c.tls, 'ssec');
  await c.tls.send(new PutObjectCommand({ Bucket: b, Key: 'plain', Body: 'to be encrypted' }));
  await c.tls.send(new CopyObjectCommand({ Bucket: b, Key: 'enc', CopySource: `${b}/plain`, ...sdkSseC(A) }));
  const r = await sseRequest(c.tlsEndpoint, { method: 'GET', path: `/${b}/enc` });
  assert.equal(r.code, 'InvalidRequest');
  assert.equal((await bodyBytes(await c.tls.send(new GetObjectCommand({ Bucket: b, Key: 'enc', ...sdkSseC(A) })))).toString(), 'to be encrypted');
});

test('a multipart upload with SSE-C: every part needs the key, Complete and GET (whole, range, part) work with it', async () => {
  const b = await newBucket(c.tls, 'ssec');
  const part1 = deterministicBytes('ssec-mp-1', 5 * 1024 * 1024 + 3);
  const part2 = deterministicBytes('ssec-mp-2', 100_001);
  const up = await c.tls.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp', ...sdkSseC(A) }));
  assert.equal(up.SSECustomerKeyMD5, A.md5);
  const uploadId = up.UploadId!;
  const noKey = await sseRequest(c.tlsEndpoint, { method: 'PUT', path: `/${b}/mp`, query: { partNumber: '1', uploadId }, body: part2 });
  assert.equal(noKey.status, 400);
  assert.equal(noKey.code, 'InvalidRequest');
  const otherKey = await sseRequest(c.tlsEndpoint, { method: 'PUT', path: `/${b}/mp`, query: { partNumber: '1', uploadId }, headers: sseCHeaders(B), body: part2 });
  assert.equal(otherKey.status, 400);
  assert.equal(otherKey.code, 'InvalidRequest');
  const p1 = await c.tls.send(new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId: uploadId, PartNumber: 1, Body: part1, ...sdkSseC(A) }));
  assert.notEqual(p1.ETag, `"${createHash('md5').update(part1).digest('hex')}"`);
  const p2 = await c.tls.send(new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId: uploadId, PartNumber: 2, Body: part2, ...sdkSseC(A) }));
  const completeXml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${p1.ETag}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>${p2.ETag}</ETag></Part></CompleteMultipartUpload>`;
  for (const headers of [{}, sseCHeaders(B)]) {
    const refused = await sseRequest(c.tlsEndpoint, { method: 'POST', path: `/${b}/mp`, query: { uploadId }, headers, body: completeXml });
    assert.equal(refused.status, 400, 'Complete needs the upload key too');
    assert.equal(refused.code, 'InvalidRequest');
  }
  const done = await c.tls.send(
    new CompleteMultipartUploadCommand({
      Bucket: b,
      Key: 'mp',
      UploadId: uploadId,
      MultipartUpload: {
        Parts: [
          { PartNumber: 1, ETag: p1.ETag },
          { PartNumber: 2, ETag: p2.ETag },
        ],
      },
      ...sdkSseC(A),
    }),
  );
  assert.match(done.ETag!, /-2"$/);
  const all = Buffer.concat([part1, part2]);
  assert.ok((await bodyBytes(await c.tls.send(new GetObjectCommand({ Bucket: b, Key: 'mp', ...sdkSseC(A) })))).equals(all));
  const edge = part1.length - 70_000;
  const ranged = await bodyBytes(await c.tls.send(new GetObjectCommand({ Bucket: b, Key: 'mp', Range: `bytes=${edge}-${edge + 140_000}`, ...sdkSseC(A) })));
  assert.ok(ranged.equals(all.subarray(edge, edge + 140_001)), 'a range across the part boundary');
  const second = await c.tls.send(new GetObjectCommand({ Bucket: b, Key: 'mp', PartNumber: 2, ...sdkSseC(A) }));
  assert.ok((await bodyBytes(second)).equals(part2));
  const r = await sseRequest(c.tlsEndpoint, { method: 'GET', path: `/${b}/mp` });
  assert.equal(r.code, 'InvalidRequest');
});

test('UploadPartCopy from an SSE-C source needs the source key; into an SSE-C upload it needs the upload key', async () => {
  const b = await newBucket(c.tls, 'ssec');
  const data = deterministicBytes('ssec-upc', 150_000);
  await putSseC(b, 'src', data, B);
  const up = await c.tls.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp', ...sdkSseC(A) }));
  const uploadId = up.UploadId!;
  const missing = await sseRequest(c.tlsEndpoint, {
    method: 'PUT',
    path: `/${b}/mp`,
    query: { partNumber: '1', uploadId },
    headers: { 'x-amz-copy-source': `/${b}/src`, ...sseCHeaders(A) },
  });
  assert.equal(missing.status, 400);
  assert.equal(missing.code, 'InvalidRequest');
  const part = await c.tls.send(
    new UploadPartCopyCommand({
      Bucket: b,
      Key: 'mp',
      UploadId: uploadId,
      PartNumber: 1,
      CopySource: `${b}/src`,
      ...sdkSseC(A),
      CopySourceSSECustomerAlgorithm: 'AES256',
      CopySourceSSECustomerKey: B.key,
      CopySourceSSECustomerKeyMD5: B.md5,
    }),
  );
  await c.tls.send(
    new CompleteMultipartUploadCommand({
      Bucket: b,
      Key: 'mp',
      UploadId: uploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.CopyPartResult!.ETag }] },
      ...sdkSseC(A),
    }),
  );
  assert.ok((await bodyBytes(await c.tls.send(new GetObjectCommand({ Bucket: b, Key: 'mp', ...sdkSseC(A) })))).equals(data));
});

test('GetObjectAttributes of an SSE-C object needs the key', async () => {
  const b = await newBucket(c.tls, 'ssec');
  await putSseC(b, 'k', Buffer.from('attrs'));
  const r = await sseRequest(c.tlsEndpoint, { method: 'GET', path: `/${b}/k`, query: { attributes: '' }, headers: { 'x-amz-object-attributes': 'ObjectSize' } });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidRequest');
  const ok = await sseRequest(c.tlsEndpoint, {
    method: 'GET',
    path: `/${b}/k`,
    query: { attributes: '' },
    headers: { 'x-amz-object-attributes': 'ObjectSize', ...sseCHeaders(A) },
  });
  assert.equal(ok.status, 200);
  assert.match(ok.body.toString(), /<ObjectSize>5<\/ObjectSize>/);
});
