// Put/Get/DeleteBucketEncryption: a bucket's default encryption, applied to writes that name none,
// and BlockedEncryptionTypes, which refuses SSE-C writes.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketEncryption.html
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteBucketEncryptionCommand,
  GetBucketEncryptionCommand,
  GetObjectCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { ServerSideEncryptionRule } from '@aws-sdk/client-s3';
import { bodyBytes, newBucket } from './helpers/coffer.js';
import { customerKey, messageOf, sdkSseC, sseCHeaders, sseRequest, startSseCoffer } from './helpers/sse.js';
import type { SseCoffer } from './helpers/sse.js';
import { contentMd5 } from './helpers/tagging.js';

let c: SseCoffer;
before(async () => {
  c = await startSseCoffer(undefined, { COFFER_KMS_KEYS: `bucket-key:${randomBytes(32).toString('base64')}` });
});
after(() => c.close());

const K = customerKey('bucket encryption key');

async function bucketWith(rule?: ServerSideEncryptionRule): Promise<string> {
  const b = await newBucket(c.tls, 'enc');
  if (rule) await c.tls.send(new PutBucketEncryptionCommand({ Bucket: b, ServerSideEncryptionConfiguration: { Rules: [rule] } }));
  return b;
}

test('GetBucketEncryption of a bucket without a configuration is 404 ServerSideEncryptionConfigurationNotFoundError', async () => {
  const b = await bucketWith();
  const r = await sseRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { encryption: '' } });
  assert.equal(r.status, 404);
  assert.equal(r.code, 'ServerSideEncryptionConfigurationNotFoundError');
  assert.equal(messageOf(r), 'The server side encryption configuration was not found');
});

test('PutBucketEncryption then GetBucketEncryption answers the rule; DeleteBucketEncryption removes it (204)', async () => {
  const b = await bucketWith({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'bucket-key' }, BucketKeyEnabled: true });
  const got = await c.s3.send(new GetBucketEncryptionCommand({ Bucket: b }));
  const rule = got.ServerSideEncryptionConfiguration!.Rules![0]!;
  assert.equal(rule.ApplyServerSideEncryptionByDefault!.SSEAlgorithm, 'aws:kms');
  assert.equal(rule.ApplyServerSideEncryptionByDefault!.KMSMasterKeyID, 'bucket-key');
  assert.equal(rule.BucketKeyEnabled, true);
  const del = await c.s3.send(new DeleteBucketEncryptionCommand({ Bucket: b }));
  assert.equal(del.$metadata.httpStatusCode, 204);
  const r = await sseRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { encryption: '' } });
  assert.equal(r.code, 'ServerSideEncryptionConfigurationNotFoundError');
});

test('a default of AES256 encrypts writes that name no encryption: PUT, copy and multipart', async () => {
  const b = await bucketWith({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } });
  const put = await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'defaulted' }));
  assert.equal(put.ServerSideEncryption, 'AES256');
  const got = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
  assert.equal(got.ServerSideEncryption, 'AES256');
  assert.equal((await bodyBytes(got)).toString(), 'defaulted');
  const copy = await c.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'copy', CopySource: `${b}/k` }));
  assert.equal(copy.ServerSideEncryption, 'AES256');
  const up = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp' }));
  assert.equal(up.ServerSideEncryption, 'AES256');
  // A write naming its own encryption gets that one.
  const own = await c.tls.send(new PutObjectCommand({ Bucket: b, Key: 'ssec', Body: 'own key', ...sdkSseC(K) }));
  assert.equal(own.ServerSideEncryption, undefined);
  assert.equal(own.SSECustomerKeyMD5, K.md5);
});

test('a default of aws:kms with a KMSMasterKeyID encrypts under that key; an unknown one fails the write with KMS.NotFoundException', async () => {
  const b = await bucketWith({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'bucket-key' } });
  const put = await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'kms default' }));
  assert.equal(put.ServerSideEncryption, 'aws:kms');
  assert.equal(put.SSEKMSKeyId, 'bucket-key');
  assert.equal((await bodyBytes(await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' })))).toString(), 'kms default');
  // S3 does not check the key when the configuration is put, only when a write uses it.
  const missing = await bucketWith({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'fool-me-again' } });
  const r = await sseRequest(c.endpoint, { method: 'PUT', path: `/${missing}/k`, body: 'x' });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'KMS.NotFoundException');
});

