// Start a real Coffer on a free loopback port in a temp dir, with an SDK client pointed at it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import type { Env } from '../../src/config.js';
import { startCoffer } from '../../src/http/server.js';
import type { CofferServer } from '../../src/http/server.js';

export const ROOT_ACCESS_KEY = 'COFFERTESTROOT';
export const ROOT_SECRET_KEY = 'coffer-test-root-secret';

export interface TestCoffer {
  server: CofferServer;
  endpoint: string;
  dataDir: string;
  accessKeyId: string;
  secretAccessKey: string;
  s3: S3Client;
  client(accessKeyId: string, secretAccessKey: string): S3Client;
  close(): Promise<void>;
}

export async function startTestCoffer(env: Env = {}): Promise<TestCoffer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'coffer-test-'));
  const config = loadConfig({
    COFFER_ADDRESS: '127.0.0.1:0',
    COFFER_DATA_DIR: dataDir,
    COFFER_ROOT_ACCESS_KEY: ROOT_ACCESS_KEY,
    COFFER_ROOT_SECRET_KEY: ROOT_SECRET_KEY,
    ...env,
  });
  const server = await startCoffer(config, pino({ level: process.env.COFFER_TEST_LOG ?? 'silent' }));
  const clients: S3Client[] = [];
  const client = (accessKeyId: string, secretAccessKey: string): S3Client => {
    const c = new S3Client({
      endpoint: server.endpoint,
      region: config.region,
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey },
    });
    clients.push(c);
    return c;
  };
  const s3 = client(ROOT_ACCESS_KEY, ROOT_SECRET_KEY);
  return {
    server,
    endpoint: server.endpoint,
    dataDir,
    accessKeyId: ROOT_ACCESS_KEY,
    secretAccessKey: ROOT_SECRET_KEY,
    s3,
    client,
    async close() {
      for (const c of clients) c.destroy();
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
/** A fresh bucket name per test. */
export function bucketName(prefix = 'b'): string {
  counter++;
  return `${prefix}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}
