// @aws-sdk/client-s3 with @aws-sdk/lib-storage through the scenario, defaults on: its uploads
// go as aws-chunked bodies with a CRC32 trailer, its 40 MB upload in lib-storage's 5 MiB parts.
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { pipeline } from 'node:stream/promises';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { clientScenarioTests } from './helpers/client-tests.js';
import type { Target } from './helpers/fixture.js';
import type { ScenarioClient } from './helpers/scenario.js';

const MiB = 1024 * 1024;

/** The part of a copy source that is the key: each segment percent-encoded, as the docs ask. */
function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

function awsSdk(target: Target): ScenarioClient {
  const s3 = new S3Client({
    endpoint: target.endpoint,
    region: target.region,
    forcePathStyle: true,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
    ...(target.caFile === undefined ? {} : { requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: readFileSync(target.caFile) }) }) }),
  });

  return {
    // lib-storage's Upload: partSize 5 MiB by default (the S3 minimum), queueSize 4.
    bigFilePartSize: 5 * MiB,
    makeBucket: async (bucket) => void (await s3.send(new CreateBucketCommand({ Bucket: bucket }))),
    async upload(file, bucket, key) {
      const Body = createReadStream(file.path);
      if (file.size < 5 * MiB) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body }));
      else await new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body } }).done();
    },
    async list(bucket) {
      const out: Array<{ key: string; size: number }> = [];
      for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket })) {
        for (const o of page.Contents ?? []) out.push({ key: o.Key!, size: o.Size! });
      }
      return out;
    },
    async head(bucket, key) {
      const h = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { size: h.ContentLength!, etag: h.ETag?.replace(/^"|"$/g, '') };
    },
    async download(bucket, key, file) {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      await pipeline(out.Body as NodeJS.ReadableStream, createWriteStream(file));
    },
    readRange: {
      async read(bucket, key, first, last) {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${first}-${last}` }));
        return Buffer.from(await out.Body!.transformToByteArray());
      },
    },
    copy: async (bucket, from, to) => void (await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: to, CopySource: copySource(bucket, from) }))),
    tags: {
      async put(bucket, key, tags) {
        const TagSet = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
        await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: key, Tagging: { TagSet } }));
      },
      async get(bucket, key) {
        const out = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
        return Object.fromEntries((out.TagSet ?? []).map((t) => [t.Key!, t.Value!]));
      },
    },
    presign: (bucket, key) => getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 600 }),
    delete: async (bucket, key) => void (await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))),
    async deleteAll(bucket) {
      const keys = (await this.list(bucket)).map((o) => ({ Key: o.key }));
      const out = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
      if ((out.Errors ?? []).length > 0) throw new Error(`DeleteObjects: ${JSON.stringify(out.Errors)}`);
    },
    removeBucket: async (bucket) => void (await s3.send(new DeleteBucketCommand({ Bucket: bucket }))),
    close: () => s3.destroy(),
  };
}

clientScenarioTests('@aws-sdk/client-s3', {}, awsSdk);
