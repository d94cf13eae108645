// aws-cli (Debian awscli) through the scenario, as a user types it: `aws s3` for buckets and
// transfers, `aws s3api` where `aws s3` has no command (head, range, tags).
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clientScenarioTests } from './helpers/client-tests.js';
import type { Target } from './helpers/fixture.js';
import { clientEnv, clientPresence, findCommands, runOk } from './helpers/run.js';
import type { ScenarioClient } from './helpers/scenario.js';

const MiB = 1024 * 1024;

async function awsCli(command: string, target: Target): Promise<ScenarioClient> {
  // aws-cli v1 presigns with Signature Version 2 unless the profile asks for version 4, which is
  // what AWS tells users to set; v2 always presigns with version 4 and ignores it.
  // https://docs.aws.amazon.com/cli/latest/topic/s3-config.html
  const config = join(target.dir, 'aws-config');
  await writeFile(config, '[default]\ns3 =\n    signature_version = s3v4\n');
  const env = clientEnv({
    AWS_ACCESS_KEY_ID: target.accessKeyId,
    AWS_SECRET_ACCESS_KEY: target.secretAccessKey,
    AWS_DEFAULT_REGION: target.region,
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: join(target.dir, 'aws-credentials'),
    AWS_PAGER: '',
  });
  const connection = ['--endpoint-url', target.endpoint, ...(target.caFile === undefined ? [] : ['--ca-bundle', target.caFile])];
  const aws = (...args: string[]): Promise<Buffer> => runOk(command, [...args, ...connection], { env });
  const awsJson = async (...args: string[]): Promise<Record<string, unknown>> => JSON.parse((await aws(...args, '--output', 'json')).toString('utf8')) as Record<string, unknown>;
  const s3url = (bucket: string, key = ''): string => `s3://${bucket}/${key}`;

  return {
    // aws s3 cp: multipart_threshold and multipart_chunksize are both 8 MiB by default.
    // https://docs.aws.amazon.com/cli/latest/topic/s3-config.html
    bigFilePartSize: 8 * MiB,
    makeBucket: async (bucket) => void (await aws('s3', 'mb', s3url(bucket))),
    upload: async (file, bucket, key) => void (await aws('s3', 'cp', file.path, s3url(bucket, key))),
    async list(bucket) {
      // `2026-12-07 00:20:03   40000000 media/big.bin`
      const out = (await aws('s3', 'ls', s3url(bucket), '--recursive')).toString('utf8');
      return out
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((line) => {
          const m = /^\S+ \S+\s+(\d+) (.+)$/.exec(line);
          if (!m) throw new Error(`aws s3 ls printed an unexpected line: ${line}`);
          return { key: m[2]!, size: Number(m[1]) };
        });
    },
    async head(bucket, key) {
      const h = await awsJson('s3api', 'head-object', '--bucket', bucket, '--key', key);
      return { size: Number(h.ContentLength), etag: String(h.ETag).replace(/^"|"$/g, '') };
    },
    download: async (bucket, key, file) => void (await aws('s3', 'cp', s3url(bucket, key), file)),
    readRange: {
      async read(bucket, key, first, last) {
        const out = join(target.dir, 'range');
        await aws('s3api', 'get-object', '--bucket', bucket, '--key', key, '--range', `bytes=${first}-${last}`, out);
        return readFile(out);
      },
    },
    async copy(bucket, from, to) {
      // aws-cli v2 copies tags too (--copy-props default), reading them with GetObjectTagging
      // when the copy is multipart.
      await aws('s3', 'cp', s3url(bucket, from), s3url(bucket, to));
    },
    tags: {
      async put(bucket, key, tags) {
        const tagging = JSON.stringify({ TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) });
        await aws('s3api', 'put-object-tagging', '--bucket', bucket, '--key', key, '--tagging', tagging);
      },
      async get(bucket, key) {
        const out = await awsJson('s3api', 'get-object-tagging', '--bucket', bucket, '--key', key);
        const set = out.TagSet as Array<{ Key: string; Value: string }>;
        return Object.fromEntries(set.map((t) => [t.Key, t.Value]));
      },
    },
    presign: async (bucket, key) => (await aws('s3', 'presign', s3url(bucket, key), '--expires-in', '600')).toString('utf8').trim(),
    delete: async (bucket, key) => void (await aws('s3', 'rm', s3url(bucket, key))),
    deleteAll: async (bucket) => void (await aws('s3', 'rm', s3url(bucket), '--recursive')),
    removeBucket: async (bucket) => void (await aws('s3', 'rb', s3url(bucket))),
  };
}

/**
 * Each aws-cli on PATH, once per version: a machine often has Debian's v2 and a v1 from pip, and
 * they differ (v2 reads tags on a multipart copy, v1 presigns with SigV2 unless told otherwise).
 */
function awsClis(): Array<{ command: string; version: string }> {
  const found = new Map<string, string>();
  for (const command of findCommands('aws')) {
    const r = spawnSync(command, ['--version'], { encoding: 'utf8', timeout: 60_000 });
    const version = /aws-cli\/(\d+\.\d+\.\d+)/.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1];
    if (version !== undefined && !found.has(version)) found.set(version, command);
  }
  return [...found].map(([version, command]) => ({ command, version }));
}

const clis = awsClis();
if (clis.length === 0) clientScenarioTests('aws-cli', clientPresence('aws-cli', false, 'Debian package awscli'), (target) => awsCli('aws', target));
for (const { command, version } of clis) {
  clientScenarioTests(`aws-cli ${version}`, clientPresence('aws-cli', true, 'Debian package awscli'), (target) => awsCli(command, target));
}
