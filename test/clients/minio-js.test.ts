// minio-js (npm minio) through the scenario. Its default part size is 64 MiB, so a 40 MB file
// would go up in one PUT: the client is given the S3 minimum, 5 MiB, to upload it in parts.
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { Client, CopyDestinationOptions, CopySourceOptions } from 'minio';
import { clientScenarioTests } from './helpers/client-tests.js';
import type { Target } from './helpers/fixture.js';
import type { ScenarioClient } from './helpers/scenario.js';

const MiB = 1024 * 1024;
const PART_SIZE_BYTES = 5 * MiB;

function minioJs(target: Target): ScenarioClient {
  const agent = target.caFile === undefined ? undefined : new Agent({ ca: readFileSync(target.caFile), keepAlive: true });
  const minio = new Client({
    endPoint: target.host,
    port: target.port,
    useSSL: target.protocol === 'https',
    accessKey: target.accessKeyId,
    secretKey: target.secretAccessKey,
    pathStyle: true,
    partSize: PART_SIZE_BYTES,
    ...(agent === undefined ? {} : { transportAgent: agent }),
  });

  return {
    bigFilePartSize: PART_SIZE_BYTES,
    makeBucket: (bucket) => minio.makeBucket(bucket),
    upload: async (file, bucket, key) => void (await minio.fPutObject(bucket, key, file.path)),
    async list(bucket) {
      const out: Array<{ key: string; size: number }> = [];
      for await (const item of minio.listObjectsV2(bucket, '', true)) {
        if (item.name !== undefined) out.push({ key: item.name, size: item.size });
      }
      return out;
    },
    async head(bucket, key) {
      const stat = await minio.statObject(bucket, key);
      return { size: stat.size, etag: stat.etag };
    },
    download: (bucket, key, file) => minio.fGetObject(bucket, key, file),
    readRange: {
      async read(bucket, key, first, last) {
        const chunks: Buffer[] = [];
        for await (const c of await minio.getPartialObject(bucket, key, first, last - first + 1)) chunks.push(c as Buffer);
        return Buffer.concat(chunks);
      },
    },
    async copy(bucket, from, to) {
      await minio.copyObject(new CopySourceOptions({ Bucket: bucket, Object: from }), new CopyDestinationOptions({ Bucket: bucket, Object: to }));
    },
    tags: {
      put: (bucket, key, tags) => minio.setObjectTagging(bucket, key, tags),
      async get(bucket, key) {
        const tags = await minio.getObjectTagging(bucket, key);
        return Object.fromEntries(tags.map((t) => [t.Key, t.Value]));
      },
    },
    presign: (bucket, key) => minio.presignedGetObject(bucket, key, 600),
    delete: (bucket, key) => minio.removeObject(bucket, key),
    async deleteAll(bucket) {
      const keys: string[] = [];
      for await (const item of minio.listObjectsV2(bucket, '', true)) if (item.name !== undefined) keys.push(item.name);
      await minio.removeObjects(bucket, keys);
    },
    removeBucket: (bucket) => minio.removeBucket(bucket),
    close: () => agent?.destroy(),
  };
}

clientScenarioTests('minio-js', {}, minioJs);