test('a bucket that blocks SSE-C refuses SSE-C writes with 403 AccessDenied and the seed message; other writes and old objects are served', async () => {
  const b = await bucketWith();
  const data = Buffer.from('written before the block');
  await c.tls.send(new PutObjectCommand({ Bucket: b, Key: 'before', Body: data, ...sdkSseC(K) }));
  await c.tls.send(
    new PutBucketEncryptionCommand({
      Bucket: b,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } }] },
    }),
  );
  const got = await c.s3.send(new GetBucketEncryptionCommand({ Bucket: b }));
  assert.deepEqual(got.ServerSideEncryptionConfiguration!.Rules![0]!.BlockedEncryptionTypes!.EncryptionType, ['SSE-C']);
  const message = 'Access Denied - Server-Side Encryption with Customer-Provided Keys is not enabled for this vault.';
  const put = await sseRequest(c.tlsEndpoint, { method: 'PUT', path: `/${b}/k`, headers: sseCHeaders(K), body: 'x' });
  assert.equal(put.status, 403);
  assert.equal(put.code, 'AccessDenied');
  assert.equal(messageOf(put), message);
  const mpu = await sseRequest(c.tlsEndpoint, { method: 'POST', path: `/${b}/mp`, query: { uploads: '' }, headers: sseCHeaders(K) });
  assert.equal(mpu.status, 403);
  assert.equal(messageOf(mpu), message);
  const copy = await sseRequest(c.tlsEndpoint, {
    method: 'PUT',
    path: `/${b}/copy`,
    headers: { 'x-amz-copy-source': `/${b}/before`, ...sseCHeaders(K), ...sseCHeaders(K, 'x-amz-copy-source-') },
  });
  assert.equal(copy.status, 403);
  assert.equal(messageOf(copy), message);
  // Reading what was written before stays possible; writes without SSE-C are served.
  assert.ok((await bodyBytes(await c.tls.send(new GetObjectCommand({ Bucket: b, Key: 'before', ...sdkSseC(K) })))).equals(data));
  assert.equal((await c.s3.send(new PutObjectCommand({ Bucket: b, Key: 'plain', Body: 'x' }))).ServerSideEncryption, 'AES256');
  // NONE lifts the block.
  await c.tls.send(new PutBucketEncryptionCommand({ Bucket: b, ServerSideEncryptionConfiguration: { Rules: [{ BlockedEncryptionTypes: { EncryptionType: ['NONE'] } }] } }));
  const ok = await sseRequest(c.tlsEndpoint, { method: 'PUT', path: `/${b}/k`, headers: sseCHeaders(K), body: 'x' });
  assert.equal(ok.status, 200);
});

test('PutBucketEncryption with an unknown algorithm is MalformedXML; a KMSMasterKeyID with AES256 is InvalidArgument; no Content-MD5 is InvalidRequest', async () => {
  const b = await bucketWith();
  const put = (xml: string, md5 = true) =>
    sseRequest(c.endpoint, {
      method: 'PUT',
      path: `/${b}`,
      query: { encryption: '' },
      headers: md5 ? { 'content-md5': contentMd5(xml) } : {},
      body: xml,
    });
  const doc = (inner: string) => `<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule>${inner}</Rule></ServerSideEncryptionConfiguration>`;
  assert.equal((await put(doc('<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES512</SSEAlgorithm></ApplyServerSideEncryptionByDefault>'))).code, 'MalformedXML');
  const withKey = await put(doc('<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault>'));
  assert.equal(withKey.status, 400);
  assert.equal(withKey.code, 'InvalidArgument');
  const blocked = await put(doc('<BlockedEncryptionTypes><EncryptionType>SSE-KMS</EncryptionType></BlockedEncryptionTypes>'));
  assert.equal(blocked.code, 'InvalidArgument');
  const noMd5 = await put(doc('<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>'), false);
  assert.equal(noMd5.status, 400);
  assert.equal(noMd5.code, 'InvalidRequest');
  const ok = await put(doc('<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>'));
  assert.equal(ok.status, 200);
});
