// boto3 (Debian python3-boto3) through the scenario, driven by boto3-s3.py beside this file:
// the managed transfers (upload_file, download_file, copy) as scripts use them.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clientScenarioTests } from './helpers/client-tests.js';
import type { Target } from './helpers/fixture.js';
import { clientEnv, clientPresence, pythonHasModule, runOk } from './helpers/run.js';
import type { ScenarioClient } from './helpers/scenario.js';

/** dist/test/clients/boto3.test.js → <repo>/test/clients/boto3-s3.py (tsc does not copy it). */
const SCRIPT = fileURLToPath(new URL('../../../test/clients/boto3-s3.py', import.meta.url));
const MiB = 1024 * 1024;

function boto3(target: Target): ScenarioClient {
  const env = clientEnv({
    AWS_ACCESS_KEY_ID: target.accessKeyId,
    AWS_SECRET_ACCESS_KEY: target.secretAccessKey,
    AWS_DEFAULT_REGION: target.region,
    AWS_CONFIG_FILE: join(target.dir, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(target.dir, 'aws-credentials'),
    COFFER_ENDPOINT: target.endpoint,
    COFFER_CA_BUNDLE: target.caFile ?? '',
  });
  const call = async (op: string, args: Record<string, unknown>): Promise<unknown> =>
    JSON.parse((await runOk('python3', [SCRIPT, op, JSON.stringify(args)], { env })).toString('utf8'));

  return {
    // boto3.s3.transfer.TransferConfig: multipart_threshold and multipart_chunksize 8 MiB.
    bigFilePartSize: 8 * MiB,
    makeBucket: async (bucket) => void (await call('create_bucket', { Bucket: bucket })),
    upload: async (file, bucket, key) => void (await call('upload_file', { Filename: file.path, Bucket: bucket, Key: key })),
    list: async (bucket) => (await call('list_objects_v2', { Bucket: bucket })) as Array<{ key: string; size: number }>,
    head: async (bucket, key) => (await call('head_object', { Bucket: bucket, Key: key })) as { size: number; etag: string },
    download: async (bucket, key, file) => void (await call('download_file', { Bucket: bucket, Key: key, Filename: file })),
    readRange: {
      async read(bucket, key, first, last) {
        const out = join(target.dir, 'range');
        await call('get_object_range', { Bucket: bucket, Key: key, Range: `bytes=${first}-${last}`, Filename: out });
        return readFile(out);
      },
    },
    copy: async (bucket, from, to) => void (await call('copy', { Bucket: bucket, From: from, To: to })),
    tags: {
      put: async (bucket, key, tags) => void (await call('put_object_tagging', { Bucket: bucket, Key: key, Tags: tags })),
      get: async (bucket, key) => (await call('get_object_tagging', { Bucket: bucket, Key: key })) as Record<string, string>,
    },
    presign: async (bucket, key) => (await call('generate_presigned_url', { Bucket: bucket, Key: key })) as string,
    delete: async (bucket, key) => void (await call('delete_object', { Bucket: bucket, Key: key })),
    deleteAll: async (bucket) => void (await call('empty_bucket', { Bucket: bucket })),
    removeBucket: async (bucket) => void (await call('delete_bucket', { Bucket: bucket })),
  };
}

clientScenarioTests('boto3', clientPresence('boto3', pythonHasModule('boto3'), 'Debian package python3-boto3'), boto3);
