// s3cmd (Debian s3cmd) through the scenario, with its own config file: path style (host_bucket
// without %(bucket)s), Signature Version 4, the server's certificate as its CA file.
import { copyFile, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clientScenarioTests } from './helpers/client-tests.js';
import type { Target } from './helpers/fixture.js';
import { clientEnv, clientPresence, findCommand, runOk } from './helpers/run.js';
import type { ScenarioClient } from './helpers/scenario.js';

const MiB = 1024 * 1024;

async function s3cmd(target: Target): Promise<ScenarioClient> {
  const config = join(target.dir, 's3cfg');
  const https = target.caFile !== undefined;
  // https://s3tools.org/kb/item14.htm and S3/Config.py for the option names.
  await writeFile(
    config,
    [
      '[default]',
      `access_key = ${target.accessKeyId}`,
      `secret_key = ${target.secretAccessKey}`,
      `host_base = ${target.host}:${target.port}`,
      `host_bucket = ${target.host}:${target.port}`,
      `bucket_location = ${target.region}`,
      `use_https = ${https ? 'True' : 'False'}`,
      `signurl_use_https = ${https ? 'True' : 'False'}`,
      `ca_certs_file = ${target.caFile ?? ''}`,
      'check_ssl_certificate = True',
      'check_ssl_hostname = True',
      'signature_v2 = False',
      '',
    ].join('\n'),
  );
  const env = clientEnv({});
  const run = (...args: string[]): Promise<Buffer> => runOk('s3cmd', ['-c', config, ...args], { env });
  const s3url = (bucket: string, key = ''): string => `s3://${bucket}/${key}`;
  const version = (await run('--version')).toString('utf8').trim();

  return {
    // multipart_chunk_size_mb = 15 in S3/Config.py.
    bigFilePartSize: 15 * MiB,
    makeBucket: async (bucket) => void (await run('mb', s3url(bucket))),
    upload: async (file, bucket, key) => void (await run('put', file.path, s3url(bucket, key))),
    async list(bucket) {
      // `2026-12-07 00:20     40000000  s3://bucket/media/big.bin`
      const out = (await run('ls', '--recursive', s3url(bucket))).toString('utf8');
      return out
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((line) => {
          const m = /^\S+ \S+\s+(\d+)\s+s3:\/\/[^/]+\/(.+)$/.exec(line);
          if (!m) throw new Error(`s3cmd ls printed an unexpected line: ${line}`);
          return { key: m[2]!, size: Number(m[1]) };
        });
    },
    async head(bucket, key) {
      // `s3cmd info` shows the MD5 s3cmd stored in x-amz-meta-s3cmd-attrs at upload.
      const out = (await run('info', s3url(bucket, key))).toString('utf8');
      const size = /File size:\s*(\d+)/.exec(out)?.[1];
      const md5 = /MD5 sum:\s*([0-9a-f]{32})\b/.exec(out)?.[1];
      if (size === undefined) throw new Error(`s3cmd info shows no size:\n${out}`);
      return { size: Number(size), md5 };
    },
    download: async (bucket, key, file) => void (await run('get', s3url(bucket, key), file)),
    readRange: {
      // s3cmd reads a range only to resume a download (--continue sends Range: bytes=N-).
      toEndOnly: true,
      async read(bucket, key, first, _last, original) {
        const partial = join(target.dir, 'resumed');
        await copyFile(original.path, partial);
        await truncate(partial, first);
        await run('get', '--continue', s3url(bucket, key), partial);
        return (await readFile(partial)).subarray(first);
      },
    },
    copy: async (bucket, from, to) => void (await run('cp', s3url(bucket, from), s3url(bucket, to))),
    tags: { unavailable: `${version} has no object tagging command` },
    // s3cmd signurl makes only Signature Version 2 URLs, so this Coffer runs with COFFER_SIGV2=on.
    presign: async (bucket, key) => (await run('signurl', s3url(bucket, key), '+600')).toString('utf8').trim(),
    delete: async (bucket, key) => void (await run('del', s3url(bucket, key))),
    // A multi-object delete (DeleteObjects); --force because it empties the whole bucket.
    deleteAll: async (bucket) => void (await run('del', '--recursive', '--force', s3url(bucket))),
    removeBucket: async (bucket) => void (await run('rb', s3url(bucket))),
  };
}

clientScenarioTests('s3cmd', clientPresence('s3cmd', findCommand('s3cmd') !== undefined, 'Debian package s3cmd'), s3cmd, { COFFER_SIGV2: 'on' });
