import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { bucketName, ROOT_ACCESS_KEY, ROOT_SECRET_KEY, startTestCoffer } from './helpers/coffer.js';
import type { TestCoffer } from './helpers/coffer.js';

// A self-signed certificate for 127.0.0.1, made for these tests only.
const cert = new URL('../../test/fixtures/tls-cert.pem', import.meta.url);
const key = new URL('../../test/fixtures/tls-key.pem', import.meta.url);

let c: TestCoffer;
let tls: S3Client;
before(async () => {
  c = await startTestCoffer({ COFFER_TLS_ADDRESS: '127.0.0.1:0', COFFER_TLS_CERT: cert.pathname, COFFER_TLS_KEY: key.pathname });
  tls = new S3Client({
    endpoint: c.server.tlsEndpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ROOT_ACCESS_KEY, secretAccessKey: ROOT_SECRET_KEY },
    requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: readFileSync(cert) }) }),
  });
});
after(async () => {
  tls.destroy();
  await c.close();
});

test('over HTTPS the SDK streams with an aws-chunked checksum trailer, and the object is exactly the payload', async () => {
  const b = bucketName();
  await tls.send(new CreateBucketCommand({ Bucket: b }));
  const data = Buffer.alloc(1024 * 1024 + 123);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
  const seen: Record<string, string> = {};
  tls.middlewareStack.add(
    (next) => async (args) => {
      const h = (args.request as { headers: Record<string, string> }).headers;
      if (h['x-amz-content-sha256']) seen.sha = h['x-amz-content-sha256'];
      if (h['x-amz-trailer']) seen.trailer = h['x-amz-trailer'];
      return next(args);
    },
    { step: 'finalizeRequest', name: 'spy', priority: 'low' },
  );
  await tls.send(new PutObjectCommand({ Bucket: b, Key: 'streamed', Body: Readable.from([data.subarray(0, 500_000), data.subarray(500_000)]), ContentLength: data.length }));
  assert.match(seen.sha ?? '', /^STREAMING-/);
  assert.match(seen.trailer ?? '', /^x-amz-checksum-/);
  const g = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'streamed', ChecksumMode: 'ENABLED' }));
  const back = Buffer.from(await g.Body!.transformToByteArray());
  assert.equal(back.length, data.length);
  assert.ok(back.equals(data));
  assert.equal(g.ETag, `"${createHash('md5').update(data).digest('hex')}"`);
  assert.ok(g.ChecksumCRC32 ?? g.ChecksumCRC64NVME);
  const h = await tls.send(new HeadObjectCommand({ Bucket: b, Key: 'streamed' }));
  assert.equal(h.ContentLength, data.length);
});
