// rclone (Debian rclone) through the scenario, its remote given by environment variables only:
// provider Other, path style, the server's certificate through --ca-cert.
import { join } from 'node:path';
import { clientScenarioTests } from './helpers/client-tests.js';
import type { Target } from './helpers/fixture.js';
import { clientEnv, clientPresence, findCommand, runOk } from './helpers/run.js';
import type { ScenarioClient } from './helpers/scenario.js';

const MiB = 1024 * 1024;

function rclone(target: Target): ScenarioClient {
  // https://rclone.org/docs/#config-file: RCLONE_CONFIG_<REMOTE>_<OPTION> defines a remote.
  const env = clientEnv({
    RCLONE_CONFIG: join(target.dir, 'rclone.conf'),
    RCLONE_CONFIG_COFFER_TYPE: 's3',
    RCLONE_CONFIG_COFFER_PROVIDER: 'Other',
    RCLONE_CONFIG_COFFER_ENV_AUTH: 'false',
    RCLONE_CONFIG_COFFER_ACCESS_KEY_ID: target.accessKeyId,
    RCLONE_CONFIG_COFFER_SECRET_ACCESS_KEY: target.secretAccessKey,
    RCLONE_CONFIG_COFFER_REGION: target.region,
    RCLONE_CONFIG_COFFER_ENDPOINT: target.endpoint,
    RCLONE_CONFIG_COFFER_FORCE_PATH_STYLE: 'true',
  });
  const tls = target.caFile === undefined ? [] : ['--ca-cert', target.caFile];
  const run = (...args: string[]): Promise<Buffer> => runOk('rclone', [...args, ...tls], { env });
  const remote = (bucket: string, key = ''): string => `coffer:${bucket}${key === '' ? '' : `/${key}`}`;
  // rclone sends files under --s3-upload-cutoff (200 MiB by default) in one PUT; a lower cutoff
  // makes it upload the 40 MB file in parts of its own --s3-chunk-size (5 MiB). Its
  // CompleteMultipartUpload body, from Go's XML encoder, writes the ETags' quotes as &#34;.
  const cutoff = ['--s3-upload-cutoff', '16Mi'];

  return {
    bigFilePartSize: 5 * MiB,
    makeBucket: async (bucket) => void (await run('mkdir', remote(bucket))),
    upload: async (file, bucket, key) => void (await run('copyto', file.path, remote(bucket, key), ...cutoff)),
    async list(bucket) {
      const out = JSON.parse((await run('lsjson', '--recursive', '--files-only', remote(bucket))).toString('utf8')) as Array<{ Path: string; Size: number }>;
      return out.map((o) => ({ key: o.Path, size: o.Size }));
    },
    async head(bucket, key) {
      // The MD5 is the ETag of a single PUT, or the md5chksum metadata rclone sets on a multipart upload.
      const o = JSON.parse((await run('lsjson', '--stat', '--hash', remote(bucket, key))).toString('utf8')) as { Size: number; Hashes?: { md5?: string } };
      return { size: o.Size, md5: o.Hashes?.md5 };
    },
    download: async (bucket, key, file) => void (await run('copyto', remote(bucket, key), file)),
    readRange: {
      read: (bucket, key, first, last) => run('cat', '--offset', String(first), '--count', String(last - first + 1), remote(bucket, key)),
    },
    copy: async (bucket, from, to) => void (await run('copyto', remote(bucket, from), remote(bucket, to))),
    tags: { unavailable: 'rclone has no command for object tags' },
    presign: async (bucket, key) => (await run('link', '--expire', '10m', remote(bucket, key))).toString('utf8').trim(),
    delete: async (bucket, key) => void (await run('deletefile', remote(bucket, key))),
    deleteAll: async (bucket) => void (await run('delete', remote(bucket))),
    removeBucket: async (bucket) => void (await run('rmdir', remote(bucket))),
  };
}

clientScenarioTests('rclone', clientPresence('rclone', findCommand('rclone') !== undefined, 'Debian package rclone'), rclone);
