import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { newBucket } from './helpers/coffer.js';
import { startSseCoffer } from './helpers/sse.js';
import type { SseCoffer } from './helpers/sse.js';

let c: SseCoffer;
before(async () => {
  c = await startSseCoffer(undefined);
});
after(() => c.close());

test('over HTTPS the SDK streams with an aws-chunked checksum trailer, and the object is exactly the payload', async () => {
  const b = await newBucket(c.tls);
  const data = Buffer.alloc(1024 * 1024 + 123);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
  const seen: Record<string, string> = {};
  c.tls.middlewareStack.add(
    (next) => async (args) => {
      const h = (args.request as { headers: Record<string, string> }).headers;
      if (h['x-amz-content-sha256']) seen.sha = h['x-amz-content-sha256'];
      if (h['x-amz-trailer']) seen.trailer = h['x-amz-trailer'];
      return next(args);
    },
    { step: 'finalizeRequest', name: 'spy', priority: 'low' },
  );
  await c.tls.send(new PutObjectCommand({ Bucket: b, Key: 'streamed', Body: Readable.from([data.subarray(0, 500_000), data.subarray(500_000)]), ContentLength: data.length }));
  assert.match(seen.sha ?? '', /^STREAMING-/);
  assert.match(seen.trailer ?? '', /^x-amz-checksum-/);
  const g = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'streamed', ChecksumMode: 'ENABLED' }));
  const back = Buffer.from(await g.Body!.transformToByteArray());
  assert.equal(back.length, data.length);
  assert.ok(back.equals(data));
  assert.equal(g.ETag, `"${createHash('md5').update(data).digest('hex')}"`);
  assert.ok(g.ChecksumCRC32 ?? g.ChecksumCRC64NVME);
  const h = await c.tls.send(new HeadObjectCommand({ Bucket: b, Key: 'streamed' }));
  assert.equal(h.ContentLength, data.length);
});
